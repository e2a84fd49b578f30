//! What every request may hold: each field's length and characters, and how many documents,
//! goods lines and activities. Declared once here; the edges apply them before anything else, so
//! a request past a limit is refused (`INVALID_ARGUMENT` naming the field and the limit) and
//! nothing of it is stored. The law's own checks (REG-1..4) come after, on what passed.

use rex_domain::TextLimit;

use crate::form::{ApplicationForm, BilingualText, RegistrationData};

/// A person's or an organization's name, a position.
pub const NAME: TextLimit = TextLimit::line(300);
/// A postal address.
pub const ADDRESS: TextLimit = TextLimit::paragraphs(1_000);
/// A description of goods (box 4).
pub const GOODS_DESCRIPTION: TextLimit = TextLimit::paragraphs(2_000);
/// A short entry the law's checks read (TIN, country, HS heading): its shape is theirs to judge
/// (a finding of REG-1 or REG-2), its size and characters are limited here.
pub const SHORT: TextLimit = TextLimit::line(32);
/// A telephone or fax number.
pub const PHONE: TextLimit = TextLimit::line(40);
/// An e-mail address (RFC 5321's longest path).
pub const EMAIL: TextLimit = TextLimit::line(254);
/// An identifier or a reference: an application, a change, a person, a case, a court decision.
pub const IDENTIFIER: TextLimit = TextLimit::line(128);
/// The text of a statement on origin (REG-12), as an invoice carries it.
pub const STATEMENT: TextLimit = TextLimit::paragraphs(10_000);
/// A reason or an explanation.
pub const TEXT: TextLimit = TextLimit::paragraphs(4_000);
/// The explanation of a revocation: for the Ministry's, its conclusion (VER-8).
pub const REVOCATION_EXPLANATION: TextLimit = rex_domain::text::REASONS;

/// Documents attached to one request.
pub const MAX_DOCUMENTS: usize = 50;
/// Goods lines of box 4 (a heading per line; past 20 headings the form lists chapters).
pub const MAX_GOODS_LINES: usize = 200;
/// Activities of box 3.
pub const MAX_ACTIVITIES: usize = 10;

/// A field past its limit: the field's path and why.
pub type Violation = (String, String);

/// Checks `value` of `field` against `limit`, adding a violation to `out`.
pub fn check(field: &str, value: &str, limit: TextLimit, out: &mut Vec<Violation>) {
    if let Err(why) = limit.check(value) {
        out.push((field.to_owned(), why));
    }
}

/// Checks that a list of `field` has at most `max` entries.
pub fn count(field: &str, len: usize, max: usize, out: &mut Vec<Violation>) {
    if len > max {
        out.push((
            field.to_owned(),
            format!("has {len} entries; at most {max} are accepted"),
        ));
    }
}

fn bilingual(
    field: &str,
    text: Option<&BilingualText>,
    limit: TextLimit,
    out: &mut Vec<Violation>,
) {
    if let Some(t) = text {
        check(&format!("{field}.primary"), &t.primary, limit, out);
        check(&format!("{field}.english"), &t.english, limit, out);
    }
}

/// The limits of registration data (boxes 1 to 4 and 6), under `prefix` (`form.data`,
/// `proposed`).
pub fn registration_data(prefix: &str, d: &RegistrationData) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(e) = &d.exporter {
        let f = |name: &str| format!("{prefix}.exporter.{name}");
        bilingual(&f("name"), e.name.as_ref(), NAME, &mut out);
        bilingual(&f("address"), e.address.as_ref(), ADDRESS, &mut out);
        check(&f("country"), &e.country, SHORT, &mut out);
        check(&f("tin"), e.tin.trim(), SHORT, &mut out);
    }
    if let Some(c) = &d.contact {
        let f = |name: &str| format!("{prefix}.contact.{name}");
        check(&f("phone"), &c.phone, PHONE, &mut out);
        check(&f("fax"), &c.fax, PHONE, &mut out);
        check(&f("email"), &c.email, EMAIL, &mut out);
    }
    count(
        &format!("{prefix}.activities"),
        d.activities.len(),
        MAX_ACTIVITIES,
        &mut out,
    );
    count(
        &format!("{prefix}.goods"),
        d.goods.len(),
        MAX_GOODS_LINES,
        &mut out,
    );
    for (i, g) in d.goods.iter().enumerate().take(MAX_GOODS_LINES) {
        let f = format!("{prefix}.goods[{i}]");
        bilingual(
            &format!("{f}.description"),
            g.description.as_ref(),
            GOODS_DESCRIPTION,
            &mut out,
        );
        check(&format!("{f}.hs_code"), g.hs_code.trim(), SHORT, &mut out);
    }
    out
}

/// The limits of application No. 1: its data, box 5's signatory, the representative, and the
/// number of documents.
pub fn application_form(f: &ApplicationForm) -> Vec<Violation> {
    let mut out = f
        .data
        .as_ref()
        .map(|d| registration_data("form.data", d))
        .unwrap_or_default();
    if let Some(u) = &f.undertakings {
        check(
            "form.undertakings.signatory_name",
            &u.signatory_name,
            NAME,
            &mut out,
        );
        check(
            "form.undertakings.signatory_position",
            &u.signatory_position,
            NAME,
            &mut out,
        );
    }
    if let Some(r) = &f.representative {
        check("form.representative.name", &r.name, NAME, &mut out);
    }
    count("form.documents", f.documents.len(), MAX_DOCUMENTS, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{Exporter, Goods};

    #[test]
    fn every_field_of_the_data_is_held_to_its_limit() {
        let long = "Ж".repeat(301);
        let data = RegistrationData {
            exporter: Some(Exporter {
                name: Some(BilingualText {
                    primary: long.clone(),
                    english: "Altyn\u{202E}Dan".into(),
                }),
                tin: "1103\u{0}4051".into(),
                ..Exporter::default()
            }),
            goods: vec![Goods::default(); MAX_GOODS_LINES + 1],
            ..RegistrationData::default()
        };
        let fields: Vec<String> = registration_data("proposed", &data)
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(
            fields,
            [
                "proposed.exporter.name.primary",
                "proposed.exporter.name.english",
                "proposed.exporter.tin",
                "proposed.goods",
            ]
        );
    }
}
