//! The suite's test kit: starts the whole suite or one service on `127.0.0.1:0` with a fresh
//! database (SQLite in a temporary folder, or a new PostgreSQL database on the server of
//! `REX_TEST_POSTGRES_URL`), a [`TestClock`](rex_calendar::TestClock) the test moves, typed gRPC
//! clients over real sockets and tokens for every role; and the scenario set-ups the tests
//! share, as builders. A test reads
//!
//! ```ignore
//! let suite = spawn_suite(Backend::Postgres).await;
//! let number = suite.registered(0, "2026-03-19").await;
//! ```
//!
//! or runs one scenario on both backends with [`on_both_backends!`].
//!
//! Every listener is bound on port 0 and handed to the service, so no two tests can race for a
//! port; a service restarted by a test binds its first address again, on the same database.
//! Every wait is bounded and polls for the event it waits for, never for a set time.

// A test kit: a failure is the test's failure, with its panic message.
#![allow(clippy::unwrap_used)]

mod binary;
mod database;
pub mod fixtures;
pub mod http;
mod notification;
mod registration;
pub mod scenario;
mod server;
mod smtp;
mod suite;
mod tokens;
mod verification;

pub use binary::{cargo_bin, stdout_of, workspace};
pub use database::{Backend, Database};
pub use fixtures::{d, data, document, fixtures, form, morning, pdate, tin, utc};
pub use http::{http, http_typed};
pub use notification::{NotificationService, spawn_notification};
pub use registration::{RegistrationService, spawn_registration};
pub use server::channel;
pub use smtp::{SmtpServer, python};
pub use suite::{Suite, SuiteBuilder, spawn_suite};
pub use tokens::{LATER, Tokens};
pub use verification::{VerificationService, spawn_verification};

use std::sync::Arc;

use chrono::NaiveTime;
use rex_calendar::TestClock;

/// "Today" in the tests: Thursday 19 March 2026, 11:00 in Almaty, the day before Nauryz.
pub fn test_clock() -> Arc<TestClock> {
    Arc::new(TestClock::at_local(d("2026-03-19"), eleven()))
}

/// Sets `clock` to 11:00 on `date` (Almaty), the hour every test's "today" has.
pub fn set_today(clock: &TestClock, date: &str) {
    clock.set_local(d(date), eleven());
}

fn eleven() -> NaiveTime {
    NaiveTime::from_hms_opt(11, 0, 0).unwrap()
}

/// Runs each scenario on SQLite and on PostgreSQL, as two tests `<scenario>::sqlite` and
/// `<scenario>::postgres`: `spawn` (any `async fn(Backend) -> T`) starts what the scenario
/// (an `async fn(T)`) is given. The PostgreSQL test is skipped, saying so, where
/// `REX_TEST_POSTGRES_URL` is not set, and fails in CI.
///
/// ```ignore
/// on_both_backends!(spawn_registration => reg_10_an_exporter_is_registered_once);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    ($spawn:path => $($name:ident),+ $(,)?) => {
        $( $crate::on_both_backends!(@one $spawn => $name); )+
    };
    (@one $spawn:path => $name:ident) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if $crate::Backend::Sqlite.available() {
                    super::$name($spawn($crate::Backend::Sqlite).await).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::Backend::Postgres.available() {
                    super::$name($spawn($crate::Backend::Postgres).await).await;
                }
            }
        }
    };
}
