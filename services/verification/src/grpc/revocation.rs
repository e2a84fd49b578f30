//! RequestRevocation (VER-8): after a negative conclusion, the appeal to revoke goes to
//! Atameken once; the call itself is a job the worker retries until Atameken answers.

use rex_proto::verification::{RequestRevocationRequest, RequestRevocationResponse};
use rex_runtime::convert::date_to_proto;
use rex_verification_domain::{RevocationInput, RevocationRequest, decide_request_revocation};
use tonic::Status;

use super::{Call, Refusal};
use crate::ministry::Ministry;
use crate::store::{self, JobKind};

impl Ministry {
    pub(super) async fn revoke(
        &self,
        req: RequestRevocationRequest,
        officer: String,
        incoming: Option<String>,
    ) -> Result<RequestRevocationResponse, Status> {
        let input = RevocationInput::parse(&officer).map_err(Refusal)?;
        rex_runtime::idempotency::check_key(
            &self.db,
            self.clock.now(),
            "RequestRevocation",
            &req.idempotency_key,
            &req,
        )
        .await?;
        let case = self.load_now(&req.case_id).await?.case;
        match decide_request_revocation(&case, input, self.today()).map_err(Refusal)? {
            RevocationRequest::Send {
                requested_on,
                officer_id,
            } => {
                let audit = ("RequestRevocation", b"revocation requested".as_slice());
                let call = Call::new(JobKind::Revocation, incoming, &case.case_id, audit);
                let advance = async |tx: &mut sqlx::AnyConnection| {
                    store::request_revocation(tx, &case.case_id, requested_on, &officer_id).await
                };
                self.advance_and_call(&case.case_id, call, advance).await?;
                tracing::info!(case_id = %case.case_id, "appeal to revoke sent to Atameken (VER-8)");
                self.try_now(&case.case_id).await;
            }
            RevocationRequest::AskAgain => self.try_now(&case.case_id).await,
            RevocationRequest::Nothing => {}
        }
        let row = self.load_now(&case.case_id).await?;
        Ok(RequestRevocationResponse {
            case: Some(self.case_proto(&row)?),
            revoked_on: row.case.revoked_on().map(date_to_proto),
        })
    }
}
