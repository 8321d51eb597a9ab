//! Deterministic crash testing: the store's named fail points (`fail_point!` in src/store, armed
//! only in a `failpoints` build) each kill the emulator in turn, at a given hit, in the middle of
//! a scripted workload: sends, inbound messages whose callbacks stay pending (the receiver
//! answers 500), settings changes, a send refused by a failing flush (its writes are undone).
//! The process aborts there (FAILPOINTS `name=N*off->panic`; a fail point's panic aborts). Then it
//! restarts on the same data dir, and every acknowledged message, setting and callback must be
//! there exactly once, and every pending callback is delivered to the receiver, once.
//!
//!     cargo test --features failpoints --test api crash_points -- --nocapture

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

/// Each fail point with the hit it kills at (0: the first). Hits count from the emulator's start.
const POINTS: [(&str, u32); 10] = [
    ("store.commit.before", 6),
    ("store.apply.op", 9),
    ("store.commit.applied", 6),
    ("store.flush.before", 6),
    ("store.flush.after", 6),
    ("store.commit.durable", 6),
    ("store.write.applied", 8),
    // Reached by the send refused under `fail_flush`, in the workload's third round.
    ("store.undo", 0),
    // The storage watchdog's probe, every second.
    ("store.probe", 1),
    // The final flush of a graceful stop, after the workload.
    ("store.close", 0),
];

/// Statuses far away (no status callbacks: a crash may repeat those by design, see the README).
const SLOW: [&str; 6] = [
    "--status-sent-ms",
    "600000",
    "--status-delivered-ms",
    "600000",
    "--status-read-ms",
    "600000",
];

const ROUNDS: usize = 12;

/// What the emulator acknowledged before it died.
#[derive(Default, Debug)]
struct Acked {
    sends: Vec<String>,
    inbound: Vec<String>,
    /// The last acknowledged `callback_backoff_delay_ms`, and one being changed when it died.
    backoff: u64,
    backoff_trying: Option<u64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_points_lose_and_repeat_nothing_acknowledged() {
    let mut killed = Vec::new();
    for (point, hit) in POINTS {
        let dir = tempfile::tempdir().unwrap();
        let rx = TestReceiver::start().await;
        rx.set_default(Answer::Status(500));
        // Set up without fail points: the receiver, slow retries so callbacks stay pending.
        let mut setup = EmulatorProcess::start(dir.path(), &SLOW);
        setup
            .api
            .use_receiver(
                &rx,
                json!({"callback_backoff_delay_ms": 100, "max_callback_backoff_delay_ms": 200}),
            )
            .await;
        setup.terminate();

        let armed = format!("{point}={hit}*off->panic");
        let mut emu = EmulatorProcess::start_with_env(dir.path(), &SLOW, &[("FAILPOINTS", &armed)]);
        let acked = workload(&emu).await;
        if point == "store.close" || point == "store.probe" {
            // Reached at a graceful stop, or by the watchdog within a few seconds.
            if point == "store.close" {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &emu.child.id().to_string()])
                    .status();
            }
        }
        let status = wait_exit(&mut emu.child, Duration::from_secs(10));
        assert_eq!(
            status.and_then(|s| s.signal()),
            Some(6),
            "{point}: the emulator did not abort at hit {hit} ({status:?}); acknowledged {acked:?}"
        );
        killed.push(point);

        rx.set_default(Answer::Status(200));
        let emu = EmulatorProcess::start(dir.path(), &SLOW);
        check(point, &emu, &rx, &acked).await;
        eprintln!(
            "crash point {point} (hit {hit}): killed; {} sends, {} inbound acknowledged, all there once, callbacks delivered once",
            acked.sends.len(),
            acked.inbound.len()
        );
    }
    eprintln!(
        "crash points: killed at {} of {} points: {}",
        killed.len(),
        POINTS.len(),
        killed.join(", ")
    );
    assert_eq!(killed.len(), POINTS.len());
}

