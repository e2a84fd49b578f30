//! The official calendar against calendar.md, and the arithmetic of statutory periods.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use rex_calendar::{
    Calendar, DayReason, IntakeShift, OfficeIntake, PeriodUnit, StatutoryStep, StepState,
    falling_due_within,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cal() -> Calendar {
    Calendar::official().expect("the shipped calendar loads")
}

/// A year of calendar.md's table: the days off that are not plain weekends, and the weekend
/// days worked by transfer.
struct YearTable {
    year: i32,
    off: &'static [&'static str],
    worked: &'static [&'static str],
    non_working_total: usize,
}

const TABLES: &[YearTable] = &[
    YearTable {
        year: 2024,
        off: &[
            "01-01", "01-02", "01-07", "03-08", "03-21", "03-22", "03-23", "03-25", "05-01",
            "05-07", "05-08", "05-09", "06-16", "07-06", "07-08", "08-30", "10-25", "12-16",
        ],
        worked: &["05-04"],
        non_working_total: 117,
    },
    YearTable {
        year: 2025,
        off: &[
            "01-01", "01-02", "01-03", "01-07", "03-08", "03-10", "03-21", "03-22", "03-23",
            "03-24", "03-25", "05-01", "05-07", "05-09", "06-06", "07-06", "07-07", "08-30",
            "09-01", "10-25", "10-27", "12-16",
        ],
        worked: &["01-05"],
        non_working_total: 119,
    },
    YearTable {
        year: 2026,
        off: &[
            "01-01", "01-02", "01-07", "03-08", "03-09", "03-21", "03-22", "03-23", "03-24",
            "03-25", "05-01", "05-07", "05-09", "05-11", "05-27", "07-06", "10-25", "10-26",
            "12-16",
        ],
        worked: &[],
        non_working_total: 118,
    },
];

#[test]
fn calendar_md_tables_2024_to_2026_match_every_day() {
    let cal = cal();
    for table in TABLES {
        let listed = |list: &[&str], day: NaiveDate| {
            list.iter()
                .any(|md| d(&format!("{}-{md}", table.year)) == day)
        };
        let mut non_working = 0;
        for day in d(&format!("{}-01-01", table.year))
            .iter_days()
            .take_while(|x| x.year() == table.year)
        {
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            let expected = !(listed(table.off, day) || (weekend && !listed(table.worked, day)));
            let info = cal.day_info(day).unwrap();
            assert_eq!(info.working, expected, "{day}: {:?}", info.reason);
            assert!(!info.provisional, "{day} is in an official year");
            if !info.working {
                non_working += 1;
            }
        }
        assert_eq!(
            non_working, table.non_working_total,
            "non-working days in {}",
            table.year
        );
    }
}

#[test]
fn every_listed_day_has_the_right_kind_of_reason() {
    let cal = cal();
    let reason = |s: &str| cal.day_info(d(s)).unwrap().reason.unwrap();
    assert!(
        matches!(reason("2024-05-04"), DayReason::TransferredWorkingDay { day_off, .. } if day_off == d("2024-05-08"))
    );
    assert!(
        matches!(reason("2024-05-08"), DayReason::TransferredDayOff { worked_on, .. } if worked_on == d("2024-05-04"))
    );
    assert!(
        matches!(reason("2025-01-03"), DayReason::TransferredDayOff { worked_on, .. } if worked_on == d("2025-01-05"))
    );
    assert!(
        matches!(reason("2025-09-01"), DayReason::Substitute { holiday, holiday_date } if holiday == "Constitution Day" && holiday_date == d("2025-08-30"))
    );
    assert!(
        matches!(reason("2026-05-27"), DayReason::Holiday { name, .. } if name.starts_with("Kurban Ait"))
    );
    assert!(matches!(reason("2026-03-14"), DayReason::Weekend { .. }));
    assert_eq!(cal.day_info(d("2026-03-12")).unwrap().reason, None);
}

#[test]
fn no_constitution_day_in_2026_and_15_march_from_2027() {
    let cal = cal();
    assert!(
        cal.is_working_day(d("2026-08-31")).unwrap(),
        "Aug 31 2026 is a working day"
    );
    assert!(cal.is_working_day(d("2027-08-30")).unwrap());
    assert!(!cal.is_working_day(d("2027-03-15")).unwrap());
    assert!(!cal.is_working_day(d("2025-08-30")).unwrap());
}

#[test]
fn chained_substitute_1_jan_2023_gives_tuesday_3_jan() {
    let cal = cal();
    assert!(!cal.is_working_day(d("2023-01-02")).unwrap());
    let info = cal.day_info(d("2023-01-03")).unwrap();
    assert!(!info.working);
    assert_eq!(
        info.reason,
        Some(DayReason::Substitute {
            holiday: "New Year".into(),
            holiday_date: d("2023-01-01")
        })
    );
    assert!(cal.is_working_day(d("2023-01-04")).unwrap());
}

