//! The gRPC handlers: convert and validate input at the edge, run the rules of `domain` inside
//! one database transaction, and map every failure to a status naming the field and the rule.

use std::sync::Arc;

use chrono::{DateTime, Months, NaiveDate, Utc};
use prost::Message;
use rex_calendar::{Calendar, Clock, StatutoryStep};
use rex_proto::common::{self, Document, DocumentKind, ImportingCountry, Language};
use rex_proto::registration::registration_service_server::RegistrationService;
use rex_proto::registration::*;
use rex_runtime::auth::Role;
use rex_runtime::convert::{
    date_from_proto, date_to_proto, step_to_proto, timestamp_from_proto, timestamp_to_proto,
};
use rex_runtime::db::{Db, is_unique_violation};
use rex_runtime::status::{FieldViolation, from_db, internal, invalid_argument, invalid_field};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use tonic::{Request, Response, Status};

use crate::domain::checks::{Finding, check_application, check_data};
use crate::domain::number::{MAX_SEQUENCE, parse_branch};
use crate::domain::periods::{self, Period};
use crate::domain::statement::{self, Country};
use crate::domain::{RegistrationNumber, Requester, Tin};
use crate::lookup_cache::{Cached, LookupCache, PublicRecord};
use crate::store::{self, ApplicationRow, ChangeRow, Notice, RegistrationRow, RevocationRow};

/// The largest document accepted in one request.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// A notice obligation to write with a state change.
struct NoticeFor<'a> {
    kind: &'a str,
    period: Period,
    start: NaiveDate,
    key: String,
    data: &'a RegistrationData,
    language: &'a str,
    channel: &'a str,
    facts: serde_json::Value,
}

/// The registration service.
#[derive(Debug, Clone)]
pub struct Registry {
    db: Db,
    calendar: Arc<Calendar>,
    clock: Arc<dyn Clock>,
    /// Public records in memory (see `lookup_cache`); none: every lookup reads the database.
    lookups: Option<Arc<LookupCache>>,
}

type Reply<T> = Result<Response<T>, Status>;

fn db_err(err: sqlx::Error) -> Status {
    from_db(err)
}

fn language_name(code: i32) -> &'static str {
    match Language::try_from(code) {
        Ok(Language::Kk) => "KK",
        Ok(Language::Ru) => "RU",
        Ok(Language::En) => "EN",
        _ => "",
    }
}

fn language_code(name: &str) -> i32 {
    match name {
        "KK" => Language::Kk as i32,
        "RU" => Language::Ru as i32,
        "EN" => Language::En as i32,
        _ => 0,
    }
}

