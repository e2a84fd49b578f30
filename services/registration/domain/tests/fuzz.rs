//! Fuzzing of what the registration domain reads from outside (issue #14): a registration number
//! as a person writes it (REG-7) and the printed text of a statement on origin (REG-12). Any
//! input: no panic, and the answer names what is wrong or agrees with what was written.
//!
//! The case count is proptest's default (256), or `PROPTEST_CASES` for a long run:
//! `PROPTEST_CASES=100000 cargo test --release -p rex-registration-domain --test fuzz`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use rex_registration_domain::RegistrationNumber;
use rex_registration_domain::number::read;
use rex_registration_domain::statement::{Country, Reason, StatementCheck, parse_text};
use rust_decimal::Decimal;

/// The longest a finding may be: its sentence and at most two quoted values (64 characters each
/// escaped as at most 10, and the length suffix).
const FINDING_BOUND: usize = 400 + 2 * (64 * 10 + 40);

fn any_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        3 => prop::char::range('0', '9'),
        3 => prop::char::range('A', 'Z'),
        2 => prop::sample::select(vec![
            ' ', '.', '/', ':', '(', '"', '\0', '\n', '\t', '\u{202E}', '\u{a0}', '\u{2028}',
            'я', 'K', 'Z', 'R', 'E', 'X', 'P', 'W', 'k',
        ]),
    ];
    prop_oneof![
        8 => prop::collection::vec(ch.clone(), 0..60),
        1 => prop::collection::vec(ch, 0..3_000),
    ]
    .prop_map(String::from_iter)
}

/// A well-formed number's text.
fn number_text() -> impl Strategy<Value = String> {
    (
        1u32..=999,
        (1900i32..=2100, 1u32..=12, 1u32..=28),
        1u32..=9999,
    )
        .prop_map(|(b, (y, m, d), s)| format!("KZREX{b:03}{d:02}{m:02}{y:04}{s:04}"))
}

/// The annex 2 text, filled in: a number, the scheme of `country`, criterion "P" or "W <hs>".
fn statement(number: &str, country: Country, criterion: &str) -> String {
    let scheme = match country {
        Country::Norway => "the Kingdom of Norway",
        Country::Switzerland => "the Swiss Confederation",
    };
    format!(
        "The exporter Altyn Dan LLP, Almaty, {number} of the products covered by this document \
         declares that, except where otherwise clearly indicated, these products are of Kazakhstan \
         preferential origin according to rules of origin of the Generalized System of Preferences \
         of {scheme} and that the origin criterion met is {criterion}."
    )
}

fn country() -> impl Strategy<Value = Country> {
    prop_oneof![Just(Country::Norway), Just(Country::Switzerland)]
}

/// "P", or "W" with an HS code of 2, 4 or 6 digits (dotted or not).
fn criterion() -> impl Strategy<Value = (String, Option<String>)> {
    prop_oneof![
        Just(("P".to_owned(), None)),
        "[0-9]{2}(\\.?[0-9]{2}){0,2}".prop_map(|hs| (format!("W {hs}"), Some(hs))),
    ]
}

