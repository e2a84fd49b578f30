//! Both services as real servers on loopback, restartable on the same port and database, with
//! a test clock for dates of law.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;
use rex_calendar::{Calendar, Clock, SystemClock, TestClock};
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use rex_proto::verification::verification_service_client::VerificationServiceClient;
use rex_proto::verification::*;
use rex_runtime::db::Db;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

#[path = "../../../registration/tests/common/mod.rs"]
pub mod reg;

pub use reg::{d, morning, pdate};

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

pub struct World {
    pub clock: Arc<TestClock>,
    pub calendar: Arc<Calendar>,
    pub registration_addr: SocketAddr,
    pub registration_url: String,
    pub verification_addr: SocketAddr,
    pub verification_url: String,
    registration: Option<Running>,
    verification: Option<Running>,
    _dir: tempfile::TempDir,
}

async fn free_port() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

async fn bind(addr: SocketAddr) -> tokio::net::TcpListener {
    for _ in 0..100 {
        if let Ok(l) = tokio::net::TcpListener::bind(addr).await {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot bind {addr}");
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

fn postgres_admin_url() -> Option<String> {
    match std::env::var("REX_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("REX_TEST_POSTGRES_URL must be set in CI (bash .ci/postgres prints it)")
        }
        _ => None,
    }
}

const GRACE: Duration = Duration::from_millis(200);

impl World {
    pub async fn start(backend: Backend) -> Option<World> {
        rex_runtime::telemetry::init();
        let dir = tempfile::tempdir().unwrap();
        let verification_url = match backend {
            Backend::Sqlite => format!("sqlite://{}/verification.db", dir.path().display()),
            Backend::Postgres => {
                let Some(admin) = postgres_admin_url() else {
                    eprintln!(
                        "skipped: no PostgreSQL (set REX_TEST_POSTGRES_URL, or run bash scripts/test)"
                    );
                    return None;
                };
                use sqlx::Connection;
                let name = format!("rex_ver_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
            }
        };
        let mut world = World {
            clock: Arc::new(TestClock::at_local(
                d("2026-03-19"),
                NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
            )),
            calendar: Arc::new(Calendar::official().unwrap()),
            registration_addr: free_port().await,
            registration_url: format!("sqlite://{}/registration.db", dir.path().display()),
            verification_addr: free_port().await,
            verification_url,
            registration: None,
            verification: None,
            _dir: dir,
        };
        world.start_registration().await;
        world.start_verification().await;
        Some(world)
    }

    pub async fn start_registration(&mut self) {
        let listener = bind(self.registration_addr).await;
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let (url, calendar, clock) = (
            self.registration_url.clone(),
            self.calendar.clone(),
            self.clock.clone() as Arc<dyn Clock>,
        );
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            rex_registration::serve_with_grace(listener, &url, calendar, clock, shutdown, GRACE)
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

    pub async fn stop_registration(&mut self) {
        if let Some(r) = self.registration.take() {
            r.stop().await;
        }
    }

    pub fn settings(&self) -> rex_verification::Settings {
        rex_verification::Settings {
            database_url: self.verification_url.clone(),
            registration_url: format!("http://{}", self.registration_addr),
            calendar: self.calendar.clone(),
            clock: self.clock.clone(),
            ops_clock: Arc::new(SystemClock),
            calls: rex_verification::Calls {
                timeout: Duration::from_secs(2),
                retry_base: Duration::from_millis(100),
                retry_max: Duration::from_millis(400),
                token: None,
            },
            poll: Duration::from_millis(50),
            grace: GRACE,
            service_token: None,
            auth: None,
            tls: None,
            notification_url: None,
        }
    }

    pub async fn start_verification(&mut self) {
        let listener = bind(self.verification_addr).await;
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let settings = self.settings();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            rex_verification::serve(listener, settings, shutdown)
                .await
                .unwrap();
        });
        self.verification = Some(Running { stop, task });
        let mut client = self.verification().await;
        while client
            .list_cases(ListCasesRequest::default())
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop_verification(&mut self) {
        if let Some(r) = self.verification.take() {
            r.stop().await;
        }
    }

    pub async fn registration(&self) -> RegistrationServiceClient<Channel> {
        RegistrationServiceClient::new(channel(self.registration_addr).await)
    }

    pub async fn verification(&self) -> VerificationServiceClient<Channel> {
        VerificationServiceClient::new(channel(self.verification_addr).await)
    }

    /// A second handle on the verification database, to look at what it stored.
    pub async fn verification_db(&self) -> Db {
        Db::connect(&self.verification_url, &rex_verification::MIGRATIONS)
            .await
            .unwrap()
    }

    pub async fn registration_db(&self) -> Db {
        Db::connect(&self.registration_url, &rex_registration::MIGRATIONS)
            .await
            .unwrap()
    }

    /// The service itself, on the same database, to drive the deadline watcher on "today".
    pub async fn ministry(&self) -> rex_verification::Ministry {
        rex_verification::ministry(&self.settings()).await.unwrap()
    }

    /// Registers fixture exporter `i` at Atameken, received on `on`; returns the number.
    pub async fn registered(&self, i: usize, on: &str) -> String {
        let mut client = self.registration().await;
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
        client
            .save_authorized_person(SaveAuthorizedPersonRequest {
                idempotency_key: String::new(),
                person: Some(person),
            })
            .await
            .unwrap();
        let form = reg::form(i, SubmissionChannel::Paper, morning(d(on)));
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
                idempotency_key: String::new(),
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

    pub fn set_today(&self, date: &str) {
        self.clock
            .set_local(d(date), NaiveTime::from_hms_opt(11, 0, 0).unwrap());
    }

    pub async fn open(
        &self,
        reference: &str,
        number: &str,
        received: chrono::DateTime<chrono::Utc>,
    ) -> Case {
        self.verification()
            .await
            .open_case(OpenCaseRequest {
                idempotency_key: String::new(),
                requesting_country: rex_proto::common::ImportingCountry::No as i32,
                foreign_reference: reference.into(),
                registration_number: number.into(),
                received_at: Some(rex_runtime::convert::timestamp_to_proto(received)),
                subject: "Statement on origin on invoice 2026/117".into(),
                responsible_officer_id: "MTI-7".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .case
            .unwrap()
    }

    /// Waits (polling, bounded) until the case reaches `status`: the worker retries in real time.
    pub async fn wait_for(&self, case_id: &str, status: CaseStatus) -> Case {
        let mut client = self.verification().await;
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

/// Runs a scenario with the verification database on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(world) =
                    $crate::common::World::start($crate::common::Backend::Sqlite).await
                {
                    super::$name(world).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(world) =
                    $crate::common::World::start($crate::common::Backend::Postgres).await
                {
                    super::$name(world).await;
                }
            }
        }
    };
}
