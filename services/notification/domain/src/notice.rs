//! A notice as kept (RET-2), its delivery history, and what the law reads from it: when its
//! recipient counts as notified and whether that was late.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::kinds::{Channel, DeliveryState, Language, NoticeKind};

/// A notice with everything its copy keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: String,
    /// The sender's key: one notice per key (see [`crate::send::decide`]).
    pub idempotency_key: String,
    /// SHA-256 of the request that created it, to tell a retry from another notice.
    pub request_sha256: String,
    pub kind: NoticeKind,
    /// An exporter's TIN, or an officer's or authority's id.
    pub recipient: String,
    /// For EMAIL; may be empty otherwise.
    pub recipient_email: String,
    pub channel: Channel,
    pub languages: Vec<Language>,
    pub facts: BTreeMap<String, String>,
    /// The statutory due date (REG-8, REG-9, CHG-2, REV-2, ...).
    pub due_on: NaiveDate,
    /// The rule that requires the notice.
    pub rule_id: String,
    pub subject: String,
    pub body: String,
    /// The outgoing reference number its letter carries (`ATM-2026/000123`), given when the
    /// notice is kept; empty on notices kept before references were given.
    pub reference: String,
    pub state: DeliveryState,
    pub created_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Read (inbox) or handed over (paper).
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub failed_reason: String,
    pub attempts: i64,
    /// RET-2: the last day its copy must be kept.
    pub keep_until: NaiveDate,
}

/// One event of a notice's delivery history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub state: DeliveryState,
    pub detail: String,
}

impl Event {
    pub fn new(at: DateTime<Utc>, state: DeliveryState, detail: impl Into<String>) -> Self {
        Self {
            at,
            state,
            detail: detail.into(),
        }
    }
}

/// What the audit chain records of a decision: the action, the notice, what was asked and
/// what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFact {
    pub action: &'static str,
    pub subject: String,
    pub request: String,
    pub outcome: String,
}

impl Notice {
    /// REG-8: when the recipient counts as notified: placed in the inbox, accepted by the mail
    /// server, or the letter handed over.
    pub fn notified_at(&self) -> Option<DateTime<Utc>> {
        match self.channel {
            Channel::Inbox => self.sent_at,
            Channel::Email | Channel::Paper => self.delivered_at,
        }
    }

    /// REG-8: late when notified after the end of its due date in Asia/Almaty, or not notified
    /// by then (`today` being the law's local date).
    pub fn is_late(&self, today: NaiveDate) -> bool {
        match self.notified_at() {
            Some(at) => rex_calendar::time::local_date(at) > self.due_on,
            None => today > self.due_on,
        }
    }

    /// REG-8: the exporter's inbox holds every electronic notice, e-mailed ones included (the
    /// inbox is the channel the law names; e-mail is a courtesy copy); letters are not in it.
    pub fn is_in_inbox(&self) -> bool {
        self.channel != Channel::Paper
    }

    /// Not yet read (inbox) or handed over (paper).
    pub fn is_unread(&self) -> bool {
        self.acknowledged_at.is_none()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a test instant")
            .with_timezone(&Utc)
    }

    pub(crate) fn date(text: &str) -> NaiveDate {
        text.parse().expect("a test date")
    }

    /// An e-mail notice due on 27 March 2026, accepted on 20 March.
    pub(crate) fn notice(channel: Channel) -> Notice {
        Notice {
            id: "n-1".into(),
            idempotency_key: "k-1".into(),
            request_sha256: "00".into(),
            kind: NoticeKind::RegistrationConfirmed,
            recipient: "110340517504".into(),
            recipient_email: "altyndan@example.kz".into(),
            channel,
            languages: vec![Language::Ru, Language::En],
            facts: BTreeMap::new(),
            due_on: date("2026-03-27"),
            rule_id: "REG-8".into(),
            subject: "s".into(),
            body: "b".into(),
            reference: String::new(),
            state: DeliveryState::Pending,
            created_at: Some(at("2026-03-20T05:00:00Z")),
            sent_at: None,
            delivered_at: None,
            acknowledged_at: None,
            failed_reason: String::new(),
            attempts: 0,
            keep_until: date("2029-03-20"),
        }
    }

    #[test]
    fn reg_8_a_notice_notified_after_the_end_of_its_due_day_in_almaty_is_late() {
        // (channel, sent, delivered, today, late)
        let cases = [
            // Delivered on the due day, late in the evening in Almaty (UTC+5): on time.
            (
                Channel::Email,
                None,
                Some("2026-03-27T18:59:59Z"),
                "2026-04-30",
                false,
            ),
            // One second later it is 28 March in Almaty: late.
            (
                Channel::Email,
                None,
                Some("2026-03-27T19:00:00Z"),
                "2026-03-28",
                true,
            ),
            // Not delivered: on time through the due day, late from the next.
            (Channel::Email, None, None, "2026-03-27", false),
            (Channel::Email, None, None, "2026-03-28", true),
            // A letter counts when handed over, not when printed.
            (
                Channel::Paper,
                Some("2026-03-20T05:00:00Z"),
                None,
                "2026-03-30",
                true,
            ),
            (
                Channel::Paper,
                None,
                Some("2026-03-26T05:00:00Z"),
                "2026-03-30",
                false,
            ),
            // The inbox counts when the notice is placed in it, read or not.
            (
                Channel::Inbox,
                Some("2026-03-20T05:00:00Z"),
                None,
                "2026-03-30",
                false,
            ),
            (
                Channel::Inbox,
                Some("2026-03-30T05:00:00Z"),
                Some("2026-03-30T06:00:00Z"),
                "2026-03-30",
                true,
            ),
        ];
        for (channel, sent, delivered, today, late) in cases {
            let n = Notice {
                sent_at: sent.map(at),
                delivered_at: delivered.map(at),
                ..notice(channel)
            };
            assert_eq!(
                n.is_late(date(today)),
                late,
                "{channel} sent {sent:?} delivered {delivered:?} on {today}"
            );
        }
    }

    #[test]
    fn reg_8_the_inbox_holds_every_electronic_notice_and_no_letter() {
        let cases = [
            (Channel::Email, true),
            (Channel::Inbox, true),
            (Channel::Paper, false),
        ];
        for (channel, in_inbox) in cases {
            assert_eq!(notice(channel).is_in_inbox(), in_inbox, "{channel}");
        }
        let read = Notice {
            acknowledged_at: Some(at("2026-03-21T05:00:00Z")),
            ..notice(Channel::Inbox)
        };
        assert!(notice(Channel::Inbox).is_unread());
        assert!(!read.is_unread());
    }
}
