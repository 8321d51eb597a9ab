//! Business phone numbers: `GET /{waba-id}/phone_numbers`, `GET /{phone-number-id}` (default
//! fields `id, display_phone_number, verified_name, quality_rating`, others by `fields=`),
//! `POST /{phone-number-id}` (two-step PIN, display name request), `register`, `deregister`,
//! `request_code` and `verify_code`. The numbers are those of the Cloud configuration.

use super::params::{page_link, Params};
use super::{app, authorize, version, GraphFailure, GraphResult};
use crate::domain::cloud::config::{CloudConfig, CloudNumber};
use crate::domain::cloud::numbers::{NumberState, Register};
use crate::graph::fields::{Field, Fields};
use crate::graph::paging::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::graph::GraphError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

const DEFAULT_FIELDS: [&str; 4] = [
    "id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
];

/// Regions `data_localization_region` takes (Meta's local storage list).
const REGIONS: [&str; 14] = [
    "AU", "ID", "IN", "JP", "SG", "KR", "DE", "CH", "GB", "BR", "BH", "ZA", "AE", "CA",
];

/// `+1 631-555-5555` for North American numbers, `+<digits>` otherwise.
fn display(digits: &str) -> String {
    match (digits.len(), digits.strip_prefix('1')) {
        (11, Some(r)) => format!("+1 {}-{}-{}", &r[..3], &r[3..6], &r[6..]),
        _ => format!("+{digits}"),
    }
}

/// The value of one field of a number; None for a field Graph knows but leaves out here.
fn field(
    f: &Field,
    n: &CloudNumber,
    s: &NumberState,
    c: &CloudConfig,
) -> Result<Option<Value>, GraphFailure> {
    let registered = s.registered();
    let test_number = n.allowed_recipients.is_some();
    let v = match f.name.as_str() {
        "id" => json!(n.phone_number_id),
        "display_phone_number" => json!(display(&n.display_phone_number)),
        "verified_name" => json!(n.verified_name),
        "quality_rating" => json!("GREEN"),
        "quality_score" => json!({ "score": "GREEN" }),
        "status" => json!(if registered {
            "CONNECTED"
        } else {
            "DISCONNECTED"
        }),
        "code_verification_status" => json!("VERIFIED"),
        "name_status" => json!("APPROVED"),
        "new_name_status" => json!(if s.new_display_name.is_some() {
            "PENDING_REVIEW"
        } else {
            "NONE"
        }),
        "platform_type" => json!(if registered {
            "CLOUD_API"
        } else {
            "NOT_APPLICABLE"
        }),
        "throughput" => json!({ "level": if n.throughput_mps > 80 { "HIGH" } else { "STANDARD" } }),
        "messaging_limit_tier" | "whatsapp_business_manager_messaging_limit" => json!("TIER_1K"),
        "account_mode" => json!(if test_number { "SANDBOX" } else { "LIVE" }),
        "is_official_business_account" | "is_on_biz_app" | "is_preverified_number" => json!(false),
        "is_pin_enabled" => json!(s.pin.is_some()),
        "search_visibility" => json!("VISIBLE"),
        "health_status" => {
            let can = if registered { "AVAILABLE" } else { "BLOCKED" };
            json!({ "can_send_message": can, "entities": [
                { "entity_type": "PHONE_NUMBER", "id": n.phone_number_id, "can_send_message": can }
            ]})
        }
        "last_onboarded_time" => match s.registered_ms {
            Some(ms) => json!(graph_time(ms)),
            None => return Ok(None),
        },
        "webhook_configuration" => match &c.webhook.url {
            Some(url) => json!({ "application": url }),
            None => return Ok(None),
        },
        "data_localization_region" => match &s.data_localization_region {
            Some(r) => json!(r),
            None => return Ok(None),
        },
        "new_display_name" => match &s.new_display_name {
            Some(d) => json!(d),
            None => return Ok(None),
        },
        "whatsapp_business_profile" => {
            let names: Vec<String> = f.nested.iter().map(|x| x.name.clone()).collect();
            s.profile
                .to_json((!names.is_empty()).then_some(names.as_slice()))
        }
        // Known to Graph, not kept by the emulator: left out, as Graph leaves out unset fields.
        "certificate"
        | "new_certificate"
        | "conversational_automation"
        | "eligibility_for_api_business_global_search"
        | "country_code"
        | "country_dial_code"
        | "messaging_limit"
        | "username" => return Ok(None),
        other => {
            return Err(GraphError::nonexisting_field(other, "WhatsAppBusinessPhoneNumber").into())
        }
    };
    Ok(Some(if f.name == "whatsapp_business_profile" {
        v // the profile does its own selection
    } else {
        f.nested.select(&v)
    }))
}

