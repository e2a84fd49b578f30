//! Revocation (REV-1, REV-2) and its annulment by a court (REV-5), and the status of a number
//! on a date (REG-5, REG-6, REG-11).

use chrono::NaiveDate;

use crate::error::RegistrationError;
use crate::states::{RegistrationStatus, Requester, RevocationGround};

/// REV-1: the exporter asks only on ground (1), the Ministry only on grounds (2)-(4) and with
/// its case reference. Returns the field at fault and why.
pub fn requester_fault(
    ground: RevocationGround,
    requester: Requester,
    case_reference: &str,
) -> Option<(&'static str, String)> {
    match (ground, requester) {
        (RevocationGround::ExporterRequest, Requester::Ministry) => Some((
            "requested_by",
            "EXPORTER_REQUEST is the exporter's own application: requested_by must be EXPORTER (REV-1 (1))".into(),
        )),
        (g, Requester::Exporter) if g != RevocationGround::ExporterRequest => Some((
            "requested_by",
            format!(
                "{} is revoked on the authorized body's request: requested_by must be MINISTRY (REV-1 (2)-(4))",
                g.code()
            ),
        )),
        (_, Requester::Ministry) if case_reference.trim().is_empty() => Some((
            "case_reference",
            "is required when the Ministry asks: its verification case reference (REV-1, VER-8)"
                .into(),
        )),
        _ => None,
    }
}

/// REV-1: an active registration is revoked from a date on or after its validity date.
pub fn may_revoke(
    number: &str,
    status: RegistrationStatus,
    valid_from: NaiveDate,
    revoked_on: NaiveDate,
) -> Result<(), RegistrationError> {
    if revoked_on < valid_from {
        return Err(RegistrationError::Rev1BeforeValidity {
            revoked_on,
            valid_from,
        });
    }
    if status != RegistrationStatus::Active {
        return Err(RegistrationError::Rev1AlreadyRevoked {
            number: number.to_owned(),
        });
    }
    Ok(())
}

/// A revocation as far as the status of a number on a date is concerned.
pub trait RevocationFacts {
    fn revoked_on(&self) -> NaiveDate;
    /// Annulled by a court (REV-5): as if it never happened.
    fn annulled(&self) -> bool;
}

impl RevocationFacts for (NaiveDate, bool) {
    fn revoked_on(&self) -> NaiveDate {
        self.0
    }
    fn annulled(&self) -> bool {
        self.1
    }
}

/// REV-5: a court decision reinstates a revoked registration by annulling its last revocation
/// in force; the decision cannot predate it. Returns the index of the revocation annulled.
pub fn revocation_to_annul<R: RevocationFacts>(
    number: &str,
    status: RegistrationStatus,
    revocations: &[R],
    court_decision_on: NaiveDate,
) -> Result<usize, RegistrationError> {
    if status != RegistrationStatus::Revoked {
        return Err(RegistrationError::Rev5NotRevoked {
            number: number.to_owned(),
            status,
        });
    }
    let Some(index) = revocations.iter().rposition(|r| !r.annulled()) else {
        return Err(RegistrationError::Rev5NoRevocationInForce {
            number: number.to_owned(),
        });
    };
    let revoked_on = revocations[index].revoked_on();
    if court_decision_on < revoked_on {
        return Err(RegistrationError::Rev5DecisionBeforeRevocation {
            decided_on: court_decision_on,
            revoked_on,
        });
    }
    Ok(index)
}

/// REV-8: where a revocation stands in court.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeState {
    /// Contested; the court has not decided.
    Contested,
    /// The court dismissed the challenge: the revocation stands.
    Dismissed,
    /// The court annulled the revocation (REV-5).
    Annulled,
}

impl ChallengeState {
    /// As the contract says it: `CONTESTED`, `DISMISSED`, `ANNULLED`.
    pub const fn code(self) -> &'static str {
        match self {
            ChallengeState::Contested => "CONTESTED",
            ChallengeState::Dismissed => "DISMISSED",
            ChallengeState::Annulled => "ANNULLED",
        }
    }
}

/// A revocation as far as a court challenge is concerned (REV-8).
pub trait ChallengeFacts: RevocationFacts {
    /// The court case contesting it; empty when never contested.
    fn challenge_case(&self) -> &str;
    /// The court decided the challenge.
    fn challenge_closed(&self) -> bool;

    /// None when never contested.
    fn challenge_state(&self) -> Option<ChallengeState> {
        if self.challenge_case().is_empty() {
            None
        } else if !self.challenge_closed() {
            Some(ChallengeState::Contested)
        } else if self.annulled() {
            Some(ChallengeState::Annulled)
        } else {
            Some(ChallengeState::Dismissed)
        }
    }
}

/// REV-8: the revocation in force of a revoked registration is contested in court, once at a
/// time, from its date on. Returns the index of the revocation contested.
pub fn revocation_to_contest<R: ChallengeFacts>(
    number: &str,
    status: RegistrationStatus,
    revocations: &[R],
    filed_on: NaiveDate,
) -> Result<usize, RegistrationError> {
    let in_force = revocations.iter().rposition(|r| !r.annulled());
    let (RegistrationStatus::Revoked, Some(index)) = (status, in_force) else {
        return Err(RegistrationError::Rev8NotRevoked {
            number: number.to_owned(),
            status,
        });
    };
    let revocation = &revocations[index];
    if revocation.challenge_state() == Some(ChallengeState::Contested) {
        return Err(RegistrationError::Rev8AlreadyContested {
            number: number.to_owned(),
            case: revocation.challenge_case().to_owned(),
        });
    }
    if filed_on < revocation.revoked_on() {
        return Err(RegistrationError::Rev8FiledBeforeRevocation {
            filed_on,
            revoked_on: revocation.revoked_on(),
        });
    }
    Ok(index)
}

