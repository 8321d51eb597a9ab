//! Cloud webhooks: retries, a restart with pending Cloud callbacks, forced statuses, and every
//! inbound type in the Cloud shape, each POST's signature checked as Meta documents.

use crate::cloud::*;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_webhooks_are_retried_and_forced_statuses_go_to_the_cloud_webhook() {
    let (app, rx, _) = cloud_app().await;
    rx.script([Answer::Status(500), Answer::Status(503)]);
    inbound(&app, N1, "16315551005", "retry me").await;
    let got = rx
        .wait_until(WAIT, |r| r.iter().any(|x| x.answered == 200))
        .await;
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 503, 200]
    );
    assert_eq!(got[0].raw, got[2].raw, "the same bytes every attempt");
    assert!(signed(&got[2], "s3cret"));
    let (status, body) = send(
        &app,
        N1,
        "v19.0",
        json!({"to": "16315551005", "text": {"body": "x"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["messages"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .post(
            &format!("/v1/emulator/messages/{id}/status"),
            json!({"status": "failed", "code": 131026}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let got = rx
        .wait_until(WAIT, |r| {
            statuses_of(r, &id).iter().any(|s| s["status"] == "failed")
        })
        .await;
    let failed = statuses_of(&got, &id)
        .into_iter()
        .find(|s| s["status"] == "failed")
        .unwrap()
        .clone();
    assert_eq!(failed["errors"][0]["code"], 131026);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_cloud_callbacks_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    let args = [
        "--cloud-webhook-retry-delays-ms",
        "100",
        "--cloud-app-secret",
        "restart-secret",
    ];
    let (mut first, cloud) = cloud_process(dir.path(), &rx, &args, json!({})).await;
    let number = cloud["numbers"][0]["phone_number_id"]
        .as_str()
        .unwrap()
        .to_string();
    inbound(&first.api, &number, "16315551006", "survive").await;
    rx.wait_for(1, WAIT).await;
    first.kill9();
    rx.set_default(Answer::Status(200));
    let second = EmulatorProcess::start(dir.path(), &args);
    let got = rx
        .wait_until(WAIT, |r| r.iter().any(|x| x.answered == 200))
        .await;
    let ok = got.iter().find(|x| x.answered == 200).unwrap();
    assert!(signed(ok, "restart-secret"));
    assert_eq!(value(ok)["messages"][0]["text"]["body"], "survive");
    drop(second);
}

/// Cloud messages are stored in creation-time order, as On-Prem ones: after a kill -9 the
/// statuses still to come are timed again and arrive, and each wamid is found by its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_statuses_still_to_come_survive_a_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestReceiver::start().await;
    let args = [
        "--cloud-access-token",
        "tok-1",
        "--status-sent-ms",
        "0",
        "--status-delivered-ms",
        "1500",
        "--status-read-ms",
        "1800",
    ];
    let (mut first, cloud) = cloud_process(dir.path(), &rx, &args, json!({})).await;
    let number = cloud["numbers"][0]["phone_number_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ids = Vec::new();
    for i in 0..4 {
        let to = format!("1631555102{i}");
        inbound(&first.api, &number, &to, "hi").await;
        let body = json!({"to": to, "text": {"body": "x"}});
        let (status, res) = send(&first.api, &number, "v21.0", body).await;
        assert_eq!(status, 200, "{res}");
        ids.push(res["messages"][0]["id"].as_str().unwrap().to_string());
    }
    // The "sent" statuses are handed over, so the watermark is past the sends' creation.
    rx.wait_until(WAIT, |r| {
        ids.iter()
            .all(|id| statuses_of(r, id).iter().any(|s| s["status"] == "sent"))
    })
    .await;
    first.kill9();
    let second = EmulatorProcess::start(dir.path(), &args);
    let got = rx
        .wait_until(WAIT, |r| {
            ids.iter()
                .all(|id| statuses_of(r, id).iter().any(|s| s["status"] == "read"))
        })
        .await;
    for id in &ids {
        let seen: Vec<_> = statuses_of(&got, id)
            .iter()
            .map(|s| s["status"].clone())
            .collect();
        assert!(seen.contains(&json!("delivered")), "{id}: {seen:?}");
        let (status, m) = second.api.get(&format!("/v1/emulator/messages/{id}")).await;
        assert_eq!(status, 200, "{m}");
        assert_eq!(m["messages"][0]["id"], json!(id));
    }
    let (_, listed) = second.api.get("/v1/emulator/messages").await;
    let listed: Vec<_> = listed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(
        listed,
        ids.iter().map(|i| json!(i)).collect::<Vec<_>>(),
        "oldest first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inbound_type_arrives_in_the_cloud_shape() {
    let (app, rx, _) = cloud_app().await;
    let from = "16315551007";
    let cases = [
        json!({"type": "text", "text": {"body": "hi"}, "referral": {"source_url": "https://fb.me/ad", "source_id": "1", "source_type": "ad", "headline": "Ad", "body": "b", "media_type": "image", "image_url": "https://x.test/i.jpg", "ctwa_clid": "c"}}),
        json!({"type": "image", "image": {"caption": "pic"}}),
        json!({"type": "voice", "voice": {}}),
        json!({"type": "document", "document": {"filename": "a.pdf"}}),
        json!({"type": "location", "location": {"latitude": 1.5, "longitude": 2.5, "name": "HQ"}}),
        json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "Ann"}}]}),
        json!({"type": "button", "button": {"text": "Yes", "payload": "yes"}, "context": {"id": "wamid.X"}}),
        json!({"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "r1", "title": "Row", "description": "d"}}}),
        json!({"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}),
        json!({"type": "order", "order": {"catalog_id": "c1", "text": "pls", "product_items": [{"product_retailer_id": "p1", "quantity": 2, "item_price": 9.5, "currency": "EUR"}]}}),
        json!({"type": "system", "system": {"type": "user_changed_number", "new_wa_id": "16315551099"}}),
        json!({"type": "unsupported"}),
    ];
    let n = cases.len();
    for mut c in cases {
        c["from"] = json!(from);
        c["phone_number_id"] = json!(N2);
        let (status, body) = app.post("/v1/emulator/cloud/inbound", c.clone()).await;
        assert_eq!(status, 200, "{c} -> {body}");
        assert!(body["messages"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("wamid."));
    }
    let got = rx.wait_for(n, WAIT).await;
    assert!(got.iter().all(|r| signed(r, "s3cret")));
    let msgs: Vec<Value> = got
        .iter()
        .map(|r| value(r)["messages"][0].clone())
        .collect();
    let of = |t: &str| {
        msgs.iter()
            .find(|m| m["type"] == t)
            .unwrap_or_else(|| panic!("no {t}: {msgs:?}"))
            .clone()
    };
    assert!(got
        .iter()
        .all(|r| value(r)["metadata"]["phone_number_id"] == N2));
    assert_eq!(of("text")["referral"]["ctwa_clid"], "c");
    assert!(of("image")["image"]["id"].is_string() && of("image")["image"]["sha256"].is_string());
    let audio = of("audio");
    assert_eq!(audio["audio"]["voice"], true, "{audio}");
    assert_eq!(of("order")["order"]["product_items"][0]["quantity"], 2);
    assert_eq!(of("unsupported")["errors"][0]["code"], 131051);
    assert_eq!(
        of("button")["context"]["from"],
        "15550002222",
        "replies name the business number"
    );
    let system = got
        .iter()
        .find(|r| value(r)["messages"][0]["type"] == "system")
        .unwrap();
    assert!(
        value(system).get("contacts").is_none(),
        "system messages carry no contacts"
    );
    assert_eq!(
        value(system)["messages"][0]["system"]["new_wa_id"],
        "16315551099"
    );
    // Bad input answers the control API's envelope.
    let (status, body) = app
        .post(
            "/v1/emulator/cloud/inbound",
            json!({"from": from, "type": "order", "order": {}}),
        )
        .await;
    assert_error(status, &body, 400, 1008);
    let (status, body) = app
        .post(
            "/v1/emulator/cloud/inbound",
            json!({"from": from, "type": "text", "text": {"body": "x"}, "phone_number_id": "999"}),
        )
        .await;
    assert_error(status, &body, 400, 1009);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_up_cloud_webhook_is_kept_and_redeliverable() {
    let app = spawn_with(|c| {
        c.cloud_webhook_retry_delays_ms = vec![50];
        c.cloud_webhook_retry_horizon_ms = 150;
    })
    .await;
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    rx.set_verify_token(Some(VERIFY));
    rx.set_default(Answer::Status(500));
    let (status, cfg) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"verify_token": VERIFY, "webhook": {"url": rx.url}})),
        )
        .await;
    assert_eq!(status, 200, "{cfg}");
    let number = cfg["cloud"]["numbers"][0]["phone_number_id"]
        .as_str()
        .unwrap()
        .to_string();
    inbound(&app, &number, "16315551008", "give up").await;
    let deadline = std::time::Instant::now() + WAIT;
    let given_up = loop {
        let (_, j) = app
            .get("/v1/emulator/callbacks?source=cloud&state=given_up")
            .await;
        if let Some(cb) = j["callbacks"].as_array().and_then(|a| a.first()).cloned() {
            break cb;
        }
        assert!(std::time::Instant::now() < deadline, "never given up");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(given_up["source"], "cloud");
    assert!(
        given_up["request"]["headers"]
            .to_string()
            .contains("X-Hub-Signature-256"),
        "{given_up}"
    );
    rx.set_default(Answer::Status(200));
    let id = given_up["id"].as_u64().unwrap();
    let (status, body) = app
        .post(&format!("/v1/emulator/callbacks/{id}/redeliver"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let got = rx
        .wait_until(WAIT, |r| r.iter().any(|x| x.answered == 200))
        .await;
    let ok = got.iter().find(|x| x.answered == 200).unwrap();
    assert!(signed(ok, cfg["cloud"]["app_secret"].as_str().unwrap()));
    assert_eq!(ok.raw, got[0].raw, "redelivered byte for byte");
}
