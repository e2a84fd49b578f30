//! The registration number and the branch code in it (REG-7): `KZREXKKKDDMMYYYYNNNN`, the
//! type itself shared with the other services (`rex_domain::number`), read here with the
//! messages a person is shown.

pub use rex_domain::number::*;

/// REG-7: a registration number as written (spaces around it ignored); the error says which
/// part is wrong and names the rule.
pub fn read(text: &str) -> Result<RegistrationNumber, String> {
    text.trim()
        .parse::<RegistrationNumber>()
        .map_err(|e| format!("{e} (REG-7)"))
}

/// REG-7: the 3-digit code of Atameken's regional branch that received an application (its
/// number's `KKK`).
pub fn check_application_branch(code: &str) -> Result<(), String> {
    match parse_branch(code.trim()) {
        Some(_) => Ok(()),
        None => Err(format!(
            "{} must be the 3-digit code of Atameken's regional branch (REG-7)",
            rex_domain::quote(code)
        )),
    }
}

/// REG-7 and REG-13: an authorized person works at one regional branch, by its code.
pub fn check_person_branch(code: &str) -> Result<(), String> {
    match parse_branch(code.trim()) {
        Some(_) => Ok(()),
        None => Err("must be a 3-digit branch code (REG-7, REG-13)".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_7_numbers_and_branch_codes_are_read_with_the_rule_named() {
        assert!(read(" KZREX002190320260001 ").is_ok());
        assert!(read("KZREX12345").is_err_and(|e| e.ends_with("(REG-7)")));
        assert!(check_application_branch("002").is_ok());
        assert!(check_application_branch("02").is_err_and(|e| e.contains("(REG-7)")));
        assert!(check_person_branch("17a").is_err_and(|e| e.contains("REG-7")));
        assert!(check_application_branch("000").is_err_and(|e| e.contains("(REG-7)")));
        assert!(read("KZREX000190320260001").is_err_and(|e| e.contains("not 000")));
    }
}
