//! The gRPC edge: each RPC converts its request into the domain's types, loads what the
//! decision needs, lets `rex_registration_domain` decide, stores the effects in one transaction
//! and answers. One file per RPC or small group; the failures of law become a status in one
//! place (`support::refused`).

pub mod access;
mod applications;
mod changes;
pub(crate) mod convert;
mod decisions;
mod persons;
mod registrations;
mod revocations;
pub(crate) mod statements;
pub(crate) mod support;
mod views;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use rex_calendar::{Calendar, Clock, StatutoryStep};
use rex_proto::common;
use rex_proto::registration::registration_service_server::RegistrationService;
use rex_proto::registration::*;
use rex_registration_domain::notices::NoticeOwed;
use rex_registration_domain::periods::Periods;
use rex_registration_domain::{NoticeChannel, Period, RegistrationNumber};
use rex_runtime::convert::step_to_proto;
use rex_runtime::db::Db;
use tonic::{Request, Response, Status};

use crate::lookup_cache::{Cached, LookupCache, PublicRecord};
use crate::store::{self, Notice, RegistrationRow};
use support::db_err;

pub use statements::MAX_BULK_ITEMS;
pub use support::MAX_DOCUMENT_BYTES;

/// The registration service.
#[derive(Debug, Clone)]
pub struct Registry {
    db: Db,
    calendar: Arc<Calendar>,
    /// The periods of Order 244-NK, from the procedure catalogue.
    periods: Arc<Periods>,
    clock: Arc<dyn Clock>,
    /// Public records in memory (see `lookup_cache`); none: every lookup reads the database.
    lookups: Option<Arc<LookupCache>>,
}

type Reply<T> = Result<Response<T>, Status>;

