//! The inspector's Account tab in a real headless Chromium: it shows the pending registration
//! code, verifies it, shows the photo and saves the About text.

use crate::browser::{self, Browser};
use crate::helpers::*;
use base64::Engine;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

/// A valid 1x1 PNG (the browser must be able to draw it).
const PIXEL: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_tab_verifies_the_code_and_edits_the_profile() {
    if !browser::available() {
        return;
    }
    let app = spawn_with(|c| c.unregistered = true).await;
    let register = json!({"cc":"1","phone_number":"6315550042","method":"sms","cert":"Q2VydA=="});
    assert_eq!(app.post("/v1/account", register).await.0, 202);
    let code = app.get("/v1/emulator/account").await.1["account"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let png = base64::engine::general_purpose::STANDARD
        .decode(PIXEL)
        .unwrap();
    let (status, _) = app
        .raw(
            Method::POST,
            "/v1/settings/profile/photo",
            Some("image/png"),
            png,
        )
        .await;
    assert_eq!(status, 200);

    let br = Browser::start(&app.base).await;
    br.sign_in("admin", "secret").await;
    br.click("#tab-account").await;
    br.wait("#account-glance dd").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = br.wait("#account-glance").await.text().await.unwrap();
        if text.contains(&code) && text.contains("code_sent") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the pending code is not shown: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    br.wait_visible("#account-photo").await;

    br.click("#account-verify").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.get("/v1/emulator/account").await.1["account"]["state"] != "registered" {
        assert!(Instant::now() < deadline, "not registered by the tab");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    br.type_into("#account-about", "Set from the inspector")
        .await;
    br.click("#account-about-save").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, about) = app.get("/v1/settings/profile/about").await;
        if about["settings"]["profile"]["about"]["text"] == "Set from the inspector" {
            break;
        }
        assert!(Instant::now() < deadline, "not saved: {about}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    br.screenshot_to(&std::env::temp_dir().join("inspector-account.png"))
        .await;
    br.stop().await;
}
