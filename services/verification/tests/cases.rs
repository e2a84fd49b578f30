//! The verification service alone over a real socket, on SQLite and on PostgreSQL: what it
//! refuses before it asks the registry anything. The cases that need the registry are in the
//! end-to-end tests (tests/tests/verification_registration.rs).

#![allow(clippy::unwrap_used)]

use rex_proto::verification::*;
use rex_testkit::*;
use tonic::Code;

async fn ver_1_only_norway_or_switzerland_and_bad_input_names_field_and_rule(
    w: VerificationService,
) {
    let mut client = w.client();
    let err = client
        .open_case(OpenCaseRequest {
            requesting_country: 0,
            foreign_reference: String::new(),
            registration_number: "KZREX0021903".into(),
            received_at: None,
            responsible_officer_id: "MTI-7".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    for part in [
        "requesting_country: must be NO or CH",
        "(VER-1)",
        "foreign_reference: is required",
        "registration_number: ",
        "received_at: is required",
    ] {
        assert!(err.message().contains(part), "{part} in {}", err.message());
    }
    assert!(
        client
            .list_cases(ListCasesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cases
            .is_empty()
    );
}
on_both_backends!(
    spawn_verification => ver_1_only_norway_or_switzerland_and_bad_input_names_field_and_rule
);

async fn ver_3_each_consultation_of_rex_in_a_case_is_recorded(w: VerificationService) {
    let number = "KZREX002190320260001";
    let received = chrono::DateTime::parse_from_rfc3339("2026-03-19T05:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let case = w
        .open(scenario::open_case("NO-2026-9", number, received))
        .await;
    let mut client = w.client();
    let consult = |seen: &str, number: &str, key: &str| RecordRexConsultationRequest {
        idempotency_key: key.into(),
        case_id: case.case_id.clone(),
        registration_number: number.into(),
        seen: seen.into(),
        officer_id: "MTI-7".into(),
    };
    let seen = "Active since 19.03.2026; goods 0401, 0402; no revocation";
    let answer = client
        .record_rex_consultation(consult(seen, number, "c-1"))
        .await
        .unwrap()
        .into_inner()
        .case
        .unwrap();
    let recorded = &answer.rex_consultations;
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (
            recorded[0].registration_number.as_str(),
            recorded[0].seen.as_str(),
            recorded[0].officer_id.as_str()
        ),
        (number, seen, "MTI-7")
    );
    assert!(recorded[0].consulted_at.is_some());
    // A retry under the same key records nothing more; a second consultation is kept after it.
    client
        .record_rex_consultation(consult(seen, number, "c-1"))
        .await
        .unwrap();
    client
        .record_rex_consultation(consult("Revoked on 01.04.2026", number, "c-2"))
        .await
        .unwrap();
    let again = client
        .get_case(GetCaseRequest {
            case_id: case.case_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .case
        .unwrap();
    let seen_in_order: Vec<&str> = again
        .rex_consultations
        .iter()
        .map(|c| c.seen.as_str())
        .collect();
    assert_eq!(seen_in_order, [seen, "Revoked on 01.04.2026"]);
    // Bad input names each field and the rule.
    let err = client
        .record_rex_consultation(consult(" ", "KZREX12345", "c-3"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    for part in ["registration_number: ", "seen: is required", "(VER-3)"] {
        assert!(err.message().contains(part), "{part} in {}", err.message());
    }
    let unknown = client
        .record_rex_consultation(RecordRexConsultationRequest {
            case_id: "MTI-VER-404".into(),
            ..consult(seen, number, "c-4")
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{}", unknown.message());
}
on_both_backends!(spawn_verification => ver_3_each_consultation_of_rex_in_a_case_is_recorded);
