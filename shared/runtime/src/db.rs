//! One database API over SQLite (the embedded default) and PostgreSQL (production).
//!
//! sqlx's `Any` driver keeps one set of store code: queries use `$1` placeholders (both
//! backends accept them), dates and instants are ISO text, integers are 64-bit, flags are
//! 0/1. Where the dialects differ (DDL, how a write transaction starts) the difference is
//! here or in the per-backend migration folders.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, Migrator};
use sqlx::{Any, AnyPool, Transaction};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A service's database.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite's writers, committed in groups (see [`GroupCommit`]); none on PostgreSQL.
    writer: Option<Arc<GroupCommit>>,
}

/// Group commit for SQLite. SQLite takes one writer at a time and each commit waits for an
/// fsync, so under load most of a write's time is the fsync. This process's writers therefore
/// queue here, in order (not in SQLite's busy handler, which sleeps up to 100 ms between
/// tries), and run one after another inside one open transaction, each in its own savepoint.
/// A writer that finishes while others wait releases its savepoint and leaves the commit to
/// the last of the group; every writer's `commit()` returns only after the group's COMMIT is
/// durable, with its result. A writer that fails or is dropped is rolled back to its savepoint
/// alone. So every caller still sees "my change is on disk" before it answers, and one fsync
/// serves up to [`GroupCommit::MAX_GROUP`] writes.
#[derive(Debug, Default)]
pub struct GroupCommit {
    state: Arc<tokio::sync::Mutex<Group>>,
    /// Writers waiting for their turn: while there are some, the group stays open.
    queued: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Default)]
struct Group {
    /// The open transaction, between writers of one group.
    tx: Option<Transaction<'static, Any>>,
    /// Writers of this group waiting for its COMMIT.
    waiters: Vec<tokio::sync::oneshot::Sender<Result<(), String>>>,
    /// Which group this is; a waiter that outlives its group's committer closes it.
    id: u64,
    /// Writers released into the open group.
    released: usize,
    /// A writer ended without commit: its savepoint is to be rolled back.
    undo_pending: bool,
}

impl GroupCommit {
    /// The most writes one COMMIT serves, so that a steady stream of writers still commits.
    pub const MAX_GROUP: usize = 64;

    /// How long a released writer waits before it closes a group that nobody else closed.
    const IDLE_CLOSE: Duration = Duration::from_millis(20);

    /// Starts a writer's turn: undoes a dropped writer's savepoint, opens the group's
    /// transaction if none is open, and sets this writer's savepoint.
    async fn begin(self: &Arc<Self>, pool: &AnyPool) -> Result<Tx, sqlx::Error> {
        let mut turn = {
            // Counted while waiting, also when the caller goes away while queued.
            struct Queued<'a>(&'a std::sync::atomic::AtomicUsize);
            impl Drop for Queued<'_> {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::AcqRel);
                }
            }
            self.queued.fetch_add(1, Ordering::AcqRel);
            let _queued = Queued(&self.queued);
            self.state.clone().lock_owned().await
        };
        Self::undo(&mut turn).await?;
        let mut tx = match turn.tx.take() {
            Some(tx) => tx,
            None => pool.begin_with("BEGIN IMMEDIATE").await?,
        };
        if let Err(err) = sqlx::query(SAVEPOINT).execute(&mut *tx).await {
            turn.tx = Some(tx);
            Self::abandon(&mut turn, &err.to_string()).await;
            return Err(err);
        }
        Ok(Tx {
            tx: Some(tx),
            grouped: Some((turn, self.clone())),
        })
    }

    /// Rolls back the savepoint of a writer that ended without commit, if there is one.
    async fn undo(group: &mut Group) -> Result<(), sqlx::Error> {
        if !std::mem::take(&mut group.undo_pending) {
            return Ok(());
        }
        let Some(tx) = group.tx.as_mut() else {
            return Ok(());
        };
        let mut result = sqlx::query(UNDO).execute(&mut **tx).await;
        if result.is_ok() {
            result = sqlx::query(RELEASE).execute(&mut **tx).await;
        }
        if let Err(err) = result {
            // The transaction is not as the writers left it (SQLite may have rolled all of
            // it back after an I/O error): none of the group may be reported as committed.
            Self::abandon(group, &err.to_string()).await;
            return Err(err);
        }
        Ok(())
    }

    /// Commits the open group (if any) and tells its writers. Runs holding the turn.
    async fn close(group: &mut Group) -> Result<(), String> {
        if let Err(err) = Self::undo(group).await {
            return Err(err.to_string());
        }
        let result = match group.tx.take() {
            Some(tx) => tx.commit().await.map_err(|e| e.to_string()),
            None => Ok(()),
        };
        Self::finish(group, &result);
        result
    }

    /// Ends a writer's turn that did not commit: with writers queued, the next one undoes its
    /// savepoint and goes on; with none, the group is closed now (the writers released into
    /// it are committed), so that its open transaction does not hold SQLite's write lock, and
    /// with it every other connection and process, until this process writes again.
    async fn end_without_commit(mut turn: tokio::sync::OwnedMutexGuard<Group>, writer: &Self) {
        if writer.queued.load(Ordering::Acquire) == 0 {
            let _ = Self::close(&mut turn).await;
        }
    }

    /// Tells the group's writers how it ended, and starts the next group.
    fn finish(group: &mut Group, result: &Result<(), String>) {
        for waiter in std::mem::take(&mut group.waiters) {
            let _ = waiter.send(result.clone());
        }
        group.released = 0;
        group.id += 1;
    }

    /// Rolls the whole group back after a failure that left its transaction unusable; every
    /// writer in it is told, and none of their changes is kept.
    async fn abandon(group: &mut Group, why: &str) {
        if let Some(tx) = group.tx.take() {
            let _ = tx.rollback().await;
        }
        Self::finish(
            group,
            &Err(format!("the group commit was abandoned: {why}")),
        );
    }
}

