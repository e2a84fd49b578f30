//! The public lookup for everyone: the bulk check over gRPC and the JSON/HTTP API over real
//! sockets (issue #9), on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use rex_proto::common::{ImportingCountry, Money};
use rex_proto::registration::*;
use rex_testkit::*;
use serde_json::{Value, json};
use tonic::Code;

fn lookup_item(number: &str, as_of: &str) -> BulkCheck {
    BulkCheck {
        check: Some(bulk_check::Check::Lookup(LookupRegistrationRequest {
            registration_number: number.into(),
            as_of: Some(pdate(as_of)),
        })),
    }
}

fn statement_item(number: &str, amount: &str) -> BulkCheck {
    BulkCheck {
        check: Some(bulk_check::Check::Statement(ValidateStatementRequest {
            importing_country: ImportingCountry::Ch as i32,
            value: Some(Money {
                currency_code: "CHF".into(),
                amount: amount.into(),
            }),
            statement_date: Some(pdate("2026-06-20")),
            registration_number: number.into(),
            ..Default::default()
        })),
    }
}

/// 10,000 items: valid, revoked, unknown, malformed and duplicate numbers, and statements,
/// checked in one call: (the items, what each should answer, the answer, the valid number).
async fn bulk_check_of_10000_items(
    s: &mut RegistrationService,
) -> (
    Vec<BulkCheck>,
    Vec<&'static str>,
    ValidateStatementsResponse,
    String,
) {
    let (valid, _, revoked) = s.public_registry().await;
    let mut items = Vec::new();
    let mut expected = Vec::new();
    for i in 0..10_000u32 {
        let (item, want) = match i % 7 {
            0 => (lookup_item(&valid, "2026-06-20"), "VALID"),
            1 => (lookup_item(&revoked, "2026-06-20"), "REVOKED"),
            // The same number before its revocation: valid then.
            2 => (lookup_item(&revoked, "2026-06-01"), "VALID"),
            3 => (
                lookup_item(&format!("KZREX001010120{:06}", 200_000 + i), "2026-06-20"),
                "NOT_FOUND",
            ),
            4 => (
                lookup_item(&format!("KZREX-{i}"), "2026-06-20"),
                "INVALID_ARGUMENT",
            ),
            5 => (statement_item(&valid, "20000"), "STATEMENT_VALID"),
            _ => (statement_item(&revoked, "20000"), "STATEMENT_INVALID"),
        };
        items.push(item);
        expected.push(want);
    }
    let answer = s
        .client
        .validate_statements(ValidateStatementsRequest {
            items: items.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    (items, expected, answer, valid)
}

/// One answer per item in order, duplicates checked once; each item for which `checks` holds
/// (given what it should answer) answers that.
fn assert_bulk_answers(
    answer: &ValidateStatementsResponse,
    expected: &[&str],
    checks: impl Fn(&str) -> bool,
) {
    assert_eq!(answer.results.len(), 10_000);
    // Unknown and malformed numbers are all different; the rest repeat.
    let distinct_unknown = (0..10_000).filter(|i| i % 7 == 3 || i % 7 == 4).count();
    assert_eq!(answer.distinct_items as usize, distinct_unknown + 5);
    for (i, (result, want)) in answer.results.iter().zip(expected).enumerate() {
        assert_eq!(result.index as usize, i);
        if !checks(want) {
            continue;
        }
        let got = match result.result.as_ref().unwrap() {
            bulk_result::Result::Lookup(l) => {
                let status = LookupStatus::try_from(l.status).unwrap();
                status.as_str_name().trim_start_matches("LOOKUP_STATUS_")
            }
            bulk_result::Result::Statement(st) if st.valid => "STATEMENT_VALID",
            bulk_result::Result::Statement(_) => "STATEMENT_INVALID",
            bulk_result::Result::Error(e) => {
                if e.code == "INVALID_ARGUMENT" {
                    assert_eq!(e.field_violations[0].field, "registration_number");
                    assert!(
                        e.message.contains("REG-7")
                            || e.field_violations[0].description.contains("REG-7"),
                        "{e:?}"
                    );
                }
                e.code.as_str()
            }
        };
        assert_eq!(got, *want, "item {i}");
    }
}

fn is_statement(want: &str) -> bool {
    want.starts_with("STATEMENT_")
}

/// The lookups of a bulk check of 10,000 items: one answer per item in order, duplicates
/// checked once, a malformed item failing alone.
async fn reg_5_bulk_check_of_10000_items_answers_each_lookup_in_order(mut s: RegistrationService) {
    let (mut items, expected, answer, valid) = bulk_check_of_10000_items(&mut s).await;
    assert_bulk_answers(&answer, &expected, |want| !is_statement(want));
    // A revoked number's answer says when.
    let bulk_result::Result::Lookup(r) = answer.results[1].result.as_ref().unwrap() else {
        panic!("item 1 is a lookup");
    };
    assert_eq!(r.revoked_on, Some(pdate("2026-06-10")));
    // One item more than the limit fails the call, naming the limit.
    items.push(lookup_item(&valid, "2026-06-20"));
    let err = s
        .client
        .validate_statements(ValidateStatementsRequest { items })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("10000"), "{}", err.message());
}
on_both_backends!(
    spawn_registration => reg_5_bulk_check_of_10000_items_answers_each_lookup_in_order
);

/// The statements of the same bulk check: each answered in its place.
async fn reg_12_bulk_check_of_10000_items_answers_each_statement_in_order(
    mut s: RegistrationService,
) {
    let (_, expected, answer, _) = bulk_check_of_10000_items(&mut s).await;
    assert_bulk_answers(&answer, &expected, is_statement);
}
on_both_backends!(
    spawn_registration => reg_12_bulk_check_of_10000_items_answers_each_statement_in_order
);

async fn reg_5_json_api_keeps_valid_revoked_unknown_and_malformed_apart(
    mut s: RegistrationService,
) {
    let (valid, unpublished, revoked) = s.public_registry().await;
    let api = s.public_addr;
    let get = async |path: &str| {
        let (status, body) = http(api, "GET", path, None).await;
        (
            status,
            serde_json::from_str::<Value>(&body).unwrap_or(Value::Null),
        )
    };
    // REG-5: the published data of a consenting exporter.
    let (status, v) = get(&format!("/api/v1/registrations/{valid}?as_of=2026-06-20")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "VALID");
    assert_eq!(v["valid_from"], "2026-03-19");
    assert_eq!(v["name"]["english"], "Altyn Dan LLP");
    assert_eq!(v["goods"][0]["hs_code"], "1101");
    // Without consent: only the number and the dates.
    let (status, v) = get(&format!("/api/v1/registrations/{unpublished}")).await;
    assert_eq!((status, v["published"].clone()), (200, json!(false)));
    assert!(v.get("name").is_none() && v.get("address").is_none(), "{v}");
    // REV-1: revoked, with the date; valid before it.
    let (_, v) = get(&format!("/api/v1/registrations/{revoked}?as_of=2026-06-20")).await;
    assert_eq!(
        (v["status"].clone(), v["revoked_on"].clone()),
        (json!("REVOKED"), json!("2026-06-10"))
    );
    let (_, v) = get(&format!("/api/v1/registrations/{revoked}?as_of=2026-06-09")).await;
    assert_eq!(v["status"], "VALID");
    // Unknown is 404, malformed is 400 naming the field and the rule.
    let (status, v) = get("/api/v1/registrations/KZREX001010120269999").await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (404, json!("NOT_FOUND"))
    );
    let (status, v) = get("/api/v1/registrations/KZREX12").await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (400, json!("INVALID_ARGUMENT"))
    );
    assert_eq!(
        v["error"]["field_violations"][0]["field"],
        "registration_number"
    );
    let (status, v) = get(&format!("/api/v1/registrations/{valid}?as_of=20-06-2026")).await;
    assert_eq!(
        (status, v["error"]["field_violations"][0]["field"].clone()),
        (400, json!("as_of"))
    );
    // Search by TIN: only where the exporter consented.
    let (_, v) = get(&format!("/api/v1/registrations?tin={}", tin(0))).await;
    assert_eq!(v["registration_numbers"], json!([valid]));
    let (_, v) = get(&format!("/api/v1/registrations?tin={}", tin(1))).await;
    assert_eq!(v["registration_numbers"], json!([]));
    let (status, _) = get("/api/v1/registrations?tin=123").await;
    assert_eq!(status, 400);
    // The batch: a malformed item answers for itself, duplicates are checked once.
    let batch = json!({ "items": [
        { "lookup": { "registration_number": valid } },
        { "lookup": { "registration_number": revoked, "as_of": "2026-06-20" } },
        { "lookup": { "registration_number": "KZREX001010120269999" } },
        { "lookup": { "number": "wrong field" } },
        "not an object",
        { "statement": { "importing_country": "NO", "value": { "currency": "NOK", "amount": "50000" }, "statement_date": "2026-06-20" } },
        { "lookup": { "registration_number": valid } },
    ]});
    let (status, body) = http(api, "POST", "/api/v1/checks", Some(&batch.to_string())).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200, "{v}");
    let r = &v["results"];
    assert_eq!(r.as_array().unwrap().len(), 7);
    assert_eq!(r[0]["lookup"]["status"], "VALID");
    assert_eq!(r[1]["lookup"]["status"], "REVOKED");
    assert_eq!(r[2]["error"]["code"], "NOT_FOUND");
    assert_eq!(r[3]["error"]["code"], "INVALID_ARGUMENT");
    assert_eq!(r[4]["error"]["code"], "INVALID_ARGUMENT");
    assert_eq!(r[5]["statement"]["valid"], true, "{}", r[5]);
    assert_eq!(r[6]["lookup"], r[0]["lookup"]);
    assert_eq!(r[6]["index"], 6);
    assert_eq!(v["distinct_items"], 4);
    let too_many =
        json!({ "items": vec![json!({ "lookup": { "registration_number": valid } }); 10_001] });
    let (status, body) = http(api, "POST", "/api/v1/checks", Some(&too_many.to_string())).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = http(api, "POST", "/api/v1/checks", Some("[1, 2]")).await;
    assert_eq!(status, 400);
    // A body that does not say it is JSON is not read as JSON.
    let batch = batch.to_string();
    for path in ["/api/v1/checks", "/api/v1/statements/validate"] {
        let (status, body) = http_typed(api, "POST", path, "text/plain", Some(&batch)).await;
        assert_eq!(status, 415, "{path}: {body}");
        assert!(body.contains("Content-Type"), "{body}");
    }
    // The OpenAPI description is served and names every path the API routes.
    let (status, yaml) = http(api, "GET", "/api/v1/openapi.yaml", None).await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/registrations/{number}:",
        "/api/v1/registrations:",
        "/api/v1/statements/validate:",
        "/api/v1/checks:",
    ] {
        assert!(yaml.contains(path), "{path} missing from openapi.yaml");
    }
}
on_both_backends!(
    spawn_registration => reg_5_json_api_keeps_valid_revoked_unknown_and_malformed_apart
);

