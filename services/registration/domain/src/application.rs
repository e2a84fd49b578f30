//! Deciding an application No. 1: registration (REG-6, REG-7, REG-10, REG-13) or refusal
//! (REG-9), and the one-registration-per-exporter rule at the door (REG-10).

use crate::checks::Finding;
use crate::error::RegistrationError;
use crate::form::SubmissionChannel;
use crate::states::ApplicationStatus;

/// What the law looks at when an application is decided.
#[derive(Debug, Clone, Copy)]
pub struct Pending<'a> {
    pub application_id: &'a str,
    pub status: ApplicationStatus,
    pub findings: &'a [Finding],
    pub exporter_tin: &'a str,
}

/// REG-10 when an application arrives while the exporter holds an active registration
/// `number`: an electronic application is refused at the door; a paper one is kept with the
/// finding, for a refusal under REG-9.
pub fn reg_10_on_submission(
    channel: SubmissionChannel,
    tin: &str,
    number: &str,
    findings: &mut Vec<Finding>,
) -> Result<(), RegistrationError> {
    if channel == SubmissionChannel::Electronic {
        return Err(RegistrationError::Reg10AlreadyRegisteredOnSubmission {
            tin: tin.to_owned(),
            number: number.to_owned(),
        });
    }
    findings.push(Finding::new(
        "1",
        "form.data.exporter.tin",
        "REG-10",
        format!(
            "exporter {tin} is already registered under {number}: an exporter is registered once"
        ),
    ));
    Ok(())
}

/// REG-6 with REG-9, REG-13 and REG-10: an application is registered only while received,
/// without findings, by an active authorized person, for an exporter not yet registered.
pub fn may_register(
    app: Pending<'_>,
    authorized_person_id: &str,
    authorized_person_active: bool,
    active_registration: Option<&str>,
) -> Result<(), RegistrationError> {
    if app.status != ApplicationStatus::Received {
        return Err(RegistrationError::Reg6NotReceived {
            application_id: app.application_id.to_owned(),
            status: app.status,
        });
    }
    if let Some(first) = app.findings.first() {
        return Err(RegistrationError::Reg9HasFindings {
            application_id: app.application_id.to_owned(),
            count: app.findings.len(),
            first_field: first.field.clone(),
            first_message: first.message.clone(),
            first_rule: first.rule_id.clone(),
        });
    }
    if !authorized_person_active {
        return Err(RegistrationError::Reg13NotAnAuthorizedPerson {
            person_id: authorized_person_id.to_owned(),
        });
    }
    if let Some(number) = active_registration {
        return Err(RegistrationError::Reg10AlreadyRegistered {
            tin: app.exporter_tin.to_owned(),
            number: number.to_owned(),
        });
    }
    Ok(())
}

/// REG-9: only a received application is refused.
pub fn may_refuse(app: Pending<'_>) -> Result<(), RegistrationError> {
    if app.status != ApplicationStatus::Received {
        return Err(RegistrationError::Reg9NotReceived {
            application_id: app.application_id.to_owned(),
            status: app.status,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding::new(
            "2",
            "form.data.contact.email",
            "REG-2",
            "box 2: the e-mail address is missing",
        )
    }

    fn pending<'a>(status: ApplicationStatus, findings: &'a [Finding]) -> Pending<'a> {
        Pending {
            application_id: "a-1",
            status,
            findings,
            exporter_tin: "980140000034",
        }
    }

    #[test]
    fn reg_6_only_a_received_application_without_findings_is_registered() {
        let cases: [(ApplicationStatus, bool, bool); 4] = [
            (ApplicationStatus::Received, false, true),
            (ApplicationStatus::Registered, false, false),
            (ApplicationStatus::Refused, false, false),
            (ApplicationStatus::Received, true, false),
        ];
        let one = [finding()];
        for (status, with_finding, allowed) in cases {
            let findings: &[Finding] = if with_finding { &one } else { &[] };
            let result = may_register(pending(status, findings), "ap-1", true, None);
            assert_eq!(
                result.is_ok(),
                allowed,
                "{status:?} with findings {with_finding}"
            );
        }
        let err = may_register(
            pending(ApplicationStatus::Received, &one),
            "ap-1",
            true,
            None,
        );
        assert!(
            err.is_err_and(|e| e.to_string().contains("refuse it under REG-9")),
            "a finding points to the refusal"
        );
    }

    #[test]
    fn reg_13_only_an_active_authorized_person_registers() {
        let err = may_register(
            pending(ApplicationStatus::Received, &[]),
            "ap-9",
            false,
            None,
        );
        assert_eq!(
            err,
            Err(RegistrationError::Reg13NotAnAuthorizedPerson {
                person_id: "ap-9".into()
            })
        );
    }

    #[test]
    fn reg_10_an_exporter_is_registered_once() {
        let err = may_register(
            pending(ApplicationStatus::Received, &[]),
            "ap-1",
            true,
            Some("KZREX002190320260001"),
        );
        assert!(err.is_err_and(|e| e.to_string().contains("KZREX002190320260001")));
        let mut findings = Vec::new();
        assert!(
            reg_10_on_submission(
                SubmissionChannel::Electronic,
                "980140000034",
                "N",
                &mut findings
            )
            .is_err()
        );
        assert!(
            reg_10_on_submission(SubmissionChannel::Paper, "980140000034", "N", &mut findings)
                .is_ok()
        );
        assert_eq!(findings.len(), 1, "a paper application keeps the finding");
        assert_eq!(findings[0].rule_id, "REG-10");
    }

    #[test]
    fn reg_9_only_a_received_application_is_refused() {
        for (status, allowed) in [
            (ApplicationStatus::Received, true),
            (ApplicationStatus::Registered, false),
            (ApplicationStatus::Refused, false),
        ] {
            assert_eq!(
                may_refuse(pending(status, &[])).is_ok(),
                allowed,
                "{status:?}"
            );
        }
    }
}
