//! RequestDossier (VER-4): the dossier is asked of Atameken once; the call itself is a job the
//! worker retries until Atameken answers (VER-5).

use rex_proto::verification::{RequestDossierRequest, RequestDossierResponse};
use rex_verification_domain::{DossierRequest, decide_request_dossier};
use tonic::Status;

use super::Call;
use crate::ministry::Ministry;
use crate::store::{self, JobKind};

impl Ministry {
    pub(super) async fn dossier(
        &self,
        req: RequestDossierRequest,
        incoming: Option<String>,
    ) -> Result<RequestDossierResponse, Status> {
        rex_runtime::idempotency::check_key(
            &self.db,
            self.clock.now(),
            "RequestDossier",
            &req.idempotency_key,
            &req,
        )
        .await?;
        let case = self.load_now(&req.case_id).await?.case;
        match decide_request_dossier(&case, self.today()) {
            DossierRequest::Send { requested_on } => {
                let audit = ("RequestDossier", b"dossier requested".as_slice());
                let call = Call::new(JobKind::Dossier, incoming, &case.case_id, audit);
                // VER-4 is done when the request to Atameken is made: now, and kept until sent.
                let advance = async |tx: &mut sqlx::AnyConnection| {
                    store::request_dossier(tx, &case.case_id, requested_on).await
                };
                self.advance_and_call(&case.case_id, call, advance).await?;
                tracing::info!(case_id = %case.case_id, "dossier requested from Atameken (VER-4)");
                self.try_now(&case.case_id).await;
            }
            DossierRequest::AskAgain => self.try_now(&case.case_id).await,
            DossierRequest::Nothing => {}
        }
        Ok(RequestDossierResponse {
            case: Some(self.case_now(&case.case_id).await?),
        })
    }
}
