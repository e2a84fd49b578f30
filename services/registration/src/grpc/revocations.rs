//! RevokeRegistration (REV-1, REV-2) and ReinstateRegistration (REV-5).

use chrono::NaiveDate;
use rex_proto::registration::*;
use rex_registration_domain::notices::{self, RevocationNotice};
use rex_registration_domain::revocation;
use rex_registration_domain::{
    RegistrationError, RegistrationNumber, RegistrationStatus, Requester, RevocationGround, limits,
};
use rex_runtime::auth::Caller;
use rex_runtime::convert::{date_from_proto, date_to_proto};
use rex_runtime::status::{FieldViolation, invalid_argument, invalid_field};
use tonic::Status;

use super::support::{
    Actor, check_document, check_documents, db_err, limited, missing, parse_number, positioned,
    refused,
};
use super::{Exporter, Registry, convert};
use crate::store::{self, RevocationRow};

/// A revocation that passed the edge's checks.
struct Revoking {
    number: RegistrationNumber,
    ground: RevocationGround,
    requester: Requester,
    revoked_on: NaiveDate,
    /// The officer who revokes (REV-1): the caller, or the Ministry's officer for whom the
    /// verification service acts.
    officer: String,
}

pub(super) async fn revoke(
    registry: &Registry,
    caller: Option<Caller>,
    req: RevokeRegistrationRequest,
) -> Result<RevokeRegistrationResponse, Status> {
    let number = parse_number("registration_number", &req.registration_number)?;
    let mut v = Vec::new();
    let ground = convert::revocation_ground(req.ground);
    if ground.is_none() {
        v.push(FieldViolation::new(
            "ground",
            "must be a RevocationGround of REV-1 (1)-(4)",
        ));
    }
    let requester = Requester::from_code(req.requested_by.trim());
    if requester.is_none() {
        v.push(FieldViolation::new(
            "requested_by",
            "must be EXPORTER or MINISTRY (REV-1)",
        ));
    }
    if let (Some(g), Some(r)) = (ground, requester)
        && let Some((field, why)) = revocation::requester_fault(g, r, &req.case_reference)
    {
        v.push(FieldViolation::new(field, why));
    }
    let revoked_on = date_from_proto("revoked_on", req.revoked_on.as_ref())
        .map_err(|e| v.push(e))
        .ok();
    let actor = Actor::of(caller, "officer_id", &req.officer_id, "REV-1", &mut v)?;
    actor.on_branch(number.branch(), "the registration")?;
    v.extend(limited(&[
        ("case_reference", &req.case_reference, limits::IDENTIFIER),
        (
            "explanation",
            &req.explanation,
            limits::REVOCATION_EXPLANATION,
        ),
    ]));
    check_documents("documents", &req.documents, &mut v);
    let (Some(ground), Some(requester), Some(revoked_on)) = (ground, requester, revoked_on) else {
        return Err(invalid_argument(&v));
    };
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    registry
        .step(registry.periods.revocation_notice, revoked_on, None)
        .map_err(|s| invalid_field("revoked_on", s.message().to_owned()))?;
    let revoking = Revoking {
        number,
        ground,
        requester,
        revoked_on,
        officer: actor.person,
    };
    let op = async |tx: &mut sqlx::AnyConnection| registry.revoke_in(tx, &req, &revoking).await;
    registry
        .public_write("RevokeRegistration", &req.idempotency_key, &req, op)
        .await
}

impl Registry {
    async fn revoke_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        req: &RevokeRegistrationRequest,
        r: &Revoking,
    ) -> Result<RevokeRegistrationResponse, Status> {
        let reg = self.load_registration(tx, &r.number).await?;
        let number = &reg.registration_number;
        revocation::may_revoke(number, reg.status, reg.valid_from, r.revoked_on)
            .map_err(refused)?;
        let (active, revoked) = (RegistrationStatus::Active, RegistrationStatus::Revoked);
        // The conditional update keeps two concurrent revocations from both succeeding.
        if !store::set_registration_status(tx, number, active, revoked)
            .await
            .map_err(db_err)?
        {
            let number = number.clone();
            return Err(refused(RegistrationError::Rev1AlreadyRevoked { number }));
        }
        // REV-5: revoking one of two numbers a court left active is the exporter's answer.
        if let Some(kept) = store::resolve_court_choice(tx, number, r.revoked_on)
            .await
            .map_err(db_err)?
        {
            tracing::info!(revoked = %number, %kept, "the exporter's choice of number recorded (REV-5)");
        }
        let revocation = RevocationRow {
            revocation_id: uuid::Uuid::new_v4().to_string(),
            registration_number: number.clone(),
            ground: r.ground,
            revoked_on: r.revoked_on,
            requested_by: r.requester,
            case_reference: req.case_reference.trim().to_owned(),
            explanation: req.explanation.trim().to_owned(),
            officer_id: r.officer.clone(),
            recorded_at: self.now(),
            court_reference: None,
            court_decision_on: None,
            annulled_at: None,
            challenge_case_reference: String::new(),
            challenged_on: None,
            challenge_closed_on: None,
        };
        store::insert_revocation(tx, &revocation)
            .await
            .map_err(db_err)?;
        let docs = positioned(&req.documents);
        self.store_documents(
            tx,
            "revocation",
            &revocation.revocation_id,
            &docs,
            self.today(),
        )
        .await?;
        let owed = notices::registration_revoked(
            &self.periods,
            RevocationNotice {
                number,
                revocation_id: &revocation.revocation_id,
                revoked_on: r.revoked_on,
                ground: r.ground,
                requested_by: r.requester,
                case_reference: &revocation.case_reference,
                explanation: &revocation.explanation,
            },
        );
        let exporter = Exporter {
            data: &reg.data,
            language: reg.primary_language,
            channel: self.notice_channel(tx, &reg.application_id).await?,
        };
        self.owe_notice(tx, owed, exporter).await?;
        tracing::info!(number = %r.number, ground = r.ground.code(), "registration revoked");
        let reg = self.load_registration(tx, &r.number).await?;
        let answer = RevokeRegistrationResponse {
            registration: Some(self.registration_proto(tx, &reg).await?),
        };
        self.public_change(tx, &reg.registration_number).await?;
        Ok(answer)
    }
}

