//! The typed states of a case: who asked (VER-1), where the case stands, how it ended (VER-7)
//! and what Atameken is asked to revoke on (VER-8).

use std::fmt;
use std::str::FromStr;

/// A name that is not one of an enum's: stored data from another version, or a typo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a known {kind}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
}

/// Declares a closed set of names, each with its text, and the text's parse.
macro_rules! named {
    ($ty:ident, $kind:literal, { $($variant:ident => $name:literal,)+ }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)+];

            /// The name as the rules, the messages and the store write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownName { kind: $kind, name: s.to_owned() })
            }
        }
    };
}

/// The countries whose official requests the Ministry verifies on (VER-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    /// The Kingdom of Norway.
    No,
    /// The Swiss Confederation.
    Ch,
}

named!(Country, "requesting country", {
    No => "NO",
    Ch => "CH",
});

impl Country {
    /// The country's name as a conclusion addresses it (VER-7).
    pub fn name(self) -> &'static str {
        match self {
            Country::No => "the Kingdom of Norway",
            Country::Ch => "the Swiss Confederation",
        }
    }
}

/// Where a case stands: each step of VER-4..8 moves it one state on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// Opened on an official request (VER-1).
    Open,
    /// The dossier was requested from Atameken (VER-4).
    DossierRequested,
    /// The dossier arrived, or the step ended with a finding (VER-5).
    DossierReceived,
    /// The check is recorded (VER-6).
    Checked,
    /// The conclusion is issued (VER-7).
    Concluded,
    /// Atameken was asked to revoke (VER-8).
    RevocationRequested,
    /// Atameken answered the appeal to revoke.
    Closed,
}

named!(CaseStatus, "case status", {
    Open => "OPEN",
    DossierRequested => "DOSSIER_REQUESTED",
    DossierReceived => "DOSSIER_RECEIVED",
    Checked => "CHECKED",
    Concluded => "CONCLUDED",
    RevocationRequested => "REVOCATION_REQUESTED",
    Closed => "CLOSED",
});

/// How a verification ended (VER-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The registration is well-founded.
    RegistrationConfirmed,
    /// The exporter does not meet the GSP conditions (VER-8).
    GspConditionsNotMet,
    /// The exporter did not keep its obligations (VER-8).
    ObligationsNotKept,
    /// The exporter ceased its activity (VER-8).
    ActivityCeased,
}

named!(Outcome, "verification outcome", {
    RegistrationConfirmed => "REGISTRATION_CONFIRMED",
    GspConditionsNotMet => "GSP_CONDITIONS_NOT_MET",
    ObligationsNotKept => "OBLIGATIONS_NOT_KEPT",
    ActivityCeased => "ACTIVITY_CEASED",
});

/// The grounds of REV-1 the Ministry asks Atameken to revoke on (VER-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationGround {
    /// REV-1 (2): GSP conditions not met.
    GspConditionsNotMet,
    /// REV-1 (3): obligations not kept.
    ObligationsNotKept,
}

impl Outcome {
    /// Whether the outcome leads to an appeal to revoke (VER-8): any one of the listed findings
    /// suffices.
    pub fn is_negative(self) -> bool {
        self.revocation_ground().is_some()
    }

    /// The ground Atameken revokes on (VER-8 interpretation): GSP conditions not met under
    /// REV-1 (2); obligations not kept and ceased activity (a breach of undertakings 8 and 9)
    /// under REV-1 (3).
    pub fn revocation_ground(self) -> Option<RevocationGround> {
        match self {
            Outcome::GspConditionsNotMet => Some(RevocationGround::GspConditionsNotMet),
            Outcome::ObligationsNotKept | Outcome::ActivityCeased => {
                Some(RevocationGround::ObligationsNotKept)
            }
            Outcome::RegistrationConfirmed => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ver_8_ceased_activity_is_revoked_as_obligations_not_kept() {
        let cases = [
            (
                Outcome::ActivityCeased,
                Some(RevocationGround::ObligationsNotKept),
            ),
            (
                Outcome::GspConditionsNotMet,
                Some(RevocationGround::GspConditionsNotMet),
            ),
            (Outcome::RegistrationConfirmed, None),
        ];
        for (outcome, ground) in cases {
            assert_eq!(outcome.revocation_ground(), ground, "{outcome}");
        }
    }

    #[test]
    fn ver_8_only_a_negative_outcome_leads_to_an_appeal() {
        let cases = [
            (Outcome::RegistrationConfirmed, false),
            (Outcome::GspConditionsNotMet, true),
            (Outcome::ObligationsNotKept, true),
            (Outcome::ActivityCeased, true),
        ];
        for (outcome, negative) in cases {
            assert_eq!(outcome.is_negative(), negative, "{outcome}");
        }
    }

    #[test]
    fn states_read_back_from_their_names() {
        for status in CaseStatus::ALL {
            assert_eq!(status.as_str().parse::<CaseStatus>(), Ok(*status));
        }
        for outcome in Outcome::ALL {
            assert_eq!(outcome.as_str().parse::<Outcome>(), Ok(*outcome));
        }
        for country in Country::ALL {
            assert_eq!(country.as_str().parse::<Country>(), Ok(*country));
        }
        assert!("SE".parse::<Country>().is_err());
        assert!("".parse::<Outcome>().is_err());
    }
}
