//! Reading a statement check's input (REG-12): each field a person fills in, its limits, and
//! the consignment it describes; every problem named by its kind, so each page and answer says
//! it in its own words.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Country;

/// A field of a statement to check, as a person fills it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Text,
    Number,
    Country,
    Currency,
    Amount,
    Rate,
    Date,
}

impl Field {
    /// The field's path in the contract (`ValidateStatementRequest`).
    pub fn path(self) -> &'static str {
        match self {
            Field::Text => "statement_text",
            Field::Number => "registration_number",
            Field::Country => "importing_country",
            Field::Currency => "value.currency_code",
            Field::Amount => "value.amount",
            Field::Rate => "exchange_rate",
            Field::Date => "statement_date",
        }
    }

    fn limit(self) -> rex_domain::TextLimit {
        match self {
            Field::Text => crate::limits::STATEMENT,
            Field::Number => crate::limits::IDENTIFIER,
            _ => crate::limits::SHORT,
        }
    }
}

/// What is wrong with a field of a statement to check (REG-12), by kind, with what the reader
/// needs to fix it; `Display` is the API's English description, naming the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    /// Past the field's length (`why` says by how much).
    #[error("{why}")]
    TooLong {
        field: Field,
        max_chars: usize,
        why: String,
    },
    /// A character the field does not accept (a control or direction character).
    #[error("{why}")]
    Character { field: Field, why: String },
    #[error("must be NO or CH: the GSP schemes of Order 244-NK (REG-12)")]
    Country,
    #[error("{} must be an ISO 4217 code such as CHF or NOK (REG-12)", rex_domain::quote(.0))]
    Currency(String),
    #[error("{} must be a non-negative decimal number with a dot, e.g. \"10300.00\" (REG-12)", rex_domain::quote(.0))]
    Amount(String),
    #[error("{} must be a non-negative decimal number with a dot, e.g. \"10300.00\" (REG-12)", rex_domain::quote(.0))]
    Rate(String),
    #[error(
        "is required for a value in {currency}: how many {threshold_currency} one {currency} is worth (REG-12)"
    )]
    RateRequired {
        currency: String,
        threshold_currency: &'static str,
    },
    #[error("must be greater than zero (REG-12)")]
    RateNotPositive,
    /// The date is missing or not a date (`why` in the contract's words).
    #[error("{why}")]
    Date { why: String },
}

impl InputProblem {
    pub fn field(&self) -> Field {
        match self {
            InputProblem::TooLong { field, .. } | InputProblem::Character { field, .. } => *field,
            InputProblem::Country => Field::Country,
            InputProblem::Currency(_) => Field::Currency,
            InputProblem::Amount(_) => Field::Amount,
            InputProblem::Rate(_)
            | InputProblem::RateRequired { .. }
            | InputProblem::RateNotPositive => Field::Rate,
            InputProblem::Date { .. } => Field::Date,
        }
    }
}

/// The fields past their limits: checked before anything else, and a value past its limit is
/// not read further.
pub fn beyond_limits(fields: &[(Field, &str)]) -> Vec<InputProblem> {
    fields
        .iter()
        .filter_map(|&(field, value)| {
            let limit = field.limit();
            let why = limit.check(value).err()?;
            let too_long =
                value.len() > limit.max_bytes() || value.chars().count() > limit.max_chars;
            Some(if too_long {
                InputProblem::TooLong {
                    field,
                    max_chars: limit.max_chars,
                    why,
                }
            } else {
                InputProblem::Character { field, why }
            })
        })
        .collect()
}

/// The consignment of a statement, read: its country, its value in the threshold's currency,
/// and the statement's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consignment {
    pub country: Country,
    pub value: Decimal,
    pub statement_date: NaiveDate,
}

/// Reads the consignment (REG-12): the country, the value in `currency` converted at `rate`
/// into the threshold's currency when it is another, the date; every problem at once, the rate
/// judged only when the rest is right.
pub fn read_consignment(
    country: Option<Country>,
    currency: &str,
    amount: &str,
    rate: &str,
    statement_date: Result<NaiveDate, String>,
) -> Result<Consignment, Vec<InputProblem>> {
    let mut problems = Vec::new();
    if country.is_none() {
        problems.push(InputProblem::Country);
    }
    let code = currency.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        problems.push(InputProblem::Currency(currency.to_owned()));
    }
    let amount_read = parse_decimal(amount);
    if amount_read.is_none() {
        problems.push(InputProblem::Amount(amount.to_owned()));
    }
    let date = statement_date
        .map_err(|why| problems.push(InputProblem::Date { why }))
        .ok();
    let (Some(country), Some(amount), Some(statement_date)) = (country, amount_read, date) else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let (_, threshold_currency) = country.threshold();
    let value = if code == threshold_currency {
        amount
    } else if rate.trim().is_empty() {
        return Err(vec![InputProblem::RateRequired {
            currency: code,
            threshold_currency,
        }]);
    } else {
        match parse_decimal(rate) {
            Some(r) if r > Decimal::ZERO => amount.checked_mul(r).map_or(amount, |v| v.round_dp(2)),
            Some(_) => return Err(vec![InputProblem::RateNotPositive]),
            None => return Err(vec![InputProblem::Rate(rate.to_owned())]),
        }
    };
    Ok(Consignment {
        country,
        value,
        statement_date,
    })
}

/// A decimal amount or rate as the contract carries it: digits and a dot (REG-12).
fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let ok_chars = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.');
    t.parse::<Decimal>().ok().filter(|_| ok_chars)
}
