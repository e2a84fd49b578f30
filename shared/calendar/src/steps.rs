//! A step of a statutory procedure and its state against the clock.

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::{Calendar, OutOfRange};
use crate::explain::{DueDate, PeriodUnit};

/// One step of a procedure with a legal deadline (e.g. REG-8: notify within 2 working days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatutoryStep {
    /// The rule that sets the deadline, e.g. `REG-8`.
    pub rule_id: String,
    /// The date of the event the period runs from.
    pub started_on: NaiveDate,
    pub due: DueDate,
    pub completed_on: Option<NaiveDate>,
}

/// Where a step stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    /// Open, and more than the warning window away from its due date.
    OnTime { working_days_left: i64 },
    /// Open, due within the warning window (0 = due today).
    DueSoon { working_days_left: i64 },
    /// Open after the end of its due date.
    Overdue {
        days_late: i64,
        working_days_late: i64,
    },
    /// Completed on or before its due date.
    Completed,
    /// Completed after its due date.
    CompletedLate {
        days_late: i64,
        working_days_late: i64,
    },
}

impl StepState {
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            StepState::OnTime { .. } | StepState::DueSoon { .. } | StepState::Overdue { .. }
        )
    }
}

impl StatutoryStep {
    /// A step of `count` `unit`s from `started_on`, under `rule_id`.
    pub fn start(
        calendar: &Calendar,
        rule_id: impl Into<String>,
        started_on: NaiveDate,
        count: u32,
        unit: PeriodUnit,
    ) -> Result<Self, OutOfRange> {
        Ok(Self {
            rule_id: rule_id.into(),
            started_on,
            due: calendar.due(started_on, count, unit)?,
            completed_on: None,
        })
    }

    pub fn complete(&mut self, on: NaiveDate) {
        self.completed_on = Some(on);
    }

    /// The step's state on `today`; open steps due within `warn_within` working days are
    /// `DueSoon`.
    pub fn state(
        &self,
        calendar: &Calendar,
        today: NaiveDate,
        warn_within: u32,
    ) -> Result<StepState, OutOfRange> {
        let due = self.due.due;
        let late = |on: NaiveDate| -> Result<(i64, i64), OutOfRange> {
            Ok((
                (on - due).num_days(),
                calendar.working_days_between(due, on)?,
            ))
        };
        Ok(match self.completed_on {
            Some(on) if on <= due => StepState::Completed,
            Some(on) => {
                let (days_late, working_days_late) = late(on)?;
                StepState::CompletedLate {
                    days_late,
                    working_days_late,
                }
            }
            None if today > due => {
                let (days_late, working_days_late) = late(today)?;
                StepState::Overdue {
                    days_late,
                    working_days_late,
                }
            }
            None => {
                let working_days_left = calendar.working_days_between(today, due)?;
                if working_days_left <= i64::from(warn_within) {
                    StepState::DueSoon { working_days_left }
                } else {
                    StepState::OnTime { working_days_left }
                }
            }
        })
    }
}

/// The open steps that are not overdue and fall due within `n` working days of `today`,
/// soonest first.
pub fn falling_due_within<'a>(
    steps: impl IntoIterator<Item = &'a StatutoryStep>,
    calendar: &Calendar,
    today: NaiveDate,
    n: u32,
) -> Result<Vec<&'a StatutoryStep>, OutOfRange> {
    let mut out = Vec::new();
    for step in steps {
        if matches!(step.state(calendar, today, n)?, StepState::DueSoon { .. }) {
            out.push(step);
        }
    }
    out.sort_by_key(|s| s.due.due);
    Ok(out)
}
