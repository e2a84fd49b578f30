//! The gRPC handlers of the notification service.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Months, NaiveDate, Utc};
use prost::Message;
use rex_calendar::Clock;
use rex_proto::common::Language;
use rex_proto::notification::notification_service_server::NotificationService;
use rex_proto::notification::*;
use rex_runtime::convert::{date_from_proto, date_to_proto, timestamp_to_proto};
use rex_runtime::db::{Db, is_unique_violation};
use rex_runtime::status::{FieldViolation, from_db, internal, invalid_argument, invalid_field};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tonic::{Request, Response, Status};

use crate::store::{self, NotificationRow};
use crate::templates::{RenderError, Templates};

/// RET-2: copies of notices are kept at least 3 years.
pub const RETENTION_YEARS: u32 = 3;

/// The notification service.
#[derive(Debug, Clone)]
pub struct Notices {
    pub(crate) db: Db,
    pub(crate) templates: Arc<Templates>,
    /// The clock of law: due dates and late-ness.
    pub(crate) clock: Arc<dyn Clock>,
    /// The machine's clock: retry scheduling and claims, never dates of law.
    pub(crate) ops_clock: Arc<dyn Clock>,
    /// Wakes the e-mail sender when there is something new to send.
    pub(crate) wake: Arc<Notify>,
}

type Reply<T> = Result<Response<T>, Status>;

fn kind_stem(kind: NotificationKind) -> String {
    kind.as_str_name()
        .trim_start_matches("NOTIFICATION_KIND_")
        .to_ascii_lowercase()
}

fn channel_name(channel: DeliveryChannel) -> &'static str {
    match channel {
        DeliveryChannel::Email => "EMAIL",
        DeliveryChannel::Inbox => "INBOX",
        DeliveryChannel::Paper => "PAPER",
        DeliveryChannel::Unspecified => "",
    }
}

/// When the recipient counts as notified: placed in the inbox, accepted by the mail server, or
/// the letter handed over.
fn notified_at(n: &NotificationRow) -> Option<DateTime<Utc>> {
    match n.channel.as_str() {
        "INBOX" => n.sent_at,
        _ => n.delivered_at,
    }
}

/// Late: notified after the end of its due date (Asia/Almaty), or not notified by then.
pub fn is_late(n: &NotificationRow, today: NaiveDate) -> bool {
    match notified_at(n) {
        Some(at) => rex_calendar::time::local_date(at) > n.due_on,
        None => today > n.due_on,
    }
}

impl Notices {
    pub fn new(db: Db, templates: Arc<Templates>, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            templates,
            clock,
            ops_clock: Arc::new(rex_calendar::SystemClock),
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) async fn to_proto(
        &self,
        conn: &mut sqlx::AnyConnection,
        n: &NotificationRow,
    ) -> Result<Notification, Status> {
        let history = store::events(conn, &n.notification_id)
            .await
            .map_err(from_db)?
            .into_iter()
            .map(|e| DeliveryEvent {
                state: DeliveryState::from_str_name(&format!("DELIVERY_STATE_{}", e.state))
                    .unwrap_or_default() as i32,
                at: Some(timestamp_to_proto(e.at)),
                detail: e.detail,
            })
            .collect();
        let facts: BTreeMap<String, String> = serde_json::from_str(&n.facts).map_err(internal)?;
        Ok(Notification {
            notification_id: n.notification_id.clone(),
            idempotency_key: n.idempotency_key.clone(),
            kind: NotificationKind::from_str_name(&format!("NOTIFICATION_KIND_{}", n.kind))
                .unwrap_or_default() as i32,
            recipient: n.recipient.clone(),
            recipient_email: n.recipient_email.clone(),
            channel: DeliveryChannel::from_str_name(&format!("DELIVERY_CHANNEL_{}", n.channel))
                .unwrap_or_default() as i32,
            languages: n
                .languages
                .split(',')
                .map(|l| {
                    Language::from_str_name(&format!("LANGUAGE_{l}")).unwrap_or_default() as i32
                })
                .collect(),
            facts: facts.into_iter().collect(),
            due_on: Some(date_to_proto(n.due_on)),
            rule_id: n.rule_id.clone(),
            subject: n.subject.clone(),
            body: n.body.clone(),
            state: DeliveryState::from_str_name(&format!("DELIVERY_STATE_{}", n.state))
                .unwrap_or_default() as i32,
            history,
            late: is_late(n, self.clock.today()),
            acknowledged_at: n.acknowledged_at.map(timestamp_to_proto),
            letter_pdf: Vec::new(),
        })
    }

