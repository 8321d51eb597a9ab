//! `POST /v1/messages` validation end to end: each rule answers the On-Prem envelope with its
//! code and names the field; unknown body fields answer 1010 on every JSON route, and no
//! details carry serde's "at line N column M".

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

const TO: &str = "16315551001";

async fn ready() -> (TestApp, TestReceiver) {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    (app, rx)
}

/// `body` is refused with `http`/`code`, and the details name `field`.
async fn refused(app: &Api, body: Value, http: u16, code: u64, field: &str) {
    let (s, b) = app.post("/v1/messages", body.clone()).await;
    assert_error(s, &b, http, code);
    let details = b["errors"][0]["details"].as_str().unwrap_or_default();
    assert!(details.contains(field), "{body}\n-> {b}\n(want {field})");
}

async fn accepted(app: &Api, body: Value) {
    let (s, b) = app.post("/v1/messages", body.clone()).await;
    assert_eq!(s, 201, "{body}\n-> {b}");
}

fn interactive(i: Value) -> Value {
    json!({"to": TO, "type": "interactive", "interactive": i})
}

fn rows(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"id": format!("{prefix}{i}"), "title": format!("Row {i}")}))
        .collect()
}

fn products(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"product_retailer_id": format!("sku-{i}")}))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinates_must_be_finite_numbers() {
    let (app, _rx) = ready().await;
    for (lat, lon, field) in [
        (json!("NaN"), json!(0), "location.latitude"),
        (json!(1), json!("inf"), "location.longitude"),
        (json!("-Infinity"), json!(0), "location.latitude"),
    ] {
        let body =
            json!({"to": TO, "type": "location", "location": {"latitude": lat, "longitude": lon}});
        refused(&app, body, 400, 1009, field).await;
    }
    accepted(
        &app,
        json!({"to": TO, "type": "location", "location": {"latitude": "-33.9", "longitude": 18.4}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_product_list_take_only_a_text_header() {
    let (app, _rx) = ready().await;
    let list_action = json!({"button": "Open", "sections": [{"rows": rows("r", 1)}]});
    let image = json!({"type": "image", "image": {"link": "https://example.test/i.jpg"}});
    refused(
        &app,
        interactive(
            json!({"type": "list", "header": image, "body": {"text": "b"}, "action": list_action}),
        ),
        400,
        1009,
        "interactive.header.type",
    )
    .await;
    let video = json!({"type": "video", "video": {"link": "https://example.test/v.mp4"}});
    let pl_action = json!({"catalog_id": "c", "sections": [{"product_items": products(1)}]});
    refused(
        &app,
        interactive(json!({"type": "product_list", "header": video, "body": {"text": "b"}, "action": pl_action})),
        400,
        1009,
        "interactive.header.type",
    )
    .await;
    refused(
        &app,
        interactive(json!({"type": "product", "header": {"type": "text", "text": "h"}, "action": {"catalog_id": "c", "product_retailer_id": "p"}})),
        400,
        1010,
        "interactive.header",
    )
    .await;
    // Reply buttons may carry a media header.
    let buttons = json!({"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]});
    accepted(
        &app,
        interactive(
            json!({"type": "button", "header": image, "body": {"text": "b"}, "action": buttons}),
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_list_limits_count_across_sections() {
    let (app, _rx) = ready().await;
    let pl = |sections: Value| {
        interactive(
            json!({"type": "product_list", "header": {"type": "text", "text": "h"}, "body": {"text": "b"},
            "action": {"catalog_id": "c", "sections": sections}}),
        )
    };
    let two = json!([{"title": "A", "product_items": products(16)}, {"title": "B", "product_items": products(15)}]);
    refused(&app, pl(two), 400, 1009, "interactive.action.sections").await;
    let untitled =
        json!([{"title": "A", "product_items": products(2)}, {"product_items": products(2)}]);
    refused(
        &app,
        pl(untitled),
        400,
        1008,
        "interactive.action.sections[1].title",
    )
    .await;
    let ok = json!([{"title": "A", "product_items": products(15)}, {"title": "B", "product_items": products(15)}]);
    accepted(&app, pl(ok)).await;
    accepted(&app, pl(json!([{"product_items": products(30)}]))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_limits_follow_whatsapp() {
    let (app, _rx) = ready().await;
    let list = |button: &str, sections: Value| {
        interactive(
            json!({"type": "list", "body": {"text": "b"}, "action": {"button": button, "sections": sections}}),
        )
    };
    let dup = json!([{"title": "A", "rows": rows("r", 2)}, {"title": "B", "rows": rows("r", 1)}]);
    refused(
        &app,
        list("Open", dup),
        400,
        1009,
        "interactive.action.sections[1].rows[0].id",
    )
    .await;
    let eleven =
        json!([{"title": "A", "rows": rows("a", 6)}, {"title": "B", "rows": rows("b", 5)}]);
    refused(
        &app,
        list("Open", eleven),
        400,
        1009,
        "interactive.action.sections",
    )
    .await;
    let untitled = json!([{"title": "A", "rows": rows("a", 1)}, {"rows": rows("b", 1)}]);
    refused(
        &app,
        list("Open", untitled),
        400,
        1008,
        "interactive.action.sections[1].title",
    )
    .await;
    let long_title = json!([{"title": "x".repeat(25), "rows": rows("a", 1)}]);
    refused(
        &app,
        list("Open", long_title),
        400,
        1009,
        "interactive.action.sections[0].title",
    )
    .await;
    let long_row = json!([{"rows": [{"id": "a", "title": "x".repeat(25)}]}]);
    refused(&app, list("Open", long_row), 400, 1009, "rows[0].title").await;
    let long_desc = json!([{"rows": [{"id": "a", "title": "t", "description": "x".repeat(73)}]}]);
    refused(
        &app,
        list("Open", long_desc),
        400,
        1009,
        "rows[0].description",
    )
    .await;
    let one = json!([{"rows": rows("a", 1)}]);
    refused(
        &app,
        list(&"x".repeat(21), one.clone()),
        400,
        1009,
        "interactive.action.button",
    )
    .await;
    let ten = json!([{"title": "A", "rows": rows("a", 5)}, {"title": "B", "rows": rows("b", 5)}]);
    accepted(&app, list(&"x".repeat(20), ten)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_button_parameters_match_the_sub_type() {
    let (app, _rx) = ready().await;
    let button = |sub_type: &str, param: Value| {
        json!({"to": TO, "type": "template", "template": {"namespace": "ns", "name": "t", "language": {"code": "en"},
            "components": [{"type": "button", "sub_type": sub_type, "index": "0", "parameters": [param]}]}})
    };
    let text = json!({"type": "text", "text": "abc"});
    let payload = json!({"type": "payload", "payload": "yes"});
    refused(
        &app,
        button("quick_reply", text.clone()),
        400,
        2012,
        "template.components[0].parameters[0]",
    )
    .await;
    refused(
        &app,
        button("url", payload.clone()),
        400,
        2012,
        "template.components[0].parameters[0]",
    )
    .await;
    accepted(&app, button("quick_reply", payload)).await;
    accepted(&app, button("url", text)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsm_localizable_params_are_validated() {
    let (app, _rx) = ready().await;
    let hsm = |param: Value| {
        json!({"to": TO, "type": "hsm", "hsm": {"namespace": "ns", "element_name": "e",
            "language": {"policy": "deterministic", "code": "en"}, "localizable_params": [{"default": "ok"}, param]}})
    };
    let p = "hsm.localizable_params[1]";
    refused(
        &app,
        hsm(json!({"default": "x", "colour": "red"})),
        400,
        1010,
        &format!("{p}.colour"),
    )
    .await;
    refused(
        &app,
        hsm(json!({"currency": {"currency_code": "USD", "amount_1000": 1}})),
        400,
        1008,
        &format!("{p}.default"),
    )
    .await;
    refused(
        &app,
        hsm(json!({"default": "$1", "currency": {"currency_code": "usd", "amount_1000": 1000}})),
        400,
        1009,
        &format!("{p}.currency.currency_code"),
    )
    .await;
    refused(
        &app,
        hsm(json!({"default": "$1", "currency": {"currency_code": "USD", "amount_1000": "1000"}})),
        400,
        1009,
        &format!("{p}.currency.amount_1000"),
    )
    .await;
    refused(
        &app,
        hsm(json!({"default": "d", "date_time": {"component": {"month": 13}}})),
        400,
        1009,
        &format!("{p}.date_time.component.month"),
    )
    .await;
    refused(
        &app,
        hsm(json!({"default": "d", "date_time": {"unix_epoch": {"timestamp": "soon"}}})),
        400,
        1009,
        &format!("{p}.date_time.unix_epoch.timestamp"),
    )
    .await;
    refused(&app, hsm(json!({"default": "d", "currency": {"currency_code": "USD", "amount_1000": 1}, "date_time": {}})), 400, 1009, p).await;
    accepted(&app, hsm(json!({"default": "$100.99", "currency": {"currency_code": "USD", "amount_1000": 100990}}))).await;
    accepted(&app, hsm(json!({"default": "$1", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": 1000}}))).await;
    accepted(&app, hsm(json!({"default": "Feb 25", "date_time": {"component": {"day_of_week": 5, "year": 1977, "month": 2, "day_of_month": 25, "hour": 15, "minute": 33, "calendar": "GREGORIAN"}}}))).await;
    accepted(
        &app,
        hsm(json!({"default": "then", "date_time": {"unix_epoch": {"timestamp": 1485470276}}})),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_media_must_fit_the_message_type() {
    let (app, _rx) = ready().await;
    let pdf = app
        .upload_media("application/pdf", b"%PDF-1.4".to_vec())
        .await;
    let jpeg = app
        .upload_media("image/jpeg", vec![0xff, 0xd8, 0xff, 1])
        .await;
    let webp = app
        .upload_media("image/webp", b"RIFF0000WEBP".to_vec())
        .await;
    let ogg = app.upload_media("audio/ogg", b"OggS".to_vec()).await;
    let mp4 = app.upload_media("video/mp4", b"ftypmp42".to_vec()).await;
    let media = |kind: &str, id: &str| json!({"to": TO, "type": kind, kind: {"id": id}});
    for (kind, id) in [
        ("sticker", &pdf),
        ("sticker", &jpeg),
        ("image", &pdf),
        ("audio", &jpeg),
        ("video", &ogg),
    ] {
        refused(&app, media(kind, id), 400, 1009, &format!("{kind}.id")).await;
    }
    for (kind, id) in [
        ("sticker", &webp),
        ("image", &jpeg),
        ("audio", &ogg),
        ("video", &mp4),
        ("document", &pdf),
        ("document", &jpeg),
    ] {
        accepted(&app, media(kind, id)).await;
    }
    let template = json!({"to": TO, "type": "template", "template": {"namespace": "ns", "name": "t", "language": {"code": "en"},
        "components": [{"type": "header", "parameters": [{"type": "image", "image": {"id": pdf}}]}]}});
    refused(
        &app,
        template,
        400,
        1009,
        "template.components[0].parameters[0].image.id",
    )
    .await;
    let header = json!({"type": "video", "video": {"id": jpeg}});
    let buttons = json!({"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]});
    refused(
        &app,
        interactive(
            json!({"type": "button", "header": header, "body": {"text": "b"}, "action": buttons}),
        ),
        400,
        1009,
        "interactive.header.video.id",
    )
    .await;
}

/// Every route reading a JSON body into a closed shape answers 1010 naming an unknown field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_body_fields_are_1010_on_every_route() {
    let app = spawn_emulator().await;
    let cases: Vec<(Method, &str, Value, &str)> = vec![
        (
            Method::POST,
            "/v1/contacts",
            json!({"contacts": ["+1 631 555 1001"], "foo": 1}),
            "foo",
        ),
        (
            Method::PUT,
            "/v1/messages/ABGGx",
            json!({"status": "read", "foo": 1}),
            "foo",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "eve", "password": "Passw0rd!", "foo": 1}),
            "foo",
        ),
        (
            Method::PUT,
            "/v1/users/admin",
            json!({"password": "Passw0rd!", "foo": 1}),
            "foo",
        ),
        (
            Method::POST,
            "/v1/emulator/errors",
            json!({"errors": [{"code": 1, "title": "t", "foo": 1}]}),
            "errors[0].foo",
        ),
        (
            Method::POST,
            "/v1/emulator/messages/gBEGx/status",
            json!({"status": "read", "foo": 1}),
            "foo",
        ),
        (
            Method::PUT,
            "/v1/emulator/rules",
            json!({"rules": [], "foo": 1}),
            "foo",
        ),
        (
            Method::PUT,
            "/v1/emulator/templates",
            json!({"templates": [{"name": "a", "language": "en", "components": [], "foo": 1}]}),
            "templates[0].foo",
        ),
        (Method::POST, "/v1/emulator/reset", json!({"foo": 1}), "foo"),
        (
            Method::PUT,
            "/v1/emulator/faults",
            json!({"store": false, "foo": 1}),
            "foo",
        ),
    ];
    for (method, path, body, field) in cases {
        let (s, b) = app.call(method, path, Some(body.clone())).await;
        assert_error(s, &b, 400, 1010);
        assert_eq!(
            b["errors"][0]["details"],
            format!("{field}: unknown field"),
            "{path} {body}"
        );
    }
    let res = app
        .client
        .post(format!("{}/v1/users/login", app.base))
        .basic_auth("admin", Some("secret"))
        .json(&json!({"new_password": "Passw0rd!", "foo": 1}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let b: Value = res.json().await.unwrap();
    assert_error(status, &b, 400, 1010);
    assert_eq!(b["errors"][0]["details"], "foo: unknown field");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_details_carry_serde_positions() {
    let app = spawn_emulator().await;
    const JSON: Option<&str> = Some("application/json");
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/users",
            r#"{"username": 5, "password": "x"}"#,
        ),
        (Method::POST, "/v1/contacts", r#"{"contacts": "x"}"#),
        (
            Method::POST,
            "/v1/contacts",
            r#"{"contacts": ["1"], "foo": 1}"#,
        ),
        (
            Method::PUT,
            "/v1/emulator/rules",
            r#"{"rules": [{"number": "1", "action": "explode"}]}"#,
        ),
        (Method::POST, "/v1/messages", "{\n\"to\": ["),
        (Method::PATCH, "/v1/settings/application", r#"{"a": 1} x"#),
    ] {
        let (s, b) = app.raw(method, path, JSON, body.to_string()).await;
        assert!(s.is_client_error(), "{path} {body} -> {s} {b}");
        let details = b["errors"][0]["details"].as_str().unwrap_or_default();
        assert!(!details.is_empty(), "{path} {body} -> {b}");
        assert!(!details.contains(" at line "), "{path} {body} -> {details}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn languages_header_media_and_location_urls_are_checked() {
    let (app, _rx) = ready().await;
    let template = |language: Value, header: Value| {
        json!({"to": TO, "type": "template", "template": {"namespace": "ns", "name": "n",
            "language": language,
            "components": [{"type": "header", "parameters": [header]}]}})
    };
    let image = json!({"type": "image", "image": {"link": "https://x.test/a.png"}});
    accepted(
        &app,
        template(
            json!({"code": "en", "policy": "deterministic"}),
            image.clone(),
        ),
    )
    .await;
    refused(
        &app,
        template(json!({"code": "en", "dialect": "x"}), image),
        400,
        1010,
        "template.language.dialect",
    )
    .await;
    refused(
        &app,
        template(
            json!({"code": "en"}),
            json!({"type": "image", "image": {"link": "https://x.test/a.png", "caption": "c"}}),
        ),
        400,
        1010,
        "caption",
    )
    .await;
    accepted(
        &app,
        template(
            json!({"code": "en"}),
            json!({"type": "document", "document": {"link": "https://x.test/a.pdf", "filename": "a.pdf"}}),
        ),
    )
    .await;
    refused(
        &app,
        interactive(json!({"type": "button",
            "header": {"type": "image", "image": {"link": "https://x.test/a.png", "size": 1}},
            "body": {"text": "b"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "1", "title": "t"}}]}})),
        400,
        1010,
        "interactive.header.image.size",
    )
    .await;
    refused(
        &app,
        json!({"to": TO, "type": "location", "location": {"latitude": 1, "longitude": 2, "url": 5}}),
        400,
        1009,
        "location.url",
    )
    .await;
}
