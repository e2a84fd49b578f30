//! The registry's public face over HTTP, for people and for systems that cannot speak gRPC:
//! web pages in Kazakh, Russian and English (search by number or by TIN, a statement check, the
//! number's format), rendered on the server so they need no JavaScript, and a JSON API
//! (`/api/v1`, described by `openapi.yaml`). Both call the same code as the gRPC API.
//!
//! Every answer keeps three cases apart: an answer about the number (valid, revoked, not yet
//! valid), "not in the registry" (404), and "the registry could not be read" (503), which says
//! nothing about the number.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use rex_proto::common::{BilingualText, ImportingCountry, Money};
use rex_proto::registration::{
    Activity, BulkCheck, BulkItemError, LookupRegistrationRequest, LookupRegistrationResponse,
    LookupStatus, StatementReason, ValidateStatementRequest, ValidateStatementResponse, bulk_check,
    bulk_result,
};
use rex_runtime::convert::date_to_proto;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tonic::Status;

use crate::Registry;
use crate::service::MAX_BULK_ITEMS;

const LANGUAGES: [(&str, &str); 3] = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")];

/// The largest request body: 10,000 statements with their texts.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The OpenAPI description of the JSON API.
pub const OPENAPI: &str = include_str!("../web/openapi.yaml");

struct Site {
    registry: Registry,
    pages: minijinja::Environment<'static>,
    /// Per language, every message of the pages.
    messages: BTreeMap<String, BTreeMap<String, String>>,
}

/// The router of the public site and the JSON API.
pub fn router(registry: Registry) -> anyhow::Result<Router> {
    let mut pages = minijinja::Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../web/base.html")),
        ("lookup.html", include_str!("../web/lookup.html")),
        ("statement.html", include_str!("../web/statement.html")),
        ("format.html", include_str!("../web/format.html")),
    ] {
        pages.add_template(name, source)?;
    }
    let messages = serde_json::from_str(include_str!("../web/messages.json"))?;
    let site = Arc::new(Site {
        registry,
        pages,
        messages,
    });
    Ok(Router::new()
        .route("/", get(home))
        .route("/static/style.css", get(style))
        .route("/api/v1/openapi.yaml", get(openapi))
        .route("/api/v1/registrations", get(api_search_by_tin))
        .route("/api/v1/registrations/{number}", get(api_lookup))
        .route("/api/v1/statements/validate", post(api_statement))
        .route("/api/v1/checks", post(api_checks))
        .route("/{lang}/", get(lookup_page))
        .route("/{lang}", get(lookup_page))
        .route(
            "/{lang}/statement",
            get(statement_form).post(statement_page),
        )
        .route("/{lang}/format", get(format_page))
        .with_state(site)
        // A full batch of statements with their texts is a few MiB.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http()))
}

/// Serves the site on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Registry,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(registry)?;
    tracing::info!(addr = %listener.local_addr()?, "public lookup site and JSON API listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

// ---- pages -------------------------------------------------------------------------------------

async fn home(headers: HeaderMap) -> Redirect {
    // Kazakh, the state language, unless the browser prefers Russian or English.
    let wanted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lang = wanted
        .split(',')
        .map(|part| part.trim().get(..2).unwrap_or("").to_ascii_lowercase())
        .find(|code| LANGUAGES.iter().any(|(l, _)| l == code))
        .unwrap_or_else(|| "kk".into());
    Redirect::to(&format!("/{lang}/"))
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../web/style.css"),
    )
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/yaml; charset=utf-8")],
        OPENAPI,
    )
}

/// Which page is rendered: its name (in the navigation; its template is `<name>.html`), its
/// path after the language, and its query (kept when the language is switched).
struct Page<'a> {
    name: &'a str,
    path: &'a str,
    query: &'a str,
}

