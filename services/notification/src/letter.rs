//! The printable letter of a PAPER notice: A4 PDF with the notice in the exporter's language and
//! in English. DejaVu Sans (shipped, with its licence, in `fonts/`) covers Kazakh and Russian.

use std::io::Cursor;

use printpdf::{Mm, PdfDocument};

const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const WRAP: usize = 90;
const TOP: f32 = 277.0;
const BOTTOM: f32 = 20.0;
const LINE: f32 = 5.0;

fn wrap(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WRAP {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out
}

/// Renders a letter: the addressee, the subject, the body; pages as needed.
pub fn render(title: &str, addressee: &str, subject: &str, body: &str) -> anyhow::Result<Vec<u8>> {
    let (doc, page, layer) = PdfDocument::new(title, Mm(210.0), Mm(297.0), "letter");
    let font = doc
        .add_external_font(Cursor::new(FONT))
        .map_err(|e| anyhow::anyhow!("font: {e}"))?;
    let mut layer = doc.get_page(page).get_layer(layer);
    let mut y = TOP;
    let mut lines = vec![addressee.to_owned(), String::new()];
    lines.extend(wrap(subject));
    lines.push(String::new());
    lines.extend(wrap(body));
    for line in lines {
        if y < BOTTOM {
            let (p, l) = doc.add_page(Mm(210.0), Mm(297.0), "letter");
            layer = doc.get_page(p).get_layer(l);
            y = TOP;
        }
        layer.use_text(line, 10.0, Mm(20.0), Mm(y), &font);
        y -= LINE;
    }
    doc.save_to_bytes().map_err(|e| anyhow::anyhow!("pdf: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_8_letter_is_a_pdf_with_kazakh_text() {
        let body = "Құрметті экспорттаушы! Тіркеу нөмірі: KZREX002190320260001\n".repeat(80);
        let pdf = render("REG-8", "110340517504", "REX жүйесінде тіркеу", &body).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.matches("/Type /Page").count() + text.matches("/Type/Page").count() >= 2,
            "long letters get more pages"
        );
    }
}
