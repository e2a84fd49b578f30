//! Fuzzing of the calendar's data files (issue #14): `rules.toml` and `YYYY.toml` as an operator
//! may override them (`Calendar::load` with a directory). Any text, the shipped files mutated,
//! and generated files with dates of every shape: no panic; a file is either loaded with what
//! the format promises (dates in the year, no duplicates, transfers that swap a weekend day for
//! a working day) or refused with every problem naming the file and a line in it.
//!
//! The case count is proptest's default (256), or `PROPTEST_CASES` for a long run:
//! `PROPTEST_CASES=20000 cargo test --release -p rex-calendar --test fuzz`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;
use rex_calendar::data::{DataError, parse_rules, parse_year};
use rex_calendar::{Calendar, LoadError, MAX_YEAR, MIN_YEAR};

const RULES: &str = include_str!("../data/rules.toml");
const YEARS: [(&str, &str); 5] = [
    ("2023.toml", include_str!("../data/2023.toml")),
    ("2024.toml", include_str!("../data/2024.toml")),
    ("2025.toml", include_str!("../data/2025.toml")),
    ("2026.toml", include_str!("../data/2026.toml")),
    ("2027.toml", include_str!("../data/2027.toml")),
];

fn any_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        3 => prop::char::range('0', '9'),
        4 => prop::sample::select(vec![
            ' ', '\n', '=', '"', '\'', '[', ']', '-', '.', ',', '#', '{', '}', '\\', '\0', 'я',
        ]),
    ];
    let word = prop::sample::select(vec![
        "year",
        "provisional",
        "sources",
        "holiday",
        "transfer",
        "known_difference",
        "date",
        "name",
        "kind",
        "state",
        "religious",
        "worked",
        "day_off",
        "act",
        "month",
        "day",
        "from",
        "until",
        "true",
        "2026",
        "2026-01-01",
        "[[holiday]]",
        "[[transfer]]",
    ])
    .prop_map(str::to_owned);
    prop::collection::vec(
        prop_oneof![2 => ch.prop_map(String::from), 1 => word],
        0..200,
    )
    .prop_map(|parts| parts.concat())
}

/// A date as a file may write it: mostly in `year` (some impossible, such as 30 February),
/// else in another year, out of range or malformed.
fn date_text_in(year: i64) -> impl Strategy<Value = String> {
    prop_oneof![
        12 => (1u32..=12, 1u32..=31).prop_map(move |(m, d)| format!("{year:04}-{m:02}-{d:02}")),
        1 => (2019i32..=2100, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => (any::<i32>(), 0u32..=99, 0u32..=99).prop_map(|(y, m, d)| format!("{y}-{m}-{d}")),
        1 => any_text(),
    ]
}

fn date_text() -> impl Strategy<Value = String> {
    (2019i64..=2100).prop_flat_map(date_text_in)
}

fn kind() -> impl Strategy<Value = &'static str> {
    prop_oneof![8 => Just("state"), 4 => Just("religious"), 1 => Just("public")]
}

/// A TOML string value, escaped as TOML wants.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A year file built from parts: its year, holidays, transfers and known differences, each
/// with dates of any shape and names that may be blank.
fn year_file() -> impl Strategy<Value = (i64, String)> {
    prop_oneof![8 => 2020i64..=2099, 1 => any::<i64>()].prop_flat_map(year_file_of)
}

fn year_file_of(year: i64) -> impl Strategy<Value = (i64, String)> {
    let date_text = || date_text_in(year);
    let name =
        prop_oneof![12 => "[A-Za-z][A-Za-z ]{0,11}", 1 => Just(" ".to_owned()), 1 => any_text()];
    let holiday = (date_text(), name.clone(), kind()).prop_map(|(d, n, k)| {
        format!(
            "[[holiday]]\ndate = {}\nname = {}\nkind = \"{k}\"\n",
            toml_str(&d),
            toml_str(&n)
        )
    });
    let transfer = (date_text(), date_text(), name.clone()).prop_map(|(w, o, a)| {
        format!(
            "[[transfer]]\nworked = {}\nday_off = {}\nact = {}\n",
            toml_str(&w),
            toml_str(&o),
            toml_str(&a)
        )
    });
    let known = (date_text(), name.clone(), name).prop_map(|(d, r, s)| {
        format!(
            "[[known_difference]]\ndate = {}\nreference = {}\nsource = {}\n",
            toml_str(&d),
            toml_str(&r),
            toml_str(&s)
        )
    });
    (
        any::<bool>(),
        prop::collection::vec(holiday, 0..8),
        prop::collection::vec(transfer, 0..3),
        prop::collection::vec(known, 0..2),
    )
        .prop_map(move |(provisional, h, t, k)| {
            let text = format!(
                "year = {year}\nprovisional = {provisional}\nsources = [\"fuzz\"]\n\n{}\n{}\n{}",
                h.join("\n"),
                t.join("\n"),
                k.join("\n")
            );
            (year, text)
        })
}

