//! The printable letter: an A4 PDF set from the composed [`Letter`] (letterhead, reference and
//! date, addressee, subject, body in the notice's languages, signatory).
//!
//! Why printpdf and not a document engine such as typst: a letter here is a fixed sequence of
//! left- or right-set lines with one rule, which hand placement does exactly; typst would bring
//! a compiler, its own font stack and about two hundred crates to set the same lines, and its
//! library interface changes between releases. printpdf with allsorts' subsetting embeds only
//! the glyphs used (a letter is tens of kilobytes), and lopdf, which printpdf is built on, writes
//! the metadata: a UTF-16 title and XMP with the PDF/A identification.
//!
//! DejaVu Sans and DejaVu Sans Bold (shipped, with their licence, in `fonts/`) cover Kazakh,
//! Russian and English.

use std::io::Cursor;

use anyhow::{Context, anyhow};
use lopdf::{Object, StringFormat};
use printpdf::{
    CustomPdfConformance, IndirectFontRef, Mm, PdfConformance, PdfDocument, PdfLayerReference,
    Point,
};
use rex_domain::text::escape_markup;
use rex_notification_domain::{Letter, Line};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const LEFT: f32 = 20.0;
const RIGHT: f32 = 190.0;
const TOP: f32 = 280.0;
const BOTTOM: f32 = 18.0;
const PT_IN_MM: f32 = 25.4 / 72.0;
/// The width of the lines set on the right (reference, addressee), in millimetres.
const RIGHT_MEASURE: f32 = 110.0;
/// The producer named in the metadata.
const PRODUCER: &str = "REX notification service";

/// How a kind of line is set: font, size in points, lines' spacing in millimetres.
struct Setting {
    bold: bool,
    size: f32,
    leading: f32,
}

fn setting(line: &Line) -> Setting {
    match line {
        Line::Head(_) => Setting {
            bold: true,
            size: 10.5,
            leading: 5.0,
        },
        Line::Small(_) => Setting {
            bold: false,
            size: 8.0,
            leading: 3.8,
        },
        Line::Subject(_) => Setting {
            bold: true,
            size: 10.0,
            leading: 5.0,
        },
        Line::Right(_) | Line::Text(_) => Setting {
            bold: false,
            size: 10.0,
            leading: 4.8,
        },
        Line::Rule | Line::Gap => Setting {
            bold: false,
            size: 10.0,
            leading: 3.0,
        },
    }
}

/// Advance widths of a font, to break lines where they fill the measure.
struct Metrics<'a> {
    face: ttf_parser::Face<'a>,
}

impl<'a> Metrics<'a> {
    fn new(data: &'a [u8]) -> anyhow::Result<Self> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| anyhow!("font: {e}"))?;
        Ok(Self { face })
    }

    /// The width of `text` at `size` points, in millimetres.
    fn width(&self, text: &str, size: f32) -> f32 {
        let units = f32::from(self.face.units_per_em());
        let advance: f32 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map_or(units / 2.0, f32::from)
            })
            .sum();
        advance / units * size * PT_IN_MM
    }

    /// `text` broken into lines of at most `measure` millimetres, at spaces; a word longer than
    /// the measure is broken where it fills it.
    fn wrap(&self, text: &str, size: f32, measure: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size) <= measure {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if self.width(&piece, size) > measure {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Where the next line goes, adding pages as the letter needs them.
struct Pen<'a> {
    doc: &'a printpdf::PdfDocumentReference,
    layer: PdfLayerReference,
    y: f32,
}

impl Pen<'_> {
    fn advance(&mut self, leading: f32) {
        if self.y - leading < BOTTOM {
            let (page, layer) = self.doc.add_page(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), "letter");
            self.layer = self.doc.get_page(page).get_layer(layer);
            self.y = TOP;
        }
        self.y -= leading;
    }
}

