//! Cloud business phone numbers: listing and reading with default and selected fields, paging,
//! registration with the two-step PIN (and what an unregistered number answers to a send), the
//! PIN set through `POST /{phone-number-id}/`, the verification code, and their errors.

use crate::cloud::*;
use crate::cloud_errors::unknown_object;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const WABA1: &str = "102290129340398";

pub async fn call(
    app: &Api,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    graph(app, Some("tok-1"), method, path, body).await
}

/// A Graph parameter error: code 100, `(#100) ...`, HTTP 400.
pub fn param_error(status: StatusCode, body: &Value, contains: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], 100, "{body}");
    let text = body["error"].to_string();
    assert!(text.contains(contains), "{contains:?} not in {body}");
}

/// The control API's view of one number (registration, PIN, code, blocks).
pub async fn number_state(app: &Api, id: &str) -> Value {
    let (status, body) = app.get("/v1/emulator/cloud").await;
    assert_eq!(status, 200, "{body}");
    body["phone_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["phone_number_id"] == id)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_answer_default_and_selected_fields_and_page() {
    let (app, _rx, _) = cloud_app().await;
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{WABA1}/phone_numbers"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"],
        json!([{"id": N1, "display_phone_number": "+1 555-000-1111", "verified_name": "Test Number", "quality_rating": "GREEN"}])
    );
    let (status, one) = call(&app, Method::GET, &format!("/v21.0/{N1}"), None).await;
    assert_eq!((status.as_u16(), &one), (200, &body["data"][0]));
    let path = format!("/v21.0/{N1}?fields=status,platform_type,throughput{{level}},is_pin_enabled,code_verification_status,account_mode,health_status{{can_send_message}}");
    let (status, sel) = call(&app, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{sel}");
    assert_eq!(
        sel,
        json!({"status": "CONNECTED", "platform_type": "CLOUD_API", "throughput": {"level": "STANDARD"},
               "is_pin_enabled": false, "code_verification_status": "VERIFIED", "account_mode": "LIVE",
               "health_status": {"can_send_message": "AVAILABLE"}, "id": N1})
    );
    // Without a version (as some clients build paths) and with a trailing slash: the same.
    let (status, bare) = call(&app, Method::GET, &format!("/{N1}/"), None).await;
    assert_eq!((status.as_u16(), &bare), (200, &one));
    let (status, body) = app.get("/v1/nothing").await;
    assert_error(status, &body, 404, 1006);
    // Unknown fields, WABAs and numbers answer Graph's errors.
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{N1}?fields=id,colour"),
        None,
    )
    .await;
    param_error(status, &body, "Tried accessing nonexisting field (colour)");
    let (status, body) = call(&app, Method::GET, &format!("/v21.0/{N1}?fields=a{{b"), None).await;
    param_error(status, &body, "Syntax error");
    let (status, body) = call(&app, Method::GET, "/v21.0/777/phone_numbers", None).await;
    unknown_object(status, &body);
    let (status, body) = call(
        &app,
        Method::POST,
        "/v21.0/777/register",
        Some(json!({"messaging_product": "whatsapp", "pin": "123456"})),
    )
    .await;
    unknown_object(status, &body);

    // Two numbers on one WABA: limit=1 pages, and `next` (an absolute URL on the emulator) is
    // followed verbatim, as pywa does.
    let (status, cfg) = app
        .call(Method::PUT, "/v1/emulator/cloud", Some(json!({"numbers": [
            {"phone_number_id": N1, "display_phone_number": "15550001111", "waba_id": WABA1},
            {"phone_number_id": N2, "display_phone_number": "4930123456", "waba_id": WABA1, "verified_name": "Shop", "throughput_mps": 500}
        ]})))
        .await;
    assert_eq!(status, 200, "{cfg}");
    let (status, p1) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{WABA1}/phone_numbers?limit=1&fields=verified_name,throughput"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{p1}");
    assert_eq!(
        p1["data"],
        json!([{"verified_name": "Test Number", "throughput": {"level": "STANDARD"}, "id": N1}])
    );
    let next = p1["paging"]["next"].as_str().unwrap();
    assert!(next.starts_with(&app.base), "{next}");
    let res = app
        .client
        .get(next)
        .bearer_auth("tok-1")
        .send()
        .await
        .unwrap();
    let p2: Value = res.json().await.unwrap();
    assert_eq!(
        p2["data"],
        json!([{"verified_name": "Shop", "throughput": {"level": "HIGH"}, "id": N2}])
    );
    assert!(p2["paging"].get("next").is_none(), "{p2}");
    assert!(p2["paging"]["previous"].is_string(), "{p2}");
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{WABA1}/phone_numbers?limit=0"),
        None,
    )
    .await;
    param_error(status, &body, "limit");
    let (_, n2) = call(&app, Method::GET, &format!("/v21.0/{N2}"), None).await;
    assert_eq!(n2["display_phone_number"], "+4930123456");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_the_pin_and_what_an_unregistered_number_answers() {
    let (app, _rx, _) = cloud_app().await;
    let text = json!({"to": "16315551010", "text": {"body": "hi"}});
    let (status, body) = call(&app, Method::POST, &format!("/v21.0/{N1}/deregister"), None).await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    let (_, got) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{N1}?fields=status,platform_type"),
        None,
    )
    .await;
    assert_eq!(
        got,
        json!({"status": "DISCONNECTED", "platform_type": "NOT_APPLICABLE", "id": N1})
    );
    let (status, body) = send(&app, N1, "v21.0", text.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], 133010, "{body}");
    assert_eq!(
        body["error"]["message"],
        "(#133010) Phone number not registered"
    );
    // The other number is untouched.
    let (status, body) = send(&app, N2, "v21.0", text.clone()).await;
    assert_eq!(status, 200, "{body}");

    // Bad input: Meta's parameter errors, nothing stored.
    let reg = format!("/v21.0/{N1}/register");
    for (body, words) in [
        (
            json!({"pin": "123456"}),
            "The parameter messaging_product is required",
        ),
        (
            json!({"messaging_product": "sms", "pin": "123456"}),
            "messaging_product",
        ),
        (
            json!({"messaging_product": "whatsapp"}),
            "The parameter pin is required",
        ),
        (
            json!({"messaging_product": "whatsapp", "pin": "12345"}),
            "Param pin must be 6 characters",
        ),
        (
            json!({"messaging_product": "whatsapp", "pin": "12a456"}),
            "Param pin must be 6 characters",
        ),
        (json!({"messaging_product": "whatsapp", "pin": [1]}), "pin"),
        (
            json!({"messaging_product": "whatsapp", "pin": "123456", "data_localization_region": "XX"}),
            "data_localization_region",
        ),
        (
            json!({"messaging_product": "whatsapp", "pin": "123456", "colour": 1}),
            "colour",
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, &reg, Some(body)).await;
        param_error(status, &answer, words);
    }
    let state = number_state(&app, N1).await;
    assert_eq!(
        (&state["registered"], &state["two_step_pin"]),
        (&json!(false), &Value::Null)
    );

    // Register: the PIN becomes the two-step PIN; sends work again.
    let (status, body) = call(&app, Method::POST, &reg, Some(json!({"messaging_product": "whatsapp", "pin": "246810", "data_localization_region": "DE"}))).await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    let (_, got) = call(
        &app,
        Method::GET,
        &format!("/v21.0/{N1}?fields=status,is_pin_enabled,last_onboarded_time"),
        None,
    )
    .await;
    assert_eq!(
        (&got["status"], &got["is_pin_enabled"]),
        (&json!("CONNECTED"), &json!(true)),
        "{got}"
    );
    assert!(
        got["last_onboarded_time"]
            .as_str()
            .unwrap()
            .ends_with("+0000"),
        "{got}"
    );
    let (status, body) = send(&app, N1, "v21.0", text.clone()).await;
    assert_eq!(status, 200, "{body}");

    // A wrong PIN: 133005; five in a row lock the number (133008), even for the right PIN.
    for _ in 0..5 {
        let (status, body) = call(
            &app,
            Method::POST,
            &reg,
            Some(json!({"messaging_product": "whatsapp", "pin": "000000"})),
        )
        .await;
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (400, &json!(133005)),
            "{body}"
        );
    }
    let (status, body) = call(
        &app,
        Method::POST,
        &reg,
        Some(json!({"messaging_product": "whatsapp", "pin": "246810"})),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!(133008)),
        "{body}"
    );
    // A new PIN through POST /{phone-number-id}/ (trailing slash, as Meta's Node SDK sends it)
    // needs no old PIN and lifts the lock.
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/v21.0/{N1}/"),
        Some(json!({"pin": "135790"})),
    )
    .await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    assert_eq!(number_state(&app, N1).await["two_step_pin"], "135790");
    let (status, body) = call(
        &app,
        Method::POST,
        &reg,
        Some(json!({"messaging_product": "whatsapp", "pin": "135790"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for bad in [
        json!({"pin": "1"}),
        json!({}),
        json!({"pin": "123456", "colour": "x"}),
    ] {
        let (status, body) = call(&app, Method::POST, &format!("/v21.0/{N1}"), Some(bad)).await;
        param_error(status, &body, "pin");
    }
    assert_eq!(number_state(&app, N1).await["two_step_pin"], "135790");
    let (status, body) = call(
        &app,
        Method::POST,
        "/v21.0/4242",
        Some(json!({"pin": "123456"})),
    )
    .await;
    unknown_object(status, &body);

    // 10 register/deregister calls per 72 hours, then 133016.
    for i in 0..10 {
        let path = if i % 2 == 0 {
            format!("/v21.0/{N2}/deregister")
        } else {
            format!("/v21.0/{N2}/register")
        };
        let body = (i % 2 == 1).then(|| json!({"messaging_product": "whatsapp", "pin": "111111"}));
        let (status, answer) = call(&app, Method::POST, &path, body).await;
        assert_eq!(status, 200, "call {i}: {answer}");
    }
    let (status, body) = call(&app, Method::POST, &format!("/v21.0/{N2}/deregister"), None).await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!(133016)),
        "{body}"
    );
    assert_eq!(number_state(&app, N2).await["registered"], true);

    // Reset forgets it all.
    let (status, _) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(status, 200);
    let state = number_state(&app, N1).await;
    assert_eq!(
        (&state["registered"], &state["two_step_pin"]),
        (&json!(true), &Value::Null)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_code_is_requested_read_from_the_control_api_and_verified() {
    let (app, _rx, _) = cloud_app().await;
    // As pywa sends them: query parameters, no body.
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/v21.0/{N1}/request_code?code_method=SMS&language=en_US"),
        None,
    )
    .await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    let pending = number_state(&app, N1).await["verification_code"].clone();
    assert_eq!(
        (&pending["code_method"], &pending["language"]),
        (&json!("SMS"), &json!("en_US"))
    );
    let code = pending["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify = format!("/v21.0/{N1}/verify_code");
    let (status, body) = call(&app, Method::POST, &verify, Some(json!({"code": wrong}))).await;
    param_error(status, &body, "not correct");
    let (status, body) = call(&app, Method::POST, &verify, Some(json!({"code": code}))).await;
    assert_eq!(
        (status.as_u16(), body),
        (200, json!({"success": true, "id": N1}))
    );
    assert_eq!(
        number_state(&app, N1).await["verification_code"],
        Value::Null
    );
    let (status, body) = call(&app, Method::POST, &verify, Some(json!({"code": code}))).await;
    param_error(status, &body, "request_code first");
    // Bad input (JSON bodies, as other clients send them).
    let req = format!("/v21.0/{N1}/request_code");
    for (body, words) in [
        (
            json!({"language": "en"}),
            "The parameter code_method is required",
        ),
        (
            json!({"code_method": "FAX", "language": "en"}),
            "code_method",
        ),
        (
            json!({"code_method": "VOICE"}),
            "The parameter language is required",
        ),
        (
            json!({"code_method": "VOICE", "language": "english!"}),
            "language",
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, &req, Some(body)).await;
        param_error(status, &answer, words);
    }
    let (status, body) = call(&app, Method::POST, &verify, Some(json!({"code": "12ab"}))).await;
    param_error(status, &body, "code");
    assert_eq!(
        number_state(&app, N1).await["verification_code"],
        Value::Null
    );
}

/// Every route's answers, successes and failures, validate against openapi/openapi.yaml.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_number_answers_validate_against_the_spec() {
    use crate::openapi::{check, spec};
    let spec = spec();
    let (app, _rx, _) = cloud_app().await;
    inbound(&app, N1, "16315550101", "hi").await;
    let pn = |rest: &str| format!("/v21.0/{N1}{rest}");
    let steps: Vec<(Method, String, &str, Option<Value>)> = vec![
        (
            Method::GET,
            format!("/v21.0/{WABA1}/phone_numbers?limit=1"),
            "/{version}/{waba_id}/phone_numbers",
            None,
        ),
        (
            Method::GET,
            "/v21.0/1/phone_numbers".into(),
            "/{version}/{waba_id}/phone_numbers",
            None,
        ),
        (
            Method::GET,
            pn("?fields=status,health_status,whatsapp_business_profile{about}"),
            "/{version}/{id}",
            None,
        ),
        (Method::GET, pn("?fields=nope"), "/{version}/{id}", None),
        (
            Method::POST,
            pn(""),
            "/{version}/{id}",
            Some(json!({"pin": "123456"})),
        ),
        (
            Method::POST,
            pn(""),
            "/{version}/{id}",
            Some(json!({"pin": "1"})),
        ),
        (
            Method::POST,
            pn("/register"),
            "/{version}/{phone_number_id}/register",
            Some(json!({"messaging_product": "whatsapp", "pin": "123456"})),
        ),
        (
            Method::POST,
            pn("/register"),
            "/{version}/{phone_number_id}/register",
            Some(json!({"messaging_product": "whatsapp", "pin": "654321"})),
        ),
        (
            Method::POST,
            pn("/deregister"),
            "/{version}/{phone_number_id}/deregister",
            None,
        ),
        (
            Method::POST,
            pn("/request_code?code_method=VOICE&language=en"),
            "/{version}/{phone_number_id}/request_code",
            None,
        ),
        (
            Method::POST,
            pn("/verify_code?code=1"),
            "/{version}/{phone_number_id}/verify_code",
            None,
        ),
        (
            Method::GET,
            pn("/whatsapp_business_profile"),
            "/{version}/{phone_number_id}/whatsapp_business_profile",
            None,
        ),
        (
            Method::POST,
            pn("/whatsapp_business_profile"),
            "/{version}/{phone_number_id}/whatsapp_business_profile",
            Some(
                json!({"messaging_product": "whatsapp", "about": "Hi", "email": "a@b.co", "websites": ["https://a.example"], "vertical": "RETAIL"}),
            ),
        ),
        (
            Method::GET,
            pn("/whatsapp_business_profile"),
            "/{version}/{phone_number_id}/whatsapp_business_profile",
            None,
        ),
        (
            Method::POST,
            pn("/whatsapp_business_profile"),
            "/{version}/{phone_number_id}/whatsapp_business_profile",
            Some(json!({"messaging_product": "whatsapp", "email": "nope"})),
        ),
        (
            Method::GET,
            pn("/whatsapp_commerce_settings"),
            "/{version}/{phone_number_id}/whatsapp_commerce_settings",
            None,
        ),
        (
            Method::POST,
            pn("/whatsapp_commerce_settings?is_catalog_visible=true"),
            "/{version}/{phone_number_id}/whatsapp_commerce_settings",
            None,
        ),
        (
            Method::POST,
            pn("/block_users"),
            "/{version}/{phone_number_id}/block_users",
            Some(
                json!({"messaging_product": "whatsapp", "block_users": [{"user": "16315550101"}]}),
            ),
        ),
        (
            Method::POST,
            pn("/block_users"),
            "/{version}/{phone_number_id}/block_users",
            Some(
                json!({"messaging_product": "whatsapp", "block_users": [{"user": "16315550999"}]}),
            ),
        ),
        (
            Method::GET,
            pn("/block_users?limit=1"),
            "/{version}/{phone_number_id}/block_users",
            None,
        ),
        (
            Method::DELETE,
            pn("/block_users"),
            "/{version}/{phone_number_id}/block_users",
            Some(
                json!({"messaging_product": "whatsapp", "block_users": [{"user": "16315550101"}]}),
            ),
        ),
        (
            Method::DELETE,
            pn("/block_users"),
            "/{version}/{phone_number_id}/block_users",
            Some(json!({"messaging_product": "whatsapp", "block_users": [{"user_id": "US.1"}]})),
        ),
        (
            Method::POST,
            pn("/message_qrdls"),
            "/{version}/{phone_number_id}/message_qrdls",
            Some(json!({"prefilled_message": "Order 66"})),
        ),
        (
            Method::GET,
            pn("/message_qrdls"),
            "/{version}/{phone_number_id}/message_qrdls",
            None,
        ),
        (
            Method::GET,
            pn("/message_qrdls/NOPE"),
            "/{version}/{phone_number_id}/message_qrdls/{code}",
            None,
        ),
    ];
    let mut code = String::new();
    for (method, path, spec_path, body) in steps {
        let (status, answer) = call(&app, method.clone(), &path, body).await;
        check(
            &spec,
            &method.as_str().to_lowercase(),
            spec_path,
            status.as_u16(),
            &answer,
        );
        if spec_path.ends_with("message_qrdls") && method == Method::POST {
            code = answer["code"].as_str().unwrap().to_string();
        }
    }
    let qr = "/{version}/{phone_number_id}/message_qrdls/{code}";
    let (status, answer) = call(
        &app,
        Method::POST,
        &pn(&format!("/message_qrdls/{code}")),
        Some(json!({"prefilled_message": "Order 67"})),
    )
    .await;
    check(&spec, "post", qr, status.as_u16(), &answer);
    assert_eq!(answer["prefilled_message"], "Order 67");
    let (status, answer) = call(
        &app,
        Method::GET,
        &pn(&format!("/message_qrdls/{code}")),
        None,
    )
    .await;
    check(&spec, "get", qr, status.as_u16(), &answer);
    assert_eq!(
        answer["data"][0]["deep_link_url"],
        format!("https://wa.me/message/{code}")
    );
    let (status, answer) = call(
        &app,
        Method::DELETE,
        &pn(&format!("/message_qrdls/{code}")),
        None,
    )
    .await;
    check(&spec, "delete", qr, status.as_u16(), &answer);
    let (status, answer) = call(
        &app,
        Method::DELETE,
        &pn(&format!("/message_qrdls/{code}")),
        None,
    )
    .await;
    unknown_object(status, &answer);
    let (s, b) = app.get("/v1/emulator/cloud").await;
    check(&spec, "get", "/v1/emulator/cloud", s.as_u16(), &b);
}
