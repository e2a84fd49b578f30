//! The contract's types <-> the domain's, for every edge (gRPC answers, stored protobuf, calls
//! to the registration service).

use rex_proto::common::ImportingCountry;
use rex_proto::registration::{self, GetDossierResponse};
use rex_proto::verification::{self as proto, CheckFinding, VerificationOutcome};
use rex_verification_domain::{
    CaseStatus, Country, DossierDocument, Finding, Outcome, RevocationGround,
};

pub fn country_from_proto(value: i32) -> Option<Country> {
    match ImportingCountry::try_from(value) {
        Ok(ImportingCountry::No) => Some(Country::No),
        Ok(ImportingCountry::Ch) => Some(Country::Ch),
        _ => None,
    }
}

pub fn country_to_proto(country: Country) -> ImportingCountry {
    match country {
        Country::No => ImportingCountry::No,
        Country::Ch => ImportingCountry::Ch,
    }
}

pub fn status_to_proto(status: CaseStatus) -> proto::CaseStatus {
    match status {
        CaseStatus::Open => proto::CaseStatus::Open,
        CaseStatus::DossierRequested => proto::CaseStatus::DossierRequested,
        CaseStatus::DossierReceived => proto::CaseStatus::DossierReceived,
        CaseStatus::Checked => proto::CaseStatus::Checked,
        CaseStatus::Concluded => proto::CaseStatus::Concluded,
        CaseStatus::RevocationRequested => proto::CaseStatus::RevocationRequested,
        CaseStatus::Closed => proto::CaseStatus::Closed,
    }
}

/// A status to filter on; `Ok(None)`: unspecified (every status).
pub fn status_from_proto(value: i32) -> Result<Option<CaseStatus>, prost::UnknownEnumValue> {
    Ok(Some(match proto::CaseStatus::try_from(value)? {
        proto::CaseStatus::Unspecified => return Ok(None),
        proto::CaseStatus::Open => CaseStatus::Open,
        proto::CaseStatus::DossierRequested => CaseStatus::DossierRequested,
        proto::CaseStatus::DossierReceived => CaseStatus::DossierReceived,
        proto::CaseStatus::Checked => CaseStatus::Checked,
        proto::CaseStatus::Concluded => CaseStatus::Concluded,
        proto::CaseStatus::RevocationRequested => CaseStatus::RevocationRequested,
        proto::CaseStatus::Closed => CaseStatus::Closed,
    }))
}

/// An outcome; none for UNSPECIFIED or a value this version does not know.
pub fn outcome_from_proto(value: i32) -> Option<Outcome> {
    match VerificationOutcome::try_from(value).ok()? {
        VerificationOutcome::Unspecified => None,
        VerificationOutcome::RegistrationConfirmed => Some(Outcome::RegistrationConfirmed),
        VerificationOutcome::GspConditionsNotMet => Some(Outcome::GspConditionsNotMet),
        VerificationOutcome::ObligationsNotKept => Some(Outcome::ObligationsNotKept),
        VerificationOutcome::ActivityCeased => Some(Outcome::ActivityCeased),
    }
}

pub fn outcome_to_proto(outcome: Option<Outcome>) -> VerificationOutcome {
    match outcome {
        None => VerificationOutcome::Unspecified,
        Some(Outcome::RegistrationConfirmed) => VerificationOutcome::RegistrationConfirmed,
        Some(Outcome::GspConditionsNotMet) => VerificationOutcome::GspConditionsNotMet,
        Some(Outcome::ObligationsNotKept) => VerificationOutcome::ObligationsNotKept,
        Some(Outcome::ActivityCeased) => VerificationOutcome::ActivityCeased,
    }
}

pub fn ground_to_proto(ground: RevocationGround) -> registration::RevocationGround {
    match ground {
        RevocationGround::GspConditionsNotMet => {
            registration::RevocationGround::GspConditionsNotMet
        }
        RevocationGround::ObligationsNotKept => registration::RevocationGround::ObligationsNotKept,
    }
}

pub fn finding_from_proto(f: CheckFinding) -> Finding {
    Finding {
        document_id: f.document_id,
        complete: f.complete,
        reliable: f.reliable,
        note: f.note,
    }
}

pub fn finding_to_proto(f: &Finding) -> CheckFinding {
    CheckFinding {
        document_id: f.document_id.clone(),
        complete: f.complete,
        reliable: f.reliable,
        note: f.note.clone(),
    }
}

/// The documents of a dossier the check and the conclusion may name: its documents, then the
/// power of attorney.
pub fn dossier_documents(dossier: Option<&GetDossierResponse>) -> Vec<DossierDocument> {
    dossier
        .map(|d| {
            d.documents
                .iter()
                .chain(d.power_of_attorney.iter())
                .map(|doc| DossierDocument {
                    document_id: doc.document_id.clone(),
                    file_name: doc.file_name.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}
