//! Statements on origin (REG-12, annex 2): the threshold, and reading the printed text.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use rex_domain::{NumberError, RegistrationNumber};
use rust_decimal::Decimal;

mod input;
pub use input::*;

/// An importing country of the orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    Norway,
    Switzerland,
}

impl Country {
    pub const ALL: [Country; 2] = [Country::Norway, Country::Switzerland];

    /// As stored: `NO`, `CH`.
    pub const fn code(self) -> &'static str {
        match self {
            Country::Norway => "NO",
            Country::Switzerland => "CH",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The value above which the statement must carry a registration number (REG-12), in the
    /// country's own currency.
    pub fn threshold(self) -> (Decimal, &'static str) {
        match self {
            Country::Switzerland => (Decimal::new(10_300, 0), "CHF"),
            Country::Norway => (Decimal::new(60_000, 0), "NOK"),
        }
    }
}

/// What the printed text of a statement says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedText {
    /// The first token that looks like a registration number (KZREX…), as printed.
    pub number: Option<String>,
    /// "P" or "W".
    pub criterion: Option<String>,
    /// The HS code after the criterion, e.g. "61.09".
    pub hs_code: Option<String>,
    /// The scheme named: Norway, Switzerland, or none/both (the template left unfilled).
    pub country: Option<Country>,
    pub kazakhstan_origin: bool,
}

static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bKZ\s*REX[0-9A-Z]*").unwrap_or_else(|_| unreachable!()));
static CRITERION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)origin\s+criterion\s+met\s+is\s*[:("'\s]*\b([PW])\b(\s*/\s*[PW])?[\s,;:-]*([0-9]{2}(?:\.?[0-9]{2}){0,2})?"#)
        .unwrap_or_else(|_| unreachable!())
});
static ORIGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)of\s+kazakhstan\s+preferential\s+origin").unwrap_or_else(|_| unreachable!())
});
static NORWAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bnorw").unwrap_or_else(|_| unreachable!()));
static SWISS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(swiss|switzerland)").unwrap_or_else(|_| unreachable!()));

/// Reads the statement's text (annex 2) as printed on an invoice.
pub fn parse_text(text: &str) -> ParsedText {
    let number = NUMBER
        .find(text)
        .map(|m| m.as_str().split_whitespace().collect::<String>());
    let (criterion, hs_code) = match CRITERION.captures(text) {
        // "P/W" is the template's placeholder, not a criterion.
        Some(c) if c.get(2).is_some() => (None, None),
        Some(c) => (
            c.get(1).map(|m| m.as_str().to_ascii_uppercase()),
            c.get(3).map(|m| m.as_str().to_owned()),
        ),
        None => (None, None),
    };
    let country = match (NORWAY.is_match(text), SWISS.is_match(text)) {
        (true, false) => Some(Country::Norway),
        (false, true) => Some(Country::Switzerland),
        _ => None,
    };
    ParsedText {
        number,
        criterion,
        hs_code,
        country,
        kazakhstan_origin: ORIGIN.is_match(text),
    }
}

/// Whether a value needs a number: strictly above the threshold (REG-12 interpretation: a value
/// equal to the threshold needs none).
pub fn needs_number(value_in_threshold_currency: Decimal, country: Country) -> bool {
    value_in_threshold_currency > country.threshold().0
}

/// Why a statement is (in)valid, finding by finding (REG-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    BelowThreshold,
    NumberRequired,
    UnknownNumber,
    MalformedNumber,
    NotYetValid,
    Revoked,
    NumberValid,
    NumberMismatch,
    CountryMismatch,
    OriginCriterionMissing,
    OriginCountryMissing,
}

