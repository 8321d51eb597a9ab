//! `openapi/openapi.yaml` describes exactly the router's routes, and real answers validate
//! against the spec's response schemas.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn spec() -> Value {
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
fn validate(root: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
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
    Ok(())
}

/// Checks a real answer against the spec's schema for that operation and status.
fn check(spec: &Value, method: &str, path: &str, status: u16, body: &Value) {
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
