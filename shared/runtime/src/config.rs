//! Settings every service shares: the base of each service's options ([`Base`]), and the
//! command-line and environment layers its binary reads them from ([`Security`],
//! [`parse_layered`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rex_calendar::{Clock, SystemClock};

use crate::auth::Verifier;
use crate::tls::{Tls, TlsFiles};

/// What every service is given besides its own settings, in one place: a service's options
/// hold a `Base` and add only what is its own.
#[derive(Debug, Clone)]
pub struct Base {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`.
    pub database_url: String,
    /// The clock of law: the system clock unless a test injects one.
    pub clock: Arc<dyn Clock>,
    /// How long in-flight calls and background work get after the shutdown signal.
    pub grace: Duration,
    /// Token checking; none: no authentication (development only; the server says so).
    pub auth: Option<Verifier>,
    /// Mutual TLS, server and client side; none: plaintext (development on loopback only).
    pub tls: Option<Tls>,
    /// This service's own token, for its calls to the other services.
    pub service_token: Option<String>,
    /// The audit trail's keys, checkpoint signing key and witness.
    pub audit: crate::audit::Settings,
}

impl Base {
    /// A service on `database_url` with the system clock, the default grace period, and no
    /// authentication or TLS (development).
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            clock: Arc::new(SystemClock),
            grace: crate::server::SHUTDOWN_GRACE,
            auth: None,
            tls: None,
            service_token: None,
            audit: crate::audit::Settings::default(),
        }
    }

    /// The clock of law to use instead of the system's.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The audit trail's keys and witness instead of the development key without checkpoints.
    pub fn with_audit(mut self, audit: crate::audit::Settings) -> Self {
        self.audit = audit;
        self
    }

    /// Token checking, TLS and the service's own token.
    pub fn secured(
        mut self,
        auth: Option<Verifier>,
        tls: Option<Tls>,
        service_token: Option<String>,
    ) -> Self {
        self.auth = auth;
        self.tls = tls;
        self.service_token = service_token;
        self
    }
}

/// What the command line of every service has: its database and its security settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(flatten)]
    pub security: Security,
}

impl Common {
    /// The database URL (its default, `sqlite://data/SERVICE.db`, is set by [`start`]).
    pub fn database_url(&self) -> &str {
        self.database_url.as_deref().unwrap_or_default()
    }

    /// The base of `service`'s options; see [`Security::base`].
    pub fn base(&self, service: &str) -> anyhow::Result<Base> {
        self.security.base(service, self.database_url())
    }
}

/// Who may call and how the service talks to the others.
#[derive(Debug, Clone, clap::Args)]
pub struct Security {
    /// A TOML file of settings, keyed by their environment variable names; the environment and
    /// the flags override it.
    #[arg(long, global = true, env = "REX_CONFIG")]
    pub config: Option<PathBuf>,
    /// Token public keys (Ed25519 PEM): a file or a directory of *.pem. None: no authentication
    /// (development only; the service says so at start).
    #[arg(long, global = true, env = "REX_TOKEN_PUBLIC_KEYS")]
    pub token_keys: Option<PathBuf>,
    /// This service's own token for its calls to the other services.
    #[arg(long, global = true, env = "REX_SERVICE_TOKEN", hide_env_values = true)]
    pub service_token: Option<String>,
    /// Mutual TLS: a directory with ca.crt, NAME.crt and NAME.key (scripts/dev-certs makes them).
    /// None: plaintext (development on loopback only).
    #[arg(long, global = true, env = "REX_TLS_DIR")]
    pub tls_dir: Option<PathBuf>,
    /// How long in-flight calls and background work get after SIGTERM, in seconds.
    #[arg(
        long,
        global = true,
        env = "REX_SHUTDOWN_GRACE_SECONDS",
        default_value_t = 10
    )]
    pub shutdown_grace_seconds: u64,
    /// Serve Prometheus metrics on this address (`/metrics`); off when not given.
    #[arg(long, global = true, env = "REX_METRICS_LISTEN")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Serve without authentication and/or TLS: development on this machine only, so every
    /// address served on must be a loopback address. Without it a service refuses to start
    /// unless it has both --token-keys and --tls-dir.
    #[arg(long, global = true, env = "REX_INSECURE")]
    pub insecure: bool,
    #[command(flatten)]
    pub audit: AuditArgs,
}

/// The audit trail's secrets and witness (see `rex_runtime::audit`).
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// The keys that link the audit trail's entries (HMAC-SHA256): a file of lines
    /// `ID HEX-SECRET` (at least 32 bytes each), the current key first, older keys after it for
    /// verifying. None: a development key known to everyone (the service says so).
    #[arg(long, global = true, env = "REX_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
    /// The Ed25519 private key (PKCS#8 PEM) that signs the audit trail's checkpoints. None: no
    /// checkpoints (development only).
    #[arg(long, global = true, env = "REX_AUDIT_SIGNING_KEY")]
    pub audit_signing_key: Option<PathBuf>,
    /// The service that keeps this one's signed checkpoints, as NAME=URL (the name its TLS
    /// certificate carries), e.g. verification=https://rex-verification:50052.
    #[arg(long, global = true, env = "REX_AUDIT_WITNESS")]
    pub audit_witness: Option<String>,
    /// Seconds between checkpoints of the audit trail's head (taken only when it moved, and at
    /// shutdown).
    #[arg(
        long,
        global = true,
        env = "REX_AUDIT_CHECKPOINT_SECONDS",
        default_value_t = 60
    )]
    pub audit_checkpoint_seconds: u64,
}

