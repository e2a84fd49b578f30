//! Statutory periods in every unit the orders use — hours of working time on the provider's
//! schedule, working days, calendar days, months — with suspensions and extensions; each due
//! moment with its derivation ([`Due`]).
//!
//! The decisions, each stated in the derivation it produces:
//! - an hour period counts working time on the provider's [`Schedule`] (working days of the
//!   calendar; by default 09:00–18:30 with lunch 13:00–14:30); a period that starts outside
//!   working time starts at the next working moment;
//! - a day period "from the date of X" starts the next day and ends at the end of its last day;
//!   a calendar-day or month period whose last day is a day off ends on the next working day
//!   (Civil Code of the Republic of Kazakhstan, art. 173);
//! - a month period ends on the same date N months later, or on the month's last day where it
//!   has no such date;
//! - a suspension stops the clock: the days (or working time) from the start up to and
//!   including the suspension day (moment) are used, and counting resumes after the resume
//!   date (at the resume moment); a month period is lengthened by the days it was suspended;
//! - an extension in the period's own unit adds to its count; one in another day unit runs on
//!   from the last day the period had without it.

use std::fmt;

use chrono::{
    DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, Utc,
};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, DayReason, OutOfRange, weekday_name};
use crate::explain::SkippedDay;
use crate::time::{TIME_ZONE, local};

/// The unit a statutory period is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Working time on the provider's schedule.
    Hours,
    /// Working days of the official calendar.
    WorkingDays,
    /// Any days; a last day that is a day off rolls to the next working day.
    CalendarDays,
    /// Calendar months; a last day that is a day off rolls to the next working day.
    Months,
}

impl Unit {
    /// Whether a last day off rolls to the next working day (art. 173).
    fn rolls(self) -> bool {
        matches!(self, Unit::CalendarDays | Unit::Months)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Hours => "hours",
            Unit::WorkingDays => "working days",
            Unit::CalendarDays => "calendar days",
            Unit::Months => "months",
        })
    }
}

/// A statutory maximum: a count of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub count: u32,
    pub unit: Unit,
}

impl Period {
    pub const fn new(count: u32, unit: Unit) -> Self {
        Self { count, unit }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.unit)
    }
}

/// The working hours of a provider on each working day of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    /// Breaks (lunch), in order, within the working hours.
    #[serde(default)]
    pub breaks: Vec<(NaiveTime, NaiveTime)>,
}

impl Default for Schedule {
    /// Monday to Friday 09:00–18:30, lunch 13:00–14:30 (the public service's usual hours).
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        Self {
            opens: t(9, 0),
            closes: t(18, 30),
            breaks: vec![(t(13, 0), t(14, 30))],
        }
    }
}

impl Schedule {
    /// Why the schedule cannot be used, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.opens >= self.closes {
            return Err(format!(
                "opens at {} but closes at {}",
                self.opens, self.closes
            ));
        }
        let mut after = self.opens;
        for (from, to) in &self.breaks {
            if from >= to || *from <= after || *to >= self.closes {
                return Err(format!(
                    "the break {from}–{to} is not inside the working hours after the one before it"
                ));
            }
            after = *to;
        }
        Ok(())
    }

    /// The working windows of a working day, in order.
    pub fn windows(&self) -> Vec<(NaiveTime, NaiveTime)> {
        let mut out = Vec::with_capacity(self.breaks.len() + 1);
        let mut from = self.opens;
        for (start, end) in &self.breaks {
            out.push((from, *start));
            from = *end;
        }
        out.push((from, self.closes));
        out
    }
}

/// A stop of the clock: from one instant to another. A day period uses the local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What a suspension did to a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuspensionUse {
    /// Suspended on (local).
    pub from: NaiveDateTime,
    /// Resumed on (local).
    pub to: NaiveDateTime,
    /// Units counted before it (days, or minutes of working time); none: the period had ended
    /// before it, and it changed nothing.
    pub counted_before: Option<u64>,
}

impl SuspensionUse {
    fn of(s: &Suspension, counted_before: Option<u64>) -> Self {
        Self {
            from: local_of(s.from),
            to: local_of(s.to),
            counted_before,
        }
    }
}

