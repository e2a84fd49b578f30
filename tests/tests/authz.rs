//! The authorization matrix, proven per RPC: every RPC of the contract, called over a real socket
//! with every role, with no token, an expired token, a token for another audience, a token
//! signed by an unknown key and tokens whose claims are blank, mistyped or not yet valid, against
//! the three services running with authentication on. Then who is recorded as acting (the
//! token's subject) and which branch an officer may act on.

#![allow(clippy::unwrap_used)]

use prost::Message;
use rex_runtime::auth::{self, Caller, Minter, Role};
use rex_testkit::{Backend, LATER, Suite};
use tonic::Code;

/// Every service's access table, and what every server answers besides (the audit witness).
const TABLES: [auth::AccessTable; 4] = [
    rex_registration::ACCESS,
    rex_verification::ACCESS,
    rex_notification::ACCESS,
    auth::RUNTIME_ACCESS,
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
            name: None,
            position: None,
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
        valid(
            "atameken head office",
            "HO-1",
            Role::ATAMEKEN_HEAD_OFFICE,
            None,
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
            "blank TIN claim",
            tokens
                .minter()
                .mint("x", Role::EXPORTER, Some("            "), LATER)
                .unwrap(),
        ),
        (
            "TIN claim with a wrong check digit",
            tokens
                .minter()
                .mint("x", Role::EXPORTER, Some("110340517505"), LATER)
                .unwrap(),
        ),
        (
            "branch 000",
            tokens
                .minter()
                .mint("AP-1", Role::ATAMEKEN_OFFICER, Some("000"), LATER)
                .unwrap(),
        ),
        ("not valid before an hour from now", {
            let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
            let claims = auth::Claims {
                iss: auth::ISSUER.into(),
                aud: auth::AUDIENCE.into(),
                sub: "MTI-7".into(),
                exp: LATER,
                nbf: Some(now + 3600),
                iat: None,
                role: Role::MINISTRY_OFFICER,
                tin: None,
                branch: None,
                country: None,
                name: None,
                position: None,
            };
            tokens.minter().sign(&claims).unwrap()
        }),
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
                // Every server witnesses; the registration service stands for them.
                "rex.audit.v1" => (&registration, auth::RUNTIME_ACCESS),
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

// ---- Identity from the token, branches ---------------------------------------------------------

use rex_proto::registration::*;
use rex_testkit::scenario;

/// `message` sent with `token`.
fn as_<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let value = format!("Bearer {token}").parse().unwrap();
    request.metadata_mut().insert("authorization", value);
    request
}

/// Tokens of `AP-1` (branch 002, who the scenarios' paper applications are received by), `AP-2`
/// (branch 017) and `HO-1` (Atameken's head office).
struct Officers {
    ap1: String,
    ap2: String,
    head: String,
}

/// The suite with authentication, `AP-1` saved and fixture 0's paper application received at
/// branch 002; the officers' tokens and the application's id.
async fn received_at_branch_002() -> (Suite, Officers, String) {
    let suite = Suite::builder(Backend::Sqlite).auth().spawn().await;
    suite.set_today("2026-03-20");
    let tokens = suite.tokens.as_ref().unwrap();
    let officers = Officers {
        ap1: tokens.atameken_officer("AP-1", "002"),
        ap2: tokens.atameken_officer("AP-2", "017"),
        head: tokens.mint("HO-1", Role::ATAMEKEN_HEAD_OFFICE, None),
    };
    let mut client = suite.registration_client();
    let save = SaveAuthorizedPersonRequest {
        idempotency_key: String::new(),
        person: Some(scenario::authorized_person()),
    };
    client
        .save_authorized_person(as_(&officers.ap1, save))
        .await
        .unwrap();
    let submit = SubmitApplicationRequest {
        idempotency_key: String::new(),
        form: Some(scenario::paper(0, "2026-03-19")),
    };
    let app = client
        .submit_application(as_(&officers.ap1, submit))
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    (suite, officers, app.application_id)
}

