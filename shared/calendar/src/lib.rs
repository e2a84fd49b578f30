//! Kazakhstan's official working-day calendar and the statutory clock.
//!
//! Every deadline of the REX rules is a count of working days or calendar days "from the date
//! of X": the period starts the next day and ends at the end of its last day, Asia/Almaty.
//! [`Calendar`] answers which days are working days and does the arithmetic; [`DueDate`]
//! carries each due date's derivation; [`StatutoryStep`] tracks a step of a procedure against
//! its due date; [`Clock`] is the injected source of "now".
//!
//! The calendar is data (`data/*.toml`, one file a year, shipped in the binary); a directory
//! given in configuration adds or replaces years. A year with no data is derived from the
//! statutory rules and every result from it is marked provisional.

mod calendar;
pub mod clock;
pub mod data;
mod explain;
mod intake;
mod period;
mod steps;
pub mod time;

pub use calendar::{Calendar, DayInfo, DayReason, LoadError, OutOfRange, WeekdayName, YearSource};
pub use clock::{Clock, SystemClock, TestClock};
pub use data::{HolidayKind, MAX_YEAR, MIN_YEAR};
pub use explain::{DueDate, PeriodUnit, SkippedDay};
pub use intake::{Intake, IntakeShift, OfficeIntake};
pub use period::{Due, Period, PeriodError, Rolled, Schedule, Suspension, SuspensionUse, Unit};
pub use steps::{StatutoryStep, StepState, falling_due_within};
