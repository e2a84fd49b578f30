//! Test harness: the real service on 127.0.0.1:0 with a fresh database (SQLite in a temporary
//! folder, or a new PostgreSQL database), a real gRPC client over a real socket, and a test
//! clock the test sets.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use rex_calendar::{Calendar, Clock, TestClock};
use rex_proto::common::{BilingualText, Document, DocumentKind, Language};
use rex_proto::google::r#type::Date;
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use rex_runtime::db::Db;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tonic::transport::Channel;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Suite {
    pub client: RegistrationServiceClient<Channel>,
    pub clock: Arc<TestClock>,
    /// A second connection to the service's database, to look at what it stored.
    pub db: Db,
    pub addr: std::net::SocketAddr,
    /// The public lookup site and JSON API.
    pub public_addr: std::net::SocketAddr,
    /// The service's database, for a second replica.
    pub database_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Suite {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The PostgreSQL server's admin URL, from `.ci/postgres` through REX_TEST_POSTGRES_URL.
fn postgres_admin_url() -> Option<String> {
    match std::env::var("REX_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("REX_TEST_POSTGRES_URL must be set in CI (bash .ci/postgres prints it)")
        }
        _ => None,
    }
}

async fn fresh_postgres_database(admin: &str) -> String {
    use sqlx::Connection;
    let name = format!("rex_reg_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
    format!("{base}/{name}")
}

/// 10:00 Almaty on `date`.
pub fn morning(date: NaiveDate) -> chrono::DateTime<Utc> {
    rex_calendar::time::local(date, NaiveTime::from_hms_opt(10, 0, 0).unwrap()).with_timezone(&Utc)
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn pdate(s: &str) -> Date {
    rex_runtime::convert::date_to_proto(d(s))
}

/// Starts the service; `None` (with a note) when the backend is not available here.
pub async fn start(backend: Backend) -> Option<Suite> {
    rex_runtime::telemetry::init();
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            (
                format!("sqlite://{}/registration.db", dir.path().display()),
                Some(dir),
            )
        }
        Backend::Postgres => match postgres_admin_url() {
            Some(admin) => (fresh_postgres_database(&admin).await, None),
            None => {
                eprintln!(
                    "skipped: no PostgreSQL (set REX_TEST_POSTGRES_URL, or run bash scripts/test)"
                );
                return None;
            }
        },
    };
    // "Today" in the tests is Thursday 19 March 2026, before Nauryz.
    let clock = Arc::new(TestClock::at_local(
        d("2026-03-19"),
        NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
    ));
    let calendar = Arc::new(Calendar::official().unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let public_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public_addr = public_listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server_clock: Arc<dyn Clock> = clock.clone();
    let server_url = url.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = rx.await;
        };
        // The lookup cache on both backends, so that every scenario's lookups also check that
        // each write invalidates what it changed.
        let options = rex_registration::Options {
            database_url: server_url,
            calendar,
            clock: server_clock,
            grace: rex_runtime::server::SHUTDOWN_GRACE,
            notification_url: None,
            auth: None,
            service_token: None,
            tls: None,
            lookup_cache_mb: Some(16),
            public_listen: None,
        };
        if let Err(err) =
            rex_registration::serve_with_public(listener, Some(public_listener), options, shutdown)
                .await
        {
            panic!("server failed: {err:#}");
        }
    });
    let channel = loop {
        match Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
        {
            Ok(c) => break c,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    };
    let mut client = RegistrationServiceClient::new(channel);
    // The server migrates before it serves; wait until it answers.
    while client
        .list_authorized_persons(ListAuthorizedPersonsRequest::default())
        .await
        .is_err()
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let db = Db::connect(&url, &rex_registration::MIGRATIONS)
        .await
        .unwrap();
    Some(Suite {
        client,
        clock,
        db,
        addr,
        public_addr,
        database_url: url,
        shutdown: Some(tx),
        _dir: dir,
    })
}

/// Runs a scenario on SQLite and on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(suite) = $crate::common::start($crate::common::Backend::Sqlite).await {
                    super::$name(suite).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(suite) = $crate::common::start($crate::common::Backend::Postgres).await
                {
                    super::$name(suite).await;
                }
            }
        }
    };
}

pub fn fixtures() -> Vec<Value> {
    serde_json::from_str(include_str!("../../../../fixtures/exporters.json")).unwrap()
}

pub fn document(kind: DocumentKind, name: &str, content: &[u8]) -> Document {
    Document {
        kind: kind as i32,
        file_name: name.into(),
        media_type: "application/pdf".into(),
        content: content.to_vec(),
        sha256: hex::encode(Sha256::digest(content)),
        ..Default::default()
    }
}

fn text(v: &Value) -> BilingualText {
    BilingualText {
        primary: v["primary"].as_str().unwrap().into(),
        english: v["english"].as_str().unwrap().into(),
    }
}

