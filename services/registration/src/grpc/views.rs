//! The stored records as the contract shows them, with their statutory steps; and the storing
//! of documents.

use chrono::NaiveDate;
use rex_proto::common::Document;
use rex_proto::registration::*;
use rex_registration_domain::ChallengeFacts;
use rex_runtime::convert::{date_to_proto, timestamp_to_proto};
use tonic::Status;

use super::support::{self, db_err, sha256_hex};
use super::{Registry, convert};
use crate::store::{self, ApplicationRow, ChangeRow, RegistrationRow};

impl Registry {
    pub(super) async fn application_proto(
        &self,
        conn: &mut sqlx::AnyConnection,
        row: &ApplicationRow,
        with_content: bool,
    ) -> Result<Application, Status> {
        let mut form = row.form.clone();
        let docs = store::documents_of(conn, "application", &row.application_id, with_content)
            .await
            .map_err(db_err)?;
        for (position, doc) in docs {
            if position < 0 {
                if let Some(rep) = form.representative.as_mut() {
                    rep.power_of_attorney = Some(doc);
                }
            } else {
                form.documents.push(doc);
            }
        }
        let decided = row.decided_on;
        Ok(Application {
            application_id: row.application_id.clone(),
            form: Some(form),
            status: convert::application_status_proto(row.status),
            received_on: Some(date_to_proto(row.received_on)),
            findings: row.findings.iter().map(convert::finding_proto).collect(),
            refusal_step: Some(self.step_proto(self.periods.refusal, row.received_on, decided)?),
            registration_step: Some(self.step_proto(
                self.periods.registration,
                row.received_on,
                decided,
            )?),
            registration_number: row.registration_number.clone().unwrap_or_default(),
            refusal_reasons: row
                .refusal_reasons
                .iter()
                .map(|r| convert::refusal_reason_proto(*r))
                .collect(),
            refusal_explanation: row.refusal_explanation.clone(),
            decided_by: row.decided_by.clone(),
            decided_at: row.decided_at.map(timestamp_to_proto),
        })
    }

    pub(super) async fn registration_proto(
        &self,
        conn: &mut sqlx::AnyConnection,
        row: &RegistrationRow,
    ) -> Result<Registration, Status> {
        let choice = store::open_court_choice(conn, &row.registration_number)
            .await
            .map_err(db_err)?;
        let mut revocations = Vec::new();
        for r in store::revocations_of(conn, &row.registration_number)
            .await
            .map_err(db_err)?
        {
            let documents = store::documents_of(conn, "revocation", &r.revocation_id, false)
                .await
                .map_err(db_err)?;
            revocations.push(Revocation {
                ground: convert::revocation_ground_proto(r.ground),
                revoked_on: Some(date_to_proto(r.revoked_on)),
                requested_by: r.requested_by.code().to_owned(),
                case_reference: r.case_reference.clone(),
                explanation: r.explanation.clone(),
                notice_step: Some(self.step_proto(
                    self.periods.revocation_notice,
                    r.revoked_on,
                    None,
                )?),
                court_reference: r.court_reference.clone().unwrap_or_default(),
                court_decision_on: r.court_decision_on.map(date_to_proto),
                documents: documents.into_iter().map(|(_, d)| d).collect(),
                challenge_case_reference: r.challenge_case_reference.clone(),
                challenged_on: r.challenged_on.map(date_to_proto),
                challenge_closed_on: r.challenge_closed_on.map(date_to_proto),
                challenge_state: r
                    .challenge_state()
                    .map(|s| s.code().to_owned())
                    .unwrap_or_default(),
            });
        }
        Ok(Registration {
            registration_number: row.registration_number.clone(),
            status: convert::registration_status_proto(row.status),
            data: Some(row.data.clone()),
            primary_language: convert::language_code(row.primary_language),
            valid_from: Some(date_to_proto(row.valid_from)),
            assigned_on: Some(date_to_proto(row.assigned_on)),
            assigned_at: Some(timestamp_to_proto(row.assigned_at)),
            authorized_person_id: row.authorized_person_id.clone(),
            application_id: row.application_id.clone(),
            notice_step: Some(self.step_proto(
                self.periods.registration_notice,
                row.assigned_on,
                None,
            )?),
            revocations,
            regional_branch_code: row.branch_code.clone(),
            court_choice_other_number: choice
                .as_ref()
                .map(|c| {
                    if c.reinstated_number == row.registration_number {
                        c.newer_number.clone()
                    } else {
                        c.reinstated_number.clone()
                    }
                })
                .unwrap_or_default(),
            court_choice_step: choice
                .as_ref()
                .map(|c| self.step_proto(self.periods.court_choice, c.raised_on, None))
                .transpose()?,
        })
    }

    pub(super) fn change_proto(
        &self,
        c: &ChangeRow,
        documents: Vec<Document>,
    ) -> Result<Change, Status> {
        let period = self.periods.change_notice;
        let notice_due = self
            .calendar
            .due(c.changed_on, period.count, period.unit)
            .map_err(|e| support::out_of_range(period.rule, e))?;
        Ok(Change {
            change_id: c.change_id.clone(),
            registration_number: c.registration_number.clone(),
            proposed: Some(c.proposed.clone()),
            categories: c
                .categories
                .iter()
                .map(|x| convert::change_category_proto(*x))
                .collect(),
            reason: c.reason.clone(),
            changed_on: Some(date_to_proto(c.changed_on)),
            received_at: Some(timestamp_to_proto(c.received_at)),
            notice_due: Some(rex_runtime::convert::due_to_proto(period.rule, &notice_due)),
            late: c.late,
            decision_step: Some(self.step_proto(
                self.periods.change_decision,
                c.received_on,
                c.decided_on,
            )?),
            findings: c.findings.iter().map(convert::finding_proto).collect(),
            status: convert::change_status_proto(c.status),
            refusal_reasons: c.refusal_reasons.clone(),
            decided_by: c.decided_by.clone(),
            decided_at: c.decided_at.map(timestamp_to_proto),
            documents,
        })
    }

    /// The documents of a change, without their content.
    pub(super) async fn change_documents(
        &self,
        conn: &mut sqlx::AnyConnection,
        change_id: &str,
    ) -> Result<Vec<Document>, Status> {
        let docs = store::documents_of(conn, "change", change_id, false)
            .await
            .map_err(db_err)?;
        Ok(docs.into_iter().map(|(_, d)| d).collect())
    }

    /// Stores documents of an owner; each gets an id, its SHA-256 and its retention date
    /// (RET-1).
    pub(super) async fn store_documents(
        &self,
        conn: &mut sqlx::AnyConnection,
        owner_kind: &str,
        owner_id: &str,
        docs: &[(i64, &Document)],
        received_on: NaiveDate,
    ) -> Result<(), Status> {
        for (position, doc) in docs {
            let new = store::NewDocument {
                document_id: uuid::Uuid::new_v4().to_string(),
                owner_kind,
                owner_id,
                position: *position,
                doc,
                // The edge refused a name that reduces to nothing; what is kept is the base name.
                file_name: rex_domain::text::safe_file_name(&doc.file_name).unwrap_or_default(),
                sha256: sha256_hex(&doc.content),
                received_on,
                keep_until: self.periods.keep_until(received_on),
            };
            store::insert_document(conn, &new).await.map_err(db_err)?;
        }
        Ok(())
    }
}
