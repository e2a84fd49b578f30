//! Logs: readable text for people, JSON for machines (REX_LOG_FORMAT=json); level by RUST_LOG.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing (tests start many servers).
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("REX_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