#[test]
fn kurban_ait_on_sunday_2024_and_christmas_on_sunday_get_no_substitute() {
    let cal = cal();
    assert!(!cal.is_working_day(d("2024-06-16")).unwrap());
    assert!(
        cal.is_working_day(d("2024-06-17")).unwrap(),
        "religious days have no substitute"
    );
    assert!(
        cal.is_working_day(d("2024-01-08")).unwrap(),
        "7 Jan 2024 was a Sunday"
    );
}

#[test]
fn year_2023_has_119_non_working_days_with_its_transfer() {
    let cal = cal();
    let off = d("2023-01-01")
        .iter_days()
        .take_while(|x| x.year() == 2023)
        .filter(|x| !cal.is_working_day(*x).unwrap())
        .count();
    assert_eq!(off, 119);
    assert!(
        cal.is_working_day(d("2023-07-01")).unwrap(),
        "Saturday 1 July 2023 was worked"
    );
    assert!(!cal.is_working_day(d("2023-07-07")).unwrap());
    assert!(
        !cal.is_working_day(d("2023-12-18")).unwrap(),
        "Independence Day 16 Dec 2023 was a Saturday"
    );
}

#[test]
fn period_starts_the_day_after_and_ends_on_its_last_working_day() {
    let cal = cal();
    // Thursday + 1 WD = Friday; Friday + 1 WD = Monday.
    assert_eq!(
        cal.add_working_days(d("2026-11-19"), 1).unwrap(),
        d("2026-11-20")
    );
    assert_eq!(
        cal.add_working_days(d("2026-11-20"), 1).unwrap(),
        d("2026-11-23")
    );
    // An event on a day off: counting still starts the next day.
    assert_eq!(
        cal.add_working_days(d("2026-11-21"), 1).unwrap(),
        d("2026-11-23")
    );
    assert_eq!(
        cal.add_working_days(d("2026-11-20"), 0).unwrap(),
        d("2026-11-20")
    );
    assert_eq!(
        cal.next_working_day(d("2026-03-20")).unwrap(),
        d("2026-03-26")
    );
    assert_eq!(
        cal.this_or_next_working_day(d("2026-03-20")).unwrap(),
        d("2026-03-20")
    );
    assert_eq!(
        cal.this_or_next_working_day(d("2026-03-21")).unwrap(),
        d("2026-03-26")
    );
}

#[test]
fn working_days_across_nauryz_2026() {
    let cal = cal();
    // REG-9 refusal (+3 WD) and REG-6 registration (+5 WD) of an application received 19 March.
    assert_eq!(
        cal.add_working_days(d("2026-03-19"), 3).unwrap(),
        d("2026-03-27")
    );
    assert_eq!(
        cal.add_working_days(d("2026-03-19"), 5).unwrap(),
        d("2026-03-31")
    );
    // VER-2: 30 WD from 10 March 2026. 11..31 March has 12 WD (21-25 March and weekends
    // off), so the 30th is the 18th working day of April: Friday 24 April.
    let due = cal
        .due(d("2026-03-10"), 30, PeriodUnit::WorkingDays)
        .unwrap();
    assert_eq!(due.due, d("2026-04-24"));
    assert_eq!(
        cal.working_days_between(d("2026-03-10"), d("2026-04-24"))
            .unwrap(),
        30
    );
    let skipped: Vec<_> = due.skipped.iter().map(|s| s.date).collect();
    for day in [
        "2026-03-21",
        "2026-03-22",
        "2026-03-23",
        "2026-03-24",
        "2026-03-25",
    ] {
        assert!(skipped.contains(&d(day)), "{day} listed as skipped");
    }
    assert_eq!(
        skipped.len(),
        (due.due - due.start).num_days() as usize - 30
    );
}

#[test]
fn chg_2_ten_calendar_days_ending_on_a_day_off_end_on_the_next_working_day() {
    let cal = cal();
    // The tenth day, Sunday 29 March, is a day off: the period ends on Monday 30 March (Civil
    // Code art. 173).
    let due = cal
        .due(d("2026-03-19"), 10, PeriodUnit::CalendarDays)
        .unwrap();
    assert_eq!(due.due, d("2026-03-30"));
    assert_eq!(
        due.rolled_from.as_ref().map(|r| r.date),
        Some(d("2026-03-29"))
    );
    assert!(due.skipped.is_empty());
    assert_eq!(due.ends_at.to_rfc3339(), "2026-03-30T23:59:59+05:00");
    assert!(due.explanation().contains("art. 173"), "{due}");
    // On a working day, it is not moved.
    let due = cal
        .due(d("2026-03-20"), 10, PeriodUnit::CalendarDays)
        .unwrap();
    assert_eq!(
        (due.due, due.rolled_from.is_none()),
        (d("2026-03-30"), true)
    );
}