async fn reg_12_json_api_validates_a_statement_with_its_text(mut s: RegistrationService) {
    let (valid, _, _) = s.public_registry().await;
    let api = s.public_addr;
    // REG-12: a statement with its text.
    let statement = json!({
        "importing_country": "CH",
        "value": { "currency": "EUR", "amount": "15000" },
        "exchange_rate": "0.95",
        "statement_date": "2026-06-20",
        "statement_text": format!("The exporter Altyn Dan LLP, Almaty, {valid} of the products covered by this document declares that, except where otherwise clearly indicated, these products are of Kazakhstan preferential origin according to rules of origin of the Generalized System of Preferences of the Swiss Confederation and that the origin criterion met is W 11.01."),
    });
    let (status, body) = http(
        api,
        "POST",
        "/api/v1/statements/validate",
        Some(&statement.to_string()),
    )
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["value_in_threshold_currency"]["amount"], "14250.00");
    assert_eq!(v["parsed"]["registration_number"], json!(valid));
    let (status, body) = http(
        api,
        "POST",
        "/api/v1/statements/validate",
        Some("{\"importing_country\": 3}"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}
on_both_backends!(spawn_registration => reg_12_json_api_validates_a_statement_with_its_text);

async fn reg_5_pages_answer_in_kazakh_russian_and_english(mut s: RegistrationService) {
    let (valid, _, revoked) = s.public_registry().await;
    let page = async |path: &str| http(s.public_addr, "GET", path, None).await;
    let (status, html) = page(&format!("/kk/?q={revoked}&as_of=2026-06-20")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"kk\">"));
    assert!(html.contains("Күші жойылған"), "the Kazakh status");
    assert!(html.contains("10 маусым 2026 ж."), "the date in Kazakh");
    let (_, html) = page(&format!("/ru/?q={valid}")).await;
    assert!(html.contains("Действителен") && html.contains("Altyn Dan LLP"));
    let (status, html) = page("/en/?q=KZREX001010120269999").await;
    assert_eq!(status, 404);
    assert!(
        html.contains("is not in Kazakhstan&#x27;s registry")
            || html.contains("is not in Kazakhstan's registry"),
        "{html}"
    );
    let (status, html) = page("/en/?q=KZ-1").await;
    assert_eq!(status, 400);
    assert!(
        html.contains("A number is KZREX, the branch code"),
        "format help for a bad number"
    );
    // A bad date is not blamed on the number.
    let (status, html) = page(&format!("/en/?q={valid}&as_of=2026-13-45")).await;
    assert_eq!(status, 400);
    assert!(
        html.contains("Give the date as day, month and year")
            && !html.contains("A number is KZREX, the branch code"),
        "{html}"
    );
    let (status, _) = page("/de/").await;
    assert_eq!(status, 404);
    let (status, html) = page("/en/format").await;
    assert_eq!(status, 200);
    assert!(html.contains("KZREX002190320260001"));
}
on_both_backends!(spawn_registration => reg_5_pages_answer_in_kazakh_russian_and_english);