/// Graph's datetime format: `2026-12-02T12:53:11+0000`.
fn graph_time(ms: u64) -> String {
    // `YYYY-MM-DD hh:mm:ss+00:00` -> `YYYY-MM-DDThh:mm:ss+0000`
    crate::wa::time::format_utc(ms / 1000)
        .replacen(' ', "T", 1)
        .replace("+00:00", "+0000")
}

/// A number as Graph answers it, with the default fields or those asked for (`id` always).
fn number_json(
    n: &CloudNumber,
    s: &NumberState,
    c: &CloudConfig,
    fields: &Option<Fields>,
) -> Result<Value, GraphFailure> {
    let defaults: Fields;
    let list = match fields {
        Some(f) => f,
        None => {
            defaults = Fields(DEFAULT_FIELDS.iter().map(|n| Field::named(n)).collect());
            &defaults
        }
    };
    let mut o = Map::new();
    for f in list {
        if let Some(v) = field(f, n, s, c)? {
            o.insert(f.name.clone(), v);
        }
    }
    o.insert("id".into(), json!(n.phone_number_id));
    Ok(Value::Object(o))
}

/// `GET /{waba-id}/phone_numbers`: the WABA's numbers in configuration order, paged.
pub async fn list(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let st = app(&req)?;
    let waba_id = req.match_info().get("waba_id").unwrap_or("");
    let p = Params::query(&req);
    let config = st.cloud.config();
    let numbers: Vec<&CloudNumber> = config
        .numbers
        .iter()
        .filter(|n| n.waba_id == waba_id)
        .collect();
    if numbers.is_empty() {
        return Err(GraphError::unknown_object("GET", waba_id).into());
    }
    let fields = p.fields()?;
    let page = p.page_within(DEFAULT_LIMIT, MAX_LIMIT)?;
    // Cursor keys keep configuration order: the position, zero-padded.
    let numbered = numbers.into_iter().enumerate().collect();
    let (numbers, paging) = page.cut(numbered, |(i, _)| format!("{i:06}"), page_link(&req));
    let mut data = vec![];
    for (_, n) in numbers {
        let s = st.cloud.number_state(&n.phone_number_id)?;
        data.push(number_json(n, &s, &config, &fields)?);
    }
    let mut answer = json!({ "data": data });
    if let Some(p) = paging {
        answer["paging"] = p;
    }
    Ok(HttpResponse::Ok().json(answer))
}

/// The configured number a path names (`{phone_number_id}`, or `{id}` through the objects
/// dispatch), or Graph's unknown-object answer.
fn number(req: &HttpRequest, method: &str) -> Result<(CloudNumber, String), GraphFailure> {
    let id = req
        .match_info()
        .get("phone_number_id")
        .or_else(|| req.match_info().get("id"))
        .unwrap_or("")
        .to_string();
    let config = app(req)?.cloud.config();
    match config.number(&id) {
        Some(n) => Ok((n.clone(), id)),
        None => Err(GraphError::unknown_object(method, &id).into()),
    }
}

/// The id of the configured number a path names, or Graph's unknown-object answer.
pub(super) fn number_id(req: &HttpRequest, method: &str) -> Result<String, GraphFailure> {
    number(req, method).map(|(_, id)| id)
}

/// `GET /{phone-number-id}`.
pub async fn get(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let st = app(&req)?;
    let (n, id) = number(&req, "GET")?;
    let fields = Params::query(&req).fields()?;
    let s = st.cloud.number_state(&id)?;
    let answer = number_json(&n, &s, &st.cloud.config(), &fields)?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The start of a number's POST edges: the caller authorized, the version and the number
/// known, the parameters read and limited to `known`.
pub(super) async fn post_params(
    req: &HttpRequest,
    payload: web::Payload,
    known: &[&str],
) -> Result<(String, Params), GraphFailure> {
    authorize(req)?;
    version(req)?;
    let id = number_id(req, "POST")?;
    let p = Params::read(req, payload).await?;
    p.only(known)?;
    Ok((id, p))
}

/// A 6-digit PIN, as Meta requires it.
fn pin(p: &Params) -> Result<String, GraphFailure> {
    let pin = p.required("pin")?;
    if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GraphError::graph_param(
            "Param pin must be 6 characters long and contain only digits",
        )
        .into());
    }
    Ok(pin)
}

