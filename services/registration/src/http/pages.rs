//! The public pages: lookup by number or TIN (REG-5), the statement form (REG-12), the
//! number's format (REG-7), who runs the site, help and privacy, in Kazakh, Russian and English.

use super::*;

#[derive(Debug, Deserialize, Default)]
pub(super) struct LookupQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    as_of: String,
}

/// The search page, with the result when a number or TIN was given.
pub(super) async fn lookup_page(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
    Query(query): Query<LookupQuery>,
) -> Response {
    if !known_language(&lang) {
        return super::not_found_page();
    }
    let q = query.q.trim().to_ascii_uppercase();
    let as_of = query.as_of.trim();
    let words = site.words(&lang);
    let (status, outcome) = if q.is_empty() {
        (StatusCode::OK, Value::Null)
    } else if q.len() == 12 && q.bytes().all(|b| b.is_ascii_digit()) {
        search_by_tin(&site.registry, &words, &q).await
    } else {
        lookup_number(&site.registry, &words, &q, as_of).await
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

/// The answer "the registry could not be read", which says nothing about the number.
fn unavailable() -> (StatusCode, Value) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "kind": "unavailable" }),
    )
}

/// The lookup of one number (REG-5) on `as_of` (today when empty): what is wrong with the
/// number or the date in the page's words, or the registration with its dates in them.
async fn lookup_number(
    registry: &Registry,
    words: &words::Words<'_>,
    q: &str,
    as_of: &str,
) -> (StatusCode, Value) {
    let number = q.parse::<rex_domain::RegistrationNumber>();
    let date = if as_of.is_empty() {
        Ok(None)
    } else {
        parse_date("as_of", as_of).map(Some)
    };
    let (number, date) = match (number, date) {
        (Ok(number), Ok(date)) => (number, date),
        (number, date) => {
            let mut messages = Vec::new();
            if let Err(e) = &number {
                messages.push(words.number_error(e));
            }
            if date.is_err() {
                messages.push(words.say("err_date", &[]));
            }
            let basis = number.is_err().then_some(words::Basis::Number.anchor());
            return (
                StatusCode::BAD_REQUEST,
                json!({
                    "kind": "malformed",
                    "messages": messages,
                    // The number's format is explained only when the number is at fault.
                    "number_at_fault": number.is_err(),
                    "basis": basis,
                }),
            );
        }
    };
    let request = LookupRegistrationRequest {
        registration_number: number.to_string(),
        as_of: date,
    };
    match registry.lookup_one(request).await {
        Ok(r) => (
            StatusCode::OK,
            json!({ "kind": "found", "registration": registration_in_words(&r, words) }),
        ),
        Err(s) if s.code() == tonic::Code::NotFound => (
            StatusCode::NOT_FOUND,
            json!({ "kind": "unknown", "number": number.to_string() }),
        ),
        Err(s) if s.code() == tonic::Code::InvalidArgument => (
            StatusCode::BAD_REQUEST,
            json!({ "kind": "malformed", "messages": [words.say("err_other", &[])] }),
        ),
        Err(_) => unavailable(),
    }
}

/// The search by BIN or IIN (REG-5): each registration of the exporter that consented to
/// publication, with its status and dates in the page's words and its name; an exporter that
/// did not consent is not found (its identity is not published, only its number's dates).
async fn search_by_tin(
    registry: &Registry,
    words: &words::Words<'_>,
    q: &str,
) -> (StatusCode, Value) {
    if let Err(e) = rex_domain::Tin::parse(q) {
        return (
            StatusCode::BAD_REQUEST,
            json!({ "kind": "malformed", "messages": [words.tin_error(&e)] }),
        );
    }
    let numbers = match registry.published_numbers_of(q).await {
        Ok(numbers) => numbers,
        Err(_) => return unavailable(),
    };
    let mut registrations = Vec::with_capacity(numbers.len());
    for number in numbers {
        let request = LookupRegistrationRequest {
            registration_number: number,
            as_of: None,
        };
        match registry.lookup_one(request).await {
            Ok(r) => registrations.push(registration_in_words(&r, words)),
            Err(_) => return unavailable(),
        }
    }
    (
        StatusCode::OK,
        json!({ "kind": "tin", "registrations": registrations }),
    )
}

/// A lookup's answer as the pages show it: the JSON API's fields, the dates in the page's
/// language, and nothing of the exporter unless it consented (REG-5).
fn registration_in_words(r: &LookupRegistrationResponse, words: &words::Words<'_>) -> Value {
    let mut v = lookup_json(r);
    for (field, date) in [
        ("as_of", &r.as_of),
        ("valid_from", &r.valid_from),
        ("assigned_on", &r.assigned_on),
        ("revoked_on", &r.revoked_on),
    ] {
        let in_words = date
            .as_ref()
            .and_then(|d| {
                NaiveDate::from_ymd_opt(
                    d.year,
                    u32::try_from(d.month).ok()?,
                    u32::try_from(d.day).ok()?,
                )
            })
            .map_or(Value::Null, |d| Value::String(words.date(d)));
        v[field] = in_words;
    }
    v
}

