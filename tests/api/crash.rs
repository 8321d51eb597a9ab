//! Crash safety campaign: for CRASH_CYCLES cycles (default 3; `scripts/crash-campaign.sh` runs a
//! long one), send messages and inject inbound messages while the receiver fails 30% of attempts
//! and answers slowly, SIGKILL the emulator at a random moment and restart it on the same data
//! dir. At the end every notification an API call acknowledged has arrived at least once.

use crate::helpers::*;
use rand::Rng;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const FAST: [&str; 6] = [
    "--status-sent-ms",
    "5",
    "--status-delivered-ms",
    "10",
    "--status-read-ms",
    "20",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_campaign_loses_no_acknowledged_notification() {
    let cycles: usize = std::env::var("CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Flaky {
        fail_percent: 30,
        max_delay_ms: 40,
    });
    // Expected notifications: "<message id>:delivered", "<message id>:read", "<inbound id>".
    let mut expected: HashSet<String> = HashSet::new();
    let mut kills = 0;
    for cycle in 0..cycles {
        let mut emu = EmulatorProcess::start(dir.path(), &FAST);
        if cycle == 0 {
            emu.api.use_receiver(&rx, json!({"callback_backoff_delay_ms": 20, "max_callback_backoff_delay_ms": 100, "webhooks": {"max_concurrent_requests": 12}})).await;
        }
        // Logged in before the load starts: a kill during the login would fail the test, not the emulator.
        let token = emu.api.token().await;
        let mut tasks = Vec::new();
        for w in 0..4 {
            let (api, token) = (emu.api.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                for i in 0.. {
                    let (path, body) = if i % 3 == 0 {
                        ("/v1/emulator/inbound", json!({"from": format!("1631555{w}{:03}", i % 1000), "type": "text", "text": {"body": format!("c{cycle} w{w} i{i}")}}))
                    } else {
                        ("/v1/messages", json!({"to": format!("1631555{w}{:03}", i % 1000), "text": {"body": "x"}}))
                    };
                    let res = api.client.post(format!("{}{path}", api.base)).bearer_auth(&token).json(&body).send().await;
                    let Ok(res) = res else { break };
                    if !res.status().is_success() {
                        break;
                    }
                    let Ok(v) = res.json::<serde_json::Value>().await else { break };
                    let id = v["messages"][0]["id"].as_str().unwrap_or_default().to_string();
                    if path == "/v1/messages" {
                        acked.push(format!("{id}:delivered"));
                        acked.push(format!("{id}:read"));
                    } else {
                        acked.push(id);
                    }
                }
                acked
            }));
        }
        let wait = rand::thread_rng().gen_range(300..900);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        emu.kill9();
        kills += 1;
        for t in tasks {
            expected.extend(t.await.unwrap());
        }
    }
    assert!(
        expected.len() > 50,
        "only {} acknowledged notifications",
        expected.len()
    );

    rx.set_default(Answer::Status(200));
    let _final = EmulatorProcess::start(dir.path(), &FAST);
    let seen_ok = |r: &[Received]| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for x in r.iter().filter(|x| x.answered == 200) {
            for s in x.body["statuses"].as_array().into_iter().flatten() {
                *counts
                    .entry(format!(
                        "{}:{}",
                        s["id"].as_str().unwrap_or(""),
                        s["status"].as_str().unwrap_or("")
                    ))
                    .or_default() += 1;
            }
            for m in x.body["messages"].as_array().into_iter().flatten() {
                *counts
                    .entry(m["id"].as_str().unwrap_or("").to_string())
                    .or_default() += 1;
            }
        }
        counts
    };
    let got = rx
        .wait_until(Duration::from_secs(90), |r| {
            let counts = seen_ok(r);
            expected.iter().all(|e| counts.contains_key(e))
        })
        .await;
    let counts = seen_ok(&got);
    let duplicates: usize = expected
        .iter()
        .map(|e| counts.get(e).copied().unwrap_or(0).saturating_sub(1))
        .sum();
    eprintln!(
        "crash campaign: {cycles} cycles, {kills} SIGKILLs, {} acknowledged notifications checked, all arrived; {duplicates} duplicates; {} POSTs",
        expected.len(),
        got.len()
    );
}
