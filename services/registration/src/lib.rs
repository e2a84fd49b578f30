//! The registration service of Atameken (Order 244-NK): applications No. 1, registration
//! numbers, refusals, changes, revocations, court reinstatements, the public lookup,
//! statement-on-origin checks and dossiers for the Ministry.

pub mod grpc;
pub mod http;
pub mod lookup_cache;
pub mod retention;
pub mod store;

/// The law of Order 244-NK, as the edges of this service use it.
pub use rex_registration_domain as domain;

use std::sync::Arc;

use rex_calendar::{Calendar, Clock};
use rex_proto::registration::registration_service_server::RegistrationServiceServer;
use rex_runtime::config::Base;
use rex_runtime::db::{Db, Migrations};
use tokio::net::TcpListener;

pub use grpc::Registry;
/// Who may call each RPC (the runtime enforces it before any handler).
pub use grpc::access::ACCESS;
pub use rex_registration_domain::Periods;

/// The registry's migrations, per backend.
pub static MIGRATIONS: Migrations = rex_runtime::migrations!();

/// The largest request accepted: several documents of up to 20 MiB.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// The gRPC service name, for health checks.
pub const SERVICE_NAME: &str = "rex.registration.v1.RegistrationService";

/// Everything the service can be given: the base every service shares, and its own.
#[derive(Debug, Clone)]
pub struct Options {
    /// Database, clock, grace period, token keys, TLS, the service's own token.
    pub base: Base,
    /// Kazakhstan's official calendar, for every period of law.
    pub calendar: Arc<Calendar>,
    /// The notification service the outbox relay delivers notices to; none: they wait in the
    /// outbox.
    pub notification_url: Option<String>,
    /// Memory for public records served to lookups from memory (see `lookup_cache`), in MiB;
    /// 0: none; none: [`DEFAULT_LOOKUP_CACHE_MB`].
    pub lookup_cache_mb: Option<u64>,
    /// Where to serve the public lookup pages and the JSON API (`http`); none: not served.
    pub public_listen: Option<std::net::SocketAddr>,
    /// The periods of Order 244-NK from the procedure catalogue; none: the shipped catalogue's.
    pub periods: Option<Arc<Periods>>,
    /// Who runs the public site (its identity and contacts: `organisations.atameken`).
    pub organisations: Arc<rex_domain::Organisations>,
}

impl Options {
    /// The service on `base` alone: no relay, the default lookup cache, no public site.
    pub fn new(base: Base, calendar: Arc<Calendar>) -> Self {
        Self {
            base,
            calendar,
            notification_url: None,
            lookup_cache_mb: None,
            public_listen: None,
            periods: None,
            organisations: Arc::new(rex_domain::Organisations::shipped()),
        }
    }
}

/// The lookup cache's default size: about a million and a half published records (a record
/// takes about 350 bytes).
pub const DEFAULT_LOOKUP_CACHE_MB: u64 = 512;

/// Connects to the database (running the migrations) and serves the registration service on
/// `listener` until `shutdown` resolves, with the outbox relay when a notification service is
/// given and the public site when an address is.
pub async fn serve(
    listener: TcpListener,
    options: Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The public site's port is taken first, so that a mistake in it fails the start early.
    let public_listener =
        match options.public_listen {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
                anyhow::anyhow!("cannot listen on {addr} for the public site: {e}")
            })?),
            None => None,
        };
    serve_with_public(listener, public_listener, options, shutdown).await
}