/// A last day that was a day off, and the working day the period ends on instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rolled {
    pub from: NaiveDate,
    pub reason: Option<DayReason>,
    pub to: NaiveDate,
}

/// A period that cannot be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    #[error("the schedule cannot be used: {0}")]
    Schedule(String),
    #[error("suspension {index}: {why}")]
    Suspension { index: usize, why: String },
    #[error("extension {index}: {why}")]
    Extension { index: usize, why: String },
}

/// A due moment and its derivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The event the period runs from, local time.
    pub from: NaiveDateTime,
    pub period: Period,
    pub extensions: Vec<Period>,
    /// The first moment counted: the start of the next day (day units) or the first working
    /// moment at or after `from` (hours).
    pub counted_from: NaiveDateTime,
    pub suspensions: Vec<SuspensionUse>,
    /// The last day of the period before a roll (day units).
    pub last_day: Option<NaiveDate>,
    pub rolled: Option<Rolled>,
    /// The due moment, local: the end of the last day (day units), or the moment the working
    /// time runs out (hours).
    pub due: NaiveDateTime,
    /// `due` with Almaty's offset of that date (+06:00 before 1 March 2024, +05:00 since).
    pub ends_at: DateTime<FixedOffset>,
    /// Days off the count passed over (working days and hours).
    pub skipped: Vec<SkippedDay>,
    pub provisional_years: Vec<i32>,
}

impl Due {
    /// The due date (`YYYY-MM-DD`) of a day or month period, the due moment
    /// (`YYYY-MM-DDTHH:MM`, Almaty) of an hour period.
    pub fn due_text(&self) -> String {
        match self.period.unit {
            Unit::Hours => self.due.format("%Y-%m-%dT%H:%M").to_string(),
            _ => self.due.date().format("%Y-%m-%d").to_string(),
        }
    }

    /// The derivation as one readable line.
    pub fn explanation(&self) -> String {
        self.to_string()
    }
}

fn day(d: NaiveDate) -> String {
    format!("{} {d}", &weekday_name(d.weekday())[..3])
}

impl fmt::Display for Due {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = self.period.unit;
        write!(
            f,
            "due {} (ends {} Asia/Almaty): {}",
            if unit == Unit::Hours {
                format!("{} {}", day(self.due.date()), self.due.format("%H:%M"))
            } else {
                day(self.due.date())
            },
            self.ends_at.format("%Y-%m-%d %H:%M:%S%:z"),
            self.period
        )?;
        for e in &self.extensions {
            write!(f, " extended by {e}")?;
        }
        write!(
            f,
            " from {} {}",
            day(self.from.date()),
            self.from.format("%H:%M")
        )?;
        if unit == Unit::Hours {
            write!(
                f,
                ", counted in working time from {} {}",
                day(self.counted_from.date()),
                self.counted_from.format("%H:%M")
            )?;
        } else {
            write!(f, ", counted from {}", self.counted_from.date())?;
        }
        for s in &self.suspensions {
            match (unit, s.counted_before) {
                (_, None) => write!(
                    f,
                    "; suspended {}..{} after the period ended: no effect",
                    s.from.date(),
                    s.to.date()
                )?,
                (Unit::Hours, Some(minutes)) => write!(
                    f,
                    "; suspended {} to {} ({}h{:02} counted before), resumed then",
                    s.from.format("%Y-%m-%d %H:%M"),
                    s.to.format("%Y-%m-%d %H:%M"),
                    minutes / 60,
                    minutes % 60
                )?,
                (Unit::Months, Some(_)) => write!(
                    f,
                    "; suspended {}..{}: lengthened by {} days",
                    s.from.date(),
                    s.to.date(),
                    (s.to.date() - s.from.date()).num_days()
                )?,
                (_, Some(days)) => write!(
                    f,
                    "; suspended {}..{} ({days} {} counted up to and including {}), resumed counting after {}",
                    s.from.date(),
                    s.to.date(),
                    if unit == Unit::WorkingDays {
                        "working days"
                    } else {
                        "days"
                    },
                    s.from.date(),
                    s.to.date()
                )?,
            }
        }
        if !self.skipped.is_empty() && unit != Unit::CalendarDays && unit != Unit::Months {
            f.write_str("; skipped ")?;
            for (i, d) in self.skipped.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                write!(f, "{sep}{} ", day(d.date))?;
                match &d.reason {
                    DayReason::Weekend { .. } => f.write_str("weekend")?,
                    reason => write!(f, "{reason}")?,
                }
            }
        }
        if let Some(r) = &self.rolled {
            write!(f, "; last day {} is a day off", day(r.from))?;
            if let Some(reason) = &r.reason {
                match reason {
                    DayReason::Weekend { .. } => f.write_str(" (weekend)")?,
                    reason => write!(f, " ({reason})")?,
                }
            }
            write!(
                f,
                ": it ends on the next working day, {} (Civil Code art. 173)",
                day(r.to)
            )?;
        }
        if !self.provisional_years.is_empty() {
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

fn local_of(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&TIME_ZONE).naive_local()
}

