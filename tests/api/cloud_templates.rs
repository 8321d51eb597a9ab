//! Cloud API message templates: create, list (filters, fields, summary, cursor paging with
//! links from the emulator's own address), get, edit, delete; the review lifecycle and its signed
//! webhooks; control-API decisions; sends checked against the one registry On-Prem shares; bad
//! input answered in the Graph envelope with nothing stored.

use crate::cloud::{cloud_process, graph, signed, value, VERIFY};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(20);
pub const N1: &str = "106540352242922";
pub const WABA: &str = "102290129340398";
pub const WABA2: &str = "102290129340399";
pub const TOKEN: &str = "tok-1";

/// An emulator with one number per WABA, webhooks to a receiver, and templates reviewed after
/// `review_ms` (None: only by a control decision).
pub async fn templates_app(review_ms: Option<u64>) -> (TestApp, TestReceiver) {
    let app = spawn_with(|c| {
        c.cloud_webhook_retry_delays_ms = vec![40, 80];
        c.cloud_template_review_ms = review_ms.unwrap_or(60_000);
        c.cloud_template_manual_review = review_ms.is_none();
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
                "access_tokens": [TOKEN, {"token": "tok-old", "expires_at": 1}],
                "numbers": [
                    {"phone_number_id": N1, "display_phone_number": "15550001111", "waba_id": WABA},
                    {"phone_number_id": "206540352242933", "display_phone_number": "15550002222", "waba_id": WABA2}
                ],
                "webhook": {"url": rx.url}
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (app, rx)
}

pub async fn g(app: &Api, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    graph(app, Some(TOKEN), method, path, body).await
}

pub fn template(name: &str, language: &str) -> Value {
    json!({
        "name": name, "language": language, "category": "utility",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["42"]}},
            {"type": "BODY", "text": "Hi {{1}}, your order ships {{2}}.", "example": {"body_text": [["Ann", "today"]]}},
            {"type": "FOOTER", "text": "Lucky Shrub"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop"}]}
        ]
    })
}

