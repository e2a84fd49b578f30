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
