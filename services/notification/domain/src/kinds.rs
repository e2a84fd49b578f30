//! What a notice is, how it travels, where it is, and the languages it is written in: enums, each
//! with the text it is stored under (the contract's enum name without its prefix).

use std::fmt;

/// The text a value is stored under is not one of the enum's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a {what}")]
pub struct UnknownName {
    pub what: &'static str,
    pub text: String,
}

/// Reading back a value stored as its name (`as_str`), and showing it by that name.
macro_rules! stored_as_its_name {
    ($type:ty, $what:literal) => {
        impl $type {
            pub fn parse(text: &str) -> Result<Self, UnknownName> {
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| UnknownName {
                        what: $what,
                        text: text.to_owned(),
                    })
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// What a notice is; each kind has its templates and the rule that requires it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeKind {
    /// REG-8: the exporter is registered.
    RegistrationConfirmed,
    /// REG-9: the application is refused.
    ApplicationRefused,
    /// CHG-2: the change is entered into REX.
    ChangeAccepted,
    /// CHG-2: the change is refused.
    ChangeRefused,
    /// REV-2: the registration is revoked.
    RegistrationRevoked,
    /// REV-5: a court annulled the revocation.
    RegistrationReinstated,
    /// A statutory step is due within one working day (the verification service's warning).
    DeadlineAtRisk,
    /// REG-13: the list of authorized persons changed.
    AuthorizedPersonsChanged,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 8] = [
        NoticeKind::RegistrationConfirmed,
        NoticeKind::ApplicationRefused,
        NoticeKind::ChangeAccepted,
        NoticeKind::ChangeRefused,
        NoticeKind::RegistrationRevoked,
        NoticeKind::RegistrationReinstated,
        NoticeKind::DeadlineAtRisk,
        NoticeKind::AuthorizedPersonsChanged,
    ];

    /// As stored: `REGISTRATION_CONFIRMED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            NoticeKind::RegistrationConfirmed => "REGISTRATION_CONFIRMED",
            NoticeKind::ApplicationRefused => "APPLICATION_REFUSED",
            NoticeKind::ChangeAccepted => "CHANGE_ACCEPTED",
            NoticeKind::ChangeRefused => "CHANGE_REFUSED",
            NoticeKind::RegistrationRevoked => "REGISTRATION_REVOKED",
            NoticeKind::RegistrationReinstated => "REGISTRATION_REINSTATED",
            NoticeKind::DeadlineAtRisk => "DEADLINE_AT_RISK",
            NoticeKind::AuthorizedPersonsChanged => "AUTHORIZED_PERSONS_CHANGED",
        }
    }

    /// The stem of its template files: `registration_confirmed`.
    pub const fn template_stem(self) -> &'static str {
        match self {
            NoticeKind::RegistrationConfirmed => "registration_confirmed",
            NoticeKind::ApplicationRefused => "application_refused",
            NoticeKind::ChangeAccepted => "change_accepted",
            NoticeKind::ChangeRefused => "change_refused",
            NoticeKind::RegistrationRevoked => "registration_revoked",
            NoticeKind::RegistrationReinstated => "registration_reinstated",
            NoticeKind::DeadlineAtRisk => "deadline_at_risk",
            NoticeKind::AuthorizedPersonsChanged => "authorized_persons_changed",
        }
    }
}

stored_as_its_name!(NoticeKind, "notice kind");

/// How a notice reaches its recipient. The law names paper and the exporter's inbox in
/// Atameken's information system (REG-8); e-mail is the suite's own addition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Inbox,
    Paper,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Inbox, Channel::Paper];

    /// As stored: `EMAIL`, `INBOX`, `PAPER`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Inbox => "INBOX",
            Channel::Paper => "PAPER",
        }
    }
}

stored_as_its_name!(Channel, "delivery channel");

/// Where a notice is: pending, then sent, then delivered, or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// Accepted, not yet sent (an e-mail waiting for the server, a letter for its hand-over).
    Pending,
    /// Sent (placed in the inbox, or handed to the mail server).
    Sent,
    /// Delivered: accepted by the mail server, read, or the letter handed over.
    Delivered,
    /// Failed, with the reason in the history.
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Pending,
        DeliveryState::Sent,
        DeliveryState::Delivered,
        DeliveryState::Failed,
    ];

    /// As stored: `PENDING`, `SENT`, `DELIVERED`, `FAILED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "PENDING",
            DeliveryState::Sent => "SENT",
            DeliveryState::Delivered => "DELIVERED",
            DeliveryState::Failed => "FAILED",
        }
    }
}

stored_as_its_name!(DeliveryState, "delivery state");

/// Where one attempt to hand an e-mail to the mail server stands, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptState {
    /// Recorded before the sender spoke to the server, with no outcome yet. Found so after its
    /// claim has lapsed, the sender stopped mid-attempt: the server may have accepted it.
    Started,
    /// The server accepted the message.
    Accepted,
    /// The server refused it, or could not be reached.
    Refused,
}

impl AttemptState {
    pub const ALL: [AttemptState; 3] = [
        AttemptState::Started,
        AttemptState::Accepted,
        AttemptState::Refused,
    ];

    /// As stored: `STARTED`, `ACCEPTED`, `REFUSED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttemptState::Started => "STARTED",
            AttemptState::Accepted => "ACCEPTED",
            AttemptState::Refused => "REFUSED",
        }
    }
}

stored_as_its_name!(AttemptState, "attempt state");

/// A language a notice is written in: the application's (Kazakh or Russian), and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Kk,
    Ru,
    En,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Kk, Language::Ru, Language::En];

    /// As stored: `KK`, `RU`, `EN`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Language::Kk => "KK",
            Language::Ru => "RU",
            Language::En => "EN",
        }
    }

    /// The language part of a template file name: `kk`, `ru`, `en`.
    pub const fn code(self) -> &'static str {
        match self {
            Language::Kk => "kk",
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    /// The same language as the suite's shared type, which knows how it writes dates.
    pub const fn common(self) -> rex_domain::Language {
        match self {
            Language::Kk => rex_domain::Language::Kk,
            Language::Ru => rex_domain::Language::Ru,
            Language::En => rex_domain::Language::En,
        }
    }

    /// The languages of a notice whose application is in `self`: that language, then English
    /// for the recipients abroad; English alone when English was asked for.
    pub fn with_english(self) -> Vec<Language> {
        match self {
            Language::En => vec![Language::En],
            primary => vec![primary, Language::En],
        }
    }
}

stored_as_its_name!(Language, "language");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_name_reads_back_as_its_value() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Ok(kind));
        }
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Ok(channel));
        }
        for state in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(state.as_str()), Ok(state));
        }
        for language in Language::ALL {
            assert_eq!(Language::parse(language.as_str()), Ok(language));
        }
        for state in AttemptState::ALL {
            assert_eq!(AttemptState::parse(state.as_str()), Ok(state));
        }
        assert_eq!(
            Channel::parse("FAX").map_err(|e| e.to_string()),
            Err("\"FAX\" is not a delivery channel".to_owned())
        );
    }

    #[test]
    fn a_notice_is_written_in_the_applications_language_and_english() {
        let cases = [
            (Language::Kk, vec![Language::Kk, Language::En]),
            (Language::Ru, vec![Language::Ru, Language::En]),
            (Language::En, vec![Language::En]),
        ];
        for (primary, expected) in cases {
            assert_eq!(primary.with_english(), expected, "{primary}");
        }
    }
}
