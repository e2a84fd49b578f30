//! The exporter's TIN: for a Kazakh entity the 12-digit BIN, or IIN for an individual
//! entrepreneur (REG-2 interpretation), with the check digit of Government Decree No. 565.

use std::fmt;

/// A BIN or IIN whose check digit is right. Once it exists it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tin(String);

/// Why a TIN is not a valid BIN/IIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TinError {
    #[error("BIN/IIN {} must have 12 digits", crate::text::quote(.0))]
    NotTwelveDigits(String),
    #[error("BIN/IIN {given} has check digit {actual} but its first 11 digits give {expected}")]
    CheckDigit {
        given: String,
        expected: u32,
        actual: u32,
    },
    #[error("BIN/IIN {0} is never issued: its check digit computes to 10 on both passes")]
    NeverIssued(String),
}

impl Tin {
    pub fn parse(text: &str) -> Result<Self, TinError> {
        // Length first: a huge value is refused without reading it through.
        if text.len() != 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TinError::NotTwelveDigits(text.to_owned()));
        }
        let digits: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
        let pass =
            |weights: [u32; 11]| digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 11;
        let mut check = pass([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        if check == 10 {
            check = pass([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
        }
        if check == 10 {
            return Err(TinError::NeverIssued(text.to_owned()));
        }
        if check != digits[11] {
            return Err(TinError::CheckDigit {
                given: text.to_owned(),
                expected: check,
                actual: digits[11],
            });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_2_public_examples_pass_first_and_second_pass() {
        assert!(Tin::parse("940140000385").is_ok());
        assert!(Tin::parse("990140004654").is_ok());
        assert!(Tin::parse("061211600012").is_ok(), "second pass");
    }

    #[test]
    fn reg_2_wrong_check_digit_length_and_letters_are_refused() {
        assert!(matches!(
            Tin::parse("940140000386"),
            Err(TinError::CheckDigit {
                expected: 5,
                actual: 6,
                ..
            })
        ));
        assert!(matches!(
            Tin::parse("123"),
            Err(TinError::NotTwelveDigits(_))
        ));
        assert!(matches!(
            Tin::parse("94014000038A"),
            Err(TinError::NotTwelveDigits(_))
        ));
        assert!(matches!(
            Tin::parse("９４０１４０００００３８５"),
            Err(TinError::NotTwelveDigits(_))
        ));
        // A huge value is quoted, not echoed whole (found by fuzzing).
        let huge = Tin::parse(&"1".repeat(1 << 20)).unwrap_err().to_string();
        assert!(
            huge.ends_with("… (1048576 characters) must have 12 digits"),
            "{huge}"
        );
    }

    #[test]
    fn reg_2_fixture_exporters_have_valid_bins() {
        let text = include_str!("../../../fixtures/exporters.json");
        let fixtures: serde_json::Value = serde_json::from_str(text).unwrap();
        let list = fixtures.as_array().unwrap();
        assert_eq!(list.len(), 10);
        for e in list {
            let tin = e["tin"].as_str().unwrap();
            assert!(Tin::parse(tin).is_ok(), "{tin}");
        }
    }
}
