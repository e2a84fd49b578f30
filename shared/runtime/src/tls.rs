//! Mutual TLS between the services (rustls): each service has a certificate and key signed by
//! the suite's CA, serves with it and presents it as a client; servers require a client
//! certificate from the same CA, so a caller without one, or with one from another CA, is
//! refused at the handshake. `scripts/dev-certs` makes a development CA and certificates.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tonic::transport::{
    Certificate, Channel, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig,
};

/// The PEM files of one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

impl TlsFiles {
    /// `<dir>/<name>.crt`, `<dir>/<name>.key` and `<dir>/ca.crt`, as `scripts/dev-certs` writes.
    pub fn in_dir(dir: &Path, name: &str) -> Self {
        Self {
            cert: dir.join(format!("{name}.crt")),
            key: dir.join(format!("{name}.key")),
            ca: dir.join("ca.crt"),
        }
    }
}

/// A service's loaded TLS material.
#[derive(Clone)]
pub struct Tls {
    cert: String,
    key: String,
    ca: String,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls { key: *** }")
    }
}

impl Tls {
    pub fn from_pem(cert: String, key: String, ca: String) -> Self {
        Self { cert, key, ca }
    }

    pub fn load(files: &TlsFiles) -> anyhow::Result<Self> {
        let read = |p: &Path| {
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read TLS file {}", p.display()))
        };
        Ok(Self {
            cert: read(&files.cert)?,
            key: read(&files.key)?,
            ca: read(&files.ca)?,
        })
    }

    /// The server side: this service's identity; client certificates required, from the CA.
    pub fn server(&self) -> ServerTlsConfig {
        ServerTlsConfig::new()
            .identity(Identity::from_pem(&self.cert, &self.key))
            .client_ca_root(Certificate::from_pem(&self.ca))
    }

    /// The client side towards `server_name` (the name in the server's certificate).
    pub fn client(&self, server_name: &str) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca))
            .identity(Identity::from_pem(&self.cert, &self.key))
            .domain_name(server_name)
    }
}

/// A lazily connecting channel to `url`, over mutual TLS when `tls` is given.
pub fn channel(
    url: &str,
    tls: Option<&Tls>,
    server_name: &str,
    connect_timeout: Duration,
) -> anyhow::Result<Channel> {
    let url = match tls {
        Some(_) => url.replacen("http://", "https://", 1),
        None => url.to_owned(),
    };
    let mut endpoint = Endpoint::from_shared(url.clone())
        .with_context(|| format!("bad service URL {url}"))?
        .connect_timeout(connect_timeout);
    if let Some(tls) = tls {
        endpoint = endpoint
            .tls_config(tls.client(server_name))
            .context("TLS client configuration")?;
    }
    Ok(endpoint.connect_lazy())
}
