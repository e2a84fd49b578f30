//! One database API over SQLite (the embedded default) and PostgreSQL (production).
//!
//! sqlx's `Any` driver keeps one set of store code: queries use `$1` placeholders (both
//! backends accept them), dates and instants are ISO text, integers are 64-bit, flags are
//! 0/1. Where the dialects differ (DDL, how a write transaction starts) the difference is
//! here or in the per-backend migration folders.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
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
}

/// A database transaction.
pub type Tx = Transaction<'static, Any>;

/// The migrations of one service, one set per backend.
#[derive(Debug)]
pub struct Migrations {
    pub sqlite: &'static Migrator,
    pub postgres: &'static Migrator,
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
        let migrator = match self.backend {
            Backend::Sqlite => migrations.sqlite,
            Backend::Postgres => migrations.postgres,
        };
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        // The table exists once any migration ran; before that there is nothing to compare.
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await
            .unwrap_or(None);
        if let Some(applied) = applied
            && applied > known
        {
            anyhow::bail!(
                "the database is at schema version {applied}, newer than this release knows ({known}): \
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
        Ok(Self { pool, backend })
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so concurrent writers wait for each other (busy timeout) instead of failing
    /// when a read inside the transaction is later upgraded to a write.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
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
    fn sqlite_data_folder_is_found() {
        assert_eq!(
            sqlite_parent("sqlite://data/r.db?mode=rwc"),
            Some(Path::new("data"))
        );
        assert_eq!(sqlite_parent("sqlite::memory:"), None);
    }
}
