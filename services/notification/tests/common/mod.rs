//! A real SMTP server process (aiosmtpd writing a maildir), the notification service (in this
//! process, or as its own process for crash tests), and the registration service relaying its
//! outbox to it, all on loopback.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;
use rex_calendar::{Calendar, Clock, TestClock};
use rex_proto::notification::notification_service_client::NotificationServiceClient;
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

#[path = "../../../registration/tests/common/mod.rs"]
pub mod reg;

pub use reg::{d, morning, pdate};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn python() -> PathBuf {
    match std::env::var_os("REX_CROSSCHECK_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let out = Command::new("bash")
                .arg(workspace().join(".ci/python-env"))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd, a real SMTP server, storing every message it accepts in a maildir.
pub struct SmtpServer {
    pub port: u16,
    pub maildir: PathBuf,
    child: Child,
}

impl SmtpServer {
    pub async fn start(dir: &Path) -> SmtpServer {
        // A free port may be taken by another process between our probe and aiosmtpd's bind
        // (tests, browsers and drivers run in parallel): then aiosmtpd exits, or another server
        // answers without aiosmtpd's banner; try another port.
        for _ in 0..5 {
            if let Some(server) = Self::try_start_on(dir, free_port()).await {
                return server;
            }
        }
        panic!("aiosmtpd did not start on any of 5 free ports");
    }

    pub async fn start_on(dir: &Path, port: u16) -> SmtpServer {
        match Self::try_start_on(dir, port).await {
            Some(server) => server,
            None => panic!("aiosmtpd did not start on port {port}"),
        }
    }

    async fn try_start_on(dir: &Path, port: u16) -> Option<SmtpServer> {
        let maildir = dir.join("maildir");
        let child = Command::new(python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Owned at once, so the process is reaped (Drop) whatever happens next.
        let mut server = SmtpServer {
            port,
            maildir,
            child,
        };
        for _ in 0..200 {
            if let Ok(Some(_)) = server.child.try_wait() {
                return None;
            }
            if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                use tokio::io::AsyncReadExt;
                let mut banner = [0u8; 64];
                let n = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut banner))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                let banner = String::from_utf8_lossy(&banner[..n]);
                // Ours only once the process is alive and greets as aiosmtpd does.
                if banner.starts_with("220") && matches!(server.child.try_wait(), Ok(None)) {
                    return Some(server);
                }
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Every message the server accepted, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read(e.path()).unwrap());
                }
            }
        }
        out
    }

    /// Waits (polling, bounded) until the server holds `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<Vec<u8>> {
        for _ in 0..300 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the SMTP server received {} messages, expected {n}",
            self.messages().len()
        );
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: JoinHandle<()>,
}

pub struct World {
    pub clock: Arc<TestClock>,
    pub dir: tempfile::TempDir,
    pub smtp: SmtpServer,
    pub notification_addr: SocketAddr,
    pub notification_db: String,
    pub registration_addr: SocketAddr,
    notification: Option<Running>,
    registration: Option<Running>,
    /// The notification service as its own process (crash tests).
    pub process: Option<Child>,
    relay: bool,
}

