//! Cloud API failures answer the Graph envelope with Meta's codes; every message type; media.

use crate::cloud::*;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The Graph error envelope with this status and code.
fn graph_error(status: StatusCode, body: &Value, want_status: u16, want_code: u64) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    let e = &body["error"];
    assert_eq!(e["code"], want_code, "{body}");
    // Meta's own messages: invalid/expired tokens, unknown objects (100/33, GraphMethodException).
    let message = e["message"].as_str().unwrap();
    let own = (want_code == 190
        && (message.starts_with("Invalid OAuth access token")
            || message.starts_with("Error validating access token")))
        || (e["error_subcode"] == 33 && message.starts_with("Unsupported "));
    assert!(
        own || message.starts_with(&format!("(#{want_code}) ")),
        "{body}"
    );
    let kind = if e["error_subcode"] == 33 {
        "GraphMethodException"
    } else {
        "OAuthException"
    };
    assert_eq!(e["type"], kind, "{body}");
    assert_eq!(e["error_data"]["messaging_product"], "whatsapp", "{body}");
    assert!(
        e["error_data"]["details"].is_string() && e["fbtrace_id"].is_string(),
        "{body}"
    );
    assert!(
        body.get("errors").is_none() && body.get("meta").is_none(),
        "not On-Prem: {body}"
    );
}

