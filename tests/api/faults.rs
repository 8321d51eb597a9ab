//! Storage faults: while the disk refuses writes the API answers 1023, nothing acknowledged is
//! lost, and service resumes when the fault clears.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_disk_answers_1023_and_loses_nothing_acknowledged() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500)); // keep the acknowledged callbacks pending
    app.use_receiver(&rx, json!({})).await;
    let (status, before) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551001", "text": {"body": "acknowledged"}}),
        )
        .await;
    assert_eq!(status, 201);
    let acked = before["messages"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = app.get("/v1/users/ghost").await;
    assert_eq!(status, 404, "a user refused with 1023 was not created");
    let (_, rules) = app.get("/v1/emulator/rules").await;
    assert_eq!(
        rules["rules"].as_array().map(Vec::len),
        Some(6),
        "refused rules did not stick"
    );
    // The acknowledged send's `delivered` and `read` become callbacks when due (20 and 30 ms).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let pending_before = loop {
        let (_, list) = app.get("/v1/emulator/callbacks?state=pending").await;
        let pending = list["pending"].as_u64().unwrap();
        if pending == 2 {
            break pending;
        }
        assert!(std::time::Instant::now() < deadline, "{list}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };

    app.set_store_fault(true).await;
    let (status, body) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551002", "text": {"body": "refused"}}),
        )
        .await;
    assert_error(status, &body, 500, 1023);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("fault"));
    let (status, body) = app
        .patch("/v1/settings/application", json!({"sent_status": true}))
        .await;
    assert_error(status, &body, 500, 1023);
    let (status, body) = app
        .post(
            "/v1/emulator/inbound",
            json!({"from": "16315551234", "type": "text", "text": {"body": "x"}}),
        )
        .await;
    assert_error(status, &body, 500, 1023);

    let (status, body) = app
        .post(
            "/v1/users",
            json!({"username": "ghost", "password": "Passw0rd!"}),
        )
        .await;
    assert_error(status, &body, 500, 1023);
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": []})),
        )
        .await;
    assert_error(status, &body, 500, 1023);

    app.set_store_fault(false).await;
    let (_, s) = app.get("/v1/settings/application").await;
    assert_eq!(
        s["settings"]["application"]["sent_status"], false,
        "the refused PATCH did not stick"
    );
    let (_, list) = app.get("/v1/emulator/callbacks?state=pending").await;
    assert_eq!(
        list["pending"].as_u64().unwrap(),
        pending_before,
        "acknowledged callbacks kept, refused ones not added"
    );
    let (_, msgs) = app.get("/v1/emulator/messages").await;
    let ids: Vec<&str> = msgs["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [acked.as_str()]);

    // Service resumes: sends work and the acknowledged statuses arrive.
    rx.set_default(Answer::Status(200));
    let (status, _) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551003", "text": {"body": "after"}}),
        )
        .await;
    assert_eq!(status, 201);
    rx.wait_until(Duration::from_secs(10), |r| {
        all_items(
            &r.iter()
                .filter(|x| x.answered == 200)
                .cloned()
                .collect::<Vec<_>>(),
            "statuses",
        )
        .iter()
        .filter(|s| s["id"] == acked.as_str())
        .count()
            >= 2
    })
    .await;
}
