//! The automatic completeness checks of application No. 1 (REG-2..4) and of changed
//! registration data (CHG-1, CHG-3). Each finding names the box, the field and the rule.

use rex_domain::quote;
use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::form::{
    Activity, ApplicationForm, BilingualText, DocumentKind, GivenDate, RegistrationData,
};
use crate::tin::Tin;

/// A finding of an automatic check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Box of application No. 1 ("1".."7"), or "" when not a box.
    pub r#box: String,
    pub field: String,
    pub rule_id: String,
    pub message: String,
}

impl Finding {
    pub fn new(
        r#box: &str,
        field: impl Into<String>,
        rule_id: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            r#box: r#box.to_owned(),
            field: field.into(),
            rule_id: rule_id.to_owned(),
            message: message.into(),
        }
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$").unwrap_or_else(|_| unreachable!())
});
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+?[0-9][0-9 ()\-]{5,22}$").unwrap_or_else(|_| unreachable!()));

/// A telephone or fax number: digits with optional +, spaces, brackets and dashes, 7 to 15
/// digits (ITU E.164).
pub fn phone_shape_ok(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    PHONE.is_match(phone) && (7..=15).contains(&digits)
}

pub fn email_shape_ok(email: &str) -> bool {
    EMAIL.is_match(email)
}

fn bilingual(
    out: &mut Vec<Finding>,
    r#box: &str,
    field: &str,
    what: &str,
    text: Option<&BilingualText>,
) {
    let (primary, english) = text
        .map(|t| (t.primary.trim(), t.english.trim()))
        .unwrap_or(("", ""));
    if primary.is_empty() && english.is_empty() {
        out.push(Finding::new(
            r#box,
            field,
            "REG-2",
            format!("box {box}: {what} is missing"),
        ));
        return;
    }
    if primary.is_empty() {
        out.push(Finding::new(
            r#box,
            format!("{field}.primary"),
            "REG-4",
            format!("box {box}: {what} must also be given in Kazakh or Russian"),
        ));
    }
    if english.is_empty() {
        out.push(Finding::new(
            r#box,
            format!("{field}.english"),
            "REG-4",
            format!("box {box}: {what} must also be given in English"),
        ));
    }
}

fn hs_chapter_ok(two: &str) -> bool {
    two.parse::<u32>()
        .is_ok_and(|c| (1..=97).contains(&c) && c != 77)
}

/// Boxes 1 to 4 (and 6): the registration data. `prefix` is the field path of the data.
pub fn check_data(data: Option<&RegistrationData>, prefix: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(data) = data else {
        out.push(Finding::new(
            "1",
            prefix,
            "REG-2",
            "boxes 1 to 4 (the exporter's data) are missing",
        ));
        return out;
    };
    // Box 1.
    let exporter = data.exporter.as_ref();
    let f = |name: &str| format!("{prefix}.exporter.{name}");
    if exporter.is_none() {
        out.push(Finding::new(
            "1",
            format!("{prefix}.exporter"),
            "REG-2",
            "box 1 (the exporter) is missing",
        ));
    }
    bilingual(
        &mut out,
        "1",
        &f("name"),
        "the exporter's name",
        exporter.and_then(|e| e.name.as_ref()),
    );
    bilingual(
        &mut out,
        "1",
        &f("address"),
        "the exporter's full address",
        exporter.and_then(|e| e.address.as_ref()),
    );
    let country = exporter.map(|e| e.country.trim()).unwrap_or("");
    if country.is_empty() {
        out.push(Finding::new(
            "1",
            f("country"),
            "REG-2",
            "box 1: the exporter's country is missing",
        ));
    } else if country != "KZ" {
        out.push(Finding::new(
            "1",
            f("country"),
            "REG-1",
            format!("box 1: country {}: Order 244-NK registers exporters of Kazakhstan, country must be KZ", quote(country)),
        ));
    }
    let tin = exporter.map(|e| e.tin.trim()).unwrap_or("");
    if tin.is_empty() {
        out.push(Finding::new(
            "1",
            f("tin"),
            "REG-2",
            "box 1: the exporter's TIN (BIN or IIN) is missing",
        ));
    } else if let Err(err) = Tin::parse(tin) {
        out.push(Finding::new(
            "1",
            f("tin"),
            "REG-2",
            format!("box 1: {err}"),
        ));
    }
    // Box 2.
    let contact = data.contact.as_ref();
    let c = |name: &str| format!("{prefix}.contact.{name}");
    let phone = contact.map(|c| c.phone.trim()).unwrap_or("");
    if phone.is_empty() {
        out.push(Finding::new(
            "2",
            c("phone"),
            "REG-2",
            "box 2: the telephone number is missing",
        ));
    } else if !phone_shape_ok(phone) {
        out.push(Finding::new(
            "2",
            c("phone"),
            "REG-2",
            format!("box 2: telephone {} is not a telephone number (7 to 15 digits, e.g. +7 727 123 4567)", quote(phone)),
        ));
    }
    let fax = contact.map(|c| c.fax.trim()).unwrap_or("");
    if !fax.is_empty() && !phone_shape_ok(fax) {
        out.push(Finding::new(
            "2",
            c("fax"),
            "REG-2",
            format!("box 2: fax {} is not a telephone number", quote(fax)),
        ));
    }
    let email = contact.map(|c| c.email.trim()).unwrap_or("");
    if email.is_empty() {
        out.push(Finding::new(
            "2",
            c("email"),
            "REG-2",
            "box 2: the e-mail address is missing",
        ));
    } else if !email_shape_ok(email) {
        out.push(Finding::new(
            "2",
            c("email"),
            "REG-2",
            format!("box 2: {} is not an e-mail address", quote(email)),
        ));
    }
    // Box 3.
    if data.activities.is_empty() {
        out.push(Finding::new(
            "3",
            format!("{prefix}.activities"),
            "REG-2",
            "box 3: the main activity (production and/or trading) is missing",
        ));
    }
    let mut seen = HashSet::new();
    for (i, a) in data.activities.iter().enumerate() {
        let ok = matches!(a, Activity::Production | Activity::Trading);
        if !ok {
            out.push(Finding::new(
                "3",
                format!("{prefix}.activities[{i}]"),
                "REG-2",
                "box 3: activity must be PRODUCTION or TRADING",
            ));
        } else if !seen.insert(*a) {
            out.push(Finding::new(
                "3",
                format!("{prefix}.activities[{i}]"),
                "REG-2",
                "box 3: activity listed twice",
            ));
        }
    }
    // Box 4.
    if data.goods.is_empty() {
        out.push(Finding::new(
            "4",
            format!("{prefix}.goods"),
            "REG-2",
            "box 4: the description of the goods is missing",
        ));
    }
    let chapters = data.goods.iter().any(|g| g.hs_code.trim().len() == 2);
    for (i, g) in data.goods.iter().enumerate() {
        let field = format!("{prefix}.goods[{i}]");
        bilingual(
            &mut out,
            "4",
            &format!("{field}.description"),
            "the description of the goods",
            g.description.as_ref(),
        );
        let code = g.hs_code.trim();
        let digits = code.bytes().all(|b| b.is_ascii_digit());
        let ok = match code.len() {
            4 if digits => hs_chapter_ok(&code[..2]),
            2 if digits => hs_chapter_ok(code),
            _ => false,
        };
        if !ok {
            out.push(Finding::new(
                "4",
                format!("{field}.hs_code"),
                "REG-2",
                format!("box 4: HS code {} must be a 4-digit HS heading (e.g. 1101), or a 2-digit chapter when the goods fall under more than 20 headings", quote(code)),
            ));
        } else if code.len() == 4 && chapters {
            out.push(Finding::new(
                "4",
                format!("{field}.hs_code"),
                "REG-2",
                "box 4: give either HS headings or HS chapters, not both",
            ));
        }
    }
    if chapters && data.hs_heading_count <= 20 {
        out.push(Finding::new(
            "4",
            format!("{prefix}.hs_heading_count"),
            "REG-2",
            format!(
                "box 4: HS chapters may be given only when the goods fall under more than 20 headings (hs_heading_count is {})",
                data.hs_heading_count
            ),
        ));
    }
    out
}

