//! `/metrics` after a scenario: the counters and gauges an operator alerts on are there.

#![allow(clippy::unwrap_used)]

use rex_proto::registration::*;
use rex_testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_rpcs_by_method_and_code_and_show_the_outbox_and_statutory_steps() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = listener.local_addr().unwrap();
    tokio::spawn(rex_runtime::metrics::serve(listener));
    let mut s = spawn_registration(Backend::Sqlite).await;
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
    let text = rex_testkit::http::get_raw(metrics_addr, "/metrics").await;
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
