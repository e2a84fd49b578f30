//! The JSON API (`/api/v1`, described by `web/openapi.yaml`): lookups, statements and batches.

use super::*;

#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct MoneyJson {
    pub(super) currency: String,
    pub(super) amount: String,
}

/// A statement to check, as the JSON API takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StatementIn {
    /// "NO" or "CH".
    pub(super) importing_country: String,
    pub(super) value: MoneyJson,
    #[serde(default)]
    pub(super) exchange_rate: String,
    /// YYYY-MM-DD.
    pub(super) statement_date: String,
    #[serde(default)]
    pub(super) registration_number: String,
    #[serde(default)]
    pub(super) statement_text: String,
}

impl StatementIn {
    pub(super) fn into_request(self) -> Result<ValidateStatementRequest, Status> {
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
pub(super) struct LookupIn {
    registration_number: String,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    as_of: Option<String>,
}

pub(super) fn text_json(t: &Option<BilingualText>) -> Value {
    match t {
        Some(t) => json!({ "primary": t.primary, "english": t.english }),
        None => Value::Null,
    }
}

pub(super) fn iso(d: &Option<rex_proto::google::r#type::Date>) -> Value {
    match d {
        Some(d) => Value::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
        None => Value::Null,
    }
}

pub(super) fn lookup_json(r: &LookupRegistrationResponse) -> Value {
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

pub(super) fn money_json(m: &Option<Money>) -> Value {
    match m {
        Some(m) => json!({ "currency": m.currency_code, "amount": m.amount }),
        None => Value::Null,
    }
}

pub(super) fn statement_json(r: &ValidateStatementResponse) -> Value {
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

pub(super) fn error_json(e: &BulkItemError) -> Value {
    let violations: Vec<Value> = e
        .field_violations
        .iter()
        .map(|v| json!({ "field": v.field, "description": v.description }))
        .collect();
    json!({ "code": e.code, "message": e.message, "field_violations": violations })
}

/// An error answer of the JSON API: the gRPC code's name, the message, the fields at fault.
pub(super) fn api_error(status: &Status) -> Response {
    let e = crate::grpc::statements::bulk_error(status);
    let http = match status.code() {
        tonic::Code::InvalidArgument => StatusCode::BAD_REQUEST,
        tonic::Code::NotFound => StatusCode::NOT_FOUND,
        tonic::Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (http, Json(json!({ "error": error_json(&e) }))).into_response()
}

/// The answer refusing a body that does not say it is JSON: `415 Unsupported Media Type` naming
/// the header; none for JSON. Reading another media type as JSON would accept what the client
/// did not mean.
pub(super) fn not_json(headers: &axum::http::HeaderMap) -> Option<Response> {
    let given = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = given.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        return None;
    }
    let status = rex_runtime::status::invalid_field(
        "Content-Type",
        format!(
            "{} is not accepted: send the body as application/json",
            rex_runtime::status::quote(given)
        ),
    );
    let e = crate::grpc::statements::bulk_error(&status);
    Some(
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Json(json!({ "error": error_json(&e) })),
        )
            .into_response(),
    )
}

/// How many characters of serde's account of a bad body or item a message shows.
const JSON_ERROR_CHARACTERS: usize = 240;

/// Serde's account of JSON it could not read. It names an unknown key or a misplaced string
/// whole and as sent, so it is escaped (no control or direction characters) and cut like a
/// quoted value (found by fuzzing: a 1 MiB key made a 1 MiB message).
pub(super) fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let mut shown = String::new();
    for c in text.chars().take(JSON_ERROR_CHARACTERS) {
        if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            shown.extend(c.escape_unicode());
        } else {
            shown.push(c);
        }
    }
    match text.chars().count() {
        n if n > JSON_ERROR_CHARACTERS => format!("{shown}… ({n} characters)"),
        _ => shown,
    }
}

/// What a JSON body of the API must read as, named in the refusal of one that does not.
pub(super) trait BodyShape: serde::de::DeserializeOwned {
    const EXPECTED: &'static str;
}

/// A JSON body of the API: refused with 415 unless it is sent as JSON ([`not_json`]), with 400
/// unless it reads as `T`; every JSON endpoint takes its body through this one check.
pub(super) struct JsonBody<T>(pub(super) T);

impl<S: Send + Sync, T: BodyShape> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        if let Some(refused) = not_json(req.headers()) {
            return Err(refused);
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        serde_json::from_slice(&body)
            .map(JsonBody)
            .map_err(|e| bad_body(format!("{}: {}", T::EXPECTED, json_error(&e))))
    }
}

impl BodyShape for StatementIn {
    const EXPECTED: &'static str = "not a statement";
}

pub(super) fn bad_body(message: String) -> Response {
    api_error(&rex_runtime::status::invalid_field("body", message))
}

#[derive(Debug, Deserialize)]
pub(super) struct AsOf {
    as_of: Option<String>,
}

pub(super) async fn api_lookup(
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
pub(super) struct TinQuery {
    tin: Option<String>,
}

pub(super) async fn api_search_by_tin(
    State(site): State<Arc<Site>>,
    Query(q): Query<TinQuery>,
) -> Response {
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

pub(super) async fn api_statement(
    State(site): State<Arc<Site>>,
    JsonBody(input): JsonBody<StatementIn>,
) -> Response {
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
pub(super) fn bulk_item(item: Value) -> Result<BulkCheck, Status> {
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
        let l: LookupIn = serde_json::from_value(lookup)
            .map_err(|e| invalid(format!("lookup: {}", json_error(&e))))?;
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
        let s: StatementIn = serde_json::from_value(statement)
            .map_err(|e| invalid(format!("statement: {}", json_error(&e))))?;
        return Ok(BulkCheck {
            check: Some(bulk_check::Check::Statement(s.into_request()?)),
        });
    }
    Err(invalid(
        "must have exactly one of \"lookup\" and \"statement\"".into(),
    ))
}

#[derive(Debug, Deserialize)]
pub(super) struct ChecksIn {
    items: Vec<Value>,
}

impl BodyShape for ChecksIn {
    const EXPECTED: &'static str = "expected {\"items\": [...]}";
}

pub(super) async fn api_checks(
    State(site): State<Arc<Site>>,
    JsonBody(input): JsonBody<ChecksIn>,
) -> Response {
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
                Err(s) => json!({ "error": error_json(&crate::grpc::statements::bulk_error(s)) }),
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
            serde_json::from_str(include_str!("../../web/messages.json")).unwrap_or_default();
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

    #[test]
    fn a_bad_item_is_described_in_bounded_escaped_text() {
        // Found by fuzzing: serde named the unknown key whole and as sent.
        let key = format!("\u{202E}{}", "k".repeat(100_000));
        let mut lookup = serde_json::Map::new();
        lookup.insert(key, json!(1));
        let status = bulk_item(json!({ "lookup": lookup })).err();
        let message = status.as_ref().map(|s| s.message()).unwrap_or_default();
        assert!(
            message.starts_with("item: lookup: unknown field `\\u{202e}kkk"),
            "{message}"
        );
        assert!(message.len() < 400, "{} bytes", message.len());
        assert!(!message.contains('\u{202E}'));
    }
}
