use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rex_calendar::Calendar;

use super::*;

fn now() -> DateTime<Utc> {
    rex_calendar::time::local(
        NaiveDate::from_ymd_opt(2026, 3, 19).unwrap(),
        NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
    )
    .with_timezone(&Utc)
}

/// A lawful request, received an hour before `now`.
fn fields() -> OpenCaseFields {
    OpenCaseFields {
        requesting_country: Some(Country::No),
        foreign_reference: " NO-TOLL-2026-0117 ".into(),
        registration_number: "KZREX002190320260017".into(),
        subject: "origin of goods".into(),
        responsible_officer_id: "MTI-7".into(),
        received_at: Ok(now() - Duration::hours(1)),
    }
}

fn open(fields: OpenCaseFields) -> Result<NewCase, VerificationError> {
    NewCase::parse(fields, now(), &Calendar::official().unwrap())
}

/// The "field: problem" listing the caller reads.
fn message(result: Result<NewCase, VerificationError>) -> String {
    result.err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn ver_1_only_requests_of_norway_or_switzerland_open_a_case() {
    let cases = [
        (Some(Country::No), ""),
        (Some(Country::Ch), ""),
        (
            None,
            "requesting_country: must be NO or CH: verification is done on official requests of the Kingdom of Norway or the Swiss Confederation (VER-1)",
        ),
    ];
    for (country, expected) in cases {
        let request = OpenCaseFields {
            requesting_country: country,
            ..fields()
        };
        assert_eq!(message(open(request)), expected, "{country:?}");
    }
}

#[test]
fn ver_1_the_requesting_authoritys_reference_is_required() {
    let cases = [
        ("NO-1", ""),
        (
            "",
            "foreign_reference: is required: the requesting authority's reference (VER-1)",
        ),
        (
            "  ",
            "foreign_reference: is required: the requesting authority's reference (VER-1)",
        ),
    ];
    for (reference, expected) in cases {
        let request = OpenCaseFields {
            foreign_reference: reference.into(),
            ..fields()
        };
        assert_eq!(message(open(request)), expected, "{reference:?}");
    }
    assert_eq!(
        open(fields()).unwrap().foreign_reference,
        "NO-TOLL-2026-0117"
    );
}

#[test]
fn reg_7_the_registration_number_must_be_well_formed() {
    let cases = [
        (" KZREX002190320260017 ", None),
        ("KZREX0021903", Some("must have 20 characters")),
        ("kzrex002190320260017", Some("must start with KZREX")),
        ("KZREX002310220260017", Some("is not a real date")),
    ];
    for (number, problem) in cases {
        let request = OpenCaseFields {
            registration_number: number.into(),
            ..fields()
        };
        match (open(request), problem) {
            (Ok(case), None) => {
                assert_eq!(case.registration_number.to_string(), number.trim())
            }
            (Err(e), Some(problem)) => {
                let text = e.to_string();
                assert!(text.starts_with("registration_number: "), "{text}");
                assert!(
                    text.contains(problem) && text.ends_with("(REG-7)"),
                    "{text}"
                );
            }
            (other, _) => panic!("{number}: {other:?}"),
        }
    }
}

#[test]
fn ver_2_a_responsible_officer_answers_for_the_deadlines() {
    let cases = [
        (" MTI-7 ", ""),
        (
            "",
            "responsible_officer_id: is required: deadline warnings go to the responsible officer (VER-2)",
        ),
    ];
    for (officer, expected) in cases {
        let request = OpenCaseFields {
            responsible_officer_id: officer.into(),
            ..fields()
        };
        assert_eq!(message(open(request)), expected, "{officer:?}");
    }
    assert_eq!(
        open(fields()).unwrap().responsible_officer_id.as_str(),
        "MTI-7"
    );
}

#[test]
fn ver_2_a_receipt_is_not_in_the_future() {
    let cases = [
        (Duration::days(-1), true),
        (Duration::minutes(5), true),
        (Duration::minutes(6), false),
    ];
    for (ahead, lawful) in cases {
        let at = now() + ahead;
        let request = OpenCaseFields {
            received_at: Ok(at),
            ..fields()
        };
        let expected = if lawful {
            String::new()
        } else {
            format!("received_at: {at} is in the future (VER-2)")
        };
        assert_eq!(message(open(request)), expected, "{ahead}");
    }
}

#[test]
fn ver_2_periods_run_from_the_day_the_request_counts_as_received() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let at = |date: &str, hour: u32| {
        rex_calendar::time::local(d(date), NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
            .with_timezone(&Utc)
    };
    // (received, registered on): after 17:00 or on a day off, the next working day.
    let cases = [
        (at("2026-03-19", 9), d("2026-03-19")),
        (at("2026-03-18", 18), d("2026-03-19")),
        (at("2026-03-14", 10), d("2026-03-16")),
    ];
    for (received_at, registered_on) in cases {
        let request = OpenCaseFields {
            received_at: Ok(received_at),
            ..fields()
        };
        assert_eq!(
            open(request).unwrap().received_on,
            registered_on,
            "{received_at}"
        );
    }
}

#[test]
fn ver_1_every_problem_of_a_request_is_reported_at_once() {
    let request = OpenCaseFields {
        requesting_country: None,
        foreign_reference: String::new(),
        registration_number: "KZREX0021903".into(),
        subject: String::new(),
        responsible_officer_id: "MTI-7".into(),
        received_at: Err(Malformed {
            field: "received_at".into(),
            reason: "is required (a timestamp)".into(),
        }),
    };
    let err = open(request).unwrap_err();
    let fields: Vec<Option<String>> = err.violations().iter().map(|v| v.field()).collect();
    assert_eq!(
        fields,
        [
            "requesting_country",
            "foreign_reference",
            "registration_number",
            "received_at"
        ]
        .map(|f| Some(f.to_owned()))
    );
    for part in [
        "requesting_country: must be NO or CH",
        "(VER-1)",
        "foreign_reference: is required",
        "registration_number: ",
        "received_at: is required",
    ] {
        assert!(err.to_string().contains(part), "{part} in {err}");
    }
}

#[test]
fn ver_6_who_checked_and_at_least_one_finding_are_required() {
    let finding = || vec![Finding::default()];
    let cases = [
        (" MTI-7 ", finding(), ""),
        (
            "",
            finding(),
            "officer_id: is required: who checked (VER-6)",
        ),
        (
            "MTI-7",
            Vec::new(),
            "findings: at least one finding is required: per document and against REX data (VER-6)",
        ),
        (
            " ",
            Vec::new(),
            "officer_id: is required: who checked (VER-6); findings: at least one finding is required: per document and against REX data (VER-6)",
        ),
    ];
    for (officer, findings, expected) in cases {
        let result = CheckInput::parse(officer, findings);
        let text = result
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert_eq!(text, expected, "{officer:?}");
        if let Ok(input) = result {
            assert_eq!(input.officer_id.as_str(), "MTI-7");
        }
    }
}

#[test]
fn ver_7_outcome_text_and_officer_are_required() {
    let confirmed = Some(Outcome::RegistrationConfirmed);
    let cases = [
        (confirmed, "Well-founded.", "MTI-7", ""),
        (
            None,
            "Well-founded.",
            "MTI-7",
            "outcome: must be a VerificationOutcome other than UNSPECIFIED (VER-7)",
        ),
        (
            confirmed,
            " ",
            "MTI-7",
            "text: is required: the conclusion states the results of the verification (VER-7)",
        ),
        (
            confirmed,
            "Well-founded.",
            "",
            "officer_id: is required (VER-7)",
        ),
    ];
    for (outcome, text, officer, expected) in cases {
        let result = ConclusionInput::parse(outcome, text, officer);
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(message, expected, "{outcome:?} {text:?} {officer:?}");
    }
}

#[test]
fn ver_8_the_officer_who_sends_the_appeal_is_required() {
    let cases = [(" MTI-7 ", None), ("", Some("is required (VER-8)"))];
    for (officer, expected) in cases {
        let result = RevocationInput::parse(officer);
        match (&result, expected) {
            (Ok(input), None) => assert_eq!(input.officer_id.as_str(), "MTI-7"),
            (Err(e), Some(message)) => {
                assert_eq!(e.to_string(), message);
                assert_eq!(e.field().as_deref(), Some("officer_id"));
            }
            _ => panic!("{officer:?}: {result:?}"),
        }
    }
}
