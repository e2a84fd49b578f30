//! Which templates the service renders with: the shipped ones (see
//! `rex_notification_domain::render`), each replaced by the file of the same name in a
//! configured directory, so an operator changes a text without a release.

use std::path::Path;

use anyhow::Context;
pub use rex_notification_domain::render::{RenderError, Rendered, SHIPPED, Templates};

/// Loads every template (from `dir` where it has the file, else the shipped one) and checks
/// that each compiles and has a subject line.
pub fn load(dir: Option<&Path>) -> anyhow::Result<Templates> {
    let mut sources = Vec::with_capacity(SHIPPED.len());
    for (name, shipped) in SHIPPED {
        let text = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
            Some(path) => std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read template {}", path.display()))?,
            None => (*shipped).to_owned(),
        };
        sources.push(((*name).to_owned(), text));
    }
    Ok(Templates::compile(sources)?)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rex_notification_domain::{Language, NoticeKind};

    use super::*;

    #[test]
    fn a_template_directory_replaces_a_shipped_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("deadline_at_risk.en.txt"),
            "Subject: Due {{ due_on }}\n\nHurry.",
        )
        .unwrap();
        let t = load(Some(dir.path())).unwrap();
        let r = t
            .render(
                NoticeKind::DeadlineAtRisk,
                Language::En,
                &BTreeMap::from([("due_on".to_owned(), "2026-03-27".to_owned())]),
            )
            .unwrap();
        assert_eq!(
            (r.subject.as_str(), r.body.as_str()),
            ("Due 27 March 2026", "Hurry.")
        );
        std::fs::write(dir.path().join("deadline_at_risk.en.txt"), "no subject").unwrap();
        assert!(load(Some(dir.path())).is_err());
    }
}
