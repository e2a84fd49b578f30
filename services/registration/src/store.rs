//! The registry's storage (sqlx, SQLite or PostgreSQL through one set of SQL).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use rex_proto::common::{Document, DocumentKind};
use rex_proto::registration::{ApplicationForm, RegistrationData};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{date, decode_err, instant, iso, opt_date, opt_instant};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::Finding;

pub type Result<T> = std::result::Result<T, sqlx::Error>;

// ---- applications ------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub application_id: String,
    pub exporter_tin: String,
    pub branch_code: String,
    pub channel: String,
    pub primary_language: String,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    /// As submitted, without documents (they are in `documents`).
    pub form: ApplicationForm,
    pub findings: Vec<Finding>,
    pub status: String,
    pub refusal_reasons: Vec<String>,
    pub refusal_explanation: String,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_on: Option<NaiveDate>,
    pub registration_number: Option<String>,
}

fn application_from_row(row: &AnyRow) -> Result<ApplicationRow> {
    let form: Vec<u8> = row.try_get("form")?;
    let findings: String = row.try_get("findings")?;
    let reasons: String = row.try_get("refusal_reasons")?;
    Ok(ApplicationRow {
        application_id: row.try_get("application_id")?,
        exporter_tin: row.try_get("exporter_tin")?,
        branch_code: row.try_get("branch_code")?,
        channel: row.try_get("channel")?,
        primary_language: row.try_get("primary_language")?,
        received_at: instant(row, "received_at")?,
        received_on: date(row, "received_on")?,
        form: ApplicationForm::decode(form.as_slice()).map_err(|e| decode_err("form", e))?,
        findings: serde_json::from_str(&findings).map_err(|e| decode_err("findings", e))?,
        status: row.try_get("status")?,
        refusal_reasons: reasons
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
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
    pub channel: &'a str,
    pub primary_language: &'a str,
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
    .bind(a.channel)
    .bind(a.primary_language)
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
    pub status: Option<&'a str>,
    pub exporter_tin: Option<&'a str>,
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
        "SELECT * FROM applications WHERE ($1 = '' OR status = $1) AND ($2 = '' OR exporter_tin = $2) \
         AND ($3 = '' OR (status = 'RECEIVED' AND registration_due < $3)) \
         AND ($4 = '' OR received_at > $4 OR (received_at = $4 AND application_id > $5)) \
         ORDER BY received_at, application_id LIMIT $6",
    )
    .bind(f.status.unwrap_or(""))
    .bind(f.exporter_tin.unwrap_or(""))
    .bind(f.overdue_before.map(iso).unwrap_or_default())
    .bind(after_at)
    .bind(after_id)
    .bind(f.limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(application_from_row).collect()
}

/// A decision on an application (REG-6 or REG-9).
#[derive(Debug)]
pub struct Decision<'a> {
    pub status: &'a str,
    pub decided_by: &'a str,
    pub decided_at: DateTime<Utc>,
    pub decided_on: NaiveDate,
    pub refusal_reasons: &'a [String],
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
    .bind(status)
    .bind(decided_by)
    .bind(instant_to_db(decided_at))
    .bind(iso(decided_on))
    .bind(refusal_reasons.join(","))
    .bind(refusal_explanation)
    .bind(registration_number)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---- documents ---------------------------------------------------------------------------------

/// Documents of an owner, in position order; `with_content` loads the bytes.
pub async fn documents_of(
    conn: &mut AnyConnection,
    owner_kind: &str,
    owner_id: &str,
    with_content: bool,
) -> Result<Vec<(i64, Document)>> {
    let rows = sqlx::query(
        "SELECT document_id, position, kind, file_name, media_type, sha256, size_bytes, keep_until, purged_at, \
         CASE WHEN $3 = 1 THEN content ELSE NULL END AS content \
         FROM documents WHERE owner_kind = $1 AND owner_id = $2 ORDER BY position",
    )
    .bind(owner_kind)
    .bind(owner_id)
    .bind(i64::from(with_content))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let size: i64 = row.try_get("size_bytes")?;
            let content: Option<Vec<u8>> = row.try_get("content")?;
            let position: i64 = row.try_get("position")?;
            Ok((
                position,
                Document {
                    document_id: row.try_get("document_id")?,
                    kind: DocumentKind::from_str_name(&kind)
                        .map(|k| k as i32)
                        .unwrap_or(0),
                    file_name: row.try_get("file_name")?,
                    media_type: row.try_get("media_type")?,
                    content: content.unwrap_or_default(),
                    sha256: row.try_get("sha256")?,
                    size_bytes: u64::try_from(size).unwrap_or(0),
                    keep_until: Some(rex_runtime::convert::date_to_proto(date(
                        row,
                        "keep_until",
                    )?)),
                    purged_at: opt_instant(row, "purged_at")?
                        .map(rex_runtime::convert::timestamp_to_proto),
                },
            ))
        })
        .collect()
}

