//! The command-line client drives a running emulator.

use crate::helpers::*;
use serde_json::Value;
use std::process::Command;

fn run(dir: &std::path::Path, base: &str, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_wa-onprem-emulator"))
        .args(["--data-dir", dir.to_str().unwrap()])
        .args(&args[..1])
        .args(["--url", base])
        .args(&args[1..])
        .output()
        .expect("run the CLI");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_status_messages_and_reset_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulatorProcess::start(dir.path(), &[]);
    let base = emu.api.base.clone();
    let d = dir.path().to_path_buf();
    let b = base.clone();
    let injected = tokio::task::spawn_blocking(move || {
        run(
            &d,
            &b,
            &[
                "inbound",
                "--from",
                "15551234567",
                "--text",
                "hi",
                "--name",
                "Ann",
            ],
        )
    })
    .await
    .unwrap();
    let id = injected["messages"][0]["id"].as_str().unwrap().to_string();
    let (_, list) = emu.api.get("/v1/emulator/inbound").await;
    let n = &list["messages"][0]["notification"];
    assert_eq!(n["messages"][0]["id"], id.as_str());
    assert_eq!(n["messages"][0]["text"]["body"], "hi");
    assert_eq!(n["contacts"][0]["profile"]["name"], "Ann");

    let d = dir.path().to_path_buf();
    let b = base.clone();
    let cbs =
        tokio::task::spawn_blocking(move || run(&d, &b, &["callbacks", "--state", "pending"]))
            .await
            .unwrap();
    assert_eq!(cbs["pending"], 1, "no webhook URL: the callback waits");
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || run(&d, &base, &["reset"]))
        .await
        .unwrap();
    let (_, list) = emu.api.get("/v1/emulator/inbound").await;
    assert!(list["messages"].as_array().unwrap().is_empty());
}
