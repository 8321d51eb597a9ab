//! The live inspector: its cookie session (HttpOnly, SameSite=Strict, CSRF-guarded, ended by
//! sign-out) over plain HTTP, and the page itself in a real headless Chromium.

use crate::browser::{self, Browser};
use crate::helpers::*;
use reqwest::header::{HeaderMap, CONTENT_SECURITY_POLICY, SET_COOKIE};
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

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
async fn with_cookie(
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
    let page = app.client.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
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
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.yaml")).unwrap(),
    )
    .unwrap();
    let listed = &spec["paths"]["/inspector/{asset}"]["get"]["parameters"][0]["schema"]["enum"];
    let listed: Vec<String> = serde_yaml::from_value(listed.clone()).expect("asset names");
    assert_eq!(listed, wa_onprem_emulator::api::inspector_assets(), "the spec lists every asset");
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
    let (s, headers, b) = sign_in(&app, "admin", "secret").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["session"]["username"], "admin");
    let set = headers[SET_COOKIE].to_str().unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{set}");
    }
    assert!(
        !b.to_string().contains(cookie_pair(&headers).split('=').nth(1).unwrap()),
        "the token stays out of the body"
    );
    let cookie = cookie_pair(&headers);

    // The cookie opens the control API, settings and the event stream.
    let (s, b) = with_cookie(&app, reqwest::Method::GET, "/v1/emulator/session", &cookie, &[], None).await;
    assert_eq!((s, b["session"]["role"].as_str()), (200, Some("ROLE_ADMIN")));
    let (s, _) = with_cookie(&app, reqwest::Method::GET, "/v1/settings/application", &cookie, &[], None).await;
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
    let (s, b) = with_cookie(&app, post.clone(), "/v1/emulator/inbound", &cookie, &[], Some(inbound.clone())).await;
    assert_error(reqwest::StatusCode::from_u16(s).unwrap(), &b, 403, 1005);
    let evil = [("x-inspector", "1"), ("origin", "https://evil.example")];
    let (s, _) = with_cookie(&app, post.clone(), "/v1/emulator/inbound", &cookie, &evil, Some(inbound.clone())).await;
    assert_eq!(s, 403);
    let own = format!("https://localhost:{}", app.port);
    let page_headers = [("x-inspector", "1"), ("origin", own.as_str())];
    let (s, b) = with_cookie(&app, post, "/v1/emulator/inbound", &cookie, &page_headers, Some(inbound)).await;
    assert_eq!(s, 200, "{b}");

    // Sign-out revokes the token on the server: the old cookie no longer works anywhere.
    let (s, _) = with_cookie(&app, reqwest::Method::DELETE, "/v1/emulator/session", &cookie, &[], None).await;
    assert_eq!(s, 403, "sign-out needs the page's header too");
    let res = app
        .client
        .delete(format!("{}/v1/emulator/session", app.base))
        .header("cookie", &cookie)
        .header("x-inspector", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let (s, _) = with_cookie(&app, reqwest::Method::GET, "/v1/emulator/session", &cookie, &[], None).await;
    assert_eq!(s, 401);
    let (s, _) = with_cookie(&app, reqwest::Method::GET, "/v1/emulator/messages", &cookie, &[], None).await;
    assert_eq!(s, 401);
}

/// Sends a message as the app; answers its id.
async fn send(app: &TestApp, body: Value) -> String {
    let (s, b) = app.post("/v1/messages", body).await;
    assert_eq!(s, 201, "{b}");
    b["messages"][0]["id"].as_str().expect("id").to_string()
}

async fn force(app: &TestApp, id: &str, status: &str) {
    let (s, b) = app
        .post(&format!("/v1/emulator/messages/{id}/status"), json!({"status": status}))
        .await;
    assert_eq!(s, 200, "{b}");
}