impl Registry {
    pub fn new(
        db: Db,
        calendar: Arc<Calendar>,
        periods: Arc<Periods>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            db,
            calendar,
            periods,
            clock,
            lookups: None,
        }
    }

    /// Serves lookups and statement checks from `cache`, which this registry keeps up to date
    /// with its own writes.
    pub fn with_lookup_cache(mut self, cache: Arc<LookupCache>) -> Self {
        self.lookups = Some(cache);
        self
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// After a write that may change a public record: forgets the registration it answered
    /// with, or everything when the outcome is unknown (an error after which the commit may
    /// still have happened). Called after the commit, so the next lookup reads the new state.
    fn public_record_changed<T>(
        &self,
        result: &Result<T, Status>,
        registration: impl Fn(&T) -> Option<&Registration>,
    ) {
        let Some(cache) = &self.lookups else {
            return;
        };
        match result {
            Ok(answer) => match registration(answer) {
                Some(r) => cache.invalidate(&r.registration_number),
                None => cache.clear(),
            },
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::Internal | tonic::Code::Unavailable | tonic::Code::Unknown
                ) =>
            {
                cache.clear()
            }
            Err(_) => {}
        }
    }

    /// The public record of `number` (REG-5), from memory when it is there.
    async fn public_record(&self, number: &str) -> Result<Cached, Status> {
        let generation = match &self.lookups {
            Some(cache) => {
                cache.catch_up(&self.db).await.map_err(db_err)?;
                match cache.get(number) {
                    Some(hit) => return Ok(hit),
                    None => Some(cache.generation()),
                }
            }
            None => None,
        };
        let mut conn = self.db.pool.acquire().await.map_err(db_err)?;
        let record = match store::get_registration(&mut conn, number)
            .await
            .map_err(db_err)?
        {
            None => None,
            Some(row) => {
                let revocations = store::revocations_of(&mut conn, number)
                    .await
                    .map_err(db_err)?;
                Some(Arc::new(PublicRecord::new(&row, &revocations)))
            }
        };
        if let (Some(cache), Some(generation)) = (&self.lookups, generation) {
            cache.fill(number, generation, record.clone());
        }
        Ok(record)
    }

    /// The statutory step of `period` from `start`; a period ending outside the calendar's
    /// years is refused naming its rule.
    fn step(
        &self,
        period: Period,
        start: NaiveDate,
        completed_on: Option<NaiveDate>,
    ) -> Result<StatutoryStep, Status> {
        let mut step = StatutoryStep::start(
            &self.calendar,
            period.rule,
            start,
            period.count,
            period.unit,
        )
        .map_err(|e| support::out_of_range(period.rule, e))?;
        step.completed_on = completed_on;
        Ok(step)
    }

    fn step_proto(
        &self,
        period: Period,
        start: NaiveDate,
        completed_on: Option<NaiveDate>,
    ) -> Result<common::StatutoryStep, Status> {
        let step = self.step(period, start, completed_on)?;
        Ok(step_to_proto(
            &self.calendar,
            &step,
            period.what,
            self.today(),
        ))
    }

    /// Runs `op` in one write transaction under the idempotency key (see
    /// `rex_runtime::idempotency`).
    async fn idempotent<Req, Resp>(
        &self,
        rpc: &str,
        key: &str,
        request: &Req,
        op: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<Resp, Status>,
    ) -> Result<Resp, Status>
    where
        Req: Message,
        Resp: Message + Default + AuditSubject,
    {
        let subject = AuditSubject::audit_subject;
        rex_runtime::idempotency::run(&self.db, self.now(), rpc, key, request, subject, op).await
    }

    /// Runs `op` under the idempotency key like [`Registry::idempotent`], then forgets the
    /// public record the answer's registration had (see `public_record_changed`).
    async fn public_write<Req, Resp>(
        &self,
        rpc: &str,
        key: &str,
        request: &Req,
        op: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<Resp, Status>,
    ) -> Result<Resp, Status>
    where
        Req: Message,
        Resp: Message + Default + WithRegistration + AuditSubject,
    {
        let response = self.idempotent(rpc, key, request, op).await;
        self.public_record_changed(&response, WithRegistration::registration);
        response
    }

    /// Writes the notice `owed` to the exporter of `registration` data, in the transaction of
    /// the change that owes it.
    async fn owe_notice(
        &self,
        tx: &mut sqlx::AnyConnection,
        owed: NoticeOwed,
        exporter: Exporter<'_>,
    ) -> Result<(), Status> {
        let step = self.step(owed.period, owed.start, None)?;
        let contact = exporter.data.contact.clone().unwrap_or_default();
        let tin = exporter
            .data
            .exporter
            .as_ref()
            .map(|e| e.tin.clone())
            .unwrap_or_default();
        let owed = owed.greeting(&convert::data(exporter.data));
        let notice = Notice {
            idempotency_key: owed.key,
            kind: owed.kind.to_owned(),
            rule_id: owed.period.rule.to_owned(),
            recipient: tin,
            recipient_email: contact.email,
            channel: exporter.channel.code().to_owned(),
            primary_language: exporter.language.code().to_owned(),
            facts: owed.facts,
            due_on: step.due.due,
        };
        store::insert_notice(tx, &notice, self.now())
            .await
            .map_err(rex_runtime::status::internal)
    }

    /// Where an exporter's notices go: e-mail (and with it the inbox) for electronic applicants,
    /// a letter for paper ones.
    async fn notice_channel(
        &self,
        conn: &mut sqlx::AnyConnection,
        application_id: &str,
    ) -> Result<NoticeChannel, Status> {
        let app = store::get_application(conn, application_id)
            .await
            .map_err(db_err)?;
        Ok(app.map_or(NoticeChannel::Paper, |a| a.channel.notice_channel()))
    }

    async fn load_registration(
        &self,
        conn: &mut sqlx::AnyConnection,
        number: &RegistrationNumber,
    ) -> Result<RegistrationRow, Status> {
        store::get_registration(conn, &number.to_string())
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Status::not_found(format!(
                    "registration_number: {number} is not in the registry"
                ))
            })
    }

    /// Records that the public record of `number` changed (see `lookup_cache`).
    async fn public_change(
        &self,
        tx: &mut sqlx::AnyConnection,
        number: &str,
    ) -> Result<(), Status> {
        store::record_public_change(tx, number, self.now())
            .await
            .map_err(db_err)
    }
}

/// What a write's answer was about, as its audit entry names it: the application, the
/// registration or the authorized person.
trait AuditSubject {
    fn audit_subject(&self) -> String;
}

macro_rules! audit_subject {
    ($($answer:ty => |$a:ident| $subject:expr;)+) => {
        $(impl AuditSubject for $answer {
            fn audit_subject(&self) -> String {
                let $a = self;
                $subject
            }
        })+
    };
}

audit_subject! {
    SubmitApplicationResponse => |a| a.application.as_ref().map(|x| x.application_id.clone()).unwrap_or_default();
    RefuseApplicationResponse => |a| a.application.as_ref().map(|x| x.application_id.clone()).unwrap_or_default();
    RegisterExporterResponse => |a| number(a.registration.as_ref());
    RevokeRegistrationResponse => |a| number(a.registration.as_ref());
    ReinstateRegistrationResponse => |a| number(a.registration.as_ref());
    ContestRevocationResponse => |a| number(a.registration.as_ref());
    DismissChallengeResponse => |a| number(a.registration.as_ref());
    RecordPersonListSendingResponse => |a| a.sending.as_ref().map(|s| s.sending_id.clone()).unwrap_or_default();
    AcknowledgePersonListSendingResponse => |a| a.sending.as_ref().map(|s| s.sending_id.clone()).unwrap_or_default();
    DecideChangeResponse => |a| number(a.registration.as_ref());
    SubmitChangeResponse => |a| a.change.as_ref().map(|x| x.registration_number.clone()).unwrap_or_default();
    SaveAuthorizedPersonResponse => |a| a.person.as_ref().map(|x| x.person_id.clone()).unwrap_or_default();
}

