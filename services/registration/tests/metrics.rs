//! `/metrics` after a scenario: the counters and gauges an operator alerts on are there.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rex_proto::registration::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn scrape(addr: std::net::SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_rpcs_by_method_and_code_and_show_the_outbox_and_statutory_steps() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = listener.local_addr().unwrap();
    tokio::spawn(rex_runtime::metrics::serve(listener));
    let mut s = start(Backend::Sqlite).await.unwrap();
    s.authorized_person().await;
    s.registered(0, "2026-03-19").await;
    // An application waiting past its REG-6 due date (31 March) on 1 April.
    s.submit(form(1, SubmissionChannel::Paper, morning(d("2026-03-19"))))
        .await;
    s.set_today("2026-04-01");
    let unknown = s
        .client
        .lookup_registration(LookupRegistrationRequest {
            registration_number: "KZREX002190320269999".into(),
            as_of: None,
        })
        .await;
    assert!(unknown.is_err());
    let bad = s
        .client
        .submit_application(SubmitApplicationRequest::default())
        .await;
    assert!(bad.is_err());
    let text = scrape(metrics_addr).await;
    for expected in [
        "rex_rpc_requests_total{code=\"OK\",method=\"/rex.registration.v1.RegistrationService/RegisterExporter\"} 1",
        "rex_rpc_requests_total{code=\"NOT_FOUND\",method=\"/rex.registration.v1.RegistrationService/LookupRegistration\"} 1",
        "rex_rpc_requests_total{code=\"INVALID_ARGUMENT\",method=\"/rex.registration.v1.RegistrationService/SubmitApplication\"} 1",
        "rex_rpc_duration_seconds_count{method=\"/rex.registration.v1.RegistrationService/RegisterExporter\"} 1",
        "rex_db_pool_connections{service=\"registration\",state=\"idle\"}",
        "rex_outbox_oldest_age_seconds{service=\"registration\"}",
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
    // The REG-8 notice and the REG-13 notice wait in the outbox (no notification service here).
    assert!(
        text.contains("rex_outbox_pending{service=\"registration\"} 2"),
        "{text}"
    );
    // REG-6: the second application, received 19 March, was due on 31 March.
    assert!(
        text.contains(
            "rex_statutory_steps{rule=\"REG-6\",service=\"registration\",state=\"overdue\"} 1"
        ),
        "{text}"
    );
}
