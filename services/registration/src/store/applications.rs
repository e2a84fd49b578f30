//! Applications No. 1 and their decisions.

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{date, decode_err, instant, iso, opt_date, opt_instant};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use anyhow::Context;
use prost::Message;
use rex_proto::registration::ApplicationForm;
use rex_registration_domain::{
    ApplicationStatus, Finding, Language, RefusalReason, SubmissionChannel,
};

use super::{Result, code, codes};

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub application_id: String,
    pub exporter_tin: String,
    pub branch_code: String,
    pub channel: SubmissionChannel,
    pub primary_language: Language,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    /// As submitted, without documents (they are in `documents`).
    pub form: ApplicationForm,
    pub findings: Vec<Finding>,
    pub status: ApplicationStatus,
    pub refusal_reasons: Vec<RefusalReason>,
    pub refusal_explanation: String,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_on: Option<NaiveDate>,
    pub registration_number: Option<String>,
}

fn application_from_row(row: &AnyRow) -> Result<ApplicationRow> {
    let form: Vec<u8> = row.try_get("form")?;
    let findings: String = row.try_get("findings")?;
    Ok(ApplicationRow {
        application_id: row.try_get("application_id")?,
        exporter_tin: row.try_get("exporter_tin")?,
        branch_code: row.try_get("branch_code")?,
        channel: SubmissionChannel::from_code(&row.try_get::<String, _>("channel")?),
        primary_language: code(row, "primary_language", Language::from_code)?,
        received_at: instant(row, "received_at")?,
        received_on: date(row, "received_on")?,
        form: ApplicationForm::decode(form.as_slice()).map_err(|e| decode_err("form", e))?,
        findings: serde_json::from_str(&findings).map_err(|e| decode_err("findings", e))?,
        status: code(row, "status", ApplicationStatus::from_code)?,
        refusal_reasons: codes(row, "refusal_reasons", RefusalReason::from_code)?,
        refusal_explanation: row.try_get("refusal_explanation")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: opt_instant(row, "decided_at")?,
        decided_on: opt_date(row, "decided_on")?,
        registration_number: row.try_get("registration_number")?,
    })
}

#[derive(Debug)]
pub struct NewApplication<'a> {
    pub application_id: &'a str,
    pub exporter_tin: &'a str,
    pub branch_code: &'a str,
    pub channel: SubmissionChannel,
    pub primary_language: Language,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub form_without_documents: &'a ApplicationForm,
    pub findings: &'a [Finding],
    pub refusal_due: NaiveDate,
    pub registration_due: NaiveDate,
}

pub async fn insert_application(
    conn: &mut AnyConnection,
    a: &NewApplication<'_>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO applications (application_id, exporter_tin, branch_code, channel, primary_language, \
         received_at, received_on, form, findings, status, refusal_due, registration_due) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'RECEIVED', $10, $11)",
    )
    .bind(a.application_id)
    .bind(a.exporter_tin)
    .bind(a.branch_code)
    .bind(a.channel.code())
    .bind(a.primary_language.code())
    .bind(instant_to_db(a.received_at))
    .bind(iso(a.received_on))
    .bind(a.form_without_documents.encode_to_vec())
    .bind(serde_json::to_string(a.findings)?)
    .bind(iso(a.refusal_due))
    .bind(iso(a.registration_due))
    .execute(conn)
    .await
    .context("insert application")?;
    Ok(())
}

pub async fn get_application(conn: &mut AnyConnection, id: &str) -> Result<Option<ApplicationRow>> {
    let row = sqlx::query("SELECT * FROM applications WHERE application_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(application_from_row).transpose()
}

#[derive(Debug)]
pub struct ApplicationFilter<'a> {
    pub status: Option<ApplicationStatus>,
    pub exporter_tin: Option<&'a str>,
    pub branch_code: Option<&'a str>,
    /// Only RECEIVED applications whose registration due date is before this day.
    pub overdue_before: Option<NaiveDate>,
    /// Keyset pagination: (received_at, application_id) strictly after this.
    pub after: Option<(String, String)>,
    pub limit: i64,
}

