//! Cloud business profiles, commerce settings and QR codes: set then get, Meta's limits with
//! nothing stored on a refused call, and everything a number keeps surviving a kill -9.

use crate::cloud::*;
use crate::cloud_errors::unknown_object;
use crate::cloud_numbers::{call, number_state, param_error};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_keeps_what_is_set_within_metas_limits() {
    let (app, _rx, _) = cloud_app().await;
    let path = format!("/v21.0/{N1}/whatsapp_business_profile");
    let (status, fresh) = call(&app, Method::GET, &path, None).await;
    assert_eq!(
        (status.as_u16(), &fresh),
        (
            200,
            &json!({"data": [{"messaging_product": "whatsapp", "vertical": "UNDEFINED"}]})
        )
    );
    let full = json!({"messaging_product": "whatsapp", "about": "Succulent specialists!", "address": "1 Hacker Way, Menlo Park, CA 94025",
        "description": "d".repeat(512), "email": "lucky@luckyshrub.com", "websites": "[\"https://www.luckyshrub.com/\"]", "vertical": "RETAIL"});
    let (status, body) = call(&app, Method::POST, &path, Some(full)).await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    let (_, got) = call(&app, Method::GET, &path, None).await;
    let want = json!({"about": "Succulent specialists!", "address": "1 Hacker Way, Menlo Park, CA 94025", "description": "d".repeat(512),
        "email": "lucky@luckyshrub.com", "websites": ["https://www.luckyshrub.com/"], "messaging_product": "whatsapp", "vertical": "RETAIL"});
    assert_eq!(got["data"][0], want);
    let (_, some) = call(
        &app,
        Method::GET,
        &format!("{path}?fields=about,websites"),
        None,
    )
    .await;
    assert_eq!(
        some["data"][0],
        json!({"about": "Succulent specialists!", "websites": ["https://www.luckyshrub.com/"], "messaging_product": "whatsapp", "vertical": "RETAIL"})
    );
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("{path}?fields=about,mood"),
        None,
    )
    .await;
    param_error(status, &body, "nonexisting field (mood)");

    // Refused updates store nothing.
    for (body, words) in [
        (
            json!({"about": "x"}),
            "The parameter messaging_product is required",
        ),
        (
            json!({"messaging_product": "whatsapp", "about": "a".repeat(140)}),
            "about",
        ),
        (
            json!({"messaging_product": "whatsapp", "about": ""}),
            "about",
        ),
        (
            json!({"messaging_product": "whatsapp", "address": "a".repeat(257)}),
            "address",
        ),
        (
            json!({"messaging_product": "whatsapp", "description": "a".repeat(513)}),
            "description",
        ),
        (
            json!({"messaging_product": "whatsapp", "email": "not-an-email"}),
            "email must be a valid email address",
        ),
        (
            json!({"messaging_product": "whatsapp", "email": format!("{}@example.com", "a".repeat(120))}),
            "email",
        ),
        (
            json!({"messaging_product": "whatsapp", "websites": ["https://a.example", "https://b.example", "https://c.example"]}),
            "at most 2",
        ),
        (
            json!({"messaging_product": "whatsapp", "websites": ["www.example.com"]}),
            "http",
        ),
        (
            json!({"messaging_product": "whatsapp", "vertical": "SPACE_TRAVEL"}),
            "vertical",
        ),
        (
            json!({"messaging_product": "whatsapp", "profile_picture_handle": "4::aW1hZ2U="}),
            "handle is invalid or expired",
        ),
        (
            json!({"messaging_product": "whatsapp", "mood": "happy"}),
            "mood",
        ),
        (
            json!({"messaging_product": "whatsapp", "about": "ok", "email": "bad"}),
            "email",
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, &path, Some(body)).await;
        param_error(status, &answer, words);
    }
    let (_, after) = call(&app, Method::GET, &path, None).await;
    assert_eq!(after["data"][0], want);
    // "" clears a field (pywa sends it for None); the other number's profile is its own.
    let (status, _) = call(
        &app,
        Method::POST,
        &path,
        Some(
            json!({"messaging_product": "whatsapp", "address": "", "websites": [], "vertical": ""}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (_, cleared) = call(
        &app,
        Method::GET,
        &format!("{path}?fields=address,websites,vertical"),
        None,
    )
    .await;
    assert_eq!(
        cleared["data"][0],
        json!({"messaging_product": "whatsapp", "vertical": "UNDEFINED"})
    );
    let (_, other) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{N2}/whatsapp_business_profile"),
        None,
    )
    .await;
    assert_eq!(other, fresh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commerce_settings_and_qr_codes_are_set_then_read() {
    let (app, _rx, _) = cloud_app().await;
    let commerce = format!("/v21.0/{N1}/whatsapp_commerce_settings");
    let (status, got) = call(&app, Method::GET, &commerce, None).await;
    assert_eq!(status, 200, "{got}");
    let settings_id = got["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        got,
        json!({"data": [{"is_cart_enabled": true, "is_catalog_visible": false, "id": settings_id}]})
    );
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("{commerce}?is_cart_enabled=false&is_catalog_visible=true"),
        None,
    )
    .await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    let (_, got) = call(
        &app,
        Method::GET,
        &format!("{commerce}?fields=is_catalog_visible"),
        None,
    )
    .await;
    assert_eq!(
        got,
        json!({"data": [{"is_catalog_visible": true, "id": settings_id}]})
    );
    for (q, words) in [
        ("?is_cart_enabled=yes", "is_cart_enabled"),
        ("", "is required"),
        ("?colour=red", "colour"),
    ] {
        let (status, body) = call(&app, Method::POST, &format!("{commerce}{q}"), None).await;
        param_error(status, &body, words);
    }
    let (_, got) = call(&app, Method::GET, &commerce, None).await;
    assert_eq!(
        (
            &got["data"][0]["is_cart_enabled"],
            &got["data"][0]["is_catalog_visible"]
        ),
        (&json!(false), &json!(true))
    );

    let qr = format!("/v21.0/{N1}/message_qrdls");
    let (status, created) = call(
        &app,
        Method::POST,
        &qr,
        Some(json!({"prefilled_message": "Cyber Monday"})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let code = created["code"].as_str().unwrap().to_string();
    assert_eq!(
        created,
        json!({"code": code, "prefilled_message": "Cyber Monday", "deep_link_url": format!("https://wa.me/message/{code}")})
    );
    // wajs style: query parameters on /message_qrdls/{code}; Meta's: code in the body.
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("{qr}/{code}?prefilled_message=Black%20Friday"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, list) = call(&app, Method::GET, &qr, None).await;
    assert_eq!(
        list["data"],
        json!([{"code": code, "prefilled_message": "Black Friday", "deep_link_url": format!("https://wa.me/message/{code}")}])
    );
    let (status, _) = call(
        &app,
        Method::POST,
        &qr,
        Some(json!({"code": code, "prefilled_message": "Boxing Day"})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, one) = call(&app, Method::GET, &format!("{qr}/{code}"), None).await;
    assert_eq!(one["data"][0]["prefilled_message"], "Boxing Day");
    for (body, words) in [
        (
            json!({"prefilled_message": "x".repeat(141)}),
            "prefilled_message",
        ),
        (json!({}), "The parameter prefilled_message is required"),
        (
            json!({"prefilled_message": "hi", "generate_qr_image": "SVG"}),
            "renders no QR images",
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, &qr, Some(body)).await;
        param_error(status, &answer, words);
    }
    let (status, body) = call(
        &app,
        Method::POST,
        &qr,
        Some(json!({"code": "NOSUCHCODE", "prefilled_message": "hi"})),
    )
    .await;
    unknown_object(status, &body);
    let (_, list) = call(&app, Method::GET, &qr, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (status, body) = call(&app, Method::DELETE, &format!("{qr}/{code}"), None).await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    let (status, body) = call(&app, Method::GET, &format!("{qr}/{code}"), None).await;
    unknown_object(status, &body);
    let (_, list) = call(&app, Method::GET, &qr, None).await;
    assert_eq!(list, json!({"data": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_number_keeps_survives_a_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--cloud-access-token", "tok-1"];
    let mut first = EmulatorProcess::start(dir.path(), &args);
    let (_, cfg) = first.api.get("/v1/emulator/cloud").await;
    let n = cfg["cloud"]["numbers"][0]["phone_number_id"]
        .as_str()
        .unwrap()
        .to_string();
    inbound(&first.api, &n, "16315550101", "hi").await;
    let steps: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("/v21.0/{n}/whatsapp_business_profile"),
            Some(json!({"messaging_product": "whatsapp", "about": "Kept"})),
        ),
        (
            Method::POST,
            format!("/v21.0/{n}/whatsapp_commerce_settings?is_catalog_visible=true"),
            None,
        ),
        (
            Method::POST,
            format!("/v21.0/{n}/message_qrdls"),
            Some(json!({"prefilled_message": "Kept too"})),
        ),
        (
            Method::POST,
            format!("/v21.0/{n}/block_users"),
            Some(
                json!({"messaging_product": "whatsapp", "block_users": [{"user": "16315550101"}]}),
            ),
        ),
        (Method::POST, format!("/v21.0/{n}/deregister"), None),
        (
            Method::POST,
            format!("/v21.0/{n}"),
            Some(json!({"pin": "112233"})),
        ),
    ];
    for (method, path, body) in steps {
        let (status, answer) = call(&first.api, method, &path, body).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    first.kill9();
    let second = EmulatorProcess::start(dir.path(), &args);
    let api = &second.api;
    let (_, p) = call(
        api,
        Method::GET,
        &format!("/v21.0/{n}/whatsapp_business_profile?fields=about"),
        None,
    )
    .await;
    assert_eq!(p["data"][0]["about"], "Kept");
    let (_, c) = call(
        api,
        Method::GET,
        &format!("/v21.0/{n}/whatsapp_commerce_settings"),
        None,
    )
    .await;
    assert_eq!(c["data"][0]["is_catalog_visible"], true);
    let (_, q) = call(api, Method::GET, &format!("/v21.0/{n}/message_qrdls"), None).await;
    assert_eq!(q["data"][0]["prefilled_message"], "Kept too");
    let state = number_state(api, &n).await;
    assert_eq!(
        (
            &state["registered"],
            &state["two_step_pin"],
            &state["blocked_users"]
        ),
        (&json!(false), &json!("112233"), &json!(["16315550101"]))
    );
    let (status, body) = send(
        api,
        &n,
        "v21.0",
        json!({"to": "16315550102", "text": {"body": "x"}}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!(133010)),
        "{body}"
    );
    // Registered again with the kept PIN, the number still refuses its blocked user.
    let register = json!({"messaging_product": "whatsapp", "pin": "112233"});
    let path = format!("/v21.0/{n}/register");
    let (status, body) = call(api, Method::POST, &path, Some(register)).await;
    assert_eq!(status, 200, "{body}");
    let to_blocked = json!({"to": "16315550101", "text": {"body": "x"}});
    let (status, body) = send(api, &n, "v21.0", to_blocked).await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!(131026)),
        "{body}"
    );
}
