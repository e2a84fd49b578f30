//! SIGTERM during calls: health turns NOT_SERVING first, the calls in flight complete, the
//! process exits 0.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::Duration;

use rex_proto::common::DocumentKind;
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use rex_testkit::*;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_calls_turns_not_serving_first_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rex-registration"))
        .args([
            "--database-url",
            &format!("sqlite://{}/r.db", dir.path().display()),
            "serve",
            // No tokens or TLS in this test: allowed on loopback only.
            "--insecure",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    // Until it serves, or it has stopped: a process that refuses to start fails the test
    // instead of leaving it waiting.
    let channel = loop {
        match Channel::from_shared(url.clone()).unwrap().connect().await {
            Ok(c) => break c,
            Err(_) => {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("rex-registration exited before it served: {status}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await
            }
        }
    };
    // Health, watched on its own connection.
    let health_channel = Channel::from_shared(url.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut watch = HealthClient::new(health_channel)
        .watch(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.message().await.unwrap().unwrap().status,
        ServingStatus::Serving as i32
    );

    // Calls that take a while: applications with a 4 MiB document each.
    let big = vec![b'x'; 4 * 1024 * 1024];
    let mut calls = Vec::new();
    for i in 0..10 {
        let mut f = form(i, SubmissionChannel::Paper, morning(d("2026-03-19")));
        f.documents
            .push(document(DocumentKind::OriginEvidence, "scan.pdf", &big));
        let mut client = RegistrationServiceClient::new(channel.clone())
            .max_encoding_message_size(64 << 20)
            .max_decoding_message_size(64 << 20);
        calls.push(tokio::spawn(async move {
            client
                .submit_application(SubmitApplicationRequest {
                    idempotency_key: String::new(),
                    form: Some(f),
                })
                .await
        }));
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );

    // NOT_SERVING comes first, while the calls are still being served.
    let next = tokio::time::timeout(Duration::from_secs(5), watch.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(next.status, ServingStatus::NotServing as i32);
    drop(watch);

    let mut ok = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => ok += 1,
            // A call that had not reached the server before it stopped accepting is refused
            // cleanly; none is cut off half-way.
            Err(status) => assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}"),
        }
    }
    assert!(ok >= 1, "the calls in flight completed");
    let code = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(code.code(), Some(0));
}
