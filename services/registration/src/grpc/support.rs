//! What every handler of the edge shares: the status of a refusal of law, required fields,
//! documents' shape, numbers.

use rex_domain::TextLimit;
use rex_domain::text::{MEDIA_TYPES, media_type_ok, safe_file_name};
use rex_proto::common::{Document, DocumentKind};
use rex_registration_domain::{ErrorKind, Finding, RegistrationError, RegistrationNumber, limits};
use rex_runtime::auth::{Caller, acting_person, ensure_branch};
use rex_runtime::status::{FieldViolation, from_db, invalid_field, quote};
use sha2::{Digest, Sha256};
use tonic::Status;

/// The largest document accepted in one request.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

pub fn db_err(err: sqlx::Error) -> Status {
    from_db(err)
}

/// The status of a refusal of law: its message names the rule; a fault in the request names
/// the field as well.
pub fn refused(err: RegistrationError) -> Status {
    let message = err.to_string();
    match err.kind() {
        ErrorKind::InvalidField(field) => invalid_field(field, message),
        ErrorKind::AlreadyExists => Status::already_exists(message),
        ErrorKind::FailedPrecondition => Status::failed_precondition(message),
        ErrorKind::Exhausted => Status::resource_exhausted(message),
    }
}

/// A period of `rule` that ends outside the calendar's years.
pub fn out_of_range(rule: &'static str, err: impl std::fmt::Display) -> Status {
    refused(RegistrationError::PeriodOutOfRange {
        rule,
        message: err.to_string(),
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn parse_number(field: &str, text: &str) -> Result<RegistrationNumber, Status> {
    rex_registration_domain::number::read(text).map_err(|e| invalid_field(field, e))
}

pub fn required(field: &str, value: &str, rule: &str) -> Option<FieldViolation> {
    value
        .trim()
        .is_empty()
        .then(|| FieldViolation::new(field, format!("is required ({rule})")))
}

/// The required fields of `fields` (`(field, value, rule)`) that are blank.
pub fn missing(fields: &[(&str, &str, &str)]) -> Vec<FieldViolation> {
    fields
        .iter()
        .filter_map(|(field, value, rule)| required(field, value, rule))
        .collect()
}

/// Who acts in a write: the person recorded, and the caller whose branch bounds what it may
/// touch.
#[derive(Debug)]
pub struct Actor {
    pub person: String,
    caller: Option<Caller>,
}

impl Actor {
    /// The person who acts is the token's subject: the request's `field` may name that person
    /// or be left blank, and names another only when a service acts for its own caller
    /// (`rex_runtime::auth::acting_person`). Without authentication (development) the field is
    /// all there is: blank, it is a violation of `rule` added to `v`.
    pub fn of(
        caller: Option<Caller>,
        field: &str,
        named: &str,
        rule: &str,
        v: &mut Vec<FieldViolation>,
    ) -> Result<Actor, Status> {
        // Past its limit the field is not compared with anyone.
        if let Err(why) = limits::IDENTIFIER.check(named) {
            return Err(invalid_field(field, why));
        }
        let person = match &caller {
            Some(c) => acting_person(Some(c), field, named)?,
            None => {
                v.extend(required(field, named, rule));
                named.trim().to_owned()
            }
        };
        Ok(Actor { person, caller })
    }

    /// An Atameken officer acts on its own branch's `what` only.
    pub fn on_branch(&self, branch: &str, what: &str) -> Result<(), Status> {
        ensure_branch(self.caller.as_ref(), branch, what)
    }
}

pub fn findings_as_violations(findings: &[Finding]) -> Vec<FieldViolation> {
    findings
        .iter()
        .map(|f| FieldViolation::new(&f.field, format!("{} ({})", f.message, f.rule_id)))
        .collect()
}

/// Checks a document's shape; the content's SHA-256 when given must match.
pub fn check_document(field: &str, doc: &Document, out: &mut Vec<FieldViolation>) {
    if DocumentKind::try_from(doc.kind).map_or(true, |k| k == DocumentKind::Unspecified) {
        out.push(FieldViolation::new(
            format!("{field}.kind"),
            "must be a DocumentKind other than UNSPECIFIED",
        ));
    }
    if doc.file_name.trim().is_empty() {
        out.push(FieldViolation::new(
            format!("{field}.file_name"),
            "is required",
        ));
    } else if safe_file_name(&doc.file_name).is_none() {
        out.push(FieldViolation::new(
            format!("{field}.file_name"),
            format!(
                "{} names no file: give the document's own name",
                quote(&doc.file_name)
            ),
        ));
    }
    if !media_type_ok(&doc.media_type) {
        out.push(FieldViolation::new(
            format!("{field}.media_type"),
            format!(
                "{} is not accepted; one of {}",
                quote(&doc.media_type),
                MEDIA_TYPES.join(", ")
            ),
        ));
    }
    if doc.content.is_empty() {
        out.push(FieldViolation::new(
            format!("{field}.content"),
            "is empty: attach the document's content",
        ));
    } else if doc.content.len() > MAX_DOCUMENT_BYTES {
        out.push(FieldViolation::new(
            format!("{field}.content"),
            format!(
                "is {} bytes; at most {MAX_DOCUMENT_BYTES} bytes per document",
                doc.content.len()
            ),
        ));
    }
    if !doc.sha256.is_empty()
        && !doc.content.is_empty()
        && doc.sha256.to_ascii_lowercase() != sha256_hex(&doc.content)
    {
        out.push(FieldViolation::new(
            format!("{field}.sha256"),
            "does not match the content's SHA-256: the document was damaged in transit",
        ));
    }
}

/// The documents of a request at `field`: their number within the limit, then each one's shape.
pub fn check_documents(field: &str, documents: &[Document], out: &mut Vec<FieldViolation>) {
    if documents.len() > limits::MAX_DOCUMENTS {
        out.push(FieldViolation::new(
            field,
            format!(
                "has {} documents; at most {} are accepted in one request",
                documents.len(),
                limits::MAX_DOCUMENTS
            ),
        ));
        return;
    }
    for (i, doc) in documents.iter().enumerate() {
        check_document(&format!("{field}[{i}]"), doc, out);
    }
}

/// The fields past their limits, of `(field, value, limit)`.
pub fn limited(fields: &[(&str, &str, TextLimit)]) -> Vec<FieldViolation> {
    fields
        .iter()
        .filter_map(|(field, value, limit)| {
            limit
                .check(value)
                .err()
                .map(|why| FieldViolation::new(*field, why))
        })
        .collect()
}

/// Violations of the domain's limits, as the edge reports them.
pub fn violations(found: Vec<limits::Violation>) -> Vec<FieldViolation> {
    found
        .into_iter()
        .map(|(field, why)| FieldViolation::new(field, why))
        .collect()
}

/// Numbered positions of a request's documents, as they are stored.
pub fn positioned(documents: &[Document]) -> Vec<(i64, &Document)> {
    documents
        .iter()
        .enumerate()
        .map(|(i, d)| (i as i64, d))
        .collect()
}