impl AuditArgs {
    /// The keys and the witness, loaded and checked.
    pub fn load(&self) -> anyhow::Result<crate::audit::Settings> {
        let keys = match &self.audit_key_file {
            Some(path) => crate::audit::LinkKeys::from_file(path)?,
            None => crate::audit::LinkKeys::development(),
        };
        let signer = self
            .audit_signing_key
            .as_deref()
            .map(crate::audit::Signer::from_file)
            .transpose()?;
        let witness = match &self.audit_witness {
            Some(text) => {
                let (name, url) = text.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("--audit-witness {text:?}: expected NAME=URL")
                })?;
                Some((name.to_owned(), url.to_owned()))
            }
            None => None,
        };
        if self.audit_checkpoint_seconds == 0 {
            anyhow::bail!("--audit-checkpoint-seconds: at least 1");
        }
        Ok(crate::audit::Settings {
            keys: Arc::new(keys),
            signer: signer.map(Arc::new),
            witness,
            checkpoint_every: Duration::from_secs(self.audit_checkpoint_seconds),
        })
    }
}

impl Security {
    /// The shutdown grace period.
    pub fn grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.shutdown_grace_seconds)
    }

    /// Starts the metrics endpoint if one is configured.
    /// Refuses to serve on `addresses` (and the metrics address) without authentication and
    /// TLS, unless told `--insecure`, which is allowed on loopback addresses only: a service
    /// left open by a forgotten setting must not start, whoever can reach it.
    pub fn check_exposure(&self, addresses: &[std::net::SocketAddr]) -> anyhow::Result<()> {
        let mut missing = Vec::new();
        if self.token_keys.is_none() {
            missing.push("authentication (--token-keys)");
        }
        if self.tls_dir.is_none() {
            missing.push("TLS (--tls-dir)");
        }
        if missing.is_empty() {
            return Ok(());
        }
        let missing = missing.join(" and ");
        if !self.insecure {
            anyhow::bail!(
                "refusing to serve without {missing}: give them, or pass --insecure (REX_INSECURE=true) to serve on a loopback address for development"
            );
        }
        let served = addresses.iter().chain(self.metrics_listen.iter());
        if let Some(open) = served.into_iter().find(|a| !a.ip().is_loopback()) {
            anyhow::bail!(
                "--insecure serves only on loopback addresses, and {open} is not one: give {missing}, or listen on 127.0.0.1"
            );
        }
        Ok(())
    }

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

    /// The base of `service`'s options from these settings: its keys and certificates loaded
    /// and checked (before any port is bound), its grace period and token.
    pub fn base(&self, service: &str, database_url: &str) -> anyhow::Result<Base> {
        crate::db::check_url(database_url)?;
        let (auth, tls) = self.load(service)?;
        Ok(Base::new(database_url)
            .with_grace(self.grace())
            .with_audit(self.audit.load()?)
            .secured(auth, tls, self.service_token.clone()))
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

/// The start of a service's binary: logs and traces under the name `rex-SERVICE` (or
/// `OTEL_SERVICE_NAME`), then its command line read in layers ([`parse_layered`]). A
/// [`Common`] among its arguments takes its database from `REX_SERVICE_DATABASE_URL`, by
/// default `sqlite://data/SERVICE.db`.
pub fn start<T: clap::Parser>(service: &str) -> T {
    let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| format!("rex-{service}"));
    crate::telemetry::init_named(&name);
    let mut command = T::command();
    if command
        .get_arguments()
        .any(|a| a.get_id() == "database_url")
    {
        // Once at start: clap keeps these for the program's lifetime.
        let env: &'static str = format!("REX_{}_DATABASE_URL", service.to_uppercase()).leak();
        let default: &'static str = format!("sqlite://data/{service}.db").leak();
        command = command.mut_arg("database_url", |a| a.env(env).default_value(default));
    }
    parse_layered_command(command)
}

