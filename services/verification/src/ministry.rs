//! The service's state, shared by the gRPC handlers and the worker.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use rex_calendar::{Calendar, Clock};
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_runtime::db::Db;
use rex_verification_domain::Periods;
use tonic::transport::Channel;

/// How the service talks to the registration service and retries.
#[derive(Debug, Clone)]
pub struct Calls {
    /// Deadline of one call to the registration service.
    pub timeout: Duration,
    /// First retry delay; doubles on each failure up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// This service's token for its calls (none: no authentication, development only).
    pub token: Option<String>,
}

impl Default for Calls {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            token: None,
        }
    }
}

/// The verification service.
#[derive(Debug, Clone)]
pub struct Ministry {
    pub(crate) db: Db,
    pub(crate) calendar: Arc<Calendar>,
    /// The periods of Order 358-NK, from the procedure catalogue.
    pub(crate) periods: Periods,
    /// The clock of law: "today" for every date of a case.
    pub(crate) clock: Arc<dyn Clock>,
    /// The machine's clock, for scheduling retries only.
    pub(crate) ops_clock: Arc<dyn Clock>,
    pub(crate) registry: RegistrationServiceClient<Channel>,
    pub(crate) calls: Calls,
    /// The authorized body that issues conclusions (VER-9), from the organisations file.
    pub(crate) authority: rex_domain::organisation::Localized,
}

impl Ministry {
    pub fn new(
        db: Db,
        calendar: Arc<Calendar>,
        periods: Periods,
        clock: Arc<dyn Clock>,
        ops_clock: Arc<dyn Clock>,
        registry: RegistrationServiceClient<Channel>,
        calls: Calls,
    ) -> Self {
        Self {
            db,
            calendar,
            periods,
            clock,
            ops_clock,
            registry,
            calls,
            authority: rex_domain::Organisations::shipped().ministry.name,
        }
    }

    /// The same service issuing conclusions in the name of `organisations`' Ministry.
    pub fn with_organisations(mut self, organisations: &rex_domain::Organisations) -> Self {
        self.authority = organisations.ministry.name.clone();
        self
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) fn today(&self) -> NaiveDate {
        self.clock.today()
    }
}
