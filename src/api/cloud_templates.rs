//! The control API's template decisions (what Meta's review and quality systems do):
//! `POST /v1/emulator/cloud/templates/{id}/status` `{"status", "reason"?}`,
//! `.../quality` `{"quality_score"}` and `.../category` `{"category"}`. Each sends the webhook
//! Meta sends for it and answers the template as `GET /{version}/{template-id}` shows it.

use super::auth::state;
use super::{ok, Admin, Json};
use crate::domain::cloud::templates::{to_json, DECISIONS, QUALITY_SCORES, REASONS};
use crate::graph::GraphError;
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    status: String,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quality {
    quality_score: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    category: String,
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<String, ApiError> {
    let up = value.trim().to_ascii_uppercase();
    if allowed.contains(&up.as_str()) {
        Ok(up)
    } else {
        Err(ApiError::invalid(
            field,
            format!(
                "'{}' is not one of {}",
                super::echo(value),
                allowed.join(", ")
            ),
        ))
    }
}

fn template_id(req: &HttpRequest) -> Result<String, ApiError> {
    let id = req.match_info().get("id").unwrap_or("").to_string();
    match state(req)?.cloud.templates.get(&id) {
        Some(_) => Ok(id),
        None => Err(ApiError::not_found(format!(
            "No message template {} (ids come from POST /{{version}}/{{waba-id}}/message_templates or GET /v1/emulator/templates)",
            super::echo(&id)
        ))),
    }
}

/// A Graph failure of the desk (a store error) in the control API's envelope.
fn onprem(e: GraphError) -> ApiError {
    ApiError::new(1014, e.details)
}

pub async fn status(
    req: HttpRequest,
    _a: Admin,
    Json(d): Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    let id = template_id(&req)?;
    let status = one_of("status", &d.status, &DECISIONS)?;
    let reason = match &d.reason {
        Some(r) => Some(one_of("reason", r, &REASONS)?),
        None => None,
    };
    let t = state(&req)?
        .cloud
        .templates
        .decide(&id, &status, reason.as_deref())
        .await
        .map_err(onprem)?;
    Ok(ok(json!({ "template": to_json(&t) })))
}

pub async fn quality(
    req: HttpRequest,
    _a: Admin,
    Json(q): Json<Quality>,
) -> Result<HttpResponse, ApiError> {
    let id = template_id(&req)?;
    let score = one_of("quality_score", &q.quality_score, &QUALITY_SCORES)?;
    let t = state(&req)?
        .cloud
        .templates
        .rate(&id, &score)
        .await
        .map_err(onprem)?;
    Ok(ok(json!({ "template": to_json(&t) })))
}

pub async fn category(
    req: HttpRequest,
    _a: Admin,
    Json(c): Json<Category>,
) -> Result<HttpResponse, ApiError> {
    let id = template_id(&req)?;
    let category = one_of(
        "category",
        &c.category,
        &crate::graph::templates::CATEGORIES,
    )?;
    let t = state(&req)?
        .cloud
        .templates
        .recategorise(&id, &category)
        .await
        .map_err(onprem)?;
    Ok(ok(json!({ "template": to_json(&t) })))
}
