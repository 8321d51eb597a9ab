//! Settings, users, the webhook CA and tokens survive a restart on the same data dir.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = EmulatorProcess::start(dir.path(), &[]);
    let (status, body) = first
        .api
        .patch(
            "/v1/settings/application",
            json!({"webhooks":{"url":"https://example.test/x"},"sent_status":true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = first
        .api
        .post(
            "/v1/users",
            json!({"username":"carol","password":"Passw0rd!"}),
        )
        .await;
    assert_eq!(status, 201);
    let token = first.api.token().await;
    let ca_before = std::fs::read_to_string(dir.path().join("certs/ca.pem")).unwrap();
    first.terminate();

    let second = EmulatorProcess::start(dir.path(), &[]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("certs/ca.pem")).unwrap(),
        ca_before,
        "the dev CA is reused"
    );
    let (status, body) = second
        .api
        .call_as(&token, Method::GET, "/v1/settings/application", None)
        .await;
    assert_eq!(status, 200, "the token is still valid: {body}");
    assert_eq!(
        body["settings"]["application"]["webhooks"]["url"],
        "https://example.test/x"
    );
    assert_eq!(body["settings"]["application"]["sent_status"], true);
    assert_eq!(second.api.login("carol", "Passw0rd!").await.0, 200);
}
