//! Cases, jobs, marks and notices in the Ministry's database (SQLite or PostgreSQL).

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{opt_date, opt_instant};

pub use rex_runtime::convert::rows::iso;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// A case as stored.
#[derive(Debug, Clone, Default)]
pub struct CaseRow {
    pub case_id: String,
    pub requesting_country: String,
    pub foreign_reference: String,
    pub registration_number: String,
    pub received_at: Option<DateTime<Utc>>,
    pub received_on: Option<NaiveDate>,
    pub subject: String,
    pub responsible_officer_id: String,
    pub status: String,
    pub opened_at: Option<DateTime<Utc>>,
    pub dossier_requested_on: Option<NaiveDate>,
    pub dossier_received_on: Option<NaiveDate>,
    pub dossier: Option<Vec<u8>>,
    pub dossier_finding: String,
    pub checked_on: Option<NaiveDate>,
    pub checked_by: String,
    pub checked_at: Option<DateTime<Utc>>,
    pub check_findings: Option<Vec<u8>>,
    pub concluded_on: Option<NaiveDate>,
    pub outcome: String,
    pub conclusion_text: String,
    pub concluded_by: String,
    pub conclusion_json: Option<String>,
    pub conclusion_html: Option<String>,
    pub revocation_requested_on: Option<NaiveDate>,
    pub revocation_officer_id: String,
    pub revocation_answer: String,
}

fn case_from_row(row: &AnyRow) -> Result<CaseRow> {
    Ok(CaseRow {
        case_id: row.try_get("case_id")?,
        requesting_country: row.try_get("requesting_country")?,
        foreign_reference: row.try_get("foreign_reference")?,
        registration_number: row.try_get("registration_number")?,
        received_at: opt_instant(row, "received_at")?,
        received_on: opt_date(row, "received_on")?,
        subject: row.try_get("subject")?,
        responsible_officer_id: row.try_get("responsible_officer_id")?,
        status: row.try_get("status")?,
        opened_at: opt_instant(row, "opened_at")?,
        dossier_requested_on: opt_date(row, "dossier_requested_on")?,
        dossier_received_on: opt_date(row, "dossier_received_on")?,
        dossier: row.try_get("dossier")?,
        dossier_finding: row.try_get("dossier_finding")?,
        checked_on: opt_date(row, "checked_on")?,
        checked_by: row.try_get("checked_by")?,
        checked_at: opt_instant(row, "checked_at")?,
        check_findings: row.try_get("check_findings")?,
        concluded_on: opt_date(row, "concluded_on")?,
        outcome: row.try_get("outcome")?,
        conclusion_text: row.try_get("conclusion_text")?,
        concluded_by: row.try_get("concluded_by")?,
        conclusion_json: row.try_get("conclusion_json")?,
        conclusion_html: row.try_get("conclusion_html")?,
        revocation_requested_on: opt_date(row, "revocation_requested_on")?,
        revocation_officer_id: row.try_get("revocation_officer_id")?,
        revocation_answer: row.try_get("revocation_answer")?,
    })
}