/// What a finding says, with the facts it names, so that each reader can be told in its own
/// words: the API's English message is its `Display` (naming the rule), the public pages say it
/// in their language from the same facts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Detail {
    /// The value does not exceed the threshold: no number is needed (`number_given`: one was
    /// given all the same, and checked).
    #[error("the consignment's value {value} {currency} does not exceed {threshold} {currency}: {} (REG-12)", if *.number_given { "a number was not required" } else { "no registration number is needed" })]
    BelowThreshold {
        value: Decimal,
        threshold: Decimal,
        currency: &'static str,
        number_given: bool,
    },
    #[error(
        "the consignment's value {value} {currency} exceeds {threshold} {currency}: the statement must carry the exporter's REX registration number (REG-12)"
    )]
    NumberRequired {
        value: Decimal,
        threshold: Decimal,
        currency: &'static str,
    },
    #[error("{0} is not in Kazakhstan's registry of exporters (REG-7)")]
    UnknownNumber(RegistrationNumber),
    #[error("{0} (REG-7)")]
    MalformedNumber(NumberError),
    #[error("{number} is valid from {valid_from}; the statement is dated {statement_date} (REG-6)")]
    NotYetValid {
        number: RegistrationNumber,
        valid_from: NaiveDate,
        statement_date: NaiveDate,
    },
    #[error(
        "{number} was revoked on {revoked_on}; the statement is dated {statement_date} (REV-1)"
    )]
    Revoked {
        number: RegistrationNumber,
        revoked_on: NaiveDate,
        statement_date: NaiveDate,
    },
    #[error("{number} is valid on {statement_date} (REG-11)")]
    NumberValid {
        number: RegistrationNumber,
        statement_date: NaiveDate,
    },
    /// Both come from outside and may be of any length: a reader quotes them (found by
    /// fuzzing).
    #[error("the text names {} but registration_number is {} (REG-12)", rex_domain::quote(.in_text), rex_domain::quote(.given))]
    NumberMismatch { in_text: String, given: String },
    #[error(
        "the text names the GSP of {named:?}, but the goods are imported into {importing:?} (REG-12)"
    )]
    CountryMismatch { named: Country, importing: Country },
    #[error(
        "the text gives no origin criterion: \"P\" (wholly obtained) or \"W\" with the HS code (REG-12, annex 2)"
    )]
    OriginCriterionMissing,
    #[error(
        "the text does not declare the products of Kazakhstan preferential origin (REG-12, annex 2)"
    )]
    OriginCountryMissing,
}

impl Detail {
    pub fn reason(&self) -> Reason {
        match self {
            Detail::BelowThreshold { .. } => Reason::BelowThreshold,
            Detail::NumberRequired { .. } => Reason::NumberRequired,
            Detail::UnknownNumber(_) => Reason::UnknownNumber,
            Detail::MalformedNumber(_) => Reason::MalformedNumber,
            Detail::NotYetValid { .. } => Reason::NotYetValid,
            Detail::Revoked { .. } => Reason::Revoked,
            Detail::NumberValid { .. } => Reason::NumberValid,
            Detail::NumberMismatch { .. } => Reason::NumberMismatch,
            Detail::CountryMismatch { .. } => Reason::CountryMismatch,
            Detail::OriginCriterionMissing => Reason::OriginCriterionMissing,
            Detail::OriginCountryMissing => Reason::OriginCountryMissing,
        }
    }
}

/// One finding on a statement; an invalidating one makes the statement invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementFinding {
    pub reason: Reason,
    /// The English message, naming the rule (what the API answers).
    pub message: String,
    pub detail: Detail,
    pub invalidates: bool,
}

/// The registration a statement names, as the registry knows it on the statement's date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberOnDate {
    /// Not in the registry.
    Unknown,
    NotYetValid {
        valid_from: NaiveDate,
    },
    Revoked {
        revoked_on: NaiveDate,
    },
    Valid,
}

/// A statement being checked (REG-12): its value converted into the threshold's currency, its
/// text read, and the findings so far.
#[derive(Debug, Clone)]
pub struct StatementCheck {
    pub country: Country,
    pub value: Decimal,
    pub statement_date: NaiveDate,
    pub parsed: Option<ParsedText>,
    pub findings: Vec<StatementFinding>,
    needs: bool,
}

impl StatementCheck {
    fn add(&mut self, detail: Detail, invalidates: bool) {
        self.findings.push(StatementFinding {
            reason: detail.reason(),
            message: detail.to_string(),
            detail,
            invalidates,
        });
    }

    pub fn valid(&self) -> bool {
        !self.findings.iter().any(|f| f.invalidates)
    }

    /// Reads the statement: its text against the country (REG-12, annex 2) and the number it
    /// carries. Returns the check and the number to look up in the registry, if any.
    pub fn start(
        country: Country,
        value: Decimal,
        statement_date: NaiveDate,
        text: &str,
        given_number: &str,
    ) -> (Self, Option<RegistrationNumber>) {
        let parsed = (!text.trim().is_empty()).then(|| parse_text(text));
        let mut check = StatementCheck {
            country,
            value,
            statement_date,
            parsed: parsed.clone(),
            findings: Vec::new(),
            needs: needs_number(value, country),
        };
        if let Some(p) = parsed.as_ref() {
            if let Some(named) = p.country
                && named != country
            {
                check.add(
                    Detail::CountryMismatch {
                        named,
                        importing: country,
                    },
                    true,
                );
            }
            if p.criterion.is_none() {
                check.add(Detail::OriginCriterionMissing, true);
            }
            if !p.kazakhstan_origin {
                check.add(Detail::OriginCountryMissing, true);
            }
        }
        let given = given_number.trim();
        let from_text = parsed.as_ref().and_then(|p| p.number.clone());
        if let (false, Some(text_number)) = (given.is_empty(), from_text.as_deref())
            && text_number != given
        {
            check.add(
                Detail::NumberMismatch {
                    in_text: text_number.to_owned(),
                    given: given.to_owned(),
                },
                true,
            );
        }
        let number_text = if given.is_empty() {
            from_text.unwrap_or_default()
        } else {
            given.to_owned()
        };
        let (threshold, currency) = country.threshold();
        let converted = check.value;
        if number_text.is_empty() {
            if check.needs {
                check.add(
                    Detail::NumberRequired {
                        value: converted,
                        threshold,
                        currency,
                    },
                    true,
                );
            } else {
                check.add(
                    Detail::BelowThreshold {
                        value: converted,
                        threshold,
                        currency,
                        number_given: false,
                    },
                    false,
                );
            }
            return (check, None);
        }
        match number_text.trim().parse::<RegistrationNumber>() {
            Err(e) => {
                check.add(Detail::MalformedNumber(e), true);
                (check, None)
            }
            Ok(number) => (check, Some(number)),
        }
    }