/// One edit of the text: replace, insert or delete characters, or repeat a stretch.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Insert(usize, String),
    Delete(usize, usize),
    Repeat(usize, usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        3 => (any::<usize>(), any::<char>()).prop_map(|(i, c)| Edit::Replace(i, c)),
        3 => (any::<usize>(), any_text()).prop_map(|(i, t)| Edit::Insert(i, t)),
        2 => (any::<usize>(), 1usize..30).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => (any::<usize>(), 1usize..40, 1usize..50).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
    ];
    prop::collection::vec(edit, 1..6)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
        match e {
            Edit::Replace(i, c) if !chars.is_empty() => {
                let i = at(*i, chars.len());
                chars[i] = *c;
            }
            Edit::Insert(i, t) => {
                let i = at(*i, chars.len() + 1);
                chars.splice(i..i, t.chars());
            }
            Edit::Delete(i, n) => {
                let i = at(*i, chars.len());
                let end = (i + n).min(chars.len());
                chars.drain(i..end);
            }
            Edit::Repeat(i, n, k) => {
                let i = at(*i, chars.len());
                let end = (i + n).min(chars.len());
                let stretch: Vec<char> = chars[i..end].to_vec();
                let again: Vec<char> = stretch
                    .iter()
                    .copied()
                    .cycle()
                    .take(stretch.len() * k)
                    .collect();
                chars.splice(end..end, again);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// What `parse_text` returns holds for any text: a number that looks like one, a criterion of
/// P or W, an HS code only with a criterion and only digits and dots.
fn check_parsed(text: &str) -> Result<(), TestCaseError> {
    let p = parse_text(text);
    if let Some(n) = &p.number {
        // "KZ REX…" with the spaces taken out; case-insensitive, so Unicode case folds count.
        prop_assert!(n.chars().count() >= 5, "{n:?}");
        prop_assert!(n.chars().all(char::is_alphanumeric), "{n:?}");
        // Read like any number a person writes: parsed, or the part at fault named with REG-7.
        if let Err(e) = read(n) {
            prop_assert!(e.ends_with("(REG-7)") && e.len() <= FINDING_BOUND, "{e}");
        }
    }
    if let Some(c) = &p.criterion {
        prop_assert!(c == "P" || c == "W", "{c:?}");
    }
    if let Some(hs) = &p.hs_code {
        prop_assert!(p.criterion.is_some());
        prop_assert!(
            hs.len() >= 2 && hs.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{hs:?}"
        );
    }
    Ok(())
}

/// A check over any text and any given number: no panic; every finding names its rule and is
/// short whatever was sent; a number to look up only when nothing was wrong with it.
fn check_statement(
    country: Country,
    value: Decimal,
    text: &str,
    given: &str,
) -> Result<(), TestCaseError> {
    let date = NaiveDate::from_ymd_opt(2026, 6, 20).unwrap();
    let (check, number) = StatementCheck::start(country, value, date, text, given);
    prop_assert!(!check.findings.is_empty() || number.is_some());
    for f in &check.findings {
        prop_assert!(f.message.contains("(REG-"), "{}", f.message);
        prop_assert!(
            f.message.len() <= FINDING_BOUND,
            "{:?} is {} bytes",
            f.reason,
            f.message.len()
        );
    }
    let malformed = check
        .findings
        .iter()
        .any(|f| f.reason == Reason::MalformedNumber);
    if let Some(n) = number {
        prop_assert!(!malformed);
        let written = if given.trim().is_empty() {
            parse_text(text).number.unwrap()
        } else {
            given.trim().to_owned()
        };
        prop_assert_eq!(n.to_string(), written);
    }
    prop_assert_eq!(check.valid(), !check.findings.iter().any(|f| f.invalidates));
    Ok(())
}

fn value() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s))
}

proptest! {
    #[test]
    fn reg_7_any_written_number_is_read_or_the_wrong_part_named(s in any_text()) {
        match read(&s) {
            Ok(n) => prop_assert_eq!(n.to_string(), s.trim()),
            Err(e) => {
                prop_assert!(e.starts_with("registration number ") && e.ends_with("(REG-7)"), "{e}");
                prop_assert!(e.len() <= FINDING_BOUND, "{} bytes", e.len());
                prop_assert!(s.trim().parse::<RegistrationNumber>().is_err());
            }
        }
    }

    #[test]
    fn reg_12_any_text_is_read_without_panic(text in any_text()) {
        check_parsed(&text)?;
    }

    #[test]
    fn reg_12_a_filled_in_statement_gives_its_number_criterion_and_country(
        number in number_text(),
        country in country(),
        (criterion, hs) in criterion(),
    ) {
        let text = statement(&number, country, &criterion);
        let p = parse_text(&text);
        prop_assert_eq!(p.number.as_deref(), Some(number.as_str()));
        prop_assert_eq!(p.criterion.as_deref(), Some(&criterion[..1]));
        prop_assert_eq!(p.hs_code, hs);
        prop_assert_eq!(p.country, Some(country));
        prop_assert!(p.kazakhstan_origin);
        let (check, found) = StatementCheck::start(country, Decimal::new(100_000, 0),
            NaiveDate::from_ymd_opt(2026, 6, 20).unwrap(), &text, "");
        prop_assert!(check.valid(), "{:?}", check.findings);
        prop_assert_eq!(found.map(|n| n.to_string()), Some(number));
    }

    #[test]
    fn reg_12_a_mutated_statement_is_read_or_found_wanting(
        number in number_text(),
        country in country(),
        (criterion, _) in criterion(),
        edits in edits(),
        given_kind in 0u8..3,
        value in value(),
    ) {
        let text = apply(&statement(&number, country, &criterion), &edits);
        check_parsed(&text)?;
        // The number field: empty, the same number, or the text's number mutated too.
        let given = match given_kind {
            0 => String::new(),
            1 => number.clone(),
            _ => apply(&number, &edits),
        };
        check_statement(country, value, &text, &given)?;
    }

    #[test]
    fn reg_12_any_text_and_number_give_findings_that_name_their_rule(
        country in country(),
        value in value(),
        text in any_text(),
        given in any_text(),
    ) {
        check_statement(country, value, &text, &given)?;
    }
}

/// The dates a number carries are real dates, whatever year (REG-7).
#[test]
fn reg_7_every_day_of_a_leap_year_reads() {
    let mut day = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
    while day.year() == 2028 {
        let text = format!("KZREX017{}0001", day.format("%d%m%Y"));
        assert_eq!(read(&text).unwrap().date(), day);
        day = day.succ_opt().unwrap();
    }
}
