//! The Cloud API personality: Graph sends, signed webhooks (verified as Meta documents), the
//! subscription handshake, several numbers, retries and a restart with pending Cloud callbacks.

use crate::helpers::*;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(20);
pub const VERIFY: &str = "verify-me";
pub const N1: &str = "106540352242922";
pub const N2: &str = "206540352242933";

/// An emulator with fast Cloud retries, a receiver that answers the handshake, and two numbers.
pub async fn cloud_app() -> (TestApp, TestReceiver, Value) {
    let app = spawn_with(|c| {
        c.cloud_webhook_retry_delays_ms = vec![40, 80];
        c.cloud_webhook_retry_horizon_ms = 60_000;
    })
    .await;
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    rx.set_verify_token(Some(VERIFY));
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({
                "app_secret": "s3cret",
                "verify_token": VERIFY,
                "access_tokens": ["tok-1", {"token": "tok-old", "expires_at": 1}],
                "numbers": [
                    {"phone_number_id": N1, "display_phone_number": "15550001111", "waba_id": "102290129340398"},
                    {"phone_number_id": N2, "display_phone_number": "15550002222", "waba_id": "102290129340399"}
                ],
                "webhook": {"url": rx.url}
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (app, rx, body["cloud"].clone())
}

/// An emulator process (in `dir`, with `args`) whose Cloud webhook is `rx`, its CA uploaded and
/// the verify token set; `extra` joins the configuration. Answers the configuration it took.
pub async fn cloud_process(
    dir: &std::path::Path,
    rx: &TestReceiver,
    args: &[&str],
    extra: Value,
) -> (EmulatorProcess, Value) {
    rx.set_verify_token(Some(VERIFY));
    let emu = EmulatorProcess::start(dir, args);
    assert_eq!(emu.api.upload_ca(&rx.ca_pem).await, 200);
    let mut body = json!({"verify_token": VERIFY, "webhook": {"url": rx.url}});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, answer) = emu
        .api
        .call(Method::PUT, "/v1/emulator/cloud", Some(body))
        .await;
    assert_eq!(status, 200, "{answer}");
    (emu, answer["cloud"].clone())
}

/// A Graph call with a bearer token; (status, JSON).
pub async fn graph(
    app: &Api,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("graph request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn send(app: &Api, number: &str, version: &str, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["messaging_product"] = json!("whatsapp");
    graph(
        app,
        Some("tok-1"),
        Method::POST,
        &format!("/{version}/{number}/messages"),
        Some(body),
    )
    .await
}

/// A customer message to a Cloud number (opens the 24 h window).
pub async fn inbound(app: &Api, number: &str, from: &str, text: &str) -> Value {
    let (status, body) = app
        .post("/v1/emulator/cloud/inbound", json!({"phone_number_id": number, "from": from, "type": "text", "text": {"body": text}}))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Checks `X-Hub-Signature-256` over the exact bytes, as Meta documents it.
pub fn signed(r: &Received, secret: &str) -> bool {
    let Some(header) = r.header("x-hub-signature-256") else {
        return false;
    };
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&r.raw);
    mac.verify_slice(&sig).is_ok()
}

/// The `value` of a Cloud webhook.
pub fn value(r: &Received) -> &Value {
    &r.body["entry"][0]["changes"][0]["value"]
}

pub fn statuses_of<'a>(got: &'a [Received], id: &str) -> Vec<&'a Value> {
    got.iter()
        .filter_map(|r| value(r)["statuses"].as_array())
        .flatten()
        .filter(|s| s["id"] == id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_generates_a_configuration_and_the_handshake_guards_the_webhook() {
    let app = spawn_emulator().await;
    let (status, body) = app.get("/v1/emulator/cloud").await;
    assert_eq!(status, 200, "{body}");
    let c = &body["cloud"];
    assert!(c["app_secret"].as_str().unwrap().len() >= 16, "{c}");
    assert!(
        c["verify_token"].is_string() && c["access_tokens"][0].is_string(),
        "{c}"
    );
    assert!(
        c["numbers"][0]["phone_number_id"].as_str().unwrap().len() >= 10,
        "{c}"
    );
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    // A receiver that does not know the verify token: the configuration is refused.
    rx.set_verify_token(Some("another"));
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"webhook": {"url": rx.url}})),
        )
        .await;
    assert_error(status, &body, 400, 1009);
    let details = body["errors"][0]["details"].as_str().unwrap();
    assert!(
        details.contains("HTTP 403") && details.contains("verify token mismatch"),
        "{details}"
    );
    let (_, now) = app.get("/v1/emulator/cloud").await;
    assert!(now["cloud"]["webhook"]["url"].is_null(), "unchanged: {now}");
    // The right token: Meta's GET, then the URL is kept.
    rx.set_verify_token(c["verify_token"].as_str());
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"webhook": {"url": rx.url}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cloud"]["webhook"]["url"], rx.url.as_str());
    let hs = rx.handshakes();
    let last = hs.last().unwrap();
    assert!(
        last.contains("hub.mode=subscribe") && last.contains("hub.challenge="),
        "{last}"
    );
    assert!(
        rx.received().is_empty(),
        "the handshake is a GET, not a webhook"
    );
    // Bad configurations answer the On-Prem control envelope.
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"numbers": []})),
        )
        .await;
    assert_error(status, &body, 400, 1009);
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"colour": "red"})),
        )
        .await;
    assert_error(status, &body, 400, 1010);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_reply_is_answered_and_its_statuses_are_signed_cloud_webhooks() {
    let (app, rx, _) = cloud_app().await;
    inbound(&app, N1, "+1 631 555 1001", "hello").await;
    let got = rx.wait_for(1, WAIT).await;
    assert!(signed(&got[0], "s3cret"), "{:?}", got[0].headers);
    assert_eq!(got[0].content_type, "application/json");
    assert_eq!(got[0].body["object"], "whatsapp_business_account");
    assert_eq!(got[0].body["entry"][0]["id"], "102290129340398");
    assert_eq!(got[0].body["entry"][0]["changes"][0]["field"], "messages");
    let v = value(&got[0]);
    assert_eq!(v["messaging_product"], "whatsapp");
    assert_eq!(
        v["metadata"],
        json!({"display_phone_number": "15550001111", "phone_number_id": N1})
    );
    assert_eq!(v["contacts"][0]["wa_id"], "16315551001");
    let inbound_id = v["messages"][0]["id"].as_str().unwrap().to_string();
    assert!(inbound_id.starts_with("wamid."), "{inbound_id}");
    assert_eq!(v["messages"][0]["text"]["body"], "hello");

    let (status, body) = send(&app, N1, "v19.0", json!({"to": "+1 (631) 555-1001", "type": "text", "text": {"body": "hi", "preview_url": false}, "biz_opaque_callback_data": "order-7"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(
        body["contacts"][0],
        json!({"input": "+1 (631) 555-1001", "wa_id": "16315551001"})
    );
    let id = body["messages"][0]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("wamid."), "{id}");
    let got = rx
        .wait_until(WAIT, |r| statuses_of(r, &id).len() >= 3)
        .await;
    assert!(got.iter().all(|r| signed(r, "s3cret")));
    let st = statuses_of(&got, &id);
    let names: Vec<&str> = st.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(names, ["sent", "delivered", "read"]);
    assert_eq!(st[0]["recipient_id"], "16315551001");
    assert_eq!(st[0]["biz_opaque_callback_data"], "order-7");
    assert_eq!(
        st[0]["pricing"],
        json!({"billable": false, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"})
    );
    assert_eq!(
        st[0]["conversation"]["origin"]["type"], "service",
        "v19.0 has conversation"
    );
    assert!(st[0]["conversation"]["expiration_timestamp"].is_string());
    assert!(st[2].get("pricing").is_none());

    // Mark-as-read and the typing indicator answer success.
    let (status, body) = send(
        &app,
        N1,
        "v19.0",
        json!({"status": "read", "message_id": inbound_id, "typing_indicator": {"type": "text"}}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body.clone()),
        (200, json!({"success": true}))
    );
    // The send is in the inspection routes, marked as a Cloud send of its number.
    let (_, m) = app.get(&format!("/v1/emulator/messages/{id}")).await;
    let m = if m["messages"].is_array() {
        m["messages"][0].clone()
    } else {
        m
    };
    assert_eq!(m["api"], "cloud", "{m}");
    assert_eq!(m["cloud"]["phone_number_id"], N1, "{m}");
    // Journal: Cloud callbacks carry source cloud.
    let (_, j) = app.get("/v1/emulator/callbacks?source=cloud").await;
    assert!(j["callbacks"].as_array().unwrap().len() >= 4, "{j}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v24_leaves_out_conversation_and_templates_take_their_category() {
    let (app, rx, _) = cloud_app().await;
    let (status, body) = app
        .call(Method::PUT, "/v1/emulator/templates", Some(json!({"templates": [{"name": "otp", "language": "en_US", "category": "authentication", "components": [{"type": "body", "text": "Code {{1}}"}]}]})))
        .await;
    assert_eq!(status, 200, "{body}");
    let tpl = json!({"to": "16315551002", "type": "template", "template": {"name": "otp", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "123"}]}]}});
    let (status, body) = send(&app, N1, "v24.0", tpl).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messages"][0]["message_status"], "accepted");
    let id = body["messages"][0]["id"].as_str().unwrap().to_string();
    let got = rx
        .wait_until(WAIT, |r| statuses_of(r, &id).len() >= 2)
        .await;
    let st = statuses_of(&got, &id);
    assert!(st[0].get("conversation").is_none(), "v24.0: {}", st[0]);
    assert_eq!(
        st[0]["pricing"],
        json!({"billable": true, "pricing_model": "PMP", "type": "regular", "category": "authentication"})
    );
    // Unknown once templates are registered: 132001 (404).
    let (status, body) = send(&app, N1, "v24.0", json!({"to": "16315551002", "type": "template", "template": {"name": "nope", "language": {"code": "en_US"}}})).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], 132001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_window_fails_free_form_messages_with_131047() {
    let (app, rx, _) = cloud_app().await;
    let (status, body) = send(
        &app,
        N1,
        "v19.0",
        json!({"to": "16315551003", "text": {"body": "cold"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["messages"][0]["id"].as_str().unwrap().to_string();
    let got = rx
        .wait_until(WAIT, |r| !statuses_of(r, &id).is_empty())
        .await;
    let st = statuses_of(&got, &id);
    assert_eq!(st[0]["status"], "failed");
    assert_eq!(st[0]["errors"][0]["code"], 131047);
    assert!(st[0]["errors"][0]["error_data"]["details"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_numbers_send_and_receive_side_by_side() {
    let (app, rx, _) = cloud_app().await;
    inbound(&app, N1, "16315551004", "to one").await;
    inbound(&app, N2, "16315551004", "to two").await;
    let (s1, b1) = send(
        &app,
        N1,
        "v21.0",
        json!({"to": "16315551004", "text": {"body": "from one"}}),
    )
    .await;
    let (s2, b2) = send(
        &app,
        N2,
        "v21.0",
        json!({"to": "16315551004", "text": {"body": "from two"}}),
    )
    .await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (200, 200), "{b1} {b2}");
    let (id1, id2) = (
        b1["messages"][0]["id"].as_str().unwrap(),
        b2["messages"][0]["id"].as_str().unwrap(),
    );
    let got = rx
        .wait_until(WAIT, |r| {
            statuses_of(r, id1).len() >= 3 && statuses_of(r, id2).len() >= 3
        })
        .await;
    let number_of = |id: &str| {
        got.iter()
            .filter(|r| statuses_of(std::slice::from_ref(r), id).len() == 1)
            .map(|r| value(r)["metadata"]["phone_number_id"].clone())
            .collect::<Vec<_>>()
    };
    assert!(number_of(id1).iter().all(|n| n == N1));
    assert!(number_of(id2).iter().all(|n| n == N2));
    let mut inbound_numbers: Vec<Value> = got
        .iter()
        .filter(|r| value(r)["messages"].is_array())
        .map(|r| value(r)["metadata"]["phone_number_id"].clone())
        .collect();
    inbound_numbers.sort_by_key(|v| v.to_string());
    assert_eq!(
        inbound_numbers,
        [json!(N1), json!(N2)],
        "one inbound webhook per number"
    );
    assert!(
        statuses_of(&got, id1)
            .iter()
            .all(|s| s["status"] != "failed"),
        "both windows are open"
    );
}
