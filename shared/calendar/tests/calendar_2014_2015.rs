//! The calendar of 2014 and 2015, the years Order 292 was in force: every day against the
//! published calendar, a period worked out by hand in Almaty's UTC+6 of the time, and the
//! years between them and the published 2023 onwards (derived from the rules, provisional).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{Datelike, NaiveDate, TimeZone, Utc, Weekday};
use rex_calendar::{Calendar, DayReason, Period, PeriodUnit, Schedule, Unit};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cal() -> Calendar {
    Calendar::official().expect("the shipped calendar loads")
}

/// A published year: the weekdays off and the weekend days worked.
struct YearTable {
    year: i32,
    off: &'static [&'static str],
    worked: &'static [&'static str],
    non_working_total: usize,
}

const TABLES: &[YearTable] = &[
    // 2014: 3 Jan by Decree No. 1322 of 2013 (from Sat 28 Dec 2013); 8 Mar (Sat) -> 10 Mar;
    // Nauryz 22, 23 Mar (Sat, Sun) -> 24, 25 Mar; 2 and 8 May by Decree No. 365 of 2014 (4
    // and 11 May, Sundays, worked); 6 Jul (Sun) -> 7 Jul; 30 Aug (Sat) -> 1 Sep; Kurban Ait on
    // Sat 4 Oct, no substitute; 1 Dec; 16, 17 Dec.
    YearTable {
        year: 2014,
        off: &[
            "01-01", "01-02", "01-03", "01-07", "03-08", "03-10", "03-21", "03-22", "03-23",
            "03-24", "03-25", "05-01", "05-02", "05-07", "05-08", "05-09", "07-06", "07-07",
            "08-30", "09-01", "10-04", "12-01", "12-16", "12-17",
        ],
        worked: &["05-04", "05-11"],
        non_working_total: 120,
    },
    // 2015: no transfers; 8 Mar (Sun) -> 9 Mar; Nauryz 21, 22 Mar (Sat, Sun) -> 24, 25 Mar;
    // 9 May (Sat) -> 11 May; 30 Aug (Sun) -> 31 Aug; Kurban Ait Thu 24 Sep; 1 Dec; 16, 17 Dec.
    YearTable {
        year: 2015,
        off: &[
            "01-01", "01-02", "01-07", "03-08", "03-09", "03-21", "03-22", "03-23", "03-24",
            "03-25", "05-01", "05-07", "05-09", "05-11", "07-06", "08-30", "08-31", "09-24",
            "12-01", "12-16", "12-17",
        ],
        worked: &[],
        non_working_total: 120,
    },
];

#[test]
fn every_day_of_2014_and_2015_is_as_published() {
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
            assert!(!info.provisional, "{day} is in a published year");
            if !info.working {
                non_working += 1;
            }
        }
        assert_eq!(non_working, table.non_working_total, "{}", table.year);
    }
}

#[test]
fn the_2014_transfers_and_religious_days_say_why() {
    let cal = cal();
    let reason = |day: &str| cal.day_info(d(day)).unwrap().reason.unwrap();
    assert!(
        matches!(reason("2014-05-02"), DayReason::TransferredDayOff { worked_on, ref act }
            if worked_on == d("2014-05-04") && act.contains("No. 365")),
        "{:?}",
        reason("2014-05-02")
    );
    assert!(
        matches!(reason("2014-05-11"), DayReason::TransferredWorkingDay { day_off, .. }
            if day_off == d("2014-05-08")),
        "{:?}",
        reason("2014-05-11")
    );
    // The transfer from Saturday 28 December 2013, before the calendar's first day.
    assert!(
        reason("2014-01-03")
            .to_string()
            .contains("28 December 2013"),
        "{}",
        reason("2014-01-03")
    );
    // Kurban Ait on Saturday 4 October 2014: a religious day off, so Monday 6 October is worked.
    assert!(
        reason("2014-10-04")
            .to_string()
            .contains("Kurban Ait (first day) (religious day off)")
    );
    assert!(cal.is_working_day(d("2014-10-06")).unwrap());
    // First President Day and the second day of Independence Day were days off then.
    assert!(!cal.is_working_day(d("2015-12-01")).unwrap());
    assert!(!cal.is_working_day(d("2015-12-17")).unwrap());
    // No Republic Day before 2022: 25 October 2014 was a plain Saturday, Monday 27 worked.
    assert!(cal.is_working_day(d("2014-10-27")).unwrap());
}