/// The registration data of fixture exporter `i`.
pub fn data(i: usize) -> RegistrationData {
    let e = &fixtures()[i];
    RegistrationData {
        exporter: Some(Exporter {
            name: Some(text(&e["name"])),
            address: Some(text(&e["address"])),
            country: e["address"]["country"].as_str().unwrap().into(),
            tin: e["tin"].as_str().unwrap().into(),
        }),
        contact: Some(Contact {
            phone: e["contact"]["phone"].as_str().unwrap().into(),
            fax: String::new(),
            email: e["contact"]["email"].as_str().unwrap().into(),
        }),
        activities: e["activities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                Activity::from_str_name(&format!("ACTIVITY_{}", a.as_str().unwrap())).unwrap()
                    as i32
            })
            .collect(),
        goods: e["goods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| Goods {
                description: Some(text(&g["description"])),
                hs_code: g["hs_heading"].as_str().unwrap().into(),
            })
            .collect(),
        hs_heading_count: 0,
        publication_consent: e["publication_consent"].as_bool().unwrap(),
    }
}

/// Application No. 1 of fixture exporter `i`, complete, received at `received_at`.
pub fn form(
    i: usize,
    channel: SubmissionChannel,
    received_at: chrono::DateTime<Utc>,
) -> ApplicationForm {
    let e = &fixtures()[i];
    ApplicationForm {
        data: Some(data(i)),
        undertakings: Some(Undertakings {
            accepted: true,
            signatory_name: "A. Director".into(),
            signatory_position: "Director".into(),
            signed_on: Some(rex_runtime::convert::date_to_proto(
                rex_calendar::time::local_date(received_at),
            )),
        }),
        primary_language: if e["primary_language"] == "KK" {
            Language::Kk
        } else {
            Language::Ru
        } as i32,
        representative: None,
        documents: vec![document(
            DocumentKind::OriginEvidence,
            "certificate-of-origin.pdf",
            format!("%PDF-1.4 origin evidence of {}", e["tin"].as_str().unwrap()).as_bytes(),
        )],
        channel: channel as i32,
        received_at: Some(rex_runtime::convert::timestamp_to_proto(received_at)),
        regional_branch_code: e["regional_branch_code"].as_str().unwrap().into(),
    }
}

pub fn tin(i: usize) -> String {
    fixtures()[i]["tin"].as_str().unwrap().to_owned()
}

impl Suite {
    /// Adds an active authorized person `AP-1` of branch 002.
    pub async fn authorized_person(&mut self) -> String {
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
        self.client
            .save_authorized_person(SaveAuthorizedPersonRequest {
                idempotency_key: String::new(),
                person: Some(person),
            })
            .await
            .unwrap();
        "AP-1".into()
    }

    pub async fn submit(&mut self, form: ApplicationForm) -> SubmitApplicationResponse {
        self.client
            .submit_application(SubmitApplicationRequest {
                idempotency_key: String::new(),
                form: Some(form),
            })
            .await
            .unwrap()
            .into_inner()
    }

    /// Submits fixture `i` on paper received at 10:00 on `on`, and registers it.
    pub async fn registered(&mut self, i: usize, on: &str) -> Registration {
        let app = self
            .submit(form(i, SubmissionChannel::Paper, morning(d(on))))
            .await
            .application
            .unwrap();
        self.register(app).await
    }

    /// Registers a submitted application that has no findings, as AP-1.
    pub async fn register(&mut self, app: Application) -> Registration {
        assert!(app.findings.is_empty(), "{:?}", app.findings);
        self.client
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
    }

    /// Revokes `number` on `on` at the exporter's own request (REV-1 (1)).
    pub async fn revoke_at_exporters_request(&mut self, number: &str, on: &str) -> Registration {
        self.client
            .revoke_registration(RevokeRegistrationRequest {
                registration_number: number.into(),
                ground: RevocationGround::ExporterRequest as i32,
                revoked_on: Some(pdate(on)),
                requested_by: "EXPORTER".into(),
                officer_id: "AP-1".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .registration
            .unwrap()
    }

    pub async fn notices(&self) -> Vec<rex_registration::store::Notice> {
        let mut conn = self.db.pool.acquire().await.unwrap();
        rex_registration::store::notices(&mut conn).await.unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    pub fn set_today(&self, date: &str) {
        self.clock
            .set_local(d(date), NaiveTime::from_hms_opt(11, 0, 0).unwrap());
    }
}

pub fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
}

/// A plain HTTP/1.1 exchange over a real socket: (status, body).
pub async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let rest = &raw[split + 4..];
    // axum answers with a length; chunked bodies are joined should one come.
    let body = if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = rest;
        loop {
            let line = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..line]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[line + 2..line + 2 + n]);
            rest = &rest[line + 4 + n..];
        }
        out
    } else {
        rest.to_vec()
    };
    (status, String::from_utf8(body).unwrap())
}

impl Suite {
    /// Registers fixtures 0 (consents to publication), 1 (does not) and 2 (revoked on 10 June).
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
