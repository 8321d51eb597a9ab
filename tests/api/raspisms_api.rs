//! RaspiSMS's own API (`/raspisms/api/...`) driven by PHP clients written as its documentation
//! calls it (form posts with numbers[], multipart, the X-Api-Key header or the api_key parameter),
//! over HTTPS and plain HTTP: the scheduled id of a POST comes back as `originating_scheduled` in
//! the `send_sms` webhooks, one sended row per recipient; refusals store nothing.

use crate::gateways::{fire, put};
use crate::helpers::*;
use crate::openapi::{check, spec};
use crate::php::PhpReceiver;
use crate::smsgateway24_api::run_client;
use reqwest::Method;
use serde_json::{json, Value};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn client_env(base: String, app: &TestApp) -> Vec<(String, String)> {
    vec![
        ("RASPISMS_BASE".into(), base),
        ("RASPISMS_KEY".into(), KEY.into()),
        ("RASPISMS_PHONE".into(), "3".into()),
        (
            "EMU_CA".into(),
            app.dir.path().join("certs/ca.pem").display().to_string(),
        ),
    ]
}

async fn configure(app: &TestApp, php: &PhpReceiver) {
    put(
        app,
        "raspisms",
        json!({"api_key": KEY, "id_phone": 3, "webhooks": [
            {"url": php.url("/raspisms"), "type": "send_sms"},
            {"url": php.url("/raspisms"), "type": "send_sms_status_change"},
            {"url": php.url("/raspisms"), "type": "receive_sms"}]}),
    )
    .await;
    php.expect(json!({ "raspisms_key": KEY }));
}

