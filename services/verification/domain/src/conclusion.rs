//! The conclusion on a verification (VER-7), as the Ministry sends it back to the requesting
//! country: drawn up from the case, its check and the officer's text.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::{Case, DossierDocument};
use crate::input::ConclusionInput;
use crate::state::Outcome;
use rex_domain::Language;
use rex_domain::text::escape_markup;

/// The conclusion as the Ministry sends it back to the requesting country (VER-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conclusion {
    pub document: &'static str,
    /// The authorized body, as configured (the organisations file), in English and Russian.
    pub authority: String,
    pub authority_ru: String,
    pub legal_basis: &'static str,
    pub case_id: String,
    pub requesting_country: String,
    pub foreign_reference: String,
    pub registration_number: String,
    /// The exporter as Atameken's dossier names it: English, then the form's language.
    pub exporter_name: String,
    /// When the request came, in Kazakhstan's time (RFC 3339 with the offset).
    pub request_received_at: String,
    /// The day the 30 working days count from (VER-2): the day received, or the next working
    /// day when it came on a day off or after hours.
    pub period_counted_from: NaiveDate,
    pub concluded_on: NaiveDate,
    pub outcome: String,
    pub outcome_text: &'static str,
    pub outcome_text_ru: &'static str,
    pub conclusion: String,
    pub findings: Vec<ConclusionFinding>,
    pub officer_id: String,
    pub officer_name: String,
    pub officer_position: String,
}

/// One finding of the check, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConclusionFinding {
    pub document: String,
    pub complete: bool,
    pub reliable: bool,
    pub note: String,
}

/// What the outcome means, as the conclusion states it (VER-7).
pub fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::RegistrationConfirmed => {
            "The exporter's registration in the REX system is confirmed as well-founded."
        }
        Outcome::GspConditionsNotMet => {
            "The exporter does not meet the conditions of the GSP; the revocation of its registration is requested."
        }
        Outcome::ObligationsNotKept => {
            "The exporter did not keep the obligations it undertook at registration; the revocation of its registration is requested."
        }
        Outcome::ActivityCeased => {
            "The exporter has ceased its activity; the revocation of its registration is requested."
        }
    }
}

/// The outcome in Russian, the conclusion's other language (VER-9).
pub fn outcome_text_ru(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::RegistrationConfirmed => {
            "Регистрация экспортера в системе REX подтверждается как обоснованная."
        }
        Outcome::GspConditionsNotMet => {
            "Экспортер не соответствует условиям ГСП; запрашивается отзыв его регистрации."
        }
        Outcome::ObligationsNotKept => {
            "Экспортер не выполнил обязательства, принятые при регистрации; запрашивается отзыв его регистрации."
        }
        Outcome::ActivityCeased => {
            "Экспортер прекратил деятельность; запрашивается отзыв его регистрации."
        }
    }
}

impl Conclusion {
    /// Stable JSON: fields in a fixed order, two-space indentation.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A printable HTML page in English.
    pub fn to_html(&self) -> String {
        let esc = escape_markup;
        let rows: String = self
            .findings
            .iter()
            .map(|f| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.document),
                    if f.complete { "complete" } else { "incomplete" },
                    if f.reliable {
                        "reliable"
                    } else {
                        "not reliable"
                    },
                    esc(&f.note)
                )
            })
            .collect();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Verification conclusion {case}</title>\
