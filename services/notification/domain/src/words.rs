//! Facts as a letter says them: a code of the contract (`REVOCATION_GROUND_EXPORTER_REQUEST`) in
//! words of the letter's language, a date (`2026-11-28`) in the language's own long form. The
//! facts are kept as the sending service gave them; only what a reader sees is translated.

use chrono::NaiveDate;

use crate::kinds::Language;

/// The contract's codes a notice may carry, in Kazakh, Russian and English. Every value of the
/// registration contract's enums is here (a test of the suite checks it against the domain).
pub const CODES: &[(&str, [&str; 3])] = &[
    (
        "REFUSAL_REASON_INCOMPLETE_OR_UNRELIABLE_INFORMATION",
        [
            "мәліметтер толық емес және (немесе) анық емес немесе Қағидалардың 4-тармағында талап етілгендей ұсынылмаған",
            "сведения неполные и (или) недостоверные либо представлены не так, как требует пункт 4 Правил",
            "the information is incomplete and/or unreliable, or not submitted as item 4 of the Rules requires",
        ],
    ),
    (
        "REFUSAL_REASON_INCOMPLETE_DOCUMENTS",
        [
            "№ 257 бұйрықпен талап етілетін құжаттар топтамасы толық емес",
            "пакет документов, требуемых приказом № 257, неполный",
            "the package of documents required by Order No. 257 is incomplete",
        ],
    ),
    (
        "REFUSAL_REASON_GOODS_NOT_ORIGINATING",
        [
            "тауарлар Норвегия мен Швейцария қолданатын дамушы және неғұрлым аз дамыған елдерден шыққан тауарлардың шығу тегі қағидаларына сәйкес келмейді",
            "товары не соответствуют правилам происхождения товаров из развивающихся и наименее развитых стран, применяемым Норвегией и Швейцарией",
            "the goods do not meet the rules of origin for goods from developing and least developed countries applied by Norway and Switzerland",
        ],
    ),
    (
        "REVOCATION_GROUND_EXPORTER_REQUEST",
        [
            "экспорттаушының өтініші",
            "заявление экспортера",
            "the exporter's own request",
        ],
    ),
    (
        "REVOCATION_GROUND_GSP_CONDITIONS_NOT_MET",
        [
            "экспорттаушы преференциялардың жалпы жүйесі шеңберінде тауарларды экспорттау шарттарына бұдан былай сәйкес келмейді",
            "экспортер больше не отвечает условиям экспорта товаров в рамках Генеральной системы преференций",
            "the exporter no longer meets the conditions for exporting goods under the Generalised System of Preferences",
        ],
    ),
    (
        "REVOCATION_GROUND_OBLIGATIONS_NOT_KEPT",
        [
            "экспорттаушы өтінімде қабылдаған міндеттемелерін орындамады",
            "экспортер не выполнил обязательства, принятые в заявлении",
            "the exporter did not keep the undertakings given in its application",
        ],
    ),
    (
        "REVOCATION_GROUND_PREFERENCES_WITHDRAWN",
        [
            "Норвегия және (немесе) Швейцария Қазақстан үшін преференцияларды алып тастады",
            "Норвегия и (или) Швейцария отменили преференции для Казахстана",
            "Norway and/or Switzerland withdrew the preferences for Kazakhstan",
        ],
    ),
    ("EXPORTER", ["экспорттаушы", "экспортер", "the exporter"]),
    (
        "MINISTRY",
        [
            "уәкілетті орган",
            "уполномоченный орган",
            "the authorized body",
        ],
    ),
    // REG-13: how the list of authorized persons changed, and whether the person acts.
    ("added", ["қосылды", "добавлено", "added"]),
    ("updated", ["өзгертілді", "изменено", "updated"]),
    ("true", ["иә", "да", "yes"]),
    ("false", ["жоқ", "нет", "no"]),
    (
        "CHANGE_CATEGORY_NAME_OR_LOCATION",
        [
            "атауы немесе орналасқан жері",
            "наименование или местонахождение",
            "name or location",
        ],
    ),
    (
        "CHANGE_CATEGORY_ACTIVITY",
        ["қызмет түрі", "вид деятельности", "activity"],
    ),
    ("CHANGE_CATEGORY_GOODS", ["тауарлар", "товары", "goods"]),
    (
        "CHANGE_CATEGORY_CONTACT",
        ["байланыс деректері", "контактные данные", "contact details"],
    ),
    (
        "CHANGE_CATEGORY_PUBLICATION_CONSENT",
        [
            "жариялауға келісім",
            "согласие на публикацию",
            "consent to publication",
        ],
    ),
];

