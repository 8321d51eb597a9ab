//! The delivery engine against a real HTTPS receiver: 200-only success, linear capped backoff,
//! redirects and timeouts as failures, the horizon, the concurrency cap, CA trust.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

async fn callback(app: &Api, id: u64) -> Value {
    let (status, body) = app.get(&format!("/v1/emulator/callbacks/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body["callbacks"][0].clone()
}

async fn wait_state(app: &Api, id: u64, state: &str) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let cb = callback(app, id).await;
        if cb["state"] == state {
            return cb;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "callback {id} never reached {state}: {cb}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_grow_linearly_up_to_the_cap_and_only_200_succeeds() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    rx.script([500, 503, 404, 204, 201, 200].map(Answer::Status));
    app.use_receiver(
        &rx,
        json!({"callback_backoff_delay_ms": 60, "max_callback_backoff_delay_ms": 150}),
    )
    .await;
    let id = app.emit_error(131).await;
    let got = rx.wait_for(6, WAIT).await;
    let gaps: Vec<u128> = got
        .windows(2)
        .map(|w| (w[1].at - w[0].at).as_millis())
        .collect();
    let want = [60u128, 120, 150, 150, 150];
    for (gap, want) in gaps.iter().zip(want) {
        assert!(
            *gap + 5 >= want,
            "gap {gap} ms shorter than the {want} ms backoff: {gaps:?}"
        );
        assert!(
            *gap < want * 3 + 1000,
            "gap {gap} ms far beyond the {want} ms backoff: {gaps:?}"
        );
    }
    assert!(got
        .iter()
        .all(|r| r.body == json!({"errors":[{"code":131,"title":"test error 131"}]})));
    assert!(got.iter().all(|r| r.content_type == "application/json"));
    let cb = wait_state(&app, id, "delivered").await;
    assert_eq!(cb["attempts_total"], 6);
    let statuses: Vec<u64> = cb["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 503, 404, 204, 201, 200]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), 6, "nothing is sent after the 200");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_and_timeouts_are_failures() {
    let app = spawn_with(|c| c.callback_timeout_ms = 300).await;
    let rx = TestReceiver::start().await;
    rx.script([
        Answer::Redirect,
        Answer::Slow(800, 200),
        Answer::Status(200),
    ]);
    app.use_receiver(&rx, json!({})).await;
    let id = app.emit_error(1).await;
    let cb = wait_state(&app, id, "delivered").await;
    let attempts = cb["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{cb}");
    assert_eq!(attempts[0]["status"], 302);
    assert!(attempts[0]["error"]
        .as_str()
        .unwrap()
        .contains("redirect not followed"));
    assert!(attempts[1]["status"].is_null());
    assert!(
        attempts[1]["error"].as_str().unwrap().contains("timeout"),
        "{}",
        attempts[1]
    );
    assert_eq!(attempts[2]["status"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_are_given_up_after_the_horizon_and_can_be_redelivered() {
    let app = spawn_with(|c| c.callback_retry_horizon_ms = 1500).await;
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    app.use_receiver(
        &rx,
        json!({"callback_backoff_delay_ms": 50, "max_callback_backoff_delay_ms": 100}),
    )
    .await;
    let id = app.emit_error(7).await;
    let cb = wait_state(&app, id, "given_up").await;
    let n = cb["attempts_total"].as_u64().unwrap();
    // Retried within the horizon (counted from the first attempt), given up only when the next
    // retry would fall past it.
    let at: Vec<u64> = cb["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["at_ms"].as_u64().unwrap())
        .collect();
    assert!(n >= 2, "{cb}");
    assert!(at.iter().all(|t| *t < at[0] + 1500), "{at:?}");
    let last_delay = (50 * n).min(100);
    assert!(
        at[at.len() - 1] + last_delay + 50 >= at[0] + 1500,
        "given up early: {at:?}"
    );
    let (_, list) = app.get("/v1/emulator/callbacks?state=given_up").await;
    assert_eq!(list["callbacks"].as_array().unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rx.received().len() as u64,
        n,
        "a given-up callback is not retried"
    );

    rx.set_default(Answer::Status(200));
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/emulator/callbacks/{id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let cb = wait_state(&app, id, "delivered").await;
    assert_eq!(cb["attempts_total"].as_u64().unwrap(), n + 1);
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/emulator/callbacks/{id}/redeliver"),
            None,
        )
        .await;
    assert_error(status, &body, 404, 1006);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_max_concurrent_requests_are_in_flight() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Slow(150, 200));
    // 24 callbacks wait for a URL, then all become due at once.
    for i in 0..24 {
        app.emit_error(i).await;
    }
    app.use_receiver(&rx, json!({"webhooks": {"max_concurrent_requests": 6}}))
        .await;
    rx.wait_for(24, WAIT).await;
    assert_eq!(rx.max_in_flight(), 6, "the cap is reached and held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uploaded_ca_is_trusted_and_an_unknown_ca_is_refused() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    let (status, _) = app.patch("/v1/settings/application", json!({"webhooks":{"url": rx.url},"callback_backoff_delay_ms":50,"max_callback_backoff_delay_ms":50})).await;
    assert_eq!(status, 200);
    let id = app.emit_error(9).await;
    let deadline = std::time::Instant::now() + WAIT;
    let cb = loop {
        let cb = callback(&app, id).await;
        if cb["attempts_total"].as_u64().unwrap() >= 2 {
            break cb;
        }
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let err = cb["attempts"][0]["error"].as_str().unwrap().to_lowercase();
    assert!(
        err.contains("certificate") || err.contains("issuer"),
        "{err}"
    );
    assert!(
        rx.received().is_empty(),
        "no request reached the receiver over untrusted TLS"
    );

    // Upload the receiver's CA: the next retry succeeds, no restart.
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    wait_state(&app, id, "delivered").await;
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_wait_while_no_url_is_set_and_a_new_url_applies_at_once() {
    let app = spawn_emulator().await;
    let id = app.emit_error(5).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cb = callback(&app, id).await;
    assert_eq!(
        (cb["state"].as_str(), cb["attempts_total"].as_u64()),
        (Some("pending"), Some(0))
    );
    // A first receiver fails it: the next retry is a minute away...
    let down = TestReceiver::start().await;
    down.set_default(Answer::Status(503));
    app.use_receiver(
        &down,
        json!({"callback_backoff_delay_ms": 60000, "max_callback_backoff_delay_ms": 60000}),
    )
    .await;
    down.wait_for(1, WAIT).await;
    // ...but a new URL makes it due at once.
    let up = TestReceiver::start().await;
    app.use_receiver(
        &up,
        json!({"callback_backoff_delay_ms": 60000, "max_callback_backoff_delay_ms": 60000}),
    )
    .await;
    let cb = wait_state(&app, id, "delivered").await;
    assert_eq!(cb["attempts_total"], 2, "{cb}");
    assert_eq!(down.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_backoff_delays_apply_to_waiting_callbacks() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    rx.script([Answer::Status(500)]);
    app.use_receiver(
        &rx,
        json!({"callback_backoff_delay_ms": 60000, "max_callback_backoff_delay_ms": 60000}),
    )
    .await;
    let id = app.emit_error(3).await;
    rx.wait_for(1, WAIT).await;
    let (status, _) = app
        .patch(
            "/v1/settings/application",
            json!({"callback_backoff_delay_ms": 30, "max_callback_backoff_delay_ms": 30}),
        )
        .await;
    assert_eq!(status, 200);
    let cb = wait_state(&app, id, "delivered").await;
    assert_eq!(cb["attempts_total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_up_callbacks_outlive_the_delivered_history() {
    let app = spawn_with(|c| {
        c.callback_retry_horizon_ms = 150;
        c.callback_history = 2;
    })
    .await;
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    app.use_receiver(
        &rx,
        json!({"callback_backoff_delay_ms": 40, "max_callback_backoff_delay_ms": 40}),
    )
    .await;
    let lost = app.emit_error(1).await;
    wait_state(&app, lost, "given_up").await;
    rx.set_default(Answer::Status(200));
    let mut last = 0;
    for i in 0..6 {
        last = app.emit_error(10 + i).await;
    }
    wait_state(&app, last, "delivered").await;
    let (_, done) = app.get("/v1/emulator/callbacks?state=delivered").await;
    assert_eq!(
        done["callbacks"].as_array().unwrap().len(),
        2,
        "history pruned"
    );
    let cb = callback(&app, lost).await;
    assert_eq!(cb["state"], "given_up", "never pruned: {cb}");
    let (status, body) = app
        .post("/v1/emulator/callbacks/redeliver", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callbacks"], json!([{"id": lost}]));
    wait_state(&app, lost, "delivered").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_callback_starts_a_fresh_backoff_and_is_posted_once() {
    let app = spawn_with(|c| c.callback_retry_horizon_ms = 300).await;
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    app.use_receiver(
        &rx,
        json!({"callback_backoff_delay_ms": 50, "max_callback_backoff_delay_ms": 2000}),
    )
    .await;
    let id = app.emit_error(4).await;
    let cb = wait_state(&app, id, "given_up").await;
    let before = cb["attempts_total"].as_u64().unwrap();
    // Two redeliveries at once: one wins, the other finds nothing given up.
    rx.script([Answer::Status(500), Answer::Status(200)]);
    let path = format!("/v1/emulator/callbacks/{id}/redeliver");
    let (a, b) = tokio::join!(
        app.call(reqwest::Method::POST, &path, None),
        app.call(reqwest::Method::POST, &path, None)
    );
    let mut codes = [a.0.as_u16(), b.0.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 404], "{a:?} {b:?}");
    let cb = wait_state(&app, id, "delivered").await;
    assert_eq!(cb["attempts_total"].as_u64().unwrap(), before + 2, "{cb}");
    let at: Vec<u64> = cb["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["at_ms"].as_u64().unwrap())
        .collect();
    let gap = at[at.len() - 1] - at[at.len() - 2];
    // Counted over all attempts the backoff would be 50 x (before + 1) ms.
    assert!(
        (45..50 * (before + 1)).contains(&gap),
        "the first failure after a redeliver waits one step (50 ms), got {gap} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_horizon_counts_from_the_first_attempt_not_from_waiting_in_line() {
    let app = spawn_with(|c| c.callback_retry_horizon_ms = 1500).await;
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    app.use_receiver(
        &rx,
        json!({"callback_backoff_delay_ms": 50, "max_callback_backoff_delay_ms": 100}),
    )
    .await;
    // Two messages from one customer: the second waits behind the first, which is given up.
    let first = inject_text(&app, "16315550001", "one").await;
    let second = inject_text(&app, "16315550001", "two").await;
    wait_state(&app, first, "given_up").await;
    let cb = wait_state(&app, second, "given_up").await;
    assert!(
        cb["attempts_total"].as_u64().unwrap() >= 2,
        "the second callback got its own horizon: {cb}"
    );
}

async fn inject_text(app: &Api, from: &str, text: &str) -> u64 {
    let (status, body) = app
        .post(
            "/v1/emulator/inbound",
            json!({"from": from, "type": "text", "text": {"body": text}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["callbacks"][0]["id"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_during_a_delivery_forgets_it_and_the_queue_stays_sound() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Slow(400, 500));
    app.use_receiver(&rx, json!({})).await;
    inject_text(&app, "16315550002", "before").await;
    rx.wait_until(WAIT, |_| rx.max_in_flight() >= 1).await;
    let (status, body) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, list) = app.get("/v1/emulator/callbacks").await;
    assert_eq!(list["pending"], 0, "{list}");
    assert_eq!(
        list["callbacks"],
        json!([]),
        "nothing written back after the reset"
    );
    // The same customer's next message is not stuck behind the forgotten one.
    rx.set_default(Answer::Status(200));
    let id = inject_text(&app, "16315550002", "after").await;
    wait_state(&app, id, "delivered").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_racing_injections_leave_no_stuck_chain() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    for round in 0..5 {
        let injects = async {
            for i in 0..5 {
                let _ = app
                    .post(
                        "/v1/emulator/inbound",
                        json!({"from": "16315550003", "type": "text", "text": {"body": format!("{round}-{i}")}}),
                    )
                    .await;
            }
        };
        let reset = app.post("/v1/emulator/reset", json!({}));
        let _ = tokio::join!(injects, reset);
    }
    let id = inject_text(&app, "16315550003", "last").await;
    wait_state(&app, id, "delivered").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_1016() {
    let app = spawn_with(|c| c.callback_queue_limit = 3).await;
    for i in 0..3 {
        app.emit_error(i).await;
    }
    let (status, body) = app
        .post(
            "/v1/emulator/errors",
            json!({"errors":[{"code":1,"title":"x"}]}),
        )
        .await;
    assert_error(status, &body, 503, 1016);
    let (_, list) = app.get("/v1/emulator/callbacks?state=pending").await;
    assert_eq!(list["pending"], 3);
}

/// Statuses whose time has not come count against the limit, and the answer says so (it used
/// to say "holds 0 callbacks" while refusing a send).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_refused_for_scheduled_statuses_says_why() {
    let app = spawn_with(|c| {
        c.callback_queue_limit = 7;
        c.status_sent_ms = 600_000;
        c.status_delivered_ms = 600_000;
        c.status_read_ms = 600_000;
    })
    .await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let text =
        |n: u32| json!({"to": "16315550002", "type": "text", "text": {"body": format!("n{n}")}});
    let mut accepted = 0;
    for n in 0..10 {
        let (status, body) = app.post("/v1/messages", text(n)).await;
        if status == 201 {
            accepted += 1;
            continue;
        }
        assert_error(status, &body, 503, 1016);
        let details = body["errors"][0]["details"].as_str().unwrap();
        assert!(
            details.contains(
                "holds 0 callbacks, 6 statuses are scheduled to join it, and takes at most 7"
            ),
            "{details}"
        );
        break;
    }
    assert_eq!(
        accepted, 2,
        "each send plans 3 statuses: sent, delivered, read"
    );
    let (_, list) = app.get("/v1/emulator/messages").await;
    assert_eq!(list["messages"].as_array().unwrap().len(), accepted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_due_together_are_batched_when_configured() {
    let app = spawn_with(|c| c.callback_batch_max = 50).await;
    let rx = TestReceiver::start().await;
    for i in 0..10 {
        app.emit_error(i).await;
    }
    app.use_receiver(&rx, json!({})).await;
    let got = rx
        .wait_until(WAIT, |r| all_items(r, "errors").len() >= 10)
        .await;
    assert!(
        got.len() < 10,
        "{} POSTs for 10 notifications due together",
        got.len()
    );
    let mut codes: Vec<u64> = all_items(&got, "errors")
        .iter()
        .map(|e| e["code"].as_u64().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, (0..10).collect::<Vec<u64>>());
}

/// The delivered history is pruned from the ids noted in memory, which the store fills again on
/// start: after a restart the oldest records still go first and the history stays at its size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivered_history_keeps_its_size_across_a_restart() {
    async fn delivered_ids(api: &Api) -> Vec<u64> {
        let (_, done) = api.get("/v1/emulator/callbacks?state=delivered").await;
        let mut ids: Vec<u64> = done["callbacks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_u64().unwrap())
            .collect();
        ids.sort_unstable();
        ids
    }
    let dir = tempfile::tempdir().unwrap();
    let rx = TestReceiver::start().await;
    let args = ["--callback-history", "3"];
    let mut first = EmulatorProcess::start(dir.path(), &args);
    first.api.use_receiver(&rx, json!({})).await;
    let mut ids = Vec::new();
    for code in 0..4 {
        ids.push(first.api.emit_error(code).await);
        wait_state(&first.api, *ids.last().unwrap(), "delivered").await;
    }
    assert_eq!(
        delivered_ids(&first.api).await,
        ids[1..4],
        "the oldest went"
    );
    first.terminate();
    let second = EmulatorProcess::start(dir.path(), &args);
    for code in 4..6 {
        ids.push(second.api.emit_error(code).await);
        wait_state(&second.api, *ids.last().unwrap(), "delivered").await;
    }
    assert_eq!(delivered_ids(&second.api).await, ids[3..6]);
}
