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
use rex_calendar::{Calendar, SystemClock};
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use rex_proto::verification::verification_service_client::VerificationServiceClient;
use rex_proto::verification::*;

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

async fn bind() -> (tokio::net::TcpListener, String) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    (l, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_request_is_one_trace_across_the_two_services() {
    let collector = Collector::default();
    let (cl, collector_url) = bind().await;
    let c2 = collector.clone();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(c2))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(cl))
            .await
            .unwrap();
    });
    rex_runtime::telemetry::init_with("rex-test", Some(&collector_url));

    let dir = tempfile::tempdir().unwrap();
    let calendar = Arc::new(Calendar::official().unwrap());
    let ((rl, registration), (vl, verification)) = (bind().await, bind().await);
    let db = |name: &str| format!("sqlite://{}/{name}.db", dir.path().display());
    let options = rex_registration::Options {
        lookup_cache_mb: None,
        public_listen: None,
        database_url: db("registration"),
        calendar: calendar.clone(),
        clock: Arc::new(SystemClock),
        grace: Duration::from_millis(100),
        notification_url: None,
        auth: None,
        service_token: None,
        tls: None,
    };
    tokio::spawn(rex_registration::serve_with(
        rl,
        options,
        std::future::pending(),
    ));
    let settings = rex_verification::Settings {
        database_url: db("verification"),
        registration_url: registration.clone(),
        calendar,
        clock: Arc::new(SystemClock),
        ops_clock: Arc::new(SystemClock),
        calls: rex_verification::Calls::default(),
        poll: Duration::from_millis(100),
        grace: Duration::from_millis(100),
        notification_url: None,
        auth: None,
        service_token: None,
        tls: None,
    };
    tokio::spawn(rex_verification::serve(
        vl,
        settings,
        std::future::pending(),
    ));
    let connect = |url: String| async move {
        loop {
            if let Ok(c) = tonic::transport::Channel::from_shared(url.clone())
                .unwrap()
                .connect()
                .await
            {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let mut reg = RegistrationServiceClient::new(connect(registration).await);
    let mut ver = VerificationServiceClient::new(connect(verification).await);
    // A case about an unknown number: the dossier call reaches the registry and ends the step.
    let mut opened = None;
    for _ in 0..100 {
        let r = ver
            .open_case(OpenCaseRequest {
                idempotency_key: String::new(),
                requesting_country: rex_proto::common::ImportingCountry::No as i32,
                foreign_reference: "NO-TRACE-1".into(),
                registration_number: "KZREX002190320269999".into(),
                received_at: Some(rex_runtime::convert::timestamp_to_proto(
                    chrono::Utc::now() - chrono::Duration::hours(1),
                )),
                subject: "trace".into(),
                responsible_officer_id: "MTI-7".into(),
            })
            .await;
        if let Ok(r) = r {
            opened = r.into_inner().case;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let case = opened.unwrap();
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
