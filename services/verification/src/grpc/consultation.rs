//! RecordRexConsultation (VER-3, restated): each consultation of REX data in a case is
//! recorded, who, when, which number and what was seen.

use super::case_id_of;
use rex_proto::verification::{RecordRexConsultationRequest, RecordRexConsultationResponse};
use rex_runtime::idempotency;
use rex_runtime::status::from_db;
use rex_verification_domain::RexConsultationInput;
use tonic::Status;

use super::Refusal;
use crate::ministry::Ministry;
use crate::store;

impl Ministry {
    pub(super) async fn consult(
        &self,
        req: RecordRexConsultationRequest,
        officer: String,
    ) -> Result<RecordRexConsultationResponse, Status> {
        let input = RexConsultationInput::parse(&req.registration_number, &req.seen, &officer)
            .map_err(Refusal)?;
        idempotency::run(
            &self.db,
            self.clock.now(),
            "RecordRexConsultation",
            &req.idempotency_key,
            &req,
            |r: &RecordRexConsultationResponse| case_id_of(r.case.as_ref()),
            async |tx: &mut sqlx::AnyConnection| self.consult_in(tx, &req.case_id, &input).await,
        )
        .await
    }

    async fn consult_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        case_id: &str,
        input: &RexConsultationInput,
    ) -> Result<RecordRexConsultationResponse, Status> {
        let row = Self::load(tx, case_id).await?;
        let consultation = store::Consultation {
            registration_number: input.registration_number.to_string(),
            seen: input.seen.clone(),
            officer_id: input.officer_id.as_str().to_owned(),
            consulted_at: self.clock.now(),
        };
        store::record_consultation(tx, &row.case.case_id, &consultation)
            .await
            .map_err(from_db)?;
        let entry = rex_runtime::audit::entry(
            "RecordRexConsultation",
            &row.case.case_id,
            consultation.registration_number.as_bytes(),
            consultation.seen.as_bytes(),
        );
        rex_runtime::audit::append(tx, &entry, consultation.consulted_at)
            .await
            .map_err(from_db)?;
        tracing::info!(case_id = %row.case.case_id, number = %consultation.registration_number, officer = %consultation.officer_id, "REX consulted (VER-3)");
        let row = Self::load(tx, &row.case.case_id).await?;
        Ok(RecordRexConsultationResponse {
            case: Some(self.case_proto(&row)?),
        })
    }
}
