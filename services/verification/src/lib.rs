//! The Ministry's verification service (Order 358-NK): official requests from Norway and
//! Switzerland become cases carried through VER-1..8 within their statutory deadlines, with
//! the dossier exchange and the appeal to revoke made over gRPC with the registration service.

mod grpc;
mod ministry;
pub mod store;
mod wire;
pub mod worker;

/// Who may call each RPC (the runtime enforces it before any handler).
pub use grpc::access::ACCESS;

/// The law of Order 358-NK, from its own crate.
pub use rex_verification_domain as domain;

use std::sync::Arc;
use std::time::Duration;

use rex_calendar::{Calendar, Clock};
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::verification::verification_service_server::VerificationServiceServer;
use rex_runtime::config::Base;
use rex_runtime::db::{Db, Migrations};
use tokio::net::TcpListener;

pub use ministry::{Calls, Ministry};

/// The names of the earlier layout, where the handlers lived in `service`.
pub mod service {
    pub use crate::ministry::{Calls, Ministry};
    pub use crate::worker::pending_error;
}

/// The migrations, per backend.
pub static MIGRATIONS: Migrations = rex_runtime::migrations!();

/// The gRPC service name, for health checks.
pub const SERVICE_NAME: &str = "rex.verification.v1.VerificationService";

/// What the service needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Database, clock of law, grace period, token keys, TLS, the service's own token.
    pub base: Base,
    /// The registration service, e.g. `http://127.0.0.1:50051`.
    pub registration_url: String,
    pub calendar: Arc<Calendar>,
    /// The machine's clock, for retry scheduling.
    pub ops_clock: Arc<dyn Clock>,
    pub calls: Calls,
    /// How often the worker looks for due calls.
    pub poll: Duration,
    /// The notification service the outbox relay delivers notices to; none: they wait in the
    /// outbox.
    pub notification_url: Option<String>,
    /// The periods of Order 358-NK from the procedure catalogue; none: the shipped catalogue's.
    pub periods: Option<rex_verification_domain::Periods>,
    /// The authorized body that signs conclusions (`config/organisations.toml` when not given).
    pub organisations: rex_domain::Organisations,
}

impl Settings {
    /// The service on `base`, asking the registration service at `registration_url`: the
    /// machine's clock for retries, the default call deadlines and retries, the worker
    /// polling every second, no notification relay.
    pub fn new(base: Base, calendar: Arc<Calendar>, registration_url: impl Into<String>) -> Self {
        Self {
            base,
            registration_url: registration_url.into(),
            calendar,
            ops_clock: Arc::new(rex_calendar::SystemClock),
            calls: Calls::default(),
            poll: Duration::from_secs(1),
            notification_url: None,
            periods: None,
            organisations: rex_domain::Organisations::shipped(),
        }
    }
}

/// Builds the service on its database (running the migrations). The registration service
/// need not be up: the channel connects when it is first used.
pub async fn ministry(settings: &Settings) -> anyhow::Result<Ministry> {
    let db = Db::connect(&settings.base.database_url, &MIGRATIONS).await?;
    let channel = rex_runtime::tls::channel(
        &settings.registration_url,
        settings.base.tls.as_ref(),
        "registration",
        settings.calls.timeout,
    )?;
    let mut calls = settings.calls.clone();
    if calls.token.is_none() {
        calls.token = settings.base.service_token.clone();
    }
    let periods = match settings.periods {
        Some(periods) => periods,
        None => rex_verification_domain::Periods::shipped().map_err(anyhow::Error::msg)?,
    };
    Ok(Ministry::new(
        db,
        settings.calendar.clone(),
        periods,
        settings.base.clock.clone(),
        settings.ops_clock.clone(),
        // A dossier holds every document of a registration.
        RegistrationServiceClient::new(channel).max_decoding_message_size(256 * 1024 * 1024),
        calls,
    )
    .with_organisations(&settings.organisations))
}

/// Serves the verification service on `listener`, with its worker, until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let ministry = ministry(&settings).await?;
    // Background work, aborted when the service stops.
    let mut background = tokio::task::JoinSet::new();
    background.spawn(worker::run(ministry.clone(), settings.poll));
    let db = ministry.db().clone();
    rex_runtime::metrics::add_sampler(move || {
        let db = db.clone();
        async move { rex_runtime::metrics::sample_outbox_and_pool("verification", &db).await }
    });
    rex_runtime::outbox::spawn(
        &mut background,
        ministry.db().clone(),
        settings.notification_url.as_deref(),
        &settings.base,
        settings.calls.timeout,
        settings.ops_clock.clone(),
        settings.poll,
    )?;
    let trail = rex_runtime::audit::Trail {
        db: ministry.db().clone(),
        service: "verification",
    };
    let routes = tonic::service::Routes::new(VerificationServiceServer::new(ministry));
    tracing::info!(addr = %listener.local_addr()?, database = %rex_runtime::db::redact(&settings.base.database_url), registration = %settings.registration_url, "verification service listening");
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