/// [`serve`], the public site on a listener already bound (`options.public_listen` is not
/// used).
pub async fn serve_with_public(
    listener: TcpListener,
    public_listener: Option<TcpListener>,
    options: Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let base = &options.base;
    let db = Db::connect(&base.database_url, &MIGRATIONS).await?;
    let periods = match &options.periods {
        Some(periods) => periods.clone(),
        None => Arc::new(Periods::shipped().map_err(anyhow::Error::msg)?),
    };
    // Due dates are stored with each open application: counted again on this calendar and
    // these periods, which may have changed since they were written.
    let moved = store::recount_open_dues(&db, &options.calendar, &periods).await?;
    if moved > 0 {
        tracing::info!(
            moved,
            "open applications' due dates moved: the calendar or the procedure data changed since they were counted"
        );
    }
    let mut registry = Registry::new(
        db.clone(),
        options.calendar.clone(),
        periods,
        base.clock.clone(),
    );
    let cache_mb = options.lookup_cache_mb.unwrap_or(DEFAULT_LOOKUP_CACHE_MB);
    // Background work, aborted when the service stops.
    let mut background = tokio::task::JoinSet::new();
    if cache_mb > 0 {
        let mut cache = lookup_cache::LookupCache::new(cache_mb * 1024 * 1024);
        if db.backend == rex_runtime::db::Backend::Postgres {
            // Replicas share the database: each catches up with the others' writes.
            let mut conn = db.pool.acquire().await?;
            cache = cache.shared(store::public_changes_head(&mut conn).await?);
        }
        let cache = Arc::new(cache);
        registry = registry.with_lookup_cache(cache.clone());
        let db = db.clone();
        background.spawn(async move {
            if let Err(err) = lookup_cache::warm(db, cache).await {
                tracing::warn!(
                    error = format!("{err:#}"),
                    "lookup cache warm-up stopped; records are read on demand"
                );
            }
        });
    }
    background.spawn(retention::run_periodically(db.clone(), base.clock.clone()));
    rex_runtime::outbox::spawn(
        &mut background,
        db.clone(),
        options.notification_url.as_deref(),
        base,
        std::time::Duration::from_secs(5),
        Arc::new(rex_calendar::SystemClock),
        std::time::Duration::from_millis(200),
    )?;
    {
        let (db, calendar, clock) = (db.clone(), options.calendar.clone(), base.clock.clone());
        rex_runtime::metrics::add_sampler(move || {
            sample_metrics(db.clone(), calendar.clone(), clock.clone())
        });
    }
    let (public_stop, public_stopped) = tokio::sync::watch::channel(false);
    let public = match public_listener {
        Some(listener) => {
            let registry = registry.clone();
            let organisations = options.organisations.clone();
            let mut stopped = public_stopped;
            Some(tokio::spawn(async move {
                let stop = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                if let Err(err) = http::serve(listener, registry, organisations, stop).await {
                    tracing::error!(error = format!("{err:#}"), "public site stopped");
                }
            }))
        }
        None => None,
    };
    // Applications carry documents of up to 20 MiB each (grpc::MAX_DOCUMENT_BYTES): gRPC's
    // default 4 MiB limit would refuse an ordinary scan.
    let server =
        RegistrationServiceServer::new(registry).max_decoding_message_size(MAX_REQUEST_BYTES);
    let routes = tonic::service::Routes::new(server);
    let trail = rex_runtime::audit::Trail {
        db,
        service: "registration",
    };
    tracing::info!(addr = %listener.local_addr()?, database = %rex_runtime::db::redact(&base.database_url), notification = ?options.notification_url, lookup_cache_mb = cache_mb, "registration service listening");
    let result = rex_runtime::server::serve(
        listener,
        routes,
        SERVICE_NAME,
        shutdown,
        base,
        grpc::access::ACCESS,
        trail,
    )
    .await;
    let _ = public_stop.send(true);
    if let Some(public) = public {
        // Pages in flight finish within the same grace period as the calls.
        let abort = public.abort_handle();
        if tokio::time::timeout(base.grace, public).await.is_err() {
            tracing::warn!("public site: connections still open after the grace period; closing");
            abort.abort();
        }
    }
    result
}

/// At each scrape: the outbox, the pool, and the applications due for registration (REG-6)
/// within one working day or overdue.
async fn sample_metrics(db: Db, calendar: Arc<Calendar>, clock: Arc<dyn Clock>) {
    rex_runtime::metrics::sample_outbox_and_pool("registration", &db).await;
    let today = clock.today();
    let Ok(next) = calendar.next_working_day(today) else {
        return;
    };
    let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let overdue: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE status = 'RECEIVED' AND registration_due < $1",
    )
    .bind(iso(today))
    .fetch_one(&db.pool)
    .await;
    let soon = match db.pool.acquire().await {
        Ok(mut conn) => store::count_due_between(&mut conn, today, next).await,
        Err(err) => Err(err),
    };
    let (overdue, soon) = match (overdue, soon) {
        (Ok(overdue), Ok(soon)) => (overdue, soon),
        (Err(err), _) | (_, Err(err)) => {
            rex_runtime::metrics::sample_failed("registration", "statutory_steps", &err);
            return;
        }
    };
    rex_runtime::metrics::set_steps(
        "registration",
        &[
            ("REG-6".into(), "overdue", overdue),
            ("REG-6".into(), "due_soon", soon),
        ],
    );
}
