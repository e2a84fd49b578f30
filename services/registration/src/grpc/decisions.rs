//! RegisterExporter (REG-6, REG-7, REG-8, REG-10, REG-13) and RefuseApplication (REG-9).

use rex_proto::registration::*;
use rex_registration_domain::application::{self, Pending};
use rex_registration_domain::number::MAX_SEQUENCE;
use rex_registration_domain::{
    ApplicationStatus, RegistrationError, RegistrationNumber, RegistrationStatus, limits, notices,
};
use rex_runtime::auth::Caller;
use rex_runtime::db::is_unique_violation;
use rex_runtime::status::{FieldViolation, internal, invalid_argument, quote};
use tonic::Status;

use super::support::{Actor, db_err, limited, missing, refused};
use super::{Exporter, Registry, convert};
use crate::store::{self, ApplicationRow, RegistrationRow};

/// The grounds of a refusal in REG-9: (1) to (3).
const REG_9_GROUNDS: usize = rex_registration_domain::RefusalReason::ALL.len();

fn pending(app: &ApplicationRow) -> Pending<'_> {
    Pending {
        application_id: &app.application_id,
        status: app.status,
        findings: &app.findings,
        exporter_tin: &app.exporter_tin,
    }
}

async fn load_application(
    tx: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<ApplicationRow, Status> {
    store::get_application(tx, id.trim())
        .await
        .map_err(db_err)?
        .ok_or_else(|| Status::not_found(format!("application_id: no application {}", quote(id))))
}

pub(super) async fn register(
    registry: &Registry,
    caller: Option<Caller>,
    req: RegisterExporterRequest,
) -> Result<RegisterExporterResponse, Status> {
    let mut v = missing(&[("application_id", &req.application_id, "REG-6")]);
    v.extend(limited(&[(
        "application_id",
        &req.application_id,
        limits::IDENTIFIER,
    )]));
    let actor = Actor::of(
        caller,
        "authorized_person_id",
        &req.authorized_person_id,
        "REG-6: the authorized person who registers",
        &mut v,
    )?;
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    let op = async |tx: &mut sqlx::AnyConnection| registry.register_in(tx, &req, &actor).await;
    registry
        .public_write("RegisterExporter", &req.idempotency_key, &req, op)
        .await
}

impl Registry {
    async fn register_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        req: &RegisterExporterRequest,
        actor: &Actor,
    ) -> Result<RegisterExporterResponse, Status> {
        let app = load_application(tx, &req.application_id).await?;
        actor.on_branch(&app.branch_code, "the application")?;
        let person_id = actor.person.as_str();
        let person = store::get_person(tx, person_id).await.map_err(db_err)?;
        let active = store::active_registration_for_tin(tx, &app.exporter_tin)
            .await
            .map_err(db_err)?;
        application::may_register(
            pending(&app),
            person_id,
            person.as_ref().is_some_and(|p| p.person.active),
            active.as_deref(),
        )
        .map_err(refused)?;
        let sequence = store::next_sequence(tx, MAX_SEQUENCE)
            .await
            .map_err(db_err)?
            .ok_or(RegistrationError::Reg7SequenceUsedUp { max: MAX_SEQUENCE })
            .map_err(refused)?;
        let number = RegistrationNumber::new(&app.branch_code, app.received_on, sequence)
            .ok_or_else(|| {
                internal(anyhow::anyhow!(
                    "bad branch code stored for {}",
                    app.application_id
                ))
            })?;
        let (now, today) = (self.now(), self.today());
        let data = app.form.data.clone().unwrap_or_default();
        let row = RegistrationRow {
            registration_number: number.to_string(),
            application_id: app.application_id.clone(),
            exporter_tin: app.exporter_tin.clone(),
            branch_code: app.branch_code.clone(),
            primary_language: app.primary_language,
            valid_from: app.received_on,
            assigned_on: today,
            assigned_at: now,
            authorized_person_id: person_id.to_owned(),
            status: RegistrationStatus::Active,
            data: data.clone(),
        };
        if let Err(err) = store::insert_registration(tx, &row, sequence).await {
            return Err(if is_unique_violation(&err) {
                refused(RegistrationError::Reg10RegisteredConcurrently {
                    tin: app.exporter_tin.clone(),
                })
            } else {
                db_err(err)
            });
        }
        let decision = store::Decision {
            status: ApplicationStatus::Registered,
            decided_by: &row.authorized_person_id,
            decided_at: now,
            decided_on: today,
            refusal_reasons: &[],
            refusal_explanation: "",
            registration_number: Some(&row.registration_number),
        };
        let decided = store::decide_application(tx, &app.application_id, &decision)
            .await
            .map_err(db_err)?;
        if !decided {
            return Err(Status::aborted(
                "the application was decided concurrently; retry",
            ));
        }
        let owed = notices::registration_confirmed(
            &self.periods,
            &row.registration_number,
            row.valid_from,
            today,
        );
        let exporter = Exporter {
            data: &data,
            language: app.primary_language,
            channel: app.channel.notice_channel(),
        };
        self.owe_notice(tx, owed, exporter).await?;
        tracing::info!(number = %row.registration_number, application_id = %app.application_id, "exporter registered");
        let registration = self.registration_proto(tx, &row).await?;
        self.public_change(tx, &row.registration_number).await?;
        Ok(RegisterExporterResponse {
            registration: Some(registration),
        })
    }
}

