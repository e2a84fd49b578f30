//! Changes of the registration data (CHG-1..3).

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{date, decode_err, instant, iso, opt_date, opt_instant};
use sqlx::{AnyConnection, Row};

use prost::Message;
use rex_proto::registration::RegistrationData;
use rex_registration_domain::{ChangeCategory, ChangeStatus, Finding};

use super::{Result, code, codes};

#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub change_id: String,
    pub registration_number: String,
    pub proposed: RegistrationData,
    pub categories: Vec<ChangeCategory>,
    pub reason: String,
    pub changed_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub late: bool,
    pub findings: Vec<Finding>,
    pub status: ChangeStatus,
    pub refusal_reasons: String,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_on: Option<NaiveDate>,
}

pub async fn get_change(conn: &mut AnyConnection, id: &str) -> Result<Option<ChangeRow>> {
    let row = sqlx::query("SELECT * FROM changes WHERE change_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref()
        .map(|row| {
            let proposed: Vec<u8> = row.try_get("proposed")?;
            let findings: String = row.try_get("findings")?;
            let late: i64 = row.try_get("late")?;
            Ok(ChangeRow {
                change_id: row.try_get("change_id")?,
                registration_number: row.try_get("registration_number")?,
                proposed: RegistrationData::decode(proposed.as_slice())
                    .map_err(|e| decode_err("proposed", e))?,
                categories: codes(row, "categories", ChangeCategory::from_code)?,
                reason: row.try_get("reason")?,
                changed_on: date(row, "changed_on")?,
                received_at: instant(row, "received_at")?,
                received_on: date(row, "received_on")?,
                late: late != 0,
                findings: serde_json::from_str(&findings).map_err(|e| decode_err("findings", e))?,
                status: code(row, "status", ChangeStatus::from_code)?,
                refusal_reasons: row.try_get("refusal_reasons")?,
                decided_by: row.try_get("decided_by")?,
                decided_at: opt_instant(row, "decided_at")?,
                decided_on: opt_date(row, "decided_on")?,
            })
        })
        .transpose()
}

pub async fn insert_change(conn: &mut AnyConnection, c: &ChangeRow) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO changes (change_id, registration_number, proposed, categories, reason, changed_on, received_at, \
         received_on, late, findings, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&c.change_id)
    .bind(&c.registration_number)
    .bind(c.proposed.encode_to_vec())
    .bind(
        c.categories
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(","),
    )
    .bind(&c.reason)
    .bind(iso(c.changed_on))
    .bind(instant_to_db(c.received_at))
    .bind(iso(c.received_on))
    .bind(i64::from(c.late))
    .bind(serde_json::to_string(&c.findings)?)
    .bind(c.status.code())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn decide_change(
    conn: &mut AnyConnection,
    id: &str,
    status: ChangeStatus,
    refusal_reasons: &str,
    decided_by: &str,
    at: DateTime<Utc>,
    on: NaiveDate,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE changes SET status = $2, refusal_reasons = $3, decided_by = $4, decided_at = $5, decided_on = $6 \
         WHERE change_id = $1 AND status = 'RECEIVED'",
    )
    .bind(id)
    .bind(status.code())
    .bind(refusal_reasons)
    .bind(decided_by)
    .bind(instant_to_db(at))
    .bind(iso(on))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn accepted_change_ids(conn: &mut AnyConnection, number: &str) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT change_id FROM changes WHERE registration_number = $1 AND status = 'ACCEPTED' ORDER BY received_at")
        .bind(number)
        .fetch_all(conn)
        .await
}
