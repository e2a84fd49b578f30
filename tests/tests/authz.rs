//! The authorization matrix, proven per RPC: every RPC of the contract, called over a real socket
//! with every role, with no token, an expired token, a token for another audience and a token
//! signed by an unknown key, against the three services running with authentication on.

#![allow(clippy::unwrap_used)]

use prost::Message;
use rex_runtime::auth::{self, Caller, Minter, Role};
use rex_testkit::{Backend, LATER, Suite};
use tonic::Code;

/// Every service's access table.
const TABLES: [auth::AccessTable; 3] = [
    rex_registration::ACCESS,
    rex_verification::ACCESS,
    rex_notification::ACCESS,
];

struct Identity {
    name: &'static str,
    token: Option<String>,
    caller: Option<Caller>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_with_every_role_is_allowed_or_denied_as_the_matrix_says() {
    let suite = Suite::builder(Backend::Sqlite).auth().spawn().await;
    let tokens = suite.tokens.as_ref().unwrap();
    let (stranger, _) = auth::generate_keypair().unwrap();
    let url = |addr: std::net::SocketAddr| format!("http://{addr}");
    let (registration, verification, notification) = (
        url(suite.registration.addr),
        url(suite.verification.addr),
        url(suite.notification.addr),
    );

    let caller = |sub: &str, role: Role, binding: Option<&str>| {
        let bound = |to: Role| (role == to).then(|| binding.unwrap().to_owned());
        Caller {
            sub: sub.into(),
            tin: bound(Role::EXPORTER),
            branch: bound(Role::ATAMEKEN_OFFICER),
            country: bound(Role::FOREIGN_CUSTOMS),
            role,
        }
    };
    let valid = |name: &'static str, sub: &str, role: Role, binding: Option<&str>| Identity {
        name,
        token: Some(tokens.mint(sub, role.clone(), binding)),
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
            Role::EXPORTER,
            Some("110340517504"),
        ),
        valid(
            "atameken officer",
            "AP-1",
            Role::ATAMEKEN_OFFICER,
            Some("002"),
        ),
        valid("ministry officer", "MTI-7", Role::MINISTRY_OFFICER, None),
        valid(
            "foreign customs",
            "NO-TOLL",
            Role::FOREIGN_CUSTOMS,
            Some("NO"),
        ),
        valid("service registration", "registration", Role::SERVICE, None),
        valid("service verification", "verification", Role::SERVICE, None),
        valid("service notification", "notification", Role::SERVICE, None),
    ];
    let bad_tokens = [
        (
            "expired token",
            tokens
                .minter()
                .mint("MTI-7", Role::MINISTRY_OFFICER, None, 1_000_000_000)
                .unwrap(),
        ),
        (
            "other audience",
            Minter::from_pem(tokens.private_pem())
                .unwrap()
                .with_audience("elsewhere")
                .mint("MTI-7", Role::MINISTRY_OFFICER, None, LATER)
                .unwrap(),
        ),
        (
            "unknown key",
            Minter::from_pem(&stranger)
                .unwrap()
                .mint("MTI-7", Role::MINISTRY_OFFICER, None, LATER)
                .unwrap(),
        ),
    ];

    // Every RPC of the contract, from the descriptor set: a new RPC without a matrix entry fails.
    let fds = prost_types::FileDescriptorSet::decode(rex_proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut methods = Vec::new();
    for file in &fds.file {
        for service in &file.service {
            let (url, table) = match file.package() {
                "rex.registration.v1" => (&registration, rex_registration::ACCESS),
                "rex.verification.v1" => (&verification, rex_verification::ACCESS),
                "rex.notification.v1" => (&notification, rex_notification::ACCESS),
                other => panic!("unknown package {other}"),
            };
            for m in &service.method {
                methods.push((
                    format!("/{}.{}/{}", file.package(), service.name(), m.name()),
                    url.clone(),
                    table,
                ));
            }
        }
    }
    assert_eq!(methods.len(), TABLES.iter().map(|t| t.len()).sum::<usize>());

    let mut checked = 0;
    for (method, url, table) in &methods {
        assert!(
            auth::access(table, method).is_some(),
            "{method} has no entry in the authorization matrix"
        );
        let channel = tonic::transport::Channel::from_shared(url.clone())
            .unwrap()
            .connect()
            .await
            .unwrap();
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
            let expected_allowed = auth::allowed(table, method, id.caller.as_ref());
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

/// The methods of every service of the contract, as `/package.Service/Method`.
fn contract_methods() -> Vec<String> {
    let fds = prost_types::FileDescriptorSet::decode(rex_proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut methods = Vec::new();
    for file in &fds.file {
        for service in &file.service {
            for m in &service.method {
                methods.push(format!(
                    "/{}.{}/{}",
                    file.package(),
                    service.name(),
                    m.name()
                ));
            }
        }
    }
    methods
}

#[test]
fn every_rpc_of_the_contract_is_in_the_matrix() {
    let methods = contract_methods();
    let entries: usize = TABLES.iter().map(|t| t.len()).sum();
    assert_eq!(methods.len(), entries, "one entry per RPC");
    for m in methods {
        assert!(
            TABLES.iter().any(|t| auth::access(t, &m).is_some()),
            "{m} has no entry in the authorization matrix"
        );
    }
}

#[test]
fn the_readme_documents_every_entry_of_the_matrix() {
    let readme = include_str!("../../README.md");
    for (method, _) in TABLES.iter().flat_map(|t| t.iter()) {
        let rpc = method.rsplit('/').next().unwrap();
        assert!(
            readme.contains(&format!("`{rpc}` |")),
            "README's authorization table lacks {rpc}"
        );
    }
}
