//! The contract's messages and the domain's types, one into the other. Conversions from the
//! wire keep every value (an unknown enum number stays as it is) so that the domain's checks,
//! not the conversion, judge it.

use rex_proto::common::{self, BilingualText, Document, DocumentKind, Language};
use rex_proto::registration as pb;
use rex_registration_domain::statement::Country;
use rex_registration_domain::{self as domain, form};

use crate::store::PersonRow;

pub fn language_code(language: domain::Language) -> i32 {
    match language {
        domain::Language::Kazakh => Language::Kk as i32,
        domain::Language::Russian => Language::Ru as i32,
        domain::Language::English => Language::En as i32,
    }
}

fn text(t: &BilingualText) -> form::BilingualText {
    form::BilingualText {
        primary: t.primary.clone(),
        english: t.english.clone(),
    }
}

fn activity(code: i32) -> form::Activity {
    match pb::Activity::try_from(code) {
        Ok(pb::Activity::Production) => form::Activity::Production,
        Ok(pb::Activity::Trading) => form::Activity::Trading,
        _ => form::Activity::Other(code),
    }
}

/// Boxes 1 to 4 and 6 as the domain sees them.
pub fn data(d: &pb::RegistrationData) -> domain::RegistrationData {
    domain::RegistrationData {
        exporter: d.exporter.as_ref().map(|e| form::Exporter {
            name: e.name.as_ref().map(text),
            address: e.address.as_ref().map(text),
            country: e.country.clone(),
            tin: e.tin.clone(),
        }),
        contact: d.contact.as_ref().map(|c| form::Contact {
            phone: c.phone.clone(),
            fax: c.fax.clone(),
            email: c.email.clone(),
        }),
        activities: d.activities.iter().copied().map(activity).collect(),
        goods: d
            .goods
            .iter()
            .map(|g| form::Goods {
                description: g.description.as_ref().map(text),
                hs_code: g.hs_code.clone(),
            })
            .collect(),
        hs_heading_count: d.hs_heading_count,
        publication_consent: d.publication_consent,
    }
}

fn document_facts(d: &Document) -> form::DocumentFacts {
    let kind = match DocumentKind::try_from(d.kind) {
        Ok(DocumentKind::OriginEvidence) => Some(form::DocumentKind::OriginEvidence),
        Ok(DocumentKind::CommercialDocument) => Some(form::DocumentKind::CommercialDocument),
        Ok(DocumentKind::PowerOfAttorney) => Some(form::DocumentKind::PowerOfAttorney),
        Ok(DocumentKind::CourtDecision) => Some(form::DocumentKind::CourtDecision),
        Ok(DocumentKind::ChangeEvidence) => Some(form::DocumentKind::ChangeEvidence),
        Ok(DocumentKind::RevocationRequest) => Some(form::DocumentKind::RevocationRequest),
        Ok(DocumentKind::Other) => Some(form::DocumentKind::Other),
        Ok(DocumentKind::Unspecified) | Err(_) => None,
    };
    form::DocumentFacts {
        kind,
        has_content: !d.content.is_empty(),
    }
}

/// Application No. 1 as the automatic checks see it.
pub fn application_form(f: &pb::ApplicationForm) -> form::ApplicationForm {
    const SIGNED_ON: &str = "form.undertakings.signed_on";
    form::ApplicationForm {
        data: f.data.as_ref().map(data),
        undertakings: f.undertakings.as_ref().map(|u| form::Undertakings {
            accepted: u.accepted,
            signatory_name: u.signatory_name.clone(),
            signatory_position: u.signatory_position.clone(),
            signed_on: u.signed_on.as_ref().map(|d| {
                match rex_runtime::convert::date_from_proto(SIGNED_ON, Some(d)) {
                    Ok(date) => form::GivenDate::Date(date),
                    Err(v) => form::GivenDate::NotADate {
                        field: v.field,
                        description: v.description,
                    },
                }
            }),
        }),
        representative: f.representative.as_ref().map(|r| form::Representative {
            name: r.name.clone(),
            power_of_attorney: r.power_of_attorney.as_ref().map(document_facts),
        }),
        documents: f.documents.iter().map(document_facts).collect(),
    }
}

pub fn finding_proto(f: &domain::Finding) -> common::Finding {
    common::Finding {
        r#box: f.r#box.clone(),
        field: f.field.clone(),
        rule_id: f.rule_id.clone(),
        message: f.message.clone(),
    }
}

