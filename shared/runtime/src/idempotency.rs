//! Idempotency keys for mutating RPCs (api.md): the same key with the same request returns the
//! first response; with a different request it is ALREADY_EXISTS. The response is stored in
//! the same transaction as the change it reports, so a retry after a crash or a lost answer
//! neither repeats the change nor loses it. Each service has an `idempotency` table:
//! `(idempotency_key PRIMARY KEY, rpc, request_sha256, response, created_at)`.
//!
//! A key belongs to its caller and its RPC: it is stored as `role:sub|rpc|key`, so one caller's
//! key neither blocks another's nor replays another's answer. A key is at most
//! [`MAX_KEY_CHARACTERS`] of `A-Z a-z 0-9 - _ . : ~`.

use chrono::{DateTime, Utc};
use prost::Message;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use tonic::Status;

use crate::convert::instant_to_db;
use crate::db::{Db, is_unique_violation};
use crate::status::{from_db, internal};

/// The longest idempotency key.
pub const MAX_KEY_CHARACTERS: usize = 128;

/// `key` checked and scoped to the current caller and `rpc`; none when the request has none.
fn scoped(rpc: &str, key: &str) -> Result<Option<String>, Status> {
    if key.is_empty() {
        return Ok(None);
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '~');
    if key.chars().count() > MAX_KEY_CHARACTERS || !key.chars().all(safe) {
        return Err(crate::status::invalid_field(
            "idempotency_key",
            format!(
                "{} must be at most {MAX_KEY_CHARACTERS} characters of A-Z a-z 0-9 - _ . : ~",
                crate::status::quote(key)
            ),
        ));
    }
    let caller = crate::audit::current().caller;
    let who = caller.map_or_else(|| "-".to_owned(), |c| format!("{}:{}", c.role, c.sub));
    Ok(Some(format!("{who}|{rpc}|{key}")))
}

/// The answer stored under `scoped`, or, for a key stored before keys were scoped (stored as
/// sent), the answer of that same RPC and request: a retry that spans the upgrade replays.
async fn stored_or_legacy(
    conn: &mut AnyConnection,
    scoped: &str,
    key: &str,
    rpc: &str,
    sha: &str,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    if let Some(found) = stored(conn, scoped).await? {
        return Ok(Some(found));
    }
    Ok(stored(conn, key)
        .await?
        .filter(|(stored_rpc, stored_sha, _)| stored_rpc == rpc && stored_sha == sha))
}

async fn stored(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT rpc, request_sha256, response FROM idempotency WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("rpc")?,
            r.try_get("request_sha256")?,
            r.try_get("response")?,
        ))
    })
    .transpose()
}

