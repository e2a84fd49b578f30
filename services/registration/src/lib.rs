//! The registration service of Atameken (Order 244-NK): applications No. 1, registration
//! numbers, refusals, changes, revocations, court reinstatements, the public lookup,
//! statement-on-origin checks and dossiers for the Ministry.

pub mod domain;
pub mod retention;
pub mod service;
pub mod store;

use std::sync::Arc;

use rex_calendar::{Calendar, Clock};
use rex_proto::registration::registration_service_server::RegistrationServiceServer;
use rex_runtime::db::{Db, Migrations};
use sqlx::migrate::Migrator;
use tokio::net::TcpListener;

pub use service::Registry;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// The registry's migrations, per backend.
pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &SQLITE,
    postgres: &POSTGRES,
};

/// The gRPC service name, for health checks.
pub const SERVICE_NAME: &str = "rex.registration.v1.RegistrationService";

/// Connects to the database (running the migrations) and serves the registration service on
/// `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    database_url: &str,
    calendar: Arc<Calendar>,
    clock: Arc<dyn Clock>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with_grace(
        listener,
        database_url,
        calendar,
        clock,
        shutdown,
        rex_runtime::server::SHUTDOWN_GRACE,
    )
    .await
}

/// [`serve`] with an explicit grace period for in-flight calls after `shutdown`.
pub async fn serve_with_grace(
    listener: TcpListener,
    database_url: &str,
    calendar: Arc<Calendar>,
    clock: Arc<dyn Clock>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> anyhow::Result<()> {
    let db = Db::connect(database_url, &MIGRATIONS).await?;
    let registry = Registry::new(db.clone(), calendar, clock.clone());
    let retention = tokio::spawn(retention::run_periodically(db, clock));
    let routes = tonic::service::Routes::new(RegistrationServiceServer::new(registry));
    tracing::info!(addr = %listener.local_addr()?, database = %rex_runtime::db::redact(database_url), "registration service listening");
    let result =
        rex_runtime::server::serve_with_grace(listener, routes, SERVICE_NAME, shutdown, grace)
            .await;
    retention.abort();
    result
}