pub fn person_proto(p: &PersonRow) -> pb::AuthorizedPerson {
    pb::AuthorizedPerson {
        person_id: p.person.person_id.clone(),
        full_name: p.person.full_name.clone(),
        position: p.person.position.clone(),
        regional_branch_code: p.person.branch_code.clone(),
        phone: p.person.phone.clone(),
        email: p.person.email.clone(),
        active: p.person.active,
        updated_at: Some(rex_runtime::convert::timestamp_to_proto(p.updated_at)),
    }
}

/// A refusal reason of the contract; none for UNSPECIFIED or an unknown number.
pub fn refusal_reason(code: i32) -> Option<domain::RefusalReason> {
    match pb::RefusalReason::try_from(code) {
        Ok(pb::RefusalReason::Unspecified) | Err(_) => None,
        Ok(r) => domain::RefusalReason::from_code(r.as_str_name()),
    }
}

/// A revocation ground of the contract; none for UNSPECIFIED or an unknown number.
pub fn revocation_ground(code: i32) -> Option<domain::RevocationGround> {
    match pb::RevocationGround::try_from(code) {
        Ok(pb::RevocationGround::Unspecified) | Err(_) => None,
        Ok(g) => domain::RevocationGround::from_code(g.as_str_name()),
    }
}

pub fn revocation_ground_proto(g: domain::RevocationGround) -> i32 {
    pb::RevocationGround::from_str_name(g.code()).unwrap_or_default() as i32
}

pub fn refusal_reason_proto(r: domain::RefusalReason) -> i32 {
    pb::RefusalReason::from_str_name(r.code()).unwrap_or_default() as i32
}

pub fn change_category_proto(c: domain::ChangeCategory) -> i32 {
    pb::ChangeCategory::from_str_name(c.code()).unwrap_or_default() as i32
}

pub fn application_status_proto(s: domain::ApplicationStatus) -> i32 {
    pb::ApplicationStatus::from_str_name(&s.api_name()).unwrap_or_default() as i32
}

pub fn change_status_proto(s: domain::ChangeStatus) -> i32 {
    pb::ChangeStatus::from_str_name(&s.api_name()).unwrap_or_default() as i32
}

pub fn registration_status_proto(s: domain::RegistrationStatus) -> i32 {
    let status = match s {
        domain::RegistrationStatus::Active => pb::RegistrationStatus::Active,
        domain::RegistrationStatus::Revoked => pb::RegistrationStatus::Revoked,
    };
    status as i32
}

pub fn lookup_status_proto(s: domain::LookupStatus) -> pb::LookupStatus {
    match s {
        domain::LookupStatus::NotYetValid => pb::LookupStatus::NotYetValid,
        domain::LookupStatus::Valid => pb::LookupStatus::Valid,
        domain::LookupStatus::Revoked => pb::LookupStatus::Revoked,
    }
}

pub fn statement_reason_proto(r: domain::statement::Reason) -> pb::StatementReason {
    use domain::statement::Reason;
    match r {
        Reason::BelowThreshold => pb::StatementReason::BelowThreshold,
        Reason::NumberRequired => pb::StatementReason::NumberRequired,
        Reason::UnknownNumber => pb::StatementReason::UnknownNumber,
        Reason::MalformedNumber => pb::StatementReason::MalformedNumber,
        Reason::NotYetValid => pb::StatementReason::NotYetValid,
        Reason::Revoked => pb::StatementReason::Revoked,
        Reason::NumberValid => pb::StatementReason::NumberValid,
        Reason::NumberMismatch => pb::StatementReason::NumberMismatch,
        Reason::CountryMismatch => pb::StatementReason::CountryMismatch,
        Reason::OriginCriterionMissing => pb::StatementReason::OriginCriterionMissing,
        Reason::OriginCountryMissing => pb::StatementReason::OriginCountryMissing,
    }
}

/// An importing country of the contract; none for UNSPECIFIED or an unknown number.
pub fn importing_country(code: i32) -> Option<Country> {
    match common::ImportingCountry::try_from(code) {
        Ok(common::ImportingCountry::No) => Some(Country::Norway),
        Ok(common::ImportingCountry::Ch) => Some(Country::Switzerland),
        _ => None,
    }
}

pub fn importing_country_proto(country: Country) -> common::ImportingCountry {
    match country {
        Country::Norway => common::ImportingCountry::No,
        Country::Switzerland => common::ImportingCountry::Ch,
    }
}
