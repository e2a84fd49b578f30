//! Registrations, and the list of public changes that keeps replicas' lookups current.

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{date, decode_err, instant, iso};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use prost::Message;
use rex_proto::registration::RegistrationData;
use rex_registration_domain::{Language, RegistrationStatus};

use super::revocations::{RevocationRow, revocation_from_row};
use super::{Result, code};

#[derive(Debug, Clone)]
pub struct RegistrationRow {
    pub registration_number: String,
    pub application_id: String,
    pub exporter_tin: String,
    pub branch_code: String,
    pub primary_language: Language,
    pub valid_from: NaiveDate,
    pub assigned_on: NaiveDate,
    pub assigned_at: DateTime<Utc>,
    pub authorized_person_id: String,
    pub status: RegistrationStatus,
    pub data: RegistrationData,
}

fn registration_from_row(row: &AnyRow) -> Result<RegistrationRow> {
    let data: Vec<u8> = row.try_get("data")?;
    Ok(RegistrationRow {
        registration_number: row.try_get("registration_number")?,
        application_id: row.try_get("application_id")?,
        exporter_tin: row.try_get("exporter_tin")?,
        branch_code: row.try_get("branch_code")?,
        primary_language: code(row, "primary_language", Language::from_code)?,
        valid_from: date(row, "valid_from")?,
        assigned_on: date(row, "assigned_on")?,
        assigned_at: instant(row, "assigned_at")?,
        authorized_person_id: row.try_get("authorized_person_id")?,
        status: code(row, "status", RegistrationStatus::from_code)?,
        data: RegistrationData::decode(data.as_slice()).map_err(|e| decode_err("data", e))?,
    })
}

pub async fn get_registration(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<RegistrationRow>> {
    let row = sqlx::query("SELECT * FROM registrations WHERE registration_number = $1")
        .bind(number)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(registration_from_row).transpose()
}

/// The numbers of `tin`'s registrations whose data the exporter consented to publish (REG-5),
/// newest first.
pub async fn published_numbers_of(conn: &mut AnyConnection, tin: &str) -> Result<Vec<String>> {
    let rows =
        sqlx::query("SELECT * FROM registrations WHERE exporter_tin = $1 ORDER BY sequence DESC")
            .bind(tin)
            .fetch_all(conn)
            .await?;
    let mut numbers = Vec::new();
    for row in &rows {
        let r = registration_from_row(row)?;
        if r.data.publication_consent {
            numbers.push(r.registration_number);
        }
    }
    Ok(numbers)
}

pub async fn active_registration_for_tin(
    conn: &mut AnyConnection,
    tin: &str,
) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT registration_number FROM registrations WHERE exporter_tin = $1 AND status = 'ACTIVE'")
        .bind(tin)
        .fetch_optional(conn)
        .await
}

/// Takes the next number of the continuous sequence (REG-7); `None` when 9999 is used up.
pub async fn next_sequence(conn: &mut AnyConnection, max: u32) -> Result<Option<u32>> {
    let value: Option<i64> = sqlx::query_scalar(
        "UPDATE number_sequence SET last_value = last_value + 1 WHERE id = 1 AND last_value < $1 RETURNING last_value",
    )
    .bind(i64::from(max))
    .fetch_optional(conn)
    .await?;
    Ok(value.and_then(|v| u32::try_from(v).ok()))
}

/// Sets the sequence's last value (operators' tool and tests of exhaustion).
pub async fn set_sequence(conn: &mut AnyConnection, last: u32) -> Result<()> {
    sqlx::query("UPDATE number_sequence SET last_value = $1 WHERE id = 1")
        .bind(i64::from(last))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_registration(
    conn: &mut AnyConnection,
    r: &RegistrationRow,
    sequence: u32,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO registrations (registration_number, sequence, application_id, exporter_tin, branch_code, \
         primary_language, valid_from, assigned_on, assigned_at, authorized_person_id, status, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&r.registration_number)
    .bind(i64::from(sequence))
    .bind(&r.application_id)
    .bind(&r.exporter_tin)
    .bind(&r.branch_code)
    .bind(r.primary_language.code())
    .bind(iso(r.valid_from))
    .bind(iso(r.assigned_on))
    .bind(instant_to_db(r.assigned_at))
    .bind(&r.authorized_person_id)
    .bind(r.status.code())
    .bind(r.data.encode_to_vec())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_registration_status(
    conn: &mut AnyConnection,
    number: &str,
    from: RegistrationStatus,
    to: RegistrationStatus,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE registrations SET status = $3 WHERE registration_number = $1 AND status = $2",
    )
    .bind(number)
    .bind(from.code())
    .bind(to.code())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_registration_data(
    conn: &mut AnyConnection,
    number: &str,
    data: &RegistrationData,
) -> Result<()> {
    sqlx::query("UPDATE registrations SET data = $2 WHERE registration_number = $1")
        .bind(number)
        .bind(data.encode_to_vec())
        .execute(conn)
        .await?;
    Ok(())
}

/// so the head row stays locked only until the commit.
pub async fn record_public_change(
    conn: &mut AnyConnection,
    number: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let seq: i64 = sqlx::query_scalar(
        "UPDATE public_changes_head SET seq = seq + 1 WHERE id = 1 RETURNING seq",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO public_changes (seq, registration_number, changed_at) VALUES ($1, $2, $3)",
    )
    .bind(seq)
    .bind(number)
    .bind(instant_to_db(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest listed change.
pub async fn public_changes_head(conn: &mut AnyConnection) -> Result<i64> {
    sqlx::query_scalar("SELECT seq FROM public_changes_head WHERE id = 1")
        .fetch_one(conn)
        .await
}

/// The changes listed after `seq`, in order.
pub async fn public_changes_after(
    conn: &mut AnyConnection,
    seq: i64,
) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT seq, registration_number FROM public_changes WHERE seq > $1 ORDER BY seq",
    )
    .bind(seq)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("seq")?, r.try_get("registration_number")?)))
        .collect()
}

