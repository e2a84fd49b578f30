//! Text from outside as error messages show it.

/// How many characters of a bad value an error message shows.
pub const QUOTED_CHARACTERS: usize = 64;

/// A value as an error message shows it: quoted with control and format characters escaped, at
/// most its first [`QUOTED_CHARACTERS`] characters, and its length when it was cut. A message
/// must stay readable and small whatever was sent (a 1 MiB value would not fit a status header).
pub fn quote(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(QUOTED_CHARACTERS).collect();
    if chars.next().is_none() {
        format!("{head:?}")
    } else {
        format!("{head:?}… ({} characters)", value.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_value_is_escaped_and_cut_at_64_characters() {
        assert_eq!(quote("ab\u{0}"), "\"ab\\0\"");
        assert_eq!(quote("x\u{202E}y"), "\"x\\u{202e}y\"");
        let long = "я".repeat(1_000_000);
        let q = quote(&long);
        assert!(q.starts_with(&format!("\"{}\"", "я".repeat(64))), "{q}");
        assert!(q.ends_with("… (1000000 characters)"), "{q}");
    }
}
