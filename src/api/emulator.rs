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
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorItem {
    #[serde(deserialize_with = "crate::wa::integer::integral")]
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
    source: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/emulator/callbacks?state=pending|delivered|given_up&source=onprem|cloud|...&limit=N`:
/// newest last.
pub async fn list_callbacks(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<CallbackQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid("query", e))?
        .into_inner();
    let st = state(&req)?;
    let list = st
        .delivery
        .list(q.state, q.source.as_deref(), q.limit.unwrap_or(1000))?;
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
    if state(&req)?.delivery.redeliver(&[id]).await?.is_empty() {
        return Err(ApiError::not_found(format!("No given-up callback {id}")));
    }
    Ok(ok(json!({ "callbacks": [{ "id": id }] })))
}

/// `POST /v1/emulator/callbacks/redeliver`: every given-up callback goes back in the queue.
pub async fn redeliver_all(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let d = &state(&req)?.delivery;
    let ids = d.redeliver(&d.given_up_ids()?).await?;
    Ok(ok(
        json!({ "callbacks": ids.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>() }),
    ))
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
    #[serde(default, deserialize_with = "crate::wa::integer::opt_integral")]
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
    let callbacks: Vec<Value> = callback.iter().map(|id| json!({ "id": id })).collect();
    Ok(ok(json!({ "callbacks": callbacks })))
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

/// A sent message as the control API shows it: the record, with `request` exactly as sent,
/// and its current `status`.
#[derive(Serialize)]
struct SentView<'a> {
    #[serde(flatten)]
    message: &'a SentMessage,
    status: &'a str,
}

/// 200 with `{"messages":[...]}`, serialized directly so each `request` keeps its exact text.
fn sent_answer(list: &[SentMessage]) -> Result<HttpResponse, ApiError> {
    let now = now_ms();
    #[derive(Serialize)]
    struct Answer<'a> {
        messages: Vec<SentView<'a>>,
        meta: Value,
    }
    let answer = Answer {
        messages: list
            .iter()
            .map(|m| SentView {
                message: m,
                status: m.status_at(now),
            })
            .collect(),
        meta: crate::wa::meta(),
    };
    let body = serde_json::to_vec(&answer).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
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
    sent_answer(&list)
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
    sent_answer(std::slice::from_ref(&m))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitQuery {
    limit: Option<usize>,
}

/// `GET /v1/emulator/inbound`: the injected customer messages (with `read_ms` once marked read).
pub async fn list_inbound(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<LimitQuery>::from_query(req.query_string())
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
    state(&req)?.messaging.set_rules(body.rules).await?;
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
    #[serde(default)]
    account: bool,
}

/// `POST /v1/emulator/reset`: wipes messages, media, callbacks, conversations, rule changes and
/// the SMS gateways' configurations and outbound messages;
/// with `{"settings":true}` (also profile and business profile), `{"users":true}`,
/// `{"certificates":true}` (also an uploaded listener certificate), `{"account":true}`
/// (registration back to the startup state, two-step off) those too.
pub async fn reset(
    req: HttpRequest,
    _a: Admin,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let opts: ResetBody = super::body::json_body(&req, payload, Some(ResetBody::default())).await?;
    st.messaging.reset().await?;
    st.cloud.reset().await?;
    st.delivery.reset().await?;
    st.messaging.media.reset().await?;
    st.gateways.reset().await?;
    if opts.settings {
        st.settings.reset().await?;
        st.profile.reset().await?;
    }
    if opts.account {
        st.registration.reset().await?;
    }
    if opts.users {
        st.accounts.reset().await?;
    }
    if opts.certificates {
        st.webhook_ca.delete().await?;
        st.external_cert.reset().await?;
    }
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
    #[serde(default)]
    mode: StoreFault,
}

/// How the simulated disk fails.
#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum StoreFault {
    /// Writes are refused before anything is written.
    #[default]
    RefuseWrites,
    /// Writes reach the database and the flush fails: the write is undone.
    FailFlush,
}

/// `PUT /v1/emulator/faults` `{"store": true, "mode"?: "refuse_writes" | "fail_flush"}`: the
/// emulator's disk "fails": every write that must be durable answers 1023 and leaves the store as
/// it was, until `{"store": false}`. Acknowledged data is kept.
pub async fn set_faults(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<Faults>,
) -> Result<HttpResponse, ApiError> {
    let store = &state(&req)?.store;
    match body.mode {
        StoreFault::RefuseWrites => store.set_fault(body.store),
        StoreFault::FailFlush => store.set_flush_fault(body.store),
    }
    let mode = match (body.store, body.mode) {
        (false, _) => Value::Null,
        (true, StoreFault::RefuseWrites) => json!("refuse_writes"),
        (true, StoreFault::FailFlush) => json!("fail_flush"),
    };
    Ok(ok(
        json!({ "faults": { "store": body.store, "mode": mode } }),
    ))
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
    state(&req)?.messaging.set_templates(body.templates).await?;
    Ok(ok_empty())
}
