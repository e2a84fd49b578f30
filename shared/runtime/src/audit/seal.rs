//! Sealing: pending entries linked into the chain in the order the sealer reads them, and
//! signed checkpoints of the chain's head, sent to a witness and to the log.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;
use tokio::sync::watch;

use super::Entry;
use super::keys::{LinkKeys, Signer, signature_holds};
use super::witness::Sender;
use crate::convert::instant_to_db;
use crate::db::{Backend, Db, Tx};

/// A signed statement of a chain's head: "the chain of `service` had `seq` entries, the last
/// linked as `hash`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub service: String,
    /// 1, 2, 3… per service, without gaps.
    pub number: i64,
    pub seq: i64,
    pub hash: String,
    /// RFC 3339, UTC.
    pub made_at: String,
    /// Ed25519, 32 bytes.
    pub public_key: Vec<u8>,
    /// Ed25519 signature of [`Checkpoint::statement`].
    pub signature: Vec<u8>,
}

impl Checkpoint {
    /// The text the signature covers.
    pub fn statement(&self) -> Vec<u8> {
        format!(
            "rex audit checkpoint v1\nservice {}\nnumber {}\nseq {}\nhash {}\nmade_at {}\n",
            self.service, self.number, self.seq, self.hash, self.made_at
        )
        .into_bytes()
    }

    /// The checkpoint signed by `signer` (its public key and signature set).
    pub fn signed(mut self, signer: &Signer) -> Self {
        self.public_key = signer.public_key();
        self.signature = signer.sign(&self.statement());
        self
    }

    /// Whether the signature is the public key's signature of the statement.
    pub fn signature_holds(&self) -> bool {
        signature_holds(&self.public_key, &self.statement(), &self.signature)
    }

    /// A checkpoint from a row of `audit_checkpoints` or `audit_witnessed`.
    pub(super) fn from_row(r: &sqlx::any::AnyRow) -> anyhow::Result<Self> {
        Ok(Self {
            service: r.try_get("service")?,
            number: r.try_get("number")?,
            seq: r.try_get("seq")?,
            hash: r.try_get("hash")?,
            made_at: r.try_get("made_at")?,
            public_key: hex::decode(r.try_get::<String, _>("public_key")?)?,
            signature: hex::decode(r.try_get::<String, _>("signature")?)?,
        })
    }
}

/// How many pending entries one sealing transaction takes.
const BATCH: i64 = 500;
/// PostgreSQL's advisory lock that makes replicas of one service seal one at a time.
const SEAL_LOCK: i64 = 0x7265_785f_6175_6474;

/// Starts a transaction in which this process alone seals or checkpoints the chain (on
/// SQLite the write transaction is exclusive already).
async fn sealing(db: &Db) -> anyhow::Result<Tx> {
    let mut tx = db.begin_write().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SEAL_LOCK)
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

async fn head(tx: &mut Tx) -> anyhow::Result<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the audit chain's head row is missing: nothing can be sealed (run rex-suite audit-verify)"
            )
        })?;
    Ok((row.try_get("seq")?, row.try_get("hash")?))
}

/// Links every pending entry into the chain with the current key, in batches; the number
/// sealed. Safe to run from several processes at once: they take turns.
pub async fn seal(db: &Db, keys: &LinkKeys) -> anyhow::Result<u64> {
    let mut total = 0;
    loop {
        let sealed = seal_batch(db, keys).await?;
        total += sealed;
        if sealed < BATCH as u64 {
            return Ok(total);
        }
    }
}

