//! The registration number `KZREXKKKDDMMYYYYNNNN` (REG-7).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

/// The last sequence number: past it the service refuses rather than wrap around (REG-7).
pub const MAX_SEQUENCE: u32 = 9999;

/// A well-formed registration number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegistrationNumber {
    /// `KKK`: the 3-digit code of Atameken's regional branch.
    branch: [u8; 3],
    /// `DDMMYYYY`: the application's registration date.
    date: NaiveDate,
    /// `NNNN`: the continuous sequence, 1..=9999.
    sequence: u32,
}

/// Which part of a number is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("registration number {} must have 20 characters (KZREXKKKDDMMYYYYNNNN)", crate::text::quote(.0))]
    Length(String),
    #[error("registration number {} must start with KZREX (upper case)", crate::text::quote(.0))]
    Prefix(String),
    #[error("registration number {}: branch code KKK (characters 6-8) must be 3 digits, not 000", crate::text::quote(.0))]
    Branch(String),
    #[error("registration number {}: DDMMYYYY (characters 9-16) is not a real date", crate::text::quote(.0))]
    Date(String),
    #[error("registration number {}: sequence NNNN (characters 17-20) must be 0001 to 9999", crate::text::quote(.0))]
    Sequence(String),
}

/// A 3-digit branch code (REG-7 "KKK"); `000` names no branch.
pub fn parse_branch(code: &str) -> Option<[u8; 3]> {
    let bytes = code.as_bytes();
    (bytes.len() == 3 && bytes.iter().all(u8::is_ascii_digit) && bytes != b"000")
        .then(|| [bytes[0], bytes[1], bytes[2]])
}

impl RegistrationNumber {
    pub fn new(branch: &str, date: NaiveDate, sequence: u32) -> Option<Self> {
        let branch = parse_branch(branch)?;
        (1..=MAX_SEQUENCE).contains(&sequence).then_some(Self {
            branch,
            date,
            sequence,
        })
    }

    pub fn branch(&self) -> &str {
        std::str::from_utf8(&self.branch).unwrap_or("000")
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl FromStr for RegistrationNumber {
    type Err = NumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 20 || !s.is_ascii() {
            return Err(NumberError::Length(s.to_owned()));
        }
        if &s[..5] != "KZREX" {
            return Err(NumberError::Prefix(s.to_owned()));
        }
        let branch = parse_branch(&s[5..8]).ok_or_else(|| NumberError::Branch(s.to_owned()))?;
        let date_part = &s[8..16];
        let date = date_part
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| NaiveDate::parse_from_str(date_part, "%d%m%Y").ok())
            .flatten()
            .ok_or_else(|| NumberError::Date(s.to_owned()))?;
        let seq_part = &s[16..20];
        let sequence = seq_part
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| seq_part.parse::<u32>().ok())
            .flatten()
            .filter(|n| (1..=MAX_SEQUENCE).contains(n))
            .ok_or_else(|| NumberError::Sequence(s.to_owned()))?;
        Ok(Self {
            branch,
            date,
            sequence,
        })
    }
}

impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KZREX{}{}{:04}",
            self.branch(),
            self.date.format("%d%m%Y"),
            self.sequence
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_7_number_has_branch_date_and_sequence() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 19).unwrap();
        let n = RegistrationNumber::new("002", date, 17).unwrap();
        assert_eq!(n.to_string(), "KZREX002190320260017");
        let back: RegistrationNumber = "KZREX002190320260017".parse().unwrap();
        assert_eq!(back, n);
        assert_eq!(
            (back.branch(), back.date(), back.sequence()),
            ("002", date, 17)
        );
    }

    #[test]
    fn reg_7_parse_is_strict_and_names_the_wrong_part() {
        let err = |s: &str| s.parse::<RegistrationNumber>().unwrap_err();
        assert!(matches!(err("KZREX00219032026001"), NumberError::Length(_)));
        assert!(matches!(
            err("kzrex002190320260017"),
            NumberError::Prefix(_)
        ));
        assert!(matches!(
            err("KZREXA02190320260017"),
            NumberError::Branch(_)
        ));
        assert!(
            matches!(err("KZREX002310220260017"), NumberError::Date(_)),
            "31 February"
        );
        assert!(matches!(
            err("KZREX002190320260000"),
            NumberError::Sequence(_)
        ));
        assert!(matches!(
            err("KZREX00219032026+017"),
            NumberError::Sequence(_)
        ));
        assert!(err("KZREX002310220260017").to_string().contains("DDMMYYYY"));
    }

    #[test]
    fn reg_7_sequence_stops_at_9999() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 19).unwrap();
        assert!(RegistrationNumber::new("002", date, 9999).is_some());
        assert!(RegistrationNumber::new("002", date, 10000).is_none());
    }
}
