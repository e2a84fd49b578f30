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
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
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
    // Every change the walkthrough made is in the registry's audit trail, and the chain holds.
    let audit = rex_suite()
        .args(["audit-verify", "--database-url"])
        .arg(format!("sqlite://{}/registration.db", dir.path().display()))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&audit.stdout).to_string();
    assert!(audit.status.success(), "{report}");
    assert!(
        report.starts_with("intact: 4 entries"),
        "SaveAuthorizedPerson, SubmitApplication, RegisterExporter, RevokeRegistration: {report}"
    );
}
