//! `/v1/emulator/gateways/{zender,smsgateway24,raspisms}`: the SMS gateway personalities: their
//! configuration, events fired now, and outbound SMS with status webhooks over time. One literal
//! path per gateway (each takes its own bodies); the handlers are generic over the gateway.

use super::auth::state;
use super::{ok, ok_empty, Admin, Json};
use crate::domain::gateways::config::Gateway;
use crate::domain::gateways::events::EventRequest;
use crate::domain::gateways::OutboundRequest;
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// A gateway as a type, so each literal path gets its own handler instance.
pub trait Named {
    const GATEWAY: Gateway;
}
pub struct Zender;
pub struct Smsgateway24;
pub struct Raspisms;
impl Named for Zender {
    const GATEWAY: Gateway = Gateway::Zender;
}
impl Named for Smsgateway24 {
    const GATEWAY: Gateway = Gateway::Smsgateway24;
}
impl Named for Raspisms {
    const GATEWAY: Gateway = Gateway::Raspisms;
}

/// `PUT`: replaces the gateway's identity and webhooks; answers them with generated values.
pub async fn put<G: Named>(
    req: HttpRequest,
    _a: Admin,
    Json(mut body): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let g = G::GATEWAY;
    let Some(obj) = body.as_object_mut() else {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    };
    // A configuration read with GET can be sent back as it is.
    if obj.get("gateway").and_then(Value::as_str) == Some(g.name()) {
        obj.remove("gateway");
    }
    let c = state(&req)?.gateways.put(g, body).await?;
    Ok(ok(json!({ "gateways": [c] })))
}

pub async fn get<G: Named>(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let c = state(&req)?.gateways.get(G::GATEWAY)?;
    Ok(ok(json!({ "gateways": [c] })))
}

pub async fn delete<G: Named>(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    state(&req)?.gateways.delete(G::GATEWAY).await?;
    Ok(ok_empty())
}

/// `POST .../events`: one event now, to every webhook subscribed to it.
pub async fn event<G: Named>(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<EventRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = state(&req)?.gateways.event(G::GATEWAY, body).await?;
    Ok(ok(json!({ "callbacks": created })))
}

/// `POST .../messages`: an outbound SMS; its status webhooks follow over time.
pub async fn send<G: Named>(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<OutboundRequest>,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let m = st
        .gateways
        .send(G::GATEWAY, body, &st.messaging.rules())
        .await?;
    Ok(ok(json!({ "messages": [m] })))
}

/// `GET .../messages`: what went through the gateway's own API (sent, received, scheduled),
/// newest first.
pub async fn messages<G: Named>(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let list = state(&req)?.gateways.listed(G::GATEWAY)?;
    Ok(ok(json!({ "messages": list })))
}
