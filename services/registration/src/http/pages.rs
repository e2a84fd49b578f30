//! The public pages: lookup by number or TIN (REG-5), the statement form (REG-12), the
//! number's format (REG-7), in Kazakh, Russian and English.

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
                        "number_at_fault": crate::grpc::statements::bulk_error(&s)
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
            let errors: Vec<Value> = crate::grpc::statements::bulk_error(&s)
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
pub(super) fn form_field_id(field: &str) -> &'static str {
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

#[cfg(test)]
mod fuzz;

// ---- JSON --------------------------------------------------------------------------------------
