//! Template payloads (`template`, and the legacy `hsm`): components and their parameters.
//! Currency and date values are checked in `localizable`.

use super::fields::*;
use super::localizable::{currency_code, date_parts, integer, localizable_param, DATE_PARTS};
use super::media::header_media;
use super::MediaLookup;
use crate::wa::ApiError;

const TEMPLATE_PARAM_MAX_CHARS: usize = 1024;

fn language(o: &Obj, path: &str) -> Result<(), ApiError> {
    let lp = join(path, "language");
    let l = obj(field(o, path, "language")?, &lp)?;
    only(l, &lp, &["code", "policy"])?;
    string(l, &lp, "code")?;
    if let Some(policy) = opt_string(l, &lp, "policy")? {
        if policy != "deterministic" && policy != "fallback" {
            return Err(ApiError::invalid(
                &join(&lp, "policy"),
                "must be deterministic or fallback",
            ));
        }
    }
    Ok(())
}

pub(super) fn template(t: &Obj, media: MediaLookup) -> Result<(), ApiError> {
    const P: &str = "template";
    only(t, P, &["namespace", "name", "language", "components"])?;
    string(t, P, "namespace")?;
    string(t, P, "name")?;
    language(t, P)?;
    let Some(components) = t.get("components") else {
        return Ok(());
    };
    let components = components
        .as_array()
        .ok_or_else(|| ApiError::invalid("template.components", "must be an array"))?;
    for (n, c) in components.iter().enumerate() {
        let cp = format!("template.components[{n}]");
        let c = obj(c, &cp)?;
        let kind = string(c, &cp, "type")?;
        let sub_type = match kind {
            "header" | "body" | "footer" => {
                only(c, &cp, &["type", "parameters"])?;
                None
            }
            "button" => {
                only(c, &cp, &["type", "sub_type", "index", "parameters"])?;
                Some(button(c, &cp)?)
            }
            _ => {
                return Err(ApiError::invalid(
                    &join(&cp, "type"),
                    "must be header, body, footer or button",
                ))
            }
        };
        let Some(params) = c.get("parameters") else {
            continue;
        };
        let params = params
            .as_array()
            .ok_or_else(|| ApiError::invalid(&join(&cp, "parameters"), "must be an array"))?;
        for (m, param) in params.iter().enumerate() {
            let path = format!("{cp}.parameters[{m}]");
            let param = obj(param, &path)?;
            template_param(param, &path, kind, sub_type, media)?;
        }
    }
    Ok(())
}

/// A button component's `sub_type` (quick_reply or url), after checking its `index` (0-9).
fn button<'a>(c: &'a Obj, cp: &str) -> Result<&'a str, ApiError> {
    let sub = string(c, cp, "sub_type")?;
    if sub != "quick_reply" && sub != "url" {
        return Err(ApiError::invalid(
            &join(cp, "sub_type"),
            "must be quick_reply or url",
        ));
    }
    let index = field(c, cp, "index")?;
    let ok = crate::wa::integer::as_u64(index)
        .or_else(|| index.as_str().and_then(|s| s.parse().ok()))
        .is_some_and(|i| i <= 9);
    if !ok {
        return Err(ApiError::invalid(&join(cp, "index"), "must be 0-9"));
    }
    Ok(sub)
}

const PARAM_TYPES: [&str; 7] = [
    "text",
    "currency",
    "date_time",
    "image",
    "document",
    "video",
    "payload",
];

