//! The public checks: LookupRegistration (REG-5), ValidateStatement and ValidateStatements
//! (REG-12), and the search by TIN of the public site.

use prost::Message;
use rex_proto::common;
use rex_proto::registration::*;
use rex_registration_domain::Tin;
use rex_registration_domain::statement::{
    self, Consignment, Field, InputProblem, NumberOnDate, StatementCheck,
};
use rex_runtime::convert::date_from_proto;
use rex_runtime::status::{FieldViolation, internal, invalid_argument, invalid_field};
use rust_decimal::Decimal;
use tonic::Status;

use super::support::{db_err, parse_number};
use super::{Registry, convert};
use crate::lookup_cache::PublicRecord;
use crate::store;

impl Registry {
    /// The lookup's answer for `record` on `as_of` (REG-5, REG-6, REV-1, REV-5).
    fn lookup(
        record: &PublicRecord,
        as_of: chrono::NaiveDate,
    ) -> Result<LookupRegistrationResponse, Status> {
        record.answer(as_of).map_err(internal)
    }

    /// The public lookup of one number (REG-5): NOT_FOUND for a number not in the registry,
    /// UNAVAILABLE when the registry cannot be read.
    pub async fn lookup_one(
        &self,
        req: LookupRegistrationRequest,
    ) -> Result<LookupRegistrationResponse, Status> {
        let number = parse_number("registration_number", &req.registration_number)?;
        let as_of = match req.as_of.as_ref() {
            None => self.today(),
            Some(d) => date_from_proto("as_of", Some(d)).map_err(|v| invalid_argument(&[v]))?,
        };
        match self.public_record(&number.to_string()).await? {
            Some(record) => Self::lookup(&record, as_of),
            None => Err(Status::not_found(format!(
                "registration_number: {number} is not in the registry"
            ))),
        }
    }

    /// The registration numbers of `tin` whose exporter consented to publication (REG-5), as
    /// the public search by TIN shows them; an exporter that did not consent is not found.
    pub async fn published_numbers_of(&self, tin: &str) -> Result<Vec<String>, Status> {
        let tin =
            Tin::parse(tin.trim()).map_err(|e| invalid_field("tin", format!("{e} (REG-2)")))?;
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        store::published_numbers_of(&mut conn, tin.as_str())
            .await
            .map_err(db_err)
    }

    /// Checks a batch (see `ValidateStatements` in the contract): identical items once, each
    /// item's failure its own.
    pub async fn check_many(
        &self,
        items: Vec<BulkCheck>,
    ) -> Result<ValidateStatementsResponse, Status> {
        if items.len() > MAX_BULK_ITEMS {
            return Err(invalid_field(
                "items",
                format!(
                    "{} items: at most {MAX_BULK_ITEMS} per call; split the batch",
                    items.len()
                ),
            ));
        }
        // The distinct items, by their encoding, and where each item's answer comes from.
        let mut distinct: Vec<BulkCheck> = Vec::new();
        let mut seen: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        let slots: Vec<usize> = items
            .into_iter()
            .map(|item| {
                *seen.entry(item.encode_to_vec()).or_insert_with(|| {
                    distinct.push(item);
                    distinct.len() - 1
                })
            })
            .collect();
        let distinct_items = distinct.len() as u32;
        let mut answers = Vec::with_capacity(distinct.len());
        for item in distinct {
            answers.push(match item.check {
                Some(bulk_check::Check::Lookup(req)) => match self.lookup_one(req).await {
                    Ok(r) => bulk_result::Result::Lookup(r),
                    Err(status) => bulk_result::Result::Error(bulk_error(&status)),
                },
                Some(bulk_check::Check::Statement(req)) => match self.check_statement(req).await {
                    Ok(r) => bulk_result::Result::Statement(r),
                    Err(status) => bulk_result::Result::Error(bulk_error(&status)),
                },
                None => bulk_result::Result::Error(BulkItemError {
                    code: "INVALID_ARGUMENT".into(),
                    message: "check: give a lookup or a statement".into(),
                    field_violations: vec![BulkFieldViolation {
                        field: "check".into(),
                        description: "is required: lookup or statement".into(),
                    }],
                }),
            });
        }
        Ok(ValidateStatementsResponse {
            results: slots
                .iter()
                .enumerate()
                .map(|(index, &slot)| BulkResult {
                    index: index as u32,
                    result: Some(answers[slot].clone()),
                })
                .collect(),
            distinct_items,
        })
    }

    /// Checks one statement on origin (REG-12).
    pub async fn check_statement(
        &self,
        req: ValidateStatementRequest,
    ) -> Result<ValidateStatementResponse, Status> {
        self.check_statement_read(req)
            .await
            .map(|checked| checked.response)
            .map_err(StatementRefusal::into_status)
    }