/// The first inbound message of the receiver's POSTs that `pred` accepts.
async fn inbound_where(rx: &TestReceiver, pred: impl Fn(&Value) -> bool) -> Value {
    let got = rx
        .wait_until(WAIT, |r| all_items(r, "messages").iter().any(&pred))
        .await;
    all_items(&got, "messages").into_iter().find(pred).expect("found")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_follows_a_conversation_live_and_answers_as_the_customer() {
    if !browser::available() {
        return;
    }
    let rx = TestReceiver::start().await;
    let app = spawn_with(|c| {
        c.status_delivered_ms = 300;
        c.status_read_ms = 600;
    })
    .await;
    app.use_receiver(&rx, json!({})).await;
    let manual = "15550009999";
    let (s, b) = app
        .call(
            reqwest::Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [{"number": manual, "action": "manual"}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let b = Browser::start(&app.base).await;
    b.sign_in("admin", "secret").await;
    b.js("window.noReload = true; return true;").await;

    // A message sent through the API appears, and its ticks reach read by themselves.
    let customer = "16315551001";
    let hello = send(&app, json!({"to": customer, "type": "text", "text": {"body": "Your order shipped 📦"}})).await;
    b.wait(&format!("li.msg.out[data-message-id='{hello}']")).await;
    b.wait(&format!("[data-message-id='{hello}'] .ticks[data-status='read']")).await;

    // Step by step, in place: a manual number's statuses come only when forced.
    let slow = send(&app, json!({"to": manual, "type": "text", "text": {"body": "Manual one"}})).await;
    b.click(&format!("button.convo[data-wa-id='{manual}']")).await;
    b.wait(&format!("[data-message-id='{slow}'] .ticks[data-status='accepted']")).await;
    for status in ["sent", "delivered", "read"] {
        force(&app, &slow, status).await;
        b.wait(&format!("[data-message-id='{slow}'] .ticks[data-status='{status}']")).await;
    }
    assert_eq!(b.js("return window.noReload === true;").await, json!(true), "no reload");

    // A reply typed in the composer reaches the webhook as the customer's message, in context.
    b.click(&format!("button.convo[data-wa-id='{customer}']")).await;
    b.click(&format!("[data-message-id='{hello}'] button.reply-to")).await;
    b.type_into("#composer-text", "Great, thanks!").await;
    b.click("#composer-send").await;
    let reply = inbound_where(&rx, |m| m["text"]["body"] == "Great, thanks!").await;
    assert_eq!(reply["from"], customer);
    assert_eq!(reply["context"]["id"], hello.as_str());
    b.wait(&format!("li.msg.in[data-message-id='{}']", reply["id"].as_str().unwrap())).await;

    // Tapping a reply button of the app's interactive message answers with a button_reply.
    let ask = send(&app, json!({"to": customer, "type": "interactive", "interactive": {"type": "button",
        "body": {"text": "Deliver tomorrow between 9 and 12?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                               {"type": "reply", "reply": {"id": "later", "title": "Another day"}}]}}})).await;
    b.click(&format!("[data-message-id='{ask}'] button.choice[data-reply-id='yes']")).await;
    let tap = inbound_where(&rx, |m| m["type"] == "interactive").await;
    assert_eq!(tap["interactive"]["button_reply"]["id"], "yes");
    assert_eq!(tap["context"]["id"], ask.as_str());

    // Picking a list row, and sending a location, through the composer.
    let list = send(&app, json!({"to": customer, "type": "interactive", "interactive": {"type": "list",
        "header": {"type": "text", "text": "Pick-up points"}, "body": {"text": "Where should we leave it?"},
        "action": {"button": "Choose", "sections": [{"title": "Nearby", "rows": [
            {"id": "locker-7", "title": "Locker 7", "description": "Main St station"},
            {"id": "shop-2", "title": "Corner shop", "description": "Open until 8 pm"}]}]}}})).await;
    b.click(&format!("[data-message-id='{list}'] button.choice[data-reply-id='locker-7']")).await;
    let row = inbound_where(&rx, |m| m["interactive"]["type"] == "list_reply").await;
    assert_eq!(row["interactive"]["list_reply"]["id"], "locker-7");
    b.wait("#composer-kind").await.select_by_value("location").await.expect("select");
    b.type_into("#composer-place", "Home").await;
    b.click("#composer-send").await;
    let place = inbound_where(&rx, |m| m["type"] == "location").await;
    assert_eq!(place["location"]["name"], "Home");
    b.wait("#composer-kind").await.select_by_value("text").await.expect("select");

    // A few more types for the screenshot: an image the app uploaded, a location, a template.
    let png = b.client.screenshot().await.expect("a PNG to send");
    let media = app.upload_media("image/png", png).await;
    send(&app, json!({"to": customer, "type": "image", "image": {"id": media, "caption": "Your parcel at the door"}})).await;
    let last = send(&app, json!({"to": customer, "type": "location", "location": {"latitude": 52.52, "longitude": 13.405, "name": "Depot", "address": "1 Dock Rd"}})).await;
    b.wait(&format!("[data-message-id='{last}'] .ticks[data-status='read']")).await;
    b.click(&format!("[data-message-id='{hello}'] button.details")).await;
    b.wait(".detail table.steps").await;
    b.screenshot("inspector-conversation.png").await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_shows_failed_attempts_and_a_redeliver_click_delivers() {
    if !browser::available() {
        return;
    }
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    let app = spawn_with(|c| c.callback_retry_horizon_ms = 150).await;
    app.use_receiver(&rx, json!({})).await;
    let b = Browser::start(&app.base).await;
    b.sign_in("admin", "secret").await;
    b.click("#tab-journal").await;

    let id = app.emit_error(501).await;
    let entry = format!("article.callback[data-callback-id='{id}']");
    b.wait(&format!("{entry}[data-state='given_up']")).await;
    let rows = b.client
        .find_all(fantoccini::Locator::Css(&format!("{entry} table.attempts tbody tr")))
        .await
        .expect("attempt rows");
    assert!(rows.len() >= 2, "every failed attempt is listed, got {}", rows.len());
    let first = rows[0].text().await.unwrap();
    assert!(first.contains("HTTP 500") && first.contains(&rx.url), "{first}");

    // The filters show it under "given up", not under "delivered".
    b.click("input[name='journal-state'][value='delivered']").await;
    b.wait_gone(&entry).await;
    b.click("input[name='journal-state'][value='given_up']").await;
    b.wait(&format!("{entry}[data-state='given_up']")).await;

    rx.set_default(Answer::Status(200));
    let before = rx.received().len();
    b.click(&format!("button.redeliver[data-callback-id='{id}']")).await;
    b.click("input[name='journal-state'][value='']").await;
    b.wait(&format!("{entry}[data-state='delivered']")).await;
    let got = rx.wait_for(before + 1, WAIT).await;
    assert_eq!(got.last().unwrap().answered, 200);
    assert_eq!(all_items(&got[before..], "errors")[0]["code"], 501);

    // More traffic for the screenshot: a customer message and a status, delivered at once.
    let (s, body) = app
        .post("/v1/emulator/inbound", json!({"from": "16315551001", "profile_name": "Ann",
            "type": "text", "text": {"body": "Is my parcel on its way?"}}))
        .await;
    assert_eq!(s, 200, "{body}");
    let inbound = body["callbacks"][0]["id"].as_u64().unwrap();
    let entry = format!("article.callback[data-callback-id='{inbound}']");
    b.wait(&format!("{entry}[data-state='delivered']")).await;
    b.click(&format!("{entry} details summary")).await;
    b.screenshot("inspector-journal.png").await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_in_the_page_ends_the_session() {
    if !browser::available() {
        return;
    }
    let app = spawn_emulator().await;
    let b = Browser::start(&app.base).await;
    b.sign_in("admin", "secret").await;
    let cookies = b.client.get_all_cookies().await.expect("cookies");
    let session = cookies
        .iter()
        .find(|c| c.name() == "wa_inspector_session")
        .expect("the session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(
        b.js("return document.cookie;").await,
        json!(""),
        "the script cannot read the token"
    );
    let cookie = format!("{}={}", session.name(), session.value());
    let (s, _) = with_cookie(&app, reqwest::Method::GET, "/v1/emulator/session", &cookie, &[], None).await;
    assert_eq!(s, 200);

    b.click("#sign-out").await;
    b.wait_visible("#signin-form").await;
    let (s, _) = with_cookie(&app, reqwest::Method::GET, "/v1/emulator/session", &cookie, &[], None).await;
    assert_eq!(s, 401, "the old cookie no longer works");
    b.open("/").await;
    b.wait_visible("#signin-form").await;
    b.stop().await;
}