/// Where an exporter's notices go: e-mail (and with it the inbox) for electronic applicants, a
/// letter for paper ones.
fn channel_for(submission_channel: &str) -> &'static str {
    if submission_channel == "ELECTRONIC" {
        "EMAIL"
    } else {
        "PAPER"
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn parse_number(field: &str, text: &str) -> Result<RegistrationNumber, Status> {
    text.trim()
        .parse::<RegistrationNumber>()
        .map_err(|e| invalid_field(field, format!("{e} (REG-7)")))
}

fn required(field: &str, value: &str, rule: &str) -> Option<FieldViolation> {
    value
        .trim()
        .is_empty()
        .then(|| FieldViolation::new(field, format!("is required ({rule})")))
}

fn findings_as_violations(findings: &[Finding]) -> Vec<FieldViolation> {
    findings
        .iter()
        .map(|f| FieldViolation::new(&f.field, format!("{} ({})", f.message, f.rule_id)))
        .collect()
}

/// Checks a document's shape; the content's SHA-256 when given must match.
fn check_document(field: &str, doc: &Document, out: &mut Vec<FieldViolation>) {
    if DocumentKind::try_from(doc.kind).map_or(true, |k| k == DocumentKind::Unspecified) {
        out.push(FieldViolation::new(
            format!("{field}.kind"),
            "must be a DocumentKind other than UNSPECIFIED",
        ));
    }
    if doc.file_name.trim().is_empty() {
        out.push(FieldViolation::new(
            format!("{field}.file_name"),
            "is required",
        ));
    }
    if doc.content.is_empty() {
        out.push(FieldViolation::new(
            format!("{field}.content"),
            "is empty: attach the document's content",
        ));
    } else if doc.content.len() > MAX_DOCUMENT_BYTES {
        out.push(FieldViolation::new(
            format!("{field}.content"),
            format!(
                "is {} bytes; at most {MAX_DOCUMENT_BYTES} bytes per document",
                doc.content.len()
            ),
        ));
    }
    if !doc.sha256.is_empty()
        && !doc.content.is_empty()
        && doc.sha256.to_ascii_lowercase() != sha256_hex(&doc.content)
    {
        out.push(FieldViolation::new(
            format!("{field}.sha256"),
            "does not match the content's SHA-256: the document was damaged in transit",
        ));
    }
}

fn keep_until(received_on: NaiveDate) -> NaiveDate {
    received_on
        .checked_add_months(Months::new(12 * periods::DOCUMENT_RETENTION_YEARS as u32))
        .unwrap_or(received_on)
}

impl Registry {
    pub fn new(db: Db, calendar: Arc<Calendar>, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            calendar,
            clock,
            lookups: None,
        }
    }

    /// Serves lookups and statement checks from `cache`, which this registry keeps up to date
    /// with its own writes.
    pub fn with_lookup_cache(mut self, cache: Arc<LookupCache>) -> Self {
        self.lookups = Some(cache);
        self
    }

    /// After a write that may change a public record: forgets the registration it answered
    /// with, or everything when the outcome is unknown (an error after which the commit may
    /// still have happened). Called after the commit, so the next lookup reads the new state.
    fn public_record_changed<T>(
        &self,
        result: &Result<T, Status>,
        registration: impl Fn(&T) -> Option<&Registration>,
    ) {
        let Some(cache) = &self.lookups else {
            return;
        };
        match result {
            Ok(answer) => match registration(answer) {
                Some(r) => cache.invalidate(&r.registration_number),
                None => cache.clear(),
            },
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::Internal | tonic::Code::Unavailable | tonic::Code::Unknown
                ) =>
            {
                cache.clear()
            }
            Err(_) => {}
        }
    }

    /// The public record of `number` (REG-5), from memory when it is there.
    async fn public_record(&self, number: &str) -> Result<Cached, Status> {
        let generation = match &self.lookups {
            Some(cache) => {
                cache.catch_up(&self.db).await.map_err(db_err)?;
                match cache.get(number) {
                    Some(hit) => return Ok(hit),
                    None => Some(cache.generation()),
                }
            }
            None => None,
        };
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let record = match store::get_registration(&mut conn, number)
            .await
            .map_err(db_err)?
        {
            None => None,
            Some(row) => {
                let revocations = store::revocations_of(&mut conn, number)
                    .await
                    .map_err(db_err)?;
                Some(Arc::new(PublicRecord::new(&row, &revocations)))
            }
        };
        if let (Some(cache), Some(generation)) = (&self.lookups, generation) {
            cache.fill(number, generation, record.clone());
        }
        Ok(record)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    fn step(
        &self,
        period: Period,
        start: NaiveDate,
        completed_on: Option<NaiveDate>,
    ) -> Result<StatutoryStep, Status> {
        let (rule, count, unit, _) = period;
        let mut step = StatutoryStep::start(&self.calendar, rule, start, count, unit)
            .map_err(|e| Status::failed_precondition(format!("{e} ({rule})")))?;
        step.completed_on = completed_on;
        Ok(step)
    }

    fn step_proto(
        &self,
        period: Period,
        start: NaiveDate,
        completed_on: Option<NaiveDate>,
    ) -> Result<common::StatutoryStep, Status> {
        let step = self.step(period, start, completed_on)?;
        Ok(step_to_proto(&self.calendar, &step, period.3, self.today()))
    }

    /// Runs `op` in one write transaction under the idempotency key (see
    /// `rex_runtime::idempotency`).
    async fn idempotent<Req, Resp>(
        &self,
        rpc: &str,
        key: &str,
        request: &Req,
        op: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<Resp, Status>,
    ) -> Result<Resp, Status>
    where
        Req: Message,
        Resp: Message + Default,
    {
        rex_runtime::idempotency::run(&self.db, self.now(), rpc, key, request, op).await
    }

    // ---- views ----------------------------------------------------------------------------------

    async fn application_proto(
        &self,
        conn: &mut sqlx::AnyConnection,
        row: &ApplicationRow,
        with_content: bool,
    ) -> Result<Application, Status> {
        let mut form = row.form.clone();
        let docs = store::documents_of(conn, "application", &row.application_id, with_content)
            .await
            .map_err(db_err)?;
        for (position, doc) in docs {
            if position < 0 {
                if let Some(rep) = form.representative.as_mut() {
                    rep.power_of_attorney = Some(doc);
                }
            } else {
                form.documents.push(doc);
            }
        }
        let decided = row.decided_on;
        Ok(Application {
            application_id: row.application_id.clone(),
            form: Some(form),
            status: ApplicationStatus::from_str_name(&format!("APPLICATION_STATUS_{}", row.status))
                .unwrap_or_default() as i32,
            received_on: Some(date_to_proto(row.received_on)),
            findings: row.findings.iter().map(Finding::to_proto).collect(),
            refusal_step: Some(self.step_proto(periods::REFUSAL, row.received_on, decided)?),
            registration_step: Some(self.step_proto(
                periods::REGISTRATION,
                row.received_on,
                decided,
            )?),
            registration_number: row.registration_number.clone().unwrap_or_default(),
            refusal_reasons: row
                .refusal_reasons
                .iter()
                .filter_map(|r| RefusalReason::from_str_name(r))
                .map(|r| r as i32)
                .collect(),
            refusal_explanation: row.refusal_explanation.clone(),
            decided_by: row.decided_by.clone(),
            decided_at: row.decided_at.map(timestamp_to_proto),
        })
    }

    async fn registration_proto(
        &self,
        conn: &mut sqlx::AnyConnection,
        row: &RegistrationRow,
    ) -> Result<Registration, Status> {
        let mut revocations = Vec::new();
        for r in store::revocations_of(conn, &row.registration_number)
            .await
            .map_err(db_err)?
        {
            let documents = store::documents_of(conn, "revocation", &r.revocation_id, false)
                .await
                .map_err(db_err)?;
            revocations.push(Revocation {
                ground: RevocationGround::from_str_name(&r.ground).unwrap_or_default() as i32,
                revoked_on: Some(date_to_proto(r.revoked_on)),
                requested_by: r.requested_by.clone(),
                case_reference: r.case_reference.clone(),
                explanation: r.explanation.clone(),
                notice_step: Some(self.step_proto(
                    periods::REVOCATION_NOTICE,
                    r.revoked_on,
                    None,
                )?),
                court_reference: r.court_reference.clone().unwrap_or_default(),
                court_decision_on: r.court_decision_on.map(date_to_proto),
                documents: documents.into_iter().map(|(_, d)| d).collect(),
            });
        }
        Ok(Registration {
            registration_number: row.registration_number.clone(),
            status: if row.status == "ACTIVE" {
                RegistrationStatus::Active
            } else {
                RegistrationStatus::Revoked
            } as i32,
            data: Some(row.data.clone()),
            primary_language: language_code(&row.primary_language),
            valid_from: Some(date_to_proto(row.valid_from)),
            assigned_on: Some(date_to_proto(row.assigned_on)),
            assigned_at: Some(timestamp_to_proto(row.assigned_at)),
            authorized_person_id: row.authorized_person_id.clone(),
            application_id: row.application_id.clone(),
            notice_step: Some(self.step_proto(
                periods::REGISTRATION_NOTICE,
                row.assigned_on,
                None,
            )?),
            revocations,
            regional_branch_code: row.branch_code.clone(),
        })
    }

    fn change_proto(&self, c: &ChangeRow, documents: Vec<Document>) -> Result<Change, Status> {
        let (rule, count, unit, _) = periods::CHANGE_NOTICE;
        let notice_due = self
            .calendar
            .due(c.changed_on, count, unit)
            .map_err(|e| Status::failed_precondition(format!("{e} ({rule})")))?;
        Ok(Change {
            change_id: c.change_id.clone(),
            registration_number: c.registration_number.clone(),
            proposed: Some(c.proposed.clone()),
            categories: c
                .categories
                .iter()
                .filter_map(|s| ChangeCategory::from_str_name(s))
                .map(|x| x as i32)
                .collect(),
            reason: c.reason.clone(),
            changed_on: Some(date_to_proto(c.changed_on)),
            received_at: Some(timestamp_to_proto(c.received_at)),
            notice_due: Some(rex_runtime::convert::due_to_proto(rule, &notice_due)),
            late: c.late,
            decision_step: Some(self.step_proto(
                periods::CHANGE_DECISION,
                c.received_on,
                c.decided_on,
            )?),
            findings: c.findings.iter().map(Finding::to_proto).collect(),
            status: ChangeStatus::from_str_name(&format!("CHANGE_STATUS_{}", c.status))
                .unwrap_or_default() as i32,
            refusal_reasons: c.refusal_reasons.clone(),
            decided_by: c.decided_by.clone(),
            decided_at: c.decided_at.map(timestamp_to_proto),
            documents,
        })
    }

    /// Stores documents of an owner; each gets an id, its SHA-256 and its retention date.
    async fn store_documents(
        &self,
        conn: &mut sqlx::AnyConnection,
        owner_kind: &str,
        owner_id: &str,
        docs: &[(i64, &Document)],
        received_on: NaiveDate,
    ) -> Result<(), Status> {
        for (position, doc) in docs {
            let new = store::NewDocument {
                document_id: uuid::Uuid::new_v4().to_string(),
                owner_kind,
                owner_id,
                position: *position,
                doc,
                sha256: sha256_hex(&doc.content),
                received_on,
                keep_until: keep_until(received_on),
            };
            store::insert_document(conn, &new).await.map_err(db_err)?;
        }
        Ok(())
    }

    fn notice(&self, n: NoticeFor<'_>) -> Result<Notice, Status> {
        let NoticeFor {
            kind,
            period,
            start,
            key,
            data,
            language,
            channel,
            facts,
        } = n;
        let step = self.step(period, start, None)?;
        let contact = data.contact.clone().unwrap_or_default();
        let exporter = data.exporter.clone().unwrap_or_default();
        let mut map = match facts {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        // Every exporter notice greets the exporter by name; a paper application may lack one.
        let name = exporter.name.unwrap_or_default();
        map.insert("exporter_name".into(), name.primary.into());
        map.insert("exporter_name_en".into(), name.english.into());
        Ok(Notice {
            idempotency_key: key,
            kind: kind.to_owned(),
            rule_id: period.0.to_owned(),
            recipient: exporter.tin,
            recipient_email: contact.email,
            channel: channel.to_owned(),
            primary_language: language.to_owned(),
            facts: map,
            due_on: step.due.due,
        })
    }

    /// Where an exporter's notices go: e-mail (and with it the inbox) for electronic applicants,
    /// a letter for paper ones.
    async fn notice_channel(
        &self,
        conn: &mut sqlx::AnyConnection,
        application_id: &str,
    ) -> Result<&'static str, Status> {
        let app = store::get_application(conn, application_id)
            .await
            .map_err(db_err)?;
        Ok(channel_for(
            app.map(|a| a.channel).as_deref().unwrap_or("PAPER"),
        ))
    }

    async fn load_registration(
        &self,
        conn: &mut sqlx::AnyConnection,
        number: &RegistrationNumber,
    ) -> Result<RegistrationRow, Status> {
        store::get_registration(conn, &number.to_string())
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Status::not_found(format!(
                    "registration_number: {number} is not in the registry"
                ))
            })
    }

    /// The lookup's answer for `record` on `as_of` (REG-5, REG-6, REV-1, REV-5).
    fn lookup(
        record: &PublicRecord,
        as_of: NaiveDate,
    ) -> Result<LookupRegistrationResponse, Status> {
        record.answer(as_of).map_err(internal)
    }
}

