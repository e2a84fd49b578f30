//! OpenCase (VER-1): an official request of Norway or Switzerland opens a case, once per
//! foreign reference.

use super::case_id_of;
use rex_proto::verification::{OpenCaseRequest, OpenCaseResponse};
use rex_runtime::convert::timestamp_from_proto;
use rex_runtime::db::is_unique_violation;
use rex_runtime::idempotency;
use rex_runtime::status::{from_db, internal};
use rex_verification_domain::{Malformed, NewCase, OpenCaseFields, Opened, decide_open};
use tonic::Status;

use super::Refusal;
use crate::ministry::Ministry;
use crate::store;
use crate::wire;

fn fields(req: &OpenCaseRequest) -> OpenCaseFields {
    OpenCaseFields {
        requesting_country: wire::country_from_proto(req.requesting_country),
        foreign_reference: req.foreign_reference.clone(),
        registration_number: req.registration_number.clone(),
        subject: req.subject.clone(),
        responsible_officer_id: req.responsible_officer_id.clone(),
        received_at: timestamp_from_proto("received_at", req.received_at.as_ref()).map_err(|v| {
            Malformed {
                field: v.field,
                reason: v.description,
            }
        }),
    }
}

/// A new case's id: the Ministry's prefix and 12 random hexadecimal digits.
fn new_case_id() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("MTI-VER-{}", random[..12].to_ascii_uppercase())
}

impl Ministry {
    pub(super) async fn open(&self, req: OpenCaseRequest) -> Result<OpenCaseResponse, Status> {
        let request =
            NewCase::parse(fields(&req), self.clock.now(), &self.calendar).map_err(Refusal)?;
        let opened = idempotency::run(
            &self.db,
            self.clock.now(),
            "OpenCase",
            &req.idempotency_key,
            &req,
            |r: &OpenCaseResponse| case_id_of(r.case.as_ref()),
            async |tx: &mut sqlx::AnyConnection| self.open_in(tx, &request).await,
        )
        .await;
        match opened {
            // Two requests with the same reference raced: the loser answers with the winner's case.
            Err(s) if s.code() == tonic::Code::Aborted => {
                let mut conn = self.db.pool.acquire().await.map_err(from_db)?;
                let existing = store::case_by_reference(
                    &mut conn,
                    request.requesting_country,
                    &request.foreign_reference,
                )
                .await
                .map_err(from_db)?
                .ok_or(s)?;
                self.answer_open(existing)
            }
            other => other,
        }
    }

    async fn open_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        request: &NewCase,
    ) -> Result<OpenCaseResponse, Status> {
        let country = request.requesting_country;
        let existing = store::case_by_reference(tx, country, &request.foreign_reference)
            .await
            .map_err(from_db)?;
        let opened = decide_open(
            existing.as_ref().map(|row| &row.case),
            request,
            new_case_id(),
            self.clock.now(),
        )
        .map_err(Refusal)?;
        let case = match (opened, existing) {
            (Opened::New(case), _) => *case,
            (Opened::Existing, Some(row)) => return self.answer_open(row),
            (Opened::Existing, None) => {
                return Err(internal(anyhow::anyhow!("no existing case to answer with")));
            }
        };
        if let Err(err) = store::insert_case(tx, &case).await {
            return Err(if is_unique_violation(&err) {
                Status::aborted("the same request was opened concurrently; retry")
            } else {
                from_db(err)
            });
        }
        let answer = self.answer_open(store::CaseRow {
            case,
            dossier: None,
            consultations: Vec::new(),
        })?;
        if let Some(case) = &answer.case {
            tracing::info!(case_id = %case.case_id, %country, reference = %request.foreign_reference, number = %request.registration_number, at_risk = case.at_risk, "verification case opened (VER-1)");
        }
        Ok(answer)
    }

    fn answer_open(&self, row: store::CaseRow) -> Result<OpenCaseResponse, Status> {
        Ok(OpenCaseResponse {
            case: Some(self.case_proto(&row)?),
        })
    }
}