fn envelope(response: &str) -> String {
    format!(r#"{{"error":0,"message":null,"response":{response},"next":null,"prev":null}}"#)
}

fn failure(code: u32, message: &str) -> String {
    format!(
        r#"{{"error":{code},"message":{},"response":null,"next":null,"prev":null}}"#,
        serde_json::to_string(message).expect("json")
    )
}

/// The `(status, raw body)` a PHP client saw.
fn seen(v: &Value, call: &str) -> (u64, String) {
    (
        v[call]["status"].as_u64().unwrap_or(0),
        v[call]["raw"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_php_backend_schedules_cancels_and_reads_back_through_raspisms() {
    let app = spawn_with(|c| c.http_addr = Some("127.0.0.1:0".parse().expect("addr"))).await;
    let php = PhpReceiver::start().await;
    configure(&app, &php).await;
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [{"number": "33687654321", "action": "fail", "code": 470}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let https = format!("https://localhost:{}/raspisms", app.port);
    let out = run_client("raspisms_send.php", client_env(https, &app)).await;
    let spec = spec();

    let now = out["now"]["json"]["response"]
        .as_u64()
        .expect("a scheduled id");
    assert_eq!(seen(&out, "now"), (201, envelope(&now.to_string())));
    assert_eq!(out["now"]["content_type"], "application/json");
    check(
        &spec,
        "post",
        "/raspisms/api/scheduled/",
        201,
        &out["now"]["json"],
    );
    let later = out["later"]["json"]["response"]
        .as_u64()
        .expect("a scheduled id");
    assert_eq!(out["later"]["status"], 201);
    // The later one is listed with its number and templating data until it is deleted.
    let scheduled = &out["scheduled"]["json"]["response"];
    let row = scheduled
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == later))
        .expect("the later one is scheduled");
    assert_eq!(row["numbers"][0]["number"], "+33611111111");
    assert_eq!(row["numbers"][0]["data"], r#"{"name":"Ada"}"#);
    assert_eq!(row["id_phone"], 3);
    assert_eq!(row["flash"], 1);
    assert_eq!(row["at"], "2099-01-01 10:00:00");
    check(
        &spec,
        "get",
        "/raspisms/api/list/{entry_type}/",
        200,
        &out["scheduled"]["json"],
    );
    assert_eq!(seen(&out, "delete"), (204, String::new()));
    assert_eq!(
        seen(&out, "delete_again"),
        (400, failure(32, "Cannot delete this entry."))
    );
    let quick = out["send_sms"]["json"]["response"]
        .as_u64()
        .expect("a scheduled id");
    assert_eq!(seen(&out, "send_sms"), (200, envelope(&quick.to_string())));

    // One send_sms per recipient (the invalid number dropped), carrying the scheduled id, then
    // the status change: delivered, or failed for the number the rule fails.
    let got = php.wait_for(6).await;
    assert!(got.iter().all(|r| r["valid"] == true), "{got:?}");
    let sends: Vec<&Value> = got
        .iter()
        .filter(|r| r["type"] == "send_sms")
        .map(|r| &r["body"])
        .collect();
    assert_eq!(sends.len(), 3, "{got:?}");
    let from_now: Vec<&&Value> = sends
        .iter()
        .filter(|b| b["originating_scheduled"] == now)
        .collect();
    let mut numbers: Vec<&str> = from_now
        .iter()
        .filter_map(|b| b["destination"].as_str())
        .collect();
    numbers.sort();
    assert_eq!(numbers, ["+33612345678", "+33687654321"]);
    assert!(from_now.iter().all(|b| b["text"] == "Café & <b>bold</b>"
        && b["status"] == "unknown"
        && b["origin"] == 3));
    assert!(sends
        .iter()
        .any(|b| b["originating_scheduled"] == quick && b["destination"] == "+33622222222"));
    assert!(
        !sends.iter().any(|b| b["originating_scheduled"] == later),
        "the deleted one never goes out"
    );
    let changes: Vec<&Value> = got
        .iter()
        .filter(|r| r["type"] == "send_sms_status_change")
        .map(|r| &r["body"])
        .collect();
    assert_eq!(changes.len(), 3);
    let failed_id = from_now
        .iter()
        .find(|b| b["destination"] == "+33687654321")
        .map(|b| b["id"].clone())
        .expect("the failing one");
    for c in &changes {
        let want = if c["id"] == failed_id {
            "failed"
        } else {
            "delivered"
        };
        assert_eq!(c["status"], want, "{c}");
    }

    // A received SMS (fired as the phone would) is listed with the id its webhook carries.
    fire(
        &app,
        "raspisms",
        json!({"event": "receive_sms", "data": {"text": "Stop & go", "origin": "+33699999999"}}),
    )
    .await;
    let got = php.wait_for(7).await;
    let received_id = got
        .iter()
        .find(|r| r["type"] == "receive_sms")
        .map(|r| r["body"]["id"].clone())
        .expect("a receive_sms webhook");

    // Read back over the plain-HTTP listener: absolute links use it.
    let http = format!(
        "http://127.0.0.1:{}/raspisms",
        app.http_port.expect("http port")
    );
    let read = run_client("raspisms_read.php", client_env(http, &app)).await;
    let sended = &read["sended"][0]["json"];
    check(
        &spec,
        "get",
        "/raspisms/api/list/{entry_type}/",
        200,
        sended,
    );
    let rows = sended["response"].as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(sended["next"], Value::Null);
    let by_id = |id: &Value| {
        rows.iter()
            .find(|r| &r["id"] == id)
            .expect("a sended row per webhook")
    };
    for s in &sends {
        let r = by_id(&s["id"]);
        assert_eq!(r["destination"], s["destination"]);
        assert_eq!(r["originating_scheduled"], s["originating_scheduled"]);
        assert_eq!(r["id_phone"], 3);
        assert_eq!(r["adapter"], "adapters\\TestAdapter");
    }
    assert_eq!(by_id(&failed_id)["status"], "failed");
    let first = rows
        .iter()
        .find(|r| r["originating_scheduled"] == now && r["id"] != failed_id)
        .expect("row");
    assert_eq!(first["status"], "delivered");
    assert_eq!(first["tag"], "promo-may");
    // The envelope is htmlspecialchars(json_encode(...)): the client gets the escaped text.
    assert_eq!(first["text"], "Café &amp; &lt;b&gt;bold&lt;/b&gt;");
    assert!(read["sended"][0]["raw"]
        .as_str()
        .is_some_and(|r| r.contains(r#""text":"Caf\u00e9 &amp; &lt;b&gt;bold&lt;\/b&gt;""#)));
    assert_eq!(
        read["scheduled"][0]["json"]["response"],
        json!([]),
        "processed and deleted ones are gone"
    );
    let received = &read["received"][0]["json"]["response"][0];
    assert_eq!(received["id"], received_id);
    assert_eq!(received["origin"], "+33699999999");
    assert_eq!(received["text"], "Stop &amp; go");
    assert_eq!(received["status"], "unread");
    assert_eq!(read["phone"][0]["json"]["response"][0]["id"], 3);
    assert_eq!(read["contact"][0]["json"]["response"], json!([]));
    assert_eq!(read["page1"]["json"]["response"], json!([]));
    assert_eq!(
        seen(&read, "usage"),
        (200, envelope(r#"{"total":2,"phones_volumes":{"3":2}}"#))
    );
    assert_eq!(read["usage_all"]["json"]["response"]["total"], 3);
    check(
        &spec,
        "get",
        "/raspisms/api/usage/",
        200,
        &read["usage"]["json"],
    );
    // The control API lists the same, newest first, with the statuses reached.
    let (st, list) = app.get("/v1/emulator/gateways/raspisms/messages").await;
    assert_eq!(st, 200, "{list}");
    check(
        &spec,
        "get",
        "/v1/emulator/gateways/raspisms/messages",
        200,
        &list,
    );
    let list = list["messages"].as_array().expect("messages").clone();
    assert_eq!(list.iter().filter(|m| m["direction"] == "sent").count(), 3);
    assert!(list
        .iter()
        .any(|m| m["direction"] == "received" && m["id"] == received_id));
    assert!(list.iter().any(|m| m["id"] == failed_id
        && m["status"] == "failed"
        && m["originating_scheduled"] == now));
    assert!(list
        .windows(2)
        .all(|w| w[0]["id"].as_u64() > w[1]["id"].as_u64()));
    let stats = read["stats"]["json"]["response"]
        .as_array()
        .expect("counts")
        .clone();
    check(
        &spec,
        "get",
        "/raspisms/api/stats/sms-status/",
        200,
        &read["stats"]["json"],
    );
    let count = |status: &str| {
        stats
            .iter()
            .filter(|r| r["status"] == status)
            .map(|r| r["nb"].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    assert_eq!((count("delivered"), count("failed")), (2, 1), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raspisms_lists_page_by_25_with_absolute_links() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    configure(&app, &php).await;
    let numbers: Vec<(String, String)> = (0..30)
        .map(|i| ("numbers[]".to_string(), format!("+3361000{i:04}")))
        .chain([("text".to_string(), "Bulk".to_string())])
        .collect();
    let res = app
        .client
        .post(format!("{}/raspisms/api/scheduled", app.base))
        .header("X-Api-Key", KEY)
        .form(&numbers)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 201);
    // The daemon takes it after --status-sent-ms: wait for the 30 send_sms.
    let got = php.wait_for(60).await;
    assert_eq!(got.iter().filter(|r| r["type"] == "send_sms").count(), 30);

    let base = format!("https://localhost:{}/raspisms", app.port);
    let read = run_client("raspisms_read.php", client_env(base.clone(), &app)).await;
    let pages = read["sended"].as_array().expect("pages");
    assert_eq!(pages.len(), 2, "{pages:?}");
    let first = &pages[0]["json"];
    let rows = first["response"].as_array().expect("rows");
    assert_eq!(rows.len(), 25);
    let last = rows[24]["id"].as_u64().expect("id");
    assert_eq!(
        first["next"],
        format!("{base}/api/list/sended/after/{last}/?api_key={KEY}")
    );
    assert_eq!(first["prev"], Value::Null);
    assert!(pages[0]["raw"]
        .as_str()
        .is_some_and(|r| r.contains(r#""next":"https:\/\/localhost:"#)));
    let second = &pages[1]["json"];
    let rest = second["response"].as_array().expect("rows");
    assert_eq!(rest.len(), 5);
    assert!(rest
        .iter()
        .all(|r| r["id"].as_u64().is_some_and(|id| id > last)));
    assert_eq!(second["next"], Value::Null);
    let first_of_second = rest[0]["id"].as_u64().expect("id");
    assert_eq!(
        second["prev"],
        format!("{base}/api/list/sended/before/{first_of_second}/?api_key={KEY}")
    );
    // Following prev gives the first page back.
    let prev = app
        .client
        .get(second["prev"].as_str().expect("prev"))
        .send()
        .await
        .expect("get");
    let prev: Value = prev.json().await.expect("json");
    assert_eq!(prev["response"], first["response"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raspisms_refusals_use_its_codes_and_store_nothing() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    configure(&app, &php).await;
    let base = format!("https://localhost:{}/raspisms", app.port);
    let out = run_client("raspisms_errors.php", client_env(base, &app)).await;
    let bad_key = failure(1, "Invalid API Key. Please provide a valid API key as GET or POST parameter \"api_key\" or a HTTP \"X-Api-Key\".");
    let invalid = |d: &str| format!("You have specified an invalid parameter : {d}");
    let missing = |d: &str| format!("One require parameter is missing : {d}");
    let expect = [
        ("no_key", 401, bad_key.clone()),
        ("bad_key", 401, bad_key.clone()),
        ("empty_key_param", 401, bad_key),
        ("no_text", 400, failure(4, &missing("text"))),
        ("zero_text", 400, failure(4, &missing("text"))),
        ("long_text", 400, failure(2, &invalid("text must be less than 1000 char."))),
        ("bad_at", 400, failure(2, &invalid("at must be a date of format \"Y-m-d H:i:s\"."))),
        ("no_number", 400, failure(4, &missing("You must specify at least one valid number, contact, group or conditional_group."))),
        ("bad_phone", 400, failure(2, &invalid("id_phone : You must specify an id_phone number among thoses of user phones."))),
        ("mms", 400, failure(2, &invalid("mms is set to true, but mms are disabled in settings."))),
        ("contacts", 400, failure(8, "Cannot create a new entry.")),
        ("json_body", 400, failure(4, &missing("text"))),
        ("send_no_to", 404, failure(4, &missing("to "))),
        ("send_nothing", 404, failure(4, &missing("to text"))),
        ("bad_type", 404, failure(2, &invalid("entry_type must be one of : sended, received, scheduled, contact, group, conditional_group, phone, phone_group, media."))),
        ("delete_unknown", 400, failure(32, "Cannot delete this entry.")),
        ("bad_date", 404, failure(2, &invalid("start must be a date of format \"Y-m-d H:i:s\"."))),
    ];
    for (call, status, body) in expect {
        assert_eq!(
            seen(&out, call),
            (status, body.replace('/', "\\/")),
            "{call}"
        );
        assert_eq!(out[call]["content_type"], "application/json", "{call}");
    }
    let spec = spec();
    check(
        &spec,
        "post",
        "/raspisms/api/scheduled/",
        400,
        &out["no_text"]["json"],
    );
    check(
        &spec,
        "post",
        "/raspisms/api/scheduled/",
        401,
        &out["no_key"]["json"],
    );
    check(
        &spec,
        "get",
        "/raspisms/api/send-sms/",
        404,
        &out["send_no_to"]["json"],
    );
    assert_eq!(out["unknown_path"]["status"], 404);
    assert!(out["unknown_path"]["content_type"]
        .as_str()
        .is_some_and(|c| c.starts_with("text/html")));
    assert_eq!(out["wrong_method"]["status"], 500);
    assert!(out["wrong_method"]["content_type"]
        .as_str()
        .is_some_and(|c| c.starts_with("text/html")));
    // Nothing was scheduled or sent by any refused call.
    assert_eq!(out["after"]["json"]["response"], json!([]));
    assert_eq!(out["after_sended"]["json"]["response"], json!([]));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(php.received().is_empty(), "{:?}", php.received());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bodies_get_each_gateways_envelope_never_a_5xx() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    configure(&app, &php).await;
    let sgw = put(&app, "smsgateway24", json!({"webhooks": {}})).await;
    let token = sgw["token"].as_str().expect("token").to_string();
    let bodies: [(&[u8], &str); 5] = [
        (b"\xff\xfe\x00garbage", "multipart/form-data; boundary=x"),
        (
            b"--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nno end",
            "multipart/form-data; boundary=x",
        ),
        (
            b"a[=1&b[][]=2&%zz&text[]=x&numbers[0][number][]=1",
            "application/x-www-form-urlencoded",
        ),
        (b"{\"text\":", "application/json"),
        (b"\x00\x01\x02", "text/plain"),
    ];
    let routes: Vec<(String, String)> = wa_onprem_emulator::api::routes()
        .into_iter()
        .filter(|(_, p)| wa_onprem_emulator::api::is_gateway_api_route(p))
        .collect();
    assert!(routes.len() > 25);
    for (method, path) in &routes {
        let url = format!(
            "{}{}",
            app.base,
            path.replace("{id}", "123")
                .replace("{entry_type}", "sended")
                .replace("{page}", "0")
        );
        for (body, ct) in &bodies {
            let res = app
                .client
                .request(
                    Method::from_bytes(method.as_bytes()).expect("method"),
                    format!("{url}?token={token}"),
                )
                .header("X-Api-Key", KEY)
                .header("content-type", *ct)
                .body(body.to_vec())
                .send()
                .await
                .expect("answer");
            let status = res.status().as_u16();
            let text = res.text().await.expect("body");
            assert!(status < 500, "{method} {path} {ct}: {status} {text}");
            if status == 204 {
                continue;
            }
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{method} {path} {ct}: not JSON: {text}"));
            assert!(
                v["error"].is_u64() && v["message"].is_string() || v["error"] == 0,
                "{method} {path}: {v}"
            );
        }
    }
    // Nothing came of it: no SMS stored, no webhook.
    let (_, list) = app.get("/v1/emulator/gateways/raspisms/messages").await;
    assert_eq!(list["messages"], json!([]));
    let (_, list) = app.get("/v1/emulator/gateways/smsgateway24/messages").await;
    assert_eq!(list["messages"], json!([]));
}
