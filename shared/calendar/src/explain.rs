//! A due date with its derivation: what a deadline is, and why it falls where it does.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{DayReason, weekday_name};
use crate::time::end_of_day;

/// The unit a statutory period is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    /// Working days of the official calendar.
    WorkingDays,
    /// Any days.
    CalendarDays,
}

impl fmt::Display for PeriodUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeriodUnit::WorkingDays => "working days",
            PeriodUnit::CalendarDays => "calendar days",
        })
    }
}

/// A day the count passed over (or, for a worked weekend day, counted), with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedDay {
    pub date: NaiveDate,
    pub reason: DayReason,
}

/// A due date and its derivation. A period "from the date of X" starts the next day and ends
/// at the end of its last day, Asia/Almaty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueDate {
    /// The date of the event the period runs from (X).
    pub start: NaiveDate,
    /// The first day counted: the day after `start`.
    pub counted_from: NaiveDate,
    pub unit: PeriodUnit,
    pub count: u32,
    /// The last day of the period.
    pub due: NaiveDate,
    /// The deadline instant: the end of `due`, Asia/Almaty.
    pub ends_at: DateTime<FixedOffset>,
    /// Days off passed over by a working-day count, each with its reason.
    pub skipped: Vec<SkippedDay>,
    /// Weekend days counted as working days because of a transfer.
    pub worked_weekend_days: Vec<SkippedDay>,
    /// A calendar-day period whose last day was a day off ends on the next working day (Civil
    /// Code of the Republic of Kazakhstan, art. 173): the last day it had, and why it was off.
    pub rolled_from: Option<SkippedDay>,
    /// True when any year the period touches has no final published calendar.
    pub provisional: bool,
    pub provisional_years: Vec<i32>,
}

impl DueDate {
    pub(crate) fn new(
        start: NaiveDate,
        unit: PeriodUnit,
        count: u32,
        due: NaiveDate,
        skipped: Vec<SkippedDay>,
        worked_weekend_days: Vec<SkippedDay>,
        provisional_years: Vec<i32>,
    ) -> Self {
        Self {
            start,
            counted_from: start.succ_opt().unwrap_or(start),
            unit,
            count,
            due,
            ends_at: end_of_day(due),
            skipped,
            worked_weekend_days,
            rolled_from: None,
            provisional: !provisional_years.is_empty(),
            provisional_years,
        }
    }

    /// The derivation as one readable line.
    pub fn explanation(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for DueDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "due {} {} (ends {}): {} {} from {}, counted from {}",
            weekday_name(self.due.weekday()),
            self.due,
            self.ends_at.format("%Y-%m-%d %H:%M:%S%:z Asia/Almaty"),
            self.count,
            self.unit,
            self.start,
            self.counted_from,
        )?;
        if self.unit == PeriodUnit::WorkingDays {
            if self.skipped.is_empty() {
                f.write_str("; no days off skipped")?;
            } else {
                f.write_str("; skipped ")?;
                for (i, day) in self.skipped.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{} {} ", day.date, day.date.format("%a"))?;
                    match &day.reason {
                        DayReason::Weekend { .. } => f.write_str("weekend")?,
                        reason => write!(f, "{reason}")?,
                    }
                }
            }
            for day in &self.worked_weekend_days {
                write!(
                    f,
                    "; counted {} {} {}",
                    day.date,
                    day.date.format("%a"),
                    day.reason
                )?;
            }
        }
        if let Some(day) = &self.rolled_from {
            write!(
                f,
                "; last day {} {} is a day off (",
                day.date,
                day.date.format("%a")
            )?;
            match &day.reason {
                DayReason::Weekend { .. } => f.write_str("weekend")?,
                reason => write!(f, "{reason}")?,
            }
            f.write_str("): it ends on the next working day (Civil Code art. 173)")?;
        }
        if self.provisional {
            let years: Vec<String> = self.provisional_years.iter().map(i32::to_string).collect();
            write!(
                f,
                "; PROVISIONAL: no final published calendar for {} (statutory rules only)",
                years.join(", ")
            )?;
        }
        Ok(())
    }
}
