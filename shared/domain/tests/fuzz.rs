//! Fuzzing of the parsers that read outside input (issue #14): the registration number (REG-7),
//! the BIN/IIN (REG-2), text limits, quoting and file names. Any input: no panic, and the answer
//! agrees with an independent reading of the rule or names what is wrong.
//!
//! The case count is proptest's default (256), or `PROPTEST_CASES` for a long run:
//! `PROPTEST_CASES=1000000 cargo test --release -p rex-domain --test fuzz`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use rex_domain::text::{MAX_FILE_NAME_BYTES, QUOTED_CHARACTERS, media_type_ok, safe_file_name};
use rex_domain::{NumberError, RegistrationNumber, TextKind, TextLimit, Tin, TinError, quote};

/// The longest a quoted value may be: 64 characters each escaped as at most `\u{10ffff}`
/// (10 characters), two quotes, and the "… (N characters)" suffix.
const QUOTE_BOUND: usize = QUOTED_CHARACTERS * 10 + 2 + 40;

/// Any text: mostly short, sometimes far past every limit; any char, with the ones parsers
/// care about (digits, separators, controls, direction marks) made likely.
fn any_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        4 => prop::char::range('0', '9'),
        2 => prop::char::range('A', 'Z'),
        2 => prop::sample::select(vec![
            ' ', '.', '/', '\\', '-', '\0', '\n', '\r', '\t', '\u{1b}', '\u{202E}', '\u{2066}',
            '\u{feff}', 'я', '٣', '９', 'K', 'k',
        ]),
    ];
    prop_oneof![
        8 => prop::collection::vec(ch.clone(), 0..40),
        1 => prop::collection::vec(ch, 0..2_000),
    ]
    .prop_map(String::from_iter)
}

/// The parts of a well-formed number: branch 001..999, a real date, sequence 1..9999.
fn number_parts() -> impl Strategy<Value = (String, NaiveDate, u32)> {
    (1u32..=999, (0i32..=9999, 1u32..=12, 1u32..=31), 1u32..=9999).prop_filter_map(
        "a real date",
        |(b, (y, m, d), s)| {
            NaiveDate::from_ymd_opt(y, m, d).map(|date| (format!("{b:03}"), date, s))
        },
    )
}

