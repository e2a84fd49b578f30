//! The authorization matrix, proven per RPC: every RPC of the contract, called over a real socket
//! with every role, with no token, an expired token, a token for another audience and a token
//! signed by an unknown key, against the three services running with authentication on.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use rex_calendar::{Calendar, SystemClock};
use rex_runtime::auth::{self, Caller, Minter, Role, Verifier};
use tonic::Code;
use tonic::transport::Channel;

const LATER: u64 = 4_102_444_800; // 2100-01-01

struct Identity {
    name: &'static str,
    token: Option<String>,
    caller: Option<Caller>,
}

async fn bind() -> (tokio::net::TcpListener, String) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    (l, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_with_every_role_is_allowed_or_denied_as_the_matrix_says() {
    rex_runtime::telemetry::init();
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = auth::generate_keypair().unwrap();
    let (stranger, _) = auth::generate_keypair().unwrap();
    let verifier = Verifier::new(&[public], auth::ISSUER, auth::AUDIENCE).unwrap();
    let minter = Minter::from_pem(&private).unwrap();
    let calendar = Arc::new(Calendar::official().unwrap());
    let ((rl, registration), (vl, verification), (nl, notification)) =
        (bind().await, bind().await, bind().await);
    let db = |name: &str| format!("sqlite://{}/{name}.db", dir.path().display());
    let never = std::future::pending::<()>;
    let options = rex_registration::Options {
        lookup_cache_mb: None,
        public_listen: None,
        database_url: db("registration"),
        calendar: calendar.clone(),
        clock: Arc::new(SystemClock),
        grace: Duration::from_millis(100),
        notification_url: None,
        auth: Some(verifier.clone()),
        tls: None,
        service_token: None,
    };
    tokio::spawn(rex_registration::serve_with(rl, options, never()));
    let settings = rex_verification::Settings {
        database_url: db("verification"),
        registration_url: registration.clone(),
        calendar,
        clock: Arc::new(SystemClock),
        ops_clock: Arc::new(SystemClock),
        calls: rex_verification::Calls::default(),
        poll: Duration::from_secs(1),
        grace: Duration::from_millis(100),
        notification_url: None,
        auth: Some(verifier.clone()),
        tls: None,
        service_token: None,
    };
    tokio::spawn(rex_verification::serve(vl, settings, never()));
    let nsettings = rex_notification::Settings {
        database_url: db("notification"),
        templates_dir: None,
        smtp: rex_notification::Smtp {
            host: "127.0.0.1".into(),
            port: 1,
            tls: "none".into(),
            username: None,
            password: None,
            from: "rex@example.kz".into(),
            timeout: Duration::from_secs(1),
            max_attempts: 1,
            retry_base: Duration::from_secs(1),
        },
        clock: Arc::new(SystemClock),
        poll: Duration::from_secs(1),
        grace: Duration::from_millis(100),
        auth: Some(verifier.clone()),
        tls: None,
    };
    tokio::spawn(rex_notification::serve(nl, nsettings, never()));

    let caller = |sub: &str, role: Role, binding: Option<&str>| Caller {
        sub: sub.into(),
        role,
        tin: (role == Role::Exporter).then(|| binding.unwrap().to_owned()),
        branch: (role == Role::AtamekenOfficer).then(|| binding.unwrap().to_owned()),
        country: (role == Role::ForeignCustoms).then(|| binding.unwrap().to_owned()),
    };
    let valid = |name: &'static str, sub: &str, role: Role, binding: Option<&str>| Identity {
        name,
        token: Some(minter.mint(sub, role, binding, LATER).unwrap()),
        caller: Some(caller(sub, role, binding)),
    };
    let identities = vec![
        Identity {
            name: "no token",
            token: None,
            caller: None,
        },
        valid(
            "exporter",
            "110340517504",
            Role::Exporter,
            Some("110340517504"),
        ),
        valid(
            "atameken officer",
            "AP-1",
            Role::AtamekenOfficer,
            Some("002"),
        ),
        valid("ministry officer", "MTI-7", Role::MinistryOfficer, None),
        valid(
            "foreign customs",
            "NO-TOLL",
            Role::ForeignCustoms,
            Some("NO"),
        ),
        valid("service registration", "registration", Role::Service, None),
        valid("service verification", "verification", Role::Service, None),
        valid("service notification", "notification", Role::Service, None),
    ];
    let bad_tokens = [
        (
            "expired token",
            minter
                .mint("MTI-7", Role::MinistryOfficer, None, 1_000_000_000)
                .unwrap(),
        ),
        (
            "other audience",
            Minter::from_pem(&private)
                .unwrap()
                .with_audience("elsewhere")
                .mint("MTI-7", Role::MinistryOfficer, None, LATER)
                .unwrap(),
        ),
        (
            "unknown key",
            Minter::from_pem(&stranger)
                .unwrap()
                .mint("MTI-7", Role::MinistryOfficer, None, LATER)
                .unwrap(),
        ),
    ];

    // Every RPC of the contract, from the descriptor set: a new RPC without a matrix entry fails.
    let fds = prost_types::FileDescriptorSet::decode(rex_proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut methods = Vec::new();
    for file in &fds.file {
        for service in &file.service {
            let url = match file.package() {
                "rex.registration.v1" => &registration,
                "rex.verification.v1" => &verification,
                "rex.notification.v1" => &notification,
                other => panic!("unknown package {other}"),
            };
            for m in &service.method {
                methods.push((
                    format!("/{}.{}/{}", file.package(), service.name(), m.name()),
                    url.clone(),
                ));
            }
        }
    }
    assert_eq!(methods.len(), auth::MATRIX.len());

    let mut checked = 0;
    for (method, url) in &methods {
        assert!(
            auth::access(method).is_some(),
            "{method} has no entry in the authorization matrix"
        );
        let channel = loop {
            match Channel::from_shared(url.clone()).unwrap().connect().await {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let call = |token: Option<String>| {
            let channel = channel.clone();
            let path = method.clone();
            async move {
                let mut grpc = tonic::client::Grpc::new(channel);
                grpc.ready().await.unwrap();
                let mut request = tonic::Request::new(());
                if let Some(t) = token {
                    request
                        .metadata_mut()
                        .insert("authorization", format!("Bearer {t}").parse().unwrap());
                }
                let codec = tonic_prost::ProstCodec::<(), ()>::default();
                grpc.unary(request, path.parse().unwrap(), codec)
                    .await
                    .map(|_| ())
                    .map_err(|s| s.code())
            }
        };
        for id in &identities {
            let result = call(id.token.clone()).await;
            let expected_allowed = auth::allowed(method, id.caller.as_ref());
            let denied = matches!(result, Err(Code::PermissionDenied | Code::Unauthenticated));
            assert_eq!(
                !denied, expected_allowed,
                "{method} as {}: {result:?}",
                id.name
            );
            if !expected_allowed {
                let code = if id.token.is_none() {
                    Code::Unauthenticated
                } else {
                    Code::PermissionDenied
                };
                assert_eq!(result, Err(code), "{method} as {}", id.name);
            }
            checked += 1;
        }
        for (name, token) in &bad_tokens {
            assert_eq!(
                call(Some(token.clone())).await,
                Err(Code::Unauthenticated),
                "{method} with {name}"
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        methods.len() * (identities.len() + bad_tokens.len())
    );
}
