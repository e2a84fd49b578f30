//! A stored case as the contract shows it: its steps with their states as of today (VER-2),
//! the dossier, the check and the conclusion documents.

use prost::Message;
use rex_proto::common::{Document, DocumentKind};
use rex_proto::registration::GetDossierResponse;
use rex_proto::verification::Case;
use rex_runtime::convert::{date_to_proto, step_to_proto, timestamp_to_proto};
use rex_runtime::status::internal;
use rex_verification_domain::timeline;
use sha2::{Digest, Sha256};
use tonic::Status;

use super::Refusal;
use crate::ministry::Ministry;
use crate::store::CaseRow;
use crate::wire;

fn conclusion_document(name: &str, media_type: &str, text: &str) -> Document {
    let content = text.as_bytes().to_vec();
    Document {
        kind: DocumentKind::Other as i32,
        file_name: name.to_owned(),
        media_type: media_type.to_owned(),
        sha256: hex::encode(Sha256::digest(&content)),
        size_bytes: content.len() as u64,
        content,
        ..Default::default()
    }
}

/// The stored dossier, decoded.
pub fn dossier(row: &CaseRow) -> Result<Option<GetDossierResponse>, Status> {
    row.dossier
        .as_deref()
        .map(GetDossierResponse::decode)
        .transpose()
        .map_err(internal)
}

impl Ministry {
    pub(super) fn case_proto(&self, row: &CaseRow) -> Result<Case, Status> {
        let c = &row.case;
        let timeline =
            timeline(&self.calendar, &self.periods, &c.dates()).map_err(|e| Refusal(e.into()))?;
        let today = self.today();
        let steps = timeline
            .steps
            .iter()
            .map(|s| step_to_proto(&self.calendar, &s.step, s.description, today))
            .collect();
        let mut conclusion_documents = Vec::new();
        if let Some(json) = &c.conclusion_json {
            conclusion_documents.push(conclusion_document(
                &format!("conclusion-{}.json", c.case_id),
                "application/json",
                json,
            ));
        }
        if let Some(html) = &c.conclusion_html {
            conclusion_documents.push(conclusion_document(
                &format!("conclusion-{}.html", c.case_id),
                "text/html",
                html,
            ));
        }
        Ok(Case {
            case_id: c.case_id.clone(),
            requesting_country: wire::country_to_proto(c.requesting_country) as i32,
            foreign_reference: c.foreign_reference.clone(),
            registration_number: c.registration_number.clone(),
            received_at: Some(timestamp_to_proto(c.received_at)),
            subject: c.subject.clone(),
            status: wire::status_to_proto(c.status) as i32,
            steps,
            at_risk: timeline.at_risk,
            outcome: wire::outcome_to_proto(c.outcome) as i32,
            conclusion_text: c.conclusion_text.clone(),
            responsible_officer_id: c.responsible_officer_id.clone(),
            dossier: dossier(row)?,
            dossier_finding: c.dossier_finding.clone(),
            check_findings: c
                .check_findings
                .iter()
                .map(wire::finding_to_proto)
                .collect(),
            checked_by: c.checked_by.clone(),
            checked_at: c.checked_at.map(timestamp_to_proto),
            conclusion_documents,
            revocation_answer: c.revocation_answer.clone(),
            opened_at: Some(timestamp_to_proto(c.opened_at)),
            received_on: Some(date_to_proto(c.received_on)),
            rex_consultations: row
                .consultations
                .iter()
                .map(|k| rex_proto::verification::RexConsultation {
                    registration_number: k.registration_number.clone(),
                    seen: k.seen.clone(),
                    officer_id: k.officer_id.clone(),
                    consulted_at: Some(timestamp_to_proto(k.consulted_at)),
                })
                .collect(),
        })
    }
}