/// A text edit: replace, insert or delete one character at a position, or change case.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Insert(usize, char),
    Delete(usize),
    Lower,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let c = prop_oneof![any::<char>(), prop::char::range('0', '9'), Just(' ')];
    let edit = prop_oneof![
        4 => (0usize..40, c.clone()).prop_map(|(i, c)| Edit::Replace(i, c)),
        2 => (0usize..40, c).prop_map(|(i, c)| Edit::Insert(i, c)),
        2 => (0usize..40).prop_map(Edit::Delete),
        1 => Just(Edit::Lower),
    ];
    prop::collection::vec(edit, 1..4)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        match *e {
            Edit::Replace(i, c) if !chars.is_empty() => {
                let i = i % chars.len();
                chars[i] = c;
            }
            Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Edit::Delete(i) if !chars.is_empty() => {
                let i = i % chars.len();
                chars.remove(i);
            }
            Edit::Lower => chars = chars.iter().flat_map(|c| c.to_lowercase()).collect(),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// What REG-7 says of a text, read independently of the parser: the first wrong part, or the
/// number's branch, date and sequence.
#[derive(Debug, PartialEq)]
enum Reg7 {
    Length,
    Prefix,
    Branch,
    Date,
    Sequence,
    Number(String, NaiveDate, u32),
}

fn reg_7_oracle(s: &str) -> Reg7 {
    let b = s.as_bytes();
    if b.len() != 20 || !s.is_ascii() {
        return Reg7::Length;
    }
    if &b[..5] != b"KZREX" {
        return Reg7::Prefix;
    }
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    match digits(5..8) {
        Some(n) if n != 0 => {}
        _ => return Reg7::Branch,
    }
    let date = match (digits(8..10), digits(10..12), digits(12..16)) {
        (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    };
    let Some(date) = date else {
        return Reg7::Date;
    };
    match digits(16..20) {
        Some(n) if (1..=9999).contains(&n) => Reg7::Number(s[5..8].to_owned(), date, n),
        _ => Reg7::Sequence,
    }
}

/// The parser agrees with the oracle; an error names its part and quotes a bounded value.
fn check_number(s: &str) -> Result<(), TestCaseError> {
    let parsed = s.parse::<RegistrationNumber>();
    let expected = reg_7_oracle(s);
    match (&parsed, &expected) {
        (Ok(n), Reg7::Number(branch, date, seq)) => {
            prop_assert_eq!(n.branch(), branch.as_str());
            prop_assert_eq!(n.date(), *date);
            prop_assert_eq!(n.sequence(), *seq);
            prop_assert_eq!(n.to_string(), s, "a parsed number prints as it was written");
        }
        (Err(e), _) => {
            let (kind, part) = match e {
                NumberError::Length(_) => (Reg7::Length, "20 characters"),
                NumberError::Prefix(_) => (Reg7::Prefix, "KZREX"),
                NumberError::Branch(_) => (Reg7::Branch, "branch code KKK"),
                NumberError::Date(_) => (Reg7::Date, "DDMMYYYY"),
                NumberError::Sequence(_) => (Reg7::Sequence, "sequence NNNN"),
            };
            prop_assert_eq!(kind, expected);
            let message = e.to_string();
            prop_assert!(message.contains(part), "{message}");
            prop_assert!(
                message.len() <= QUOTE_BOUND + 100,
                "{} bytes",
                message.len()
            );
        }
        (Ok(n), _) => prop_assert!(false, "{s:?} parsed as {n} but REG-7 says {expected:?}"),
    }
    Ok(())
}

/// BIN/IIN check digit (Government Decree No. 565), computed here apart from `Tin::parse`:
/// `None` when the text is not 12 ASCII digits, else the check digit (10 = never issued).
fn tin_check_digit(s: &str) -> Option<(u32, u32)> {
    if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    let first: u32 = (0..11).map(|i| d[i] * (i as u32 + 1)).sum::<u32>() % 11;
    let check = if first == 10 {
        // Second pass: weights 3..11, 1, 2.
        (0..11)
            .map(|i| d[i] * ((i as u32 + 2) % 11 + 1))
            .sum::<u32>()
            % 11
    } else {
        first
    };
    Some((check, d[11]))
}

fn check_tin(s: &str) -> Result<(), TestCaseError> {
    let parsed = Tin::parse(s);
    match (tin_check_digit(s), &parsed) {
        (Some((check, last)), Ok(tin)) => {
            prop_assert_eq!(check, last);
            prop_assert_eq!(tin.as_str(), s);
        }
        (None, Err(TinError::NotTwelveDigits(_))) => {}
        (Some((10, _)), Err(TinError::NeverIssued(_))) => {}
        (
            Some((check, last)),
            Err(TinError::CheckDigit {
                expected, actual, ..
            }),
        ) => {
            prop_assert_eq!((check, last), (*expected, *actual));
            prop_assert_ne!(check, last);
        }
        (oracle, got) => prop_assert!(false, "{s:?}: oracle {oracle:?}, parse {got:?}"),
    }
    if let Err(e) = parsed {
        let message = e.to_string();
        prop_assert!(message.starts_with("BIN/IIN "), "{message}");
        prop_assert!(
            message.len() <= QUOTE_BOUND + 100,
            "{} bytes",
            message.len()
        );
    }
    Ok(())
}

fn is_direction(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn text_limit() -> impl Strategy<Value = TextLimit> {
    (
        prop::sample::select(vec![TextKind::Line, TextKind::Paragraphs, TextKind::Code]),
        0usize..64,
    )
        .prop_map(|(kind, max_chars)| TextLimit { kind, max_chars })
}

proptest! {
    #[test]
    fn reg_7_any_text_parses_or_names_the_wrong_part(s in any_text()) {
        check_number(&s)?;
    }

    #[test]
    fn reg_7_a_near_valid_number_parses_or_names_the_wrong_part(
        (branch, date, seq) in number_parts(),
        edits in edits(),
    ) {
        let valid = format!("KZREX{branch}{:02}{:02}{:04}{seq:04}", date.day(), date.month(), date.year());
        check_number(&valid)?;
        check_number(&apply(&valid, &edits))?;
    }

    #[test]
    fn reg_7_a_number_round_trips_through_its_text((branch, date, seq) in number_parts()) {
        let n = RegistrationNumber::new(&branch, date, seq).unwrap();
        let text = n.to_string();
        prop_assert_eq!(text.len(), 20);
        prop_assert_eq!(text.parse::<RegistrationNumber>(), Ok(n));
    }

    #[test]
    fn reg_2_any_text_is_a_tin_exactly_when_its_check_digit_is_right(s in any_text()) {
        check_tin(&s)?;
    }

    #[test]
    fn reg_2_eleven_digits_and_their_check_digit_make_a_tin(
        first in prop::collection::vec(0u8..10, 11),
        last in 0u8..10,
        edits in edits(),
    ) {
        let eleven: String = first.iter().map(|d| char::from(b'0' + d)).collect();
        let any_last = format!("{eleven}{last}");
        check_tin(&any_last)?;
        check_tin(&apply(&any_last, &edits))?;
        if let Some((check, _)) = tin_check_digit(&any_last).filter(|(c, _)| *c < 10) {
            let right = format!("{eleven}{check}");
            prop_assert!(Tin::parse(&right).is_ok(), "{right}");
        }
    }

    #[test]
    fn a_text_limit_accepts_exactly_what_it_declares_and_names_the_first_bad_character(
        limit in text_limit(),
        value in any_text(),
    ) {
        let allowed = |c: char| match limit.kind {
            TextKind::Code => c.is_ascii_alphanumeric() || "-_./:".contains(c),
            TextKind::Line => !c.is_control() && !is_direction(c),
            TextKind::Paragraphs => "\n\r\t".contains(c) || (!c.is_control() && !is_direction(c)),
        };
        let count = value.chars().count();
        let first_bad = value.chars().position(|c| !allowed(c));
        match limit.check(&value) {
            Ok(()) => {
                prop_assert!(count <= limit.max_chars && first_bad.is_none());
                prop_assert!(value.len() <= limit.max_bytes());
            }
            Err(why) if count > limit.max_chars => {
                prop_assert!(why.contains(&format!("at most {} are accepted", limit.max_chars)), "{why}");
            }
            Err(why) => {
                let at = first_bad.unwrap();
                let c = value.chars().nth(at).unwrap();
                prop_assert!(why.contains(&format!("U+{:04X} at character {}", u32::from(c), at + 1)), "{why}");
            }
        }
        if let Err(why) = limit.check(&value) {
            prop_assert!(why.len() <= QUOTE_BOUND + 200, "{} bytes", why.len());
        }
    }

    #[test]
    fn a_quoted_value_shows_at_most_64_escaped_characters_and_the_length(value in any_text()) {
        let q = quote(&value);
        let count = value.chars().count();
        let head: String = value.chars().take(QUOTED_CHARACTERS).collect();
        prop_assert!(q.len() <= QUOTE_BOUND, "{} bytes", q.len());
        prop_assert!(q.starts_with(&format!("{head:?}")), "{q}");
        if count > QUOTED_CHARACTERS {
            prop_assert_eq!(q.len(), format!("{head:?}").len() + format!("… ({count} characters)").len());
            prop_assert!(q.ends_with(&format!("… ({count} characters)")), "{q}");
        } else {
            prop_assert_eq!(&q, &format!("{value:?}"));
        }
        // Escaped: nothing that could end a header line or reorder what a reader sees.
        prop_assert!(!q.chars().any(|c| c.is_control() || is_direction(c)), "{q:?}");
    }

    #[test]
    fn a_file_name_is_a_safe_base_name_or_none(given in any_text()) {
        let base = given.rsplit(['/', '\\']).next().unwrap();
        let visible: String = base.chars().filter(|c| !c.is_control() && !is_direction(*c)).collect();
        match safe_file_name(&given) {
            Some(name) => {
                prop_assert!(!name.contains(['/', '\\']), "{name:?}");
                prop_assert!(!name.chars().any(|c| c.is_control() || is_direction(c)), "{name:?}");
                prop_assert!(name.len() <= MAX_FILE_NAME_BYTES, "{} bytes", name.len());
                prop_assert!(!name.is_empty() && !name.chars().all(|c| c == '.'), "{name:?}");
                prop_assert_eq!(name.trim(), name.as_str(), "no space around the name");
                prop_assert!(visible.contains(&name), "{name:?} is not from {visible:?}");
            }
            None => {
                let left = visible.trim();
                prop_assert!(left.is_empty() || left.chars().all(|c| c == '.'), "refused {given:?}");
            }
        }
    }

    #[test]
    fn a_long_file_name_is_cut_to_a_safe_base_name(
        dots in 0usize..300,
        spaces in 0usize..300,
        tail in "[a-zя. ]{0,300}",
    ) {
        let given = format!("dir/{}{}{tail}", ".".repeat(dots), " ".repeat(spaces));
        if let Some(name) = safe_file_name(&given) {
            prop_assert!(name.len() <= MAX_FILE_NAME_BYTES, "{} bytes", name.len());
            prop_assert!(!name.chars().all(|c| c == '.'), "{name:?}");
            prop_assert_eq!(name.trim(), name.as_str());
        }
    }

    #[test]
    fn a_media_type_is_accepted_only_from_the_list(given in any_text(), pick in 0usize..8) {
        let listed = rex_domain::text::MEDIA_TYPES[pick];
        prop_assert!(media_type_ok(listed));
        let spaced = format!(" {} ", listed.to_ascii_uppercase());
        prop_assert!(media_type_ok(&spaced), "{spaced}");
        if media_type_ok(&given) {
            let g = given.trim();
            prop_assert!(rex_domain::text::MEDIA_TYPES.iter().any(|m| m.eq_ignore_ascii_case(g)));
            prop_assert!(!g.contains(['\r', '\n']));
        }
    }
}