/// "The registry is unreachable" is neither "unknown" nor "revoked": 503 and its own words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_5_an_unreachable_registry_is_not_an_unknown_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = rex_runtime::db::Db::connect(
        &format!("sqlite://{}/r.db", dir.path().display()),
        &rex_registration::MIGRATIONS,
    )
    .await
    .unwrap();
    let registry = rex_registration::Registry::new(
        db.clone(),
        std::sync::Arc::new(rex_calendar::Calendar::official().unwrap()),
        std::sync::Arc::new(rex_registration::Periods::shipped().unwrap()),
        std::sync::Arc::new(rex_calendar::SystemClock),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rex_registration::http::serve(
        listener,
        registry,
        std::sync::Arc::new(rex_domain::Organisations::shipped()),
        std::future::pending(),
    ));
    let number = "KZREX001010120260001";
    let (status, _) = http(
        addr,
        "GET",
        &format!("/api/v1/registrations/{number}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "reachable: unknown");
    db.pool.close().await;
    let (status, body) = http(
        addr,
        "GET",
        &format!("/api/v1/registrations/{number}"),
        None,
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("UNAVAILABLE"));
    let (status, html) = http(addr, "GET", &format!("/en/?q={number}"), None).await;
    assert_eq!(status, 503);
    assert!(html.contains("cannot be reached") && !html.contains("Unknown number"));
    let batch = json!({ "items": [{ "lookup": { "registration_number": number } }] });
    let (status, body) = http(addr, "POST", "/api/v1/checks", Some(&batch.to_string())).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"UNAVAILABLE\""), "{body}");
}

