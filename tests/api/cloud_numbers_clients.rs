//! Two real Cloud client libraries drive the phone-number surface: PyPI `pywa` and npm
//! `@great-detail/whatsapp`, pointed at the emulator's plain-HTTP listener (reference §6). They
//! read and update the business profile, read (and pywa registers) phone numbers, block and
//! unblock; the test checks what they parsed and what the emulator kept.
//!
//! Where the libraries are: `WAEMU_PYWA_PYTHON` (a python with pywa 4.5.0) and
//! `WAEMU_NODE_CLIENTS_DIR` (a dir whose node_modules has @great-detail/whatsapp 9.2.0), as
//! `scripts/cloud-clients.sh` prints them; without the variables, that script is run when present,
//! else /tmp/wa-pywa-venv/bin/python and /tmp/wa-npm-clients are used.

use crate::cloud::*;
use crate::cloud_numbers::{call, number_state};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const USER: &str = "16315550101";
const WABA: &str = "102290129340398";

/// (python, node clients dir).
fn clients() -> (String, String) {
    let from_env = (
        std::env::var("WAEMU_PYWA_PYTHON"),
        std::env::var("WAEMU_NODE_CLIENTS_DIR"),
    );
    if let (Ok(py), Ok(node)) = from_env {
        return (py, node);
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cloud-clients.sh");
    let (mut py, mut node) = (
        "/tmp/wa-pywa-venv/bin/python".to_string(),
        "/tmp/wa-npm-clients".to_string(),
    );
    if Path::new(script).exists() {
        let out = Command::new("bash")
            .arg(script)
            .output()
            .expect("run scripts/cloud-clients.sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            match line.split_once('=') {
                Some(("WAEMU_PYWA_PYTHON", v)) => py = v.to_string(),
                Some(("WAEMU_NODE_CLIENTS_DIR", v)) => node = v.to_string(),
                _ => {}
            }
        }
    }
    assert!(
        Path::new(&py).exists(),
        "no python with pywa at {py}: set WAEMU_PYWA_PYTHON"
    );
    assert!(
        Path::new(&node)
            .join("node_modules/@great-detail/whatsapp")
            .exists(),
        "no @great-detail/whatsapp under {node}: set WAEMU_NODE_CLIENTS_DIR"
    );
    (py, node)
}