/// Graph's answer for an id that names nothing: code 100, subcode 33, `GraphMethodException`.
pub fn unknown_object(status: StatusCode, body: &Value) {
    assert_eq!(status, 400, "{body}");
    let e = &body["error"];
    assert_eq!(
        (&e["code"], &e["error_subcode"]),
        (&json!(100), &json!(33)),
        "{body}"
    );
    assert_eq!(e["type"], "GraphMethodException", "{body}");
    assert!(
        e["message"].as_str().unwrap().contains("does not exist"),
        "{body}"
    );
    assert!(e["fbtrace_id"].is_string(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_checked_and_bad_input_answers_graph_errors() {
    let (app, _rx, _) = cloud_app().await;
    let path = format!("/v19.0/{N1}/messages");
    let text = json!({"messaging_product": "whatsapp", "to": "16315551010", "text": {"body": "x"}});
    for token in [None, Some("wrong"), Some("tok-old")] {
        let (status, body) = graph(&app, token, Method::POST, &path, Some(text.clone())).await;
        graph_error(status, &body, 401, 190);
    }
    let (status, body) = graph(
        &app,
        Some("tok-1"),
        Method::POST,
        &format!("{path}?appsecret_proof=abc"),
        Some(text.clone()),
    )
    .await;
    assert_eq!(status, 200, "appsecret_proof is tolerated: {body}");
    let cases = [
        (
            json!({"to": "16315551010", "text": {"body": "x"}}),
            400,
            131008,
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "16315551010", "text": {}}),
            400,
            131008,
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "16315551010", "text": {"body": "x".repeat(4097)}}),
            400,
            131009,
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "16315551010", "type": "image", "image": {"id": "404404"}}),
            400,
            100,
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "16315551010", "type": "hsm", "hsm": {}}),
            400,
            131051,
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "16315551010", "text": {"body": "x"}, "bogus": 1}),
            400,
            100,
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "abc", "text": {"body": "x"}}),
            400,
            100,
        ),
    ];
    for (body, want_status, want_code) in cases {
        let (status, answer) =
            graph(&app, Some("tok-1"), Method::POST, &path, Some(body.clone())).await;
        graph_error(status, &answer, want_status, want_code);
    }
    // Not JSON, an unknown number, an unknown path, a wrong method: still the Graph envelope.
    let res = app
        .client
        .post(format!("{}{path}", app.base))
        .bearer_auth("tok-1")
        .body("{nope")
        .send()
        .await
        .unwrap();
    let (status, body) = (res.status(), res.json::<Value>().await.unwrap());
    graph_error(status, &body, 400, 100);
    let (status, body) = graph(
        &app,
        Some("tok-1"),
        Method::POST,
        "/v19.0/999/messages",
        Some(text.clone()),
    )
    .await;
    unknown_object(status, &body);
    let (status, body) = graph(
        &app,
        Some("tok-1"),
        Method::POST,
        &format!("/v19.0/{N1}/nothing/here"),
        None,
    )
    .await;
    graph_error(status, &body, 400, 100);
    let (status, body) = graph(&app, Some("tok-1"), Method::PUT, &path, None).await;
    graph_error(status, &body, 405, 100);
    // On-Prem routes are untouched by the Graph ones.
    let (status, body) = app.get("/v1/nothing").await;
    assert_error(status, &body, 404, 1006);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_answer_130429_131056_and_131030() {
    let (app, _rx, cfg) = cloud_app().await;
    let mut numbers = cfg["numbers"].clone();
    numbers[0]["throughput_mps"] = json!(1);
    numbers[1]["allowed_recipients"] = json!(["16315551020"]);
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"numbers": numbers})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let text = |to: &str| json!({"to": to, "text": {"body": "x"}});
    let (status, _) = send(&app, N1, "v19.0", text("16315551021")).await;
    assert_eq!(status, 200);
    let (status, body) = send(&app, N1, "v19.0", text("16315551022")).await;
    graph_error(status, &body, 400, 130429);
    // The allow-list of a test number.
    let (status, body) = send(&app, N2, "v19.0", text("16315551023")).await;
    graph_error(status, &body, 400, 131030);
    let (status, body) = send(&app, N2, "v19.0", text("16315551020")).await;
    assert_eq!(status, 200, "{body}");
    // The pair limit: bursts of 45 to one user, then 131056.
    numbers[1]["allowed_recipients"] = Value::Null;
    numbers[1]
        .as_object_mut()
        .unwrap()
        .remove("allowed_recipients");
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"numbers": numbers})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut codes = Vec::new();
    for _ in 0..46 {
        let (status, body) = send(&app, N2, "v19.0", text("16315551024")).await;
        codes.push(if status == 200 {
            0
        } else {
            body["error"]["code"].as_u64().unwrap()
        });
    }
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 45, "{codes:?}");
    assert_eq!(codes.last(), Some(&131056));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_type_is_accepted() {
    let (app, _rx, _) = cloud_app().await;
    let upload = upload(&app, "image/jpeg", b"\xff\xd8\xff jpeg").await;
    let bodies = [
        json!({"type": "text", "text": {"body": "hi", "preview_url": true}}),
        json!({"type": "image", "image": {"id": upload, "caption": "c"}}),
        json!({"type": "image", "image": {"link": "https://example.com/a.jpg"}}),
        json!({"type": "video", "video": {"link": "https://example.com/a.mp4", "caption": "v"}}),
        json!({"type": "audio", "audio": {"link": "https://example.com/a.ogg"}}),
        json!({"type": "document", "document": {"link": "https://example.com/a.pdf", "filename": "a.pdf", "caption": "d"}}),
        json!({"type": "sticker", "sticker": {"link": "https://example.com/a.webp"}}),
        json!({"type": "location", "location": {"latitude": 52.5, "longitude": 13.4, "name": "HQ", "address": "Street 1"}}),
        json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "Ann Lee", "first_name": "Ann"}, "phones": [{"phone": "+1 631 555 1001", "type": "WORK", "wa_id": "16315551001"}]}]}),
        json!({"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}),
        json!({"type": "text", "context": {"message_id": "wamid.Y"}, "text": {"body": "a reply"}}),
        json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]}}}),
        json!({"type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick"}, "action": {"button": "Open", "sections": [{"title": "S", "rows": [{"id": "r1", "title": "Row", "description": "d"}]}]}}}),
        json!({"type": "interactive", "interactive": {"type": "cta_url", "body": {"text": "See"}, "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://example.com"}}}}),
        json!({"type": "interactive", "interactive": {"type": "location_request_message", "body": {"text": "Where?"}, "action": {"name": "send_location"}}}),
        json!({"type": "interactive", "interactive": {"type": "flow", "body": {"text": "Form"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "123", "flow_cta": "Open", "mode": "draft"}}}}),
        json!({"type": "interactive", "interactive": {"type": "product", "body": {"text": "Item"}, "action": {"catalog_id": "c1", "product_retailer_id": "p1"}}}),
        json!({"type": "interactive", "interactive": {"type": "product_list", "header": {"type": "text", "text": "Items"}, "body": {"text": "All"}, "action": {"catalog_id": "c1", "sections": [{"title": "S", "product_items": [{"product_retailer_id": "p1"}]}]}}}),
        json!({"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ann"}]}, {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "yes"}]}]}}),
    ];
    for (n, mut body) in bodies.into_iter().enumerate() {
        body["to"] = json!(format!("1631555{:04}", 2000 + n));
        let (status, answer) = send(&app, N1, "v22.0", body.clone()).await;
        assert_eq!(status, 200, "{body} -> {answer}");
        assert!(answer["messages"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("wamid."));
    }
}