impl Registry {
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
        let mut v = Vec::new();
        let country = match ImportingCountry::try_from(req.importing_country) {
            Ok(ImportingCountry::No) => Some(Country::Norway),
            Ok(ImportingCountry::Ch) => Some(Country::Switzerland),
            _ => {
                v.push(FieldViolation::new(
                    "importing_country",
                    "must be NO or CH: the GSP schemes of Order 244-NK (REG-12)",
                ));
                None
            }
        };
        let value = req.value.clone().unwrap_or_default();
        let currency = value.currency_code.trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            v.push(FieldViolation::new(
                "value.currency_code",
                format!(
                    "{:?} must be an ISO 4217 code such as CHF or NOK (REG-12)",
                    value.currency_code
                ),
            ));
        }
        let amount = parse_decimal("value.amount", &value.amount)
            .map_err(|e| v.push(e))
            .ok();
        let statement_date = date_from_proto("statement_date", req.statement_date.as_ref())
            .map_err(|e| v.push(e))
            .ok();
        let (Some(country), Some(amount), Some(statement_date)) = (country, amount, statement_date)
        else {
            return Err(invalid_argument(&v));
        };
        let (threshold, threshold_currency) = country.threshold();
        let converted = if currency == threshold_currency {
            Some(amount)
        } else if req.exchange_rate.trim().is_empty() {
            v.push(FieldViolation::new(
                "exchange_rate",
                format!("is required for a value in {currency}: how many {threshold_currency} one {currency} is worth (REG-12)"),
            ));
            None
        } else {
            match parse_decimal("exchange_rate", &req.exchange_rate) {
                Ok(rate) if rate > Decimal::ZERO => amount.checked_mul(rate).map(|x| x.round_dp(2)),
                Ok(_) => {
                    v.push(FieldViolation::new(
                        "exchange_rate",
                        "must be greater than zero (REG-12)",
                    ));
                    None
                }
                Err(e) => {
                    v.push(e);
                    None
                }
            }
        };
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let converted = converted.unwrap_or(amount);
        let mut findings = Vec::new();
        let mut valid = true;
        let mut add = |reason: StatementReason, message: String, invalidates: bool| {
            valid &= !invalidates;
            findings.push(StatementFinding {
                reason: reason as i32,
                message,
            });
        };
        let parsed = (!req.statement_text.trim().is_empty())
            .then(|| statement::parse_text(&req.statement_text));
        if let Some(p) = parsed.as_ref() {
            if let Some(named) = p.country
                && named != country
            {
                add(
                    StatementReason::CountryMismatch,
                    format!(
                        "the text names the GSP of {named:?}, but the goods are imported into {country:?} (REG-12)"
                    ),
                    true,
                );
            }
            if p.criterion.is_none() {
                add(StatementReason::OriginCriterionMissing, "the text gives no origin criterion: \"P\" (wholly obtained) or \"W\" with the HS code (REG-12, annex 2)".into(), true);
            }
            if !p.kazakhstan_origin {
                add(StatementReason::OriginCountryMissing, "the text does not declare the products of Kazakhstan preferential origin (REG-12, annex 2)".into(), true);
            }
        }
        let given = req.registration_number.trim();
        let from_text = parsed.as_ref().and_then(|p| p.number.clone());
        if let (false, Some(text_number)) = (given.is_empty(), from_text.as_deref())
            && text_number != given
        {
            add(
                StatementReason::NumberMismatch,
                format!("the text names {text_number} but registration_number is {given} (REG-12)"),
                true,
            );
        }
        let number_text = if given.is_empty() {
            from_text.unwrap_or_default()
        } else {
            given.to_owned()
        };
        let needs = statement::needs_number(converted, country);
        let mut registration = None;
        if number_text.is_empty() {
            if needs {
                add(
                    StatementReason::NumberRequired,
                    format!(
                        "the consignment's value {converted} {threshold_currency} exceeds {threshold} {threshold_currency}: the statement must carry the exporter's REX registration number (REG-12)"
                    ),
                    true,
                );
            } else {
                add(
                    StatementReason::BelowThreshold,
                    format!(
                        "the consignment's value {converted} {threshold_currency} does not exceed {threshold} {threshold_currency}: no registration number is needed (REG-12)"
                    ),
                    false,
                );
            }
        } else {
            match number_text.parse::<RegistrationNumber>() {
                Err(e) => add(
                    StatementReason::MalformedNumber,
                    format!("{e} (REG-7)"),
                    true,
                ),
                Ok(number) => {
                    match self.public_record(&number.to_string()).await? {
                        None => add(
                            StatementReason::UnknownNumber,
                            format!(
                                "{number} is not in Kazakhstan's registry of exporters (REG-7)"
                            ),
                            true,
                        ),
                        Some(row) => {
                            let view = Self::lookup(&row, statement_date)?;
                            match LookupStatus::try_from(view.status) {
                                Ok(LookupStatus::NotYetValid) => add(
                                    StatementReason::NotYetValid,
                                    format!(
                                        "{number} is valid from {}; the statement is dated {statement_date} (REG-6)",
                                        row.valid_from
                                    ),
                                    true,
                                ),
                                Ok(LookupStatus::Revoked) => add(
                                    StatementReason::Revoked,
                                    format!(
                                        "{number} was revoked on {}; the statement is dated {statement_date} (REV-1)",
                                        view.revoked_on
                                            .as_ref()
                                            .map(rex_runtime::convert::date_text)
                                            .unwrap_or_default()
                                    ),
                                    true,
                                ),
                                _ => add(
                                    StatementReason::NumberValid,
                                    format!("{number} is valid on {statement_date} (REG-11)"),
                                    false,
                                ),
                            }
                            registration = Some(view);
                        }
                    }
                    if !needs {
                        add(
                            StatementReason::BelowThreshold,
                            format!(
                                "the consignment's value {converted} {threshold_currency} does not exceed {threshold} {threshold_currency}: a number was not required (REG-12)"
                            ),
                            false,
                        );
                    }
                }
            }
        }
        let money = |amount: Decimal| common::Money {
            currency_code: threshold_currency.to_owned(),
            amount: format!("{amount:.2}"),
        };
        Ok(ValidateStatementResponse {
            valid,
            findings,
            threshold: Some(money(threshold)),
            value_in_threshold_currency: Some(money(converted)),
            parsed: parsed.map(|p| ParsedStatement {
                registration_number: p.number.unwrap_or_default(),
                origin_criterion: p.criterion.unwrap_or_default(),
                hs_code: p.hs_code.unwrap_or_default(),
                importing_country: match p.country {
                    Some(Country::Norway) => ImportingCountry::No as i32,
                    Some(Country::Switzerland) => ImportingCountry::Ch as i32,
                    None => 0,
                },
                kazakhstan_origin: p.kazakhstan_origin,
            }),
            registration,
        })
    }
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

