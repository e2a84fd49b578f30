//! Mutual TLS: the service answers a client holding a certificate of the suite's CA, and refuses
//! a client without a certificate, with one from another CA, or in plaintext.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rex_calendar::Calendar;
use rex_proto::registration::LookupRegistrationRequest;
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_runtime::config::Base;
use rex_runtime::tls::Tls;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    Ca {
        cert: params.self_signed(&key).unwrap(),
        key,
    }
}

/// (certificate PEM, key PEM) for `name`, usable as server and as client.
fn leaf(ca: &Ca, name: &str) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![name.to_owned(), "localhost".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (cert.pem(), key.serialize_pem())
}

async fn call(channel: Result<Channel, tonic::transport::Error>) -> Result<tonic::Code, String> {
    let channel = channel.map_err(|e| format!("connect: {e}"))?;
    let mut client = RegistrationServiceClient::new(channel);
    let request = LookupRegistrationRequest {
        registration_number: "KZREX002190320260001".into(),
        as_of: None,
    };
    match tokio::time::timeout(Duration::from_secs(5), client.lookup_registration(request)).await {
        Ok(Ok(_)) => Ok(tonic::Code::Ok),
        Ok(Err(status)) if status.code() == tonic::Code::NotFound => Ok(tonic::Code::NotFound),
        Ok(Err(status)) => Err(format!("{:?}: {}", status.code(), status.message())),
        Err(_) => Err("timed out".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_refuses_a_client_without_a_certificate_or_from_another_ca() {
    rex_runtime::telemetry::init();
    let suite_ca = ca("REX development CA");
    let other_ca = ca("Someone else's CA");
    let (server_cert, server_key) = leaf(&suite_ca, "registration");
    let (client_cert, client_key) = leaf(&suite_ca, "verification");
    let (intruder_cert, intruder_key) = leaf(&other_ca, "verification");
    let ca_pem = suite_ca.cert.pem();

    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tls = Tls::from_pem(server_cert, server_key, ca_pem.clone());
    let base = Base::new(format!("sqlite://{}/registration.db", dir.path().display()))
        .with_grace(Duration::from_millis(100))
        .secured(None, Some(tls), None);
    let options = rex_registration::Options::new(base, Arc::new(Calendar::official().unwrap()));
    tokio::spawn(rex_registration::serve(
        listener,
        options,
        std::future::pending(),
    ));
    let url = format!("https://127.0.0.1:{port}");

    let tls = |identity: Option<(&str, &str)>| {
        let mut config = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&ca_pem))
            .domain_name("registration");
        if let Some((cert, key)) = identity {
            config = config.identity(Identity::from_pem(cert, key));
        }
        config
    };
    let connect = |config: ClientTlsConfig| {
        let url = url.clone();
        async move {
            Channel::from_shared(url)
                .unwrap()
                .tls_config(config)
                .unwrap()
                .connect()
                .await
        }
    };
    // A service of the suite: answered (the number is unknown, but the call went through).
    let mut answered = Err(String::new());
    for _ in 0..100 {
        answered = call(connect(tls(Some((&client_cert, &client_key)))).await).await;
        if answered.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answered, Ok(tonic::Code::NotFound));
    // The same through the helper the services use.
    let ours = Tls::from_pem(client_cert.clone(), client_key.clone(), ca_pem.clone());
    let channel = rex_runtime::tls::channel(
        &format!("http://127.0.0.1:{port}"),
        Some(&ours),
        "registration",
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(call(Ok(channel)).await, Ok(tonic::Code::NotFound));
    // No client certificate: refused.
    assert!(
        call(connect(tls(None)).await).await.is_err(),
        "a client without a certificate is refused"
    );
    // A certificate from another CA: refused.
    assert!(
        call(connect(tls(Some((&intruder_cert, &intruder_key)))).await)
            .await
            .is_err(),
        "another CA's certificate is refused"
    );
    // Plaintext: refused.
    let plain = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await;
    assert!(call(plain).await.is_err(), "plaintext is refused");
}
