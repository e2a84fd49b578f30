//! A notice as a letter an official would sign: the sender's letterhead, the outgoing reference
//! and date, the addressee with their postal address, the subject, the body in the notice's
//! languages and the signatory. One composition gives the PDF's lines, the e-mail's text and its
//! HTML alternative, so the three never say different things.

use chrono::NaiveDate;
use rex_domain::text::escape_markup;
use rex_domain::{Organisation, Sender};

use crate::kinds::{Language, NoticeKind};
use crate::notice::Notice;

/// An outgoing reference number: the sender's prefix, the year and the number within it,
/// `ATM-2026/000123`.
pub fn reference(prefix: &str, year: i32, number: i64) -> String {
    format!("{prefix}-{year}/{number:06}")
}

impl NoticeKind {
    /// The organisation that sends the notice: the registration's notices are Atameken's, the
    /// verification's warnings the Ministry's.
    pub const fn sender(self) -> Sender {
        match self {
            NoticeKind::DeadlineAtRisk => Sender::Ministry,
            NoticeKind::RegistrationConfirmed
            | NoticeKind::ApplicationRefused
            | NoticeKind::ChangeAccepted
            | NoticeKind::ChangeRefused
            | NoticeKind::RegistrationRevoked
            | NoticeKind::RegistrationReinstated
            | NoticeKind::AuthorizedPersonsChanged => Sender::Atameken,
        }
    }
}

/// Whom a letter is addressed to, from the notice's facts: the exporter's name in the notice's
/// language and in English, its postal address and its TIN; an officer by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    pub name: String,
    pub name_en: String,
    pub address: String,
    pub tin: String,
}

impl Addressee {
    pub fn of(notice: &Notice) -> Self {
        let fact = |name: &str| {
            notice
                .facts
                .get(name)
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let name = fact("exporter_name");
        Self {
            name: if name.is_empty() {
                notice.recipient.clone()
            } else {
                name
            },
            name_en: fact("exporter_name_en"),
            address: fact("exporter_address"),
            tin: notice.recipient.clone(),
        }
    }
}

/// One line of a composed letter, with how it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The sender's name, at the head.
    Head(String),
    /// The letterhead's smaller lines: address and contacts.
    Small(String),
    /// The rule under the letterhead.
    Rule,
    /// A line set on the right: the reference and date, the addressee.
    Right(String),
    /// The subject.
    Subject(String),
    /// A paragraph of the body.
    Text(String),
    /// Between parts.
    Gap,
}

/// A letter ready to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub sender: Organisation,
    pub reference: String,
    pub date: NaiveDate,
    pub languages: Vec<Language>,
    pub addressee: Addressee,
    pub subject: String,
    pub body: String,
}

fn reference_line(language: Language, reference: &str, date: &str) -> String {
    match language {
        Language::Kk => format!("Шығ. № {reference}, {date}"),
        Language::Ru => format!("Исх. № {reference} от {date}"),
        Language::En => format!("Our ref. {reference} of {date}"),
    }
}

fn tin_line(language: Language, tin: &str) -> String {
    match language {
        Language::Kk => format!("БСН/ЖСН {tin}"),
        Language::Ru => format!("БИН/ИИН {tin}"),
        Language::En => format!("BIN/IIN {tin}"),
    }
}

impl Letter {
    pub fn new(notice: &Notice, sender: &Organisation, date: NaiveDate) -> Self {
        Self {
            sender: sender.clone(),
            reference: notice.reference.clone(),
            date,
            languages: notice.languages.clone(),
            addressee: Addressee::of(notice),
            subject: notice.subject.clone(),
            body: notice.body.clone(),
        }
    }

