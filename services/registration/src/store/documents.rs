//! Documents of applications, changes and revocations, with their retention (RET-1).

use chrono::NaiveDate;
use rex_runtime::convert::rows::{date, iso, opt_instant};
use sqlx::{AnyConnection, Row};

use rex_proto::common::{Document, DocumentKind};

use super::Result;

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
    /// The document's file name as kept (a safe base name).
    pub file_name: String,
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
    .bind(&d.file_name)
    .bind(d.doc.media_type.trim().to_ascii_lowercase())
    .bind(&d.sha256)
    .bind(i64::try_from(d.doc.content.len()).unwrap_or(i64::MAX))
    .bind(d.doc.content.clone())
    .bind(iso(d.received_on))
    .bind(iso(d.keep_until))
    .execute(conn)
    .await?;
    Ok(())
}
