//! A SendNotification request: what every notice needs, checked once; what its templates may
//! quote.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::error::{FieldError, NotificationError};
use crate::kinds::{Channel, Language, NoticeKind};

/// A SendNotification request as the edge read it; `None` where a value was not given or is
/// not one of the enum's values, the due date's fault as the edge found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    pub idempotency_key: String,
    pub kind: Option<NoticeKind>,
    pub channel: Option<Channel>,
    pub recipient: String,
    pub recipient_email: String,
    pub primary_language: Option<Language>,
    pub facts: BTreeMap<String, String>,
    pub due_on: Result<NaiveDate, FieldError>,
    pub rule_id: String,
}

/// A request with everything a notice needs: once it exists nothing re-checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendInput {
    pub idempotency_key: String,
    pub kind: NoticeKind,
    pub channel: Channel,
    pub recipient: String,
    pub recipient_email: String,
    /// The application's language first, then English.
    pub languages: Vec<Language>,
    pub facts: BTreeMap<String, String>,
    pub due_on: NaiveDate,
    pub rule_id: String,
}

/// The limits of a request's fields; past one the notice is refused naming the field.
pub mod limits {
    use rex_domain::TextLimit;

    /// The recipient, the rule.
    pub const IDENTIFIER: TextLimit = TextLimit::line(128);
    /// The sender's key of a notice: it names the notice's subject (an authorized person's id
    /// of up to 128 characters among them) and a kind.
    pub const KEY: TextLimit = TextLimit::line(256);
    /// An e-mail address (RFC 5321's longest path).
    pub const EMAIL: TextLimit = TextLimit::line(254);
    /// A fact's name, as templates quote it.
    pub const FACT_NAME: TextLimit = TextLimit::code(64);
    /// A fact's value: reasons and explanations among them, as long as any service accepts.
    pub const FACT_VALUE: TextLimit = rex_domain::text::REASONS;
    /// Facts of one notice.
    pub const MAX_FACTS: usize = 100;
}

fn limited(value: &str, field: &str, limit: rex_domain::TextLimit, faults: &mut Vec<FieldError>) {
    if let Err(why) = limit.check(value) {
        faults.push(FieldError::new(field, why));
    }
}

fn required(value: &str, field: &str, why: &str, faults: &mut Vec<FieldError>) {
    if value.trim().is_empty() {
        faults.push(FieldError::new(field, why));
    }
}

impl SendRequest {
    /// Checks what every notice needs, naming every fault at once.
    pub fn validate(self) -> Result<SendInput, NotificationError> {
        let mut faults = Vec::new();
        limited(
            &self.idempotency_key,
            "idempotency_key",
            limits::KEY,
            &mut faults,
        );
        limited(
            &self.recipient,
            "recipient",
            limits::IDENTIFIER,
            &mut faults,
        );
        limited(
            &self.recipient_email,
            "recipient_email",
            limits::EMAIL,
            &mut faults,
        );
        limited(&self.rule_id, "rule_id", limits::IDENTIFIER, &mut faults);
        if self.facts.len() > limits::MAX_FACTS {
            faults.push(FieldError::new(
                "facts",
                format!(
                    "has {} facts; at most {} are accepted",
                    self.facts.len(),
                    limits::MAX_FACTS
                ),
            ));
        } else {
            for (name, value) in &self.facts {
                // A bad name is not repeated in the field's path.
                match limits::FACT_NAME.check(name) {
                    Err(why) => faults.push(FieldError::new("facts", why)),
                    Ok(()) => limited(
                        value,
                        &format!("facts[{name}]"),
                        limits::FACT_VALUE,
                        &mut faults,
                    ),
                }
            }
        }
        required(
            &self.idempotency_key,
            "idempotency_key",
            "is required: a notice is sent once per key, never twice",
            &mut faults,
        );
        if self.kind.is_none() {
            faults.push(FieldError::new(
                "kind",
                "must be a NotificationKind other than UNSPECIFIED",
            ));
        }
        if self.channel.is_none() {
            faults.push(FieldError::new("channel", "must be EMAIL, INBOX or PAPER"));
        }
        required(
            &self.recipient,
            "recipient",
            "is required: the exporter's TIN or the officer's id",
            &mut faults,
        );
        if self.channel == Some(Channel::Email) && !self.recipient_email.contains('@') {
            faults.push(FieldError::new(
                "recipient_email",
                format!(
                    "{} is not an e-mail address; EMAIL needs one",
                    rex_domain::quote(&self.recipient_email)
                ),
            ));
        }
        if self.primary_language.is_none() {
            faults.push(FieldError::new(
                "primary_language",
                "must be KK or RU (the application's language); EN for English only",
            ));
        }
        required(
            &self.rule_id,
            "rule_id",
            "is required: the rule that requires the notice, e.g. REG-8",
            &mut faults,
        );
        let due_on = self.due_on.map_err(|fault| faults.push(fault)).ok();
        match (self.kind, self.channel, self.primary_language, due_on) {
            (Some(kind), Some(channel), Some(primary), Some(due_on)) if faults.is_empty() => {
                Ok(SendInput {
                    idempotency_key: self.idempotency_key.trim().to_owned(),
                    kind,
                    channel,
                    recipient: self.recipient.trim().to_owned(),
                    recipient_email: self.recipient_email.trim().to_owned(),
                    languages: primary.with_english(),
                    facts: self.facts,
                    due_on,
                    rule_id: self.rule_id.trim().to_owned(),
                })
            }
            _ => Err(NotificationError::IncompleteRequest(faults)),
        }
    }
}

