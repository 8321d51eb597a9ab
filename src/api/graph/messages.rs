//! `POST /{version}/{phone-number-id}/messages`: sends, mark-as-read and the typing indicator.

use super::{app, authorize, version, GraphFailure, GraphResult};
use crate::api::body::read_body;
use crate::graph::GraphError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::value::RawValue;
use serde_json::Value;

pub async fn send(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    let v = version(&req)?;
    let st = app(&req)?;
    let phone_number_id = req
        .match_info()
        .get("phone_number_id")
        .unwrap_or("")
        .to_string();
    st.cloud.check_number(&phone_number_id)?;
    let bytes = read_body(&req, payload, st.config.max_json_bytes).await?;
    let raw: Box<RawValue> = serde_json::from_slice(&bytes).map_err(|e| {
        GraphFailure(GraphError::invalid(format!(
            "The request body is not valid JSON: {e}"
        )))
    })?;
    let body: Value = serde_json::from_str(raw.get()).map_err(|e| {
        GraphFailure(GraphError::invalid(format!(
            "The request body is not valid JSON: {e}"
        )))
    })?;
    let answer = st
        .cloud
        .send(&st.messaging, &phone_number_id, v, raw, body)
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}
