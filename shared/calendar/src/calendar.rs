//! The working-day calendar: which days are working days, and the arithmetic of periods.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

use crate::data::{
    self, DataError, Holiday, HolidayKind, KnownDifference, MAX_YEAR, MIN_YEAR, Rules, YearData,
};
use crate::explain::{DueDate, PeriodUnit, SkippedDay};

/// The data shipped with the release: the statutory rules and the published years.
const EMBEDDED_RULES: (&str, &str) = ("rules.toml", include_str!("../data/rules.toml"));
const EMBEDDED_YEARS: &[(&str, &str)] = &[
    ("2014.toml", include_str!("../data/2014.toml")),
    ("2015.toml", include_str!("../data/2015.toml")),
    ("2023.toml", include_str!("../data/2023.toml")),
    ("2024.toml", include_str!("../data/2024.toml")),
    ("2025.toml", include_str!("../data/2025.toml")),
    ("2026.toml", include_str!("../data/2026.toml")),
    ("2027.toml", include_str!("../data/2027.toml")),
];

/// The calendar could not be loaded; nothing of it is in use.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("calendar data is invalid ({} problem(s)):\n{}", .0.len(), render_errors(.0))]
    Invalid(Vec<DataError>),
    #[error("cannot read calendar data at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn render_errors(errors: &[DataError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A date the calendar has no answer for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{date} is outside the working-day calendar, which covers {MIN_YEAR}-01-01 to {MAX_YEAR}-12-31"
)]
pub struct OutOfRange {
    pub date: NaiveDate,
}

/// Why a day is not an ordinary one: the reason a day off is off, or a weekend day is worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayReason {
    /// Saturday or Sunday (calendar.md rule 1).
    Weekend { weekday: WeekdayName },
    /// A state or national holiday, or a religious day off (rules 2, 3).
    Holiday {
        name: String,
        holiday_kind: HolidayKind,
    },
    /// The day off given for a state holiday that fell on a weekend (rule 4).
    Substitute {
        holiday: String,
        holiday_date: NaiveDate,
    },
    /// A working day made a day off by a transfer act (rule 5).
    TransferredDayOff { worked_on: NaiveDate, act: String },
    /// A weekend day made a working day by a transfer act (rule 5).
    TransferredWorkingDay { day_off: NaiveDate, act: String },
}

/// A weekday, serialized by its English name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekdayName(pub Weekday);

impl Serialize for WeekdayName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(weekday_name(self.0))
    }
}

pub(crate) fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

impl fmt::Display for DayReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DayReason::Weekend { weekday } => write!(f, "{} (weekend)", weekday_name(weekday.0)),
            DayReason::Holiday {
                name,
                holiday_kind: HolidayKind::State,
            } => {
                write!(f, "{name} (holiday)")
            }
            DayReason::Holiday {
                name,
                holiday_kind: HolidayKind::Religious,
            } => {
                write!(f, "{name} (religious day off)")
            }
            DayReason::Substitute {
                holiday,
                holiday_date,
            } => write!(
                f,
                "substitute day off for {holiday}, which fell on {} {holiday_date}",
                weekday_name(holiday_date.weekday())
            ),
            DayReason::TransferredDayOff { worked_on, act } => write!(
                f,
                "day off transferred from {} {worked_on} ({act})",
                weekday_name(worked_on.weekday())
            ),
            DayReason::TransferredWorkingDay { day_off, act } => {
                write!(
                    f,
                    "working day by transfer, the day off moved to {day_off} ({act})"
                )
            }
        }
    }
}

/// Everything the calendar knows about one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub working: bool,
    /// Absent for an ordinary weekday.
    pub reason: Option<DayReason>,
    /// The day's year has no published calendar, or its file is marked provisional.
    pub provisional: bool,
}

/// The notes kept for days that are not ordinary weekdays or weekends.
#[derive(Debug, Clone)]
enum Note {
    Holiday {
        name: String,
        kind: HolidayKind,
    },
    Substitute {
        holiday: String,
        holiday_date: NaiveDate,
    },
    TransferOff {
        worked_on: NaiveDate,
        act: String,
    },
    TransferWorked {
        day_off: NaiveDate,
        act: String,
    },
}

/// Where a year's data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearSource {
    pub year: i32,
    /// The year file, or `None` for a year derived from the rules alone.
    pub file: Option<String>,
    pub provisional: bool,
}