/// A rules file built from parts: month and day of any value, years that may overlap.
fn rules_file() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        Just(None),
        (2000i32..2110).prop_map(Some),
        any::<i32>().prop_map(Some)
    ];
    let rule = (
        0u32..=40,
        0u32..=40,
        "[A-Za-z ]{0,10}",
        kind(),
        year.clone(),
        year,
    )
        .prop_map(|(m, d, n, k, from, until)| {
            let mut s = format!(
                "[[holiday]]\nmonth = {m}\nday = {d}\nname = {}\nkind = \"{k}\"\n",
                toml_str(&n)
            );
            if let Some(f) = from {
                s.push_str(&format!("from = {f}\n"));
            }
            if let Some(u) = until {
                s.push_str(&format!("until = {u}\n"));
            }
            s
        });
    prop::collection::vec(rule, 0..20).prop_map(|r| r.join("\n"))
}

/// One edit of a file: a line deleted, repeated or moved, or characters changed.
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    RepeatLine(usize),
    SwapLines(usize, usize),
    Replace(usize, char),
    Insert(usize, String),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let insert = prop_oneof![any_text(), date_text(), Just("\n".to_owned())];
    let edit = prop_oneof![
        2 => any::<usize>().prop_map(Edit::DeleteLine),
        2 => any::<usize>().prop_map(Edit::RepeatLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        3 => (any::<usize>(), prop_oneof![any::<char>(), prop::char::range('0', '9')]).prop_map(|(i, c)| Edit::Replace(i, c)),
        2 => (any::<usize>(), insert).prop_map(|(i, t)| Edit::Insert(i, t)),
    ];
    prop::collection::vec(edit, 1..5)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_owned();
    for e in edits {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut chars: Vec<char> = text.chars().collect();
        match e {
            Edit::DeleteLine(i) if !lines.is_empty() => {
                lines.remove(i % lines.len());
            }
            Edit::RepeatLine(i) if !lines.is_empty() => {
                let i = i % lines.len();
                lines.insert(i, lines[i].clone());
            }
            Edit::SwapLines(a, b) if !lines.is_empty() => {
                let n = lines.len();
                lines.swap(a % n, b % n);
            }
            Edit::Replace(i, c) if !chars.is_empty() => {
                let i = i % chars.len();
                chars[i] = *c;
                text = chars.into_iter().collect();
                continue;
            }
            Edit::Insert(i, t) => {
                let i = i % (chars.len() + 1);
                chars.splice(i..i, t.chars());
                text = chars.into_iter().collect();
                continue;
            }
            _ => continue,
        }
        text = lines.join("\n");
    }
    text
}

/// Every problem names the file it was given and a line of it (0 for the whole file).
fn check_errors(file: &str, text: &str, errors: &[DataError]) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty(), "refused without a reason");
    let lines = text.lines().count() + 1;
    for e in errors {
        prop_assert_eq!(&e.file, file);
        prop_assert!(e.line <= lines, "line {} of {lines}: {e}", e.line);
        prop_assert!(!e.message.trim().is_empty(), "{e:?}");
    }
    Ok(())
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A year file: loaded with what the format promises, or refused naming file and line.
fn check_year(file: &str, text: &str) -> Result<(), TestCaseError> {
    match parse_year(file, text) {
        Err(errors) => check_errors(file, text, &errors)?,
        Ok(y) => {
            prop_assert!((MIN_YEAR..=MAX_YEAR).contains(&y.year));
            let mut days = HashSet::new();
            for h in &y.holidays {
                prop_assert_eq!(h.date.year(), y.year);
                prop_assert!(days.insert(h.date), "duplicate holiday {}", h.date);
                prop_assert!(!h.name.is_empty());
            }
            prop_assert!(
                y.holidays.windows(2).all(|w| w[0].date < w[1].date),
                "in date order"
            );
            let mut moved = HashSet::new();
            for t in &y.transfers {
                prop_assert!(is_weekend(t.worked) && !is_weekend(t.day_off), "{t:?}");
                prop_assert_eq!((t.worked.year(), t.day_off.year()), (y.year, y.year));
                prop_assert!(
                    !days.contains(&t.worked) && !days.contains(&t.day_off),
                    "{t:?}"
                );
                prop_assert!(moved.insert(t.worked) && moved.insert(t.day_off), "{t:?}");
                prop_assert!(!t.act.is_empty());
            }
            for k in &y.known_differences {
                prop_assert_eq!(k.date.year(), y.year);
            }
        }
    }
    Ok(())
}

