//! Profile about and photo, business profile, media providers, support and `/v1/metrics`:
//! set then get, and bad input answered with its code and nothing stored.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// A PNG as the emulator checks it (by signature); the rest is opaque bytes.
pub fn png(seed: u8) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend((0..64).map(|i| i ^ seed));
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn about_is_set_then_read_and_bad_text_is_refused() {
    let app = spawn_emulator().await;
    let (status, body) = app.get("/v1/settings/profile/about").await;
    assert_eq!(status, 200);
    assert_eq!(body["settings"]["profile"]["about"]["text"], "");
    let text = "Open 9-5, answers within the hour ✓";
    let (status, body) = app
        .patch("/v1/settings/profile/about", json!({"text": text}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app.get("/v1/settings/profile/about").await;
    assert_eq!(body["settings"]["profile"]["about"]["text"], text);
    assert!(body["meta"]["version"].is_string());

    for (bad, code) in [
        (json!({"text": "x".repeat(140)}), 1009),
        (json!({"text": ""}), 1009),
        (json!({"text": 5}), 1009),
        (json!({}), 1008),
        (json!({"text": "ok", "emoji": true}), 1010),
    ] {
        let (status, answer) = app.patch("/v1/settings/profile/about", bad).await;
        assert_error(status, &answer, 400, code);
    }
    let (_, body) = app.get("/v1/settings/profile/about").await;
    assert_eq!(
        body["settings"]["profile"]["about"]["text"], text,
        "nothing stored"
    );
    let (status, _) = app
        .patch(
            "/v1/settings/profile/about",
            json!({"text": "x".repeat(139)}),
        )
        .await;
    assert_eq!(status, 200, "139 characters is the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photo_upload_download_link_and_delete() {
    let app = spawn_emulator().await;
    let (status, body) = app.get("/v1/settings/profile/photo").await;
    assert_error(status, &body, 404, 1006);

    let (status, body) = app
        .raw(
            Method::POST,
            "/v1/settings/profile/photo",
            Some("image/png"),
            png(1),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let res = app
        .send_authed(Method::GET, "/v1/settings/profile/photo")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png(1));

    let (status, body) = app.get("/v1/settings/profile/photo?format=link").await;
    assert_eq!(status, 200, "{body}");
    let link = body["settings"]["profile"]["photo"]["link"]
        .as_str()
        .unwrap()
        .to_string();
    let public = app.client.get(&link).send().await.unwrap();
    assert_eq!(public.status(), 200, "the link needs no token");
    assert_eq!(public.bytes().await.unwrap().to_vec(), png(1));
    let (status, body) = app.get("/v1/settings/profile/photo?format=url").await;
    assert_error(status, &body, 400, 1009);

    // Not an image, and an empty body: refused, the photo stays.
    let (status, body) = app
        .raw(
            Method::POST,
            "/v1/settings/profile/photo",
            Some("image/gif"),
            b"GIF89a....".to_vec(),
        )
        .await;
    assert_error(status, &body, 400, 1009);
    let (status, body) = app
        .raw(
            Method::POST,
            "/v1/settings/profile/photo",
            Some("image/png"),
            Vec::new(),
        )
        .await;
    assert_error(status, &body, 400, 1008);
    let res = app
        .send_authed(Method::GET, "/v1/settings/profile/photo")
        .await;
    assert_eq!(res.bytes().await.unwrap().to_vec(), png(1));

    // The Postman collection's multipart form with a `File` part.
    let boundary = "XyZ";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"File\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    form.extend(png(2));
    form.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let (status, body) = app
        .raw(Method::POST, "/v1/settings/profile/photo", Some(&ct), form)
        .await;
    assert_eq!(status, 200, "{body}");
    let res = app
        .send_authed(Method::GET, "/v1/settings/profile/photo")
        .await;
    assert_eq!(res.bytes().await.unwrap().to_vec(), png(2));

    let (status, _) = app
        .call(Method::DELETE, "/v1/settings/profile/photo", None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.get("/v1/settings/profile/photo").await;
    assert_error(status, &body, 404, 1006);
    assert_eq!(app.client.get(&link).send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_profile_updates_are_partial_and_checked() {
    let app = spawn_emulator().await;
    let (_, body) = app.get("/v1/settings/business/profile").await;
    assert_eq!(
        body["settings"]["business"]["profile"],
        json!({"address":"","description":"","email":"","vertical":"","websites":[]})
    );
    let full = json!({
        "address": "1 Hacker Way, Menlo Park",
        "description": "We answer on WhatsApp",
        "email": "help@example.test",
        "vertical": "Retail",
        "websites": ["https://example.test", "https://shop.example.test/x"]
    });
    let (status, body) = app
        .post("/v1/settings/business/profile", full.clone())
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/v1/settings/business/profile",
            json!({"vertical": "Travel"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut want = full.clone();
    want["vertical"] = json!("Travel");
    assert_eq!(
        app.get("/v1/settings/business/profile").await.1["settings"]["business"]["profile"],
        want
    );

    for (bad, code, field) in [
        (
            json!({"websites": ["https://a.test", "https://b.test", "https://c.test"]}),
            1009,
            "websites",
        ),
        (json!({"websites": ["not a url"]}), 1009, "websites[0]"),
        (json!({"email": "nobody"}), 1009, "email"),
        (json!({"address": "a".repeat(257)}), 1009, "address"),
        (json!({"description": "d".repeat(257)}), 1009, "description"),
        (json!({"vertical": "v".repeat(129)}), 1009, "vertical"),
        (json!({"about": "x"}), 1010, "about"),
        (json!({"email": 3}), 1009, "email"),
    ] {
        let (status, answer) = app.post("/v1/settings/business/profile", bad).await;
        assert_error(status, &answer, 400, code);
        let details = answer["errors"][0]["details"].as_str().unwrap();
        assert!(details.starts_with(field), "{details}");
    }
    assert_eq!(
        app.get("/v1/settings/business/profile").await.1["settings"]["business"]["profile"],
        want,
        "nothing stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_providers_are_listed_added_and_deleted() {
    let app = spawn_emulator().await;
    let path = "/v1/settings/application/media/providers";
    let (_, body) = app.get(path).await;
    assert_eq!(
        body["settings"]["application"]["media"]["providers"],
        json!([])
    );
    let list = json!([
        {"name":"cdn","type":"www","config":{"bearer":"tok"}},
        {"name":"intranet","type":"www","config":{"basic":{"username":"u","password":"p"}}}
    ]);
    let (status, body) = app.post(path, list.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.get(path).await.1["settings"]["application"]["media"]["providers"],
        list
    );
    let (_, settings) = app.get("/v1/settings/application").await;
    assert_eq!(
        settings["settings"]["application"]["media"]["providers"],
        list
    );

    // A provider of a known name is replaced.
    let replaced = json!({"name":"cdn","type":"www","config":{"bearer":"tok2"}});
    assert_eq!(app.post(path, json!([replaced])).await.0, 200);
    let (_, body) = app.get(path).await;
    assert_eq!(
        body["settings"]["application"]["media"]["providers"],
        json!([list[1], replaced])
    );

    for (bad, code) in [
        (
            json!([{"name":"x","type":"s3","config":{"bearer":"t"}}]),
            1009,
        ),
        (json!([{"type":"www","config":{"bearer":"t"}}]), 1008),
        (
            json!([{"name":"x","type":"www","config":{"bearer":"t","basic":{"username":"u","password":"p"}}}]),
            1010,
        ),
        (
            json!([{"name":"x","type":"www","config":{"token":"t"}}]),
            1010,
        ),
        (json!({"name":"x"}), 1009),
    ] {
        let (status, answer) = app.post(path, bad).await;
        assert_error(status, &answer, 400, code);
    }
    let (status, body) = app
        .call(Method::DELETE, &format!("{path}/intranet"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(Method::DELETE, &format!("{path}/intranet"), None)
        .await;
    assert_error(status, &body, 404, 1006);
    assert_eq!(
        app.get(path).await.1["settings"]["application"]["media"]["providers"],
        json!([replaced])
    );

    // The settings PATCH takes the same field; DELETE of the settings clears it.
    let patch =
        json!({"media": {"providers": [{"name":"p2","type":"www","config":{"bearer":"b"}}]}});
    assert_eq!(app.patch("/v1/settings/application", patch).await.0, 200);
    assert_eq!(
        app.get(path).await.1["settings"]["application"]["media"]["providers"][0]["name"],
        "p2"
    );
    assert_eq!(
        app.call(Method::DELETE, "/v1/settings/application", None)
            .await
            .0,
        200
    );
    assert_eq!(
        app.get(path).await.1["settings"]["application"]["media"]["providers"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_and_v1_metrics_answer_from_the_emulator_state() {
    let app = spawn_emulator().await;
    let (status, body) = app.get("/v1/support").await;
    assert_eq!(status, 200, "{body}");
    let support = &body["support"];
    assert_eq!(support["debug_info"], "16315551000");
    assert_eq!(support["socket_conn"], "UP");
    assert_eq!(support["multi_connect"], false);
    assert!(support["description"]
        .as_str()
        .unwrap()
        .starts_with("wa-onprem-emulator"));

    let metrics = |path: &'static str| {
        let app = &app;
        async move {
            let res = app.send_authed(Method::GET, path).await;
            assert_eq!(res.status(), 200);
            let ct = res.headers()["content-type"].to_str().unwrap().to_string();
            (ct, res.text().await.unwrap())
        }
    };
    let (ct, v1) = metrics("/v1/metrics").await;
    let (ct_root, root) = metrics("/metrics").await;
    assert_eq!(ct, ct_root);
    assert!(
        v1.contains("callback_queue_size") && v1.ends_with("# EOF\n"),
        "{v1}"
    );
    let families = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("# TYPE"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        families(&v1),
        families(&root),
        "the same metrics as /metrics"
    );
    let unauth = app
        .client
        .get(format!("{}/v1/metrics", app.base))
        .send()
        .await
        .unwrap();
    let status = unauth.status();
    let body: Value = unauth.json().await.unwrap_or(Value::Null);
    assert_error(status, &body, 401, 1005);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_routes_need_the_admin_role() {
    let app = spawn_emulator().await;
    app.post(
        "/v1/users",
        json!({"username":"agent","password":"Passw0rd!"}),
    )
    .await;
    let (_, body) = app.login("agent", "Passw0rd!").await;
    let user = body["users"][0]["token"].as_str().unwrap().to_string();
    for (method, path) in [
        (Method::GET, "/v1/settings/profile/about"),
        (Method::PATCH, "/v1/settings/profile/about"),
        (Method::GET, "/v1/settings/profile/photo"),
        (Method::POST, "/v1/settings/profile/photo"),
        (Method::DELETE, "/v1/settings/profile/photo"),
        (Method::GET, "/v1/settings/business/profile"),
        (Method::POST, "/v1/settings/business/profile"),
        (Method::GET, "/v1/settings/application/media/providers"),
        (Method::POST, "/v1/settings/application/media/providers"),
        (Method::DELETE, "/v1/settings/application/media/providers/x"),
        (Method::POST, "/v1/settings/backup"),
        (Method::POST, "/v1/settings/restore"),
        (Method::POST, "/v1/certificates/external"),
    ] {
        let (status, body) = app.call_as(&user, method, path, Some(json!({}))).await;
        assert_error(status, &body, 403, 1005);
    }
}
