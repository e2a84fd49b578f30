//! Statutory periods in hours, working days, calendar days and months, with suspensions and
//! extensions, on the official calendar: due moments worked out by hand (March 2026: Nauryz
//! and its substitute days off run from Saturday 21 to Wednesday 25), then properties over
//! random periods.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use proptest::prelude::*;
use rex_calendar::{Calendar, Due, Period, PeriodError, Schedule, Suspension, Unit};

fn calendar() -> Calendar {
    Calendar::official().unwrap()
}

/// `date` at `hh:mm` in Almaty.
fn at(date: &str, hm: &str) -> DateTime<Utc> {
    let d: NaiveDate = date.parse().unwrap();
    let t = NaiveTime::parse_from_str(hm, "%H:%M").unwrap();
    rex_calendar::time::local(d, t).with_timezone(&Utc)
}

fn due(from: DateTime<Utc>, count: u32, unit: Unit) -> Due {
    calendar()
        .due_moment(
            from,
            Period::new(count, unit),
            &[],
            &[],
            &Schedule::default(),
        )
        .unwrap()
}

fn suspended(from: DateTime<Utc>, count: u32, unit: Unit, stops: &[Suspension]) -> Due {
    calendar()
        .due_moment(
            from,
            Period::new(count, unit),
            &[],
            stops,
            &Schedule::default(),
        )
        .unwrap()
}

fn stop(from: DateTime<Utc>, to: DateTime<Utc>) -> Suspension {
    Suspension { from, to }
}

// ---- Hours of working time ---------------------------------------------------------------------

#[test]
fn hours_skip_the_lunch_break() {
    let d = due(at("2026-03-19", "11:00"), 4, Unit::Hours);
    assert_eq!(d.due_text(), "2026-03-19T16:30");
    assert_eq!(d.ends_at.to_rfc3339(), "2026-03-19T16:30:00+05:00");
}

#[test]
fn hours_run_on_past_the_evening_and_nauryz() {
    let d = due(at("2026-03-20", "16:00"), 4, Unit::Hours);
    // 16:00–18:30 on Friday, then 21–25 March off, then 09:00–10:30 on Thursday.
    assert_eq!(d.due_text(), "2026-03-26T10:30");
    let skipped: Vec<String> = d.skipped.iter().map(|s| s.date.to_string()).collect();
    assert_eq!(
        skipped,
        [
            "2026-03-21",
            "2026-03-22",
            "2026-03-23",
            "2026-03-24",
            "2026-03-25"
        ]
    );
    let text = d.explanation();
    assert!(text.contains("due Thu 2026-03-26 10:30"), "{text}");
    assert!(text.contains("Nauryz"), "{text}");
}

#[test]
fn an_hour_period_that_starts_outside_working_time_starts_at_the_next_working_moment() {
    let evening = due(at("2026-03-15", "20:00"), 2, Unit::Hours);
    assert_eq!(evening.counted_from.to_string(), "2026-03-16 09:00:00");
    assert_eq!(evening.due_text(), "2026-03-16T11:00");
    let lunch = due(at("2026-03-16", "13:10"), 2, Unit::Hours);
    assert_eq!(lunch.due_text(), "2026-03-16T16:30");
    // Ending exactly as a window closes: due at its closing moment.
    let to_lunch = due(at("2026-03-16", "09:00"), 4, Unit::Hours);
    assert_eq!(to_lunch.due_text(), "2026-03-16T13:00");
}

#[test]
fn a_suspended_hour_period_counts_the_time_before_and_resumes_at_the_resumption() {
    // One hour used (10:00–11:00), resumed on Tuesday 15:00: three more, to 18:00.
    let d = suspended(
        at("2026-04-06", "10:00"),
        4,
        Unit::Hours,
        &[stop(at("2026-04-06", "11:00"), at("2026-04-07", "15:00"))],
    );
    assert_eq!(d.due_text(), "2026-04-07T18:00");
    assert_eq!(d.suspensions[0].counted_before, Some(60));
    assert!(d.explanation().contains("1h00 counted before"), "{d}");
}

// ---- Days --------------------------------------------------------------------------------------

