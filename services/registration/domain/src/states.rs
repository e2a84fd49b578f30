//! The states of applications, registrations and changes, and the closed lists of the order
//! (refusal reasons, revocation grounds, change categories), as enums. The store keeps their
//! codes; nothing outside this module compares state strings.

/// Defines an enum with the text code it is stored under.
macro_rules! coded {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code it is stored and named under.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

coded! {
    /// An application No. 1: received, then registered (REG-6) or refused (REG-9).
    ApplicationStatus {
        Received = "RECEIVED",
        Registered = "REGISTERED",
        Refused = "REFUSED",
    }
}

coded! {
    /// A registration: active until revoked (REG-11, REV-1); a court may reinstate it (REV-5).
    RegistrationStatus {
        Active = "ACTIVE",
        Revoked = "REVOKED",
    }
}

coded! {
    /// A change of the registration data (CHG-1, CHG-2).
    ChangeStatus {
        Received = "RECEIVED",
        Accepted = "ACCEPTED",
        Refused = "REFUSED",
    }
}

coded! {
    /// What a change touches (CHG-1); the first three need supporting documents.
    ChangeCategory {
        NameOrLocation = "CHANGE_CATEGORY_NAME_OR_LOCATION",
        Activity = "CHANGE_CATEGORY_ACTIVITY",
        Goods = "CHANGE_CATEGORY_GOODS",
        Contact = "CHANGE_CATEGORY_CONTACT",
        PublicationConsent = "CHANGE_CATEGORY_PUBLICATION_CONSENT",
    }
}

coded! {
    /// Grounds for refusing an application (REG-9 (1)-(3)).
    RefusalReason {
        IncompleteOrUnreliableInformation = "REFUSAL_REASON_INCOMPLETE_OR_UNRELIABLE_INFORMATION",
        IncompleteDocuments = "REFUSAL_REASON_INCOMPLETE_DOCUMENTS",
        GoodsNotOriginating = "REFUSAL_REASON_GOODS_NOT_ORIGINATING",
    }
}

coded! {
    /// Grounds for revocation (REV-1 (1)-(4)).
    RevocationGround {
        ExporterRequest = "REVOCATION_GROUND_EXPORTER_REQUEST",
        GspConditionsNotMet = "REVOCATION_GROUND_GSP_CONDITIONS_NOT_MET",
        ObligationsNotKept = "REVOCATION_GROUND_OBLIGATIONS_NOT_KEPT",
        PreferencesWithdrawn = "REVOCATION_GROUND_PREFERENCES_WITHDRAWN",
    }
}

coded! {
    /// Who asks for a revocation (REV-1).
    Requester {
        /// REV-1 (1): the exporter's own application.
        Exporter = "EXPORTER",
        /// REV-1 (2)-(4): the authorized body (the Ministry), with its case reference.
        Ministry = "MINISTRY",
    }
}

impl ChangeCategory {
    /// The category's short name, as a notice lists it ("GOODS").
    pub fn short_name(self) -> &'static str {
        self.code().trim_start_matches("CHANGE_CATEGORY_")
    }

    /// CHG-1: a change of name or location, activity or goods is proven by documents.
    pub fn needs_documents(self) -> bool {
        matches!(
            self,
            ChangeCategory::NameOrLocation | ChangeCategory::Activity | ChangeCategory::Goods
        )
    }
}

impl ApplicationStatus {
    /// The name the API uses for the state (`APPLICATION_STATUS_RECEIVED`).
    pub fn api_name(self) -> String {
        format!("APPLICATION_STATUS_{}", self.code())
    }
}

impl ChangeStatus {
    pub fn api_name(self) -> String {
        format!("CHANGE_STATUS_{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_state() {
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::from_code(s.code()), Some(*s));
        }
        for s in ChangeCategory::ALL {
            assert_eq!(ChangeCategory::from_code(s.code()), Some(*s));
        }
        for s in RevocationGround::ALL {
            assert_eq!(RevocationGround::from_code(s.code()), Some(*s));
        }
        assert_eq!(RegistrationStatus::from_code("EXPIRED"), None);
    }

    #[test]
    fn chg_1_name_activity_and_goods_need_documents() {
        let needing: Vec<_> = ChangeCategory::ALL
            .iter()
            .filter(|c| c.needs_documents())
            .map(|c| c.short_name())
            .collect();
        assert_eq!(needing, ["NAME_OR_LOCATION", "ACTIVITY", "GOODS"]);
    }
}
