//! What the public pages say of a refusal or a finding, in the page's language and a citizen's
//! words: chosen by the problem's kind, never read from the API's English text, with the
//! numbers and codes the person gave shown as given (bounded), dates in the language's own
//! form, and no rule IDs — the help page's section on the law is linked instead.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rex_domain::{Language, NumberError, TinError};
use rex_registration_domain::statement::{Country, Detail, Field, InputProblem};

/// How many characters of a value a person gave a message shows.
const SHOWN_CHARACTERS: usize = 40;

/// The messages of one language.
pub(super) struct Words<'a> {
    pub(super) language: Language,
    messages: &'a BTreeMap<String, String>,
}

/// A section of the help page, where the law behind a message is explained with its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Basis {
    /// The number's structure (item 6).
    Number,
    /// Validity and revocation (items 5, 10, 16).
    Validity,
    /// The statement on origin (item 11, annex 2).
    Statement,
}

impl Basis {
    /// The help page's anchor.
    pub(super) fn anchor(self) -> &'static str {
        match self {
            Basis::Number => "number",
            Basis::Validity => "validity",
            Basis::Statement => "statement",
        }
    }
}

/// A value a person gave, as a message shows it: at most [`SHOWN_CHARACTERS`] characters,
/// control and direction characters replaced, an ellipsis where it was cut.
pub(super) fn shown(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(SHOWN_CHARACTERS)
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if value.chars().nth(SHOWN_CHARACTERS).is_some() {
        out.push('…');
    }
    out
}

impl<'a> Words<'a> {
    pub(super) fn new(language: Language, messages: &'a BTreeMap<String, String>) -> Self {
        Self { language, messages }
    }

