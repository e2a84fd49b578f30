use chrono::{DateTime, NaiveDate, Utc};
use rex_calendar::Calendar;

use super::*;
use crate::error::ErrorKind;
use crate::input::OpenCaseFields;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn now() -> DateTime<Utc> {
    Case::fixture(CaseStatus::Open).received_at + chrono::Duration::hours(1)
}

/// The fixture case's request again, naming `number`.
fn request(number: &str) -> NewCase {
    let case = Case::fixture(CaseStatus::Open);
    let fields = OpenCaseFields {
        requesting_country: Some(case.requesting_country),
        foreign_reference: case.foreign_reference,
        registration_number: number.into(),
        subject: String::new(),
        responsible_officer_id: "MTI-7".into(),
        received_at: Ok(case.received_at),
    };
    NewCase::parse(fields, now(), &Calendar::official().unwrap()).unwrap()
}

fn dossier() -> Vec<DossierDocument> {
    vec![DossierDocument {
        document_id: "doc-1".into(),
        file_name: "certificate.pdf".into(),
    }]
}

fn finding(document_id: &str) -> Finding {
    Finding {
        document_id: document_id.into(),
        complete: true,
        reliable: true,
        note: "checked".into(),
    }
}

fn check_input(findings: Vec<Finding>) -> CheckInput {
    CheckInput::parse("MTI-7", findings).unwrap()
}

fn conclusion_input(outcome: Outcome) -> ConclusionInput {
    ConclusionInput::parse(Some(outcome), "The registration is well-founded.", "MTI-7").unwrap()
}

fn officer() -> OfficerId {
    OfficerId::parse("MTI-7").unwrap()
}

#[test]
fn ver_1_the_same_reference_is_the_same_case() {
    let existing = Case::fixture(CaseStatus::Checked);
    let again = request(&existing.registration_number);
    assert_eq!(
        decide_open(Some(&existing), &again, "MTI-VER-2".into(), now()),
        Ok(Opened::Existing)
    );
    let Ok(Opened::New(case)) = decide_open(None, &again, "MTI-VER-2".into(), now()) else {
        panic!("a new request opens a case");
    };
    assert_eq!(
        (case.case_id.as_str(), case.status, case.opened_at),
        ("MTI-VER-2", CaseStatus::Open, now())
    );
    assert_eq!(case.registration_number, existing.registration_number);
}

