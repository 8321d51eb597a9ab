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
        (Method::GET, "/index.php", None, Vec::new(), 404, 1006),
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
        let get = app.send_authed(Method::GET, &path).await;
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
    let res = app.send_authed(Method::DELETE, "/v1/users").await;
    assert_eq!(res.headers()["allow"], "POST, GET, HEAD");
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 405, 1025);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_bodies_are_decoded_and_other_encodings_refused() {
    use std::io::Write;
    let app = spawn_emulator().await;
    let gzip = |text: &[u8]| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    };
    let send = |encoding: &'static str, body: Vec<u8>| {
        let app = &app;
        async move {
            let res = app
                .authed(Method::PATCH, "/v1/settings/application")
                .await
                .header("content-type", "application/json")
                .header("content-encoding", encoding)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let (status, _) = send("gzip", gzip(br#"{"callback_backoff_delay_ms": 1234}"#)).await;
    assert_eq!(status, 200);
    let (_, body) = app.get("/v1/settings/application").await;
    assert_eq!(
        body["settings"]["application"]["callback_backoff_delay_ms"],
        1234
    );

    // Not gzip at all, though declared so.
    let (status, body) = send("gzip", b"{\"sent_status\": true}".to_vec()).await;
    assert_error(status, &body, 400, 1025);
    // An encoding the emulator cannot decode.
    let (status, body) = send("br", b"{}".to_vec()).await;
    assert_error(status, &body, 415, 1025);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("br"));
    // A gzip bomb is cut at the body limit, counted after decoding.
    let (status, body) = send("gzip", gzip(&vec![b' '; 3 * 1024 * 1024])).await;
    assert_error(status, &body, 413, 1009);
    let (_, body) = app.get("/v1/settings/application").await;
    assert_eq!(
        body["settings"]["application"]["callback_backoff_delay_ms"],
        1234
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_refused_and_the_server_keeps_serving() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(|c| {
        c.http_addr = Some("127.0.0.1:0".parse().unwrap());
        c.body_timeout_ms = 300;
    })
    .await;
    let token = app.token().await;
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", app.http_port.unwrap()))
        .await
        .unwrap();
    // Declares 100 bytes, sends one, then nothing.
    conn.write_all(
        format!(
            "PATCH /v1/settings/application HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).await.unwrap_or(0);
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || String::from_utf8_lossy(&answer).contains("\"meta\"") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the stalled request is answered");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":1025"), "{text}");
    let (status, _) = app.get("/v1/settings/application").await;
    assert_eq!(status, 200);
}
