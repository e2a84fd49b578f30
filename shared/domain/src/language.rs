//! The three languages of the suite, and dates as each writes them in a letter.

use chrono::{Datelike, NaiveDate};

/// Kazakh, Russian, English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Kk,
    Ru,
    En,
}

const KK_MONTHS: [&str; 12] = [
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
];

/// Russian months in the genitive, as a date is written ("28 ноября").
const RU_MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Language {
    pub const ALL: [Language; 3] = [Language::Kk, Language::Ru, Language::En];

    /// The ISO 639-1 code: `kk`, `ru`, `en`.
    pub const fn code(self) -> &'static str {
        match self {
            Language::Kk => "kk",
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// A date in the language's own long form: `28 қараша 2026 ж.`, `28 ноября 2026 г.`,
    /// `28 November 2026`.
    pub fn long_date(self, date: NaiveDate) -> String {
        let month = date.month0() as usize;
        match self {
            Language::Kk => format!("{} {} {} ж.", date.day(), KK_MONTHS[month], date.year()),
            Language::Ru => format!("{} {} {} г.", date.day(), RU_MONTHS[month], date.year()),
            Language::En => format!("{} {} {}", date.day(), EN_MONTHS[month], date.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_written_in_each_languages_own_form() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert_eq!(Language::Kk.long_date(date), "28 қараша 2026 ж.");
        assert_eq!(Language::Ru.long_date(date), "28 ноября 2026 г.");
        assert_eq!(Language::En.long_date(date), "28 November 2026");
        let may = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        assert_eq!(Language::Ru.long_date(may), "1 мая 2026 г.");
    }

    #[test]
    fn codes_round_trip() {
        for language in Language::ALL {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(Language::from_code("de"), None);
    }
}