/// Kazakhstan's official working-day calendar from `MIN_YEAR` to `MAX_YEAR`.
///
/// Built once and immutable, so it is shared across threads without locks. The hot paths
/// (`is_working_day`, `add_working_days`, `working_days_between`) read one prefix-count table:
/// `cumulative[i]` is the number of working days in the `i` days before day `i`.
#[derive(Debug, Clone)]
pub struct Calendar {
    first_day: NaiveDate,
    /// `first_day.num_days_from_ce()`, so a date's index is one subtraction.
    first_ce: i32,
    cumulative: Vec<u32>,
    notes: HashMap<NaiveDate, Note>,
    years: Vec<YearSource>,
    known_differences: Vec<KnownDifference>,
}

impl Calendar {
    /// The calendar shipped with the release.
    pub fn official() -> Result<Self, LoadError> {
        Self::load(None)
    }

    /// The shipped calendar, with the files of `overrides` (if given) adding or replacing
    /// years: `YYYY.toml` replaces that year, `rules.toml` replaces the statutory rules.
    pub fn load(overrides: Option<&Path>) -> Result<Self, LoadError> {
        let mut rules_text = (EMBEDDED_RULES.0.to_owned(), EMBEDDED_RULES.1.to_owned());
        let mut year_texts: BTreeMap<String, (String, String)> = EMBEDDED_YEARS
            .iter()
            .map(|(name, text)| {
                (
                    name.to_string(),
                    (format!("(built-in) {name}"), text.to_string()),
                )
            })
            .collect();
        if let Some(dir) = overrides {
            let io = |source| LoadError::Io {
                path: dir.to_owned(),
                source,
            };
            let mut problems = Vec::new();
            let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(io)?
                .map(|entry| entry.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(io)?;
            entries.sort();
            for path in entries {
                if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                    continue;
                }
                let display = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
                    path: path.clone(),
                    source,
                })?;
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                if stem == "rules" {
                    rules_text = (display, text);
                } else if stem.len() == 4 && stem.bytes().all(|b| b.is_ascii_digit()) {
                    year_texts.insert(format!("{stem}.toml"), (display, text));
                } else {
                    problems.push(DataError {
                        file: display,
                        line: 0,
                        message:
                            "unexpected file: calendar files are named rules.toml or YYYY.toml"
                                .to_owned(),
                    });
                }
            }
            if !problems.is_empty() {
                return Err(LoadError::Invalid(problems));
            }
        }
        let years: Vec<(&str, &str)> = year_texts
            .values()
            .map(|(name, text)| (name.as_str(), text.as_str()))
            .collect();
        Self::from_texts((&rules_text.0, &rules_text.1), &years)
    }

    /// Builds a calendar from file texts, `(name, text)`. All files are validated and every
    /// problem is reported; the calendar exists only if there are none.
    pub fn from_texts(rules: (&str, &str), years: &[(&str, &str)]) -> Result<Self, LoadError> {
        let mut problems = Vec::new();
        let rules = data::parse_rules(rules.0, rules.1)
            .map_err(|e| problems.extend(e))
            .ok();
        let mut parsed: BTreeMap<i32, YearData> = BTreeMap::new();
        for (name, text) in years {
            match data::parse_year(name, text) {
                Ok(year) => {
                    if let Some(prev) = parsed.get(&year.year) {
                        problems.push(DataError {
                            file: name.to_string(),
                            line: 0,
                            message: format!("year {} is also given by {}", year.year, prev.file),
                        });
                    } else {
                        parsed.insert(year.year, year);
                    }
                }
                Err(errs) => problems.extend(errs),
            }
        }
        match rules {
            Some(rules) if problems.is_empty() => Self::build(&rules, parsed),
            _ => Err(LoadError::Invalid(problems)),
        }
    }

    fn build(rules: &Rules, years: BTreeMap<i32, YearData>) -> Result<Self, LoadError> {
        let first_day = NaiveDate::from_ymd_opt(MIN_YEAR, 1, 1).expect("MIN_YEAR-01-01 exists");
        let last_day = NaiveDate::from_ymd_opt(MAX_YEAR, 12, 31).expect("MAX_YEAR-12-31 exists");
        let mut notes: HashMap<NaiveDate, Note> = HashMap::new();
        let mut sources = Vec::new();
        let mut state_holidays_on_weekends: Vec<Holiday> = Vec::new();
        let mut known_differences = Vec::new();
        for year in MIN_YEAR..=MAX_YEAR {
            let published = years.get(&year);
            let holidays = match published {
                Some(data) => data.holidays.clone(),
                None => rules.holidays_for(year),
            };
            sources.push(YearSource {
                year,
                file: published.map(|d| d.file.clone()),
                provisional: published.is_none_or(|d| d.provisional),
            });
            if let Some(data) = published {
                known_differences.extend(data.known_differences.iter().cloned());
            }
            for h in holidays {
                if h.kind == HolidayKind::State && is_weekend(h.date) {
                    state_holidays_on_weekends.push(h.clone());
                }
                notes.insert(
                    h.date,
                    Note::Holiday {
                        name: h.name,
                        kind: h.kind,
                    },
                );
            }
        }
        // Rule 4, in date order so that chains skip over earlier substitutes.
        for h in &state_holidays_on_weekends {
            let substitute = h
                .date
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= last_day)
                .find(|d| !is_weekend(*d) && !notes.contains_key(d));
            if let Some(day) = substitute {
                let note = Note::Substitute {
                    holiday: h.name.clone(),
                    holiday_date: h.date,
                };
                notes.insert(day, note);
            }
        }
        // Rule 5, checked against the derived substitutes too.
        let mut problems = Vec::new();
        for data in years.values() {
            for t in &data.transfers {
                if let Some(Note::Substitute {
                    holiday,
                    holiday_date,
                }) = notes.get(&t.day_off)
                {
                    problems.push(DataError {
                        file: data.file.clone(),
                        line: t.line,
                        message: format!(
                            "transfer day_off {} is already the substitute day off for {holiday} of {holiday_date}",
                            t.day_off
                        ),
                    });
                    continue;
                }
                notes.insert(
                    t.day_off,
                    Note::TransferOff {
                        worked_on: t.worked,
                        act: t.act.clone(),
                    },
                );
                notes.insert(
                    t.worked,
                    Note::TransferWorked {
                        day_off: t.day_off,
                        act: t.act.clone(),
                    },
                );
            }
        }
        if !problems.is_empty() {
            return Err(LoadError::Invalid(problems));
        }

        let days = (last_day - first_day).num_days() as usize + 1;
        let mut cumulative = Vec::with_capacity(days + 1);
        cumulative.push(0u32);
        let mut count = 0u32;
        let mut day = first_day;
        for _ in 0..days {
            if day_is_working(day, notes.get(&day)) {
                count += 1;
            }
            cumulative.push(count);
            day = day.succ_opt().unwrap_or(day);
        }
        Ok(Self {
            first_day,
            first_ce: first_day.num_days_from_ce(),
            cumulative,
            notes,
            years: sources,
            known_differences,
        })
    }

    /// First and last day the calendar answers for.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        let last = self.first_day + Days::new(self.cumulative.len() as u64 - 2);
        (self.first_day, last)
    }

    /// Where each year came from, and whether it is provisional.
    pub fn years(&self) -> &[YearSource] {
        &self.years
    }

    /// Days on which the independent cross-check is known to disagree, with their sources.
    pub fn known_differences(&self) -> &[KnownDifference] {
        &self.known_differences
    }

    /// Whether results touching `year` are provisional (no published calendar, or marked so).
    pub fn is_provisional_year(&self, year: i32) -> bool {
        usize::try_from(year - MIN_YEAR)
            .ok()
            .and_then(|i| self.years.get(i))
            .is_none_or(|y| y.provisional)
    }

    #[inline]
    fn index(&self, date: NaiveDate) -> Result<usize, OutOfRange> {
        let i = date.num_days_from_ce() - self.first_ce;
        match usize::try_from(i) {
            Ok(i) if i + 1 < self.cumulative.len() => Ok(i),
            _ => Err(OutOfRange { date }),
        }
    }

    #[inline]
    fn working_at(&self, i: usize) -> bool {
        self.cumulative[i + 1] != self.cumulative[i]
    }

    /// Whether `date` is a working day.
    #[inline]
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, OutOfRange> {
        Ok(self.working_at(self.index(date)?))
    }

    /// Whether `date` is a working day, and why not (or why a weekend day is worked).
    pub fn day_info(&self, date: NaiveDate) -> Result<DayInfo, OutOfRange> {
        let working = self.is_working_day(date)?;
        let reason = self.reason(date);
        Ok(DayInfo {
            date,
            working,
            reason,
            provisional: self.is_provisional_year(date.year()),
        })
    }

    fn reason(&self, date: NaiveDate) -> Option<DayReason> {
        match self.notes.get(&date) {
            Some(Note::Holiday { name, kind }) => Some(DayReason::Holiday {
                name: name.clone(),
                holiday_kind: *kind,
            }),
            Some(Note::Substitute {
                holiday,
                holiday_date,
            }) => Some(DayReason::Substitute {
                holiday: holiday.clone(),
                holiday_date: *holiday_date,
            }),
            Some(Note::TransferOff { worked_on, act }) => Some(DayReason::TransferredDayOff {
                worked_on: *worked_on,
                act: act.clone(),
            }),
            Some(Note::TransferWorked { day_off, act }) => Some(DayReason::TransferredWorkingDay {
                day_off: *day_off,
                act: act.clone(),
            }),
            None if is_weekend(date) => Some(DayReason::Weekend {
                weekday: WeekdayName(date.weekday()),
            }),
            None => None,
        }
    }

    /// The date `n` working days after `start`: the period starts the day after `start` and
    /// ends with its `n`-th working day. `n = 0` gives `start` itself.
    #[inline]
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, OutOfRange> {
        let i = self.index(start)?;
        let target = self.cumulative[i + 1] + n;
        // The first day j >= i whose count through j reaches the target is the n-th working day.
        let offset = self.cumulative[i + 1..].partition_point(|&c| c < target);
        if i + 1 + offset >= self.cumulative.len() {
            let (_, last) = self.range();
            return Err(OutOfRange {
                date: last.succ_opt().unwrap_or(last),
            });
        }
        Ok(start + Days::new(offset as u64))
    }

    /// The date `n` calendar days after `start` (the period starts the next day).
    pub fn add_calendar_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, OutOfRange> {
        self.index(start)?;
        let due = start
            .checked_add_days(Days::new(u64::from(n)))
            .ok_or(OutOfRange { date: start })?;
        self.index(due)?;
        Ok(due)
    }

    /// The number of working days in the period after `from` up to and including `to`;
    /// negative when `to` is before `from`. `add_working_days(a, n)` = b gives back n.
    #[inline]
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, OutOfRange> {
        let (a, b) = (self.index(from)?, self.index(to)?);
        Ok(i64::from(self.cumulative[b + 1]) - i64::from(self.cumulative[a + 1]))
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, OutOfRange> {
        self.add_working_days(date, 1)
    }

    /// `date` if it is a working day, otherwise the next one.
    pub fn this_or_next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, OutOfRange> {
        if self.is_working_day(date)? {
            Ok(date)
        } else {
            self.next_working_day(date)
        }
    }

    /// The due date of a period of `count` `unit`s from `start`, with its derivation.
    pub fn due(
        &self,
        start: NaiveDate,
        count: u32,
        unit: PeriodUnit,
    ) -> Result<DueDate, OutOfRange> {
        let mut due = match unit {
            PeriodUnit::WorkingDays => self.add_working_days(start, count)?,
            PeriodUnit::CalendarDays => self.add_calendar_days(start, count)?,
        };
        // Civil Code art. 173: a period whose last day is a day off ends on the next working day.
        let mut rolled_from = None;
        if unit == PeriodUnit::CalendarDays && !self.is_working_day(due)? {
            if let Some(reason) = self.reason(due) {
                rolled_from = Some(SkippedDay { date: due, reason });
            }
            due = self.next_working_day(due)?;
        }
        let mut skipped = Vec::new();
        let mut worked_weekend_days = Vec::new();
        if unit == PeriodUnit::WorkingDays {
            for day in start.iter_days().skip(1).take_while(|d| *d <= due) {
                let working = self.is_working_day(day)?;
                match (working, self.reason(day)) {
                    (false, Some(reason)) => skipped.push(SkippedDay { date: day, reason }),
                    (true, Some(reason @ DayReason::TransferredWorkingDay { .. })) => {
                        worked_weekend_days.push(SkippedDay { date: day, reason })
                    }
                    _ => {}
                }
            }
        }
        let provisional_years: Vec<i32> = (start.year()..=due.year())
            .filter(|y| self.is_provisional_year(*y))
            .collect();
        let mut due = DueDate::new(
            start,
            unit,
            count,
            due,
            skipped,
            worked_weekend_days,
            provisional_years,
        );
        due.rolled_from = rolled_from;
        Ok(due)
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn day_is_working(date: NaiveDate, note: Option<&Note>) -> bool {
    match note {
        Some(Note::TransferWorked { .. }) => true,
        Some(_) => false,
        None => !is_weekend(date),
    }
}
