use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_are_the_real_ones() {
    let app = spawn_emulator().await;
    let (status, body) = app.get("/v1/settings/application").await;
    assert_eq!(status, 200);
    let s = &body["settings"]["application"];
    assert_eq!(s["callback_persist"], true);
    assert_eq!(s["callback_backoff_delay_ms"], 3000);
    assert_eq!(s["max_callback_backoff_delay_ms"], 900000);
    assert_eq!(s["webhooks"]["max_concurrent_requests"], 6);
    assert_eq!(s["sent_status"], false);
    assert_eq!(s["pass_through"], false);
    assert_eq!(s["wa_id"], "16315551000");
    assert!(s["webhooks"].get("url").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_is_partial_and_delete_resets() {
    let app = spawn_emulator().await;
    let (status, body) = app
        .patch(
            "/v1/settings/application",
            json!({"webhooks":{"url":"https://example.test/hook","max_concurrent_requests":"12"},"callback_backoff_delay_ms":"5000"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["meta"].is_object());
    let (_, body) = app
        .patch("/v1/settings/application", json!({"sent_status": true}))
        .await;
    assert!(body["errors"].is_null());
    let (_, body) = app.get("/v1/settings/application").await;
    let s = &body["settings"]["application"];
    assert_eq!(s["webhooks"]["url"], "https://example.test/hook");
    assert_eq!(s["webhooks"]["max_concurrent_requests"], 12);
    assert_eq!(s["callback_backoff_delay_ms"], 5000);
    assert_eq!(s["sent_status"], true);
    assert_eq!(s["webhooks"]["message"]["delivered"], true);

    let (status, _) = app
        .call(Method::DELETE, "/v1/settings/application", None)
        .await;
    assert_eq!(status, 200);
    let (_, body) = app.get("/v1/settings/application").await;
    assert_eq!(
        body["settings"]["application"]["callback_backoff_delay_ms"],
        3000
    );
    assert!(body["settings"]["application"]["webhooks"]
        .get("url")
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_value_gets_1009_naming_the_field() {
    let app = spawn_emulator().await;
    let cases = [
        (
            json!({"webhooks":{"max_concurrent_requests":7}}),
            "webhooks.max_concurrent_requests",
        ),
        (json!({"webhooks":{"url":"not a url"}}), "webhooks.url"),
        (
            json!({"webhooks":{"url":"http://example.test/hook"}}),
            "--allow-http-webhooks",
        ),
        (
            json!({"webhooks":{"message":{"read":"yes"}}}),
            "webhooks.message.read",
        ),
        (
            json!({"callback_backoff_delay_ms":"soon"}),
            "callback_backoff_delay_ms",
        ),
        (
            json!({"callback_backoff_delay_ms":-1}),
            "callback_backoff_delay_ms",
        ),
        (
            json!({"max_callback_backoff_delay_ms":10}),
            "max_callback_backoff_delay_ms",
        ),
        (json!({"callback_persist":1}), "callback_persist"),
        (
            json!({"media":{"auto_download":["pdf"]}}),
            "media.auto_download",
        ),
        (json!({"log_level":"loud"}), "log_level"),
        (json!({"wa_id":"1"}), "wa_id"),
        (json!({"pass_through":true}), "pass_through"),
        (json!({"webhooks":"https://x"}), "webhooks"),
    ];
    for (patch, field) in cases {
        let (status, body) = app.patch("/v1/settings/application", patch.clone()).await;
        assert_error(status, &body, 400, 1009);
        let details = body["errors"][0]["details"].as_str().unwrap();
        assert!(details.contains(field), "{patch} -> {details}");
    }
    let (status, body) = app
        .patch("/v1/settings/application", json!({"no_such_setting":true}))
        .await;
    assert_error(status, &body, 400, 1010);
    let (status, body) = app.patch("/v1/settings/application", json!([1, 2])).await;
    assert_error(status, &body, 400, 1009);
    // Nothing of the refused patches stuck.
    let (_, body) = app.get("/v1/settings/application").await;
    assert_eq!(
        body["settings"]["application"]["webhooks"]["max_concurrent_requests"],
        6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_webhooks_are_allowed_by_the_setting() {
    let app = spawn_with(|c| c.allow_http_webhooks = true).await;
    let (status, body) = app
        .patch(
            "/v1/settings/application",
            json!({"webhooks":{"url":"http://localhost:1/hook"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}
