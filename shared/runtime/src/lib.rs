//! What every service of the suite shares at run time.

pub mod audit;
pub mod auth;
pub mod config;
pub mod convert;
pub mod db;
pub mod idempotency;
pub mod metrics;
pub mod outbox;
pub mod server;
pub mod status;
pub mod telemetry;
pub mod tls;