#[test]
fn year_boundary_and_transfer_across_new_year_2025() {
    let cal = cal();
    // 31 Dec 2024 + 1 WD: 1, 2 Jan holidays, 3 Jan transferred off, 4 Jan Sat, 5 Jan worked Sunday.
    let due = cal
        .due(d("2024-12-31"), 1, PeriodUnit::WorkingDays)
        .unwrap();
    assert_eq!(due.due, d("2025-01-05"));
    assert_eq!(due.worked_weekend_days.len(), 1);
    assert_eq!(
        cal.add_working_days(d("2024-12-31"), 2).unwrap(),
        d("2025-01-06")
    );
    assert_eq!(
        cal.working_days_between(d("2024-12-31"), d("2025-01-06"))
            .unwrap(),
        2
    );
    assert_eq!(
        cal.working_days_between(d("2025-01-06"), d("2024-12-31"))
            .unwrap(),
        -2
    );
}

#[test]
fn due_date_explains_itself_in_one_line_and_as_data() {
    let cal = cal();
    let due = cal
        .due(d("2026-03-19"), 3, PeriodUnit::WorkingDays)
        .unwrap();
    let line = due.explanation();
    assert!(line.starts_with("due Friday 2026-03-27 (ends 2026-03-27 23:59:59+05:00 Asia/Almaty): 3 working days from 2026-03-19, counted from 2026-03-20; skipped 2026-03-21 Sat Nauryz (holiday)"), "{line}");
    assert!(
        line.contains(
            "2026-03-25 Wed substitute day off for Nauryz, which fell on Sunday 2026-03-22"
        ),
        "{line}"
    );
    let json = serde_json::to_value(&due).unwrap();
    assert_eq!(json["due"], "2026-03-27");
    assert_eq!(json["unit"], "working_days");
    assert_eq!(json["skipped"][4]["reason"]["kind"], "substitute");
    assert_eq!(json["provisional"], false);
}

#[test]
fn years_without_final_data_are_provisional_and_say_so() {
    let cal = cal();
    // 2028: no file; statutory rules only.
    let info = cal.day_info(d("2028-03-15")).unwrap();
    assert!(!info.working && info.provisional);
    let due = cal
        .due(d("2028-01-03"), 3, PeriodUnit::WorkingDays)
        .unwrap();
    assert!(due.provisional);
    assert_eq!(due.provisional_years, [2028]);
    assert!(
        due.explanation().contains("PROVISIONAL"),
        "{}",
        due.explanation()
    );
    // A period starting in an official year and ending in a provisional one is provisional.
    let due = cal
        .due(d("2026-12-30"), 5, PeriodUnit::WorkingDays)
        .unwrap();
    assert_eq!(due.provisional_years, [2027]);
    // Official years are not.
    assert!(
        !cal.due(d("2026-06-01"), 5, PeriodUnit::WorkingDays)
            .unwrap()
            .provisional
    );
    // Rules alone know the weekend rule: 1 May 2027 (Sat) gives Monday 3 May off.
    assert!(!cal.is_working_day(d("2027-05-03")).unwrap());
}

#[test]
fn outside_the_calendar_is_an_error_not_a_guess() {
    let cal = cal();
    // The calendar starts in 2014 (Order 292's years); before it there is no answer.
    assert!(cal.is_working_day(d("2013-12-31")).is_err());
    assert!(cal.add_working_days(d("2099-12-30"), 5).is_err());
    let err = cal.add_working_days(d("2100-01-01"), 1).unwrap_err();
    assert!(
        err.to_string().contains("outside the working-day calendar"),
        "{err}"
    );
}

