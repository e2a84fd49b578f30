//! The `cases` table: a row is a domain [`Case`] plus the dossier as received; each move of a
//! case is one conditional update, so a concurrent move is seen, never overwritten.

use chrono::NaiveDate;
use prost::Message;
use rex_proto::verification::RecordCheckRequest;
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{date, decode_err, instant, iso, opt_date, opt_instant};
use rex_verification_domain::{
    Case, CaseStatus, CheckRecorded, Concluded, Country, Finding, OfficerId, Outcome,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::Result;
use crate::wire::{finding_from_proto, finding_to_proto};

/// A case as stored.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub case: Case,
    /// The registration service's `GetDossierResponse` as received (VER-5).
    pub dossier: Option<Vec<u8>>,
    /// Each consultation of REX data in the case, oldest first (VER-3).
    pub consultations: Vec<Consultation>,
}

/// A consultation of REX data as kept (VER-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    pub registration_number: String,
    pub seen: String,
    pub officer_id: String,
    pub consulted_at: chrono::DateTime<chrono::Utc>,
}

/// Records a consultation of REX data in case `case_id` (VER-3).
pub async fn record_consultation(
    conn: &mut AnyConnection,
    case_id: &str,
    c: &Consultation,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rex_consultations (case_id, seq, registration_number, seen, officer_id, consulted_at) \
         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rex_consultations WHERE case_id = $1), $2, $3, $4, $5)",
    )
    .bind(case_id)
    .bind(&c.registration_number)
    .bind(&c.seen)
    .bind(&c.officer_id)
    .bind(instant_to_db(c.consulted_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// `row` with its consultations read.
async fn consulted(conn: &mut AnyConnection, mut row: CaseRow) -> Result<CaseRow> {
    let rows = sqlx::query(
        "SELECT registration_number, seen, officer_id, consulted_at FROM rex_consultations \
         WHERE case_id = $1 ORDER BY seq",
    )
    .bind(&row.case.case_id)
    .fetch_all(conn)
    .await?;
    row.consultations = rows
        .iter()
        .map(|r| {
            Ok(Consultation {
                registration_number: r.try_get("registration_number")?,
                seen: r.try_get("seen")?,
                officer_id: r.try_get("officer_id")?,
                consulted_at: instant(r, "consulted_at")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(row)
}

/// Outcomes are stored under the contract's names (`VERIFICATION_OUTCOME_…`), '' for none.
const OUTCOME_PREFIX: &str = "VERIFICATION_OUTCOME_";

fn outcome_to_db(outcome: Outcome) -> String {
    format!("{OUTCOME_PREFIX}{outcome}")
}

fn outcome_from_db(text: &str) -> Result<Option<Outcome>> {
    if text.is_empty() {
        return Ok(None);
    }
    text.strip_prefix(OUTCOME_PREFIX)
        .unwrap_or(text)
        .parse()
        .map(Some)
        .map_err(|e| decode_err("outcome", e))
}

fn parsed<T: std::str::FromStr<Err: std::fmt::Display>>(row: &AnyRow, col: &str) -> Result<T> {
    let text: String = row.try_get(col)?;
    text.parse().map_err(|e| decode_err(col, e))
}

/// The check's findings are stored as the `RecordCheckRequest` that holds them.
fn findings_to_db(check: &CheckRecorded) -> Vec<u8> {
    RecordCheckRequest {
        findings: check.findings.iter().map(finding_to_proto).collect(),
        officer_id: check.officer_id.as_str().to_owned(),
        ..Default::default()
    }
    .encode_to_vec()
}

fn findings_from_db(bytes: Option<Vec<u8>>) -> Result<Vec<Finding>> {
    let Some(bytes) = bytes else {
        return Ok(Vec::new());
    };
    let stored = RecordCheckRequest::decode(bytes.as_slice())
        .map_err(|e| decode_err("check_findings", e))?;
    Ok(stored
        .findings
        .into_iter()
        .map(finding_from_proto)
        .collect())
}

fn case_from_row(row: &AnyRow) -> Result<CaseRow> {
    let case = Case {
        case_id: row.try_get("case_id")?,
        requesting_country: parsed::<Country>(row, "requesting_country")?,
        foreign_reference: row.try_get("foreign_reference")?,
        registration_number: row.try_get("registration_number")?,
        received_at: instant(row, "received_at")?,
        received_on: date(row, "received_on")?,
        subject: row.try_get("subject")?,
        responsible_officer_id: row.try_get("responsible_officer_id")?,
        status: parsed::<CaseStatus>(row, "status")?,
        opened_at: instant(row, "opened_at")?,
        dossier_requested_on: opt_date(row, "dossier_requested_on")?,
        dossier_received_on: opt_date(row, "dossier_received_on")?,
        dossier_finding: row.try_get("dossier_finding")?,
        checked_on: opt_date(row, "checked_on")?,
        checked_by: row.try_get("checked_by")?,
        checked_at: opt_instant(row, "checked_at")?,
        check_findings: findings_from_db(row.try_get("check_findings")?)?,
        concluded_on: opt_date(row, "concluded_on")?,
        outcome: outcome_from_db(row.try_get("outcome")?)?,
        conclusion_text: row.try_get("conclusion_text")?,
        concluded_by: row.try_get("concluded_by")?,
        conclusion_json: row.try_get("conclusion_json")?,
        conclusion_html: row.try_get("conclusion_html")?,
        revocation_requested_on: opt_date(row, "revocation_requested_on")?,
        revocation_officer_id: row.try_get("revocation_officer_id")?,
        revocation_answer: row.try_get("revocation_answer")?,
    };
    Ok(CaseRow {
        case,
        dossier: row.try_get("dossier")?,
        consultations: Vec::new(),
    })
}

pub async fn get_case(conn: &mut AnyConnection, id: &str) -> Result<Option<CaseRow>> {
    let row = sqlx::query("SELECT * FROM cases WHERE case_id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match row.as_ref().map(case_from_row).transpose()? {
        Some(case) => Ok(Some(consulted(conn, case).await?)),
        None => Ok(None),
    }
}

pub async fn case_by_reference(
    conn: &mut AnyConnection,
    country: Country,
    reference: &str,
) -> Result<Option<CaseRow>> {
    let row =
        sqlx::query("SELECT * FROM cases WHERE requesting_country = $1 AND foreign_reference = $2")
            .bind(country.as_str())
            .bind(reference)
            .fetch_optional(&mut *conn)
            .await?;
    match row.as_ref().map(case_from_row).transpose()? {
        Some(case) => Ok(Some(consulted(conn, case).await?)),
        None => Ok(None),
    }
}

/// Cases in `status` (none: all), oldest first.
pub async fn cases(conn: &mut AnyConnection, status: Option<CaseStatus>) -> Result<Vec<CaseRow>> {
    let rows = sqlx::query(
        "SELECT * FROM cases WHERE ($1 = '' OR status = $1) ORDER BY opened_at, case_id",
    )
    .bind(status.map_or("", CaseStatus::as_str))
    .fetch_all(&mut *conn)
    .await?;
    let mut cases = Vec::with_capacity(rows.len());
    for row in &rows {
        cases.push(consulted(conn, case_from_row(row)?).await?);
    }
    Ok(cases)
}

pub async fn insert_case(conn: &mut AnyConnection, c: &Case) -> Result<()> {
    sqlx::query(
        "INSERT INTO cases (case_id, requesting_country, foreign_reference, registration_number, received_at, received_on, \
         subject, responsible_officer_id, status, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&c.case_id)
    .bind(c.requesting_country.as_str())
    .bind(&c.foreign_reference)
    .bind(&c.registration_number)
    .bind(instant_to_db(c.received_at))
    .bind(iso(c.received_on))
    .bind(&c.subject)
    .bind(&c.responsible_officer_id)
    .bind(c.status.as_str())
    .bind(instant_to_db(c.opened_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a case from `from` to `to`, setting the columns given (name, text value). False when
/// the case was not in `from`.
async fn advance(
    conn: &mut AnyConnection,
    case_id: &str,
    from: CaseStatus,
    to: CaseStatus,
    set: &[(&str, Option<String>)],
) -> Result<bool> {
    let mut sql = String::from("UPDATE cases SET status = $3");
    for (i, (col, _)) in set.iter().enumerate() {
        sql += &format!(", {col} = ${}", i + 4);
    }
    sql += " WHERE case_id = $1 AND status = $2";
    let mut q = sqlx::query(&sql)
        .bind(case_id)
        .bind(from.as_str())
        .bind(to.as_str());
    for (_, value) in set {
        q = q.bind(value.clone());
    }
    Ok(q.execute(conn).await?.rows_affected() == 1)
}

/// VER-4 done: OPEN -> DOSSIER_REQUESTED.
pub async fn request_dossier(
    conn: &mut AnyConnection,
    case_id: &str,
    requested_on: NaiveDate,
) -> Result<bool> {
    let set = [("dossier_requested_on", Some(iso(requested_on)))];
    advance(
        conn,
        case_id,
        CaseStatus::Open,
        CaseStatus::DossierRequested,
        &set,
    )
    .await
}

/// Stores the dossier as received, ending VER-5: DOSSIER_REQUESTED -> DOSSIER_RECEIVED.
pub async fn store_dossier(
    conn: &mut AnyConnection,
    case_id: &str,
    dossier: Option<&[u8]>,
    finding: &str,
    on: NaiveDate,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE cases SET status = $5, dossier = $2, dossier_finding = $3, dossier_received_on = $4 \
         WHERE case_id = $1 AND status = $6",
    )
    .bind(case_id)
    .bind(dossier.map(<[u8]>::to_vec))
    .bind(finding)
    .bind(iso(on))
    .bind(CaseStatus::DossierReceived.as_str())
    .bind(CaseStatus::DossierRequested.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores the check (VER-6): DOSSIER_RECEIVED -> CHECKED.
pub async fn record_check(
    conn: &mut AnyConnection,
    case_id: &str,
    check: &CheckRecorded,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE cases SET status = $6, check_findings = $2, checked_by = $3, checked_at = $4, checked_on = $5 \
         WHERE case_id = $1 AND status = $7",
    )
    .bind(case_id)
    .bind(findings_to_db(check))
    .bind(check.officer_id.as_str())
    .bind(instant_to_db(check.checked_at))
    .bind(iso(check.checked_on))
    .bind(CaseStatus::Checked.as_str())
    .bind(CaseStatus::DossierReceived.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores the conclusion (VER-7): CHECKED -> CONCLUDED.
pub async fn conclude(conn: &mut AnyConnection, case_id: &str, c: &Concluded) -> Result<bool> {
    let set = [
        ("concluded_on", Some(iso(c.concluded_on))),
        ("outcome", Some(outcome_to_db(c.outcome))),
        ("conclusion_text", Some(c.text.clone())),
        ("concluded_by", Some(c.officer_id.as_str().to_owned())),
        ("conclusion_json", Some(c.conclusion.to_json())),
        ("conclusion_html", Some(c.conclusion.to_html())),
    ];
    advance(
        conn,
        case_id,
        CaseStatus::Checked,
        CaseStatus::Concluded,
        &set,
    )
    .await
}

/// VER-8 done: CONCLUDED -> REVOCATION_REQUESTED.
pub async fn request_revocation(
    conn: &mut AnyConnection,
    case_id: &str,
    requested_on: NaiveDate,
    officer_id: &OfficerId,
) -> Result<bool> {
    let set = [
        ("revocation_requested_on", Some(iso(requested_on))),
        (
            "revocation_officer_id",
            Some(officer_id.as_str().to_owned()),
        ),
    ];
    advance(
        conn,
        case_id,
        CaseStatus::Concluded,
        CaseStatus::RevocationRequested,
        &set,
    )
    .await
}

/// Atameken answered the appeal to revoke: REVOCATION_REQUESTED -> CLOSED.
pub async fn close(conn: &mut AnyConnection, case_id: &str, answer: &str) -> Result<bool> {
    let set = [("revocation_answer", Some(answer.to_owned()))];
    advance(
        conn,
        case_id,
        CaseStatus::RevocationRequested,
        CaseStatus::Closed,
        &set,
    )
    .await
}

/// The stored name of an outcome, for logs.
pub fn outcome_name(outcome: Option<Outcome>) -> String {
    outcome.map(outcome_to_db).unwrap_or_default()
}
