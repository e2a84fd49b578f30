//! The calendar's data files: parsing and validation.
//!
//! Two kinds of file: `rules.toml` (the statutory fixed-date days off, with the years each
//! applies) and one `YYYY.toml` per year (that year's holidays, religious days off and transfers,
//! as published). Every problem is reported with the file, the line and what is wrong, and all
//! problems of a load are reported together, so an operator fixes a file in one pass.

use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// First and last year the calendar covers. Outside it there is no answer, not a guess.
pub const MIN_YEAR: i32 = 2014;
pub const MAX_YEAR: i32 = 2099;

/// One problem found in a data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataError {
    pub file: String,
    /// 1-based line; 0 when the problem is about the file as a whole.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// Whether a weekend occurrence of the day off moves to the next working day (calendar.md rule 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// State or national holiday: a weekend one gives a substitute day off.
    State,
    /// Religious day off (Labour Code art. 84(5)): no substitute.
    Religious,
}

/// A day off of one year, as loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayKind,
}

/// A transfer of a day off: `worked` (a weekend day) becomes a working day and `day_off`
/// (a working day) becomes a day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub worked: NaiveDate,
    pub day_off: NaiveDate,
    pub act: String,
    /// Line in its file, for checks made after the whole calendar is built.
    #[serde(skip)]
    pub line: usize,
}

/// A day on which the independent cross-check (the Python `holidays` package) is known to
/// disagree with the official calendar, with the source that settles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownDifference {
    pub date: NaiveDate,
    pub reference: String,
    pub source: String,
}

/// One year as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearData {
    pub year: i32,
    /// Not yet final (e.g. transfers or Kurban Ait not published): results are provisional.
    pub provisional: bool,
    pub sources: Vec<String>,
    pub holidays: Vec<Holiday>,
    pub transfers: Vec<Transfer>,
    pub known_differences: Vec<KnownDifference>,
    /// Where it came from, for messages.
    pub file: String,
}

/// A fixed-date day off as a rule, applied to every year between `from` and `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolidayRule {
    pub month: u32,
    pub day: u32,
    pub name: String,
    pub kind: HolidayKind,
    pub from: Option<i32>,
    pub until: Option<i32>,
}

impl HolidayRule {
    pub fn applies_to(&self, year: i32) -> bool {
        self.from.is_none_or(|from| year >= from) && self.until.is_none_or(|until| year <= until)
    }
}

/// The statutory rules, used for years that have no published data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub holidays: Vec<HolidayRule>,
    pub file: String,
}

impl Rules {
    /// The days off the rules give for `year`, in date order. A rule for 29 February simply
    /// does not apply in a common year.
    pub fn holidays_for(&self, year: i32) -> Vec<Holiday> {
        let mut out: Vec<Holiday> = self
            .holidays
            .iter()
            .filter(|rule| rule.applies_to(year))
            .filter_map(|rule| {
                NaiveDate::from_ymd_opt(year, rule.month, rule.day).map(|date| Holiday {
                    date,
                    name: rule.name.clone(),
                    kind: rule.kind,
                })
            })
            .collect();
        out.sort_by_key(|h| h.date);
        out
    }
}

