//! SendNotification's decision: the notice a request becomes, and the idempotency rule (the
//! same key and request give the stored notice; the same key and another request are refused).

use chrono::{DateTime, Utc};

use crate::error::NotificationError;
use crate::kinds::{Channel, DeliveryState};
use crate::notice::{AuditFact, Event, Notice};
use crate::render::Rendered;
use crate::request::SendInput;
use crate::retention;

/// What the edge gives a new notice: its id, and the hash of the request that asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id: String,
    pub request_sha256: String,
}

/// A new notice to keep, with its first events and its audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub notice: Notice,
    pub events: Vec<Event>,
    pub audit: AuditFact,
}

/// What SendNotification does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendDecision {
    /// The same request again: the stored notice, sent nothing twice.
    Replay(Notice),
    /// A new notice.
    Accept(Accepted),
}

/// Decides a SendNotification: `existing` is the notice already kept under the request's key.
/// An inbox notice is sent when placed in the inbox; an e-mail waits for the mail server, a
/// letter for its hand-over.
pub fn decide(
    existing: Option<Notice>,
    input: SendInput,
    text: Rendered,
    identity: Identity,
    now: DateTime<Utc>,
) -> Result<SendDecision, NotificationError> {
    if let Some(previous) = existing {
        if previous.request_sha256 == identity.request_sha256 {
            return Ok(SendDecision::Replay(previous));
        }
        return Err(NotificationError::KeyUsedForAnotherNotice {
            key: input.idempotency_key,
        });
    }
    let inbox = input.channel == Channel::Inbox;
    let mut events = vec![Event::new(now, DeliveryState::Pending, "accepted")];
    match input.channel {
        Channel::Inbox => events.push(Event::new(
            now,
            DeliveryState::Sent,
            "placed in the exporter's inbox",
        )),
        Channel::Paper => events.push(Event::new(
            now,
            DeliveryState::Pending,
            "letter ready to print; awaiting hand-over",
        )),
        Channel::Email => {}
    }
    let audit = AuditFact {
        action: "SendNotification",
        subject: identity.id.clone(),
        request: input.idempotency_key.clone(),
        outcome: text.body.clone(),
    };
    let notice = Notice {
        id: identity.id,
        idempotency_key: input.idempotency_key,
        request_sha256: identity.request_sha256,
        kind: input.kind,
        recipient: input.recipient,
        recipient_email: input.recipient_email,
        channel: input.channel,
        languages: input.languages,
        facts: input.facts,
        due_on: input.due_on,
        rule_id: input.rule_id,
        subject: text.subject,
        body: text.body,
        // Numbered when kept: the number comes from the sender's sequence in the store.
        reference: String::new(),
        state: if inbox {
            DeliveryState::Sent
        } else {
            DeliveryState::Pending
        },
        created_at: Some(now),
        sent_at: inbox.then_some(now),
        delivered_at: None,
        acknowledged_at: None,
        failed_reason: String::new(),
        attempts: 0,
        keep_until: retention::keep_until(now, input.due_on),
    };
    Ok(SendDecision::Accept(Accepted {
        notice,
        events,
        audit,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::{at, date};
    use crate::request::tests::request;

    fn identity(sha: &str) -> Identity {
        Identity {
            id: "n-1".into(),
            request_sha256: sha.into(),
        }
    }

    fn accept(channel: Channel) -> Accepted {
        let input = SendInput {
            channel,
            ..request().validate().unwrap()
        };
        let text = Rendered {
            subject: "s".into(),
            body: "b\n".into(),
        };
        match decide(
            None,
            input,
            text,
            identity("aa"),
            at("2026-03-20T05:00:00Z"),
        ) {
            Ok(SendDecision::Accept(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn idempotency_the_same_key_and_request_give_the_stored_notice() {
        let stored = accept(Channel::Email).notice;
        let cases = [
            ("aa", Ok(SendDecision::Replay(stored.clone()))),
            (
                "bb",
                Err(NotificationError::KeyUsedForAnotherNotice { key: "k-1".into() }),
            ),
        ];
        for (sha, expected) in cases {
            let decision = decide(
                Some(stored.clone()),
                request().validate().unwrap(),
                Rendered {
                    subject: "other".into(),
                    body: "other".into(),
                },
                identity(sha),
                at("2026-03-21T05:00:00Z"),
            );
            assert_eq!(decision, expected, "{sha}");
        }
        assert_eq!(
            NotificationError::KeyUsedForAnotherNotice { key: "k-1".into() }.to_string(),
            "idempotency_key \"k-1\" was already used for a different notice"
        );
    }

    #[test]
    fn reg_8_an_inbox_notice_is_sent_on_acceptance_and_others_wait() {
        let now = at("2026-03-20T05:00:00Z");
        // (channel, state, sent_at, event details)
        let cases = [
            (
                Channel::Email,
                DeliveryState::Pending,
                None,
                vec![(DeliveryState::Pending, "accepted")],
            ),
            (
                Channel::Inbox,
                DeliveryState::Sent,
                Some(now),
                vec![
                    (DeliveryState::Pending, "accepted"),
                    (DeliveryState::Sent, "placed in the exporter's inbox"),
                ],
            ),
            (
                Channel::Paper,
                DeliveryState::Pending,
                None,
                vec![
                    (DeliveryState::Pending, "accepted"),
                    (
                        DeliveryState::Pending,
                        "letter ready to print; awaiting hand-over",
                    ),
                ],
            ),
        ];
        for (channel, state, sent_at, events) in cases {
            let a = accept(channel);
            assert_eq!(
                (a.notice.state, a.notice.sent_at),
                (state, sent_at),
                "{channel}"
            );
            let got: Vec<(DeliveryState, &str)> = a
                .events
                .iter()
                .map(|e| (e.state, e.detail.as_str()))
                .collect();
            assert_eq!(got, events, "{channel}");
            assert_eq!(
                (
                    a.notice.idempotency_key.as_str(),
                    a.notice.recipient.as_str()
                ),
                ("k-1", "110340517504"),
                "trimmed"
            );
            assert_eq!(
                (
                    a.audit.action,
                    a.audit.request.as_str(),
                    a.audit.outcome.as_str()
                ),
                ("SendNotification", "k-1", "b\n")
            );
        }
    }

    #[test]
    fn ret_2_a_new_notice_is_kept_3_years_from_its_acceptance() {
        assert_eq!(accept(Channel::Inbox).notice.keep_until, date("2029-03-20"));
    }
}