/// Uploads through the Graph media route (multipart); answers the media id.
async fn upload(app: &Api, mime: &str, bytes: &[u8]) -> String {
    let (status, body) = upload_raw(app, mime, bytes).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn upload_raw(app: &Api, mime: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let mut body = Vec::new();
    body.extend_from_slice(b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n");
    body.extend_from_slice(
        format!("--BOUNDARY\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n{mime}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(format!("--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--BOUNDARY--\r\n");
    let res = app
        .client
        .post(format!("{}/v21.0/{N1}/media", app.base))
        .bearer_auth("tok-1")
        .header("content-type", "multipart/form-data; boundary=BOUNDARY")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_upload_metadata_download_and_delete() {
    let (app, _rx, _) = cloud_app().await;
    let id = upload(&app, "image/png", b"\x89PNG fake").await;
    let (status, meta) = graph(
        &app,
        Some("tok-1"),
        Method::GET,
        &format!("/v21.0/{id}?phone_number_id={N1}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{meta}");
    assert_eq!(meta["mime_type"], "image/png");
    assert_eq!(meta["file_size"], "9");
    assert_eq!(meta["id"], id.as_str());
    let url = meta["url"].as_str().unwrap();
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 401, "the download needs the token");
    let res = app
        .client
        .get(url)
        .bearer_auth("tok-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"\x89PNG fake");
    let res = app
        .client
        .get(url.replace("hash=", "hash=0"))
        .bearer_auth("tok-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (status, body) = graph(
        &app,
        Some("tok-1"),
        Method::DELETE,
        &format!("/v21.0/{id}"),
        None,
    )
    .await;
    assert_eq!((status.as_u16(), body), (200, json!({"success": true})));
    let (status, body) = graph(
        &app,
        Some("tok-1"),
        Method::GET,
        &format!("/v21.0/{id}"),
        None,
    )
    .await;
    unknown_object(status, &body);
    // Per-type limits: a sticker over 500 KB is refused (131053).
    let (status, body) = upload_raw(&app, "image/webp", &vec![0u8; 600 * 1024]).await;
    graph_error(status, &body, 400, 131053);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_on_graph_routes_answer_the_graph_envelope_never_5xx() {
    let (app, _rx, _) = cloud_app().await;
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"text\"".to_vec(),
        vec![0xff, 0xfe, 0x00],
        b"{\"messaging_product\":\"whatsapp\",\"to\":{},\"type\":[]}".to_vec(),
        b"{\"messaging_product\":\"whatsapp\",\"to\":\"1\",\"type\":\"interactive\",\"interactive\":{\"type\":\"flow\"}}".to_vec(),
        b"{\"messaging_product\":\"whatsapp\",\"status\":\"read\",\"message_id\":7}".to_vec(),
        format!("{{\"messaging_product\":\"whatsapp\",\"to\":\"{}\"}}", "9".repeat(5000)).into_bytes(),
    ];
    let paths = [
        format!("/v19.0/{N1}/messages"),
        format!("/v19.0/{N1}/media"),
        "/v19.0/x".into(),
        "/whatsapp_business/attachments/?mid=1&ext=x".into(),
    ];
    for path in &paths {
        for body in &bodies {
            for content_type in [
                "application/json",
                "multipart/form-data; boundary=x",
                "text/plain",
            ] {
                let res = app
                    .client
                    .post(format!("{}{path}", app.base))
                    .bearer_auth("tok-1")
                    .header("content-type", content_type)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let v: Value = res.json().await.unwrap_or(Value::Null);
                assert!(
                    (400..500).contains(&status),
                    "{path} {content_type} -> {status} {v}"
                );
                assert!(
                    v["error"]["code"].is_u64() && v["error"]["message"].is_string(),
                    "{path}: {v}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_can_answer_429_as_older_meta_pages_say() {
    let app = spawn_with(|c| c.cloud_throttle_http_status = 429).await;
    let (_, cfg) = app.get("/v1/emulator/cloud").await;
    let token = cfg["cloud"]["access_tokens"][0]
        .as_str()
        .unwrap()
        .to_string();
    let mut numbers = cfg["cloud"]["numbers"].clone();
    numbers[0]["throughput_mps"] = json!(1);
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"numbers": numbers})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let path = format!(
        "/v19.0/{}/messages",
        numbers[0]["phone_number_id"].as_str().unwrap()
    );
    let text = json!({"messaging_product": "whatsapp", "to": "16315551030", "text": {"body": "x"}});
    let (status, _) = graph(&app, Some(&token), Method::POST, &path, Some(text.clone())).await;
    assert_eq!(status, 200);
    let (status, body) = graph(&app, Some(&token), Method::POST, &path, Some(text)).await;
    graph_error(status, &body, 429, 130429);
}