pub async fn get_case(conn: &mut AnyConnection, id: &str) -> Result<Option<CaseRow>> {
    let row = sqlx::query("SELECT * FROM cases WHERE case_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(case_from_row).transpose()
}

pub async fn case_by_reference(
    conn: &mut AnyConnection,
    country: &str,
    reference: &str,
) -> Result<Option<CaseRow>> {
    let row =
        sqlx::query("SELECT * FROM cases WHERE requesting_country = $1 AND foreign_reference = $2")
            .bind(country)
            .bind(reference)
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(case_from_row).transpose()
}

/// Cases by status ('' for all), oldest first.
pub async fn cases(conn: &mut AnyConnection, status: &str) -> Result<Vec<CaseRow>> {
    let rows = sqlx::query(
        "SELECT * FROM cases WHERE ($1 = '' OR status = $1) ORDER BY opened_at, case_id",
    )
    .bind(status)
    .fetch_all(conn)
    .await?;
    rows.iter().map(case_from_row).collect()
}

pub async fn insert_case(conn: &mut AnyConnection, c: &CaseRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO cases (case_id, requesting_country, foreign_reference, registration_number, received_at, received_on, \
         subject, responsible_officer_id, status, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&c.case_id)
    .bind(&c.requesting_country)
    .bind(&c.foreign_reference)
    .bind(&c.registration_number)
    .bind(c.received_at.map(instant_to_db))
    .bind(c.received_on.map(iso))
    .bind(&c.subject)
    .bind(&c.responsible_officer_id)
    .bind(&c.status)
    .bind(c.opened_at.map(instant_to_db))
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a case from `from` to `to`, setting the columns given (name, text value). False when
/// the case was not in `from`.
pub async fn advance(
    conn: &mut AnyConnection,
    case_id: &str,
    from: &str,
    to: &str,
    set: &[(&str, Option<String>)],
) -> Result<bool> {
    let mut sql = String::from("UPDATE cases SET status = $3");
    for (i, (col, _)) in set.iter().enumerate() {
        sql += &format!(", {col} = ${}", i + 4);
    }
    sql += " WHERE case_id = $1 AND status = $2";
    let mut q = sqlx::query(&sql).bind(case_id).bind(from).bind(to);
    for (_, value) in set {
        q = q.bind(value.clone());
    }
    Ok(q.execute(conn).await?.rows_affected() == 1)
}

/// Stores the check's findings (protobuf bytes) with the move to CHECKED.
pub async fn record_check(
    conn: &mut AnyConnection,
    case_id: &str,
    findings: &[u8],
    by: &str,
    at: DateTime<Utc>,
    on: NaiveDate,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE cases SET status = 'CHECKED', check_findings = $2, checked_by = $3, checked_at = $4, checked_on = $5 \
         WHERE case_id = $1 AND status = 'DOSSIER_RECEIVED'",
    )
    .bind(case_id)
    .bind(findings.to_vec())
    .bind(by)
    .bind(instant_to_db(at))
    .bind(iso(on))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores the dossier as received, ending VER-5.
pub async fn store_dossier(
    conn: &mut AnyConnection,
    case_id: &str,
    dossier: Option<&[u8]>,
    finding: &str,
    on: NaiveDate,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE cases SET status = 'DOSSIER_RECEIVED', dossier = $2, dossier_finding = $3, dossier_received_on = $4 \
         WHERE case_id = $1 AND status = 'DOSSIER_REQUESTED'",
    )
    .bind(case_id)
    .bind(dossier.map(<[u8]>::to_vec))
    .bind(finding)
    .bind(iso(on))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---- jobs ------------------------------------------------------------------------------------

/// A call to the registration service that must happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub job_id: String,
    pub case_id: String,
    pub kind: String,
    pub correlation_id: String,
    pub attempts: i64,
}

pub async fn insert_job(
    conn: &mut AnyConnection,
    case_id: &str,
    kind: &str,
    correlation_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (job_id, case_id, kind, correlation_id, next_attempt_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (case_id, kind) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(case_id)
    .bind(kind)
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
                kind: r.try_get("kind")?,
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
    let done = sqlx::query(
        "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE job_id = $1 AND done_at IS NULL \
         AND (locked_until IS NULL OR locked_until < $3)",
    )
    .bind(job_id)
    .bind(instant_to_db(until))
    .bind(instant_to_db(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
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

// ---- marks and notices -------------------------------------------------------------------------

/// Records a mark once; true when it is new.
pub async fn mark_step(
    conn: &mut AnyConnection,
    case_id: &str,
    rule_id: &str,
    due_on: NaiveDate,
    kind: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
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

pub use rex_runtime::outbox::{Notice, insert as insert_notice, list as notices};
