//! `rex-suite up`: every service of the suite that exists, in one process, on loopback, with
//! embedded SQLite under a data folder. For a developer, a demo or a single-office deployment.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rex_calendar::Calendar;
use rex_runtime::auth::{Minter, Role, Verifier};
use rex_runtime::config::Base;
use tokio::sync::watch;

/// Kazakhstan's REX suite: registration (244-NK), verification (358-NK), notification
#[derive(Parser, Debug)]
#[command(name = "rex-suite", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Verify a service database's audit trail: every keyed link of the chain, its head, the
    /// checkpoints it keeps and, given the witness's database, those the witness holds. The
    /// first thing that does not hold is named and the exit code is 1.
    AuditVerify {
        /// The database, e.g. sqlite://data/registration.db or postgres://…
        #[arg(long)]
        database_url: String,
        /// The service's audit link keys (see the services' --audit-key-file). None: the
        /// development key.
        #[arg(long, env = "REX_AUDIT_KEY_FILE")]
        audit_key_file: Option<PathBuf>,
        /// The database of the service that witnesses this one's checkpoints.
        #[arg(long, requires = "service")]
        witness_database_url: Option<String>,
        /// Whose chain it is, as its checkpoints name it: registration, verification or
        /// notification.
        #[arg(long)]
        service: Option<String>,
        /// The service's checkpoint public key (Ed25519 SPKI PEM); repeat for rotated keys.
        /// None: each checkpoint's signature is checked with the key it names.
        #[arg(long)]
        checkpoint_public_key: Vec<PathBuf>,
        /// How many entries were linked before keys (a database upgraded from a release
        /// without them; the sealer logs the number at start). More are a rewrite.
        #[arg(long, default_value_t = 0)]
        unkeyed_entries: i64,
    },
    /// Mint a token for a role, signed with the development key of `up` (under the data folder),
    /// to try the API as an exporter, an officer, foreign customs or a service.
    Token {
        /// Where `up` keeps its data (the key is in `keys/` there).
        #[arg(long, env = "REX_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// exporter, atameken_officer, atameken_head_office, ministry_officer, foreign_customs or service.
        #[arg(long)]
        role: String,
        /// Who: a TIN, an officer id, a service name.
        #[arg(long)]
        sub: String,
        /// The role's binding: the exporter's TIN, the officer's branch code, the customs' country.
        #[arg(long)]
        binding: Option<String>,
        /// Validity in hours.
        #[arg(long, default_value_t = 12)]
        hours: u64,
    },
    /// Start all services on loopback with SQLite (plaintext: development and single office).
    Up {
        /// Where the SQLite databases live.
        #[arg(long, env = "REX_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// Address to listen on. Only loopback is allowed: this command serves plaintext.
        #[arg(long, env = "REX_HOST", default_value = "127.0.0.1")]
        host: IpAddr,
        /// Port of the registration service (0 picks a free one).
        #[arg(long, env = "REX_REGISTRATION_PORT", default_value_t = 50051)]
        registration_port: u16,
        /// Port of the verification service (0 picks a free one).
        #[arg(long, env = "REX_VERIFICATION_PORT", default_value_t = 50052)]
        verification_port: u16,
        /// Port of the notification service (0 picks a free one).
        #[arg(long, env = "REX_NOTIFICATION_PORT", default_value_t = 50053)]
        notification_port: u16,
        /// Port of the public lookup pages and JSON API (0 picks a free one).
        #[arg(long, env = "REX_PUBLIC_PORT", default_value_t = 8080)]
        public_port: u16,
        /// Calendar files that add to or replace the built-in years.
        #[arg(long, env = "REX_CALENDAR_DIR")]
        calendar_dir: Option<PathBuf>,
        /// The organisations' letterheads, signatories and the public site's identity (TOML,
        /// shaped as config/organisations.toml); none: the shipped demonstration details.
        #[arg(long, env = "REX_ORGANISATIONS_FILE")]
        organisations_file: Option<PathBuf>,
        /// SMTP server for e-mailed notices (e.g. a local relay or a development mail catcher).
        #[arg(long, env = "REX_SMTP_HOST", default_value = "127.0.0.1")]
        smtp_host: String,
        /// SMTP port.
        #[arg(long, env = "REX_SMTP_PORT", default_value_t = 2525)]
        smtp_port: u16,
        /// The From address of notices.
        #[arg(
            long,
            env = "REX_SMTP_FROM",
            default_value = "REX Atameken <rex-noreply@atameken.kz>"
        )]
        smtp_from: String,
        /// Serve every service's Prometheus metrics on this port (`/metrics`); none: not served.
        #[arg(long, env = "REX_METRICS_PORT")]
        metrics_port: Option<u16>,
        /// Seconds between checkpoints of each service's audit trail, sent to the next service
        /// (registration → verification → notification → registration).
        #[arg(long, env = "REX_AUDIT_CHECKPOINT_SECONDS", default_value_t = 60)]
        audit_checkpoint_seconds: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rex_runtime::telemetry::init();
    let command = Cli::parse().command;
    if let Command::AuditVerify {
        database_url,
        audit_key_file,
        witness_database_url,
        service,
        checkpoint_public_key,
        unkeyed_entries,
    } = &command
    {
        return audit_verify(
            database_url,
            audit_key_file.as_deref(),
            witness_database_url.as_deref().zip(service.as_deref()),
            checkpoint_public_key,
            *unkeyed_entries,
        )
        .await;
    }
    if let Command::Token {
        data_dir,
        role,
        sub,
        binding,
        hours,
    } = &command
    {
        let role: Role = Role::ALL
            .into_iter()
            .find(|r| r.name() == role)
            .ok_or_else(|| anyhow::anyhow!("--role {role:?}: use exporter, atameken_officer, atameken_head_office, ministry_officer, foreign_customs or service"))?;
        let (private, _) = dev_keys(data_dir)?;
        let exp = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0) + hours * 3600;
        println!(
            "{}",
            Minter::from_pem(&private)?.mint(sub, role, binding.as_deref(), exp)?
        );
        return Ok(());
    }
    let Command::Up {
        data_dir,
        host,
        registration_port,
        verification_port,
        notification_port,
        public_port,
        calendar_dir,
        organisations_file,
        smtp_host,
        smtp_port,
        smtp_from,
        metrics_port,
        audit_checkpoint_seconds,
    } = command
    else {
        return Ok(());
    };
    if !host.is_loopback() {
        anyhow::bail!(
            "--host {host}: `rex-suite up` serves plaintext gRPC and listens on loopback only (127.0.0.1 or ::1)"
        );
    }
    let calendar = Arc::new(Calendar::load(calendar_dir.as_deref()).context("calendar data")?);
    let organisations = rex_runtime::config::organisations(organisations_file.as_deref())?;
    // Tokens are checked even here; the development key lives under the data folder and
    // `rex-suite token` mints tokens with it.
    let (private, public) = dev_keys(&data_dir)?;
    let verifier = Verifier::new(
        &[public],
        rex_runtime::auth::ISSUER,
        rex_runtime::auth::AUDIENCE,
    )?;
    let minter = Minter::from_pem(&private)?;
    let year = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0) + 365 * 24 * 3600;
    let service_token = |name: &str| minter.mint(name, Role::SERVICE, None, year);
    let registration_token = service_token("registration")?;
    let verification_token = service_token("verification")?;
    let notification_token = service_token("notification")?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
    let database = |name: &str| format!("sqlite://{}", data_dir.join(name).display());
    let bind = |port: u16, flag: &'static str| async move {
        let addr = SocketAddr::new(host, port);
        tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} (is another suite running? use {flag})")
        })
    };
    let registration_listener = bind(registration_port, "--registration-port").await?;
    let verification_listener = bind(verification_port, "--verification-port").await?;
    let notification_listener = bind(notification_port, "--notification-port").await?;
    let notification_addr = notification_listener.local_addr()?;
    let public_listener = bind(public_port, "--public-port").await?;
    let metrics_addr = match metrics_port {
        Some(port) => {
            let listener = bind(port, "--metrics-port").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(rex_runtime::metrics::serve(listener));
            Some(addr)
        }
        None => None,
    };
    let public_addr = public_listener.local_addr()?;
    let notification_url = format!("http://{notification_addr}");
    let registration_addr = registration_listener.local_addr()?;
    let verification_addr = verification_listener.local_addr()?;
    tracing::warn!(
        "development mode: plaintext gRPC on loopback only; tokens are checked, `rex-suite token` mints them with the development key"
    );
    // One line per service on stdout, for people and for scripts that start the suite.
    println!(
        "registration  {registration_addr}  (data: {})",
        data_dir.join("registration.db").display()
    );
    println!(
        "verification  {verification_addr}  (data: {})",
        data_dir.join("verification.db").display()
    );
    println!(
        "notification  {notification_addr}  (data: {}; e-mail via {smtp_host}:{smtp_port})",
        data_dir.join("notification.db").display()
    );
    println!(
        "public site   http://{public_addr}/  (JSON API: http://{public_addr}/api/v1/openapi.yaml)"
    );
    println!(
        "tokens        rex-suite token --data-dir {} --role atameken_officer --sub AP-1 --binding 002",
        data_dir.display()
    );
    if let Some(addr) = metrics_addr {
        println!("metrics       http://{addr}/metrics");
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        rex_runtime::server::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    // Every service checks tokens with the development key; plaintext on loopback.
    // Each service's audit checkpoints go to the next one, signed with its own key.
    let link_keys = Arc::new(rex_runtime::audit::LinkKeys::from_file(&dev_link_keys(
        &data_dir,
    )?)?);
    let audit = |service: &str, witness: &str, addr: SocketAddr| {
        let (private, _) = key_pair(&data_dir, &format!("audit-{service}"))?;
        anyhow::Ok(rex_runtime::audit::Settings {
            keys: link_keys.clone(),
            signer: Some(Arc::new(rex_runtime::audit::Signer::from_pem(&private)?)),
            witness: Some((witness.to_owned(), format!("http://{addr}"))),
            checkpoint_every: std::time::Duration::from_secs(audit_checkpoint_seconds.max(1)),
        })
    };
    let registration_audit = audit("registration", "verification", verification_addr)?;
    let verification_audit = audit("verification", "notification", notification_addr)?;
    let notification_audit = audit("notification", "registration", registration_addr)?;
    let base = |file: &str, token: String, audit: rex_runtime::audit::Settings| {
        Base::new(database(file)).with_audit(audit).secured(
            Some(verifier.clone()),
            None,
            Some(token),
        )
    };
    let settings = rex_verification::Settings {
        notification_url: Some(notification_url.clone()),
        organisations: organisations.clone(),
        ..rex_verification::Settings::new(
            base("verification.db", verification_token, verification_audit),
            calendar.clone(),
            format!("http://{registration_addr}"),
        )
    };
    let registration = rex_registration::serve_with_public(
        registration_listener,
        Some(public_listener),
        rex_registration::Options {
            notification_url: Some(notification_url),
            organisations: Arc::new(organisations.clone()),
            ..rex_registration::Options::new(
                base("registration.db", registration_token, registration_audit),
                calendar,
            )
        },
        stopped(stop_rx.clone()),
    );
    let verification =
        rex_verification::serve(verification_listener, settings, stopped(stop_rx.clone()));
    let notification_settings = rex_notification::Settings {
        base: base("notification.db", notification_token, notification_audit),
        templates_dir: None,
        smtp: rex_notification::Smtp {
            host: smtp_host,
            port: smtp_port,
            tls: "none".into(),
            username: None,
            password: None,
            from: smtp_from,
            timeout: std::time::Duration::from_secs(20),
            max_attempts: 20,
            retry_base: std::time::Duration::from_secs(5),
        },
        poll: std::time::Duration::from_secs(2),
        organisations,
    };
    let notification = rex_notification::serve(
        notification_listener,
        notification_settings,
        stopped(stop_rx),
    );
    let (r, v, n) = tokio::join!(registration, verification, notification);
    r.context("registration service")?;
    v.context("verification service")?;
    n.context("notification service")?;
    tracing::info!("suite stopped");
    Ok(())
}

