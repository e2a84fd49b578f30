//! The conclusion on a verification (VER-7), as the Ministry sends it back to the requesting
//! country: drawn up from the case, its check and the officer's text.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::{Case, DossierDocument};
use crate::input::ConclusionInput;
use crate::state::Outcome;

/// The conclusion as the Ministry sends it back to the requesting country (VER-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conclusion {
    pub document: &'static str,
    pub authority: &'static str,
    pub legal_basis: &'static str,
    pub case_id: String,
    pub requesting_country: String,
    pub foreign_reference: String,
    pub registration_number: String,
    pub request_received_on: NaiveDate,
    pub concluded_on: NaiveDate,
    pub outcome: String,
    pub outcome_text: &'static str,
    pub conclusion: String,
    pub findings: Vec<ConclusionFinding>,
    pub officer_id: String,
}

/// One finding of the check, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConclusionFinding {
    pub document: String,
    pub complete: bool,
    pub reliable: bool,
    pub note: String,
}

/// What the outcome means, as the conclusion states it (VER-7).
pub fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::RegistrationConfirmed => {
            "The exporter's registration in the REX system is confirmed as well-founded."
        }
        Outcome::GspConditionsNotMet => {
            "The exporter does not meet the conditions of the GSP; the revocation of its registration is requested."
        }
        Outcome::ObligationsNotKept => {
            "The exporter did not keep the obligations it undertook at registration; the revocation of its registration is requested."
        }
        Outcome::ActivityCeased => {
            "The exporter has ceased its activity; the revocation of its registration is requested."
        }
    }
}

impl Conclusion {
    /// Stable JSON: fields in a fixed order, two-space indentation.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A printable HTML page in English.
    pub fn to_html(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let rows: String = self
            .findings
            .iter()
            .map(|f| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.document),
                    if f.complete { "complete" } else { "incomplete" },
                    if f.reliable {
                        "reliable"
                    } else {
                        "not reliable"
                    },
                    esc(&f.note)
                )
            })
            .collect();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Verification conclusion {case}</title>\
<style>body{{font-family:serif;max-width:42em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #000;padding:.3em;text-align:left}}@media print{{body{{margin:0}}}}</style></head><body>\
<h1>Conclusion on the verification of an exporter's registration in the REX system</h1>\
<p>{authority}<br>{basis}</p>\
<table><tr><th>Case</th><td>{case}</td></tr><tr><th>Requesting country</th><td>{country}</td></tr>\
<tr><th>Your reference</th><td>{foreign}</td></tr><tr><th>Registration number</th><td>{number}</td></tr>\
<tr><th>Request received</th><td>{received}</td></tr><tr><th>Concluded</th><td>{concluded}</td></tr></table>\
<h2>Result</h2><p><strong>{outcome_text}</strong></p><p>{text}</p>\
<h2>Findings</h2><table><tr><th>Document</th><th>Completeness</th><th>Reliability</th><th>Note</th></tr>{rows}</table>\
<p>Officer: {officer}</p></body></html>\n",
            authority = esc(self.authority),
            basis = esc(self.legal_basis),
            case = esc(&self.case_id),
            country = esc(&self.requesting_country),
            foreign = esc(&self.foreign_reference),
            number = esc(&self.registration_number),
            received = self.request_received_on,
            concluded = self.concluded_on,
            outcome_text = esc(self.outcome_text),
            text = esc(&self.conclusion),
            officer = esc(&self.officer_id),
        )
    }
}

impl Conclusion {
    /// The conclusion on `case` drawn up `today`: the check's findings name their documents by
    /// the dossier's file names, and a finding without a document is on the REX data.
    pub fn draw_up(
        case: &Case,
        dossier: &[DossierDocument],
        input: &ConclusionInput,
        today: NaiveDate,
    ) -> Self {
        let document_name = |id: &str| -> String {
            if id.is_empty() {
                return "REX registry data".into();
            }
            dossier
                .iter()
                .find(|doc| doc.document_id == id)
                .map_or_else(|| id.to_owned(), |doc| doc.file_name.clone())
        };
        Conclusion {
            document: "Conclusion on the verification of the validity of an exporter's registration in the REX system",
            authority: "Ministry of Trade and Integration of the Republic of Kazakhstan",
            legal_basis: "Rules approved by Order No. 358-NK of 25 May 2021, item 10",
            case_id: case.case_id.clone(),
            requesting_country: case.requesting_country.name().to_owned(),
            foreign_reference: case.foreign_reference.clone(),
            registration_number: case.registration_number.clone(),
            request_received_on: case.received_on,
            concluded_on: today,
            outcome: input.outcome.as_str().to_owned(),
            outcome_text: outcome_text(input.outcome),
            conclusion: input.text.clone(),
            findings: case
                .check_findings
                .iter()
                .map(|f| ConclusionFinding {
                    document: document_name(&f.document_id),
                    complete: f.complete,
                    reliable: f.reliable,
                    note: f.note.clone(),
                })
                .collect(),
            officer_id: input.officer_id.as_str().to_owned(),
        }
    }
}