/// A write transaction. On SQLite it is this writer's savepoint inside its group's
/// transaction, holding the turn until it ends (see [`GroupCommit`]).
#[derive(Debug)]
pub struct Tx {
    /// Present until the transaction ends.
    tx: Option<Transaction<'static, Any>>,
    grouped: Option<(tokio::sync::OwnedMutexGuard<Group>, Arc<GroupCommit>)>,
}

const SAVEPOINT: &str = "SAVEPOINT rex_write";
const RELEASE: &str = "RELEASE SAVEPOINT rex_write";
const UNDO: &str = "ROLLBACK TO SAVEPOINT rex_write";

fn group_failed(what: String) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(what))
}

impl Tx {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let Some(mut tx) = self.tx.take() else {
            return Err(group_failed("the transaction has ended".into()));
        };
        let Some((mut turn, writer)) = self.grouped.take() else {
            return tx.commit().await;
        };
        let released = sqlx::query(RELEASE).execute(&mut *tx).await;
        turn.tx = Some(tx);
        if let Err(err) = released {
            GroupCommit::abandon(&mut turn, &err.to_string()).await;
            return Err(err);
        }
        turn.released += 1;
        let others_waiting = writer.queued.load(Ordering::Acquire) > 0;
        if !others_waiting || turn.released >= GroupCommit::MAX_GROUP {
            // The last of the group commits it, in a task of its own so that a caller that
            // goes away cannot leave the others' COMMIT half done.
            let (done, result) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                let mut turn = turn;
                let _ = done.send(GroupCommit::close(&mut turn).await);
            });
            return result
                .await
                .unwrap_or_else(|_| Err("the commit task ended".into()))
                .map_err(group_failed);
        }
        let (waiter, mut result) = tokio::sync::oneshot::channel();
        turn.waiters.push(waiter);
        let id = turn.id;
        drop(turn);
        loop {
            // The next writer closes the group; should none come (its caller went away while
            // queued), a waiter closes it after a moment.
            match tokio::time::timeout(GroupCommit::IDLE_CLOSE, &mut result).await {
                Ok(answer) => {
                    return answer
                        .unwrap_or_else(|_| Err("the group ended without an answer".into()))
                        .map_err(group_failed);
                }
                Err(_) => {
                    let mut group = writer.state.clone().lock_owned().await;
                    if group.id == id {
                        let _ = GroupCommit::close(&mut group).await;
                    }
                }
            }
        }
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let Some(tx) = self.tx.take() else {
            return Ok(());
        };
        match self.grouped.take() {
            None => tx.rollback().await,
            Some((mut turn, writer)) => {
                turn.tx = Some(tx);
                turn.undo_pending = true;
                GroupCommit::undo(&mut turn).await?;
                GroupCommit::end_without_commit(turn, &writer).await;
                Ok(())
            }
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        // Ended without commit (an error, a caller gone): a grouped writer's savepoint is
        // undone before anything else uses the group (a plain transaction rolls back itself).
        let (Some(tx), Some((mut turn, writer))) = (self.tx.take(), self.grouped.take()) else {
            return;
        };
        turn.tx = Some(tx);
        turn.undo_pending = true;
        // A queued writer takes the turn at once and undoes the savepoint. With none, Drop
        // cannot wait: a task closes the group. Outside a runtime (the process is ending) the
        // turn is released as it is.
        if writer.queued.load(Ordering::Acquire) > 0 {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { GroupCommit::end_without_commit(turn, &writer).await });
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        match &self.tx {
            Some(tx) => tx,
            None => unreachable!("a Tx holds its transaction until it ends"),
        }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match &mut self.tx {
            Some(tx) => tx,
            None => unreachable!("a Tx holds its transaction until it ends"),
        }
    }
}

