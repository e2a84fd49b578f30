//! The registry's public face over HTTP, for people and for systems that cannot speak gRPC:
//! web pages in Kazakh, Russian and English (search by number or by TIN, a statement check, the
//! number's format, who runs the site, help, privacy), every message in the page's language,
//! rendered on the server so they need no JavaScript, and a JSON API (`/api/v1`, described by
//! `openapi.yaml`). Both call the same code as the gRPC API.
//!
//! Every answer keeps three cases apart: an answer about the number (valid, revoked, not yet
//! valid), "not in the registry" (404), and "the registry could not be read" (503), which says
//! nothing about the number.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
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
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Registry;
use crate::grpc::MAX_BULK_ITEMS;
use crate::grpc::statements::{CheckedStatement, StatementRefusal};

mod api;
mod pages;
mod words;

use api::*;
use pages::*;

const LANGUAGES: [(&str, &str); 3] = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")];

/// The largest request body: 10,000 statements with their texts.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The OpenAPI description of the JSON API.
pub const OPENAPI: &str = include_str!("../../web/openapi.yaml");

struct Site {
    registry: Registry,
    pages: minijinja::Environment<'static>,
    /// Per language, every message of the pages.
    messages: BTreeMap<String, BTreeMap<String, String>>,
    /// Who runs the site: its identity and contacts on every page.
    operator: rex_domain::Organisation,
}

/// The router of the public site and the JSON API; the site is run by `organisations`'
/// Atameken (Order 244-NK).
pub fn router(
    registry: Registry,
    organisations: Arc<rex_domain::Organisations>,
) -> anyhow::Result<Router> {
    let mut pages = minijinja::Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../../web/base.html")),
        ("lookup.html", include_str!("../../web/lookup.html")),
        ("statement.html", include_str!("../../web/statement.html")),
        ("format.html", include_str!("../../web/format.html")),
        ("about.html", include_str!("../../web/about.html")),
        ("help.html", include_str!("../../web/help.html")),
        ("privacy.html", include_str!("../../web/privacy.html")),
    ] {
        pages.add_template(name, source)?;
    }
    let messages = serde_json::from_str(include_str!("../../web/messages.json"))?;
    let site = Arc::new(Site {
        registry,
        pages,
        messages,
        operator: organisations.atameken.clone(),
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
        .route("/{lang}/about", get(about_page))
        .route("/{lang}/help", get(help_page))
        .route("/{lang}/privacy", get(privacy_page))
        .fallback(not_found)
        .with_state(site)
        // A full batch of statements with their texts is a few MiB.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // What every answer carries: the pages load nothing but the site's own stylesheet, run
        // no script, are framed by no one, leak no referrer, are not sniffed into another type;
        // an answer that sets no cache rule is revalidated (a lookup changes with a revocation).
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span)))
}

/// A request's span: its method and the route it took (`/{lang}/`, not the path), so that no
/// number, BIN or text a person entered reaches a log (the privacy page says so).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", |p| p.as_str());
    tracing::info_span!("http", method = %request.method(), route)
}

/// The page for a path the site does not have, in its three languages.
pub(super) async fn not_found() -> Response {
    not_found_page()
}

pub(super) fn not_found_page() -> Response {
    let body = concat!(
        "<!doctype html><html lang=\"kk\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>404</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main>",
        "<h1 lang=\"kk\">Бет табылмады</h1><p lang=\"kk\"><a href=\"/kk/\">Экспорттаушыны іздеу</a></p>",
        "<h1 lang=\"ru\">Страница не найдена</h1><p lang=\"ru\"><a href=\"/ru/\">Поиск экспортера</a></p>",
        "<h1 lang=\"en\">Page not found</h1><p lang=\"en\"><a href=\"/en/\">Look up an exporter</a></p>",
        "</main></body></html>"
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Serves the site on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Registry,
    organisations: Arc<rex_domain::Organisations>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(registry, organisations)?;
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
        include_str!("../../web/style.css"),
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
        let language = rex_domain::Language::from_code(lang).unwrap_or(rex_domain::Language::Kk);
        let operator = &self.operator;
        let mut context = json!({
            "lang": lang,
            "t": self.messages.get(lang),
            "languages": languages,
            "operator": {
                "name": operator.name.get(language),
                "address": operator.address.get(language),
                "phone": operator.phone,
                "email": operator.email,
                "website": operator.website,
            },
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

impl Site {
    /// The messages of `lang`, a language the site speaks.
    fn words(&self, lang: &str) -> words::Words<'_> {
        static NONE: std::sync::LazyLock<BTreeMap<String, String>> =
            std::sync::LazyLock::new(BTreeMap::new);
        let language = rex_domain::Language::from_code(lang).unwrap_or(rex_domain::Language::Kk);
        words::Words::new(language, self.messages.get(lang).unwrap_or(&NONE))
    }
}