impl Site {
    fn render(&self, status: StatusCode, lang: &str, page: Page<'_>, extra: Value) -> Response {
        let Page {
            name: page,
            path: page_path,
            query,
        } = page;
        let template = format!("{page}.html");
        let template = template.as_str();
        let languages: Vec<Value> = LANGUAGES
            .iter()
            .map(|(code, name)| json!({ "code": code, "name": name }))
            .collect();
        let mut context = json!({
            "lang": lang,
            "t": self.messages.get(lang),
            "languages": languages,
            "page": page,
            "page_path": page_path,
            "query": query,
        });
        if let (Some(target), Value::Object(more)) = (context.as_object_mut(), extra) {
            target.extend(more);
        }
        let html = self
            .pages
            .get_template(template)
            .and_then(|t| t.render(minijinja::Value::from_serialize(&context)));
        match html {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(err) => {
                tracing::error!(error = %err, template, "page rendering failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

fn known_language(lang: &str) -> bool {
    LANGUAGES.iter().any(|(l, _)| *l == lang)
}

#[derive(Debug, Deserialize, Default)]
struct LookupQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    as_of: String,
}

/// The search page, with the result when a number or TIN was given.
async fn lookup_page(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
    Query(query): Query<LookupQuery>,
) -> Response {
    if !known_language(&lang) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let q = query.q.trim().to_ascii_uppercase();
    let as_of = query.as_of.trim();
    let (status, outcome) = if q.is_empty() {
        (StatusCode::OK, Value::Null)
    } else if q.len() == 12 && q.bytes().all(|b| b.is_ascii_digit()) {
        match site.registry.published_numbers_of(&q).await {
            Ok(numbers) => (StatusCode::OK, json!({ "kind": "tin", "numbers": numbers })),
            Err(s) if s.code() == tonic::Code::InvalidArgument => (
                StatusCode::BAD_REQUEST,
                json!({ "kind": "malformed", "message": s.message() }),
            ),
            Err(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "kind": "unavailable" }),
            ),
        }
    } else {
        match lookup(&site.registry, &q, as_of).await {
            Ok(r) => (
                StatusCode::OK,
                json!({ "kind": "found", "registration": lookup_json(&r) }),
            ),
            Err(s) => match s.code() {
                tonic::Code::NotFound => (
                    StatusCode::NOT_FOUND,
                    json!({ "kind": "unknown", "number": q }),
                ),
                tonic::Code::InvalidArgument => (
                    StatusCode::BAD_REQUEST,
                    json!({
                        "kind": "malformed",
                        "message": s.message(),
                        // The number's format is explained only when the number is at fault.
                        "number_at_fault": crate::service::bulk_error(&s)
                            .field_violations
                            .iter()
                            .any(|v| v.field == "registration_number"),
                    }),
                ),
                _ => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({ "kind": "unavailable" }),
                ),
            },
        }
    };
    // Kept when the language is switched, so the answer stays on the screen.
    let query_string = if q.is_empty() {
        String::new()
    } else {
        let mut pairs = vec![("q", q.as_str())];
        if !as_of.is_empty() {
            pairs.push(("as_of", as_of));
        }
        serde_urlencoded::to_string(&pairs)
            .map(|s| format!("?{s}"))
            .unwrap_or_default()
    };
    site.render(
        status,
        &lang,
        Page {
            name: "lookup",
            path: "/",
            query: &query_string,
        },
        json!({ "q": q, "as_of_input": as_of, "outcome": outcome }),
    )
}

async fn lookup(
    registry: &Registry,
    number: &str,
    as_of: &str,
) -> Result<LookupRegistrationResponse, Status> {
    let as_of = if as_of.is_empty() {
        None
    } else {
        Some(parse_date("as_of", as_of)?)
    };
    registry
        .lookup_one(LookupRegistrationRequest {
            registration_number: number.to_owned(),
            as_of,
        })
        .await
}

fn parse_date(field: &str, text: &str) -> Result<rex_proto::google::r#type::Date, Status> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(date_to_proto)
        .map_err(|_| {
            rex_runtime::status::invalid_field(field, format!("{text:?} must be a date YYYY-MM-DD"))
        })
}

/// What the statement form sends.
#[derive(Debug, Deserialize, Serialize, Default)]
struct StatementForm {
    #[serde(default)]
    statement_text: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    statement_date: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    exchange_rate: String,
    #[serde(default)]
    registration_number: String,
}

async fn statement_form(State(site): State<Arc<Site>>, Path(lang): Path<String>) -> Response {
    if !known_language(&lang) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let form = StatementForm {
        country: "CH".into(),
        currency: "CHF".into(),
        ..Default::default()
    };
    site.render(
        StatusCode::OK,
        &lang,
        Page {
            name: "statement",
            path: "/statement",
            query: "",
        },
        json!({ "form": form }),
    )
}

