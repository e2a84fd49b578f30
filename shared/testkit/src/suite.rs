//! The whole suite: registration, verification and notification on loopback, each on a fresh
//! database of the same backend, one test clock for all.

use std::sync::Arc;

use rex_calendar::TestClock;
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::verification::Case;
use tempfile::TempDir;
use tonic::transport::Channel;

use crate::database::{Backend, Database};
use crate::notification::NotificationService;
use crate::registration::RegistrationService;
use crate::scenario;
use crate::smtp::SmtpServer;
use crate::tokens::Tokens;
use crate::verification::VerificationService;

/// The three services, the clock they read and, with authentication on, the token keys.
#[derive(Debug)]
pub struct Suite {
    pub clock: Arc<TestClock>,
    pub registration: RegistrationService,
    pub verification: VerificationService,
    pub notification: NotificationService,
    /// With authentication on: the keys the services check tokens with.
    pub tokens: Option<Tokens>,
    /// The folder of the SQLite databases and the maildir.
    pub dir: Arc<TempDir>,
}

/// The suite on `backend`: notices relayed to the notification service, no mail server, no
/// authentication. See [`Suite::builder`] for the others.
pub async fn spawn_suite(backend: Backend) -> Suite {
    Suite::builder(backend).spawn().await
}

/// How a test wants its suite.
#[derive(Debug, Clone, Copy)]
pub struct SuiteBuilder {
    backend: Backend,
    relay: bool,
    smtp: bool,
    auth: bool,
}

impl SuiteBuilder {
    /// Whether registration and verification relay their outboxes to the notification service
    /// (default: yes); without, notices wait in the outboxes, for tests that look at them or
    /// run relays themselves.
    pub fn relay(mut self, relay: bool) -> Self {
        self.relay = relay;
        self
    }

    /// A real SMTP server (aiosmtpd) the notification service sends to (default: none).
    pub fn smtp(mut self) -> Self {
        self.smtp = true;
        self
    }

    /// Tokens checked by every service, which call each other with service tokens (default:
    /// no authentication).
    pub fn auth(mut self) -> Self {
        self.auth = true;
        self
    }

    /// Starts notification, then registration, then verification, each once it can reach
    /// the ones before it.
    pub async fn spawn(self) -> Suite {
        rex_runtime::telemetry::init();
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let clock = crate::test_clock();
        let tokens = self.auth.then(Tokens::generate);
        let verifier = tokens.as_ref().map(Tokens::verifier);
        let token = |name: &str| tokens.as_ref().map(|t| t.service(name));
        let smtp = match self.smtp {
            true => Some(SmtpServer::start(dir.path()).await),
            false => None,
        };
        let database = Database::fresh_in(self.backend, "notification", &dir).await;
        let notification = NotificationService::spawn(database, clock.clone(), smtp, |s| {
            s.base.auth = verifier.clone();
        })
        .await;
        let notification_url = format!("http://{}", notification.addr);
        let database = Database::fresh_in(self.backend, "registration", &dir).await;
        let registration = RegistrationService::spawn(database, clock.clone(), |o| {
            o.notification_url = self.relay.then(|| notification_url.clone());
            o.base.auth = verifier.clone();
            o.base.service_token = token("registration");
        })
        .await;
        let database = Database::fresh_in(self.backend, "verification", &dir).await;
        let verification = VerificationService::spawn(database, clock.clone(), |s| {
            s.registration_url = format!("http://{}", registration.addr);
            s.notification_url = self.relay.then(|| notification_url.clone());
            s.base.auth = verifier.clone();
            s.base.service_token = token("verification");
        })
        .await;
        Suite {
            clock,
            registration,
            verification,
            notification,
            tokens,
            dir,
        }
    }
}

impl Suite {
    /// A suite on `backend` to set up: relays on, no mail server, no authentication.
    pub fn builder(backend: Backend) -> SuiteBuilder {
        SuiteBuilder {
            backend,
            relay: true,
            smtp: false,
            auth: false,
        }
    }

    pub fn set_today(&self, date: &str) {
        crate::set_today(&self.clock, date);
    }

    /// A new client of the registration service.
    pub fn registration_client(&self) -> RegistrationServiceClient<Channel> {
        self.registration.connect()
    }

    /// Adds the authorized person `AP-1` (its REG-13 notice goes to the Ministry's inbox).
    pub async fn authorized_person(&self) {
        scenario::save_authorized_person(&mut self.registration_client()).await;
    }

    /// Registers fixture exporter `i` at Atameken on paper received on `on`, with `AP-1`
    /// (saved again: no change); its number.
    pub async fn registered(&self, i: usize, on: &str) -> String {
        self.authorized_person().await;
        let mut client = self.registration_client();
        scenario::registered(&mut client, scenario::paper(i, on), "")
            .await
            .registration_number
    }

    /// An electronic application of fixture `i`, received on `on`, registered now by `AP-1`
    /// (saved before); its number.
    pub async fn register_electronic(&self, i: usize, on: &str) -> String {
        let mut client = self.registration_client();
        let key = format!("reg-{i}");
        scenario::registered(&mut client, scenario::electronic(i, on), &key)
            .await
            .registration_number
    }

    /// Norway's customs open case `reference` about `number`, received at `received`.
    pub async fn open(
        &self,
        reference: &str,
        number: &str,
        received: chrono::DateTime<chrono::Utc>,
    ) -> Case {
        self.verification
            .open(scenario::open_case(reference, number, received))
            .await
    }
}
