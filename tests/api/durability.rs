//! No loss across a graceful restart or a SIGKILL with callbacks pending and in flight.

use crate::helpers::*;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

fn details(received: &[Received]) -> Vec<String> {
    all_items(received, "errors")
        .iter()
        .filter_map(|e| e["details"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_callbacks_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    let mut first = EmulatorProcess::start(dir.path(), &[]);
    first.api.use_receiver(&rx, json!({})).await;
    for i in 0..20 {
        let (status, body) = first
            .api
            .post(
                "/v1/emulator/errors",
                json!({"errors":[{"code":1,"title":"t","details":format!("n{i}")}]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    rx.wait_for(5, Duration::from_secs(10)).await;
    first.terminate();

    rx.set_default(Answer::Status(200));
    let second = EmulatorProcess::start(dir.path(), &[]);
    let got = rx
        .wait_until(Duration::from_secs(20), |r| {
            let seen: HashSet<String> = details(
                &r.iter()
                    .filter(|x| x.answered == 200)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
            .into_iter()
            .collect();
            seen.len() == 20
        })
        .await;
    assert!(!got.is_empty());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = second
            .api
            .get("/v1/emulator/callbacks?state=delivered")
            .await;
        if list["callbacks"].as_array().unwrap().len() == 20 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{list}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_only_callbacks_are_dropped_by_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = EmulatorProcess::start(dir.path(), &[]);
    let (status, _) = first
        .api
        .patch(
            "/v1/settings/application",
            json!({"callback_persist": false}),
        )
        .await;
    assert_eq!(status, 200);
    first
        .api
        .post(
            "/v1/emulator/errors",
            json!({"errors":[{"code":1,"title":"t"}]}),
        )
        .await;
    let (_, list) = first.api.get("/v1/emulator/callbacks?state=pending").await;
    assert_eq!(list["pending"], 1);
    first.terminate();
    let second = EmulatorProcess::start(dir.path(), &[]);
    let (_, list) = second.api.get("/v1/emulator/callbacks?state=pending").await;
    assert_eq!(
        list["pending"], 0,
        "callback_persist=false keeps callbacks in memory only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_callback() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestReceiver::start().await;
    // Half the attempts fail and answers are slow, so callbacks are pending and in flight.
    rx.set_default(Answer::Slow(20, 200));
    rx.script((0..400).map(|i| {
        if i % 2 == 0 {
            Answer::Status(500)
        } else {
            Answer::Slow(30, 200)
        }
    }));
    let mut emu = EmulatorProcess::start(dir.path(), &[]);
    emu.api
        .use_receiver(&rx, json!({"webhooks": {"max_concurrent_requests": 12}}))
        .await;
    let api = emu.api.clone();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..1000 {
                let tag = format!("w{w}-{i}");
                let res = api
                    .client
                    .post(format!("{}/v1/emulator/errors", api.base))
                    .bearer_auth(api.token().await)
                    .json(&json!({"errors":[{"code":1,"title":"t","details":tag}]}))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 200 => acked.push(tag),
                    _ => break, // the emulator died under us
                }
            }
            acked
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    emu.child.kill().unwrap(); // SIGKILL, mid-traffic
    emu.child.wait().unwrap();
    let mut acked = HashSet::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    assert!(
        acked.len() > 20,
        "only {} sends were acknowledged before the kill",
        acked.len()
    );

    let _restarted = EmulatorProcess::start(dir.path(), &[]);
    let got = rx
        .wait_until(Duration::from_secs(60), |r| {
            let ok: Vec<Received> = r.iter().filter(|x| x.answered == 200).cloned().collect();
            let seen: HashSet<String> = details(&ok).into_iter().collect();
            acked.iter().all(|a| seen.contains(a))
        })
        .await;
    let ok: Vec<Received> = got.iter().filter(|x| x.answered == 200).cloned().collect();
    let all = details(&ok);
    let unique: HashSet<&String> = all.iter().collect();
    eprintln!(
        "sigkill: {} acknowledged, {} delivered with 200, {} duplicates",
        acked.len(),
        unique.len(),
        all.len() - unique.len()
    );
}
