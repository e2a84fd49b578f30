//! SubmitChange (CHG-1, CHG-3) and DecideChange (CHG-2, CHG-3).

use chrono::{DateTime, NaiveDate, Utc};
use rex_proto::registration::*;
use rex_registration_domain::{ChangeStatus, RegistrationNumber, change, limits, notices};
use rex_runtime::auth::{Caller, ensure_branch, ensure_own as own};
use rex_runtime::convert::{date_from_proto, timestamp_from_proto};
use rex_runtime::status::{FieldViolation, internal, invalid_argument, invalid_field, quote};
use tonic::{Request, Status};

use super::support::{
    Actor, check_documents, db_err, limited, missing, parse_number, positioned, refused, required,
    violations,
};
use super::{Exporter, Registry, convert};
use crate::store::{self, ChangeRow};

/// A change notice that passed the edge's checks.
struct Notified {
    number: RegistrationNumber,
    proposed: RegistrationData,
    changed_on: NaiveDate,
    received_at: DateTime<Utc>,
    received_on: NaiveDate,
    notice_due: NaiveDate,
}

pub(super) async fn submit(
    registry: &Registry,
    request: Request<SubmitChangeRequest>,
) -> Result<SubmitChangeResponse, Status> {
    let caller = rex_runtime::auth::caller(&request);
    let req = request.into_inner();
    let number = parse_number("registration_number", &req.registration_number)?;
    ensure_branch(caller.as_ref(), number.branch(), "the registration")?;
    let mut v = Vec::new();
    let proposed = req.proposed.clone();
    if proposed.is_none() {
        v.push(FieldViolation::new(
            "proposed",
            "is required: the registration data after the change (CHG-1)",
        ));
    }
    if let Some(x) = required(
        "reason",
        &req.reason,
        "CHG-1: the changes and their reasons",
    ) {
        v.push(x);
    }
    let changed_on = date_from_proto("changed_on", req.changed_on.as_ref())
        .map_err(|e| v.push(e))
        .ok();
    let received_at = match timestamp_from_proto("received_at", req.received_at.as_ref()) {
        Ok(at) if at > registry.now() + chrono::Duration::minutes(5) => {
            v.push(FieldViolation::new(
                "received_at",
                format!("{at} is in the future (CHG-2)"),
            ));
            None
        }
        Ok(at) => Some(at),
        Err(e) => {
            v.push(e);
            None
        }
    };
    v.extend(limited(&[("reason", &req.reason, limits::TEXT)]));
    if let Some(p) = &proposed {
        v.extend(violations(limits::registration_data(
            "proposed",
            &convert::data(p),
        )));
    }
    check_documents("documents", &req.documents, &mut v);
    let (Some(proposed), Some(changed_on), Some(received_at)) = (proposed, changed_on, received_at)
    else {
        return Err(invalid_argument(&v));
    };
    let received_on = rex_calendar::time::local_date(received_at);
    if let Err(e) = change::check_notice_dates(changed_on, received_on) {
        v.push(FieldViolation::new("changed_on", e.to_string()));
    }
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    let period = registry.periods.change_notice;
    let notice_due = registry
        .calendar
        .due(changed_on, period.count, period.unit)
        .map_err(|e| invalid_field("changed_on", format!("{e} (CHG-1)")))?;
    registry
        .step(registry.periods.change_decision, received_on, None)
        .map_err(|s| invalid_field("received_at", s.message().to_owned()))?;
    let notified = Notified {
        number,
        proposed,
        changed_on,
        received_at,
        received_on,
        notice_due: notice_due.due,
    };
    let op = async |tx: &mut sqlx::AnyConnection| {
        registry
            .store_change(tx, caller.as_ref(), &req, &notified)
            .await
    };
    registry
        .idempotent("SubmitChange", &req.idempotency_key, &req, op)
        .await
}

