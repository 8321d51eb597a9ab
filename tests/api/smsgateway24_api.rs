//! SMSGateway24's own API (`/smsgateway24/getdata/...`) driven by PHP clients written as its
//! official examples call it (curl arrays, form posts, GET queries), over HTTPS and plain HTTP;
//! the `sms_id` of `addsms` is the one the status webhooks then carry; refusals store nothing.

use crate::gateways::{fire, put};
use crate::helpers::*;
use crate::openapi::{check, spec};
use crate::php::PhpReceiver;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Runs a PHP client script of tests/api/php with `env`; answers the JSON it prints.
pub async fn run_client(script: &str, env: Vec<(String, String)>) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/php")
        .join(script);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("php")
            .arg(path)
            .envs(env)
            .output()
            .expect("php-cli with the curl extension (apt-get install php-cli php-curl)")
    })
    .await
    .expect("php ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|_| {
        panic!(
            "{script} printed no JSON: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn ca(app: &TestApp) -> String {
    app.dir.path().join("certs/ca.pem").display().to_string()
}

fn env(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The answer a PHP client got: HTTP 200 and the exact body.
fn raw<'a>(v: &'a Value, call: &str) -> &'a str {
    assert_eq!(v[call]["status"], 200, "{call}: {}", v[call]);
    v[call]["raw"]
        .as_str()
        .unwrap_or_else(|| panic!("{call}: {}", v[call]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_php_backend_sends_polls_and_lists_through_smsgateway24() {
    // Statuses slow enough that the PHP client's calls all see the SMS New.
    let app = spawn_with(|c| {
        c.http_addr = Some("127.0.0.1:0".parse().expect("addr"));
        c.status_sent_ms = 3_000;
        c.status_delivered_ms = 3_300;
    })
    .await;
    let php = PhpReceiver::start().await;
    let cfg = put(
        &app,
        "smsgateway24",
        json!({"device_id": 260, "device_name": "SM-F NIK!", "email": "dev@example.com", "pass": "s3cret",
               "webhooks": {"statuses": php.url("/smsgateway24/statuses")}}),
    )
    .await;
    let token = cfg["token"]
        .as_str()
        .expect("a generated token")
        .to_string();
    assert_eq!(token.len(), 32);
    let out = run_client(
        "sgw24_send.php",
        env(&[
            (
                "SGW24_BASE",
                format!("https://localhost:{}/smsgateway24", app.port),
            ),
            ("EMU_CA", ca(&app)),
            ("SGW24_EMAIL", "dev@example.com".into()),
            ("SGW24_PASS", "s3cret".into()),
            ("SGW24_DEVICE", "260".into()),
        ]),
    )
    .await;
    assert_eq!(
        raw(&out, "gettoken"),
        format!(r#"{{"error":0,"token":"{token}","message":"OK"}}"#)
    );
    let sms_id = out["addsms"]["json"]["sms_id"].as_u64().expect("sms_id");
    assert_eq!(
        raw(&out, "addsms"),
        format!(r#"{{"error":0,"sms_id":{sms_id},"message":"Sms has been saved successfully"}}"#)
    );
    assert_eq!(
        out["addsms_get"]["json"]["error"], 0,
        "{}",
        out["addsms_get"]
    );
    assert_eq!(
        raw(&out, "getsmsstatus"),
        format!(
            r#"{{"error":0,"sms_id":{sms_id},"status":1,"status_description":"New","message":"Ok"}}"#
        )
    );

    // getallsms: an object keyed by id, PHP DateTime dates, the stored (space-free) number.
    let all = &out["getallsms"]["json"];
    assert_eq!(all["error"], 0);
    let row = &all["smss"][sms_id.to_string()];
    assert_eq!(row["id"], sms_id);
    assert_eq!(row["sendto"], "+4915752982212");
    assert_eq!(row["body"], "Test message from API & more/é");
    assert_eq!(row["customerid"], 19921);
    assert_eq!(row["deviceid"], 260);
    assert_eq!(row["urgent"], true);
    assert_eq!(row["sim"], 0);
    assert_eq!(row["created"]["timezone_type"], 1);
    assert_eq!(row["created"]["timezone"], "+00:00");
    assert!(row["created"]["date"]
        .as_str()
        .is_some_and(|d| d.len() == 26 && d.ends_with(".000000")));
    assert_eq!(row["paketid"], Value::Null);
    let raw_all = raw(&out, "getallsms");
    assert!(raw_all.starts_with(&format!(r#"{{"error":0,"smss":{{"{sms_id}":{{"id":{sms_id},"sendto":"+4915752982212","body":"Test message from API & more\/\u00e9","customerid":19921,"status":1,"statustitle":"New","deviceid":260,"urgent":true,"created":{{"date":""#)), "{raw_all}");
    assert!(raw_all.ends_with(r#","message":"Ok"}"#), "{raw_all}");
    assert_eq!(all["count"], 2);
    // The later one (GET, integral floats) is the only sim 1 row; it waits for its time.
    let later = out["getallsms_desc"]["json"]["smss"]
        .as_object()
        .expect("keyed object");
    assert_eq!(later.len(), 1);
    let (_, later) = later.iter().next().expect("one");
    assert_eq!(later["timetosend"]["date"], "2099-08-01 12:00:00.000000");
    assert_eq!(later["urgent"], Value::Null);
    assert_eq!(later["customerid"], Value::Null);
    assert_eq!(later["senttime"], Value::Null);
    assert_eq!(
        raw(&out, "getallsms_count"),
        r#"{"error":0,"count":2,"message":"Ok"}"#
    );

    let dev = &out["getdevicestatus"]["json"];
    assert_eq!(dev["online"], true);
    assert_eq!(dev["device_id"], 260);
    assert_eq!(dev["title"], "SM-F NIK!");
    assert!(raw(&out, "getdevicestatus").starts_with(
        r#"{"online":true,"error":0,"message":"OK","device_id":260,"lastseen":{"date":""#
    ));
    assert_eq!(out["getalldevices"]["json"]["devices"][0]["device_id"], 260);

    assert_eq!(
        raw(&out, "addalotofsms"),
        r#"{"error":0,"message":"Sms has been saved successfully"}"#
    );
    assert_eq!(out["savetag"]["json"]["error"], 0);
    assert!(
        out["savecontact"]["json"]["contact_id"].as_u64().is_some(),
        "{}",
        out["savecontact"]
    );
    let paket = out["savepaket"]["json"]["paket_id"]
        .as_u64()
        .expect("paket_id");
    // addsms 1 + addsms GET 1 + addalotofsms 2 + the newsletter to its one contact.
    let after = out["getallsms_after"]["json"]["smss"]
        .as_object()
        .expect("rows")
        .clone();
    assert_eq!(after.len(), 5);
    let news = after
        .values()
        .find(|r| r["paketid"] == paket)
        .expect("the newsletter's SMS");
    assert_eq!(news["sendto"], "+4915700000004");
    assert_eq!(news["pakettitle"], "May news");
    assert_eq!(news["paketbody"], "News!");

    let spec = spec();
    for (call, method, name) in [
        ("gettoken", "post", "gettoken"),
        ("addsms", "post", "addsms"),
        ("addsms_get", "get", "addsms"),
        ("getsmsstatus", "get", "getsmsstatus"),
        ("getallsms", "post", "getallsms"),
        ("getallsms_count", "get", "getallsms"),
        ("getdevicestatus", "get", "getdevicestatus"),
        ("getalldevices", "get", "getalldevices"),
        ("addalotofsms", "post", "addalotofsms"),
        ("savetag", "post", "savetag"),
        ("savecontact", "post", "savecontact"),
        ("savepaket", "post", "savepaket"),
        ("getallsms_after", "get", "getallsms"),
    ] {
        check(
            &spec,
            method,
            &format!("/smsgateway24/getdata/{name}"),
            200,
            &out[call]["json"],
        );
    }

    // The status webhooks of the addsms SMS carry its sms_id: 1 -> 3 -> 2 -> 6 -> 7.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let statuses = loop {
        let got: Vec<u64> = php
            .received()
            .iter()
            .filter(|r| r["json"]["sms_id"] == sms_id)
            .filter_map(|r| r["json"]["status_id"].as_u64())
            .collect();
        if got.len() >= 5 || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(statuses, [1, 3, 2, 6, 7]);
    let hook = php
        .received()
        .into_iter()
        .find(|r| r["json"]["sms_id"] == sms_id)
        .expect("a webhook");
    assert_eq!(hook["json"]["sendto"], "+4915752982212");
    assert_eq!(hook["json"]["device_id"], 260);

    // Then the API says delivered, with the time it was sent; over the plain-HTTP listener too.
    let http = format!(
        "http://127.0.0.1:{}/smsgateway24/getdata/getsmsstatus",
        app.http_port.expect("http port")
    );
    let res = reqwest::Client::new()
        .get(&http)
        .query(&[("token", token.as_str()), ("sms_id", &sms_id.to_string())])
        .send()
        .await
        .expect("http");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.expect("body"),
        format!(
            r#"{{"error":0,"sms_id":{sms_id},"status":7,"status_description":"Delivered","message":"Ok"}}"#
        )
    );
    let (s, b) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let again = reqwest::Client::new()
        .get(&http)
        .query(&[("token", token.as_str()), ("sms_id", &sms_id.to_string())])
        .send()
        .await
        .expect("http");
    assert_eq!(
        again.text().await.expect("body"),
        r#"{"error":1,"message":"Token is incorrect"}"#,
        "the reset forgot the account"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsgateway24_failures_follow_the_recipient_rules() {
    let app = spawn_emulator().await;
    let php = PhpReceiver::start().await;
    let cfg = put(
        &app,
        "smsgateway24",
        json!({"device_id": 77, "email": "a@b.c", "pass": "p",
               "webhooks": {"statuses": php.url("/smsgateway24/statuses")}}),
    )
    .await;
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [{"number": "4915550000010", "action": "fail", "code": 10}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let out = run_client(
        "sgw24_send.php",
        env(&[
            (
                "SGW24_BASE",
                format!("https://localhost:{}/smsgateway24", app.port),
            ),
            ("EMU_CA", ca(&app)),
            ("SGW24_EMAIL", "a@b.c".into()),
            ("SGW24_PASS", "p".into()),
            ("SGW24_DEVICE", "77".into()),
            ("SGW24_SENDTO", "+49 155 50000010".into()),
        ]),
    )
    .await;
    assert_eq!(out["gettoken"]["json"]["token"], cfg["token"]);
    let sms_id = out["addsms"]["json"]["sms_id"].as_u64().expect("sms_id");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let statuses = loop {
        let got: Vec<u64> = php
            .received()
            .iter()
            .filter(|r| r["json"]["sms_id"] == sms_id)
            .filter_map(|r| r["json"]["status_id"].as_u64())
            .collect();
        if got.len() >= 4 || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(statuses, [1, 3, 2, 10]);
    let token = cfg["token"].as_str().expect("token");
    let res = app
        .client
        .post(format!("{}/smsgateway24/getdata/getallsms", app.base))
        .form(&[("token", token), ("status", "10.0")])
        .send()
        .await
        .expect("post");
    let body: Value = res.json().await.expect("json");
    let rows = body["smss"].as_object().expect("rows");
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(rows[&sms_id.to_string()]["statustitle"], "No service");
    assert_eq!(rows[&sms_id.to_string()]["senttime"], Value::Null);

    // A received SMS is a status 5 row with the sms_id its webhook carries; the control API
    // lists both directions.
    put(
        &app,
        "smsgateway24",
        json!({"device_id": 77, "email": "a@b.c", "pass": "p", "token": token,
               "webhooks": {"statuses": php.url("/smsgateway24/statuses"), "incoming": php.url("/smsgateway24/incoming")}}),
    )
    .await;
    // Event integers take integral floats; a null fault or image URL is refused.
    let made = fire(&app, "smsgateway24", json!({"event": "status", "data": {"status_id": 7.0, "sms_id": 5.0, "sendto": "+1", "channel_id": 2.0}})).await;
    assert!(
        made[0]["request"]["body"].as_str().is_some_and(|b| b
            .contains(r#""sms_id":5,"status_id":7,"#)
            && b.contains(r#""channel_id":2,"#)),
        "{made:?}"
    );
    for bad in [
        json!({"event": "incoming", "fault": null}),
        json!({"event": "incoming", "data": {"img_url": null}}),
    ] {
        let (s, b) = app
            .post("/v1/emulator/gateways/smsgateway24/events", bad)
            .await;
        assert_eq!(s, 400, "{b}");
    }
    let made = fire(
        &app,
        "smsgateway24",
        json!({"event": "incoming", "data": {"address": "+4915700000009", "body": "Hi back"}}),
    )
    .await;
    let body: Value =
        serde_json::from_str(made[0]["request"]["body"].as_str().expect("body")).expect("json");
    let incoming_id = body["sms_id"].as_u64().expect("sms_id");
    let res = app
        .client
        .get(format!("{}/smsgateway24/getdata/getallsms", app.base))
        .query(&[("token", token), ("status", "5")])
        .send()
        .await
        .expect("get");
    let body: Value = res.json().await.expect("json");
    let row = &body["smss"][incoming_id.to_string()];
    assert_eq!(row["sendto"], "+4915700000009", "{body}");
    assert_eq!(row["body"], "Hi back");
    assert_eq!(row["statustitle"], "Incoming");
    let (s, list) = app.get("/v1/emulator/gateways/smsgateway24/messages").await;
    assert_eq!(s, 200, "{list}");
    crate::openapi::check(
        &spec(),
        "get",
        "/v1/emulator/gateways/smsgateway24/messages",
        200,
        &list,
    );
    let list = list["messages"].as_array().expect("messages");
    assert_eq!(list[0]["id"], incoming_id);
    assert_eq!(list[0]["direction"], "received");
    assert!(list.iter().any(|m| m["id"] == sms_id
        && m["direction"] == "sent"
        && m["status_id"] == 10
        && m["status"] == "No service"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsgateway24_refusals_use_its_wording_and_store_nothing() {
    let app = spawn_emulator().await;
    let cfg = put(
        &app,
        "smsgateway24",
        json!({"device_id": 260, "webhooks": {}}),
    )
    .await;
    let token = cfg["token"].as_str().expect("token").to_string();
    let out = run_client(
        "sgw24_errors.php",
        env(&[
            (
                "SGW24_BASE",
                format!("https://localhost:{}/smsgateway24", app.port),
            ),
            ("EMU_CA", ca(&app)),
            ("SGW24_TOKEN", token),
            ("SGW24_DEVICE", "260".into()),
        ]),
    )
    .await;
    let expect = [
        ("bad_login", "Login or password incorrect"),
        ("no_pass", "Parameter pass is required"),
        ("bad_token", "Token is incorrect"),
        ("no_token", "Parameter token is required"),
        ("no_sendto", "Parameter sendto is required"),
        ("no_body", "Parameter body is required"),
        ("bad_device", "Device not found"),
        ("fraction_device", "Parameter device_id is wrong"),
        ("bad_sim", "Parameter sim is wrong"),
        ("bad_time", "Parameter timetosend is wrong"),
        ("one_bad_of_many", "Parameter body is required"),
        ("not_json", "Parameter datajson is wrong"),
        ("unknown_sms", "Sms not found"),
        ("unknown_tag", "Parameter tag_id is wrong"),
    ];
    for (call, message) in expect {
        assert_eq!(
            raw(&out, call),
            json!({"error": 1, "message": message}).to_string(),
            "{call}"
        );
    }
    check(
        &spec(),
        "post",
        "/smsgateway24/getdata/addsms",
        200,
        &out["bad_token"]["json"],
    );
    assert_eq!(out["unknown_method"]["status"], 404);
    assert_eq!(
        out["unknown_method"]["raw"],
        r#"{"error":1,"message":"Method sendviber not found"}"#
    );
    // Not one of the refused calls stored an SMS (the bad item of addalotofsms took the good one with it).
    assert_eq!(
        raw(&out, "count_after"),
        r#"{"error":0,"count":0,"message":"Ok"}"#
    );
}
