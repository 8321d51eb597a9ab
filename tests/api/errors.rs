//! Every malformed input answers the On-Prem error envelope, and the server keeps serving.

use crate::helpers::*;
use reqwest::Method;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_the_envelope() {
    let app = spawn_with(|c| c.max_json_bytes = 4096).await;
    const S: &str = "/v1/settings/application";
    const JSON: Option<&str> = Some("application/json");
    let big = format!("{{\"log_level\":\"{}\"}}", "x".repeat(10_000)).into_bytes();
    // (method, path, content type, body, HTTP status, WhatsApp code)
    type Case<'a> = (Method, &'a str, Option<&'a str>, Vec<u8>, u16, u64);
    let cases: Vec<Case> = vec![
        (Method::PATCH, S, JSON, b"{bad json".to_vec(), 400, 1025),
        (Method::PATCH, S, JSON, Vec::new(), 400, 1025),
        (
            Method::PATCH,
            S,
            Some("text/plain"),
            b"{}".to_vec(),
            400,
            1025,
        ),
        (Method::PATCH, S, JSON, vec![0xff, 0xfe], 400, 1025),
        (Method::PATCH, S, JSON, big, 413, 1009),
        (
            Method::GET,
            "/v1/no/such/route",
            None,
            Vec::new(),
            404,
            1006,
        ),
        (Method::GET, "/", None, Vec::new(), 404, 1006),
        (
            Method::POST,
            "/v1/users",
            JSON,
            br#"{"username": 5, "password": "x"}"#.to_vec(),
            400,
            1009,
        ),
    ];
    for (method, path, ct, body, status, code) in cases {
        let (s, b) = app.raw(method.clone(), path, ct, body).await;
        assert_error(s, &b, status, code);
        if path == "/v1/users" {
            assert!(b["errors"][0]["details"]
                .as_str()
                .unwrap()
                .starts_with("username"));
        }
    }
    let res = app
        .client
        .put(format!("{}/v1/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 405, 1025);

    // Still healthy, and the settings are intact.
    let (s, b) = app.get(S).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_details_echo_at_most_200_characters_of_the_path() {
    let app = spawn_emulator().await;
    let long = "a".repeat(60_000);
    let cases = [
        (Method::GET, format!("/v1/{long}"), 404, 1006),
        (Method::GET, format!("/v1/emulator/{long}"), 404, 1006),
        (Method::PATCH, format!("/v1/users/{long}"), 405, 1025),
        (Method::GET, format!("/v1/users/{long}"), 404, 1006),
        (Method::DELETE, format!("/v1/users/{long}"), 404, 1006),
        (Method::GET, format!("/v1/media/{long}"), 404, 1006),
        (Method::DELETE, format!("/v1/media/{long}"), 404, 1006),
    ];
    for (method, path, status, code) in cases {
        let (s, body) = app.call(method.clone(), &path, None).await;
        assert_error(s, &body, status, code);
        let details = body["errors"][0]["details"].as_str().unwrap();
        assert!(
            details.chars().count() <= 300,
            "{method} echoed {} characters",
            details.len()
        );
        assert!(!details.contains(&"a".repeat(201)), "{method} {details}");
    }
    let (_, body) = app.get(&format!("/v1/{long}")).await;
    let details = body["errors"][0]["details"].as_str().unwrap();
    assert!(
        details.starts_with("Unknown path: GET /v1/aaa"),
        "{details}"
    );
    assert!(details.ends_with("a…"), "{details}");
    let (_, body) = app.get("/v1/users/nobody").await;
    assert_eq!(body["errors"][0]["details"], "User nobody does not exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_answers_wherever_get_does() {
    let app = spawn_emulator().await;
    // curl -I: no credentials needed for health.
    let res = app
        .client
        .head(format!("{}/v1/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let length = res.headers()["content-length"].clone();
    assert!(res.bytes().await.unwrap().is_empty());
    let res = app
        .client
        .get(format!("{}/v1/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-length"], length);

    let gets: Vec<String> = wa_onprem_emulator::api::routes()
        .into_iter()
        .filter(|(m, _)| m == "GET")
        .map(|(_, p)| p.replace("{username}", "admin").replace("{id}", "123"))
        .collect();
    assert!(gets.len() > 15);
    for path in gets {
        let get = app.authed(Method::GET, &path).await.send().await.unwrap();
        let head = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            app.authed(Method::HEAD, &path).await.send(),
        )
        .await
        .unwrap_or_else(|_| panic!("HEAD {path} answers at once"))
        .unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "{path}"
        );
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
    // Methods no route takes still get the envelope, with HEAD listed where GET is.
    let res = app
        .authed(Method::DELETE, "/v1/users")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "POST, GET, HEAD");
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 405, 1025);
}
