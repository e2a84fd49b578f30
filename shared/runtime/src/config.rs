//! Command-line and environment settings every service binary shares.

use std::path::PathBuf;

use crate::auth::Verifier;
use crate::tls::{Tls, TlsFiles};

/// Who may call and how the service talks to the others.
#[derive(Debug, Clone, clap::Args)]
pub struct Security {
    /// Token public keys (Ed25519 PEM): a file or a directory of *.pem. None: no authentication
    /// (development only; the service says so at start).
    #[arg(long, env = "REX_TOKEN_PUBLIC_KEYS")]
    pub token_keys: Option<PathBuf>,
    /// This service's own token for its calls to the other services.
    #[arg(long, env = "REX_SERVICE_TOKEN", hide_env_values = true)]
    pub service_token: Option<String>,
    /// Mutual TLS: a directory with ca.crt, NAME.crt and NAME.key (scripts/dev-certs makes them).
    /// None: plaintext (development on loopback only).
    #[arg(long, env = "REX_TLS_DIR")]
    pub tls_dir: Option<PathBuf>,
    /// Serve Prometheus metrics on this address (`/metrics`); off when not given.
    #[arg(long, env = "REX_METRICS_LISTEN")]
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl Security {
    /// Starts the metrics endpoint if one is configured.
    pub async fn start_metrics(&self) -> anyhow::Result<()> {
        if let Some(addr) = self.metrics_listen {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {addr}: {e}"))?;
            tracing::info!(%addr, "metrics on /metrics");
            tokio::spawn(crate::metrics::serve(listener));
        }
        Ok(())
    }

    /// Loads and checks the keys and certificates of `service`, before any port is bound.
    pub fn load(&self, service: &str) -> anyhow::Result<(Option<Verifier>, Option<Tls>)> {
        let auth = self
            .token_keys
            .as_deref()
            .map(Verifier::from_path)
            .transpose()?;
        let tls = self
            .tls_dir
            .as_deref()
            .map(|dir| Tls::load(&TlsFiles::in_dir(dir, service)))
            .transpose()?;
        Ok((auth, tls))
    }
}
