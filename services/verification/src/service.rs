//! The gRPC handlers of the Ministry's verification service.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use prost::Message;
use rex_calendar::{Calendar, Clock, OfficeIntake};
use rex_proto::common::{Document, DocumentKind, ImportingCountry};
use rex_proto::registration::GetDossierResponse;
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::verification::verification_service_server::VerificationService;
use rex_proto::verification::*;
use rex_runtime::convert::{
    date_to_proto, step_to_proto, timestamp_from_proto, timestamp_to_proto,
};
use rex_runtime::db::{Db, is_unique_violation};
use rex_runtime::status::{FieldViolation, from_db, internal, invalid_argument, invalid_field};
use sha2::{Digest, Sha256};
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use crate::domain::{self, CaseDates, Conclusion, ConclusionFinding};
use crate::store::{self, CaseRow, iso};
use crate::worker;

/// How the service talks to the registration service and retries.
#[derive(Debug, Clone)]
pub struct Calls {
    /// Deadline of one call to the registration service.
    pub timeout: Duration,
    /// First retry delay; doubles on each failure up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// This service's token for its calls (none: no authentication, development only).
    pub token: Option<String>,
}

impl Default for Calls {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            token: None,
        }
    }
}

/// The verification service.
#[derive(Debug, Clone)]
pub struct Ministry {
    pub(crate) db: Db,
    pub(crate) calendar: Arc<Calendar>,
    /// The clock of law: "today" for every date of a case.
    pub(crate) clock: Arc<dyn Clock>,
    /// The machine's clock, for scheduling retries only.
    pub(crate) ops_clock: Arc<dyn Clock>,
    pub(crate) registry: RegistrationServiceClient<Channel>,
    pub(crate) calls: Calls,
}

type Reply<T> = Result<Response<T>, Status>;

fn db_err(err: sqlx::Error) -> Status {
    from_db(err)
}

fn country_name(code: &str) -> &'static str {
    match code {
        "NO" => "the Kingdom of Norway",
        "CH" => "the Swiss Confederation",
        _ => "",
    }
}

fn parse_outcome(name: &str) -> Option<VerificationOutcome> {
    VerificationOutcome::from_str_name(name).filter(|o| *o != VerificationOutcome::Unspecified)
}

fn conclusion_document(name: &str, media_type: &str, text: &str) -> Document {
    let content = text.as_bytes().to_vec();
    Document {
        kind: DocumentKind::Other as i32,
        file_name: name.to_owned(),
        media_type: media_type.to_owned(),
        sha256: hex::encode(Sha256::digest(&content)),
        size_bytes: content.len() as u64,
        content,
        ..Default::default()
    }
}

