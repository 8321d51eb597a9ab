//! Template and hsm sends: what validation refuses, and the typed template it answers.

use super::super::tests::{check, code};
use super::super::*;
use serde_json::{json, Value};

fn send(components: Value) -> Value {
    json!({"to": "16315551001", "type": "template", "template": {"namespace": "ns", "name": "n",
        "language": {"policy": "deterministic", "code": "en_US"}, "components": components}})
}

fn body(param: Value) -> Value {
    send(json!([{"type": "body", "parameters": [param]}]))
}

fn button(sub_type: &str, param: Value) -> Value {
    send(json!([{"type": "button", "sub_type": sub_type, "index": "0", "parameters": [param]}]))
}

fn fails(v: Value, want: u32, field: &str) {
    let (c, details) = code(v);
    assert_eq!(c, want, "{details}");
    assert!(details.contains(field), "{details} (want {field})");
}

#[test]
fn every_parameter_type_in_its_place() {
    let t = send(json!([
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.test/i.jpg"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ann"},
            {"type": "currency", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": 1000}},
            {"type": "date_time", "date_time": {"fallback_value": "today"}}]},
        {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "yes"}]},
        {"type": "button", "sub_type": "url", "index": 1, "parameters": [{"type": "text", "text": "order/42"}]}]));
    assert!(check(t).is_ok());
    assert!(check(send(json!([{"type": "header", "parameters": [{"type": "document", "document": {"id": "pdf-media"}}]}]))).is_ok());
}

