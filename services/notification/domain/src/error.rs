//! Why a command on notices is refused: one variant per rule, the message saying what to fix.

use crate::kinds::NoticeKind;

/// One field of a request that is missing or wrong, and what the rule wants of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The request's field path, e.g. `recipient_email` or `facts.registration_number`.
    pub field: String,
    pub description: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// "field: description; field: description", as the client reads it.
fn list(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A command the law or the request does not allow. [`NotificationError::fields`] names the
/// request fields at fault where the fault is in the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// A SendNotification request without what every notice needs (its key, kind, channel,
    /// recipient, language, rule and due date), every fault named.
    #[error("{}", list(.0))]
    IncompleteRequest(Vec<FieldError>),
    /// The notice's templates quote facts the request does not give; the rule that requires the
    /// notice (its `rule_id`) requires them.
    #[error("{}", list(&missing_facts(*.kind, .rule_id, .facts)))]
    MissingFacts {
        kind: NoticeKind,
        rule_id: String,
        facts: Vec<String>,
    },
    /// Idempotency: a key names one notice; another request under it is refused, never sent.
    #[error(
        "idempotency_key {} was already used for a different notice",
        rex_domain::quote(key)
    )]
    KeyUsedForAnotherNotice { key: String },
    /// Idempotency: the same key was being accepted at the same moment elsewhere.
    #[error("the same notice was sent concurrently; retry with the same key")]
    SentConcurrently,
    #[error("notification_id: no notification {}", rex_domain::quote(id))]
    NoSuchNotice { id: String },
    /// REG-8: an inbox is an exporter's; whose must be said.
    #[error("recipient: is required: the exporter's TIN (REG-8)")]
    Reg8InboxWithoutRecipient,
    /// A template that compiled fails to render: a fault of the templates, not of the request.
    #[error("template {stem}: {message}")]
    Template { stem: &'static str, message: String },
}

fn missing_facts(kind: NoticeKind, rule_id: &str, facts: &[String]) -> Vec<FieldError> {
    facts
        .iter()
        .map(|n| {
            FieldError::new(
                format!("facts.{n}"),
                format!("is required by the NOTIFICATION_KIND_{kind} notice ({rule_id})"),
            )
        })
        .collect()
}

impl NotificationError {
    /// The request fields at fault, where the fault is in the request.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            NotificationError::IncompleteRequest(fields) => fields.clone(),
            NotificationError::MissingFacts {
                kind,
                rule_id,
                facts,
            } => missing_facts(*kind, rule_id, facts),
            NotificationError::Reg8InboxWithoutRecipient => vec![FieldError::new(
                "recipient",
                "is required: the exporter's TIN (REG-8)",
            )],
            NotificationError::KeyUsedForAnotherNotice { .. }
            | NotificationError::SentConcurrently
            | NotificationError::NoSuchNotice { .. }
            | NotificationError::Template { .. } => Vec::new(),
        }
    }
}
