//! The control API under `/v1/emulator`: not part of Meta's API. Lets a test emit notifications,
//! inspect every callback with its attempts, redeliver given-up callbacks and reset.

use super::auth::state;
use super::{ok, Admin, Json};
use crate::delivery::{CallbackKind, CallbackState, NewCallback};
use crate::wa::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorItem {
    code: u32,
    title: String,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    href: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorsBody {
    errors: Vec<ErrorItem>,
}

/// `POST /v1/emulator/errors`: an out-of-band `{"errors":[...]}` notification.
pub async fn emit_errors(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<ErrorsBody>,
) -> Result<HttpResponse, ApiError> {
    if body.errors.is_empty() {
        return Err(ApiError::invalid("errors", "must hold at least one error"));
    }
    let errors: Vec<Value> = body
        .errors
        .into_iter()
        .map(|e| {
            let mut v = json!({ "code": e.code, "title": e.title });
            if let Some(d) = e.details {
                v["details"] = d.into();
            }
            if let Some(h) = e.href {
                v["href"] = h.into();
            }
            v
        })
        .collect();
    let ids = state(&req)?
        .delivery
        .enqueue(vec![NewCallback {
            kind: CallbackKind::Error,
            body: json!({ "errors": errors }),
            due_ms: 0,
            order_key: None,
        }])
        .await?;
    Ok(ok(
        json!({ "callbacks": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackQuery {
    state: Option<CallbackState>,
    limit: Option<usize>,
}

/// `GET /v1/emulator/callbacks?state=pending|delivered|given_up&limit=N`: newest last.
pub async fn list_callbacks(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<CallbackQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid("query", e))?
        .into_inner();
    let st = state(&req)?;
    let list = st.delivery.list(q.state, q.limit.unwrap_or(1000))?;
    Ok(ok(
        json!({ "callbacks": list, "pending": st.delivery.pending() }),
    ))
}

fn callback_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::invalid("id", "a callback id is a number"))
}

pub async fn get_callback(
    req: HttpRequest,
    _a: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let cb = state(&req)?
        .delivery
        .get(callback_id(&id)?)?
        .ok_or_else(|| ApiError::not_found(format!("No callback {}", id.as_str())))?;
    Ok(ok(json!({ "callbacks": [cb] })))
}

/// `POST /v1/emulator/callbacks/{id}/redeliver`: a given-up callback goes back in the queue.
pub async fn redeliver(
    req: HttpRequest,
    _a: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = callback_id(&id)?;
    if !state(&req)?.delivery.redeliver(id)? {
        return Err(ApiError::not_found(format!("No given-up callback {id}")));
    }
    Ok(ok(json!({ "callbacks": [{ "id": id }] })))
}

/// `POST /v1/emulator/callbacks/redeliver`: every given-up callback goes back in the queue.
pub async fn redeliver_all(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let d = &state(&req)?.delivery;
    let mut ids = Vec::new();
    for cb in d.list(Some(CallbackState::GivenUp), usize::MAX)? {
        if d.redeliver(cb.id)? {
            ids.push(json!({ "id": cb.id }));
        }
    }
    Ok(ok(json!({ "callbacks": ids })))
}