#[test]
fn working_days_skip_nauryz() {
    let d = due(at("2026-03-19", "11:00"), 5, Unit::WorkingDays);
    // 20, 26, 27, 30, 31 March.
    assert_eq!(d.due_text(), "2026-03-31");
    assert_eq!(d.ends_at.to_rfc3339(), "2026-03-31T23:59:59+05:00");
    assert!(d.rolled.is_none());
}

#[test]
fn a_calendar_day_period_ending_on_a_day_off_ends_on_the_next_working_day() {
    // 10 calendar days from 11 March: the last day, Saturday 21 March, is Nauryz.
    let d = due(at("2026-03-11", "10:00"), 10, Unit::CalendarDays);
    assert_eq!(d.last_day.unwrap().to_string(), "2026-03-21");
    assert_eq!(d.due_text(), "2026-03-26");
    let text = d.explanation();
    assert!(
        text.contains("last day Sat 2026-03-21 is a day off"),
        "{text}"
    );
    assert!(text.contains("art. 173"), "{text}");
}

#[test]
fn a_month_period_ends_on_the_same_date_or_the_months_last_day_then_rolls() {
    // 31 January + 1 month: 28 February, a Saturday: Monday 2 March.
    let d = due(at("2026-01-31", "10:00"), 1, Unit::Months);
    assert_eq!(d.last_day.unwrap().to_string(), "2026-02-28");
    assert_eq!(d.due_text(), "2026-03-02");
    // 7 April + 3 months: Tuesday 7 July, a working day (Capital Day was the 6th).
    assert_eq!(
        due(at("2026-04-07", "10:00"), 3, Unit::Months).due_text(),
        "2026-07-07"
    );
}

#[test]
fn a_suspension_uses_the_days_up_to_its_day_and_resumes_after_the_resume_date() {
    let from = at("2026-04-06", "10:00");
    assert_eq!(due(from, 10, Unit::WorkingDays).due_text(), "2026-04-20");
    // 7, 8, 9 April used; suspended on the 9th, resumed on the 13th: counting goes on from the
    // 14th for seven more working days.
    let d = suspended(
        from,
        10,
        Unit::WorkingDays,
        &[stop(at("2026-04-09", "12:00"), at("2026-04-13", "09:00"))],
    );
    assert_eq!(d.due_text(), "2026-04-22");
    assert_eq!(d.suspensions[0].counted_before, Some(3));
    assert!(
        d.explanation()
            .contains("suspended 2026-04-09..2026-04-13 (3 working days counted up to and including 2026-04-09)"),
        "{d}"
    );
}

#[test]
fn extensions_add_to_the_count_or_run_on_from_the_last_day() {
    let cal = calendar();
    let from = at("2026-03-01", "10:00");
    let same = cal
        .due_moment(
            from,
            Period::new(30, Unit::WorkingDays),
            &[Period::new(10, Unit::WorkingDays)],
            &[],
            &Schedule::default(),
        )
        .unwrap();
    assert_eq!(same.due_text(), due(from, 40, Unit::WorkingDays).due_text());
    // 10 calendar days: Wednesday 11 March; a month more: Saturday 11 April, so Monday 13.
    let other = cal
        .due_moment(
            from,
            Period::new(10, Unit::CalendarDays),
            &[Period::new(1, Unit::Months)],
            &[],
            &Schedule::default(),
        )
        .unwrap();
    assert_eq!(other.due_text(), "2026-04-13");
    assert!(
        other.explanation().contains("extended by 1 months"),
        "{other}"
    );
    let refused = cal.due_moment(
        from,
        Period::new(4, Unit::Hours),
        &[Period::new(1, Unit::WorkingDays)],
        &[],
        &Schedule::default(),
    );
    assert!(matches!(
        refused,
        Err(PeriodError::Extension { index: 1, .. })
    ));
}