pub(super) async fn lookup(
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

pub(super) fn parse_date(
    field: &str,
    text: &str,
) -> Result<rex_proto::google::r#type::Date, Status> {
    let t = text.trim();
    // The contract's full-date (RFC 3339), as a date input sends it: chrono alone also takes
    // "+10000-1-1", a date the site cannot write back (found by fuzzing).
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .flatten()
        .map(date_to_proto)
        .ok_or_else(|| {
            rex_runtime::status::invalid_field(
                field,
                format!(
                    "{} must be a date YYYY-MM-DD",
                    rex_runtime::status::quote(text)
                ),
            )
        })
}

/// What the statement form sends.
#[derive(Debug, Deserialize, Serialize, Default)]
pub(super) struct StatementForm {
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

pub(super) async fn statement_form(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
) -> Response {
    if !known_language(&lang) {
        return super::not_found_page();
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

pub(super) async fn statement_page(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
    Form(form): Form<StatementForm>,
) -> Response {
    if !known_language(&lang) {
        return super::not_found_page();
    }
    let words = site.words(&lang);
    let request = ValidateStatementRequest {
        importing_country: match form.country.trim().to_ascii_uppercase().as_str() {
            "NO" => ImportingCountry::No as i32,
            "CH" => ImportingCountry::Ch as i32,
            // Left unspecified: the check says what to choose.
            _ => 0,
        },
        value: Some(Money {
            currency_code: form.currency.clone(),
            amount: form.amount.clone(),
        }),
        exchange_rate: form.exchange_rate.clone(),
        // A date that is not one is left out: the check says the date is needed, beside
        // whatever else is wrong.
        statement_date: parse_date("statement_date", &form.statement_date).ok(),
        registration_number: form.registration_number.clone(),
        statement_text: form.statement_text.clone(),
    };
    let (status, outcome, errors) = match site.registry.check_statement_read(request).await {
        Ok(checked) => (
            StatusCode::OK,
            json!({ "kind": "checked", "statement": statement_in_words(&checked, &words) }),
            vec![],
        ),
        Err(StatementRefusal::Input(problems)) => {
            let errors: Vec<Value> = problems
                .iter()
                .map(|p| {
                    json!({
                        "id": words::field_key(p.field()),
                        "message": words.input_problem(p),
                    })
                })
                .collect();
            (StatusCode::BAD_REQUEST, Value::Null, errors)
        }
        Err(StatementRefusal::Failed(_)) => (
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

/// A checked statement as the page shows it: the JSON API's fields, each finding told from its
/// facts in the page's words with the section of the law behind it.
fn statement_in_words(checked: &CheckedStatement, words: &words::Words<'_>) -> Value {
    let mut v = statement_json(&checked.response);
    let findings: Vec<Value> = checked
        .findings
        .iter()
        .map(|f| {
            let reason = crate::grpc::convert::statement_reason_proto(f.reason)
                .as_str_name()
                .trim_start_matches("STATEMENT_REASON_")
                .to_owned();
            json!({
                "reason": reason,
                "message": words.detail(&f.detail),
                "basis": words::detail_basis(&f.detail).anchor(),
            })
        })
        .collect();
    v["findings"] = Value::Array(findings);
    v
}

pub(super) async fn format_page(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
) -> Response {
    if !known_language(&lang) {
        return super::not_found_page();
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

/// The pages about the site: who runs it and how to reach them, help on what the answers
/// mean and the law behind them, and what the site keeps and publishes.
async fn info_page(site: Arc<Site>, lang: String, name: &str) -> Response {
    if !known_language(&lang) {
        return super::not_found_page();
    }
    let path = format!("/{name}");
    site.render(
        StatusCode::OK,
        &lang,
        Page {
            name,
            path: &path,
            query: "",
        },
        json!({}),
    )
}

pub(super) async fn about_page(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
) -> Response {
    info_page(site, lang, "about").await
}

pub(super) async fn help_page(State(site): State<Arc<Site>>, Path(lang): Path<String>) -> Response {
    info_page(site, lang, "help").await
}

pub(super) async fn privacy_page(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
) -> Response {
    info_page(site, lang, "privacy").await
}

#[cfg(test)]
mod fuzz;

// ---- JSON --------------------------------------------------------------------------------------
