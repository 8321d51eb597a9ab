use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_gives_a_token_valid_for_seven_days() {
    let app = spawn_emulator().await;
    let (status, body) = app.login("admin", "secret").await;
    assert_eq!(status, 200, "{body}");
    let user = &body["users"][0];
    assert!(user["token"].as_str().unwrap().starts_with("eyJ"));
    let expires = user["expires_after"].as_str().unwrap();
    assert!(
        expires.ends_with("+00:00") && expires.len() == 25,
        "{expires}"
    );
    assert_eq!(body["meta"]["api_status"], "stable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_and_missing_auth_are_refused() {
    let app = spawn_emulator().await;
    let (status, body) = app.login("admin", "wrong").await;
    assert_error(status, &body, 401, 1005);
    let (status, body) = app.login("nobody", "secret").await;
    assert_error(status, &body, 401, 1005);

    let url = format!("{}/v1/settings/application", app.base);
    let res = app.client.get(&url).send().await.unwrap();
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 401, 1005);
    let res = app
        .client
        .get(&url)
        .header("authorization", "Bearer not.a.token")
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 401, 1005);
    let res = app
        .client
        .get(&url)
        .header("authorization", "Basic YWRtaW46c2VjcmV0")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // A token signed by another emulator (another secret) is refused too.
    let other = spawn_emulator().await;
    let foreign = other.token().await;
    let (status, body) = app
        .call_as(&foreign, Method::GET, "/v1/settings/application", None)
        .await;
    assert_error(status, &body, 401, 1005);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_revokes_the_token() {
    let app = spawn_emulator().await;
    let token = app.token().await;
    let (status, _) = app
        .call_as(&token, Method::POST, "/v1/users/logout", None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call_as(&token, Method::GET, "/v1/settings/application", None)
        .await;
    assert_error(status, &body, 401, 1005);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("revoked"));
}

