//! An e-mail's delivery: what one attempt to hand it to the mail server decides. Accepted, it
//! is delivered (pending → sent → delivered); refused for good, or too often, it fails; refused
//! for now, it stays pending and is tried again later, each wait twice the last.
//!
//! Each attempt is recorded before the sender speaks to the server and its outcome right
//! after. An attempt found without an outcome was cut off (the sender stopped): the server may
//! or may not have accepted it, and nothing can tell. So the next attempt goes out as the same
//! message (same Message-ID and Date) marked as a possible duplicate, and the notice counts as
//! delivered from the first attempt that may have reached the server.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::kinds::{AttemptState, DeliveryState};
use crate::notice::{AuditFact, Event, Notice};

/// One attempt as recorded: its number (from 1), when it began (clock of law), how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptRecord {
    pub number: i64,
    pub started_at: DateTime<Utc>,
    pub state: AttemptState,
}

/// How the next attempt goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    pub number: i64,
    /// When it begins (clock of law).
    pub started_at: DateTime<Utc>,
    /// The message's `Date`: the start of the first attempt that may have reached the server,
    /// so that every copy is the same message and its date is the delivery's (a refused
    /// attempt reached nobody); this one's start when there is none.
    pub date: DateTime<Utc>,
    /// The first earlier attempt that was cut off without an outcome: this copy may duplicate
    /// it, and says so.
    pub possible_duplicate_of: Option<i64>,
    /// What the history records of the cut-off attempt, if there was one.
    pub event: Option<Event>,
}

/// The attempt numbered `number` (its claim counted it), beginning at `now` after `earlier`.
pub fn next_attempt(earlier: &[AttemptRecord], number: i64, now: DateTime<Utc>) -> Sending {
    let date = delivery_time(earlier).unwrap_or(now);
    let cut_off = earlier
        .iter()
        .filter(|a| a.state == AttemptState::Started)
        .min_by_key(|a| a.number);
    Sending {
        number,
        started_at: now,
        date,
        possible_duplicate_of: cut_off.map(|a| a.number),
        event: cut_off.map(|a| {
            Event::new(
                now,
                DeliveryState::Pending,
                format!(
                    "attempt {} was cut off before its outcome was recorded; attempt {number} \
                     re-sends it with the same Message-ID, marked as a possible duplicate",
                    a.number
                ),
            )
        }),
    }
}

/// REG-8 evidence of an e-mail's delivery: when the first attempt that may have reached the
/// server began (one accepted, or one cut off before its outcome was recorded). Refused
/// attempts reached nobody.
pub fn delivery_time(attempts: &[AttemptRecord]) -> Option<DateTime<Utc>> {
    attempts
        .iter()
        .filter(|a| a.state != AttemptState::Refused)
        .map(|a| a.started_at)
        .min()
}

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

/// Decides the last of `attempts` (just ended, from 1) to e-mail `notice`, answered at `at`;
/// the earlier ones are as recorded.
pub fn decide(
    notice: &Notice,
    attempts: &[AttemptRecord],
    outcome: Attempt,
    policy: &RetryPolicy,
    at: DateTime<Utc>,
) -> EmailDecision {
    let attempt = attempts.last().map_or(1, |a| a.number);
    match outcome {
        Attempt::Accepted { reply } => {
            // This attempt may be a copy of a cut-off one: the first that may have reached the
            // server is the evidence, not this one.
            let this = attempts.last().map_or(at, |a| a.started_at);
            let delivered = delivery_time(attempts).unwrap_or(this).min(this);
            let first = attempts
                .iter()
                .filter(|a| a.state == AttemptState::Started && a.number != attempt)
                .map(|a| a.number)
                .min();
            let detail = match first {
                None => format!("accepted by the mail server: {reply}"),
                Some(first) => format!(
                    "accepted by the mail server on attempt {attempt}, a possible duplicate of \
                     attempt {first} (cut off before its outcome was recorded), whose time is \
                     kept: {reply}"
                ),
            };
            EmailDecision::Delivered {
                at: delivered,
                events: vec![
                    Event::new(
                        delivered,
                        DeliveryState::Sent,
                        format!("to {}", notice.recipient_email),
                    ),
                    Event::new(delivered, DeliveryState::Delivered, detail),
                ],
                audit: AuditFact {
                    action: "EmailDelivered",
                    subject: notice.id.clone(),
                    request: notice.recipient_email.clone(),
                    outcome: reply.clone(),
                },
                reply,
            }
        }
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
            let mut attempts: Vec<_> = (1..attempt).map(|_| AttemptState::Refused).collect();
            attempts.push(AttemptState::Started);
            let decision = decide(&n, &history(&attempts), o, &POLICY, now);
            assert_eq!(outcome(&decision), (state, detail), "attempt {attempt}");
        }
    }

    /// Attempts numbered from 1, a minute apart from 05:00, in the states given.
    fn history(states: &[AttemptState]) -> Vec<AttemptRecord> {
        states
            .iter()
            .zip(1..)
            .map(|(&state, number)| AttemptRecord {
                number,
                started_at: minute(number),
                state,
            })
            .collect()
    }

    fn minute(n: i64) -> DateTime<Utc> {
        at("2026-03-20T05:00:00Z") + chrono::Duration::minutes(n)
    }

    #[test]
    fn reg_8_a_re_send_after_a_cut_off_attempt_is_marked_and_delivered_as_of_the_first() {
        use AttemptState::{Accepted, Refused, Started};
        let n = notice(Channel::Email);
        // (earlier attempts, possible duplicate of, Date, delivered at)
        let cases = [
            // The first attempt: nothing to duplicate, delivered when it began.
            (vec![], None, minute(1), minute(1)),
            // Cut off: the re-send is marked and the first attempt's time is the evidence.
            (vec![Started], Some(1), minute(1), minute(1)),
            (vec![Started, Started], Some(1), minute(1), minute(1)),
            // A refused attempt reached nobody: no mark, not the evidence, not the Date.
            (vec![Refused], None, minute(2), minute(2)),
            (vec![Refused, Started], Some(2), minute(2), minute(2)),
            (vec![Started, Refused], Some(1), minute(1), minute(1)),
        ];
        for (earlier, duplicate_of, date, delivered) in cases {
            let past = history(&earlier);
            let number = i64::try_from(earlier.len()).unwrap_or(0) + 1;
            let sending = next_attempt(&past, number, minute(number));
            assert_eq!(sending.possible_duplicate_of, duplicate_of, "{earlier:?}");
            assert_eq!(
                sending.event.is_some(),
                duplicate_of.is_some(),
                "{earlier:?}"
            );
            assert_eq!(sending.date, date, "{earlier:?}");
            let mut attempts = past.clone();
            attempts.push(AttemptRecord {
                number,
                started_at: sending.started_at,
                state: Started,
            });
            let reply = Attempt::Accepted {
                reply: "250 OK".into(),
            };
            match decide(&n, &attempts, reply, &POLICY, minute(9)) {
                EmailDecision::Delivered { at, events, .. } => {
                    assert_eq!(at, delivered, "{earlier:?}");
                    let detail = events.last().map_or("", |e| e.detail.as_str());
                    assert_eq!(
                        detail.contains("possible duplicate"),
                        duplicate_of.is_some(),
                        "{earlier:?}: {detail}"
                    );
                }
                other => panic!("{earlier:?}: {other:?}"),
            }
            // Evidence once an attempt is accepted, as the store reads it back.
            if let Some(last) = attempts.last_mut() {
                last.state = Accepted;
            }
            assert_eq!(delivery_time(&attempts), Some(delivered), "{earlier:?}");
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