async fn channel(addr: SocketAddr) -> Channel {
    loop {
        match Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
        {
            Ok(c) => return c,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

impl World {
    /// The SMTP server and, in this process, the notification service (on `notification_db`,
    /// SQLite when `None`) and the registration service relaying to it.
    pub async fn start(notification_db: Option<String>) -> World {
        Self::start_with(notification_db, true).await
    }

    /// As [`World::start`]; without `relay` the registration service keeps its notices in its
    /// outbox, for tests that run relays themselves.
    pub async fn start_with(notification_db: Option<String>, relay: bool) -> World {
        rex_runtime::telemetry::init();
        let dir = tempfile::tempdir().unwrap();
        let smtp = SmtpServer::start(dir.path()).await;
        let notification_db = notification_db
            .unwrap_or_else(|| format!("sqlite://{}/notification.db", dir.path().display()));
        let mut w = World {
            clock: Arc::new(TestClock::at_local(
                d("2026-03-19"),
                NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
            )),
            dir,
            smtp,
            notification_addr: format!("127.0.0.1:{}", free_port()).parse().unwrap(),
            notification_db,
            registration_addr: format!("127.0.0.1:{}", free_port()).parse().unwrap(),
            notification: None,
            registration: None,
            process: None,
            relay: true,
        };
        w.relay = relay;
        w.start_notification().await;
        w.start_registration().await;
        w
    }

    pub fn registration_db_url(&self) -> String {
        format!("sqlite://{}/registration.db", self.dir.path().display())
    }

    pub fn settings(&self) -> rex_notification::Settings {
        rex_notification::Settings {
            database_url: self.notification_db.clone(),
            templates_dir: None,
            smtp: rex_notification::Smtp {
                host: "127.0.0.1".into(),
                port: self.smtp.port,
                tls: "none".into(),
                username: None,
                password: None,
                from: "REX Atameken <rex-noreply@atameken.kz>".into(),
                timeout: Duration::from_secs(2),
                max_attempts: 50,
                retry_base: Duration::from_millis(100),
            },
            clock: self.clock.clone(),
            poll: Duration::from_millis(50),
            auth: None,
            tls: None,
            grace: Duration::from_millis(200),
        }
    }

    pub async fn start_notification(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.notification_addr)
            .await
            .unwrap();
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let settings = self.settings();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            rex_notification::serve(listener, settings, shutdown)
                .await
                .unwrap();
        });
        self.notification = Some(Running { stop, task });
        channel(self.notification_addr).await;
    }

    pub async fn stop_notification(&mut self) {
        if let Some(r) = self.notification.take() {
            let _ = r.stop.send(());
            let _ = r.task.await;
        }
    }

    /// The notification service as a process of its own, with the system clock.
    pub async fn spawn_notification_process(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_rex-notification"))
            .args([
                "--database-url",
                &self.notification_db,
                "--listen",
                &self.notification_addr.to_string(),
            ])
            .args([
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                &self.smtp.port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.process = Some(child);
        channel(self.notification_addr).await;
    }

    /// SIGKILL: no shutdown, no flush, as a crash.
    pub fn kill_notification_process(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn start_registration(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.registration_addr)
            .await
            .unwrap();
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let options = rex_registration::Options {
            lookup_cache_mb: None,
            public_listen: None,
            database_url: self.registration_db_url(),
            calendar: Arc::new(Calendar::official().unwrap()),
            clock: self.clock.clone() as Arc<dyn Clock>,
            grace: Duration::from_millis(200),
            service_token: None,
            auth: None,
            tls: None,
            notification_url: self
                .relay
                .then(|| format!("http://{}", self.notification_addr)),
        };
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            rex_registration::serve_with(listener, options, shutdown)
                .await
                .unwrap();
        });
        self.registration = Some(Running { stop, task });
        let mut client = RegistrationServiceClient::new(channel(self.registration_addr).await);
        while client
            .list_authorized_persons(ListAuthorizedPersonsRequest::default())
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn registration(&self) -> RegistrationServiceClient<Channel> {
        RegistrationServiceClient::new(channel(self.registration_addr).await)
    }

    pub async fn notification(&self) -> NotificationServiceClient<Channel> {
        NotificationServiceClient::new(channel(self.notification_addr).await)
    }

    pub fn set_today(&self, date: &str) {
        self.clock
            .set_local(d(date), NaiveTime::from_hms_opt(11, 0, 0).unwrap());
    }

    /// Adds the authorized person AP-1 (its REG-13 notice goes to the Ministry's inbox).
    pub async fn authorized_person(&self) {
        let person = AuthorizedPerson {
            person_id: "AP-1".into(),
            full_name: "Aigerim Nurlanovna".into(),
            position: "Chief specialist".into(),
            regional_branch_code: "002".into(),
            phone: "+7 727 300 0001".into(),
            email: "ap1@atameken.example.kz".into(),
            active: true,
            updated_at: None,
        };
        self.registration()
            .await
            .save_authorized_person(SaveAuthorizedPersonRequest {
                idempotency_key: String::new(),
                person: Some(person),
            })
            .await
            .unwrap();
    }

    /// An electronic application of fixture `i`, received on `on`, registered now.
    pub async fn register_electronic(&self, i: usize, on: &str) -> String {
        let mut client = self.registration().await;
        let form = reg::form(i, SubmissionChannel::Electronic, morning(d(on)));
        let app = client
            .submit_application(SubmitApplicationRequest {
                idempotency_key: String::new(),
                form: Some(form),
            })
            .await
            .unwrap()
            .into_inner()
            .application
            .unwrap();
        client
            .register_exporter(RegisterExporterRequest {
                idempotency_key: format!("reg-{i}"),
                application_id: app.application_id,
                authorized_person_id: "AP-1".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .registration
            .unwrap()
            .registration_number
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.kill_notification_process();
    }
}
