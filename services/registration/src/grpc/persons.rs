//! SaveAuthorizedPerson and ListAuthorizedPersons (REG-13).

use prost::Message;
use rex_proto::registration::*;
use rex_registration_domain::person::{self, AuthorizedPerson};
use rex_registration_domain::statement::Country;
use rex_registration_domain::{NoticeChannel, checks, limits, number};
use rex_runtime::auth::{Caller, ensure_branch};
use rex_runtime::convert::{date_from_proto, date_to_proto, timestamp_to_proto};
use rex_runtime::status::{FieldViolation, internal, invalid_argument, invalid_field, quote};
use tonic::Status;

use super::support::{db_err, limited, missing};
use super::{Registry, convert};
use crate::store::{self, Notice, PersonRow};

pub(super) async fn save(
    registry: &Registry,
    caller: Option<Caller>,
    req: SaveAuthorizedPersonRequest,
) -> Result<SaveAuthorizedPersonResponse, Status> {
    let p = req
        .person
        .clone()
        .ok_or_else(|| invalid_field("person", "is required (REG-13)"))?;
    ensure_branch(
        caller.as_ref(),
        &p.regional_branch_code,
        "an authorized person of that branch",
    )?;
    let mut v = missing(&[
        ("person.person_id", &p.person_id, "REG-13"),
        ("person.full_name", &p.full_name, "REG-13"),
        ("person.position", &p.position, "REG-13"),
    ]);
    v.extend(limited(&[
        ("person.person_id", &p.person_id, limits::IDENTIFIER),
        ("person.full_name", &p.full_name, limits::NAME),
        ("person.position", &p.position, limits::NAME),
        ("person.phone", &p.phone, limits::PHONE),
        ("person.email", &p.email, limits::EMAIL),
    ]));
    if let Err(e) = number::check_person_branch(&p.regional_branch_code) {
        v.push(FieldViolation::new("person.regional_branch_code", e));
    }
    if !checks::phone_shape_ok(p.phone.trim()) {
        v.push(FieldViolation::new(
            "person.phone",
            format!(
                "{} is not a telephone number (REG-13: contact details)",
                quote(&p.phone)
            ),
        ));
    }
    if !checks::email_shape_ok(p.email.trim()) {
        v.push(FieldViolation::new(
            "person.email",
            format!(
                "{} is not an e-mail address (REG-13: contact details)",
                quote(&p.email)
            ),
        ));
    }
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    let person = AuthorizedPerson {
        person_id: p.person_id.trim().to_owned(),
        full_name: p.full_name.trim().to_owned(),
        position: p.position.trim().to_owned(),
        branch_code: p.regional_branch_code.trim().to_owned(),
        phone: p.phone.trim().to_owned(),
        email: p.email.trim().to_owned(),
        active: p.active,
    };
    let op = async |tx: &mut sqlx::AnyConnection| {
        registry.save_person(tx, &person, caller.as_ref()).await
    };
    registry
        .idempotent("SaveAuthorizedPerson", &req.idempotency_key, &req, op)
        .await
}

