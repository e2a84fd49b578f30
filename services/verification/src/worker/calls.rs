//! The calls to the registration service: the dossier (VER-4, VER-5) and the appeal to revoke
//! (VER-8). Every field of a call comes from the stored case, so a retry repeats the very same
//! call.

use std::time::Duration;

use prost::Message;
use rex_proto::common::{Document, DocumentKind};
use rex_proto::registration::{GetDossierRequest, RevokeRegistrationRequest};
use rex_runtime::server::CORRELATION_HEADER;
use rex_verification_domain::Case;
use tonic::{Code, Status};
use tracing::Instrument;

use crate::ministry::Ministry;
use crate::store::{self, Job, JobKind};
use crate::wire;

fn backoff(m: &Ministry, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    m.calls
        .retry_base
        .saturating_mul(2u32.saturating_pow(exp))
        .min(m.calls.retry_max)
}

fn with_context<T>(m: &Ministry, message: T, correlation_id: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(m.calls.timeout);
    rex_runtime::telemetry::inject(request.metadata_mut());
    if let Ok(value) = correlation_id.parse() {
        request.metadata_mut().insert(CORRELATION_HEADER, value);
    }
    if let Some(Ok(value)) = m
        .calls
        .token
        .as_ref()
        .map(|t| format!("Bearer {t}").parse())
    {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// Whether the registration service's answer is final (no point in asking again).
fn is_final(code: Code) -> bool {
    matches!(
        code,
        Code::NotFound | Code::InvalidArgument | Code::FailedPrecondition | Code::AlreadyExists
    )
}

/// Runs one claimed job. Returns whether it finished.
pub(super) async fn run_job(m: &Ministry, job: &Job) -> anyhow::Result<bool> {
    let span = tracing::info_span!("job", kind = job.kind.as_str(), case_id = %job.case_id, correlation_id = %job.correlation_id, attempt = job.attempts + 1);
    run_job_in_span(m, job).instrument(span).await
}

async fn run_job_in_span(m: &Ministry, job: &Job) -> anyhow::Result<bool> {
    let case = {
        let mut conn = m.db.pool.acquire().await?;
        store::get_case(&mut conn, &job.case_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("job for a missing case"))?
            .case
    };
    let outcome = match job.kind {
        JobKind::Dossier => fetch_dossier(m, job, &case).await?,
        JobKind::Revocation => send_revocation(m, job, &case).await?,
    };
    finish_or_retry(m, job, outcome).await
}

/// VER-5: Atameken's dossier, or the finding that ends the step without one. `Err`: no final
/// answer yet.
async fn fetch_dossier(m: &Ministry, job: &Job, case: &Case) -> anyhow::Result<Result<(), Status>> {
    let request = GetDossierRequest {
        registration_number: case.registration_number.clone(),
        case_reference: case.case_id.clone(),
    };
    let mut client = m.registry.clone();
    let (dossier, finding) = match client
        .get_dossier(with_context(m, request, &job.correlation_id))
        .await
    {
        Ok(answer) => (Some(answer.into_inner().encode_to_vec()), String::new()),
        Err(status) if is_final(status.code()) => (
            None,
            format!(
                "Atameken answered {:?}: {}",
                status.code(),
                status.message()
            ),
        ),
        Err(status) => return Ok(Err(status)),
    };
    let mut tx = m.db.begin_write().await?;
    store::store_dossier(
        &mut tx,
        &case.case_id,
        dossier.as_deref(),
        &finding,
        m.today(),
    )
    .await?;
    let (action, result) = match &dossier {
        Some(bytes) => ("DossierReceived", bytes.as_slice()),
        None => ("DossierStepEnded", finding.as_bytes()),
    };
    let entry = rex_runtime::audit::entry(
        action,
        &case.case_id,
        case.registration_number.as_bytes(),
        result,
    );
    rex_runtime::audit::append(&mut tx, &entry, m.clock.now()).await?;
    store::finish_job(&mut tx, &job.job_id, m.ops_clock.now()).await?;
    tx.commit().await?;
    match &dossier {
        Some(bytes) => tracing::info!(bytes = bytes.len(), "dossier received (VER-5)"),
        None => tracing::warn!(%finding, "dossier step ended without a dossier (VER-5)"),
    }
    Ok(Ok(()))
}

/// VER-8: the appeal to revoke, and Atameken's answer, which closes the case. `Err`: no final
/// answer yet.
async fn send_revocation(
    m: &Ministry,
    job: &Job,
    case: &Case,
) -> anyhow::Result<Result<(), Status>> {
    let ground = case
        .outcome
        .and_then(|o| o.revocation_ground())
        .map(wire::ground_to_proto)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "revocation job for a case concluded {}",
                store::outcome_name(case.outcome)
            )
        })?;
    // Every field comes from the stored case, so a retry sends the very same request under
    // the same idempotency key: Atameken revokes exactly once.
    let documents = case
        .conclusion_json
        .as_deref()
        .map(|json| Document {
            kind: DocumentKind::RevocationRequest as i32,
            file_name: format!("conclusion-{}.json", case.case_id),
            media_type: "application/json".into(),
            content: json.as_bytes().to_vec(),
            ..Default::default()
        })
        .into_iter()
        .collect();
    let request = RevokeRegistrationRequest {
        idempotency_key: format!("ministry-{}-revocation", case.case_id),
        registration_number: case.registration_number.clone(),
        ground: ground as i32,
        revoked_on: case
            .revocation_requested_on
            .map(rex_runtime::convert::date_to_proto),
        requested_by: "MINISTRY".into(),
        case_reference: case.case_id.clone(),
        explanation: case.conclusion_text.clone(),
        documents,
        officer_id: case.revocation_officer_id.clone(),
    };
    let mut client = m.registry.clone();
    let answer = match client
        .revoke_registration(with_context(m, request, &job.correlation_id))
        .await
    {
        Ok(answer) => {
            let reg = answer.into_inner().registration.unwrap_or_default();
            let revocation = reg.revocations.last().cloned().unwrap_or_default();
            format!(
                "Atameken revoked {} on {} under {}, case reference {}",
                reg.registration_number,
                revocation
                    .revoked_on
                    .map(|d| rex_runtime::convert::date_text(&d))
                    .unwrap_or_default(),
                ground.as_str_name(),
                revocation.case_reference
            )
        }
        Err(status) if is_final(status.code()) => format!(
            "Atameken did not revoke: {:?}: {}",
            status.code(),
            status.message()
        ),
        Err(status) => return Ok(Err(status)),
    };
    let mut tx = m.db.begin_write().await?;
    store::close(&mut tx, &case.case_id, &answer).await?;
    let entry = rex_runtime::audit::entry(
        "RevocationAnswered",
        &case.case_id,
        case.registration_number.as_bytes(),
        answer.as_bytes(),
    );
    rex_runtime::audit::append(&mut tx, &entry, m.clock.now()).await?;
    store::finish_job(&mut tx, &job.job_id, m.ops_clock.now()).await?;
    tx.commit().await?;
    tracing::info!(%answer, "Atameken answered the appeal to revoke (VER-8)");
    Ok(Ok(()))
}

async fn finish_or_retry(
    m: &Ministry,
    job: &Job,
    outcome: Result<(), Status>,
) -> anyhow::Result<bool> {
    match outcome {
        Ok(()) => Ok(true),
        Err(status) => {
            let delay = backoff(m, job.attempts + 1);
            let next = m.ops_clock.now() + chrono::Duration::from_std(delay).unwrap_or_default();
            let error = format!("{:?}: {}", status.code(), status.message());
            let mut conn = m.db.pool.acquire().await?;
            store::retry_job(&mut conn, &job.job_id, next, &error).await?;
            tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "registration service did not answer; will retry");
            Ok(false)
        }
    }
}
