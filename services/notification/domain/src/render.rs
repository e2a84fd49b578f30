//! Notice templates: one per kind and language (`<kind>.<kk|ru|en>.txt`), the first line
//! `Subject: …`, then a blank line and the body, in minijinja syntax. Rendering is pure; which
//! files replace the shipped ones is the service's concern.

use std::collections::BTreeMap;

use minijinja::{Environment, UndefinedBehavior};

use crate::error::NotificationError;
use crate::kinds::{Language, NoticeKind};
use crate::request::SendInput;
use crate::words::fact_in_words;

/// The templates shipped with the release. The files stay in the service's `templates/`, where
/// operators look for the ones they may replace.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "registration_confirmed.kk.txt",
        include_str!("../../templates/registration_confirmed.kk.txt"),
    ),
    (
        "registration_confirmed.ru.txt",
        include_str!("../../templates/registration_confirmed.ru.txt"),
    ),
    (
        "registration_confirmed.en.txt",
        include_str!("../../templates/registration_confirmed.en.txt"),
    ),
    (
        "application_refused.kk.txt",
        include_str!("../../templates/application_refused.kk.txt"),
    ),
    (
        "application_refused.ru.txt",
        include_str!("../../templates/application_refused.ru.txt"),
    ),
    (
        "application_refused.en.txt",
        include_str!("../../templates/application_refused.en.txt"),
    ),
    (
        "change_accepted.kk.txt",
        include_str!("../../templates/change_accepted.kk.txt"),
    ),
    (
        "change_accepted.ru.txt",
        include_str!("../../templates/change_accepted.ru.txt"),
    ),
    (
        "change_accepted.en.txt",
        include_str!("../../templates/change_accepted.en.txt"),
    ),
    (
        "change_refused.kk.txt",
        include_str!("../../templates/change_refused.kk.txt"),
    ),
    (
        "change_refused.ru.txt",
        include_str!("../../templates/change_refused.ru.txt"),
    ),
    (
        "change_refused.en.txt",
        include_str!("../../templates/change_refused.en.txt"),
    ),
    (
        "registration_revoked.kk.txt",
        include_str!("../../templates/registration_revoked.kk.txt"),
    ),
    (
        "registration_revoked.ru.txt",
        include_str!("../../templates/registration_revoked.ru.txt"),
    ),
    (
        "registration_revoked.en.txt",
        include_str!("../../templates/registration_revoked.en.txt"),
    ),
    (
        "registration_reinstated.kk.txt",
        include_str!("../../templates/registration_reinstated.kk.txt"),
    ),
    (
        "registration_reinstated.ru.txt",
        include_str!("../../templates/registration_reinstated.ru.txt"),
    ),
    (
        "registration_reinstated.en.txt",
        include_str!("../../templates/registration_reinstated.en.txt"),
    ),
    (
        "deadline_at_risk.kk.txt",
        include_str!("../../templates/deadline_at_risk.kk.txt"),
    ),
    (
        "deadline_at_risk.ru.txt",
        include_str!("../../templates/deadline_at_risk.ru.txt"),
    ),
    (
        "deadline_at_risk.en.txt",
        include_str!("../../templates/deadline_at_risk.en.txt"),
    ),
    (
        "authorized_persons_changed.kk.txt",
        include_str!("../../templates/authorized_persons_changed.kk.txt"),
    ),
    (
        "authorized_persons_changed.ru.txt",
        include_str!("../../templates/authorized_persons_changed.ru.txt"),
    ),
    (
        "authorized_persons_changed.en.txt",
        include_str!("../../templates/authorized_persons_changed.en.txt"),
    ),
];

/// The file a kind's template in a language is kept in: `registration_confirmed.ru.txt`.
pub fn file_name(kind: NoticeKind, language: Language) -> String {
    format!("{}.{}.txt", kind.template_stem(), language.code())
}

/// A rendered notice in one language, or in all of its languages joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Why a notice cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The template needs facts the request does not give.
    MissingFacts(Vec<String>),
    Template(String),
}

/// Why the templates cannot be used: the service refuses to start with them.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name}: the first line must be \"Subject: …\"")]
    NoSubjectLine { name: String },
    #[error("template {name} does not compile")]
    DoesNotCompile {
        name: String,
        #[source]
        source: minijinja::Error,
    },
}

/// The compiled templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

/// Between the notice's languages, in the body.
const SEPARATOR: &str = "\n\n----------------------------------------\n\n";

impl Templates {
    /// Compiles `sources` (file name, text), checking that each has a subject line.
    pub fn compile(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        // A fact a template quotes but the request lacks is an error, never an empty string.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(false);
        for (name, text) in sources {
            if !text.starts_with("Subject: ") {
                return Err(TemplateError::NoSubjectLine { name });
            }
            if let Err(source) = env.add_template_owned(name.clone(), text) {
                return Err(TemplateError::DoesNotCompile { name, source });
            }
        }
        Ok(Self { env })
    }