    /// The letter's languages, English last, for the parts every language repeats.
    fn each_language(&self) -> impl Iterator<Item = Language> + '_ {
        self.languages.iter().copied()
    }

    /// The letter, line by line, as it is set on paper and in the e-mail.
    pub fn lines(&self) -> Vec<Line> {
        let o = &self.sender;
        let mut lines = Vec::new();
        for language in self.each_language() {
            lines.push(Line::Head(o.name.get(language.common()).to_owned()));
        }
        let primary = self.languages.first().copied().unwrap_or(Language::En);
        lines.push(Line::Small(o.address.get(primary.common()).to_owned()));
        if primary != Language::En {
            lines.push(Line::Small(o.address.en.clone()));
        }
        lines.push(Line::Small(format!(
            "{} · {} · {}",
            o.phone, o.email, o.website
        )));
        lines.push(Line::Rule);
        if !self.reference.is_empty() {
            for language in self.each_language() {
                let date = language.common().long_date(self.date);
                lines.push(Line::Right(reference_line(
                    language,
                    &self.reference,
                    &date,
                )));
            }
        }
        lines.push(Line::Gap);
        let a = &self.addressee;
        lines.push(Line::Right(a.name.clone()));
        if !a.name_en.is_empty() && a.name_en != a.name {
            lines.push(Line::Right(a.name_en.clone()));
        }
        for part in a.address.lines().filter(|l| !l.trim().is_empty()) {
            lines.push(Line::Right(part.trim().to_owned()));
        }
        if a.tin.bytes().all(|b| b.is_ascii_digit()) && a.tin.len() == 12 {
            lines.push(Line::Right(tin_line(primary, &a.tin)));
        }
        lines.push(Line::Gap);
        lines.push(Line::Subject(self.subject.clone()));
        lines.push(Line::Gap);
        for paragraph in self.body.lines() {
            if paragraph.trim().is_empty() {
                lines.push(Line::Gap);
            } else {
                lines.push(Line::Text(paragraph.to_owned()));
            }
        }
        lines.push(Line::Gap);
        for language in self.each_language() {
            let l = language.common();
            lines.push(Line::Text(format!(
                "{} — {}",
                o.signatory.position.get(l),
                o.signatory.name.get(l)
            )));
        }
        lines
    }

    /// The plain-text e-mail.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for line in self.lines() {
            match line {
                Line::Head(t)
                | Line::Small(t)
                | Line::Right(t)
                | Line::Subject(t)
                | Line::Text(t) => {
                    out.push_str(&t);
                    out.push('\n');
                }
                Line::Rule => {
                    out.push_str(&"—".repeat(40));
                    out.push('\n');
                }
                Line::Gap => out.push('\n'),
            }
        }
        out
    }

    /// The HTML alternative of the e-mail: the same lines, every value escaped.
    pub fn html(&self) -> String {
        let lang = self
            .languages
            .first()
            .copied()
            .unwrap_or(Language::En)
            .code();
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 14px; max-width: 42em\">\n",
            escape_markup(&self.subject)
        );
        for line in self.lines() {
            let piece = match line {
                Line::Head(t) => format!(
                    "<div style=\"font-size: 16px; font-weight: bold\">{}</div>",
                    escape_markup(&t)
                ),
                Line::Small(t) => format!(
                    "<div style=\"font-size: 12px; color: #444\">{}</div>",
                    escape_markup(&t)
                ),
                Line::Rule => "<hr>".to_owned(),
                Line::Right(t) => format!(
                    "<div style=\"text-align: right\">{}</div>",
                    escape_markup(&t)
                ),
                Line::Subject(t) => {
                    format!("<p style=\"font-weight: bold\">{}</p>", escape_markup(&t))
                }
                Line::Text(t) => format!("<div>{}</div>", escape_markup(&t)),
                Line::Gap => "<br>".to_owned(),
            };
            out.push_str(&piece);
            out.push('\n');
        }
        out.push_str("</body></html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::{at, date};
    use rex_domain::Organisations;

    fn notice() -> Notice {
        let mut n = crate::notice::tests::notice(crate::kinds::Channel::Paper);
        n.languages = vec![Language::Ru, Language::En];
        n.reference = reference("ATM", 2026, 123);
        n.recipient = "110340517504".into();
        n.subject = "Регистрация в системе REX / Registration in the REX system".into();
        n.body = "Уважаемый экспортер ТОО «Алтын Дән»!\n\nDear exporter Altyn Dan LLP,".into();
        n.facts = [
            ("exporter_name", "ТОО «Алтын Дән»"),
            ("exporter_name_en", "Altyn Dan LLP"),
            ("exporter_address", "г. Астана, ул. Сыганак, 10 <офис 5>"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        n.created_at = Some(at("2026-11-28T09:00:00Z"));
        n
    }

    fn letter() -> Letter {
        let organisations = Organisations::shipped();
        Letter::new(&notice(), &organisations.atameken, date("2026-11-28"))
    }

    #[test]
    fn reg_8_the_letter_carries_letterhead_reference_date_addressee_and_signatory() {
        let text = letter().text();
        let atameken = Organisations::shipped().atameken;
        for expected in [
            atameken.name.ru.as_str(),
            atameken.name.en.as_str(),
            atameken.address.ru.as_str(),
            atameken.phone.as_str(),
            "Исх. № ATM-2026/000123 от 28 ноября 2026 г.",
            "Our ref. ATM-2026/000123 of 28 November 2026",
            "ТОО «Алтын Дән»",
            "Altyn Dan LLP",
            "г. Астана, ул. Сыганак, 10 <офис 5>",
            "БИН/ИИН 110340517504",
            "Регистрация в системе REX / Registration in the REX system",
            atameken.signatory.name.ru.as_str(),
            atameken.signatory.position.en.as_str(),
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(first, atameken.name.ru, "the letter opens with the sender");
    }

    #[test]
    fn reg_8_the_html_alternative_says_the_same_escaped() {
        let html = letter().html();
        assert!(html.contains("Исх. № ATM-2026/000123 от 28 ноября 2026 г."));
        assert!(html.contains("10 &lt;офис 5&gt;"), "{html}");
        assert!(!html.contains("<офис"), "values are escaped");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ru\">"));
    }

    #[test]
    fn a_reference_is_the_prefix_year_and_six_digits() {
        assert_eq!(reference("MTI", 2027, 1), "MTI-2027/000001");
        assert_eq!(reference("ATM", 2026, 1_234_567), "ATM-2026/1234567");
    }

    #[test]
    fn the_deadline_warning_is_the_ministrys_and_the_rest_atamekens() {
        assert_eq!(NoticeKind::DeadlineAtRisk.sender(), Sender::Ministry);
        assert_eq!(NoticeKind::RegistrationRevoked.sender(), Sender::Atameken);
    }
}