impl Registry {
    async fn store_change(
        &self,
        tx: &mut sqlx::AnyConnection,
        caller: Option<&Caller>,
        req: &SubmitChangeRequest,
        n: &Notified,
    ) -> Result<SubmitChangeResponse, Status> {
        let reg = self.load_registration(tx, &n.number).await?;
        own(caller, &reg.exporter_tin)?;
        let assessed = change::assess(
            &reg.registration_number,
            &reg.exporter_tin,
            reg.status,
            &convert::data(&reg.data),
            &convert::data(&n.proposed),
            !req.documents.is_empty(),
        )
        .map_err(refused)?;
        let late = change::is_late(n.received_on, n.notice_due);
        let change = ChangeRow {
            change_id: uuid::Uuid::new_v4().to_string(),
            registration_number: reg.registration_number.clone(),
            proposed: n.proposed.clone(),
            categories: assessed.categories,
            reason: req.reason.trim().to_owned(),
            changed_on: n.changed_on,
            received_at: n.received_at,
            received_on: n.received_on,
            late,
            findings: assessed.findings,
            status: ChangeStatus::Received,
            refusal_reasons: String::new(),
            decided_by: String::new(),
            decided_at: None,
            decided_on: None,
        };
        store::insert_change(tx, &change).await.map_err(internal)?;
        let docs = positioned(&req.documents);
        self.store_documents(tx, "change", &change.change_id, &docs, n.received_on)
            .await?;
        let documents = self.change_documents(tx, &change.change_id).await?;
        if late {
            tracing::warn!(change_id = %change.change_id, number = %n.number, due = %n.notice_due, "change notified late (CHG-1)");
        }
        Ok(SubmitChangeResponse {
            change: Some(self.change_proto(&change, documents)?),
        })
    }
}

pub(super) async fn decide(
    registry: &Registry,
    caller: Option<Caller>,
    req: DecideChangeRequest,
) -> Result<DecideChangeResponse, Status> {
    let mut v = missing(&[("change_id", &req.change_id, "CHG-2")]);
    v.extend(limited(&[
        ("change_id", &req.change_id, limits::IDENTIFIER),
        ("refusal_reasons", &req.refusal_reasons, limits::TEXT),
    ]));
    let actor = Actor::of(caller, "officer_id", &req.officer_id, "CHG-2", &mut v)?;
    if !req.accept && req.refusal_reasons.trim().is_empty() {
        v.push(FieldViolation::new(
            "refusal_reasons",
            "is required when refusing a change: the notice gives the reasons (CHG-2, CHG-3)",
        ));
    }
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    let op = async |tx: &mut sqlx::AnyConnection| registry.decide_change_in(tx, &req, &actor).await;
    registry
        .public_write("DecideChange", &req.idempotency_key, &req, op)
        .await
}

impl Registry {
    async fn decide_change_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        req: &DecideChangeRequest,
        actor: &Actor,
    ) -> Result<DecideChangeResponse, Status> {
        let change = store::get_change(tx, req.change_id.trim())
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Status::not_found(format!("change_id: no change {}", quote(&req.change_id)))
            })?;
        let received = change::Received {
            change_id: &change.change_id,
            status: change.status,
            findings: &change.findings,
        };
        let number = parse_number("registration_number", &change.registration_number)?;
        actor.on_branch(number.branch(), "the registration")?;
        let reg = self.load_registration(tx, &number).await?;
        let status = change::decide(received, req.accept, &reg.registration_number, reg.status)
            .map_err(refused)?;
        let (now, today) = (self.now(), self.today());
        if status == ChangeStatus::Accepted {
            store::set_registration_data(tx, &reg.registration_number, &change.proposed)
                .await
                .map_err(db_err)?;
        }
        let refusal_reasons = req.refusal_reasons.trim();
        let officer = actor.person.as_str();
        let decided = store::decide_change(
            tx,
            &change.change_id,
            status,
            refusal_reasons,
            officer,
            now,
            today,
        )
        .await
        .map_err(db_err)?;
        if !decided {
            return Err(Status::aborted(
                "the change was decided concurrently; retry",
            ));
        }
        let channel = self.notice_channel(tx, &reg.application_id).await?;
        let data = if req.accept {
            change.proposed.clone()
        } else {
            reg.data.clone()
        };
        let owed = notices::change_decided(
            &self.periods,
            notices::ChangeDecision {
                accepted: req.accept,
                number: &reg.registration_number,
                change_id: &change.change_id,
                categories: &change.categories,
                refusal_reasons,
                received_on: change.received_on,
                today,
            },
        );
        let exporter = Exporter {
            data: &data,
            language: reg.primary_language,
            channel,
        };
        self.owe_notice(tx, owed, exporter).await?;
        let change = store::get_change(tx, &change.change_id)
            .await
            .map_err(db_err)?
            .ok_or_else(|| internal(anyhow::anyhow!("change vanished")))?;
        let documents = self.change_documents(tx, &change.change_id).await?;
        let reg = self.load_registration(tx, &number).await?;
        if req.accept {
            self.public_change(tx, &reg.registration_number).await?;
        }
        Ok(DecideChangeResponse {
            change: Some(self.change_proto(&change, documents)?),
            registration: Some(self.registration_proto(tx, &reg).await?),
        })
    }
}