    /// The shipped templates, compiled.
    pub fn shipped() -> Result<Self, TemplateError> {
        Self::compile(
            SHIPPED
                .iter()
                .map(|(name, text)| ((*name).to_owned(), (*text).to_owned())),
        )
    }

    /// Renders `kind` in `language` from `facts`.
    pub fn render(
        &self,
        kind: NoticeKind,
        language: Language,
        facts: &BTreeMap<String, String>,
    ) -> Result<Rendered, RenderError> {
        let template = self
            .env
            .get_template(&file_name(kind, language))
            .map_err(|e| RenderError::Template(e.to_string()))?;
        let mut missing: Vec<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !facts.contains_key(v))
            .collect();
        if !missing.is_empty() {
            missing.sort();
            return Err(RenderError::MissingFacts(missing));
        }
        let said: BTreeMap<&str, String> = facts
            .iter()
            .map(|(name, value)| (name.as_str(), fact_in_words(value, language)))
            .collect();
        let text = template
            .render(said)
            .map_err(|e| RenderError::Template(format!("{e:#}")))?;
        let (first, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        Ok(Rendered {
            subject: first.trim_start_matches("Subject: ").trim().to_owned(),
            body: body.trim_start_matches('\n').trim_end().to_owned(),
        })
    }

    /// The notice a SendNotification request asks for, in each of its languages: the subjects
    /// joined by " / ", the bodies one after the other. A fact the templates quote and the
    /// request lacks is named with the rule that requires the notice.
    pub fn render_notice(&self, input: &SendInput) -> Result<Rendered, NotificationError> {
        let context = input.context();
        let mut parts = Vec::new();
        for language in &input.languages {
            match self.render(input.kind, *language, &context) {
                Ok(part) => parts.push(part),
                Err(RenderError::MissingFacts(facts)) => {
                    return Err(NotificationError::MissingFacts {
                        kind: input.kind,
                        rule_id: input.rule_id.clone(),
                        facts,
                    });
                }
                Err(RenderError::Template(message)) => {
                    return Err(NotificationError::Template {
                        stem: input.kind.template_stem(),
                        message,
                    });
                }
            }
        }
        let subject = parts
            .iter()
            .map(|p| p.subject.as_str())
            .collect::<Vec<_>>()
            .join(" / ");
        let body = parts
            .iter()
            .map(|p| p.body.as_str())
            .collect::<Vec<_>>()
            .join(SEPARATOR)
            + "\n";
        Ok(Rendered { subject, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reg_8_every_template_exists_in_kazakh_russian_and_english_and_compiles() {
        let t = Templates::shipped().unwrap();
        let f = facts(&[
            ("registration_number", "KZREX002190320260001"),
            ("application_registration_date", "2026-03-19"),
            ("assigned_on", "2026-03-20"),
            ("exporter_name", "ТОО «Алтын Дән»"),
            ("exporter_name_en", "Altyn Dan LLP"),
        ]);
        let ru = t
            .render(NoticeKind::RegistrationConfirmed, Language::Ru, &f)
            .unwrap();
        assert_eq!(
            ru.subject,
            "Регистрация в системе REX — KZREX002190320260001"
        );
        assert!(
            ru.body
                .contains("Дата присвоения регистрационного номера: 20 марта 2026 г."),
            "{}",
            ru.body
        );
        let kk = t
            .render(NoticeKind::RegistrationConfirmed, Language::Kk, &f)
            .unwrap();
        assert!(kk.body.contains("Тіркеу нөмірі: KZREX002190320260001"));
        let en = t
            .render(NoticeKind::RegistrationConfirmed, Language::En, &f)
            .unwrap();
        assert!(en.body.contains("Date of registration of application No. 1 (the date from which the registration is valid): 19 March 2026"));
        for kind in NoticeKind::ALL {
            for lang in Language::ALL {
                assert!(
                    t.env.get_template(&file_name(kind, lang)).is_ok(),
                    "{kind}.{lang}"
                );
            }
        }
    }

    #[test]
    fn rev_2_missing_facts_of_the_revocation_notice_are_named() {
        let t = Templates::shipped().unwrap();
        let err = t
            .render(
                NoticeKind::RegistrationRevoked,
                Language::En,
                &facts(&[("registration_number", "X")]),
            )
            .unwrap_err();
        assert_eq!(
            err,
            RenderError::MissingFacts(vec![
                "case_reference".into(),
                "explanation".into(),
                "exporter_name_en".into(),
                "ground".into(),
                "revoked_on".into()
            ])
        );
    }

    #[test]
    fn a_template_without_its_subject_line_is_refused() {
        let cases = [
            ("Subject: Due {{ due_on }}\n\nHurry.", true),
            ("no subject", false),
            ("Subject: {{ unclosed", false),
        ];
        for (text, compiles) in cases {
            let result = Templates::compile([("t.en.txt".to_owned(), text.to_owned())]);
            assert_eq!(result.is_ok(), compiles, "{text:?}");
        }
    }
}