impl Ministry {
    pub fn new(
        db: Db,
        calendar: Arc<Calendar>,
        clock: Arc<dyn Clock>,
        ops_clock: Arc<dyn Clock>,
        registry: RegistrationServiceClient<Channel>,
        calls: Calls,
    ) -> Self {
        Self {
            db,
            calendar,
            clock,
            ops_clock,
            registry,
            calls,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    pub(crate) fn dates(c: &CaseRow) -> CaseDates {
        CaseDates {
            received_on: c.received_on.unwrap_or_default(),
            dossier_requested_on: c.dossier_requested_on,
            dossier_received_on: c.dossier_received_on,
            checked_on: c.checked_on,
            concluded_on: c.concluded_on,
            outcome: parse_outcome(&c.outcome),
            revocation_requested_on: c.revocation_requested_on,
        }
    }

    pub(crate) fn case_proto(&self, c: &CaseRow) -> Result<Case, Status> {
        let timeline = domain::timeline(&self.calendar, &Self::dates(c))
            .map_err(|e| Status::failed_precondition(e.to_string()))?;
        let today = self.today();
        let steps = timeline
            .steps
            .iter()
            .map(|s| step_to_proto(&self.calendar, &s.step, s.description, today))
            .collect();
        let dossier = c
            .dossier
            .as_deref()
            .map(GetDossierResponse::decode)
            .transpose()
            .map_err(internal)?;
        let check_findings = c
            .check_findings
            .as_deref()
            .map(RecordCheckRequest::decode)
            .transpose()
            .map_err(internal)?
            .map(|r| r.findings)
            .unwrap_or_default();
        let mut conclusion_documents = Vec::new();
        if let Some(json) = &c.conclusion_json {
            conclusion_documents.push(conclusion_document(
                &format!("conclusion-{}.json", c.case_id),
                "application/json",
                json,
            ));
        }
        if let Some(html) = &c.conclusion_html {
            conclusion_documents.push(conclusion_document(
                &format!("conclusion-{}.html", c.case_id),
                "text/html",
                html,
            ));
        }
        Ok(Case {
            case_id: c.case_id.clone(),
            requesting_country: ImportingCountry::from_str_name(&format!(
                "IMPORTING_COUNTRY_{}",
                c.requesting_country
            ))
            .unwrap_or_default() as i32,
            foreign_reference: c.foreign_reference.clone(),
            registration_number: c.registration_number.clone(),
            received_at: c.received_at.map(timestamp_to_proto),
            subject: c.subject.clone(),
            status: CaseStatus::from_str_name(&format!("CASE_STATUS_{}", c.status))
                .unwrap_or_default() as i32,
            steps,
            at_risk: timeline.at_risk,
            outcome: parse_outcome(&c.outcome).unwrap_or_default() as i32,
            conclusion_text: c.conclusion_text.clone(),
            responsible_officer_id: c.responsible_officer_id.clone(),
            dossier,
            dossier_finding: c.dossier_finding.clone(),
            check_findings,
            checked_by: c.checked_by.clone(),
            checked_at: c.checked_at.map(timestamp_to_proto),
            conclusion_documents,
            revocation_answer: c.revocation_answer.clone(),
            opened_at: c.opened_at.map(timestamp_to_proto),
            received_on: c.received_on.map(date_to_proto),
        })
    }

    async fn load(&self, conn: &mut sqlx::AnyConnection, case_id: &str) -> Result<CaseRow, Status> {
        store::get_case(conn, case_id.trim())
            .await
            .map_err(db_err)?
            .ok_or_else(|| Status::not_found(format!("case_id: no case {case_id:?}")))
    }

    async fn case_now(&self, case_id: &str) -> Result<Case, Status> {
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let row = self.load(&mut conn, case_id).await?;
        self.case_proto(&row)
    }

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
        rex_runtime::idempotency::run(&self.db, self.clock.now(), rpc, key, request, op).await
    }

    /// Tries a case's queued calls at once; whatever does not get through, the worker retries
    /// with backoff (the jobs are in the database, so they survive restarts).
    async fn try_now(&self, case_id: &str) {
        if let Err(err) = worker::run_due_jobs_of_case(self, case_id).await {
            tracing::warn!(
                case_id,
                error = format!("{err:#}"),
                "call to the registration service failed; the worker retries"
            );
        }
        // If the background worker had taken the job first, wait (bounded) for its attempt to
        // end, so the answer shows its outcome rather than a moment in between.
        let give_up = std::time::Instant::now() + self.calls.timeout + Duration::from_secs(1);
        while std::time::Instant::now() < give_up {
            let in_flight = match self.db.pool.acquire().await {
                Ok(mut conn) => store::job_in_flight(&mut conn, case_id, self.ops_clock.now())
                    .await
                    .unwrap_or(false),
                Err(_) => false,
            };
            if !in_flight {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn correlation(request_id: Option<String>, case_id: &str) -> String {
    request_id.unwrap_or_else(|| format!("case-{case_id}-{}", uuid::Uuid::new_v4().simple()))
}

#[tonic::async_trait]
impl VerificationService for Ministry {
    async fn open_case(&self, request: Request<OpenCaseRequest>) -> Reply<OpenCaseResponse> {
        let req = request.into_inner();
        let mut v = Vec::new();
        let country = match ImportingCountry::try_from(req.requesting_country) {
            Ok(ImportingCountry::No) => "NO",
            Ok(ImportingCountry::Ch) => "CH",
            _ => {
                v.push(FieldViolation::new(
                    "requesting_country",
                    "must be NO or CH: verification is done on official requests of the Kingdom of Norway or the Swiss Confederation (VER-1)",
                ));
                ""
            }
        };
        if req.foreign_reference.trim().is_empty() {
            v.push(FieldViolation::new(
                "foreign_reference",
                "is required: the requesting authority's reference (VER-1)",
            ));
        }
        if let Err(e) = req
            .registration_number
            .trim()
            .parse::<rex_domain::RegistrationNumber>()
        {
            v.push(FieldViolation::new(
                "registration_number",
                format!("{e} (REG-7)"),
            ));
        }
        if req.responsible_officer_id.trim().is_empty() {
            v.push(FieldViolation::new(
                "responsible_officer_id",
                "is required: deadline warnings go to the responsible officer (VER-2)",
            ));
        }
        let received_at = match timestamp_from_proto("received_at", req.received_at.as_ref()) {
            Ok(at) if at > self.clock.now() + chrono::Duration::minutes(5) => {
                v.push(FieldViolation::new(
                    "received_at",
                    format!("{at} is in the future (VER-2)"),
                ));
                None
            }
            Ok(at) => Some(at),
            Err(e) => {
                v.push(e);
                None
            }
        };
        let Some(received_at) = received_at.filter(|_| v.is_empty()) else {
            return Err(invalid_argument(&v));
        };
        // A request received after 17:00 or on a day off is registered on the next working day,
        // and the periods run from that date (calendar.md rule 7).
        let intake = OfficeIntake::default()
            .register(&self.calendar, received_at)
            .map_err(|e| invalid_field("received_at", e.to_string()))?;
        let received_on = intake.registered_on;
        let reference = req.foreign_reference.trim().to_owned();
        let number = req.registration_number.trim().to_owned();
        let response = self
            .idempotent("OpenCase", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                // The same foreign reference is the same case.
                if let Some(existing) = store::case_by_reference(tx, country, &reference).await.map_err(db_err)? {
                    if existing.registration_number != number {
                        return Err(Status::already_exists(format!(
                            "foreign_reference {reference:?} of {country} is already case {} for {}, not {number}",
                            existing.case_id, existing.registration_number
                        )));
                    }
                    return Ok(OpenCaseResponse { case: Some(self.case_proto(&existing)?) });
                }
                let row = CaseRow {
                    case_id: format!("MTI-VER-{}", &uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase()),
                    requesting_country: country.to_owned(),
                    foreign_reference: reference.clone(),
                    registration_number: number.clone(),
                    received_at: Some(received_at),
                    received_on: Some(received_on),
                    subject: req.subject.trim().to_owned(),
                    responsible_officer_id: req.responsible_officer_id.trim().to_owned(),
                    status: "OPEN".into(),
                    opened_at: Some(self.clock.now()),
                    ..Default::default()
                };
                if let Err(err) = store::insert_case(tx, &row).await {
                    return Err(if is_unique_violation(&err) { Status::aborted("the same request was opened concurrently; retry") } else { db_err(err) });
                }
                let case = self.case_proto(&row)?;
                tracing::info!(case_id = %row.case_id, country, reference = %reference, number = %number, at_risk = case.at_risk, "verification case opened (VER-1)");
                Ok(OpenCaseResponse { case: Some(case) })
            })
            .await;
        match response {
            // Two requests with the same reference raced: the loser answers with the winner's case.
            Err(s) if s.code() == tonic::Code::Aborted => {
                let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
                let existing = store::case_by_reference(&mut conn, country, &reference)
                    .await
                    .map_err(db_err)?
                    .ok_or(s)?;
                Ok(Response::new(OpenCaseResponse {
                    case: Some(self.case_proto(&existing)?),
                }))
            }
            other => Ok(Response::new(other?)),
        }
    }

    async fn get_case(&self, request: Request<GetCaseRequest>) -> Reply<GetCaseResponse> {
        let case = self.case_now(&request.into_inner().case_id).await?;
        Ok(Response::new(GetCaseResponse { case: Some(case) }))
    }

    async fn list_cases(&self, request: Request<ListCasesRequest>) -> Reply<ListCasesResponse> {
        let req = request.into_inner();
        let status = match CaseStatus::try_from(req.status) {
            Ok(CaseStatus::Unspecified) => String::new(),
            Ok(s) => s
                .as_str_name()
                .trim_start_matches("CASE_STATUS_")
                .to_owned(),
            Err(_) => return Err(invalid_field("status", "is not a CaseStatus")),
        };
        let offset: usize = if req.page_token.is_empty() {
            0
        } else {
            req.page_token.parse().map_err(|_| {
                invalid_field("page_token", "is not a token from a previous response")
            })?
        };
        let limit = match req.page_size {
            0 => 50,
            n => n.min(500) as usize,
        };
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let rows = store::cases(&mut conn, &status).await.map_err(db_err)?;
        let today = self.today();
        let mut matching = Vec::new();
        for row in &rows {
            let timeline = domain::timeline(&self.calendar, &Self::dates(row))
                .map_err(|e| Status::failed_precondition(e.to_string()))?;
            let open: Vec<_> = timeline
                .steps
                .iter()
                .filter(|s| s.step.completed_on.is_none())
                .collect();
            let overdue = open.iter().any(|s| today > s.step.due.due);
            let due_soon = req.due_within_working_days > 0
                && open.iter().any(|s| {
                    today <= s.step.due.due
                        && self
                            .calendar
                            .working_days_between(today, s.step.due.due)
                            .is_ok_and(|n| n <= i64::from(req.due_within_working_days))
                });
            if (req.overdue_only && !overdue) || (req.due_within_working_days > 0 && !due_soon) {
                continue;
            }
            matching.push(row);
        }
        let page: Vec<Case> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|r| self.case_proto(r))
            .collect::<Result<_, _>>()?;
        let next_page_token = if offset + limit < matching.len() {
            (offset + limit).to_string()
        } else {
            String::new()
        };
        Ok(Response::new(ListCasesResponse {
            cases: page,
            next_page_token,
        }))
    }

    async fn request_dossier(
        &self,
        request: Request<RequestDossierRequest>,
    ) -> Reply<RequestDossierResponse> {
        let incoming = rex_runtime::server::correlation_id(&request);
        let req = request.into_inner();
        rex_runtime::idempotency::check_key(
            &self.db,
            self.clock.now(),
            "RequestDossier",
            &req.idempotency_key,
            &req,
        )
        .await?;
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let case = self.load(&mut conn, &req.case_id).await?;
        drop(conn);
        match case.status.as_str() {
            "OPEN" => {
                let mut tx = self.db.begin_write().await.map_err(db_err)?;
                // VER-4 is done when the request to Atameken is made: now, and kept until sent.
                let moved = store::advance(
                    &mut tx,
                    &case.case_id,
                    "OPEN",
                    "DOSSIER_REQUESTED",
                    &[("dossier_requested_on", Some(iso(self.today())))],
                )
                .await
                .map_err(db_err)?;
                if moved {
                    store::insert_job(
                        &mut tx,
                        &case.case_id,
                        "dossier",
                        &correlation(incoming, &case.case_id),
                        self.ops_clock.now(),
                    )
                    .await
                    .map_err(db_err)?;
                    let entry = rex_runtime::audit::entry(
                        "RequestDossier",
                        &case.case_id,
                        case.case_id.as_bytes(),
                        b"dossier requested",
                    );
                    rex_runtime::audit::append(&mut tx, &entry, self.clock.now())
                        .await
                        .map_err(db_err)?;
                }
                tx.commit().await.map_err(db_err)?;
                tracing::info!(case_id = %case.case_id, "dossier requested from Atameken (VER-4)");
                self.try_now(&case.case_id).await;
            }
            // Asked again while pending: one more attempt now, never a second request.
            "DOSSIER_REQUESTED" => self.try_now(&case.case_id).await,
            _ => {}
        }
        Ok(Response::new(RequestDossierResponse {
            case: Some(self.case_now(&case.case_id).await?),
        }))
    }

    async fn record_check(
        &self,
        request: Request<RecordCheckRequest>,
    ) -> Reply<RecordCheckResponse> {
        let req = request.into_inner();
        let mut v = Vec::new();
        if req.officer_id.trim().is_empty() {
            v.push(FieldViolation::new(
                "officer_id",
                "is required: who checked (VER-6)",
            ));
        }
        if req.findings.is_empty() {
            v.push(FieldViolation::new(
                "findings",
                "at least one finding is required: per document and against REX data (VER-6)",
            ));
        }
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let response = self
            .idempotent(
                "RecordCheck",
                &req.idempotency_key,
                &req,
                async |tx: &mut sqlx::AnyConnection| {
                    let case = self.load(tx, &req.case_id).await?;
                    let documents: Vec<String> = case
                        .dossier
                        .as_deref()
                        .map(GetDossierResponse::decode)
                        .transpose()
                        .map_err(internal)?
                        .map(|d| {
                            d.documents
                                .iter()
                                .chain(d.power_of_attorney.iter())
                                .map(|doc| doc.document_id.clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    let unknown: Vec<FieldViolation> = req
                        .findings
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| {
                            !f.document_id.is_empty() && !documents.contains(&f.document_id)
                        })
                        .map(|(i, f)| {
                            FieldViolation::new(
                                format!("findings[{i}].document_id"),
                                format!(
                                    "{:?} is not a document of the case's dossier (VER-6)",
                                    f.document_id
                                ),
                            )
                        })
                        .collect();
                    if !unknown.is_empty() {
                        return Err(invalid_argument(&unknown));
                    }
                    let stored = RecordCheckRequest {
                        findings: req.findings.clone(),
                        officer_id: req.officer_id.trim().to_owned(),
                        ..Default::default()
                    };
                    if !store::record_check(
                        tx,
                        &case.case_id,
                        &stored.encode_to_vec(),
                        req.officer_id.trim(),
                        self.clock.now(),
                        self.today(),
                    )
                    .await
                    .map_err(db_err)?
                    {
                        return Err(Status::failed_precondition(format!(
                            "case {} is {}: the check follows the dossier (VER-6)",
                            case.case_id, case.status
                        )));
                    }
                    let case = self.load(tx, &case.case_id).await?;
                    Ok(RecordCheckResponse {
                        case: Some(self.case_proto(&case)?),
                    })
                },
            )
            .await?;
        Ok(Response::new(response))
    }

    async fn issue_conclusion(
        &self,
        request: Request<IssueConclusionRequest>,
    ) -> Reply<IssueConclusionResponse> {
        let req = request.into_inner();
        let mut v = Vec::new();
        let outcome = VerificationOutcome::try_from(req.outcome)
            .ok()
            .filter(|o| *o != VerificationOutcome::Unspecified);
        if outcome.is_none() {
            v.push(FieldViolation::new(
                "outcome",
                "must be a VerificationOutcome other than UNSPECIFIED (VER-7)",
            ));
        }
        if req.text.trim().is_empty() {
            v.push(FieldViolation::new(
                "text",
                "is required: the conclusion states the results of the verification (VER-7)",
            ));
        }
        if req.officer_id.trim().is_empty() {
            v.push(FieldViolation::new("officer_id", "is required (VER-7)"));
        }
        let Some(outcome) = outcome.filter(|_| v.is_empty()) else {
            return Err(invalid_argument(&v));
        };
        let response = self
            .idempotent("IssueConclusion", &req.idempotency_key, &req, async |tx: &mut sqlx::AnyConnection| {
                let case = self.load(tx, &req.case_id).await?;
                if case.status != "CHECKED" {
                    return Err(Status::failed_precondition(format!("case {} is {}: the conclusion follows the check (VER-7)", case.case_id, case.status)));
                }
                let today = self.today();
                let findings = case.check_findings.as_deref().map(RecordCheckRequest::decode).transpose().map_err(internal)?.map(|r| r.findings).unwrap_or_default();
                let dossier = case.dossier.as_deref().map(GetDossierResponse::decode).transpose().map_err(internal)?;
                let doc_name = |id: &str| -> String {
                    if id.is_empty() {
                        return "REX registry data".into();
                    }
                    dossier
                        .as_ref()
                        .and_then(|d| d.documents.iter().chain(d.power_of_attorney.iter()).find(|doc| doc.document_id == id))
                        .map_or_else(|| id.to_owned(), |doc| doc.file_name.clone())
                };
                let conclusion = Conclusion {
                    document: "Conclusion on the verification of the validity of an exporter's registration in the REX system",
                    authority: "Ministry of Trade and Integration of the Republic of Kazakhstan",
                    legal_basis: "Rules approved by Order No. 358-NK of 25 May 2021, item 10",
                    case_id: case.case_id.clone(),
                    requesting_country: country_name(&case.requesting_country).to_owned(),
                    foreign_reference: case.foreign_reference.clone(),
                    registration_number: case.registration_number.clone(),
                    request_received_on: case.received_on.unwrap_or(today),
                    concluded_on: today,
                    outcome: outcome.as_str_name().trim_start_matches("VERIFICATION_OUTCOME_").to_owned(),
                    outcome_text: domain::outcome_text(outcome),
                    conclusion: req.text.trim().to_owned(),
                    findings: findings
                        .iter()
                        .map(|f| ConclusionFinding { document: doc_name(&f.document_id), complete: f.complete, reliable: f.reliable, note: f.note.clone() })
                        .collect(),
                    officer_id: req.officer_id.trim().to_owned(),
                };
                let set = [
                    ("concluded_on", Some(iso(today))),
                    ("outcome", Some(outcome.as_str_name().to_owned())),
                    ("conclusion_text", Some(req.text.trim().to_owned())),
                    ("concluded_by", Some(req.officer_id.trim().to_owned())),
                    ("conclusion_json", Some(conclusion.to_json())),
                    ("conclusion_html", Some(conclusion.to_html())),
                ];
                if !store::advance(tx, &case.case_id, "CHECKED", "CONCLUDED", &set).await.map_err(db_err)? {
                    return Err(Status::aborted("the case changed concurrently; retry"));
                }
                let case = self.load(tx, &case.case_id).await?;
                let case = self.case_proto(&case)?;
                tracing::info!(case_id = %case.case_id, outcome = outcome.as_str_name(), "conclusion issued (VER-7)");
                Ok(IssueConclusionResponse { documents: case.conclusion_documents.clone(), case: Some(case) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn request_revocation(
        &self,
        request: Request<RequestRevocationRequest>,
    ) -> Reply<RequestRevocationResponse> {
        let incoming = rex_runtime::server::correlation_id(&request);
        let req = request.into_inner();
        if req.officer_id.trim().is_empty() {
            return Err(invalid_field("officer_id", "is required (VER-8)"));
        }
        rex_runtime::idempotency::check_key(
            &self.db,
            self.clock.now(),
            "RequestRevocation",
            &req.idempotency_key,
            &req,
        )
        .await?;
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let case = self.load(&mut conn, &req.case_id).await?;
        drop(conn);
        match case.status.as_str() {
            "CONCLUDED" => {
                let outcome = parse_outcome(&case.outcome).unwrap_or_default();
                if !domain::is_negative(outcome) {
                    return Err(Status::failed_precondition(format!(
                        "case {} concluded {}: an appeal to revoke follows only a negative conclusion (VER-8)",
                        case.case_id,
                        outcome.as_str_name()
                    )));
                }
                let mut tx = self.db.begin_write().await.map_err(db_err)?;
                let set = [
                    ("revocation_requested_on", Some(iso(self.today()))),
                    (
                        "revocation_officer_id",
                        Some(req.officer_id.trim().to_owned()),
                    ),
                ];
                if store::advance(
                    &mut tx,
                    &case.case_id,
                    "CONCLUDED",
                    "REVOCATION_REQUESTED",
                    &set,
                )
                .await
                .map_err(db_err)?
                {
                    store::insert_job(
                        &mut tx,
                        &case.case_id,
                        "revocation",
                        &correlation(incoming, &case.case_id),
                        self.ops_clock.now(),
                    )
                    .await
                    .map_err(db_err)?;
                    let entry = rex_runtime::audit::entry(
                        "RequestRevocation",
                        &case.case_id,
                        case.case_id.as_bytes(),
                        b"revocation requested",
                    );
                    rex_runtime::audit::append(&mut tx, &entry, self.clock.now())
                        .await
                        .map_err(db_err)?;
                }
                tx.commit().await.map_err(db_err)?;
                tracing::info!(case_id = %case.case_id, "appeal to revoke sent to Atameken (VER-8)");
                self.try_now(&case.case_id).await;
            }
            "REVOCATION_REQUESTED" => self.try_now(&case.case_id).await,
            "CLOSED" => {}
            other => {
                return Err(Status::failed_precondition(format!(
                    "case {} is {other}: the appeal to revoke follows the conclusion (VER-8)",
                    case.case_id
                )));
            }
        }
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let row = self.load(&mut conn, &case.case_id).await?;
        let revoked_on = if row.status == "CLOSED" {
            row.revocation_requested_on.map(date_to_proto)
        } else {
            None
        };
        Ok(Response::new(RequestRevocationResponse {
            case: Some(self.case_proto(&row)?),
            revoked_on,
        }))
    }
}

/// The pending-ness of a case's call, for logs and operators.
pub async fn pending_error(
    db: &Db,
    case_id: &str,
    kind: &str,
) -> anyhow::Result<Option<(i64, String)>> {
    let mut conn = db.pool.acquire().await?;
    Ok(store::pending_job_error(&mut conn, case_id, kind).await?)
}