/// The whole of application No. 1 as received on `received_on`.
pub fn check_application(form: &ApplicationForm, received_on: NaiveDate) -> Vec<Finding> {
    let mut out = check_data(form.data.as_ref(), "form.data");
    // Box 5.
    let u = form.undertakings.as_ref();
    if !u.is_some_and(|u| u.accepted) {
        out.push(Finding::new(
            "5",
            "form.undertakings.accepted",
            "REG-2",
            "box 5: the nine undertakings must be accepted",
        ));
    }
    if u.is_none_or(|u| u.signatory_name.trim().is_empty()) {
        out.push(Finding::new(
            "5",
            "form.undertakings.signatory_name",
            "REG-2",
            "box 5: the signatory's name is missing",
        ));
    }
    if u.is_none_or(|u| u.signatory_position.trim().is_empty()) {
        out.push(Finding::new(
            "5",
            "form.undertakings.signatory_position",
            "REG-2",
            "box 5: the signatory's position is missing",
        ));
    }
    match u.and_then(|u| u.signed_on.as_ref()) {
        None => out.push(Finding::new(
            "5",
            "form.undertakings.signed_on",
            "REG-2",
            "box 5: the date of signature is missing",
        )),
        Some(GivenDate::NotADate { field, description }) => out.push(Finding::new(
            "5",
            field.clone(),
            "REG-2",
            format!("box 5: {description}"),
        )),
        Some(GivenDate::Date(signed)) => match *signed {
            signed if signed > received_on => out.push(Finding::new(
                "5",
                "form.undertakings.signed_on",
                "REG-2",
                format!(
                    "box 5: signed on {signed}, after the application was received on {received_on}"
                ),
            )),
            _ => {}
        },
    }
    // REG-3: documents of Order 257, and the power of attorney of a representative.
    let has_origin_evidence = form
        .documents
        .iter()
        .any(|d| d.kind == Some(DocumentKind::OriginEvidence));
    if !has_origin_evidence {
        out.push(Finding::new(
            "",
            "form.documents",
            "REG-3",
            "the documents confirming the origin of the goods (Order No. 257 of 8 July 2014) are missing: attach at least one ORIGIN_EVIDENCE document",
        ));
    }
    if let Some(rep) = form.representative.as_ref() {
        if rep.name.trim().is_empty() {
            out.push(Finding::new(
                "",
                "form.representative.name",
                "REG-3",
                "the representative's name is missing",
            ));
        }
        let poa_ok = rep
            .power_of_attorney
            .as_ref()
            .is_some_and(|d| d.kind == Some(DocumentKind::PowerOfAttorney) && d.has_content);
        if !poa_ok {
            out.push(Finding::new(
                "",
                "form.representative.power_of_attorney",
                "REG-3",
                "a representative applies: attach the power of attorney (kind POWER_OF_ATTORNEY)",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_2_phone_and_email_shapes() {
        assert!(phone_shape_ok("+7 727 123 4567"));
        assert!(phone_shape_ok("8 (7172) 55-12-34"));
        assert!(!phone_shape_ok("call me"));
        assert!(!phone_shape_ok("+7 12"));
        assert!(email_shape_ok("altyndan@example.kz"));
        assert!(!email_shape_ok("altyndan@example"));
        assert!(!email_shape_ok("altyn dan@example.kz"));
    }
}
