//! `rex-verification`: the Ministry's verification service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use rex_calendar::Calendar;
use rex_runtime::config::Command;
use rex_verification::{Calls, Settings};

/// The Ministry's verification of REX registrations (Order 358-NK)
#[derive(Parser, Debug)]
#[command(name = "rex-verification", version)]
struct Cli {
    #[command(flatten)]
    common: rex_runtime::config::Common,
    /// Address to serve the gRPC API on (with no command, as with `serve`).
    #[arg(
        long,
        global = true,
        env = "REX_VERIFICATION_LISTEN",
        default_value = "127.0.0.1:50052"
    )]
    listen: SocketAddr,
    #[command(subcommand)]
    command: Option<Command>,
    /// The registration service.
    #[arg(
        long,
        global = true,
        env = "REX_VERIFICATION_REGISTRATION_URL",
        default_value = "http://127.0.0.1:50051"
    )]
    registration_url: String,
    /// Deadline of one call to the registration service, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "REX_VERIFICATION_CALL_TIMEOUT_MS",
        default_value_t = 5000
    )]
    call_timeout_ms: u64,
    /// The notification service that delivers the deadline warnings (none: they wait in the outbox).
    #[arg(long, global = true, env = "REX_NOTIFICATION_URL")]
    notification_url: Option<String>,
    /// The authorized body that issues conclusions (TOML, shaped as config/organisations.toml);
    /// none: the shipped demonstration details.
    #[arg(long, global = true, env = "REX_ORGANISATIONS_FILE")]
    organisations_file: Option<PathBuf>,
    /// Calendar files that add to or replace the built-in years.
    #[arg(long, global = true, env = "REX_CALENDAR_DIR")]
    calendar_dir: Option<PathBuf>,
    /// Procedure files that add to or replace the shipped catalogue (the periods of the law).
    #[arg(long, global = true, env = "REX_PROCEDURES_DIR")]
    procedures_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli: Cli = rex_runtime::config::start("verification");
    if cli.command == Some(Command::Migrate) {
        return rex_runtime::config::migrate(
            cli.common.database_url(),
            &rex_verification::MIGRATIONS,
        )
        .await;
    }
    // Security settings are checked before any port is bound.
    cli.common.security.check_exposure(&[cli.listen])?;
    let base = cli.common.base("verification")?;
    cli.common.security.start_metrics().await?;
    let calendar = Arc::new(Calendar::load(cli.calendar_dir.as_deref()).context("calendar data")?);
    let catalogue = rex_procedure::Catalogue::load(cli.procedures_dir.as_deref())
        .context("procedure catalogue")?;
    let periods = rex_verification_domain::Periods::from_catalogue(&catalogue)
        .map_err(anyhow::Error::msg)
        .context("procedure catalogue")?;
    let settings = Settings {
        periods: Some(periods),
        calls: Calls {
            timeout: Duration::from_millis(cli.call_timeout_ms),
            ..Calls::default()
        },
        notification_url: cli.notification_url,
        organisations: rex_runtime::config::organisations(cli.organisations_file.as_deref())?,
        ..Settings::new(base, calendar, cli.registration_url)
    };
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    rex_verification::serve(listener, settings, rex_runtime::server::shutdown_signal()).await
}
