//! End-to-end: the registration service over a real socket with a real gRPC client, on SQLite
//! and on PostgreSQL. Each test names the rule it checks.

#![allow(clippy::unwrap_used)]

use rex_proto::common::{DocumentKind, ImportingCountry, Money};
use rex_proto::registration::*;
use rex_testkit::scenario::{self, RegistrationDataExt};
use rex_testkit::*;
use tonic::Code;

fn violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| (v.field, v.description))
                .collect()
        })
        .unwrap_or_default()
}

// ---- REG-2..4: application No. 1 ---------------------------------------------------------------

async fn reg_2_paper_application_is_stored_with_documents_and_due_dates(
    mut s: RegistrationService,
) {
    let form = form(0, SubmissionChannel::Paper, morning(d("2026-03-19")));
    let content = form.documents[0].content.clone();
    let r = s.submit(form).await;
    let app = r.application.unwrap();
    assert_eq!(app.status, ApplicationStatus::Received as i32);
    assert!(app.findings.is_empty(), "{:?}", app.findings);
    assert_eq!(app.received_on, Some(pdate("2026-03-19")));
    // REG-9: +3 WD and REG-6: +5 WD across Nauryz, each with its explanation.
    let refusal = r.refusal_due.unwrap();
    assert_eq!(
        (refusal.rule_id.as_str(), refusal.due),
        ("REG-9", Some(pdate("2026-03-27")))
    );
    assert!(
        refusal.explanation.contains("Nauryz"),
        "{}",
        refusal.explanation
    );
    let registration = r.registration_due.unwrap();
    assert_eq!(
        (registration.rule_id.as_str(), registration.due),
        ("REG-6", Some(pdate("2026-03-31")))
    );
    assert_eq!(registration.skipped.len(), 7, "{:?}", registration.skipped);
    // The document is stored with its SHA-256; listings carry no content.
    let got = s
        .client
        .get_application(GetApplicationRequest {
            application_id: app.application_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let doc = &got.form.unwrap().documents[0];
    assert!(doc.content.is_empty());
    assert_eq!(
        doc.sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&content))
    );
    assert_eq!(doc.size_bytes, content.len() as u64);
    assert_eq!(
        doc.keep_until,
        Some(pdate("2031-03-19")),
        "RET-1: 5 years from receipt"
    );
}
on_both_backends!(
    spawn_registration => reg_2_paper_application_is_stored_with_documents_and_due_dates
);

