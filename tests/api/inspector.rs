//! The live inspector page in a real headless Chromium: sign in, watch a conversation live, answer
//! as the customer, redeliver from the journal, sign out. (Its session over HTTP: session.rs.)

use crate::browser::{self, Browser};
use crate::helpers::*;
use crate::session::with_cookie;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// Sends a message as the app; answers its id.
async fn send(app: &TestApp, body: Value) -> String {
    let (s, b) = app.post("/v1/messages", body).await;
    assert_eq!(s, 201, "{b}");
    b["messages"][0]["id"].as_str().expect("id").to_string()
}

async fn force(app: &TestApp, id: &str, status: &str) {
    let (s, b) = app
        .post(
            &format!("/v1/emulator/messages/{id}/status"),
            json!({"status": status}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

/// The first inbound message of the receiver's POSTs that `pred` accepts.
async fn inbound_where(rx: &TestReceiver, pred: impl Fn(&Value) -> bool) -> Value {
    let got = rx
        .wait_until(WAIT, |r| all_items(r, "messages").iter().any(&pred))
        .await;
    all_items(&got, "messages")
        .into_iter()
        .find(pred)
        .expect("found")
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
    let hello = send(
        &app,
        json!({"to": customer, "type": "text", "text": {"body": "Your order shipped 📦"}}),
    )
    .await;
    b.wait(&format!("li.msg.out[data-message-id='{hello}']"))
        .await;
    b.wait(&format!(
        "[data-message-id='{hello}'] .ticks[data-status='read']"
    ))
    .await;

    // Step by step, in place: a manual number's statuses come only when forced.
    let slow = send(
        &app,
        json!({"to": manual, "type": "text", "text": {"body": "Manual one"}}),
    )
    .await;
    b.click(&format!("button.convo[data-wa-id='{manual}']"))
        .await;
    b.wait(&format!(
        "[data-message-id='{slow}'] .ticks[data-status='accepted']"
    ))
    .await;
    for status in ["sent", "delivered", "read"] {
        force(&app, &slow, status).await;
        b.wait(&format!(
            "[data-message-id='{slow}'] .ticks[data-status='{status}']"
        ))
        .await;
    }
    assert_eq!(
        b.js("return window.noReload === true;").await,
        json!(true),
        "no reload"
    );

    // A reply typed in the composer reaches the webhook as the customer's message, in context.
    b.click(&format!("button.convo[data-wa-id='{customer}']"))
        .await;
    b.click(&format!("[data-message-id='{hello}'] button.reply-to"))
        .await;
    b.type_into("#composer-text", "Great, thanks!").await;
    b.click("#composer-send").await;
    let reply = inbound_where(&rx, |m| m["text"]["body"] == "Great, thanks!").await;
    assert_eq!(reply["from"], customer);
    assert_eq!(reply["context"]["id"], hello.as_str());
    b.wait(&format!(
        "li.msg.in[data-message-id='{}']",
        reply["id"].as_str().unwrap()
    ))
    .await;

    // Tapping a reply button of the app's interactive message answers with a button_reply.
    let ask = send(&app, json!({"to": customer, "type": "interactive", "interactive": {"type": "button",
        "body": {"text": "Deliver tomorrow between 9 and 12?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                               {"type": "reply", "reply": {"id": "later", "title": "Another day"}}]}}})).await;
    b.click(&format!(
        "[data-message-id='{ask}'] button.choice[data-reply-id='yes']"
    ))
    .await;
    let tap = inbound_where(&rx, |m| m["type"] == "interactive").await;
    assert_eq!(tap["interactive"]["button_reply"]["id"], "yes");
    assert_eq!(tap["context"]["id"], ask.as_str());

    // Picking a list row, and sending a location, through the composer.
    let list = send(&app, json!({"to": customer, "type": "interactive", "interactive": {"type": "list",
        "header": {"type": "text", "text": "Pick-up points"}, "body": {"text": "Where should we leave it?"},
        "action": {"button": "Choose", "sections": [{"title": "Nearby", "rows": [
            {"id": "locker-7", "title": "Locker 7", "description": "Main St station"},
            {"id": "shop-2", "title": "Corner shop", "description": "Open until 8 pm"}]}]}}})).await;
    b.click(&format!(
        "[data-message-id='{list}'] button.choice[data-reply-id='locker-7']"
    ))
    .await;
    let row = inbound_where(&rx, |m| m["interactive"]["type"] == "list_reply").await;
    assert_eq!(row["interactive"]["list_reply"]["id"], "locker-7");
    b.wait("#composer-kind")
        .await
        .select_by_value("location")
        .await
        .expect("select");
    b.type_into("#composer-place", "Home").await;
    b.click("#composer-send").await;
    let place = inbound_where(&rx, |m| m["type"] == "location").await;
    assert_eq!(place["location"]["name"], "Home");

    // An image file picked in the composer arrives as an image the app can download.
    let png = b.client.screenshot().await.expect("a PNG to send");
    let file = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(file.path(), &png).unwrap();
    b.wait("#composer-kind")
        .await
        .select_by_value("image")
        .await
        .expect("select");
    b.wait_visible("#composer-file")
        .await
        .send_keys(&file.path().display().to_string())
        .await
        .expect("file chosen");
    b.type_into("#composer-caption", "Photo of the door").await;
    b.click("#composer-send").await;
    let photo = inbound_where(&rx, |m| m["type"] == "image").await;
    assert_eq!(photo["image"]["caption"], "Photo of the door");
    assert_eq!(photo["image"]["mime_type"], "image/png");
    let media_id = photo["image"]["id"].as_str().expect("media id");
    let res = app
        .send_authed(reqwest::Method::GET, &format!("/v1/media/{media_id}"))
        .await;
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        png.as_slice(),
        "the very bytes"
    );
    b.wait("#composer-kind")
        .await
        .select_by_value("text")
        .await
        .expect("select");

    // Templates show their registered text with the parameters filled in; contacts and reactions
    // are readable too.
    let templates = json!({"templates": [{"namespace": "ns", "name": "shipped", "language": "en_US",
        "components": [{"type": "body", "text": "Hi {{1}}, order {{2}} is on its way."}]}]});
    let (s, body) = app
        .call(
            reqwest::Method::PUT,
            "/v1/emulator/templates",
            Some(templates),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let tpl = send(
        &app,
        json!({"to": customer, "type": "template", "template": {"namespace": "ns",
        "name": "shipped", "language": {"policy": "deterministic", "code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ann"},
            {"type": "text", "text": "42"}]}]}}),
    )
    .await;
    let text = b
        .wait(&format!("[data-message-id='{tpl}'] .tpl-body"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(text, "Hi Ann, order 42 is on its way.");
    let card = send(&app, json!({"to": customer, "type": "contacts", "contacts": [{"name":
        {"formatted_name": "Ann Lee", "first_name": "Ann"}, "phones": [{"phone": "+1 631 555 0000", "type": "CELL"}]}]}))
    .await;
    let text = b
        .wait(&format!("[data-message-id='{card}'] .contact"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("Ann Lee") && text.contains("+1 631 555 0000"),
        "{text}"
    );
    let like = send(
        &app,
        json!({"to": customer, "type": "reaction", "reaction": {"message_id": hello, "emoji": "👍"}}),
    )
    .await;
    let reaction = format!("[data-message-id='{like}']");
    let text = b.wait(&reaction).await.text().await.unwrap();
    assert!(
        text.contains('👍') && text.contains("Your order shipped"),
        "{text}"
    );

    // A few more types for the screenshot: an image the app uploaded, a location, a template.
    let media = app.upload_media("image/png", png).await;
    send(&app, json!({"to": customer, "type": "image", "image": {"id": media, "caption": "Your parcel at the door"}})).await;
    let last = send(&app, json!({"to": customer, "type": "location", "location": {"latitude": 52.52, "longitude": 13.405, "name": "Depot", "address": "1 Dock Rd"}})).await;
    b.wait(&format!(
        "[data-message-id='{last}'] .ticks[data-status='read']"
    ))
    .await;
    b.click(&format!("[data-message-id='{hello}'] button.details"))
        .await;
    b.wait(".detail table.steps").await;
    b.js("const t = document.querySelector('.thread'); t.scrollTop = t.scrollHeight; return true;")
        .await;
    b.screenshot("inspector-conversation.png").await;

    // A narrow window keeps everything reachable: the chat, the composer, the tabs.
    b.client.set_window_size(420, 860).await.expect("resize");
    b.click("#panel-conversations .detail button.close").await;
    b.wait_visible("#composer-send").await;
    b.wait_visible("#tab-settings").await;
    b.screenshot_to(&std::env::temp_dir().join("inspector-narrow.png"))
        .await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_shows_failed_attempts_and_a_redeliver_click_delivers() {
    if !browser::available() {
        return;
    }
    let rx = TestReceiver::start().await;
    rx.set_default(Answer::Status(500));
    let app = spawn_with(|c| c.callback_retry_horizon_ms = 2_000).await;
    app.use_receiver(&rx, json!({})).await;
    let b = Browser::start(&app.base).await;
    b.sign_in("admin", "secret").await;
    b.click("#tab-journal").await;

    let id = app.emit_error(501).await;
    let entry = format!("article.callback[data-callback-id='{id}']");
    b.wait(&format!("{entry}[data-state='given_up']")).await;
    let rows = b
        .client
        .find_all(fantoccini::Locator::Css(&format!(
            "{entry} table.attempts tbody tr"
        )))
        .await
        .expect("attempt rows");
    assert!(
        rows.len() >= 2,
        "every failed attempt is listed, got {}",
        rows.len()
    );
    let first = rows[0].text().await.unwrap();
    assert!(
        first.contains("HTTP 500") && first.contains(&rx.url),
        "{first}"
    );

    // The filters show it under "given up", not under "delivered".
    b.click("input[name='journal-state'][value='delivered']")
        .await;
    b.wait_gone(&entry).await;
    b.click("input[name='journal-state'][value='given_up']")
        .await;
    b.wait(&format!("{entry}[data-state='given_up']")).await;

    rx.set_default(Answer::Status(200));
    let before = rx.received().len();
    b.click(&format!("button.redeliver[data-callback-id='{id}']"))
        .await;
    b.click("input[name='journal-state'][value='']").await;
    b.wait(&format!("{entry}[data-state='delivered']")).await;
    let got = rx.wait_for(before + 1, WAIT).await;
    assert_eq!(got.last().unwrap().answered, 200);
    assert_eq!(all_items(&got[before..], "errors")[0]["code"], 501);

    // More traffic for the screenshot: a customer message and a status, delivered at once.
    let (s, body) = app
        .post(
            "/v1/emulator/inbound",
            json!({"from": "16315551001", "profile_name": "Ann",
            "type": "text", "text": {"body": "Is my parcel on its way?"}}),
        )
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
    let (s, _) = with_cookie(
        &app,
        reqwest::Method::GET,
        "/v1/emulator/session",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(s, 200);

    // The settings form PATCHes through the same session.
    b.click("#tab-settings").await;
    b.wait("#settings-url").await;
    b.wait("dl.glance dd").await;
    b.type_into("#settings-url", "https://app.example/hook")
        .await;
    b.type_into("#settings-backoff", "250").await;
    b.click("#settings-save").await;
    b.wait("#notice").await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (_, got) = app.get("/v1/settings/application").await;
        let a = &got["settings"]["application"];
        if a["webhooks"]["url"] == "https://app.example/hook" {
            assert_eq!(a["callback_backoff_delay_ms"], 250);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not saved: {a}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    b.click("#sign-out").await;
    b.wait_visible("#signin-form").await;
    let (s, _) = with_cookie(
        &app,
        reqwest::Method::GET,
        "/v1/emulator/session",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(s, 401, "the old cookie no longer works");
    b.open("/").await;
    b.wait_visible("#signin-form").await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_and_cloud_tabs_fire_events_and_show_their_callbacks() {
    if !browser::available() {
        return;
    }
    let app = spawn_emulator().await;
    // Nothing listens on port 1: the one attempt fails at once and the callback is given up.
    let (s, b) = app
        .call(
            reqwest::Method::PUT,
            "/v1/emulator/gateways/zender",
            Some(json!({"webhooks": [{"url": "http://127.0.0.1:1/zender", "events": ["sms"]}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let secret = b["gateways"][0]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let br = Browser::start(&app.base).await;
    br.sign_in("admin", "secret").await;
    br.click("#tab-gateways").await;

    // The configured gateway shows its configuration and a form; the others say so.
    let config = br
        .wait("#gateway-zender pre.config")
        .await
        .text()
        .await
        .unwrap();
    assert!(config.contains(&secret), "{config}");
    br.wait("#gateway-smsgateway24 .not-configured").await;
    br.wait("#gateway-raspisms .not-configured").await;

    // Firing an sms from the form makes a callback that shows, with its exact body, live.
    br.wait("#gw-zender-event")
        .await
        .select_by_value("sms")
        .await
        .expect("select");
    br.type_into(
        "#gw-zender-data",
        r#"{"phone": "+639760713666", "message": "Hello from the page"}"#,
    )
    .await;
    br.click("#gw-zender-fire").await;
    let entry = "#gateway-zender article.callback[data-state='given_up']";
    br.wait(entry).await;
    let body = br
        .wait(&format!("{entry} pre.body"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        body.starts_with(&format!("secret={secret}&type=sms&"))
            && body.contains("Hello+from+the+page"),
        "{body}"
    );
    br.screenshot_to(&std::env::temp_dir().join("inspector-gateways.png"))
        .await;
    let (s, journal) = app.get("/v1/emulator/callbacks?source=zender").await;
    assert_eq!(s, 200);
    assert_eq!(journal["callbacks"].as_array().map(Vec::len), Some(1));

    // The Cloud tab lists the configured number and plays a customer writing to it.
    let (s, cloud) = app.get("/v1/emulator/cloud").await;
    assert_eq!(s, 200, "{cloud}");
    let number = cloud["cloud"]["numbers"][0]["phone_number_id"]
        .as_str()
        .expect("a number")
        .to_string();
    br.click("#tab-cloud").await;
    br.wait(&format!(
        "#cloud-numbers tr[data-phone-number-id='{number}']"
    ))
    .await;
    br.wait(&format!("#cloud-number option[value='{number}']"))
        .await;
    br.type_into("#cloud-from", "16315551001").await;
    br.type_into("#cloud-text", "Hi from the Cloud tab").await;
    br.click("#cloud-send").await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (_, got) = app.get("/v1/emulator/inbound").await;
        if got.to_string().contains("Hi from the Cloud tab") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not received: {got}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    br.screenshot_to(&std::env::temp_dir().join("inspector-cloud.png"))
        .await;

    // The Templates view lists a Cloud-created template and decides its review.
    let waba = cloud["cloud"]["numbers"][0]["waba_id"].as_str().unwrap();
    let token = cloud["cloud"]["access_tokens"][0].as_str().unwrap();
    let created: Value = app
        .client
        .post(format!("{}/v23.0/{waba}/message_templates", app.base))
        .bearer_auth(token)
        .json(
            &json!({"name": "tab_check", "language": "en", "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Hello from the tab"}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().expect("template id").to_string();
    br.click("#tab-gateways").await;
    br.click("#tab-cloud").await;
    br.wait(&format!(
        "#cloud-templates tr[data-template-id='{id}'][data-status='PENDING']"
    ))
    .await;
    br.click(&format!(
        "#cloud-templates tr[data-template-id='{id}'] button.decide-approved"
    ))
    .await;
    br.wait(&format!(
        "#cloud-templates tr[data-template-id='{id}'][data-status='APPROVED']"
    ))
    .await;
    let (_, t) = app.get("/v1/emulator/templates").await;
    assert_eq!(t["templates"][0]["status"], "APPROVED", "{t}");
    br.stop().await;
}