async fn statement_page(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
    Form(form): Form<StatementForm>,
) -> Response {
    if !known_language(&lang) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let input = StatementIn {
        importing_country: form.country.clone(),
        value: MoneyJson {
            currency: form.currency.clone(),
            amount: form.amount.clone(),
        },
        exchange_rate: form.exchange_rate.clone(),
        statement_date: form.statement_date.clone(),
        registration_number: form.registration_number.clone(),
        statement_text: form.statement_text.clone(),
    };
    let result = match input.into_request() {
        Ok(req) => site.registry.check_statement(req).await,
        Err(err) => Err(err),
    };
    let (status, outcome, errors) = match result {
        Ok(r) => (
            StatusCode::OK,
            json!({ "kind": "checked", "statement": statement_json(&r) }),
            vec![],
        ),
        Err(s) if s.code() == tonic::Code::InvalidArgument => {
            let errors: Vec<Value> = crate::service::bulk_error(&s)
                .field_violations
                .iter()
                .map(|v| {
                    json!({
                        "id": form_field_id(&v.field),
                        "message": format!("{}: {}", v.field, v.description),
                    })
                })
                .collect();
            let errors = if errors.is_empty() {
                vec![json!({ "id": "statement_text", "message": s.message() })]
            } else {
                errors
            };
            (StatusCode::BAD_REQUEST, Value::Null, errors)
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "kind": "unavailable" }),
            vec![],
        ),
    };
    site.render(
        status,
        &lang,
        Page {
            name: "statement",
            path: "/statement",
            query: "",
        },
        json!({ "form": form, "outcome": outcome, "errors": errors }),
    )
}

/// The form control that holds an API field, for the error summary's links.
fn form_field_id(field: &str) -> &'static str {
    match field {
        "importing_country" => "country",
        "value.currency_code" => "currency",
        "value.amount" => "amount",
        "exchange_rate" => "exchange_rate",
        "statement_date" => "statement_date",
        "registration_number" => "registration_number",
        _ => "statement_text",
    }
}

async fn format_page(State(site): State<Arc<Site>>, Path(lang): Path<String>) -> Response {
    if !known_language(&lang) {
        return StatusCode::NOT_FOUND.into_response();
    }
    site.render(
        StatusCode::OK,
        &lang,
        Page {
            name: "format",
            path: "/format",
            query: "",
        },
        json!({}),
    )
}

// ---- JSON --------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
struct MoneyJson {
    currency: String,
    amount: String,
}

/// A statement to check, as the JSON API takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatementIn {
    /// "NO" or "CH".
    importing_country: String,
    value: MoneyJson,
    #[serde(default)]
    exchange_rate: String,
    /// YYYY-MM-DD.
    statement_date: String,
    #[serde(default)]
    registration_number: String,
    #[serde(default)]
    statement_text: String,
}

impl StatementIn {
    fn into_request(self) -> Result<ValidateStatementRequest, Status> {
        let importing_country = match self.importing_country.trim().to_ascii_uppercase().as_str() {
            "NO" => ImportingCountry::No as i32,
            "CH" => ImportingCountry::Ch as i32,
            // Left unspecified: the check names the field and the rule.
            _ => 0,
        };
        Ok(ValidateStatementRequest {
            importing_country,
            value: Some(Money {
                currency_code: self.value.currency,
                amount: self.value.amount,
            }),
            exchange_rate: self.exchange_rate,
            statement_date: Some(parse_date("statement_date", &self.statement_date)?),
            registration_number: self.registration_number,
            statement_text: self.statement_text,
        })
    }
}

/// A number to look up, as the JSON API's batch takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupIn {
    registration_number: String,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    as_of: Option<String>,
}

fn text_json(t: &Option<BilingualText>) -> Value {
    match t {
        Some(t) => json!({ "primary": t.primary, "english": t.english }),
        None => Value::Null,
    }
}

fn iso(d: &Option<rex_proto::google::r#type::Date>) -> Value {
    match d {
        Some(d) => Value::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
        None => Value::Null,
    }
}

fn lookup_json(r: &LookupRegistrationResponse) -> Value {
    let status = LookupStatus::try_from(r.status)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("LOOKUP_STATUS_")
                .to_owned()
        })
        .unwrap_or_default();
    let activities: Vec<String> = r
        .activities
        .iter()
        .filter_map(|a| Activity::try_from(*a).ok())
        .map(|a| a.as_str_name().trim_start_matches("ACTIVITY_").to_owned())
        .collect();
    let goods: Vec<Value> = r
        .goods
        .iter()
        .map(|g| json!({ "hs_code": g.hs_code, "description": text_json(&g.description) }))
        .collect();
    let mut v = json!({
        "registration_number": r.registration_number,
        "status": status,
        "as_of": iso(&r.as_of),
        "valid_from": iso(&r.valid_from),
        "assigned_on": iso(&r.assigned_on),
        "revoked_on": iso(&r.revoked_on),
        "published": r.published,
    });
    if r.published
        && let Some(o) = v.as_object_mut()
    {
        o.insert("name".into(), text_json(&r.name));
        o.insert("address".into(), text_json(&r.address));
        o.insert(
            "contact".into(),
            r.contact.as_ref().map_or(
                Value::Null,
                |c| json!({ "phone": c.phone, "fax": c.fax, "email": c.email }),
            ),
        );
        o.insert("activities".into(), json!(activities));
        o.insert("goods".into(), json!(goods));
    }
    v
}

