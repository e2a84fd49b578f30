//! RET-2 (Order 244-NK item 22): copies of Atameken's notices are kept for at least 3 years,
//! counted from the day the notice was accepted for sending; nothing is removed before.

use chrono::{DateTime, Months, NaiveDate, Utc};

/// RET-2: copies of notices are kept at least 3 years.
pub const RETENTION_YEARS: u32 = 3;

/// RET-2: the last day a notice accepted at `accepted_at` must be kept: the same day 3 years
/// later in Almaty. (`due_on` only if that day is past the calendar's range.)
pub fn keep_until(accepted_at: DateTime<Utc>, due_on: NaiveDate) -> NaiveDate {
    rex_calendar::time::local_date(accepted_at)
        .checked_add_months(Months::new(12 * RETENTION_YEARS))
        .unwrap_or(due_on)
}

/// RET-2: on `today`, copies kept until a day before the returned one are removed; the store
/// removes `keep_until < removal_cutoff(today)`.
pub fn removal_cutoff(today: NaiveDate) -> NaiveDate {
    today
}

/// RET-2: whether a copy kept until `keep_until` is removed on `today` (kept through that day).
pub fn is_expired(keep_until: NaiveDate, today: NaiveDate) -> bool {
    keep_until < removal_cutoff(today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::{at, date};

    #[test]
    fn ret_2_copies_are_kept_3_years_then_removed() {
        // (accepted at, keep until)
        let kept = [
            // 20 March 2026 in Almaty (UTC+5).
            ("2026-03-20T05:00:00Z", "2029-03-20"),
            // 23:30 on 19 March UTC is already 20 March in Almaty.
            ("2026-03-19T23:30:00Z", "2029-03-20"),
            // A leap day has no match 3 years on: the end of February.
            ("2028-02-29T05:00:00Z", "2031-02-28"),
        ];
        for (accepted, until) in kept {
            assert_eq!(
                keep_until(at(accepted), date("2026-03-27")),
                date(until),
                "{accepted}"
            );
        }
        // (keep until, today, removed)
        let removed = [
            ("2029-03-20", "2029-03-19", false),
            ("2029-03-20", "2029-03-20", false),
            ("2029-03-20", "2029-03-21", true),
        ];
        for (until, today, expired) in removed {
            assert_eq!(
                is_expired(date(until), date(today)),
                expired,
                "{until} on {today}"
            );
        }
    }
}