    /// The message `key` with its `{name}` placeholders filled in one pass (a value is never
    /// read for placeholders itself). A missing key shows as the key: a test keeps every key
    /// in every language.
    pub(super) fn say(&self, key: &str, args: &[(&str, String)]) -> String {
        let Some(template) = self.messages.get(key) else {
            return key.to_owned();
        };
        let mut out = String::with_capacity(template.len());
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let filled = after.find('}').and_then(|close| {
                let name = &after[..close];
                let (_, value) = args.iter().find(|(n, _)| *n == name)?;
                Some((value, close))
            });
            match filled {
                Some((value, close)) => {
                    out.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub(super) fn date(&self, date: NaiveDate) -> String {
        self.language.long_date(date)
    }

    /// REG-7: which part of a number is wrong.
    pub(super) fn number_error(&self, error: &NumberError) -> String {
        let (key, given) = match error {
            NumberError::Length(v) => ("err_number_length", v),
            NumberError::Prefix(v) => ("err_number_prefix", v),
            NumberError::Branch(v) => ("err_number_branch", v),
            NumberError::Date(v) => ("err_number_date", v),
            NumberError::Sequence(v) => ("err_number_sequence", v),
        };
        self.say(
            key,
            &[
                ("value", shown(given)),
                ("count", given.chars().count().to_string()),
            ],
        )
    }

    /// A BIN or IIN that cannot be one.
    pub(super) fn tin_error(&self, error: &TinError) -> String {
        let (key, given) = match error {
            TinError::NotTwelveDigits(v) => ("err_tin_digits", v),
            TinError::CheckDigit { given, .. } => ("err_tin_check", given),
            TinError::NeverIssued(v) => ("err_tin_never", v),
        };
        self.say(key, &[("value", shown(given))])
    }

    fn field(&self, field: Field) -> String {
        self.say(&format!("field_{}", field_key(field)), &[])
    }

    fn country(&self, country: Country) -> String {
        self.say(
            match country {
                Country::Norway => "country_NO",
                Country::Switzerland => "country_CH",
            },
            &[],
        )
    }

    /// What is wrong with a field of the statement form.
    pub(super) fn input_problem(&self, problem: &InputProblem) -> String {
        match problem {
            InputProblem::TooLong {
                field, max_chars, ..
            } => self.say(
                "err_too_long",
                &[
                    ("field", self.field(*field)),
                    ("max", max_chars.to_string()),
                ],
            ),
            InputProblem::Character { field, .. } => {
                self.say("err_character", &[("field", self.field(*field))])
            }
            InputProblem::Country => self.say("err_country", &[]),
            InputProblem::Currency(v) => self.say("err_currency", &[("value", shown(v))]),
            InputProblem::Amount(v) => self.say("err_amount", &[("value", shown(v))]),
            InputProblem::Rate(v) => self.say("err_rate", &[("value", shown(v))]),
            InputProblem::RateRequired {
                currency,
                threshold_currency,
            } => self.say(
                "err_rate_required",
                &[
                    ("currency", shown(currency)),
                    ("threshold_currency", (*threshold_currency).to_owned()),
                ],
            ),
            InputProblem::RateNotPositive => self.say("err_rate_positive", &[]),
            InputProblem::Date { .. } => self.say("err_date", &[]),
        }
    }

    /// A finding on a statement, from its facts.
    pub(super) fn detail(&self, detail: &Detail) -> String {
        let money = |value: &rust_decimal::Decimal| value.to_string();
        match detail {
            Detail::BelowThreshold {
                value,
                threshold,
                currency,
                ..
            } => self.say(
                "detail_below_threshold",
                &[
                    ("value", money(value)),
                    ("threshold", money(threshold)),
                    ("currency", (*currency).to_owned()),
                ],
            ),
            Detail::NumberRequired {
                value,
                threshold,
                currency,
            } => self.say(
                "detail_number_required",
                &[
                    ("value", money(value)),
                    ("threshold", money(threshold)),
                    ("currency", (*currency).to_owned()),
                ],
            ),
            Detail::UnknownNumber(number) => {
                self.say("unknown_sentence", &[("number", number.to_string())])
            }
            Detail::MalformedNumber(error) => self.number_error(error),
            Detail::NotYetValid {
                number,
                valid_from,
                statement_date,
            } => self.say(
                "detail_not_yet_valid",
                &[
                    ("number", number.to_string()),
                    ("valid_from", self.date(*valid_from)),
                    ("date", self.date(*statement_date)),
                ],
            ),
            Detail::Revoked {
                number,
                revoked_on,
                statement_date,
            } => self.say(
                "detail_revoked",
                &[
                    ("number", number.to_string()),
                    ("revoked_on", self.date(*revoked_on)),
                    ("date", self.date(*statement_date)),
                ],
            ),
            Detail::NumberValid {
                number,
                statement_date,
            } => self.say(
                "detail_number_valid",
                &[
                    ("number", number.to_string()),
                    ("date", self.date(*statement_date)),
                ],
            ),
            Detail::NumberMismatch { in_text, given } => self.say(
                "detail_number_mismatch",
                &[("in_text", shown(in_text)), ("given", shown(given))],
            ),
            Detail::CountryMismatch { named, importing } => self.say(
                "detail_country_mismatch",
                &[
                    ("named", self.country(*named)),
                    ("importing", self.country(*importing)),
                ],
            ),
            Detail::OriginCriterionMissing => self.say("detail_criterion_missing", &[]),
            Detail::OriginCountryMissing => self.say("detail_origin_missing", &[]),
        }
    }
}

/// The section of the law behind a finding.
pub(super) fn detail_basis(detail: &Detail) -> Basis {
    match detail {
        Detail::MalformedNumber(_) | Detail::UnknownNumber(_) => Basis::Number,
        Detail::NotYetValid { .. } | Detail::Revoked { .. } | Detail::NumberValid { .. } => {
            Basis::Validity
        }
        _ => Basis::Statement,
    }
}

/// The key of a field's name in the messages (`field_<key>`).
pub(super) fn field_key(field: Field) -> &'static str {
    match field {
        Field::Text => "statement_text",
        Field::Number => "registration_number",
        Field::Country => "country",
        Field::Currency => "currency",
        Field::Amount => "amount",
        Field::Rate => "exchange_rate",
        Field::Date => "statement_date",
    }
}

#[cfg(test)]
mod tests {
    use rex_domain::RegistrationNumber;
    use rust_decimal::Decimal;

    use super::*;

    /// The Latin-script words a Kazakh or Russian message may hold: the system's name, the
    /// codes of the two currencies and of the origin criteria, and registration numbers.
    fn foreign_words(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.bytes().any(|b| b.is_ascii_alphabetic()))
            .filter(|w| !["REX", "CHF", "NOK", "P", "W"].contains(w) && !w.starts_with("KZREX"))
            .map(str::to_owned)
            .collect()
    }

    /// Values in [`every_message`] as a person typed them.
    const TYPED: [&str; 4] = ["KZREZ002190320260017", "EURO", "EUR", "0,95"];

    fn every_message(words: &Words<'_>) -> Vec<String> {
        let number: RegistrationNumber = "KZREX002190320260017".parse().unwrap_or_else(|_| {
            unreachable!("a well-formed number");
        });
        let date = NaiveDate::from_ymd_opt(2026, 6, 20).unwrap_or_default();
        let value = Decimal::new(20_000, 0);
        let threshold = Decimal::new(10_300, 0);
        let mut out = Vec::new();
        for e in [
            NumberError::Length("KZREX12345".into()),
            NumberError::Prefix("KZREZ002190320260017".into()),
            NumberError::Branch("KZREX000190320260017".into()),
            NumberError::Date("KZREX002310220260017".into()),
            NumberError::Sequence("KZREX002190320260000".into()),
        ] {
            out.push(words.number_error(&e));
        }
        for e in [
            TinError::NotTwelveDigits("1234".into()),
            TinError::CheckDigit {
                given: "110340517505".into(),
                expected: 4,
                actual: 5,
            },
            TinError::NeverIssued("000000000000".into()),
        ] {
            out.push(words.tin_error(&e));
        }
        let fields = [
            Field::Text,
            Field::Number,
            Field::Country,
            Field::Currency,
            Field::Amount,
            Field::Rate,
            Field::Date,
        ];
        for field in fields {
            out.push(words.input_problem(&InputProblem::TooLong {
                field,
                max_chars: 32,
                why: String::new(),
            }));
            out.push(words.input_problem(&InputProblem::Character {
                field,
                why: String::new(),
            }));
        }
        for p in [
            InputProblem::Country,
            InputProblem::Currency("EURO".into()),
            InputProblem::Amount("12,5".into()),
            InputProblem::Rate("0,95".into()),
            InputProblem::RateRequired {
                currency: "EUR".into(),
                threshold_currency: "CHF",
            },
            InputProblem::RateNotPositive,
            InputProblem::Date { why: String::new() },
        ] {
            out.push(words.input_problem(&p));
        }
        for d in [
            Detail::BelowThreshold {
                value,
                threshold,
                currency: "CHF",
                number_given: true,
            },
            Detail::NumberRequired {
                value,
                threshold,
                currency: "CHF",
            },
            Detail::UnknownNumber(number),
            Detail::MalformedNumber(NumberError::Length("KZREX1".into())),
            Detail::NotYetValid {
                number,
                valid_from: date,
                statement_date: date,
            },
            Detail::Revoked {
                number,
                revoked_on: date,
                statement_date: date,
            },
            Detail::NumberValid {
                number,
                statement_date: date,
            },
            Detail::NumberMismatch {
                in_text: "KZREX002190320260001".into(),
                given: "KZREX002190320260002".into(),
            },
            Detail::CountryMismatch {
                named: Country::Norway,
                importing: Country::Switzerland,
            },
            Detail::OriginCriterionMissing,
            Detail::OriginCountryMissing,
        ] {
            out.push(words.detail(&d));
        }
        out
    }

    #[test]
    fn every_refusal_and_finding_is_told_in_each_language_without_rule_ids() {
        let messages: BTreeMap<String, BTreeMap<String, String>> =
            serde_json::from_str(include_str!("../../web/messages.json")).unwrap_or_default();
        for language in Language::ALL {
            let Some(t) = messages.get(language.code()) else {
                panic!("no messages in {}", language.code());
            };
            let words = Words::new(language, t);
            for message in every_message(&words) {
                let code = language.code();
                assert!(!message.contains('{'), "{code}: {message}");
                assert!(
                    !message.contains("REG-") && !message.contains("REV-"),
                    "{code}: {message}"
                );
                assert!(
                    !message.starts_with("err_") && !message.starts_with("detail_"),
                    "{code}: {message}"
                );
                if language != Language::En {
                    // What the person typed is shown as typed.
                    let page_words = TYPED
                        .iter()
                        .fold(message.clone(), |m, typed| m.replace(typed, ""));
                    assert_eq!(
                        foreign_words(&page_words),
                        Vec::<String>::new(),
                        "{code}: {message}"
                    );
                }
            }
        }
        // The value as typed, and the date in the language's form.
        let kk = messages.get("kk").cloned().unwrap_or_default();
        let words = Words::new(Language::Kk, &kk);
        assert!(
            words
                .number_error(&NumberError::Length("KZREX12345".into()))
                .contains("«KZREX12345»")
        );
        let date = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap_or_default();
        let number: RegistrationNumber = "KZREX002190320260017"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let revoked = words.detail(&Detail::Revoked {
            number,
            revoked_on: date,
            statement_date: date,
        });
        assert!(
            revoked.contains("KZREX002190320260017") && revoked.contains("10 маусым 2026 ж."),
            "{revoked}"
        );
    }

    #[test]
    fn a_value_is_shown_bounded_and_without_control_characters() {
        let t = BTreeMap::from([("k".to_owned(), "«{value}» {count}".to_owned())]);
        let words = Words::new(Language::Kk, &t);
        let long = format!("\u{202E}{}", "{count}".repeat(1_000));
        let said = words.say("k", &[("value", shown(&long)), ("count", "7".into())]);
        assert!(said.chars().count() < 60, "{said}");
        assert!(
            !said.contains('\u{202E}') && said.ends_with("…» 7"),
            "{said}"
        );
    }
}