pub(super) async fn reinstate(
    registry: &Registry,
    caller: Option<Caller>,
    req: ReinstateRegistrationRequest,
) -> Result<ReinstateRegistrationResponse, Status> {
    let number = parse_number("registration_number", &req.registration_number)?;
    let mut v = missing(&[(
        "court_reference",
        &req.court_reference,
        "REV-5: the court decision's reference",
    )]);
    v.extend(limited(&[(
        "court_reference",
        &req.court_reference,
        limits::IDENTIFIER,
    )]));
    let actor = Actor::of(caller, "officer_id", &req.officer_id, "REV-5", &mut v)?;
    actor.on_branch(number.branch(), "the registration")?;
    let decided_on = date_from_proto("court_decision_on", req.court_decision_on.as_ref())
        .map_err(|e| v.push(e))
        .ok();
    if let Some(doc) = req.court_decision.as_ref() {
        check_document("court_decision", doc, &mut v);
    }
    let Some(decided_on) = decided_on.filter(|_| v.is_empty()) else {
        return Err(invalid_argument(&v));
    };
    let op = async |tx: &mut sqlx::AnyConnection| {
        registry.reinstate_in(tx, &req, &number, decided_on).await
    };
    registry
        .public_write("ReinstateRegistration", &req.idempotency_key, &req, op)
        .await
}

impl Registry {
    /// The registration `number` and its revocations, oldest first: what REV-5 and REV-8 decide on.
    async fn with_revocations(
        &self,
        tx: &mut sqlx::AnyConnection,
        number: &RegistrationNumber,
    ) -> Result<(store::RegistrationRow, Vec<store::RevocationRow>), Status> {
        let reg = self.load_registration(tx, number).await?;
        let revocations = store::revocations_of(tx, &reg.registration_number)
            .await
            .map_err(db_err)?;
        Ok((reg, revocations))
    }

    async fn reinstate_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        req: &ReinstateRegistrationRequest,
        number: &RegistrationNumber,
        decided_on: NaiveDate,
    ) -> Result<ReinstateRegistrationResponse, Status> {
        let (reg, revocations) = self.with_revocations(tx, number).await?;
        let index = revocation::revocation_to_annul(
            &reg.registration_number,
            reg.status,
            &revocations,
            decided_on,
        )
        .map_err(refused)?;
        let last = &revocations[index];
        let court_reference = req.court_reference.trim();
        // REV-8: an annulment decides a pending challenge of this revocation.
        store::close_challenge(tx, &last.revocation_id, decided_on)
            .await
            .map_err(db_err)?;
        store::annul_revocation(
            tx,
            &last.revocation_id,
            court_reference,
            decided_on,
            self.now(),
        )
        .await
        .map_err(db_err)?;
        // REV-5, restated: a court decision is executed even when the exporter holds a newer
        // number (REG-10 does not refuse it); both stay active, and Atameken owes the exporter
        // the question which to keep.
        let newer = store::other_active(tx, &reg.exporter_tin, &reg.registration_number)
            .await
            .map_err(db_err)?;
        if newer.is_some() {
            store::set_beside_newer(tx, &reg.registration_number, true)
                .await
                .map_err(db_err)?;
        }
        let (revoked, active) = (RegistrationStatus::Revoked, RegistrationStatus::Active);
        store::set_registration_status(tx, &reg.registration_number, revoked, active)
            .await
            .map_err(db_err)?;
        let choice = match newer {
            Some(newer) => {
                let step = self.step(self.periods.court_choice, self.today(), None)?;
                let choice = store::CourtChoice {
                    choice_id: uuid::Uuid::new_v4().to_string(),
                    exporter_tin: reg.exporter_tin.clone(),
                    reinstated_number: reg.registration_number.clone(),
                    newer_number: newer,
                    raised_on: self.today(),
                    due_on: step.due.due,
                };
                store::raise_court_choice(tx, &choice)
                    .await
                    .map_err(db_err)?;
                tracing::info!(
                    reinstated = %choice.reinstated_number,
                    newer = %choice.newer_number,
                    due = %choice.due_on,
                    "both numbers active until the exporter chooses (REV-5)"
                );
                Some(choice)
            }
            None => None,
        };
        if let Some(doc) = req.court_decision.as_ref() {
            let docs = [(1_000, doc)];
            self.store_documents(tx, "revocation", &last.revocation_id, &docs, self.today())
                .await?;
        }
        let owed = notices::registration_reinstated(
            &self.periods,
            &reg.registration_number,
            &last.revocation_id,
            court_reference,
            decided_on,
            last.revoked_on,
            self.today(),
        );
        let exporter = Exporter {
            data: &reg.data,
            language: reg.primary_language,
            channel: self.notice_channel(tx, &reg.application_id).await?,
        };
        self.owe_notice(tx, owed, exporter).await?;
        tracing::info!(number = %number, court = court_reference, "registration reinstated by court decision");
        let reg = self.load_registration(tx, number).await?;
        let answer = ReinstateRegistrationResponse {
            registration: Some(self.registration_proto(tx, &reg).await?),
            newer_registration_number: choice
                .as_ref()
                .map(|c| c.newer_number.clone())
                .unwrap_or_default(),
            choice_due_on: choice.as_ref().map(|c| date_to_proto(c.due_on)),
        };
        self.public_change(tx, &reg.registration_number).await?;
        Ok(answer)
    }
}

