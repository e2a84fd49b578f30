//! Text from outside: the limits every field of a request is held to, and how an error message
//! shows a bad value.

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

/// Text to put into HTML or XML, in an element or a double-quoted attribute: the four
/// characters that could start markup or end the attribute, escaped.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// What a text field may hold, besides its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// One line of text: no control characters, no bidirectional overrides or isolates (they
    /// make a name read otherwise than it is stored).
    Line,
    /// Paragraphs: as a line, and line breaks and tabs.
    Paragraphs,
    /// A code or identifier: ASCII letters, digits and `- _ . / :`.
    Code,
}

/// The limit of a text field: its kind and its length in characters (and so in bytes: at most
/// four bytes a character in UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit {
    pub kind: TextKind,
    pub max_chars: usize,
}

impl TextLimit {
    pub const fn line(max_chars: usize) -> Self {
        Self {
            kind: TextKind::Line,
            max_chars,
        }
    }

    pub const fn paragraphs(max_chars: usize) -> Self {
        Self {
            kind: TextKind::Paragraphs,
            max_chars,
        }
    }

    pub const fn code(max_chars: usize) -> Self {
        Self {
            kind: TextKind::Code,
            max_chars,
        }
    }

    /// The most bytes a value within the limit may take.
    pub const fn max_bytes(&self) -> usize {
        self.max_chars * 4
    }

    /// Whether `value` is within the limit; why not, quoting at most the start of it.
    pub fn check(&self, value: &str) -> Result<(), String> {
        if value.len() > self.max_bytes() || value.chars().count() > self.max_chars {
            return Err(format!(
                "is {} characters long; at most {} are accepted",
                value.chars().count(),
                self.max_chars
            ));
        }
        let allowed = |c: char| match self.kind {
            TextKind::Code => c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'),
            TextKind::Line => !disallowed_in_text(c),
            TextKind::Paragraphs => matches!(c, '\n' | '\r' | '\t') || !disallowed_in_text(c),
        };
        match value.char_indices().find(|(_, c)| !allowed(*c)) {
            None => Ok(()),
            Some((at, c)) => Err(format!(
                "{} has {} at character {}: {}",
                quote(value),
                describe(c),
                value[..at].chars().count() + 1,
                match self.kind {
                    TextKind::Code => "only ASCII letters, digits and - _ . / : are accepted",
                    TextKind::Line => "one line of text, without control or direction characters",
                    TextKind::Paragraphs => "text without control or direction characters",
                }
            )),
        }
    }
}

/// Control characters, and the bidirectional embeddings, overrides and isolates.
fn disallowed_in_text(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn describe(c: char) -> String {
    let what = if c.is_control() {
        "a control character"
    } else if disallowed_in_text(c) {
        "a direction character"
    } else {
        "the character"
    };
    format!("{what} U+{:04X}", u32::from(c))
}

/// Reasons that travel between services: the Ministry's conclusion (VER-7), the explanation of
/// the revocation it asks for (REV-1, VER-8), the facts of the notices that quote them. One
/// limit for all, so that what one service accepts the next does not refuse.
pub const REASONS: TextLimit = TextLimit::paragraphs(20_000);

/// The longest file name kept (bytes, as most file systems allow).
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// A document's file name as it is kept: its base name (what follows the last `/` or `\`),
/// without control or direction characters and at most [`MAX_FILE_NAME_BYTES`]; none when
/// nothing is left (`..`, `/`, only control characters).
pub fn safe_file_name(given: &str) -> Option<String> {
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !disallowed_in_text(*c)).collect();
    let cleaned = cleaned.trim_start();
    let mut end = cleaned.len().min(MAX_FILE_NAME_BYTES);
    while !cleaned.is_char_boundary(end) {
        end -= 1;
    }
    // Judged after the cut: a cut can leave trailing spaces or only dots (found by fuzzing).
    let kept = cleaned[..end].trim_end();
    if kept.is_empty() || kept.chars().all(|c| c == '.') {
        return None;
    }
    Some(kept.to_owned())
}

/// The media types a document may have: what officers can open and archive (the Ministry's
/// conclusions travel as JSON and HTML).
pub const MEDIA_TYPES: [&str; 8] = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "application/xml",
    "application/json",
    "text/html",
    "text/plain",
];

/// Whether `given` (case aside) is one of [`MEDIA_TYPES`].
pub fn media_type_ok(given: &str) -> bool {
    MEDIA_TYPES
        .iter()
        .any(|m| m.eq_ignore_ascii_case(given.trim()))
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

    #[test]
    fn a_limit_counts_characters_and_refuses_control_and_direction_characters() {
        let name = TextLimit::line(10);
        assert!(name.check("Алтын Дән").is_ok());
        assert!(
            name.check(&"я".repeat(11))
                .unwrap_err()
                .contains("at most 10")
        );
        let nul = name.check("a\u{0}b").unwrap_err();
        assert!(
            nul.contains("control character U+0000 at character 2"),
            "{nul}"
        );
        let bidi = name.check("ab\u{202E}c").unwrap_err();
        assert!(
            bidi.contains("direction character U+202E at character 3"),
            "{bidi}"
        );
        assert!(name.check("a\nb").is_err());
        assert!(TextLimit::paragraphs(10).check("a\nb\tc").is_ok());
        assert!(TextLimit::paragraphs(10).check("a\u{1b}b").is_err());
        assert!(TextLimit::code(10).check("AP-1").is_ok());
        assert!(TextLimit::code(10).check("AP 1").is_err());
        // A huge value is refused on its byte length without being quoted whole.
        let huge = "x".repeat(1 << 20);
        assert!(name.check(&huge).unwrap_err().len() < 100);
    }

    #[test]
    fn a_file_name_is_reduced_to_a_safe_base_name() {
        assert_eq!(
            safe_file_name("../../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            safe_file_name("C:\\Users\\a\\договор.pdf").as_deref(),
            Some("договор.pdf")
        );
        assert_eq!(
            safe_file_name("a\u{202E}fdp.exe").as_deref(),
            Some("afdp.exe")
        );
        assert_eq!(safe_file_name(".."), None);
        assert_eq!(safe_file_name("dir/"), None);
        assert_eq!(safe_file_name(&"я".repeat(300)).map(|n| n.len()), Some(254));
        // Cut at 255 bytes, then judged: no trailing spaces, and not only dots.
        let spaced = format!("ab{}c", " ".repeat(253));
        assert_eq!(safe_file_name(&spaced).as_deref(), Some("ab"));
        assert_eq!(
            safe_file_name(&format!("{}{}a", ".".repeat(70), " ".repeat(185))),
            None
        );
        assert_eq!(safe_file_name(&format!("{}a", ".".repeat(300))), None);
    }

    #[test]
    fn media_types_come_from_a_list() {
        assert!(media_type_ok("application/pdf"));
        assert!(media_type_ok("Application/PDF"));
        assert!(!media_type_ok("application/pdf\r\nX-Injected: 1"));
        assert!(!media_type_ok("application/x-msdownload"));
    }
}