async fn seal_batch(db: &Db, keys: &LinkKeys) -> anyhow::Result<u64> {
    let waiting: Option<i64> = sqlx::query_scalar("SELECT id FROM audit_pending LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    if waiting.is_none() {
        return Ok(0);
    }
    let mut tx = sealing(db).await?;
    let (mut seq, mut prev) = head(&mut tx).await?;
    let rows = sqlx::query(
        "SELECT id, at, actor, role, action, subject, request_sha256, result_sha256, correlation_id \
         FROM audit_pending ORDER BY id LIMIT $1",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let key_id = keys.current();
    let mut ids = Vec::with_capacity(rows.len());
    for r in &rows {
        ids.push(r.try_get::<i64, _>("id")?.to_string());
        seq += 1;
        let at: String = r.try_get("at")?;
        let e = Entry::from_row(r)?;
        let hash = keys
            .link(key_id, &prev, seq, &at, &e)
            .ok_or_else(|| anyhow::anyhow!("the current audit key {key_id} is not loaded"))?;
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, role, action, subject, request_sha256, result_sha256, correlation_id, prev_hash, hash, key_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        .bind(key_id)
        .execute(&mut *tx)
        .await?;
        prev = hash;
    }
    if !ids.is_empty() {
        // Exactly the entries read: one committed meanwhile with a lower id waits for the next
        // batch. The ids are integers read from the table.
        sqlx::query(&format!(
            "DELETE FROM audit_pending WHERE id IN ({})",
            ids.join(",")
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}

/// Signs a checkpoint of the head and keeps it here, if the head moved since the last one;
/// the checkpoint, also written to the log.
pub async fn checkpoint(
    db: &Db,
    service: &str,
    signer: &Signer,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Checkpoint>> {
    let mut tx = sealing(db).await?;
    let (seq, hash) = head(&mut tx).await?;
    let last: Option<(i64, i64)> =
        sqlx::query("SELECT number, seq FROM audit_checkpoints ORDER BY number DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("number")?, r.try_get("seq")?)))
            .transpose()?;
    let number = match last {
        Some((_, last_seq)) if last_seq == seq => {
            tx.rollback().await?;
            return Ok(None);
        }
        None if seq == 0 => {
            tx.rollback().await?;
            return Ok(None);
        }
        Some((number, _)) => number + 1,
        None => 1,
    };
    let checkpoint = Checkpoint {
        service: service.to_owned(),
        number,
        seq,
        hash,
        made_at: instant_to_db(now),
        public_key: Vec::new(),
        signature: Vec::new(),
    }
    .signed(signer);
    sqlx::query(
        "INSERT INTO audit_checkpoints (service, number, seq, hash, made_at, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&checkpoint.service)
    .bind(checkpoint.number)
    .bind(checkpoint.seq)
    .bind(&checkpoint.hash)
    .bind(&checkpoint.made_at)
    .bind(hex::encode(&checkpoint.public_key))
    .bind(hex::encode(&checkpoint.signature))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // The log is the checkpoint's second copy outside the database.
    tracing::info!(
        target: "rex_audit_checkpoint",
        service,
        number = checkpoint.number,
        seq = checkpoint.seq,
        hash = %checkpoint.hash,
        made_at = %checkpoint.made_at,
        public_key = %hex::encode(&checkpoint.public_key),
        signature = %hex::encode(&checkpoint.signature),
        "audit checkpoint"
    );
    Ok(Some(checkpoint))
}

/// What the sealer of a service is given (see `config::Security` for where it comes from).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The link keys; the current one links new entries.
    pub keys: Arc<LinkKeys>,
    /// The checkpoint signing key; none: no checkpoints (development).
    pub signer: Option<Arc<Signer>>,
    /// The service that witnesses the checkpoints: its name (for TLS) and URL.
    pub witness: Option<(String, String)>,
    /// How often the head is checkpointed (if it moved).
    pub checkpoint_every: Duration,
}

impl Default for Settings {
    /// The development link key, no checkpoints.
    fn default() -> Self {
        Self {
            keys: Arc::new(LinkKeys::development()),
            signer: None,
            witness: None,
            checkpoint_every: Duration::from_secs(60),
        }
    }
}

/// A service's audit trail: its database and its name in tokens (registration, …), which its
/// checkpoints carry.
#[derive(Debug, Clone)]
pub struct Trail {
    pub db: Db,
    pub service: &'static str,
}

/// How often the sealer looks for pending entries.
const SEAL_EVERY: Duration = Duration::from_millis(100);
/// How long the last sealing and checkpoint get at shutdown.
const FINAL_WORK: Duration = Duration::from_secs(10);

/// The sealer of one service: a task that seals pending entries, checkpoints the head and
/// sends the checkpoints to the witness; at [`Sealer::stop`] it does all three once more.
#[derive(Debug)]
pub struct Sealer {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Sealer {
    /// Starts the sealer of `service` (its name in tokens) on `db`.
    pub fn start(db: Db, service: &str, base: &crate::config::Base) -> anyhow::Result<Self> {
        let settings = base.audit.clone();
        if settings.keys.is_development() {
            tracing::warn!(
                service,
                "audit links keyed with the development key (no --audit-key-file): development only"
            );
        }
        let sender = match (&settings.witness, &settings.signer) {
            (Some((name, url)), Some(_)) => Some(Sender::new(
                name,
                url,
                base.tls.as_ref(),
                base.service_token.clone(),
            )?),
            (Some(_), None) => anyhow::bail!(
                "an audit witness is set but no signing key (--audit-signing-key): checkpoints cannot be signed"
            ),
            _ => None,
        };
        if settings.signer.is_none() {
            tracing::warn!(
                service,
                "no audit signing key: the audit trail is not checkpointed (development only)"
            );
        }
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(
            db,
            service.to_owned(),
            settings,
            base.clock.clone(),
            sender,
            stopped,
        ));
        Ok(Self { stop, task })
    }

    /// Seals what is pending, checkpoints and sends, then stops.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        if tokio::time::timeout(FINAL_WORK, self.task).await.is_err() {
            tracing::warn!(
                "audit sealer: final sealing did not finish in time; the rest is sealed at the next start"
            );
            abort.abort();
        }
    }
}

async fn run(
    db: Db,
    service: String,
    settings: Settings,
    clock: Arc<dyn rex_calendar::Clock>,
    mut sender: Option<Sender>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut seal_tick = tokio::time::interval(SEAL_EVERY);
    seal_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first checkpoint one interval after the start (not at once: a start is not a reason
    // to sign the head); what a stopped service made but could not send goes out now.
    let mut checkpoint_tick = tokio::time::interval_at(
        tokio::time::Instant::now() + settings.checkpoint_every,
        settings.checkpoint_every,
    );
    if let Some(sender) = sender.as_mut()
        && let Err(err) = sender.send_due(&db).await
    {
        tracing::warn!(
            error = format!("{err:#}"),
            "audit checkpoints not yet witnessed; will retry"
        );
    }
    checkpoint_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = Failing::default();
    match sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE key_id = ''")
        .fetch_one(&db.pool)
        .await
    {
        Ok(0) | Err(_) => {}
        Ok(unkeyed) => tracing::info!(
            unkeyed,
            "the audit chain begins with entries linked before keys: verify it with audit-verify --unkeyed-entries {unkeyed}"
        ),
    }
    // The head as this sealer last saw it: a head that goes back lost entries, whoever moved it.
    let mut seen: Option<(i64, String)> = None;
    loop {
        let checkpoint_due = tokio::select! {
            _ = seal_tick.tick() => false,
            _ = checkpoint_tick.tick() => true,
            _ = stopped.wait_for(|s| *s) => break,
        };
        failing.report(seal(&db, &settings.keys).await);
        watch_head(&db, &mut seen).await;
        if checkpoint_due {
            checkpoint_and_send(&db, &service, &settings, clock.now(), sender.as_mut()).await;
        }
    }
    failing.report(seal(&db, &settings.keys).await);
    checkpoint_and_send(&db, &service, &settings, clock.now(), sender.as_mut()).await;
}

/// Logs an error when the chain's head is behind where this sealer last saw it.
async fn watch_head(db: &Db, seen: &mut Option<(i64, String)>) {
    let Ok(Some(row)) = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&db.pool)
        .await
    else {
        return;
    };
    let (Ok(seq), Ok(hash)) = (
        row.try_get::<i64, _>("seq"),
        row.try_get::<String, _>("hash"),
    ) else {
        return;
    };
    if let Some((before, before_hash)) = seen.as_ref()
        && (seq < *before || (seq == *before && hash != *before_hash))
    {
        tracing::error!(
            from = *before,
            to = seq,
            "the audit chain's head went back: entries were removed from the database"
        );
    }
    *seen = Some((seq, hash));
}

/// Sealing that fails is retried every tick; it is logged when it starts failing, once a
/// minute while it goes on, and when it recovers, not ten times a second.
#[derive(Default)]
struct Failing {
    since: Option<std::time::Instant>,
    logged: Option<std::time::Instant>,
}

impl Failing {
    const REPEAT: Duration = Duration::from_secs(60);

    fn report(&mut self, result: anyhow::Result<u64>) {
        let now = std::time::Instant::now();
        match result {
            Ok(_) => {
                if let Some(since) = self.since.take() {
                    tracing::info!(
                        failed_for_ms = now.duration_since(since).as_millis() as u64,
                        "audit entries are sealed again"
                    );
                }
                self.logged = None;
            }
            Err(err) => {
                self.since.get_or_insert(now);
                if self
                    .logged
                    .is_none_or(|at| now.duration_since(at) >= Self::REPEAT)
                {
                    self.logged = Some(now);
                    tracing::error!(
                        error = format!("{err:#}"),
                        "audit entries could not be sealed; retrying every {} ms",
                        SEAL_EVERY.as_millis()
                    );
                }
            }
        }
    }
}

async fn checkpoint_and_send(
    db: &Db,
    service: &str,
    settings: &Settings,
    now: DateTime<Utc>,
    sender: Option<&mut Sender>,
) {
    let Some(signer) = &settings.signer else {
        return;
    };
    if let Err(err) = checkpoint(db, service, signer, now).await {
        tracing::error!(
            error = format!("{err:#}"),
            "audit checkpoint failed; will retry"
        );
    }
    if let Some(sender) = sender
        && let Err(err) = sender.send_due(db).await
    {
        tracing::warn!(
            error = format!("{err:#}"),
            "audit checkpoints not yet witnessed; will retry"
        );
    }
}
