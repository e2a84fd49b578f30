//! Verifying a chain: every link, the head, the checkpoints kept here and those a witness
//! holds.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use super::Entry;
use super::keys::LinkKeys;
use super::seal::Checkpoint;
use crate::db::Db;

/// What [`verify`] checks against.
#[derive(Debug, Clone)]
pub struct Check {
    /// The keys the entries were linked with.
    pub keys: LinkKeys,
    /// The checkpoints a witness holds of this chain; none: not checked.
    pub witnessed: Option<Vec<Checkpoint>>,
    /// The service's checkpoint public keys (32 bytes each); empty: any key a checkpoint
    /// names is taken (its signature is still checked).
    pub trusted_keys: Vec<Vec<u8>>,
    /// How many entries were linked before keys (a database upgraded from a release without
    /// them; the sealer logs the number): more unkeyed entries than that are a rewrite.
    pub unkeyed_allowed: i64,
}

impl Check {
    /// Links only, with `keys`.
    pub fn links(keys: LinkKeys) -> Self {
        Self {
            keys,
            witnessed: None,
            trusted_keys: Vec::new(),
            unkeyed_allowed: 0,
        }
    }
}

/// An intact chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Entries in the chain.
    pub entries: i64,
    /// Of them, entries linked before keys (plain SHA-256), all at the start.
    pub unkeyed: i64,
    /// Entries committed and not yet sealed into the chain.
    pub pending: i64,
    /// Checkpoints kept here, each matching the chain.
    pub checkpoints: usize,
    /// Checkpoints the witness holds, each matching the chain (none: not checked).
    pub witnessed: Option<usize>,
    /// How many entries the witness's last checkpoint covers (none: no witness, or none yet).
    pub witnessed_entries: Option<i64>,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds, the head and every checkpoint match.
    Intact(Summary),
    /// The first thing that does not hold, at which entry, and why.
    Broken { seq: i64, reason: String },
}

fn broken(seq: i64, reason: impl Into<String>) -> anyhow::Result<Verdict> {
    Ok(Verdict::Broken {
        seq,
        reason: reason.into(),
    })
}

/// The checkpoints of `service` that the database `witness` holds, in order.
pub async fn witnessed(witness: &Db, service: &str) -> anyhow::Result<Vec<Checkpoint>> {
    let rows = sqlx::query(
        "SELECT service, number, seq, hash, made_at, public_key, signature FROM audit_witnessed \
         WHERE service = $1 ORDER BY number",
    )
    .bind(service)
    .fetch_all(&witness.pool)
    .await?;
    rows.iter().map(Checkpoint::from_row).collect()
}

