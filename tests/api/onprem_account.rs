//! Registration (`/v1/account`, `/verify`, `/shards`) with the code read from the control API
//! and the log, health and sends before/after, two-step verification, and persistence.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

const CERT: &str = "Q2VydGlmaWNhdGUgZnJvbSBCdXNpbmVzcyBNYW5hZ2Vy";

fn text_to(to: &str) -> Value {
    json!({"to": to, "type": "text", "text": {"body": "hello"}})
}

/// Sends need a webhook URL (1022 otherwise); this one refuses connections at once.
async fn set_webhook(api: &Api) {
    let url = json!({"webhooks": {"url": "https://127.0.0.1:9/hook"}});
    assert_eq!(api.patch("/v1/settings/application", url).await.0, 200);
}

async fn health(api: &Api) -> String {
    let res = api
        .client
        .get(format!("{}/v1/health", api.base))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["health"]["gateway_status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn pending_code(api: &Api) -> String {
    let (status, body) = api.get("/v1/emulator/account").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["state"], "code_sent", "{body}");
    body["account"]["code"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_number_registers_with_the_code_sent() {
    let app = spawn_with(|c| c.unregistered = true).await;
    set_webhook(&app).await;
    assert_eq!(health(&app).await, "unregistered");
    let (status, body) = app.post("/v1/messages", text_to("16315551234")).await;
    assert_error(status, &body, 500, 1011);
    assert_eq!(
        app.get("/v1/emulator/messages").await.1["messages"],
        json!([])
    );

    let register = json!({"cc":"1","phone_number":"6315550042","method":"sms","cert":CERT});
    let (status, body) = app.post("/v1/account", register.clone()).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["account"][0]["vname"], "Emulated Business");
    let code = pending_code(&app).await;
    assert_eq!(code.len(), 6);
    assert_eq!(health(&app).await, "unregistered", "not before verify");

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = app.post("/v1/account/verify", json!({"code": wrong})).await;
    assert_error(status, &body, 400, 1009);
    let (status, body) = app
        .post("/v1/account/verify", json!({"code": 123456}))
        .await;
    assert_error(status, &body, 400, 1009);
    let (status, body) = app.post("/v1/account/verify", json!({"code": code})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(health(&app).await, "connected");
    let (_, account) = app.get("/v1/emulator/account").await;
    assert_eq!(account["account"]["state"], "registered");
    assert_eq!(account["account"]["wa_id"], "16315550042");

    let (status, body) = app.post("/v1/messages", text_to("16315551234")).await;
    assert_eq!(status, 201, "{body}");
    assert!(body["messages"][0]["id"].is_string());
    let (status, body) = app.post("/v1/account", register).await;
    assert_eq!(status, 201, "the same number is registered already: {body}");
    let (status, body) = app.post("/v1/account/verify", json!({"code": code})).await;
    assert_error(status, &body, 404, 1006);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_registration_requests_change_nothing() {
    let app = spawn_with(|c| c.unregistered = true).await;
    let good = json!({"cc":"1","phone_number":"6315550042","method":"sms","cert":CERT});
    let cases: Vec<(Value, u64, &str)> = vec![
        (
            json!({"phone_number":"6315550042","method":"sms","cert":CERT}),
            1008,
            "cc",
        ),
        (
            json!({"cc":"+1","phone_number":"6315550042","method":"sms","cert":CERT}),
            1009,
            "cc",
        ),
        (
            json!({"cc":"1","phone_number":"631-555","method":"sms","cert":CERT}),
            1009,
            "phone_number",
        ),
        (
            json!({"cc":"1","phone_number":"6315550042","method":"fax","cert":CERT}),
            1009,
            "method",
        ),
        (
            json!({"cc":"1","phone_number":"6315550042","method":"sms","cert":"%%%"}),
            1009,
            "cert",
        ),
        (
            json!({"cc":"1","phone_number":"6315550042","method":"sms","cert":CERT,"x":1}),
            1010,
            "x",
        ),
    ];
    for (body, code, field) in cases {
        let (status, answer) = app.post("/v1/account", body).await;
        assert_error(status, &answer, 400, code);
        assert!(
            answer["errors"][0]["details"]
                .as_str()
                .unwrap()
                .contains(field),
            "{answer}"
        );
    }
    let (_, account) = app.get("/v1/emulator/account").await;
    assert_eq!(account["account"]["state"], "unregistered");
    let (status, body) = app
        .post("/v1/account/verify", json!({"code":"123456"}))
        .await;
    assert_error(status, &body, 404, 1006);
    let (status, _) = app.post("/v1/account", good).await;
    assert_eq!(status, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_step_pin_guards_registration_and_shards() {
    let app = spawn_emulator().await; // registered as 16315551000
    for bad in [
        json!({"pin":"12345"}),
        json!({"pin":"12345a"}),
        json!({"pin":123456}),
    ] {
        let (status, body) = app.post("/v1/settings/account/two-step", bad).await;
        assert_error(status, &body, 400, 1009);
    }
    let (status, body) = app.post("/v1/settings/account/two-step", json!({})).await;
    assert_error(status, &body, 400, 1008);
    assert_eq!(
        app.get("/v1/emulator/account").await.1["two_step"]["enabled"],
        false
    );

    let (status, body) = app
        .post("/v1/settings/account/two-step", json!({"pin":"246810"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.get("/v1/emulator/account").await.1["two_step"]["enabled"],
        true
    );
    let same = json!({"cc":"1","phone_number":"6315551000","method":"voice","cert":CERT});
    let (status, body) = app.post("/v1/account", same.clone()).await;
    assert_error(status, &body, 400, 1008);
    let mut wrong = same.clone();
    wrong["pin"] = json!("135791");
    let (status, body) = app.post("/v1/account", wrong).await;
    assert_error(status, &body, 400, 1009);
    let mut right = same.clone();
    right["pin"] = json!("246810");
    assert_eq!(app.post("/v1/account", right).await.0, 201);

    let shards =
        |n: Value, pin: &str| json!({"cc":"1","phone_number":"6315551000","shards":n,"pin":pin});
    let (status, body) = app
        .post("/v1/account/shards", shards(json!(4), "000000"))
        .await;
    assert_error(status, &body, 400, 1009);
    let (status, body) = app
        .post("/v1/account/shards", shards(json!(3), "246810"))
        .await;
    assert_error(status, &body, 400, 1009);
    let mut other = shards(json!(4), "246810");
    other["phone_number"] = json!("6315559999");
    let (status, body) = app.post("/v1/account/shards", other).await;
    assert_error(status, &body, 400, 1009);
    let (status, body) = app
        .post("/v1/account/shards", shards(json!("4"), "246810"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.get("/v1/emulator/account").await.1["account"]["shards"],
        4
    );
    assert_eq!(
        app.get("/v1/support").await.1["support"]["multi_connect"],
        true
    );

    let (status, _) = app
        .call(Method::DELETE, "/v1/settings/account/two-step", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.post("/v1/account", same).await.0,
        201,
        "no PIN needed any more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_routes_need_the_admin_role() {
    let app = spawn_emulator().await;
    app.post(
        "/v1/users",
        json!({"username":"agent","password":"Passw0rd!"}),
    )
    .await;
    let (_, body) = app.login("agent", "Passw0rd!").await;
    let user = body["users"][0]["token"].as_str().unwrap().to_string();
    for (method, path) in [
        (Method::POST, "/v1/account"),
        (Method::POST, "/v1/account/verify"),
        (Method::POST, "/v1/account/shards"),
        (Method::POST, "/v1/settings/account/two-step"),
        (Method::DELETE, "/v1/settings/account/two-step"),
    ] {
        let (status, body) = app.call_as(&user, method, path, Some(json!({}))).await;
        assert_error(status, &body, 403, 1005);
    }
    let (status, body) = app.call_as(&user, Method::GET, "/v1/support", None).await;
    assert_eq!(status, 200, "support is open to users: {body}");
    assert_eq!(body["support"]["debug_info"], "16315551000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_survives_a_restart_and_the_code_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("emulator.log");
    let mut first = EmulatorProcess::start_logging(dir.path(), &["--unregistered"], &log);
    let (status, _) = first
        .api
        .post(
            "/v1/account",
            json!({"cc":"44","phone_number":"7700900123","method":"voice","cert":CERT}),
        )
        .await;
    assert_eq!(status, 202);
    let code = pending_code(&first.api).await;
    let about = json!({"text": "kept across restarts"});
    assert_eq!(
        first.api.patch("/v1/settings/profile/about", about).await.0,
        200
    );
    let business = json!({"websites": ["https://kept.example.test"]});
    assert_eq!(
        first
            .api
            .post("/v1/settings/business/profile", business)
            .await
            .0,
        200
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged
            .lines()
            .any(|l| l.contains("registration code") && l.contains(&code)),
        "the code is in the log"
    );
    first.terminate();

    let mut second = EmulatorProcess::start(dir.path(), &["--unregistered"]);
    assert_eq!(
        pending_code(&second.api).await,
        code,
        "the pending code survives"
    );
    let (_, about) = second.api.get("/v1/settings/profile/about").await;
    assert_eq!(
        about["settings"]["profile"]["about"]["text"],
        "kept across restarts"
    );
    let (_, business) = second.api.get("/v1/settings/business/profile").await;
    assert_eq!(
        business["settings"]["business"]["profile"]["websites"],
        json!(["https://kept.example.test"])
    );
    let (status, _) = second
        .api
        .post("/v1/account/verify", json!({"code": code}))
        .await;
    assert_eq!(status, 201);
    second.terminate();

    let third = EmulatorProcess::start(dir.path(), &["--unregistered"]);
    assert_eq!(
        health(&third.api).await,
        "connected",
        "--unregistered only seeds a fresh data dir"
    );
    set_webhook(&third.api).await;
    let (status, body) = third.api.post("/v1/messages", text_to("16315551234")).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_account_returns_to_the_startup_state() {
    let app = spawn_with(|c| c.unregistered = true).await;
    app.post(
        "/v1/account",
        json!({"cc":"1","phone_number":"6315550042","method":"sms","cert":CERT}),
    )
    .await;
    let code = pending_code(&app).await;
    app.post("/v1/account/verify", json!({"code": code})).await;
    app.post("/v1/settings/account/two-step", json!({"pin":"123456"}))
        .await;
    assert_eq!(health(&app).await, "connected");
    let (status, body) = app
        .post("/v1/emulator/reset", json!({"account": true}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(health(&app).await, "unregistered");
    assert_eq!(
        app.get("/v1/emulator/account").await.1["two_step"]["enabled"],
        false
    );
}