/// The migrations of one service. They are written once, in SQLite's dialect, and PostgreSQL's
/// are derived from them (see [`postgres_dialect`]), so the two schemas cannot drift apart; a set
/// whose statements differ in more than the column types (triggers, functions) is written twice.
#[derive(Debug)]
pub struct Migrations {
    pub sqlite: &'static Migrator,
    /// PostgreSQL's own text, where deriving it is not enough.
    pub postgres: Option<&'static Migrator>,
}

/// The migrations of the calling crate: the folder `migrations` beside its `Cargo.toml`,
/// embedded at compile time.
#[macro_export]
macro_rules! migrations {
    () => {
        $crate::db::Migrations {
            sqlite: &::sqlx::migrate!(),
            postgres: None,
        }
    };
}

/// The tables every service keeps (outbox, idempotency, audit trail), owned here and applied
/// before a service's own migrations: version 0, then from 1000001 on (clear of the services'
/// numbers). The audit trail's triggers are written in each dialect.
pub static PLUMBING: Migrations = Migrations {
    sqlite: &sqlx::migrate!("migrations/sqlite"),
    postgres: Some(&sqlx::migrate!("migrations/postgres")),
};

/// A migration in SQLite's dialect, as PostgreSQL takes it: the two column types the schemas
/// use that PostgreSQL spells otherwise (`INTEGER` is SQLite's 64-bit integer, `BLOB` its bytes),
/// replaced as whole words. The checksum is of the derived text, which is what PostgreSQL ran.
pub fn postgres_dialect(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(match word.as_str() {
            "INTEGER" => "BIGINT",
            "BLOB" => "BYTEA",
            other => other,
        });
        word.clear();
    };
    for c in sql.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

impl Migrations {
    /// The migrations on `backend`, in the order they run.
    pub fn on(&self, backend: Backend) -> Vec<Migration> {
        match (backend, self.postgres) {
            (Backend::Sqlite, _) => self.sqlite.iter().cloned().collect(),
            (Backend::Postgres, Some(own)) => own.iter().cloned().collect(),
            (Backend::Postgres, None) => self
                .sqlite
                .iter()
                .map(|m| {
                    Migration::new(
                        m.version,
                        m.description.clone(),
                        m.migration_type,
                        postgres_dialect(&m.sql).into(),
                        m.no_tx,
                    )
                })
                .collect(),
        }
    }