fn end_of(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
}

impl Calendar {
    /// The due moment of `period` from the event at `from`, extended by `extensions` and
    /// stopped by `suspensions` (in order, not overlapping, none before `from`), hours counted on
    /// `schedule`; with its derivation.
    pub fn due_moment(
        &self,
        from: DateTime<Utc>,
        period: Period,
        extensions: &[Period],
        suspensions: &[Suspension],
        schedule: &Schedule,
    ) -> Result<Due, PeriodError> {
        self.count(from, period, extensions, suspensions, schedule, true)
    }

    /// [`Calendar::due_moment`]'s due moment alone, without its derivation: for counting many
    /// cases at once.
    pub fn due_instant(
        &self,
        from: DateTime<Utc>,
        period: Period,
        extensions: &[Period],
        suspensions: &[Suspension],
        schedule: &Schedule,
    ) -> Result<DateTime<FixedOffset>, PeriodError> {
        Ok(self
            .count(from, period, extensions, suspensions, schedule, false)?
            .ends_at)
    }

    fn count(
        &self,
        from: DateTime<Utc>,
        period: Period,
        extensions: &[Period],
        suspensions: &[Suspension],
        schedule: &Schedule,
        explain: bool,
    ) -> Result<Due, PeriodError> {
        let start = local_of(from);
        let mut after = from;
        for (index, s) in suspensions.iter().enumerate() {
            let why = if s.to < s.from {
                "it resumes before it was suspended"
            } else if s.from < after {
                "it starts before the period or inside the suspension before it"
            } else {
                ""
            };
            if !why.is_empty() {
                return Err(PeriodError::Suspension {
                    index: index + 1,
                    why: why.into(),
                });
            }
            after = s.to;
        }
        let mut count = u64::from(period.count);
        let mut later = Vec::new();
        for (index, e) in extensions.iter().enumerate() {
            if e.unit == period.unit {
                count += u64::from(e.count);
            } else if period.unit == Unit::Hours || e.unit == Unit::Hours {
                return Err(PeriodError::Extension {
                    index: index + 1,
                    why: format!("an extension in {} of a period in {}", e.unit, period.unit),
                });
            } else {
                later.push(*e);
            }
        }
        let mut due = match period.unit {
            Unit::Hours => {
                schedule.check().map_err(PeriodError::Schedule)?;
                self.hours(start, count, suspensions, schedule)?
            }
            Unit::WorkingDays | Unit::CalendarDays => {
                self.days(start, count, period.unit, suspensions, explain)?
            }
            Unit::Months => self.months(start, count, suspensions)?,
        };
        due.period = period;
        if explain {
            due.extensions = extensions.to_vec();
        }
        // Extensions in another day unit run on from the last day the period had.
        let mut unit = period.unit;
        if let Some(mut last) = due.last_day {
            for e in later {
                last = match e.unit {
                    Unit::WorkingDays => self.add_working_days(last, e.count)?,
                    Unit::CalendarDays => self.add_calendar_days(last, e.count)?,
                    Unit::Months | Unit::Hours => last
                        .checked_add_months(Months::new(e.count))
                        .ok_or(OutOfRange { date: last })?,
                };
                unit = e.unit;
            }
            due.last_day = Some(last);
            let end = if unit.rolls() && !self.is_working_day(last)? {
                let to = self.next_working_day(last)?;
                due.rolled = Some(Rolled {
                    from: last,
                    reason: if explain {
                        self.day_info(last)?.reason
                    } else {
                        None
                    },
                    to,
                });
                to
            } else {
                last
            };
            due.due = end_of(end);
        }
        self.is_working_day(due.due.date())?;
        due.ends_at = if period.unit == Unit::Hours {
            local(due.due.date(), due.due.time())
        } else {
            crate::time::end_of_day(due.due.date())
        };
        if explain {
            due.provisional_years = (start.year()..=due.due.year())
                .filter(|y| self.is_provisional_year(*y))
                .collect();
        }
        Ok(due)
    }

