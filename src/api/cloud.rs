//! The Cloud API's control routes: `GET/PUT /v1/emulator/cloud` (secret, tokens, numbers,
//! webhook, with the subscription handshake) and `POST /v1/emulator/cloud/inbound`.

use super::auth::state;
use super::{ok, Admin, Json};
use crate::domain::cloud::config::CloudPatch;
use crate::domain::inbound::InboundRequest;
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

pub async fn get(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    Ok(ok(
        json!({ "cloud": state(&req)?.cloud.config().to_json() }),
    ))
}

pub async fn put(
    req: HttpRequest,
    _a: Admin,
    Json(patch): Json<CloudPatch>,
) -> Result<HttpResponse, ApiError> {
    let config = state(&req)?.cloud.put_config(patch).await?;
    Ok(ok(json!({ "cloud": config.to_json() })))
}

pub async fn inbound(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<InboundRequest>,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let (id, callback) = st.cloud.inbound(&st.messaging, body).await?;
    let callbacks: Vec<_> = callback.into_iter().map(|id| json!({ "id": id })).collect();
    Ok(ok(
        json!({ "messages": [{ "id": id }], "callbacks": callbacks }),
    ))
}