fn check_rules(text: &str) -> Result<(), TestCaseError> {
    match parse_rules("rules.toml", text) {
        Err(errors) => check_errors("rules.toml", text, &errors)?,
        Ok(rules) => {
            for r in &rules.holidays {
                // 2000 is a leap year: every real month/day exists in it.
                prop_assert!(
                    NaiveDate::from_ymd_opt(2000, r.month, r.day).is_some(),
                    "{r:?}"
                );
                prop_assert!(r.from.zip(r.until).is_none_or(|(f, u)| f <= u), "{r:?}");
            }
            for year in [MIN_YEAR, 2024, MAX_YEAR] {
                let days = rules.holidays_for(year);
                prop_assert!(days.iter().all(|h| h.date.year() == year));
            }
        }
    }
    Ok(())
}

/// The whole calendar from these texts: built over its full range, or refused with problems
/// that each name one of the files given.
fn check_calendar(rules: &str, years: &[(&str, &str)]) -> Result<(), TestCaseError> {
    match Calendar::from_texts(("rules.toml", rules), years) {
        Ok(cal) => {
            let (first, last) = cal.range();
            prop_assert_eq!(first, NaiveDate::from_ymd_opt(MIN_YEAR, 1, 1).unwrap());
            prop_assert_eq!(last, NaiveDate::from_ymd_opt(MAX_YEAR, 12, 31).unwrap());
            // The arithmetic stands on it: a due date is a working day.
            let due = cal.add_working_days(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), 10);
            prop_assert!(due.is_ok_and(|d| cal.is_working_day(d) == Ok(true)));
        }
        Err(LoadError::Invalid(problems)) => {
            prop_assert!(!problems.is_empty());
            let names: Vec<&str> = std::iter::once("rules.toml")
                .chain(years.iter().map(|y| y.0))
                .collect();
            for p in &problems {
                prop_assert!(names.contains(&p.file.as_str()), "{p}");
            }
        }
        Err(e) => prop_assert!(false, "no I/O here, yet {e}"),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_text_as_a_year_file_is_loaded_or_refused_naming_file_and_line(text in any_text()) {
        check_year("2026.toml", &text)?;
    }

    #[test]
    fn any_text_as_the_rules_file_is_loaded_or_refused_naming_file_and_line(text in any_text()) {
        check_rules(&text)?;
    }

    #[test]
    fn a_generated_year_file_is_loaded_as_promised_or_refused((year, text) in year_file()) {
        let file = format!("{year}.toml");
        check_year(&file, &text)?;
        check_calendar(RULES, &[(&file, &text)])?;
    }

    #[test]
    fn a_generated_rules_file_is_loaded_as_promised_or_refused(text in rules_file()) {
        check_rules(&text)?;
        check_calendar(&text, &YEARS)?;
    }

    #[test]
    fn a_mutated_shipped_file_is_loaded_as_promised_or_refused(which in 0usize..6, edits in edits()) {
        if which == 5 {
            let rules = apply(RULES, &edits);
            check_rules(&rules)?;
            check_calendar(&rules, &YEARS)?;
        } else {
            let (file, text) = YEARS[which];
            let text = apply(text, &edits);
            check_year(file, &text)?;
            let mut years = YEARS;
            years[which] = (file, &text);
            check_calendar(RULES, &years)?;
        }
    }
}

/// The shipped files themselves load (the mutations start from a valid calendar).
#[test]
fn the_shipped_files_load() {
    assert!(Calendar::from_texts(("rules.toml", RULES), &YEARS).is_ok());
}