/// Runs a client script with the emulator's address; answers its JSON output.
fn run(program: &str, script: &Path, vars: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new(program);
    cmd.arg(script).envs(vars.iter().copied());
    let out = cmd.output().expect("run the client script");
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pywa_and_great_detail_manage_profiles_numbers_and_blocks() {
    let (python, node_dir) = tokio::task::block_in_place(clients);
    let app = spawn_with(|c| c.http_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    let (status, cfg) = app
        .call(Method::PUT, "/v1/emulator/cloud", Some(json!({
            "access_tokens": ["tok-1"],
            "numbers": [
                {"phone_number_id": N1, "display_phone_number": "15550001111", "waba_id": WABA, "verified_name": "Lucky Shrub"},
                {"phone_number_id": N2, "display_phone_number": "15550002222", "waba_id": WABA}
            ]
        })))
        .await;
    assert_eq!(status, 200, "{cfg}");
    inbound(&app, N1, USER, "hello").await;
    inbound(&app, N2, USER, "hello").await;
    let base = format!("http://127.0.0.1:{}", app.http_port.unwrap());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cloud_client");

    // pywa, on the first number.
    let vars = [
        ("EMU_BASE", base.as_str()),
        ("TOKEN", "tok-1"),
        ("PHONE_NUMBER_ID", N1),
        ("WABA_ID", WABA),
        ("USER", USER),
        ("STRANGER", "16315550999"),
    ];
    let py = tokio::task::block_in_place(|| run(&python, &dir.join("pywa_numbers.py"), &vars));
    assert_eq!(
        py["profile"],
        json!({"about": "Succulent specialists", "address": "1 Hacker Way", "email": "shop@example.com",
               "industry": "RETAIL", "websites": ["https://shop.example", "http://shop.example/b"], "description": null})
    );
    assert_eq!(py["deregistered"], true);
    assert_eq!(
        py["after_deregister"],
        json!({"status": "DISCONNECTED", "platform_type": "NOT_APPLICABLE"})
    );
    assert_eq!(py["registered"], true);
    assert_eq!(
        py["number"],
        json!({"id": N1, "display_phone_number": "+1 555-000-1111", "verified_name": "Lucky Shrub", "quality_rating": "GREEN",
               "status": "CONNECTED", "platform_type": "CLOUD_API", "is_pin_enabled": true, "throughput": {"level": "STANDARD"},
               "code_verification_status": "VERIFIED"})
    );
    assert_eq!(py["numbers"], json!([N1, N2]));
    assert_eq!(py["wrong_pin"], 133005);
    assert_eq!(py["blocked"], json!([USER]));
    assert_eq!(py["blocked_list"], json!([{"input": USER, "wa_id": USER}]));
    assert_eq!(py["stranger"], 139100);
    assert_eq!(
        (&py["unblocked"], &py["blocked_after"]),
        (&json!([USER]), &json!([]))
    );
    // What the emulator kept.
    let state = number_state(&app, N1).await;
    assert_eq!(
        (
            &state["registered"],
            &state["two_step_pin"],
            &state["blocked_users"]
        ),
        (&json!(true), &json!("493817"), &json!([]))
    );
    let (_, profile) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{N1}/whatsapp_business_profile?fields=about,vertical"),
        None,
    )
    .await;
    assert_eq!(
        profile["data"][0],
        json!({"about": "Succulent specialists", "vertical": "RETAIL", "messaging_product": "whatsapp"})
    );

    // @great-detail/whatsapp, on the second number.
    let vars = [
        ("EMU_BASE", base.as_str()),
        ("TOKEN", "tok-1"),
        ("PHONE_NUMBER_ID", N2),
        ("WABA_ID", WABA),
        ("USER", USER),
    ];
    // Node resolves an ES module's imports from the module's own folder: run a copy beside a
    // link to the clients' node_modules.
    let work = app.dir.path().join("gd");
    std::fs::create_dir_all(&work).unwrap();
    std::os::unix::fs::symlink(
        Path::new(&node_dir).join("node_modules"),
        work.join("node_modules"),
    )
    .unwrap();
    std::fs::copy(dir.join("gd_numbers.mjs"), work.join("gd_numbers.mjs")).unwrap();
    let gd = tokio::task::block_in_place(|| run("node", &work.join("gd_numbers.mjs"), &vars));
    assert_eq!(gd["update"], json!({"success": true}));
    assert_eq!(
        gd["profile"],
        json!({"about": "From Node", "description": "A shop", "websites": ["https://node.example"], "messaging_product": "whatsapp", "vertical": "GROCERY"})
    );
    assert_eq!(
        gd["number"],
        json!({"id": N2, "display_phone_number": "+1 555-000-2222", "verified_name": "Test Number", "status": "CONNECTED",
               "is_pin_enabled": false, "whatsapp_business_profile": {"about": "From Node", "messaging_product": "whatsapp", "vertical": "GROCERY"}})
    );
    assert_eq!(
        gd["list"]["data"].as_array().unwrap().len(),
        2,
        "{}",
        gd["list"]
    );
    assert_eq!(gd["rename"], json!({"success": true}));
    assert_eq!(gd["pin"], json!({"success": true}));
    assert_eq!(
        gd["block"],
        json!({"messaging_product": "whatsapp", "block_users": {"added_users": [{"input": USER, "wa_id": USER}]}})
    );
    assert_eq!(
        gd["blocked_list"]["data"],
        json!([{"messaging_product": "whatsapp", "input": USER, "wa_id": USER}])
    );
    assert_eq!(
        gd["unblock"]["block_users"]["removed_users"],
        json!([{"input": USER, "wa_id": USER}])
    );
    let state = number_state(&app, N2).await;
    assert_eq!(
        (
            &state["two_step_pin"],
            &state["new_display_name"],
            &state["blocked_users"]
        ),
        (&json!("864209"), &json!("Node Shop"), &json!([]))
    );
    let (_, got) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{N2}?fields=new_name_status"),
        None,
    )
    .await;
    assert_eq!(got["new_name_status"], "PENDING_REVIEW");
}
