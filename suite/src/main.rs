//! `rex-suite up`: every service of the suite that exists, in one process, on loopback, with
//! embedded SQLite under a data folder. For a developer, a demo or a single-office deployment.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rex_calendar::{Calendar, SystemClock};
use tokio::sync::watch;

#[derive(Parser, Debug)]
#[command(
    name = "rex-suite",
    version,
    about = "Kazakhstan's REX suite: registration (244-NK), verification (358-NK), notification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
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
        /// Port reserved for the notification service (issue #5).
        #[arg(long, env = "REX_NOTIFICATION_PORT", default_value_t = 50053)]
        notification_port: u16,
        /// Calendar files that add to or replace the built-in years.
        #[arg(long, env = "REX_CALENDAR_DIR")]
        calendar_dir: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rex_runtime::telemetry::init();
    let Command::Up {
        data_dir,
        host,
        registration_port,
        verification_port,
        notification_port: _,
        calendar_dir,
    } = Cli::parse().command;
    if !host.is_loopback() {
        anyhow::bail!(
            "--host {host}: `rex-suite up` serves plaintext gRPC and listens on loopback only (127.0.0.1 or ::1)"
        );
    }
    let calendar = Arc::new(Calendar::load(calendar_dir.as_deref()).context("calendar data")?);
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
    let registration_addr = registration_listener.local_addr()?;
    let verification_addr = verification_listener.local_addr()?;
    tracing::warn!("development mode: plaintext gRPC on loopback only, no authentication");
    // One line per service on stdout, for people and for scripts that start the suite.
    println!(
        "registration  {registration_addr}  (data: {})",
        data_dir.join("registration.db").display()
    );
    println!(
        "verification  {verification_addr}  (data: {})",
        data_dir.join("verification.db").display()
    );
    println!("notification  not yet built (issue #5)");
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        rex_runtime::server::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let settings = rex_verification::Settings {
        database_url: database("verification.db"),
        registration_url: format!("http://{registration_addr}"),
        calendar: calendar.clone(),
        clock: Arc::new(SystemClock),
        ops_clock: Arc::new(SystemClock),
        calls: rex_verification::Calls::default(),
        poll: std::time::Duration::from_secs(1),
        grace: rex_runtime::server::SHUTDOWN_GRACE,
    };
    let registration_db = database("registration.db");
    let registration = rex_registration::serve(
        registration_listener,
        &registration_db,
        calendar,
        Arc::new(SystemClock),
        stopped(stop_rx.clone()),
    );
    let verification = rex_verification::serve(verification_listener, settings, stopped(stop_rx));
    let (r, v) = tokio::join!(registration, verification);
    r.context("registration service")?;
    v.context("verification service")?;
    tracing::info!("suite stopped");
    Ok(())
}
