//! The audit trail: every state change (who, role, what, when, digests of the request and of
//! the resulting state, correlation ID) appended, in the same transaction as the change, to an
//! `audit_log` whose entries are hash-chained: each entry's hash covers its fields and the hash
//! before it, so changing, removing or reordering any row breaks the chain from there on.
//! No RPC edits the log; the table refuses UPDATE and DELETE (triggers); [`verify`] walks the
//! chain and names the first broken link.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::auth::Caller;
use crate::convert::instant_to_db;
use crate::db::Db;

/// Who is calling and under which correlation ID, for the duration of one call.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    pub caller: Option<Caller>,
    pub correlation_id: String,
}

tokio::task_local! {
    /// Set by the server around every call (see `auth::AuthLayer`).
    pub static CALL: CallContext;
}

/// The context of the current call, or a system one (background work).
pub fn current() -> CallContext {
    CALL.try_with(Clone::clone).unwrap_or_else(|_| CallContext {
        caller: None,
        correlation_id: String::new(),
    })
}

/// One entry before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub actor: String,
    pub role: String,
    pub action: String,
    pub subject: String,
    pub request_sha256: String,
    pub result_sha256: String,
    pub correlation_id: String,
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn link(prev: &str, seq: i64, at: &str, e: &Entry) -> String {
    // Length-prefixed fields: no two different entries hash the same text.
    let mut text = String::new();
    for field in [
        prev,
        &seq.to_string(),
        at,
        &e.actor,
        &e.role,
        &e.action,
        &e.subject,
        &e.request_sha256,
        &e.result_sha256,
        &e.correlation_id,
    ] {
        text.push_str(&format!("{}:{field};", field.len()));
    }
    sha(text.as_bytes())
}

/// An entry for `action` on `subject` by the current caller, with digests of the request and
/// of the resulting state.
pub fn entry(action: &str, subject: &str, request: &[u8], result: &[u8]) -> Entry {
    let ctx = current();
    let (actor, role) = match &ctx.caller {
        Some(c) => (c.sub.clone(), format!("{:?}", c.role)),
        None if CALL.try_with(|_| ()).is_ok() => ("anonymous".to_owned(), "none".to_owned()),
        None => ("system".to_owned(), "service".to_owned()),
    };
    Entry {
        actor,
        role,
        action: action.to_owned(),
        subject: subject.to_owned(),
        request_sha256: sha(request),
        result_sha256: sha(result),
        correlation_id: ctx.correlation_id,
    }
}

/// Appends `e` to the chain inside the caller's transaction. The head row is updated first,
/// which locks it: concurrent appends wait for each other, so the chain never forks.
pub async fn append(
    conn: &mut AnyConnection,
    e: &Entry,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // The UPDATE locks the head row until commit, so appends are serialised.
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let at = instant_to_db(at);
    let hash = link(&prev, seq, &at, e);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, role, action, subject, request_sha256, result_sha256, correlation_id, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(seq)
    .bind(&at)
    .bind(&e.actor)
    .bind(&e.role)
    .bind(&e.action)
    .bind(&e.subject)
    .bind(&e.request_sha256)
    .bind(&e.result_sha256)
    .bind(&e.correlation_id)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds; the number of entries.
    Intact(i64),
    /// The first entry whose link does not hold, and why.
    Broken { seq: i64, reason: String },
}

/// Walks the whole chain from the start.
pub async fn verify(db: &Db) -> anyhow::Result<Verdict> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, role, action, subject, request_sha256, result_sha256, correlation_id, prev_hash, hash \
         FROM audit_log ORDER BY seq",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut prev = String::new();
    let mut expected_seq = 1i64;
    for r in &rows {
        let seq: i64 = r.try_get("seq")?;
        if seq != expected_seq {
            return Ok(Verdict::Broken {
                seq,
                reason: format!("entry {expected_seq} is missing"),
            });
        }
        let stored_prev: String = r.try_get("prev_hash")?;
        if stored_prev != prev {
            return Ok(Verdict::Broken {
                seq,
                reason: "it does not point to the entry before it".into(),
            });
        }
        let at: String = r.try_get("at")?;
        let e = Entry {
            actor: r.try_get("actor")?,
            role: r.try_get("role")?,
            action: r.try_get("action")?,
            subject: r.try_get("subject")?,
            request_sha256: r.try_get("request_sha256")?,
            result_sha256: r.try_get("result_sha256")?,
            correlation_id: r.try_get("correlation_id")?,
        };
        let hash: String = r.try_get("hash")?;
        if link(&prev, seq, &at, &e) != hash {
            return Ok(Verdict::Broken {
                seq,
                reason: "its content does not match its hash: the entry was changed".into(),
            });
        }
        prev = hash;
        expected_seq += 1;
    }
    let head: Option<(i64, String)> = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&db.pool)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("seq")?, r.try_get("hash")?)))
        .transpose()?;
    // The head is written with every entry: without it, removing the last entries would leave
    // a chain that holds.
    let Some((seq, hash)) = head else {
        return Ok(Verdict::Broken {
            seq: expected_seq,
            reason: "the chain's head is missing: it was deleted".into(),
        });
    };
    if seq != expected_seq - 1 || hash != prev {
        return Ok(Verdict::Broken {
            seq: expected_seq,
            reason: format!(
                "the chain ends at {} but its head says {seq}: entries were removed",
                expected_seq - 1
            ),
        });
    }
    Ok(Verdict::Intact(expected_seq - 1))
}