    /// The service's migrations on `backend`, after the runtime's own.
    fn with_plumbing(&self, backend: Backend) -> Migrator {
        let mut migrations = PLUMBING.on(backend);
        migrations.extend(self.on(backend));
        Migrator {
            migrations: std::borrow::Cow::Owned(migrations),
            ignore_missing: false,
            // One migrating replica at a time.
            locking: true,
            no_tx: false,
        }
    }
}

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`) and runs the migrations.
    /// A SQLite file is created if missing, in WAL mode with full durability.
    pub async fn connect(url: &str, migrations: &Migrations) -> anyhow::Result<Self> {
        let db = Self::open(url).await?;
        db.migrate(migrations).await?;
        Ok(db)
    }

    /// Runs the migrations this version knows, after refusing a database that a newer version
    /// has migrated past them (it could not read it safely).
    pub async fn migrate(&self, migrations: &Migrations) -> anyhow::Result<()> {
        let migrator = migrations.with_plumbing(self.backend);
        let known: std::collections::BTreeSet<i64> = migrator.iter().map(|m| m.version).collect();
        // The runtime's own versions (0, 1000001…) are not the service's schema version.
        let own = migrations
            .on(self.backend)
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        // The table exists once any migration ran; before that there is nothing to compare.
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
            .fetch_all(&self.pool)
            .await
            .unwrap_or_default();
        if let Some(unknown) = applied.iter().filter(|v| !known.contains(v)).max() {
            anyhow::bail!(
                "the database is at schema version {unknown}, newer than this release knows ({own}): \
                 a newer version migrated it; run that version, or restore a backup from before the upgrade"
            );
        }
        migrator
            .run(&self.pool)
            .await
            .context("database migration failed")?;
        Ok(())
    }

    /// Opens a database as it is, without migrating it (operators' tools).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        install_default_drivers();
        let backend = check_url(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                if let Some(dir) = sqlite_parent(url) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create data folder {}", dir.display()))?;
                }
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                // Any takes SQLite options from the URL only, so the durability settings are
                // applied to every new connection here: WAL, full fsync on commit, and a long
                // busy timeout so writers queue instead of failing.
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            use sqlx::Executor;
                            conn.execute("PRAGMA busy_timeout = 30000").await?;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
                    .with_context(|| format!("cannot open SQLite database {url}"))?
            }
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?,
        };
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(GroupCommit::default()));
        Ok(Self {
            pool,
            backend,
            writer,
        })
    }

    /// Starts a write transaction. On SQLite the writers of this process take turns and are
    /// committed in groups ([`GroupCommit`]); the group's transaction takes SQLite's write lock
    /// at once (`BEGIN IMMEDIATE`), so another process's writer waits (busy timeout) rather
    /// than failing when a read is later upgraded to a write.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match &self.writer {
            Some(writer) => writer.begin(&self.pool).await,
            None => Ok(Tx {
                tx: Some(self.pool.begin().await?),
                grouped: None,
            }),
        }
    }
}

fn sqlite_parent(url: &str) -> Option<&Path> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next()?;
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
}

/// Which backend a database URL names; an error naming the problem otherwise (checked before
/// a service binds its port).
pub fn check_url(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        anyhow::bail!(
            "database URL must start with sqlite: or postgres: (got {})",
            redact(url)
        )
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Whether an error is a unique-constraint violation (on either backend).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// Rows that workers take one at a time for a while (the outbox, a service's jobs): a claim
/// holds a row that still needs work (`open`) until a moment, and a worker that dies lets it go
/// when that moment passes. Several replicas may run the same worker: exactly one claim wins.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    pub table: &'static str,
    /// The key column.
    pub id: &'static str,
    /// The SQL condition of a row that still needs work, e.g. `sent_at IS NULL`.
    pub open: &'static str,
}

impl Lease {
    /// Claims row `id` until `until` and counts the attempt; false when another worker holds
    /// it or its work is done.
    pub async fn claim(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        now: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, sqlx::Error> {
        let Lease {
            table,
            id: key,
            open,
        } = self;
        let sql = format!(
            "UPDATE {table} SET locked_until = $2, attempts = attempts + 1 WHERE {key} = $1 AND {open} \
             AND (locked_until IS NULL OR locked_until < $3)"
        );
        let done = sqlx::query(&sql)
            .bind(id)
            .bind(crate::convert::instant_to_db(until))
            .bind(crate::convert::instant_to_db(now))
            .execute(conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends the claim that counted attempt `attempt` until `until`, while its work goes on;
    /// false when the work is done or another worker has claimed the row since (its claim
    /// counted a later attempt): the caller no longer holds it.
    pub async fn renew(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        attempt: i64,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, sqlx::Error> {
        let Lease {
            table,
            id: key,
            open,
        } = self;
        let sql = format!(
            "UPDATE {table} SET locked_until = $2 WHERE {key} = $1 AND {open} AND attempts = $3"
        );
        let done = sqlx::query(&sql)
            .bind(id)
            .bind(crate::convert::instant_to_db(until))
            .bind(attempt)
            .execute(conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://rex:secret@localhost:5432/rex"),
            "postgres://rex:***@localhost:5432/rex"
        );
        assert_eq!(
            redact("sqlite://data/registration.db"),
            "sqlite://data/registration.db"
        );
    }

    #[test]
    fn postgres_dialect_replaces_the_two_column_types_as_whole_words() {
        assert_eq!(
            postgres_dialect("n INTEGER NOT NULL, b BLOB, integer_count INTEGER,\nBLOBS TEXT"),
            "n BIGINT NOT NULL, b BYTEA, integer_count BIGINT,\nBLOBS TEXT"
        );
    }

    #[test]
    fn sqlite_data_folder_is_found() {
        assert_eq!(
            sqlite_parent("sqlite://data/r.db?mode=rwc"),
            Some(Path::new("data"))
        );
        assert_eq!(sqlite_parent("sqlite::memory:"), None);
    }

    async fn table(dir: &tempfile::TempDir) -> (Db, String) {
        let url = format!("sqlite://{}/g.db", dir.path().display());
        let db = Db::open(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .execute(&db.pool)
            .await
            .unwrap();
        (db, url)
    }

    async fn ids(url: &str) -> Vec<i64> {
        // A separate pool sees only what was committed.
        let other = Db::open(url).await.unwrap();
        sqlx::query_scalar("SELECT id FROM t ORDER BY id")
            .fetch_all(&other.pool)
            .await
            .unwrap()
    }

    async fn insert(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO t (id) VALUES ($1)")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map(drop)
    }

    /// Concurrent writers share commits, yet each sees its own outcome: a writer that commits
    /// finds its row durable when commit returns, one that fails or is dropped leaves nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_keeps_exactly_the_committed_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (db, url) = table(&dir).await;
        let mut tasks = Vec::new();
        for i in 0..200i64 {
            let db = db.clone();
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await.unwrap();
                insert(&mut tx, i).await.unwrap();
                match i % 4 {
                    // Fails after writing: rolled back alone.
                    1 => tx.rollback().await.unwrap(),
                    // Goes away without a word (an error path, a caller gone).
                    2 => drop(tx),
                    // A duplicate inside the writer: the error is the writer's only.
                    3 => {
                        assert!(insert(&mut tx, i).await.is_err());
                        tx.commit().await.unwrap();
                        assert!(ids(&url).await.contains(&i), "{i} durable on return");
                    }
                    _ => {
                        tx.commit().await.unwrap();
                        assert!(ids(&url).await.contains(&i), "{i} durable on return");
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let want: Vec<i64> = (0..200).filter(|i| i % 4 == 0 || i % 4 == 3).collect();
        assert_eq!(ids(&url).await, want);
    }

    /// A writer that ends without commit, with nobody after it, leaves the database free: a
    /// connection of another pool (another process, a relay's claim) writes at once instead of
    /// waiting out SQLite's busy timeout behind the group's open transaction.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_a_writer_ending_without_commit_frees_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let (db, url) = table(&dir).await;
        let other = Db::open(&url).await.unwrap();
        for (i, dropped) in [(1i64, true), (2, false)] {
            let mut tx = db.begin_write().await.unwrap();
            insert(&mut tx, i).await.unwrap();
            if dropped {
                drop(tx);
            } else {
                tx.rollback().await.unwrap();
            }
            let write = sqlx::query("INSERT INTO t (id) VALUES ($1)")
                .bind(10 + i)
                .execute(&other.pool);
            let done = tokio::time::timeout(Duration::from_secs(5), write).await;
            assert!(
                done.is_ok_and(|r| r.is_ok()),
                "writer {i} (dropped: {dropped}) still holds the database"
            );
        }
        assert_eq!(ids(&url).await, vec![11, 12]);
    }

    /// A writer released into a group that nobody else closes still gets its commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_closes_a_group_its_next_writer_abandoned() {
        let dir = tempfile::tempdir().unwrap();
        let (db, url) = table(&dir).await;
        // Hold the turn so the second writer queues; the first will see it waiting.
        let first = db.begin_write().await.unwrap();
        let queued = {
            let db = db.clone();
            tokio::spawn(async move { db.begin_write().await.map(|_| ()) })
        };
        while db.writer.as_ref().unwrap().queued.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        // The queued writer's caller goes away before its turn.
        queued.abort();
        let mut first = first;
        sqlx::query("INSERT INTO t (id) VALUES (7)")
            .execute(&mut *first)
            .await
            .unwrap();
        first.commit().await.unwrap();
        assert_eq!(ids(&url).await, vec![7]);
        // The writer that went away is no longer counted as waiting.
        assert_eq!(
            db.writer.as_ref().unwrap().queued.load(Ordering::Acquire),
            0
        );
    }
}