/// Rounds of a send, an inbound message and a settings change; the third round also sends under
/// `fail_flush` (refused, undone). Stops at the first request the emulator does not answer.
async fn workload(emu: &EmulatorProcess) -> Acked {
    let api = &emu.api;
    let mut acked = Acked {
        backoff: 100,
        ..Acked::default()
    };
    let Ok(token) = login(api).await else {
        return acked;
    };
    let call = |method: Method, path: &str, body: Value| {
        let req = api
            .client
            .request(method, format!("{}{path}", api.base))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let res = req.send().await.ok()?;
            let status = res.status().as_u16();
            Some((status, res.json::<Value>().await.ok()?))
        }
    };
    for round in 0..ROUNDS {
        let send =
            json!({"to": format!("1631555{round:04}"), "text": {"body": format!("r{round}")}});
        let Some((status, body)) = call(Method::POST, "/v1/messages", send).await else {
            return acked;
        };
        assert_eq!(status, 201, "{body}");
        acked.sends.push(id(&body));

        let inbound = json!({"from": format!("1631666{round:04}"), "type": "text", "text": {"body": format!("in {round}")}});
        let Some((status, body)) = call(Method::POST, "/v1/emulator/inbound", inbound).await else {
            return acked;
        };
        assert_eq!(status, 200, "{body}");
        acked.inbound.push(id(&body));

        let backoff = 100 + round as u64 + 1;
        acked.backoff_trying = Some(backoff);
        let patch = json!({"callback_backoff_delay_ms": backoff});
        let Some((status, body)) = call(Method::PATCH, "/v1/settings/application", patch).await
        else {
            return acked;
        };
        assert_eq!(status, 200, "{body}");
        (acked.backoff, acked.backoff_trying) = (backoff, None);

        if round == 2 {
            let fault = |on: bool| json!({"store": on, "mode": "fail_flush"});
            let Some((200, _)) = call(Method::PUT, "/v1/emulator/faults", fault(true)).await else {
                return acked;
            };
            let send = json!({"to": "16315559999", "text": {"body": "refused"}});
            let Some((status, body)) = call(Method::POST, "/v1/messages", send).await else {
                return acked;
            };
            assert_eq!(status, 500, "a failing flush refuses the send: {body}");
            let Some((200, _)) = call(Method::PUT, "/v1/emulator/faults", fault(false)).await
            else {
                return acked;
            };
        }
    }
    acked
}

async fn login(api: &Api) -> Result<String, reqwest::Error> {
    let res = api
        .client
        .post(format!("{}/v1/users/login", api.base))
        .basic_auth("admin", Some("secret"))
        .send()
        .await?;
    let body: Value = res.json().await?;
    Ok(body["users"][0]["token"].as_str().unwrap_or("").to_string())
}

fn id(body: &Value) -> String {
    body["messages"][0]["id"]
        .as_str()
        .expect("message id")
        .to_string()
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// Every acknowledged send and inbound message is stored once, the acknowledged setting holds,
/// and every acknowledged inbound message's callback is stored once and delivered once.
async fn check(point: &str, emu: &EmulatorProcess, rx: &TestReceiver, acked: &Acked) {
    let api = &emu.api;
    let (status, sent) = api.get("/v1/emulator/messages?limit=1000").await;
    assert_eq!(status, 200, "{sent}");
    let sent = counts(
        sent["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["id"]),
    );
    for s in &acked.sends {
        assert_eq!(sent.get(s), Some(&1), "{point}: acknowledged send {s}");
    }
    let (_, inbound) = api.get("/v1/emulator/inbound?limit=1000").await;
    let inbound = counts(
        inbound["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["id"]),
    );
    for i in &acked.inbound {
        assert_eq!(
            inbound.get(i),
            Some(&1),
            "{point}: acknowledged inbound {i}"
        );
    }
    let (_, settings) = api.get("/v1/settings/application").await;
    let backoff = settings["settings"]["application"]["callback_backoff_delay_ms"]
        .as_u64()
        .expect("backoff setting");
    assert!(
        backoff == acked.backoff || Some(backoff) == acked.backoff_trying,
        "{point}: callback_backoff_delay_ms {backoff}, acknowledged {}",
        acked.backoff
    );

    let delivered = |r: &[Received]| {
        counts(
            r.iter()
                .filter(|x| x.answered == 200)
                .flat_map(|x| x.body["messages"].as_array().cloned().unwrap_or_default())
                .map(|m| m["id"].clone())
                .collect::<Vec<_>>()
                .iter(),
        )
    };
    rx.wait_until(Duration::from_secs(30), |r| {
        let d = delivered(r);
        acked.inbound.iter().all(|i| d.contains_key(i))
    })
    .await;
    // Late duplicates would arrive within a few retry intervals.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let d = delivered(&rx.received());
    let (_, callbacks) = api.get("/v1/emulator/callbacks?limit=1000").await;
    let stored = counts(
        callbacks["callbacks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| {
                c["body"]["messages"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|m| m["id"].clone())
            .collect::<Vec<_>>()
            .iter(),
    );
    for i in &acked.inbound {
        assert_eq!(d.get(i), Some(&1), "{point}: callback of {i} delivered");
        assert_eq!(stored.get(i), Some(&1), "{point}: callback of {i} stored");
    }
}

fn counts<'a>(ids: impl Iterator<Item = &'a Value>) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for id in ids {
        *out.entry(id.as_str().unwrap_or("").to_string())
            .or_insert(0) += 1;
    }
    out
}
