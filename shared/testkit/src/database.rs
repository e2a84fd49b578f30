//! Fresh databases: SQLite in a temporary folder, or a new database on the PostgreSQL server of
//! `REX_TEST_POSTGRES_URL` (`.ci/postgres` prints it; `scripts/test` sets it).

use std::sync::Arc;

use rex_runtime::db::{Db, Migrations};
use tempfile::TempDir;

/// The database a service runs on in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Whether this backend can be tested here: SQLite always; PostgreSQL when
    /// REX_TEST_POSTGRES_URL is set. Without it the test is skipped with a note, except in CI
    /// (`CI` set), where that is a failure.
    pub fn available(self) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => {
                let found = postgres_admin_url().is_some();
                if !found {
                    eprintln!(
                        "skipped: no PostgreSQL (set REX_TEST_POSTGRES_URL, or run bash scripts/test)"
                    );
                }
                found
            }
        }
    }
}

/// The PostgreSQL server's admin URL; in CI it must be there.
fn postgres_admin_url() -> Option<String> {
    match std::env::var("REX_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("REX_TEST_POSTGRES_URL must be set in CI (bash .ci/postgres prints it)")
        }
        _ => None,
    }
}

/// A database of its own for one service of one test. SQLite files live in a temporary
/// folder that lives as long as any clone of this value.
#[derive(Debug, Clone)]
pub struct Database {
    pub backend: Backend,
    pub url: String,
    dir: Arc<TempDir>,
}

impl Database {
    /// A new, empty database named after `name` (the service), in a folder of its own.
    pub async fn fresh(backend: Backend, name: &str) -> Database {
        Self::fresh_in(backend, name, &Arc::new(tempfile::tempdir().unwrap())).await
    }

    /// A new, empty database named after `name`; SQLite's file in `dir`.
    pub async fn fresh_in(backend: Backend, name: &str, dir: &Arc<TempDir>) -> Database {
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}/{name}.db", dir.path().display()),
            Backend::Postgres => {
                let Some(admin) = postgres_admin_url() else {
                    panic!(
                        "no PostgreSQL: set REX_TEST_POSTGRES_URL (bash .ci/postgres prints it), or check Backend::available() first"
                    );
                };
                create_postgres_database(&admin, name).await
            }
        };
        Database {
            backend,
            url,
            dir: dir.clone(),
        }
    }

    /// The folder the test's files live in (SQLite databases, maildirs).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// A connection of the test's own, to look at what a service stored (the service has
    /// migrated the database already; this checks the migrations are the same).
    pub async fn connect(&self, migrations: &Migrations) -> Db {
        Db::connect(&self.url, migrations).await.unwrap()
    }
}

async fn create_postgres_database(admin: &str, name: &str) -> String {
    use sqlx::Connection;
    let database = format!("rex_{name}_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
    format!("{base}/{database}")
}
