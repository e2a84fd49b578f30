//! The service's state, shared by the gRPC handlers and the e-mail sender.

use std::sync::Arc;

use rex_calendar::Clock;
use rex_notification_domain::AuditFact;
use rex_runtime::db::Db;
use sqlx::AnyConnection;
use tokio::sync::Notify;

use crate::templates::Templates;

/// The notification service.
#[derive(Debug, Clone)]
pub struct Notices {
    pub(crate) db: Db,
    pub(crate) templates: Arc<Templates>,
    /// The clock of law: due dates and late-ness.
    pub(crate) clock: Arc<dyn Clock>,
    /// The machine's clock: retry scheduling and claims, never dates of law.
    pub(crate) ops_clock: Arc<dyn Clock>,
    /// Wakes the e-mail sender when there is something new to send.
    pub(crate) wake: Arc<Notify>,
    /// How long a sender's claim on an e-mail lasts unless renewed (it is renewed while the
    /// mail server talks): after a crash, how long until another sender takes the e-mail over.
    pub(crate) claim_lease: std::time::Duration,
}

impl Notices {
    pub fn new(db: Db, templates: Arc<Templates>, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            templates,
            clock,
            ops_clock: Arc::new(rex_calendar::SystemClock),
            wake: Arc::new(Notify::new()),
            claim_lease: crate::sender::CLAIM_LEASE,
        }
    }

    /// The same service with e-mail claims of `lease` (at least a second: see
    /// [`crate::sender::CLAIM_LEASE`]).
    pub fn with_claim_lease(mut self, lease: std::time::Duration) -> Self {
        self.claim_lease = lease.max(std::time::Duration::from_secs(1));
        self
    }

    /// The same service with `clock` as its machine clock (claims and retries), for tests
    /// that let a claim lapse without waiting for it.
    pub fn with_ops_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.ops_clock = clock;
        self
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// Appends what a decision's audit fact records to the chain, at `at`.
pub(crate) async fn audit(
    conn: &mut AnyConnection,
    fact: &AuditFact,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    let entry = rex_runtime::audit::entry(
        fact.action,
        &fact.subject,
        fact.request.as_bytes(),
        fact.outcome.as_bytes(),
    );
    rex_runtime::audit::append(conn, &entry, at).await
}
