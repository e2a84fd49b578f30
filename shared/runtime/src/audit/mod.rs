//! The audit trail: every state change (who, role, what, about what, when, digests of the
//! request and of the resulting state, correlation ID) is written in the same transaction as
//! the change, and no RPC edits it.
//!
//! How it holds against someone who can write to the database:
//! - A change writes its entry to `audit_pending`; the service's [`Sealer`] moves pending
//!   entries into `audit_log` in the order it reads them, each linked to the one before by an
//!   HMAC-SHA256 with a key from the service's configuration ([`LinkKeys`]), never stored in
//!   the database. Without the key, no sealed entry can be changed, removed or inserted and the
//!   links recomputed. Requests do not wait for the sealer, so nothing queues on the chain's
//!   head. Until it is sealed (100 ms while the sealer runs), a pending entry is only as safe as
//!   the database.
//! - `audit_log` refuses UPDATE and DELETE; `audit_head` (the last entry's number and link)
//!   moves forward only, onto an entry of the log (triggers, [`crate::db`]'s migrations).
//! - At a fixed interval and at shutdown, the sealer signs a [`Checkpoint`] of the head with
//!   the service's Ed25519 key and sends it to another service, which keeps it in its own
//!   database ([`witness`]), and to the log. A chain rewound or rewritten after a checkpoint no
//!   longer matches it, even by someone holding the link key. Entries after the last checkpoint
//!   can be cut from the end without the key: the checkpoint interval bounds that loss, and the
//!   sealer logs an error when it sees the head go back.
//! - [`verify`] walks the chain, checks the head, and checks every checkpoint held here and,
//!   when given, every checkpoint the witness holds.

mod keys;
mod seal;
mod verify;
pub mod witness;

pub use keys::{LinkKeys, Signer, public_key_from_pem};
pub use seal::{Checkpoint, Sealer, Settings, Trail, checkpoint, seal};
pub use verify::{Check, Summary, Verdict, verify, witnessed};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::auth::Caller;
use crate::convert::instant_to_db;

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

impl Entry {
    /// The entry's fields from a row of `audit_pending` or `audit_log`.
    pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self {
            actor: r.try_get("actor")?,
            role: r.try_get("role")?,
            action: r.try_get("action")?,
            subject: r.try_get("subject")?,
            request_sha256: r.try_get("request_sha256")?,
            result_sha256: r.try_get("result_sha256")?,
            correlation_id: r.try_get("correlation_id")?,
        })
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An entry for `action` on `subject` by the current caller, with digests of the request and
/// of the resulting state.
pub fn entry(action: &str, subject: &str, request: &[u8], result: &[u8]) -> Entry {
    let ctx = current();
    let (actor, role) = match &ctx.caller {
        Some(c) => (c.sub.clone(), c.role.name().to_owned()),
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

/// Writes `e` inside the caller's transaction, to be sealed into the chain by the service's
/// [`Sealer`] once the transaction has committed. Concurrent writers do not wait for each
/// other here.
pub async fn append(
    conn: &mut AnyConnection,
    e: &Entry,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_pending (at, actor, role, action, subject, request_sha256, result_sha256, correlation_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(instant_to_db(at))
    .bind(&e.actor)
    .bind(&e.role)
    .bind(&e.action)
    .bind(&e.subject)
    .bind(&e.request_sha256)
    .bind(&e.result_sha256)
    .bind(&e.correlation_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The text one link covers: every field, length-prefixed, so no two different entries give
/// the same text.
fn link_text(prev: &str, seq: i64, at: &str, e: &Entry) -> String {
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
    text
}