fn number(registration: Option<&Registration>) -> String {
    registration
        .map(|r| r.registration_number.clone())
        .unwrap_or_default()
}

/// An answer that carries the registration a write changed.
trait WithRegistration {
    fn registration(&self) -> Option<&Registration>;
}

macro_rules! with_registration {
    ($($answer:ty),+) => {
        $(impl WithRegistration for $answer {
            fn registration(&self) -> Option<&Registration> {
                self.registration.as_ref()
            }
        })+
    };
}

with_registration!(
    RegisterExporterResponse,
    DecideChangeResponse,
    RevokeRegistrationResponse,
    ReinstateRegistrationResponse,
    ContestRevocationResponse,
    DismissChallengeResponse
);

/// Whom an exporter notice goes to, and how.
#[derive(Debug, Clone, Copy)]
struct Exporter<'a> {
    data: &'a RegistrationData,
    language: rex_registration_domain::Language,
    channel: NoticeChannel,
}

/// The trait's methods, each handing its request to the handler that answers it: a `whole`
/// handler takes the request, a `caller` one the caller the token check left and the message,
/// an `inner` one the message alone.
macro_rules! rpcs {
    ($($method:ident($req:ty) -> $resp:ty => $kind:ident $handler:path;)+) => {
        #[tonic::async_trait]
        impl RegistrationService for Registry {
            $(
                async fn $method(&self, request: Request<$req>) -> Reply<$resp> {
                    rpcs!(@call $kind $handler, self, request).await.map(Response::new)
                }
            )+
        }
    };
    (@call whole $handler:path, $registry:expr, $request:expr) => {
        $handler($registry, $request)
    };
    (@call caller $handler:path, $registry:expr, $request:expr) => {
        $handler($registry, rex_runtime::auth::caller(&$request), $request.into_inner())
    };
    (@call inner $handler:path, $registry:expr, $request:expr) => {
        $handler($registry, $request.into_inner())
    };
}

rpcs! {
    submit_application(SubmitApplicationRequest) -> SubmitApplicationResponse
        => whole applications::submit;
    get_application(GetApplicationRequest) -> GetApplicationResponse => whole applications::get;
    list_applications(ListApplicationsRequest) -> ListApplicationsResponse
        => whole applications::list;
    register_exporter(RegisterExporterRequest) -> RegisterExporterResponse
        => caller decisions::register;
    refuse_application(RefuseApplicationRequest) -> RefuseApplicationResponse
        => caller decisions::refuse;
    get_registration(GetRegistrationRequest) -> GetRegistrationResponse
        => whole registrations::get;
    lookup_registration(LookupRegistrationRequest) -> LookupRegistrationResponse
        => inner Registry::lookup_one;
    submit_change(SubmitChangeRequest) -> SubmitChangeResponse => whole changes::submit;
    decide_change(DecideChangeRequest) -> DecideChangeResponse => caller changes::decide;
    revoke_registration(RevokeRegistrationRequest) -> RevokeRegistrationResponse
        => caller revocations::revoke;
    reinstate_registration(ReinstateRegistrationRequest) -> ReinstateRegistrationResponse
        => caller revocations::reinstate;
    contest_revocation(ContestRevocationRequest) -> ContestRevocationResponse
        => caller revocations::contest;
    dismiss_challenge(DismissChallengeRequest) -> DismissChallengeResponse
        => caller revocations::dismiss;
    get_dossier(GetDossierRequest) -> GetDossierResponse => inner registrations::dossier;
    validate_statement(ValidateStatementRequest) -> ValidateStatementResponse
        => inner Registry::check_statement;
    validate_statements(ValidateStatementsRequest) -> ValidateStatementsResponse
        => inner statements::check_batch;
    save_authorized_person(SaveAuthorizedPersonRequest) -> SaveAuthorizedPersonResponse
        => caller persons::save;
    list_authorized_persons(ListAuthorizedPersonsRequest) -> ListAuthorizedPersonsResponse
        => inner persons::list;
    record_person_list_sending(RecordPersonListSendingRequest) -> RecordPersonListSendingResponse
        => caller persons::record_sending;
    acknowledge_person_list_sending(AcknowledgePersonListSendingRequest)
        -> AcknowledgePersonListSendingResponse => inner persons::acknowledge_sending;
    list_person_list_sendings(ListPersonListSendingsRequest) -> ListPersonListSendingsResponse
        => inner persons::list_sendings;
}
