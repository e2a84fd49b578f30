//! The service's state, shared by the gRPC handlers and the e-mail sender.

use std::sync::Arc;

use rex_calendar::Clock;
use rex_domain::Organisations;
use rex_notification_domain::{AuditFact, Letter, Notice};
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
    /// Who signs: the letterhead, reference prefix and signatory of each sender.
    pub(crate) organisations: Arc<Organisations>,
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
            organisations: Arc::new(Organisations::shipped()),
        }
    }

    /// The same service signing as `organisations` say.
    pub fn with_organisations(mut self, organisations: Organisations) -> Self {
        self.organisations = Arc::new(organisations);
        self
    }

    /// The notice as its letter says it: dated the day it was kept, in Kazakhstan.
    pub fn letter(&self, notice: &Notice) -> Letter {
        let sender = self.organisations.of(notice.kind.sender());
        let date = notice
            .created_at
            .map(rex_calendar::time::local_date)
            .unwrap_or_else(|| self.clock.today());
        Letter::new(notice, sender, date)
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
