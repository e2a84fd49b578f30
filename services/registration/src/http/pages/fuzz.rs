//! Fuzzing of what the public site reads from outside (issue #14): the query strings of the
//! lookup page and the JSON API (`?q=…&as_of=…`, `?as_of=…`, `?tin=…`), decoded as axum's
//! `Query` decodes them (serde_urlencoded), the statement form's body, the JSON batch's items,
//! and the dates and numbers in them. Any input: no panic, and either a value that reads back
//! as sent or an INVALID_ARGUMENT naming the field, with a message of bounded size.
//!
//! The case count is proptest's default (256), or `PROPTEST_CASES` for a long run:
//! `PROPTEST_CASES=20000 cargo test -p rex-registration --lib http::pages::fuzz`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use proptest::prelude::*;

use super::super::api::{AsOf, StatementIn, TinQuery, bulk_item};
use super::*;
use crate::grpc::statements::bulk_error;
use crate::grpc::support::parse_number;

/// Sentence and at most two quoted values (64 characters each, escaped as at most 10).
const MESSAGE_BOUND: usize = 400 + 2 * (64 * 10 + 40);

fn any_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        3 => prop::char::range('0', '9'),
        2 => prop::char::range('A', 'Z'),
        3 => prop::sample::select(vec![
            '-', ' ', '+', '%', '&', '=', '?', '#', ';', '\0', '\n', '\u{202E}', 'я', 'q', 's',
            'a', 'o', 'f', '_', 't', 'i', 'n',
        ]),
    ];
    prop_oneof![
        8 => prop::collection::vec(ch.clone(), 0..40),
        1 => prop::collection::vec(ch, 0..2_000),
    ]
    .prop_map(String::from_iter)
}

/// A query string as a client may send it: arbitrary text, or pairs of the site's own keys
/// (repeated, percent-encoded or not) with any values.
fn query_string() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("q".to_owned()),
        Just("as_of".to_owned()),
        Just("tin".to_owned()),
        Just("as%5Fof".to_owned()),
        any_text(),
    ];
    let value = prop_oneof![
        any_text(),
        date_like(),
        "KZREX[0-9]{15}",
        "[0-9]{12}",
        "%[0-9A-Fa-f]{2}|%[^0-9A-Fa-f]|%",
    ];
    prop_oneof![
        1 => any_text(),
        3 => prop::collection::vec((key, value), 0..5).prop_map(|pairs| {
            pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
        }),
    ]
}

/// Text shaped like a date: real, impossible, signed, short or long parts, spaces around.
fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        (1900i32..2200, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (any::<i32>(), any::<u8>(), any::<u8>()).prop_map(|(y, m, d)| format!("{y}-{m}-{d}")),
        (
            "[ +\\-]{0,2}[0-9]{0,6}",
            "[0-9]{0,3}",
            "[0-9]{0,3}",
            "[ \t]{0,2}"
        )
            .prop_map(|(y, m, d, s)| format!("{s}{y}-{m}-{d}{s}")),
    ]
}

/// How many times `key` occurs (after percent-decoding) in a query string: serde refuses a
/// duplicated field of the query structs, and nothing else.
fn occurrences(query: &str, key: &str) -> usize {
    form_urlencoded_keys(query).filter(|k| k == key).count()
}

fn form_urlencoded_keys(query: &str) -> impl Iterator<Item = String> + '_ {
    // Decoded through serde_urlencoded itself into pairs, the same decoding as the structs.
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, _)| k)
}

