//! The control API under `/v1/emulator`: not part of Meta's API. Lets a test emit notifications,
//! inspect every callback with its attempts, redeliver given-up callbacks and reset.

use super::auth::state;
use super::{ok, ok_empty, Admin, Json};
use crate::delivery::{CallbackKind, CallbackState, NewCallback};
use crate::domain::inbound::InboundRequest;
use crate::domain::messaging::SentMessage;
use crate::simulator::rules::Rule;
use crate::wa::time::now_ms;
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

/// `POST /v1/emulator/inbound`: a customer sends a message; the webhook follows.
pub async fn inbound(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<InboundRequest>,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let wa_id = st.settings.current().wa_id.clone();
    let (id, callback) = st.messaging.receive(body, &wa_id).await?;
    Ok(ok(
        json!({ "messages": [{ "id": id }], "callbacks": [{ "id": callback }] }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForcedStatus {
    status: String,
    #[serde(default)]
    code: Option<u32>,
}

/// `POST /v1/emulator/messages/{id}/status`: force delivered, read, failed (with a code) or deleted.
pub async fn force_status(
    req: HttpRequest,
    _a: Admin,
    id: web::Path<String>,
    Json(body): Json<ForcedStatus>,
) -> Result<HttpResponse, ApiError> {
    let callback = state(&req)?
        .messaging
        .force_status(&id, &body.status, body.code)
        .await?;
    Ok(ok(json!({ "callbacks": [{ "id": callback }] })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageQuery {
    to: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    since_ms: Option<u64>,
    until_ms: Option<u64>,
    limit: Option<usize>,
}

fn sent_json(m: &SentMessage, now: u64) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    v["status"] = json!(m.status_at(now));
    v
}

/// `GET /v1/emulator/messages`: what the app sent, with each message's current status.
pub async fn list_messages(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<MessageQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid("query", e))?;
    let list = state(&req)?.messaging.list_sent(
        q.to.as_deref(),
        q.kind.as_deref(),
        q.since_ms.unwrap_or(0),
        q.until_ms.unwrap_or(u64::MAX),
        q.limit.unwrap_or(1000),
    )?;
    let now = now_ms();
    Ok(ok(
        json!({ "messages": list.iter().map(|m| sent_json(m, now)).collect::<Vec<_>>() }),
    ))
}

pub async fn get_message(
    req: HttpRequest,
    _a: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let m = state(&req)?
        .messaging
        .sent(&id)?
        .ok_or_else(|| ApiError::not_found(format!("No outbound message {}", id.as_str())))?;
    Ok(ok(json!({ "messages": [sent_json(&m, now_ms())] })))
}

/// `GET /v1/emulator/inbound`: the injected customer messages (with `read_ms` once marked read).
pub async fn list_inbound(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<CallbackQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid("query", e))?;
    Ok(ok(
        json!({ "messages": state(&req)?.messaging.list_inbound(q.limit.unwrap_or(1000))? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesBody {
    rules: Vec<Rule>,
}

pub async fn get_rules(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    Ok(ok(json!({ "rules": state(&req)?.messaging.rules() })))
}

/// `PUT /v1/emulator/rules`: replaces the recipient rules (first match wins).
pub async fn put_rules(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<RulesBody>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.messaging.set_rules(body.rules)?;
    Ok(ok_empty())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    #[serde(default)]
    settings: bool,
    #[serde(default)]
    users: bool,
    #[serde(default)]
    certificates: bool,
}

/// `POST /v1/emulator/reset`: wipes messages, media, callbacks, conversations and rule changes;
/// with `{"settings":true}`, `{"users":true}`, `{"certificates":true}` those too.
pub async fn reset(
    req: HttpRequest,
    _a: Admin,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let opts: ResetBody = super::body::json_body(&req, payload, Some(ResetBody::default())).await?;
    st.delivery.reset()?;
    st.messaging.reset()?;
    st.messaging.media.reset()?;
    if opts.settings {
        st.settings.reset()?;
    }
    if opts.users {
        st.accounts.reset()?;
    }
    if opts.certificates {
        st.webhook_ca.delete()?;
    }
    st.store.flush()?;
    Ok(ok_empty())
}

/// `GET /v1/emulator/events`: server-sent events of what the emulator receives and delivers.
pub async fn events(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let mut answer = HttpResponse::Ok();
    answer
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"));
    if req.method() == actix_web::http::Method::HEAD {
        // HEAD has no body: an endless stream would keep the connection busy forever.
        return Ok(answer.finish());
    }
    let rx = state(&req)?.events.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let item = tokio::select! {
            r = rx.recv() => match r {
                Ok(event) => format!("data: {event}\n\n"),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => format!("event: lagged\ndata: {{\"missed\":{n}}}\n\n"),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            },
            _ = tokio::time::sleep(std::time::Duration::from_secs(15)) => ": keep-alive\n\n".to_string(),
        };
        Some((Ok::<_, actix_web::Error>(web::Bytes::from(item)), rx))
    });
    Ok(answer.streaming(Box::pin(stream)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    store: bool,
}

/// `PUT /v1/emulator/faults` `{"store": true}`: the emulator's disk "fails": every write that must
/// be durable answers 1023 until `{"store": false}`. Acknowledged data is kept.
pub async fn set_faults(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<Faults>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.store.set_fault(body.store);
    Ok(ok(json!({ "faults": { "store": body.store } })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatesBody {
    templates: Vec<crate::wa::templates::Template>,
}

pub async fn get_templates(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    Ok(ok(
        json!({ "templates": state(&req)?.messaging.templates() }),
    ))
}

/// `PUT /v1/emulator/templates`: once any template is registered, sends of unknown templates
/// answer 2001 and parameter counts are checked (2000).
pub async fn put_templates(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<TemplatesBody>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.messaging.set_templates(body.templates)?;
    Ok(ok_empty())
}
