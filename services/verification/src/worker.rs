//! Background work: the calls to the registration service, retried with backoff until they are
//! answered, and the deadline watcher. Both take their rows so that several replicas can run.

use std::time::Duration;

use prost::Message;
use rex_calendar::StepState;
use rex_proto::registration::{GetDossierRequest, RevokeRegistrationRequest};
use rex_proto::verification::VerificationOutcome;
use rex_runtime::server::CORRELATION_HEADER;
use tonic::Code;
use tracing::Instrument;

use crate::domain;
use crate::service::Ministry;
use crate::store::{self, Job};

/// How long one attempt may hold a job before another worker may take it over.
const CLAIM: Duration = Duration::from_secs(60);

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
async fn run_job(m: &Ministry, job: &Job) -> anyhow::Result<bool> {
    let span = tracing::info_span!("job", kind = %job.kind, case_id = %job.case_id, correlation_id = %job.correlation_id, attempt = job.attempts + 1);
    run_job_in_span(m, job).instrument(span).await
}

async fn run_job_in_span(m: &Ministry, job: &Job) -> anyhow::Result<bool> {
    let case = {
        let mut conn = m.db.pool.acquire().await?;
        store::get_case(&mut conn, &job.case_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("job for a missing case"))?
    };
    let mut client = m.registry.clone();
    let outcome = match job.kind.as_str() {
        "dossier" => {
            let request = GetDossierRequest {
                registration_number: case.registration_number.clone(),
                case_reference: case.case_id.clone(),
            };
            match client
                .get_dossier(with_context(m, request, &job.correlation_id))
                .await
            {
                Ok(answer) => {
                    let bytes = answer.into_inner().encode_to_vec();
                    let mut tx = m.db.begin_write().await?;
                    store::store_dossier(&mut tx, &case.case_id, Some(&bytes), "", m.today())
                        .await?;
                    let entry = rex_runtime::audit::entry(
                        "DossierReceived",
                        &case.case_id,
                        case.registration_number.as_bytes(),
                        &bytes,
                    );
                    rex_runtime::audit::append(&mut tx, &entry, m.clock.now()).await?;
                    store::finish_job(&mut tx, &job.job_id, m.ops_clock.now()).await?;
                    tx.commit().await?;
                    tracing::info!(bytes = bytes.len(), "dossier received (VER-5)");
                    Ok(())
                }
                Err(status) if is_final(status.code()) => {
                    let finding = format!(
                        "Atameken answered {:?}: {}",
                        status.code(),
                        status.message()
                    );
                    let mut tx = m.db.begin_write().await?;
                    store::store_dossier(&mut tx, &case.case_id, None, &finding, m.today()).await?;
                    let entry = rex_runtime::audit::entry(
                        "DossierStepEnded",
                        &case.case_id,
                        case.registration_number.as_bytes(),
                        finding.as_bytes(),
                    );
                    rex_runtime::audit::append(&mut tx, &entry, m.clock.now()).await?;
                    store::finish_job(&mut tx, &job.job_id, m.ops_clock.now()).await?;
                    tx.commit().await?;
                    tracing::warn!(%finding, "dossier step ended without a dossier (VER-5)");
                    Ok(())
                }
                Err(status) => Err(status),
            }
        }
        "revocation" => {
            let outcome = VerificationOutcome::from_str_name(&case.outcome).unwrap_or_default();
            let ground = domain::revocation_ground(outcome).ok_or_else(|| {
                anyhow::anyhow!("revocation job for a case concluded {}", case.outcome)
            })?;
            // Every field comes from the stored case, so a retry sends the very same request under
            // the same idempotency key: Atameken revokes exactly once.
            let documents = case
                .conclusion_json
                .as_deref()
                .map(|json| {
                    let content = json.as_bytes().to_vec();
                    rex_proto::common::Document {
                        kind: rex_proto::common::DocumentKind::RevocationRequest as i32,
                        file_name: format!("conclusion-{}.json", case.case_id),
                        media_type: "application/json".into(),
                        content,
                        ..Default::default()
                    }
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
            let answer = match client
                .revoke_registration(with_context(m, request, &job.correlation_id))
                .await
            {
                Ok(answer) => {
                    let reg = answer.into_inner().registration.unwrap_or_default();
                    let revocation = reg.revocations.last().cloned().unwrap_or_default();
                    Some(format!(
                        "Atameken revoked {} on {} under {}, case reference {}",
                        reg.registration_number,
                        revocation
                            .revoked_on
                            .map(|d| rex_runtime::convert::date_text(&d))
                            .unwrap_or_default(),
                        ground.as_str_name(),
                        revocation.case_reference
                    ))
                }
                Err(status) if is_final(status.code()) => Some(format!(
                    "Atameken did not revoke: {:?}: {}",
                    status.code(),
                    status.message()
                )),
                Err(status) => return finish_or_retry(m, job, Err(status)).await,
            };
            let answer = answer.unwrap_or_default();
            let mut tx = m.db.begin_write().await?;
            store::advance(
                &mut tx,
                &case.case_id,
                "REVOCATION_REQUESTED",
                "CLOSED",
                &[("revocation_answer", Some(answer.clone()))],
            )
            .await?;
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
            Ok(())
        }
        other => anyhow::bail!("unknown job kind {other}"),
    };
    finish_or_retry(m, job, outcome).await
}

async fn finish_or_retry(
    m: &Ministry,
    job: &Job,
    outcome: Result<(), tonic::Status>,
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

async fn claim_and_run(m: &Ministry, job: &Job) -> anyhow::Result<bool> {
    let now = m.ops_clock.now();
    let claimed = {
        let mut conn = m.db.pool.acquire().await?;
        store::claim_job(
            &mut conn,
            &job.job_id,
            now,
            now + chrono::Duration::from_std(CLAIM).unwrap_or_default(),
        )
        .await?
    };
    if !claimed {
        return Ok(false);
    }
    run_job(m, job).await
}

/// Runs the due jobs of every case; returns how many finished.
pub async fn run_due_jobs(m: &Ministry) -> anyhow::Result<usize> {
    let jobs = {
        let mut conn = m.db.pool.acquire().await?;
        store::due_jobs(&mut conn, m.ops_clock.now()).await?
    };
    let mut finished = 0;
    for job in &jobs {
        if claim_and_run(m, job).await? {
            finished += 1;
        }
    }
    Ok(finished)
}

/// Runs a case's pending jobs now, whatever their backoff (an officer asked again).
pub async fn run_due_jobs_of_case(m: &Ministry, case_id: &str) -> anyhow::Result<()> {
    let any_time = m.ops_clock.now() + chrono::Duration::days(365 * 100);
    let jobs = {
        let mut conn = m.db.pool.acquire().await?;
        store::due_jobs(&mut conn, any_time).await?
    };
    for job in jobs.iter().filter(|j| j.case_id == case_id) {
        claim_and_run(m, job).await?;
    }
    Ok(())
}

/// Marks overdue steps and writes a DEADLINE_AT_RISK notice obligation to the responsible
/// officer for each open step due within one working day, once per step and due date.
/// Returns (warnings written, overdue steps newly marked).
pub async fn watch_deadlines(m: &Ministry) -> anyhow::Result<(usize, usize)> {
    let today = m.today();
    let now = m.clock.now();
    let cases = {
        let mut conn = m.db.pool.acquire().await?;
        store::cases(&mut conn, "").await?
    };
    let (mut warned, mut overdue) = (0, 0);
    let mut open_steps: std::collections::BTreeMap<(String, &str), i64> =
        std::collections::BTreeMap::new();
    for case in cases.iter().filter(|c| c.status != "CLOSED") {
        let timeline = domain::timeline(&m.calendar, &Ministry::dates(case))?;
        for s in timeline
            .steps
            .iter()
            .filter(|s| s.step.completed_on.is_none())
        {
            let step = &s.step;
            let state = step.state(&m.calendar, today, 1)?;
            match state {
                StepState::DueSoon { .. } => {
                    *open_steps
                        .entry((step.rule_id.clone(), "due_soon"))
                        .or_default() += 1
                }
                StepState::Overdue { .. } => {
                    *open_steps
                        .entry((step.rule_id.clone(), "overdue"))
                        .or_default() += 1
                }
                _ => {}
            }
            let kind = match state {
                StepState::DueSoon { .. } => "at_risk",
                StepState::Overdue { .. } => "overdue",
                _ => continue,
            };
            let mut tx = m.db.begin_write().await?;
            if !store::mark_step(
                &mut tx,
                &case.case_id,
                &step.rule_id,
                step.due.due,
                kind,
                now,
            )
            .await?
            {
                continue;
            }
            if let StepState::DueSoon { working_days_left } = state {
                let facts = serde_json::json!({
                    "case_id": case.case_id,
                    "foreign_reference": case.foreign_reference,
                    "registration_number": case.registration_number,
                    "step": s.description,
                    "due_on": step.due.due.to_string(),
                    "working_days_left": working_days_left.to_string(),
                });
                let notice = store::Notice {
                    idempotency_key: format!(
                        "deadline-at-risk:{}:{}:{}",
                        case.case_id, step.rule_id, step.due.due
                    ),
                    kind: "DEADLINE_AT_RISK".into(),
                    rule_id: step.rule_id.clone(),
                    recipient: case.responsible_officer_id.clone(),
                    recipient_email: String::new(),
                    channel: "INBOX".into(),
                    primary_language: "RU".into(),
                    facts: match facts {
                        serde_json::Value::Object(map) => map,
                        _ => serde_json::Map::new(),
                    },
                    due_on: step.due.due,
                };
                store::insert_notice(&mut tx, &notice, now).await?;
                warned += 1;
                tracing::warn!(case_id = %case.case_id, rule = %step.rule_id, due = %step.due.due, "statutory step due within one working day");
            } else {
                overdue += 1;
                tracing::error!(case_id = %case.case_id, rule = %step.rule_id, due = %step.due.due, "statutory step overdue");
            }
            tx.commit().await?;
        }
    }
    let counts: Vec<(String, &str, i64)> = ["VER-2", "VER-4", "VER-5", "VER-6", "VER-7", "VER-8"]
        .iter()
        .flat_map(|rule| {
            ["due_soon", "overdue"].map(|state| {
                (
                    rule.to_string(),
                    state,
                    *open_steps.get(&(rule.to_string(), state)).unwrap_or(&0),
                )
            })
        })
        .collect();
    rex_runtime::metrics::set_steps("verification", &counts);
    Ok((warned, overdue))
}

/// The worker loop: due jobs every `poll`, deadlines every minute.
pub async fn run(m: Ministry, poll: Duration) {
    let mut last_watch: Option<std::time::Instant> = None;
    loop {
        if let Err(err) = run_due_jobs(&m).await {
            tracing::warn!(error = format!("{err:#}"), "job run failed; will retry");
        }
        if last_watch.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
            last_watch = Some(std::time::Instant::now());
            if let Err(err) = watch_deadlines(&m).await {
                tracing::warn!(
                    error = format!("{err:#}"),
                    "deadline watch failed; will retry"
                );
            }
        }
        tokio::time::sleep(poll).await;
    }
}