#[derive(Debug)]
pub struct NewDocument<'a> {
    pub document_id: String,
    pub owner_kind: &'a str,
    pub owner_id: &'a str,
    pub position: i64,
    pub doc: &'a Document,
    pub sha256: String,
    pub received_on: NaiveDate,
    pub keep_until: NaiveDate,
}

pub async fn insert_document(conn: &mut AnyConnection, d: &NewDocument<'_>) -> Result<()> {
    let kind = DocumentKind::try_from(d.doc.kind)
        .map(|k| k.as_str_name())
        .unwrap_or("DOCUMENT_KIND_OTHER");
    sqlx::query(
        "INSERT INTO documents (document_id, owner_kind, owner_id, position, kind, file_name, media_type, sha256, \
         size_bytes, content, received_on, keep_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&d.document_id)
    .bind(d.owner_kind)
    .bind(d.owner_id)
    .bind(d.position)
    .bind(kind)
    .bind(&d.doc.file_name)
    .bind(&d.doc.media_type)
    .bind(&d.sha256)
    .bind(i64::try_from(d.doc.content.len()).unwrap_or(i64::MAX))
    .bind(d.doc.content.clone())
    .bind(iso(d.received_on))
    .bind(iso(d.keep_until))
    .execute(conn)
    .await?;
    Ok(())
}

// ---- registrations -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct RegistrationRow {
    pub registration_number: String,
    pub application_id: String,
    pub exporter_tin: String,
    pub branch_code: String,
    pub primary_language: String,
    pub valid_from: NaiveDate,
    pub assigned_on: NaiveDate,
    pub assigned_at: DateTime<Utc>,
    pub authorized_person_id: String,
    pub status: String,
    pub data: RegistrationData,
}

