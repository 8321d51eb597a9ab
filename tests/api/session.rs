//! The inspector's cookie session over plain HTTPS: HttpOnly, Secure, SameSite=Strict, guarded
//! against cross-site writes, accepted by the routes the page calls, ended by sign-out; and the
//! page and assets under a Content-Security-Policy of their own origin only.

use crate::helpers::*;
use reqwest::header::{HeaderMap, CONTENT_SECURITY_POLICY, SET_COOKIE};
use serde_json::{json, Value};

/// Signs in at `POST /v1/emulator/session`; answers the status, the headers and the body.
async fn sign_in(app: &TestApp, user: &str, password: &str) -> (u16, HeaderMap, Value) {
    let res = app
        .client
        .post(format!("{}/v1/emulator/session", app.base))
        .header("x-inspector", "1")
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .expect("sign-in answers");
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

/// `name=value` of the session cookie a sign-in set.
fn cookie_pair(headers: &HeaderMap) -> String {
    let set = headers[SET_COOKIE].to_str().expect("ascii cookie");
    set.split(';').next().expect("name=value").to_string()
}

/// A request carrying only the cookie (and, for writes, the page's header and origin).
pub async fn with_cookie(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    cookie: &str,
    extra: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("cookie", cookie);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("answer");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_http_only_same_site_and_ends_at_sign_out() {
    let app = spawn_emulator().await;
    // The page and its assets, under a policy that allows only the page's own origin.
    let page = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
    assert!(page.text().await.unwrap().contains("/inspector/app.js"));
    for asset in wa_onprem_emulator::api::inspector_assets() {
        let res = app
            .client
            .get(format!("{}/inspector/{asset}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{asset}");
        assert!(res.headers().contains_key(CONTENT_SECURITY_POLICY));
    }
    let spec: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.yaml"))
            .unwrap(),
    )
    .unwrap();
    let listed = &spec["paths"]["/inspector/{asset}"]["get"]["parameters"][0]["schema"]["enum"];
    let listed: Vec<String> = serde_yaml::from_value(listed.clone()).expect("asset names");
    assert_eq!(
        listed,
        wa_onprem_emulator::api::inspector_assets(),
        "the spec lists every asset"
    );
    let (s, b) = app.get("/inspector/missing.js").await;
    assert_error(s, &b, 404, 1006);

    // Sign-in: the page's header is required, the password is the account's.
    let res = app
        .client
        .post(format!("{}/v1/emulator/session", app.base))
        .json(&json!({"username": "admin", "password": "secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (s, _, b) = sign_in(&app, "admin", "wrong").await;
    assert_eq!(s, 401, "{b}");
    let (s, b) = app
        .post(
            "/v1/users",
            json!({"username": "viewer", "password": "Passw0rd!"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, _, b) = sign_in(&app, "viewer", "Passw0rd!").await;
    assert_eq!(s, 403, "the inspector needs ROLE_ADMIN: {b}");
    let (s, headers, b) = sign_in(&app, "admin", "secret").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["session"]["username"], "admin");
    let set = headers[SET_COOKIE].to_str().unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{set}");
    }
    assert!(
        !b.to_string()
            .contains(cookie_pair(&headers).split('=').nth(1).unwrap()),
        "the token stays out of the body"
    );
    let cookie = cookie_pair(&headers);

    // The cookie opens the control API, settings and the event stream.
    let (s, b) = with_cookie(
        &app,
        reqwest::Method::GET,
        "/v1/emulator/session",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(
        (s, b["session"]["role"].as_str()),
        (200, Some("ROLE_ADMIN"))
    );
    let (s, _) = with_cookie(
        &app,
        reqwest::Method::GET,
        "/v1/settings/application",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(s, 200);
    let events = app
        .client
        .head(format!("{}/v1/emulator/events", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);

    // A write on the cookie alone must show it comes from the page itself.
    let inbound = json!({"from": "16315551234", "type": "text", "text": {"body": "hi"}});
    let post = reqwest::Method::POST;
    let (s, b) = with_cookie(
        &app,
        post.clone(),
        "/v1/emulator/inbound",
        &cookie,
        &[],
        Some(inbound.clone()),
    )
    .await;
    assert_error(reqwest::StatusCode::from_u16(s).unwrap(), &b, 403, 1005);
    let evil = [("x-inspector", "1"), ("origin", "https://evil.example")];
    let (s, _) = with_cookie(
        &app,
        post.clone(),
        "/v1/emulator/inbound",
        &cookie,
        &evil,
        Some(inbound.clone()),
    )
    .await;
    assert_eq!(s, 403);
    let own = format!("https://localhost:{}", app.port);
    let page_headers = [("x-inspector", "1"), ("origin", own.as_str())];
    let (s, b) = with_cookie(
        &app,
        post,
        "/v1/emulator/inbound",
        &cookie,
        &page_headers,
        Some(inbound),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // Sign-out revokes the token on the server: the old cookie no longer works anywhere.
    let (s, _) = with_cookie(
        &app,
        reqwest::Method::DELETE,
        "/v1/emulator/session",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(s, 403, "sign-out needs the page's header too");
    let (s, b) = app
        .call(reqwest::Method::DELETE, "/v1/emulator/session", None)
        .await;
    assert_error(s, &b, 401, 1005);
    assert_eq!(
        app.get("/v1/emulator/session").await.0,
        200,
        "a bearer token is not a session"
    );
    let res = app
        .client
        .delete(format!("{}/v1/emulator/session", app.base))
        .header("cookie", &cookie)
        .header("x-inspector", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let (s, _) = with_cookie(
        &app,
        reqwest::Method::GET,
        "/v1/emulator/session",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(s, 401);
    let (s, _) = with_cookie(
        &app,
        reqwest::Method::GET,
        "/v1/emulator/messages",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(s, 401);
}
