//! Real client libraries manage templates on the emulator over HTTPS (trusting its CA): PyPI
//! `pywa` and npm `@great-detail/whatsapp`, pinned and installed in throwaway places by
//! scripts/cloud-clients.sh (which .ci/run calls, exporting WAEMU_PYWA_PYTHON and
//! WAEMU_NODE_CLIENTS_DIR). Each creates, lists and deletes templates, the test waits for the
//! signed approval webhook, and the library sends the approved template.

use crate::cloud_templates::{templates_app, N1, TOKEN, WABA};
use crate::helpers::*;
use serde_json::Value;
use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// WAEMU_PYWA_PYTHON and WAEMU_NODE_CLIENTS_DIR, from the environment or from the script.
fn clients() -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = ["WAEMU_PYWA_PYTHON", "WAEMU_NODE_CLIENTS_DIR"]
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
        .collect();
    if vars.len() < 2 {
        let out = Command::new("bash")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/cloud-clients.sh"
            ))
            .output()
            .expect("run scripts/cloud-clients.sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((k, v)) = line.split_once('=') {
                vars.insert(k.to_string(), v.to_string());
            }
        }
    }
    vars
}

fn run(mut cmd: Command) -> Value {
    let out = cmd.output().expect("run the client");
    assert!(
        out.status.success(),
        "client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Waits for the `event` status webhook of template `name`; answers (raw body, signature).
async fn status_hook(rx: &TestReceiver, name: &str, event: &str) -> (Vec<u8>, String) {
    let is = |r: &Received| {
        let c = &r.body["entry"][0]["changes"][0];
        c["field"] == "message_template_status_update"
            && c["value"]["message_template_name"] == name
            && c["value"]["event"] == event
    };
    let got = rx.wait_until(WAIT, |got| got.iter().any(is)).await;
    let r = got.iter().find(|r| is(r)).expect("the webhook");
    (
        r.raw.clone(),
        r.header("x-hub-signature-256").unwrap_or("").to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pywa_creates_lists_deletes_and_sends_an_approved_template() {
    let vars = tokio::task::block_in_place(clients);
    let (app, rx) = templates_app(Some(2500)).await;
    let ca = app.dir.path().join("emulator-ca.pem");
    std::fs::write(
        &ca,
        app.app_state
            .external_cert
            .ca_pem()
            .expect("the generated CA"),
    )
    .unwrap();
    let base = format!("https://127.0.0.1:{}", app.port);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cloud_client/pywa_templates.py"
    );
    let cmd = |phase: &str| {
        let mut c = Command::new(&vars["WAEMU_PYWA_PYTHON"]);
        c.arg(script)
            .env("PHASE", phase)
            .env("EMU_BASE", &base)
            .env("EMU_CA", &ca)
            .env("TOKEN", TOKEN)
            .env("PHONE_NUMBER_ID", N1)
            .env("WABA_ID", WABA)
            .env("APP_SECRET", "s3cret")
            .env("TO", "16315551234");
        c
    };
    let r = tokio::task::block_in_place(|| run(cmd("manage")));
    let id = r["created"]["id"].as_str().unwrap().to_string();
    assert_eq!(r["created"]["status"], "PENDING", "{r}");
    assert_eq!(r["created"]["category"], "UTILITY", "{r}");
    assert_eq!(r["listed"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r["summary"]["total_count"], 2, "{r}");
    assert_eq!(r["summary"]["limit"], 250, "{r}");
    assert_eq!(r["got"]["name"], "pywa_order", "{r}");
    assert_eq!(r["has_next"], true, "{r}");
    assert!(r["next_url"].as_str().unwrap().starts_with(&base), "{r}");
    assert_eq!(
        r["pages"].as_array().unwrap().len(),
        2,
        "pywa followed paging.next: {r}"
    );
    assert_eq!(r["deleted"], true, "{r}");
    assert_eq!(r["after_delete"], serde_json::json!([id]), "{r}");
    // The emulator agrees: one template left on the WABA.
    let (_, b) = crate::cloud_templates::g(
        &app,
        reqwest::Method::GET,
        &format!("/v23.0/{WABA}/message_templates?summary=total_count"),
        None,
    )
    .await;
    assert_eq!(b["summary"]["total_count"], 1, "{b}");

    let (raw, signature) = status_hook(&rx, "pywa_order", "APPROVED").await;
    let body = app.dir.path().join("approved.json");
    std::fs::write(&body, &raw).unwrap();
    let mut send = cmd("send");
    send.env("WEBHOOK_BODY", &body)
        .env("WEBHOOK_SIGNATURE", &signature);
    let r = tokio::task::block_in_place(|| run(send));
    assert_eq!(r["signature_ok"], true, "{r}");
    assert_eq!(r["bad_signature_refused"], true, "{r}");
    assert_eq!(r["update"]["template_id"], id.as_str(), "{r}");
    assert_eq!(r["update"]["new_status"], "APPROVED", "{r}");
    assert_eq!(r["update"]["waba_id"], WABA, "{r}");
    assert!(r["sent_id"].as_str().unwrap().starts_with("wamid."), "{r}");
    assert_eq!(r["unknown_error"]["code"], 132001, "{r}");
    assert_eq!(
        r["unknown_error"]["type"], "TemplateNotExists",
        "pywa maps it to its class: {r}"
    );
    // The send is recorded as the library sent it.
    let (_, m) = app.get("/v1/emulator/messages").await;
    let sent = m["messages"].as_array().unwrap();
    assert!(sent.iter().any(|s| s["id"] == r["sent_id"]), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn great_detail_creates_lists_deletes_and_sends_an_approved_template() {
    let vars = tokio::task::block_in_place(clients);
    let (app, rx) = templates_app(Some(2500)).await;
    let ca = app.dir.path().join("emulator-ca.pem");
    std::fs::write(
        &ca,
        app.app_state
            .external_cert
            .ca_pem()
            .expect("the generated CA"),
    )
    .unwrap();
    let base = format!("https://127.0.0.1:{}", app.port);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cloud_client/gd_templates.mjs"
    );
    let cmd = |phase: &str| {
        let mut c = Command::new("node");
        c.arg(script)
            .env("PHASE", phase)
            .env("WAEMU_NODE_CLIENTS_DIR", &vars["WAEMU_NODE_CLIENTS_DIR"])
            .env("NODE_EXTRA_CA_CERTS", &ca)
            .env("EMU_BASE", &base)
            .env("TOKEN", TOKEN)
            .env("PHONE_NUMBER_ID", N1)
            .env("WABA_ID", WABA)
            .env("APP_SECRET", "s3cret")
            .env("TO", "16315551234");
        c
    };
    let r = tokio::task::block_in_place(|| run(cmd("manage")));
    let id = r["created"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        r["created"],
        serde_json::json!({"id": id, "status": "PENDING", "category": "UTILITY"})
    );
    assert_eq!(
        r["listed"].as_array().unwrap().len(),
        2,
        "JSON-array status filter: {r}"
    );
    assert_eq!(
        r["listed_fields"],
        serde_json::json!(["id", "language", "name", "status"]),
        "{r}"
    );
    assert_eq!(
        r["got"],
        serde_json::json!({"status": "PENDING", "category": "UTILITY", "id": id})
    );
    assert_eq!(r["deleted"], serde_json::json!({"success": true}));
    assert_eq!(r["after_delete"], serde_json::json!([id]), "{r}");
    assert_eq!(
        r["duplicate"],
        serde_json::json!({"status": 400, "code": 100}),
        "{r}"
    );
    assert_eq!(r["subscribed"], 1, "{r}");

    let (raw, signature) = status_hook(&rx, "gd_order", "APPROVED").await;
    let body = app.dir.path().join("approved.json");
    std::fs::write(&body, &raw).unwrap();
    let mut send = cmd("send");
    send.env("WEBHOOK_BODY", &body)
        .env("WEBHOOK_SIGNATURE", &signature);
    let r = tokio::task::block_in_place(|| run(send));
    assert_eq!(r["signature_ok"], true, "{r}");
    assert_eq!(r["bad_secret_refused"], true, "{r}");
    assert_eq!(r["field"], "message_template_status_update", "{r}");
    assert_eq!(r["value"]["event"], "APPROVED", "{r}");
    assert_eq!(
        r["value"]["message_template_id"]
            .as_u64()
            .map(|n| n.to_string()),
        Some(id)
    );
    assert!(r["sent_id"].as_str().unwrap().starts_with("wamid."), "{r}");
    assert_eq!(
        r["unknown"],
        serde_json::json!({"status": 404, "code": 132001}),
        "{r}"
    );
}
