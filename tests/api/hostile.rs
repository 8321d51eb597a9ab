//! Hostile input at every route: malformed, truncated, deeply nested, wrongly typed and oversized
//! JSON, bad UTF-8, wrong content types and odd headers. Each answer must be a well-formed On-Prem
//! error envelope with a 4xx status (or a success for input that happens to be valid), never a
//! 5xx; afterwards the server is healthy and its data intact. Seeded: failures reproduce.

use crate::helpers::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

const SEEDS: [&str; 8] = [
    r#"{"to":"16315551001","type":"text","text":{"body":"hi"}}"#,
    r#"{"to":"16315551001","type":"template","template":{"namespace":"n","name":"t","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","text":"x"}]}]}}"#,
    r#"{"webhooks":{"url":"https://example.test/x","max_concurrent_requests":12},"callback_backoff_delay_ms":"100"}"#,
    r#"{"username":"eve","password":"Passw0rd!"}"#,
    r#"{"blocking":"wait","contacts":["+1 631 555 1001"]}"#,
    r#"{"from":"16315551234","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"a","title":"b"}}}"#,
    r#"{"status":"read"}"#,
    r#"{"rules":[{"number":"1*","action":"never_read"}]}"#,
];

fn mutate(rng: &mut StdRng) -> (Vec<u8>, &'static str) {
    let seed = SEEDS[rng.gen_range(0..SEEDS.len())].as_bytes().to_vec();
    let ct = [
        "application/json",
        "text/plain",
        "",
        "application/json; charset=utf-16",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "APPLICATION/JSON;;;q",
    ][rng.gen_range(0..7)];
    let body = match rng.gen_range(0..10) {
        0 => seed[..rng.gen_range(0..seed.len())].to_vec(),
        1 => {
            let mut b = seed;
            for _ in 0..rng.gen_range(1..6) {
                let i = rng.gen_range(0..b.len());
                b[i] = rng.gen();
            }
            b
        }
        2 => {
            let depth = rng.gen_range(100..5000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        3 => {
            let depth = rng.gen_range(100..2000);
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)).into_bytes()
        }
        4 => {
            let mut v: Value = serde_json::from_slice(&seed).unwrap();
            if let Some(o) = v.as_object_mut() {
                let keys: Vec<String> = o.keys().cloned().collect();
                let k = &keys[rng.gen_range(0..keys.len())];
                o.insert(
                    k.clone(),
                    [
                        json!(42),
                        json!([1, 2]),
                        json!(null),
                        json!(true),
                        json!({"x": {}}),
                        json!(-1.5e300),
                    ][rng.gen_range(0..6)]
                    .clone(),
                );
            }
            serde_json::to_vec(&v).unwrap()
        }
        5 => vec![0xff, 0xfe, b'{', 0xc3, 0x28, b'}'],
        6 => format!(
            "{{\"to\":\"{}\"}}",
            "9".repeat(rng.gen_range(1000..300_000))
        )
        .into_bytes(),
        7 => Vec::new(),
        8 => b"null".to_vec(),
        _ => {
            let mut b = seed;
            let at = rng.gen_range(0..b.len());
            b.splice(at..at, (0..rng.gen_range(1..50)).map(|_| rng.gen::<u8>()));
            b
        }
    };
    (body, ct)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_never_breaks_the_server() {
    let app = spawn_with(|c| c.max_json_bytes = 64 * 1024).await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let (_, sent) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551001", "text": {"body": "keep me"}}),
        )
        .await;
    let kept = sent["messages"][0]["id"].as_str().unwrap().to_string();
    app.post(
        "/v1/users",
        json!({"username": "keeper", "password": "Passw0rd!"}),
    )
    .await;
    let (_, before) = app.get("/v1/settings/application").await;

    let token = app.token().await;
    // Destructive by design with any valid body: left out so "data intact" stays meaningful.
    let skip = [
        "/v1/users/logout",
        "/v1/emulator/reset",
        "/v1/emulator/faults",
        "/v1/settings/application",
        "/v1/emulator/rules",
        "/v1/emulator/events",
    ];
    let routes: Vec<(String, String)> = wa_onprem_emulator::api::routes()
        .into_iter()
        .filter(|(m, p)| m != "DELETE" && !skip.contains(&p.as_str()))
        // The Graph routes answer the Graph envelope (tests/api/cloud_errors.rs).
        .filter(|(_, p)| !wa_onprem_emulator::api::is_graph_route(p))
        // The SMS gateways' own APIs answer their own envelopes (raspisms_api.rs checks them).
        .filter(|(_, p)| !wa_onprem_emulator::api::is_gateway_api_route(p))
        .collect();
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut tried = 0;
    for round in 0..60 {
        for (method, path) in &routes {
            let (body, ct) = mutate(&mut rng);
            let url = format!(
                "{}{}",
                app.base,
                path.replace("{username}", "keeper").replace("{id}", &kept)
            );
            let mut req = app
                .client
                .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
                .bearer_auth(&token);
            if !ct.is_empty() {
                req = req.header("content-type", ct);
            }
            if round % 7 == 0 {
                let odd = reqwest::header::HeaderValue::from_bytes(
                    &[0xff, b'w', 0xc3, 0x28, b' ', b'x'].repeat(100),
                )
                .unwrap();
                req = req
                    .header("x-odd-header", odd.clone())
                    .header("accept", "*/*;q=bogus")
                    .header("authorization-extra", odd);
            }
            let res = req
                .body(body.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: transport error {e}"));
            let status = res.status().as_u16();
            let bytes = res.bytes().await.unwrap();
            tried += 1;
            assert!(
                status < 500,
                "{method} {path} answered {status} to {:?}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)]),
                String::from_utf8_lossy(&bytes)
            );
            if status >= 400
                && !(status == 404 && bytes.is_empty() && path == "/v1/certificates/webhooks/ca")
            {
                let v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                    panic!("{method} {path}: {status} without a JSON envelope")
                });
                assert!(
                    v["errors"][0]["code"].is_u64()
                        && v["errors"][0]["title"].is_string()
                        && v["meta"]["version"].is_string(),
                    "{method} {path}: {v}"
                );
            }
        }
    }
    eprintln!(
        "hostile: {tried} requests over {} routes, no 5xx",
        routes.len()
    );
    // Healthy, and the data is intact.
    let res = app
        .client
        .get(format!("{}/v1/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, m) = app.get(&format!("/v1/emulator/messages/{kept}")).await;
    assert_eq!(status, 200);
    assert_eq!(m["messages"][0]["request"]["text"]["body"], "keep me");
    assert_eq!(app.login("keeper", "Passw0rd!").await.0, 200);
    let (_, after) = app.get("/v1/settings/application").await;
    assert_eq!(before["settings"], after["settings"]);
}
