//! The office intake rule: when a document received at a given instant counts as registered.
//!
//! Office hours of a state body run on working days; an incoming document received after the
//! cut-off time (17:00 by default, seed 355) or on a day off is registered on the next working
//! day (calendar.md rule 7).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;

use crate::calendar::{Calendar, DayReason, OutOfRange};

/// An office's intake rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeIntake {
    /// Documents received after this local time are registered on the next working day.
    pub cutoff: NaiveTime,
}

impl Default for OfficeIntake {
    fn default() -> Self {
        Self {
            cutoff: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// Why a document was registered later than the day it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntakeShift {
    AfterCutoff { cutoff: NaiveTime },
    DayOff { reason: Option<DayReason> },
}

/// The outcome of the intake rule for one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Intake {
    pub received_at: DateTime<Utc>,
    /// `received_at` in Almaty local time.
    pub received_local: NaiveDateTime,
    /// The working day the document counts as registered on.
    pub registered_on: NaiveDate,
    /// Why `registered_on` is later than the day of receipt; `None` when it is the same day.
    pub shifted: Option<IntakeShift>,
}

impl OfficeIntake {
    pub fn new(cutoff: NaiveTime) -> Self {
        Self { cutoff }
    }

    /// Applies the rule to a document received at `received_at`.
    pub fn register(
        &self,
        calendar: &Calendar,
        received_at: DateTime<Utc>,
    ) -> Result<Intake, OutOfRange> {
        let local = received_at
            .with_timezone(&crate::time::TIME_ZONE)
            .naive_local();
        let day = local.date();
        let info = calendar.day_info(day)?;
        let (registered_on, shifted) = if !info.working {
            (
                calendar.next_working_day(day)?,
                Some(IntakeShift::DayOff {
                    reason: info.reason,
                }),
            )
        } else if local.time() > self.cutoff {
            (
                calendar.next_working_day(day)?,
                Some(IntakeShift::AfterCutoff {
                    cutoff: self.cutoff,
                }),
            )
        } else {
            (day, None)
        };
        Ok(Intake {
            received_at,
            received_local: local,
            registered_on,
            shifted,
        })
    }
}
