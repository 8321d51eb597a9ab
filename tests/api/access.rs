//! Every route but login, health and the CA download refuses missing, malformed, expired and
//! revoked tokens; a user-role token cannot reach admin routes; secrets never reach the logs.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

const OPEN: [(&str, &str); 7] = [
    ("POST", "/v1/users/login"),
    ("GET", "/v1/health"),
    ("GET", "/v1/certificates/external/ca"),
    // The inspector page, its assets and its sign-in.
    ("GET", "/"),
    ("GET", "/inspector/{asset}"),
    ("POST", "/v1/emulator/session"),
    // The public link of `GET /v1/settings/profile/photo?format=link`.
    ("GET", "/profile/photo"),
];

fn admin_only(method: &str, path: &str) -> bool {
    path.starts_with("/v1/settings")
        || path.starts_with("/v1/certificates/webhooks")
        || path.starts_with("/v1/emulator")
        || path.starts_with("/v1/account")
        || path == "/v1/certificates/external"
        || path == "/v1/users"
        || (path == "/v1/users/{username}" && method == "DELETE")
}

fn concrete(path: &str) -> String {
    path.replace("{username}", "someone").replace("{id}", "123")
}

fn routes() -> Vec<(String, String)> {
    wa_onprem_emulator::api::routes()
        .into_iter()
        .filter(|(m, p)| !OPEN.contains(&(m.as_str(), p.as_str())))
        // The Cloud API's Graph routes take Cloud access tokens (tests/api/cloud_errors.rs).
        .filter(|(_, p)| !wa_onprem_emulator::api::is_graph_route(p))
        // Zender's own API takes its `secret` field, and its upload URLs are public, as the
        // product's (tests/api/zender_api.rs).
        .filter(|(_, p)| !p.starts_with("/zender/"))
        // The SMS gateways' own APIs take their own credentials (smsgateway24_api.rs, raspisms_api.rs).
        .filter(|(_, p)| !wa_onprem_emulator::api::is_gateway_api_route(p))
        .collect()
}

async fn status_with(app: &Api, method: &str, path: &str, auth: Option<&str>) -> (u16, Value) {
    let mut req = app.client.request(
        Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}{}", app.base, concrete(path)),
    );
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if method != "GET" && method != "DELETE" {
        req = req.header("content-type", "application/json").body("{}");
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_route_refuses_bad_credentials() {
    let app = spawn_with(|c| c.token_ttl_secs = 1).await;
    let expired = app.token().await;
    let fresh_login = app.login("admin", "secret").await.1;
    let revoked = fresh_login["users"][0]["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.call_as(&revoked, Method::POST, "/v1/users/logout", None)
        .await;
    let mut tampered = expired.clone();
    tampered.push('x');
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let bad: Vec<(&str, String)> = vec![
        ("missing", String::new()),
        ("no scheme", "abc".into()),
        ("empty bearer", "Bearer ".into()),
        ("wrong scheme", "Token abc".into()),
        ("garbage", "Bearer not-a-token".into()),
        ("tampered", format!("Bearer {tampered}")),
        ("expired", format!("Bearer {expired}")),
        ("revoked", format!("Bearer {revoked}")),
        ("basic", "Basic YWRtaW46c2VjcmV0".into()),
    ];
    let routes = routes();
    assert!(routes.len() > 30);
    for (method, path) in &routes {
        for (why, header) in &bad {
            let auth = (!header.is_empty()).then_some(header.as_str());
            let (status, body) = status_with(&app, method, path, auth).await;
            assert_eq!(status, 401, "{why}: {method} {path} -> {body}");
            assert_eq!(body["errors"][0]["code"], 1005, "{why}: {method} {path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_role_token_cannot_reach_admin_routes() {
    let app = spawn_emulator().await;
    app.post(
        "/v1/users",
        json!({"username": "someone", "password": "Passw0rd!"}),
    )
    .await;
    let (_, body) = app.login("someone", "Passw0rd!").await;
    let user = format!("Bearer {}", body["users"][0]["token"].as_str().unwrap());
    for (method, path) in routes() {
        if path == "/v1/users/logout" {
            continue;
        }
        let (status, body) = status_with(&app, &method, &path, Some(&user)).await;
        if admin_only(&method, &path) {
            assert_eq!(
                (status, body["errors"][0]["code"].as_u64()),
                (403, Some(1005)),
                "{method} {path} -> {body}"
            );
        } else {
            assert!(
                status != 401 && status != 403,
                "{method} {path} should be open to users: {status} {body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_and_tokens_never_reach_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("emulator.log");
    let mut emu = EmulatorProcess::start_logging(dir.path(), &["--log", "trace"], &log);
    let (status, _) = emu
        .api
        .post(
            "/v1/users",
            json!({"username": "logcheck", "password": "S3cret-Passw0rd!"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = emu.api.login("logcheck", "S3cret-Passw0rd!").await;
    assert_eq!(status, 200);
    let token = body["users"][0]["token"].as_str().unwrap().to_string();
    emu.api
        .call_as(&token, Method::GET, "/v1/users/logcheck", None)
        .await;
    emu.api.login("logcheck", "wrong-Passw0rd!").await;
    emu.terminate();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().count() > 10, "trace logging produced output");
    for secret in [
        "S3cret-Passw0rd!",
        "wrong-Passw0rd!",
        token.as_str(),
        &token[token.len() - 20..],
    ] {
        assert!(!text.contains(secret), "a secret leaked into the log");
    }
}
