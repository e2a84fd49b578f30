//! Local time of the law: Asia/Almaty.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Almaty;

/// The time zone deadlines are counted in (UTC+5 from 1 March 2024, UTC+6 before).
pub const TIME_ZONE: chrono_tz::Tz = Almaty;

/// The local date in Almaty of an instant.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Almaty).date_naive()
}

/// The last second of `date` in Almaty: when a period whose last day is `date` ends. The
/// second before the next day begins, so on 29 February 2024, whose last hour came twice
/// (+06:00, then +05:00 from the change at midnight), the day ends at 23:59:59+05:00.
pub fn end_of_day(date: NaiveDate) -> DateTime<FixedOffset> {
    match date.succ_opt() {
        Some(next) => local(next, NaiveTime::MIN) - chrono::Duration::seconds(1),
        None => local(
            date,
            NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
        ),
    }
}

/// `date` at `time` in Almaty. Almaty has no daylight saving time, so every local time
/// exists exactly once; the 2024 offset change (UTC+6 to UTC+5 at midnight) only repeats an
/// hour, and the earlier one is taken.
pub fn local(date: NaiveDate, time: NaiveTime) -> DateTime<FixedOffset> {
    let naive = date.and_time(time);
    match Almaty.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.fixed_offset(),
        LocalResult::None => Utc.from_utc_datetime(&naive).fixed_offset(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_ends_at_end_of_day_in_almaty_utc_plus_5_since_march_2024() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 26).unwrap();
        assert_eq!(end_of_day(d).to_rfc3339(), "2026-03-26T23:59:59+05:00");
        let before = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
        assert_eq!(end_of_day(before).to_rfc3339(), "2023-06-01T23:59:59+06:00");
    }

    #[test]
    fn the_day_of_the_offset_change_ends_at_its_later_midnight() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(end_of_day(d).to_rfc3339(), "2024-02-29T23:59:59+05:00");
        let before = NaiveDate::from_ymd_opt(2024, 2, 28).unwrap();
        assert_eq!(end_of_day(before).to_rfc3339(), "2024-02-28T23:59:59+06:00");
    }

    #[test]
    fn local_date_of_an_instant_is_almaty_date() {
        // 20:30 UTC on 24 November 2026 is already 25 November in Almaty.
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 20, 30, 0).unwrap();
        assert_eq!(
            local_date(t),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
    }
}
