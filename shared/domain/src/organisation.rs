//! Who speaks: the organisations that send letters and run the public site, with their names,
//! addresses and signatories in the three languages. The details are configuration
//! (`config/organisations.toml`), read once at start; here is only their shape and the checks.

use serde::Deserialize;

use crate::language::Language;

/// A text in each of the three languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub kk: String,
    pub ru: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Kk => &self.kk,
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }

    fn all(&self) -> [(&'static str, &str); 3] {
        [("kk", &self.kk), ("ru", &self.ru), ("en", &self.en)]
    }
}

/// The person who signs the organisation's letters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub name: Localized,
    pub position: Localized,
}

/// One organisation's identity, as its letterhead and its public pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: Localized,
    pub address: Localized,
    pub phone: String,
    pub email: String,
    pub website: String,
    /// The prefix of its outgoing reference numbers: `ATM` gives `ATM-2026/000123`.
    pub reference_prefix: String,
    pub signatory: Signatory,
}

/// The organisations of the suite, by their role in the orders.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisations {
    /// Atameken: registration of exporters (Order 244-NK).
    pub atameken: Organisation,
    /// The Ministry: verification of origin (Order 358-NK).
    pub ministry: Organisation,
    /// The Industrial Development Committee: re-export permits (Order 355).
    pub committee: Organisation,
}

/// Which organisation a letter is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Atameken,
    Ministry,
    Committee,
}

/// Why the organisations' file cannot be used: the service refuses to start with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrganisationError {
    #[error("organisations file: {0}")]
    Syntax(String),
    #[error("organisations file: {field} must not be empty")]
    Empty { field: String },
    #[error(
        "organisations file: {field} must be 2 to 8 capital Latin letters, not {value:?}: it starts every outgoing reference number"
    )]
    ReferencePrefix { field: String, value: String },
}

/// The shipped file: demonstration details, replaced at deployment (see the file's header).
pub const SHIPPED: &str = include_str!("../../../config/organisations.toml");

impl Organisations {
    /// Reads and checks a file's text: every field filled in every language.
    pub fn parse(text: &str) -> Result<Self, OrganisationError> {
        let parsed: Organisations =
            toml::from_str(text).map_err(|e| OrganisationError::Syntax(e.message().to_owned()))?;
        for (key, organisation) in [
            ("atameken", &parsed.atameken),
            ("ministry", &parsed.ministry),
            ("committee", &parsed.committee),
        ] {
            organisation.check(key)?;
        }
        Ok(parsed)
    }

    /// The shipped demonstration details, parsed once: every default of every service and
    /// test asks for them.
    pub fn shipped() -> Self {
        static PARSED: std::sync::OnceLock<Organisations> = std::sync::OnceLock::new();
        PARSED
            .get_or_init(|| {
                // The shipped file is checked by a test; it cannot be wrong at run time.
                Self::parse(SHIPPED)
                    .unwrap_or_else(|e| panic!("the shipped organisations file: {e}"))
            })
            .clone()
    }

    pub fn of(&self, sender: Sender) -> &Organisation {
        match sender {
            Sender::Atameken => &self.atameken,
            Sender::Ministry => &self.ministry,
            Sender::Committee => &self.committee,
        }
    }
}

impl Organisation {
    fn check(&self, key: &str) -> Result<(), OrganisationError> {
        let localized = [
            ("name", &self.name),
            ("address", &self.address),
            ("signatory.name", &self.signatory.name),
            ("signatory.position", &self.signatory.position),
        ];
        for (field, text) in localized {
            for (language, value) in text.all() {
                if value.trim().is_empty() {
                    return Err(OrganisationError::Empty {
                        field: format!("{key}.{field}.{language}"),
                    });
                }
            }
        }
        for (field, value) in [
            ("phone", &self.phone),
            ("email", &self.email),
            ("website", &self.website),
        ] {
            if value.trim().is_empty() {
                return Err(OrganisationError::Empty {
                    field: format!("{key}.{field}"),
                });
            }
        }
        let prefix = &self.reference_prefix;
        if !(2..=8).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(OrganisationError::ReferencePrefix {
                field: format!("{key}.reference_prefix"),
                value: prefix.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_names_every_organisation_in_three_languages() {
        let organisations = Organisations::parse(SHIPPED).expect("shipped file");
        assert_eq!(
            organisations.of(Sender::Atameken).name.get(Language::Kk),
            organisations.atameken.name.kk
        );
        assert_ne!(
            organisations.atameken.reference_prefix,
            organisations.ministry.reference_prefix
        );
    }

    #[test]
    fn an_empty_name_is_refused_naming_the_field() {
        let text = SHIPPED.replacen(
            "kk = \"Қазақстан Республикасының «Атамекен» ұлттық кәсіпкерлер палатасы\"",
            "kk = \" \"",
            1,
        );
        let error = Organisations::parse(&text).unwrap_err();
        assert_eq!(
            error,
            OrganisationError::Empty {
                field: "atameken.name.kk".into()
            }
        );
    }

    #[test]
    fn a_reference_prefix_must_be_capital_letters() {
        let text = SHIPPED.replacen(
            "reference_prefix = \"ATM\"",
            "reference_prefix = \"a/1\"",
            1,
        );
        let error = Organisations::parse(&text).unwrap_err();
        assert!(
            error.to_string().contains("atameken.reference_prefix"),
            "{error}"
        );
    }
}