/// Up to `limit` registrations after `after` in number order, with their revocations: a page
/// of the registry for the lookup cache's warm-up.
pub async fn registrations_page(
    conn: &mut AnyConnection,
    after: &str,
    limit: i64,
) -> Result<Vec<(RegistrationRow, Vec<RevocationRow>)>> {
    let rows = sqlx::query(
        "SELECT * FROM registrations WHERE registration_number > $1 ORDER BY registration_number LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut page = rows
        .iter()
        .map(|row| Ok((registration_from_row(row)?, Vec::new())))
        .collect::<Result<Vec<(RegistrationRow, Vec<RevocationRow>)>>>()?;
    let (Some(first), Some(last)) = (page.first(), page.last()) else {
        return Ok(page);
    };
    let revocations = sqlx::query("SELECT * FROM revocations WHERE registration_number >= $1 AND registration_number <= $2 ORDER BY recorded_at, revocation_id")
        .bind(first.0.registration_number.clone())
        .bind(last.0.registration_number.clone())
        .fetch_all(conn)
        .await?;
    for row in &revocations {
        let revocation = revocation_from_row(row)?;
        if let Ok(at) = page.binary_search_by(|(r, _)| {
            r.registration_number
                .as_str()
                .cmp(revocation.registration_number.as_str())
        }) {
            page[at].1.push(revocation);
        }
    }
    Ok(page)
}

/// The exporter's other active registration, besides `number`: the newer one a court
/// reinstatement finds (REV-5).
pub async fn other_active(
    conn: &mut AnyConnection,
    tin: &str,
    number: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT registration_number FROM registrations \
         WHERE exporter_tin = $1 AND status = 'ACTIVE' AND registration_number <> $2 \
         ORDER BY registration_number LIMIT 1",
    )
    .bind(tin)
    .bind(number)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get("registration_number")).transpose()
}

/// REV-5: `number` is active beside a newer one until the exporter chooses (outside REG-10's
/// one-active index), or no longer.
pub async fn set_beside_newer(conn: &mut AnyConnection, number: &str, beside: bool) -> Result<()> {
    sqlx::query("UPDATE registrations SET beside_newer = $2 WHERE registration_number = $1")
        .bind(number)
        .bind(i64::from(beside))
        .execute(conn)
        .await?;
    Ok(())
}

/// An open question to the exporter which of two active numbers to keep (REV-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourtChoice {
    pub choice_id: String,
    pub exporter_tin: String,
    pub reinstated_number: String,
    pub newer_number: String,
    pub raised_on: NaiveDate,
    pub due_on: NaiveDate,
}

pub async fn raise_court_choice(conn: &mut AnyConnection, c: &CourtChoice) -> Result<()> {
    sqlx::query(
        "INSERT INTO court_choices (choice_id, exporter_tin, reinstated_number, newer_number, raised_on, due_on) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&c.choice_id)
    .bind(&c.exporter_tin)
    .bind(&c.reinstated_number)
    .bind(&c.newer_number)
    .bind(c.raised_on.to_string())
    .bind(c.due_on.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// The revocation of `revoked` answers the open question of its exporter, if any: the other
/// number is kept, and is again the one active registration REG-10 counts. The number kept.
pub async fn resolve_court_choice(
    conn: &mut AnyConnection,
    revoked: &str,
    on: NaiveDate,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT choice_id, reinstated_number, newer_number FROM court_choices \
         WHERE resolved_on IS NULL AND (reinstated_number = $1 OR newer_number = $1)",
    )
    .bind(revoked)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: String = row.try_get("choice_id")?;
    let reinstated: String = row.try_get("reinstated_number")?;
    let newer: String = row.try_get("newer_number")?;
    let kept = if reinstated == revoked {
        newer
    } else {
        reinstated
    };
    sqlx::query("UPDATE court_choices SET resolved_on = $2, kept_number = $3 WHERE choice_id = $1")
        .bind(&id)
        .bind(on.to_string())
        .bind(&kept)
        .execute(&mut *conn)
        .await?;
    // Whichever went, neither is beside another now.
    set_beside_newer(conn, revoked, false).await?;
    set_beside_newer(conn, &kept, false).await?;
    Ok(Some(kept))
}

/// The open question which number to keep (REV-5) that `number` is part of, if any.
pub async fn open_court_choice(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<CourtChoice>> {
    let row = sqlx::query(
        "SELECT * FROM court_choices WHERE resolved_on IS NULL \
         AND (reinstated_number = $1 OR newer_number = $1) ORDER BY raised_on LIMIT 1",
    )
    .bind(number)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(CourtChoice {
            choice_id: r.try_get("choice_id")?,
            exporter_tin: r.try_get("exporter_tin")?,
            reinstated_number: r.try_get("reinstated_number")?,
            newer_number: r.try_get("newer_number")?,
            raised_on: date(&r, "raised_on")?,
            due_on: date(&r, "due_on")?,
        })
    })
    .transpose()
}