#[test]
fn five_working_days_from_before_nauryz_2014_end_on_31_march_in_utc_plus_6() {
    let cal = cal();
    // From Wednesday 19 March 2014, counted from Thursday 20: 20 (1); Nauryz Fri 21, Sat 22,
    // Sun 23; substitutes Mon 24 (for the 22nd) and Tue 25 (for the 23rd); 26 (2), 27 (3),
    // 28 (4); Sat 29, Sun 30; Mon 31 (5). Almaty was UTC+6 until March 2024.
    let due = cal
        .due(d("2014-03-19"), 5, PeriodUnit::WorkingDays)
        .unwrap();
    assert_eq!(due.due, d("2014-03-31"));
    assert_eq!(due.ends_at.to_rfc3339(), "2014-03-31T23:59:59+06:00");
    assert!(!due.provisional);
    let skipped: Vec<String> = due.skipped.iter().map(|s| s.date.to_string()).collect();
    assert_eq!(
        skipped,
        [
            "2014-03-21",
            "2014-03-22",
            "2014-03-23",
            "2014-03-24",
            "2014-03-25",
            "2014-03-29",
            "2014-03-30"
        ]
    );
    assert!(
        matches!(due.skipped[3].reason, DayReason::Substitute { holiday_date, .. }
            if holiday_date == d("2014-03-22")),
        "{:?}",
        due.skipped[3]
    );
    assert!(
        due.explanation().contains("+06:00"),
        "{}",
        due.explanation()
    );

    // From an instant: 18:30 UTC on Tuesday 18 March 2014 is 00:30 on Wednesday 19 March in
    // Almaty (UTC+6), so the period runs from the 19th and ends on the 31st. Read at UTC+5 it
    // would have been 23:30 on the 18th, and the period would have ended on Friday 28 March.
    let filed = Utc.with_ymd_and_hms(2014, 3, 18, 18, 30, 0).unwrap();
    let due = cal
        .due_moment(
            filed,
            Period::new(5, Unit::WorkingDays),
            &[],
            &[],
            &Schedule::default(),
        )
        .unwrap();
    assert_eq!(due.from.date(), d("2014-03-19"));
    assert_eq!(due.due_text(), "2014-03-31");
    assert_eq!(due.ends_at.to_rfc3339(), "2014-03-31T23:59:59+06:00");
    assert_eq!(
        cal.add_working_days(d("2014-03-18"), 5).unwrap(),
        d("2014-03-28")
    );
}

#[test]
fn the_may_2014_transfers_count_a_worked_sunday() {
    let cal = cal();
    // From Wednesday 30 April 2014: 1, 2 (transfer), 3 May off; Sunday 4 May worked (1);
    // 5 (2), 6 (3); 7, 8 (transfer), 9, 10 off; Sunday 11 May worked (4); 12 (5).
    assert_eq!(
        cal.add_working_days(d("2014-04-30"), 1).unwrap(),
        d("2014-05-04")
    );
    assert_eq!(
        cal.add_working_days(d("2014-04-30"), 5).unwrap(),
        d("2014-05-12")
    );
    assert_eq!(
        cal.working_days_between(d("2014-04-30"), d("2014-05-12"))
            .unwrap(),
        5
    );
}

#[test]
fn years_2016_to_2022_are_derived_from_the_rules_and_provisional() {
    let cal = cal();
    assert_eq!(cal.range().0, d("2014-01-01"));
    for year in [2014, 2015] {
        assert!(!cal.is_provisional_year(year), "{year}");
    }
    for year in 2016..=2022 {
        assert!(cal.is_provisional_year(year), "{year}");
        assert!(cal.years()[(year - 2014) as usize].file.is_none(), "{year}");
    }
    assert!(!cal.is_provisional_year(2023));
    // A period from a published year into a derived one is provisional, and says which year.
    let due = cal
        .due(d("2015-12-30"), 3, PeriodUnit::WorkingDays)
        .unwrap();
    assert!(due.provisional);
    assert_eq!(due.provisional_years, [2016]);
    // Before 2014 there is no answer.
    let err = cal.is_working_day(d("2013-12-28")).unwrap_err();
    assert!(err.to_string().contains("2014-01-01"), "{err}");
}