// ---- raw file shapes -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: Spanned<i64>,
    #[serde(default)]
    provisional: bool,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    holiday: Vec<Spanned<RawHoliday>>,
    #[serde(default)]
    transfer: Vec<Spanned<RawTransfer>>,
    #[serde(default)]
    known_difference: Vec<Spanned<RawKnownDifference>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    date: Spanned<String>,
    name: String,
    kind: HolidayKind,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransfer {
    worked: Spanned<String>,
    day_off: Spanned<String>,
    act: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnownDifference {
    date: Spanned<String>,
    reference: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    holiday: Vec<Spanned<RawHolidayRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHolidayRule {
    month: u32,
    day: u32,
    name: String,
    kind: HolidayKind,
    from: Option<i32>,
    until: Option<i32>,
}

/// Collects the problems of one file with line numbers computed from byte offsets.
struct Reporter<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<DataError>,
}

impl<'a> Reporter<'a> {
    fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            errors: Vec::new(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.errors.push(DataError {
            file: self.file.to_owned(),
            line,
            message: message.into(),
        });
    }

    fn toml_error(&mut self, err: &toml::de::Error) {
        let line = err.span().map(|s| self.line_of(s.start)).unwrap_or(0);
        self.errors.push(DataError {
            file: self.file.to_owned(),
            line,
            message: err.message().trim().to_owned(),
        });
    }

    /// Parses an ISO date field, reporting a bad one.
    fn date(&mut self, field: &str, value: &Spanned<String>) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(value.get_ref(), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                self.at(
                    value.span().start,
                    format!(
                        "{field} \"{}\" is not a real calendar date in the form YYYY-MM-DD",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Parses and validates one year file. `file` names it in messages.
pub fn parse_year(file: &str, text: &str) -> Result<YearData, Vec<DataError>> {
    let mut rep = Reporter::new(file, text);
    let raw: RawYear = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            rep.toml_error(&err);
            return Err(rep.errors);
        }
    };
    let year_span = raw.year.span().start;
    let year = match i32::try_from(*raw.year.get_ref()) {
        Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => y,
        _ => {
            rep.at(
                year_span,
                format!(
                    "year {} is out of range: the calendar covers {MIN_YEAR} to {MAX_YEAR}",
                    raw.year.get_ref()
                ),
            );
            return Err(rep.errors);
        }
    };
    if let Some(stem) = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        && let Ok(named) = stem.parse::<i32>()
        && named != year
    {
        rep.at(
            year_span,
            format!("year = {year} but the file is named for {named}"),
        );
    }
    let in_year = |rep: &mut Reporter, field: &str, value: &Spanned<String>| {
        let date = rep.date(field, value)?;
        if date.year() != year {
            rep.at(
                value.span().start,
                format!("{field} {date} is not in year {year}"),
            );
            return None;
        }
        Some(date)
    };

    let mut holidays: Vec<Holiday> = Vec::new();
    for h in &raw.holiday {
        let h = h.get_ref();
        let Some(date) = in_year(&mut rep, "holiday date", &h.date) else {
            continue;
        };
        if let Some(prev) = holidays.iter().find(|p| p.date == date) {
            rep.at(
                h.date.span().start,
                format!(
                    "duplicate holiday {date}: already listed as \"{}\"",
                    prev.name
                ),
            );
            continue;
        }
        if h.name.trim().is_empty() {
            rep.at(h.date.span().start, format!("holiday {date} has no name"));
        }
        holidays.push(Holiday {
            date,
            name: h.name.trim().to_owned(),
            kind: h.kind,
        });
    }
    holidays.sort_by_key(|h| h.date);

    let mut transfers: Vec<Transfer> = Vec::new();
    for t in &raw.transfer {
        let t = t.get_ref();
        let worked = in_year(&mut rep, "transfer worked", &t.worked);
        let day_off = in_year(&mut rep, "transfer day_off", &t.day_off);
        let (Some(worked), Some(day_off)) = (worked, day_off) else {
            continue;
        };
        let mut ok = true;
        if !is_weekend(worked) {
            rep.at(
                t.worked.span().start,
                format!(
                    "transfer worked {worked} is a {}: a transfer makes a Saturday or Sunday a working day",
                    worked.weekday()
                ),
            );
            ok = false;
        }
        if let Some(h) = holidays.iter().find(|h| h.date == worked) {
            rep.at(
                t.worked.span().start,
                format!("transfer worked {worked} is the holiday \"{}\"", h.name),
            );
            ok = false;
        }
        if is_weekend(day_off) {
            rep.at(
                t.day_off.span().start,
                format!(
                    "transfer day_off {day_off} is a {}: the day off bought must be a working day",
                    day_off.weekday()
                ),
            );
            ok = false;
        }
        if let Some(h) = holidays.iter().find(|h| h.date == day_off) {
            rep.at(
                t.day_off.span().start,
                format!(
                    "transfer day_off {day_off} is already the holiday \"{}\"",
                    h.name
                ),
            );
            ok = false;
        }
        for prev in &transfers {
            for (date, span) in [
                (worked, t.worked.span().start),
                (day_off, t.day_off.span().start),
            ] {
                if date == prev.worked || date == prev.day_off {
                    rep.at(
                        span,
                        format!("duplicate transfer: {date} is already in a transfer"),
                    );
                    ok = false;
                }
            }
        }
        if t.act.trim().is_empty() {
            rep.at(
                t.worked.span().start,
                "transfer has no act (the order or decree that made it)",
            );
            ok = false;
        }
        if ok {
            let line = rep.line_of(t.worked.span().start);
            transfers.push(Transfer {
                worked,
                day_off,
                act: t.act.trim().to_owned(),
                line,
            });
        }
    }

    let mut known_differences = Vec::new();
    for k in &raw.known_difference {
        let k = k.get_ref();
        let Some(date) = in_year(&mut rep, "known_difference date", &k.date) else {
            continue;
        };
        if k.source.trim().is_empty() {
            rep.at(
                k.date.span().start,
                format!("known_difference {date} gives no source"),
            );
            continue;
        }
        known_differences.push(KnownDifference {
            date,
            reference: k.reference.clone(),
            source: k.source.clone(),
        });
    }

    if rep.errors.is_empty() {
        Ok(YearData {
            year,
            provisional: raw.provisional,
            sources: raw.sources,
            holidays,
            transfers,
            known_differences,
            file: file.to_owned(),
        })
    } else {
        Err(rep.errors)
    }
}

/// Parses and validates the rules file.
pub fn parse_rules(file: &str, text: &str) -> Result<Rules, Vec<DataError>> {
    let mut rep = Reporter::new(file, text);
    let raw: RawRules = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            rep.toml_error(&err);
            return Err(rep.errors);
        }
    };
    let mut holidays: Vec<HolidayRule> = Vec::new();
    for spanned in &raw.holiday {
        let at = spanned.span().start;
        let r = spanned.get_ref();
        // 2000 is a leap year, so every real month/day pair exists in it.
        if NaiveDate::from_ymd_opt(2000, r.month, r.day).is_none() {
            rep.at(
                at,
                format!(
                    "holiday rule month {} day {} is not a real date",
                    r.month, r.day
                ),
            );
            continue;
        }
        if let (Some(from), Some(until)) = (r.from, r.until)
            && from > until
        {
            rep.at(
                at,
                format!(
                    "holiday rule \"{}\": from {from} is after until {until}",
                    r.name
                ),
            );
            continue;
        }
        let overlaps = holidays.iter().find(|p| {
            p.month == r.month
                && p.day == r.day
                && p.from.unwrap_or(i32::MIN) <= r.until.unwrap_or(i32::MAX)
                && r.from.unwrap_or(i32::MIN) <= p.until.unwrap_or(i32::MAX)
        });
        if let Some(prev) = overlaps {
            rep.at(
                at,
                format!(
                    "duplicate holiday rule for {:02}-{:02}: \"{}\" already covers these years",
                    r.month, r.day, prev.name
                ),
            );
            continue;
        }
        holidays.push(HolidayRule {
            month: r.month,
            day: r.day,
            name: r.name.trim().to_owned(),
            kind: r.kind,
            from: r.from,
            until: r.until,
        });
    }
    if rep.errors.is_empty() {
        Ok(Rules {
            holidays,
            file: file.to_owned(),
        })
    } else {
        Err(rep.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match parse_year("2026.toml", text) {
            Ok(_) => vec![],
            Err(errs) => errs.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn bad_date_is_reported_with_file_and_line() {
        let errs = errors(
            "year = 2026\n\n[[holiday]]\ndate = \"2026-02-30\"\nname = \"X\"\nkind = \"state\"\n",
        );
        assert_eq!(
            errs,
            [
                "2026.toml:4: holiday date \"2026-02-30\" is not a real calendar date in the form YYYY-MM-DD"
            ]
        );
    }

    #[test]
    fn duplicate_holiday_is_reported() {
        let errs = errors(
            "year = 2026\n[[holiday]]\ndate = \"2026-01-01\"\nname = \"New Year\"\nkind = \"state\"\n\
             [[holiday]]\ndate = \"2026-01-01\"\nname = \"Again\"\nkind = \"state\"\n",
        );
        assert_eq!(
            errs,
            ["2026.toml:7: duplicate holiday 2026-01-01: already listed as \"New Year\""]
        );
    }

    #[test]
    fn transfer_must_swap_weekend_for_working_day() {
        // 2026-01-05 is a Monday, 2026-01-10 a Saturday: the wrong way round.
        let errs = errors(
            "year = 2026\n[[transfer]]\nworked = \"2026-01-05\"\nday_off = \"2026-01-10\"\nact = \"order\"\n",
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with("2026.toml:3: transfer worked 2026-01-05 is a Mon"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("2026.toml:4: transfer day_off 2026-01-10 is a Sat"),
            "{errs:?}"
        );
    }

    #[test]
    fn year_out_of_range_is_reported() {
        let errs = match parse_year("2150.toml", "year = 2150\n") {
            Ok(_) => vec![],
            Err(e) => e.iter().map(ToString::to_string).collect(),
        };
        assert_eq!(
            errs,
            ["2150.toml:1: year 2150 is out of range: the calendar covers 2014 to 2099"]
        );
    }

    #[test]
    fn date_outside_the_files_year_is_reported() {
        let errs = errors(
            "year = 2026\n[[holiday]]\ndate = \"2027-01-01\"\nname = \"N\"\nkind = \"state\"\n",
        );
        assert_eq!(
            errs,
            ["2026.toml:3: holiday date 2027-01-01 is not in year 2026"]
        );
    }

    #[test]
    fn file_name_must_match_year() {
        let errs = errors("year = 2025\n");
        assert_eq!(
            errs,
            ["2026.toml:1: year = 2025 but the file is named for 2026"]
        );
    }

    #[test]
    fn unknown_field_and_syntax_errors_name_the_line() {
        let errs = errors("year = 2026\n[[holiday]]\ndate = \"2026-01-01\"\nnmae = \"x\"\n");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("2026.toml:"), "{errs:?}");
        assert!(errs[0].contains("nmae"), "{errs:?}");
        let errs = errors("year = 2026\nholiday = [\n");
        assert!(errs[0].starts_with("2026.toml:"), "{errs:?}");
    }

    #[test]
    fn overlapping_rules_are_duplicates_but_successive_ones_are_not() {
        let ok = "[[holiday]]\nmonth = 8\nday = 30\nname = \"A\"\nkind = \"state\"\nuntil = 2025\n\
                  [[holiday]]\nmonth = 8\nday = 30\nname = \"B\"\nkind = \"state\"\nfrom = 2030\n";
        assert!(parse_rules("rules.toml", ok).is_ok());
        let dup = "[[holiday]]\nmonth = 8\nday = 30\nname = \"A\"\nkind = \"state\"\n\
                   [[holiday]]\nmonth = 8\nday = 30\nname = \"B\"\nkind = \"state\"\nfrom = 2030\n";
        let errs = parse_rules("rules.toml", dup).unwrap_err();
        assert_eq!(errs[0].line, 6);
    }
}