impl Registry {
    async fn save_person(
        &self,
        tx: &mut sqlx::AnyConnection,
        person: &AuthorizedPerson,
        caller: Option<&Caller>,
    ) -> Result<SaveAuthorizedPersonResponse, Status> {
        let now = self.now();
        let row = PersonRow {
            person: person.clone(),
            updated_at: now,
        };
        let before = store::get_person(tx, &person.person_id)
            .await
            .map_err(db_err)?;
        // The person saved over must be of the caller's branch too: a branch officer neither
        // moves nor deactivates another branch's authorized person.
        if let Some(b) = &before {
            ensure_branch(
                caller,
                &b.person.branch_code,
                "the authorized person saved over",
            )?;
        }
        let changed = person::list_changed(before.as_ref().map(|b| &b.person), person);
        store::upsert_person(tx, &row).await.map_err(db_err)?;
        if changed {
            // REG-13: the Ministry forwards every change of the list to NO and CH customs.
            // No period is set by law; the notice is due by the next working day.
            let due_on = self
                .calendar
                .next_working_day(self.today())
                .map_err(|e| Status::failed_precondition(e.to_string()))?;
            let notice = Notice {
                idempotency_key: format!(
                    "authorized-persons-changed:{}:{}",
                    person.person_id,
                    uuid::Uuid::new_v4()
                ),
                kind: "AUTHORIZED_PERSONS_CHANGED".into(),
                rule_id: "REG-13".into(),
                recipient: "MINISTRY".into(),
                recipient_email: String::new(),
                channel: NoticeChannel::Inbox.code().into(),
                primary_language: "RU".into(),
                facts: person.change_facts(before.is_none()),
                due_on,
            };
            store::insert_notice(tx, &notice, now)
                .await
                .map_err(internal)?;
        }
        Ok(SaveAuthorizedPersonResponse {
            person: Some(convert::person_proto(&row)),
        })
    }
}

pub(super) async fn list(
    registry: &Registry,
    req: ListAuthorizedPersonsRequest,
) -> Result<ListAuthorizedPersonsResponse, Status> {
    let mut conn = registry.db.pool.acquire().await.map_err(db_err)?;
    let rows = store::persons(&mut conn, req.include_inactive)
        .await
        .map_err(db_err)?;
    Ok(ListAuthorizedPersonsResponse {
        persons: rows.iter().map(convert::person_proto).collect(),
    })
}

/// The sending as the contract shows it, with the list as it was sent.
fn sending_proto(s: &store::ListSendingRow) -> Result<PersonListSending, Status> {
    let sent = ListAuthorizedPersonsResponse::decode(s.persons.as_slice()).map_err(internal)?;
    Ok(PersonListSending {
        sending_id: s.sending_id.clone(),
        importing_country: convert::importing_country_proto(s.country) as i32,
        sent_on: Some(date_to_proto(s.sent_on)),
        addressee: s.addressee.clone(),
        channel: s.channel.clone(),
        reference: s.reference.clone(),
        persons: sent.persons,
        recorded_by: s.recorded_by.clone(),
        recorded_at: Some(timestamp_to_proto(s.recorded_at)),
        acknowledged_on: s.acknowledged_on.map(date_to_proto),
    })
}

/// Who records a sending: the token's subject (development without tokens says so).
fn recorder(caller: Option<&Caller>) -> String {
    caller.map_or_else(|| "(no authentication)".to_owned(), |c| c.sub.clone())
}

/// RecordPersonListSending (REG-13): the list as it stands now is what was sent.
pub(super) async fn record_sending(
    registry: &Registry,
    caller: Option<Caller>,
    req: RecordPersonListSendingRequest,
) -> Result<RecordPersonListSendingResponse, Status> {
    let mut v = missing(&[
        (
            "addressee",
            &req.addressee,
            "REG-13: the customs authority addressed",
        ),
        ("channel", &req.channel, "REG-13: how the list was sent"),
        (
            "reference",
            &req.reference,
            "REG-13: the sending's outgoing reference",
        ),
    ]);
    v.extend(limited(&[
        ("addressee", &req.addressee, limits::NAME),
        ("channel", &req.channel, limits::IDENTIFIER),
        ("reference", &req.reference, limits::IDENTIFIER),
    ]));
    let country = convert::importing_country(req.importing_country);
    if country.is_none() {
        v.push(FieldViolation::new(
            "importing_country",
            "must be NO or CH: the list goes to the customs of Norway and Switzerland (REG-13)",
        ));
    }
    let sent_on = date_from_proto("sent_on", req.sent_on.as_ref())
        .map_err(|e| v.push(e))
        .ok();
    if let Some(on) = sent_on.filter(|on| *on > registry.today()) {
        v.push(FieldViolation::new(
            "sent_on",
            format!("{on} is in the future (REG-13)"),
        ));
    }
    let (Some(country), Some(sent_on)) = (country, sent_on) else {
        return Err(invalid_argument(&v));
    };
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    let recorded_by = recorder(caller.as_ref());
    let op = async |tx: &mut sqlx::AnyConnection| {
        let rows = store::persons(tx, true).await.map_err(db_err)?;
        let persons: Vec<AuthorizedPerson> = rows.iter().map(|r| r.person.clone()).collect();
        let sent = ListAuthorizedPersonsResponse {
            persons: rows.iter().map(convert::person_proto).collect(),
        };
        let sending = store::ListSendingRow {
            sending_id: uuid::Uuid::new_v4().to_string(),
            country,
            sent_on,
            addressee: req.addressee.trim().to_owned(),
            channel: req.channel.trim().to_owned(),
            reference: req.reference.trim().to_owned(),
            list_text: person::list_text(&persons),
            persons: sent.encode_to_vec(),
            recorded_by: recorded_by.clone(),
            recorded_at: registry.now(),
            acknowledged_on: None,
        };
        store::insert_list_sending(tx, &sending)
            .await
            .map_err(db_err)?;
        tracing::info!(country = country.code(), persons = persons.len(), reference = %sending.reference, "list of authorized persons sent (REG-13)");
        Ok(RecordPersonListSendingResponse {
            sending: Some(sending_proto(&sending)?),
        })
    };
    registry
        .idempotent("RecordPersonListSending", &req.idempotency_key, &req, op)
        .await
}

