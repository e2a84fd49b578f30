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