#[test]
fn a_valid_send_answers_the_typed_template() {
    let t = check(send(json!([
        {"type": "header", "parameters": [{"type": "image", "image": {"id": "known-media"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ann"},
            {"type": "currency", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": 1000}},
            {"type": "date_time", "date_time": {"fallback_value": "today"}}]},
        {"type": "button", "sub_type": "quick_reply", "index": "2", "parameters": [{"type": "payload", "payload": "yes"}]}])))
    .unwrap();
    assert_eq!(t.message_type, MessageType::Template);
    let want = TemplateSend {
        form: TemplateForm::Template,
        namespace: "ns".into(),
        name: "n".into(),
        language: Language {
            code: "en_US".into(),
            policy: Some(LanguagePolicy::Deterministic),
        },
        components: vec![
            ComponentParams {
                kind: ComponentKind::Header,
                button: None,
                parameters: vec![Param::Media {
                    kind: HeaderMedia::Image,
                    source: MediaSource::Id("known-media".into()),
                }],
            },
            ComponentParams {
                kind: ComponentKind::Body,
                button: None,
                parameters: vec![
                    Param::Text("Ann".into()),
                    Param::Currency {
                        fallback_value: "$1".into(),
                        code: "USD".into(),
                        amount_1000: 1000,
                    },
                    Param::DateTime {
                        fallback_value: "today".into(),
                    },
                ],
            },
            ComponentParams {
                kind: ComponentKind::Button,
                button: Some(ButtonRef {
                    sub_type: ButtonSubType::QuickReply,
                    index: 2,
                }),
                parameters: vec![Param::Payload("yes".into())],
            },
        ],
    };
    assert_eq!(t.template, Some(want));
}

#[test]
fn an_hsm_send_is_a_body_of_localizable_params() {
    let h = check(
        json!({"to": "16315551001", "type": "hsm", "hsm": {"namespace": "ns",
        "element_name": "e", "language": {"code": "en"}, "localizable_params": [
            {"default": "Ann"},
            {"default": "$1", "currency": {"currency_code": "EUR", "amount_1000": 5}},
            {"default": "Tue", "date_time": {"unix_epoch": {"timestamp": 1}}}]}}),
    )
    .unwrap()
    .template
    .unwrap();
    assert_eq!(h.form, TemplateForm::Hsm);
    assert_eq!((h.name.as_str(), h.language.policy), ("e", None));
    assert_eq!(
        h.components,
        vec![ComponentParams {
            kind: ComponentKind::Body,
            button: None,
            parameters: vec![
                Param::Text("Ann".into()),
                Param::Currency {
                    fallback_value: "$1".into(),
                    code: "EUR".into(),
                    amount_1000: 5
                },
                Param::DateTime {
                    fallback_value: "Tue".into()
                },
            ],
        }]
    );
}

#[test]
fn parameter_rules() {
    fails(
        body(json!({"type": "text", "text": "x".repeat(1025)})),
        2004,
        "parameters[0].text",
    );
    fails(
        body(json!({"type": "text", "text": "a\nb"})),
        2006,
        "parameters[0].text",
    );
    fails(
        body(json!({"type": "image", "image": {"link": "https://x.test/i.jpg"}})),
        2008,
        "parameters[0]",
    );
    fails(body(json!({"type": "text"})), 2012, "parameters[0]");
    fails(body(json!({"type": "emoji"})), 2012, "parameters[0]");
    fails(
        body(json!({"type": "payload", "payload": "p"})),
        2012,
        "parameters[0]",
    );
    fails(
        body(
            json!({"type": "currency", "currency": {"fallback_value": "$1", "code": "usd", "amount_1000": 1}}),
        ),
        2012,
        "currency.code",
    );
    fails(
        body(
            json!({"type": "currency", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": "1"}}),
        ),
        2012,
        "amount_1000",
    );
    fails(
        body(json!({"type": "text", "text": "a", "payload": "b"})),
        1010,
        "parameters[0].payload",
    );
    fails(
        body(
            json!({"type": "currency", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": 1, "x": 1}}),
        ),
        1010,
        "currency.x",
    );
    fails(
        send(
            json!([{"type": "header", "parameters": [{"type": "image", "image": {"id": "pdf-media"}}]}]),
        ),
        1009,
        "template.components[0].parameters[0].image.id",
    );
    fails(
        send(json!([{"type": "body", "sub_type": "url"}])),
        1010,
        "components[0].sub_type",
    );
    fails(
        send(json!([{"type": "button", "sub_type": "call", "index": 0}])),
        1009,
        "components[0].sub_type",
    );
    fails(
        send(json!([{"type": "button", "sub_type": "url", "index": 10}])),
        1009,
        "components[0].index",
    );
    fails(
        send(json!([{"type": "button", "index": 0}])),
        1008,
        "components[0].sub_type",
    );
    assert_eq!(
        code(json!({"to": "16315551001", "type": "template", "template": {"namespace": "ns", "name": "n"}})).0,
        1008
    );
}

#[test]
fn date_time_parameters() {
    let dt = |d: Value| body(json!({"type": "date_time", "date_time": d}));
    assert!(check(dt(
        json!({"fallback_value": "Feb 25", "day_of_week": 5, "year": 1977, "month": 2,
        "day_of_month": 25, "hour": 15, "minute": 33, "calendar": "GREGORIAN"})
    ))
    .is_ok());
    assert!(check(dt(
        json!({"fallback_value": "then", "timestamp": 1485470276})
    ))
    .is_ok());
    fails(
        dt(json!({"day_of_week": 5})),
        1008,
        "date_time.fallback_value",
    );
    fails(
        dt(json!({"fallback_value": "x", "month": 13})),
        2012,
        "date_time.month",
    );
    fails(
        dt(json!({"fallback_value": "x", "timestamp": "now"})),
        2012,
        "date_time.timestamp",
    );
    fails(
        dt(json!({"fallback_value": "x", "weekday": 1})),
        1010,
        "date_time.weekday",
    );
}

#[test]
fn hsm_shape() {
    let hsm = |h: Value| json!({"to": "16315551001", "type": "hsm", "hsm": h});
    assert!(check(hsm(json!({"namespace": "ns", "element_name": "e", "language": {"policy": "deterministic", "code": "en"},
        "localizable_params": [{"default": "x"}]}))).is_ok());
    fails(
        hsm(
            json!({"namespace": "ns", "element_name": "e", "language": {"code": "en"}, "localizable_params": {"default": "x"}}),
        ),
        1009,
        "hsm.localizable_params",
    );
    fails(
        hsm(
            json!({"namespace": "ns", "element_name": "e", "language": {"code": "en", "policy": "nearest"}}),
        ),
        1009,
        "hsm.language.policy",
    );
    fails(
        hsm(json!({"namespace": "ns", "language": {"code": "en"}})),
        1008,
        "hsm.element_name",
    );
}

#[test]
fn button_parameters_match_the_sub_type() {
    assert!(check(button(
        "quick_reply",
        json!({"type": "payload", "payload": "yes"})
    ))
    .is_ok());
    assert!(check(button("url", json!({"type": "text", "text": "abc"}))).is_ok());
    for (sub, param) in [
        ("quick_reply", json!({"type": "text", "text": "abc"})),
        (
            "quick_reply",
            json!({"type": "currency", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": 1}}),
        ),
        ("url", json!({"type": "payload", "payload": "yes"})),
        (
            "url",
            json!({"type": "date_time", "date_time": {"fallback_value": "today"}}),
        ),
        (
            "url",
            json!({"type": "image", "image": {"link": "https://x.test/i.jpg"}}),
        ),
    ] {
        let (c, details) = code(button(sub, param.clone()));
        assert_eq!(c, 2012, "{sub} {param}: {details}");
        assert!(
            details.starts_with("template.components[0].parameters[0]: a "),
            "{details}"
        );
    }
}
