//! The SMS gateway personalities against real PHP receivers: the Zender form read by the official
//! sample, the RaspiSMS signature checked with hash_hmac and its body with json_decode, the
//! SMSGateway24 JSON; faults the receivers detect; control API errors and reset.

use crate::helpers::*;
use crate::openapi::{check, spec};
use crate::php::PhpReceiver;
use reqwest::Method;
use serde_json::{json, Value};

/// `PUT /v1/emulator/gateways/{gateway}`; the answer is checked against the spec.
pub async fn put(app: &Api, gateway: &str, body: Value) -> Value {
    let path = format!("/v1/emulator/gateways/{gateway}");
    let (s, b) = app.call(Method::PUT, &path, Some(body)).await;
    assert_eq!(s, 200, "{b}");
    check(&spec(), "put", &path, 200, &b);
    b["gateways"][0].clone()
}

/// `POST .../events`; the answer is checked against the spec.
pub async fn fire(app: &Api, gateway: &str, body: Value) -> Vec<Value> {
    let path = format!("/v1/emulator/gateways/{gateway}/events");
    let (s, b) = app.post(&path, body).await;
    assert_eq!(s, 200, "{b}");
    check(&spec(), "post", &path, 200, &b);
    b["callbacks"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zender_form_is_read_by_the_official_php_sample() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    let cfg = put(
        &app,
        "zender",
        json!({"webhooks": [{"url": php.url("/zender"), "events": ["sms", "whatsapp"]}]}),
    )
    .await;
    let secret = cfg["secret"]
        .as_str()
        .expect("a generated secret")
        .to_string();
    assert_eq!(secret.len(), 40);
    assert_eq!(cfg["retry"], "none");
    php.expect(json!({ "zender_secret": secret }));

    let mut stream = app.send_authed(Method::GET, "/v1/emulator/events").await;
    let made = fire(&app, "zender", json!({"event": "sms", "data": {"phone": "+639760713666", "message": "Hello World! é/&=+"}})).await;
    assert_eq!(made.len(), 1);
    // The event stream tells the callback made and its attempt.
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !(seen.contains("\"gateway_event\"") && seen.contains("callback_attempt")) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk()).await;
        let chunk = chunk
            .expect("events in time")
            .expect("stream")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        seen.contains(&format!("\"callback\":{}", made[0]["id"])),
        "{seen}"
    );
    let request = &made[0]["request"];
    assert_eq!(request["method"], "POST");
    assert_eq!(
        request["headers"],
        json!([
            ["Content-Type", "application/x-www-form-urlencoded"],
            ["User-Agent", "GuzzleHttp/7"]
        ])
    );
    let got = php.wait_for(1).await;
    let r = &got[0];
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(
        r["rebuilt_equal"], true,
        "PHP's http_build_query gives back the bytes: {r}"
    );
    assert_eq!(r["raw"], request["body"]);
    assert_eq!(r["type"], "sms");
    assert_eq!(r["data"]["phone"], "+639760713666");
    assert_eq!(r["data"]["message"], "Hello World! é/&=+");
    assert_eq!(r["data"]["sim"], "1");
    assert_eq!(r["data"]["device"], cfg["device"]);
    assert_eq!(r["user_agent"], "GuzzleHttp/7");
    assert_eq!(r["content_type"], "application/x-www-form-urlencoded");

    // Not subscribed: no callback. A wrong secret: the sample rejects it.
    assert!(fire(
        &app,
        "zender",
        json!({"event": "ussd", "data": {"code": "*143#", "response": "x"}})
    )
    .await
    .is_empty());
    let made = fire(&app, "zender", json!({"event": "whatsapp", "data": {"phone": "+1555", "message": "hi"}, "fault": "bad_secret"})).await;
    assert_eq!(made.len(), 1);
    let got = php.wait_for(2).await;
    assert_eq!(got[1]["valid"], false, "{}", got[1]);
    assert_eq!(got[1]["data"]["wid"], cfg["wid"]);

    // The journal has both, filtered by gateway, with their exact requests.
    let (s, b) = app.get("/v1/emulator/callbacks?source=zender").await;
    assert_eq!(s, 200, "{b}");
    check(&spec(), "get", "/v1/emulator/callbacks", 200, &b);
    let list = b["callbacks"].as_array().expect("callbacks");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["source"], "zender");
    assert_eq!(list[0]["event"], "sms");
    assert_eq!(list[0]["request"]["body"], request["body"]);

    // Some builds spell the notification type `notifications`: a configuration switch.
    let mut cfg = cfg.clone();
    cfg["notification_type"] = json!("notifications");
    cfg["webhooks"] = json!([{"url": php.url("/zender"), "events": ["notification"]}]);
    put(&app, "zender", cfg).await;
    let data = json!({"package": "com.facebook.katana", "title": "t", "content": "c"});
    fire(
        &app,
        "zender",
        json!({"event": "notification", "data": data}),
    )
    .await;
    let got = php.wait_for(3).await;
    assert_eq!(
        (got[2]["valid"].clone(), got[2]["type"].clone()),
        (json!(true), json!("notifications"))
    );
    assert_eq!(got[2]["data"]["package"], "com.facebook.katana");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raspisms_signature_and_body_are_checked_by_php() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    let cfg = put(
        &app,
        "raspisms",
        json!({"id_phone": 3, "webhooks": [
            {"url": php.url("/raspisms"), "type": "receive_sms"},
            {"url": php.url("/raspisms"), "type": "inbound_call"}]}),
    )
    .await;
    let key = cfg["api_key"]
        .as_str()
        .expect("a generated API key")
        .to_string();
    php.expect(json!({ "raspisms_key": key }));

    // 2,500 characters: one webhook per 1,000-character chunk.
    let text = format!("Café / {}", "x".repeat(2493));
    let made = fire(
        &app,
        "raspisms",
        json!({"event": "receive_sms", "data": {"origin": "+33612345678", "text": text}}),
    )
    .await;
    assert_eq!(made.len(), 3);
    let got = php.wait_for(3).await;
    let mut joined = String::new();
    for r in &got[..3] {
        assert_eq!(r["valid"], true, "hash_hmac matches: {r}");
        assert_eq!(r["fresh"], true);
        assert_eq!(r["id_matches_timestamp"], true);
        assert_eq!(r["rebuilt_equal"], true, "{r}");
        assert_eq!(
            r["reencoded_equal"], true,
            "PHP's json_encode gives back the body: {r}"
        );
        assert_eq!(r["type"], "receive_sms");
        assert_eq!(
            r["fields"],
            json!([
                "webhook_timestamp",
                "webhook_type",
                "webhook_random_id",
                "webhook_signature",
                "body"
            ])
        );
        assert_eq!(r["body"]["destination"], 3);
        assert_eq!(r["body"]["origin"], "+33612345678");
        assert_eq!(r["body"]["mms"], false);
        joined.push_str(r["body"]["text"].as_str().unwrap_or(""));
    }
    assert_eq!(joined, text);
    assert!(
        got[0]["raw"]
            .as_str()
            .unwrap_or("")
            .contains("Caf%5Cu00e9+%5C%2F"),
        "PHP escapes: {}",
        got[0]["raw"]
    );

    // Faults: each detected by the receiver.
    for fault in ["bad_signature", "bad_secret"] {
        fire(
            &app,
            "raspisms",
            json!({"event": "inbound_call", "data": {"origin": "+33612345678"}, "fault": fault}),
        )
        .await;
    }
    fire(
        &app,
        "raspisms",
        json!({"event": "inbound_call", "fault": "stale_timestamp"}),
    )
    .await;
    fire(
        &app,
        "raspisms",
        json!({"event": "inbound_call", "fault": "duplicate"}),
    )
    .await;
    let got = php.wait_for(8).await;
    assert_eq!(got.len(), 8);
    assert_eq!(got[3]["valid"], false, "bad_signature");
    assert_eq!(got[4]["valid"], false, "bad_secret");
    assert_eq!(
        (got[5]["valid"].clone(), got[5]["fresh"].clone()),
        (json!(true), json!(false)),
        "stale"
    );
    assert_eq!(got[6]["random_id"], got[7]["random_id"], "duplicate");
    assert_eq!(got[6]["raw"], got[7]["raw"]);
    assert_eq!(got[3]["body"]["direction"], "inbound");
    assert_eq!(got[3]["body"]["end"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsgateway24_json_in_both_schemas() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    let hooks = json!({"incoming": php.url("/smsgateway24/incoming"), "statuses": php.url("/smsgateway24/statuses")});
    let cfg = put(
        &app,
        "smsgateway24",
        json!({"device_id": 260, "webhooks": hooks}),
    )
    .await;
    assert_eq!(cfg["schema"], "current");
    assert_eq!(cfg["device_name"], "Pixel 6");
    fire(
        &app,
        "smsgateway24",
        json!({"event": "incoming", "data": {"address": "+4915752982212", "body": "Hi / ü"}}),
    )
    .await;
    put(
        &app,
        "smsgateway24",
        json!({"device_id": 260, "schema": "2023", "webhooks": hooks}),
    )
    .await;
    fire(
        &app,
        "smsgateway24",
        json!({"event": "incoming", "data": {"address": "+4915752982212", "body": "Hi"}}),
    )
    .await;
    fire(
        &app,
        "smsgateway24",
        json!({"event": "status", "data": {"status_id": 7, "sendto": "+4915752982212"}}),
    )
    .await;
    let got = php.wait_for(3).await;
    let (a, b, c) = (&got[0], &got[1], &got[2]);
    assert_eq!(a["content_type"], "application/json");
    assert_eq!(a["reencoded_equal"], true, "{a}");
    assert_eq!(a["json"]["address"], "+4915752982212");
    assert_eq!(a["json"]["type"], "text");
    assert_eq!(a["json"]["channel_id"], 1);
    assert_eq!(a["json"]["device_id"], 260);
    assert_eq!(a["json"]["body"], "Hi / ü");
    assert_eq!(b["json"]["address"], 4915752982212u64);
    assert_eq!(b["json"]["sim"], 1);
    assert!(b["json"].get("type").is_none());
    assert_eq!(c["path"], "/smsgateway24/statuses");
    assert_eq!(c["json"]["status_id"], 7);
    assert_eq!(c["json"]["status_message"], "SMS has been Delivered");
    // An image: the WhatsApp variant, whatever the schema.
    let img = json!({"address": "+4915752982212", "img_url": "https://s3.example/a.jpg"});
    fire(
        &app,
        "smsgateway24",
        json!({"event": "incoming", "data": img}),
    )
    .await;
    let got = php.wait_for(4).await;
    let i = &got[3]["json"];
    assert_eq!(
        (i["type"].clone(), i["body"].clone()),
        (json!("img"), json!(""))
    );
    assert_eq!(i["img_url"], "https://s3.example/a.jpg");
    assert_eq!(i["internal_id"], Value::Null);
    assert!(i.get("device_id").is_none());
    // No secret to get wrong.
    let (s, b) = app
        .post("/v1/emulator/gateways/smsgateway24/events", json!({"event": "incoming", "data": {"address": "1", "body": "x"}, "fault": "bad_secret"}))
        .await;
    assert_error(s, &b, 400, 1009);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_api_errors_and_reset() {
    let app = spawn_emulator().await;
    let (s, b) = app.get("/v1/emulator/gateways/twilio").await;
    assert_error(s, &b, 404, 1006);
    // Every route is in the spec, and its error answers validate.
    let (s, b) = app.get("/v1/emulator/gateways/raspisms").await;
    check(
        &spec(),
        "get",
        "/v1/emulator/gateways/raspisms",
        s.as_u16(),
        &b,
    );
    let (s, b) = app.get("/v1/emulator/gateways/zender").await;
    assert_error(s, &b, 404, 1006);
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/gateways/zender",
            Some(json!({"webhooks": [{"url": "ftp://x", "events": ["sms"]}]})),
        )
        .await;
    assert_error(s, &b, 400, 1009);
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/gateways/zender",
            Some(json!({"webhooks": [], "colour": 1})),
        )
        .await;
    assert_error(s, &b, 400, 1010);
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/gateways/zender",
            Some(json!({"secret": "short", "webhooks": []})),
        )
        .await;
    assert_error(s, &b, 400, 1009);
    let cfg = put(&app, "zender", json!({"webhooks": []})).await;
    // What GET answers can be PUT back as it is.
    let (s, b) = app.get("/v1/emulator/gateways/zender").await;
    assert_eq!(s, 200);
    check(&spec(), "get", "/v1/emulator/gateways/zender", 200, &b);
    assert_eq!(b["gateways"][0], cfg);
    assert_eq!(put(&app, "zender", cfg.clone()).await, cfg);
    let (s, b) = app
        .post(
            "/v1/emulator/gateways/zender/events",
            json!({"event": "mms"}),
        )
        .await;
    assert_error(s, &b, 400, 1009);
    let (s, b) = app
        .post(
            "/v1/emulator/gateways/zender/events",
            json!({"event": "sms", "data": {"message": "x"}}),
        )
        .await;
    assert_error(s, &b, 400, 1008);
    let (s, b) = app.post("/v1/emulator/gateways/zender/events", json!({"event": "sms", "data": {"phone": "1", "message": "x"}, "fault": "bad_signature"})).await;
    assert_error(s, &b, 400, 1009);
    let (s, b) = app
        .post(
            "/v1/emulator/gateways/zender/messages",
            json!({"to": "abc", "text": "x"}),
        )
        .await;
    assert_error(s, &b, 400, 1009);

    let (s, _) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(s, 200);
    let (s, b) = app.get("/v1/emulator/gateways/zender").await;
    assert_error(s, &b, 404, 1006);
    put(&app, "zender", json!({"webhooks": []})).await;
    let (s, _) = app
        .call(Method::DELETE, "/v1/emulator/gateways/zender", None)
        .await;
    assert_eq!(s, 200);
    let (s, b) = app
        .call(Method::DELETE, "/v1/emulator/gateways/zender", None)
        .await;
    assert_error(s, &b, 404, 1006);
}