pub async fn list_applications(
    conn: &mut AnyConnection,
    f: &ApplicationFilter<'_>,
) -> Result<Vec<ApplicationRow>> {
    let (after_at, after_id) = f.after.clone().unwrap_or_default();
    let rows = sqlx::query(
        // A filter that is absent is NULL; an empty value is a value and matches nothing.
        "SELECT * FROM applications WHERE ($1 = '' OR status = $1) \
         AND ($2 IS NULL OR exporter_tin = $2) AND ($7 IS NULL OR branch_code = $7) \
         AND ($3 = '' OR (status = 'RECEIVED' AND registration_due < $3)) \
         AND ($4 = '' OR received_at > $4 OR (received_at = $4 AND application_id > $5)) \
         ORDER BY received_at, application_id LIMIT $6",
    )
    .bind(f.status.map(ApplicationStatus::code).unwrap_or(""))
    .bind(f.exporter_tin)
    .bind(f.overdue_before.map(iso).unwrap_or_default())
    .bind(after_at)
    .bind(after_id)
    .bind(f.limit)
    .bind(f.branch_code)
    .fetch_all(conn)
    .await?;
    rows.iter().map(application_from_row).collect()
}

/// A decision on an application (REG-6 or REG-9).
#[derive(Debug)]
pub struct Decision<'a> {
    pub status: ApplicationStatus,
    pub decided_by: &'a str,
    pub decided_at: DateTime<Utc>,
    pub decided_on: NaiveDate,
    pub refusal_reasons: &'a [RefusalReason],
    pub refusal_explanation: &'a str,
    pub registration_number: Option<&'a str>,
}

/// Moves a RECEIVED application to the decision's status; false when it was no longer RECEIVED.
pub async fn decide_application(
    conn: &mut AnyConnection,
    id: &str,
    d: &Decision<'_>,
) -> Result<bool> {
    let Decision {
        status,
        decided_by,
        decided_at,
        decided_on,
        refusal_reasons,
        refusal_explanation,
        registration_number,
    } = *d;
    let done = sqlx::query(
        "UPDATE applications SET status = $2, decided_by = $3, decided_at = $4, decided_on = $5, \
         refusal_reasons = $6, refusal_explanation = $7, registration_number = $8 \
         WHERE application_id = $1 AND status = 'RECEIVED'",
    )
    .bind(id)
    .bind(status.code())
    .bind(decided_by)
    .bind(instant_to_db(decided_at))
    .bind(iso(decided_on))
    .bind(
        refusal_reasons
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(","),
    )
    .bind(refusal_explanation)
    .bind(registration_number)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The stored due dates of every open application, counted again on `calendar` with
/// `periods`: those that differ (a corrected calendar year, an amended procedure file) are
/// updated. The number moved.
pub async fn recount_open_dues(
    db: &rex_runtime::db::Db,
    calendar: &rex_calendar::Calendar,
    periods: &rex_registration_domain::Periods,
) -> anyhow::Result<u64> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT application_id, received_on, refusal_due, registration_due FROM applications WHERE status = 'RECEIVED'",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut moved = 0;
    for (id, received_on, refusal_due, registration_due) in rows {
        let received_on = rex_runtime::convert::date_from_db(&received_on)?;
        let due = |p: rex_registration_domain::Period| {
            calendar
                .due(received_on, p.count, p.unit)
                .map(|d| iso(d.due))
        };
        let (Ok(refusal), Ok(registration)) = (due(periods.refusal), due(periods.registration))
        else {
            // Outside the calendar's years: kept as stored.
            continue;
        };
        if refusal == refusal_due && registration == registration_due {
            continue;
        }
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE applications SET refusal_due = $2, registration_due = $3 WHERE application_id = $1 AND status = 'RECEIVED'",
        )
        .bind(&id)
        .bind(&refusal)
        .bind(&registration)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        moved += 1;
    }
    Ok(moved)
}

/// The RECEIVED applications whose registration is due (REG-6) from `today` up to and
/// including `until` (an index range of `applications_by_registration_due`).
pub async fn count_due_between(
    conn: &mut AnyConnection,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE status = 'RECEIVED' AND registration_due >= $1 AND registration_due <= $2",
    )
    .bind(iso(today))
    .bind(iso(until))
    .fetch_one(conn)
    .await
}
