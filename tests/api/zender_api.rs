//! Zender's own HTTP API (`/zender/api/...`) driven by a PHP client written the way the product's
//! docs and official examples call it (tests/api/php/zender_client.php: curl with an array of
//! fields, form posts, query strings), with the webhooks that follow and the lists read back.

use crate::gateways::put;
use crate::helpers::*;
use crate::php::PhpReceiver;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub const SECRET: &str = "00112233445566778899aabbccddeeff00112233";
pub const DEVICE: &str = "00000000-0000-0000-d57d-f30cb6a89289";
pub const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";

/// The PHP client against one emulator.
pub struct Client {
    pub base: String,
    ca: PathBuf,
}

impl Client {
    pub fn new(app: &TestApp) -> Client {
        Client {
            base: format!("https://localhost:{}/zender/api", app.port),
            ca: app.dir.path().join("certs/ca.pem"),
        }
    }

    /// Runs the PHP client: `mode` is multipart, form, query or json; answers its JSON line.
    pub async fn run(&self, mode: &str, route: &str, fields: Value) -> Value {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/api/php/zender_client.php"
        );
        let url = format!("{}/{route}", self.base);
        let ca = self.ca.clone();
        let mode = mode.to_string();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("php")
                .args([script, &mode, &url, &fields.to_string()])
                .env("ZENDER_CA", ca)
                .output()
                .expect("php-cli with the curl extension (.ci/run installs them)")
        })
        .await
        .expect("php ran");
        let line = String::from_utf8_lossy(&out.stdout);
        let v: Value = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            panic!("php said: {line} {}", String::from_utf8_lossy(&out.stderr))
        });
        assert_eq!(v["http_status"], 200, "always HTTP 200: {v}");
        assert_eq!(v["content_type"], "text/html; charset=UTF-8", "{v}");
        assert_eq!(v["cors"], "*", "{v}");
        assert_eq!(v["reencoded_equal"], true, "PHP's json_encode bytes: {v}");
        v
    }

    /// `run` and the decoded answer.
    pub async fn call(&self, mode: &str, route: &str, fields: Value) -> Value {
        self.run(mode, route, fields).await["result"].clone()
    }
}

/// Adds the secret to a JSON object of fields.
pub fn with_secret(mut fields: Value) -> Value {
    fields["secret"] = json!(SECRET);
    fields
}

/// Configures Zender with a known key, device and WhatsApp account (plus `extra` API settings).
pub async fn configure(app: &TestApp, webhooks: Value, extra: Value) -> Value {
    let mut api = json!({"secret": SECRET, "wa_account": ACCOUNT});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        api[k] = v;
    }
    put(
        app,
        "zender",
        json!({"device": DEVICE, "wid": "+639760713666", "webhooks": webhooks, "api": api}),
    )
    .await
}