/// AcknowledgePersonListSending (REG-13).
pub(super) async fn acknowledge_sending(
    registry: &Registry,
    req: AcknowledgePersonListSendingRequest,
) -> Result<AcknowledgePersonListSendingResponse, Status> {
    let on = date_from_proto("acknowledged_on", req.acknowledged_on.as_ref())
        .map_err(|e| invalid_argument(&[e]))?;
    let id = req.sending_id.trim().to_owned();
    let op = async |tx: &mut sqlx::AnyConnection| {
        let not_found = || Status::not_found(format!("no sending {} (REG-13)", quote(&id)));
        let before = store::list_sending(tx, &id)
            .await
            .map_err(db_err)?
            .ok_or_else(not_found)?;
        if on < before.sent_on {
            return Err(invalid_field(
                "acknowledged_on",
                format!("{on} is before the sending of {} (REG-13)", before.sent_on),
            ));
        }
        store::acknowledge_list_sending(tx, &id, on)
            .await
            .map_err(db_err)?;
        let after = store::list_sending(tx, &id)
            .await
            .map_err(db_err)?
            .ok_or_else(not_found)?;
        Ok(AcknowledgePersonListSendingResponse {
            sending: Some(sending_proto(&after)?),
        })
    };
    registry
        .idempotent(
            "AcknowledgePersonListSending",
            &req.idempotency_key,
            &req,
            op,
        )
        .await
}

/// ListPersonListSendings (REG-13): every sending, and whose customs are owed the list now.
pub(super) async fn list_sendings(
    registry: &Registry,
    _req: ListPersonListSendingsRequest,
) -> Result<ListPersonListSendingsResponse, Status> {
    let mut conn = registry.db.pool.acquire().await.map_err(db_err)?;
    let rows = store::persons(&mut conn, true).await.map_err(db_err)?;
    let persons: Vec<AuthorizedPerson> = rows.iter().map(|r| r.person.clone()).collect();
    let current = person::list_text(&persons);
    let sendings = store::list_sendings(&mut conn).await.map_err(db_err)?;
    let owed_to = Country::ALL
        .into_iter()
        .filter(|country| {
            let last = sendings
                .iter()
                .rev()
                .find(|s| s.country == *country)
                .map(|s| s.list_text.as_str());
            person::sending_owed(&current, last)
        })
        .map(|country| convert::importing_country_proto(country) as i32)
        .collect();
    Ok(ListPersonListSendingsResponse {
        sendings: sendings
            .iter()
            .map(sending_proto)
            .collect::<Result<_, _>>()?,
        owed_to,
    })
}
