//! `openapi/openapi.yaml` describes exactly the router's routes, and real answers validate
//! against the spec's response schemas.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(crate) fn spec() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.yaml"))
            .expect("openapi/openapi.yaml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    serde_json::to_value(yaml).expect("YAML as JSON")
}

#[test]
fn the_spec_and_the_router_name_the_same_routes() {
    let spec = spec();
    assert_eq!(
        spec["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                in_spec.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let in_router: BTreeSet<(String, String)> =
        wa_onprem_emulator::api::routes().into_iter().collect();
    let missing: Vec<_> = in_router.difference(&in_spec).collect();
    let extra: Vec<_> = in_spec.difference(&in_router).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "not in the spec: {missing:?}\nnot in the router: {extra:?}"
    );
}

/// Resolves a local `$ref`.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let target = r
                .trim_start_matches("#/")
                .split('/')
                .fold(root, |v, part| &v[part]);
            assert!(!target.is_null(), "dangling $ref {r}");
            resolve(root, target)
        }
        None => schema,
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

/// A small JSON Schema validator: the keywords the spec uses.
pub(crate) fn validate(root: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let s = resolve(root, schema);
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)),
            _ => true,
        };
        if !ok {
            return Err(format!("{at}: {v} is not of type {t}"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            return Err(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            return Err(format!("{at}: {v} is not {c}"));
        }
    }
    for key in ["allOf"] {
        for sub in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            validate(root, sub, v, at)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(subs) = s.get(key).and_then(Value::as_array) {
            if !subs.iter().any(|sub| validate(root, sub, v, at).is_ok()) {
                return Err(format!("{at}: {v} matches none of {key}"));
            }
        }
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap_or("");
            if !obj.contains_key(r) {
                return Err(format!("{at}: missing required {r}"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(p) => validate(root, p, val, &format!("{at}.{k}"))?,
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{at}: unexpected property {k}"))
                    }
                    Some(extra) if extra.is_object() => {
                        validate(root, extra, val, &format!("{at}.{k}"))?
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, item) in arr.iter().enumerate() {
            validate(root, items, item, &format!("{at}[{i}]"))?;
        }
    }
    bounds(s, v, at)
}

/// `minimum`/`maximum` of numbers, `minLength`/`maxLength` of strings (in characters),
/// `minItems`/`maxItems` of arrays.
fn bounds(s: &Value, v: &Value, at: &str) -> Result<(), String> {
    let limit = |key: &str| s.get(key).and_then(Value::as_f64);
    let size = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => Some(text.chars().count() as f64),
        Value::Array(a) => Some(a.len() as f64),
        _ => None,
    };
    let Some(size) = size else { return Ok(()) };
    let (low, high) = match v {
        Value::Number(_) => ("minimum", "maximum"),
        Value::String(_) => ("minLength", "maxLength"),
        _ => ("minItems", "maxItems"),
    };
    if limit(low).is_some_and(|l| size < l) || limit(high).is_some_and(|h| size > h) {
        return Err(format!("{at}: {v} is out of the {low}/{high} bounds"));
    }
    Ok(())
}

/// Checks a real answer against the spec's schema for that operation and status.
pub(crate) fn check(spec: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let op = &spec["paths"][path][method];
    assert!(op.is_object(), "no {method} {path} in the spec");
    let response = resolve(spec, &op["responses"][status.to_string()]);
    assert!(
        response.is_object(),
        "{method} {path}: status {status} is not described"
    );
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status}: no application/json schema"
    );
    if let Err(e) = validate(spec, schema, body, "$") {
        panic!("{method} {path} {status}: {e}\nbody: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_answers_validate_against_the_spec() {
    let spec = spec();
    // The validator rejects what it should.
    let meta = json!({"$ref": "#/components/schemas/Meta"});
    assert!(validate(&spec, &meta, &json!({"api_status": 1, "version": "x"}), "$").is_err());
    assert!(validate(&spec, &meta, &json!({"api_status": "stable"}), "$").is_err());
    assert!(validate(
        &spec,
        &json!({"$ref": "#/components/schemas/Error"}),
        &json!({"code": 1, "title": "t", "extra": 1}),
        "$"
    )
    .is_err());
    let app = spawn_with(|c| c.api_key = Some("sample-api-key-1".into())).await;
    let rx = TestReceiver::start().await;
    let (s, b) = app.login("admin", "secret").await;
    check(&spec, "post", "/v1/users/login", s.as_u16(), &b);
    let (s, b) = app.login("admin", "nope").await;
    check(&spec, "post", "/v1/users/login", s.as_u16(), &b);
    app.use_receiver(&rx, json!({})).await;
    let (s, b) = app.get("/v1/settings/application").await;
    check(&spec, "get", "/v1/settings/application", s.as_u16(), &b);
    let (s, b) = app
        .patch(
            "/v1/settings/application",
            json!({"webhooks": {"max_concurrent_requests": 7}}),
        )
        .await;
    check(&spec, "patch", "/v1/settings/application", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/users",
            json!({"username": "sam", "password": "Passw0rd!"}),
        )
        .await;
    check(&spec, "post", "/v1/users", s.as_u16(), &b);
    let (s, b) = app.get("/v1/users/sam").await;
    check(&spec, "get", "/v1/users/{username}", s.as_u16(), &b);
    let (s, b) = app.get("/v1/users").await;
    check(&spec, "get", "/v1/users", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551001", "text": {"body": "x"}}),
        )
        .await;
    check(&spec, "post", "/v1/messages", s.as_u16(), &b);
    let id = b["messages"][0]["id"].as_str().unwrap().to_string();
    let (s, b) = app
        .post("/v1/messages", json!({"to": "16315551001", "text": {}}))
        .await;
    check(&spec, "post", "/v1/messages", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/contacts",
            json!({"contacts": ["+1 631 555 1001", "x"]}),
        )
        .await;
    check(&spec, "post", "/v1/contacts", s.as_u16(), &b);
    let res = app
        .authed(Method::POST, "/v1/media")
        .await
        .header("content-type", "image/png")
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    check(&spec, "post", "/v1/media", s, &res.json().await.unwrap());
    let res = app
        .client
        .get(format!("{}/v1/health", app.base))
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    check(&spec, "get", "/v1/health", s, &res.json().await.unwrap());
    let (s, b) = app
        .post(
            "/v1/emulator/inbound",
            json!({"from": "16315551234", "type": "text", "text": {"body": "hi"}}),
        )
        .await;
    check(&spec, "post", "/v1/emulator/inbound", s.as_u16(), &b);
    rx.wait_for(2, std::time::Duration::from_secs(10)).await;
    let (s, b) = app.get("/v1/emulator/callbacks").await;
    check(&spec, "get", "/v1/emulator/callbacks", s.as_u16(), &b);
    let (s, b) = app.get(&format!("/v1/emulator/messages/{id}")).await;
    check(&spec, "get", "/v1/emulator/messages/{id}", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/inbound").await;
    check(&spec, "get", "/v1/emulator/inbound", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/rules").await;
    check(&spec, "get", "/v1/emulator/rules", s.as_u16(), &b);
    let (s, b) = app.get("/v1/stats/app").await;
    check(&spec, "get", "/v1/stats/app", s.as_u16(), &b);
    let (s, b) = app.get("/v1/no/such").await;
    assert_eq!(s, 404);
    check(
        &spec,
        "get",
        "/v1/health",
        200,
        &json!({"health": {"gateway_status": "connected"}, "meta": b["meta"]}),
    );
}

/// Every `$ref` in the spec, with where it sits.
fn refs<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                match (k.as_str(), child.as_str()) {
                    ("$ref", Some(r)) => out.push((at.clone(), r)),
                    _ => refs(child, format!("{at}/{k}"), out),
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                refs(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_ref_resolves_and_operations_list_the_errors_they_answer() {
    let spec = spec();
    let mut all = Vec::new();
    refs(&spec, String::new(), &mut all);
    for (at, r) in all {
        assert!(r.starts_with("#/"), "{at}: non-local $ref {r}");
        let target = r
            .trim_start_matches("#/")
            .split('/')
            .fold(&spec, |v, part| &v[part]);
        assert!(!target.is_null(), "{at}: dangling $ref {r}");
    }
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            let lists = |code: &str| responses.contains_key(code);
            // RaspiSMS answers another method on a known path with descartes' HTML 500, not 405.
            if !path.starts_with("/raspisms/") {
                assert!(lists("405"), "{method} {path}: 405");
            }
            // Every route that reads a body answers these when the body is bad, too big, stalled
            // or compressed otherwise than with gzip (but Zender's API, which answers HTTP 200
            // whatever happens, as PHP reading an unusable body as no form at all).
            if op.get("requestBody").is_some() && !path.starts_with("/zender/api/") {
                for code in ["400", "408", "413", "415"] {
                    assert!(
                        lists(code),
                        "{method} {path}: a body route must list {code}"
                    );
                }
            }
            let secured = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            if secured {
                assert!(
                    lists("401"),
                    "{method} {path}: an authenticated route must list 401"
                );
            }
            if path.starts_with("/v1/emulator/") {
                assert!(
                    lists("403"),
                    "{method} {path}: the control API needs ROLE_ADMIN"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_api_answers_validate_against_the_spec() {
    let spec = spec();
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({"on_call_pager": "16315550000"}))
        .await;
    let (s, b) = app.get("/v1/settings/application").await;
    check(&spec, "get", "/v1/settings/application", s.as_u16(), &b);

    let rules = json!({"rules": [
        {"number": "15550000470", "action": "fail", "code": 470},
        {"number": "1555000*", "action": "slow", "delay_ms": 10},
        {"number": "15551111111", "action": "invalid"},
        {"number": "15552222222", "action": "never_read"},
        {"number": "15553333333", "action": "never_delivered"},
        {"number": "15554444444", "action": "manual"}]});
    let (s, b) = app
        .call(Method::PUT, "/v1/emulator/rules", Some(rules))
        .await;
    check(&spec, "put", "/v1/emulator/rules", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/rules").await;
    check(&spec, "get", "/v1/emulator/rules", s.as_u16(), &b);
    assert_eq!(b["rules"].as_array().map(Vec::len), Some(6), "{b}");

    let templates = json!({"templates": [{"name": "order", "language": "en_US", "namespace": "ns",
        "components": [{"type": "header", "format": "image"}, {"type": "body", "text": "Hi {{1}}"},
            {"type": "button", "index": 0, "text": "https://x.test/{{1}}"}]}]});
    let (s, b) = app
        .call(Method::PUT, "/v1/emulator/templates", Some(templates))
        .await;
    check(&spec, "put", "/v1/emulator/templates", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/templates").await;
    check(&spec, "get", "/v1/emulator/templates", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551001", "type": "template", "template": {"namespace": "ns", "name": "nope",
                "language": {"code": "en_US"}}}),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    check(&spec, "post", "/v1/messages", s.as_u16(), &b);

    let (s, b) = app
        .post(
            "/v1/messages",
            json!({"to": "15554444444", "text": {"body": "manual"}}),
        )
        .await;
    check(&spec, "post", "/v1/messages", s.as_u16(), &b);
    let manual = b["messages"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/v1/emulator/messages/{manual}/status");
    let (s, b) = app
        .post(&path, json!({"status": "failed", "code": 471}))
        .await;
    check(
        &spec,
        "post",
        "/v1/emulator/messages/{id}/status",
        s.as_u16(),
        &b,
    );
    let (s, b) = app
        .post(&path, json!({"status": "read", "code": 471}))
        .await;
    assert_error(s, &b, 400, 1010);
    check(
        &spec,
        "post",
        "/v1/emulator/messages/{id}/status",
        s.as_u16(),
        &b,
    );
    let (s, b) = app.get(&format!("/v1/emulator/messages/{manual}")).await;
    check(&spec, "get", "/v1/emulator/messages/{id}", s.as_u16(), &b);
    assert_eq!(b["messages"][0]["steps"][0]["forced"], true, "{b}");
    let (s, b) = app.get("/v1/emulator/messages/nope").await;
    check(&spec, "get", "/v1/emulator/messages/{id}", s.as_u16(), &b);

    let (s, b) = app
        .post(
            "/v1/messages",
            json!({"to": "15551111111", "text": {"body": "invalid"}}),
        )
        .await;
    assert_error(s, &b, 400, 1013);
    check(&spec, "post", "/v1/messages", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/messages",
            json!({"to": "15550000470", "text": {"body": "fails"}}),
        )
        .await;
    check(&spec, "post", "/v1/messages", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/emulator/errors",
            json!({"errors": [{"code": 500, "title": "t", "details": "d", "href": "h"}]}),
        )
        .await;
    check(&spec, "post", "/v1/emulator/errors", s.as_u16(), &b);
    let error_callback = b["callbacks"][0]["id"].as_u64().expect("callback id");
    rx.wait_for(3, std::time::Duration::from_secs(10)).await;

    let (s, b) = app
        .get("/v1/emulator/messages?type=text&since_ms=0&limit=5")
        .await;
    check(&spec, "get", "/v1/emulator/messages", s.as_u16(), &b);
    for bad in ["limit=-1", "since_ms=x", "state=pending", "limit=1&limit=2"] {
        let (s, b) = app.get(&format!("/v1/emulator/messages?{bad}")).await;
        assert_error(s, &b, 400, 1009);
        check(&spec, "get", "/v1/emulator/messages", s.as_u16(), &b);
    }
    let (s, b) = app
        .get("/v1/emulator/callbacks?state=delivered&limit=10")
        .await;
    check(&spec, "get", "/v1/emulator/callbacks", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/callbacks?state=lost").await;
    check(&spec, "get", "/v1/emulator/callbacks", s.as_u16(), &b);
    let (s, b) = app
        .get(&format!("/v1/emulator/callbacks/{error_callback}"))
        .await;
    check(&spec, "get", "/v1/emulator/callbacks/{id}", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/callbacks/x").await;
    assert_error(s, &b, 400, 1009);
    check(&spec, "get", "/v1/emulator/callbacks/{id}", s.as_u16(), &b);
    let (s, b) = app
        .post(
            &format!("/v1/emulator/callbacks/{error_callback}/redeliver"),
            json!({}),
        )
        .await;
    assert_error(s, &b, 404, 1006);
    check(
        &spec,
        "post",
        "/v1/emulator/callbacks/{id}/redeliver",
        s.as_u16(),
        &b,
    );
    let (s, b) = app
        .post("/v1/emulator/callbacks/redeliver", json!({}))
        .await;
    check(
        &spec,
        "post",
        "/v1/emulator/callbacks/redeliver",
        s.as_u16(),
        &b,
    );
    let (s, b) = app.get("/v1/emulator/inbound?limit=0").await;
    check(&spec, "get", "/v1/emulator/inbound", s.as_u16(), &b);
    let (s, b) = app.get("/v1/stats/db").await;
    check(&spec, "get", "/v1/stats/db", s.as_u16(), &b);
    let (s, b) = app.get("/v1/stats/db?format=xml").await;
    check(&spec, "get", "/v1/stats/db", s.as_u16(), &b);
    let (s, b) = app.call(Method::DELETE, "/v1/emulator/rules", None).await;
    assert_error(s, &b, 405, 1025);
    check(&spec, "get", "/v1/emulator/rules", s.as_u16(), &b);
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/faults",
            Some(json!({"store": true})),
        )
        .await;
    check(&spec, "put", "/v1/emulator/faults", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/emulator/inbound",
            json!({"from": "16315551234", "type": "text", "text": {"body": "hi"}}),
        )
        .await;
    assert_error(s, &b, 500, 1023);
    check(&spec, "post", "/v1/emulator/inbound", s.as_u16(), &b);
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/faults",
            Some(json!({"store": false})),
        )
        .await;
    check(&spec, "put", "/v1/emulator/faults", s.as_u16(), &b);
    let (s, b) = app
        .post("/v1/emulator/reset", json!({"settings": true}))
        .await;
    check(&spec, "post", "/v1/emulator/reset", s.as_u16(), &b);
    let (s, b) = app
        .post(
            "/v1/messages",
            json!({"to": "16315551001", "text": {"body": "no webhook"}}),
        )
        .await;
    assert_error(s, &b, 412, 1022);
    check(&spec, "post", "/v1/messages", s.as_u16(), &b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_answers_and_webhooks_validate_against_the_spec() {
    use crate::cloud::{cloud_app, graph, inbound, send, value, N1};
    use reqwest::Method;
    let spec = spec();
    let (app, rx, _) = cloud_app().await;
    let (s, b) = app.get("/v1/emulator/cloud").await;
    check(&spec, "get", "/v1/emulator/cloud", s.as_u16(), &b);
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"verify_token": "changed"})),
        )
        .await;
    check(&spec, "put", "/v1/emulator/cloud", s.as_u16(), &b);
    let (s, b) = app
        .call(
            Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"numbers": []})),
        )
        .await;
    check(&spec, "put", "/v1/emulator/cloud", s.as_u16(), &b);
    let b = inbound(&app, N1, "16315557001", "hi").await;
    check(&spec, "post", "/v1/emulator/cloud/inbound", 200, &b);
    let inbound_id = b["messages"][0]["id"].as_str().unwrap().to_string();
    let path = "/{version}/{phone_number_id}/messages";
    let (s, b) = send(
        &app,
        N1,
        "v19.0",
        json!({"to": "16315557001", "text": {"body": "x"}}),
    )
    .await;
    check(&spec, "post", path, s.as_u16(), &b);
    let (s, b) = send(
        &app,
        N1,
        "v19.0",
        json!({"status": "read", "message_id": inbound_id}),
    )
    .await;
    check(&spec, "post", path, s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/inbound").await;
    check(&spec, "get", "/v1/emulator/inbound", s.as_u16(), &b);
    let (s, b) = app.get("/v1/emulator/messages").await;
    check(&spec, "get", "/v1/emulator/messages", s.as_u16(), &b);
    let (s, b) = send(&app, N1, "v19.0", json!({"to": "16315557001", "text": {}})).await;
    check(&spec, "post", path, s.as_u16(), &b);
    let (s, b) = graph(
        &app,
        None,
        Method::POST,
        &format!("/v19.0/{N1}/messages"),
        None,
    )
    .await;
    check(&spec, "post", path, s.as_u16(), &b);
    let (s, b) = graph(
        &app,
        Some("tok-1"),
        Method::GET,
        &format!("/v19.0/{N1}/messages"),
        None,
    )
    .await;
    check(&spec, "post", path, s.as_u16(), &b);
    let (s, b) = graph(
        &app,
        Some("tok-1"),
        Method::GET,
        "/v19.0/no-such-media",
        None,
    )
    .await;
    check(&spec, "get", "/{version}/{id}", s.as_u16(), &b);
    let got = rx.wait_until(crate::cloud::WAIT, |r| r.len() >= 3).await;
    let schema = json!({"$ref": "#/components/schemas/CloudNotification"});
    for r in &got {
        assert!(value(r).is_object());
        if let Err(e) = validate(&spec, &schema, &r.body, "$") {
            panic!("webhook: {e}\nbody: {}", r.body);
        }
    }
}

/// What a request generator (the contract test's schemathesis) needs: no conditional keywords it
/// cannot draw from, and every OpenAPI link naming an operation and parameters that exist.
#[test]
fn the_spec_is_generable_and_its_links_resolve() {
    let spec = spec();
    fn conditionals(v: &Value, at: &str, found: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, sub) in o {
                    if ["if", "then", "else", "dependentSchemas"].contains(&k.as_str()) {
                        found.push(format!("{at}/{k}"));
                    }
                    conditionals(sub, &format!("{at}/{k}"), found);
                }
            }
            Value::Array(a) => {
                for (i, sub) in a.iter().enumerate() {
                    conditionals(sub, &format!("{at}/{i}"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    conditionals(&spec, "#", &mut found);
    assert!(found.is_empty(), "conditional keywords: {found:?}");

    let mut params_of = std::collections::BTreeMap::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if let Some(id) = op["operationId"].as_str() {
                let names: BTreeSet<String> = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["name"].as_str().map(String::from))
                    .collect();
                params_of.insert(id.to_string(), names);
            }
        }
    }
    let mut links = 0;
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            for response in op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|r| r.1)
            {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    let target = link["operationId"].as_str().unwrap_or("");
                    let names = params_of.get(target).unwrap_or_else(|| {
                        panic!("link {name}: no operation {target}");
                    });
                    for p in link["parameters"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|p| p.0)
                    {
                        assert!(
                            names.contains(p),
                            "link {name}: {target} has no parameter {p}"
                        );
                    }
                    links += 1;
                }
            }
        }
    }
    assert!(
        links >= 5,
        "the spec ties ids together with links ({links})"
    );
}
