//! Notice templates: files, one per kind and language (`templates/<kind>.<kk|ru|en>.txt`), the
//! first line `Subject: …`, then a blank line and the body, in minijinja syntax. The release
//! carries the files; a directory in configuration replaces any of them without a release.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use minijinja::{Environment, UndefinedBehavior};

/// The templates shipped with the release.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "registration_confirmed.kk.txt",
        include_str!("../templates/registration_confirmed.kk.txt"),
    ),
    (
        "registration_confirmed.ru.txt",
        include_str!("../templates/registration_confirmed.ru.txt"),
    ),
    (
        "registration_confirmed.en.txt",
        include_str!("../templates/registration_confirmed.en.txt"),
    ),
    (
        "application_refused.kk.txt",
        include_str!("../templates/application_refused.kk.txt"),
    ),
    (
        "application_refused.ru.txt",
        include_str!("../templates/application_refused.ru.txt"),
    ),
    (
        "application_refused.en.txt",
        include_str!("../templates/application_refused.en.txt"),
    ),
    (
        "change_accepted.kk.txt",
        include_str!("../templates/change_accepted.kk.txt"),
    ),
    (
        "change_accepted.ru.txt",
        include_str!("../templates/change_accepted.ru.txt"),
    ),
    (
        "change_accepted.en.txt",
        include_str!("../templates/change_accepted.en.txt"),
    ),
    (
        "change_refused.kk.txt",
        include_str!("../templates/change_refused.kk.txt"),
    ),
    (
        "change_refused.ru.txt",
        include_str!("../templates/change_refused.ru.txt"),
    ),
    (
        "change_refused.en.txt",
        include_str!("../templates/change_refused.en.txt"),
    ),
    (
        "registration_revoked.kk.txt",
        include_str!("../templates/registration_revoked.kk.txt"),
    ),
    (
        "registration_revoked.ru.txt",
        include_str!("../templates/registration_revoked.ru.txt"),
    ),
    (
        "registration_revoked.en.txt",
        include_str!("../templates/registration_revoked.en.txt"),
    ),
    (
        "registration_reinstated.kk.txt",
        include_str!("../templates/registration_reinstated.kk.txt"),
    ),
    (
        "registration_reinstated.ru.txt",
        include_str!("../templates/registration_reinstated.ru.txt"),
    ),
    (
        "registration_reinstated.en.txt",
        include_str!("../templates/registration_reinstated.en.txt"),
    ),
    (
        "deadline_at_risk.kk.txt",
        include_str!("../templates/deadline_at_risk.kk.txt"),
    ),
    (
        "deadline_at_risk.ru.txt",
        include_str!("../templates/deadline_at_risk.ru.txt"),
    ),
    (
        "deadline_at_risk.en.txt",
        include_str!("../templates/deadline_at_risk.en.txt"),
    ),
    (
        "authorized_persons_changed.kk.txt",
        include_str!("../templates/authorized_persons_changed.kk.txt"),
    ),
    (
        "authorized_persons_changed.ru.txt",
        include_str!("../templates/authorized_persons_changed.ru.txt"),
    ),
    (
        "authorized_persons_changed.en.txt",
        include_str!("../templates/authorized_persons_changed.en.txt"),
    ),
];

/// Every kind of notice, as its template file stem.
pub const KINDS: &[&str] = &[
    "registration_confirmed",
    "application_refused",
    "change_accepted",
    "change_refused",
    "registration_revoked",
    "registration_reinstated",
    "deadline_at_risk",
    "authorized_persons_changed",
];

/// A rendered notice in one language.
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

/// The loaded and checked templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads every template (from `dir` where it has the file, else the shipped one) and checks
    /// that each compiles and has a subject line.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(false);
        for (name, shipped) in EMBEDDED {
            let text = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
                Some(path) => std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read template {}", path.display()))?,
                None => (*shipped).to_owned(),
            };
            if !text.starts_with("Subject: ") {
                anyhow::bail!("template {name}: the first line must be \"Subject: …\"");
            }
            env.add_template_owned(name.to_string(), text)
                .with_context(|| format!("template {name} does not compile"))?;
        }
        Ok(Self { env })
    }

    /// Renders `kind` (e.g. "registration_confirmed") in `lang` ("kk", "ru", "en").
    pub fn render(
        &self,
        kind: &str,
        lang: &str,
        facts: &BTreeMap<String, String>,
    ) -> Result<Rendered, RenderError> {
        let name = format!("{kind}.{lang}.txt");
        let template = self
            .env
            .get_template(&name)
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
        let text = template
            .render(facts)
            .map_err(|e| RenderError::Template(format!("{e:#}")))?;
        let (first, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        Ok(Rendered {
            subject: first.trim_start_matches("Subject: ").trim().to_owned(),
            body: body.trim_start_matches('\n').trim_end().to_owned(),
        })
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
        let t = Templates::load(None).unwrap();
        let f = facts(&[
            ("registration_number", "KZREX002190320260001"),
            ("application_registration_date", "2026-03-19"),
            ("assigned_on", "2026-03-20"),
            ("exporter_name", "ТОО «Алтын Дән»"),
            ("exporter_name_en", "Altyn Dan LLP"),
        ]);
        let ru = t.render("registration_confirmed", "ru", &f).unwrap();
        assert_eq!(
            ru.subject,
            "Регистрация в системе REX — KZREX002190320260001"
        );
        assert!(
            ru.body
                .contains("Дата присвоения регистрационного номера: 2026-03-20"),
            "{}",
            ru.body
        );
        let kk = t.render("registration_confirmed", "kk", &f).unwrap();
        assert!(kk.body.contains("Тіркеу нөмірі: KZREX002190320260001"));
        let en = t.render("registration_confirmed", "en", &f).unwrap();
        assert!(en.body.contains("Date of registration of application No. 1 (the date from which the registration is valid): 2026-03-19"));
        for kind in KINDS {
            for lang in ["kk", "ru", "en"] {
                assert!(
                    t.env.get_template(&format!("{kind}.{lang}.txt")).is_ok(),
                    "{kind}.{lang}"
                );
            }
        }
    }

    #[test]
    fn missing_facts_are_named() {
        let t = Templates::load(None).unwrap();
        let err = t
            .render(
                "registration_revoked",
                "en",
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
    fn a_template_directory_replaces_a_shipped_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("deadline_at_risk.en.txt"),
            "Subject: Due {{ due_on }}\n\nHurry.",
        )
        .unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        let r = t
            .render(
                "deadline_at_risk",
                "en",
                &facts(&[("due_on", "2026-03-27")]),
            )
            .unwrap();
        assert_eq!(
            (r.subject.as_str(), r.body.as_str()),
            ("Due 2026-03-27", "Hurry.")
        );
        std::fs::write(dir.path().join("deadline_at_risk.en.txt"), "no subject").unwrap();
        assert!(Templates::load(Some(dir.path())).is_err());
    }
}