/// Renders a letter to PDF bytes.
pub fn render(letter: &Letter) -> anyhow::Result<Vec<u8>> {
    let (doc, page, layer) = PdfDocument::new("letter", Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), "letter");
    // PDF/A-2b names its XMP; no print condition is claimed (printpdf's default is a CMYK
    // press profile it does not embed).
    let doc = doc.with_conformance(PdfConformance::Custom(CustomPdfConformance {
        identifier: "PDF/A-2b".into(),
        requires_icc_profile: false,
        requires_xmp_metadata: true,
        ..CustomPdfConformance::default()
    }));
    let regular = doc
        .add_external_font(Cursor::new(REGULAR))
        .map_err(|e| anyhow!("font: {e}"))?;
    let bold = doc
        .add_external_font(Cursor::new(BOLD))
        .map_err(|e| anyhow!("font: {e}"))?;
    let regular_metrics = Metrics::new(REGULAR)?;
    let bold_metrics = Metrics::new(BOLD)?;
    let mut pen = Pen {
        doc: &doc,
        layer: doc.get_page(page).get_layer(layer),
        y: TOP + 5.0,
    };
    for line in letter.lines() {
        let set = setting(&line);
        let (font, metrics): (&IndirectFontRef, &Metrics) = if set.bold {
            (&bold, &bold_metrics)
        } else {
            (&regular, &regular_metrics)
        };
        match &line {
            Line::Gap => pen.advance(set.leading),
            Line::Rule => {
                pen.advance(1.5);
                pen.layer.set_outline_thickness(0.6);
                pen.layer.add_line(printpdf::Line {
                    points: vec![
                        (Point::new(Mm(LEFT), Mm(pen.y)), false),
                        (Point::new(Mm(RIGHT), Mm(pen.y)), false),
                    ],
                    is_closed: false,
                });
                pen.advance(set.leading);
            }
            Line::Head(text) | Line::Small(text) | Line::Subject(text) | Line::Text(text) => {
                for part in metrics.wrap(text, set.size, RIGHT - LEFT) {
                    pen.advance(set.leading);
                    pen.layer
                        .use_text(part, set.size, Mm(LEFT), Mm(pen.y), font);
                }
            }
            Line::Right(text) => {
                // Set on the right, each line ending at the right margin.
                for part in metrics.wrap(text, set.size, RIGHT_MEASURE) {
                    pen.advance(set.leading);
                    let x = RIGHT - metrics.width(&part, set.size);
                    pen.layer.use_text(part, set.size, Mm(x), Mm(pen.y), font);
                }
            }
        }
    }
    let bytes = doc.save_to_bytes().map_err(|e| anyhow!("pdf: {e}"))?;
    with_metadata(&bytes, letter)
}

/// Sets the document information and XMP metadata: the title is the letter's subject, in
/// UTF-16 as PDF requires for text outside Latin-1, and the XMP says PDF/A-2b.
fn with_metadata(pdf: &[u8], letter: &Letter) -> anyhow::Result<Vec<u8>> {
    let mut doc = lopdf::Document::load_mem(pdf).context("reading the rendered letter")?;
    let title = letter.subject.as_str();
    let author = letter.sender.name.en.as_str();
    let subject = format!("{} {}", letter.reference, letter.addressee.name);
    let info_id = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .map_err(|e| anyhow!("the letter has no document information: {e}"))?;
    let info = doc
        .get_object_mut(info_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| anyhow!("document information: {e}"))?;
    for key in ["GTS_PDFXVersion", "Trapped", "Identifier", "Keywords"] {
        info.remove(key.as_bytes());
    }
    info.set("Title", text_string(title));
    info.set("Author", text_string(author));
    info.set("Subject", text_string(&subject));
    info.set("Creator", text_string(PRODUCER));
    info.set("Producer", text_string(PRODUCER));
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| anyhow!("the letter has no catalogue: {e}"))?;
    let metadata_id = {
        let catalog = doc
            .get_object_mut(catalog_id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| anyhow!("catalogue: {e}"))?;
        catalog.remove(b"OutputIntents");
        catalog
            .get(b"Metadata")
            .and_then(Object::as_reference)
            .map_err(|e| anyhow!("the letter has no XMP metadata: {e}"))?
    };
    let xmp = xmp(title, author, &subject);
    let stream = doc
        .get_object_mut(metadata_id)
        .and_then(Object::as_stream_mut)
        .map_err(|e| anyhow!("XMP metadata: {e}"))?;
    stream.set_plain_content(xmp.into_bytes());
    // XMP stays uncompressed, as PDF/A asks.
    stream.dict.remove(b"Filter");
    // The subset fonts go in compressed: printpdf writes them raw. The XMP stream is marked
    // not to be (lopdf leaves streams with `allows_compression` off as they are).
    stream.allows_compression = false;
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).context("writing the letter")?;
    Ok(out)
}

