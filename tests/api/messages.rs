//! Sending every message type, the status lifecycle by webhook, filters, recipient rules.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn send(app: &Api, body: Value) -> String {
    let (status, res) = app.post("/v1/messages", body.clone()).await;
    assert_eq!(status, 201, "{body} -> {res}");
    let id = res["messages"][0]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("gBEG") && id.len() == 27, "{id}");
    id
}

fn statuses_of(received: &[Received], id: &str) -> Vec<Value> {
    all_items(received, "statuses")
        .into_iter()
        .filter(|s| s["id"] == id)
        .collect()
}

fn names(statuses: &[Value]) -> Vec<String> {
    statuses
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

async fn ready(sent_status: bool) -> (TestApp, TestReceiver) {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({"webhooks": {"message": {"sent": sent_status}}}))
        .await;
    (app, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_goes_sent_delivered_read_in_order() {
    let (app, rx) = ready(true).await;
    let id = send(&app, json!({"to": "+1 631-555-1001", "type": "text", "text": {"body": "hello"}, "preview_url": false})).await;
    let got = rx
        .wait_until(WAIT, |r| statuses_of(r, &id).len() >= 3)
        .await;
    let st = statuses_of(&got, &id);
    assert_eq!(names(&st), ["sent", "delivered", "read"]);
    for s in &st {
        assert_eq!(s["recipient_id"], "16315551001");
        assert!(s["timestamp"].as_str().unwrap().parse::<u64>().is_ok());
    }
    assert_eq!(st[0]["conversation"]["id"], st[1]["conversation"]["id"]);
    assert_eq!(
        st[1]["pricing"],
        json!({"billable": true, "pricing_model": "CBP", "category": "service"})
    );
    assert!(st[2].get("pricing").is_none());
    // Each POST is a flat On-Prem body: no Cloud API wrapper.
    assert!(got
        .iter()
        .all(|r| r.body.get("entry").is_none() && r.body.get("object").is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_are_honoured() {
    let (app, rx) = ready(false).await;
    let (status, _) = app
        .patch(
            "/v1/settings/application",
            json!({"webhooks": {"message": {"read": false}}}),
        )
        .await;
    assert_eq!(status, 200);
    let id = send(&app, json!({"to": "16315551002", "text": {"body": "x"}})).await;
    let second = send(&app, json!({"to": "16315551002", "text": {"body": "y"}})).await;
    rx.wait_until(WAIT, |r| !statuses_of(r, &second).is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(names(&statuses_of(&rx.received(), &id)), ["delivered"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_need_a_webhook_url() {
    let app = spawn_emulator().await;
    let (status, body) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551001", "text": {"body": "x"}}),
        )
        .await;
    assert_error(status, &body, 412, 1022);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_type_is_accepted_and_notified() {
    let (app, rx) = ready(false).await;
    let media_id = app
        .upload_media("image/jpeg", vec![0xff, 0xd8, 0xff, 1, 2, 3])
        .await;
    let audio_id = app.upload_media("audio/ogg", b"OggS".to_vec()).await;
    let to = "16315551003";
    // A group send needs a group the business created (see groups_webhooks.rs).
    let group = crate::groups::create_group(&app, "All").await;
    let bodies = vec![
        json!({"to": to, "type": "text", "text": {"body": "hi"}, "preview_url": true}),
        json!({"to": to, "type": "image", "image": {"id": media_id, "caption": "a picture"}}),
        json!({"to": to, "type": "image", "image": {"link": "https://example.test/a.jpg", "provider": {"name": "cdn"}}}),
        json!({"to": to, "type": "video", "video": {"link": "https://example.test/a.mp4", "caption": "v"}}),
        json!({"to": to, "type": "document", "document": {"link": "https://example.test/a.pdf", "filename": "a.pdf", "caption": "d"}}),
        json!({"to": to, "type": "audio", "audio": {"id": audio_id}}),
        json!({"to": to, "type": "sticker", "sticker": {"link": "https://example.test/s.webp"}}),
        json!({"to": to, "type": "location", "location": {"latitude": 37.48, "longitude": -122.15, "name": "HQ", "address": "1 Hacker Way"}}),
        json!({"to": to, "type": "contacts", "contacts": [{"name": {"formatted_name": "Ann Lee", "first_name": "Ann"}, "phones": [{"phone": "+1 631 555 0000", "type": "CELL"}]}]}),
        json!({"to": to, "type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "y", "title": "Yes"}}]}}}),
        json!({"to": to, "type": "interactive", "interactive": {"type": "list", "header": {"type": "text", "text": "H"}, "body": {"text": "Pick"}, "footer": {"text": "F"}, "action": {"button": "Open", "sections": [{"title": "S", "rows": [{"id": "1", "title": "One", "description": "d"}]}]}}}),
        json!({"to": to, "type": "interactive", "interactive": {"type": "product", "body": {"text": "Look"}, "action": {"catalog_id": "c1", "product_retailer_id": "p1"}}}),
        json!({"to": to, "type": "interactive", "interactive": {"type": "product_list", "header": {"type": "text", "text": "H"}, "body": {"text": "Look"}, "action": {"catalog_id": "c1", "sections": [{"title": "S", "product_items": [{"product_retailer_id": "p1"}]}]}}}),
        json!({"to": to, "type": "template", "template": {"namespace": "ns", "name": "order", "language": {"policy": "deterministic", "code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "document", "document": {"id": media_id}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ann"}, {"type": "currency", "currency": {"fallback_value": "$10", "code": "USD", "amount_1000": 10000}}, {"type": "date_time", "date_time": {"fallback_value": "May 1"}}]},
            {"type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [{"type": "payload", "payload": "ok"}]},
            {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "abc"}]}]}}),
        json!({"to": to, "type": "hsm", "hsm": {"namespace": "ns", "element_name": "hello", "language": {"policy": "deterministic", "code": "en"}, "localizable_params": [{"default": "Ann"}]}}),
        json!({"to": group, "recipient_type": "group", "type": "text", "text": {"body": "all"}}),
    ];
    let mut ids = Vec::new();
    for b in bodies {
        ids.push(send(&app, b).await);
    }
    let got = rx
        .wait_until(WAIT, |r| ids.iter().all(|id| statuses_of(r, id).len() >= 2))
        .await;
    for id in &ids {
        assert_eq!(names(&statuses_of(&got, id)), ["delivered", "read"], "{id}");
    }
    let template_status = &statuses_of(&got, &ids[13])[0];
    assert_eq!(template_status["recipient_id"], to);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_sends_get_the_real_codes() {
    let (app, _rx) = ready(false).await;
    let cases = [
        (json!({"text": {"body": "x"}}), 400, 1008),
        (json!({"to": "16315551001", "text": {}}), 400, 1008),
        (json!({"to": "16315551001", "text": {"body": 5}}), 400, 1009),
        (
            json!({"to": "16315551001", "text": {"body": "x".repeat(4097)}}),
            400,
            1001,
        ),
        (json!({"to": "12", "text": {"body": "x"}}), 400, 1013),
        (
            json!({"to": "16315551001", "recipient_type": "all", "text": {"body": "x"}}),
            400,
            1002,
        ),
        (
            json!({"to": "16315551001", "type": "image", "image": {"id": "no-such-media"}}),
            404,
            1006,
        ),
        (
            json!({"to": "16315551001", "type": "audio", "audio": {"link": "https://x.test/a.ogg", "caption": "no"}}),
            400,
            1010,
        ),
        (
            json!({"to": "16315551001", "type": "template", "template": {"namespace": "n", "name": "t", "language": {"code": "en"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "a\tb"}]}]}}),
            400,
            2006,
        ),
        (
            json!({"to": "16315551001", "type": "template", "template": {"namespace": "n", "name": "t", "language": {"code": "en"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "x".repeat(1025)}]}]}}),
            400,
            2004,
        ),
        (
            json!({"to": "16315551001", "type": "template", "template": {"namespace": "n", "name": "t", "language": {"code": "en"}, "components": [{"type": "body", "parameters": [{"type": "image", "image": {"link": "https://x.test/i.jpg"}}]}]}}),
            400,
            2008,
        ),
        (
            json!({"to": "16315551001", "type": "template", "template": {"namespace": "n", "name": "t", "language": {"code": "en"}, "components": [{"type": "body", "parameters": [{"type": "money"}]}]}}),
            400,
            2012,
        ),
        (
            json!({"to": "15550000404", "text": {"body": "x"}}),
            400,
            1013,
        ),
        (json!("text"), 400, 1009),
    ];
    for (body, status, code) in cases {
        let (s, b) = app.post("/v1/messages", body.clone()).await;
        assert_error(s, &b, status, code);
        assert!(b["errors"][0]["details"].is_string(), "{body} -> {b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_numbers_steer_the_network() {
    let (app, rx) = ready(true).await;
    let fail470 = send(&app, json!({"to": "15550000470", "text": {"body": "x"}})).await;
    let fail480 = send(
        &app,
        json!({"to": "+1 555 000 0480", "text": {"body": "x"}}),
    )
    .await;
    let no_read = send(&app, json!({"to": "15550000001", "text": {"body": "x"}})).await;
    let no_delivery = send(&app, json!({"to": "15550000002", "text": {"body": "x"}})).await;
    let normal = send(&app, json!({"to": "16315551009", "text": {"body": "x"}})).await;
    let got = rx
        .wait_until(WAIT, |r| {
            statuses_of(r, &normal).len() >= 3 && !statuses_of(r, &fail480).is_empty()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = [got, rx.received()].concat();
    let f = statuses_of(&got, &fail470);
    assert_eq!(names(&f)[0], "failed");
    assert_eq!(f[0]["errors"][0]["code"], 470);
    assert!(f[0]["errors"][0]["title"]
        .as_str()
        .unwrap()
        .contains("24 hours"));
    assert_eq!(statuses_of(&got, &fail480)[0]["errors"][0]["code"], 480);
    let nr: std::collections::BTreeSet<String> =
        names(&statuses_of(&got, &no_read)).into_iter().collect();
    assert_eq!(nr.into_iter().collect::<Vec<_>>(), ["delivered", "sent"]);
    let nd: std::collections::BTreeSet<String> = names(&statuses_of(&got, &no_delivery))
        .into_iter()
        .collect();
    assert_eq!(nd.into_iter().collect::<Vec<_>>(), ["sent"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_normalised_and_checked_by_the_rules() {
    let app = spawn_emulator().await;
    let (status, body) = app
        .post("/v1/contacts", json!({"blocking": "wait", "contacts": ["+1 (631) 555-1001", "631 555 1002", "15550000404", "not-a-number"], "force_check": true}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["contacts"],
        json!([
            {"input": "+1 (631) 555-1001", "status": "valid", "wa_id": "16315551001"},
            {"input": "631 555 1002", "status": "valid", "wa_id": "16315551002"},
            {"input": "15550000404", "status": "invalid"},
            {"input": "not-a-number", "status": "invalid"}
        ])
    );
    let (status, body) = app
        .post(
            "/v1/contacts",
            json!({"blocking": "maybe", "contacts": ["1"]}),
        )
        .await;
    assert_error(status, &body, 400, 1009);
    let (status, body) = app.post("/v1/contacts", json!({"blocking": "wait"})).await;
    assert_error(status, &body, 400, 1008);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_round_trip_by_bytes_and_sha256() {
    use sha2::{Digest, Sha256};
    let app = spawn_emulator().await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let id = app.upload_media("application/pdf", bytes.clone()).await;
    let res = app
        .send_authed(Method::GET, &format!("/v1/media/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let sha = res.headers()["x-sha256"].to_str().unwrap().to_string();
    let got = res.bytes().await.unwrap();
    assert_eq!(got.as_ref(), bytes.as_slice());
    assert_eq!(sha, hex::encode(Sha256::digest(&bytes)));

    let res = app
        .send_authed(Method::DELETE, &format!("/v1/media/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .send_authed(Method::GET, &format!("/v1/media/{id}"))
        .await;
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 404, 1006);

    let (s, b) = app
        .raw(
            Method::POST,
            "/v1/media",
            Some("application/x-unknown"),
            vec![1],
        )
        .await;
    assert_error(s, &b, 400, 1009);
    let (s, b) = app
        .raw(
            Method::POST,
            "/v1/media",
            Some("image/webp"),
            vec![0; 600 * 1024],
        )
        .await;
    assert_error(s, &b, 400, 1009);
    assert!(b["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("limit"));
    let (s, b) = app
        .raw(Method::POST, "/v1/media", Some("image/png"), vec![])
        .await;
    assert_error(s, &b, 400, 1008);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_an_unknown_message_read_is_404() {
    let app = spawn_emulator().await;
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            "/v1/messages/ABGGunknown",
            Some(json!({"status": "read"})),
        )
        .await;
    assert_error(status, &body, 404, 1006);
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            "/v1/messages/ABGGunknown",
            Some(json!({"status": "delivered"})),
        )
        .await;
    assert_error(status, &body, 400, 1009);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_status_holds_back_the_later_ones_of_its_message() {
    let (app, rx) = ready(true).await;
    rx.script([Answer::Status(500), Answer::Status(503)]);
    let id = send(&app, json!({"to": "16315551010", "text": {"body": "x"}})).await;
    let got = rx
        .wait_until(WAIT, |r| {
            statuses_of(
                &r.iter()
                    .filter(|x| x.answered == 200)
                    .cloned()
                    .collect::<Vec<_>>(),
                &id,
            )
            .len()
                >= 3
        })
        .await;
    let st = statuses_of(&got, &id);
    assert_eq!(
        names(&st),
        ["sent", "sent", "sent", "delivered", "read"],
        "two failed tries of sent, then in order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registered_templates_are_enforced() {
    let (app, _rx) = ready(false).await;
    let template = |params: Vec<Value>| json!({"to": "16315551004", "type": "template", "template": {"namespace": "ns", "name": "shipped", "language": {"policy": "deterministic", "code": "en_US"}, "components": [{"type": "body", "parameters": params}]}});
    // No registry: any template is accepted.
    assert_eq!(app.post("/v1/messages", template(vec![])).await.0, 201);
    let (status, body) = app
        .call(reqwest::Method::PUT, "/v1/emulator/templates", Some(json!({"templates": [{"name": "shipped", "language": "en_US", "components": [{"type": "body", "text": "Hi {{1}}, order {{2}} shipped"}]}]})))
        .await;
    assert_eq!(status, 200, "{body}");
    let two = vec![
        json!({"type": "text", "text": "Ann"}),
        json!({"type": "text", "text": "42"}),
    ];
    assert_eq!(app.post("/v1/messages", template(two.clone())).await.0, 201);
    let (status, body) = app.post("/v1/messages", template(two[..1].to_vec())).await;
    assert_error(status, &body, 400, 2000);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("expects 2"));
    let mut other = template(two);
    other["template"]["name"] = json!("unknown_template");
    let (status, body) = app.post("/v1/messages", other).await;
    assert_error(status, &body, 404, 2001);
    let (_, list) = app.get("/v1/emulator/templates").await;
    assert_eq!(list["templates"][0]["name"], "shipped");
    app.post("/v1/emulator/reset", json!({})).await;
    let (_, list) = app.get("/v1/emulator/templates").await;
    assert!(list["templates"].as_array().unwrap().is_empty());
}

/// The open conversation of each recipient is read from memory on every send (all of them are
/// loaded when the store opens): after a kill -9, the next send to the same recipient still joins
/// it, and a new recipient still opens a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_conversation_survives_a_kill_9() {
    async fn conversation_of_a_send(api: &Api, to: &str) -> Value {
        let body = json!({"to": to, "type": "text", "text": {"body": "hi"}});
        let (status, res) = api.post("/v1/messages", body).await;
        assert_eq!(status, 201, "{res}");
        let id = res["messages"][0]["id"].as_str().unwrap();
        let (status, m) = api.get(&format!("/v1/emulator/messages/{id}")).await;
        assert_eq!(status, 200, "{m}");
        m["messages"][0]["conversation"]["id"].clone()
    }
    let dir = tempfile::tempdir().unwrap();
    let hook = json!({"webhooks": {"url": "https://127.0.0.1:9/hook"}});
    let mut first = EmulatorProcess::start(dir.path(), &[]);
    let (status, _) = first.api.patch("/v1/settings/application", hook).await;
    assert_eq!(status, 200);
    let before = conversation_of_a_send(&first.api, "16315551001").await;
    assert!(before.is_string(), "{before}");
    assert_eq!(
        conversation_of_a_send(&first.api, "16315551001").await,
        before
    );
    first.kill9();
    let second = EmulatorProcess::start(dir.path(), &[]);
    assert_eq!(
        conversation_of_a_send(&second.api, "16315551001").await,
        before
    );
    let other = conversation_of_a_send(&second.api, "16315551002").await;
    assert!(other.is_string() && other != before, "{other}");
}

/// Conversations are kept in the records of the messages that opened them: an inbound message's
/// conversation is the one the reply continues, On-Prem and Cloud keep theirs apart, and both
/// are found again after a kill -9.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_and_cloud_conversations_survive_a_kill_9() {
    async fn conversation_of(api: &Api, id: &str) -> Value {
        let (status, m) = api.get(&format!("/v1/emulator/messages/{id}")).await;
        assert_eq!(status, 200, "{m}");
        m["messages"][0]["conversation"]["id"].clone()
    }
    async fn cloud_send(api: &Api, number: &str, to: &str) -> Value {
        let body = json!({"to": to, "type": "text", "text": {"body": "hi"}});
        let (status, res) = crate::cloud::send(api, number, "v21.0", body).await;
        assert_eq!(status, 200, "{res}");
        let id = res["messages"][0]["id"].as_str().unwrap().to_string();
        conversation_of(api, &id).await
    }
    async fn onprem_send(api: &Api, to: &str) -> Value {
        let id = send(
            api,
            json!({"to": to, "type": "text", "text": {"body": "hi"}}),
        )
        .await;
        conversation_of(api, &id).await
    }
    let dir = tempfile::tempdir().unwrap();
    let args = ["--cloud-access-token", "tok-1"];
    let hook = json!({"webhooks": {"url": "https://127.0.0.1:9/hook"}});
    let mut first = EmulatorProcess::start(dir.path(), &args);
    let (status, _) = first.api.patch("/v1/settings/application", hook).await;
    assert_eq!(status, 200);
    let (_, cfg) = first.api.get("/v1/emulator/cloud").await;
    let number = cfg["cloud"]["numbers"][0]["phone_number_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, res) = first
        .api
        .post(
            "/v1/emulator/inbound",
            json!({"from": "16315551011", "type": "text", "text": {"body": "hello"}}),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    let (_, listed) = first.api.get("/v1/emulator/inbound").await;
    let opened = listed["messages"][0]["conversation"].clone();
    assert_eq!(opened["origin"], "service", "{listed}");
    let onprem = opened["id"].clone();
    assert!(onprem.is_string(), "{listed}");
    assert_eq!(onprem_send(&first.api, "16315551011").await, onprem);
    crate::cloud::inbound(&first.api, &number, "16315551012", "hello").await;
    let cloud = cloud_send(&first.api, &number, "16315551012").await;
    assert!(cloud.is_string() && cloud != onprem, "{cloud}");
    let cloud_only = cloud_send(&first.api, &number, "16315551013").await;
    assert_eq!(
        cloud_send(&first.api, &number, "16315551013").await,
        cloud_only
    );
    // Answered by nothing before the kill: only the inbound record holds its conversation.
    crate::cloud::inbound(&first.api, &number, "16315551014", "unanswered").await;
    let (_, listed) = first.api.get("/v1/emulator/inbound").await;
    let unanswered = listed["messages"][2]["conversation"]["id"].clone();
    assert!(unanswered.is_string(), "{listed}");
    first.kill9();
    let second = EmulatorProcess::start(dir.path(), &args);
    let api = &second.api;
    assert_eq!(cloud_send(api, &number, "16315551014").await, unanswered);
    assert_eq!(onprem_send(api, "16315551011").await, onprem);
    assert_eq!(cloud_send(api, &number, "16315551012").await, cloud);
    assert_eq!(cloud_send(api, &number, "16315551013").await, cloud_only);
    let apart = cloud_send(api, &number, "16315551011").await;
    assert!(apart.is_string() && apart != onprem, "{apart}");
    // The customer-service windows come back from the same start-up pass: the customer who
    // wrote before the kill can be answered, one who never wrote cannot (131047).
    let number = number.as_str();
    let failure = |to: &'static str| async move {
        let body = json!({"to": to, "type": "text", "text": {"body": "window?"}});
        let (status, res) = crate::cloud::send(api, number, "v21.0", body).await;
        assert_eq!(status, 200, "{res}");
        let id = res["messages"][0]["id"].as_str().unwrap().to_string();
        let (_, m) = api.get(&format!("/v1/emulator/messages/{id}")).await;
        let steps = m["messages"][0]["steps"].as_array().unwrap().clone();
        steps.iter().find_map(|s| s["error_code"].as_u64())
    };
    assert_eq!(failure("16315551014").await, None, "wrote before the kill");
    assert_eq!(failure("16315551013").await, Some(131047), "never wrote");
}