async fn reg_2_electronic_application_with_bad_bin_is_refused_at_the_door_and_nothing_stored(
    mut s: RegistrationService,
) {
    let mut f = form(0, SubmissionChannel::Electronic, morning(d("2026-03-19")));
    f.data.as_mut().unwrap().exporter.as_mut().unwrap().tin = "110340517505".into();
    let err = s
        .client
        .submit_application(SubmitApplicationRequest {
            idempotency_key: String::new(),
            form: Some(f),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("form.data.exporter.tin: box 1: BIN/IIN 110340517505 has check digit 5 but its first 11 digits give 4 (REG-2)"), "{}", err.message());
    assert_eq!(violations(&err)[0].0, "form.data.exporter.tin");
    assert_eq!(s.count("applications").await, 0);
    assert_eq!(s.count("documents").await, 0);
}
on_both_backends!(
    spawn_registration => reg_2_electronic_application_with_bad_bin_is_refused_at_the_door_and_nothing_stored
);

/// Fixture 1's paper application with a gap in every box the rules check: a short BIN, no
/// English name, a bad e-mail and phone, a bad HS heading, no undertaking, no origin evidence
/// and a representative without a power of attorney. Stored, with its findings.
async fn paper_application_with_gaps(s: &mut RegistrationService) -> Application {
    let mut f = form(1, SubmissionChannel::Paper, morning(d("2026-03-19")));
    let data = f.data.as_mut().unwrap();
    data.exporter.as_mut().unwrap().tin = "123".into();
    data.exporter
        .as_mut()
        .unwrap()
        .name
        .as_mut()
        .unwrap()
        .english
        .clear();
    data.contact.as_mut().unwrap().email = "not-an-email".into();
    data.contact.as_mut().unwrap().phone = "call us".into();
    data.goods[0].hs_code = "03X".into();
    f.undertakings.as_mut().unwrap().accepted = false;
    f.documents.clear();
    f.documents.push(document(
        DocumentKind::CommercialDocument,
        "invoice.pdf",
        b"%PDF invoice",
    ));
    f.representative = Some(Representative {
        name: "B. Agent".into(),
        power_of_attorney: None,
    });
    s.submit(f).await.application.unwrap()
}

/// Each of `expected` (box, field, rule) is among the application's findings.
fn assert_findings(app: &Application, expected: &[(&str, &str, &str)]) {
    let found: Vec<(String, String, String)> = app
        .findings
        .iter()
        .map(|f| (f.r#box.clone(), f.field.clone(), f.rule_id.clone()))
        .collect();
    for expected in expected {
        assert!(
            found.contains(&(expected.0.into(), expected.1.into(), expected.2.into())),
            "missing {expected:?} in {found:?}"
        );
    }
}

async fn reg_2_paper_application_with_gaps_is_stored_with_findings_naming_box_and_rule(
    mut s: RegistrationService,
) {
    let app = paper_application_with_gaps(&mut s).await;
    assert_findings(
        &app,
        &[
            ("1", "form.data.exporter.tin", "REG-2"),
            ("2", "form.data.contact.email", "REG-2"),
            ("2", "form.data.contact.phone", "REG-2"),
            ("4", "form.data.goods[0].hs_code", "REG-2"),
            ("5", "form.undertakings.accepted", "REG-2"),
        ],
    );
    assert!(
        app.findings
            .iter()
            .any(|f| f.message.contains("BIN/IIN \"123\" must have 12 digits")),
        "{:?}",
        app.findings
    );
    // An application with findings is refused, not registered.
    s.authorized_person().await;
    let err = s
        .client
        .register_exporter(RegisterExporterRequest {
            idempotency_key: String::new(),
            application_id: app.application_id,
            authorized_person_id: "AP-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message().contains("refuse it under REG-9"),
        "{}",
        err.message()
    );
}
on_both_backends!(
    spawn_registration =>
        reg_2_paper_application_with_gaps_is_stored_with_findings_naming_box_and_rule
);

async fn reg_3_paper_application_without_its_documents_is_stored_with_findings(
    mut s: RegistrationService,
) {
    let app = paper_application_with_gaps(&mut s).await;
    assert_findings(
        &app,
        &[
            ("", "form.documents", "REG-3"),
            ("", "form.representative.power_of_attorney", "REG-3"),
        ],
    );
}
on_both_backends!(
    spawn_registration => reg_3_paper_application_without_its_documents_is_stored_with_findings
);

async fn reg_4_paper_application_without_the_english_name_is_stored_with_a_finding(
    mut s: RegistrationService,
) {
    let app = paper_application_with_gaps(&mut s).await;
    assert_findings(&app, &[("1", "form.data.exporter.name.english", "REG-4")]);
}
on_both_backends!(
    spawn_registration => reg_4_paper_application_without_the_english_name_is_stored_with_a_finding
);

async fn reg_2_hs_chapters_only_when_over_20_headings(mut s: RegistrationService) {
    let mut f = form(2, SubmissionChannel::Paper, morning(d("2026-03-19")));
    let data = f.data.as_mut().unwrap();
    data.goods[0].hs_code = "72".into();
    data.hs_heading_count = 23;
    let app = s.submit(f.clone()).await.application.unwrap();
    assert!(app.findings.is_empty(), "{:?}", app.findings);
    f.data.as_mut().unwrap().hs_heading_count = 20;
    let app = s.submit(f).await.application.unwrap();
    assert_eq!(app.findings.len(), 1, "{:?}", app.findings);
    assert_eq!(
        (
            app.findings[0].field.as_str(),
            app.findings[0].rule_id.as_str()
        ),
        ("form.data.hs_heading_count", "REG-2")
    );
}
on_both_backends!(spawn_registration => reg_2_hs_chapters_only_when_over_20_headings);

async fn bad_input_is_invalid_argument_naming_field_and_rule_with_nothing_stored(
    mut s: RegistrationService,
) {
    let base = form(0, SubmissionChannel::Paper, morning(d("2026-03-19")));
    let cases: Vec<(&str, ApplicationForm, &str)> = vec![
        (
            "zero channel",
            ApplicationForm {
                channel: 0,
                ..base.clone()
            },
            "form.channel: must be PAPER or ELECTRONIC (REG-2)",
        ),
        (
            "English as primary",
            ApplicationForm {
                primary_language: rex_proto::common::Language::En as i32,
                ..base.clone()
            },
            "form.primary_language: must be KK or RU",
        ),
        (
            "no received_at",
            ApplicationForm {
                received_at: None,
                ..base.clone()
            },
            "form.received_at: is required",
        ),
        (
            "future received_at",
            ApplicationForm {
                received_at: Some(rex_runtime::convert::timestamp_to_proto(morning(d(
                    "2026-03-25",
                )))),
                ..base.clone()
            },
            "is in the future (REG-6)",
        ),
        (
            "bad branch",
            ApplicationForm {
                regional_branch_code: "2".into(),
                ..base.clone()
            },
            "form.regional_branch_code: \"2\" must be the 3-digit code of Atameken's regional branch (REG-7)",
        ),
        (
            "damaged document",
            ApplicationForm {
                documents: vec![rex_proto::common::Document {
                    sha256: "00".repeat(32),
                    ..base.documents[0].clone()
                }],
                ..base.clone()
            },
            "form.documents[0].sha256: does not match the content's SHA-256",
        ),
        (
            "empty document",
            ApplicationForm {
                documents: vec![rex_proto::common::Document {
                    content: vec![],
                    sha256: String::new(),
                    ..base.documents[0].clone()
                }],
                ..base.clone()
            },
            "form.documents[0].content: is empty",
        ),
    ];
    for (what, f, expected) in cases {
        let err = s
            .client
            .submit_application(SubmitApplicationRequest {
                idempotency_key: String::new(),
                form: Some(f),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{what}");
        assert!(
            err.message().contains(expected),
            "{what}: {}",
            err.message()
        );
        assert!(!violations(&err).is_empty(), "{what}: BadRequest details");
    }
    let err = s
        .client
        .submit_application(SubmitApplicationRequest::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            Code::InvalidArgument,
            "form: is required: application No. 1 (REG-2)"
        )
    );
    let err = s
        .client
        .lookup_registration(LookupRegistrationRequest {
            registration_number: "KZREX00231022026001".into(),
            as_of: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().starts_with("registration_number: "),
        "{}",
        err.message()
    );
    assert_eq!(s.count("applications").await, 0);
    assert_eq!(s.count("documents").await, 0);
}
on_both_backends!(
    spawn_registration => bad_input_is_invalid_argument_naming_field_and_rule_with_nothing_stored
);

async fn a_document_is_kept_under_its_safe_base_name(mut s: RegistrationService) {
    let mut f = form(0, SubmissionChannel::Paper, morning(d("2026-03-19")));
    f.documents[0].file_name = "../../../etc/\u{202E}passwd".into();
    f.documents[0].media_type = "Application/PDF".into();
    s.submit(f).await;
    let kept: Vec<(String, String)> =
        sqlx::query_as("SELECT file_name, media_type FROM documents ORDER BY position")
            .fetch_all(&s.db.pool)
            .await
            .unwrap();
    assert_eq!(kept[0], ("passwd".to_owned(), "application/pdf".to_owned()));
}
on_both_backends!(spawn_registration => a_document_is_kept_under_its_safe_base_name);

// ---- REG-6..8: registration ----------------------------------------------------------------------

/// Fixture 0 registered by `AP-1` on Friday 20 March 2026 from its paper application of
/// 19 March.
async fn registered_on_20_march(s: &mut RegistrationService) -> Registration {
    s.authorized_person().await;
    s.set_today("2026-03-20");
    s.registered(0, "2026-03-19").await
}

async fn reg_7_number_has_branch_date_and_sequence(mut s: RegistrationService) {
    let reg = registered_on_20_march(&mut s).await;
    assert_eq!(
        reg.registration_number, "KZREX002190320260001",
        "branch 002, received 19.03.2026, first of the sequence"
    );
    assert_eq!(reg.assigned_on, Some(pdate("2026-03-20")));
    assert_eq!(reg.authorized_person_id, "AP-1");
    assert_eq!(reg.status, RegistrationStatus::Active as i32);
    // The next one continues the sequence, with its own branch and date.
    let second = s.registered(1, "2026-03-20").await;
    assert_eq!(second.registration_number, "KZREX006200320260002");
    // The application is REGISTERED and carries the number.
    let apps = s
        .client
        .list_applications(ListApplicationsRequest {
            status: ApplicationStatus::Registered as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(apps.applications.len(), 2);
}
on_both_backends!(spawn_registration => reg_7_number_has_branch_date_and_sequence);

async fn reg_6_a_registration_is_valid_from_the_date_received(mut s: RegistrationService) {
    let reg = registered_on_20_march(&mut s).await;
    assert_eq!(
        reg.valid_from,
        Some(pdate("2026-03-19")),
        "REG-6: valid from the date received"
    );
}
on_both_backends!(spawn_registration => reg_6_a_registration_is_valid_from_the_date_received);

async fn reg_8_the_registration_notice_is_due_2_working_days_after_registering(
    mut s: RegistrationService,
) {
    let reg = registered_on_20_march(&mut s).await;
    // REG-8: the notice obligation, due 2 WD after registering (20 March + Nauryz -> 27 March).
    let step = reg.notice_step.unwrap();
    assert_eq!(
        (step.rule_id.as_str(), step.due.unwrap().due),
        ("REG-8", Some(pdate("2026-03-27")))
    );
    let notices: Vec<_> = s
        .notices()
        .await
        .into_iter()
        .filter(|n| n.rule_id != "REG-13")
        .collect();
    assert_eq!(notices.len(), 1);
    let n = &notices[0];
    assert_eq!(
        (n.kind.as_str(), n.rule_id.as_str(), n.due_on),
        ("REGISTRATION_CONFIRMED", "REG-8", d("2026-03-27"))
    );
    assert_eq!(n.recipient, tin(0));
    assert_eq!(n.facts["registration_number"], "KZREX002190320260001");
    assert_eq!(n.facts["application_registration_date"], "2026-03-19");
    assert_eq!(n.facts["assigned_on"], "2026-03-20");
}
on_both_backends!(
    spawn_registration => reg_8_the_registration_notice_is_due_2_working_days_after_registering
);

async fn reg_7_concurrent_officers_never_get_the_same_number(mut s: RegistrationService) {
    s.authorized_person().await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            s.submit(form(i, SubmissionChannel::Paper, morning(d("2026-03-19"))))
                .await
                .application
                .unwrap()
                .application_id,
        );
    }
    let mut tasks = Vec::new();
    for id in ids {
        let mut client = s.client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .register_exporter(RegisterExporterRequest {
                    idempotency_key: String::new(),
                    application_id: id,
                    authorized_person_id: "AP-1".into(),
                })
                .await
                .map(|r| r.into_inner().registration.unwrap().registration_number)
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap());
    }
    let mut sequences: Vec<u32> = numbers.iter().map(|n| n[16..].parse().unwrap()).collect();
    sequences.sort();
    assert_eq!(sequences, (1..=10).collect::<Vec<u32>>(), "{numbers:?}");
}
on_both_backends!(spawn_registration => reg_7_concurrent_officers_never_get_the_same_number);

async fn reg_7_sequence_used_up_is_resource_exhausted(mut s: RegistrationService) {
    s.authorized_person().await;
    {
        let mut conn = s.db.pool.acquire().await.unwrap();
        rex_registration::store::set_sequence(&mut conn, 9998)
            .await
            .unwrap();
    }
    let last = s.registered(0, "2026-03-19").await;
    assert!(last.registration_number.ends_with("9999"));
    let app = s
        .submit(form(1, SubmissionChannel::Paper, morning(d("2026-03-19"))))
        .await
        .application
        .unwrap();
    let err = s
        .client
        .register_exporter(RegisterExporterRequest {
            idempotency_key: String::new(),
            application_id: app.application_id.clone(),
            authorized_person_id: "AP-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert!(err.message().contains("REG-7"), "{}", err.message());
    let still = s
        .client
        .get_application(GetApplicationRequest {
            application_id: app.application_id,
        })
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    assert_eq!(
        still.status,
        ApplicationStatus::Received as i32,
        "nothing changed"
    );
}
on_both_backends!(spawn_registration => reg_7_sequence_used_up_is_resource_exhausted);

async fn reg_6_only_an_active_authorized_person_registers(mut s: RegistrationService) {
    let app = s
        .submit(form(0, SubmissionChannel::Paper, morning(d("2026-03-19"))))
        .await
        .application
        .unwrap();
    let err = s
        .client
        .register_exporter(RegisterExporterRequest {
            idempotency_key: String::new(),
            application_id: app.application_id,
            authorized_person_id: "nobody".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("REG-13"), "{}", err.message());
}
on_both_backends!(spawn_registration => reg_6_only_an_active_authorized_person_registers);

// ---- REG-9, REG-10 -------------------------------------------------------------------------------

async fn reg_9_refusal_with_reasons_queues_the_notice_due_in_3_working_days(
    mut s: RegistrationService,
) {
    let app = s
        .submit(form(
            3,
            SubmissionChannel::Electronic,
            morning(d("2026-03-19")),
        ))
        .await
        .application
        .unwrap();
    let refused = s
        .client
        .refuse_application(RefuseApplicationRequest {
            idempotency_key: "refuse-1".into(),
            application_id: app.application_id.clone(),
            reasons: vec![
                RefusalReason::IncompleteDocuments as i32,
                RefusalReason::GoodsNotOriginating as i32,
            ],
            explanation: "The certificate of origin does not cover heading 0409.".into(),
            officer_id: "AP-1".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    assert_eq!(refused.status, ApplicationStatus::Refused as i32);
    assert_eq!(refused.refusal_reasons.len(), 2);
    let step = refused.refusal_step.unwrap();
    assert_eq!(step.state, rex_proto::common::StepState::Completed as i32);
    let n = &s.notices().await[0];
    assert_eq!(
        (
            n.kind.as_str(),
            n.rule_id.as_str(),
            n.due_on,
            n.channel.as_str()
        ),
        ("APPLICATION_REFUSED", "REG-9", d("2026-03-27"), "EMAIL")
    );
    assert!(
        n.facts["refusal_reasons"]
            .as_str()
            .unwrap()
            .contains("REFUSAL_REASON_GOODS_NOT_ORIGINATING")
    );
    // Refusing again is the wrong state; empty reasons are bad input.
    let again = s
        .client
        .refuse_application(RefuseApplicationRequest {
            idempotency_key: String::new(),
            application_id: app.application_id.clone(),
            reasons: vec![RefusalReason::IncompleteDocuments as i32],
            explanation: "x".into(),
            officer_id: "AP-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    let bad = s
        .client
        .refuse_application(RefuseApplicationRequest {
            application_id: app.application_id,
            officer_id: "AP-1".into(),
            explanation: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(
        bad.message()
            .contains("reasons: at least one RefusalReason is required (REG-9)"),
        "{}",
        bad.message()
    );
}
on_both_backends!(
    spawn_registration => reg_9_refusal_with_reasons_queues_the_notice_due_in_3_working_days
);

async fn reg_10_an_exporter_is_registered_once(mut s: RegistrationService) {
    s.authorized_person().await;
    let reg = s.registered(0, "2026-03-19").await;
    // Electronic: refused at the door.
    let err = s
        .client
        .submit_application(SubmitApplicationRequest {
            idempotency_key: String::new(),
            form: Some(form(
                0,
                SubmissionChannel::Electronic,
                morning(d("2026-03-19")),
            )),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert!(
        err.message().contains(&reg.registration_number) && err.message().contains("REG-10"),
        "{}",
        err.message()
    );
    // Paper: received with the finding.
    let app = s
        .submit(form(0, SubmissionChannel::Paper, morning(d("2026-03-19"))))
        .await
        .application
        .unwrap();
    assert!(
        app.findings.iter().any(|f| f.rule_id == "REG-10"),
        "{:?}",
        app.findings
    );
}
on_both_backends!(spawn_registration => reg_10_an_exporter_is_registered_once);

// ---- REV-1..5 -------------------------------------------------------------------------------------

/// Fixture 0 registered on 19 March; today is 10 June 2026.
async fn registered_until_10_june(s: &mut RegistrationService) -> String {
    s.authorized_person().await;
    let reg = s.registered(0, "2026-03-19").await;
    s.set_today("2026-06-10");
    reg.registration_number
}

/// The Ministry's request to revoke `number` on 10 June, with its case and documents.
async fn revoked_at_the_ministrys_request(
    s: &mut RegistrationService,
    number: &str,
) -> Registration {
    s.client
        .revoke_registration(RevokeRegistrationRequest {
            idempotency_key: "rev-1".into(),
            explanation: "Verification found the goods not originating.".into(),
            documents: vec![document(
                DocumentKind::RevocationRequest,
                "ministry-request.pdf",
                b"%PDF request",
            )],
            ..scenario::revocation_by_the_ministry(number, "2026-06-10", "MTI-VER-2026-0042")
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap()
}

async fn rev_1_revocation_by_the_ministry_and_the_public_lookup(mut s: RegistrationService) {
    let number = registered_until_10_june(&mut s).await;
    // The Ministry's request needs its case reference.
    let bad = s
        .client
        .revoke_registration(scenario::revocation_by_the_ministry(
            &number,
            "2026-06-10",
            "",
        ))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(
        bad.message().contains("case_reference"),
        "{}",
        bad.message()
    );
    let revoked = revoked_at_the_ministrys_request(&mut s, &number).await;
    assert_eq!(revoked.status, RegistrationStatus::Revoked as i32);
    let rev = &revoked.revocations[0];
    assert_eq!(rev.case_reference, "MTI-VER-2026-0042");
    // Lookup as of dates: before validity, valid, revoked.
    let before = s.lookup(&number, Some("2026-03-18")).await;
    assert_eq!(before.status, LookupStatus::NotYetValid as i32);
    let valid = s.lookup(&number, Some("2026-06-09")).await;
    assert_eq!(valid.status, LookupStatus::Valid as i32);
    let gone = s.lookup(&number, Some("2026-06-10")).await;
    assert_eq!(
        (gone.status, gone.revoked_on),
        (LookupStatus::Revoked as i32, Some(pdate("2026-06-10")))
    );
    // Revoking twice is the wrong state.
    let twice = s
        .client
        .revoke_registration(scenario::revocation_at_exporters_request(
            &number,
            "2026-06-10",
        ))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
}
on_both_backends!(spawn_registration => rev_1_revocation_by_the_ministry_and_the_public_lookup);

async fn rev_2_the_revocation_notice_is_due_in_3_working_days(mut s: RegistrationService) {
    let number = registered_until_10_june(&mut s).await;
    let revoked = revoked_at_the_ministrys_request(&mut s, &number).await;
    let rev = &revoked.revocations[0];
    assert_eq!(
        rev.notice_step.as_ref().unwrap().due.as_ref().unwrap().due,
        Some(pdate("2026-06-15")),
        "REV-2: +3 WD"
    );
    let n = s
        .notices()
        .await
        .into_iter()
        .find(|n| n.kind == "REGISTRATION_REVOKED")
        .unwrap();
    assert_eq!((n.rule_id.as_str(), n.due_on), ("REV-2", d("2026-06-15")));
    assert_eq!(
        n.facts["ground"],
        "REVOCATION_GROUND_GSP_CONDITIONS_NOT_MET"
    );
}
on_both_backends!(spawn_registration => rev_2_the_revocation_notice_is_due_in_3_working_days);

/// Fixture 0 registered on 19 March, revoked at its request on 1 April; its number.
async fn revoked_on_1_april(s: &mut RegistrationService) -> String {
    s.authorized_person().await;
    let first = s.registered(0, "2026-03-19").await.registration_number;
    s.set_today("2026-04-01");
    s.revoke_at_exporters_request(&first, "2026-04-01").await;
    first
}

/// On 4 May the court's decision of 30 April annulling the revocation of `number` is entered.
async fn reinstated_by_the_court(s: &mut RegistrationService, number: &str) -> Registration {
    s.set_today("2026-05-04");
    s.client
        .reinstate_registration(ReinstateRegistrationRequest {
            court_decision: Some(document(
                DocumentKind::CourtDecision,
                "decision.pdf",
                b"%PDF decision",
            )),
            ..scenario::reinstatement(number, "SMEC Almaty 2-1234/2026", "2026-04-30")
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap()
}

/// Revoked, reinstated by the court, revoked again on 4 May, and fixture 0 applies again and
/// is registered: (the first number, the second).
async fn reapplied_after_a_second_revocation(s: &mut RegistrationService) -> (String, String) {
    let first = revoked_on_1_april(s).await;
    reinstated_by_the_court(s, &first).await;
    s.revoke_at_exporters_request(&first, "2026-05-04").await;
    let second = s.registered(0, "2026-05-04").await.registration_number;
    (first, second)
}

async fn rev_5_a_court_brings_the_revoked_number_back(mut s: RegistrationService) {
    let first = revoked_on_1_april(&mut s).await;
    // REV-5 before anything else: the court annuls, the same number is active again.
    let back = reinstated_by_the_court(&mut s, &first).await;
    assert_eq!(
        (back.registration_number.as_str(), back.status),
        (first.as_str(), RegistrationStatus::Active as i32)
    );
    assert_eq!(
        back.revocations[0].court_reference,
        "SMEC Almaty 2-1234/2026"
    );
    let view = s.lookup(&first, Some("2026-04-15")).await;
    assert_eq!(
        view.status,
        LookupStatus::Valid as i32,
        "an annulled revocation never took effect"
    );
    assert!(
        s.notices()
            .await
            .iter()
            .any(|n| n.kind == "REGISTRATION_REINSTATED")
    );
}
on_both_backends!(spawn_registration => rev_5_a_court_brings_the_revoked_number_back);

fn contest(number: &str, case: &str, filed_on: &str) -> ContestRevocationRequest {
    ContestRevocationRequest {
        registration_number: number.into(),
        court_case_reference: case.into(),
        filed_on: Some(pdate(filed_on)),
        officer_id: scenario::OFFICER.into(),
        ..Default::default()
    }
}

fn dismissal(number: &str, case: &str, on: &str) -> DismissChallengeRequest {
    DismissChallengeRequest {
        registration_number: number.into(),
        court_case_reference: case.into(),
        dismissed_on: Some(pdate(on)),
        officer_id: scenario::OFFICER.into(),
        ..Default::default()
    }
}

/// The revocation in force of `number` as the registration shows it.
async fn revocation_in_force(s: &mut RegistrationService, number: &str) -> Revocation {
    let reg = s
        .client
        .get_registration(GetRegistrationRequest {
            registration_number: number.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    reg.revocations.last().cloned().unwrap()
}

async fn rev_8_a_contested_revocation_is_marked_until_the_court_decides(
    mut s: RegistrationService,
) {
    let number = revoked_on_1_april(&mut s).await;
    s.set_today("2026-04-10");
    // Filed before the revocation: refused naming the date.
    let early = s
        .client
        .contest_revocation(contest(&number, "SMEC 3-77/2026", "2026-03-30"))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::InvalidArgument, "{}", early.message());
    s.client
        .contest_revocation(contest(&number, "SMEC 3-77/2026", "2026-04-08"))
        .await
        .unwrap();
    let r = revocation_in_force(&mut s, &number).await;
    assert_eq!(
        (
            r.challenge_case_reference.as_str(),
            r.challenge_state.as_str()
        ),
        ("SMEC 3-77/2026", "CONTESTED")
    );
    assert_eq!(r.challenged_on, Some(pdate("2026-04-08")));
    assert_eq!(r.challenge_closed_on, None);
    // One challenge at a time; a dismissal names the pending case.
    let twice = s
        .client
        .contest_revocation(contest(&number, "SMEC 3-78/2026", "2026-04-09"))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(twice.message().contains("REV-8"), "{}", twice.message());
    let other = s
        .client
        .dismiss_challenge(dismissal(&number, "SMEC 9-1/2026", "2026-04-09"))
        .await
        .unwrap_err();
    assert_eq!(
        other.code(),
        Code::FailedPrecondition,
        "{}",
        other.message()
    );
    // Dismissed: the revocation stands, the challenge is closed.
    s.client
        .dismiss_challenge(dismissal(&number, "SMEC 3-77/2026", "2026-04-09"))
        .await
        .unwrap();
    let r = revocation_in_force(&mut s, &number).await;
    assert_eq!(r.challenge_state, "DISMISSED");
    assert_eq!(r.challenge_closed_on, Some(pdate("2026-04-09")));
    assert_eq!(
        s.lookup(&number, None).await.status,
        LookupStatus::Revoked as i32
    );
    // An appeal contests it again; the court's annulment (REV-5) closes it as ANNULLED.
    s.client
        .contest_revocation(contest(&number, "Appeal 3a-5/2026", "2026-04-10"))
        .await
        .unwrap();
    let back = reinstated_by_the_court(&mut s, &number).await;
    assert_eq!(back.status, RegistrationStatus::Active as i32);
    let r = back.revocations.last().unwrap();
    assert_eq!(
        (
            r.challenge_case_reference.as_str(),
            r.challenge_state.as_str()
        ),
        ("Appeal 3a-5/2026", "ANNULLED")
    );
}
on_both_backends!(spawn_registration => rev_8_a_contested_revocation_is_marked_until_the_court_decides);

async fn rev_4_reapplication_after_revocation_gets_a_new_number(mut s: RegistrationService) {
    let (_, second) = reapplied_after_a_second_revocation(&mut s).await;
    assert_eq!(second, "KZREX002040520260002");
}
on_both_backends!(spawn_registration => rev_4_reapplication_after_revocation_gets_a_new_number);

async fn rev_3_a_revoked_number_is_never_given_again(mut s: RegistrationService) {
    let (first, second) = reapplied_after_a_second_revocation(&mut s).await;
    assert_ne!(second, first);
}
on_both_backends!(spawn_registration => rev_3_a_revoked_number_is_never_given_again);

async fn rev_5_a_court_decision_is_executed_beside_a_newer_number_until_the_exporter_chooses(
    mut s: RegistrationService,
) {
    let (first, second) = reapplied_after_a_second_revocation(&mut s).await;
    // A court annuls the second revocation of the first number: executed, never refused by
    // REG-10; both numbers are active until the exporter says which to keep.
    let answer = s
        .client
        .reinstate_registration(scenario::reinstatement(&first, "SMEC 2", "2026-05-04"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        answer.registration.unwrap().status,
        RegistrationStatus::Active as i32
    );
    assert_eq!(answer.newer_registration_number, second);
    // Asked within 3 working days (the catalogue's REV-5-choice) of Monday 4 May: 5, 6 and 8
    // May (7 May, Defender of the Fatherland Day, is a holiday).
    assert_eq!(answer.choice_due_on, Some(pdate("2026-05-08")));
    for number in [&first, &second] {
        assert_eq!(
            s.lookup(number, None).await.status,
            LookupStatus::Valid as i32,
            "{number} is active"
        );
    }
    // Both registrations show the open question, due as the answer said.
    for (number, other) in [(&first, &second), (&second, &first)] {
        let reg = s
            .client
            .get_registration(GetRegistrationRequest {
                registration_number: number.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .registration
            .unwrap();
        assert_eq!(&reg.court_choice_other_number, other);
        let step = reg.court_choice_step.unwrap();
        assert_eq!(step.rule_id, "REV-5-choice");
        assert_eq!(step.due.unwrap().due, Some(pdate("2026-05-08")));
    }
    // The exporter keeps the first: its request revokes the second and answers the question.
    s.set_today("2026-05-06");
    s.revoke_at_exporters_request(&second, "2026-05-06").await;
    let row = sqlx::query("SELECT kept_number, resolved_on FROM court_choices")
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    let kept: String = sqlx::Row::try_get(&row, "kept_number").unwrap();
    let resolved: String = sqlx::Row::try_get(&row, "resolved_on").unwrap();
    assert_eq!(
        (kept.as_str(), resolved.as_str()),
        (first.as_str(), "2026-05-06")
    );
    let kept = s
        .client
        .get_registration(GetRegistrationRequest {
            registration_number: first.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert!(kept.court_choice_other_number.is_empty() && kept.court_choice_step.is_none());
    // And REG-10 holds again: the one active number is the first, counted as such.
    let again = s.submit(scenario::paper(0, "2026-05-06")).await;
    let err = s
        .client
        .register_exporter(RegisterExporterRequest {
            idempotency_key: String::new(),
            application_id: again.application.unwrap().application_id,
            authorized_person_id: scenario::OFFICER.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{}", err.message());
    assert!(err.message().contains("REG-10"), "{}", err.message());
}
on_both_backends!(
    spawn_registration => rev_5_a_court_decision_is_executed_beside_a_newer_number_until_the_exporter_chooses
);

// ---- REG-5: public lookup --------------------------------------------------------------------------

async fn reg_5_lookup_publishes_only_what_the_exporter_consented_to(mut s: RegistrationService) {
    s.authorized_person().await;
    let consented = s.registered(0, "2026-03-19").await.registration_number;
    let withheld = s.registered(1, "2026-03-19").await.registration_number;
    let view = s.lookup(&consented, None).await;
    assert!(view.published);
    assert_eq!(view.name.unwrap().english, "Altyn Dan LLP");
    assert_eq!(view.goods.len(), 2);
    assert!(view.contact.is_some());
    let view = s.lookup(&withheld, None).await;
    assert!(!view.published);
    assert!(
        view.name.is_none()
            && view.address.is_none()
            && view.contact.is_none()
            && view.goods.is_empty()
            && view.activities.is_empty()
    );
    assert_eq!(
        (view.valid_from, view.assigned_on),
        (Some(pdate("2026-03-19")), Some(pdate("2026-03-19")))
    );
    let unknown = s
        .client
        .lookup_registration(LookupRegistrationRequest {
            registration_number: "KZREX002190320269999".into(),
            as_of: None,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}
on_both_backends!(spawn_registration => reg_5_lookup_publishes_only_what_the_exporter_consented_to);

// ---- CHG-1..3 ---------------------------------------------------------------------------------------

/// Fixture 0 registered on 19 March; on 10 April its new phone of 1 April, received on
/// 9 April: late.
async fn late_phone_change(s: &mut RegistrationService) -> Change {
    s.authorized_person().await;
    let number = s.registered(0, "2026-03-19").await.registration_number;
    s.set_today("2026-04-10");
    let change = scenario::phone_change(&number, 0, "+7 727 999 0000")
        .reason("New office telephone")
        .changed_on("2026-04-01")
        .received_on("2026-04-09");
    s.client
        .submit_change(change.build())
        .await
        .unwrap()
        .into_inner()
        .change
        .unwrap()
}

async fn chg_1_a_change_notified_after_3_working_days_is_flagged_late(mut s: RegistrationService) {
    let change = late_phone_change(&mut s).await;
    assert_eq!(change.categories, vec![ChangeCategory::Contact as i32]);
    assert!(
        change.late,
        "changed 1 April, due 6 April (3 WD), received 9 April"
    );
    assert_eq!(change.notice_due.unwrap().due, Some(pdate("2026-04-06")));
    assert!(change.findings.is_empty(), "{:?}", change.findings);
}
on_both_backends!(
    spawn_registration => chg_1_a_change_notified_after_3_working_days_is_flagged_late
);

async fn chg_2_change_is_entered_within_10_calendar_days(mut s: RegistrationService) {
    let change = late_phone_change(&mut s).await;
    let step = change.decision_step.unwrap();
    // Received on 9 April: the tenth day, Sunday 19 April, is a day off, so the period ends on
    // Monday 20 April (Civil Code art. 173).
    assert_eq!(
        (step.rule_id.as_str(), step.due.unwrap().due),
        ("CHG-2", Some(pdate("2026-04-20")))
    );
    let decided = s
        .client
        .decide_change(scenario::accept_change(&change.change_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        decided.change.unwrap().status,
        ChangeStatus::Accepted as i32
    );
    assert_eq!(
        decided
            .registration
            .unwrap()
            .data
            .unwrap()
            .contact
            .unwrap()
            .phone,
        "+7 727 999 0000"
    );
    let n = s
        .notices()
        .await
        .into_iter()
        .find(|n| n.kind == "CHANGE_ACCEPTED")
        .unwrap();
    assert_eq!((n.rule_id.as_str(), n.due_on), ("CHG-2", d("2026-04-20")));
}
on_both_backends!(spawn_registration => chg_2_change_is_entered_within_10_calendar_days);

/// Fixture 0 registered on 19 March and renamed the same day without documents: (its number,
/// the change).
async fn renamed_without_documents(s: &mut RegistrationService) -> (String, Change) {
    s.authorized_person().await;
    let number = s.registered(0, "2026-03-19").await.registration_number;
    let change = scenario::change(&number, data(0).with_english_name("Altyn Dan Group LLP"))
        .reason("Renamed");
    let change = s
        .client
        .submit_change(change.build())
        .await
        .unwrap()
        .into_inner()
        .change
        .unwrap();
    (number, change)
}

async fn chg_1_a_name_change_needs_documents(mut s: RegistrationService) {
    let (_, change) = renamed_without_documents(&mut s).await;
    assert!(!change.late);
    assert!(
        change
            .findings
            .iter()
            .any(|f| f.rule_id == "CHG-1" && f.field == "documents"),
        "{:?}",
        change.findings
    );
}
on_both_backends!(spawn_registration => chg_1_a_name_change_needs_documents);

async fn chg_3_a_name_change_without_documents_is_refused(mut s: RegistrationService) {
    let (number, change) = renamed_without_documents(&mut s).await;
    let err = s
        .client
        .decide_change(scenario::accept_change(&change.change_id))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("CHG-3"), "{}", err.message());
    let refused = s
        .client
        .decide_change(scenario::refuse_change(
            &change.change_id,
            "No supporting documents (CHG-1).",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(refused.change.unwrap().status, ChangeStatus::Refused as i32);
    assert_eq!(
        refused
            .registration
            .unwrap()
            .data
            .unwrap()
            .exporter
            .unwrap()
            .name
            .unwrap()
            .english,
        "Altyn Dan LLP",
        "unchanged"
    );
    assert!(s.notices().await.iter().any(|n| n.kind == "CHANGE_REFUSED"));
    // Proposing the same data is no change at all.
    let none = s
        .client
        .submit_change(scenario::change(&number, data(0)).reason("x").build())
        .await
        .unwrap_err();
    assert_eq!(none.code(), Code::InvalidArgument);
}
on_both_backends!(spawn_registration => chg_3_a_name_change_without_documents_is_refused);

// ---- VER-5: dossier --------------------------------------------------------------------------

async fn ver_5_dossier_has_the_form_every_document_and_the_power_of_attorney(
    mut s: RegistrationService,
) {
    s.authorized_person().await;
    let mut f = form(4, SubmissionChannel::Paper, morning(d("2026-03-19")));
    f.documents.push(document(
        DocumentKind::CommercialDocument,
        "invoice-17.pdf",
        b"%PDF invoice 17",
    ));
    f.representative = Some(Representative {
        name: "B. Agent".into(),
        power_of_attorney: Some(document(
            DocumentKind::PowerOfAttorney,
            "poa.pdf",
            b"%PDF power of attorney",
        )),
    });
    let app = s.submit(f).await.application.unwrap();
    let reg = s.register(app).await;
    let dossier = s
        .client
        .get_dossier(GetDossierRequest {
            registration_number: reg.registration_number.clone(),
            case_reference: "MTI-VER-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dossier.documents.len(), 2);
    assert_eq!(dossier.documents[1].content, b"%PDF invoice 17");
    assert_eq!(
        dossier.power_of_attorney.unwrap().content,
        b"%PDF power of attorney"
    );
    let form = dossier.application.unwrap().form.unwrap();
    assert_eq!(form.data.unwrap().exporter.unwrap().tin, tin(4));
    assert_eq!(form.undertakings.unwrap().signatory_name, "A. Director");
    assert_eq!(s.count("dossier_requests").await, 1);
}
on_both_backends!(
    spawn_registration => ver_5_dossier_has_the_form_every_document_and_the_power_of_attorney
);

// ---- REG-12: statements on origin ----------------------------------------------------------------

async fn validate(
    s: &mut RegistrationService,
    request: ValidateStatementRequest,
) -> ValidateStatementResponse {
    s.client
        .validate_statement(request)
        .await
        .unwrap()
        .into_inner()
}

/// A statement on origin made out on `date` for goods worth `amount` in `currency` (at `rate`
/// to the importing country's; empty: none), with registration number `number` and the
/// printed `text` (empty: none).
fn statement(
    country: ImportingCountry,
    (amount, currency, rate): (&str, &str, &str),
    date: &str,
    number: &str,
    text: &str,
) -> ValidateStatementRequest {
    ValidateStatementRequest {
        importing_country: country as i32,
        value: Some(Money {
            currency_code: currency.into(),
            amount: amount.into(),
        }),
        exchange_rate: rate.into(),
        statement_date: Some(pdate(date)),
        registration_number: number.into(),
        statement_text: text.into(),
    }
}

fn reasons(r: &ValidateStatementResponse) -> Vec<i32> {
    r.findings.iter().map(|f| f.reason).collect()
}

async fn reg_12_statement_threshold_number_and_dates(mut s: RegistrationService) {
    use ImportingCountry::{Ch, No};
    s.authorized_person().await;
    let number = s.registered(0, "2026-03-19").await.registration_number;
    let chf_20000 = ("20000", "CHF", "");
    // At the threshold: no number needed.
    let r = validate(
        &mut s,
        statement(Ch, ("10300.00", "CHF", ""), "2026-04-01", "", ""),
    )
    .await;
    assert!(r.valid);
    assert_eq!(reasons(&r), vec![StatementReason::BelowThreshold as i32]);
    // Above it: a number is required.
    let r = validate(
        &mut s,
        statement(No, ("60000.01", "NOK", ""), "2026-04-01", "", ""),
    )
    .await;
    assert!(!r.valid);
    assert_eq!(reasons(&r), vec![StatementReason::NumberRequired as i32]);
    assert!(r.findings[0].message.contains("REG-12"));
    // Another currency needs a rate; with it, EUR 10,000 x 11.7 = NOK 117,000.
    let err = s
        .client
        .validate_statement(statement(No, ("10000", "EUR", ""), "2026-04-01", "", ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message()
            .starts_with("exchange_rate: is required for a value in EUR"),
        "{}",
        err.message()
    );
    let r = validate(
        &mut s,
        statement(No, ("10000", "EUR", "11.7"), "2026-04-01", &number, ""),
    )
    .await;
    assert!(r.valid, "{:?}", r.findings);
    assert_eq!(
        r.value_in_threshold_currency.as_ref().unwrap().amount,
        "117000.00"
    );
    assert_eq!(reasons(&r), vec![StatementReason::NumberValid as i32]);
    // Not yet valid, unknown, malformed.
    for (date, number, reason) in [
        ("2026-03-18", number.as_str(), StatementReason::NotYetValid),
        (
            "2026-04-01",
            "KZREX002190320260099",
            StatementReason::UnknownNumber,
        ),
        (
            "2026-04-01",
            "KZREX00219032026",
            StatementReason::MalformedNumber,
        ),
    ] {
        let r = validate(&mut s, statement(Ch, chf_20000, date, number, "")).await;
        assert_eq!(reasons(&r), vec![reason as i32]);
    }
    // The printed text: number, criterion and country read from it.
    let text = format!(
        "The exporter Altyn Dan LLP, Almaty, Raiymbek ave. 221, {number} of the products covered by this document declares that, except where otherwise clearly indicated, these products are of Kazakhstan preferential origin according to rules of origin of the Generalized System of Preferences of the Kingdom of Norway and that the origin criterion met is W 11.01."
    );
    let r = validate(
        &mut s,
        statement(No, ("80000", "NOK", ""), "2026-04-01", "", &text),
    )
    .await;
    assert!(r.valid, "{:?}", r.findings);
    let parsed = r.parsed.unwrap();
    assert_eq!(
        (
            parsed.registration_number.as_str(),
            parsed.origin_criterion.as_str(),
            parsed.hs_code.as_str()
        ),
        (number.as_str(), "W", "11.01")
    );
    let r = validate(
        &mut s,
        statement(Ch, ("80000", "CHF", ""), "2026-04-01", "", &text),
    )
    .await;
    assert!(!r.valid);
    assert!(reasons(&r).contains(&(StatementReason::CountryMismatch as i32)));
    // Revoked on the statement's date.
    s.revoke_at_exporters_request(&number, "2026-05-01").await;
    for (date, reason) in [
        ("2026-05-02", StatementReason::Revoked),
        ("2026-04-30", StatementReason::NumberValid),
    ] {
        let r = validate(&mut s, statement(Ch, chf_20000, date, &number, "")).await;
        assert_eq!(reasons(&r), vec![reason as i32]);
    }
}
on_both_backends!(spawn_registration => reg_12_statement_threshold_number_and_dates);

// ---- REG-13 --------------------------------------------------------------------------------------

async fn reg_13_each_change_of_authorized_persons_is_a_notice_for_the_ministry(
    mut s: RegistrationService,
) {
    s.authorized_person().await;
    s.authorized_person().await; // the same details again: no change, no notice
    let mut person = s
        .client
        .list_authorized_persons(ListAuthorizedPersonsRequest {
            include_inactive: true,
        })
        .await
        .unwrap()
        .into_inner()
        .persons
        .remove(0);
    person.active = false;
    s.client
        .save_authorized_person(SaveAuthorizedPersonRequest {
            idempotency_key: String::new(),
            person: Some(person),
        })
        .await
        .unwrap();
    let notices: Vec<_> = s
        .notices()
        .await
        .into_iter()
        .filter(|n| n.kind == "AUTHORIZED_PERSONS_CHANGED")
        .collect();
    assert_eq!(notices.len(), 2);
    assert!(
        notices
            .iter()
            .all(|n| n.recipient == "MINISTRY" && n.rule_id == "REG-13")
    );
    assert!(
        notices
            .iter()
            .any(|n| n.facts["active"] == "false" && n.facts["change"] == "updated"),
        "{notices:?}"
    );
    assert!(
        s.client
            .list_authorized_persons(ListAuthorizedPersonsRequest {
                include_inactive: false
            })
            .await
            .unwrap()
            .into_inner()
            .persons
            .is_empty()
    );
}
on_both_backends!(
    spawn_registration => reg_13_each_change_of_authorized_persons_is_a_notice_for_the_ministry
);

// ---- Idempotency -------------------------------------------------------------------------------------

async fn idempotency_same_key_same_request_returns_the_first_result(mut s: RegistrationService) {
    let request = SubmitApplicationRequest {
        idempotency_key: "bus-42".into(),
        form: Some(form(0, SubmissionChannel::Paper, morning(d("2026-03-19")))),
    };
    let first = s
        .client
        .submit_application(request.clone())
        .await
        .unwrap()
        .into_inner();
    let again = s
        .client
        .submit_application(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, again);
    assert_eq!(s.count("applications").await, 1);
    let other = SubmitApplicationRequest {
        idempotency_key: "bus-42".into(),
        form: Some(form(1, SubmissionChannel::Paper, morning(d("2026-03-19")))),
    };
    let err = s.client.submit_application(other).await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(s.count("applications").await, 1);
}
on_both_backends!(spawn_registration => idempotency_same_key_same_request_returns_the_first_result);

// ---- RET-1 ---------------------------------------------------------------------------------------------

async fn ret_1_documents_are_removed_only_after_5_years(mut s: RegistrationService) {
    s.authorized_person().await;
    s.registered(0, "2026-03-19").await;
    let clock = s.clock.clone();
    clock.set_local(
        d("2031-03-19"),
        chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
    );
    let report = rex_registration::retention::purge(&s.db, clock.as_ref())
        .await
        .unwrap();
    assert!(
        report.document_ids.is_empty(),
        "kept until 2031-03-19 inclusive"
    );
    let size = form(0, SubmissionChannel::Paper, morning(d("2026-03-19"))).documents[0]
        .content
        .len() as i64;
    assert_eq!(
        rex_registration::retention::report(&s.db).await.unwrap(),
        vec![("2031".to_owned(), 1, size)]
    );
    clock.set_local(
        d("2031-03-20"),
        chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
    );
    let report = rex_registration::retention::purge(&s.db, clock.as_ref())
        .await
        .unwrap();
    assert_eq!(report.document_ids.len(), 1);
    assert_eq!(report.bytes, size);
    assert!(
        rex_registration::retention::report(&s.db)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.count("retention_log").await,
        1,
        "the run that removed something is logged"
    );
}
on_both_backends!(spawn_registration => ret_1_documents_are_removed_only_after_5_years);

// ---- Health and reflection ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving_for_standard_clients() {
    let s = spawn_registration(Backend::Sqlite).await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", s.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let r = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: rex_registration::SERVICE_NAME.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

// ---- Periods from the procedure catalogue -----------------------------------------------------

/// The shipped catalogue with REG-6 made `count` working days, as an amended file would.
fn reg_6_of(count: u32) -> rex_registration::Periods {
    let texts: Vec<(&str, String)> = rex_procedure::EMBEDDED
        .iter()
        .map(|(n, t)| {
            let t = if *n == "kz-244-registration.toml" {
                t.replacen(
                    "max = { count = 5, unit = \"working_days\" }",
                    &format!("max = {{ count = {count}, unit = \"working_days\" }}"),
                    2,
                )
            } else {
                (*t).to_owned()
            };
            (*n, t)
        })
        .collect();
    let catalogue =
        rex_procedure::Catalogue::from_texts(texts.iter().map(|(n, t)| (*n, t.as_str()))).unwrap();
    rex_registration::Periods::from_catalogue(&catalogue).unwrap()
}

async fn reg_6_stored_due_dates_follow_a_changed_procedure_file(mut s: RegistrationService) {
    let app = s
        .submit(form(1, SubmissionChannel::Paper, morning(d("2026-03-19"))))
        .await
        .application
        .unwrap();
    let id = app.application_id.clone();
    let stored = |db: rex_runtime::db::Db| {
        let id = id.clone();
        async move {
            let due: String = sqlx::query_scalar(
                "SELECT registration_due FROM applications WHERE application_id = $1",
            )
            .bind(&id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
            due
        }
    };
    // 5 working days from 19 March: 20, 26, 27, 30, 31 March.
    assert_eq!(stored(s.db.clone()).await, "2026-03-31");
    let calendar = rex_calendar::Calendar::official().unwrap();
    let recount = |periods: rex_registration::Periods, db: rex_runtime::db::Db| {
        let calendar = calendar.clone();
        async move {
            rex_registration::store::recount_open_dues(&db, &calendar, &periods)
                .await
                .unwrap()
        }
    };
    // REG-6 made 7 working days: the open application moves to 2 April; counted again, nothing
    // moves; back to the shipped file, it moves back.
    assert_eq!(recount(reg_6_of(7), s.db.clone()).await, 1);
    assert_eq!(stored(s.db.clone()).await, "2026-04-02");
    assert_eq!(recount(reg_6_of(7), s.db.clone()).await, 0);
    assert_eq!(recount(reg_6_of(5), s.db.clone()).await, 1);
    assert_eq!(stored(s.db.clone()).await, "2026-03-31");
}
on_both_backends!(spawn_registration => reg_6_stored_due_dates_follow_a_changed_procedure_file);

// ---- REG-11, listings ------------------------------------------------------------------------------

async fn reg_11_no_expiry_and_overdue_applications_are_listed(mut s: RegistrationService) {
    s.authorized_person().await;
    let reg = s.registered(0, "2026-03-19").await;
    let full = s
        .client
        .get_registration(GetRegistrationRequest {
            registration_number: reg.registration_number.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(full, reg);
    let far = s.lookup(&reg.registration_number, Some("2090-12-31")).await;
    assert_eq!(
        far.status,
        LookupStatus::Valid as i32,
        "REG-11: a registration has no expiry"
    );
    // REG-6: an application received on 19 March is due for registration on 31 March.
    let waiting = s
        .submit(form(1, SubmissionChannel::Paper, morning(d("2026-03-19"))))
        .await
        .application
        .unwrap();
    let overdue = |s: &mut RegistrationService| {
        let mut client = s.client.clone();
        async move {
            client
                .list_applications(ListApplicationsRequest {
                    overdue_only: true,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .applications
        }
    };
    s.set_today("2026-03-31");
    assert!(overdue(&mut s).await.is_empty(), "due today is not overdue");
    s.set_today("2026-04-01");
    let late = overdue(&mut s).await;
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].application_id, waiting.application_id);
    assert_eq!(
        late[0].registration_step.as_ref().unwrap().state,
        rex_proto::common::StepState::Overdue as i32
    );
    // Pages: one at a time, oldest first, until the token runs out.
    let mut token = String::new();
    let mut seen = Vec::new();
    loop {
        let page = s
            .client
            .list_applications(ListApplicationsRequest {
                page_size: 1,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.applications.into_iter().map(|a| a.application_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen.len(), 2);
    let by_tin = s
        .client
        .list_applications(ListApplicationsRequest {
            exporter_tin: tin(1),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_tin.applications.len(), 1);
}
on_both_backends!(spawn_registration => reg_11_no_expiry_and_overdue_applications_are_listed);

// ---- Audit trail ------------------------------------------------------------------------------

/// The service's chain, sealed now (the sealer would within a moment), and verified with the
/// development key the tests' services use.
async fn sealed_and_verified(db: &rex_runtime::db::Db) -> rex_runtime::audit::Verdict {
    use rex_runtime::audit::{Check, LinkKeys, seal, verify};
    seal(db, &LinkKeys::development()).await.unwrap();
    verify(db, &Check::links(LinkKeys::development()))
        .await
        .unwrap()
}

async fn audit_trail_is_chained_and_a_tampered_row_is_found(mut s: RegistrationService) {
    use rex_runtime::audit::Verdict;
    s.authorized_person().await;
    s.registered(0, "2026-03-19").await;
    // SaveAuthorizedPerson, SubmitApplication, RegisterExporter.
    match sealed_and_verified(&s.db).await {
        Verdict::Intact(summary) => assert_eq!((summary.entries, summary.pending), (3, 0)),
        broken => panic!("{broken:?}"),
    }
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq")
        .fetch_all(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "SaveAuthorizedPerson",
            "SubmitApplication",
            "RegisterExporter"
        ]
    );
    // The log refuses edits, even from inside the database...
    let refused = sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
        .execute(&s.db.pool)
        .await;
    assert!(refused.is_err(), "audit_log is append-only");
    // ...but someone with the database's owner rights can drop the guard. The verifier notices.
    let dropped = match s.db.backend {
        rex_runtime::db::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        rex_runtime::db::Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    sqlx::query(dropped).execute(&s.db.pool).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
        .execute(&s.db.pool)
        .await
        .unwrap();
    match sealed_and_verified(&s.db).await {
        Verdict::Broken { seq, reason } => {
            assert_eq!(seq, 2);
            assert!(reason.contains("changed"), "{reason}");
        }
        other => panic!("tampering not found: {other:?}"),
    }
}
on_both_backends!(spawn_registration => audit_trail_is_chained_and_a_tampered_row_is_found);

async fn audit_entries_name_what_they_are_about_and_a_deleted_head_is_found(
    mut s: RegistrationService,
) {
    use rex_runtime::audit::Verdict;
    s.authorized_person().await;
    let reg = s.registered(0, "2026-03-19").await;
    assert!(matches!(
        sealed_and_verified(&s.db).await,
        Verdict::Intact(_)
    ));
    let subjects: Vec<(String, String)> =
        sqlx::query_as("SELECT action, subject FROM audit_log ORDER BY seq")
            .fetch_all(&s.db.pool)
            .await
            .unwrap();
    let application: String = sqlx::query_scalar("SELECT application_id FROM applications")
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    let expected = [
        ("SaveAuthorizedPerson", "AP-1".to_owned()),
        ("SubmitApplication", application),
        ("RegisterExporter", reg.registration_number.clone()),
    ];
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(a, s)| (a.to_owned(), s))
        .collect();
    assert_eq!(subjects, expected);
    // The head refuses to go, even from inside the database...
    let refused = sqlx::query("DELETE FROM audit_head")
        .execute(&s.db.pool)
        .await;
    assert!(refused.is_err(), "audit_head has one row");
    // ...until its guard is dropped. The verifier notices.
    let dropped = match s.db.backend {
        rex_runtime::db::Backend::Sqlite => "DROP TRIGGER audit_head_no_delete",
        rex_runtime::db::Backend::Postgres => "ALTER TABLE audit_head DISABLE TRIGGER USER",
    };
    sqlx::query(dropped).execute(&s.db.pool).await.unwrap();
    sqlx::query("DELETE FROM audit_head")
        .execute(&s.db.pool)
        .await
        .unwrap();
    match rex_runtime::audit::verify(
        &s.db,
        &rex_runtime::audit::Check::links(rex_runtime::audit::LinkKeys::development()),
    )
    .await
    .unwrap()
    {
        Verdict::Broken { reason, .. } => assert!(reason.contains("head is missing"), "{reason}"),
        other => panic!("a deleted head not found: {other:?}"),
    }
}
on_both_backends!(
    spawn_registration => audit_entries_name_what_they_are_about_and_a_deleted_head_is_found
);

// ---- Migrations ----------------------------------------------------------------------------------

async fn a_database_migrated_by_a_newer_version_is_refused_with_a_clear_message(
    s: RegistrationService,
) {
    let insert = match s.db.backend {
        rex_runtime::db::Backend::Sqlite => {
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (9999, 'from the future', '2030-01-01', TRUE, X'00', 0)"
        }
        rex_runtime::db::Backend::Postgres => {
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (9999, 'from the future', now(), TRUE, '\\x00'::bytea, 0)"
        }
    };
    sqlx::query(insert).execute(&s.db.pool).await.unwrap();
    let err =
        s.db.migrate(&rex_registration::MIGRATIONS)
            .await
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("schema version 9999, newer than this release knows (8)"),
        "{err}"
    );
}
on_both_backends!(
    spawn_registration => a_database_migrated_by_a_newer_version_is_refused_with_a_clear_message
);

// ---- The lookup answers from memory; each write must show in the very next lookup ----------

/// The number the first registration gets.
const NEXT: &str = "KZREX002190320260001";

async fn lookup(
    s: &mut RegistrationService,
    number: &str,
) -> Result<tonic::Response<LookupRegistrationResponse>, tonic::Status> {
    s.client
        .lookup_registration(LookupRegistrationRequest {
            registration_number: number.into(),
            as_of: Some(pdate("2026-06-10")),
        })
        .await
}

fn english_name(r: &LookupRegistrationResponse) -> Option<String> {
    r.name.as_ref().map(|n| n.english.clone())
}

/// The number the next registration will get is looked up (unknown, and that answer is
/// remembered), then fixture 0 is registered and looked up again: (the first answer's code,
/// the registration, the second answer).
async fn registered_after_an_unknown_lookup(
    s: &mut RegistrationService,
) -> (Code, Registration, LookupRegistrationResponse) {
    s.authorized_person().await;
    let unknown = lookup(s, NEXT).await.unwrap_err().code();
    let reg = s.registered(0, "2026-03-19").await;
    let found = lookup(s, NEXT).await.unwrap().into_inner();
    (unknown, reg, found)
}

/// As [`registered_after_an_unknown_lookup`], then renamed by an accepted change on 10 April
/// and looked up: (the answer before, the answer after).
async fn renamed_after_lookups(
    s: &mut RegistrationService,
) -> (LookupRegistrationResponse, LookupRegistrationResponse) {
    let (_, reg, found) = registered_after_an_unknown_lookup(s).await;
    let proposed = reg.data.clone().unwrap().with_english_name("Renamed LLP");
    s.set_today("2026-04-10");
    let change = scenario::change(NEXT, proposed)
        .reason("New name")
        .changed_on("2026-04-09")
        .received_on("2026-04-10")
        .document(document(
            DocumentKind::ChangeEvidence,
            "charter.pdf",
            b"%PDF charter",
        ));
    let change = s
        .client
        .submit_change(change.build())
        .await
        .unwrap()
        .into_inner()
        .change
        .unwrap();
    s.client
        .decide_change(scenario::accept_change(&change.change_id))
        .await
        .unwrap();
    let renamed = lookup(s, NEXT).await.unwrap().into_inner();
    (found, renamed)
}

/// As [`renamed_after_lookups`], then revoked on 10 June: (the lookup, the statement check).
async fn revoked_after_lookups(
    s: &mut RegistrationService,
) -> (LookupRegistrationResponse, ValidateStatementResponse) {
    renamed_after_lookups(s).await;
    s.set_today("2026-06-10");
    s.revoke_at_exporters_request(NEXT, "2026-06-10").await;
    let revoked = lookup(s, NEXT).await.unwrap().into_inner();
    let statement = s
        .client
        .validate_statement(ValidateStatementRequest {
            importing_country: ImportingCountry::Ch as i32,
            value: Some(Money {
                currency_code: "CHF".into(),
                amount: "20000".into(),
            }),
            statement_date: Some(pdate("2026-06-10")),
            registration_number: NEXT.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    (revoked, statement)
}

async fn reg_7_the_lookup_shows_a_new_registration_at_once(mut s: RegistrationService) {
    let (unknown, reg, found) = registered_after_an_unknown_lookup(&mut s).await;
    // The number the next registration will get is unknown, and that answer is remembered ...
    assert_eq!(unknown, Code::NotFound);
    assert_eq!(reg.registration_number, NEXT);
    // ... until the registration (REG-7).
    assert_eq!(found.status, LookupStatus::Valid as i32);
}
on_both_backends!(spawn_registration => reg_7_the_lookup_shows_a_new_registration_at_once);

async fn chg_2_the_lookup_shows_an_accepted_change_at_once(mut s: RegistrationService) {
    let (found, renamed) = renamed_after_lookups(&mut s).await;
    // An accepted change shows at once (CHG-2).
    assert_ne!(english_name(&renamed), english_name(&found));
    assert_eq!(english_name(&renamed).as_deref(), Some("Renamed LLP"));
}
on_both_backends!(spawn_registration => chg_2_the_lookup_shows_an_accepted_change_at_once);

async fn rev_1_the_lookup_shows_a_revocation_at_once(mut s: RegistrationService) {
    let (revoked, statement) = revoked_after_lookups(&mut s).await;
    // A revocation shows at once (REV-1) ...
    assert_eq!(revoked.status, LookupStatus::Revoked as i32);
    assert_eq!(revoked.revoked_on, Some(pdate("2026-06-10")));
    // ... in the statement check too.
    assert!(!statement.valid);
}
on_both_backends!(spawn_registration => rev_1_the_lookup_shows_a_revocation_at_once);

async fn rev_5_the_lookup_shows_a_reinstatement_at_once(mut s: RegistrationService) {
    revoked_after_lookups(&mut s).await;
    // A court's reinstatement shows at once too (REV-5).
    s.client
        .reinstate_registration(scenario::reinstatement(NEXT, "SMEC 3", "2026-06-10"))
        .await
        .unwrap();
    let back = lookup(&mut s, NEXT).await.unwrap().into_inner();
    assert_eq!(back.status, LookupStatus::Valid as i32);
    assert_eq!(back.revoked_on, None);
}
on_both_backends!(spawn_registration => rev_5_the_lookup_shows_a_reinstatement_at_once);

// ---- Correlation IDs --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_gets_a_correlation_id_in_its_response() {
    let s = spawn_registration(rex_testkit::Backend::Sqlite).await;
    let list = || ListApplicationsRequest {
        page_size: 1,
        ..Default::default()
    };
    // None sent: one is made, a UUID.
    let response = s.client.clone().list_applications(list()).await.unwrap();
    let made = response
        .metadata()
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&made).is_ok(), "{made}");
    // One sent: the same comes back.
    let mut request = tonic::Request::new(list());
    request
        .metadata_mut()
        .insert("x-correlation-id", "bus-4711".parse().unwrap());
    let response = s.client.clone().list_applications(request).await.unwrap();
    assert_eq!(
        response.metadata().get("x-correlation-id").unwrap(),
        "bus-4711"
    );
}

// ---- REG-13: the list of authorized persons to Norway's and Switzerland's customs ---------------

fn sending(country: ImportingCountry, on: &str, key: &str) -> RecordPersonListSendingRequest {
    RecordPersonListSendingRequest {
        idempotency_key: key.into(),
        importing_country: country as i32,
        sent_on: Some(pdate(on)),
        addressee: match country {
            ImportingCountry::No => "Tolletaten (Norwegian Customs)".into(),
            _ => "Federal Office for Customs and Border Security".into(),
        },
        channel: "diplomatic note".into(),
        reference: format!("MTI-REG13-{key}"),
    }
}

async fn owed_to(s: &mut RegistrationService) -> Vec<i32> {
    s.client
        .list_person_list_sendings(ListPersonListSendingsRequest {})
        .await
        .unwrap()
        .into_inner()
        .owed_to
}

async fn reg_13_each_sending_of_the_list_is_recorded_and_a_change_owes_it_again(
    mut s: RegistrationService,
) {
    let (no, ch) = (ImportingCountry::No as i32, ImportingCountry::Ch as i32);
    s.set_today("2026-03-20");
    assert_eq!(
        owed_to(&mut s).await,
        Vec::<i32>::new(),
        "an empty list is owed to no one"
    );
    s.authorized_person().await;
    assert_eq!(owed_to(&mut s).await, [no, ch]);
    // Sent to Norway: what was sent is the list as it stood.
    let sent = s
        .client
        .record_person_list_sending(sending(ImportingCountry::No, "2026-03-20", "no-1"))
        .await
        .unwrap()
        .into_inner()
        .sending
        .unwrap();
    let ids: Vec<&str> = sent.persons.iter().map(|p| p.person_id.as_str()).collect();
    assert_eq!(ids, [scenario::OFFICER]);
    assert_eq!(sent.reference, "MTI-REG13-no-1");
    assert_eq!(sent.acknowledged_on, None);
    assert_eq!(owed_to(&mut s).await, [ch]);
    // Norway acknowledges; not before it was sent.
    let early = s
        .client
        .acknowledge_person_list_sending(AcknowledgePersonListSendingRequest {
            sending_id: sent.sending_id.clone(),
            acknowledged_on: Some(pdate("2026-03-19")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::InvalidArgument, "{}", early.message());
    let acknowledged = s
        .client
        .acknowledge_person_list_sending(AcknowledgePersonListSendingRequest {
            sending_id: sent.sending_id.clone(),
            acknowledged_on: Some(pdate("2026-03-24")),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .sending
        .unwrap();
    assert_eq!(acknowledged.acknowledged_on, Some(pdate("2026-03-24")));
    s.client
        .record_person_list_sending(sending(ImportingCountry::Ch, "2026-03-20", "ch-1"))
        .await
        .unwrap();
    assert_eq!(owed_to(&mut s).await, Vec::<i32>::new());
    // A change of the list owes it to both again.
    s.client
        .save_authorized_person(SaveAuthorizedPersonRequest {
            idempotency_key: String::new(),
            person: Some(AuthorizedPerson {
                phone: "+7 7172 55 09 09".into(),
                ..scenario::authorized_person()
            }),
        })
        .await
        .unwrap();
    assert_eq!(owed_to(&mut s).await, [no, ch]);
    let all = s
        .client
        .list_person_list_sendings(ListPersonListSendingsRequest {})
        .await
        .unwrap()
        .into_inner()
        .sendings;
    assert_eq!(all.len(), 2, "each sending kept");
    // Bad input names each field and the rule.
    let bad = s
        .client
        .record_person_list_sending(RecordPersonListSendingRequest {
            importing_country: 0,
            addressee: String::new(),
            ..sending(ImportingCountry::No, "2026-03-20", "bad")
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    for part in [
        "importing_country: must be NO or CH",
        "addressee: ",
        "(REG-13)",
    ] {
        assert!(bad.message().contains(part), "{part} in {}", bad.message());
    }
    let unknown = s
        .client
        .acknowledge_person_list_sending(AcknowledgePersonListSendingRequest {
            sending_id: "nope".into(),
            acknowledged_on: Some(pdate("2026-03-24")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{}", unknown.message());
}
on_both_backends!(
    spawn_registration => reg_13_each_sending_of_the_list_is_recorded_and_a_change_owes_it_again
);
