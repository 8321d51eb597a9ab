//! A really full disk (a small tmpfs): sends answer 1023, health stays up, and once there is room
//! again the emulator restarts itself in place and serves with everything acknowledged intact.
//! Needs permission to mount a tmpfs (root with CAP_SYS_ADMIN, as on this project's machines);
//! where that is refused the test says so and does nothing.

use crate::helpers::*;
use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_1023_and_service_resumes_when_space_returns() {
    let mnt = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(mnt.path())
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs CAP_SYS_ADMIN)");
        return;
    }
    let _guard = Tmpfs(mnt.path().to_path_buf());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = mnt.path().join("data");
    let emu = EmulatorProcess::start_on(&data, &format!("127.0.0.1:{port}"), &[]);
    let api = emu.api.clone();
    let (s, _) = api.patch("/v1/settings/application", json!({"webhooks": {"url": "https://localhost:1/x"}, "callback_backoff_delay_ms": 600000, "max_callback_backoff_delay_ms": 600000})).await;
    assert_eq!(s, 200);
    let send = || async {
        api.post(
            "/v1/messages",
            json!({"to": "16315551001", "text": {"body": "x"}}),
        )
        .await
    };
    let mut acked = Vec::new();
    for _ in 0..3 {
        let (s, b) = send().await;
        assert_eq!(s, 201);
        acked.push(b["messages"][0]["id"].as_str().unwrap().to_string());
    }
    // Fill the disk.
    let filler = mnt.path().join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 16 * 1024 * 1024]);
    let mut refused = None;
    for _ in 0..200 {
        let (s, b) = send().await;
        if s == 201 {
            acked.push(b["messages"][0]["id"].as_str().unwrap().to_string());
        } else {
            refused = Some((s, b));
            break;
        }
    }
    let (s, b) = refused.expect("a full disk refuses sends");
    assert_error(s, &b, 500, 1023);
    assert!(
        b["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("No space left"),
        "{b}"
    );
    let health = api
        .client
        .get(format!("{}/v1/health", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // Room again: the watchdog restarts the process in place and sends work.
    std::fs::remove_file(&filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = api
            .client
            .post(format!("{}/v1/messages", api.base))
            .bearer_auth(api.token().await)
            .json(&json!({"to": "16315551001", "text": {"body": "after"}}))
            .send()
            .await
        {
            if r.status() == 201 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "service did not resume");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, list) = api.get("/v1/emulator/messages").await;
    let ids: Vec<&str> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for a in &acked {
        assert!(ids.contains(&a.as_str()), "acknowledged {a} lost");
    }
    // Each acknowledged send's `delivered` and `read` become callbacks when due, the restart
    // notwithstanding (the webhook URL is unreachable, so they stay pending).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, cbs) = api.get("/v1/emulator/callbacks?state=pending").await;
        let pending = cbs["pending"].as_u64().unwrap();
        if pending >= 2 * acked.len() as u64 + 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{pending} pending callbacks for {} acknowledged sends",
            acked.len() + 1
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("disk full: {} sends acknowledged before the refusal, all kept; service resumed after the restart", acked.len());
    drop(emu);
}