/// Polls a query route until `done` holds for its answer (5 s at most).
pub async fn poll(z: &Client, route: &str, fields: Value, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = z.call("query", route, with_secret(fields.clone())).await;
        if done(&got) || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

fn item<'a>(list: &'a Value, id: &Value) -> Option<&'a Value> {
    list["data"]
        .as_array()
        .and_then(|a| a.iter().find(|i| &i["id"] == id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_sms_as_the_docs_then_the_lists_follow_the_device() {
    let app = spawn_emulator().await;
    configure(&app, json!([]), json!({})).await;
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [
                {"number": "639170000470", "action": "fail", "code": 470},
                {"number": "639170000009", "action": "manual"}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let z = Client::new(&app);

    // The docs' PHP example: curl with the fields as an array (multipart).
    let fields = json!({"secret": SECRET, "mode": "devices", "device": DEVICE, "sim": 1,
        "priority": 1, "phone": "+639123456789", "message": "Hello World!"});
    let v = z.run("multipart", "send/sms", fields).await;
    let id = v["result"]["data"]["messageId"].clone();
    assert!(id.as_u64().is_some(), "{v}");
    assert_eq!(
        v["raw"],
        format!(
            r#"{{"status":200,"message":"Message has been queued for sending!","data":{{"messageId":{id}}}}}"#
        )
    );
    // The device fetches, sends and reports delivery: /get/sms.sent then lists it.
    let sent = poll(&z, "get/sms.sent", json!({}), |l| {
        item(l, &id).is_some_and(|i| i["status_code"] == "SMS_DELIVERED")
    })
    .await;
    assert_eq!(sent["status"], 200);
    assert_eq!(sent["message"], "Sent SMS Messages");
    let i = item(&sent, &id).expect("listed").clone();
    let keys: Vec<&String> = i.as_object().expect("object").keys().collect();
    assert_eq!(keys.len(), 12, "{i}");
    assert_eq!(i["mode"], "devices");
    assert_eq!(i["sender"], DEVICE);
    assert_eq!(i["sender_type"], "device");
    assert_eq!(i["sim"], 1);
    assert_eq!(
        i["priority"], false,
        "priority 1 lists as false (the product's quirk)"
    );
    assert_eq!(i["api"], true);
    assert_eq!(i["status"], "sent");
    assert_eq!(i["recipient"], "+639123456789");
    assert_eq!(i["message"], "Hello World!");
    let one = z
        .call(
            "query",
            "get/sms.message",
            with_secret(json!({"id": id, "type": "sent"})),
        )
        .await;
    assert_eq!(one["message"], "Message was found!");
    assert_eq!(one["data"], i);

    // A form post, integral floats, a number the rules fail, the old priority quirk.
    let v = z
        .call(
            "form",
            "send/sms",
            with_secret(json!({"mode": "devices", "device": DEVICE, "sim": "2.0",
                "priority": "2", "phone": "639170000470", "message": "{Hi|Hi} there"})),
        )
        .await;
    let failed_id = v["data"]["messageId"].clone();
    let sent = poll(&z, "get/sms.sent", json!({"limit": "10.0"}), |l| {
        item(l, &failed_id).is_some_and(|i| i["status"] == "failed")
    })
    .await;
    let f = item(&sent, &failed_id).expect("listed");
    assert_eq!(f["status_code"], "DELIVERY_FAILED");
    assert_eq!(
        (f["sim"].clone(), f["priority"].clone()),
        (json!(2), json!(true))
    );
    assert_eq!(f["recipient"], "+639170000470");
    assert_eq!(f["message"], "Hi there", "spintax expanded");
    // Newest first.
    assert_eq!(sent["data"][0]["id"], failed_id, "{sent}");

    // A query-string send to a number nobody answers for: it stays queued (pending list only).
    let v = z
        .call(
            "query",
            "send/sms",
            with_secret(json!({"mode": "devices", "device": DEVICE,
                "phone": "+639170000009", "message": "wait"})),
        )
        .await;
    let queued = v["data"]["messageId"].clone();
    let pending = z
        .call("query", "get/sms.pending", with_secret(json!({})))
        .await;
    assert_eq!(pending["message"], "Pending SMS Messages");
    let p = item(&pending, &queued).expect("pending");
    assert!(
        p.get("status").is_none() && p.get("status_code").is_none(),
        "{p}"
    );
    let sent = z
        .call("query", "get/sms.sent", with_secret(json!({})))
        .await;
    assert!(
        item(&sent, &queued).is_none(),
        "only reported rows are sent"
    );
    let one = z
        .call(
            "query",
            "get/sms.message",
            with_secret(json!({"id": queued, "type": "sent"})),
        )
        .await;
    assert_eq!(
        (
            one["data"]["status"].clone(),
            one["data"]["status_code"].clone()
        ),
        (json!("queued"), json!(false))
    );

    // The control API shows the same rows.
    let (s, b) = app.get("/v1/emulator/gateways/zender/messages").await;
    assert_eq!(s, 200, "{b}");
    crate::openapi::check(
        &crate::openapi::spec(),
        "get",
        "/v1/emulator/gateways/zender/messages",
        200,
        &b,
    );
    assert_eq!(b["sent"].as_array().map(Vec::len), Some(3), "{b}");

    // Delete a sent row: gone from the lists, a second delete finds nothing.
    let d = z
        .call("query", "delete/sms.sent", with_secret(json!({"id": id})))
        .await;
    assert_eq!(
        d,
        json!({"status": 200, "message": "Sent SMS has been deleted!", "data": false})
    );
    let d = z
        .call("query", "delete/sms.sent", with_secret(json!({"id": id})))
        .await;
    assert_eq!(d["status"], 404);
    let sent = z
        .call("query", "get/sms.sent", with_secret(json!({})))
        .await;
    assert!(item(&sent, &id).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_row_goes_queued_pending_sent() {
    let app = spawn_with(|c| {
        c.status_sent_ms = 1200;
        c.status_delivered_ms = 1800;
    })
    .await;
    configure(&app, json!([]), json!({})).await;
    let z = Client::new(&app);
    let v = z
        .call(
            "multipart",
            "send/sms",
            with_secret(json!({"mode": "devices", "device": DEVICE,
                "phone": "+639123456789", "message": "x"})),
        )
        .await;
    let id = v["data"]["messageId"].clone();
    // Polled with a plain HTTP client (a PHP process per poll is too slow for the windows).
    let url = format!(
        "{}/get/sms.message?secret={SECRET}&id={id}&type=sent",
        z.base
    );
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(8);
    while Instant::now() < deadline {
        let one: Value = app
            .client
            .get(&url)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let word = format!("{}/{}", one["data"]["status"], one["data"]["status_code"]);
        if seen.last() != Some(&word) {
            seen.push(word.clone());
        }
        if word.contains("SMS_DELIVERED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        seen,
        [
            "\"queued\"/false",
            "\"pending\"/false",
            "\"sent\"/\"SMS_SENT\"",
            "\"sent\"/\"SMS_DELIVERED\""
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_use_zenders_wording_and_store_nothing() {
    let app = spawn_emulator().await;
    let z = Client::new(&app);
    let refused =
        |status: u16, message: &str| json!({"status": status, "message": message, "data": false});
    // Not configured: no key exists.
    assert_eq!(
        z.call("query", "get/credits", with_secret(json!({}))).await,
        refused(401, "Invalid API secret supplied!")
    );
    configure(
        &app,
        json!([]),
        json!({"permissions": ["sms_send", "get_sms_sent", "get_sms_pending"]}),
    )
    .await;
    let ok = json!({"mode": "devices", "device": DEVICE, "phone": "+639123456789", "message": "m"});
    let with = |k: &str, v: Value| {
        let mut f = with_secret(ok.clone());
        if v.is_null() {
            f.as_object_mut().map(|o| o.remove(k));
        } else {
            f[k] = v;
        }
        f
    };
    let cases = [
        (
            json!({"mode": "devices"}),
            refused(400, "Invalid Parameters!"),
        ),
        (
            {
                let mut f = ok.clone();
                f["secret"] = json!("nope");
                f
            },
            refused(401, "Invalid API secret supplied!"),
        ),
        (
            with("mode", Value::Null),
            refused(400, "Invalid Parameters!"),
        ),
        (
            with("message", Value::Null),
            refused(400, "Invalid Parameters!"),
        ),
        (
            with("mode", json!("phone")),
            refused(400, "Invalid Parameters!"),
        ),
        (
            with("phone", json!("+12")),
            refused(400, "Invalid phone number!"),
        ),
        (
            with("message", json!("")),
            refused(400, "Message is too short!"),
        ),
        (
            with("message", json!("x".repeat(1001))),
            refused(400, "Message is too long!"),
        ),
        (
            with("device", Value::Null),
            refused(400, "Invalid Parameters!"),
        ),
        (
            with("sim", json!("one")),
            refused(400, "Sim parameter must be an integer value!"),
        ),
        (
            with("sim", json!("1.5")),
            refused(400, "Sim parameter must be an integer value!"),
        ),
        (
            with("priority", json!("high")),
            refused(400, "Priority parameter must be an integer value!"),
        ),
        (
            with("device", json!("00000000-0000-0000-0000-000000000000")),
            refused(404, "Device doesn't exist!"),
        ),
        (
            with("mode", json!("credits")),
            refused(400, "Invalid Parameters!"),
        ),
        (
            {
                let mut f = with("mode", json!("credits"));
                f["gateway"] = json!(7);
                f
            },
            refused(404, "Specified gateway doesn't exist!"),
        ),
    ];
    for (fields, want) in cases {
        let got = z.call("multipart", "send/sms", fields.clone()).await;
        assert_eq!(got, want, "{fields}");
    }
    // A JSON body is not read (PHP's $_REQUEST holds no JSON): no secret at all.
    assert_eq!(
        z.call("json", "send/sms", with_secret(ok.clone())).await,
        refused(400, "Invalid Parameters!")
    );
    // Permissions: the key may not send WhatsApp nor read credits.
    let wa = with_secret(json!({"account": ACCOUNT, "recipient": "+639123456789", "message": "x"}));
    assert_eq!(
        z.call("form", "send/whatsapp", wa).await,
        refused(
            403,
            "This API key doesn't have permission to use this endpoint!"
        )
    );
    assert_eq!(
        z.call("query", "get/credits", with_secret(json!({}))).await,
        refused(
            403,
            "This API key doesn't have permission to use this endpoint!"
        )
    );
    assert_eq!(
        z.call("query", "get/sms.sent", with_secret(json!({"page": "x"})))
            .await,
        refused(400, "Invalid Parameters!")
    );
    // Unknown services: the secret is checked first, then the endpoint.
    for (route, want) in [
        ("send/sms.later", refused(500, "Invalid API Endpoint!")),
        ("get/everything", refused(500, "Invalid API Endpoint!")),
        ("delete/sms.campaign", refused(400, "Invalid API Endpoint!")),
    ] {
        assert_eq!(
            z.call("query", route, with_secret(json!({}))).await,
            want,
            "{route}"
        );
        assert_eq!(
            z.call("form", route, json!({})).await,
            refused(400, "Invalid Parameters!")
        );
    }
    // Nothing was stored.
    for route in ["get/sms.sent", "get/sms.pending"] {
        let l = z.call("query", route, with_secret(json!({}))).await;
        assert_eq!(l["data"], json!([]), "{route}: {l}");
    }
    let (_, b) = app.get("/v1/emulator/gateways/zender/messages").await;
    assert_eq!(b["sent"], json!([]), "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn received_lists_hold_the_webhooks_ids_and_reset_clears_them() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    let cfg = configure(
        &app,
        json!([{"url": php.url("/zender"), "events": ["sms", "whatsapp"]}]),
        json!({}),
    )
    .await;
    php.expect(json!({"zender_secret": cfg["secret"]}));
    let z = Client::new(&app);
    crate::gateways::fire(
        &app,
        "zender",
        json!({"event": "sms", "data": {"phone": "+639760713666", "message": "Hi é"}}),
    )
    .await;
    crate::gateways::fire(&app, "zender", json!({"event": "whatsapp", "data": {"phone": "+639760666713", "message": "Yo", "attachment": "https://x.test/a.jpg"}})).await;
    let got = php.wait_for(2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    let sms_id: u64 = got[0]["data"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("data[id]");
    let wa_id: u64 = got[1]["data"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("data[id]");
    let received = z
        .call("query", "get/sms.received", with_secret(json!({})))
        .await;
    assert_eq!(received["message"], "Received SMS Messages");
    assert_eq!(
        received["data"],
        json!([{"id": sms_id, "device": DEVICE, "sender": "+639760713666", "message": "Hi é",
            "created": got[0]["data"]["timestamp"].as_str().and_then(|s| s.parse::<u64>().ok())}])
    );
    let one = z
        .call(
            "query",
            "get/sms.message",
            with_secret(json!({"id": sms_id, "type": "received"})),
        )
        .await;
    assert_eq!(one["data"], received["data"][0]);
    let chats = z
        .call("query", "get/wa.received", with_secret(json!({})))
        .await;
    assert_eq!(chats["message"], "Received WhatsApp Chats");
    assert_eq!(chats["data"][0]["id"], wa_id);
    assert_eq!(chats["data"][0]["account"], "+639760713666");
    assert_eq!(chats["data"][0]["recipient"], "+639760666713");
    assert_eq!(chats["data"][0]["attachment"], "https://x.test/a.jpg");

    let d = z
        .call(
            "form",
            "delete/wa.received",
            with_secret(json!({"id": format!("{wa_id}.0")})),
        )
        .await;
    assert_eq!(d["message"], "Received WhatsApp chat has been deleted!");
    let d = z
        .call(
            "form",
            "delete/sms.received",
            with_secret(json!({"id": sms_id})),
        )
        .await;
    assert_eq!(d["message"], "Received SMS has been deleted!");
    assert_eq!(
        z.call("query", "get/sms.received", with_secret(json!({})))
            .await["data"],
        json!([])
    );
    let d = z
        .call(
            "form",
            "delete/sms.received",
            with_secret(json!({"id": "x"})),
        )
        .await;
    assert_eq!(d["status"], 400);

    // Reset forgets the configuration (and with it the key) and every row.
    crate::gateways::fire(
        &app,
        "zender",
        json!({"event": "sms", "data": {"phone": "+1555", "message": "x"}}),
    )
    .await;
    let (s, _) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(s, 200);
    configure(&app, json!([]), json!({})).await;
    assert_eq!(
        z.call("query", "get/sms.received", with_secret(json!({})))
            .await["data"],
        json!([])
    );
}
