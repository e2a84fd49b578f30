//! The registry's storage (sqlx, SQLite or PostgreSQL through one set of SQL).

//! States are stored as their domain codes and read back into the domain's enums; the forms
//! and registration data are kept as the contract's messages, as received.

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{decode_err, iso};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// Reads a stored code into its domain enum; an unknown code is a decoding error.
fn code<T>(row: &AnyRow, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    let text: String = row.try_get(col)?;
    parse(&text).ok_or_else(|| decode_err(col, format!("unknown code {text:?}")))
}

/// Reads a comma-separated list of stored codes.
fn codes<T>(row: &AnyRow, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>> {
    let text: String = row.try_get(col)?;
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|c| parse(c).ok_or_else(|| decode_err(col, format!("unknown code {c:?}"))))
        .collect()
}

mod applications;
mod changes;
mod documents;
mod persons;
mod registrations;
mod revocations;

pub use applications::*;
pub use changes::*;
pub use documents::*;
pub use persons::*;
pub use registrations::*;
pub use revocations::*;

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
