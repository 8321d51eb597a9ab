//! `/v1/settings/application/media/providers` (admin): the `media.providers` list of the
//! application settings, read, added to (by name) and deleted from.

use super::auth::state;
use super::{ok, ok_empty, Admin, Json};
use crate::domain::providers::{parse_list, upserted};
use crate::store::Batch;
use crate::wa::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

pub async fn list(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let providers = state(&req)?.settings.current().media.providers.clone();
    Ok(ok(
        json!({ "settings": { "application": { "media": { "providers": providers } } } }),
    ))
}

/// Adds the providers of the body (an array); one with a known name replaces it.
pub async fn add(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let added = parse_list("providers", &body)?;
    let settings = &state(&req)?.settings;
    let mut next = (*settings.current()).clone();
    next.media.providers = upserted(&next.media.providers, added);
    settings.replace_with(next, Batch::default()).await?;
    Ok(ok_empty())
}

pub async fn delete(
    req: HttpRequest,
    _admin: Admin,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let settings = &state(&req)?.settings;
    let mut next = (*settings.current()).clone();
    let before = next.media.providers.len();
    next.media.providers.retain(|p| p.name != *name);
    if next.media.providers.len() == before {
        return Err(ApiError::not_found(format!(
            "No media provider named '{}'",
            super::echo(&name)
        )));
    }
    settings.replace_with(next, Batch::default()).await?;
    Ok(ok_empty())
}