/// Walks the whole chain from the start, then checks the head and the checkpoints.
pub async fn verify(db: &Db, check: &Check) -> anyhow::Result<Verdict> {
    let local = witnessed_here(db).await?;
    let mut pinned: BTreeSet<i64> = local.iter().map(|c| c.seq).collect();
    pinned.extend(check.witnessed.iter().flatten().map(|c| c.seq));
    // The link at each checkpointed entry, to compare once the walk is done.
    let mut links_at: BTreeMap<i64, String> = BTreeMap::new();
    // The head first: entries the sealer adds while the chain is walked are not part of the
    // check (see below).
    let head_before = head(db).await?;
    let up_to = head_before.as_ref().map_or(i64::MAX, |(seq, _)| *seq);
    // Streamed: a chain of millions of entries is walked without holding it in memory.
    let mut rows = sqlx::query(
        "SELECT seq, at, actor, role, action, subject, request_sha256, result_sha256, correlation_id, prev_hash, hash, key_id \
         FROM audit_log WHERE seq <= $1 ORDER BY seq",
    )
    .bind(up_to)
    .fetch(&db.pool);
    let mut prev = String::new();
    let mut expected_seq = 1i64;
    let mut unkeyed = 0;
    while let Some(r) = tokio_stream::StreamExt::next(&mut rows).await {
        let r = r?;
        let seq: i64 = r.try_get("seq")?;
        if seq != expected_seq {
            return broken(seq, format!("entry {expected_seq} is missing"));
        }
        let stored_prev: String = r.try_get("prev_hash")?;
        if stored_prev != prev {
            return broken(seq, "it does not point to the entry before it");
        }
        let key_id: String = r.try_get("key_id")?;
        if key_id.is_empty() {
            if unkeyed != seq - 1 {
                return broken(
                    seq,
                    "it is not keyed, after keyed entries: it was written without the key",
                );
            }
            if seq > check.unkeyed_allowed {
                return broken(
                    seq,
                    format!(
                        "it is not keyed, and only {} entries were linked before keys: it was written without the key",
                        check.unkeyed_allowed
                    ),
                );
            }
            unkeyed += 1;
        }
        let at: String = r.try_get("at")?;
        let e = Entry::from_row(&r)?;
        let hash: String = r.try_get("hash")?;
        let Some(link) = check.keys.link(&key_id, &prev, seq, &at, &e) else {
            anyhow::bail!(
                "entry {seq} is linked with key {key_id:?}, which is not among the keys given"
            );
        };
        if link != hash {
            return broken(
                seq,
                "its content does not match its link: the entry was changed, or the chain after it rewritten",
            );
        }
        if pinned.contains(&seq) {
            links_at.insert(seq, hash.clone());
        }
        prev = hash;
        expected_seq += 1;
    }
    drop(rows);
    let entries = expected_seq - 1;
    // Without the head, removing the last entries would leave a chain that holds.
    let Some((seq, hash)) = head_before else {
        return broken(expected_seq, "the chain's head is missing: it was deleted");
    };
    if seq != entries || hash != prev {
        return broken(
            expected_seq,
            format!("the chain ends at {entries} but its head says {seq}: entries were removed"),
        );
    }
    // Entries past the head are the sealer's of the last moments, if the head moved meanwhile;
    // otherwise they were put there.
    let past: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE seq > $1")
        .bind(seq)
        .fetch_one(&db.pool)
        .await?;
    if past > 0 && head(db).await?.is_some_and(|(now, _)| now == seq) {
        return broken(
            seq + 1,
            format!("{past} entries lie past the chain's head: they were put there"),
        );
    }
    let checked = |checkpoints: &[Checkpoint], whose: &str| {
        checkpoints_hold(checkpoints, whose, entries, &links_at, &check.trusted_keys)
    };
    if let Some(verdict) = checked(&local, "kept here") {
        return Ok(verdict);
    }
    if let Some(witnessed) = &check.witnessed {
        if witnessed.is_empty() && entries > 0 {
            return broken(
                entries,
                "the witness holds no checkpoint of this chain: it was never witnessed, or the witness lost them",
            );
        }
        if let Some(verdict) = checked(witnessed, "witnessed") {
            return Ok(verdict);
        }
    }
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending")
        .fetch_one(&db.pool)
        .await?;
    Ok(Verdict::Intact(Summary {
        entries,
        unkeyed,
        pending,
        checkpoints: local.len(),
        witnessed: check.witnessed.as_ref().map(Vec::len),
        witnessed_entries: check.witnessed.iter().flatten().map(|c| c.seq).max(),
    }))
}

/// The chain's head: the number of entries and the last link.
async fn head(db: &Db) -> anyhow::Result<Option<(i64, String)>> {
    Ok(sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&db.pool)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("seq")?, r.try_get("hash")?)))
        .transpose()?)
}

/// The checkpoints this database keeps of its own chain.
async fn witnessed_here(db: &Db) -> anyhow::Result<Vec<Checkpoint>> {
    let rows = sqlx::query(
        "SELECT service, number, seq, hash, made_at, public_key, signature FROM audit_checkpoints ORDER BY number",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(Checkpoint::from_row).collect()
}

/// The first checkpoint that does not hold against a chain of `entries` entries whose links at
/// the checkpointed entries are `links_at`.
fn checkpoints_hold(
    checkpoints: &[Checkpoint],
    whose: &str,
    entries: i64,
    links_at: &BTreeMap<i64, String>,
    trusted_keys: &[Vec<u8>],
) -> Option<Verdict> {
    let verdict = |seq: i64, reason: String| Some(Verdict::Broken { seq, reason });
    for (expected, c) in (1i64..).zip(checkpoints) {
        let n = c.number;
        if n != expected {
            return verdict(
                c.seq,
                format!("checkpoint {expected} ({whose}) is missing: it was deleted"),
            );
        }
        if !trusted_keys.is_empty() && !trusted_keys.contains(&c.public_key) {
            return verdict(
                c.seq,
                format!("checkpoint {n} ({whose}) is signed with a key that is not the service's"),
            );
        }
        if !c.signature_holds() {
            return verdict(
                c.seq,
                format!("checkpoint {n} ({whose}) does not match its signature: it was changed"),
            );
        }
        if c.seq > entries {
            return verdict(
                entries + 1,
                format!(
                    "the chain ends at {entries} but checkpoint {n} ({whose}) saw {} entries: entries were removed",
                    c.seq
                ),
            );
        }
        let matches = match c.seq {
            0 => c.hash.is_empty(),
            seq => links_at.get(&seq) == Some(&c.hash),
        };
        if !matches {
            return verdict(
                c.seq,
                format!(
                    "entry {} is not the one checkpoint {n} ({whose}) saw: the chain was rewritten",
                    c.seq
                ),
            );
        }
    }
    None
}