fn money_json(m: &Option<Money>) -> Value {
    match m {
        Some(m) => json!({ "currency": m.currency_code, "amount": m.amount }),
        None => Value::Null,
    }
}

fn statement_json(r: &ValidateStatementResponse) -> Value {
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let reason = StatementReason::try_from(f.reason)
                .map(|s| {
                    s.as_str_name()
                        .trim_start_matches("STATEMENT_REASON_")
                        .to_owned()
                })
                .unwrap_or_default();
            json!({ "reason": reason, "message": f.message })
        })
        .collect();
    json!({
        "valid": r.valid,
        "findings": findings,
        "threshold": money_json(&r.threshold),
        "value_in_threshold_currency": money_json(&r.value_in_threshold_currency),
        "parsed": r.parsed.as_ref().map(|p| json!({
            "registration_number": p.registration_number,
            "origin_criterion": p.origin_criterion,
            "hs_code": p.hs_code,
            "importing_country": match ImportingCountry::try_from(p.importing_country) {
                Ok(ImportingCountry::No) => "NO",
                Ok(ImportingCountry::Ch) => "CH",
                _ => "",
            },
            "kazakhstan_origin": p.kazakhstan_origin,
        })),
        "registration": r.registration.as_ref().map(lookup_json),
    })
}

fn error_json(e: &BulkItemError) -> Value {
    let violations: Vec<Value> = e
        .field_violations
        .iter()
        .map(|v| json!({ "field": v.field, "description": v.description }))
        .collect();
    json!({ "code": e.code, "message": e.message, "field_violations": violations })
}

/// An error answer of the JSON API: the gRPC code's name, the message, the fields at fault.
fn api_error(status: &Status) -> Response {
    let e = crate::service::bulk_error(status);
    let http = match status.code() {
        tonic::Code::InvalidArgument => StatusCode::BAD_REQUEST,
        tonic::Code::NotFound => StatusCode::NOT_FOUND,
        tonic::Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (http, Json(json!({ "error": error_json(&e) }))).into_response()
}

fn bad_body(message: String) -> Response {
    api_error(&rex_runtime::status::invalid_field("body", message))
}

#[derive(Debug, Deserialize)]
struct AsOf {
    as_of: Option<String>,
}

async fn api_lookup(
    State(site): State<Arc<Site>>,
    Path(number): Path<String>,
    Query(q): Query<AsOf>,
) -> Response {
    match lookup(&site.registry, &number, q.as_of.as_deref().unwrap_or("")).await {
        Ok(r) => Json(lookup_json(&r)).into_response(),
        Err(s) => api_error(&s),
    }
}

#[derive(Debug, Deserialize)]
struct TinQuery {
    tin: Option<String>,
}

async fn api_search_by_tin(State(site): State<Arc<Site>>, Query(q): Query<TinQuery>) -> Response {
    let Some(tin) = q.tin else {
        return api_error(&rex_runtime::status::invalid_field(
            "tin",
            "is required: the exporter's 12-digit BIN or IIN (REG-5)",
        ));
    };
    match site.registry.published_numbers_of(&tin).await {
        Ok(numbers) => {
            Json(json!({ "tin": tin.trim(), "registration_numbers": numbers })).into_response()
        }
        Err(s) => api_error(&s),
    }
}

async fn api_statement(State(site): State<Arc<Site>>, body: axum::body::Bytes) -> Response {
    let input: StatementIn = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_body(format!("not a statement: {e}")),
    };
    let result = match input.into_request() {
        Ok(req) => site.registry.check_statement(req).await,
        Err(s) => Err(s),
    };
    match result {
        Ok(r) => Json(statement_json(&r)).into_response(),
        Err(s) => api_error(&s),
    }
}