/// The organisations' details (letterheads, the public site's identity) from `file`, shaped as
/// `config/organisations.toml`, checked; none: the shipped demonstration details. A file that
/// cannot be read or misses a field stops the start, naming the file and the field.
pub fn organisations(file: Option<&std::path::Path>) -> anyhow::Result<rex_domain::Organisations> {
    let Some(file) = file else {
        return Ok(rex_domain::Organisations::shipped());
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    rex_domain::Organisations::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// What a service binary does: `serve` (the default when no command is given) or `migrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Subcommand)]
pub enum Command {
    /// Serve the gRPC API (the default).
    Serve,
    /// Run the database migrations and exit (for operators who migrate with a job).
    Migrate,
}

/// The operators' `migrate`: runs the migrations on `database_url` and says so.
pub async fn migrate(database_url: &str, migrations: &crate::db::Migrations) -> anyhow::Result<()> {
    crate::db::Db::connect(database_url, migrations).await?;
    println!("migrated {}", crate::db::redact(database_url));
    Ok(())
}

/// Parses a binary's command line in layers: built-in defaults, then a TOML file (`--config
/// FILE` or `REX_CONFIG`) whose keys are the environment variable names
/// (`REX_REGISTRATION_DATABASE_URL = "postgres://…"`), then the environment, then the flags.
/// A bad file stops the program with a message naming it, before anything starts.
pub fn parse_layered<T: clap::Parser>() -> T {
    parse_layered_command(T::command())
}

fn parse_layered_command<T: clap::Parser>(mut command: clap::Command) -> T {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match config_path(&args) {
        None => {}
        Some(path) => match read_layer(&path) {
            Ok(values) => command = with_defaults(command, &values),
            Err(message) => {
                eprintln!("{}: {message}", command.get_name());
                std::process::exit(2);
            }
        },
    }
    let matches = command.get_matches_from(args);
    T::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn config_path(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut it = args.iter().map(|a| a.to_string_lossy().to_string());
    while let Some(arg) = it.next() {
        if arg == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("REX_CONFIG").map(PathBuf::from)
}

fn read_layer(
    path: &std::path::Path,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read configuration file {}: {e}", path.display()))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        format!("configuration file {}: {}", path.display(), e.message())
    })?;
    let mut out = std::collections::BTreeMap::new();
    for (key, value) in table {
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(format!(
                    "configuration file {}: {key} must be a string, number or boolean, not {}",
                    path.display(),
                    other.type_str()
                ));
            }
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// Sets the file's values as the defaults of the arguments bound to those variables (so the
/// environment and the flags still win), in the command and its subcommands. A key that names
/// no variable of the program is an error: a typo must not pass silently.
fn with_defaults(
    command: clap::Command,
    values: &std::collections::BTreeMap<String, String>,
) -> clap::Command {
    fn known(command: &clap::Command, out: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                out.push(env.to_string_lossy().to_string());
            }
        }
        for sub in command.get_subcommands() {
            known(sub, out);
        }
    }
    fn apply(
        mut command: clap::Command,
        values: &std::collections::BTreeMap<String, String>,
    ) -> clap::Command {
        let ids: Vec<(clap::Id, String)> = command
            .get_arguments()
            .filter_map(|a| {
                a.get_env()
                    .map(|e| (a.get_id().clone(), e.to_string_lossy().to_string()))
            })
            .collect();
        for (id, env) in ids {
            if let Some(value) = values.get(&env) {
                // Once per setting at start: clap keeps defaults for the program's lifetime.
                let value: &'static str = Box::leak(value.clone().into_boxed_str());
                command = command.mut_arg(id, |a| a.default_value(value));
            }
        }
        let subs: Vec<String> = command
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for name in subs {
            command = command.mut_subcommand(name, |s| apply(s, values));
        }
        command
    }
    let mut names = Vec::new();
    known(&command, &mut names);
    if let Some(unknown) = values
        .keys()
        .find(|k| !names.contains(k) && k.as_str() != "REX_CONFIG")
    {
        eprintln!(
            "{}: configuration file: {unknown} is not a setting of this program",
            command.get_name()
        );
        std::process::exit(2);
    }
    apply(command, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        security: Security,
    }

    fn security(args: &[&str]) -> Security {
        let mut argv = vec!["rex-test"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("flags").security
    }

    fn addr(text: &str) -> std::net::SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn a_service_without_authentication_or_tls_refuses_to_serve() {
        let error = security(&[])
            .check_exposure(&[addr("127.0.0.1:50051")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(
                "refusing to serve without authentication (--token-keys) and TLS (--tls-dir)"
            ),
            "{error}"
        );
        let half = security(&["--token-keys", "keys"])
            .check_exposure(&[addr("127.0.0.1:50051")])
            .unwrap_err()
            .to_string();
        assert!(half.contains("without TLS (--tls-dir)"), "{half}");
    }

    #[test]
    fn insecure_serves_on_loopback_only() {
        let insecure = security(&["--insecure"]);
        assert!(
            insecure
                .check_exposure(&[addr("127.0.0.1:50051"), addr("[::1]:8080")])
                .is_ok()
        );
        let open = insecure
            .check_exposure(&[addr("127.0.0.1:50051"), addr("0.0.0.0:8080")])
            .unwrap_err()
            .to_string();
        assert!(open.contains("0.0.0.0:8080 is not one"), "{open}");
        let metrics = security(&["--insecure", "--metrics-listen", "10.0.0.5:9090"])
            .check_exposure(&[addr("127.0.0.1:50051")])
            .unwrap_err()
            .to_string();
        assert!(metrics.contains("10.0.0.5:9090"), "{metrics}");
    }

    #[test]
    fn with_authentication_and_tls_any_address_may_be_served() {
        let secured = security(&["--token-keys", "keys", "--tls-dir", "tls"]);
        assert!(secured.check_exposure(&[addr("0.0.0.0:50051")]).is_ok());
    }
}