/// The short names a change notice lists its categories under (`GOODS`).
const CHANGE_PREFIX: &str = "CHANGE_CATEGORY_";

fn index(language: Language) -> usize {
    match language {
        Language::Kk => 0,
        Language::Ru => 1,
        Language::En => 2,
    }
}

fn code_in_words(code: &str, language: Language) -> Option<&'static str> {
    let code = code.trim();
    CODES
        .iter()
        .find(|(known, _)| {
            *known == code || known.strip_prefix(CHANGE_PREFIX).is_some_and(|c| c == code)
        })
        .map(|(_, words)| words[index(language)])
}

/// A fact's value as the letter says it in `language`: a date in the long form, a code or a
/// comma-separated list of codes in words ("; " between them), any other text as it is.
pub fn fact_in_words(value: &str, language: Language) -> String {
    if let Ok(date) = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        return language.common().long_date(date);
    }
    let parts: Vec<&str> = value.split(',').collect();
    let words: Option<Vec<&str>> = parts
        .iter()
        .map(|part| code_in_words(part, language))
        .collect();
    match words {
        Some(words) if !value.trim().is_empty() => words.join("; "),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rev_2_the_ground_is_said_in_words_of_the_letters_language() {
        let ground = "REVOCATION_GROUND_EXPORTER_REQUEST";
        assert_eq!(fact_in_words(ground, Language::Ru), "заявление экспортера");
        assert_eq!(
            fact_in_words(ground, Language::Kk),
            "экспорттаушының өтініші"
        );
        assert_eq!(
            fact_in_words(ground, Language::En),
            "the exporter's own request"
        );
    }

    #[test]
    fn reg_9_a_list_of_reasons_is_said_reason_by_reason() {
        let reasons = "REFUSAL_REASON_INCOMPLETE_DOCUMENTS,REFUSAL_REASON_GOODS_NOT_ORIGINATING";
        let en = fact_in_words(reasons, Language::En);
        assert!(en.starts_with("the package of documents"), "{en}");
        assert!(en.contains("; the goods do not meet"), "{en}");
        assert!(!en.contains("REFUSAL_REASON"), "{en}");
    }

    #[test]
    fn chg_2_change_categories_by_their_short_names_are_said_in_words() {
        assert_eq!(
            fact_in_words("GOODS,CONTACT", Language::Ru),
            "товары; контактные данные"
        );
    }

    #[test]
    fn reg_8_a_date_is_written_in_the_languages_long_form() {
        assert_eq!(
            fact_in_words("2026-11-28", Language::Kk),
            "28 қараша 2026 ж."
        );
        assert_eq!(
            fact_in_words("2026-11-28", Language::Ru),
            "28 ноября 2026 г."
        );
    }

    #[test]
    fn reg_13_the_change_of_a_person_and_whether_they_act_are_said_in_words() {
        assert_eq!(fact_in_words("added", Language::Kk), "қосылды");
        assert_eq!(fact_in_words("false", Language::Ru), "нет");
    }

    #[test]
    fn free_text_is_left_as_it_is() {
        for text in [
            "no documents, sorry",
            "",
            "EXPORTER of goods",
            "2026-11-28 late",
        ] {
            assert_eq!(fact_in_words(text, Language::En), text);
        }
    }

    #[test]
    fn every_code_has_words_in_every_language() {
        for (code, words) in CODES {
            for (i, word) in words.iter().enumerate() {
                assert!(!word.trim().is_empty(), "{code} [{i}]");
            }
        }
    }
}
