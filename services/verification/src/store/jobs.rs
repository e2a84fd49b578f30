//! The `jobs` table (calls to the registration service that must happen, claimed so several
//! replicas can run) and the `step_marks` table (deadline warnings, once each).

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{decode_err, iso};
use rex_runtime::db::Lease;
use rex_verification_domain::Alert;
use sqlx::{AnyConnection, Row};

use super::Result;

/// What a job asks of the registration service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// The dossier (VER-4, VER-5).
    Dossier,
    /// The appeal to revoke (VER-8).
    Revocation,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Dossier => "dossier",
            JobKind::Revocation => "revocation",
        }
    }

    fn from_db(text: &str) -> Result<Self> {
        match text {
            "dossier" => Ok(JobKind::Dossier),
            "revocation" => Ok(JobKind::Revocation),
            other => Err(decode_err("kind", format!("unknown job kind {other:?}"))),
        }
    }
}

/// A call to the registration service that must happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub job_id: String,
    pub case_id: String,
    pub kind: JobKind,
    pub correlation_id: String,
    pub attempts: i64,
}

pub async fn insert_job(
    conn: &mut AnyConnection,
    case_id: &str,
    kind: JobKind,
    correlation_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (job_id, case_id, kind, correlation_id, next_attempt_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (case_id, kind) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(case_id)
    .bind(kind.as_str())
    .bind(correlation_id)
    .bind(instant_to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Jobs due at `now` and not held by another worker.
pub async fn due_jobs(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Vec<Job>> {
    let now = instant_to_db(now);
    let rows = sqlx::query(
        "SELECT job_id, case_id, kind, correlation_id, attempts FROM jobs WHERE done_at IS NULL AND next_attempt_at <= $1 \
         AND (locked_until IS NULL OR locked_until < $1) ORDER BY next_attempt_at LIMIT 50",
    )
    .bind(now)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Job {
                job_id: r.try_get("job_id")?,
                case_id: r.try_get("case_id")?,
                kind: JobKind::from_db(&r.try_get::<String, _>("kind")?)?,
                correlation_id: r.try_get("correlation_id")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

/// Claims a job for `until`; false when another worker holds it or it is done. Several
/// replicas can run the worker: exactly one claim succeeds.
pub async fn claim_job(
    conn: &mut AnyConnection,
    job_id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    const JOBS: Lease = Lease {
        table: "jobs",
        id: "job_id",
        open: "done_at IS NULL",
    };
    JOBS.claim(conn, job_id, now, until).await
}

pub async fn finish_job(conn: &mut AnyConnection, job_id: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE jobs SET done_at = $2, locked_until = NULL WHERE job_id = $1")
        .bind(job_id)
        .bind(instant_to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn retry_job(
    conn: &mut AnyConnection,
    job_id: &str,
    next: DateTime<Utc>,
    error: &str,
) -> Result<()> {
    sqlx::query("UPDATE jobs SET next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE job_id = $1")
        .bind(job_id)
        .bind(instant_to_db(next))
        .bind(error)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a worker holds one of the case's jobs right now.
pub async fn job_in_flight(
    conn: &mut AnyConnection,
    case_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE case_id = $1 AND done_at IS NULL AND locked_until >= $2",
    )
    .bind(case_id)
    .bind(instant_to_db(now))
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// The last error of a case's pending job of `kind`, if it has one.
pub async fn pending_job_error(
    conn: &mut AnyConnection,
    case_id: &str,
    kind: &str,
) -> Result<Option<(i64, String)>> {
    let row = sqlx::query("SELECT attempts, last_error FROM jobs WHERE case_id = $1 AND kind = $2 AND done_at IS NULL")
        .bind(case_id)
        .bind(kind)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((r.try_get("attempts")?, r.try_get("last_error")?)))
        .transpose()
}

// ---- marks ----------------------------------------------------------------------------------

/// Records a deadline mark (VER-2) once; true when it is new.
pub async fn mark_step(
    conn: &mut AnyConnection,
    case_id: &str,
    rule_id: &str,
    due_on: NaiveDate,
    alert: Alert,
    at: DateTime<Utc>,
) -> Result<bool> {
    let kind = match alert {
        Alert::DueSoon { .. } => "at_risk",
        Alert::Overdue => "overdue",
    };
    let done = sqlx::query(
        "INSERT INTO step_marks (case_id, rule_id, due_on, kind, marked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(case_id)
    .bind(rule_id)
    .bind(iso(due_on))
    .bind(kind)
    .bind(instant_to_db(at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
