//! The gRPC edge: each RPC converts its request into domain types, loads the case, asks the
//! domain to decide, stores the effects and answers. One file per RPC or small group.

pub mod access;
mod answer;
mod check;
mod conclusion;
mod consultation;
mod dossier;
mod error;
mod open;
mod read;
mod revocation;

use std::time::Duration;

use rex_proto::verification::verification_service_server::VerificationService;
use rex_proto::verification::*;
use rex_runtime::status::from_db;
use rex_verification_domain::Signatory;
use tonic::{Request, Response, Status};

use crate::ministry::Ministry;
use crate::store::{self, CaseRow, JobKind};
use crate::worker;
pub use error::Refusal;

type Reply<T> = Result<Response<T>, Status>;

impl Ministry {
    async fn load(conn: &mut sqlx::AnyConnection, case_id: &str) -> Result<CaseRow, Status> {
        store::get_case(conn, case_id.trim())
            .await
            .map_err(from_db)?
            .ok_or_else(|| error::no_case(case_id))
    }

    /// The case as it stands now, outside any transaction.
    async fn load_now(&self, case_id: &str) -> Result<CaseRow, Status> {
        let mut conn = self.db.pool.acquire().await.map_err(from_db)?;
        Self::load(&mut conn, case_id).await
    }

    async fn case_now(&self, case_id: &str) -> Result<Case, Status> {
        let row = self.load_now(case_id).await?;
        self.case_proto(&row)
    }

    /// In one transaction: `advance` moves the case and, if it moved, `call` is queued with its
    /// audit entry, so the move and the call land together.
    async fn advance_and_call(
        &self,
        case_id: &str,
        call: Call<'_>,
        advance: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<bool, sqlx::Error>,
    ) -> Result<(), Status> {
        let mut tx = self.db.begin_write().await.map_err(from_db)?;
        if advance(&mut tx).await.map_err(from_db)? {
            let now = self.ops_clock.now();
            store::insert_job(&mut tx, case_id, call.kind, &call.correlation_id, now)
                .await
                .map_err(from_db)?;
            let entry =
                rex_runtime::audit::entry(call.action, case_id, case_id.as_bytes(), call.result);
            rex_runtime::audit::append(&mut tx, &entry, self.clock.now())
                .await
                .map_err(from_db)?;
        }
        tx.commit().await.map_err(from_db)
    }

    /// Tries a case's queued calls at once; whatever does not get through, the worker retries
    /// with backoff (the jobs are in the database, so they survive restarts).
    async fn try_now(&self, case_id: &str) {
        if let Err(err) = worker::run_due_jobs_of_case(self, case_id).await {
            tracing::warn!(
                case_id,
                error = format!("{err:#}"),
                "call to the registration service failed; the worker retries"
            );
        }
        // If the background worker had taken the job first, wait (bounded) for its attempt to
        // end, so the answer shows its outcome rather than a moment in between.
        let give_up = std::time::Instant::now() + self.calls.timeout + Duration::from_secs(1);
        while std::time::Instant::now() < give_up {
            let in_flight = match self.db.pool.acquire().await {
                Ok(mut conn) => store::job_in_flight(&mut conn, case_id, self.ops_clock.now())
                    .await
                    .unwrap_or(false),
                Err(_) => false,
            };
            if !in_flight {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A call to the registration service that a command queues (VER-4, VER-8), and its audit
/// entry.
struct Call<'a> {
    kind: JobKind,
    correlation_id: String,
    action: &'a str,
    result: &'a [u8],
}

impl<'a> Call<'a> {
    /// The call carries the caller's correlation id, or a new one for the case.
    fn new(
        kind: JobKind,
        incoming: Option<String>,
        case_id: &str,
        (action, result): (&'a str, &'a [u8]),
    ) -> Self {
        let correlation_id =
            incoming.unwrap_or_else(|| format!("case-{case_id}-{}", uuid::Uuid::new_v4().simple()));
        Self {
            kind,
            correlation_id,
            action,
            result,
        }
    }
}

/// The case an answer is about, as its audit entry names it.
fn case_id_of(case: Option<&Case>) -> String {
    case.map(|c| c.case_id.clone()).unwrap_or_default()
}

/// The Ministry's officer who acts: the token's subject (a request's `officer_id` may be blank
/// or name the caller; naming another is refused). Without authentication (development) the
/// field as sent, which the domain requires (VER-6..8).
fn acting_officer<T>(request: &Request<T>, named: &str) -> Result<String, Status> {
    match rex_runtime::auth::caller(request) {
        Some(caller) => rex_runtime::auth::acting_person(Some(&caller), "officer_id", named),
        None => Ok(named.to_owned()),
    }
}

#[tonic::async_trait]
impl VerificationService for Ministry {
    async fn open_case(&self, request: Request<OpenCaseRequest>) -> Reply<OpenCaseResponse> {
        Ok(Response::new(self.open(request.into_inner()).await?))
    }

    async fn get_case(&self, request: Request<GetCaseRequest>) -> Reply<GetCaseResponse> {
        let case = self.case_now(&request.into_inner().case_id).await?;
        Ok(Response::new(GetCaseResponse { case: Some(case) }))
    }

    async fn list_cases(&self, request: Request<ListCasesRequest>) -> Reply<ListCasesResponse> {
        Ok(Response::new(self.list(request.into_inner()).await?))
    }

    async fn request_dossier(
        &self,
        request: Request<RequestDossierRequest>,
    ) -> Reply<RequestDossierResponse> {
        let incoming = rex_runtime::server::correlation_id(&request);
        let answer = self.dossier(request.into_inner(), incoming).await?;
        Ok(Response::new(answer))
    }

    async fn record_check(
        &self,
        request: Request<RecordCheckRequest>,
    ) -> Reply<RecordCheckResponse> {
        let officer = acting_officer(&request, &request.get_ref().officer_id)?;
        Ok(Response::new(
            self.check(request.into_inner(), officer).await?,
        ))
    }

    async fn record_rex_consultation(
        &self,
        request: Request<RecordRexConsultationRequest>,
    ) -> Reply<RecordRexConsultationResponse> {
        let officer = acting_officer(&request, &request.get_ref().officer_id)?;
        Ok(Response::new(
            self.consult(request.into_inner(), officer).await?,
        ))
    }

    async fn issue_conclusion(
        &self,
        request: Request<IssueConclusionRequest>,
    ) -> Reply<IssueConclusionResponse> {
        let officer = acting_officer(&request, &request.get_ref().officer_id)?;
        // The officer signs by the name and position their own token gives; a service acting
        // for them passes only the id.
        let signatory = rex_runtime::auth::caller(&request)
            .filter(|caller| caller.sub == officer)
            .map(|caller| Signatory {
                name: caller.name.unwrap_or_default(),
                position: caller.position.unwrap_or_default(),
            })
            .unwrap_or_default();
        Ok(Response::new(
            self.conclude(request.into_inner(), officer, signatory)
                .await?,
        ))
    }

    async fn request_revocation(
        &self,
        request: Request<RequestRevocationRequest>,
    ) -> Reply<RequestRevocationResponse> {
        let incoming = rex_runtime::server::correlation_id(&request);
        let officer = acting_officer(&request, &request.get_ref().officer_id)?;
        let answer = self.revoke(request.into_inner(), officer, incoming).await?;
        Ok(Response::new(answer))
    }
}