    /// Concludes with what the registry says of `number` on the statement's date (REG-6,
    /// REV-1, REG-11), and notes when a number was not required.
    pub fn conclude(mut self, number: &RegistrationNumber, on_date: NumberOnDate) -> Self {
        let statement_date = self.statement_date;
        let number = *number;
        match on_date {
            NumberOnDate::Unknown => self.add(Detail::UnknownNumber(number), true),
            NumberOnDate::NotYetValid { valid_from } => self.add(
                Detail::NotYetValid {
                    number,
                    valid_from,
                    statement_date,
                },
                true,
            ),
            NumberOnDate::Revoked { revoked_on } => self.add(
                Detail::Revoked {
                    number,
                    revoked_on,
                    statement_date,
                },
                true,
            ),
            NumberOnDate::Valid => self.add(
                Detail::NumberValid {
                    number,
                    statement_date,
                },
                false,
            ),
        }
        if !self.needs {
            let (threshold, currency) = self.country.threshold();
            self.add(
                Detail::BelowThreshold {
                    value: self.value,
                    threshold,
                    currency,
                    number_given: true,
                },
                false,
            );
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "The exporter Altyn Dan LLP, Almaty, Raiymbek ave. 221, KZREX002190320260017 of the products covered by this document declares that, except where otherwise clearly indicated, these products are of Kazakhstan preferential origin according to rules of origin of the Generalized System of Preferences of the Kingdom of Norway and that the origin criterion met is W 11.01.";

    #[test]
    fn reg_12_text_gives_number_criterion_and_country() {
        let p = parse_text(TEXT);
        assert_eq!(p.number.as_deref(), Some("KZREX002190320260017"));
        assert_eq!(p.criterion.as_deref(), Some("W"));
        assert_eq!(p.hs_code.as_deref(), Some("11.01"));
        assert_eq!(p.country, Some(Country::Norway));
        assert!(p.kazakhstan_origin);
    }

    #[test]
    fn reg_12_unfilled_template_names_no_country_and_no_criterion() {
        let p = parse_text(
            "… rules of origin of the Generalized System of Preferences (Kingdom of Norway/Swiss Confederation) and that the origin criterion met is (P/W, harmonized system code).",
        );
        assert_eq!(p.country, None);
        assert_eq!(p.criterion, None);
        assert_eq!(p.number, None);
        assert!(!p.kazakhstan_origin);
    }

    #[test]
    fn reg_12_wholly_obtained_and_swiss() {
        let p = parse_text(
            "… of Kazakhstan preferential origin … of the Swiss Confederation and that the origin criterion met is \"P\".",
        );
        assert_eq!(p.criterion.as_deref(), Some("P"));
        assert_eq!(p.hs_code, None);
        assert_eq!(p.country, Some(Country::Switzerland));
    }

    #[test]
    fn reg_12_a_mismatched_number_is_quoted_not_echoed_whole() {
        let long = format!("KZREX{}", "A".repeat(100_000));
        let text = TEXT.replace("KZREX002190320260017", &long);
        let date = NaiveDate::from_ymd_opt(2026, 6, 20).unwrap_or_default();
        let (check, number) = StatementCheck::start(
            Country::Norway,
            Decimal::new(100_000, 0),
            date,
            &text,
            &"B".repeat(100_000),
        );
        assert!(number.is_none());
        let mismatch = check
            .findings
            .iter()
            .find(|f| f.reason == Reason::NumberMismatch)
            .map(|f| f.message.as_str())
            .unwrap_or_default();
        assert!(mismatch.contains("… (100005 characters) but"), "{mismatch}");
        assert!(mismatch.len() < 400, "{} bytes", mismatch.len());
    }

    #[test]
    fn reg_12_threshold_is_strictly_above() {
        assert!(!needs_number(Decimal::new(10_300, 0), Country::Switzerland));
        assert!(needs_number(
            Decimal::new(1_030_001, 2),
            Country::Switzerland
        ));
        assert!(!needs_number(Decimal::new(60_000, 0), Country::Norway));
        assert!(needs_number(Decimal::new(60_001, 0), Country::Norway));
    }
}