/// `audit-verify`: prints what holds, or what broke and exits with 1.
async fn audit_verify(
    database_url: &str,
    key_file: Option<&std::path::Path>,
    witness: Option<(&str, &str)>,
    public_keys: &[PathBuf],
    unkeyed_allowed: i64,
) -> anyhow::Result<()> {
    use rex_runtime::audit::{Check, LinkKeys, Verdict};
    let keys = match key_file {
        Some(path) => LinkKeys::from_file(path)?,
        None => {
            println!("note: links checked with the development key (no --audit-key-file)");
            LinkKeys::development()
        }
    };
    let trusted_keys = public_keys
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            rex_runtime::audit::public_key_from_pem(&text)
                .with_context(|| format!("{}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let witnessed = match witness {
        Some((url, service)) => {
            let witness = rex_runtime::db::Db::open(url).await?;
            Some(rex_runtime::audit::witnessed(&witness, service).await?)
        }
        None => {
            println!("note: checkpoints not compared with a witness (no --witness-database-url)");
            None
        }
    };
    let db = rex_runtime::db::Db::open(database_url).await?;
    let check = Check {
        keys,
        witnessed,
        trusted_keys,
        unkeyed_allowed,
    };
    match rex_runtime::audit::verify(&db, &check).await? {
        Verdict::Intact(s) => {
            println!(
                "intact: {} entries, every link holds ({} linked before keys); {} waiting to be sealed; {} checkpoints kept here match{}",
                s.entries,
                s.unkeyed,
                s.pending,
                s.checkpoints,
                s.witnessed
                    .map(|n| format!(
                        "; {n} checkpoints held by the witness match, the last covering {} entries",
                        s.witnessed_entries.unwrap_or(0)
                    ))
                    .unwrap_or_default()
            );
            Ok(())
        }
        Verdict::Broken { seq, reason } => {
            println!("BROKEN at entry {seq}: {reason}");
            std::process::exit(1);
        }
    }
}

/// The development token key pair under `data_dir/keys`, created on first use.
fn dev_keys(data_dir: &std::path::Path) -> anyhow::Result<(String, String)> {
    key_pair(data_dir, "token")
}

/// A file only its owner reads.
fn write_secret(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

/// The development audit link keys, `data_dir/keys/audit-links.keys`, created on first use.
fn dev_link_keys(data_dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    let dir = data_dir.join("keys");
    let path = dir.join("audit-links.keys");
    if !path.exists() {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        write_secret(&path, &rex_runtime::audit::LinkKeys::generate("k1")?)?;
    }
    Ok(path)
}

/// The Ed25519 key pair `data_dir/keys/NAME-private.pem` and `NAME-public.pem`, created on
/// first use.
fn key_pair(data_dir: &std::path::Path, name: &str) -> anyhow::Result<(String, String)> {
    let dir = data_dir.join("keys");
    let (private_path, public_path) = (
        dir.join(format!("{name}-private.pem")),
        dir.join(format!("{name}-public.pem")),
    );
    if !private_path.exists() {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let (private, public) = rex_runtime::auth::generate_keypair()?;
        write_secret(&private_path, &private)?;
        std::fs::write(&public_path, &public)?;
    }
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
    };
    Ok((read(&private_path)?, read(&public_path)?))
}
