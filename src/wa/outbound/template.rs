//! Template payloads (`template`, and the legacy `hsm`): components and their parameters.

use super::fields::*;
use super::media::media_ref;
use super::MediaLookup;
use crate::wa::ApiError;
use serde_json::Value;

const TEMPLATE_PARAM_MAX_CHARS: usize = 1024;

fn language(o: &Obj, path: &str) -> Result<(), ApiError> {
    let lp = join(path, "language");
    let l = obj(field(o, path, "language")?, &lp)?;
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
        match kind {
            "header" | "body" | "footer" => {}
            "button" => {
                let sub = string(c, &cp, "sub_type")?;
                if sub != "quick_reply" && sub != "url" {
                    return Err(ApiError::invalid(
                        &join(&cp, "sub_type"),
                        "must be quick_reply or url",
                    ));
                }
                let index = field(c, &cp, "index")?;
                let ok = index
                    .as_u64()
                    .or_else(|| index.as_str().and_then(|s| s.parse().ok()))
                    .is_some_and(|i| i <= 9);
                if !ok {
                    return Err(ApiError::invalid(&join(&cp, "index"), "must be 0-9"));
                }
            }
            _ => {
                return Err(ApiError::invalid(
                    &join(&cp, "type"),
                    "must be header, body, footer or button",
                ))
            }
        }
        let Some(params) = c.get("parameters") else {
            continue;
        };
        let params = params
            .as_array()
            .ok_or_else(|| ApiError::invalid(&join(&cp, "parameters"), "must be an array"))?;
        for (m, param) in params.iter().enumerate() {
            template_param(
                obj(param, &format!("{cp}.parameters[{m}]"))?,
                &format!("{cp}.parameters[{m}]"),
                kind,
                media,
            )?;
        }
    }
    Ok(())
}

fn template_param(
    p: &Obj,
    path: &str,
    component: &str,
    media: MediaLookup,
) -> Result<(), ApiError> {
    let kind = string(p, path, "type")?;
    let mismatch = |why: &str| ApiError::new(2012, format!("{path}: {why}"));
    match kind {
        "text" => {
            let text = p.get("text").and_then(Value::as_str).ok_or_else(|| mismatch("a text parameter needs a string 'text'"))?;
            let n = text.chars().count();
            if n > TEMPLATE_PARAM_MAX_CHARS {
                return Err(ApiError::new(2004, format!("{path}.text is {n} characters, the limit is {TEMPLATE_PARAM_MAX_CHARS}")));
            }
            if component == "body" && (text.contains('\n') || text.contains('\t') || text.contains("     ")) {
                return Err(ApiError::new(2006, format!("{path}.text may not hold new lines, tabs or more than 4 consecutive spaces")));
            }
        }
        "currency" => {
            let c = p.get("currency").and_then(Value::as_object).ok_or_else(|| mismatch("a currency parameter needs a 'currency' object"))?;
            let cp = join(path, "currency");
            string(c, &cp, "fallback_value")?;
            let code = string(c, &cp, "code")?;
            if code.len() != 3 || !code.chars().all(|ch| ch.is_ascii_uppercase()) {
                return Err(mismatch("currency.code must be an ISO 4217 code such as USD"));
            }
            field(c, &cp, "amount_1000")?.as_i64().ok_or_else(|| mismatch("currency.amount_1000 must be an integer"))?;
        }
        "date_time" => {
            let d = p.get("date_time").and_then(Value::as_object).ok_or_else(|| mismatch("a date_time parameter needs a 'date_time' object"))?;
            string(d, &join(path, "date_time"), "fallback_value")?;
        }
        "image" | "document" | "video" => {
            if component != "header" {
                return Err(ApiError::new(2008, format!("{path}: {kind} parameters belong in the header component")));
            }
            let m = p.get(kind).and_then(Value::as_object).ok_or_else(|| mismatch(&format!("a {kind} parameter needs a '{kind}' object")))?;
            media_ref(m, &join(path, kind), kind, media)?;
        }
        "payload" => {
            if component != "button" {
                return Err(mismatch("payload parameters belong in a quick_reply button component"));
            }
            p.get("payload").and_then(Value::as_str).ok_or_else(|| mismatch("a payload parameter needs a string 'payload'"))?;
        }
        other => return Err(mismatch(&format!("'{other}' is not a parameter type (text, currency, date_time, image, document, video, payload)"))),
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
            string(obj(param, &path)?, &path, "default")?;
        }
    }
    Ok(())
}