pub(super) async fn refuse(
    registry: &Registry,
    caller: Option<Caller>,
    req: RefuseApplicationRequest,
) -> Result<RefuseApplicationResponse, Status> {
    let mut v = missing(&[
        ("application_id", &req.application_id, "REG-9"),
        (
            "explanation",
            &req.explanation,
            "REG-9: the refusal notice gives its reasons",
        ),
    ]);
    v.extend(limited(&[
        ("application_id", &req.application_id, limits::IDENTIFIER),
        ("explanation", &req.explanation, limits::TEXT),
    ]));
    let actor = Actor::of(caller, "officer_id", &req.officer_id, "REG-9", &mut v)?;
    if req.reasons.is_empty() {
        v.push(FieldViolation::new(
            "reasons",
            "at least one RefusalReason is required (REG-9)",
        ));
    }
    let mut reasons = Vec::new();
    // REG-9 has three grounds: more entries than that repeat one, or are not grounds.
    if req.reasons.len() > REG_9_GROUNDS {
        v.push(FieldViolation::new(
            "reasons",
            format!(
                "has {} entries; REG-9 has {REG_9_GROUNDS} grounds, each given once",
                req.reasons.len()
            ),
        ));
    } else {
        for (i, r) in req.reasons.iter().enumerate() {
            match convert::refusal_reason(*r) {
                None => v.push(FieldViolation::new(
                    format!("reasons[{i}]"),
                    "must be a RefusalReason of REG-9 (1)-(3)",
                )),
                Some(reason) if reasons.contains(&reason) => v.push(FieldViolation::new(
                    format!("reasons[{i}]"),
                    "repeats a ground given before (REG-9)",
                )),
                Some(reason) => reasons.push(reason),
            }
        }
    }
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    let op =
        async |tx: &mut sqlx::AnyConnection| registry.refuse_in(tx, &req, &reasons, &actor).await;
    registry
        .idempotent("RefuseApplication", &req.idempotency_key, &req, op)
        .await
}

impl Registry {
    async fn refuse_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        req: &RefuseApplicationRequest,
        reasons: &[rex_registration_domain::RefusalReason],
        actor: &Actor,
    ) -> Result<RefuseApplicationResponse, Status> {
        let app = load_application(tx, &req.application_id).await?;
        actor.on_branch(&app.branch_code, "the application")?;
        application::may_refuse(pending(&app)).map_err(refused)?;
        let (now, today) = (self.now(), self.today());
        let decision = store::Decision {
            status: ApplicationStatus::Refused,
            decided_by: &actor.person,
            decided_at: now,
            decided_on: today,
            refusal_reasons: reasons,
            refusal_explanation: req.explanation.trim(),
            registration_number: None,
        };
        let decided = store::decide_application(tx, &app.application_id, &decision)
            .await
            .map_err(db_err)?;
        if !decided {
            return Err(Status::aborted(
                "the application was decided concurrently; retry",
            ));
        }
        let data = app.form.data.clone().unwrap_or_default();
        let owed = notices::application_refused(
            &self.periods,
            &app.application_id,
            app.received_on,
            reasons,
            req.explanation.trim(),
        );
        let exporter = Exporter {
            data: &data,
            language: app.primary_language,
            channel: app.channel.notice_channel(),
        };
        self.owe_notice(tx, owed, exporter).await?;
        let row = load_application(tx, &app.application_id).await?;
        tracing::info!(application_id = %app.application_id, "application refused");
        Ok(RefuseApplicationResponse {
            application: Some(self.application_proto(tx, &row, false).await?),
        })
    }
}