/// `POST /{phone-number-id}`: `pin` sets the two-step verification PIN; `new_display_name`
/// requests a new display name (under review: `new_name_status` PENDING_REVIEW).
pub async fn update(req: HttpRequest, payload: web::Payload) -> GraphResult {
    let (id, p) = post_params(
        &req,
        payload,
        &["pin", "new_display_name", "messaging_product"],
    )
    .await?;
    let st = app(&req)?;
    p.optional_messaging_product()?;
    let pin = p.contains("pin").then(|| pin(&p)).transpose()?;
    let name = match p.text("new_display_name")? {
        Some(n) if n.trim().is_empty() || n.chars().count() > 512 => {
            return Err(GraphError::graph_param(
                "Param new_display_name must be 1 to 512 characters",
            )
            .into())
        }
        other => other,
    };
    if pin.is_none() && name.is_none() {
        return Err(GraphError::graph_param("The parameter pin is required").into());
    }
    if let Some(pin) = pin {
        st.cloud.set_pin(&id, pin).await?;
    }
    if let Some(name) = name {
        st.cloud.request_display_name(&id, name).await?;
    }
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// `POST /{phone-number-id}/register {messaging_product, pin, data_localization_region?}`.
pub async fn register(req: HttpRequest, payload: web::Payload) -> GraphResult {
    let (id, p) = post_params(
        &req,
        payload,
        &["messaging_product", "pin", "data_localization_region"],
    )
    .await?;
    let st = app(&req)?;
    p.messaging_product()?;
    let pin = pin(&p)?;
    let region = match p.text("data_localization_region")? {
        None => None,
        Some(r) if REGIONS.contains(&r.as_str()) => Some(r),
        Some(_) => {
            return Err(GraphError::graph_param(format!(
                "Param data_localization_region must be one of {}",
                REGIONS.join(", ")
            ))
            .into())
        }
    };
    st.cloud
        .register(
            &id,
            Register {
                pin,
                data_localization_region: region,
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// `POST /{phone-number-id}/deregister` (no body).
pub async fn deregister(req: HttpRequest, payload: web::Payload) -> GraphResult {
    let (id, p) = post_params(&req, payload, &["messaging_product"]).await?;
    let st = app(&req)?;
    p.optional_messaging_product()?;
    st.cloud.deregister(&id).await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// `POST /{phone-number-id}/request_code {code_method: SMS|VOICE, language}`.
pub async fn request_code(req: HttpRequest, payload: web::Payload) -> GraphResult {
    let (id, p) = post_params(
        &req,
        payload,
        &["code_method", "language", "messaging_product"],
    )
    .await?;
    let st = app(&req)?;
    p.optional_messaging_product()?;
    let method = p.required("code_method")?;
    if method != "SMS" && method != "VOICE" {
        return Err(
            GraphError::graph_param("Param code_method must be one of {SMS, VOICE}").into(),
        );
    }
    let language = p.required("language")?;
    let ok = |s: &str| {
        let (l, r) = s.split_once('_').unwrap_or((s, "AA"));
        (2..=3).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_lowercase())
            && (2..=4).contains(&r.len())
            && r.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    if !ok(&language) {
        return Err(GraphError::graph_param(
            "Param language must be a language code such as en or en_US",
        )
        .into());
    }
    st.cloud.request_code(&id, method, language).await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// `POST /{phone-number-id}/verify_code {code}`.
pub async fn verify_code(req: HttpRequest, payload: web::Payload) -> GraphResult {
    let (id, p) = post_params(&req, payload, &["code", "messaging_product"]).await?;
    let st = app(&req)?;
    p.optional_messaging_product()?;
    let code = p.required("code")?;
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GraphError::graph_param("Param code must be a number").into());
    }
    st.cloud.verify_code(&id, &code).await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true, "id": id })))
}