/// A PDF text string: UTF-16BE with its byte order mark.
fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn xmp(title: &str, author: &str, subject: &str) -> String {
    let (title, author, subject) = (
        escape_markup(title),
        escape_markup(author),
        escape_markup(subject),
    );
    format!(
        r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <pdf:Producer>{PRODUCER}</pdf:Producer>
   <xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rex_domain::Organisations;
    use rex_notification_domain::Language;
    use rex_notification_domain::letter::Addressee;

    pub(crate) fn letter(body: &str) -> Letter {
        Letter {
            sender: Organisations::shipped().atameken,
            reference: "ATM-2026/000123".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default(),
            languages: vec![Language::Kk, Language::En],
            addressee: Addressee {
                name: "«Алтын Дән» ЖШС".into(),
                name_en: "Altyn Dan LLP".into(),
                address: "Астана қ., Сығанақ к-сі, 10".into(),
                tin: "110340517504".into(),
            },
            subject: "REX жүйесінде тіркеу — KZREX002190320260001 / Registration in the REX system"
                .into(),
            body: body.into(),
        }
    }

    fn info_title(pdf: &[u8]) -> String {
        let doc = lopdf::Document::load_mem(pdf).expect("a PDF");
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .expect("document information");
        let bytes = info
            .get(b"Title")
            .and_then(Object::as_str)
            .expect("a title");
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .collect();
        assert_eq!(&bytes[..2], [0xFE, 0xFF], "UTF-16BE with its mark");
        String::from_utf16(&units).expect("UTF-16")
    }

    #[test]
    fn reg_8_a_one_page_letter_is_under_100_kb_with_its_title_in_the_metadata() {
        let l =
            letter("Құрметті экспорттаушы! Тіркеу нөмірі: KZREX002190320260001\nDear exporter,");
        let pdf = render(&l).expect("rendered");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf.len() < 100 * 1024,
            "a one-page letter weighs {} bytes",
            pdf.len()
        );
        assert_eq!(info_title(&pdf), l.subject);
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("<pdfaid:part>2</pdfaid:part>"),
            "XMP names PDF/A-2b"
        );
        assert!(
            !text.contains("GTS_PDFXVersion"),
            "no print standard is claimed"
        );
    }

    #[test]
    fn reg_8_long_letters_get_more_pages_and_lines_fit_the_measure() {
        let body = "Құрметті экспорттаушы! Тіркеу нөмірі: KZREX002190320260001\n".repeat(80);
        let pdf = render(&letter(&body)).expect("rendered");
        let doc = lopdf::Document::load_mem(&pdf).expect("a PDF");
        assert!(doc.get_pages().len() >= 2, "long letters get more pages");
        let metrics = Metrics::new(REGULAR).expect("font");
        let long = "Қазақстан Республикасының «Атамекен» ұлттық кәсіпкерлер палатасы ".repeat(5);
        for line in metrics.wrap(&long, 10.0, RIGHT - LEFT) {
            assert!(metrics.width(&line, 10.0) <= RIGHT - LEFT, "{line}");
        }
        let word = "Ж".repeat(300);
        assert!(metrics.wrap(&word, 10.0, RIGHT - LEFT).len() > 1);
    }
}