fn registration_from_row(row: &AnyRow) -> Result<RegistrationRow> {
    let data: Vec<u8> = row.try_get("data")?;
    Ok(RegistrationRow {
        registration_number: row.try_get("registration_number")?,
        application_id: row.try_get("application_id")?,
        exporter_tin: row.try_get("exporter_tin")?,
        branch_code: row.try_get("branch_code")?,
        primary_language: row.try_get("primary_language")?,
        valid_from: date(row, "valid_from")?,
        assigned_on: date(row, "assigned_on")?,
        assigned_at: instant(row, "assigned_at")?,
        authorized_person_id: row.try_get("authorized_person_id")?,
        status: row.try_get("status")?,
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
    .bind(&r.primary_language)
    .bind(iso(r.valid_from))
    .bind(iso(r.assigned_on))
    .bind(instant_to_db(r.assigned_at))
    .bind(&r.authorized_person_id)
    .bind(&r.status)
    .bind(r.data.encode_to_vec())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_registration_status(
    conn: &mut AnyConnection,
    number: &str,
    from: &str,
    to: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE registrations SET status = $3 WHERE registration_number = $1 AND status = $2",
    )
    .bind(number)
    .bind(from)
    .bind(to)
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

// ---- revocations -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct RevocationRow {
    pub revocation_id: String,
    pub registration_number: String,
    pub ground: String,
    pub revoked_on: NaiveDate,
    pub requested_by: String,
    pub case_reference: String,
    pub explanation: String,
    pub officer_id: String,
    pub recorded_at: DateTime<Utc>,
    pub court_reference: Option<String>,
    pub court_decision_on: Option<NaiveDate>,
    pub annulled_at: Option<DateTime<Utc>>,
}

pub async fn revocations_of(conn: &mut AnyConnection, number: &str) -> Result<Vec<RevocationRow>> {
    let rows = sqlx::query("SELECT * FROM revocations WHERE registration_number = $1 ORDER BY recorded_at, revocation_id")
        .bind(number)
        .fetch_all(conn)
        .await?;
    rows.iter().map(revocation_from_row).collect()
}

fn revocation_from_row(row: &AnyRow) -> Result<RevocationRow> {
    Ok(RevocationRow {
        revocation_id: row.try_get("revocation_id")?,
        registration_number: row.try_get("registration_number")?,
        ground: row.try_get("ground")?,
        revoked_on: date(row, "revoked_on")?,
        requested_by: row.try_get("requested_by")?,
        case_reference: row.try_get("case_reference")?,
        explanation: row.try_get("explanation")?,
        officer_id: row.try_get("officer_id")?,
        recorded_at: instant(row, "recorded_at")?,
        court_reference: row.try_get("court_reference")?,
        court_decision_on: opt_date(row, "court_decision_on")?,
        annulled_at: opt_instant(row, "annulled_at")?,
    })
}

/// Lists a change of `number`'s public record (see migration 0005). Called last in the write,
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

pub async fn insert_revocation(conn: &mut AnyConnection, r: &RevocationRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO revocations (revocation_id, registration_number, ground, revoked_on, requested_by, case_reference, \
         explanation, officer_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.revocation_id)
    .bind(&r.registration_number)
    .bind(&r.ground)
    .bind(iso(r.revoked_on))
    .bind(&r.requested_by)
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

// ---- changes -----------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub change_id: String,
    pub registration_number: String,
    pub proposed: RegistrationData,
    pub categories: Vec<String>,
    pub reason: String,
    pub changed_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub late: bool,
    pub findings: Vec<Finding>,
    pub status: String,
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
            let categories: String = row.try_get("categories")?;
            let findings: String = row.try_get("findings")?;
            let late: i64 = row.try_get("late")?;
            Ok(ChangeRow {
                change_id: row.try_get("change_id")?,
                registration_number: row.try_get("registration_number")?,
                proposed: RegistrationData::decode(proposed.as_slice())
                    .map_err(|e| decode_err("proposed", e))?,
                categories: categories
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                reason: row.try_get("reason")?,
                changed_on: date(row, "changed_on")?,
                received_at: instant(row, "received_at")?,
                received_on: date(row, "received_on")?,
                late: late != 0,
                findings: serde_json::from_str(&findings).map_err(|e| decode_err("findings", e))?,
                status: row.try_get("status")?,
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
    .bind(c.categories.join(","))
    .bind(&c.reason)
    .bind(iso(c.changed_on))
    .bind(instant_to_db(c.received_at))
    .bind(iso(c.received_on))
    .bind(i64::from(c.late))
    .bind(serde_json::to_string(&c.findings)?)
    .bind(&c.status)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn decide_change(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
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
    .bind(status)
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

// ---- authorized persons ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub person_id: String,
    pub full_name: String,
    pub position: String,
    pub branch_code: String,
    pub phone: String,
    pub email: String,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

pub async fn persons(conn: &mut AnyConnection, include_inactive: bool) -> Result<Vec<PersonRow>> {
    let rows = sqlx::query(
        "SELECT * FROM authorized_persons WHERE active = 1 OR $1 = 1 ORDER BY person_id",
    )
    .bind(i64::from(include_inactive))
    .fetch_all(conn)
    .await?;
    rows.iter().map(person_from_row).collect()
}

fn person_from_row(row: &AnyRow) -> Result<PersonRow> {
    let active: i64 = row.try_get("active")?;
    Ok(PersonRow {
        person_id: row.try_get("person_id")?,
        full_name: row.try_get("full_name")?,
        position: row.try_get("position")?,
        branch_code: row.try_get("branch_code")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        active: active != 0,
        updated_at: instant(row, "updated_at")?,
    })
}

pub async fn get_person(conn: &mut AnyConnection, id: &str) -> Result<Option<PersonRow>> {
    let row = sqlx::query("SELECT * FROM authorized_persons WHERE person_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(person_from_row).transpose()
}

pub async fn upsert_person(conn: &mut AnyConnection, p: &PersonRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO authorized_persons (person_id, full_name, position, branch_code, phone, email, active, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (person_id) DO UPDATE SET full_name = excluded.full_name, \
         position = excluded.position, branch_code = excluded.branch_code, phone = excluded.phone, email = excluded.email, \
         active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(&p.person_id)
    .bind(&p.full_name)
    .bind(&p.position)
    .bind(&p.branch_code)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(i64::from(p.active))
    .bind(instant_to_db(p.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

// ---- outbox ------------------------------------------------------------------------------------

pub use rex_runtime::outbox::{Notice, insert as insert_notice, list as notices};

// ---- dossiers and retention ----------------------------------------------------------------------

pub async fn record_dossier_request(
    conn: &mut AnyConnection,
    number: &str,
    case_reference: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO dossier_requests (request_id, registration_number, case_reference, requested_at) VALUES ($1, $2, $3, $4)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(number)
        .bind(case_reference)
        .bind(instant_to_db(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Summary of what is kept: per year of `keep_until`, the number of documents with content.
pub async fn retention_report(conn: &mut AnyConnection) -> Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT substr(keep_until, 1, 4) AS year, COUNT(*) AS documents, CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS bytes \
         FROM documents WHERE content IS NOT NULL GROUP BY substr(keep_until, 1, 4) ORDER BY year",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("year")?,
                r.try_get("documents")?,
                r.try_get("bytes")?,
            ))
        })
        .collect()
}

/// Removes the content of documents whose retention ended before `as_of` (RET-1), logs a run
/// that removed anything, and returns the ids removed with the bytes freed.
pub async fn purge_documents(
    conn: &mut AnyConnection,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, i64)> {
    let rows = sqlx::query("SELECT document_id, size_bytes FROM documents WHERE content IS NOT NULL AND keep_until < $1 ORDER BY document_id")
        .bind(iso(as_of))
        .fetch_all(&mut *conn)
        .await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut bytes = 0i64;
    for r in &rows {
        ids.push(r.try_get::<String, _>("document_id")?);
        bytes += r.try_get::<i64, _>("size_bytes")?;
    }
    sqlx::query("UPDATE documents SET content = NULL, purged_at = $2 WHERE content IS NOT NULL AND keep_until < $1")
        .bind(iso(as_of))
        .bind(instant_to_db(now))
        .execute(&mut *conn)
        .await?;
    if ids.is_empty() {
        return Ok((ids, bytes));
    }
    sqlx::query("INSERT INTO retention_log (run_id, ran_at, as_of, purged_count, purged_bytes, document_ids) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(instant_to_db(now))
        .bind(iso(as_of))
        .bind(i64::try_from(ids.len()).unwrap_or(i64::MAX))
        .bind(bytes)
        .bind(ids.join(","))
        .execute(&mut *conn)
        .await?;
    Ok((ids, bytes))
}
