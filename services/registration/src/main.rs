//! `rex-registration`: the registration service, and its operator commands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rex_calendar::{Calendar, SystemClock};
use rex_runtime::db::Db;

/// Atameken's registration of exporters in REX (Order 244-NK)
#[derive(Parser, Debug)]
#[command(name = "rex-registration", version)]
struct Cli {
    #[command(flatten)]
    common: rex_runtime::config::Common,
    /// The notification service that delivers the notices (none: they wait in the outbox).
    #[arg(long, global = true, env = "REX_NOTIFICATION_URL")]
    notification_url: Option<String>,
    /// Calendar files that add to or replace the built-in years.
    #[arg(long, global = true, env = "REX_CALENDAR_DIR")]
    calendar_dir: Option<PathBuf>,
    /// Procedure files that add to or replace the shipped catalogue (the periods of the law).
    #[arg(long, global = true, env = "REX_PROCEDURES_DIR")]
    procedures_dir: Option<PathBuf>,
    /// Where to serve the public lookup pages and the JSON API (/api/v1, OpenAPI at
    /// /api/v1/openapi.yaml); none: not served.
    #[arg(long, global = true, env = "REX_PUBLIC_LISTEN")]
    public_listen: Option<SocketAddr>,
    /// MiB of memory for public records that lookups and statement checks answer from
    /// (default 512); 0 turns it off. Replicas sharing a PostgreSQL database catch up with each
    /// other's writes before every answer.
    #[arg(long, global = true, env = "REX_LOOKUP_CACHE_MB")]
    lookup_cache_mb: Option<u64>,
    /// The organisations' names, addresses and contacts the public site shows (TOML, as
    /// config/organisations.toml); none: the shipped demonstration details.
    #[arg(long, global = true, env = "REX_ORGANISATIONS_FILE")]
    organisations_file: Option<PathBuf>,
    /// Address to serve the gRPC API on (with no command, as with `serve`).
    #[arg(
        long,
        global = true,
        env = "REX_REGISTRATION_LISTEN",
        default_value = "127.0.0.1:50051"
    )]
    listen: SocketAddr,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the gRPC API (the default).
    Serve,
    /// Run the database migrations and exit (for operators who migrate with a job).
    Migrate,
    /// Retention (RET-1): report what is kept until when.
    RetentionReport,
    /// Retention (RET-1): remove documents past their 5-year period now, and list them.
    RetentionPurge,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli: Cli = rex_runtime::config::start("registration");
    let calendar = Arc::new(Calendar::load(cli.calendar_dir.as_deref()).context("calendar data")?);
    let catalogue = rex_procedure::Catalogue::load(cli.procedures_dir.as_deref())
        .context("procedure catalogue")?;
    let periods = Arc::new(
        rex_registration::Periods::from_catalogue(&catalogue)
            .map_err(anyhow::Error::msg)
            .context("procedure catalogue")?,
    );
    let organisations = Arc::new(rex_runtime::config::organisations(
        cli.organisations_file.as_deref(),
    )?);
    // Security settings are checked before any port is bound.
    if matches!(cli.command, None | Some(Command::Serve)) {
        let served: Vec<SocketAddr> = std::iter::once(cli.listen)
            .chain(cli.public_listen)
            .collect();
        cli.common.security.check_exposure(&served)?;
    }
    let base = cli.common.base("registration")?;
    cli.common.security.start_metrics().await?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let listen = cli.listen;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let options = rex_registration::Options {
                notification_url: cli.notification_url.clone(),
                lookup_cache_mb: cli.lookup_cache_mb,
                public_listen: cli.public_listen,
                periods: Some(periods),
                organisations,
                ..rex_registration::Options::new(base, calendar)
            };
            rex_registration::serve(listener, options, rex_runtime::server::shutdown_signal()).await
        }
        Command::Migrate => {
            rex_runtime::config::migrate(cli.common.database_url(), &rex_registration::MIGRATIONS)
                .await
        }
        Command::RetentionReport => {
            let db = Db::connect(cli.common.database_url(), &rex_registration::MIGRATIONS).await?;
            println!("documents kept, by the year their retention ends (RET-1):");
            for (year, count, bytes) in rex_registration::retention::report(&db).await? {
                println!("{year}: {count} documents, {bytes} bytes");
            }
            Ok(())
        }
        Command::RetentionPurge => {
            let db = Db::connect(cli.common.database_url(), &rex_registration::MIGRATIONS).await?;
            let report = rex_registration::retention::purge(&db, &SystemClock).await?;
            println!(
                "removed {} documents ({} bytes) whose retention ended before {}",
                report.document_ids.len(),
                report.bytes,
                report.as_of
            );
            for id in report.document_ids {
                println!("{id}");
            }
            Ok(())
        }
    }
}
