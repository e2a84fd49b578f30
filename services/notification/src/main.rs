//! `rex-notification`: the notification service.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use rex_notification::{Settings, Smtp};
use rex_runtime::config::Command;

/// Every notice of the REX rules, by e-mail, inbox or letter
#[derive(Parser, Debug)]
#[command(name = "rex-notification", version)]
struct Cli {
    #[command(flatten)]
    common: rex_runtime::config::Common,
    /// Address to serve the gRPC API on (with no command, as with `serve`).
    #[arg(
        long,
        global = true,
        env = "REX_NOTIFICATION_LISTEN",
        default_value = "127.0.0.1:50053"
    )]
    listen: SocketAddr,
    #[command(subcommand)]
    command: Option<Command>,
    /// A directory of template files that replace the shipped ones.
    #[arg(long, global = true, env = "REX_NOTIFICATION_TEMPLATES_DIR")]
    templates_dir: Option<PathBuf>,
    /// The organisations' letterhead, reference prefix and signatory: a TOML file shaped as
    /// config/organisations.toml (the shipped demonstration details when not given).
    #[arg(long, global = true, env = "REX_ORGANISATIONS_FILE")]
    organisations_file: Option<PathBuf>,
    /// SMTP server host.
    #[arg(
        long,
        global = true,
        env = "REX_SMTP_HOST",
        default_value = "127.0.0.1"
    )]
    smtp_host: String,
    /// SMTP server port. The default is a development mail catcher's, as `rex-suite up`'s: a
    /// deployment names its relay's port, and a forgotten setting never reaches a real MTA.
    #[arg(long, global = true, env = "REX_SMTP_PORT", default_value_t = 2525)]
    smtp_port: u16,
    /// none, starttls or tls.
    #[arg(long, global = true, env = "REX_SMTP_TLS", default_value = "none")]
    smtp_tls: String,
    /// SMTP user name, if the server asks for one.
    #[arg(long, global = true, env = "REX_SMTP_USERNAME")]
    smtp_username: Option<String>,
    /// SMTP password (from the environment; never logged).
    #[arg(long, global = true, env = "REX_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// The From address of notices.
    #[arg(
        long,
        global = true,
        env = "REX_SMTP_FROM",
        default_value = "REX Atameken <rex-noreply@atameken.kz>"
    )]
    smtp_from: String,
    /// How long the sender's claim on an e-mail lasts unless renewed (milliseconds, at least
    /// 1000): after a crash, how soon the e-mail is taken over and re-sent.
    #[arg(
        long,
        global = true,
        env = "REX_SMTP_CLAIM_LEASE_MS",
        default_value_t = 10_000
    )]
    smtp_claim_lease_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli: Cli = rex_runtime::config::start("notification");
    if cli.command == Some(Command::Migrate) {
        return rex_runtime::config::migrate(
            cli.common.database_url(),
            &rex_notification::MIGRATIONS,
        )
        .await;
    }
    // Security settings are checked before any port is bound.
    cli.common.security.check_exposure(&[cli.listen])?;
    let base = cli.common.base("notification")?;
    cli.common.security.start_metrics().await?;
    let settings = Settings {
        base,
        templates_dir: cli.templates_dir,
        organisations: rex_runtime::config::organisations(cli.organisations_file.as_deref())?,
        smtp: Smtp {
            host: cli.smtp_host,
            port: cli.smtp_port,
            tls: cli.smtp_tls,
            username: cli.smtp_username,
            password: cli.smtp_password,
            from: cli.smtp_from,
            ..Smtp::default()
        },
        ..Settings::default()
    };
    // Check configuration before any port is bound.
    settings.smtp.transport().context("SMTP configuration")?;
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    rex_notification::serve_with_lease(
        listener,
        settings,
        std::time::Duration::from_millis(cli.smtp_claim_lease_ms),
        rex_runtime::server::shutdown_signal(),
    )
    .await
}
