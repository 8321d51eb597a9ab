//! The control API: play the customer, steer the network, inspect, reset, live events.

use crate::helpers::*;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn inject(app: &Api, body: Value) -> String {
    let (status, res) = app.post("/v1/emulator/inbound", body.clone()).await;
    assert_eq!(status, 200, "{body} -> {res}");
    res["messages"][0]["id"].as_str().unwrap().to_string()
}

fn message<'a>(received: &'a [Received], id: &str) -> Option<&'a Received> {
    received.iter().find(|r| {
        r.body["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["id"] == id))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inbound_type_reaches_the_webhook_in_the_on_prem_shape() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let from = "16315551234";
    let picture = vec![0xff, 0xd8, 0xff, 0xe0, 9, 8, 7];
    let b64 = base64::engine::general_purpose::STANDARD.encode(&picture);
    let cases = vec![
        json!({"from": from, "profile_name": "Kerry Fisher", "type": "text", "text": {"body": "hello"}}),
        json!({"from": from, "type": "image", "image": {"caption": "look", "data_base64": b64, "mime_type": "image/jpeg"}}),
        json!({"from": from, "type": "video", "video": {}}),
        json!({"from": from, "type": "audio", "audio": {}}),
        json!({"from": from, "type": "voice", "voice": {}}),
        json!({"from": from, "type": "document", "document": {"filename": "a.pdf", "caption": "doc"}}),
        json!({"from": from, "type": "sticker", "sticker": {"metadata": {"sticker-pack-id": "p1", "emojis": ["x"]}}}),
        json!({"from": from, "type": "location", "location": {"latitude": 38.9, "longitude": -77.0, "name": "Place", "address": "Street"}}),
        json!({"from": from, "type": "contacts", "contacts": [{"name": {"formatted_name": "Ann Lee", "first_name": "Ann"}, "phones": [{"phone": "+1 555", "type": "CELL", "wa_id": "1555"}]}]}),
        json!({"from": from, "type": "button", "button": {"payload": "No-Button-Payload", "text": "No"}, "context": {"id": "gBEGkYiEB1VXAglK1ZEqA1YKPrU"}}),
        json!({"from": from, "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "y", "title": "Yes"}}}),
        json!({"from": from, "type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "r1", "title": "Row", "description": "d"}}}),
        json!({"from": from, "type": "text", "text": {"body": "fwd"}, "context": {"forwarded": true}}),
        json!({"from": from, "type": "text", "text": {"body": "from an ad"}, "referral": {"headline": "H", "body": "B", "source_type": "ad", "source_id": "1", "source_url": "https://fb.test/ad"}}),
        json!({"from": from, "type": "system", "system": {"type": "user_changed_number", "new_wa_id": "16315558890"}}),
        json!({"from": from, "type": "system", "system": {"type": "user_identity_changed"}}),
        json!({"from": from, "type": "unknown"}),
    ];
    let mut ids = Vec::new();
    for c in &cases {
        ids.push(inject(&app, c.clone()).await);
    }
    let got = rx
        .wait_until(WAIT, |r| ids.iter().all(|id| message(r, id).is_some()))
        .await;
    // Messages from one customer arrive in the order they were sent.
    let order: Vec<String> = all_items(&got, "messages")
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, ids);

    let text = &message(&got, &ids[0]).unwrap().body;
    assert_eq!(
        text["contacts"],
        json!([{"profile": {"name": "Kerry Fisher"}, "wa_id": from}])
    );
    let m = &text["messages"][0];
    assert_eq!(
        (
            m["from"].as_str(),
            m["type"].as_str(),
            m["text"]["body"].as_str()
        ),
        (Some(from), Some("text"), Some("hello"))
    );
    assert!(m["id"].as_str().unwrap().starts_with("ABGG"));
    assert!(m["timestamp"].as_str().unwrap().parse::<u64>().is_ok());

    // Media: the app downloads the bytes by id and checks the sha256.
    let image = &message(&got, &ids[1]).unwrap().body["messages"][0]["image"];
    assert_eq!(image["mime_type"], "image/jpeg");
    assert_eq!(image["caption"], "look");
    let res = app
        .authed(
            Method::GET,
            &format!("/v1/media/{}", image["id"].as_str().unwrap()),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().as_ref(), picture.as_slice());
    use sha2::Digest;
    assert_eq!(image["sha256"], hex::encode(sha2::Sha256::digest(&picture)));
    let voice = &message(&got, &ids[4]).unwrap().body["messages"][0]["voice"];
    assert_eq!(voice["mime_type"], "audio/ogg; codecs=opus");

    let button = &message(&got, &ids[9]).unwrap().body["messages"][0];
    assert_eq!(
        button["context"],
        json!({"id": "gBEGkYiEB1VXAglK1ZEqA1YKPrU", "from": "16315551000"})
    );
    assert_eq!(
        message(&got, &ids[12]).unwrap().body["messages"][0]["context"]["forwarded"],
        true
    );
    assert_eq!(
        message(&got, &ids[13]).unwrap().body["messages"][0]["referral"]["source_type"],
        "ad"
    );
    let changed = &message(&got, &ids[14]).unwrap().body;
    assert!(changed.get("contacts").is_none());
    assert!(changed["messages"][0]["system"]["body"]
        .as_str()
        .unwrap()
        .contains("16315558890"));
    let unknown = &message(&got, &ids[16]).unwrap().body["messages"][0];
    assert_eq!(unknown["errors"][0]["code"], 501);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_injections_are_refused() {
    let app = spawn_emulator().await;
    for (body, code) in [
        (
            json!({"from": "16315551234", "type": "text", "text": {}}),
            1008,
        ),
        (
            json!({"from": "16315551234", "type": "carrier_pigeon"}),
            1009,
        ),
        (
            json!({"from": "bob", "type": "text", "text": {"body": "x"}}),
            1009,
        ),
        (
            json!({"from": "16315551234", "type": "text", "text": {"body": "x"}, "color": "red"}),
            1010,
        ),
        (json!({"type": "text", "text": {"body": "x"}}), 1008),
        (
            json!({"from": "16315551234", "type": "image", "image": {"data_base64": "%%%"}}),
            1009,
        ),
        (
            json!({"from": "16315551234", "type": "sticker", "sticker": {"mime_type": "application/x-foo"}}),
            1009,
        ),
        (
            json!({"from": "16315551234", "type": "voice", "voice": {"mime_type": "image/png"}}),
            1009,
        ),
    ] {
        let (status, res) = app.post("/v1/emulator/inbound", body.clone()).await;
        assert_eq!(res["errors"][0]["code"], code, "{body} -> {res}");
        assert_eq!(status, 400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_marks_an_inbound_message_read() {
    let app = spawn_emulator().await;
    let id = inject(
        &app,
        json!({"from": "16315551234", "type": "text", "text": {"body": "hi"}}),
    )
    .await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/messages/{id}"),
            Some(json!({"status": "read"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = app.get("/v1/emulator/inbound").await;
    assert!(list["messages"][0]["read_ms"].as_u64().is_some(), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_statuses_script_a_message_and_inspection_shows_them() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let (status, _) = app
        .call(
            Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [{"number": "1777*", "action": "manual"}]})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, rules) = app.get("/v1/emulator/rules").await;
    assert_eq!(
        rules["rules"],
        json!([{"number": "1777*", "action": "manual"}])
    );
    let (_, sent) = app
        .post(
            "/v1/messages",
            json!({"to": "17775550001", "text": {"body": "scripted"}}),
        )
        .await;
    let id = sent["messages"][0]["id"].as_str().unwrap().to_string();
    let (_, other) = app.post("/v1/messages", json!({"to": "16315550002", "type": "location", "location": {"latitude": 1, "longitude": 2}})).await;
    assert!(other["messages"][0]["id"].is_string());

    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        rx.received()
            .iter()
            .all(|r| !r.body.to_string().contains(&id)),
        "manual: no status until forced"
    );
    let (_, one) = app.get(&format!("/v1/emulator/messages/{id}")).await;
    assert_eq!(one["messages"][0]["status"], "accepted");
    assert_eq!(
        one["messages"][0]["request"],
        json!({"to": "17775550001", "text": {"body": "scripted"}}),
        "stored exactly as sent"
    );

    for (status, code) in [
        ("delivered", None),
        ("read", None),
        ("failed", Some(480)),
        ("deleted", None),
    ] {
        let mut body = json!({"status": status});
        if let Some(c) = code {
            body["code"] = json!(c);
        }
        let (s, res) = app
            .post(&format!("/v1/emulator/messages/{id}/status"), body)
            .await;
        assert_eq!(s, 200, "{res}");
    }
    let got = rx
        .wait_until(WAIT, |r| {
            all_items(r, "statuses")
                .iter()
                .filter(|s| s["id"] == id)
                .count()
                >= 4
        })
        .await;
    let st: Vec<Value> = all_items(&got, "statuses")
        .into_iter()
        .filter(|s| s["id"] == id)
        .collect();
    let names: Vec<&str> = st.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(names, ["delivered", "read", "failed", "deleted"]);
    assert_eq!(st[2]["errors"][0]["code"], 480);
    let (_, one) = app.get(&format!("/v1/emulator/messages/{id}")).await;
    assert_eq!(one["messages"][0]["status"], "deleted");

    let (_, filtered) = app.get("/v1/emulator/messages?to=17775550001").await;
    assert_eq!(filtered["messages"].as_array().unwrap().len(), 1);
    let (_, filtered) = app.get("/v1/emulator/messages?type=location").await;
    assert_eq!(filtered["messages"].as_array().unwrap().len(), 1);
    let (_, none) = app
        .get("/v1/emulator/messages?since_ms=99999999999999")
        .await;
    assert!(none["messages"].as_array().unwrap().is_empty());

    let (s, res) = app
        .post(
            &format!("/v1/emulator/messages/{id}/status"),
            json!({"status": "exploded"}),
        )
        .await;
    assert_error(s, &res, 400, 1009);
    let (s, res) = app
        .post(
            "/v1/emulator/messages/nope/status",
            json!({"status": "read"}),
        )
        .await;
    assert_error(s, &res, 404, 1006);
    let (s, res) = app
        .call(
            Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [{"number": "12x", "action": "invalid"}]})),
        )
        .await;
    assert_error(s, &res, 400, 1009);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_wipes_the_slate_without_a_restart() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    rx.set_default(Answer::Status(500));
    app.post(
        "/v1/messages",
        json!({"to": "16315550003", "text": {"body": "x"}}),
    )
    .await;
    let inbound = inject(
        &app,
        json!({"from": "16315551234", "type": "image", "image": {}}),
    )
    .await;
    let (_, list) = app.get("/v1/emulator/inbound").await;
    let media_id = list["messages"][0]["notification"]["messages"][0]["image"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/v1/users",
        json!({"username": "temp", "password": "Passw0rd!"}),
    )
    .await;

    let (status, _) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(status, 200);
    let (_, msgs) = app.get("/v1/emulator/messages").await;
    assert!(msgs["messages"].as_array().unwrap().is_empty());
    let (_, cbs) = app.get("/v1/emulator/callbacks").await;
    assert!(cbs["callbacks"].as_array().unwrap().is_empty());
    assert_eq!(cbs["pending"], 0);
    let (status, _) = app.get(&format!("/v1/media/{media_id}")).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/v1/messages/{inbound}"),
            Some(json!({"status": "read"})),
        )
        .await;
    assert_eq!(status, 404);
    let (_, s) = app.get("/v1/settings/application").await;
    assert_eq!(
        s["settings"]["application"]["webhooks"]["url"], rx.url,
        "settings kept by default"
    );
    assert_eq!(
        app.login("temp", "Passw0rd!").await.0,
        200,
        "users kept by default"
    );

    let (status, _) = app
        .post(
            "/v1/emulator/reset",
            json!({"settings": true, "users": true, "certificates": true}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, s) = app.get("/v1/settings/application").await;
    assert!(s["settings"]["application"]["webhooks"]
        .get("url")
        .is_none());
    assert_eq!(app.login("temp", "Passw0rd!").await.0, 401);
    assert_eq!(app.login("admin", "secret").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_reports_what_happens() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let mut stream = app.send_authed(Method::GET, "/v1/emulator/events").await;
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let id = inject(
        &app,
        json!({"from": "16315551234", "type": "text", "text": {"body": "live"}}),
    )
    .await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !(seen.contains("\"inbound\"") && seen.contains("callback_attempt")) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("events in time")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains(&id));
    assert!(seen.starts_with("data: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_needs_an_admin() {
    let app = spawn_emulator().await;
    app.post(
        "/v1/users",
        json!({"username": "u1", "password": "Passw0rd!"}),
    )
    .await;
    let (_, body) = app.login("u1", "Passw0rd!").await;
    let user = body["users"][0]["token"].as_str().unwrap().to_string();
    let (status, body) = app
        .call_as(&user, Method::POST, "/v1/emulator/reset", None)
        .await;
    assert_error(status, &body, 403, 1005);
    let res = app
        .client
        .get(format!("{}/v1/emulator/messages", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_inputs_are_closed_and_checked() {
    let app = spawn_emulator().await;
    let put = |path: &'static str, body: Value| {
        let app = &app;
        async move { app.call(Method::PUT, path, Some(body)).await }
    };
    for (rule, code, field) in [
        (
            json!({"number": "1", "action": "manual", "code": 4}),
            1010,
            "rules[0].code",
        ),
        (
            json!({"number": "1", "action": "never_read", "delay_ms": 4}),
            1010,
            "rules[0].delay_ms",
        ),
        (
            json!({"number": "1", "action": "fail"}),
            1008,
            "rules[0].code",
        ),
        (
            json!({"number": "1", "action": "fail", "code": 0}),
            1009,
            "rules[0].code",
        ),
    ] {
        let (status, body) = put("/v1/emulator/rules", json!({"rules": [rule.clone()]})).await;
        assert_error(status, &body, 400, code);
        let details = body["errors"][0]["details"].as_str().unwrap();
        assert!(details.contains(field), "{rule}: {details}");
    }
    // Any On-Prem code can fail a message, not only 4xx-looking ones.
    let (status, _) = put(
        "/v1/emulator/rules",
        json!({"rules": [{"number": "1", "action": "fail", "code": 1026}]}),
    )
    .await;
    assert_eq!(status, 200);

    let (status, body) = put(
        "/v1/emulator/templates",
        json!({"templates": [{"name": "t", "language": "en", "components": [{"type": "header", "format": "location"}]}]}),
    )
    .await;
    assert_error(status, &body, 400, 1009);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("format"));

    let (status, body) = app.get("/v1/emulator/inbound?state=pending").await;
    assert_error(status, &body, 400, 1009);
    let (status, _) = app.get("/v1/emulator/inbound?limit=5").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_read_on_a_failing_disk_answers_1023_and_changes_nothing() {
    let app = spawn_emulator().await;
    let id = inject(
        &app,
        json!({"from": "16315551234", "type": "text", "text": {"body": "hi"}}),
    )
    .await;
    app.set_store_fault(true).await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/messages/{id}"),
            Some(json!({"status": "read"})),
        )
        .await;
    assert_error(status, &body, 500, 1023);
    let (_, list) = app.get("/v1/emulator/inbound").await;
    assert!(list["messages"][0].get("read_ms").is_none(), "{list}");
    app.set_store_fault(false).await;
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/v1/messages/{id}"),
            Some(json!({"status": "read"})),
        )
        .await;
    assert_eq!(status, 200);
}
