//! Properties of the arithmetic over the whole range, against a day-by-day oracle.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rex_calendar::{Calendar, PeriodUnit};
use std::sync::OnceLock;

fn cal() -> &'static Calendar {
    static CAL: OnceLock<Calendar> = OnceLock::new();
    CAL.get_or_init(|| Calendar::official().unwrap())
}

fn date_in_range() -> impl Strategy<Value = NaiveDate> {
    // 2020-01-01 .. about 2098-12-31, leaving room for the period after it.
    (0u64..(79 * 365)).prop_map(|n| NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_working_day_due_date_is_never_a_day_off(start in date_in_range(), n in 1u32..200) {
        let due = cal().add_working_days(start, n).unwrap();
        prop_assert!(cal().is_working_day(due).unwrap());
    }

    #[test]
    fn adding_n_then_counting_back_gives_n(start in date_in_range(), n in 0u32..200) {
        let due = cal().add_working_days(start, n).unwrap();
        prop_assert_eq!(cal().working_days_between(start, due).unwrap(), i64::from(n));
        prop_assert_eq!(cal().working_days_between(due, start).unwrap(), -i64::from(n));
    }

    #[test]
    fn add_working_days_matches_a_day_by_day_walk(start in date_in_range(), n in 0u32..60) {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().unwrap();
            if cal().is_working_day(day).unwrap() {
                left -= 1;
            }
        }
        prop_assert_eq!(cal().add_working_days(start, n).unwrap(), day);
    }

    #[test]
    fn explained_due_date_agrees_and_skips_exactly_the_days_off(start in date_in_range(), n in 1u32..40) {
        let due = cal().due(start, n, PeriodUnit::WorkingDays).unwrap();
        prop_assert_eq!(due.due, cal().add_working_days(start, n).unwrap());
        let span = (due.due - start).num_days();
        prop_assert_eq!(span - due.skipped.len() as i64, i64::from(n));
        for s in &due.skipped {
            prop_assert!(!cal().is_working_day(s.date).unwrap());
        }
    }

    #[test]
    fn calendar_days_are_plain_days(start in date_in_range(), n in 0u32..400) {
        // The calendar covers 2020-2099: past it the answer is an error, never a wrong date.
        let last = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
        match cal().add_calendar_days(start, n) {
            Ok(due) => prop_assert_eq!((due - start).num_days(), i64::from(n)),
            Err(e) => prop_assert!(start + Days::new(u64::from(n)) > last, "{:?}", e),
        }
    }
}

/// The case proptest found on a clean machine: a period that ends past the calendar's range.
#[test]
fn calendar_days_past_2099_are_an_error_not_a_date() {
    let start = NaiveDate::from_ymd_opt(2098, 12, 8).unwrap();
    assert!(cal().add_calendar_days(start, 389).is_err());
    assert_eq!(
        cal().add_calendar_days(start, 388).unwrap(),
        NaiveDate::from_ymd_opt(2099, 12, 31).unwrap()
    );
}
