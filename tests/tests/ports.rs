//! What each port of the suite answers about itself: reflection lists the services that port
//! serves (and only those), and a method of another service is UNIMPLEMENTED with a message
//! naming what the port does serve.

#![allow(clippy::unwrap_used)]

use rex_testkit::{Backend, spawn_suite};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

async fn listed(addr: std::net::SocketAddr) -> Vec<String> {
    let mut client = ServerReflectionClient::new(rex_testkit::channel(addr));
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("no list of services: {answer:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_port_lists_what_it_serves_and_names_it_for_a_method_it_does_not() {
    let suite = spawn_suite(Backend::Sqlite).await;
    let common = [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "rex.audit.v1.AuditWitnessService",
    ];
    for (addr, own) in [
        (
            suite.registration.addr,
            "rex.registration.v1.RegistrationService",
        ),
        (
            suite.verification.addr,
            "rex.verification.v1.VerificationService",
        ),
        (
            suite.notification.addr,
            "rex.notification.v1.NotificationService",
        ),
    ] {
        let mut expected: Vec<String> = common.iter().map(|s| (*s).to_owned()).collect();
        expected.push(own.to_owned());
        expected.sort();
        assert_eq!(listed(addr).await, expected, "{own}");
    }
    // A verification method sent to the registration port.
    let mut grpc = tonic::client::Grpc::new(rex_testkit::channel(suite.registration.addr));
    grpc.ready().await.unwrap();
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    let err = grpc
        .unary(
            tonic::Request::new(()),
            "/rex.verification.v1.VerificationService/GetCase"
                .parse()
                .unwrap(),
            codec,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented);
    assert!(
        err.message().contains(
            "is not served on this port; it serves rex.registration.v1.RegistrationService"
        ),
        "{}",
        err.message()
    );
}