#[test]
fn intake_after_17_00_or_on_a_day_off_registers_next_working_day() {
    let cal = cal();
    let intake = OfficeIntake::default();
    // 16:59 Almaty on Thursday 19 March 2026 (UTC+5): same day.
    let at = Utc.with_ymd_and_hms(2026, 3, 19, 11, 59, 0).unwrap();
    let r = intake.register(&cal, at).unwrap();
    assert_eq!((r.registered_on, r.shifted), (d("2026-03-19"), None));
    // 17:00 exactly is not after the cut-off.
    let at = Utc.with_ymd_and_hms(2026, 3, 19, 12, 0, 0).unwrap();
    assert_eq!(
        intake.register(&cal, at).unwrap().registered_on,
        d("2026-03-19")
    );
    // 17:01: the next working day.
    let at = Utc.with_ymd_and_hms(2026, 3, 19, 12, 1, 0).unwrap();
    let r = intake.register(&cal, at).unwrap();
    assert_eq!(r.registered_on, d("2026-03-20"));
    assert!(matches!(r.shifted, Some(IntakeShift::AfterCutoff { .. })));
    // Friday 20 March 18:00: next working day is Thursday 26 March (Nauryz and substitutes).
    let at = Utc.with_ymd_and_hms(2026, 3, 20, 13, 0, 0).unwrap();
    assert_eq!(
        intake.register(&cal, at).unwrap().registered_on,
        d("2026-03-26")
    );
    // Received on a holiday morning: next working day, with the holiday as reason.
    let at = Utc.with_ymd_and_hms(2026, 3, 23, 4, 0, 0).unwrap();
    let r = intake.register(&cal, at).unwrap();
    assert_eq!(r.registered_on, d("2026-03-26"));
    assert!(matches!(
        r.shifted,
        Some(IntakeShift::DayOff {
            reason: Some(DayReason::Holiday { .. })
        })
    ));
    // 21:00 UTC on 19 March is 02:00 on 20 March in Almaty: the local date decides.
    let at = Utc.with_ymd_and_hms(2026, 3, 19, 21, 0, 0).unwrap();
    assert_eq!(
        intake.register(&cal, at).unwrap().registered_on,
        d("2026-03-20")
    );
    // A custom cut-off.
    let late = OfficeIntake::new(NaiveTime::from_hms_opt(18, 30, 0).unwrap());
    let at = Utc.with_ymd_and_hms(2026, 3, 19, 13, 0, 0).unwrap();
    assert_eq!(
        late.register(&cal, at).unwrap().registered_on,
        d("2026-03-19")
    );
}

#[test]
fn statutory_step_states_on_time_due_soon_overdue_completed_late() {
    let cal = cal();
    // REG-8: notice due 2 WD after registering on Thursday 19 March 2026: 20 and 26 March.
    let mut step =
        StatutoryStep::start(&cal, "REG-8", d("2026-03-19"), 2, PeriodUnit::WorkingDays).unwrap();
    assert_eq!(step.due.due, d("2026-03-26"));
    assert_eq!(
        step.state(&cal, d("2026-03-19"), 1).unwrap(),
        StepState::OnTime {
            working_days_left: 2
        }
    );
    assert_eq!(
        step.state(&cal, d("2026-03-20"), 1).unwrap(),
        StepState::DueSoon {
            working_days_left: 1
        }
    );
    assert_eq!(
        step.state(&cal, d("2026-03-26"), 1).unwrap(),
        StepState::DueSoon {
            working_days_left: 0
        }
    );
    assert_eq!(
        step.state(&cal, d("2026-03-30"), 1).unwrap(),
        StepState::Overdue {
            days_late: 4,
            working_days_late: 2
        }
    );
    step.complete(d("2026-03-26"));
    assert_eq!(
        step.state(&cal, d("2026-04-30"), 1).unwrap(),
        StepState::Completed
    );
    step.complete(d("2026-03-27"));
    assert_eq!(
        step.state(&cal, d("2026-04-30"), 1).unwrap(),
        StepState::CompletedLate {
            days_late: 1,
            working_days_late: 1
        }
    );
}

#[test]
fn steps_falling_due_within_n_working_days_soonest_first() {
    let cal = cal();
    let today = d("2026-11-24");
    let step = |rule: &str, start: &str, n| {
        StatutoryStep::start(&cal, rule, d(start), n, PeriodUnit::WorkingDays).unwrap()
    };
    let mut done = step("REG-9", "2026-11-20", 3);
    done.complete(d("2026-11-23"));
    let steps = vec![
        step("REG-6", "2026-11-23", 5), // due 30 Nov: 4 WD left
        step("REG-8", "2026-11-23", 2), // due 25 Nov: 1 WD left
        step("REV-2", "2026-11-10", 3), // due 13 Nov: overdue
        done,
        step("VER-2", "2026-11-23", 30),
    ];
    let soon = falling_due_within(&steps, &cal, today, 2).unwrap();
    assert_eq!(
        soon.iter().map(|s| s.rule_id.as_str()).collect::<Vec<_>>(),
        ["REG-8"]
    );
    let soon = falling_due_within(&steps, &cal, today, 4).unwrap();
    assert_eq!(
        soon.iter().map(|s| s.rule_id.as_str()).collect::<Vec<_>>(),
        ["REG-8", "REG-6"]
    );
}
