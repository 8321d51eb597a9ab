//! `/v1/settings/application`: read, partial update, reset to defaults (admin only).

use super::auth::state;
use super::{ok, ok_empty, Admin, Json};
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

pub async fn get(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let current = state(&req)?.settings.current();
    Ok(ok(json!({ "settings": { "application": &*current } })))
}

pub async fn patch(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.settings.patch(&body).await?;
    Ok(ok_empty())
}

pub async fn reset(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    state(&req)?.settings.reset().await?;
    Ok(ok_empty())
}