/// One item of the JSON batch, turned into the gRPC item or the item's own error.
fn bulk_item(item: Value) -> Result<BulkCheck, Status> {
    let invalid = |m: String| rex_runtime::status::invalid_field("item", m);
    let Value::Object(mut fields) = item else {
        return Err(invalid(
            "must be an object with \"lookup\" or \"statement\"".into(),
        ));
    };
    if fields.len() != 1 {
        return Err(invalid(
            "must have exactly one of \"lookup\" and \"statement\"".into(),
        ));
    }
    if let Some(lookup) = fields.remove("lookup") {
        let l: LookupIn =
            serde_json::from_value(lookup).map_err(|e| invalid(format!("lookup: {e}")))?;
        let as_of = match l.as_of.as_deref() {
            Some(d) => Some(parse_date("as_of", d)?),
            None => None,
        };
        return Ok(BulkCheck {
            check: Some(bulk_check::Check::Lookup(LookupRegistrationRequest {
                registration_number: l.registration_number,
                as_of,
            })),
        });
    }
    if let Some(statement) = fields.remove("statement") {
        let s: StatementIn =
            serde_json::from_value(statement).map_err(|e| invalid(format!("statement: {e}")))?;
        return Ok(BulkCheck {
            check: Some(bulk_check::Check::Statement(s.into_request()?)),
        });
    }
    Err(invalid(
        "must have exactly one of \"lookup\" and \"statement\"".into(),
    ))
}

#[derive(Debug, Deserialize)]
struct ChecksIn {
    items: Vec<Value>,
}

async fn api_checks(State(site): State<Arc<Site>>, body: axum::body::Bytes) -> Response {
    let input: ChecksIn = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_body(format!("expected {{\"items\": [...]}}: {e}")),
    };
    if input.items.len() > MAX_BULK_ITEMS {
        return api_error(&rex_runtime::status::invalid_field(
            "items",
            format!(
                "{} items: at most {MAX_BULK_ITEMS} per call; split the batch",
                input.items.len()
            ),
        ));
    }
    // Items that are not even well-formed JSON items answer for themselves; the rest go to
    // the same batch check as the gRPC API.
    let mut checks = Vec::with_capacity(input.items.len());
    let parsed: Vec<Result<(), Status>> = input
        .items
        .into_iter()
        .map(|item| bulk_item(item).map(|check| checks.push(check)))
        .collect();
    let checked = match site.registry.check_many(checks).await {
        Ok(r) => r,
        Err(s) => return api_error(&s),
    };
    let mut answers = checked.results.into_iter();
    let results: Vec<Value> = parsed
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let result = match p {
                Err(s) => json!({ "error": error_json(&crate::service::bulk_error(s)) }),
                Ok(_) => match answers.next().and_then(|a| a.result) {
                    Some(bulk_result::Result::Lookup(r)) => json!({ "lookup": lookup_json(&r) }),
                    Some(bulk_result::Result::Statement(r)) => {
                        json!({ "statement": statement_json(&r) })
                    }
                    Some(bulk_result::Result::Error(e)) => json!({ "error": error_json(&e) }),
                    None => json!({ "error": { "code": "INTERNAL", "message": "no answer" } }),
                },
            };
            let mut result = result;
            if let Some(o) = result.as_object_mut() {
                o.insert("index".into(), json!(index));
            }
            result
        })
        .collect();
    Json(json!({ "results": results, "distinct_items": checked.distinct_items })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_5_every_page_message_exists_in_kazakh_russian_and_english() {
        let messages: BTreeMap<String, BTreeMap<String, String>> =
            serde_json::from_str(include_str!("../web/messages.json")).unwrap_or_default();
        let keys = |l: &str| -> Vec<String> {
            messages
                .get(l)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert!(keys("en").len() > 50, "messages.json did not load");
        assert_eq!(keys("kk"), keys("en"));
        assert_eq!(keys("ru"), keys("en"));
        // Every reason and status the answers carry has its words.
        for reason in 1..=11 {
            let name = StatementReason::try_from(reason)
                .map(|r| {
                    r.as_str_name()
                        .trim_start_matches("STATEMENT_REASON_")
                        .to_owned()
                })
                .unwrap_or_default();
            assert!(keys("kk").contains(&format!("reason_{name}")), "{name}");
        }
        for status in ["VALID", "REVOKED", "NOT_YET_VALID"] {
            assert!(keys("kk").contains(&format!("status_{status}")));
        }
    }

    #[test]
    fn reg_12_a_malformed_batch_item_fails_alone() {
        assert!(
            bulk_item(json!({ "lookup": { "registration_number": "KZREX001010120260001" } }))
                .is_ok()
        );
        for bad in [
            json!(42),
            json!({}),
            json!({ "lookup": { "number": "x" } }),
            json!({ "lookup": { "registration_number": "x" }, "statement": {} }),
            json!({ "statement": { "importing_country": "CH" } }),
            json!({ "lookup": { "registration_number": "KZREX001010120260001", "as_of": "1 May" } }),
        ] {
            let err = bulk_item(bad.clone()).err().map(|s| s.code());
            assert_eq!(err, Some(tonic::Code::InvalidArgument), "{bad}");
        }
    }
}
