//! Dates and the fixture exporters (`fixtures/exporters.json`) as the API's messages.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use rex_proto::common::{BilingualText, Document, DocumentKind, Language};
use rex_proto::google::r#type::Date;
use rex_proto::registration::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A date written `YYYY-MM-DD`.
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A date written `YYYY-MM-DD`, as the API's date.
pub fn pdate(s: &str) -> Date {
    rex_runtime::convert::date_to_proto(d(s))
}

/// 10:00 Almaty on `date`.
pub fn morning(date: NaiveDate) -> chrono::DateTime<Utc> {
    rex_calendar::time::local(date, NaiveTime::from_hms_opt(10, 0, 0).unwrap()).with_timezone(&Utc)
}

/// A moment in UTC.
pub fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
}

/// The fixture exporters.
pub fn fixtures() -> Vec<Value> {
    serde_json::from_str(include_str!("../../../fixtures/exporters.json")).unwrap()
}

/// The TIN of fixture exporter `i`.
pub fn tin(i: usize) -> String {
    fixtures()[i]["tin"].as_str().unwrap().to_owned()
}

/// A PDF-like document with its SHA-256.
pub fn document(kind: DocumentKind, name: &str, content: &[u8]) -> Document {
    Document {
        kind: kind as i32,
        file_name: name.into(),
        media_type: "application/pdf".into(),
        content: content.to_vec(),
        sha256: hex::encode(Sha256::digest(content)),
        ..Default::default()
    }
}

fn text(v: &Value) -> BilingualText {
    BilingualText {
        primary: v["primary"].as_str().unwrap().into(),
        english: v["english"].as_str().unwrap().into(),
    }
}

/// The registration data of fixture exporter `i`.
pub fn data(i: usize) -> RegistrationData {
    let e = &fixtures()[i];
    RegistrationData {
        exporter: Some(Exporter {
            name: Some(text(&e["name"])),
            address: Some(text(&e["address"])),
            country: e["address"]["country"].as_str().unwrap().into(),
            tin: e["tin"].as_str().unwrap().into(),
        }),
        contact: Some(Contact {
            phone: e["contact"]["phone"].as_str().unwrap().into(),
            fax: String::new(),
            email: e["contact"]["email"].as_str().unwrap().into(),
        }),
        activities: e["activities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                Activity::from_str_name(&format!("ACTIVITY_{}", a.as_str().unwrap())).unwrap()
                    as i32
            })
            .collect(),
        goods: e["goods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| Goods {
                description: Some(text(&g["description"])),
                hs_code: g["hs_heading"].as_str().unwrap().into(),
            })
            .collect(),
        hs_heading_count: 0,
        publication_consent: e["publication_consent"].as_bool().unwrap(),
    }
}

/// Application No. 1 of fixture exporter `i`, complete, received at `received_at`.
pub fn form(
    i: usize,
    channel: SubmissionChannel,
    received_at: chrono::DateTime<Utc>,
) -> ApplicationForm {
    let e = &fixtures()[i];
    ApplicationForm {
        data: Some(data(i)),
        undertakings: Some(Undertakings {
            accepted: true,
            signatory_name: "A. Director".into(),
            signatory_position: "Director".into(),
            signed_on: Some(rex_runtime::convert::date_to_proto(
                rex_calendar::time::local_date(received_at),
            )),
        }),
        primary_language: if e["primary_language"] == "KK" {
            Language::Kk
        } else {
            Language::Ru
        } as i32,
        representative: None,
        documents: vec![document(
            DocumentKind::OriginEvidence,
            "certificate-of-origin.pdf",
            format!("%PDF-1.4 origin evidence of {}", e["tin"].as_str().unwrap()).as_bytes(),
        )],
        channel: channel as i32,
        received_at: Some(rex_runtime::convert::timestamp_to_proto(received_at)),
        regional_branch_code: e["regional_branch_code"].as_str().unwrap().into(),
    }
}
