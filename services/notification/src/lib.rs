//! The notification service: every notice the rules require (REG-8, REG-9, CHG-2, REV-2, REG-13
//! and the verification service's deadline warnings), rendered from templates in Kazakh or
//! Russian and English, delivered by e-mail, to the exporter's inbox or as a letter, with its
//! due date, its late-ness and its copy kept (RET-2).

mod grpc;
pub mod letter;
mod notices;
pub mod sender;
pub mod store;
pub mod templates;

/// Who may call each RPC (the runtime enforces it before any handler).
pub use grpc::access::ACCESS;

use std::path::PathBuf;

use std::sync::Arc;
use std::time::Duration;

use rex_domain::Organisations;
use rex_proto::notification::notification_service_server::NotificationServiceServer;
use rex_runtime::config::Base;
use rex_runtime::db::{Db, Migrations};
use tokio::net::TcpListener;

pub use notices::Notices;
/// The law the store's rows are read into (notices, delivery states, attempts), for tools and
/// tests that read the store.
pub use rex_notification_domain as domain;
pub use sender::Smtp;

/// The migrations, per backend.
pub static MIGRATIONS: Migrations = rex_runtime::migrations!();

/// The gRPC service name, for health checks.
pub const SERVICE_NAME: &str = "rex.notification.v1.NotificationService";

/// What the service needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Database, clock of law, grace period, token keys, TLS.
    pub base: Base,
    /// A directory whose template files replace the shipped ones.
    pub templates_dir: Option<PathBuf>,
    pub smtp: Smtp,
    pub poll: Duration,
    /// Who signs the letters (`config/organisations.toml` when not given).
    pub organisations: Organisations,
}

impl Default for Settings {
    /// SQLite under `data/`, the shipped templates, the default SMTP relay, the system clock,
    /// no authentication or TLS (development on loopback only).
    fn default() -> Self {
        Self {
            base: Base::new("sqlite://data/notification.db"),
            templates_dir: None,
            smtp: Smtp::default(),
            poll: Duration::from_secs(2),
            organisations: Organisations::shipped(),
        }
    }
}

/// Builds the service on its database (running the migrations) with its templates checked.
pub async fn notices(settings: &Settings) -> anyhow::Result<Notices> {
    let templates = Arc::new(templates::load(settings.templates_dir.as_deref())?);
    let db = Db::connect(&settings.base.database_url, &MIGRATIONS).await?;
    Ok(Notices::new(db, templates, settings.base.clock.clone())
        .with_organisations(settings.organisations.clone()))
}

/// RET-2: removes copies whose 3 years have passed; reports what it removed.
pub async fn purge(notices: &Notices) -> anyhow::Result<Vec<String>> {
    let mut tx = notices.db.begin_write().await?;
    let cutoff = rex_notification_domain::retention::removal_cutoff(notices.clock.today());
    let ids = store::purge(&mut tx, cutoff, notices.clock.now()).await?;
    tx.commit().await?;
    if !ids.is_empty() {
        tracing::info!(
            removed = ids.len(),
            "retention: removed notices kept 3 years (RET-2)"
        );
    }
    Ok(ids)
}

/// Serves the notification service with its e-mail sender until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with_lease(listener, settings, sender::CLAIM_LEASE, shutdown).await
}

/// [`serve`], with the sender's claims on e-mails lasting `claim_lease` unless renewed.
pub async fn serve_with_lease(
    listener: TcpListener,
    settings: Settings,
    claim_lease: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let notices = notices(&settings).await?.with_claim_lease(claim_lease);
    // Background work, aborted when the service stops.
    let mut background = tokio::task::JoinSet::new();
    background.spawn(sender::run(
        notices.clone(),
        settings.smtp.clone(),
        settings.poll,
    ));
    let db = notices.db.clone();
    rex_runtime::metrics::add_sampler(move || {
        let db = db.clone();
        async move { rex_runtime::metrics::sample_pool("notification", &db) }
    });
    let trail = rex_runtime::audit::Trail {
        db: notices.db.clone(),
        service: "notification",
    };
    let routes = tonic::service::Routes::new(NotificationServiceServer::new(notices));
    let database = rex_runtime::db::redact(&settings.base.database_url);
    let smtp = format!("{}:{}", settings.smtp.host, settings.smtp.port);
    let addr = listener.local_addr()?;
    tracing::info!(%addr, %database, %smtp, "notification service listening");
    rex_runtime::server::serve(
        listener,
        routes,
        SERVICE_NAME,
        shutdown,
        &settings.base,
        grpc::access::ACCESS,
        trail,
    )
    .await
}
