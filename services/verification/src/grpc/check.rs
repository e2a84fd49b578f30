//! RecordCheck (VER-6): the officer's findings on each document of the dossier and on the REX
//! data.

use super::case_id_of;
use rex_proto::verification::{RecordCheckRequest, RecordCheckResponse};
use rex_runtime::idempotency;
use rex_runtime::status::from_db;
use rex_verification_domain::{CheckInput, check_before_dossier, decide_record_check};
use tonic::Status;

use super::Refusal;
use super::answer::dossier;
use crate::ministry::Ministry;
use crate::store;
use crate::wire;

impl Ministry {
    pub(super) async fn check(
        &self,
        req: RecordCheckRequest,
        officer: String,
    ) -> Result<RecordCheckResponse, Status> {
        let findings = req
            .findings
            .iter()
            .cloned()
            .map(wire::finding_from_proto)
            .collect();
        let input = CheckInput::parse(&officer, findings).map_err(Refusal)?;
        idempotency::run(
            &self.db,
            self.clock.now(),
            "RecordCheck",
            &req.idempotency_key,
            &req,
            |r: &RecordCheckResponse| case_id_of(r.case.as_ref()),
            async |tx: &mut sqlx::AnyConnection| self.check_in(tx, &req.case_id, input).await,
        )
        .await
    }

    async fn check_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        case_id: &str,
        input: CheckInput,
    ) -> Result<RecordCheckResponse, Status> {
        let row = Self::load(tx, case_id).await?;
        let documents = wire::dossier_documents(dossier(&row)?.as_ref());
        let check =
            decide_record_check(&row.case, &documents, input, self.clock.now(), self.today())
                .map_err(Refusal)?;
        let case_id = &row.case.case_id;
        if !store::record_check(tx, case_id, &check)
            .await
            .map_err(from_db)?
        {
            return Err(Refusal(check_before_dossier(&row.case)).into());
        }
        let row = Self::load(tx, case_id).await?;
        Ok(RecordCheckResponse {
            case: Some(self.case_proto(&row)?),
        })
    }
}