/// Verified tokens are cached: a token in the cache is still refused by every request that starts
/// after its logout answered (requests racing the logout may go either way), and another token of
/// the same user is unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_token_is_refused_immediately_after_logout() {
    let app = std::sync::Arc::new(spawn_emulator().await);
    let token = app.token().await;
    let (status, body) = app.login("admin", "secret").await;
    assert_eq!(status, 200, "{body}");
    let other = body["users"][0]["token"].as_str().unwrap().to_string();
    for t in [&token, &other, &token, &other] {
        let (status, body) = app.call_as(t, Method::GET, "/v1/users", None).await;
        assert_eq!(status, 200, "{body}");
    }
    // Requests with the token keep running while it is logged out.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hammer = {
        let (app, token, stop) = (app.clone(), token.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let started = std::time::Instant::now();
                let (status, _) = app.call_as(&token, Method::GET, "/v1/users", None).await;
                seen.push((started, status.as_u16()));
            }
            seen
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (status, _) = app
        .call_as(&token, Method::POST, "/v1/users/logout", None)
        .await;
    assert_eq!(status, 200);
    let logged_out = std::time::Instant::now();
    let (status, body) = app.call_as(&token, Method::GET, "/v1/users", None).await;
    assert_error(status, &body, 401, 1005);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = hammer.await.unwrap();
    assert!(
        seen.iter().any(|(_, s)| *s == 200),
        "the token worked before"
    );
    let after: Vec<_> = seen.iter().filter(|(at, _)| *at > logged_out).collect();
    assert!(!after.is_empty(), "requests ran after the logout");
    assert!(
        after.iter().all(|(_, s)| *s == 401),
        "a request after the logout was let in: {after:?}"
    );
    let (status, body) = app.call_as(&other, Method::GET, "/v1/users", None).await;
    assert_eq!(status, 200, "the other token stays valid: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_are_refused() {
    // A 2 s TTL: the first call has a full second of margin on a loaded machine.
    let app = spawn_with(|c| c.token_ttl_secs = 2).await;
    let token = app.token().await;
    let (status, _) = app.call_as(&token, Method::GET, "/v1/users", None).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (status, body) = app.call_as(&token, Method::GET, "/v1/users", None).await;
    assert_error(status, &body, 401, 1005);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_managed_by_admins_with_roles() {
    let app = spawn_emulator().await;
    let (status, body) = app
        .post(
            "/v1/users",
            json!({"username":"alice","password":"Passw0rd!"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["users"][0]["username"], "alice");
    let (status, body) = app
        .post(
            "/v1/users",
            json!({"username":"alice","password":"Passw0rd!"}),
        )
        .await;
    assert_error(status, &body, 409, 1004);
    let (status, body) = app
        .post("/v1/users", json!({"username":"bob","password":"weak"}))
        .await;
    assert_error(status, &body, 400, 1009);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .starts_with("password"));
    let (status, body) = app.post("/v1/users", json!({"username":"bob"})).await;
    assert_error(status, &body, 400, 1008);

    let (status, body) = app.get("/v1/users/alice").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["users"][0],
        json!({"username":"alice","ROLES":"ROLE_USER"})
    );
    let (_, body) = app.get("/v1/users").await;
    assert_eq!(body["users"].as_array().unwrap().len(), 2);

    // A user-role token cannot reach admin routes but may read itself.
    let (status, body) = app.login("alice", "Passw0rd!").await;
    assert_eq!(status, 200);
    let alice = body["users"][0]["token"].as_str().unwrap().to_string();
    for (m, path) in [
        (Method::GET, "/v1/settings/application"),
        (Method::GET, "/v1/users"),
        (Method::GET, "/v1/certificates/webhooks/ca"),
        (Method::GET, "/v1/users/admin"),
    ] {
        let (status, body) = app.call_as(&alice, m, path, None).await;
        assert_error(status, &body, 403, 1005);
    }
    let (status, _) = app
        .call_as(&alice, Method::GET, "/v1/users/alice", None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call_as(
            &alice,
            Method::PUT,
            "/v1/users/alice",
            Some(json!({"password":"N3w-Passw0rd"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.login("alice", "Passw0rd!").await.0, 401);
    assert_eq!(app.login("alice", "N3w-Passw0rd").await.0, 200);

    let (status, body) = app.call(Method::DELETE, "/v1/users/admin", None).await;
    assert_error(status, &body, 403, 1005);
    let (status, _) = app.call(Method::DELETE, "/v1/users/alice", None).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call_as(&alice, Method::GET, "/v1/users/alice", None)
        .await;
    assert_error(status, &body, 401, 1005);
    let (status, body) = app.get("/v1/users/alice").await;
    assert_error(status, &body, 404, 1006);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_login_password_change_rule() {
    let app = spawn_with(|c| c.require_password_change = true).await;
    let (status, body) = app.login("admin", "secret").await;
    assert_error(status, &body, 401, 1024);
    let res = app
        .client
        .post(format!("{}/v1/users/login", app.base))
        .basic_auth("admin", Some("secret"))
        .json(&json!({"new_password":"weak"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app
        .client
        .post(format!("{}/v1/users/login", app.base))
        .basic_auth("admin", Some("secret"))
        .json(&json!({"new_password":"Str0ng-Secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.login("admin", "secret").await.0, 401);
    assert_eq!(app.login("admin", "Str0ng-Secret").await.0, 200);
}

/// Logs `user` in and returns the token (asserting 200).
async fn token_of(app: &TestApp, user: &str, password: &str) -> String {
    let (status, body) = app.login(user, password).await;
    assert_eq!(status, 200, "{body}");
    body["users"][0]["token"].as_str().unwrap().to_string()
}

fn assert_invalid_token(status: reqwest::StatusCode, body: &serde_json::Value) {
    assert_error(status, body, 401, 1005);
    let details = body["errors"][0]["details"].as_str().unwrap();
    assert!(details.starts_with("Invalid token: "), "{details}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_users_token_does_not_come_back_with_the_name() {
    let app = spawn_emulator().await;
    let eve = json!({"username": "eve", "password": "Passw0rd!"});
    assert_eq!(app.post("/v1/users", eve.clone()).await.0, 201);
    let old = token_of(&app, "eve", "Passw0rd!").await;
    assert_eq!(app.call(Method::DELETE, "/v1/users/eve", None).await.0, 200);
    let admin_eve = json!({"username": "eve", "password": "Passw0rd!", "ROLES": "ROLE_ADMIN"});
    assert_eq!(app.post("/v1/users", admin_eve).await.0, 201);

    for (method, path) in [
        (Method::GET, "/v1/settings/application"),
        (Method::GET, "/v1/users/eve"),
        (Method::POST, "/v1/users/logout"),
    ] {
        let (status, body) = app.call_as(&old, method, path, None).await;
        assert_invalid_token(status, &body);
    }
    // The new account's own token works, with the stored role.
    let new = token_of(&app, "eve", "Passw0rd!").await;
    let (status, _) = app
        .call_as(&new, Method::GET, "/v1/settings/application", None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_revokes_earlier_tokens() {
    let app = spawn_emulator().await;
    let bob = json!({"username": "bob", "password": "Passw0rd!"});
    assert_eq!(app.post("/v1/users", bob).await.0, 201);
    let first = token_of(&app, "bob", "Passw0rd!").await;
    let second = token_of(&app, "bob", "Passw0rd!").await;
    // Bob changes his own password with one token: both die, the answer is still 200.
    let (status, _) = app
        .call_as(
            &first,
            Method::PUT,
            "/v1/users/bob",
            Some(json!({"password": "N3w-Passw0rd"})),
        )
        .await;
    assert_eq!(status, 200);
    for token in [&first, &second] {
        let (status, body) = app.call_as(token, Method::GET, "/v1/users/bob", None).await;
        assert_invalid_token(status, &body);
    }
    let fresh = token_of(&app, "bob", "N3w-Passw0rd").await;
    assert_eq!(
        app.call_as(&fresh, Method::GET, "/v1/users/bob", None)
            .await
            .0,
        200
    );
    // An admin setting the password revokes too.
    let (status, _) = app
        .call(
            Method::PUT,
            "/v1/users/bob",
            Some(json!({"password": "Th1rd-Passw0rd"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call_as(&fresh, Method::GET, "/v1/users/bob", None)
        .await;
    assert_invalid_token(status, &body);
    // Unchanged accounts keep their tokens.
    assert_eq!(app.get("/v1/users").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_with_users_restores_the_builtin_admin() {
    let app = spawn_emulator().await;
    // Untouched admin: the caller's token survives the reset.
    let body = json!({"users": true});
    assert_eq!(app.post("/v1/emulator/reset", body.clone()).await.0, 200);
    assert_eq!(app.get("/v1/users").await.0, 200);

    let changed = json!({"password": "Chang3d-Secret"});
    let (status, _) = app
        .call(Method::PUT, "/v1/users/admin", Some(changed))
        .await;
    assert_eq!(status, 200);
    let token = token_of(&app, "admin", "Chang3d-Secret").await;
    let (status, res) = app
        .call_as(&token, Method::POST, "/v1/emulator/reset", Some(body))
        .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(app.login("admin", "Chang3d-Secret").await.0, 401);
    let token = token_of(&app, "admin", "secret").await;
    let (status, res) = app.call_as(&token, Method::GET, "/v1/users", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        res["users"],
        json!([{"username": "admin", "ROLES": "ROLE_ADMIN"}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_restores_the_first_login_rule() {
    let app = spawn_with(|c| c.require_password_change = true).await;
    let res = app
        .client
        .post(format!("{}/v1/users/login", app.base))
        .basic_auth("admin", Some("secret"))
        .json(&json!({"new_password": "Str0ng-Secret"}))
        .send()
        .await
        .unwrap();
    let token = res.json::<serde_json::Value>().await.unwrap()["users"][0]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/emulator/reset",
            Some(json!({"users": true})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.login("admin", "secret").await;
    assert_error(status, &body, 401, 1024);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_without_credentials_asks_for_basic_auth() {
    let app = spawn_emulator().await;
    let res = app
        .client
        .post(format!("{}/v1/users/login", app.base))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_error(status, &body, 401, 1005);
    let details = body["errors"][0]["details"].as_str().unwrap();
    assert!(details.contains("Basic"), "{details}");
    assert!(!details.contains("Bearer"), "{details}");
}