fn register(application_id: &str, person: &str) -> RegisterExporterRequest {
    RegisterExporterRequest {
        idempotency_key: String::new(),
        application_id: application_id.into(),
        authorized_person_id: person.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_6_the_authorized_person_who_registers_is_the_tokens_subject() {
    let (suite, officers, id) = received_at_branch_002().await;
    let mut client = suite.registration_client();
    let in_another_name = client
        .register_exporter(as_(&officers.ap1, register(&id, "AP-2")))
        .await
        .unwrap_err();
    assert_eq!(in_another_name.code(), Code::PermissionDenied);
    assert!(
        in_another_name
            .message()
            .starts_with("authorized_person_id: \"AP-2\" is not the caller"),
        "{in_another_name:?}"
    );
    assert_eq!(suite.registration.count("registrations").await, 0);
    // A blank field means the caller; the caller's own id is accepted as well.
    let registration = client
        .register_exporter(as_(&officers.ap1, register(&id, "")))
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(registration.authorized_person_id, "AP-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rev_1_the_officer_who_revokes_is_the_tokens_subject() {
    let (suite, officers, id) = received_at_branch_002().await;
    let mut client = suite.registration_client();
    let number = client
        .register_exporter(as_(&officers.ap1, register(&id, "")))
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap()
        .registration_number;
    let revoke = |officer: &str| RevokeRegistrationRequest {
        officer_id: officer.into(),
        ..scenario::revocation_at_exporters_request(&number, "2026-03-25")
    };
    let in_another_name = client
        .revoke_registration(as_(&officers.ap1, revoke("AP-9")))
        .await
        .unwrap_err();
    assert_eq!(in_another_name.code(), Code::PermissionDenied);
    assert_eq!(suite.registration.count("revocations").await, 0);
    client
        .revoke_registration(as_(&officers.head, revoke("")))
        .await
        .unwrap();
    let officer: String = sqlx::query_scalar("SELECT officer_id FROM revocations")
        .fetch_one(&suite.registration.db.pool)
        .await
        .unwrap();
    assert_eq!(officer, "HO-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_atameken_officer_acts_on_its_own_branch_and_the_head_office_on_all() {
    let (suite, officers, id) = received_at_branch_002().await;
    let mut client = suite.registration_client();
    let get = || GetApplicationRequest {
        application_id: id.clone(),
    };
    let list = ListApplicationsRequest::default;
    // Branch 017's officer neither sees, lists nor registers branch 002's application.
    let denied = client
        .get_application(as_(&officers.ap2, get()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let listed = client
        .list_applications(as_(&officers.ap2, list()))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.applications.is_empty(), "{listed:?}");
    let denied = client
        .register_exporter(as_(&officers.ap2, register(&id, "")))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    assert!(denied.message().contains("branch \"002\""), "{denied:?}");
    let submit = SubmitApplicationRequest {
        idempotency_key: String::new(),
        form: Some(scenario::paper(1, "2026-03-19")),
    };
    let denied = client
        .submit_application(as_(&officers.ap2, submit))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    // Nor does it save over branch 002's authorized person, naming its own branch.
    let save_over = SaveAuthorizedPersonRequest {
        idempotency_key: String::new(),
        person: Some(AuthorizedPerson {
            regional_branch_code: "017".into(),
            active: false,
            ..scenario::authorized_person()
        }),
    };
    let denied = client
        .save_authorized_person(as_(&officers.ap2, save_over))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    assert_eq!(suite.registration.count("registrations").await, 0);
    assert_eq!(suite.registration.count("applications").await, 1);
    // Branch 002's officer and the head office do.
    for token in [&officers.ap1, &officers.head] {
        let listed = client
            .list_applications(as_(token, list()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.applications.len(), 1);
        client.get_application(as_(token, get())).await.unwrap();
    }
    // Only an authorized person on the list registers (REG-6, REG-13): the head office's too.
    let head_office = SaveAuthorizedPersonRequest {
        idempotency_key: String::new(),
        person: Some(AuthorizedPerson {
            person_id: "HO-1".into(),
            regional_branch_code: "001".into(),
            ..scenario::authorized_person()
        }),
    };
    client
        .save_authorized_person(as_(&officers.head, head_office))
        .await
        .unwrap();
    let registration = client
        .register_exporter(as_(&officers.head, register(&id, "")))
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(registration.authorized_person_id, "HO-1");
    // The registration is branch 002's too: its number says so.
    let get = || GetRegistrationRequest {
        registration_number: registration.registration_number.clone(),
    };
    let denied = client
        .get_registration(as_(&officers.ap2, get()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    client
        .get_registration(as_(&officers.ap1, get()))
        .await
        .unwrap();
}

// ---- Idempotency keys belong to their caller and RPC ------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_belong_to_their_caller_and_rpc_and_are_limited() {
    let suite = Suite::builder(Backend::Sqlite).auth().spawn().await;
    suite.set_today("2026-03-20");
    let tokens = suite.tokens.as_ref().unwrap();
    let mut client = suite.registration_client();
    let submit = |i: usize, key: &str| SubmitApplicationRequest {
        idempotency_key: key.into(),
        form: Some(scenario::paper(i, "2026-03-19")),
    };
    // Two exporters, one key: two applications, each answered with its own.
    let mut ids = Vec::new();
    for i in [0, 1] {
        let token = tokens.exporter(&rex_testkit::tin(i));
        let answer = client
            .submit_application(as_(&token, submit(i, "k-1")))
            .await
            .unwrap()
            .into_inner();
        ids.push(answer.application.unwrap().application_id);
    }
    assert_ne!(ids[0], ids[1]);
    assert_eq!(suite.registration.count("applications").await, 2);
    // One officer, one key, two RPCs: both run.
    let officer = tokens.atameken_officer("AP-1", "002");
    let save = SaveAuthorizedPersonRequest {
        idempotency_key: "k-1".into(),
        person: Some(scenario::authorized_person()),
    };
    client
        .save_authorized_person(as_(&officer, save))
        .await
        .unwrap();
    client
        .submit_application(as_(&officer, submit(6, "k-1")))
        .await
        .unwrap();
    assert_eq!(suite.registration.count("applications").await, 3);
    // Keys are short and plain; the refusal quotes at most 64 characters of a bad one.
    for bad in [
        "x".repeat(129),
        "k\u{0}1".to_owned(),
        "k 1".to_owned(),
        "ключ".to_owned(),
    ] {
        let refused = client
            .submit_application(as_(&officer, submit(6, &bad)))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{bad:?}");
        assert!(
            refused.message().starts_with("idempotency_key: "),
            "{refused:?}"
        );
        assert!(refused.message().len() < 200, "{refused:?}");
    }
    assert_eq!(suite.registration.count("applications").await, 3);
}