    /// Checks one statement on origin (REG-12), answering with the findings' facts beside the
    /// contract's answer, and a refused input by kind: what the public pages say in their
    /// language.
    pub async fn check_statement_read(
        &self,
        req: ValidateStatementRequest,
    ) -> Result<CheckedStatement, StatementRefusal> {
        let value = req.value.clone().unwrap_or_default();
        let beyond = statement::beyond_limits(&[
            (Field::Text, &req.statement_text),
            (Field::Number, &req.registration_number),
            (Field::Amount, &value.amount),
            (Field::Currency, &value.currency_code),
            (Field::Rate, &req.exchange_rate),
        ]);
        // A value past its limit is not read further.
        if !beyond.is_empty() {
            return Err(StatementRefusal::Input(beyond));
        }
        let country = convert::importing_country(req.importing_country);
        let statement_date = date_from_proto("statement_date", req.statement_date.as_ref())
            .map_err(|v| v.description);
        let consignment = statement::read_consignment(
            country,
            &value.currency_code,
            &value.amount,
            &req.exchange_rate,
            statement_date,
        )
        .map_err(StatementRefusal::Input)?;
        let Consignment {
            country,
            value: converted,
            statement_date,
        } = consignment;
        let (threshold, threshold_currency) = country.threshold();
        let text_number = req.registration_number.as_str();
        let (check, number) = StatementCheck::start(
            country,
            converted,
            statement_date,
            &req.statement_text,
            text_number,
        );
        let mut registration = None;
        let check = match number {
            None => check,
            Some(number) => {
                let on_date = match self.public_record(&number.to_string()).await? {
                    None => NumberOnDate::Unknown,
                    Some(record) => {
                        let view = Self::lookup(&record, statement_date)?;
                        let on_date = match LookupStatus::try_from(view.status) {
                            Ok(LookupStatus::NotYetValid) => NumberOnDate::NotYetValid {
                                valid_from: record.valid_from,
                            },
                            Ok(LookupStatus::Revoked) => NumberOnDate::Revoked {
                                revoked_on: date_from_proto("revoked_on", view.revoked_on.as_ref())
                                    .map_err(|v| internal(anyhow::anyhow!(v.description)))?,
                            },
                            _ => NumberOnDate::Valid,
                        };
                        registration = Some(view);
                        on_date
                    }
                };
                check.conclude(&number, on_date)
            }
        };
        let valid = check.valid();
        let findings = check
            .findings
            .iter()
            .map(|f| StatementFinding {
                reason: convert::statement_reason_proto(f.reason) as i32,
                message: f.message.clone(),
            })
            .collect();
        let parsed = check.parsed.clone();
        let money = |amount: Decimal| common::Money {
            currency_code: threshold_currency.to_owned(),
            amount: format!("{amount:.2}"),
        };
        let response = ValidateStatementResponse {
            valid,
            findings,
            threshold: Some(money(threshold)),
            value_in_threshold_currency: Some(money(converted)),
            parsed: parsed.map(|p| ParsedStatement {
                registration_number: p.number.unwrap_or_default(),
                origin_criterion: p.criterion.unwrap_or_default(),
                hs_code: p.hs_code.unwrap_or_default(),
                importing_country: p
                    .country
                    .map_or(0, |c| convert::importing_country_proto(c) as i32),
                kazakhstan_origin: p.kazakhstan_origin,
            }),
            registration,
        };
        Ok(CheckedStatement {
            response,
            findings: check.findings,
        })
    }
}

/// A statement checked: the contract's answer, and its findings with their facts.
#[derive(Debug, Clone)]
pub struct CheckedStatement {
    pub response: ValidateStatementResponse,
    pub findings: Vec<statement::StatementFinding>,
}

/// Why a statement was not checked: what is wrong with the input, by kind, or a failure of the
/// service (the registry could not be read).
#[derive(Debug)]
pub enum StatementRefusal {
    Input(Vec<InputProblem>),
    Failed(Status),
}

impl StatementRefusal {
    /// The contract's answer: INVALID_ARGUMENT naming every field at fault, in English.
    pub fn into_status(self) -> Status {
        match self {
            StatementRefusal::Input(problems) => {
                let violations: Vec<FieldViolation> = problems
                    .iter()
                    .map(|p| FieldViolation::new(p.field().path(), p.to_string()))
                    .collect();
                invalid_argument(&violations)
            }
            StatementRefusal::Failed(status) => status,
        }
    }
}

impl From<Status> for StatementRefusal {
    fn from(status: Status) -> Self {
        StatementRefusal::Failed(status)
    }
}

/// ValidateStatements: the batch of the request (see [`Registry::check_many`]).
pub(super) async fn check_batch(
    registry: &Registry,
    req: ValidateStatementsRequest,
) -> Result<ValidateStatementsResponse, Status> {
    registry.check_many(req.items).await
}

/// The most items one `ValidateStatements` call takes.
pub const MAX_BULK_ITEMS: usize = 10_000;

/// One item's failure as the batch reports it: the single call's code, message and fields.
pub(crate) fn bulk_error(status: &Status) -> BulkItemError {
    use tonic_types::StatusExt;
    let code = match status.code() {
        tonic::Code::InvalidArgument => "INVALID_ARGUMENT",
        tonic::Code::NotFound => "NOT_FOUND",
        tonic::Code::Unavailable => "UNAVAILABLE",
        tonic::Code::FailedPrecondition => "FAILED_PRECONDITION",
        _ => "INTERNAL",
    };
    let field_violations = status
        .get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| BulkFieldViolation {
                    field: v.field,
                    description: v.description,
                })
                .collect()
        })
        .unwrap_or_default();
    BulkItemError {
        code: code.into(),
        message: status.message().to_owned(),
        field_violations,
    }
}