/// One parameter of a component: its type must suit the component (media in the header,
/// `payload` in a quick_reply button, `text` in a url button), and it carries exactly the
/// object its type names.
fn template_param(
    p: &Obj,
    path: &str,
    component: &str,
    sub_type: Option<&str>,
    media: MediaLookup,
) -> Result<(), ApiError> {
    let kind = string(p, path, "type")?;
    let mismatch = |why: &str| ApiError::new(2012, format!("{path}: {why}"));
    if !PARAM_TYPES.contains(&kind) {
        return Err(mismatch(&format!(
            "'{kind}' is not a parameter type ({})",
            PARAM_TYPES.join(", ")
        )));
    }
    match (sub_type, kind) {
        (Some("quick_reply"), "payload") | (Some("url"), "text") | (None, _) => {}
        (Some(sub), _) => {
            let want = if sub == "url" { "text" } else { "payload" };
            return Err(mismatch(&format!(
                "a {sub} button takes {want} parameters, not {kind}"
            )));
        }
    }
    only(p, path, &["type", kind])?;
    let value = |what: &str| {
        p.get(kind)
            .ok_or_else(|| mismatch(&format!("a {kind} parameter needs {what} '{kind}'")))
    };
    match kind {
        "text" => {
            let text = value("a string")?
                .as_str()
                .ok_or_else(|| mismatch("a text parameter needs a string 'text'"))?;
            text_param(text, path, component)?;
        }
        "currency" => {
            let c = value("an object")?
                .as_object()
                .ok_or_else(|| mismatch("a currency parameter needs a 'currency' object"))?;
            let cp = join(path, "currency");
            only(c, &cp, &["fallback_value", "code", "amount_1000"])?;
            string(c, &cp, "fallback_value")?;
            currency_code(c, &cp, "code").map_err(as_mismatch)?;
            integer(c, &cp, "amount_1000", i64::MIN..=i64::MAX).map_err(as_mismatch)?;
        }
        "date_time" => {
            let d = value("an object")?
                .as_object()
                .ok_or_else(|| mismatch("a date_time parameter needs a 'date_time' object"))?;
            let dp = join(path, "date_time");
            let allowed: Vec<&str> = ["fallback_value", "timestamp"]
                .into_iter()
                .chain(DATE_PARTS)
                .collect();
            only(d, &dp, &allowed)?;
            string(d, &dp, "fallback_value")?;
            date_parts(d, &dp).map_err(as_mismatch)?;
            if d.get("timestamp").is_some_and(|t| !t.is_null()) {
                integer(d, &dp, "timestamp", 0..=i64::MAX).map_err(as_mismatch)?;
            }
        }
        "image" | "document" | "video" => {
            if component != "header" {
                return Err(ApiError::new(
                    2008,
                    format!("{path}: {kind} parameters belong in the header component"),
                ));
            }
            let m = value("an object")?
                .as_object()
                .ok_or_else(|| mismatch(&format!("a {kind} parameter needs a '{kind}' object")))?;
            header_media(m, &join(path, kind), kind, media)?;
        }
        _ => {
            if component != "button" {
                return Err(mismatch(
                    "payload parameters belong in a quick_reply button component",
                ));
            }
            value("a string")?
                .as_str()
                .ok_or_else(|| mismatch("a payload parameter needs a string 'payload'"))?;
        }
    }
    Ok(())
}

/// Template parameters answer a value of the wrong format with 2012, not 1009.
fn as_mismatch(e: ApiError) -> ApiError {
    match e.code {
        1009 => ApiError::new(2012, e.details.unwrap_or_default()),
        _ => e,
    }
}

/// A text parameter: at most 1024 characters (2004); in the body no new lines, tabs or more
/// than four spaces in a row (2006).
fn text_param(text: &str, path: &str, component: &str) -> Result<(), ApiError> {
    let n = text.chars().count();
    if n > TEMPLATE_PARAM_MAX_CHARS {
        return Err(ApiError::new(
            2004,
            format!("{path}.text is {n} characters, the limit is {TEMPLATE_PARAM_MAX_CHARS}"),
        ));
    }
    if component == "body" && (text.contains('\n') || text.contains('\t') || text.contains("     "))
    {
        return Err(ApiError::new(
            2006,
            format!("{path}.text may not hold new lines, tabs or more than 4 consecutive spaces"),
        ));
    }
    Ok(())
}

pub(super) fn hsm(h: &Obj) -> Result<(), ApiError> {
    const P: &str = "hsm";
    only(
        h,
        P,
        &[
            "namespace",
            "element_name",
            "language",
            "localizable_params",
        ],
    )?;
    string(h, P, "namespace")?;
    string(h, P, "element_name")?;
    language(h, P)?;
    if let Some(params) = h.get("localizable_params") {
        let params = params
            .as_array()
            .ok_or_else(|| ApiError::invalid("hsm.localizable_params", "must be an array"))?;
        for (n, param) in params.iter().enumerate() {
            let path = format!("hsm.localizable_params[{n}]");
            localizable_param(obj(param, &path)?, &path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, code};
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
}
