//! SaveAuthorizedPerson and ListAuthorizedPersons (REG-13).

use rex_proto::registration::*;
use rex_registration_domain::person::{self, AuthorizedPerson};
use rex_registration_domain::{NoticeChannel, checks, limits, number};
use rex_runtime::auth::{Caller, ensure_branch};
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