pub async fn create(app: &Api, name: &str, language: &str) -> String {
    let (s, b) = g(
        app,
        Method::POST,
        &format!("/v23.0/{WABA}/message_templates"),
        Some(template(name, language)),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["id"].as_str().expect("id is a string").to_string()
}

/// Graph error checks: HTTP status, code, subcode.
pub fn graph_err(s: StatusCode, b: &Value, status: u16, code: u64, subcode: Option<u64>) {
    assert_eq!(s.as_u16(), status, "{b}");
    assert_eq!(b["error"]["code"], code, "{b}");
    assert_eq!(b["error"]["error_subcode"].as_u64(), subcode, "{b}");
    assert!(b["error"]["fbtrace_id"].is_string(), "{b}");
}

/// The template webhooks received so far: (field, value).
pub fn template_hooks(got: &[Received]) -> Vec<(String, Value)> {
    got.iter()
        .filter(|r| r.body["object"] == "whatsapp_business_account")
        .filter_map(|r| {
            let c = &r.body["entry"][0]["changes"][0];
            let f = c["field"].as_str()?;
            f.contains("template")
                .then(|| (f.to_string(), c["value"].clone()))
        })
        .collect()
}

async fn wait_hook(rx: &TestReceiver, field: &str, event: &str, n: usize) -> Vec<Received> {
    rx.wait_until(WAIT, |got| {
        template_hooks(got)
            .iter()
            .filter(|(f, v)| f == field && (event.is_empty() || v["event"] == event))
            .count()
            >= n
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_page_get_edit_delete() {
    let (app, _rx) = templates_app(None).await;
    let base = format!("/v23.0/{WABA}/message_templates");
    let (s, b) = g(
        &app,
        Method::POST,
        &base,
        Some(template("order_update", "en_US")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "PENDING");
    assert_eq!(b["category"], "UTILITY");
    assert_eq!(b.as_object().unwrap().len(), 3, "{b}");
    let first = b["id"].as_str().unwrap().to_string();
    let second = create(&app, "order_update", "es").await;
    let third = create(&app, "welcome", "en_US").await;

    // Default fields, in Meta's shape.
    let (s, b) = g(&app, Method::GET, &format!("/v23.0/{first}"), None).await;
    assert_eq!(s, 200, "{b}");
    for k in [
        "name",
        "parameter_format",
        "components",
        "language",
        "status",
        "category",
        "id",
    ] {
        assert!(b.get(k).is_some(), "{k} missing in {b}");
    }
    assert_eq!(b["parameter_format"], "POSITIONAL");
    assert_eq!(b["components"][0]["example"]["header_text"][0], "42");
    // fields= answers those fields plus id; a trailing slash is the same path.
    let (s, b) = g(
        &app,
        Method::GET,
        &format!("/v23.0/{first}/?fields=status"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b, json!({"status": "PENDING", "id": first}));
    // Without a version, as ky-based clients and whatsapp-api-js call it.
    let (s, b) = g(&app, Method::GET, &format!("/{first}?fields=status"), None).await;
    assert_eq!(
        (s, b),
        (StatusCode::OK, json!({"status": "PENDING", "id": first}))
    );
    let (s, b) = app.get("/not-a-graph-id").await;
    assert_error(s, &b, 404, 1006);

    // Paging: limit 2, then follow `next` verbatim; it points at the emulator itself.
    let (s, b) = g(&app, Method::GET, &format!("{base}?limit=2&fields=name,language&summary=total_count,message_template_count,message_template_limit,are_translations_complete"), None).await;
    assert_eq!(s, 200, "{b}");
    let ids: Vec<&str> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert_eq!(
        b["data"][0],
        json!({"name": "order_update", "language": "en_US", "id": first})
    );
    assert_eq!(
        b["summary"],
        json!({"total_count": 3, "message_template_count": 3, "message_template_limit": 250, "are_translations_complete": true})
    );
    let next = b["paging"]["next"]
        .as_str()
        .expect("next while more data")
        .to_string();
    assert!(next.starts_with(&app.base), "{next} is not on {}", app.base);
    assert!(b["paging"]["cursors"]["after"].is_string());
    assert!(b["paging"].get("previous").is_none(), "{b}");
    let res = app
        .client
        .get(&next)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let page2: Value = res.json().await.unwrap();
    assert_eq!(page2["data"].as_array().unwrap().len(), 1, "{page2}");
    assert_eq!(page2["data"][0]["id"], third.as_str());
    assert!(page2["paging"].get("next").is_none(), "{page2}");
    let prev = page2["paging"]["previous"].as_str().unwrap();
    let back: Value = app
        .client
        .get(prev)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(back["data"].as_array().unwrap().len(), 2, "{back}");

    // Filters: a JSON array, CSV, lower case, name.
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("{base}?language=[\"es\",\"fr\"]"),
        None,
    )
    .await;
    assert_eq!(b["data"].as_array().unwrap().len(), 1, "{b}");
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("{base}?status=pending,approved&category=utility&name=welcome"),
        None,
    )
    .await;
    assert_eq!(b["data"].as_array().unwrap().len(), 1, "{b}");
    let (_, b) = g(&app, Method::GET, &format!("{base}?status=APPROVED"), None).await;
    assert!(b["data"].as_array().unwrap().is_empty(), "{b}");

    // A PENDING template cannot be edited; an approved one can, and goes back to review.
    let (s, b) = g(
        &app,
        Method::POST,
        &format!("/v23.0/{first}"),
        Some(json!({"components": [{"type": "BODY", "text": "New text"}]})),
    )
    .await;
    graph_err(s, &b, 400, 100, None);
    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{first}/status"),
            json!({"status": "APPROVED"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = g(
        &app,
        Method::POST,
        &format!("/v23.0/{first}"),
        Some(json!({"components": [{"type": "BODY", "text": "New text"}]})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b,
        json!({"success": true, "id": first, "name": "order_update", "category": "UTILITY"})
    );
    let (_, b) = g(&app, Method::GET, &format!("/v23.0/{first}"), None).await;
    assert_eq!(b["status"], "PENDING");
    assert_eq!(
        b["components"],
        json!([{"type": "BODY", "text": "New text"}])
    );

    // Delete one language by hsm_id (JSON body), then the whole name (query).
    let (s, b) = g(
        &app,
        Method::DELETE,
        &base,
        Some(json!({"name": "order_update", "hsm_id": second})),
    )
    .await;
    assert_eq!((s, b), (StatusCode::OK, json!({"success": true})));
    let (s, b) = g(&app, Method::GET, &format!("/v23.0/{second}"), None).await;
    graph_err(s, &b, 400, 100, Some(33));
    assert_eq!(b["error"]["type"], "GraphMethodException");
    let (_, b) = g(&app, Method::GET, &format!("/v23.0/{first}"), None).await;
    assert_eq!(b["status"], "PENDING", "the other language stays");
    let (s, _) = g(
        &app,
        Method::DELETE,
        &format!("{base}?name=order_update"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("{base}?summary=total_count"),
        None,
    )
    .await;
    assert_eq!(b["data"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["summary"], json!({"total_count": 1}));
    let (_, b) = g(&app, Method::GET, &format!("{base}?status=DELETED"), None).await;
    assert_eq!(
        b["data"].as_array().unwrap().len(),
        2,
        "deleted ones show when asked: {b}"
    );
    // The name is blocked for 30 days; nothing to delete twice.
    let (s, b) = g(
        &app,
        Method::POST,
        &base,
        Some(template("order_update", "es")),
    )
    .await;
    graph_err(s, &b, 400, 100, Some(2388023));
    let (s, b) = g(
        &app,
        Method::DELETE,
        &format!("{base}?name=order_update"),
        None,
    )
    .await;
    graph_err(s, &b, 400, 100, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_approves_with_a_signed_webhook() {
    let (app, rx) = templates_app(Some(50)).await;
    let id = create(&app, "shipping_update", "en_US").await;
    let got = wait_hook(&rx, "message_template_status_update", "APPROVED", 1).await;
    let r = got
        .iter()
        .find(|r| r.body["entry"][0]["changes"][0]["field"] == "message_template_status_update")
        .unwrap();
    assert!(
        signed(r, "s3cret"),
        "X-Hub-Signature-256 over the exact body"
    );
    assert_eq!(r.body["entry"][0]["id"], WABA);
    assert!(r.body["entry"][0]["time"].is_u64());
    let v = value(r);
    assert_eq!(
        v["message_template_id"].as_u64().map(|n| n.to_string()),
        Some(id.clone()),
        "an integer: {v}"
    );
    assert_eq!(v["message_template_name"], "shipping_update");
    assert_eq!(v["message_template_language"], "en_US");
    assert_eq!(v["reason"], "NONE");
    assert_eq!(v["message_template_category"], "UTILITY");
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("/v23.0/{id}?fields=status"),
        None,
    )
    .await;
    assert_eq!(b["status"], "APPROVED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_decisions_send_their_webhooks() {
    let (app, rx) = templates_app(None).await;
    let id = create(&app, "promo_code", "en").await;
    let decide = |body: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(&format!("/v1/emulator/cloud/templates/{id}/status"), body)
                .await
        }
    };
    let (s, b) = decide(json!({"status": "rejected", "reason": "promotional"})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["template"]["status"], "REJECTED");
    assert_eq!(b["template"]["rejected_reason"], "PROMOTIONAL");
    let got = wait_hook(&rx, "message_template_status_update", "REJECTED", 1).await;
    let hooks = template_hooks(&got);
    assert_eq!(hooks[0].1["reason"], "PROMOTIONAL");
    // Not approved yet: nothing else was sent by itself.
    assert_eq!(hooks.len(), 1, "{hooks:?}");

    assert_eq!(decide(json!({"status": "APPROVED"})).await.0, 200);
    assert_eq!(decide(json!({"status": "PAUSED"})).await.0, 200);
    let got = wait_hook(&rx, "message_template_status_update", "PAUSED", 1).await;
    let paused = template_hooks(&got)
        .into_iter()
        .find(|(_, v)| v["event"] == "PAUSED")
        .unwrap()
        .1;
    assert_eq!(paused["other_info"]["title"], "FIRST_PAUSE");
    // Unpause through the Graph API.
    let (s, b) = g(&app, Method::POST, &format!("/v23.0/{id}/unpause"), None).await;
    assert_eq!(s, 200, "{b}");
    let got = wait_hook(&rx, "message_template_status_update", "APPROVED", 2).await;
    let last = template_hooks(&got)
        .into_iter()
        .rfind(|(_, v)| v["event"] == "APPROVED")
        .unwrap()
        .1;
    assert_eq!(last["other_info"]["title"], "UNPAUSE");

    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{id}/quality"),
            json!({"quality_score": "YELLOW"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let got = wait_hook(&rx, "message_template_quality_update", "", 1).await;
    let q = template_hooks(&got)
        .into_iter()
        .find(|(f, _)| f == "message_template_quality_update")
        .unwrap()
        .1;
    assert_eq!(
        (
            q["previous_quality_score"].as_str(),
            q["new_quality_score"].as_str()
        ),
        (Some("UNKNOWN"), Some("YELLOW"))
    );
    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{id}/category"),
            json!({"category": "MARKETING"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let got = wait_hook(&rx, "template_category_update", "", 1).await;
    let c = template_hooks(&got)
        .into_iter()
        .find(|(f, _)| f == "template_category_update")
        .unwrap()
        .1;
    assert_eq!(
        (c["previous_category"].as_str(), c["new_category"].as_str()),
        (Some("UTILITY"), Some("MARKETING"))
    );
    for hook in got
        .iter()
        .filter(|r| r.body["object"] == "whatsapp_business_account")
    {
        assert!(signed(hook, "s3cret"));
    }

    // Bad decisions: control-API envelope, nothing changed.
    let (s, b) = decide(json!({"status": "MAYBE"})).await;
    assert_error(s, &b, 400, 1009);
    let (s, b) = app
        .post(
            "/v1/emulator/cloud/templates/999/status",
            json!({"status": "APPROVED"}),
        )
        .await;
    assert_error(s, &b, 404, 1006);
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("/v23.0/{id}?fields=status,category"),
        None,
    )
    .await;
    assert_eq!(
        (b["status"].as_str(), b["category"].as_str()),
        (Some("APPROVED"), Some("MARKETING"))
    );
}

fn template_send(name: &str, language: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": "16315551234", "type": "template", "template": {
    "name": name, "language": {"code": language},
    "components": [
        {"type": "header", "parameters": [{"type": "text", "text": "42"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "today"}]}
    ]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_check_the_shared_registry() {
    let (app, rx) = templates_app(None).await;
    let id = create(&app, "order_update", "en_US").await;
    let send_path = format!("/v23.0/{N1}/messages");
    let (s, b) = g(
        &app,
        Method::POST,
        &send_path,
        Some(template_send("order_update", "en_US")),
    )
    .await;
    graph_err(s, &b, 404, 132001, None);
    assert!(
        b["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .contains("PENDING"),
        "{b}"
    );
    let (s, b) = g(
        &app,
        Method::POST,
        &send_path,
        Some(template_send("nope", "en_US")),
    )
    .await;
    graph_err(s, &b, 404, 132001, None);
    let decide = |status: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(
                &format!("/v1/emulator/cloud/templates/{id}/status"),
                json!({"status": status}),
            )
            .await
            .0
        }
    };
    assert_eq!(decide("APPROVED").await, 200);
    let (s, b) = g(
        &app,
        Method::POST,
        &send_path,
        Some(template_send("order_update", "en_US")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["messages"][0]["id"]
        .as_str()
        .unwrap()
        .starts_with("wamid."));
    let mut short = template_send("order_update", "en_US");
    short["template"]["components"][1]["parameters"]
        .as_array_mut()
        .unwrap()
        .pop();
    let (s, b) = g(&app, Method::POST, &send_path, Some(short)).await;
    graph_err(s, &b, 400, 132000, None);
    assert_eq!(decide("PAUSED").await, 200);
    let (s, b) = g(
        &app,
        Method::POST,
        &send_path,
        Some(template_send("order_update", "en_US")),
    )
    .await;
    graph_err(s, &b, 400, 132015, None);
    assert_eq!(decide("DISABLED").await, 200);
    let (s, b) = g(
        &app,
        Method::POST,
        &send_path,
        Some(template_send("order_update", "en_US")),
    )
    .await;
    graph_err(s, &b, 400, 132016, None);

    // On-Prem sees the same registry, with the Cloud template's id, status and WABA.
    let (_, b) = app.get("/v1/emulator/templates").await;
    let list = b["templates"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{b}");
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["status"], "DISABLED");
    assert_eq!(list[0]["waba_id"], WABA);
    assert_eq!(list[0]["category"], "utility");
    app.use_receiver(&rx, json!({})).await;
    let onprem = |status: &str| {
        json!({"to": "16315551004", "type": "template", "template": {"namespace": "ns", "name": "order_update", "language": {"policy": "deterministic", "code": "en_US"},
        "components": [{"type": "header", "parameters": [{"type": "text", "text": "42"}]}, {"type": "body", "parameters": [{"type": "text", "text": status}, {"type": "text", "text": "x"}]}]}})
    };
    let (s, b) = app.post("/v1/messages", onprem("a")).await;
    assert_error(s, &b, 404, 2001);
    assert_eq!(decide("APPROVED").await, 200);
    let (s, b) = app.post("/v1/messages", onprem("a")).await;
    assert_eq!(s, 201, "On-Prem sends the approved Cloud template: {b}");

    // A template registered through the control API is listed on every WABA and sendable.
    let (s, b) = app
        .call(Method::PUT, "/v1/emulator/templates", Some(json!({"templates": [{"name": "otp", "language": "en_US", "category": "authentication", "components": [{"type": "body", "text": "Code {{1}}"}]}]})))
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("/v23.0/{WABA2}/message_templates"),
        None,
    )
    .await;
    assert_eq!(b["data"][0]["name"], "otp", "{b}");
    assert_eq!(b["data"][0]["status"], "APPROVED");
    assert_eq!(b["data"][0]["category"], "AUTHENTICATION");
    let (s, b) = g(&app, Method::POST, &send_path, Some(json!({"messaging_product": "whatsapp", "to": "16315551234", "type": "template", "template": {"name": "otp", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "123456"}]}]}}))).await;
    assert_eq!(s, 200, "{b}");
    // The PUT replaced the registry: the Cloud template is gone.
    let (s, _) = g(&app, Method::GET, &format!("/v23.0/{id}"), None).await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_in_the_graph_envelope_and_stores_nothing() {
    let (app, _rx) = templates_app(None).await;
    let base = format!("/v23.0/{WABA}/message_templates");
    let post = |body: Value| {
        let app = &app;
        let base = base.clone();
        async move { g(app, Method::POST, &base, Some(body)).await }
    };
    let with = |k: &str, v: Value| {
        let mut t = template("order_update", "en_US");
        t[k] = v;
        t
    };
    let mut missing = template("x", "en");
    missing.as_object_mut().unwrap().remove("name");
    let (s, b) = post(missing).await;
    graph_err(s, &b, 400, 100, None);
    assert_eq!(
        b["error"]["message"],
        "(#100) The parameter name is required"
    );
    let (s, b) = post(with("name", json!("Order Update"))).await;
    graph_err(s, &b, 400, 100, None);
    let (s, b) = post(with("category", json!("promo"))).await;
    graph_err(s, &b, 400, 100, None);
    assert!(
        b["error"]["message"].as_str().unwrap().contains("category"),
        "{b}"
    );
    let (s, b) = post(with("language", json!("English"))).await;
    graph_err(s, &b, 400, 100, None);
    let (s, b) = post(with(
        "components",
        json!([{"type": "BODY", "text": "x".repeat(1025)}]),
    ))
    .await;
    graph_err(s, &b, 400, 100, Some(2388040));
    assert!(
        b["error"]["error_user_title"].is_string() && b["error"]["error_user_msg"].is_string(),
        "{b}"
    );
    let (s, b) = post(with(
        "components",
        json!([{"type": "BODY", "text": "Hi {{1}}!"}]),
    ))
    .await;
    graph_err(s, &b, 400, 100, Some(2388072));
    let (s, b) = post(with(
        "components",
        json!([{"type": "BODY", "text": "{{1}} hi", "example": {"body_text": [["a"]]}}]),
    ))
    .await;
    graph_err(s, &b, 400, 100, Some(2388299));
    let (s, b) = post(with("components", json!("not a list"))).await;
    graph_err(s, &b, 400, 100, None);
    let (s, b) = g(&app, Method::POST, &base, None).await;
    graph_err(s, &b, 400, 100, None);
    let res = app
        .client
        .post(format!("{}{base}", app.base))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (s, b) = (res.status(), res.json::<Value>().await.unwrap());
    graph_err(s, &b, 400, 100, None);
    // Nothing was stored.
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("{base}?summary=total_count"),
        None,
    )
    .await;
    assert_eq!(b["summary"]["total_count"], 0, "{b}");

    // A duplicate name+language: 2388024, still one stored.
    create(&app, "order_update", "en_US").await;
    let (s, b) = post(template("order_update", "en_US")).await;
    graph_err(s, &b, 400, 100, Some(2388024));
    let (_, b) = g(
        &app,
        Method::GET,
        &format!("{base}?summary=total_count"),
        None,
    )
    .await;
    assert_eq!(b["summary"]["total_count"], 1, "{b}");

    // Unknown objects: 100/33 (400), GraphMethodException, Meta's message.
    let (s, b) = g(&app, Method::GET, "/v23.0/123456/message_templates", None).await;
    graph_err(s, &b, 400, 100, Some(33));
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unsupported get request. Object with ID '123456' does not exist"),
        "{b}"
    );
    let (s, b) = g(
        &app,
        Method::POST,
        "/v23.0/999999/",
        Some(json!({"category": "UTILITY"})),
    )
    .await;
    graph_err(s, &b, 400, 100, Some(33));
    let (s, b) = g(&app, Method::GET, &format!("{base}?limit=0"), None).await;
    graph_err(s, &b, 400, 100, None);
    let (s, b) = g(&app, Method::GET, &format!("{base}?after=%25%25"), None).await;
    graph_err(s, &b, 400, 100, None);
    let (s, b) = g(&app, Method::GET, &format!("{base}?fields=name{{"), None).await;
    graph_err(s, &b, 400, 100, None);
    let (s, b) = g(&app, Method::DELETE, &base, None).await;
    graph_err(s, &b, 400, 100, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_refused_in_metas_words() {
    let (app, _rx) = templates_app(None).await;
    let path = format!("/v23.0/{WABA}/message_templates");
    let (s, b) = graph(&app, Some("not-a-token"), Method::GET, &path, None).await;
    graph_err(s, &b, 401, 190, None);
    assert_eq!(
        b["error"]["message"],
        "Invalid OAuth access token - Cannot parse access token"
    );
    assert_eq!(b["error"]["type"], "OAuthException");
    let (s, b) = graph(&app, Some("tok-old"), Method::GET, &path, None).await;
    graph_err(s, &b, 401, 190, Some(463));
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Error validating access token: Session has expired"),
        "{b}"
    );

    // The object form of access_tokens: accepted with or without expires_at; clear errors.
    let put = |tokens: Value| {
        let app = &app;
        async move {
            app.call(
                Method::PUT,
                "/v1/emulator/cloud",
                Some(json!({"access_tokens": tokens})),
            )
            .await
        }
    };
    let (s, b) =
        put(json!([{"token": "obj-token"}, {"token": "later", "expires_at": 4102444800u64}])).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        graph(&app, Some("obj-token"), Method::GET, &path, None)
            .await
            .0,
        200
    );
    assert_eq!(
        graph(&app, Some("later"), Method::GET, &path, None).await.0,
        200
    );
    for (bad, words) in [
        (json!([{"tok": "x"}]), "unknown key 'tok'"),
        (json!([{"expires_at": 5}]), "token is missing"),
        (
            json!([{"token": "x", "expires_at": "soon"}]),
            "expires_at must be a whole number",
        ),
        (json!([7]), "must be a token string or an object"),
    ] {
        let (s, b) = put(bad.clone()).await;
        assert_error(s, &b, 400, 1009);
        let details = b["errors"][0]["details"].as_str().unwrap();
        assert!(details.contains(words), "{bad}: {details}");
        assert!(
            !details.contains("variant") && !details.contains("untagged"),
            "{details}"
        );
    }
    assert_eq!(
        graph(&app, Some("obj-token"), Method::GET, &path, None)
            .await
            .0,
        200,
        "a refused PUT changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_answers_and_webhooks_validate_against_the_spec() {
    use crate::openapi::{check, spec, validate};
    let spec = spec();
    let (app, rx) = templates_app(None).await;
    let base = format!("/v23.0/{WABA}/message_templates");
    let list_path = "/{version}/{waba_id}/message_templates";
    let (s, b) = g(
        &app,
        Method::POST,
        &base,
        Some(template("a_template", "en")),
    )
    .await;
    check(&spec, "post", list_path, s.as_u16(), &b);
    let id = b["id"].as_str().unwrap().to_string();
    create(&app, "b_template", "en").await;
    let (s, b) = g(&app, Method::POST, &base, Some(json!({"name": "x"}))).await;
    check(&spec, "post", list_path, s.as_u16(), &b);
    let (s, b) = g(
        &app,
        Method::POST,
        &base,
        Some(template("a_template", "en")),
    )
    .await;
    check(&spec, "post", list_path, s.as_u16(), &b);
    let (s, b) = g(
        &app,
        Method::GET,
        &format!("{base}?limit=1&summary=total_count,message_template_limit"),
        None,
    )
    .await;
    assert!(b["paging"]["next"].is_string());
    check(&spec, "get", list_path, s.as_u16(), &b);
    let (s, b) = g(&app, Method::GET, "/v23.0/1/message_templates", None).await;
    check(&spec, "get", list_path, s.as_u16(), &b);
    let (s, b) = g(&app, Method::GET, &format!("/v23.0/{id}"), None).await;
    check(&spec, "get", "/{version}/{id}", s.as_u16(), &b);
    let (s, b) = g(
        &app,
        Method::GET,
        &format!("/v23.0/{id}?fields=status,quality_score,rejected_reason"),
        None,
    )
    .await;
    check(&spec, "get", "/{version}/{id}", s.as_u16(), &b);
    let control = "/v1/emulator/cloud/templates/{id}/status";
    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{id}/status"),
            json!({"status": "APPROVED"}),
        )
        .await;
    check(&spec, "post", control, s.as_u16(), &b);
    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{id}/status"),
            json!({"status": "x"}),
        )
        .await;
    check(&spec, "post", control, s.as_u16(), &b);
    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{id}/quality"),
            json!({"quality_score": "RED"}),
        )
        .await;
    check(
        &spec,
        "post",
        "/v1/emulator/cloud/templates/{id}/quality",
        s.as_u16(),
        &b,
    );
    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{id}/category"),
            json!({"category": "MARKETING"}),
        )
        .await;
    check(
        &spec,
        "post",
        "/v1/emulator/cloud/templates/{id}/category",
        s.as_u16(),
        &b,
    );
    let (s, b) = app
        .post(
            &format!("/v1/emulator/cloud/templates/{id}/status"),
            json!({"status": "PAUSED"}),
        )
        .await;
    check(&spec, "post", control, s.as_u16(), &b);
    let (s, b) = g(&app, Method::POST, &format!("/v23.0/{id}/unpause"), None).await;
    check(&spec, "post", "/{version}/{id}/unpause", s.as_u16(), &b);
    let (s, b) = g(
        &app,
        Method::POST,
        &format!("/v23.0/{id}"),
        Some(json!({"components": [{"type": "BODY", "text": "Edited"}]})),
    )
    .await;
    check(&spec, "post", "/{version}/{id}", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/templates").await;
    check(&spec, "get", "/v1/emulator/templates", s.as_u16(), &b);
    let (s, b) = g(
        &app,
        Method::DELETE,
        &format!("{base}?name=b_template"),
        None,
    )
    .await;
    check(&spec, "delete", list_path, s.as_u16(), &b);
    let (s, b) = graph(
        &app,
        Some("bad"),
        Method::DELETE,
        &format!("{base}?name=b_template"),
        None,
    )
    .await;
    check(&spec, "delete", list_path, s.as_u16(), &b);
    // approved, quality, category, paused, approved (unpause), deleted.
    let got = rx
        .wait_until(WAIT, |got| template_hooks(got).len() >= 6)
        .await;
    let schema = json!({"$ref": "#/components/schemas/CloudTemplatesNotification"});
    for r in got
        .iter()
        .filter(|r| r.body["object"] == "whatsapp_business_account")
    {
        if let Err(e) = validate(&spec, &schema, &r.body, "$") {
            panic!("template webhook: {e}\nbody: {}", r.body);
        }
    }
    // Different templates' webhooks may overtake each other; compare as sets.
    let mut fields: Vec<String> = template_hooks(&got)
        .into_iter()
        .map(|(f, v)| format!("{f}:{}", v["event"].as_str().unwrap_or("")))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "message_template_quality_update:",
            "message_template_status_update:APPROVED",
            "message_template_status_update:APPROVED",
            "message_template_status_update:DELETED",
            "message_template_status_update:PAUSED",
            "template_category_update:",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribed_apps_decide_where_the_wabas_webhooks_go() {
    use crate::openapi::{check, spec};
    let spec = spec();
    let path = "/{version}/{waba_id}/subscribed_apps";
    let (app, rx) = templates_app(None).await;
    let apps = format!("/v23.0/{WABA}/subscribed_apps");
    let (s, b) = g(&app, Method::GET, &apps, None).await;
    check(&spec, "get", path, s.as_u16(), &b);
    assert_eq!(
        b["data"].as_array().unwrap().len(),
        1,
        "subscribed by default: {b}"
    );
    assert!(b["data"][0]["whatsapp_business_api_data"]["id"].is_string());
    assert!(b["data"][0].get("override_callback_uri").is_none());

    // Unsubscribed: the WABA's webhooks stop.
    let (s, b) = g(&app, Method::DELETE, &apps, None).await;
    check(&spec, "delete", path, s.as_u16(), &b);
    assert_eq!(b, json!({"success": true}));
    let (_, b) = g(&app, Method::GET, &apps, None).await;
    assert_eq!(b, json!({"data": []}));
    let quiet = create(&app, "quiet", "en").await;
    let decide = |id: String, status: &'static str| {
        let app = &app;
        async move {
            app.post(
                &format!("/v1/emulator/cloud/templates/{id}/status"),
                json!({"status": status}),
            )
            .await
            .0
        }
    };
    assert_eq!(decide(quiet.clone(), "APPROVED").await, 200);

    // An override must pass the handshake; a refused one stores nothing.
    let rx2 = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx2.ca_pem).await, 200);
    rx2.set_verify_token(Some("other-verify"));
    let (s, b) = g(
        &app,
        Method::POST,
        &apps,
        Some(json!({"override_callback_uri": rx2.url, "verify_token": "wrong"})),
    )
    .await;
    check(&spec, "post", path, s.as_u16(), &b);
    graph_err(s, &b, 400, 100, None);
    let (_, b) = g(&app, Method::GET, &apps, None).await;
    assert_eq!(b, json!({"data": []}), "still unsubscribed");
    // Query parameters, as pywa sends them.
    let url = format!(
        "{apps}?override_callback_uri={}&verify_token=other-verify",
        rx2.url
    );
    let (s, b) = g(&app, Method::POST, &url, None).await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = g(&app, Method::GET, &apps, None).await;
    assert_eq!(b["data"][0]["override_callback_uri"], rx2.url.as_str());
    let loud = create(&app, "loud", "en").await;
    assert_eq!(decide(loud.clone(), "APPROVED").await, 200);
    let got = rx2
        .wait_until(WAIT, |got| !template_hooks(got).is_empty())
        .await;
    let hooks = template_hooks(&got);
    assert_eq!(hooks[0].1["message_template_name"], "loud");
    assert!(signed(&got[got.len() - 1], "s3cret"));

    // A POST without an override sends them back to the configured URL (whose CA the
    // emulator trusts again: one webhook CA at a time).
    let (s, _) = g(&app, Method::POST, &apps, None).await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    assert_eq!(s, 200);
    assert_eq!(decide(loud.clone(), "PAUSED").await, 200);
    let got = rx
        .wait_until(WAIT, |got| !template_hooks(got).is_empty())
        .await;
    let names: Vec<Value> = template_hooks(&got)
        .iter()
        .map(|(_, v)| v["message_template_name"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("loud")],
        "nothing about 'quiet' was sent while unsubscribed"
    );
    assert_eq!(template_hooks(&rx2.received()).len(), 1);

    // Unknown WABA; the reset forgets the changes.
    let (s, b) = g(&app, Method::GET, "/v23.0/42/subscribed_apps", None).await;
    graph_err(s, &b, 400, 100, Some(33));
    assert_eq!(g(&app, Method::DELETE, &apps, None).await.0, 200);
    assert_eq!(app.post("/v1/emulator/reset", json!({})).await.0, 200);
    let (_, b) = g(&app, Method::GET, &apps, None).await;
    assert_eq!(b["data"].as_array().unwrap().len(), 1, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_review_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestReceiver::start().await;
    let args = [
        "--cloud-template-review-ms",
        "1500",
        "--cloud-app-secret",
        "restart-secret",
    ];
    let extra = json!({ "access_tokens": [TOKEN] });
    let (mut first, cloud) = cloud_process(dir.path(), &rx, &args, extra).await;
    let waba = cloud["numbers"][0]["waba_id"].as_str().unwrap().to_string();
    let (s, b) = g(
        &first.api,
        Method::POST,
        &format!("/v23.0/{waba}/message_templates"),
        Some(template("survivor", "en")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = b["id"].as_str().unwrap().to_string();
    first.kill9();
    assert!(
        template_hooks(&rx.received()).is_empty(),
        "approved before the crash"
    );
    let second = EmulatorProcess::start(dir.path(), &args);
    let got = wait_hook(&rx, "message_template_status_update", "APPROVED", 1).await;
    let r = got
        .iter()
        .find(|r| value(r)["event"] == "APPROVED")
        .unwrap();
    assert!(signed(r, "restart-secret"));
    assert_eq!(value(r)["message_template_name"], "survivor");
    let (_, b) = g(
        &second.api,
        Method::GET,
        &format!("/v23.0/{id}?fields=status"),
        None,
    )
    .await;
    assert_eq!(b["status"], "APPROVED", "{b}");
    drop(second);
}