/// A full-date as RFC 3339 has it (`YYYY-MM-DD`, spaces around ignored), read apart from
/// chrono: the date, if it is one.
fn full_date(text: &str) -> Option<NaiveDate> {
    let b = text.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| {
        b.get(r)?.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// A date as the site reads it: exactly the real full-dates, others INVALID_ARGUMENT naming
/// `field`.
fn check_date(field: &str, text: &str) -> Result<(), TestCaseError> {
    let parsed = parse_date(field, text);
    let expected = full_date(text).map(date_to_proto);
    prop_assert_eq!(parsed.as_ref().ok(), expected.as_ref(), "{:?}", text);
    match parsed {
        Ok(d) => {
            let date = NaiveDate::from_ymd_opt(d.year, d.month as u32, d.day as u32);
            prop_assert!(date.is_some(), "{d:?} from {text:?}");
            // Read back from how the site writes it: the same day.
            let written = rex_runtime::convert::date_text(&d);
            prop_assert_eq!(parse_date(field, &written).ok(), Some(d));
        }
        Err(s) => check_invalid(&s, field)?,
    }
    Ok(())
}

/// INVALID_ARGUMENT naming `field`, short whatever was sent.
fn check_invalid(s: &Status, field: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(s.code(), tonic::Code::InvalidArgument, "{}", s.message());
    let e = bulk_error(s);
    prop_assert!(
        e.field_violations.iter().any(|v| v.field == field),
        "{:?} names no {field}",
        e.field_violations
    );
    for v in &e.field_violations {
        prop_assert!(
            v.description.len() <= MESSAGE_BOUND,
            "{} bytes",
            v.description.len()
        );
    }
    prop_assert!(
        s.message().len() <= 2 * MESSAGE_BOUND,
        "{} bytes",
        s.message().len()
    );
    Ok(())
}

/// Any JSON value, nested a little, with strings of any size.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        any_text().prop_map(Value::String),
        date_like().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "lookup",
                "statement",
                "registration_number",
                "as_of",
                "importing_country",
                "value",
                "currency",
                "amount",
                "exchange_rate",
                "statement_date",
                "statement_text",
            ])
            .prop_map(str::to_owned),
            any_text(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A batch item close to a valid one: a lookup or a statement with any values.
fn near_item() -> impl Strategy<Value = Value> {
    let text = || prop_oneof![any_text(), date_like(), "KZREX[0-9]{15}"];
    prop_oneof![
        (text(), prop::option::of(text()))
            .prop_map(|(n, d)| json!({ "lookup": { "registration_number": n, "as_of": d } })),
        (text(), text(), text(), text(), text(), text()).prop_map(|(c, cur, amt, date, n, t)| {
            json!({ "statement": {
                "importing_country": c,
                "value": { "currency": cur, "amount": amt },
                "statement_date": date,
                "registration_number": n,
                "statement_text": t,
            } })
        }),
        // The right key, anything under it; or one field of a statement of any JSON.
        (
            prop::sample::select(vec!["lookup", "statement"]),
            json_value()
        )
            .prop_map(|(k, v)| json!({ k: v })),
        (
            prop::sample::select(vec![
                "value",
                "statement_date",
                "importing_country",
                "other"
            ]),
            json_value()
        )
            .prop_map(|(k, v)| {
                let mut s = json!({
                    "importing_country": "CH",
                    "value": { "currency": "CHF", "amount": "1" },
                    "statement_date": "2026-06-20",
                });
                s[k] = v;
                json!({ "statement": s })
            }),
    ]
}

proptest! {
    #[test]
    fn reg_5_the_lookup_page_reads_any_query_string(query in query_string()) {
        match serde_urlencoded::from_str::<LookupQuery>(&query) {
            Err(e) => {
                prop_assert!(occurrences(&query, "q") > 1 || occurrences(&query, "as_of") > 1, "{e}");
            }
            Ok(LookupQuery { q, as_of }) => {
                prop_assert!(occurrences(&query, "q") <= 1 && occurrences(&query, "as_of") <= 1);
                // As the page does: a number or a TIN, and the date it is asked of.
                let q = q.trim().to_ascii_uppercase();
                let as_of = as_of.trim();
                let tin = q.len() == 12 && q.bytes().all(|b| b.is_ascii_digit());
                if !q.is_empty() && !tin {
                    match parse_number("registration_number", &q) {
                        Ok(n) => prop_assert_eq!(n.to_string(), q.as_str()),
                        Err(s) => check_invalid(&s, "registration_number")?,
                    }
                    if !as_of.is_empty() {
                        check_date("as_of", as_of)?;
                    }
                }
                // The language links carry the query on: it must read back as it was.
                let pairs = [("q", q.as_str()), ("as_of", as_of)];
                let again = serde_urlencoded::to_string(pairs).unwrap();
                let back: LookupQuery = serde_urlencoded::from_str(&again).unwrap();
                prop_assert_eq!((back.q.as_str(), back.as_of.as_str()), (q.as_str(), as_of));
            }
        }
    }

    #[test]
    fn reg_5_the_api_reads_any_as_of_and_tin_query_string(query in query_string()) {
        let as_of = serde_urlencoded::from_str::<AsOf>(&query);
        prop_assert_eq!(as_of.is_ok(), occurrences(&query, "as_of") <= 1, "{:?}", as_of);
        let tin = serde_urlencoded::from_str::<TinQuery>(&query);
        prop_assert_eq!(tin.is_ok(), occurrences(&query, "tin") <= 1, "{:?}", tin);
    }

    #[test]
    fn any_date_text_is_a_real_date_or_names_its_field(text in prop_oneof![date_like(), any_text()]) {
        check_date("as_of", &text)?;
    }

    #[test]
    fn a_real_date_is_read_as_written((y, m, d) in (1i32..=9999, 1u32..=12, 1u32..=31)) {
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            let text = format!(" {} ", date.format("%Y-%m-%d"));
            prop_assert_eq!(parse_date("as_of", &text).ok(), Some(date_to_proto(date)));
        }
    }

    #[test]
    fn reg_12_the_statement_form_reads_any_body(body in query_string(), date in date_like()) {
        let body = format!("{body}&statement_date={}", urlencode(&date));
        if let Ok(form) = serde_urlencoded::from_str::<StatementForm>(&body) {
            let input = StatementIn {
                importing_country: form.country,
                value: MoneyJson { currency: form.currency, amount: form.amount },
                exchange_rate: form.exchange_rate,
                statement_date: form.statement_date.clone(),
                registration_number: form.registration_number,
                statement_text: form.statement_text,
            };
            match input.into_request() {
                Ok(req) => prop_assert!(req.statement_date.is_some()),
                Err(s) => check_invalid(&s, "statement_date")?,
            }
        } else {
            let fields = ["statement_text", "country", "statement_date", "amount", "currency",
                "exchange_rate", "registration_number"];
            prop_assert!(fields.iter().any(|f| occurrences(&body, f) > 1), "{body:?} refused");
        }
    }

    #[test]
    fn reg_12_any_json_batch_item_is_a_check_or_an_error_naming_the_item(item in prop_oneof![json_value(), near_item()]) {
        match bulk_item(item) {
            Ok(check) => prop_assert!(check.check.is_some()),
            Err(s) => {
                let e = bulk_error(&s);
                prop_assert_eq!(s.code(), tonic::Code::InvalidArgument);
                prop_assert!(
                    e.field_violations.iter().any(|v| ["item", "as_of", "statement_date"].contains(&v.field.as_str())),
                    "{:?}", e.field_violations
                );
                for v in &e.field_violations {
                    prop_assert!(v.description.len() <= MESSAGE_BOUND, "{} bytes: {}", v.description.len(), v.description.chars().take(200).collect::<String>());
                    let unsafe_char = v.description.chars().find(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'));
                    prop_assert_eq!(unsafe_char, None, "{:?}", v.description);
                }
            }
        }
    }
}

/// Found by fuzzing: chrono alone read "+10000-1-1" as a date.
#[test]
fn as_of_is_the_contracts_full_date() {
    for bad in [
        "+10000-1-1",
        "2026-1-5",
        "-2026-01-05",
        "20260105",
        "2026-02-30",
    ] {
        assert!(parse_date("as_of", bad).is_err(), "{bad}");
    }
    let d = parse_date("as_of", " 2026-06-20 ").unwrap();
    assert_eq!((d.year, d.month, d.day), (2026, 6, 20));
}

fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .unwrap()
        .trim_start_matches('=')
        .to_owned()
}