    async fn load(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<NotificationRow, Status> {
        store::get(conn, id.trim())
            .await
            .map_err(from_db)?
            .ok_or_else(|| Status::not_found(format!("notification_id: no notification {id:?}")))
    }
}

#[tonic::async_trait]
impl NotificationService for Notices {
    async fn send_notification(
        &self,
        request: Request<SendNotificationRequest>,
    ) -> Reply<SendNotificationResponse> {
        let req = request.into_inner();
        let mut v = Vec::new();
        if req.idempotency_key.trim().is_empty() {
            v.push(FieldViolation::new(
                "idempotency_key",
                "is required: a notice is sent once per key, never twice",
            ));
        }
        let kind = NotificationKind::try_from(req.kind)
            .ok()
            .filter(|k| *k != NotificationKind::Unspecified);
        if kind.is_none() {
            v.push(FieldViolation::new(
                "kind",
                "must be a NotificationKind other than UNSPECIFIED",
            ));
        }
        let channel = DeliveryChannel::try_from(req.channel)
            .ok()
            .filter(|c| *c != DeliveryChannel::Unspecified);
        if channel.is_none() {
            v.push(FieldViolation::new(
                "channel",
                "must be EMAIL, INBOX or PAPER",
            ));
        }
        if req.recipient.trim().is_empty() {
            v.push(FieldViolation::new(
                "recipient",
                "is required: the exporter's TIN or the officer's id",
            ));
        }
        if channel == Some(DeliveryChannel::Email) && !req.recipient_email.contains('@') {
            v.push(FieldViolation::new(
                "recipient_email",
                format!(
                    "{:?} is not an e-mail address; EMAIL needs one",
                    req.recipient_email
                ),
            ));
        }
        let primary = match Language::try_from(req.primary_language) {
            Ok(Language::Kk) => Some("KK"),
            Ok(Language::Ru) => Some("RU"),
            Ok(Language::En) => Some("EN"),
            _ => {
                v.push(FieldViolation::new(
                    "primary_language",
                    "must be KK or RU (the application's language); EN for English only",
                ));
                None
            }
        };
        if req.rule_id.trim().is_empty() {
            v.push(FieldViolation::new(
                "rule_id",
                "is required: the rule that requires the notice, e.g. REG-8",
            ));
        }
        let due_on = date_from_proto("due_on", req.due_on.as_ref())
            .map_err(|e| v.push(e))
            .ok();
        let (Some(kind), Some(channel), Some(primary), Some(due_on)) =
            (kind, channel, primary, due_on)
        else {
            return Err(invalid_argument(&v));
        };
        if !v.is_empty() {
            return Err(invalid_argument(&v));
        }
        let facts: BTreeMap<String, String> = req.facts.clone().into_iter().collect();
        // The rule and the due date are facts of every notice; templates may quote them.
        let mut context = facts.clone();
        context
            .entry("rule_id".into())
            .or_insert_with(|| req.rule_id.trim().to_owned());
        context
            .entry("due_on".into())
            .or_insert_with(|| due_on.to_string());
        let languages: Vec<&str> = if primary == "EN" {
            vec!["EN"]
        } else {
            vec![primary, "EN"]
        };
        let mut parts = Vec::new();
        for lang in &languages {
            match self
                .templates
                .render(&kind_stem(kind), &lang.to_ascii_lowercase(), &context)
            {
                Ok(r) => parts.push(r),
                Err(RenderError::MissingFacts(names)) => {
                    let v: Vec<FieldViolation> = names
                        .iter()
                        .map(|n| {
                            FieldViolation::new(
                                format!("facts.{n}"),
                                format!(
                                    "is required by the {} notice ({})",
                                    kind.as_str_name(),
                                    req.rule_id.trim()
                                ),
                            )
                        })
                        .collect();
                    return Err(invalid_argument(&v));
                }
                Err(RenderError::Template(e)) => {
                    return Err(internal(anyhow::anyhow!(
                        "template {}: {e}",
                        kind_stem(kind)
                    )));
                }
            }
        }
        let subject = parts
            .iter()
            .map(|p| p.subject.as_str())
            .collect::<Vec<_>>()
            .join(" / ");
        let body = parts
            .iter()
            .map(|p| p.body.as_str())
            .collect::<Vec<_>>()
            .join("\n\n----------------------------------------\n\n")
            + "\n";
        let sha = hex::encode(Sha256::digest(req.encode_to_vec()));
        let now = self.clock.now();
        let channel = channel_name(channel);
        let row = NotificationRow {
            notification_id: uuid::Uuid::new_v4().to_string(),
            idempotency_key: req.idempotency_key.trim().to_owned(),
            request_sha256: sha.clone(),
            kind: kind
                .as_str_name()
                .trim_start_matches("NOTIFICATION_KIND_")
                .to_owned(),
            recipient: req.recipient.trim().to_owned(),
            recipient_email: req.recipient_email.trim().to_owned(),
            channel: channel.to_owned(),
            languages: languages.join(","),
            facts: serde_json::to_string(&facts).map_err(internal)?,
            due_on,
            rule_id: req.rule_id.trim().to_owned(),
            subject,
            body,
            // Placed in the inbox is sent; e-mails and letters wait for their delivery.
            state: if channel == "INBOX" {
                "SENT".into()
            } else {
                "PENDING".into()
            },
            sent_at: (channel == "INBOX").then_some(now),
            keep_until: rex_calendar::time::local_date(now)
                .checked_add_months(Months::new(12 * RETENTION_YEARS))
                .unwrap_or(due_on),
            ..Default::default()
        };
        let mut tx = self.db.begin_write().await.map_err(from_db)?;
        let existing = store::by_key(&mut tx, &row.idempotency_key)
            .await
            .map_err(from_db)?;
        let stored = match existing {
            Some(previous) if previous.request_sha256 == sha => previous,
            Some(_) => {
                return Err(Status::already_exists(format!(
                    "idempotency_key {:?} was already used for a different notice",
                    row.idempotency_key
                )));
            }
            None => {
                if let Err(err) = store::insert(&mut tx, &row, now).await {
                    if is_unique_violation(&err) {
                        return Err(Status::aborted(
                            "the same notice was sent concurrently; retry with the same key",
                        ));
                    }
                    return Err(from_db(err));
                }
                store::add_event(&mut tx, &row.notification_id, "PENDING", now, "accepted")
                    .await
                    .map_err(from_db)?;
                if channel == "INBOX" {
                    store::add_event(
                        &mut tx,
                        &row.notification_id,
                        "SENT",
                        now,
                        "placed in the exporter's inbox",
                    )
                    .await
                    .map_err(from_db)?;
                }
                if channel == "PAPER" {
                    store::add_event(
                        &mut tx,
                        &row.notification_id,
                        "PENDING",
                        now,
                        "letter ready to print; awaiting hand-over",
                    )
                    .await
                    .map_err(from_db)?;
                }
                let entry = rex_runtime::audit::entry(
                    "SendNotification",
                    &row.notification_id,
                    row.idempotency_key.as_bytes(),
                    row.body.as_bytes(),
                );
                rex_runtime::audit::append(&mut tx, &entry, now)
                    .await
                    .map_err(from_db)?;
                tracing::info!(id = %row.notification_id, kind = %row.kind, channel, rule = %row.rule_id, due = %due_on, "notice accepted");
                row
            }
        };
        let notification = self.to_proto(&mut tx, &stored).await?;
        tx.commit().await.map_err(from_db)?;
        self.wake.notify_one();
        Ok(Response::new(SendNotificationResponse {
            notification: Some(notification),
        }))
    }

