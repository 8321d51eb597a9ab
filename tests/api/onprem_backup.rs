//! `POST /v1/settings/backup` -> reset -> `POST /v1/settings/restore` gives back settings,
//! profile and business profile; a wrong password or altered data changes nothing.

use crate::helpers::*;
use crate::onprem_profile::png;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Everything a backup covers, as the GET routes answer it.
async fn snapshot(app: &Api) -> Value {
    let settings = app.get("/v1/settings/application").await.1["settings"].clone();
    let about = app.get("/v1/settings/profile/about").await.1["settings"].clone();
    let business = app.get("/v1/settings/business/profile").await.1["settings"].clone();
    let photo = app
        .send_authed(Method::GET, "/v1/settings/profile/photo")
        .await;
    let photo = match photo.status().as_u16() {
        200 => json!(B64.encode(photo.bytes().await.unwrap())),
        _ => Value::Null,
    };
    json!({"settings": settings, "about": about, "business": business, "photo": photo})
}

async fn configure(app: &Api, variant: &str) {
    let settings = json!({
        "webhooks": {"url": format!("https://hooks.example.test/{variant}")},
        "callback_backoff_delay_ms": 1234,
        "media": {"providers": [{"name": variant, "type": "www", "config": {"bearer": "t"}}]}
    });
    assert_eq!(app.patch("/v1/settings/application", settings).await.0, 200);
    let about = json!({"text": format!("about {variant}")});
    assert_eq!(app.patch("/v1/settings/profile/about", about).await.0, 200);
    let business =
        json!({"description": format!("shop {variant}"), "websites": ["https://example.test"]});
    assert_eq!(
        app.post("/v1/settings/business/profile", business).await.0,
        200
    );
    let seed = variant.len() as u8;
    let (status, _) = app
        .raw(
            Method::POST,
            "/v1/settings/profile/photo",
            Some("image/png"),
            png(seed),
        )
        .await;
    assert_eq!(status, 200);
}

async fn backup(app: &Api, password: &str) -> String {
    let (status, body) = app
        .post("/v1/settings/backup", json!({"password": password}))
        .await;
    assert_eq!(status, 200, "{body}");
    body["settings"]["data"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_reset_restore_gives_everything_back() {
    let app = spawn_emulator().await;
    configure(&app, "one").await;
    let before = snapshot(&app).await;
    let data = backup(&app, "whatsappBackup1234!").await;
    assert!(
        !data.contains("hooks.example.test"),
        "the data is encrypted"
    );
    assert_ne!(
        backup(&app, "whatsappBackup1234!").await,
        data,
        "fresh salt and nonce"
    );

    let (status, _) = app
        .post("/v1/emulator/reset", json!({"settings": true}))
        .await;
    assert_eq!(status, 200);
    let wiped = snapshot(&app).await;
    assert_ne!(wiped, before);
    assert_eq!(wiped["photo"], Value::Null);
    assert_eq!(wiped["about"]["profile"]["about"]["text"], "");

    let (status, body) = app
        .post(
            "/v1/settings/restore",
            json!({"password": "whatsappBackup1234!", "data": data}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_or_altered_data_changes_nothing() {
    let app = spawn_emulator().await;
    configure(&app, "one").await;
    let data = backup(&app, "right-password").await;
    configure(&app, "second").await;
    let current = snapshot(&app).await;

    let mut raw = B64.decode(&data).unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 0x40;
    let altered = B64.encode(&raw);
    let cases = [
        (
            json!({"password": "wrong-password", "data": data}),
            1009,
            "password",
        ),
        (
            json!({"password": "right-password", "data": altered}),
            1009,
            "password",
        ),
        (
            json!({"password": "right-password", "data": "bm90IGEgYmFja3Vw"}),
            1009,
            "data",
        ),
        (
            json!({"password": "right-password", "data": "%%%"}),
            1009,
            "data",
        ),
        (json!({"password": "", "data": data}), 1009, "password"),
        (json!({"data": data}), 1008, "password"),
        (json!({"password": "right-password"}), 1008, "data"),
        (
            json!({"password": "right-password", "data": data, "extra": 1}),
            1010,
            "extra",
        ),
    ];
    for (body, code, field) in cases {
        let (status, answer) = app.post("/v1/settings/restore", body).await;
        assert_error(status, &answer, 400, code);
        let details = answer["errors"][0]["details"].as_str().unwrap();
        assert!(details.contains(field), "{details}");
    }
    assert_eq!(snapshot(&app).await, current, "nothing changed");

    let (status, answer) = app.post("/v1/settings/backup", json!({})).await;
    assert_error(status, &answer, 400, 1008);
    let (status, _) = app
        .post(
            "/v1/settings/restore",
            json!({"password": "right-password", "data": data}),
        )
        .await;
    assert_eq!(status, 200);
    let restored = snapshot(&app).await;
    assert_eq!(restored["about"]["profile"]["about"]["text"], "about one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_write_leaves_the_restore_undone() {
    let app = spawn_emulator().await;
    configure(&app, "one").await;
    let data = backup(&app, "pw").await;
    configure(&app, "second").await;
    let current = snapshot(&app).await;
    app.set_store_fault(true).await;
    let (status, answer) = app
        .post(
            "/v1/settings/restore",
            json!({"password": "pw", "data": data}),
        )
        .await;
    assert_error(status, &answer, 500, 1023);
    app.set_store_fault(false).await;
    assert_eq!(
        snapshot(&app).await,
        current,
        "settings and profile stay as they were"
    );
}