<style>body{{font-family:serif;max-width:42em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #000;padding:.3em;text-align:left}}@media print{{body{{margin:0}}}}</style></head><body>\
<h1 lang=\"ru\">Заключение о проверке обоснованности регистрации экспортера в системе REX</h1>\
<h1>Conclusion on the verification of an exporter's registration in the REX system</h1>\
<p><span lang=\"ru\">{authority_ru}</span><br>{authority}<br>{basis}</p>\
<table><tr><th>Дело / Case</th><td>{case}</td></tr><tr><th>Запрашивающая страна / Requesting country</th><td>{country}</td></tr>\
<tr><th>Ваш номер / Your reference</th><td>{foreign}</td></tr><tr><th>Регистрационный номер / Registration number</th><td>{number}</td></tr>\
<tr><th>Экспортер / Exporter</th><td>{exporter}</td></tr>\
<tr><th>Запрос получен / Request received</th><td>{received}</td></tr>\
<tr><th>Срок 30 рабочих дней исчисляется с / Period of 30 working days counted from</th><td>{counted}</td></tr>\
<tr><th>Заключение вынесено / Concluded</th><td>{concluded}</td></tr></table>\
<h2>Результат / Result</h2><p lang=\"ru\"><strong>{outcome_text_ru}</strong></p><p><strong>{outcome_text}</strong></p><p>{text}</p>\
<h2>Результаты проверки / Findings</h2><table><tr><th>Документ / Document</th><th>Полнота / Completeness</th><th>Достоверность / Reliability</th><th>Примечание / Note</th></tr>{rows}</table>\
<p>{signatory}</p></body></html>\n",
            authority = esc(&self.authority),
            authority_ru = esc(&self.authority_ru),
            outcome_text_ru = esc(self.outcome_text_ru),
            basis = esc(self.legal_basis),
            case = esc(&self.case_id),
            country = esc(&self.requesting_country),
            foreign = esc(&self.foreign_reference),
            number = esc(&self.registration_number),
            exporter = esc(&self.exporter_name),
            received = esc(&self.received_in_words()),
            counted = Language::En.long_date(self.period_counted_from),
            concluded = Language::En.long_date(self.concluded_on),
            outcome_text = esc(self.outcome_text),
            text = esc(&self.conclusion),
            signatory = self.signatory_html(),
        )
    }

    /// "28 November 2026, 14:05 Astana time (UTC+05:00)".
    fn received_in_words(&self) -> String {
        match chrono::DateTime::parse_from_rfc3339(&self.request_received_at) {
            Ok(at) => format!(
                "{}, {} Astana time (UTC{})",
                Language::En.long_date(at.date_naive()),
                at.format("%H:%M"),
                at.format("%:z")
            ),
            Err(_) => self.request_received_at.clone(),
        }
    }

    /// The officer by position and name, their id beside; the id alone when the token named
    /// no one.
    fn signatory_html(&self) -> String {
        let esc = escape_markup;
        let named: Vec<&str> = [self.officer_position.as_str(), self.officer_name.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if named.is_empty() {
            format!("Officer: {}", esc(&self.officer_id))
        } else {
            format!(
                "{}<br>(officer {})",
                esc(&named.join(", ")),
                esc(&self.officer_id)
            )
        }
    }
}

/// The exporter's name for the conclusion: the English name, the form's beside it.
pub fn exporter_in_words(english: &str, primary: &str) -> Option<String> {
    let (english, primary) = (english.trim(), primary.trim());
    match (english.is_empty(), primary.is_empty()) {
        (true, true) => None,
        (false, true) => Some(english.to_owned()),
        (true, false) => Some(primary.to_owned()),
        (false, false) if english == primary => Some(english.to_owned()),
        (false, false) => Some(format!("{english} ({primary})")),
    }
}

impl Conclusion {
    /// The conclusion on `case` drawn up `today`: the check's findings name their documents by
    /// the dossier's file names, and a finding without a document is on the REX data.
    pub fn draw_up(
        case: &Case,
        dossier: &[DossierDocument],
        input: &ConclusionInput,
        today: NaiveDate,
    ) -> Self {
        let document_name = |id: &str| -> String {
            if id.is_empty() {
                return "REX registry data".into();
            }
            dossier
                .iter()
                .find(|doc| doc.document_id == id)
                .map_or_else(|| id.to_owned(), |doc| doc.file_name.clone())
        };
        Conclusion {
            document: "Conclusion on the verification of the validity of an exporter's registration in the REX system",
            authority: input.authority.en.clone(),
            authority_ru: input.authority.ru.clone(),
            legal_basis: "Rules approved by Order No. 358-NK of 25 May 2021, item 10",
            case_id: case.case_id.clone(),
            requesting_country: case.requesting_country.name().to_owned(),
            foreign_reference: case.foreign_reference.clone(),
            registration_number: case.registration_number.clone(),
            exporter_name: input
                .exporter_name
                .clone()
                .unwrap_or_else(|| "not known: Atameken's dossier did not come (VER-5)".to_owned()),
            request_received_at: case
                .received_at
                .with_timezone(&rex_calendar::time::TIME_ZONE)
                .to_rfc3339(),
            period_counted_from: case.received_on,
            concluded_on: today,
            outcome: input.outcome.as_str().to_owned(),
            outcome_text: outcome_text(input.outcome),
            outcome_text_ru: outcome_text_ru(input.outcome),
            conclusion: input.text.clone(),
            findings: case
                .check_findings
                .iter()
                .map(|f| ConclusionFinding {
                    document: document_name(&f.document_id),
                    complete: f.complete,
                    reliable: f.reliable,
                    note: f.note.clone(),
                })
                .collect(),
            officer_id: input.officer_id.as_str().to_owned(),
            officer_name: input.signatory.name.clone(),
            officer_position: input.signatory.position.clone(),
        }
    }
}
