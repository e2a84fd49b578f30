//! VER-2: a case must end within its periods. Open steps due within one working day are
//! warned about, and steps past their due date are overdue.

use chrono::NaiveDate;
use rex_calendar::{Calendar, OutOfRange, StepState};

use crate::timeline::{CaseStep, Timeline};

/// How many working days ahead of its due date an open step is warned about.
pub const WARN_WITHIN_WORKING_DAYS: u32 = 1;

/// Why an open step needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// Due within the warning window (0 = due today).
    DueSoon { working_days_left: i64 },
    /// Past the end of its due date.
    Overdue,
}

/// An open step that needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepAlert<'a> {
    pub step: &'a CaseStep,
    pub alert: Alert,
}

/// The open steps of `timeline` due soon or overdue on `today`, in the timeline's order.
pub fn alerts<'a>(
    calendar: &Calendar,
    timeline: &'a Timeline,
    today: NaiveDate,
) -> Result<Vec<StepAlert<'a>>, OutOfRange> {
    let mut found = Vec::new();
    for step in timeline
        .steps
        .iter()
        .filter(|s| s.step.completed_on.is_none())
    {
        let alert = match step.step.state(calendar, today, WARN_WITHIN_WORKING_DAYS)? {
            StepState::DueSoon { working_days_left } => Alert::DueSoon { working_days_left },
            StepState::Overdue { .. } => Alert::Overdue,
            _ => continue,
        };
        found.push(StepAlert { step, alert });
    }
    Ok(found)
}

/// Whether a case passes a deadline filter on `today`: with `overdue_only`, one of its open
/// steps is past due; with `due_within_working_days` above 0, one is due within that many
/// working days.
pub fn matches_deadline_filter(
    calendar: &Calendar,
    timeline: &Timeline,
    today: NaiveDate,
    overdue_only: bool,
    due_within_working_days: u32,
) -> bool {
    let open: Vec<&CaseStep> = timeline
        .steps
        .iter()
        .filter(|s| s.step.completed_on.is_none())
        .collect();
    let overdue = open.iter().any(|s| today > s.step.due.due);
    let due_soon = due_within_working_days > 0
        && open.iter().any(|s| {
            today <= s.step.due.due
                && calendar
                    .working_days_between(today, s.step.due.due)
                    .is_ok_and(|n| n <= i64::from(due_within_working_days))
        });
    (overdue || !overdue_only) && (due_soon || due_within_working_days == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{CaseDates, timeline};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A case received Monday 1 June 2026: VER-4 is due Thursday 4 June.
    fn june() -> Timeline {
        let cal = Calendar::official().unwrap();
        let dates = CaseDates {
            received_on: d("2026-06-01"),
            ..Default::default()
        };
        timeline(&cal, &crate::Periods::shipped().unwrap(), &dates).unwrap()
    }

    #[test]
    fn ver_2_open_steps_due_within_one_working_day_are_warned_and_late_ones_overdue() {
        let cal = Calendar::official().unwrap();
        let t = june();
        let cases = [
            ("2026-06-02", vec![]),
            (
                "2026-06-03",
                vec![(
                    "VER-4",
                    Alert::DueSoon {
                        working_days_left: 1,
                    },
                )],
            ),
            (
                "2026-06-04",
                vec![(
                    "VER-4",
                    Alert::DueSoon {
                        working_days_left: 0,
                    },
                )],
            ),
            ("2026-06-05", vec![("VER-4", Alert::Overdue)]),
        ];
        for (today, expected) in cases {
            let found: Vec<(&str, Alert)> = alerts(&cal, &t, d(today))
                .unwrap()
                .iter()
                .map(|a| (a.step.step.rule_id.as_str(), a.alert))
                .collect();
            assert_eq!(found, expected, "{today}");
        }
    }

    #[test]
    fn ver_2_cases_are_listed_by_their_deadlines() {
        let cal = Calendar::official().unwrap();
        let t = june();
        // (today, overdue only, due within working days, listed)
        let cases = [
            ("2026-06-02", false, 0, true),
            ("2026-06-02", true, 0, false),
            ("2026-06-02", false, 1, false),
            ("2026-06-03", false, 1, true),
            ("2026-06-05", true, 0, true),
            ("2026-06-05", false, 1, false),
        ];
        for (today, overdue_only, within, listed) in cases {
            assert_eq!(
                matches_deadline_filter(&cal, &t, d(today), overdue_only, within),
                listed,
                "{today} {overdue_only} {within}"
            );
        }
    }
}