    async fn get_notification(
        &self,
        request: Request<GetNotificationRequest>,
    ) -> Reply<GetNotificationResponse> {
        let mut conn = self.db.pool.acquire().await.map_err(from_db)?;
        let row = self
            .load(&mut conn, &request.into_inner().notification_id)
            .await?;
        let mut notification = self.to_proto(&mut conn, &row).await?;
        if row.channel == "PAPER" {
            let addressee = format!("{} ({})", row.recipient, row.kind);
            notification.letter_pdf =
                crate::letter::render(&row.subject, &addressee, &row.subject, &row.body)
                    .map_err(internal)?;
        }
        Ok(Response::new(GetNotificationResponse {
            notification: Some(notification),
        }))
    }

    async fn list_notifications(
        &self,
        request: Request<ListNotificationsRequest>,
    ) -> Reply<ListNotificationsResponse> {
        let req = request.into_inner();
        let kind = match NotificationKind::try_from(req.kind) {
            Ok(NotificationKind::Unspecified) => String::new(),
            Ok(k) => k
                .as_str_name()
                .trim_start_matches("NOTIFICATION_KIND_")
                .to_owned(),
            Err(_) => return Err(invalid_field("kind", "is not a NotificationKind")),
        };
        let state = match DeliveryState::try_from(req.state) {
            Ok(DeliveryState::Unspecified) => String::new(),
            Ok(s) => s
                .as_str_name()
                .trim_start_matches("DELIVERY_STATE_")
                .to_owned(),
            Err(_) => return Err(invalid_field("state", "is not a DeliveryState")),
        };
        let offset: usize = if req.page_token.is_empty() {
            0
        } else {
            req.page_token.parse().map_err(|_| {
                invalid_field("page_token", "is not a token from a previous response")
            })?
        };
        let limit = if req.page_size == 0 {
            50
        } else {
            req.page_size.min(500) as usize
        };
        let mut conn = self.db.pool.acquire().await.map_err(from_db)?;
        let today = self.clock.today();
        let rows: Vec<NotificationRow> =
            store::list(&mut conn, req.recipient.trim(), &kind, &state)
                .await
                .map_err(from_db)?
                .into_iter()
                .filter(|n| !req.late_only || is_late(n, today))
                .collect();
        let mut notifications = Vec::new();
        for n in rows.iter().skip(offset).take(limit) {
            notifications.push(self.to_proto(&mut conn, n).await?);
        }
        let next_page_token = if offset + limit < rows.len() {
            (offset + limit).to_string()
        } else {
            String::new()
        };
        Ok(Response::new(ListNotificationsResponse {
            notifications,
            next_page_token,
        }))
    }

