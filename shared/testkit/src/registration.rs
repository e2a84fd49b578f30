//! The registration service (Atameken) in the test's process, with its public site.

use std::net::SocketAddr;
use std::sync::Arc;

use rex_calendar::{Calendar, TestClock};
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use rex_runtime::db::Db;
use tonic::transport::Channel;

use crate::database::{Backend, Database};
use crate::scenario;
use crate::server::{self, Server};

/// The registration service on loopback, its gRPC client, a second connection to its
/// database and the test clock it reads.
#[derive(Debug)]
pub struct RegistrationService {
    pub client: RegistrationServiceClient<Channel>,
    pub clock: Arc<TestClock>,
    /// A second connection to the service's database, to look at what it stored.
    pub db: Db,
    pub addr: SocketAddr,
    /// The public lookup site and JSON API.
    pub public_addr: SocketAddr,
    pub database: Database,
    options: rex_registration::Options,
    server: Option<Server>,
}

/// The registration service alone, on a fresh database of `backend`, its public site and a
/// lookup cache on.
pub async fn spawn_registration(backend: Backend) -> RegistrationService {
    rex_runtime::telemetry::init();
    let database = Database::fresh(backend, "registration").await;
    RegistrationService::spawn(database, crate::test_clock(), |_| {}).await
}

impl RegistrationService {
    /// The options every test starts from; `configure` changes what a test needs (a
    /// notification service, authentication, the cache).
    pub fn default_options(
        database: &Database,
        clock: Arc<TestClock>,
        calendar: Arc<Calendar>,
    ) -> rex_registration::Options {
        rex_registration::Options {
            // The lookup cache on both backends, so that every scenario's lookups also check
            // that each write invalidates what it changed.
            lookup_cache_mb: Some(16),
            ..rex_registration::Options::new(server::base(database, clock), calendar)
        }
    }

    /// Starts the service on `database` and waits until it answers.
    pub async fn spawn(
        database: Database,
        clock: Arc<TestClock>,
        configure: impl FnOnce(&mut rex_registration::Options),
    ) -> RegistrationService {
        let calendar = Arc::new(Calendar::official().unwrap());
        let mut options = Self::default_options(&database, clock.clone(), calendar);
        configure(&mut options);
        let listener = server::any_port().await;
        let public = server::any_port().await;
        let (addr, public_addr) = (listener.local_addr().unwrap(), public.local_addr().unwrap());
        let server = Self::serve(listener, public, options.clone()).await;
        let db = database.connect(&rex_registration::MIGRATIONS).await;
        RegistrationService {
            client: RegistrationServiceClient::new(server::channel(addr)),
            clock,
            db,
            addr,
            public_addr,
            database,
            options,
            server: Some(server),
        }
    }

    async fn serve(
        listener: tokio::net::TcpListener,
        public: tokio::net::TcpListener,
        options: rex_registration::Options,
    ) -> Server {
        let addr = listener.local_addr().unwrap();
        let (stop, shutdown) = server::shutdown();
        let serve = rex_registration::serve_with_public(listener, Some(public), options, shutdown);
        Server::start("registration", addr, stop, serve).await
    }

    /// Stops the service (it is down until [`RegistrationService::start`]).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }

    /// Starts the service again on its addresses and database.
    pub async fn start(&mut self) {
        assert!(self.server.is_none(), "the registration service is running");
        let listener = server::same_port(self.addr).await;
        let public = server::same_port(self.public_addr).await;
        self.server = Some(Self::serve(listener, public, self.options.clone()).await);
    }

    /// A new client of the service.
    pub fn connect(&self) -> RegistrationServiceClient<Channel> {
        RegistrationServiceClient::new(server::channel(self.addr))
    }

    pub fn set_today(&self, date: &str) {
        crate::set_today(&self.clock, date);
    }

    /// Adds the active authorized person `AP-1` of branch 002.
    pub async fn authorized_person(&mut self) -> String {
        scenario::save_authorized_person(&mut self.client).await;
        scenario::OFFICER.into()
    }

    pub async fn submit(&mut self, form: ApplicationForm) -> SubmitApplicationResponse {
        scenario::submit(&mut self.client, form).await
    }

    /// Submits fixture `i` on paper received at 10:00 on `on`, and registers it.
    pub async fn registered(&mut self, i: usize, on: &str) -> Registration {
        scenario::registered(&mut self.client, scenario::paper(i, on), "").await
    }

    /// Registers a submitted application that has no findings, as AP-1.
    pub async fn register(&mut self, app: Application) -> Registration {
        assert!(app.findings.is_empty(), "{:?}", app.findings);
        scenario::register(&mut self.client, app.application_id, "").await
    }

    /// Revokes `number` on `on` at the exporter's own request (REV-1 (1)).
    pub async fn revoke_at_exporters_request(&mut self, number: &str, on: &str) -> Registration {
        self.client
            .revoke_registration(scenario::revocation_at_exporters_request(number, on))
            .await
            .unwrap()
            .into_inner()
            .registration
            .unwrap()
    }

    /// The public lookup of `number` as of `as_of` (none: today).
    pub async fn lookup(
        &mut self,
        number: &str,
        as_of: Option<&str>,
    ) -> LookupRegistrationResponse {
        self.client
            .lookup_registration(LookupRegistrationRequest {
                registration_number: number.into(),
                as_of: as_of.map(crate::fixtures::pdate),
            })
            .await
            .unwrap()
            .into_inner()
    }

    /// Every notice the service owes, from its outbox.
    pub async fn notices(&self) -> Vec<rex_registration::store::Notice> {
        let mut conn = self.db.pool.acquire().await.unwrap();
        rex_registration::store::notices(&mut conn).await.unwrap()
    }

    /// The number of rows in `table`.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// Registers fixtures 0 (consents to publication), 1 (does not) and 2 (revoked on 10 June,
    /// today after this); their numbers in that order.
    pub async fn public_registry(&mut self) -> (String, String, String) {
        self.authorized_person().await;
        let valid = self.registered(0, "2026-03-19").await.registration_number;
        let unpublished = self.registered(1, "2026-03-19").await.registration_number;
        let revoked = self.registered(2, "2026-03-19").await.registration_number;
        self.set_today("2026-06-10");
        self.revoke_at_exporters_request(&revoked, "2026-06-10")
            .await;
        (valid, unpublished, revoked)
    }
}
