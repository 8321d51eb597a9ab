//! A real Cloud API client library against the emulator: PyPI `waba-sdk` (pinned in
//! scripts/cloud-client-venv.sh, which .ci/run calls) pointed at it by its `base_url` option,
//! over the plain-HTTP listener. The library also parses the webhooks the emulator sent.

use crate::cloud::*;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// The venv's python (WAEMU_CLOUD_CLIENT_PYTHON); without it the script is run to make one.
fn python() -> String {
    if let Ok(p) = std::env::var("WAEMU_CLOUD_CLIENT_PYTHON") {
        return p;
    }
    let out = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/cloud-client-venv.sh"
        ))
        .output()
        .expect("run scripts/cloud-client-venv.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waba_sdk_sends_uploads_and_parses_the_emulators_webhooks() {
    let python = tokio::task::block_in_place(python);
    let app = spawn_with(|c| {
        c.http_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    rx.set_verify_token(Some(VERIFY));
    let (status, cfg) = app
        .call(Method::PUT, "/v1/emulator/cloud", Some(json!({"verify_token": VERIFY, "access_tokens": ["sdk-token"], "webhook": {"url": rx.url}})))
        .await;
    assert_eq!(status, 200, "{cfg}");
    let number = cfg["cloud"]["numbers"][0]["phone_number_id"]
        .as_str()
        .unwrap()
        .to_string();
    let inbound = inbound(&app, &number, "16315559001", "hi from the customer").await;
    let inbound_id = inbound["messages"][0]["id"].as_str().unwrap().to_string();
    rx.wait_for(1, WAIT).await;
    let base = format!("http://127.0.0.1:{}", app.http_port.unwrap());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cloud_client/waba_sdk_check.py"
    );
    let run = |webhooks: &std::path::Path| {
        std::process::Command::new(&python)
            .arg(script)
            .env("EMU_BASE", &base)
            .env("TOKEN", "sdk-token")
            .env("PHONE_NUMBER_ID", &number)
            .env("TO", "+1 631 555 9001")
            .env("VERIFY_TOKEN", VERIFY)
            .env("INBOUND_ID", &inbound_id)
            .env("WEBHOOKS", webhooks)
            .output()
            .expect("run the client script")
    };
    // Let the text's statuses arrive, then hand every webhook so far to the library's parser.
    let webhooks = app.dir.path().join("webhooks.json");
    std::fs::write(&webhooks, "[]").unwrap();
    let out = tokio::task::block_in_place(|| run(&webhooks));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON results");
    for kind in [
        "text",
        "image",
        "location",
        "buttons",
        "list",
        "cta_url",
        "location_request",
        "flow",
        "template",
        "reaction",
    ] {
        let id = r[kind]["messages"][0]["id"].as_str().unwrap_or_default();
        assert!(id.starts_with("wamid."), "{kind}: {}", r[kind]);
    }
    assert_eq!(r["text"]["contacts"][0]["wa_id"], "16315559001");
    assert_eq!(r["media"]["mime_type"], "image/png");
    assert_eq!(r["media"]["bytes"], "\u{89}PNG emulated");
    assert_eq!(r["mark_read"], json!({"success": true}));
    assert_eq!(r["bad_token"], json!({"status": 401, "code": 190}));
    assert_eq!(r["handshake"], "42");
    // Statuses of the sends, parsed by the library (with the inbound message).
    let got = rx
        .wait_until(WAIT, |r| {
            r.iter().filter(|x| value(x)["statuses"].is_array()).count() >= 10
        })
        .await;
    assert!(got
        .iter()
        .all(|x| signed(x, cfg["cloud"]["app_secret"].as_str().unwrap())));
    let bodies: Vec<Value> = got.iter().map(|x| x.body.clone()).collect();
    std::fs::write(&webhooks, serde_json::to_vec(&bodies).unwrap()).unwrap();
    let out = tokio::task::block_in_place(|| run(&webhooks));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON results");
    let events: Vec<&str> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(events.contains(&"MessageEvent"), "{events:?}");
    assert!(
        events.iter().filter(|e| **e == "StatusEvent").count() >= 10,
        "{events:?}"
    );
}
