//! IssueConclusion (VER-7): the conclusion, as JSON and a printable page, drawn up once the
//! check is recorded.

use super::case_id_of;
use rex_proto::verification::{IssueConclusionRequest, IssueConclusionResponse};
use rex_runtime::idempotency;
use rex_runtime::status::from_db;
use rex_verification_domain::{
    ConclusionInput, Signatory, decide_issue_conclusion, exporter_in_words,
};
use tonic::Status;

use super::Refusal;
use super::answer::dossier;
use crate::ministry::Ministry;
use crate::store;
use crate::wire;

impl Ministry {
    pub(super) async fn conclude(
        &self,
        req: IssueConclusionRequest,
        officer: String,
        signatory: Signatory,
    ) -> Result<IssueConclusionResponse, Status> {
        let outcome = wire::outcome_from_proto(req.outcome);
        let input = ConclusionInput {
            signatory,
            ..ConclusionInput::parse(outcome, &req.text, &officer).map_err(Refusal)?
        };
        idempotency::run(
            &self.db,
            self.clock.now(),
            "IssueConclusion",
            &req.idempotency_key,
            &req,
            |r: &IssueConclusionResponse| case_id_of(r.case.as_ref()),
            async |tx: &mut sqlx::AnyConnection| self.conclude_in(tx, &req.case_id, input).await,
        )
        .await
    }

    async fn conclude_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        case_id: &str,
        input: ConclusionInput,
    ) -> Result<IssueConclusionResponse, Status> {
        let row = Self::load(tx, case_id).await?;
        let dossier = dossier(&row)?;
        let documents = wire::dossier_documents(dossier.as_ref());
        let exporter = dossier
            .as_ref()
            .and_then(|d| d.registration.as_ref())
            .and_then(|r| r.data.as_ref())
            .and_then(|data| data.exporter.as_ref())
            .and_then(|e| e.name.as_ref())
            .and_then(|name| exporter_in_words(&name.english, &name.primary));
        let input = ConclusionInput {
            exporter_name: exporter,
            authority: self.authority.clone(),
            ..input
        };
        let concluded =
            decide_issue_conclusion(&row.case, &documents, input, self.today()).map_err(Refusal)?;
        let case_id = &row.case.case_id;
        if !store::conclude(tx, case_id, &concluded)
            .await
            .map_err(from_db)?
        {
            return Err(Status::aborted("the case changed concurrently; retry"));
        }
        let row = Self::load(tx, case_id).await?;
        let case = self.case_proto(&row)?;
        tracing::info!(case_id = %case.case_id, outcome = %wire::outcome_to_proto(Some(concluded.outcome)).as_str_name(), "conclusion issued (VER-7)");
        Ok(IssueConclusionResponse {
            documents: case.conclusion_documents.clone(),
            case: Some(case),
        })
    }
}
