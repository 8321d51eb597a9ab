//! Direct callbacks (the engine under the Cloud API and the SMS gateways): their own URL, exact
//! bytes and headers, their own retry policy, in the journal with `source`, `event`, `request`.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;
use wa_onprem_emulator::delivery::{DirectCallback, RetryPolicy};

const WAIT: Duration = Duration::from_secs(15);

fn direct(url: &str, body: &str, retry: RetryPolicy) -> DirectCallback {
    DirectCallback {
        source: "zender".into(),
        event: "sms".into(),
        url: url.into(),
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("X-Test".into(), "exact".into()),
        ],
        body: body.into(),
        retry,
        order_key: None,
    }
}

async fn journal(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/v1/emulator/callbacks{query}")).await;
    assert_eq!(status, 200, "{body}");
    body["callbacks"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_callback_goes_to_its_own_url_with_exact_bytes_without_a_webhook_set() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    let body = "secret=abc&type=sms&data%5Bmessage%5D=hi+there";
    let ids = app
        .app_state
        .delivery
        .enqueue_direct(vec![direct(&rx.url, body, RetryPolicy::Once)])
        .await
        .expect("enqueued");
    let got = rx.wait_for(1, WAIT).await;
    assert_eq!(got[0].raw, body.as_bytes());
    assert_eq!(got[0].content_type, "application/x-www-form-urlencoded");
    assert_eq!(got[0].header("x-test"), Some("exact"));
    let deadline = std::time::Instant::now() + WAIT;
    let cb = loop {
        let list = journal(&app, "?source=zender&state=delivered").await;
        if let Some(cb) = list.into_iter().find(|c| c["id"] == ids[0]) {
            break cb;
        }
        assert!(std::time::Instant::now() < deadline, "never delivered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(cb["source"], "zender");
    assert_eq!(cb["event"], "sms");
    assert_eq!(cb["request"]["body"], body);
    assert_eq!(cb["request"]["url"], rx.url.as_str());
    assert!(journal(&app, "?source=onprem").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_means_one_attempt_and_given_up_is_redeliverable() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    rx.script([Answer::Status(500)]);
    let ids = app
        .app_state
        .delivery
        .enqueue_direct(vec![direct(&rx.url, "a=1", RetryPolicy::Once)])
        .await
        .expect("enqueued");
    let id = ids[0];
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let list = journal(&app, "?state=given_up").await;
        if let Some(cb) = list.iter().find(|c| c["id"] == id) {
            assert_eq!(cb["attempts_total"], 1);
            assert_eq!(cb["attempts"][0]["status"], 500);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never given up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rx.received().len(), 1, "no retry under Once");
    let (status, body) = app
        .post(&format!("/v1/emulator/callbacks/{id}/redeliver"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let got = rx.wait_for(2, WAIT).await;
    assert_eq!(got[1].raw, b"a=1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delays_policy_retries_until_a_200() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    rx.script([500, 502, 200].map(Answer::Status));
    let policy = RetryPolicy::Delays {
        delays_ms: vec![20, 60],
        horizon_ms: 60_000,
    };
    app.app_state
        .delivery
        .enqueue_direct(vec![direct(&rx.url, "{\"k\":1}", policy)])
        .await
        .expect("enqueued");
    let got = rx.wait_for(3, WAIT).await;
    assert!(got[1].at - got[0].at >= Duration::from_millis(20));
    assert!(got[2].at - got[1].at >= Duration::from_millis(60));
    assert!(got.iter().all(|r| r.body == json!({"k": 1})));
}
