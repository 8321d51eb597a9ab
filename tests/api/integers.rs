//! Integers in JSON bodies may be written as integral numbers (`222.0`, what Python's json.dumps
//! of a float and many JSON libraries write; JSON Schema calls it an integer) on every route that
//! takes one; a fraction (`222.5`) is still refused with 1009 naming the field.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn put(app: &Api, path: &str, body: Value) -> (reqwest::StatusCode, Value) {
    app.call(Method::PUT, path, Some(body)).await
}

fn names(body: &Value, field: &str) {
    let details = body["errors"][0]["details"].as_str().unwrap_or_default();
    assert!(details.contains(field), "{body} (want {field})");
}

#[tokio::test(flavor = "multi_thread")]
async fn integral_floats_are_integers_everywhere() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;

    // Recipient rules: code and delay_ms.
    let rules = json!({"rules": [
        {"number": "1999*", "action": "fail", "code": 470.0},
        {"number": "15554440000", "action": "slow", "delay_ms": 222.0}
    ]});
    let (s, b) = put(&app, "/v1/emulator/rules", rules).await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = app.get("/v1/emulator/rules").await;
    assert_eq!(b["rules"][0]["code"], 470);
    assert_eq!(b["rules"][1]["delay_ms"], 222);
    let half = json!({"rules": [{"number": "1", "action": "slow", "delay_ms": 222.5}]});
    let (s, b) = put(&app, "/v1/emulator/rules", half).await;
    assert_error(s, &b, 400, 1009);
    names(&b, "delay_ms");

    // Registered templates: a button's index.
    let templates = json!({"templates": [{"name": "t", "language": "en", "components": [
        {"type": "button", "index": 0.0, "text": "https://x.test/{{1}}"}]}]});
    let (s, b) = put(&app, "/v1/emulator/templates", templates).await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = app.get("/v1/emulator/templates").await;
    assert_eq!(b["templates"][0]["components"][0]["index"], 0);
    let half = json!({"templates": [{"name": "t", "language": "en", "components": [
        {"type": "button", "index": 0.5}]}]});
    let (s, b) = put(&app, "/v1/emulator/templates", half).await;
    assert_error(s, &b, 400, 1009);
    names(&b, "index");

    // A template send: the button parameter's index, matched against the registered one.
    let send = json!({"to": "16315551001", "type": "template", "template": {
        "namespace": "ns", "name": "t", "language": {"policy": "deterministic", "code": "en"},
        "components": [{"type": "button", "sub_type": "url", "index": 0.0,
                        "parameters": [{"type": "text", "text": "abc"}]}]}});
    let (s, b) = app.post("/v1/messages", send).await;
    assert_eq!(s, 201, "{b}");

    // Out-of-band errors and forced statuses: code.
    let (s, b) = app
        .post(
            "/v1/emulator/errors",
            json!({"errors": [{"code": 1014.0, "title": "x"}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(
            "/v1/emulator/errors",
            json!({"errors": [{"code": 1014.5, "title": "x"}]}),
        )
        .await;
    assert_error(s, &b, 400, 1009);
    names(&b, "errors[0].code");
    let (_, sent) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551001", "text": {"body": "hi"}}),
        )
        .await;
    let id = sent["messages"][0]["id"]
        .as_str()
        .expect("message id")
        .to_string();
    let path = format!("/v1/emulator/messages/{id}/status");
    let (s, b) = app
        .post(&path, json!({"status": "failed", "code": 480.5}))
        .await;
    assert_error(s, &b, 400, 1009);
    let (s, b) = app
        .post(&path, json!({"status": "failed", "code": 480.0}))
        .await;
    assert_eq!(s, 200, "{b}");

    // Settings: numbers, including the one with an enum of values.
    let patch = json!({"heartbeat_interval": 7.0, "webhooks": {"max_concurrent_requests": 12.0}});
    let (s, b) = app.patch("/v1/settings/application", patch).await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = app.get("/v1/settings/application").await;
    let settings = &b["settings"]["application"];
    assert_eq!(
        settings["heartbeat_interval"].to_string().trim_matches('"'),
        "7"
    );
    let max = &settings["webhooks"]["max_concurrent_requests"];
    assert_eq!(max.to_string().trim_matches('"'), "12");
    let (s, b) = app
        .patch(
            "/v1/settings/application",
            json!({"heartbeat_interval": 7.5}),
        )
        .await;
    assert_error(s, &b, 400, 1009);
    names(&b, "heartbeat_interval");

    // Template parameters: a date_time component's integers (no template registered now).
    let (s, b) = put(&app, "/v1/emulator/templates", json!({"templates": []})).await;
    assert_eq!(s, 200, "{b}");
    let hsm = |day: Value| {
        json!({"to": "16315551001", "type": "hsm", "hsm": {"namespace": "ns", "element_name": "e",
            "language": {"policy": "deterministic", "code": "en"},
            "localizable_params": [{"default": "x", "date_time": {"component": {
                "day_of_month": day, "month": 2.0, "year": 2026.0}}}]}})
    };
    let (s, b) = app.post("/v1/messages", hsm(json!(3.0))).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app.post("/v1/messages", hsm(json!(3.5))).await;
    assert_error(s, &b, 400, 1009);
    names(&b, "day_of_month");
}
