//! Gateway behaviour over time: outbound status lifecycles in order, one attempt by default (backoff
//! when asked), a restart that keeps configurations, status plans and pending callbacks; the CLI.

use crate::gateways::{fire, put};
use crate::helpers::*;
use crate::openapi::{check, spec};
use crate::php::PhpReceiver;
use reqwest::Method;
use serde_json::{json, Value};

fn status_ids(got: &[Value]) -> Vec<u64> {
    got.iter()
        .filter_map(|r| r["json"]["status_id"].as_u64())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_statuses_follow_the_lifecycle_and_the_recipient_rules() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    put(
        &app,
        "smsgateway24",
        json!({"webhooks": {"statuses": php.url("/smsgateway24/statuses")}}),
    )
    .await;
    let (s, b) = app
        .post(
            "/v1/emulator/gateways/smsgateway24/messages",
            json!({"to": "+4915752982212", "text": "Hello"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    check(
        &spec(),
        "post",
        "/v1/emulator/gateways/smsgateway24/messages",
        200,
        &b,
    );
    let id = b["messages"][0]["id"].as_u64().expect("sms id");
    let got = php.wait_for(5).await;
    assert_eq!(status_ids(&got), [1, 3, 2, 6, 7]);
    assert!(got
        .iter()
        .all(|r| r["json"]["sms_id"] == id && r["json"]["sendto"] == "+4915752982212"));

    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [{"number": "4915550000010", "action": "fail", "code": 10}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    app.post(
        "/v1/emulator/gateways/smsgateway24/messages",
        json!({"to": "+4915550000010", "text": "x"}),
    )
    .await;
    let got = php.wait_for(9).await;
    assert_eq!(status_ids(&got[5..]), [1, 3, 2, 10]);

    // RaspiSMS: send_sms `unknown`, then the status change (`success` in the docs' words).
    put(
        &app,
        "raspisms",
        json!({"api_key": "k", "status_vocabulary": "docs", "webhooks": [
        {"url": php.url("/raspisms"), "type": "send_sms"},
        {"url": php.url("/raspisms"), "type": "send_sms_status_change"}]}),
    )
    .await;
    php.expect(json!({"raspisms_key": "k"}));
    let (s, b) = app
        .post(
            "/v1/emulator/gateways/raspisms/messages",
            json!({"to": "+33612345678", "text": "Bonjour"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let id = b["messages"][0]["id"].clone();
    let got = php.wait_for(11).await;
    let (send, change) = (&got[9], &got[10]);
    assert_eq!(send["type"], "send_sms");
    assert_eq!(send["valid"], true);
    assert_eq!(send["body"]["status"], "unknown");
    assert_eq!(send["body"]["destination"], "+33612345678");
    assert_eq!(send["body"]["id"], id);
    assert_eq!(change["type"], "send_sms_status_change");
    assert_eq!(change["body"], json!({"id": id, "status": "success"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_attempt_by_default_backoff_when_asked() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    put(&app, "zender", json!({"secret": "0123456789abcdef0123456789abcdef01234567", "webhooks": [{"url": php.url("/fail"), "events": ["sms"]}]})).await;
    let made = fire(
        &app,
        "zender",
        json!({"event": "sms", "data": {"phone": "+1555", "message": "x"}}),
    )
    .await;
    let id = made[0]["id"].as_u64().expect("id");
    php.wait_for(1).await;
    let cb = wait_state(&app, id, "given_up").await;
    assert_eq!(cb["attempts_total"], 1, "{cb}");
    assert_eq!(cb["attempts"][0]["status"], 500);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(php.received().len(), 1, "no retry");

    app.patch(
        "/v1/settings/application",
        json!({"callback_backoff_delay_ms": 40, "max_callback_backoff_delay_ms": 200}),
    )
    .await;
    put(&app, "zender", json!({"retry": "backoff", "webhooks": [{"url": php.url("/fail-once"), "events": ["sms"]}]})).await;
    let made = fire(
        &app,
        "zender",
        json!({"event": "sms", "data": {"phone": "+1555", "message": "x"}}),
    )
    .await;
    let cb = wait_state(&app, made[0]["id"].as_u64().expect("id"), "delivered").await;
    assert_eq!(cb["attempts_total"], 2, "{cb}");
    let got = php.received();
    assert_eq!(
        got[1]["raw"], got[2]["raw"],
        "the retry sends the same bytes"
    );
}

async fn wait_state(app: &Api, id: u64, state: &str) -> Value {
    for _ in 0..200 {
        let (_, b) = app.get(&format!("/v1/emulator/callbacks/{id}")).await;
        if b["callbacks"][0]["state"] == state {
            return b["callbacks"][0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("callback {id} never became {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_configs_and_pending_statuses() {
    let php = PhpReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let slow = ["--status-sent-ms", "1500", "--status-delivered-ms", "1600"];
    let mut first = EmulatorProcess::start(dir.path(), &slow);
    let cfg = put(
        &first.api,
        "smsgateway24",
        json!({"webhooks": {"statuses": php.url("/smsgateway24/statuses")}}),
    )
    .await;
    let (s, b) = first
        .api
        .post(
            "/v1/emulator/gateways/smsgateway24/messages",
            json!({"to": "+4915752982212", "text": "Hello"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    php.wait_for(1).await;
    first.terminate();

    let second = EmulatorProcess::start(dir.path(), &slow);
    let (s, b) = second.api.get("/v1/emulator/gateways/smsgateway24").await;
    assert_eq!(s, 200);
    assert_eq!(b["gateways"][0], cfg);
    let got = php.wait_for(5).await;
    let ids = status_ids(&got);
    assert_eq!(ids.first(), Some(&1));
    assert_eq!(
        ids[ids.len() - 2..],
        [6, 7],
        "the rest of the plan after the restart: {ids:?}"
    );
    let mut seen = ids.clone();
    seen.dedup();
    assert_eq!(
        seen,
        [1, 3, 2, 6, 7],
        "in order (a step cut by the restart may repeat): {ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_fires_gateway_events() {
    let php = PhpReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulatorProcess::start(dir.path(), &[]);
    let cfg = put(
        &emu.api,
        "zender",
        json!({"webhooks": [{"url": php.url("/zender"), "events": ["sms"]}]}),
    )
    .await;
    php.expect(json!({ "zender_secret": cfg["secret"] }));
    let (d, base) = (dir.path().to_path_buf(), emu.api.base.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_wa-onprem-emulator"))
            .args([
                "--data-dir",
                d.to_str().unwrap(),
                "gateway",
                "zender",
                "sms",
            ])
            .args(["--url", &base, "--phone", "+639760713666"])
            .args(["--message", "Hello World!", "--data", r#"{"sim":2}"#])
            .output()
            .expect("run the CLI")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(answer["callbacks"][0]["source"], "zender");
    let got = php.wait_for(1).await;
    assert_eq!(got[0]["valid"], true, "{}", got[0]);
    assert_eq!(got[0]["data"]["message"], "Hello World!");
    assert_eq!(got[0]["data"]["sim"], "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_gateway_callback_is_delivered_after_a_restart() {
    // The receiver is down: with "retry": "backoff" the callback waits, survives a restart, and is
    // delivered (same bytes, still signed right) once the receiver is up.
    let port = crate::php::free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut first = EmulatorProcess::start(dir.path(), &[]);
    let (s, b) = first
        .api
        .patch(
            "/v1/settings/application",
            json!({"callback_backoff_delay_ms": 40, "max_callback_backoff_delay_ms": 200}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let url = format!("http://127.0.0.1:{port}/raspisms");
    put(
        &first.api,
        "raspisms",
        json!({"api_key": "k", "retry": "backoff", "webhooks": [{"url": url, "type": "receive_sms"}]}),
    )
    .await;
    let made = fire(
        &first.api,
        "raspisms",
        json!({"event": "receive_sms", "data": {"origin": "+33612345678", "text": "Bonjour"}}),
    )
    .await;
    let id = made[0]["id"].as_u64().expect("id");
    let mut tried = Value::Null;
    for _ in 0..200 {
        let (_, b) = first.api.get(&format!("/v1/emulator/callbacks/{id}")).await;
        tried = b["callbacks"][0].clone();
        if tried["attempts_total"].as_u64() >= Some(2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(tried["state"], "pending", "{tried}");
    first.terminate();

    let php = PhpReceiver::start_on(port).await;
    php.expect(json!({"raspisms_key": "k"}));
    let second = EmulatorProcess::start(dir.path(), &[]);
    let got = php.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["valid"], true, "{}", got[0]);
    assert_eq!(got[0]["raw"], made[0]["request"]["body"]);
    let cb = wait_state(&second.api, id, "delivered").await;
    assert_eq!(cb["source"], "raspisms");
}
