//! `GET /v1/health` in the single-instance shape.

use super::ok;
use crate::wa::ApiError;
use actix_web::HttpResponse;
use serde_json::json;

/// No auth needed, so container health checks can call it; the gateway is always connected.
pub async fn get() -> Result<HttpResponse, ApiError> {
    Ok(ok(json!({ "health": { "gateway_status": "connected" } })))
}
