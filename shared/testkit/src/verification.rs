//! The verification service (the Ministry) in the test's process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rex_calendar::{Calendar, TestClock};
use rex_proto::verification::verification_service_client::VerificationServiceClient;
use rex_proto::verification::*;
use rex_runtime::db::Db;
use tonic::transport::Channel;

use crate::database::{Backend, Database};
use crate::server::{self, Server};

/// The verification service on loopback, restartable on its address and database.
#[derive(Debug)]
pub struct VerificationService {
    pub addr: SocketAddr,
    pub database: Database,
    pub clock: Arc<TestClock>,
    settings: rex_verification::Settings,
    server: Option<Server>,
}

/// The verification service alone, on a fresh database of `backend`; its calls to the
/// registry (at an address nobody listens on) fail, and are retried.
pub async fn spawn_verification(backend: Backend) -> VerificationService {
    rex_runtime::telemetry::init();
    let database = Database::fresh(backend, "verification").await;
    let nobody = server::any_port().await.local_addr().unwrap();
    VerificationService::spawn(database, crate::test_clock(), |s| {
        s.registration_url = format!("http://{nobody}");
    })
    .await
}

impl VerificationService {
    /// The settings every test starts from: calls to the registry time out and are retried
    /// quickly, the worker polls often.
    pub fn default_settings(
        database: &Database,
        clock: Arc<TestClock>,
        calendar: Arc<Calendar>,
    ) -> rex_verification::Settings {
        rex_verification::Settings {
            calls: rex_verification::Calls {
                timeout: Duration::from_secs(2),
                retry_base: Duration::from_millis(100),
                retry_max: Duration::from_millis(400),
                token: None,
            },
            poll: Duration::from_millis(50),
            ..rex_verification::Settings::new(server::base(database, clock), calendar, "")
        }
    }

    /// Starts the service on `database` and waits until it answers; `configure` sets the
    /// registry's URL and what else a test needs.
    pub async fn spawn(
        database: Database,
        clock: Arc<TestClock>,
        configure: impl FnOnce(&mut rex_verification::Settings),
    ) -> VerificationService {
        let calendar = Arc::new(Calendar::official().unwrap());
        let mut settings = Self::default_settings(&database, clock.clone(), calendar);
        configure(&mut settings);
        let listener = server::any_port().await;
        let addr = listener.local_addr().unwrap();
        let server = Self::serve(listener, settings.clone()).await;
        VerificationService {
            addr,
            database,
            clock,
            settings,
            server: Some(server),
        }
    }

    async fn serve(
        listener: tokio::net::TcpListener,
        settings: rex_verification::Settings,
    ) -> Server {
        let addr = listener.local_addr().unwrap();
        let (stop, shutdown) = server::shutdown();
        let serve = rex_verification::serve(listener, settings, shutdown);
        Server::start("verification", addr, stop, serve).await
    }

    /// Stops the service (it is down until [`VerificationService::start`]).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }

    /// Starts the service again on its address and database.
    pub async fn start(&mut self) {
        assert!(self.server.is_none(), "the verification service is running");
        let listener = server::same_port(self.addr).await;
        self.server = Some(Self::serve(listener, self.settings.clone()).await);
    }

    /// A new client of the service.
    pub fn client(&self) -> VerificationServiceClient<Channel> {
        VerificationServiceClient::new(server::channel(self.addr))
    }

    /// A second connection to the service's database, to look at what it stored.
    pub async fn db(&self) -> Db {
        self.database.connect(&rex_verification::MIGRATIONS).await
    }

    /// The service itself, on the same database, to drive the deadline watcher on "today".
    pub async fn ministry(&self) -> rex_verification::Ministry {
        rex_verification::ministry(&self.settings).await.unwrap()
    }

    /// Opens a case (VER-1); the case.
    pub async fn open(&self, request: OpenCaseRequest) -> Case {
        self.client()
            .open_case(request)
            .await
            .unwrap()
            .into_inner()
            .case
            .unwrap()
    }

    /// Waits (polling, bounded) until the case reaches `status`: the worker retries in real
    /// time.
    pub async fn wait_for(&self, case_id: &str, status: CaseStatus) -> Case {
        let mut client = self.client();
        for _ in 0..200 {
            let case = client
                .get_case(GetCaseRequest {
                    case_id: case_id.into(),
                })
                .await
                .unwrap()
                .into_inner()
                .case
                .unwrap();
            if case.status == status as i32 {
                return case;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("case {case_id} did not reach {status:?} in 10 s");
    }
}
