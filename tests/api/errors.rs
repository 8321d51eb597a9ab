//! Every malformed input answers the On-Prem error envelope, and the server keeps serving.

use crate::helpers::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_the_envelope() {
    let app = spawn_with(|c| c.max_json_bytes = 4096).await;
    let token = app.token().await;
    let url = |p: &str| format!("{}{p}", app.base);
    let send = |req: reqwest::RequestBuilder| async move {
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json::<Value>().await.unwrap())
    };
    let settings = url("/v1/settings/application");

    let (s, b) = send(
        app.client
            .patch(&settings)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{bad json"),
    )
    .await;
    assert_error(s, &b, 400, 1025);
    let (s, b) = send(
        app.client
            .patch(&settings)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(""),
    )
    .await;
    assert_error(s, &b, 400, 1025);
    let (s, b) = send(
        app.client
            .patch(&settings)
            .bearer_auth(&token)
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_error(s, &b, 400, 1025);
    let (s, b) = send(
        app.client
            .patch(&settings)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(vec![0xff, 0xfe]),
    )
    .await;
    assert_error(s, &b, 400, 1025);
    let big = format!("{{\"log_level\":\"{}\"}}", "x".repeat(10_000));
    let (s, b) = send(
        app.client
            .patch(&settings)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(big),
    )
    .await;
    assert_error(s, &b, 413, 1009);
    let (s, b) = send(app.client.get(url("/v1/no/such/route")).bearer_auth(&token)).await;
    assert_error(s, &b, 404, 1006);
    let (s, b) = send(app.client.get(url("/"))).await;
    assert_error(s, &b, 404, 1006);
    let res = app.client.put(url("/v1/health")).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET");
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 405, 1025);
    let (s, b) = send(
        app.client
            .post(url("/v1/users"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"username": 5, "password": "x"})),
    )
    .await;
    assert_error(s, &b, 400, 1009);
    assert!(b["errors"][0]["details"]
        .as_str()
        .unwrap()
        .starts_with("username"));

    // Still healthy, and the settings are intact.
    let (s, b) = app.get("/v1/settings/application").await;
    assert_eq!(s, 200);
    assert_eq!(b["settings"]["application"]["log_level"], "info");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_has_the_single_instance_shape() {
    let app = spawn_emulator().await;
    let res = app
        .client
        .get(format!("{}/v1/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["health"]["gateway_status"], "connected");
    assert!(body["meta"]["api_status"].is_string());
}
