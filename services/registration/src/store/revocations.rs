//! Revocations (REV-1) and their annulment by a court (REV-5).

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{date, instant, iso, opt_date, opt_instant};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use rex_registration_domain::{ChallengeFacts, Requester, RevocationFacts, RevocationGround};

use super::{Result, code};

#[derive(Debug, Clone)]
pub struct RevocationRow {
    pub revocation_id: String,
    pub registration_number: String,
    pub ground: RevocationGround,
    pub revoked_on: NaiveDate,
    pub requested_by: Requester,
    pub case_reference: String,
    pub explanation: String,
    pub officer_id: String,
    pub recorded_at: DateTime<Utc>,
    pub court_reference: Option<String>,
    pub court_decision_on: Option<NaiveDate>,
    pub annulled_at: Option<DateTime<Utc>>,
    /// REV-8: the court case contesting it ('' when never contested), filed and closed when.
    pub challenge_case_reference: String,
    pub challenged_on: Option<NaiveDate>,
    pub challenge_closed_on: Option<NaiveDate>,
}

pub async fn revocations_of(conn: &mut AnyConnection, number: &str) -> Result<Vec<RevocationRow>> {
    let rows = sqlx::query("SELECT * FROM revocations WHERE registration_number = $1 ORDER BY recorded_at, revocation_id")
        .bind(number)
        .fetch_all(conn)
        .await?;
    rows.iter().map(revocation_from_row).collect()
}

impl RevocationFacts for RevocationRow {
    fn revoked_on(&self) -> NaiveDate {
        self.revoked_on
    }
    fn annulled(&self) -> bool {
        self.annulled_at.is_some()
    }
}

impl ChallengeFacts for RevocationRow {
    fn challenge_case(&self) -> &str {
        &self.challenge_case_reference
    }
    fn challenge_closed(&self) -> bool {
        self.challenge_closed_on.is_some()
    }
}

/// REV-8: revocation `id` is contested in court case `case` from `filed_on`.
pub async fn contest(
    conn: &mut AnyConnection,
    id: &str,
    case: &str,
    filed_on: NaiveDate,
) -> Result<()> {
    sqlx::query(
        "UPDATE revocations SET challenge_case_reference = $2, challenged_on = $3, challenge_closed_on = NULL \
         WHERE revocation_id = $1",
    )
    .bind(id)
    .bind(case)
    .bind(iso(filed_on))
    .execute(conn)
    .await?;
    Ok(())
}

/// REV-8: the court decided the pending challenge of revocation `id` on `on` (dismissed, or
/// annulled with REV-5); a revocation never contested is left as it is.
pub async fn close_challenge(conn: &mut AnyConnection, id: &str, on: NaiveDate) -> Result<()> {
    sqlx::query(
        "UPDATE revocations SET challenge_closed_on = $2 \
         WHERE revocation_id = $1 AND challenge_case_reference <> '' AND challenge_closed_on IS NULL",
    )
    .bind(id)
    .bind(iso(on))
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) fn revocation_from_row(row: &AnyRow) -> Result<RevocationRow> {
    Ok(RevocationRow {
        revocation_id: row.try_get("revocation_id")?,
        registration_number: row.try_get("registration_number")?,
        ground: code(row, "ground", RevocationGround::from_code)?,
        revoked_on: date(row, "revoked_on")?,
        requested_by: code(row, "requested_by", Requester::from_code)?,
        case_reference: row.try_get("case_reference")?,
        explanation: row.try_get("explanation")?,
        officer_id: row.try_get("officer_id")?,
        recorded_at: instant(row, "recorded_at")?,
        court_reference: row.try_get("court_reference")?,
        court_decision_on: opt_date(row, "court_decision_on")?,
        annulled_at: opt_instant(row, "annulled_at")?,
        challenge_case_reference: row.try_get("challenge_case_reference")?,
        challenged_on: opt_date(row, "challenged_on")?,
        challenge_closed_on: opt_date(row, "challenge_closed_on")?,
    })
}

/// Lists a change of `number`'s public record (see migration 0005). Called last in the write,
pub async fn insert_revocation(conn: &mut AnyConnection, r: &RevocationRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO revocations (revocation_id, registration_number, ground, revoked_on, requested_by, case_reference, \
         explanation, officer_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.revocation_id)
    .bind(&r.registration_number)
    .bind(r.ground.code())
    .bind(iso(r.revoked_on))
    .bind(r.requested_by.code())
    .bind(&r.case_reference)
    .bind(&r.explanation)
    .bind(&r.officer_id)
    .bind(instant_to_db(r.recorded_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn annul_revocation(
    conn: &mut AnyConnection,
    revocation_id: &str,
    court_reference: &str,
    court_decision_on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE revocations SET court_reference = $2, court_decision_on = $3, annulled_at = $4 WHERE revocation_id = $1")
        .bind(revocation_id)
        .bind(court_reference)
        .bind(iso(court_decision_on))
        .bind(instant_to_db(at))
        .execute(conn)
        .await?;
    Ok(())
}
