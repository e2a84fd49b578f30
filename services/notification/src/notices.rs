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
}

impl Notices {
    pub fn new(db: Db, templates: Arc<Templates>, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            templates,
            clock,
            ops_clock: Arc::new(rex_calendar::SystemClock),
            wake: Arc::new(Notify::new()),
        }
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
