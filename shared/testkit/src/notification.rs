//! The notification service in the test's process (or as a process of its own, for crash
//! tests), with a real SMTP server where a test reads the e-mails.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rex_calendar::TestClock;
use rex_proto::notification::notification_service_client::NotificationServiceClient;
use rex_proto::notification::{
    DeliveryState, ListInboxRequest, ListNotificationsRequest, Notification,
};
use tonic::transport::Channel;

use crate::database::{Backend, Database};
use crate::server::{self, Server};
use crate::smtp::SmtpServer;

/// The notification service on loopback, restartable on its address and database.
#[derive(Debug)]
pub struct NotificationService {
    pub addr: SocketAddr,
    pub database: Database,
    pub clock: Arc<TestClock>,
    /// The mail server the service sends to; none: nothing listens where it sends.
    pub smtp: Option<SmtpServer>,
    settings: rex_notification::Settings,
    server: Option<Server>,
    /// The service as its own process (crash tests).
    process: Option<Child>,
}

/// The notification service alone, on a fresh database of `backend`, sending to a real SMTP
/// server.
pub async fn spawn_notification(backend: Backend) -> NotificationService {
    rex_runtime::telemetry::init();
    let database = Database::fresh(backend, "notification").await;
    let smtp = SmtpServer::start(database.dir()).await;
    NotificationService::spawn(database, crate::test_clock(), Some(smtp), |_| {}).await
}

impl NotificationService {
    /// The settings every test starts from: mail to `smtp_port`, retried quickly.
    pub fn default_settings(
        database: &Database,
        clock: Arc<TestClock>,
        smtp_port: u16,
    ) -> rex_notification::Settings {
        rex_notification::Settings {
            base: server::base(database, clock),
            templates_dir: None,
            smtp: rex_notification::Smtp {
                host: "127.0.0.1".into(),
                port: smtp_port,
                tls: "none".into(),
                username: None,
                password: None,
                from: "REX Atameken <rex-noreply@atameken.kz>".into(),
                timeout: Duration::from_secs(2),
                max_attempts: 50,
                retry_base: Duration::from_millis(100),
            },
            poll: Duration::from_millis(50),
            organisations: rex_domain::Organisations::shipped(),
        }
    }

    /// Starts the service on `database`, sending to `smtp` (none: to port 1, where nothing
    /// listens), and waits until it answers.
    pub async fn spawn(
        database: Database,
        clock: Arc<TestClock>,
        smtp: Option<SmtpServer>,
        configure: impl FnOnce(&mut rex_notification::Settings),
    ) -> NotificationService {
        let port = smtp.as_ref().map_or(1, |s| s.port);
        let mut settings = Self::default_settings(&database, clock.clone(), port);
        configure(&mut settings);
        let listener = server::any_port().await;
        let addr = listener.local_addr().unwrap();
        let server = Self::serve(listener, settings.clone()).await;
        NotificationService {
            addr,
            database,
            clock,
            smtp,
            settings,
            server: Some(server),
            process: None,
        }
    }

    async fn serve(
        listener: tokio::net::TcpListener,
        settings: rex_notification::Settings,
    ) -> Server {
        let addr = listener.local_addr().unwrap();
        let (stop, shutdown) = server::shutdown();
        let serve = rex_notification::serve(listener, settings, shutdown);
        Server::start("notification", addr, stop, serve).await
    }

    /// The service's settings (its database, its clock), e.g. for [`rex_notification::notices`].
    pub fn settings(&self) -> &rex_notification::Settings {
        &self.settings
    }

    /// The mail server; the test asked for one.
    pub fn smtp(&self) -> &SmtpServer {
        self.smtp
            .as_ref()
            .expect("a notification service with an SMTP server")
    }

    /// The mail server, to stop and restart it.
    pub fn smtp_mut(&mut self) -> &mut SmtpServer {
        self.smtp
            .as_mut()
            .expect("a notification service with an SMTP server")
    }

    /// Stops the service in this process (it is down until [`NotificationService::start`]).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }

    /// Starts the service again, in this process, on its address and database.
    pub async fn start(&mut self) {
        assert!(self.server.is_none(), "the notification service is running");
        let listener = server::same_port(self.addr).await;
        self.server = Some(Self::serve(listener, self.settings.clone()).await);
    }

    /// Runs the service as a process of its own (`binary`, the built `rex-notification`), with
    /// the system clock and one-second claims on e-mails, on its address and database; waits
    /// until it answers.
    pub async fn spawn_process(&mut self, binary: &std::path::Path) {
        assert!(
            self.server.is_none(),
            "the notification service runs in this process"
        );
        let mut child = Command::new(binary)
            .args([
                "--database-url",
                &self.settings.base.database_url,
                "--listen",
                &self.addr.to_string(),
                // No tokens or TLS in these tests: allowed on loopback only.
                "--insecure",
            ])
            .args([
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                &self.settings.smtp.port.to_string(),
            ])
            // A killed process's claims on e-mails lapse within a second (renewed while alive).
            .args(["--smtp-claim-lease-ms", "1000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut health = tonic_health::pb::health_client::HealthClient::new(self.connect_channel());
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("rex-notification exited before it served: {status}");
            }
            let check = health.check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            });
            if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(1), check).await {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "rex-notification did not answer on {}",
                self.addr
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.process = Some(child);
    }

    /// SIGKILL to the service's process: no shutdown, no flush, as a crash.
    pub fn kill_process(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn connect_channel(&self) -> Channel {
        server::channel(self.addr)
    }

    /// A new client of the service.
    pub fn client(&self) -> NotificationServiceClient<Channel> {
        NotificationServiceClient::new(self.connect_channel())
    }

    pub fn set_today(&self, date: &str) {
        crate::set_today(&self.clock, date);
    }

    /// The notices `request` lists.
    pub async fn list(&self, request: ListNotificationsRequest) -> Vec<Notification> {
        self.client()
            .list_notifications(request)
            .await
            .unwrap()
            .into_inner()
            .notifications
    }

    /// The notices delivered after their due date.
    pub async fn late(&self) -> Vec<Notification> {
        self.list(ListNotificationsRequest {
            late_only: true,
            ..Default::default()
        })
        .await
    }

    /// `recipient`'s inbox (unread only, or every notice).
    pub async fn inbox(&self, recipient: &str, unread_only: bool) -> Vec<Notification> {
        self.client()
            .list_inbox(ListInboxRequest {
                recipient: recipient.into(),
                unread_only,
            })
            .await
            .unwrap()
            .into_inner()
            .notifications
    }

    /// Waits (polling, bounded) until the notice under idempotency key `key` is in `state`.
    pub async fn wait_for_state(&self, key: &str, state: DeliveryState) -> Notification {
        for _ in 0..300 {
            let list = self.list(ListNotificationsRequest::default()).await;
            if let Some(n) = list
                .into_iter()
                .find(|n| n.idempotency_key == key && n.state == state as i32)
            {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("notice {key} did not reach {state:?}");
    }
}

impl Drop for NotificationService {
    fn drop(&mut self) {
        self.kill_process();
    }
}
