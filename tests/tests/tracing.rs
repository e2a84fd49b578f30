//! OpenTelemetry: with an OTLP endpoint configured, a verification's call for a dossier and the
//! registration service's handling of it are one trace.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use rex_calendar::Clock;
use rex_proto::registration::*;
use rex_proto::verification::*;
use rex_testkit::scenario::open_case;
use rex_testkit::{Backend, Suite};

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<ExportTraceServiceRequest>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// (span name, `method` attribute, trace id) of every span received.
fn spans(c: &Collector) -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for req in c.0.lock().unwrap().iter() {
        for rs in &req.resource_spans {
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    let method = span
                        .attributes
                        .iter()
                        .find(|a| a.key == "method")
                        .and_then(|a| a.value.as_ref())
                        .map(|v| format!("{:?}", v.value))
                        .unwrap_or_default();
                    out.push((span.name.clone(), method, span.trace_id.clone()));
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_request_is_one_trace_across_the_two_services() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_url = format!("http://{}", listener.local_addr().unwrap());
    let c2 = collector.clone();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(c2))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    // Before the suite starts: the first initialization is the one that holds.
    rex_runtime::telemetry::init_with("rex-test", Some(&collector_url));

    let suite = Suite::builder(Backend::Sqlite).relay(false).spawn().await;
    let mut reg = suite.registration_client();
    let mut ver = suite.verification.client();
    // A case about an unknown number: the dossier call reaches the registry and ends the step.
    let case = ver
        .open_case(open_case(
            "NO-TRACE-1",
            "KZREX002190320269999",
            suite.clock.now() - chrono::Duration::hours(1),
        ))
        .await
        .unwrap()
        .into_inner()
        .case
        .unwrap();
    let case = ver
        .request_dossier(RequestDossierRequest {
            idempotency_key: String::new(),
            case_id: case.case_id,
        })
        .await
        .unwrap()
        .into_inner()
        .case
        .unwrap();
    assert_eq!(case.status, CaseStatus::DossierReceived as i32);
    let _ = reg
        .list_authorized_persons(ListAuthorizedPersonsRequest::default())
        .await;

    let mut found = Vec::new();
    for _ in 0..100 {
        rex_runtime::telemetry::flush();
        found = spans(&collector);
        if found.iter().any(|(_, m, _)| m.contains("GetDossier")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let served = found
        .iter()
        .find(|(name, m, _)| name == "rpc" && m.contains("RegistrationService/GetDossier"))
        .expect("the registry's span");
    let asked = found
        .iter()
        .find(|(name, m, _)| name == "rpc" && m.contains("VerificationService/RequestDossier"))
        .expect("the ministry's span");
    assert_eq!(served.2, asked.2, "one trace across both services");
}
