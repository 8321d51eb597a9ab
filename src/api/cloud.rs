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
    let cloud = &state(&req)?.cloud;
    Ok(ok(json!({
        "cloud": cloud.config().to_json(),
        "phone_numbers": phone_numbers(cloud)?,
    })))
}

/// What each number's Graph calls changed: registration, two-step PIN, the last requested
/// verification code (as the SMS or call would bring it), the display name under review, blocks.
fn phone_numbers(cloud: &crate::domain::cloud::Cloud) -> Result<Vec<serde_json::Value>, ApiError> {
    let internal = |e: crate::graph::GraphError| ApiError::internal(e);
    let mut out = vec![];
    for n in &cloud.config().numbers {
        let id = &n.phone_number_id;
        let s = cloud.number_state(id).map_err(internal)?;
        let blocked: Vec<_> = cloud
            .blocked_users(id)
            .map_err(internal)?
            .into_iter()
            .map(|b| b.wa_id)
            .collect();
        out.push(json!({
            "phone_number_id": id,
            "registered": s.registered(),
            "two_step_pin": s.pin,
            "verification_code": s.verification.map(|v| json!({
                "code": v.code, "code_method": v.code_method, "language": v.language,
                "requested_at": v.requested_ms / 1000,
            })),
            "new_display_name": s.new_display_name,
            "blocked_users": blocked,
        }));
    }
    Ok(out)
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
    let Some((id, callback)) = st.cloud.inbound(&st.messaging, body).await? else {
        // The number blocked the sender: Meta drops the message.
        return Ok(ok(
            json!({ "messages": [], "callbacks": [], "dropped": "blocked" }),
        ));
    };
    let callbacks: Vec<_> = callback.into_iter().map(|id| json!({ "id": id })).collect();
    Ok(ok(
        json!({ "messages": [{ "id": id }], "callbacks": callbacks }),
    ))
}