impl SendInput {
    /// The facts its templates may quote: the request's, and the rule and the due date, which
    /// are facts of every notice (the request's own value wins).
    pub fn context(&self) -> BTreeMap<String, String> {
        let mut context = self.facts.clone();
        context
            .entry("rule_id".into())
            .or_insert_with(|| self.rule_id.clone());
        context
            .entry("due_on".into())
            .or_insert_with(|| self.due_on.to_string());
        context
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::notice::tests::date;
    use crate::render::Templates;

    pub(crate) fn request() -> SendRequest {
        SendRequest {
            idempotency_key: " k-1 ".into(),
            kind: Some(NoticeKind::RegistrationConfirmed),
            channel: Some(Channel::Email),
            recipient: " 110340517504 ".into(),
            recipient_email: "altyndan@example.kz".into(),
            primary_language: Some(Language::Ru),
            facts: [
                ("registration_number", "KZREX002190320260001"),
                ("application_registration_date", "2026-03-19"),
                ("assigned_on", "2026-03-20"),
                ("exporter_name", "ТОО «Алтын Дән»"),
                ("exporter_name_en", "Altyn Dan LLP"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            due_on: Ok(date("2026-03-27")),
            rule_id: " REG-8 ".into(),
        }
    }

    fn message(r: SendRequest) -> String {
        match r.validate() {
            Ok(_) => "valid".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_notice_request_names_every_missing_or_wrong_field() {
        let cases: Vec<(SendRequest, &str)> = vec![
            (request(), "valid"),
            (
                SendRequest {
                    idempotency_key: "  ".into(),
                    ..request()
                },
                "idempotency_key: is required: a notice is sent once per key, never twice",
            ),
            (
                SendRequest {
                    kind: None,
                    ..request()
                },
                "kind: must be a NotificationKind other than UNSPECIFIED",
            ),
            (
                SendRequest {
                    channel: None,
                    ..request()
                },
                "channel: must be EMAIL, INBOX or PAPER",
            ),
            (
                SendRequest {
                    recipient: String::new(),
                    ..request()
                },
                "recipient: is required: the exporter's TIN or the officer's id",
            ),
            (
                SendRequest {
                    recipient_email: String::new(),
                    ..request()
                },
                "recipient_email: \"\" is not an e-mail address; EMAIL needs one",
            ),
            (
                SendRequest {
                    recipient_email: String::new(),
                    channel: Some(Channel::Inbox),
                    ..request()
                },
                "valid",
            ),
            (
                SendRequest {
                    primary_language: None,
                    ..request()
                },
                "primary_language: must be KK or RU (the application's language); EN for English only",
            ),
            (
                SendRequest {
                    rule_id: String::new(),
                    ..request()
                },
                "rule_id: is required: the rule that requires the notice, e.g. REG-8",
            ),
            (
                SendRequest {
                    due_on: Err(FieldError::new("due_on", "is required (a full date)")),
                    ..request()
                },
                "due_on: is required (a full date)",
            ),
            (
                SendRequest {
                    idempotency_key: String::new(),
                    kind: None,
                    due_on: Err(FieldError::new("due_on", "is required (a full date)")),
                    ..request()
                },
                "idempotency_key: is required: a notice is sent once per key, never twice; kind: must be a NotificationKind other than UNSPECIFIED; due_on: is required (a full date)",
            ),
        ];
        for (r, expected) in cases {
            assert_eq!(message(r), expected);
        }
    }

    #[test]
    fn reg_8_a_notice_names_the_facts_its_rule_requires() {
        let t = Templates::shipped().unwrap();
        let mut r = request();
        r.facts.retain(|k, _| k == "registration_number");
        let err = t.render_notice(&r.validate().unwrap()).unwrap_err();
        assert_eq!(err.fields()[0].field, "facts.application_registration_date");
        assert!(
            err.to_string().starts_with("facts.application_registration_date: is required by the NOTIFICATION_KIND_REGISTRATION_CONFIRMED notice (REG-8); "),
            "{err}"
        );
    }

    #[test]
    fn reg_8_a_notice_is_rendered_in_the_applications_language_then_english() {
        let t = Templates::shipped().unwrap();
        let input = request().validate().unwrap();
        assert_eq!(input.languages, vec![Language::Ru, Language::En]);
        let text = t.render_notice(&input).unwrap();
        assert_eq!(
            text.subject,
            "Регистрация в системе REX — KZREX002190320260001 / Registration in the REX system — KZREX002190320260001"
        );
        assert!(
            text.body
                .contains("\n\n----------------------------------------\n\n")
        );
        assert!(text.body.ends_with('\n'));
    }

    #[test]
    fn every_field_of_a_request_is_held_to_its_limit() {
        let mut r = request();
        r.recipient = "x".repeat(1 << 20);
        r.idempotency_key = "k\u{0}".into();
        r.facts.insert("name\u{202E}".into(), "v".into());
        r.facts.insert("reason".into(), "y".repeat(20_001));
        let Err(NotificationError::IncompleteRequest(faults)) = r.validate() else {
            panic!("accepted");
        };
        let fields: Vec<&str> = faults.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["idempotency_key", "recipient", "facts", "facts[reason]"]
        );
        assert!(
            faults.iter().all(|f| f.description.len() < 300),
            "{faults:?}"
        );
        // A sender's key names the notice's subject: an authorized person's id of 128
        // characters makes a longer key, which is accepted.
        let mut r = request();
        r.idempotency_key = format!(
            "authorized-persons-changed:{}:{}",
            "p".repeat(128),
            "u".repeat(36)
        );
        assert!(r.validate().is_ok());
    }
}