    async fn list_inbox(&self, request: Request<ListInboxRequest>) -> Reply<ListInboxResponse> {
        let caller = rex_runtime::auth::caller(&request);
        let mut req = request.into_inner();
        // An exporter's inbox is its own: no recipient means its TIN.
        if let Some(c) = caller
            .as_ref()
            .filter(|c| c.role == rex_runtime::auth::Role::Exporter)
            && req.recipient.trim().is_empty()
        {
            req.recipient = c.tin.clone().unwrap_or_default();
        }
        rex_runtime::auth::ensure_own(caller.as_ref(), req.recipient.trim())?;
        if req.recipient.trim().is_empty() {
            return Err(invalid_field(
                "recipient",
                "is required: the exporter's TIN (REG-8)",
            ));
        }
        let mut conn = self.db.pool.acquire().await.map_err(from_db)?;
        // Every electronic notice is in the inbox, e-mailed ones included: the inbox is the
        // channel the law names (REG-8); e-mail is a courtesy copy.
        let rows: Vec<NotificationRow> = store::list(&mut conn, req.recipient.trim(), "", "")
            .await
            .map_err(from_db)?
            .into_iter()
            .filter(|n| n.channel != "PAPER" && (!req.unread_only || n.acknowledged_at.is_none()))
            .collect();
        let mut notifications = Vec::new();
        for n in &rows {
            notifications.push(self.to_proto(&mut conn, n).await?);
        }
        Ok(Response::new(ListInboxResponse { notifications }))
    }

    async fn acknowledge_notification(
        &self,
        request: Request<AcknowledgeNotificationRequest>,
    ) -> Reply<AcknowledgeNotificationResponse> {
        let caller = rex_runtime::auth::caller(&request);
        let req = request.into_inner();
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(from_db)?;
        let row = self.load(&mut tx, &req.notification_id).await?;
        rex_runtime::auth::ensure_own(caller.as_ref(), &row.recipient)?;
        let first = row.acknowledged_at.is_none();
        if first {
            let detail = if row.channel == "PAPER" {
                "letter handed over (confirmed by the officer)"
            } else {
                "read receipt"
            };
            store::mark_delivered(&mut tx, &row.notification_id, now, true)
                .await
                .map_err(from_db)?;
            store::add_event(&mut tx, &row.notification_id, "DELIVERED", now, detail)
                .await
                .map_err(from_db)?;
            let entry = rex_runtime::audit::entry(
                "AcknowledgeNotification",
                &row.notification_id,
                req.notification_id.as_bytes(),
                detail.as_bytes(),
            );
            rex_runtime::audit::append(&mut tx, &entry, now)
                .await
                .map_err(from_db)?;
        }
        let row = self.load(&mut tx, &row.notification_id).await?;
        let notification = self.to_proto(&mut tx, &row).await?;
        tx.commit().await.map_err(from_db)?;
        Ok(Response::new(AcknowledgeNotificationResponse {
            notification: Some(notification),
        }))
    }
}
