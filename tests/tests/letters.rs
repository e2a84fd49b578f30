//! Letters an official would sign: every notice kind in Kazakh and Russian (each with English)
//! as the notification service renders it for paper, over gRPC: under 100 KB, its title in the
//! metadata, an outgoing reference sequential per sender. Each letter is written to
//! `target/letters/` as PDF, and as PNG where poppler's `pdftoppm` is installed (CI installs
//! it), so a person can look at them; poppler reading the file is itself a check.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use lopdf::Object;
use rex_proto::common::Language;
use rex_proto::notification::*;
use rex_testkit::*;

/// Facts every template may quote, as the sending services give them (codes and ISO dates).
const FACTS: &[(&str, &str)] = &[
    ("registration_number", "KZREX002190320260001"),
    ("application_registration_date", "2026-03-19"),
    ("assigned_on", "2026-03-20"),
    ("exporter_name", "ТОО «Алтын Дән»"),
    ("exporter_name_en", "Altyn Dan LLP"),
    (
        "exporter_address",
        "г. Астана, район Есиль, ул. Сыганак, 10, офис 5",
    ),
    (
        "refusal_reasons",
        "REFUSAL_REASON_INCOMPLETE_DOCUMENTS,REFUSAL_REASON_GOODS_NOT_ORIGINATING",
    ),
    ("explanation", "Сертификат соответствия не приложен."),
    ("changes", "GOODS,CONTACT"),
    ("decided_on", "2026-03-25"),
    ("revoked_on", "2026-06-01"),
    ("ground", "REVOCATION_GROUND_OBLIGATIONS_NOT_KEPT"),
    ("case_reference", "MTI-VER-2026-0007"),
    ("court_reference", "№ 7199-26-00-3а/118"),
    ("court_decision_on", "2026-09-14"),
    ("case_id", "MTI-VER-2026-0007"),
    ("foreign_reference", "NO-2026-551"),
    ("step", "dossier request"),
    ("working_days_left", "1"),
    ("full_name", "Айгерім Сәрсенбаева"),
    ("position", "главный специалист"),
    ("regional_branch_code", "002"),
    ("phone", "+7 7172 55 01 02"),
    ("email", "a.sarsenbayeva@atameken.kz"),
    ("change", "added"),
    ("active", "true"),
];

const KINDS: [(NotificationKind, &str); 8] = [
    (NotificationKind::RegistrationConfirmed, "REG-8"),
    (NotificationKind::ApplicationRefused, "REG-9"),
    (NotificationKind::ChangeAccepted, "CHG-2"),
    (NotificationKind::ChangeRefused, "CHG-2"),
    (NotificationKind::RegistrationRevoked, "REV-2"),
    (NotificationKind::RegistrationReinstated, "REV-5"),
    (NotificationKind::DeadlineAtRisk, "VER-4"),
    (NotificationKind::AuthorizedPersonsChanged, "REG-13"),
];

fn paper(kind: NotificationKind, rule: &str, language: Language) -> SendNotificationRequest {
    SendNotificationRequest {
        idempotency_key: format!("letter:{}:{}", kind.as_str_name(), language.as_str_name()),
        kind: kind as i32,
        recipient: "110340517504".into(),
        recipient_email: String::new(),
        channel: DeliveryChannel::Paper as i32,
        primary_language: language as i32,
        facts: FACTS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        due_on: Some(pdate("2026-03-27")),
        rule_id: rule.into(),
    }
}

/// The document information's title, decoded from PDF's UTF-16BE text string.
fn title(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .and_then(|id| doc.get_dictionary(id))
        .unwrap();
    let bytes = info.get(b"Title").and_then(Object::as_str).unwrap();
    assert_eq!(
        &bytes[..2],
        [0xFE, 0xFF],
        "a Unicode title starts with its BOM"
    );
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("letters");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// poppler's rasteriser, when installed.
fn pdftoppm() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("pdftoppm"))
            .find(|path| path.is_file())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_8_every_notice_is_a_signed_letter_under_100_kb_with_a_sequential_reference() {
    let w = spawn_notification(Backend::Sqlite).await;
    w.set_today("2026-11-28");
    let mut client = w.client();
    let dir = artefacts();
    let rasteriser = pdftoppm();
    let mut atameken = Vec::new();
    let mut ministry = Vec::new();
    for (kind, rule) in KINDS {
        for language in [Language::Kk, Language::Ru] {
            let sent = client
                .send_notification(paper(kind, rule, language))
                .await
                .unwrap()
                .into_inner()
                .notification
                .unwrap();
            let n = client
                .get_notification(GetNotificationRequest {
                    notification_id: sent.notification_id.clone(),
                })
                .await
                .unwrap()
                .into_inner()
                .notification
                .unwrap();
            let pdf = &n.letter_pdf;
            let name = format!(
                "{}.{}",
                kind.as_str_name()
                    .trim_start_matches("NOTIFICATION_KIND_")
                    .to_lowercase(),
                language
                    .as_str_name()
                    .trim_start_matches("LANGUAGE_")
                    .to_lowercase()
            );
            assert!(pdf.starts_with(b"%PDF-"), "{name}");
            assert!(pdf.len() < 100 * 1024, "{name} weighs {} bytes", pdf.len());
            assert_eq!(title(pdf), n.subject, "{name}: the title is the subject");
            assert!(
                !n.body.contains("REFUSAL_REASON_")
                    && !n.body.contains("REVOCATION_GROUND_")
                    && !n.body.contains("2026-03-19")
                    && !n.body.contains("г..")
                    && !n.body.contains("ж.."),
                "{name}: codes and ISO dates are said in words:\n{}",
                n.body
            );
            if kind == NotificationKind::AuthorizedPersonsChanged && language == Language::Kk {
                assert!(n.body.contains("қосылды; белсенді: иә"), "{}", n.body);
            }
            let path = dir.join(format!("{name}.pdf"));
            std::fs::write(&path, pdf).unwrap();
            if let Some(pdftoppm) = &rasteriser {
                let out = std::process::Command::new(pdftoppm)
                    .args(["-png", "-r", "60", "-singlefile"])
                    .arg(&path)
                    .arg(dir.join(&name))
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    out.status.success() && stderr.trim().is_empty(),
                    "{name}: poppler cannot read the letter: {stderr}"
                );
            }
            if kind == NotificationKind::DeadlineAtRisk {
                ministry.push(n.reference.clone());
            } else {
                atameken.push(n.reference.clone());
            }
        }
    }
    let expected = |prefix: &str, count: usize| -> Vec<String> {
        (1..=count)
            .map(|i| format!("{prefix}-2026/{i:06}"))
            .collect()
    };
    assert_eq!(atameken, expected("ATM", 14), "Atameken's own sequence");
    assert_eq!(ministry, expected("MTI", 2), "the Ministry's own sequence");
    let again = client
        .send_notification(paper(KINDS[0].0, KINDS[0].1, Language::Kk))
        .await
        .unwrap()
        .into_inner()
        .notification
        .unwrap();
    assert_eq!(
        again.reference, "ATM-2026/000001",
        "a retry keeps its number"
    );
    eprintln!("letters written to {}", dir.display());
}