    fn blank(start: NaiveDateTime, counted_from: NaiveDateTime) -> Due {
        Due {
            from: start,
            period: Period::new(0, Unit::CalendarDays),
            extensions: Vec::new(),
            counted_from,
            suspensions: Vec::new(),
            last_day: None,
            rolled: None,
            due: start,
            ends_at: local(start.date(), start.time()),
            skipped: Vec::new(),
            provisional_years: Vec::new(),
        }
    }

    /// Working days or calendar days: counted from the day after the event, a suspension's
    /// days after its first one left out.
    fn days(
        &self,
        start: NaiveDateTime,
        count: u64,
        unit: Unit,
        suspensions: &[Suspension],
        explain: bool,
    ) -> Result<Due, PeriodError> {
        let x = start.date();
        let mut due = Self::blank(start, x.succ_opt().unwrap_or(x).and_time(NaiveTime::MIN));
        let count_in = |from: NaiveDate, to: NaiveDate| -> Result<u64, OutOfRange> {
            Ok(match unit {
                Unit::WorkingDays => self.working_days_between(from, to)?.max(0).unsigned_abs(),
                _ => (to - from).num_days().max(0).unsigned_abs(),
            })
        };
        let add = |from: NaiveDate, n: u64| -> Result<NaiveDate, OutOfRange> {
            let n = u32::try_from(n).map_err(|_| OutOfRange { date: from })?;
            match unit {
                Unit::WorkingDays => self.add_working_days(from, n),
                _ => self.add_calendar_days(from, n),
            }
        };
        let (mut cursor, mut remaining, mut counted) = (x, count, 0u64);
        let mut spans = Vec::new();
        let mut last = None;
        for s in suspensions {
            let (s_from, s_to) = (local_of(s.from), local_of(s.to));
            if last.is_some() {
                due.suspensions.push(SuspensionUse::of(s, None));
                continue;
            }
            let available = count_in(cursor, s_from.date())?;
            if available >= remaining {
                let end = add(cursor, remaining)?;
                spans.push((cursor, end));
                last = Some(end);
                due.suspensions.push(SuspensionUse::of(s, None));
                continue;
            }
            spans.push((cursor, s_from.date()));
            remaining -= available;
            counted += available;
            due.suspensions.push(SuspensionUse::of(s, Some(counted)));
            cursor = s_to.date().max(cursor);
        }
        let last = match last {
            Some(end) => end,
            None => {
                let end = add(cursor, remaining)?;
                spans.push((cursor, end));
                end
            }
        };
        if unit == Unit::WorkingDays && explain {
            for (from, to) in spans {
                for d in from.iter_days().skip(1).take_while(|d| *d <= to) {
                    if !self.is_working_day(d)? {
                        if let Some(reason) = self.day_info(d)?.reason {
                            due.skipped.push(SkippedDay { date: d, reason });
                        }
                    }
                }
            }
        }
        due.last_day = Some(last);
        Ok(due)
    }

    /// Months: the same date N months later (the month's last day where there is none),
    /// lengthened by the days of each suspension that began before it.
    fn months(
        &self,
        start: NaiveDateTime,
        count: u64,
        suspensions: &[Suspension],
    ) -> Result<Due, PeriodError> {
        let x = start.date();
        let mut due = Self::blank(start, x.succ_opt().unwrap_or(x).and_time(NaiveTime::MIN));
        let months = u32::try_from(count).map_err(|_| OutOfRange { date: x })?;
        let mut last = x
            .checked_add_months(Months::new(months))
            .ok_or(OutOfRange { date: x })?;
        for s in suspensions {
            let (s_from, s_to) = (local_of(s.from), local_of(s.to));
            let before = s_from.date() < last;
            if before {
                let days = (s_to.date() - s_from.date())
                    .num_days()
                    .max(0)
                    .unsigned_abs();
                last = last
                    .checked_add_days(Days::new(days))
                    .ok_or(OutOfRange { date: last })?;
            }
            due.suspensions
                .push(SuspensionUse::of(s, before.then_some(0)));
        }
        self.is_working_day(last)?;
        due.last_day = Some(last);
        Ok(due)
    }

