//! `rex-suite up` as a user runs it: a process, a real socket, SIGTERM to stop.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use rex_proto::registration::LookupRegistrationRequest;
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_testkit::stdout_of;

fn rex_suite() -> Command {
    Command::new(rex_testkit::cargo_bin("rex-suite", "rex-suite"))
}

/// `rex-suite up` with every port 0 and its data in `data`; its stdout, one line per service.
fn up(data: &Path) -> (Child, std::io::Lines<BufReader<ChildStdout>>) {
    let mut child = rex_suite()
        // As the deployment manifests run the services (deploy/k8s/base/*/configmap.yaml).
        .env("MALLOC_ARENA_MAX", "2")
        // Checkpoints every second, for the tests that wait for the witness.
        .env("REX_AUDIT_CHECKPOINT_SECONDS", "1")
        .args([
            "up",
            "--registration-port",
            "0",
            "--verification-port",
            "0",
            "--notification-port",
            "0",
            "--public-port",
            "0",
            "--metrics-port",
            "0",
            "--data-dir",
        ])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

#[tokio::test]
async fn up_serves_registration_on_loopback_with_sqlite_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, mut lines) = up(&data);
    let first = lines.next().unwrap().unwrap();
    let addr = first.split_whitespace().nth(1).unwrap().to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{first}");
    let second = lines.next().unwrap().unwrap();
    assert!(second.starts_with("verification  127.0.0.1:"), "{second}");
    let verification_addr = second.split_whitespace().nth(1).unwrap().to_owned();
    let verification =
        tonic::transport::Channel::from_shared(format!("http://{verification_addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
    let mut vhealth = tonic_health::pb::health_client::HealthClient::new(verification);
    let vstatus = vhealth
        .check(tonic_health::pb::HealthCheckRequest {
            service: "rex.verification.v1.VerificationService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        vstatus,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    drop(vhealth);
    let third = lines.next().unwrap().unwrap();
    assert!(third.starts_with("notification  127.0.0.1:"), "{third}");
    // The public lookup site runs with the suite.
    let fourth = lines.next().unwrap().unwrap();
    assert!(
        fourth.starts_with("public site   http://127.0.0.1:"),
        "{fourth}"
    );
    let public = fourth
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let page = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // The site is bound once the registration service has opened its database.
        let mut tries = 0;
        let mut stream = loop {
            match tokio::net::TcpStream::connect(&public).await {
                Ok(stream) => break stream,
                Err(e) if tries < 250 => {
                    tries += 1;
                    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await
                }
                Err(e) => panic!("the public site never listened: {e}"),
            }
        };
        stream
            .write_all(b"GET /en/format HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut page = String::new();
        stream.read_to_string(&mut page).await.unwrap();
        page
    };
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("KZREXKKKDDMMYYYYNNNN"), "{page}");
    // The metrics of every service on one port (--metrics-port).
    let tokens = lines.next().unwrap().unwrap();
    assert!(tokens.starts_with("tokens "), "{tokens}");
    let metrics = lines.next().unwrap().unwrap();
    let metrics_addr: std::net::SocketAddr = metrics
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .parse()
        .unwrap();
    let scrape = rex_testkit::http::get_raw(metrics_addr, "/metrics").await;
    assert!(scrape.starts_with("HTTP/1.1 200"), "{scrape}");
    assert!(scrape.contains("rex_"), "{scrape}");

    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let mut client = RegistrationServiceClient::new(channel);
    let err = client
        .lookup_registration(LookupRegistrationRequest {
            registration_number: "KZREX002190320260001".into(),
            as_of: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound);
    assert!(
        data.join("registration.db").exists(),
        "SQLite under --data-dir"
    );

    // Clients hang up, then the operator stops the suite.
    drop(client);
    drop(health);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let code = child.wait().unwrap();
    assert_eq!(code.code(), Some(0), "graceful stop exits 0");
}

#[test]
fn up_refuses_a_non_loopback_host() {
    let out = rex_suite()
        .args(["up", "--host", "0.0.0.0", "--registration-port", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
}

/// The README's walkthrough, run with Python grpcio over reflection against `rex-suite up`.
#[tokio::test]
async fn readme_walkthrough_runs_with_a_standard_grpc_client() {
    let root = rex_testkit::workspace();
    let python = rex_testkit::python();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = up(dir.path());
    let addr = lines
        .next()
        .unwrap()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();
    let token = stdout_of(
        rex_suite()
            .args([
                "token",
                "--role",
                "atameken_officer",
                "--sub",
                "AP-1",
                "--binding",
                "002",
                "--data-dir",
            ])
            .arg(dir.path()),
    );
    let token = token.trim();
    let out = Command::new(python)
        .env("REX_TOKEN", token)
        .arg(root.join("docs/walkthrough.py"))
        .arg(&addr)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Every change the walkthrough made is in the registry's audit trail, the chain holds, and
    // the verification service (its witness) holds a signed checkpoint of all of it: waited
    // for, bounded, while the suite runs (checkpoints every second).
    let keys = dir.path().join("keys");
    let audit_verify = || {
        rex_suite()
            .args([
                "audit-verify",
                "--service",
                "registration",
                "--database-url",
            ])
            .arg(format!("sqlite://{}/registration.db", dir.path().display()))
            .arg("--witness-database-url")
            .arg(format!("sqlite://{}/verification.db", dir.path().display()))
            .arg("--audit-key-file")
            .arg(keys.join("audit-links.keys"))
            .arg("--checkpoint-public-key")
            .arg(keys.join("audit-registration-public.pem"))
            .output()
            .unwrap()
    };
    let mut report = String::new();
    for _ in 0..150 {
        if !out.status.success() {
            break;
        }
        let audit = audit_verify();
        report = String::from_utf8_lossy(&audit.stdout).to_string();
        // Until the first checkpoint reaches the witness, the chain is not witnessed yet.
        let unwitnessed = report.contains("the witness holds no checkpoint");
        assert!(audit.status.success() || unwitnessed, "{report}");
        if report.contains("the last covering 4 entries") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(
        out.status.success(),
        "walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("KZREX002") && last.ends_with("LOOKUP_STATUS_REVOKED"),
        "{last}"
    );
    assert!(
        stdout.contains("LOOKUP_STATUS_VALID"),
        "looked up while active"
    );
    assert!(
        stdout.contains("STATEMENT_REASON_NUMBER_VALID"),
        "statement checked"
    );
    // Each answer is printed whole (it was cut at 2,500 characters): the submission's due
    // dates come after the whole application.
    assert!(stdout.contains("\"registrationDue\": {"), "{stdout}");
    assert!(
        report.contains("intact: 4 entries, every link holds (0 linked before keys)")
            && report.contains("the last covering 4 entries"),
        "SaveAuthorizedPerson, SubmitApplication, RegisterExporter, RevokeRegistration, witnessed: {report}"
    );
    // After the stop, the chain still holds.
    let audit = audit_verify();
    let report = String::from_utf8_lossy(&audit.stdout).to_string();
    assert!(
        audit.status.success() && report.contains("intact: 4 entries"),
        "{report}"
    );
}

// ---- Bad input over every RPC -------------------------------------------------------------------

/// A token minted by `rex-suite token` with the development key of `up` under `data`.
fn token(data: &Path, role: &str, sub: &str, binding: Option<&str>) -> String {
    let mut command = rex_suite();
    command.args(["token", "--role", role, "--sub", sub, "--data-dir"]);
    command.arg(data);
    if let Some(b) = binding {
        command.args(["--binding", b]);
    }
    stdout_of(&mut command).trim().to_owned()
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn with<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let value = format!("Bearer {token}").parse().unwrap();
    request.metadata_mut().insert("authorization", value);
    request
}

/// Each case: what it sends, the field the refusal must name.
type Refusal = Result<(), tonic::Status>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_over_every_rpc_is_refused_naming_the_field_and_nothing_is_stored() {
    use rex_proto::common::Document;
    use rex_proto::notification::notification_service_client::NotificationServiceClient;
    use rex_proto::notification::*;
    use rex_proto::registration::*;
    use rex_proto::verification::verification_service_client::VerificationServiceClient;
    use rex_proto::verification::*;
    use rex_testkit::scenario;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, mut lines) = up(&data);
    let mut addr = || {
        let line = lines.next().unwrap().unwrap();
        format!("http://{}", line.split_whitespace().nth(1).unwrap())
    };
    let connect = |url: String| async move {
        tonic::transport::Channel::from_shared(url)
            .unwrap()
            .connect()
            .await
            .unwrap()
    };
    let mut registration =
        RegistrationServiceClient::new(connect(addr()).await).max_encoding_message_size(64 << 20);
    let mut verification = VerificationServiceClient::new(connect(addr()).await);
    let mut notification = NotificationServiceClient::new(connect(addr()).await);
    let officer = token(&data, "atameken_officer", "AP-1", Some("002"));
    let ministry = token(&data, "ministry_officer", "MTI-7", None);
    let exporter = token(
        &data,
        "exporter",
        &rex_testkit::tin(0),
        Some(&rex_testkit::tin(0)),
    );
    let pid = child.id();

    // One application on file to act on; its AP-1 saved first.
    let save = SaveAuthorizedPersonRequest {
        idempotency_key: String::new(),
        person: Some(scenario::authorized_person()),
    };
    registration
        .save_authorized_person(with(&officer, save))
        .await
        .unwrap();
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let paper = || scenario::paper(0, &today);
    let submit = |form: ApplicationForm, key: &str| SubmitApplicationRequest {
        idempotency_key: key.into(),
        form: Some(form),
    };
    let application = registration
        .submit_application(with(&officer, submit(paper(), "")))
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let before = resident_kib(pid);
    let counts = || {
        let data = data.clone();
        async move {
            let mut out = Vec::new();
            for (db, table) in [
                ("registration", "applications"),
                ("registration", "registrations"),
                ("registration", "authorized_persons"),
                ("registration", "documents"),
                ("registration", "idempotency"),
                ("verification", "cases"),
                ("registration", "outbox"),
                ("verification", "outbox"),
            ] {
                let url = format!("sqlite://{}/{db}.db?mode=ro", data.display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                out.push((table, n));
            }
            out
        }
    };
    let stored = counts().await;

    let mib = "Ж".repeat(1 << 19);
    let named = |name: &str| {
        let mut form = scenario::electronic(0, &today);
        let d = form.data.as_mut().unwrap();
        d.exporter.as_mut().unwrap().name.as_mut().unwrap().primary = name.into();
        form
    };
    let document = |file_name: &str, media_type: &str| Document {
        file_name: file_name.into(),
        media_type: media_type.into(),
        ..paper().documents[0].clone()
    };
    let with_documents = |documents: Vec<Document>| ApplicationForm {
        documents,
        ..paper()
    };
    let mut goods = paper();
    let line = goods.data.as_ref().unwrap().goods[0].clone();
    goods.data.as_mut().unwrap().goods = vec![line; 10_001];
    let year_1 = ApplicationForm {
        received_at: Some(prost_types::Timestamp {
            seconds: -62_135_596_800,
            nanos: 0,
        }),
        ..paper()
    };
    let person = |person_id: &str| SaveAuthorizedPersonRequest {
        idempotency_key: String::new(),
        person: Some(AuthorizedPerson {
            person_id: person_id.into(),
            ..scenario::authorized_person()
        }),
    };
    let refuse = RefuseApplicationRequest {
        application_id: application.application_id.clone(),
        reasons: vec![RefusalReason::IncompleteOrUnreliableInformation as i32],
        explanation: mib.clone(),
        ..Default::default()
    };

    // The corpus three times: the first brings the allocator to its working size for messages
    // of a megabyte, the others show whether bad input keeps memory (a value stored, cached or
    // leaked grows with each pass).
    let mut resident = vec![before];
    for _pass in 0..3 {
        let mut cases: Vec<(&str, &str, Refusal)> = Vec::new();
        macro_rules! case {
            ($what:expr, $field:expr, $call:expr) => {
                cases.push(($what, $field, $call.await.map(|_| ())));
            };
        }
        for (what, name) in [
            ("a 1 MiB exporter name", mib.as_str()),
            ("NUL in a name", "Altyn\u{0}Dan"),
            ("ESC in a name", "Altyn\u{1b}[31mDan"),
            ("U+202E in a name", "Altyn\u{202E}naD"),
        ] {
            case!(
                what,
                "form.data.exporter.name.primary",
                registration.submit_application(with(&exporter, submit(named(name), "")))
            );
        }
        case!(
            "branch 000",
            "form.regional_branch_code",
            registration.submit_application(with(
                &officer,
                submit(
                    ApplicationForm {
                        regional_branch_code: "000".into(),
                        ..paper()
                    },
                    ""
                )
            ))
        );
        case!(
            "a file name that names no file",
            "form.documents[0].file_name",
            registration.submit_application(with(
                &officer,
                submit(
                    with_documents(vec![document("../../..", "application/pdf")]),
                    ""
                )
            ))
        );
        case!(
            "a media type with CRLF",
            "form.documents[0].media_type",
            registration.submit_application(with(
                &officer,
                submit(
                    with_documents(vec![document("a.pdf", "application/pdf\r\nX-A: 1")]),
                    ""
                )
            ))
        );
        case!(
            "10,001 documents",
            "form.documents",
            registration.submit_application(with(
                &officer,
                submit(
                    with_documents(vec![document("a.pdf", "application/pdf"); 10_001]),
                    ""
                )
            ))
        );
        case!(
            "10,001 goods lines",
            "form.data.goods",
            registration.submit_application(with(&officer, submit(goods.clone(), "")))
        );
        case!(
            "received in year 1",
            "form.received_at",
            registration.submit_application(with(&officer, submit(year_1.clone(), "")))
        );
        case!(
            "a 1 MiB idempotency key",
            "idempotency_key",
            registration.submit_application(with(&officer, submit(paper(), &mib)))
        );
        case!(
            "NUL in an idempotency key",
            "idempotency_key",
            registration.submit_application(with(&officer, submit(paper(), "k\u{0}")))
        );
        case!(
            "a 1 MiB person_id",
            "person.person_id",
            registration.save_authorized_person(with(&officer, person(&mib)))
        );
        case!(
            "a 1 MiB refusal explanation",
            "explanation",
            registration.refuse_application(with(&officer, refuse.clone()))
        );
        let twice = RefuseApplicationRequest {
            reasons: vec![
                RefusalReason::IncompleteDocuments as i32,
                RefusalReason::IncompleteDocuments as i32,
            ],
            explanation: "Order 257's documents are missing".into(),
            ..refuse.clone()
        };
        case!(
            "a ground of refusal given twice",
            "reasons[1]",
            registration.refuse_application(with(&officer, twice))
        );
        let many = RefuseApplicationRequest {
            reasons: vec![RefusalReason::IncompleteDocuments as i32; 1_000_000],
            explanation: "Order 257's documents are missing".into(),
            ..refuse.clone()
        };
        case!(
            "a million grounds of refusal",
            "reasons",
            registration.refuse_application(with(&officer, many))
        );
        case!(
            "a 1 MiB statement text",
            "statement_text",
            registration.validate_statement(ValidateStatementRequest {
                statement_text: mib.clone(),
                ..Default::default()
            })
        );
        case!(
            "a 1 MiB authorized_person_id",
            "authorized_person_id",
            registration.register_exporter(with(
                &officer,
                RegisterExporterRequest {
                    idempotency_key: String::new(),
                    application_id: application.application_id.clone(),
                    authorized_person_id: mib.clone(),
                }
            ))
        );
        case!(
            "a 1 MiB application id",
            "application_id",
            registration.get_application(with(
                &officer,
                GetApplicationRequest {
                    application_id: mib.clone()
                }
            ))
        );
        case!(
            "a 1 MiB registration number",
            "registration_number",
            registration.lookup_registration(LookupRegistrationRequest {
                registration_number: mib.clone(),
                as_of: None,
            })
        );
        case!(
            "a 1 MiB foreign_reference",
            "foreign_reference",
            verification.open_case(with(
                &ministry,
                OpenCaseRequest {
                    foreign_reference: mib.clone(),
                    ..scenario::open_case("NO-1", "KZREX002190320260001", chrono::Utc::now())
                }
            ))
        );
        case!(
            "a 1 MiB case id",
            "case_id",
            verification.get_case(with(
                &ministry,
                GetCaseRequest {
                    case_id: mib.clone()
                }
            ))
        );
        case!(
            "a 1 MiB notification id",
            "notification_id",
            notification.get_notification(with(
                &officer,
                GetNotificationRequest {
                    notification_id: mib.clone(),
                }
            ))
        );

        for (what, field, result) in &cases {
            let status = result.as_ref().expect_err(what);
            assert!(
                matches!(
                    status.code(),
                    tonic::Code::InvalidArgument | tonic::Code::NotFound
                ),
                "{what}: {status:?}"
            );
            assert!(
                status.message().starts_with(&format!("{field}: ")),
                "{what}: {}",
                &status.message()[..status.message().len().min(300)]
            );
            // A message quotes at most 64 characters of a bad value.
            assert!(
                status.message().len() < 1024,
                "{what}: {} bytes",
                status.message().len()
            );
        }
        resident.push(resident_kib(pid));
    }
    assert_eq!(counts().await, stored, "nothing stored");
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    eprintln!("resident memory (kB): before the corpus, then after each pass: {resident:?}");
    let (first, last) = (resident[1], resident[3]);
    assert!(
        last * 10 <= first * 12,
        "resident memory grew from {first} kB after the first pass to {last} kB: {resident:?}"
    );
}