#[test]
fn ver_1_the_same_reference_on_another_registration_is_refused() {
    let existing = Case::fixture(CaseStatus::Open);
    let other = request("KZREX002190320260018");
    let err = decide_open(Some(&existing), &other, "MTI-VER-2".into(), now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "foreign_reference \"NO-1\" of NO is already case MTI-VER-1 for KZREX002190320260017, not KZREX002190320260018"
    );
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[test]
fn ver_4_the_dossier_is_requested_once() {
    let today = d("2026-03-20");
    let cases = [
        (
            CaseStatus::Open,
            DossierRequest::Send {
                requested_on: today,
            },
        ),
        (CaseStatus::DossierRequested, DossierRequest::AskAgain),
        (CaseStatus::DossierReceived, DossierRequest::Nothing),
        (CaseStatus::Checked, DossierRequest::Nothing),
        (CaseStatus::Closed, DossierRequest::Nothing),
    ];
    for (status, expected) in cases {
        let case = Case::fixture(status);
        assert_eq!(decide_request_dossier(&case, today), expected, "{status}");
    }
}

#[test]
fn ver_6_findings_are_on_documents_of_the_dossier() {
    let case = Case::fixture(CaseStatus::DossierReceived);
    let cases = [
        (vec![finding("doc-1"), finding("")], Ok(())),
        (
            vec![finding("doc-1"), finding("doc-9")],
            Err(vec![(
                "findings[1].document_id",
                "\"doc-9\" is not a document of the case's dossier (VER-6)",
            )]),
        ),
    ];
    for (findings, expected) in cases {
        let result = decide_record_check(
            &case,
            &dossier(),
            check_input(findings),
            now(),
            d("2026-03-26"),
        );
        let found = result.as_ref().map(|_| ()).map_err(|e| {
            e.violations()
                .iter()
                .map(|v| (v.field().unwrap_or_default(), v.to_string()))
                .collect::<Vec<_>>()
        });
        let expected = expected.map_err(|list| {
            list.iter()
                .map(|(f, m)| (f.to_string(), m.to_string()))
                .collect::<Vec<_>>()
        });
        assert_eq!(found, expected);
    }
}

#[test]
fn ver_6_the_check_follows_the_dossier() {
    let cases = [
        (CaseStatus::DossierReceived, ""),
        (
            CaseStatus::DossierRequested,
            "case MTI-VER-1 is DOSSIER_REQUESTED: the check follows the dossier (VER-6)",
        ),
        (
            CaseStatus::Checked,
            "case MTI-VER-1 is CHECKED: the check follows the dossier (VER-6)",
        ),
    ];
    for (status, expected) in cases {
        let case = Case::fixture(status);
        let today = d("2026-03-26");
        let result = decide_record_check(
            &case,
            &dossier(),
            check_input(vec![finding("")]),
            now(),
            today,
        );
        match result {
            Ok(check) => {
                assert_eq!(expected, "");
                assert_eq!((check.checked_on, check.checked_at), (today, now()));
                assert_eq!(check.officer_id, officer());
            }
            Err(e) => {
                assert_eq!(e.to_string(), expected);
                assert_eq!(e.kind(), ErrorKind::Precondition);
            }
        }
    }
}

#[test]
fn ver_7_the_conclusion_follows_the_check() {
    let cases = [
        (CaseStatus::Checked, ""),
        (
            CaseStatus::DossierReceived,
            "case MTI-VER-1 is DOSSIER_RECEIVED: the conclusion follows the check (VER-7)",
        ),
        (
            CaseStatus::Concluded,
            "case MTI-VER-1 is CONCLUDED: the conclusion follows the check (VER-7)",
        ),
    ];
    for (status, expected) in cases {
        let case = Case::fixture(status);
        let input = conclusion_input(Outcome::RegistrationConfirmed);
        let result = decide_issue_conclusion(&case, &dossier(), input, d("2026-03-30"));
        let message = result
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert_eq!(message, expected, "{status}");
        if let Ok(concluded) = result {
            assert_eq!(concluded.concluded_on, d("2026-03-30"));
            assert_eq!(concluded.outcome, Outcome::RegistrationConfirmed);
        }
    }
}

#[test]
fn ver_7_the_conclusion_states_the_results_of_the_check() {
    let case = Case {
        check_findings: vec![finding("doc-1"), finding(""), finding("doc-gone")],
        ..Case::fixture(CaseStatus::Checked)
    };
    let input = conclusion_input(Outcome::ActivityCeased);
    let concluded = decide_issue_conclusion(&case, &dossier(), input, d("2026-03-30")).unwrap();
    let c = &concluded.conclusion;
    let documents: Vec<&str> = c.findings.iter().map(|f| f.document.as_str()).collect();
    assert_eq!(
        documents,
        ["certificate.pdf", "REX registry data", "doc-gone"]
    );
    assert_eq!(
        (c.outcome.as_str(), c.requesting_country.as_str()),
        ("ACTIVITY_CEASED", "the Kingdom of Norway")
    );
    assert_eq!(
        (c.period_counted_from, c.concluded_on),
        (case.received_on, d("2026-03-30"))
    );
    assert!(c.outcome_text.contains("ceased its activity"));
    assert!(c.to_json().contains("\"outcome\": \"ACTIVITY_CEASED\""));
    assert!(c.to_html().contains("<html lang=\"en\">"));
}

#[test]
fn ver_8_the_appeal_follows_a_negative_conclusion() {
    let today = d("2026-03-31");
    let send = Ok(RevocationRequest::Send {
        requested_on: today,
        officer_id: officer(),
    });
    let cases = [
        (CaseStatus::Concluded, Some(Outcome::ActivityCeased), send.clone()),
        (CaseStatus::Concluded, Some(Outcome::GspConditionsNotMet), send),
        (
            CaseStatus::Concluded,
            Some(Outcome::RegistrationConfirmed),
            Err("case MTI-VER-1 concluded VERIFICATION_OUTCOME_REGISTRATION_CONFIRMED: an appeal to revoke follows only a negative conclusion (VER-8)".to_owned()),
        ),
        (
            CaseStatus::Checked,
            None,
            Err("case MTI-VER-1 is CHECKED: the appeal to revoke follows the conclusion (VER-8)".to_owned()),
        ),
        (
            CaseStatus::RevocationRequested,
            Some(Outcome::ObligationsNotKept),
            Ok(RevocationRequest::AskAgain),
        ),
        (
            CaseStatus::Closed,
            Some(Outcome::ObligationsNotKept),
            Ok(RevocationRequest::Nothing),
        ),
    ];
    for (status, outcome, expected) in cases {
        let case = Case {
            outcome,
            ..Case::fixture(status)
        };
        let input = RevocationInput::parse("MTI-7").unwrap();
        let result = decide_request_revocation(&case, input, today).map_err(|e| {
            assert_eq!(e.kind(), ErrorKind::Precondition);
            e.to_string()
        });
        assert_eq!(result, expected, "{status} {outcome:?}");
    }
}

#[test]
fn ver_8_revoked_on_the_day_the_appeal_was_sent_once_atameken_answered() {
    let cases = [
        (CaseStatus::RevocationRequested, None),
        (CaseStatus::Closed, Some(d("2026-03-19"))),
    ];
    for (status, revoked_on) in cases {
        let case = Case {
            revocation_requested_on: Some(d("2026-03-19")),
            ..Case::fixture(status)
        };
        assert_eq!(case.revoked_on(), revoked_on, "{status}");
    }
}

#[test]
fn ver_7_the_conclusion_labels_the_moment_received_the_day_counted_from_and_who_signs() {
    // Received on Saturday 28 November 2026 at 15:30 in Astana; counted from Monday.
    let received_at = DateTime::parse_from_rfc3339("2026-11-28T10:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let case = Case {
        received_at,
        received_on: d("2026-11-30"),
        ..Case::fixture(CaseStatus::Checked)
    };
    let input = ConclusionInput {
        signatory: crate::input::Signatory {
            name: "D. Ye. Zhumabekov".into(),
            position: "Head, Origin of Goods Division".into(),
        },
        exporter_name: crate::conclusion::exporter_in_words("Altyn Dan LLP", "ТОО «Алтын Дән»"),
        ..conclusion_input(Outcome::RegistrationConfirmed)
    };
    let concluded = decide_issue_conclusion(&case, &dossier(), input, d("2026-12-14")).unwrap();
    let c = &concluded.conclusion;
    assert_eq!(c.request_received_at, "2026-11-28T15:30:00+05:00");
    assert_eq!(c.period_counted_from, d("2026-11-30"));
    let html = c.to_html();
    for expected in [
        "Request received</th><td>28 November 2026, 15:30 Astana time (UTC+05:00)</td>",
        "Period of 30 working days counted from</th><td>30 November 2026</td>",
        "Concluded</th><td>14 December 2026</td>",
        "Exporter</th><td>Altyn Dan LLP (ТОО «Алтын Дән»)</td>",
        "Head, Origin of Goods Division, D. Ye. Zhumabekov<br>(officer MTI-7)",
    ] {
        assert!(html.contains(expected), "missing {expected:?} in {html}");
    }
}

#[test]
fn ver_7_without_a_dossier_or_a_named_officer_the_conclusion_says_so() {
    let case = Case::fixture(CaseStatus::Checked);
    let input = conclusion_input(Outcome::RegistrationConfirmed);
    let concluded = decide_issue_conclusion(&case, &[], input, d("2026-03-30")).unwrap();
    let html = concluded.conclusion.to_html();
    assert!(
        html.contains("not known: Atameken&#39;s dossier did not come")
            || html.contains("not known: Atameken's dossier did not come"),
        "{html}"
    );
    assert!(html.contains("<p>Officer: MTI-7</p>"), "{html}");
}

#[test]
fn ver_9_the_conclusion_is_in_russian_and_english_in_the_configured_authoritys_name() {
    let case = Case::fixture(CaseStatus::Checked);
    let input = ConclusionInput {
        authority: rex_domain::organisation::Localized {
            kk: "Қазақстан Республикасының Сауда министрлігі".into(),
            ru: "Министерство торговли Республики Казахстан".into(),
            en: "Ministry of Trade of the Republic of Kazakhstan".into(),
        },
        ..conclusion_input(Outcome::ActivityCeased)
    };
    let concluded = decide_issue_conclusion(&case, &dossier(), input, d("2026-03-30")).unwrap();
    let c = &concluded.conclusion;
    assert_eq!(
        c.authority,
        "Ministry of Trade of the Republic of Kazakhstan"
    );
    let html = c.to_html();
    for expected in [
        "Заключение о проверке обоснованности регистрации экспортера в системе REX",
        "<span lang=\"ru\">Министерство торговли Республики Казахстан</span><br>Ministry of Trade of the Republic of Kazakhstan",
        "Экспортер прекратил деятельность; запрашивается отзыв его регистрации.",
        "The exporter has ceased its activity; the revocation of its registration is requested.",
    ] {
        assert!(html.contains(expected), "missing {expected:?} in {html}");
    }
    assert!(
        !html.contains("Ministry of Trade and Integration"),
        "no hard-coded name"
    );
}