    /// Hours: working time on `schedule`, from the first working moment at or after `start`,
    /// the time between a suspension and its resumption left out.
    fn hours(
        &self,
        start: NaiveDateTime,
        count: u64,
        suspensions: &[Suspension],
        schedule: &Schedule,
    ) -> Result<Due, PeriodError> {
        let windows = schedule.windows();
        let counted_from = self.working_moment(start, &windows)?;
        let mut due = Self::blank(start, counted_from);
        let mut remaining = i64::try_from(count.saturating_mul(60)).unwrap_or(i64::MAX);
        let mut counted = 0i64;
        let mut cursor = counted_from;
        let mut end = None;
        for s in suspensions {
            let (s_from, s_to) = (local_of(s.from), local_of(s.to));
            if end.is_some() {
                due.suspensions.push(SuspensionUse::of(s, None));
                continue;
            }
            match self.run(cursor, remaining, Some(s_from), &windows, &mut due.skipped)? {
                Run::Done(at) => {
                    end = Some(at);
                    due.suspensions.push(SuspensionUse::of(s, None));
                }
                Run::Stopped(used) => {
                    remaining -= used;
                    counted += used;
                    due.suspensions
                        .push(SuspensionUse::of(s, Some(counted.unsigned_abs())));
                    cursor = self.working_moment(s_to.max(cursor), &windows)?;
                }
            }
        }
        let end = match end {
            Some(at) => at,
            None => match self.run(cursor, remaining, None, &windows, &mut due.skipped)? {
                Run::Done(at) => at,
                Run::Stopped(_) => cursor,
            },
        };
        due.due = end;
        Ok(due)
    }

    /// The first working moment at or after `t`.
    fn working_moment(
        &self,
        t: NaiveDateTime,
        windows: &[(NaiveTime, NaiveTime)],
    ) -> Result<NaiveDateTime, OutOfRange> {
        let mut d = t.date();
        let mut time = t.time();
        loop {
            if self.is_working_day(d)? {
                for (a, b) in windows {
                    if time < *b {
                        return Ok(d.and_time(time.max(*a)));
                    }
                }
            }
            d = d.succ_opt().ok_or(OutOfRange { date: d })?;
            time = NaiveTime::MIN;
        }
    }

    /// Counts `minutes` of working time from `from`, stopping at `until` if it comes first.
    fn run(
        &self,
        from: NaiveDateTime,
        minutes: i64,
        until: Option<NaiveDateTime>,
        windows: &[(NaiveTime, NaiveTime)],
        skipped: &mut Vec<SkippedDay>,
    ) -> Result<Run, OutOfRange> {
        let mut used = 0i64;
        let mut d = from.date();
        let mut time = from.time();
        loop {
            if until.is_some_and(|u| d > u.date()) {
                return Ok(Run::Stopped(used));
            }
            if self.is_working_day(d)? {
                for (a, b) in windows {
                    let start = time.max(*a);
                    let mut stop = *b;
                    if let Some(u) = until
                        && u.date() == d
                    {
                        stop = stop.min(u.time());
                    }
                    if start >= stop {
                        continue;
                    }
                    let length = (stop - start).num_minutes();
                    if used + length >= minutes {
                        let at = d.and_time(start) + chrono::Duration::minutes(minutes - used);
                        return Ok(Run::Done(at));
                    }
                    used += length;
                }
            } else if let Some(reason) = self.day_info(d)?.reason {
                skipped.push(SkippedDay { date: d, reason });
            }
            if until.is_some_and(|u| d == u.date()) {
                return Ok(Run::Stopped(used));
            }
            d = d.succ_opt().ok_or(OutOfRange { date: d })?;
            time = NaiveTime::MIN;
        }
    }
}

enum Run {
    /// The time ran out at this moment.
    Done(NaiveDateTime),
    /// The stop came first, after this many minutes.
    Stopped(i64),
}