#[test]
fn a_suspension_that_resumes_before_it_began_or_before_the_start_is_refused() {
    let cal = calendar();
    let from = at("2026-04-06", "10:00");
    let period = Period::new(5, Unit::WorkingDays);
    let backwards = stop(at("2026-04-09", "10:00"), at("2026-04-08", "10:00"));
    let before_start = stop(at("2026-04-01", "10:00"), at("2026-04-08", "10:00"));
    for bad in [backwards, before_start] {
        let result = cal.due_moment(from, period, &[], &[bad], &Schedule::default());
        assert!(
            matches!(result, Err(PeriodError::Suspension { index: 1, .. })),
            "{result:?}"
        );
    }
}

#[test]
fn an_offset_before_march_2024_is_plus_six() {
    let d = due(at("2024-02-26", "10:00"), 2, Unit::WorkingDays);
    assert_eq!(d.ends_at.to_rfc3339(), "2024-02-28T23:59:59+06:00");
}

// ---- Properties --------------------------------------------------------------------------------

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![
        Just(Unit::Hours),
        Just(Unit::WorkingDays),
        Just(Unit::CalendarDays),
        Just(Unit::Months),
    ]
}

/// An instant in 2025–2026 at any minute.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..2 * 365 * 24 * 60).prop_map(|m| at("2025-01-01", "00:00") + chrono::Duration::minutes(m))
}

fn count(unit: Unit) -> u32 {
    match unit {
        Unit::Months => 3,
        Unit::Hours => 12,
        _ => 30,
    }
}

proptest! {
    #[test]
    fn a_due_moment_is_in_working_time_or_ends_a_working_day(
        from in instant(), u in unit(), n in 1u32..40,
    ) {
        let n = n % count(u) + 1;
        let cal = calendar();
        let d = cal.due_moment(from, Period::new(n, u), &[], &[], &Schedule::default()).unwrap();
        prop_assert!(cal.is_working_day(d.due.date()).unwrap(), "{d}");
        if u == Unit::Hours {
            let t = d.due.time();
            let inside = Schedule::default().windows().iter().any(|(a, b)| *a <= t && t <= *b);
            prop_assert!(inside, "{d}");
        } else {
            prop_assert_eq!(d.due.time(), NaiveTime::from_hms_opt(23, 59, 59).unwrap());
        }
    }

    #[test]
    fn the_due_instant_alone_is_the_due_moments_end(
        from in instant(), u in unit(), n in 1u32..40, after in 0i64..20 * 24 * 60,
    ) {
        let n = n % count(u) + 1;
        let cal = calendar();
        let s = from + chrono::Duration::minutes(after);
        let stops = [stop(s, s + chrono::Duration::days(3))];
        let full = cal.due_moment(from, Period::new(n, u), &[], &stops, &Schedule::default()).unwrap();
        let alone = cal.due_instant(from, Period::new(n, u), &[], &stops, &Schedule::default()).unwrap();
        prop_assert_eq!(full.ends_at, alone);
    }

    #[test]
    fn suspending_for_no_time_changes_nothing(
        from in instant(), u in unit(), n in 1u32..40, after in 0i64..20 * 24 * 60,
    ) {
        let n = n % count(u) + 1;
        let cal = calendar();
        let plain = cal.due_moment(from, Period::new(n, u), &[], &[], &Schedule::default()).unwrap();
        let at = from + chrono::Duration::minutes(after);
        let zero = cal
            .due_moment(from, Period::new(n, u), &[], &[stop(at, at)], &Schedule::default())
            .unwrap();
        prop_assert_eq!(plain.due, zero.due, "{}\n{}", plain, zero);
    }

    #[test]
    fn a_longer_suspension_never_brings_the_due_moment_earlier(
        from in instant(), u in unit(), n in 1u32..40,
        after in 0i64..20 * 24 * 60, short in 0i64..10 * 24 * 60, more in 0i64..10 * 24 * 60,
    ) {
        let n = n % count(u) + 1;
        let cal = calendar();
        let s = from + chrono::Duration::minutes(after);
        let due_with = |length: i64| {
            let stops = [stop(s, s + chrono::Duration::minutes(length))];
            cal.due_moment(from, Period::new(n, u), &[], &stops, &Schedule::default()).unwrap()
        };
        let (a, b) = (due_with(short), due_with(short + more));
        prop_assert!(a.due <= b.due, "{}\n{}", a, b);
    }
}