/// REV-8: the court dismissed challenge `case`, which must be pending. Returns the index of the
/// revocation it contested.
pub fn challenge_to_dismiss<R: ChallengeFacts>(
    number: &str,
    revocations: &[R],
    case: &str,
) -> Result<usize, RegistrationError> {
    revocations
        .iter()
        .position(|r| {
            r.challenge_state() == Some(ChallengeState::Contested) && r.challenge_case() == case
        })
        .ok_or_else(|| RegistrationError::Rev8NoSuchChallenge {
            number: number.to_owned(),
            case: case.to_owned(),
        })
}

/// The status of a number on a date, as the public lookup shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupStatus {
    NotYetValid,
    Valid,
    Revoked,
}

/// The status of a registration on `as_of`: not yet valid before its validity date (REG-6),
/// revoked from the date of a revocation in force (REV-1) unless a court annulled it (REV-5),
/// valid otherwise: a registration has no expiry (REG-11). Returns the revocation date in force.
pub fn status_on<R: RevocationFacts>(
    valid_from: NaiveDate,
    revocations: &[R],
    as_of: NaiveDate,
) -> (LookupStatus, Option<NaiveDate>) {
    if as_of < valid_from {
        return (LookupStatus::NotYetValid, None);
    }
    let in_force = revocations
        .iter()
        .filter(|r| !r.annulled() && r.revoked_on() <= as_of)
        .map(|r| r.revoked_on())
        .max();
    match in_force {
        Some(on) => (LookupStatus::Revoked, Some(on)),
        None => (LookupStatus::Valid, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const NONE: [(NaiveDate, bool); 0] = [];

    #[test]
    fn reg_6_not_yet_valid_before_its_validity_date() {
        let from = d("2026-03-19");
        assert_eq!(
            status_on(from, &NONE, d("2026-03-18")).0,
            LookupStatus::NotYetValid
        );
    }

    #[test]
    fn reg_11_a_registration_has_no_expiry() {
        let from = d("2026-03-19");
        assert_eq!(
            status_on(from, &NONE, d("2099-01-01")).0,
            LookupStatus::Valid,
            "no expiry (REG-11)"
        );
    }

    #[test]
    fn rev_1_revoked_from_the_date_of_revocation() {
        let from = d("2026-03-19");
        let revoked = [(d("2026-06-01"), false)];
        assert_eq!(
            status_on(from, &revoked, d("2026-05-31")).0,
            LookupStatus::Valid
        );
        assert_eq!(
            status_on(from, &revoked, d("2026-06-01")),
            (LookupStatus::Revoked, Some(d("2026-06-01")))
        );
    }

    #[test]
    fn rev_5_an_annulled_revocation_is_as_if_it_never_happened() {
        let from = d("2026-03-19");
        let annulled = [(d("2026-06-01"), true)];
        assert_eq!(
            status_on(from, &annulled, d("2026-07-01")).0,
            LookupStatus::Valid,
            "a court annulled it (REV-5)"
        );
    }

    #[test]
    fn rev_1_who_may_ask_on_which_ground() {
        use RevocationGround::*;
        let cases = [
            (ExporterRequest, Requester::Exporter, "", None),
            (
                ExporterRequest,
                Requester::Ministry,
                "C-1",
                Some("requested_by"),
            ),
            (
                GspConditionsNotMet,
                Requester::Exporter,
                "",
                Some("requested_by"),
            ),
            (
                GspConditionsNotMet,
                Requester::Ministry,
                " ",
                Some("case_reference"),
            ),
            (PreferencesWithdrawn, Requester::Ministry, "C-1", None),
        ];
        for (ground, requester, case, fault) in cases {
            assert_eq!(
                requester_fault(ground, requester, case).map(|(f, _)| f),
                fault,
                "{ground:?} by {requester:?}"
            );
        }
    }

    #[test]
    fn rev_1_revocation_not_before_validity_nor_twice() {
        let from = d("2026-03-19");
        assert!(matches!(
            may_revoke("N", RegistrationStatus::Active, from, d("2026-03-18")),
            Err(RegistrationError::Rev1BeforeValidity { .. })
        ));
        assert!(matches!(
            may_revoke("N", RegistrationStatus::Revoked, from, d("2026-04-01")),
            Err(RegistrationError::Rev1AlreadyRevoked { .. })
        ));
        assert!(may_revoke("N", RegistrationStatus::Active, from, from).is_ok());
    }

    #[test]
    fn rev_5_the_court_annuls_the_last_revocation_in_force() {
        let revocations = [(d("2026-05-01"), true), (d("2026-06-01"), false)];
        assert_eq!(
            revocation_to_annul(
                "N",
                RegistrationStatus::Revoked,
                &revocations,
                d("2026-06-10")
            ),
            Ok(1)
        );
        assert!(matches!(
            revocation_to_annul(
                "N",
                RegistrationStatus::Revoked,
                &revocations,
                d("2026-05-31")
            ),
            Err(RegistrationError::Rev5DecisionBeforeRevocation { .. })
        ));
        assert!(matches!(
            revocation_to_annul(
                "N",
                RegistrationStatus::Active,
                &revocations,
                d("2026-06-10")
            ),
            Err(RegistrationError::Rev5NotRevoked { .. })
        ));
        assert!(matches!(
            revocation_to_annul(
                "N",
                RegistrationStatus::Revoked,
                &[(d("2026-05-01"), true)],
                d("2026-06-10")
            ),
            Err(RegistrationError::Rev5NoRevocationInForce { .. })
        ));
    }
}