async fn save(
    conn: &mut AnyConnection,
    key: &str,
    rpc: &str,
    sha: &str,
    response: &[u8],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO idempotency (idempotency_key, rpc, request_sha256, response, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(key)
        .bind(rpc)
        .bind(sha)
        .bind(response.to_vec())
        .bind(instant_to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Runs `op` in one write transaction under `key` (no key: just the transaction), and appends
/// its audit entry there, about what `subject` names in the answer (an application, a
/// registration, a case).
pub async fn run<Req, Resp>(
    db: &Db,
    now: DateTime<Utc>,
    rpc: &str,
    key: &str,
    request: &Req,
    subject: impl FnOnce(&Resp) -> String,
    op: impl AsyncFnOnce(&mut AnyConnection) -> Result<Resp, Status>,
) -> Result<Resp, Status>
where
    Req: Message,
    Resp: Message + Default,
{
    let scoped = scoped(rpc, key)?;
    let sha = hex::encode(Sha256::digest(request.encode_to_vec()));
    let replay = |found: Option<(String, String, Vec<u8>)>| -> Option<Result<Resp, Status>> {
        let (stored_rpc, stored_sha, bytes) = found?;
        Some(if stored_rpc == rpc && stored_sha == sha {
            Resp::decode(bytes.as_slice()).map_err(internal)
        } else {
            Err(Status::already_exists(format!(
                "idempotency_key {} was already used for a different {stored_rpc} request",
                crate::status::quote(key)
            )))
        })
    };
    let mut tx = db.begin_write().await.map_err(from_db)?;
    if let Some(scoped) = &scoped
        && let Some(previous) = replay(
            stored_or_legacy(&mut tx, scoped, key, rpc, &sha)
                .await
                .map_err(from_db)?,
        )
    {
        return previous;
    }
    let response = op(&mut tx).await?;
    if let Some(key) = &scoped
        && let Err(err) = save(&mut tx, key, rpc, &sha, &response.encode_to_vec(), now).await
    {
        drop(tx);
        // Another replica committed the same key first: answer as it did.
        if is_unique_violation(&err) {
            let mut conn = db.pool.acquire().await.map_err(from_db)?;
            if let Some(previous) = replay(stored(&mut conn, key).await.map_err(from_db)?) {
                return previous;
            }
        }
        return Err(from_db(err));
    }
    // The audit entry is written with the change, in the same transaction, and last: appending
    // locks the chain's head until the commit, so every other writer waits for that long.
    let entry = crate::audit::entry(
        rpc,
        &subject(&response),
        &request.encode_to_vec(),
        &response.encode_to_vec(),
    );
    crate::audit::append(&mut tx, &entry, now)
        .await
        .map_err(from_db)?;
    tx.commit().await.map_err(from_db)?;
    Ok(response)
}

/// For RPCs whose effect is idempotent by the state it moves (and which call other services, so
/// their answer is not stored): records the key with the request's digest, and refuses the same
/// key with a different request (`ALREADY_EXISTS`). No key: nothing to check.
pub async fn check_key<Req: Message>(
    db: &Db,
    now: DateTime<Utc>,
    rpc: &str,
    key: &str,
    request: &Req,
) -> Result<(), Status> {
    let Some(scoped) = scoped(rpc, key)? else {
        return Ok(());
    };
    let sha = hex::encode(Sha256::digest(request.encode_to_vec()));
    let mut conn = db.pool.acquire().await.map_err(from_db)?;
    match stored_or_legacy(&mut conn, &scoped, key, rpc, &sha)
        .await
        .map_err(from_db)?
    {
        Some((stored_rpc, stored_sha, _)) if stored_rpc == rpc && stored_sha == sha => Ok(()),
        Some((stored_rpc, _, _)) => Err(Status::already_exists(format!(
            "idempotency_key {} was already used for a different {stored_rpc} request",
            crate::status::quote(key)
        ))),
        None => match save(&mut conn, &scoped, rpc, &sha, &[], now).await {
            Ok(()) => Ok(()),
            Err(err) if is_unique_violation(&err) => {
                Box::pin(check_key(db, now, rpc, key, request)).await
            }
            Err(err) => Err(from_db(err)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Migrations;
    use sqlx::migrate::Migrator;

    /// The runtime's tables alone.
    static NONE: Migrator = Migrator {
        migrations: std::borrow::Cow::Borrowed(&[]),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    };

    #[tokio::test]
    async fn a_key_stored_before_keys_were_scoped_still_replays_its_own_request() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/i.db", dir.path().display());
        let migrations = Migrations {
            sqlite: &NONE,
            postgres: None,
        };
        let db = Db::connect(&url, &migrations).await.unwrap();
        let now = chrono::Utc::now();
        let request = prost_types::Timestamp {
            seconds: 1,
            nanos: 0,
        };
        let first = prost_types::Timestamp {
            seconds: 42,
            nanos: 0,
        };
        let sha = hex::encode(Sha256::digest(request.encode_to_vec()));
        let mut conn = db.pool.acquire().await.unwrap();
        save(&mut conn, "k-1", "Rpc", &sha, &first.encode_to_vec(), now)
            .await
            .unwrap();
        drop(conn);
        let subject = |_: &prost_types::Timestamp| String::new();
        let never = async |_: &mut AnyConnection| -> Result<prost_types::Timestamp, Status> {
            Err(Status::internal("ran again"))
        };
        let again = run(&db, now, "Rpc", "k-1", &request, subject, never).await;
        assert_eq!(again.unwrap(), first, "the stored answer");
        // Another request under that key is not the legacy one: it runs, under its own scope.
        let other = prost_types::Timestamp {
            seconds: 2,
            nanos: 0,
        };
        let ran =
            async |_: &mut AnyConnection| -> Result<prost_types::Timestamp, Status> { Ok(other) };
        let answer = run(&db, now, "Rpc", "k-1", &other, subject, ran).await;
        assert_eq!(answer.unwrap(), other);
    }
}
