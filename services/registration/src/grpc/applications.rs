//! SubmitApplication, GetApplication, ListApplications: application No. 1 received, checked
//! (REG-2..4, REG-10) and listed.

use chrono::{DateTime, NaiveDate, Utc};
use rex_calendar::StatutoryStep;
use rex_proto::common::{Document, Language};
use rex_proto::registration::ApplicationStatus as ApplicationStatus_;
use rex_proto::registration::*;
use rex_registration_domain::{
    self as domain, ApplicationStatus, Finding, SubmissionChannel as Channel, Tin, application,
    checks,
};
use rex_runtime::auth::{Role, ensure_branch, ensure_own as own};
use rex_runtime::convert::{due_to_proto, timestamp_from_proto};
use rex_runtime::status::{FieldViolation, internal, invalid_argument, invalid_field, quote};
use tonic::{Request, Status};

use super::support::{
    check_document, check_documents, db_err, findings_as_violations, refused, violations,
};
use super::{Registry, convert};
use crate::store;

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
    if let Err(e) = domain::number::check_application_branch(&form.regional_branch_code) {
        v.push(FieldViolation::new("form.regional_branch_code", e));
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
    v.extend(violations(domain::limits::application_form(
        &convert::application_form(form),
    )));
    check_documents("form.documents", &form.documents, &mut v);
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

/// An application that passed the door, with what is stored of it.
struct Received {
    form: ApplicationForm,
    tin: String,
    channel: Channel,
    received_at: DateTime<Utc>,
    received_on: NaiveDate,
    findings: Vec<Finding>,
    refusal: StatutoryStep,
    registration: StatutoryStep,
}

pub(super) async fn submit(
    registry: &Registry,
    request: Request<SubmitApplicationRequest>,
) -> Result<SubmitApplicationResponse, Status> {
    let caller = rex_runtime::auth::caller(&request);
    let req = request.into_inner();
    let form = req
        .form
        .clone()
        .ok_or_else(|| invalid_field("form", "is required: application No. 1 (REG-2)"))?;
    let received_at = check_form_structure(&form, registry.now())?;
    let received_on = rex_calendar::time::local_date(received_at);
    // A receipt whose periods end outside the calendar's years is a fault of the field.
    let at_receipt = |period| {
        registry
            .step(period, received_on, None)
            .map_err(|s| invalid_field("form.received_at", s.message().to_owned()))
    };
    let refusal = at_receipt(registry.periods.refusal)?;
    let registration = at_receipt(registry.periods.registration)?;
    let mut findings = checks::check_application(&convert::application_form(&form), received_on);
    let tin = form
        .data
        .as_ref()
        .and_then(|d| d.exporter.as_ref())
        .map(|e| e.tin.trim().to_owned())
        .unwrap_or_default();
    own(caller.as_ref(), &tin)?;
    ensure_branch(
        caller.as_ref(),
        &form.regional_branch_code,
        "an application received there",
    )?;
    let channel = if form.channel == SubmissionChannel::Electronic as i32 {
        Channel::Electronic
    } else {
        Channel::Paper
    };
    if Tin::parse(&tin).is_ok() {
        let mut conn = registry.db.pool.acquire().await.map_err(db_err)?;
        if let Some(number) = store::active_registration_for_tin(&mut conn, &tin)
            .await
            .map_err(db_err)?
        {
            application::reg_10_on_submission(channel, &tin, &number, &mut findings)
                .map_err(refused)?;
        }
    }
    if channel == Channel::Electronic && !findings.is_empty() {
        return Err(invalid_argument(&findings_as_violations(&findings)));
    }
    let received = Received {
        form,
        tin,
        channel,
        received_at,
        received_on,
        findings,
        refusal,
        registration,
    };
    let store_it =
        async |tx: &mut sqlx::AnyConnection| registry.store_received(tx, &received).await;
    registry
        .idempotent("SubmitApplication", &req.idempotency_key, &req, store_it)
        .await
}

impl Registry {
    async fn store_received(
        &self,
        tx: &mut sqlx::AnyConnection,
        r: &Received,
    ) -> Result<SubmitApplicationResponse, Status> {
        let application_id = uuid::Uuid::new_v4().to_string();
        let mut stripped = r.form.clone();
        stripped.documents.clear();
        if let Some(rep) = stripped.representative.as_mut() {
            rep.power_of_attorney = None;
        }
        let language = match Language::try_from(r.form.primary_language) {
            Ok(Language::Kk) => domain::Language::Kazakh,
            _ => domain::Language::Russian,
        };
        let new = store::NewApplication {
            application_id: &application_id,
            exporter_tin: &r.tin,
            branch_code: r.form.regional_branch_code.trim(),
            channel: r.channel,
            primary_language: language,
            received_at: r.received_at,
            received_on: r.received_on,
            form_without_documents: &stripped,
            findings: &r.findings,
            refusal_due: r.refusal.due.due,
            registration_due: r.registration.due.due,
        };
        store::insert_application(tx, &new)
            .await
            .map_err(internal)?;
        let mut docs: Vec<(i64, &Document)> = super::support::positioned(&r.form.documents);
        if let Some(poa) = r
            .form
            .representative
            .as_ref()
            .and_then(|rep| rep.power_of_attorney.as_ref())
        {
            docs.push((-1, poa));
        }
        self.store_documents(tx, "application", &application_id, &docs, r.received_on)
            .await?;
        let row = store::get_application(tx, &application_id)
            .await
            .map_err(db_err)?
            .ok_or_else(|| internal(anyhow::anyhow!("application vanished")))?;
        let application = self.application_proto(tx, &row, false).await?;
        tracing::info!(
            application_id,
            tin = r.tin,
            findings = r.findings.len(),
            "application No. 1 received"
        );
        Ok(SubmitApplicationResponse {
            application: Some(application),
            refusal_due: Some(due_to_proto("REG-9", &r.refusal.due)),
            registration_due: Some(due_to_proto("REG-6", &r.registration.due)),
        })
    }
}

pub(super) async fn get(
    registry: &Registry,
    request: Request<GetApplicationRequest>,
) -> Result<GetApplicationResponse, Status> {
    let caller = rex_runtime::auth::caller(&request);
    let id = request.into_inner().application_id;
    let mut conn = registry.db.pool.acquire().await.map_err(db_err)?;
    let row = store::get_application(&mut conn, id.trim())
        .await
        .map_err(db_err)?
        .ok_or_else(|| {
            Status::not_found(format!("application_id: no application {}", quote(&id)))
        })?;
    own(caller.as_ref(), &row.exporter_tin)?;
    ensure_branch(caller.as_ref(), &row.branch_code, "the application")?;
    let application = registry.application_proto(&mut conn, &row, false).await?;
    Ok(GetApplicationResponse {
        application: Some(application),
    })
}

/// A page token: the last listed application's (received_at, application_id).
fn page_after(token: &str) -> Result<Option<(String, String)>, Status> {
    if token.is_empty() {
        return Ok(None);
    }
    let text = hex::decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let parsed = text
        .as_deref()
        .and_then(|t| t.split_once('|'))
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
    parsed
        .map(Some)
        .ok_or_else(|| invalid_field("page_token", "is not a token from a previous response"))
}

pub(super) async fn list(
    registry: &Registry,
    request: Request<ListApplicationsRequest>,
) -> Result<ListApplicationsResponse, Status> {
    let caller = rex_runtime::auth::caller(&request);
    let req = request.into_inner();
    let asked = Some(req.exporter_tin.trim()).filter(|t| !t.is_empty());
    // A bound role lists within its binding whatever the request asks: an exporter its own
    // applications, a branch officer its branch's. A blank binding matches nothing.
    let mut exporter_tin = asked.map(str::to_owned);
    let mut branch_code = None;
    match caller.as_ref() {
        Some(c) if c.role == Role::EXPORTER => {
            if let Some(tin) = asked {
                own(caller.as_ref(), tin)?;
            }
            exporter_tin = Some(c.tin.clone().unwrap_or_default());
        }
        Some(c) if c.role == Role::ATAMEKEN_OFFICER => {
            branch_code = Some(c.branch.clone().unwrap_or_default());
        }
        _ => {}
    }
    let status = match ApplicationStatus_::try_from(req.status) {
        Ok(ApplicationStatus_::Unspecified) => None,
        Ok(s) => {
            ApplicationStatus::from_code(s.as_str_name().trim_start_matches("APPLICATION_STATUS_"))
        }
        Err(_) => return Err(invalid_field("status", "is not an ApplicationStatus")),
    };
    let limit = match req.page_size {
        0 => 50,
        n => n.min(500),
    };
    let filter = store::ApplicationFilter {
        status,
        exporter_tin: exporter_tin.as_deref(),
        branch_code: branch_code.as_deref(),
        overdue_before: req.overdue_only.then(|| registry.today()),
        after: page_after(&req.page_token)?,
        limit: i64::from(limit) + 1,
    };
    let mut conn = registry.db.pool.acquire().await.map_err(db_err)?;
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
        applications.push(registry.application_proto(&mut conn, row, false).await?);
    }
    Ok(ListApplicationsResponse {
        applications,
        next_page_token,
    })
}
