//! `/v1/messages`: send any message type; mark an inbound message read.

use super::auth::state;
use super::{ok_empty, Bearer, Json};
use crate::wa::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub async fn send(
    req: HttpRequest,
    _who: Bearer,
    Json(body): Json<Box<RawValue>>,
) -> Result<HttpResponse, ApiError> {
    let parsed = super::parse_json(body.get().as_bytes())?;
    state(&req)?.registration.check_can_send()?;
    let id = state(&req)?.messaging.send(body, parsed).await?;
    Ok(HttpResponse::Created().json(Sent {
        messages: [SentId { id: &id }],
        meta: crate::wa::META,
    }))
}

/// The answer to a send, `{"messages":[{"id":...}],"meta":{...}}`: the bytes `created` would
/// write for it, without building a `Value` first.
#[derive(Serialize)]
struct Sent<'a> {
    messages: [SentId<'a>; 1],
    meta: crate::wa::Meta,
}

#[derive(Serialize)]
struct SentId<'a> {
    id: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusUpdate {
    status: String,
}

pub async fn mark_read(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
    Json(body): Json<StatusUpdate>,
) -> Result<HttpResponse, ApiError> {
    if body.status != "read" {
        return Err(ApiError::invalid(
            "status",
            format!("'{}' cannot be set; only \"read\"", body.status),
        ));
    }
    state(&req)?.messaging.mark_read(&id).await?;
    Ok(ok_empty())
}
