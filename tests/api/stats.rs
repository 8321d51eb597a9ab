//! Stats and metrics after known traffic.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_stats_count_known_traffic() {
    let app = spawn_with(|c| c.api_key = Some("test-api-key-123".into())).await;
    let rx = TestReceiver::start().await;
    app.use_receiver(
        &rx,
        json!({"webhooks": {"message": {"sent": false, "delivered": true, "read": false}}}),
    )
    .await;
    rx.script([Answer::Status(500)]);
    for to in ["16315550010", "16315550011"] {
        let (s, _) = app
            .post("/v1/messages", json!({"to": to, "text": {"body": "x"}}))
            .await;
        assert_eq!(s, 201);
    }
    let (s, _) = app
        .post(
            "/v1/emulator/inbound",
            json!({"from": "16315551234", "type": "text", "text": {"body": "hi"}}),
        )
        .await;
    assert_eq!(s, 200);
    // 2 delivered statuses + 1 inbound = 3 successes, plus the one scripted 500.
    rx.wait_until(Duration::from_secs(10), |r| {
        r.iter().filter(|x| x.answered == 200).count() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let res = app
        .client
        .get(format!("{}/metrics", app.base))
        .header("authorization", "Apikey test-api-key-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], OPENMETRICS);
    let text = res.text().await.unwrap();
    assert_eq!(sample(&text, "messages_sent_total"), 2.0);
    assert_eq!(sample(&text, "messages_received_total"), 1.0);
    let ok = sample(
        &text,
        "callback_requests_total{result=\"success\",type=\"status_change\"}",
    ) + sample(
        &text,
        "callback_requests_total{result=\"success\",type=\"inbound_message\"}",
    );
    assert_eq!(ok, 3.0);
    let failed: f64 = ["status_change", "inbound_message"]
        .iter()
        .filter_map(|t| {
            text.lines().find(|l| {
                l.starts_with(&format!(
                    "callback_requests_total{{result=\"http_status\",type=\"{t}\"}}"
                ))
            })
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(failed, 1.0);
    assert_eq!(
        sample(
            &text,
            "api_requests_total{route=\"/v1/messages\",method=\"POST\",status=\"201\"}"
        ),
        2.0
    );
    assert_eq!(sample(&text, "callback_queue_size"), 0.0);
    assert_eq!(
        sample(&text, "callback_delivery_latency_seconds_count"),
        3.0
    );
    assert_eq!(sample(&text, "callback_posts_total"), 4.0);

    let (status, stats) = app.get("/v1/stats/app").await;
    assert_eq!(status, 200);
    let sent = &stats["stats"]["app"]["messages_sent"];
    assert_eq!(sent["type"], "counter");
    assert_eq!(sent["data"][0]["value"], 2.0);
    assert!(stats["meta"].is_object());
    let res = app
        .send_authed(Method::GET, "/v1/stats/app?format=prometheus")
        .await;
    assert!(res.text().await.unwrap().contains("messages_sent_total 2"));

    let (_, db) = app.get("/v1/stats/db").await;
    let entries: Vec<&Value> = db["stats"]["db"]["db_tree_entries"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let messages = entries
        .iter()
        .find(|e| e["labels"]["tree"] == "messages")
        .unwrap();
    assert_eq!(messages["value"], 2.0);

    let res = app
        .client
        .get(format!("{}/metrics", app.base))
        .header("authorization", "Apikey wrong-key-000000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (status, body) = app
        .call(Method::GET, "/v1/stats/app?format=xml", None)
        .await;
    assert_error(status, &body, 400, 1009);
}

/// The structure OpenMetrics requires of what we emit: families typed once before their samples,
/// counter families named without `_total` and sampled with it, and a final `# EOF`.
fn check_openmetrics(text: &str) {
    assert!(text.ends_with("# EOF\n"), "{text}");
    let mut typed: Vec<(String, String)> = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && *l != "# EOF") {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(!name.ends_with("_total"), "{line}");
            assert!(typed.iter().all(|(n, _)| n != name), "typed twice: {line}");
            typed.push((name.to_string(), kind.to_string()));
        } else if !line.starts_with("# HELP ") {
            let series = line.split(['{', ' ']).next().unwrap();
            let (family, kind) = typed.last().expect("a sample before any TYPE");
            let suffixes: &[&str] = match kind.as_str() {
                "counter" => &["_total", "_created"],
                "gauge" => &[""],
                "histogram" => &["_bucket", "_sum", "_count", "_created"],
                other => panic!("unexpected type {other}"),
            };
            assert!(
                suffixes.iter().any(|s| series == format!("{family}{s}")),
                "{series} does not belong to {kind} {family}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_answers_are_openmetrics_and_json_keeps_the_on_prem_shape() {
    let app = spawn_emulator().await;
    assert_eq!(app.get("/v1/users").await.0, 200, "some traffic to count");
    for path in [
        "/metrics",
        "/v1/stats/app?format=prometheus",
        "/v1/stats/db?format=prometheus",
    ] {
        let res = app.send_authed(Method::GET, path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], OPENMETRICS, "{path}");
        check_openmetrics(&res.text().await.unwrap());
    }

    for section in ["app", "db"] {
        let (status, body) = app.get(&format!("/v1/stats/{section}")).await;
        assert_eq!(status, 200);
        let families = body["stats"][section].as_object().unwrap();
        assert!(!families.is_empty());
        for (name, family) in families {
            let keys: Vec<&String> = family.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["data", "help", "type"], "{name}");
            assert!(!name.ends_with("_total"), "{name}");
            let kind = family["type"].as_str().unwrap();
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "{name}: {kind}"
            );
            assert!(family["help"].is_string(), "{name}");
            for item in family["data"].as_array().unwrap() {
                let labels = item["labels"].as_object().unwrap();
                assert!(labels.values().all(Value::is_string), "{name}: {item}");
                assert!(item["value"].is_number(), "{name}: {item}");
                if kind != "histogram" {
                    assert!(item.get("sample").is_none(), "{name}: {item}");
                }
            }
        }
    }
}
