//! The input of each command, validated: once a value exists it is lawful, and nothing past the
//! edge checks it again. Each parse reports every problem of the request at once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rex_calendar::{Calendar, OfficeIntake};
use rex_domain::RegistrationNumber;

use crate::case::Finding;
use crate::error::{Malformed, VerificationError};
use crate::state::{Country, Outcome};

/// How far a receipt may lie ahead of the service's clock (clocks of two offices differ).
const CLOCK_SKEW_MINUTES: i64 = 5;

/// The limits of the case's text fields; past one, the request is refused naming the field.
pub mod limits {
    use rex_domain::TextLimit;

    /// An officer's id, a foreign authority's reference.
    pub const IDENTIFIER: TextLimit = TextLimit::line(128);
    /// What the request is about.
    pub const SUBJECT: TextLimit = TextLimit::paragraphs(1_000);
    /// The conclusion's text (VER-7), which the appeal to revoke carries to Atameken (VER-8).
    pub const CONCLUSION: TextLimit = rex_domain::text::REASONS;
    /// Findings of one check (VER-6).
    pub const MAX_FINDINGS: usize = 500;
    /// A finding's note and the document it names.
    pub const NOTE: TextLimit = TextLimit::paragraphs(4_000);
}

/// `value` of `field` past `limit`, as a problem of the request.
fn over_limit(
    field: &str,
    value: &str,
    limit: rex_domain::TextLimit,
    problems: &mut Vec<VerificationError>,
) {
    if let Err(why) = limit.check(value) {
        problems.push(VerificationError::OverLimit {
            field: field.to_owned(),
            why,
        });
    }
}

/// The trimmed text, unless blank.
fn non_blank(raw: &str) -> Option<String> {
    let text = raw.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// An officer of the Ministry, as the access tokens name them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfficerId(String);

impl OfficerId {
    /// The trimmed id, unless blank.
    pub fn parse(raw: &str) -> Option<Self> {
        non_blank(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// OpenCase's fields as the contract carries them (the edge has only changed their types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCaseFields {
    /// None: a country whose requests are not verified, or none.
    pub requesting_country: Option<Country>,
    pub foreign_reference: String,
    pub registration_number: String,
    pub subject: String,
    pub responsible_officer_id: String,
    pub received_at: Result<DateTime<Utc>, Malformed>,
}

/// An official request to open a case on (VER-1), registered under the intake rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub requesting_country: Country,
    pub foreign_reference: String,
    pub registration_number: RegistrationNumber,
    pub subject: String,
    pub responsible_officer_id: OfficerId,
    pub received_at: DateTime<Utc>,
    /// The date the request counts as received: the periods of VER-2 and VER-4 run from it.
    pub received_on: NaiveDate,
}

impl NewCase {
    /// VER-1 (an official request of Norway or Switzerland, with its reference, on a
    /// well-formed number, REG-7), VER-2 (an officer answers for the deadlines; a receipt is
    /// not in the future). A request received after 17:00 or on a day off is registered on the
    /// next working day, and the periods run from that date (calendar.md rule 7).
    pub fn parse(
        fields: OpenCaseFields,
        now: DateTime<Utc>,
        calendar: &Calendar,
    ) -> Result<Self, VerificationError> {
        let mut problems = Vec::new();
        if fields.requesting_country.is_none() {
            problems.push(VerificationError::Ver1CountryNotCovered);
        }
        for (field, value, limit) in [
            (
                "foreign_reference",
                &fields.foreign_reference,
                limits::IDENTIFIER,
            ),
            ("subject", &fields.subject, limits::SUBJECT),
            (
                "responsible_officer_id",
                &fields.responsible_officer_id,
                limits::IDENTIFIER,
            ),
            (
                "registration_number",
                &fields.registration_number,
                limits::IDENTIFIER,
            ),
        ] {
            over_limit(field, value, limit, &mut problems);
        }
        // A value past its limit is not read further.
        if problems
            .iter()
            .any(|p| matches!(p, VerificationError::OverLimit { .. }))
        {
            return Err(VerificationError::Invalid(problems));
        }
        let foreign_reference = non_blank(&fields.foreign_reference);
        if foreign_reference.is_none() {
            problems.push(VerificationError::Ver1ForeignReferenceRequired);
        }
        let number = fields
            .registration_number
            .trim()
            .parse::<RegistrationNumber>();
        if let Err(e) = &number {
            problems.push(VerificationError::Reg7RegistrationNumber(e.clone()));
        }
        let officer = OfficerId::parse(&fields.responsible_officer_id);
        if officer.is_none() {
            problems.push(VerificationError::Ver2ResponsibleOfficerRequired);
        }
        let received_at = match fields.received_at {
            Ok(at) if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) => {
                problems.push(VerificationError::Ver2ReceivedInTheFuture { at });
                None
            }
            Ok(at) => Some(at),
            Err(malformed) => {
                problems.push(VerificationError::Malformed(malformed));
                None
            }
        };
        // Each part missing here was reported above.
        let (
            Some(requesting_country),
            Some(foreign_reference),
            Ok(registration_number),
            Some(responsible_officer_id),
            Some(received_at),
        ) = (
            fields.requesting_country,
            foreign_reference,
            number,
            officer,
            received_at,
        )
        else {
            return Err(VerificationError::Invalid(problems));
        };
        let intake = OfficeIntake::default()
            .register(calendar, received_at)
            .map_err(VerificationError::IntakeOutOfCalendar)?;
        Ok(Self {
            requesting_country,
            foreign_reference,
            registration_number,
            subject: fields.subject.trim().to_owned(),
            responsible_officer_id,
            received_at,
            received_on: intake.registered_on,
        })
    }
}

/// A check to record (VER-6): who checked, and at least one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInput {
    pub officer_id: OfficerId,
    pub findings: Vec<Finding>,
}

