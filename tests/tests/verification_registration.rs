//! End-to-end: the verification and registration services as real servers on loopback, talking
//! gRPC to each other, driven by real clients. Each test names the rules it checks.

#![allow(clippy::unwrap_used)]

use rex_proto::common::StepState;
use rex_proto::registration::{GetRegistrationRequest, RegistrationStatus};
use rex_proto::verification::*;
use rex_testkit::*;
use tonic::Code;

/// The suite as these tests want it: the notices stay in the outboxes.
async fn suite_without_relays(backend: Backend) -> Suite {
    Suite::builder(backend).relay(false).spawn().await
}

fn due(case: &Case, rule: &str) -> Option<rex_proto::google::r#type::Date> {
    case.steps
        .iter()
        .find(|s| s.rule_id == rule)
        .and_then(|s| s.due.as_ref())
        .and_then(|d| d.due)
}

fn state(case: &Case, rule: &str) -> i32 {
    case.steps
        .iter()
        .find(|s| s.rule_id == rule)
        .map(|s| s.state)
        .unwrap_or_default()
}

async fn check_all(w: &Suite, case: &Case) -> Case {
    let docs = case.dossier.as_ref().unwrap().documents.clone();
    let mut findings: Vec<CheckFinding> = docs
        .iter()
        .map(|d| CheckFinding {
            document_id: d.document_id.clone(),
            complete: true,
            reliable: true,
            note: format!("{} checked", d.file_name),
        })
        .collect();
    findings.push(CheckFinding {
        document_id: String::new(),
        complete: true,
        reliable: true,
        note: "REX data match the application".into(),
    });
    w.verification
        .client()
        .record_check(RecordCheckRequest {
            idempotency_key: String::new(),
            case_id: case.case_id.clone(),
            findings,
            officer_id: "MTI-7".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .case
        .unwrap()
}

async fn conclude(
    w: &Suite,
    case_id: &str,
    outcome: VerificationOutcome,
    text: &str,
) -> IssueConclusionResponse {
    w.verification
        .client()
        .issue_conclusion(IssueConclusionRequest {
            idempotency_key: format!("conclude-{case_id}"),
            case_id: case_id.into(),
            outcome: outcome as i32,
            text: text.into(),
            officer_id: "MTI-7".into(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Asks Atameken for the case's dossier (VER-4); the case as it stands after.
async fn request_dossier(w: &Suite, case_id: &str) -> Case {
    w.verification
        .client()
        .request_dossier(RequestDossierRequest {
            idempotency_key: String::new(),
            case_id: case_id.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .case
        .unwrap()
}

/// Fixture 0 registered on 2 March; Norway's customs open case NO-TOLL-2026-0117 about it on
/// Thursday 19 March: (the number, the case).
async fn norways_case(w: &Suite) -> (String, Case) {
    let number = w.registered(0, "2026-03-02").await;
    let case = w
        .open("NO-TOLL-2026-0117", &number, morning(d("2026-03-19")))
        .await;
    (number, case)
}

/// As [`norways_case`], with the dossier received the same day: (the number, the case).
async fn norways_case_with_its_dossier(w: &Suite) -> (String, Case) {
    let (number, case) = norways_case(w).await;
    (number, request_dossier(w, &case.case_id).await)
}

/// As [`norways_case_with_its_dossier`], every document checked on 26 March: (the number, the
/// case).
async fn norways_case_checked(w: &Suite) -> (String, Case) {
    let (number, case) = norways_case_with_its_dossier(w).await;
    w.set_today("2026-03-26");
    (number, check_all(w, &case).await)
}

async fn ver_1_a_case_opened_on_a_foreign_request_has_its_steps_due(w: Suite) {
    let (_, case) = norways_case(&w).await;
    assert_eq!(case.status, CaseStatus::Open as i32);
    assert_eq!(
        due(&case, "VER-4"),
        Some(pdate("2026-03-27")),
        "3 WD from Thursday 19 March: 20, 26, 27 March"
    );
    assert_eq!(due(&case, "VER-2"), Some(pdate("2026-05-06")));
    assert!(!case.at_risk);
}
on_both_backends!(
    suite_without_relays => ver_1_a_case_opened_on_a_foreign_request_has_its_steps_due
);

async fn ver_2_the_same_foreign_reference_is_the_same_case(w: Suite) {
    let (number, case) = norways_case(&w).await;
    // VER-2: the same foreign reference is the same case.
    let again = w
        .open("NO-TOLL-2026-0117", &number, morning(d("2026-03-19")))
        .await;
    assert_eq!(again.case_id, case.case_id);
    assert_eq!(
        w.verification
            .client()
            .list_cases(ListCasesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cases
            .len(),
        1
    );
}
on_both_backends!(suite_without_relays => ver_2_the_same_foreign_reference_is_the_same_case);

async fn ver_5_the_dossier_comes_over_grpc_from_atameken(w: Suite) {
    // VER-4/5: the dossier comes over gRPC from Atameken.
    let (number, case) = norways_case_with_its_dossier(&w).await;
    assert_eq!(case.status, CaseStatus::DossierReceived as i32);
    let dossier = case.dossier.clone().unwrap();
    assert_eq!(dossier.registration.unwrap().registration_number, number);
    assert_eq!(dossier.documents.len(), 1);
    assert_eq!(state(&case, "VER-4"), StepState::Completed as i32);
    assert_eq!(state(&case, "VER-5"), StepState::Completed as i32);
}
on_both_backends!(suite_without_relays => ver_5_the_dossier_comes_over_grpc_from_atameken);

async fn ver_6_the_check_counts_from_the_day_the_dossier_arrived(w: Suite) {
    let (_, case) = norways_case_with_its_dossier(&w).await;
    // VER-6: counts from the day the dossier arrived (19 March): 7 WD -> 2 April.
    assert_eq!(due(&case, "VER-6"), Some(pdate("2026-04-02")));
    w.set_today("2026-03-26");
    let case = check_all(&w, &case).await;
    assert_eq!(case.status, CaseStatus::Checked as i32);
    assert_eq!(case.checked_by, "MTI-7");
}
on_both_backends!(
    suite_without_relays => ver_6_the_check_counts_from_the_day_the_dossier_arrived
);

async fn ver_7_the_conclusion_confirms_the_registration_in_json_and_html(w: Suite) {
    let (number, case) = norways_case_checked(&w).await;
    assert_eq!(
        due(&case, "VER-7"),
        Some(pdate("2026-04-06")),
        "7 WD from the check on 26 March"
    );
    // VER-7: the conclusion, as JSON and printable HTML in English.
    w.set_today("2026-03-30");
    let r = conclude(
        &w,
        &case.case_id,
        VerificationOutcome::RegistrationConfirmed,
        "The registration is well-founded.",
    )
    .await;
    let case = r.case.unwrap();
    assert_eq!(case.status, CaseStatus::Concluded as i32);
    assert!(
        case.steps.iter().all(|s| s.rule_id != "VER-8"),
        "no appeal after a confirmation"
    );
    assert_eq!(state(&case, "VER-2"), StepState::Completed as i32);
    let json: serde_json::Value = serde_json::from_slice(&r.documents[0].content).unwrap();
    assert_eq!(json["outcome"], "REGISTRATION_CONFIRMED");
    assert_eq!(json["registration_number"], number.as_str());
    assert_eq!(json["requesting_country"], "the Kingdom of Norway");
    assert_eq!(json["findings"].as_array().unwrap().len(), 2);
    let html = String::from_utf8(r.documents[1].content.clone()).unwrap();
    assert!(
        html.contains("<html lang=\"en\">")
            && html.contains(&number)
            && html.contains("well-founded")
    );
    // Stable: asking again under the same key gives the same documents.
    let again = conclude(
        &w,
        &case.case_id,
        VerificationOutcome::RegistrationConfirmed,
        "The registration is well-founded.",
    )
    .await;
    assert_eq!(again.documents, r.documents);
    let err = w
        .verification
        .client()
        .request_revocation(RequestRevocationRequest {
            idempotency_key: String::new(),
            case_id: case.case_id.clone(),
            officer_id: "MTI-7".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
}
on_both_backends!(
    suite_without_relays => ver_7_the_conclusion_confirms_the_registration_in_json_and_html
);

async fn ver_8_full_case_ending_in_revocation_exactly_once(w: Suite) {
    let number = w.registered(1, "2026-03-02").await;
    let case = w
        .open("CH-BAZG-2026-88", &number, morning(d("2026-03-19")))
        .await;
    let mut client = w.verification.client();
    let case = request_dossier(&w, &case.case_id).await;
    let case = check_all(&w, &case).await;
    let r = conclude(
        &w,
        &case.case_id,
        VerificationOutcome::ActivityCeased,
        "The exporter no longer produces the goods.",
    )
    .await;
    let case = r.case.unwrap();
    assert_eq!(
        due(&case, "VER-8"),
        Some(pdate("2026-03-27")),
        "3 WD from the conclusion on 19 March"
    );
    let answer = client
        .request_revocation(RequestRevocationRequest {
            idempotency_key: "appeal-1".into(),
            case_id: case.case_id.clone(),
            officer_id: "MTI-7".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let closed = answer.case.unwrap();
    assert_eq!(closed.status, CaseStatus::Closed as i32);
    assert_eq!(answer.revoked_on, Some(pdate("2026-03-19")));
    assert!(
        closed
            .revocation_answer
            .contains("REVOCATION_GROUND_OBLIGATIONS_NOT_KEPT"),
        "{}",
        closed.revocation_answer
    );
    // The registry shows the number revoked with the case reference.
    let reg = w
        .registration_client()
        .get_registration(GetRegistrationRequest {
            registration_number: number.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(reg.status, RegistrationStatus::Revoked as i32);
    assert_eq!(reg.revocations.len(), 1);
    assert_eq!(reg.revocations[0].case_reference, case.case_id);
    assert_eq!(reg.revocations[0].requested_by, "MINISTRY");
    // The same key for another request is refused.
    let reused = client
        .request_revocation(RequestRevocationRequest {
            idempotency_key: "appeal-1".into(),
            case_id: case.case_id.clone(),
            officer_id: "MTI-8".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::AlreadyExists);
    // Asked again: nothing more happens at Atameken.
    client
        .request_revocation(RequestRevocationRequest {
            idempotency_key: "appeal-2".into(),
            case_id: case.case_id.clone(),
            officer_id: "MTI-7".into(),
        })
        .await
        .unwrap();
    let reg = w
        .registration_client()
        .get_registration(GetRegistrationRequest {
            registration_number: number,
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(reg.revocations.len(), 1);
}
on_both_backends!(suite_without_relays => ver_8_full_case_ending_in_revocation_exactly_once);

/// Fixture 2 registered; case NO-1 opened on 19 March; the registry goes down and the dossier
/// is asked for: (the number, the case as the request left it).
async fn dossier_asked_while_the_registry_is_down(w: &mut Suite) -> (String, Case) {
    let number = w.registered(2, "2026-03-02").await;
    let case = w.open("NO-1", &number, morning(d("2026-03-19"))).await;
    w.registration.stop().await;
    let pending = request_dossier(w, &case.case_id).await;
    (number, pending)
}

async fn ver_4_a_dossier_asked_while_the_registry_is_down_stays_pending(mut w: Suite) {
    let (_, pending) = dossier_asked_while_the_registry_is_down(&mut w).await;
    assert_eq!(
        pending.status,
        CaseStatus::DossierRequested as i32,
        "dossier requested, pending"
    );
    assert!(pending.dossier.is_none());
    assert_eq!(state(&pending, "VER-4"), StepState::Completed as i32);
    let vdb = w.verification.db().await;
    let (attempts, error) =
        rex_verification::service::pending_error(&vdb, &pending.case_id, "dossier")
            .await
            .unwrap()
            .unwrap();
    assert!(attempts >= 1, "tried at least once");
    assert!(
        error.contains("Unavailable") || error.contains("Cancelled") || error.contains("Unknown"),
        "{error}"
    );
}
on_both_backends!(
    suite_without_relays => ver_4_a_dossier_asked_while_the_registry_is_down_stays_pending
);

async fn ver_5_the_registry_back_up_sends_the_dossier_once(mut w: Suite) {
    let (number, pending) = dossier_asked_while_the_registry_is_down(&mut w).await;
    w.registration.start().await;
    let done = w
        .verification
        .wait_for(&pending.case_id, CaseStatus::DossierReceived)
        .await;
    assert_eq!(
        done.dossier
            .unwrap()
            .registration
            .unwrap()
            .registration_number,
        number
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossier_requests")
        .fetch_one(&w.registration.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "Atameken answered the dossier request once");
}
on_both_backends!(suite_without_relays => ver_5_the_registry_back_up_sends_the_dossier_once);

async fn ver_restart_of_the_verification_service_mid_case_loses_nothing(mut w: Suite) {
    let number = w.registered(3, "2026-03-02").await;
    let case = w.open("NO-2", &number, morning(d("2026-03-19"))).await;
    w.registration.stop().await;
    request_dossier(&w, &case.case_id).await;
    // The Ministry's service goes down with the request pending; Atameken comes back meanwhile.
    w.verification.stop().await;
    w.registration.start().await;
    w.verification.start().await;
    let case = w
        .verification
        .wait_for(&case.case_id, CaseStatus::DossierReceived)
        .await;
    let case = check_all(&w, &case).await;
    w.verification.stop().await;
    w.verification.start().await;
    let r = conclude(
        &w,
        &case.case_id,
        VerificationOutcome::RegistrationConfirmed,
        "Confirmed.",
    )
    .await;
    assert_eq!(r.case.unwrap().status, CaseStatus::Concluded as i32);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossier_requests")
        .fetch_one(&w.registration.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}
on_both_backends!(
    suite_without_relays => ver_restart_of_the_verification_service_mid_case_loses_nothing
);

async fn ver_5_a_number_unknown_to_the_registry_ends_the_step_with_a_finding(w: Suite) {
    let case = w
        .open("NO-3", "KZREX002190320269999", morning(d("2026-03-19")))
        .await;
    let case = request_dossier(&w, &case.case_id).await;
    assert_eq!(case.status, CaseStatus::DossierReceived as i32);
    assert!(case.dossier.is_none());
    assert!(
        case.dossier_finding.contains("NotFound")
            && case.dossier_finding.contains("not in the registry"),
        "{}",
        case.dossier_finding
    );
}
on_both_backends!(
    suite_without_relays => ver_5_a_number_unknown_to_the_registry_ends_the_step_with_a_finding
);

async fn ver_2_case_opened_the_day_before_nauryz_due_dates_on_the_calendar(w: Suite) {
    w.set_today("2026-03-20");
    let number = w.registered(4, "2026-03-02").await;
    let case = w.open("NO-NAURYZ", &number, morning(d("2026-03-20"))).await;
    let expected = [
        ("VER-4", "2026-03-30"),
        ("VER-5", "2026-04-06"),
        ("VER-6", "2026-04-15"),
        ("VER-7", "2026-04-24"),
        ("VER-8", "2026-04-29"),
        ("VER-2", "2026-05-08"),
    ];
    for (rule, date) in expected {
        assert_eq!(due(&case, rule), Some(pdate(date)), "{rule}");
    }
    let ver4 = case
        .steps
        .iter()
        .find(|s| s.rule_id == "VER-4")
        .unwrap()
        .due
        .clone()
        .unwrap();
    assert!(ver4.explanation.contains("Nauryz"), "{}", ver4.explanation);
    assert_eq!(
        ver4.skipped.len(),
        7,
        "21-25 March and the weekend of 28-29 March"
    );
    // Received at 18:00: registered on the next working day, 26 March (calendar.md rule 7).
    w.clock.set_local(
        d("2026-03-20"),
        chrono::NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
    );
    let late = w
        .open(
            "NO-NAURYZ-EVENING",
            &number,
            rex_calendar::time::local(
                d("2026-03-20"),
                chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            )
            .with_timezone(&chrono::Utc),
        )
        .await;
    assert_eq!(late.received_on, Some(pdate("2026-03-26")));
    assert_eq!(due(&late, "VER-4"), Some(pdate("2026-03-31")));
}
on_both_backends!(
    suite_without_relays => ver_2_case_opened_the_day_before_nauryz_due_dates_on_the_calendar
);

async fn ver_2_deadline_watcher_warns_one_working_day_before_and_marks_overdue(w: Suite) {
    let number = w.registered(5, "2026-03-02").await;
    w.set_today("2026-06-01");
    let case = w.open("CH-WATCH", &number, morning(d("2026-06-01"))).await;
    // VER-4 is due Thursday 4 June.
    assert_eq!(due(&case, "VER-4"), Some(pdate("2026-06-04")));
    let ministry = w.verification.ministry().await;
    w.set_today("2026-06-02");
    assert_eq!(
        rex_verification::worker::watch_deadlines(&ministry)
            .await
            .unwrap(),
        (0, 0),
        "two working days ahead: no warning"
    );
    w.set_today("2026-06-03");
    assert_eq!(
        rex_verification::worker::watch_deadlines(&ministry)
            .await
            .unwrap(),
        (1, 0)
    );
    assert_eq!(
        rex_verification::worker::watch_deadlines(&ministry)
            .await
            .unwrap(),
        (0, 0),
        "once per step"
    );
    let mut conn = w.verification.db().await.pool.acquire().await.unwrap();
    let notices = rex_verification::store::notices(&mut conn).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        (
            notices[0].kind.as_str(),
            notices[0].rule_id.as_str(),
            notices[0].recipient.as_str()
        ),
        ("DEADLINE_AT_RISK", "VER-4", "MTI-7")
    );
    assert_eq!(notices[0].due_on, d("2026-06-04"));
    let mut client = w.verification.client();
    let soon = client
        .list_cases(ListCasesRequest {
            due_within_working_days: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .cases;
    assert_eq!(soon.len(), 1);
    w.set_today("2026-06-05");
    assert_eq!(
        rex_verification::worker::watch_deadlines(&ministry)
            .await
            .unwrap()
            .1,
        1,
        "VER-4 overdue"
    );
    let overdue = client
        .list_cases(ListCasesRequest {
            overdue_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .cases;
    assert_eq!(overdue.len(), 1);
    assert_eq!(state(&overdue[0], "VER-4"), StepState::Overdue as i32);
    assert!(
        client
            .list_cases(ListCasesRequest {
                status: CaseStatus::Closed as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .cases
            .is_empty()
    );
}
on_both_backends!(
    suite_without_relays => ver_2_deadline_watcher_warns_one_working_day_before_and_marks_overdue
);
