//! An e-mail's delivery: what one attempt to hand it to the mail server decides. Accepted, it
//! is delivered (pending → sent → delivered); refused for good, or too often, it fails; refused
//! for now, it stays pending and is tried again later, each wait twice the last.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::kinds::DeliveryState;
use crate::notice::{AuditFact, Event, Notice};

/// What the mail server answered to one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted, with the server's reply ("250 OK").
    Accepted { reply: String },
    /// Not accepted; `permanent` for a bounce that no retry will change.
    Refused { permanent: bool, reason: String },
}

/// How often and how patiently an e-mail is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a transient failure is given up as FAILED.
    pub max_attempts: i64,
    /// The wait after the first failed attempt.
    pub base: Duration,
}

/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(600);

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (from 1): `base`, doubled each time, at
    /// most [`MAX_RETRY_DELAY`].
    pub fn delay(&self, attempt: i64) -> Duration {
        let doublings = u32::try_from(attempt.clamp(1, 12) - 1).unwrap_or(0);
        self.base
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(MAX_RETRY_DELAY)
    }
}

/// What an attempt decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailDecision {
    /// Accepted by the mail server: delivered at `at`.
    Delivered {
        at: DateTime<Utc>,
        reply: String,
        events: Vec<Event>,
        audit: AuditFact,
    },
    /// Given up: FAILED with its reason.
    Failed {
        reason: String,
        event: Event,
        audit: AuditFact,
    },
    /// Still pending: tried again after `after`.
    Retry {
        after: Duration,
        reason: String,
        event: Event,
    },
}

/// Decides attempt number `attempt` (from 1) to e-mail `notice`, answered at `at`.
pub fn decide(
    notice: &Notice,
    attempt: i64,
    outcome: Attempt,
    policy: &RetryPolicy,
    at: DateTime<Utc>,
) -> EmailDecision {
    match outcome {
        Attempt::Accepted { reply } => EmailDecision::Delivered {
            at,
            events: vec![
                Event::new(
                    at,
                    DeliveryState::Sent,
                    format!("to {}", notice.recipient_email),
                ),
                Event::new(
                    at,
                    DeliveryState::Delivered,
                    format!("accepted by the mail server: {reply}"),
                ),
            ],
            audit: AuditFact {
                action: "EmailDelivered",
                subject: notice.id.clone(),
                request: notice.recipient_email.clone(),
                outcome: reply.clone(),
            },
            reply,
        },
        Attempt::Refused { permanent, reason } if permanent || attempt >= policy.max_attempts => {
            EmailDecision::Failed {
                event: Event::new(at, DeliveryState::Failed, reason.clone()),
                audit: AuditFact {
                    action: "EmailFailed",
                    subject: notice.id.clone(),
                    request: notice.recipient_email.clone(),
                    outcome: reason.clone(),
                },
                reason,
            }
        }
        Attempt::Refused { reason, .. } => EmailDecision::Retry {
            after: policy.delay(attempt),
            event: Event::new(
                at,
                DeliveryState::Pending,
                format!("attempt {attempt} failed, retrying: {reason}"),
            ),
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Channel;
    use crate::notice::tests::{at, notice};

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        base: Duration::from_secs(5),
    };

    fn refused(permanent: bool) -> Attempt {
        Attempt::Refused {
            permanent,
            reason: "451 try later".into(),
        }
    }

    /// The state an attempt leads to, and the detail of its last event.
    fn outcome(decision: &EmailDecision) -> (DeliveryState, &str) {
        match decision {
            EmailDecision::Delivered { events, .. } => (
                DeliveryState::Delivered,
                events.last().map_or("", |e| e.detail.as_str()),
            ),
            EmailDecision::Failed { event, .. } => (DeliveryState::Failed, event.detail.as_str()),
            EmailDecision::Retry { event, .. } => (DeliveryState::Pending, event.detail.as_str()),
        }
    }

    #[test]
    fn an_email_is_delivered_when_the_server_accepts_it_and_fails_when_refused_for_good() {
        let n = notice(Channel::Email);
        let accepted = Attempt::Accepted {
            reply: "250 OK".into(),
        };
        // (attempt, outcome, state, detail)
        let cases = [
            (
                1,
                accepted,
                DeliveryState::Delivered,
                "accepted by the mail server: 250 OK",
            ),
            (1, refused(true), DeliveryState::Failed, "451 try later"),
            (
                1,
                refused(false),
                DeliveryState::Pending,
                "attempt 1 failed, retrying: 451 try later",
            ),
            (
                2,
                refused(false),
                DeliveryState::Pending,
                "attempt 2 failed, retrying: 451 try later",
            ),
            (3, refused(false), DeliveryState::Failed, "451 try later"),
        ];
        let now = at("2026-03-20T05:00:00Z");
        for (attempt, o, state, detail) in cases {
            let decision = decide(&n, attempt, o, &POLICY, now);
            assert_eq!(outcome(&decision), (state, detail), "attempt {attempt}");
        }
    }

    #[test]
    fn a_refused_email_waits_twice_as_long_each_time_at_most_ten_minutes() {
        let cases = [
            (0, 5),
            (1, 5),
            (2, 10),
            (3, 20),
            (7, 320),
            (8, 600),
            (12, 600),
            (1000, 600),
        ];
        for (attempt, seconds) in cases {
            assert_eq!(
                POLICY.delay(attempt),
                Duration::from_secs(seconds),
                "attempt {attempt}"
            );
        }
    }
}