/// The OpenAPI file is valid OpenAPI 3.1, checked by an independent validator.
#[test]
fn reg_5_the_openapi_description_is_valid() {
    let Ok(python) = std::env::var("REX_CROSSCHECK_PYTHON") else {
        eprintln!("skipped: REX_CROSSCHECK_PYTHON is set by scripts/test");
        return;
    };
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/openapi.yaml");
    let out = std::process::Command::new(python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Replica A and replica B on one PostgreSQL database, each answering lookups from its memory;
/// B has looked up the valid number of [`RegistrationService::public_registry`] twice (it holds
/// the record in memory now): (A, B, the number, B's two answers).
async fn two_replicas_with_the_record_in_memory() -> (
    RegistrationService,
    RegistrationService,
    String,
    [LookupStatus; 2],
) {
    let mut a = spawn_registration(Backend::Postgres).await;
    let (valid, _, _) = a.public_registry().await;
    // Replica B: the same database, its own lookup cache.
    let mut b = RegistrationService::spawn(a.database.clone(), a.clock.clone(), |o| {
        o.base.grace = std::time::Duration::from_millis(100);
    })
    .await;
    let first = status_on(&mut b, &valid).await;
    let second = status_on(&mut b, &valid).await;
    (a, b, valid, [first, second])
}

/// The number's status as of 20 June, looked up on `replica`.
async fn status_on(replica: &mut RegistrationService, number: &str) -> LookupStatus {
    let r = replica
        .client
        .lookup_registration(LookupRegistrationRequest {
            registration_number: number.into(),
            as_of: Some(pdate("2026-06-20")),
        })
        .await
        .unwrap();
    LookupStatus::try_from(r.into_inner().status).unwrap()
}

/// A revocation made through one replica shows in the other's very next lookup (REV-1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rev_1_a_revocation_through_one_replica_shows_at_once_on_another() {
    if !Backend::Postgres.available() {
        return;
    }
    let (mut a, mut b, valid, before) = two_replicas_with_the_record_in_memory().await;
    // B holds the record in memory now.
    assert_eq!(before, [LookupStatus::Valid, LookupStatus::Valid]);
    a.revoke_at_exporters_request(&valid, "2026-06-10").await;
    assert_eq!(
        status_on(&mut b, &valid).await,
        LookupStatus::Revoked,
        "B's next lookup"
    );
}

/// So does the court's reinstatement (REV-5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rev_5_a_reinstatement_through_one_replica_shows_at_once_on_another() {
    if !Backend::Postgres.available() {
        return;
    }
    let (mut a, mut b, valid, _) = two_replicas_with_the_record_in_memory().await;
    a.revoke_at_exporters_request(&valid, "2026-06-10").await;
    assert_eq!(status_on(&mut b, &valid).await, LookupStatus::Revoked);
    a.client
        .reinstate_registration(rex_testkit::scenario::reinstatement(
            &valid,
            "SMEC 9",
            "2026-06-10",
        ))
        .await
        .unwrap();
    assert_eq!(
        status_on(&mut b, &valid).await,
        LookupStatus::Valid,
        "after the court"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_5_every_answer_of_the_site_carries_the_security_headers_and_a_lost_path_a_page() {
    let s = spawn_registration(Backend::Sqlite).await;
    for path in [
        "/kk/",
        "/api/v1/registrations/KZREX00219032026001",
        "/static/style.css",
        "/nowhere",
    ] {
        let raw = rex_testkit::http::get_raw(s.public_addr, path).await;
        let head = raw[..raw.find("\r\n\r\n").unwrap()].to_ascii_lowercase();
        for header in [
            "content-security-policy: default-src 'none'; style-src 'self'",
            "frame-ancestors 'none'",
            "x-content-type-options: nosniff",
            "x-frame-options: deny",
            "referrer-policy: no-referrer",
            "cache-control: ",
        ] {
            assert!(head.contains(header), "{path} lacks {header}:\n{head}");
        }
    }
    // The stylesheet may be cached; a lookup page is revalidated.
    let css = rex_testkit::http::get_raw(s.public_addr, "/static/style.css").await;
    assert!(
        css.to_ascii_lowercase()
            .contains("cache-control: public, max-age=3600")
    );
    let page = rex_testkit::http::get_raw(s.public_addr, "/ru/").await;
    assert!(
        page.to_ascii_lowercase()
            .contains("cache-control: no-cache")
    );
    // A path the site does not have, and a language it does not speak: a page, in its three
    // languages, leading back to the search.
    for path in ["/nowhere", "/de/", "/fr/statement"] {
        let (status, body) = http(s.public_addr, "GET", path, None).await;
        assert_eq!(status, 404, "{path}");
        for text in [
            "Бет табылмады",
            "Страница не найдена",
            "Page not found",
            "href=\"/kk/\"",
        ] {
            assert!(body.contains(text), "{path}: {body}");
        }
    }
}

/// The search by BIN shows each registration with its status and dates in the page's words and
/// the exporter's name; an exporter that did not consent is not found, and neither its name nor
/// its number appears.
async fn reg_5_bin_search_shows_name_only_with_consent(mut s: RegistrationService) {
    let (valid, unpublished, revoked) = s.public_registry().await;
    let page = async |path: &str| http(s.public_addr, "GET", path, None).await;
    let (status, html) = page(&format!("/kk/?q={}", tin(0))).await;
    assert_eq!(status, 200);
    for shown in [
        valid.as_str(),
        "Жарамды",
        "19 наурыз 2026 ж.",
        "ТОО «Алтын Дән»",
    ] {
        assert!(html.contains(shown), "{shown} missing:\n{html}");
    }
    let (_, html) = page(&format!("/ru/?q={}", tin(2))).await;
    for shown in [
        revoked.as_str(),
        "Отозван",
        "10 июня 2026 г.",
        "Ферросплав Восток",
    ] {
        assert!(html.contains(shown), "{shown} missing:\n{html}");
    }
    for lang in ["kk", "ru", "en"] {
        let (status, html) = page(&format!("/{lang}/?q={}", tin(1))).await;
        assert_eq!(status, 200);
        for hidden in [unpublished.as_str(), "Каспий Балық", "Caspian Balyk"] {
            assert!(!html.contains(hidden), "{lang}: {hidden} shown:\n{html}");
        }
    }
    // A BIN that cannot be one is told in the page's words, without the API's English.
    let (status, html) = page("/kk/?q=110340517505").await;
    assert_eq!(status, 400);
    assert!(html.contains("бақылау цифры"), "{html}");
    assert!(
        !html.contains("check digit") && !html.contains("REG-"),
        "{html}"
    );
}
on_both_backends!(spawn_registration => reg_5_bin_search_shows_name_only_with_consent);

/// What a person sees of a refusal or a finding is in the page's language, by its kind, with
/// the number as typed and no rule ID or API text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_7_a_malformed_number_and_a_statements_findings_are_told_in_the_pages_language() {
    let mut s = spawn_registration(Backend::Sqlite).await;
    let (_, _, revoked) = s.public_registry().await;
    let (status, html) = http(s.public_addr, "GET", "/kk/?q=KZREX12345", None).await;
    assert_eq!(status, 400);
    assert!(
        html.contains("«KZREX12345» — тіркеу нөмірі 20 таңбадан тұруы керек, мұнда 10 таңба."),
        "{html}"
    );
    assert!(html.contains("href=\"/kk/help#number\""), "the legal basis");
    let text = format!(
        "The exporter {revoked} declares that these products are of Kazakhstan preferential origin according to rules of origin of the Generalized System of Preferences of the Kingdom of Norway."
    );
    let form = serde_urlencoded::to_string([
        ("statement_text", text.as_str()),
        ("country", "CH"),
        ("statement_date", "2026-06-20"),
        ("amount", "20000"),
        ("currency", "CHF"),
    ])
    .unwrap();
    let (status, html) = http_typed(
        s.public_addr,
        "POST",
        "/ru/statement",
        "application/x-www-form-urlencoded",
        Some(&form),
    )
    .await;
    assert_eq!(status, 200);
    for said in [
        "В тексте названа схема ВСП страны: Норвегия, а страна ввоза — Швейцария.",
        "В тексте не указан критерий происхождения",
        &format!("Номер {revoked} отозван 10 июня 2026 г., а заявление датировано 20 июня 2026 г."),
    ] {
        assert!(html.contains(said), "{said} missing:\n{html}");
    }
    // A form with mistakes: each told by its kind, linked to its field.
    let form = "statement_text=&country=XX&statement_date=&amount=12%2C5&currency=EURO";
    let (status, html) = http_typed(
        s.public_addr,
        "POST",
        "/kk/statement",
        "application/x-www-form-urlencoded",
        Some(form),
    )
    .await;
    assert_eq!(status, 400);
    for said in [
        "href=\"#country\">Импорттаушы елді таңдаңыз",
        "href=\"#currency\">«EURO» — валюта",
        "href=\"#amount\">«12,5» — құнды цифрлармен",
        "href=\"#statement_date\">Күнді күн, ай және жыл",
    ] {
        assert!(html.contains(said), "{said} missing:\n{html}");
    }
    for page in [html.as_str()] {
        for api in ["REG-", "REV-", "must be", "(REG", "value.amount"] {
            assert!(!page.contains(api), "{api} shown:\n{page}");
        }
    }
}

/// The site's identity and contacts come from the organisations' configuration, on its own
/// page and at the foot of every page, with the help and privacy pages linked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identity_pages_show_the_configured_organisation() {
    let configured = rex_domain::organisation::SHIPPED
        .replacen(
            "kk = \"Қазақстан Республикасының «Атамекен» ұлттық кәсіпкерлер палатасы\"",
            "kk = \"Сынақ палатасы\"",
            1,
        )
        .replacen("rex@atameken.kz", "help@example.kz", 1);
    let organisations = std::sync::Arc::new(rex_domain::Organisations::parse(&configured).unwrap());
    rex_runtime::telemetry::init();
    let database = Database::fresh(Backend::Sqlite, "registration").await;
    let s = RegistrationService::spawn(database, rex_testkit::test_clock(), |o| {
        o.organisations = organisations;
    })
    .await;
    let (status, html) = http(s.public_addr, "GET", "/kk/about", None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Сынақ палатасы") && html.contains("help@example.kz"),
        "{html}"
    );
    for path in [
        "/kk/",
        "/ru/statement",
        "/en/format",
        "/kk/help",
        "/ru/privacy",
        "/en/about",
    ] {
        let (status, html) = http(s.public_addr, "GET", path, None).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            html.contains("mailto:help@example.kz"),
            "{path}: the contact"
        );
        let lang = &path[1..3];
        for link in ["about", "help", "privacy"] {
            assert!(
                html.contains(&format!("href=\"/{lang}/{link}\"")),
                "{path} does not link {link}"
            );
        }
    }
    let (_, html) = http(s.public_addr, "GET", "/ru/about", None).await;
    assert!(
        html.contains("Национальная палата предпринимателей"),
        "the Russian name"
    );
    let (_, html) = http(s.public_addr, "GET", "/en/privacy", None).await;
    assert!(
        html.contains("are not stored")
            && html.contains("Without consent: only the registration number"),
        "{html}"
    );
}
