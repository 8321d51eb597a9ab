//! Zender's API beyond single SMS: WhatsApp chats (text, media_url, document_url, multipart file
//! uploads), bulk SMS, the account lists, USSD with the webhook that follows, OTP, the old answer
//! variant and the plain-HTTP listener; driven by the PHP client of zender_api.rs.

use crate::helpers::*;
use crate::php::PhpReceiver;
use crate::zender_api::{configure, with_secret, Client, ACCOUNT, DEVICE, SECRET};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_chats_text_media_documents_and_uploads() {
    let app = spawn_emulator().await;
    configure(&app, json!([]), json!({})).await;
    let z = Client::new(&app);
    let chat = |extra: Value| {
        let mut f = with_secret(
            json!({"account": ACCOUNT, "recipient": "+639123456789", "message": "Hello"}),
        );
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            f[k] = v;
        }
        f
    };
    let v = z.run("multipart", "send/whatsapp", chat(json!({}))).await;
    let text_id = v["result"]["data"]["messageId"].clone();
    assert_eq!(
        v["raw"],
        format!(
            r#"{{"status":200,"message":"WhatsApp chat has been queued for sending!","data":{{"messageId":{text_id}}}}}"#
        )
    );
    let media = z
        .call("form", "send/whatsapp", chat(json!({"type": "media", "media_url": "https://example.com/a.png", "media_type": "image"})))
        .await;
    assert_eq!(media["status"], 200, "{media}");
    let doc = z
        .call(
            "query",
            "send/whatsapp",
            chat(
                json!({"type": "document", "document_url": "https://example.com/a.pdf",
            "document_name": "a.pdf", "document_type": "pdf", "priority": "1.0"}),
            ),
        )
        .await;
    assert_eq!(doc["message"], "WhatsApp chat has been sent!", "{doc}");
    // A multipart upload (CURLFile), then its attachment URL serves the same bytes.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("photo.png");
    std::fs::write(&file, b"\x89PNG fake bytes").expect("write");
    let up = z
        .call(
            "multipart",
            "send/whatsapp",
            chat(json!({"type": "media",
            "media_file": {"file": file, "type": "image/png"}})),
        )
        .await;
    assert_eq!(up["status"], 200, "{up}");
    let docfile = dir.path().join("report.exe");
    std::fs::write(&docfile, b"MZ").expect("write");
    let bad = z
        .call(
            "multipart",
            "send/whatsapp",
            chat(json!({"type": "document", "document_file": {"file": docfile}})),
        )
        .await;
    assert_eq!(
        bad,
        json!({"status": 400, "message": "Invalid Document File!", "data": false})
    );

    let sent = crate::zender_api::poll(&z, "get/wa.sent", json!({}), |l| {
        l["data"].as_array().is_some_and(|a| a.len() == 4)
    })
    .await;
    assert_eq!(sent["message"], "Sent WhatsApp Chats");
    let items = sent["data"].as_array().expect("items").clone();
    let by_id = |id: &Value| {
        items
            .iter()
            .find(|i| &i["id"] == id)
            .cloned()
            .expect("listed")
    };
    let t = by_id(&text_id);
    assert_eq!(t["account"], "+639760713666");
    assert_eq!(t["status"], "sent");
    assert_eq!(t["api"], true);
    assert_eq!(t["attachment"], false);
    assert_eq!(
        by_id(&media["data"]["messageId"])["attachment"],
        "https://example.com/a.png"
    );
    assert_eq!(
        by_id(&doc["data"]["messageId"])["attachment"],
        "https://example.com/a.pdf"
    );
    let url = by_id(&up["data"]["messageId"])["attachment"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(
        url.contains("/zender/uploads/") && url.ends_with("/photo.png"),
        "{url}"
    );
    let res = app.client.get(&url).send().await.expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(
        res.bytes().await.expect("bytes").as_ref(),
        b"\x89PNG fake bytes"
    );

    // Refusals.
    let refused = |s: u16, m: &str| json!({"status": s, "message": m, "data": false});
    for (fields, want) in [
        (
            chat(json!({"account": "ffffffffffffffffffffffffffffffff"})),
            refused(404, "WhatsApp account doesn't exist!"),
        ),
        (
            chat(json!({"recipient": "12"})),
            refused(400, "Invalid phone number!"),
        ),
        (
            chat(json!({"message": " "})),
            refused(400, "Chat message is too short!"),
        ),
        (
            chat(json!({"priority": "soon"})),
            refused(400, "Priority parameter must be an integer value!"),
        ),
        (
            chat(json!({"type": "media", "media_url": "not a url", "media_type": "image"})),
            refused(400, "You provided an invalid media url!"),
        ),
        (
            chat(
                json!({"type": "document", "document_url": "https://x.test/a", "document_name": "a", "document_type": "exe"}),
            ),
            refused(400, "Invalid Document File!"),
        ),
    ] {
        assert_eq!(
            z.call("multipart", "send/whatsapp", fields.clone()).await,
            want,
            "{fields}"
        );
    }
    let (_, b) = app.get("/v1/emulator/gateways/zender/messages").await;
    assert_eq!(
        b["whatsapp_sent"].as_array().map(Vec::len),
        Some(4),
        "nothing more stored"
    );
    // A disconnected account.
    configure(&app, json!([]), json!({"wa_status": "disconnected"})).await;
    assert_eq!(
        z.call("form", "send/whatsapp", chat(json!({}))).await,
        refused(500, "WhatsApp account is disconnected!")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_accounts_devices_credits_paging_and_the_old_variant_over_http() {
    let app = spawn_with(|c| c.http_addr = Some("127.0.0.1:0".parse().expect("addr"))).await;
    configure(
        &app,
        json!([]),
        json!({"credits": "798.634", "currency": "GBP", "created": 1645684231}),
    )
    .await;
    let z = Client::new(&app);
    let b = z
        .call("multipart", "send/sms.bulk", with_secret(json!({"mode": "devices", "device": DEVICE,
            "campaign": "Promo", "message": "Sale!", "numbers": "+639123456781,639123456782,12,+639123456783,+639123456784,+639123456785"})))
        .await;
    assert_eq!(
        b,
        json!({"status": 200, "message": "Bulk messages has been queued for sending!", "data": false})
    );
    let all = crate::zender_api::poll(&z, "get/sms.sent", json!({"limit": 50}), |l| {
        l["data"].as_array().is_some_and(|a| a.len() == 5)
    })
    .await;
    assert_eq!(
        all["data"].as_array().map(Vec::len),
        Some(5),
        "the invalid number is dropped: {all}"
    );
    // The paging quirk: page 2 starts at 2*limit.
    let ids = |l: &Value| {
        l["data"]
            .as_array()
            .map(|a| a.iter().map(|i| i["id"].clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let p1 = z
        .call(
            "query",
            "get/sms.sent",
            with_secret(json!({"limit": 2, "page": 1})),
        )
        .await;
    let p2 = z
        .call(
            "query",
            "get/sms.sent",
            with_secret(json!({"limit": "2.0", "page": 2})),
        )
        .await;
    assert_eq!(ids(&p1), ids(&all)[0..2]);
    assert_eq!(ids(&p2), ids(&all)[4..5], "page 2 skips a page");

    let credits = z.run("query", "get/credits", with_secret(json!({}))).await;
    assert_eq!(
        credits["raw"],
        r#"{"status":200,"message":"Remaining Credits","data":{"credits":"798.634","currency":"GBP"}}"#
    );
    let accounts = z
        .call("query", "get/wa.accounts", with_secret(json!({})))
        .await;
    assert_eq!(
        accounts,
        json!({"status": 200, "message": "WhatsApp Accounts", "data": [
        {"id": 1, "phone": "+639760713666", "unique": ACCOUNT, "status": "connected", "created": 1645684231}]})
    );
    let devices = z.call("query", "get/devices", with_secret(json!({}))).await;
    assert_eq!(devices["message"], "Android Devices");
    assert_eq!(devices["data"][0]["unique"], DEVICE);
    assert_eq!(devices["data"][0]["version"], "Android 11");

    // The older builds' answer: data false. Over the plain-HTTP listener too.
    configure(&app, json!([]), json!({"send_returns_id": false})).await;
    let port = app.http_port.expect("http listener");
    let res = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/zender/api/send/sms"))
        .form(&[
            ("secret", SECRET),
            ("mode", "devices"),
            ("device", DEVICE),
            ("phone", "+639123456789"),
            ("message", "x"),
        ])
        .send()
        .await
        .expect("http");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.expect("body"),
        r#"{"status":200,"message":"Message has been queued for sending!","data":false}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ussd_answers_with_a_webhook_and_otps_verify_once() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    let cfg = configure(
        &app,
        json!([{"url": php.url("/zender"), "events": ["ussd"]}]),
        json!({}),
    )
    .await;
    php.expect(json!({"zender_secret": cfg["secret"]}));
    let z = Client::new(&app);
    let u = z
        .call(
            "multipart",
            "send/ussd",
            with_secret(json!({"code": "*143#", "sim": "2.0", "device": DEVICE})),
        )
        .await;
    assert_eq!(
        u,
        json!({"status": 200, "message": "USSD request has been queued!", "data": false})
    );
    let got = php.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["valid"], true);
    assert_eq!(got[0]["type"], "ussd");
    assert_eq!(got[0]["data"]["code"], "*143#");
    assert_eq!(got[0]["data"]["sim"], "2");
    assert_eq!(got[0]["data"]["device"], DEVICE);
    assert_eq!(
        got[0]["data"]["response"],
        "Your request has been received."
    );
    let bad = z
        .call(
            "form",
            "send/ussd",
            with_secret(json!({"code": "*1#", "sim": 1, "device": "nope"})),
        )
        .await;
    assert_eq!(bad["message"], "Device doesn't exist!");

    let o = z
        .call(
            "multipart",
            "send/otp",
            with_secret(json!({"type": "sms", "mode": "devices", "device": DEVICE,
            "sim": 1, "phone": "+639123456789", "message": "Your OTP is {{otp}}"})),
        )
        .await;
    assert_eq!(o["message"], "OTP has been sent!", "{o}");
    let otp = o["data"]["otp"].as_u64().expect("otp");
    assert!((100_000..=999_999).contains(&otp));
    assert_eq!(o["data"]["message"], format!("Your OTP is {otp}"));
    assert_eq!(o["data"]["phone"], "+639123456789");
    let sms = z
        .call(
            "query",
            "get/sms.message",
            with_secret(json!({"id": o["data"]["messageId"], "type": "sent"})),
        )
        .await;
    assert_eq!(sms["data"]["message"], format!("Your OTP is {otp}"));
    let wrong = if otp == 999_999 { 100_000 } else { otp + 1 };
    let invalid = json!({"status": 403, "message": "OTP is invalid or expired!", "data": false});
    assert_eq!(
        z.call("query", "get/otp", with_secret(json!({"otp": wrong})))
            .await,
        invalid
    );
    assert_eq!(
        z.call("query", "get/otp", with_secret(json!({"otp": otp})))
            .await,
        json!({"status": 200, "message": "OTP has been verified!", "data": false})
    );
    assert_eq!(
        z.call("query", "get/otp", with_secret(json!({"otp": otp})))
            .await,
        invalid,
        "one use"
    );
    let wa = z
        .call(
            "form",
            "send/otp",
            with_secret(json!({"type": "whatsapp", "account": ACCOUNT,
            "phone": "+639123456789", "message": "Code {{otp}}"})),
        )
        .await;
    assert_eq!(wa["status"], 200, "{wa}");
    assert_eq!(
        z.call(
            "form",
            "send/otp",
            with_secret(json!({"type": "fax", "message": "x"}))
        )
        .await["status"],
        400
    );
}
