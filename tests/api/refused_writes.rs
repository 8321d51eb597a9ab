//! Every write refused with 1023 while the disk "fails" leaves no trace: users, passwords, tokens,
//! media (record and file) and the webhook CA are as they were once the fault clears.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

fn media_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.dir.path().join("media"))
        .unwrap()
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_writes_leave_no_trace() {
    let app = spawn_emulator().await;
    let keep = json!({"username": "keep", "password": "Passw0rd!"});
    assert_eq!(app.post("/v1/users", keep).await.0, 201);
    let (_, login) = app.login("admin", "secret").await;
    let second = login["users"][0]["token"].as_str().unwrap().to_string();
    let ca = wa_onprem_emulator::tls::DevPki::generate("kept CA", &["localhost".into()]).unwrap();
    assert_eq!(app.upload_ca(&ca.ca_pem).await, 200);
    let media = app.upload_media("image/png", vec![1, 2, 3]).await;
    let files = media_files(&app);

    app.set_store_fault(true).await;
    let other =
        wa_onprem_emulator::tls::DevPki::generate("other CA", &["localhost".into()]).unwrap();
    let ghost = json!({"username": "ghost", "password": "Passw0rd!"});
    let password = json!({"password": "Chang3d-Secret"});
    let refused = [
        app.post("/v1/users", ghost).await,
        app.call(Method::DELETE, "/v1/users/keep", None).await,
        app.call(Method::PUT, "/v1/users/admin", Some(password))
            .await,
        app.call_as(&second, Method::POST, "/v1/users/logout", None)
            .await,
        app.raw(Method::POST, "/v1/media", Some("image/png"), vec![4u8; 64])
            .await,
        app.call(Method::DELETE, &format!("/v1/media/{media}"), None)
            .await,
        app.raw(
            Method::POST,
            "/v1/certificates/webhooks/ca",
            Some("text/plain"),
            other.ca_pem.clone(),
        )
        .await,
        app.call(Method::DELETE, "/v1/certificates/webhooks/ca", None)
            .await,
    ];
    for (i, (status, body)) in refused.iter().enumerate() {
        assert_error(*status, body, 500, 1023);
        let details = body["errors"][0]["details"].as_str().unwrap_or_default();
        assert!(details.contains("fault"), "write {i}: {details}");
    }
    let res = app
        .client
        .post(format!("{}/v1/users/login", app.base))
        .basic_auth("keep", Some("Passw0rd!"))
        .json(&json!({"new_password": "N3w-Passw0rd"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500, "login with new_password refused too");
    assert_eq!(media_files(&app), files, "no orphan media file");
    let kept = app.dir.path().join("media").join(&media);
    assert!(kept.exists(), "the refused delete kept the file");
    app.set_store_fault(false).await;

    assert_eq!(app.get("/v1/users/ghost").await.0, 404);
    assert_eq!(app.get("/v1/users/keep").await.0, 200);
    assert_eq!(app.login("keep", "Passw0rd!").await.0, 200);
    assert_eq!(app.login("admin", "secret").await.0, 200);
    assert_eq!(
        app.call_as(&second, Method::GET, "/v1/users", None).await.0,
        200,
        "the refused logout did not revoke"
    );
    let (_, db) = app.get("/v1/stats/db").await;
    let media_records = db["stats"]["db"]["db_tree_entries"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["labels"]["tree"] == "media")
        .unwrap()["value"]
        .clone();
    assert_eq!(media_records, 1.0, "no orphan media record");
    let res = app
        .send_authed(Method::GET, &format!("/v1/media/{media}"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &[1, 2, 3]);
    let res = app
        .send_authed(Method::GET, "/v1/certificates/webhooks/ca")
        .await;
    assert_eq!(res.text().await.unwrap(), ca.ca_pem);
}

async fn webhook_ca(api: &Api) -> (u16, String) {
    let res = api
        .send_authed(Method::GET, "/v1/certificates/webhooks/ca")
        .await;
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

async fn fail_flushes(api: &Api, on: bool) {
    let (status, body) = api
        .call(
            Method::PUT,
            "/v1/emulator/faults",
            Some(json!({"store": on, "mode": "fail_flush"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Writes that reach the database and then fail to flush are undone: the CA upload and delete,
/// a user and the settings are as before, in memory and after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_whose_flush_fails_are_undone_and_stay_undone_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = EmulatorProcess::start(dir.path(), &[]);
    let api = &first.api;
    let kept = wa_onprem_emulator::tls::DevPki::generate("kept CA", &["localhost".into()]).unwrap();
    let other =
        wa_onprem_emulator::tls::DevPki::generate("other CA", &["localhost".into()]).unwrap();

    // No CA yet: an upload whose flush fails leaves none.
    fail_flushes(api, true).await;
    let (status, body) = api
        .raw(
            Method::POST,
            "/v1/certificates/webhooks/ca",
            Some("text/plain"),
            other.ca_pem.clone().into_bytes(),
        )
        .await;
    assert_error(status, &body, 500, 1023);
    assert_eq!(webhook_ca(api).await.0, 404);
    fail_flushes(api, false).await;

    // A CA: a replacement and a delete whose flushes fail keep it.
    assert_eq!(api.upload_ca(&kept.ca_pem).await, 200);
    fail_flushes(api, true).await;
    let replaced = api
        .raw(
            Method::POST,
            "/v1/certificates/webhooks/ca",
            Some("text/plain"),
            other.ca_pem.clone().into_bytes(),
        )
        .await;
    let deleted = api
        .call(Method::DELETE, "/v1/certificates/webhooks/ca", None)
        .await;
    let user = api
        .post(
            "/v1/users",
            json!({"username": "ghost", "password": "Passw0rd!"}),
        )
        .await;
    let settings = api
        .patch(
            "/v1/settings/application",
            json!({"webhooks": {"url": "https://ghost.test/x"}}),
        )
        .await;
    for (status, body) in [replaced, deleted, user, settings] {
        assert_error(status, &body, 500, 1023);
    }
    assert_eq!(webhook_ca(api).await, (200, kept.ca_pem.clone()));
    fail_flushes(api, false).await;
    assert_eq!(api.get("/v1/users/ghost").await.0, 404);
    first.terminate();

    let second = EmulatorProcess::start(dir.path(), &[]);
    let api = &second.api;
    assert_eq!(webhook_ca(api).await, (200, kept.ca_pem.clone()));
    assert_eq!(api.get("/v1/users/ghost").await.0, 404);
    let (_, settings) = api.get("/v1/settings/application").await;
    assert!(settings["settings"]["application"]["webhooks"]["url"].is_null());
}