/// Validates the parts of a form that make it a request at all (not its content, which the
/// automatic checks turn into findings).
fn check_form_structure(
    form: &ApplicationForm,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, Status> {
    let mut v = Vec::new();
    if !matches!(
        SubmissionChannel::try_from(form.channel),
        Ok(SubmissionChannel::Paper | SubmissionChannel::Electronic)
    ) {
        v.push(FieldViolation::new(
            "form.channel",
            "must be PAPER or ELECTRONIC (REG-2)",
        ));
    }
    if !matches!(
        Language::try_from(form.primary_language),
        Ok(Language::Kk | Language::Ru)
    ) {
        v.push(FieldViolation::new(
            "form.primary_language",
            "must be KK or RU: the form is filled in Kazakh or Russian, and English (REG-4)",
        ));
    }
    if parse_branch(form.regional_branch_code.trim()).is_none() {
        v.push(FieldViolation::new(
            "form.regional_branch_code",
            format!(
                "{:?} must be the 3-digit code of Atameken's regional branch (REG-7)",
                form.regional_branch_code
            ),
        ));
    }
    let received_at = match timestamp_from_proto("form.received_at", form.received_at.as_ref()) {
        Ok(at) if at > now + chrono::Duration::minutes(5) => {
            v.push(FieldViolation::new(
                "form.received_at",
                format!("{at} is in the future (REG-6)"),
            ));
            None
        }
        Ok(at) => Some(at),
        Err(e) => {
            v.push(e);
            None
        }
    };
    for (i, doc) in form.documents.iter().enumerate() {
        check_document(&format!("form.documents[{i}]"), doc, &mut v);
    }
    if let Some(poa) = form
        .representative
        .as_ref()
        .and_then(|r| r.power_of_attorney.as_ref())
    {
        check_document("form.representative.power_of_attorney", poa, &mut v);
    }
    match received_at {
        Some(at) if v.is_empty() => Ok(at),
        _ => Err(invalid_argument(&v)),
    }
}

use rex_runtime::auth::ensure_own as own;

fn change_categories(
    current: &RegistrationData,
    proposed: &RegistrationData,
) -> Vec<ChangeCategory> {
    let mut out = Vec::new();
    let (a, b) = (
        current.exporter.clone().unwrap_or_default(),
        proposed.exporter.clone().unwrap_or_default(),
    );
    if a.name != b.name || a.address != b.address || a.country != b.country {
        out.push(ChangeCategory::NameOrLocation);
    }
    if current.activities != proposed.activities {
        out.push(ChangeCategory::Activity);
    }
    if current.goods != proposed.goods || current.hs_heading_count != proposed.hs_heading_count {
        out.push(ChangeCategory::Goods);
    }
    if current.contact != proposed.contact {
        out.push(ChangeCategory::Contact);
    }
    if current.publication_consent != proposed.publication_consent {
        out.push(ChangeCategory::PublicationConsent);
    }
    out
}

fn parse_decimal(field: &str, text: &str) -> Result<Decimal, FieldViolation> {
    let t = text.trim();
    let ok_chars = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.');
    match t.parse::<Decimal>() {
        Ok(d) if ok_chars => Ok(d),
        _ => Err(FieldViolation::new(
            field,
            format!(
                "{text:?} must be a non-negative decimal number with a dot, e.g. \"10300.00\" (REG-12)"
            ),
        )),
    }
}

#[tonic::async_trait]
impl RegistrationService for Registry {
    async fn submit_application(
        &self,
        request: Request<SubmitApplicationRequest>,
    ) -> Reply<SubmitApplicationResponse> {
        let caller = rex_runtime::auth::caller(&request);
        let req = request.into_inner();
        let form = req
            .form
            .clone()
            .ok_or_else(|| invalid_field("form", "is required: application No. 1 (REG-2)"))?;
        let received_at = check_form_structure(&form, self.now())?;
        let received_on = rex_calendar::time::local_date(received_at);
        let refusal = self.step(periods::REFUSAL, received_on, None)?;
        let registration = self.step(periods::REGISTRATION, received_on, None)?;
        let mut findings = check_application(&form, received_on);
        let tin = form
            .data
            .as_ref()
            .and_then(|d| d.exporter.as_ref())
            .map(|e| e.tin.trim().to_owned())
            .unwrap_or_default();
        own(caller.as_ref(), &tin)?;
        let electronic = form.channel == SubmissionChannel::Electronic as i32;
        {
            let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
            if Tin::parse(&tin).is_ok()
                && let Some(number) = store::active_registration_for_tin(&mut conn, &tin)
                    .await
                    .map_err(db_err)?
            {
                if electronic {
                    return Err(Status::already_exists(format!(
                        "form.data.exporter.tin: exporter {tin} is already registered under {number}; an exporter is registered once (REG-10)"
                    )));
                }
                findings.push(Finding {
                    r#box: "1".into(),
                    field: "form.data.exporter.tin".into(),
                    rule_id: "REG-10".into(),
                    message: format!("exporter {tin} is already registered under {number}: an exporter is registered once"),
                });
            }
        }
        if electronic && !findings.is_empty() {
            return Err(invalid_argument(&findings_as_violations(&findings)));
        }
        let response = self
            .idempotent(
                "SubmitApplication",
                &req.idempotency_key,
                &req,
                async |tx: &mut sqlx::AnyConnection| {
                    let application_id = uuid::Uuid::new_v4().to_string();
                    let mut stripped = form.clone();
                    stripped.documents.clear();
                    if let Some(rep) = stripped.representative.as_mut() {
                        rep.power_of_attorney = None;
                    }
                    let new = store::NewApplication {
                        application_id: &application_id,
                        exporter_tin: &tin,
                        branch_code: form.regional_branch_code.trim(),
                        channel: if electronic { "ELECTRONIC" } else { "PAPER" },
                        primary_language: language_name(form.primary_language),
                        received_at,
                        received_on,
                        form_without_documents: &stripped,
                        findings: &findings,
                        refusal_due: refusal.due.due,
                        registration_due: registration.due.due,
                    };
                    store::insert_application(tx, &new)
                        .await
                        .map_err(internal)?;
                    let mut docs: Vec<(i64, &Document)> = form
                        .documents
                        .iter()
                        .enumerate()
                        .map(|(i, d)| (i as i64, d))
                        .collect();
                    if let Some(poa) = form
                        .representative
                        .as_ref()
                        .and_then(|r| r.power_of_attorney.as_ref())
                    {
                        docs.push((-1, poa));
                    }
                    self.store_documents(tx, "application", &application_id, &docs, received_on)
                        .await?;
                    let row = store::get_application(tx, &application_id)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| internal(anyhow::anyhow!("application vanished")))?;
                    let application = self.application_proto(tx, &row, false).await?;
                    tracing::info!(
                        application_id,
                        tin,
                        findings = findings.len(),
                        "application No. 1 received"
                    );
                    Ok(SubmitApplicationResponse {
                        application: Some(application),
                        refusal_due: Some(rex_runtime::convert::due_to_proto(
                            "REG-9",
                            &refusal.due,
                        )),
                        registration_due: Some(rex_runtime::convert::due_to_proto(
                            "REG-6",
                            &registration.due,
                        )),
                    })
                },
            )
            .await?;
        Ok(Response::new(response))
    }

    async fn get_application(
        &self,
        request: Request<GetApplicationRequest>,
    ) -> Reply<GetApplicationResponse> {
        let caller = rex_runtime::auth::caller(&request);
        let id = request.into_inner().application_id;
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let row = store::get_application(&mut conn, id.trim())
            .await
            .map_err(db_err)?
            .ok_or_else(|| Status::not_found(format!("application_id: no application {id:?}")))?;
        own(caller.as_ref(), &row.exporter_tin)?;
        let application = self.application_proto(&mut conn, &row, false).await?;
        Ok(Response::new(GetApplicationResponse {
            application: Some(application),
        }))
    }

    async fn list_applications(
        &self,
        request: Request<ListApplicationsRequest>,
    ) -> Reply<ListApplicationsResponse> {
        let caller = rex_runtime::auth::caller(&request);
        let mut req = request.into_inner();
        // An exporter lists only its own applications.
        if let Some(c) = caller.as_ref().filter(|c| c.role == Role::Exporter) {
            let tin = c.tin.clone().unwrap_or_default();
            if !req.exporter_tin.trim().is_empty() {
                own(caller.as_ref(), req.exporter_tin.trim())?;
            }
            req.exporter_tin = tin;
        }
        let status = match ApplicationStatus::try_from(req.status) {
            Ok(ApplicationStatus::Unspecified) => None,
            Ok(s) => Some(s.as_str_name().trim_start_matches("APPLICATION_STATUS_")),
            Err(_) => return Err(invalid_field("status", "is not an ApplicationStatus")),
        };
        let limit = match req.page_size {
            0 => 50,
            n => n.min(500),
        };
        let after = if req.page_token.is_empty() {
            None
        } else {
            let text = hex::decode(&req.page_token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            let parsed = text
                .as_deref()
                .and_then(|t| t.split_once('|'))
                .map(|(a, b)| (a.to_owned(), b.to_owned()));
            Some(parsed.ok_or_else(|| {
                invalid_field("page_token", "is not a token from a previous response")
            })?)
        };
        let filter = store::ApplicationFilter {
            status,
            exporter_tin: Some(req.exporter_tin.trim()).filter(|t| !t.is_empty()),
            overdue_before: req.overdue_only.then(|| self.today()),
            after,
            limit: i64::from(limit) + 1,
        };
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let mut rows = store::list_applications(&mut conn, &filter)
            .await
            .map_err(db_err)?;
        let next_page_token = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last()
                .map(|r| {
                    hex::encode(format!(
                        "{}|{}",
                        rex_runtime::convert::instant_to_db(r.received_at),
                        r.application_id
                    ))
                })
                .unwrap_or_default()
        } else {
            String::new()
        };
        let mut applications = Vec::with_capacity(rows.len());
        for row in &rows {
            applications.push(self.application_proto(&mut conn, row, false).await?);
        }
        Ok(Response::new(ListApplicationsResponse {
            applications,
            next_page_token,
        }))
    }

    async fn register_exporter(
        &self,
        request: Request<RegisterExporterRequest>,
    ) -> Reply<RegisterExporterResponse> {
        let req = request.into_inner();
        let v: Vec<FieldViolation> = [
            required("application_id", &req.application_id, "REG-6"),
            required(
                "authorized_person_id",
                &req.authorized_person_id,
                "REG-6: the authorized person who registers",
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let response = self
            .idempotent("RegisterExporter", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let app = store::get_application(tx, req.application_id.trim())
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| Status::not_found(format!("application_id: no application {:?}", req.application_id)))?;
                if app.status != "RECEIVED" {
                    return Err(Status::failed_precondition(format!(
                        "application {} is {}, not RECEIVED: only a received application can be registered (REG-6)",
                        app.application_id, app.status
                    )));
                }
                if let Some(first) = app.findings.first() {
                    return Err(Status::failed_precondition(format!(
                        "application {} has {} finding(s) of the automatic checks (first: {}: {} ({})); refuse it under REG-9",
                        app.application_id,
                        app.findings.len(),
                        first.field,
                        first.message,
                        first.rule_id
                    )));
                }
                let person = store::get_person(tx, req.authorized_person_id.trim()).await.map_err(db_err)?;
                if !person.as_ref().is_some_and(|p| p.active) {
                    return Err(Status::failed_precondition(format!(
                        "authorized_person_id: {:?} is not an active authorized person; only an authorized person registers exporters in REX (REG-6, REG-13)",
                        req.authorized_person_id
                    )));
                }
                if let Some(number) = store::active_registration_for_tin(tx, &app.exporter_tin).await.map_err(db_err)? {
                    return Err(Status::failed_precondition(format!(
                        "exporter {} is already registered under {number}; an exporter is registered once (REG-10)",
                        app.exporter_tin
                    )));
                }
                let sequence = store::next_sequence(tx, MAX_SEQUENCE).await.map_err(db_err)?.ok_or_else(|| {
                    Status::resource_exhausted(format!(
                        "the registration number sequence is used up: NNNN reached {MAX_SEQUENCE} and numbers are never reused (REG-7, REV-3)"
                    ))
                })?;
                let number = RegistrationNumber::new(&app.branch_code, app.received_on, sequence)
                    .ok_or_else(|| internal(anyhow::anyhow!("bad branch code stored for {}", app.application_id)))?;
                let now = self.now();
                let today = self.today();
                let data = app.form.data.clone().unwrap_or_default();
                let row = RegistrationRow {
                    registration_number: number.to_string(),
                    application_id: app.application_id.clone(),
                    exporter_tin: app.exporter_tin.clone(),
                    branch_code: app.branch_code.clone(),
                    primary_language: app.primary_language.clone(),
                    valid_from: app.received_on,
                    assigned_on: today,
                    assigned_at: now,
                    authorized_person_id: req.authorized_person_id.trim().to_owned(),
                    status: "ACTIVE".into(),
                    data: data.clone(),
                };
                if let Err(err) = store::insert_registration(tx, &row, sequence).await {
                    return Err(if is_unique_violation(&err) {
                        Status::failed_precondition(format!("exporter {} is already registered (REG-10)", app.exporter_tin))
                    } else {
                        db_err(err)
                    });
                }
                let decided = store::decide_application(tx, &app.application_id, &store::Decision { status: "REGISTERED", decided_by: &row.authorized_person_id, decided_at: now, decided_on: today, refusal_reasons: &[], refusal_explanation: "", registration_number: Some(&row.registration_number) })
                    .await
                    .map_err(db_err)?;
                if !decided {
                    return Err(Status::aborted("the application was decided concurrently; retry"));
                }
                let channel = channel_for(&app.channel);
                let notice = self.notice(NoticeFor {
 kind: "REGISTRATION_CONFIRMED", period: periods::REGISTRATION_NOTICE, start: today, key: format!("registration-confirmed:{}", row.registration_number), data: &data, language: &app.primary_language, channel, facts: serde_json::json!({
                        "registration_number": row.registration_number,
                        "application_registration_date": row.valid_from.to_string(),
                        "valid_from": row.valid_from.to_string(),
                        "assigned_on": today.to_string(),
                    }) })?;
                store::insert_notice(tx, &notice, now).await.map_err(internal)?;
                tracing::info!(number = %row.registration_number, application_id = %app.application_id, "exporter registered");
                let registration = self.registration_proto(tx, &row).await?;
                store::record_public_change(tx, &row.registration_number, now).await.map_err(db_err)?;
                Ok(RegisterExporterResponse { registration: Some(registration) })
            })
            .await;
        self.public_record_changed(&response, |r: &RegisterExporterResponse| {
            r.registration.as_ref()
        });
        Ok(Response::new(response?))
    }

    async fn refuse_application(
        &self,
        request: Request<RefuseApplicationRequest>,
    ) -> Reply<RefuseApplicationResponse> {
        let req = request.into_inner();
        let mut v: Vec<FieldViolation> = [
            required("application_id", &req.application_id, "REG-9"),
            required(
                "explanation",
                &req.explanation,
                "REG-9: the refusal notice gives its reasons",
            ),
            required("officer_id", &req.officer_id, "REG-9"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if req.reasons.is_empty() {
            v.push(FieldViolation::new(
                "reasons",
                "at least one RefusalReason is required (REG-9)",
            ));
        }
        let mut reasons = Vec::new();
        for (i, r) in req.reasons.iter().enumerate() {
            match RefusalReason::try_from(*r) {
                Ok(RefusalReason::Unspecified) | Err(_) => v.push(FieldViolation::new(
                    format!("reasons[{i}]"),
                    "must be a RefusalReason of REG-9 (1)-(3)",
                )),
                Ok(reason) => reasons.push(reason.as_str_name().to_owned()),
            }
        }
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let response = self
            .idempotent("RefuseApplication", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let app = store::get_application(tx, req.application_id.trim())
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| Status::not_found(format!("application_id: no application {:?}", req.application_id)))?;
                let now = self.now();
                let today = self.today();
                let decided = store::decide_application(tx, &app.application_id, &store::Decision { status: "REFUSED", decided_by: req.officer_id.trim(), decided_at: now, decided_on: today, refusal_reasons: &reasons, refusal_explanation: req.explanation.trim(), registration_number: None })
                    .await
                    .map_err(db_err)?;
                if !decided {
                    return Err(Status::failed_precondition(format!(
                        "application {} is {}, not RECEIVED: only a received application can be refused (REG-9)",
                        app.application_id, app.status
                    )));
                }
                let data = app.form.data.clone().unwrap_or_default();
                let channel = channel_for(&app.channel);
                let notice = self.notice(NoticeFor {
 kind: "APPLICATION_REFUSED", period: periods::REFUSAL, start: app.received_on, key: format!("application-refused:{}", app.application_id), data: &data, language: &app.primary_language, channel, facts: serde_json::json!({
                        "application_id": app.application_id,
                        "application_registration_date": app.received_on.to_string(),
                        "refusal_reasons": reasons.join(","),
                        "explanation": req.explanation.trim(),
                    }) })?;
                store::insert_notice(tx, &notice, now).await.map_err(internal)?;
                let row = store::get_application(tx, &app.application_id).await.map_err(db_err)?.ok_or_else(|| internal(anyhow::anyhow!("application vanished")))?;
                tracing::info!(application_id = %app.application_id, "application refused");
                Ok(RefuseApplicationResponse { application: Some(self.application_proto(tx, &row, false).await?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn get_registration(
        &self,
        request: Request<GetRegistrationRequest>,
    ) -> Reply<GetRegistrationResponse> {
        let caller = rex_runtime::auth::caller(&request);
        let number = parse_number(
            "registration_number",
            &request.into_inner().registration_number,
        )?;
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let row = self.load_registration(&mut conn, &number).await?;
        own(caller.as_ref(), &row.exporter_tin)?;
        Ok(Response::new(GetRegistrationResponse {
            registration: Some(self.registration_proto(&mut conn, &row).await?),
        }))
    }

    async fn lookup_registration(
        &self,
        request: Request<LookupRegistrationRequest>,
    ) -> Reply<LookupRegistrationResponse> {
        Ok(Response::new(self.lookup_one(request.into_inner()).await?))
    }

    async fn submit_change(
        &self,
        request: Request<SubmitChangeRequest>,
    ) -> Reply<SubmitChangeResponse> {
        let caller = rex_runtime::auth::caller(&request);
        let req = request.into_inner();
        let number = parse_number("registration_number", &req.registration_number)?;
        let mut v = Vec::new();
        let proposed = req.proposed.clone();
        if proposed.is_none() {
            v.push(FieldViolation::new(
                "proposed",
                "is required: the registration data after the change (CHG-1)",
            ));
        }
        if let Some(x) = required(
            "reason",
            &req.reason,
            "CHG-1: the changes and their reasons",
        ) {
            v.push(x);
        }
        let changed_on = date_from_proto("changed_on", req.changed_on.as_ref())
            .map_err(|e| v.push(e))
            .ok();
        let received_at = match timestamp_from_proto("received_at", req.received_at.as_ref()) {
            Ok(at) if at > self.now() + chrono::Duration::minutes(5) => {
                v.push(FieldViolation::new(
                    "received_at",
                    format!("{at} is in the future (CHG-2)"),
                ));
                None
            }
            Ok(at) => Some(at),
            Err(e) => {
                v.push(e);
                None
            }
        };
        for (i, doc) in req.documents.iter().enumerate() {
            check_document(&format!("documents[{i}]"), doc, &mut v);
        }
        let (Some(proposed), Some(changed_on), Some(received_at)) =
            (proposed, changed_on, received_at)
        else {
            return Err(invalid_argument(&v));
        };
        let received_on = rex_calendar::time::local_date(received_at);
        if changed_on > received_on {
            v.push(FieldViolation::new(
                "changed_on",
                format!("{changed_on} is after the notice was received on {received_on} (CHG-1)"),
            ));
        }
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let (_, count, unit, _) = periods::CHANGE_NOTICE;
        let notice_due = self
            .calendar
            .due(changed_on, count, unit)
            .map_err(|e| invalid_field("changed_on", format!("{e} (CHG-1)")))?;
        self.step(periods::CHANGE_DECISION, received_on, None)?;
        let response = self
            .idempotent("SubmitChange", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let reg = self.load_registration(tx, &number).await?;
                own(caller.as_ref(), &reg.exporter_tin)?;
                if reg.status != "ACTIVE" {
                    return Err(Status::failed_precondition(format!("registration {number} is {}: changes are made to an active registration (CHG-1)", reg.status)));
                }
                let categories = change_categories(&reg.data, &proposed);
                if categories.is_empty() {
                    return Err(invalid_field("proposed", "changes nothing in the registration data (CHG-1)"));
                }
                let mut findings = check_data(Some(&proposed), "proposed");
                let new_tin = proposed.exporter.as_ref().map(|e| e.tin.trim()).unwrap_or("");
                if new_tin != reg.exporter_tin {
                    findings.push(Finding {
                        r#box: "1".into(),
                        field: "proposed.exporter.tin".into(),
                        rule_id: "CHG-3".into(),
                        message: format!("the TIN cannot change ({} to {new_tin:?}): another TIN is another exporter, which applies anew (REG-2)", reg.exporter_tin),
                    });
                }
                let needs_documents = categories.iter().any(|c| matches!(c, ChangeCategory::NameOrLocation | ChangeCategory::Activity | ChangeCategory::Goods));
                if needs_documents && req.documents.is_empty() {
                    let names: Vec<&str> = categories.iter().map(|c| c.as_str_name().trim_start_matches("CHANGE_CATEGORY_")).collect();
                    findings.push(Finding {
                        r#box: String::new(),
                        field: "documents".into(),
                        rule_id: "CHG-1".into(),
                        message: format!("a change of {} needs supporting documents", names.join(", ")),
                    });
                }
                let late = received_on > notice_due.due;
                let change = ChangeRow {
                    change_id: uuid::Uuid::new_v4().to_string(),
                    registration_number: reg.registration_number.clone(),
                    proposed: proposed.clone(),
                    categories: categories.iter().map(|c| c.as_str_name().to_owned()).collect(),
                    reason: req.reason.trim().to_owned(),
                    changed_on,
                    received_at,
                    received_on,
                    late,
                    findings,
                    status: "RECEIVED".into(),
                    refusal_reasons: String::new(),
                    decided_by: String::new(),
                    decided_at: None,
                    decided_on: None,
                };
                store::insert_change(tx, &change).await.map_err(internal)?;
                let docs: Vec<(i64, &Document)> = req.documents.iter().enumerate().map(|(i, d)| (i as i64, d)).collect();
                self.store_documents(tx, "change", &change.change_id, &docs, received_on).await?;
                let documents = store::documents_of(tx, "change", &change.change_id, false).await.map_err(db_err)?.into_iter().map(|(_, d)| d).collect();
                if late {
                    tracing::warn!(change_id = %change.change_id, number = %number, due = %notice_due.due, "change notified late (CHG-1)");
                }
                Ok(SubmitChangeResponse { change: Some(self.change_proto(&change, documents)?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn decide_change(
        &self,
        request: Request<DecideChangeRequest>,
    ) -> Reply<DecideChangeResponse> {
        let req = request.into_inner();
        let mut v: Vec<FieldViolation> = [
            required("change_id", &req.change_id, "CHG-2"),
            required("officer_id", &req.officer_id, "CHG-2"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !req.accept && req.refusal_reasons.trim().is_empty() {
            v.push(FieldViolation::new(
                "refusal_reasons",
                "is required when refusing a change: the notice gives the reasons (CHG-2, CHG-3)",
            ));
        }
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let response = self
            .idempotent("DecideChange", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let change = store::get_change(tx, req.change_id.trim())
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| Status::not_found(format!("change_id: no change {:?}", req.change_id)))?;
                if change.status != "RECEIVED" {
                    return Err(Status::failed_precondition(format!("change {} is already {} (CHG-2)", change.change_id, change.status)));
                }
                if req.accept && !change.findings.is_empty() {
                    return Err(Status::failed_precondition(format!(
                        "change {} has {} finding(s) (first: {} ({})): a change with incorrect or incomplete information is refused (CHG-3)",
                        change.change_id,
                        change.findings.len(),
                        change.findings[0].message,
                        change.findings[0].rule_id
                    )));
                }
                let number: RegistrationNumber = parse_number("registration_number", &change.registration_number)?;
                let reg = self.load_registration(tx, &number).await?;
                let now = self.now();
                let today = self.today();
                let (status, kind) = if req.accept { ("ACCEPTED", "CHANGE_ACCEPTED") } else { ("REFUSED", "CHANGE_REFUSED") };
                if req.accept {
                    if reg.status != "ACTIVE" {
                        return Err(Status::failed_precondition(format!("registration {number} is {}: the change cannot be entered (CHG-2)", reg.status)));
                    }
                    store::set_registration_data(tx, &reg.registration_number, &change.proposed).await.map_err(db_err)?;
                }
                let decided = store::decide_change(tx, &change.change_id, status, req.refusal_reasons.trim(), req.officer_id.trim(), now, today).await.map_err(db_err)?;
                if !decided {
                    return Err(Status::aborted("the change was decided concurrently; retry"));
                }
                let channel = self.notice_channel(tx, &reg.application_id).await?;
                let data = if req.accept { change.proposed.clone() } else { reg.data.clone() };
                let notice = self.notice(NoticeFor {
 kind, period: periods::CHANGE_DECISION, start: change.received_on, key: format!("change-decided:{}", change.change_id), data: &data, language: &reg.primary_language, channel, facts: serde_json::json!({
                        "registration_number": reg.registration_number,
                        "change_id": change.change_id,
                        "changes": change.categories.join(","),
                        "refusal_reasons": req.refusal_reasons.trim(),
                        "decided_on": today.to_string(),
                    }) })?;
                store::insert_notice(tx, &notice, now).await.map_err(internal)?;
                let change = store::get_change(tx, &change.change_id).await.map_err(db_err)?.ok_or_else(|| internal(anyhow::anyhow!("change vanished")))?;
                let documents = store::documents_of(tx, "change", &change.change_id, false).await.map_err(db_err)?.into_iter().map(|(_, d)| d).collect();
                let reg = self.load_registration(tx, &number).await?;
                if req.accept {
                    store::record_public_change(tx, &reg.registration_number, now).await.map_err(db_err)?;
                }
                Ok(DecideChangeResponse { change: Some(self.change_proto(&change, documents)?), registration: Some(self.registration_proto(tx, &reg).await?) })
            })
            .await;
        self.public_record_changed(&response, |r: &DecideChangeResponse| {
            r.registration.as_ref()
        });
        Ok(Response::new(response?))
    }

    async fn revoke_registration(
        &self,
        request: Request<RevokeRegistrationRequest>,
    ) -> Reply<RevokeRegistrationResponse> {
        let req = request.into_inner();
        let number = parse_number("registration_number", &req.registration_number)?;
        let mut v = Vec::new();
        let ground = match RevocationGround::try_from(req.ground) {
            Ok(RevocationGround::Unspecified) | Err(_) => {
                v.push(FieldViolation::new(
                    "ground",
                    "must be a RevocationGround of REV-1 (1)-(4)",
                ));
                None
            }
            Ok(g) => Some(g),
        };
        let requester = Requester::parse(req.requested_by.trim());
        if requester.is_none() {
            v.push(FieldViolation::new(
                "requested_by",
                "must be EXPORTER or MINISTRY (REV-1)",
            ));
        }
        match (ground, requester) {
            (Some(RevocationGround::ExporterRequest), Some(Requester::Ministry)) => {
                v.push(FieldViolation::new("requested_by", "EXPORTER_REQUEST is the exporter's own application: requested_by must be EXPORTER (REV-1 (1))"))
            }
            (Some(g), Some(Requester::Exporter)) if g != RevocationGround::ExporterRequest => v.push(FieldViolation::new(
                "requested_by",
                format!("{} is revoked on the authorized body's request: requested_by must be MINISTRY (REV-1 (2)-(4))", g.as_str_name()),
            )),
            (_, Some(Requester::Ministry)) if req.case_reference.trim().is_empty() => {
                v.push(FieldViolation::new("case_reference", "is required when the Ministry asks: its verification case reference (REV-1, VER-8)"))
            }
            _ => {}
        }
        let revoked_on = date_from_proto("revoked_on", req.revoked_on.as_ref())
            .map_err(|e| v.push(e))
            .ok();
        if let Some(x) = required("officer_id", &req.officer_id, "REV-1") {
            v.push(x);
        }
        for (i, doc) in req.documents.iter().enumerate() {
            check_document(&format!("documents[{i}]"), doc, &mut v);
        }
        let (Some(ground), Some(requester), Some(revoked_on)) = (ground, requester, revoked_on)
        else {
            return Err(invalid_argument(&v));
        };
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        self.step(periods::REVOCATION_NOTICE, revoked_on, None)
            .map_err(|s| invalid_field("revoked_on", s.message().to_owned()))?;
        let response = self
            .idempotent("RevokeRegistration", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let reg = self.load_registration(tx, &number).await?;
                if revoked_on < reg.valid_from {
                    return Err(invalid_field("revoked_on", format!("{revoked_on} is before the registration is valid from {} (REV-1)", reg.valid_from)));
                }
                if !store::set_registration_status(tx, &reg.registration_number, "ACTIVE", "REVOKED").await.map_err(db_err)? {
                    return Err(Status::failed_precondition(format!("registration {number} is already revoked (REV-1)")));
                }
                let now = self.now();
                let revocation = RevocationRow {
                    revocation_id: uuid::Uuid::new_v4().to_string(),
                    registration_number: reg.registration_number.clone(),
                    ground: ground.as_str_name().to_owned(),
                    revoked_on,
                    requested_by: requester.as_str().to_owned(),
                    case_reference: req.case_reference.trim().to_owned(),
                    explanation: req.explanation.trim().to_owned(),
                    officer_id: req.officer_id.trim().to_owned(),
                    recorded_at: now,
                    court_reference: None,
                    court_decision_on: None,
                    annulled_at: None,
                };
                store::insert_revocation(tx, &revocation).await.map_err(db_err)?;
                let docs: Vec<(i64, &Document)> = req.documents.iter().enumerate().map(|(i, d)| (i as i64, d)).collect();
                self.store_documents(tx, "revocation", &revocation.revocation_id, &docs, self.today()).await?;
                let channel = self.notice_channel(tx, &reg.application_id).await?;
                let notice = self.notice(NoticeFor {
 kind: "REGISTRATION_REVOKED", period: periods::REVOCATION_NOTICE, start: revoked_on, key: format!("registration-revoked:{}", revocation.revocation_id), data: &reg.data, language: &reg.primary_language, channel, facts: serde_json::json!({
                        "registration_number": reg.registration_number,
                        "revoked_on": revoked_on.to_string(),
                        "ground": ground.as_str_name(),
                        "requested_by": requester.as_str(),
                        "case_reference": req.case_reference.trim(),
                        "explanation": req.explanation.trim(),
                    }) })?;
                store::insert_notice(tx, &notice, now).await.map_err(internal)?;
                tracing::info!(number = %number, ground = ground.as_str_name(), "registration revoked");
                let reg = self.load_registration(tx, &number).await?;
                let answer = RevokeRegistrationResponse { registration: Some(self.registration_proto(tx, &reg).await?) };
                store::record_public_change(tx, &reg.registration_number, now).await.map_err(db_err)?;
                Ok(answer)
            })
            .await;
        self.public_record_changed(&response, |r: &RevokeRegistrationResponse| {
            r.registration.as_ref()
        });
        Ok(Response::new(response?))
    }

    async fn reinstate_registration(
        &self,
        request: Request<ReinstateRegistrationRequest>,
    ) -> Reply<ReinstateRegistrationResponse> {
        let req = request.into_inner();
        let number = parse_number("registration_number", &req.registration_number)?;
        let mut v: Vec<FieldViolation> = [
            required(
                "court_reference",
                &req.court_reference,
                "REV-5: the court decision's reference",
            ),
            required("officer_id", &req.officer_id, "REV-5"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let decided_on = date_from_proto("court_decision_on", req.court_decision_on.as_ref())
            .map_err(|e| v.push(e))
            .ok();
        if let Some(doc) = req.court_decision.as_ref() {
            check_document("court_decision", doc, &mut v);
        }
        let Some(decided_on) = decided_on.filter(|_| v.is_empty()) else {
            return Err(invalid_argument(&v));
        };
        let response = self
            .idempotent("ReinstateRegistration", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let reg = self.load_registration(tx, &number).await?;
                if reg.status != "REVOKED" {
                    return Err(Status::failed_precondition(format!("registration {number} is {}: only a revoked registration is reinstated (REV-5)", reg.status)));
                }
                let revocations = store::revocations_of(tx, &reg.registration_number).await.map_err(db_err)?;
                let Some(last) = revocations.iter().rev().find(|r| r.annulled_at.is_none()) else {
                    return Err(Status::failed_precondition(format!("registration {number} has no revocation in force (REV-5)")));
                };
                if decided_on < last.revoked_on {
                    return Err(invalid_field("court_decision_on", format!("{decided_on} is before the revocation of {} (REV-5)", last.revoked_on)));
                }
                let now = self.now();
                store::annul_revocation(tx, &last.revocation_id, req.court_reference.trim(), decided_on, now).await.map_err(db_err)?;
                if let Err(err) = store::set_registration_status(tx, &reg.registration_number, "REVOKED", "ACTIVE").await {
                    return Err(if is_unique_violation(&err) {
                        Status::failed_precondition(format!(
                            "exporter {} holds another active registration since the revocation; revoke it first at the exporter's request: an exporter is registered once (REG-10, REV-4, REV-5)",
                            reg.exporter_tin
                        ))
                    } else {
                        db_err(err)
                    });
                }
                if let Some(doc) = req.court_decision.as_ref() {
                    self.store_documents(tx, "revocation", &last.revocation_id, &[(1_000, doc)], self.today()).await?;
                }
                let channel = self.notice_channel(tx, &reg.application_id).await?;
                // No period is set by law for this notice; REV-2's 3 working days are applied
                // to it by analogy.
                let notice = self.notice(NoticeFor {
 kind: "REGISTRATION_REINSTATED", period: periods::REVOCATION_NOTICE, start: self.today(), key: format!("registration-reinstated:{}", last.revocation_id), data: &reg.data, language: &reg.primary_language, channel, facts: serde_json::json!({
                        "registration_number": reg.registration_number,
                        "court_reference": req.court_reference.trim(),
                        "court_decision_on": decided_on.to_string(),
                        "revoked_on": last.revoked_on.to_string(),
                    }) })?;
                store::insert_notice(tx, &notice, now).await.map_err(internal)?;
                tracing::info!(number = %number, court = req.court_reference.trim(), "registration reinstated by court decision");
                let reg = self.load_registration(tx, &number).await?;
                let answer = ReinstateRegistrationResponse { registration: Some(self.registration_proto(tx, &reg).await?) };
                store::record_public_change(tx, &reg.registration_number, now).await.map_err(db_err)?;
                Ok(answer)
            })
            .await;
        self.public_record_changed(&response, |r: &ReinstateRegistrationResponse| {
            r.registration.as_ref()
        });
        Ok(Response::new(response?))
    }

    async fn get_dossier(&self, request: Request<GetDossierRequest>) -> Reply<GetDossierResponse> {
        let req = request.into_inner();
        let number = parse_number("registration_number", &req.registration_number)?;
        let mut tx = self.db.begin_write().await.map_err(db_err)?;
        let reg = self.load_registration(&mut tx, &number).await?;
        let app = store::get_application(&mut tx, &reg.application_id)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                internal(anyhow::anyhow!(
                    "registration {number} without its application"
                ))
            })?;
        let mut application = self.application_proto(&mut tx, &app, true).await?;
        let mut documents = Vec::new();
        let mut power_of_attorney = None;
        if let Some(form) = application.form.as_mut() {
            documents.append(&mut form.documents.clone());
            power_of_attorney = form
                .representative
                .as_ref()
                .and_then(|r| r.power_of_attorney.clone());
        }
        for change_id in store::accepted_change_ids(&mut tx, &reg.registration_number)
            .await
            .map_err(db_err)?
        {
            let docs = store::documents_of(&mut tx, "change", &change_id, true)
                .await
                .map_err(db_err)?;
            documents.extend(docs.into_iter().map(|(_, d)| d));
        }
        store::record_dossier_request(
            &mut tx,
            &reg.registration_number,
            req.case_reference.trim(),
            self.now(),
        )
        .await
        .map_err(db_err)?;
        let registration = self.registration_proto(&mut tx, &reg).await?;
        tx.commit().await.map_err(db_err)?;
        tracing::info!(number = %number, case = req.case_reference.trim(), documents = documents.len(), "dossier sent (VER-5)");
        Ok(Response::new(GetDossierResponse {
            registration: Some(registration),
            application: Some(application),
            documents,
            power_of_attorney,
        }))
    }

    async fn validate_statement(
        &self,
        request: Request<ValidateStatementRequest>,
    ) -> Reply<ValidateStatementResponse> {
        Ok(Response::new(
            self.check_statement(request.into_inner()).await?,
        ))
    }

    async fn validate_statements(
        &self,
        request: Request<ValidateStatementsRequest>,
    ) -> Reply<ValidateStatementsResponse> {
        Ok(Response::new(
            self.check_many(request.into_inner().items).await?,
        ))
    }

    async fn save_authorized_person(
        &self,
        request: Request<SaveAuthorizedPersonRequest>,
    ) -> Reply<SaveAuthorizedPersonResponse> {
        let req = request.into_inner();
        let p = req
            .person
            .clone()
            .ok_or_else(|| invalid_field("person", "is required (REG-13)"))?;
        let mut v: Vec<FieldViolation> = [
            required("person.person_id", &p.person_id, "REG-13"),
            required("person.full_name", &p.full_name, "REG-13"),
            required("person.position", &p.position, "REG-13"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parse_branch(p.regional_branch_code.trim()).is_none() {
            v.push(FieldViolation::new(
                "person.regional_branch_code",
                "must be a 3-digit branch code (REG-7, REG-13)",
            ));
        }
        if !crate::domain::checks::phone_shape_ok(p.phone.trim()) {
            v.push(FieldViolation::new(
                "person.phone",
                format!(
                    "{:?} is not a telephone number (REG-13: contact details)",
                    p.phone
                ),
            ));
        }
        if !crate::domain::checks::email_shape_ok(p.email.trim()) {
            v.push(FieldViolation::new(
                "person.email",
                format!(
                    "{:?} is not an e-mail address (REG-13: contact details)",
                    p.email
                ),
            ));
        }
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let response = self
            .idempotent("SaveAuthorizedPerson", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let now = self.now();
                let row = store::PersonRow {
                    person_id: p.person_id.trim().to_owned(),
                    full_name: p.full_name.trim().to_owned(),
                    position: p.position.trim().to_owned(),
                    branch_code: p.regional_branch_code.trim().to_owned(),
                    phone: p.phone.trim().to_owned(),
                    email: p.email.trim().to_owned(),
                    active: p.active,
                    updated_at: now,
                };
                let before = store::get_person(tx, &row.person_id).await.map_err(db_err)?;
                let changed = before.as_ref().is_none_or(|b| PersonRow::differs(b, &row));
                store::upsert_person(tx, &row).await.map_err(db_err)?;
                if changed {
                    // REG-13: the Ministry forwards every change of the list to NO and CH customs.
                    // No period is set by law; the notice is due by the next working day.
                    let due_on = self.calendar.next_working_day(self.today()).map_err(|e| Status::failed_precondition(e.to_string()))?;
                    let notice = Notice {
                        idempotency_key: format!("authorized-persons-changed:{}:{}", row.person_id, uuid::Uuid::new_v4()),
                        kind: "AUTHORIZED_PERSONS_CHANGED".into(),
                        rule_id: "REG-13".into(),
                        recipient: "MINISTRY".into(),
                        recipient_email: String::new(),
                        channel: "INBOX".into(),
                        primary_language: "RU".into(),
                        facts: match serde_json::json!({
                            "person_id": row.person_id, "full_name": row.full_name, "position": row.position,
                            "regional_branch_code": row.branch_code, "phone": row.phone, "email": row.email,
                            "active": row.active.to_string(), "change": if before.is_some() { "updated" } else { "added" },
                        }) {
                            serde_json::Value::Object(m) => m,
                            _ => serde_json::Map::new(),
                        },
                        due_on,
                    };
                    store::insert_notice(tx, &notice, now).await.map_err(internal)?;
                }
                Ok(SaveAuthorizedPersonResponse { person: Some(person_proto(&row)) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn list_authorized_persons(
        &self,
        request: Request<ListAuthorizedPersonsRequest>,
    ) -> Reply<ListAuthorizedPersonsResponse> {
        let include_inactive = request.into_inner().include_inactive;
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let rows = store::persons(&mut conn, include_inactive)
            .await
            .map_err(db_err)?;
        Ok(Response::new(ListAuthorizedPersonsResponse {
            persons: rows.iter().map(person_proto).collect(),
        }))
    }
}

use store::PersonRow;

impl PersonRow {
    /// Whether anything REG-13 reports differs.
    fn differs(a: &PersonRow, b: &PersonRow) -> bool {
        (
            &a.full_name,
            &a.position,
            &a.branch_code,
            &a.phone,
            &a.email,
            a.active,
        ) != (
            &b.full_name,
            &b.position,
            &b.branch_code,
            &b.phone,
            &b.email,
            b.active,
        )
    }
}

fn person_proto(p: &PersonRow) -> AuthorizedPerson {
    AuthorizedPerson {
        person_id: p.person_id.clone(),
        full_name: p.full_name.clone(),
        position: p.position.clone(),
        regional_branch_code: p.branch_code.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        active: p.active,
        updated_at: Some(timestamp_to_proto(p.updated_at)),
    }
}
