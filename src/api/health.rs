//! `GET /v1/health` in the single-instance shape.

use super::auth::state;
use super::ok;
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

/// No auth needed, so container health checks can call it. The gateway is `connected` once the
/// business number is registered, `unregistered` before (`--unregistered`, or a code pending).
pub async fn get(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let status = if state(&req)?.registration.state().is_registered() {
        "connected"
    } else {
        "unregistered"
    };
    Ok(ok(json!({ "health": { "gateway_status": status } })))
}
