//! AcknowledgeNotification: the exporter's read receipt (inbox) or the officer's confirmation
//! that the letter was handed over (paper). Either delivers the notice (REG-8).

use chrono::{DateTime, Utc};

use crate::kinds::{Channel, DeliveryState};
use crate::notice::{AuditFact, Event, Notice};

/// The first acknowledgement of a notice: it is delivered and acknowledged at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    pub at: DateTime<Utc>,
    pub event: Event,
    pub audit: AuditFact,
}

/// REG-8: decides an acknowledgement of `notice` (asked for as `requested_id`). Only the first
/// counts; acknowledging again changes nothing, so a retry is harmless.
pub fn decide(notice: &Notice, requested_id: &str, now: DateTime<Utc>) -> Option<Acknowledgement> {
    if notice.acknowledged_at.is_some() {
        return None;
    }
    let detail = match notice.channel {
        Channel::Paper => "letter handed over (confirmed by the officer)",
        Channel::Email | Channel::Inbox => "read receipt",
    };
    Some(Acknowledgement {
        at: now,
        event: Event::new(now, DeliveryState::Delivered, detail),
        audit: AuditFact {
            action: "AcknowledgeNotification",
            subject: notice.id.clone(),
            request: requested_id.to_owned(),
            outcome: detail.to_owned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::{at, notice};

    #[test]
    fn reg_8_an_acknowledgement_is_a_read_receipt_or_a_hand_over_and_counts_once() {
        let now = at("2026-03-21T05:00:00Z");
        let read = Notice {
            acknowledged_at: Some(at("2026-03-20T06:00:00Z")),
            ..notice(Channel::Inbox)
        };
        // (notice, the delivery event's detail; none when already acknowledged)
        let cases = [
            (notice(Channel::Inbox), Some("read receipt")),
            (notice(Channel::Email), Some("read receipt")),
            (
                notice(Channel::Paper),
                Some("letter handed over (confirmed by the officer)"),
            ),
            (read, None),
        ];
        for (n, detail) in cases {
            let decision = decide(&n, " n-1", now);
            assert_eq!(
                decision.as_ref().map(|a| a.event.detail.as_str()),
                detail,
                "{}",
                n.channel
            );
            if let Some(a) = decision {
                assert_eq!((a.at, a.event.state), (now, DeliveryState::Delivered));
                assert_eq!(
                    (a.audit.action, a.audit.request.as_str()),
                    ("AcknowledgeNotification", " n-1")
                );
            }
        }
    }
}