impl CheckInput {
    pub fn parse(officer_id: &str, findings: Vec<Finding>) -> Result<Self, VerificationError> {
        let mut problems = Vec::new();
        over_limit("officer_id", officer_id, limits::IDENTIFIER, &mut problems);
        if findings.len() > limits::MAX_FINDINGS {
            problems.push(VerificationError::OverLimit {
                field: "findings".into(),
                why: format!(
                    "has {} findings; at most {} are accepted",
                    findings.len(),
                    limits::MAX_FINDINGS
                ),
            });
        }
        for (i, f) in findings.iter().enumerate().take(limits::MAX_FINDINGS) {
            over_limit(
                &format!("findings[{i}].note"),
                &f.note,
                limits::NOTE,
                &mut problems,
            );
            over_limit(
                &format!("findings[{i}].document_id"),
                &f.document_id,
                limits::IDENTIFIER,
                &mut problems,
            );
        }
        let officer_id = OfficerId::parse(officer_id);
        if officer_id.is_none() {
            problems.push(VerificationError::Ver6OfficerRequired);
        }
        if findings.is_empty() {
            problems.push(VerificationError::Ver6FindingsRequired);
        }
        match officer_id {
            Some(officer_id) if problems.is_empty() => Ok(Self {
                officer_id,
                findings,
            }),
            _ => Err(VerificationError::Invalid(problems)),
        }
    }
}

/// A conclusion to issue (VER-7): its outcome, its text and who draws it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConclusionInput {
    pub outcome: Outcome,
    pub text: String,
    pub officer_id: OfficerId,
    /// The officer's name and position, as their token gives them (none from a service).
    pub signatory: Signatory,
    /// The exporter as Atameken's dossier names it; none when no dossier came (VER-5).
    pub exporter_name: Option<String>,
    /// The authorized body the conclusion is issued by (VER-9): the configured Ministry.
    pub authority: rex_domain::organisation::Localized,
}

/// Who signs a conclusion, as the caller's token names them; empty where it does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signatory {
    pub name: String,
    pub position: String,
}

impl ConclusionInput {
    /// `outcome`: none when the request named none.
    pub fn parse(
        outcome: Option<Outcome>,
        text: &str,
        officer_id: &str,
    ) -> Result<Self, VerificationError> {
        let mut problems = Vec::new();
        over_limit("text", text, limits::CONCLUSION, &mut problems);
        over_limit("officer_id", officer_id, limits::IDENTIFIER, &mut problems);
        let text = non_blank(text);
        let officer_id = OfficerId::parse(officer_id);
        if outcome.is_none() {
            problems.push(VerificationError::Ver7OutcomeRequired);
        }
        if text.is_none() {
            problems.push(VerificationError::Ver7TextRequired);
        }
        if officer_id.is_none() {
            problems.push(VerificationError::Ver7OfficerRequired);
        }
        // Each part missing here was reported above.
        match (outcome, text, officer_id) {
            (Some(outcome), Some(text), Some(officer_id)) if problems.is_empty() => Ok(Self {
                outcome,
                text,
                officer_id,
                signatory: Signatory::default(),
                exporter_name: None,
                // The shipped details until the service gives its configured ones.
                authority: rex_domain::Organisations::shipped().ministry.name,
            }),
            _ => Err(VerificationError::Invalid(problems)),
        }
    }
}

/// An appeal to revoke (VER-8): who sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationInput {
    pub officer_id: OfficerId,
}

impl RevocationInput {
    pub fn parse(officer_id: &str) -> Result<Self, VerificationError> {
        let mut problems = Vec::new();
        over_limit("officer_id", officer_id, limits::IDENTIFIER, &mut problems);
        if !problems.is_empty() {
            return Err(VerificationError::Invalid(problems));
        }
        let officer_id =
            OfficerId::parse(officer_id).ok_or(VerificationError::Ver8OfficerRequired)?;
        Ok(Self { officer_id })
    }
}

#[cfg(test)]
mod tests;

/// A consultation of REX data in a case (VER-3, restated): which number, what was seen, who.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RexConsultationInput {
    pub registration_number: RegistrationNumber,
    pub seen: String,
    pub officer_id: OfficerId,
}

impl RexConsultationInput {
    /// Every problem at once: the number (REG-7), what was seen, who.
    pub fn parse(number: &str, seen: &str, officer_id: &str) -> Result<Self, VerificationError> {
        let mut problems = Vec::new();
        over_limit(
            "registration_number",
            number,
            limits::IDENTIFIER,
            &mut problems,
        );
        over_limit("seen", seen, limits::NOTE, &mut problems);
        over_limit("officer_id", officer_id, limits::IDENTIFIER, &mut problems);
        if !problems.is_empty() {
            return Err(VerificationError::Invalid(problems));
        }
        let number = number
            .trim()
            .parse::<RegistrationNumber>()
            .map_err(|e| problems.push(VerificationError::Reg7RegistrationNumber(e)))
            .ok();
        let seen = non_blank(seen);
        if seen.is_none() {
            problems.push(VerificationError::Ver3SeenRequired);
        }
        let officer_id = OfficerId::parse(officer_id);
        if officer_id.is_none() {
            problems.push(VerificationError::Ver3OfficerRequired);
        }
        match (number, seen, officer_id) {
            (Some(registration_number), Some(seen), Some(officer_id)) if problems.is_empty() => {
                Ok(Self {
                    registration_number,
                    seen,
                    officer_id,
                })
            }
            _ => Err(VerificationError::Invalid(problems)),
        }
    }
}
