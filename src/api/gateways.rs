//! `/v1/emulator/gateways/{gateway}`: the SMS gateway personalities (zender, smsgateway24,
//! raspisms): their configuration, events fired now, and outbound SMS with status webhooks.

use super::auth::state;
use super::{ok, ok_empty, Admin, Json};
use crate::domain::gateways::config::Gateway;
use crate::domain::gateways::events::EventRequest;
use crate::domain::gateways::OutboundRequest;
use crate::wa::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

fn gateway(name: &str) -> Result<Gateway, ApiError> {
    Gateway::parse(name)
}

/// `PUT`: replaces the gateway's identity and webhooks; answers them with generated values.
pub async fn put(
    req: HttpRequest,
    _a: Admin,
    name: web::Path<String>,
    Json(mut body): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let g = gateway(&name)?;
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

pub async fn get(
    req: HttpRequest,
    _a: Admin,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = state(&req)?.gateways.get(gateway(&name)?)?;
    Ok(ok(json!({ "gateways": [c] })))
}

pub async fn delete(
    req: HttpRequest,
    _a: Admin,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.gateways.delete(gateway(&name)?).await?;
    Ok(ok_empty())
}

/// `POST .../events`: one event now, to every webhook subscribed to it.
pub async fn event(
    req: HttpRequest,
    _a: Admin,
    name: web::Path<String>,
    Json(body): Json<EventRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = state(&req)?.gateways.event(gateway(&name)?, body).await?;
    Ok(ok(json!({ "callbacks": created })))
}

/// `POST .../messages`: an outbound SMS; its status webhooks follow over time.
pub async fn send(
    req: HttpRequest,
    _a: Admin,
    name: web::Path<String>,
    Json(body): Json<OutboundRequest>,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let g = gateway(&name)?;
    let m = st.gateways.send(g, body, &st.messaging.rules()).await?;
    Ok(ok(json!({ "messages": [m] })))
}