/// What REV-8's two commands read: the number, the court case, the date.
struct Challenge<'a> {
    number: RegistrationNumber,
    case: &'a str,
    on: NaiveDate,
}

/// Checks a court challenge's fields (REV-8), naming each at fault.
fn challenge<'a>(
    caller: Option<Caller>,
    number: &str,
    case: &'a str,
    officer_id: &str,
    (field, on): (&'static str, Option<&rex_proto::google::r#type::Date>),
) -> Result<Challenge<'a>, Status> {
    let number = parse_number("registration_number", number)?;
    let mut v = missing(&[(
        "court_case_reference",
        case,
        "REV-8: the court case contesting the revocation",
    )]);
    v.extend(limited(&[(
        "court_case_reference",
        case,
        limits::IDENTIFIER,
    )]));
    let actor = Actor::of(caller, "officer_id", officer_id, "REV-8", &mut v)?;
    actor.on_branch(number.branch(), "the registration")?;
    let on = date_from_proto(field, on).map_err(|e| v.push(e)).ok();
    let Some(on) = on.filter(|_| v.is_empty()) else {
        return Err(invalid_argument(&v));
    };
    Ok(Challenge {
        number,
        case: case.trim(),
        on,
    })
}

/// ContestRevocation (REV-8): the revocation in force is marked contested in court.
pub(super) async fn contest(
    registry: &Registry,
    caller: Option<Caller>,
    req: ContestRevocationRequest,
) -> Result<ContestRevocationResponse, Status> {
    let c = challenge(
        caller,
        &req.registration_number,
        &req.court_case_reference,
        &req.officer_id,
        ("filed_on", req.filed_on.as_ref()),
    )?;
    let op = async |tx: &mut sqlx::AnyConnection| {
        let (reg, revocations) = registry.with_revocations(tx, &c.number).await?;
        let index = revocation::revocation_to_contest(
            &reg.registration_number,
            reg.status,
            &revocations,
            c.on,
        )
        .map_err(refused)?;
        store::contest(tx, &revocations[index].revocation_id, c.case, c.on)
            .await
            .map_err(db_err)?;
        tracing::info!(number = %c.number, case = c.case, "revocation contested in court (REV-8)");
        Ok(ContestRevocationResponse {
            registration: Some(registry.registration_proto(tx, &reg).await?),
        })
    };
    registry
        .public_write("ContestRevocation", &req.idempotency_key, &req, op)
        .await
}

/// DismissChallenge (REV-8): the court dismissed the challenge; the revocation stands.
pub(super) async fn dismiss(
    registry: &Registry,
    caller: Option<Caller>,
    req: DismissChallengeRequest,
) -> Result<DismissChallengeResponse, Status> {
    let c = challenge(
        caller,
        &req.registration_number,
        &req.court_case_reference,
        &req.officer_id,
        ("dismissed_on", req.dismissed_on.as_ref()),
    )?;
    let op = async |tx: &mut sqlx::AnyConnection| {
        let (reg, revocations) = registry.with_revocations(tx, &c.number).await?;
        let index =
            revocation::challenge_to_dismiss(&reg.registration_number, &revocations, c.case)
                .map_err(refused)?;
        store::close_challenge(tx, &revocations[index].revocation_id, c.on)
            .await
            .map_err(db_err)?;
        tracing::info!(number = %c.number, case = c.case, "court challenge dismissed (REV-8)");
        Ok(DismissChallengeResponse {
            registration: Some(registry.registration_proto(tx, &reg).await?),
        })
    };
    registry
        .public_write("DismissChallenge", &req.idempotency_key, &req, op)
        .await
}
