//! Validation of `POST /v1/messages` bodies, type by type, as the real API answers:
//! missing field 1008, bad value 1009, field not allowed 1010, too long 1001, bad recipient 1013,
//! bad recipient_type 1002, template parameter problems 2004-2012. Pure: media ids are checked
//! through the `media_exists` callback.

use super::ApiError;
use serde_json::{Map, Value};

pub const TEXT_MAX_CHARS: usize = 4096;
const CAPTION_MAX_CHARS: usize = 1024;
const TEMPLATE_PARAM_MAX_CHARS: usize = 1024;
pub const MESSAGE_TYPES: [&str; 13] = [
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "template",
    "hsm",
    "reaction",
    "button",
];

/// What the rest of the emulator needs from a valid send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    pub to: String,
    pub recipient_type: String,
    pub message_type: String,
}

type Obj = Map<String, Value>;

fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Obj, ApiError> {
    v.as_object()
        .ok_or_else(|| ApiError::invalid(path, "must be a JSON object"))
}

fn field<'a>(o: &'a Obj, path: &str, name: &str) -> Result<&'a Value, ApiError> {
    match o.get(name) {
        Some(Value::Null) | None => Err(ApiError::missing(&join(path, name))),
        Some(v) => Ok(v),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn string<'a>(o: &'a Obj, path: &str, name: &str) -> Result<&'a str, ApiError> {
    let v = field(o, path, name)?;
    let s = v
        .as_str()
        .ok_or_else(|| ApiError::invalid(&join(path, name), "must be a string"))?;
    if s.trim().is_empty() {
        return Err(ApiError::invalid(&join(path, name), "must not be empty"));
    }
    Ok(s)
}

fn opt_string<'a>(o: &'a Obj, path: &str, name: &str) -> Result<Option<&'a str>, ApiError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(&join(path, name), "must be a string")),
    }
}

fn max_chars(s: &str, path: &str, max: usize) -> Result<(), ApiError> {
    let n = s.chars().count();
    if n > max {
        return Err(ApiError::invalid(
            path,
            format!("is {n} characters, the limit is {max}"),
        ));
    }
    Ok(())
}

fn only(o: &Obj, path: &str, allowed: &[&str]) -> Result<(), ApiError> {
    for k in o.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::new(
                1010,
                format!(
                    "{} is not a parameter of {}",
                    join(path, k),
                    if path.is_empty() { "a message" } else { path }
                ),
            ));
        }
    }
    Ok(())
}

fn array<'a>(
    o: &'a Obj,
    path: &str,
    name: &str,
    min: usize,
    max: usize,
) -> Result<&'a Vec<Value>, ApiError> {
    let p = join(path, name);
    let a = field(o, path, name)?
        .as_array()
        .ok_or_else(|| ApiError::invalid(&p, "must be an array"))?;
    if a.len() < min || a.len() > max {
        return Err(ApiError::invalid(
            &p,
            format!("must hold {min} to {max} items, it holds {}", a.len()),
        ));
    }
    Ok(a)
}

/// Normalises a phone number to a wa_id: digits only; without a leading `+`, a number of ten
/// digits or fewer gets `default_cc` in front. None when it cannot be a phone number.
pub fn normalize_number(input: &str, default_cc: &str) -> Option<String> {
    let trimmed = input.trim();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return None;
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let full = if trimmed.starts_with('+') || digits.len() > 10 {
        digits
    } else {
        format!("{default_cc}{digits}")
    };
    (8..=15).contains(&full.len()).then_some(full)
}

pub fn validate(
    body: &Value,
    default_cc: &str,
    media_exists: &dyn Fn(&str) -> bool,
) -> Result<Outbound, ApiError> {
    let o = obj(body, "body")?;
    let recipient_type = opt_string(o, "", "recipient_type")?
        .unwrap_or("individual")
        .to_string();
    if recipient_type != "individual" && recipient_type != "group" {
        return Err(ApiError::new(
            1002,
            format!("recipient_type must be individual or group, not '{recipient_type}'"),
        ));
    }
    let to_raw = string(o, "", "to")?;
    let to = if recipient_type == "group" {
        to_raw.to_string()
    } else {
        normalize_number(to_raw, default_cc).ok_or_else(|| {
            ApiError::new(
                1013,
                format!("to: '{to_raw}' is not a valid WhatsApp user number"),
            )
        })?
    };
    let message_type = opt_string(o, "", "type")?.unwrap_or("text").to_string();
    if !MESSAGE_TYPES.contains(&message_type.as_str()) || message_type == "button" {
        return Err(ApiError::invalid(
            "type",
            format!("'{message_type}' is not a message type you can send"),
        ));
    }
    only(
        o,
        "",
        &[
            "to",
            "recipient_type",
            "type",
            "preview_url",
            "ttl",
            "context",
            "messaging_product",
            &message_type,
        ],
    )?;
    if o.contains_key("preview_url") {
        if message_type != "text" {
            return Err(ApiError::new(1010, "preview_url is only for text messages"));
        }
        field(o, "", "preview_url")?
            .as_bool()
            .ok_or_else(|| ApiError::invalid("preview_url", "must be true or false"))?;
    }
    if let Some(ctx) = o.get("context") {
        let c = obj(ctx, "context")?;
        only(c, "context", &["message_id"])?;
        string(c, "context", "message_id")?;
    }
    let payload = field(o, "", &message_type)?;
    let p = message_type.as_str();
    match p {
        "text" => {
            let t = obj(payload, p)?;
            only(t, p, &["body"])?;
            let b = string(t, p, "body")?;
            let n = b.chars().count();
            if n > TEXT_MAX_CHARS {
                return Err(ApiError::new(
                    1001,
                    format!("text.body is {n} characters, the limit is {TEXT_MAX_CHARS}"),
                ));
            }
        }
        "image" | "video" | "audio" | "document" | "sticker" => {
            media(obj(payload, p)?, p, media_exists)?
        }
        "location" => location(obj(payload, p)?)?,
        "contacts" => {
            let list = payload
                .as_array()
                .ok_or_else(|| ApiError::invalid(p, "must be an array of contacts"))?;
            if list.is_empty() {
                return Err(ApiError::invalid(p, "must hold at least one contact"));
            }
            for (i, c) in list.iter().enumerate() {
                let path = format!("contacts[{i}]");
                let name = obj(field(obj(c, &path)?, &path, "name")?, &join(&path, "name"))?;
                string(name, &join(&path, "name"), "formatted_name")?;
            }
        }
        "interactive" => interactive(obj(payload, p)?, media_exists)?,
        "template" => template(obj(payload, p)?, media_exists)?,
        "hsm" => hsm(obj(payload, p)?)?,
        "reaction" => {
            let r = obj(payload, p)?;
            only(r, p, &["message_id", "emoji"])?;
            string(r, p, "message_id")?;
            opt_string(r, p, "emoji")?;
        }
        _ => unreachable!("types are checked above"),
    }
    Ok(Outbound {
        to,
        recipient_type,
        message_type,
    })
}

fn media(m: &Obj, p: &str, media_exists: &dyn Fn(&str) -> bool) -> Result<(), ApiError> {
    let allowed: &[&str] = match p {
        "image" | "video" => &["id", "link", "caption", "provider"],
        "document" => &["id", "link", "caption", "filename", "provider"],
        _ => &["id", "link", "provider"],
    };
    only(m, p, allowed)?;
    media_ref(m, p, media_exists)?;
    if let Some(c) = opt_string(m, p, "caption")? {
        max_chars(c, &join(p, "caption"), CAPTION_MAX_CHARS)?;
    }
    opt_string(m, p, "filename")?;
    if let Some(provider) = m.get("provider") {
        string(
            obj(provider, &join(p, "provider"))?,
            &join(p, "provider"),
            "name",
        )?;
    }
    Ok(())
}

/// Exactly one of `id` (an uploaded media id) and `link` (an http(s) URL).
fn media_ref(m: &Obj, p: &str, media_exists: &dyn Fn(&str) -> bool) -> Result<(), ApiError> {
    match (opt_string(m, p, "id")?, opt_string(m, p, "link")?) {
        (Some(_), Some(_)) => Err(ApiError::invalid(p, "give either id or link, not both")),
        (None, None) => Err(ApiError::missing(&format!("{p}.id or {p}.link"))),
        (Some(id), None) if !media_exists(id) => Err(ApiError::not_found(format!(
            "{p}.id: media {id} does not exist; upload it with POST /v1/media"
        ))),
        (None, Some(link)) => match reqwest::Url::parse(link) {
            Ok(u) if u.scheme() == "https" || u.scheme() == "http" => Ok(()),
            _ => Err(ApiError::invalid(
                &join(p, "link"),
                format!("'{link}' is not an http(s) URL"),
            )),
        },
        _ => Ok(()),
    }
}

fn number(o: &Obj, path: &str, name: &str, range: (f64, f64)) -> Result<f64, ApiError> {
    let p = join(path, name);
    let v = field(o, path, name)?;
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::invalid(&p, "must be a number"))?;
    if n < range.0 || n > range.1 {
        return Err(ApiError::invalid(
            &p,
            format!("must be between {} and {}", range.0, range.1),
        ));
    }
    Ok(n)
}

fn location(l: &Obj) -> Result<(), ApiError> {
    only(
        l,
        "location",
        &["latitude", "longitude", "name", "address", "url"],
    )?;
    number(l, "location", "latitude", (-90.0, 90.0))?;
    number(l, "location", "longitude", (-180.0, 180.0))?;
    opt_string(l, "location", "name")?;
    opt_string(l, "location", "address")?;
    Ok(())
}

fn interactive(i: &Obj, media_exists: &dyn Fn(&str) -> bool) -> Result<(), ApiError> {
    const P: &str = "interactive";
    only(i, P, &["type", "header", "body", "footer", "action"])?;
    let kind = string(i, P, "type")?;
    if !["button", "list", "product", "product_list"].contains(&kind) {
        return Err(ApiError::invalid(
            "interactive.type",
            format!("'{kind}' is not button, list, product or product_list"),
        ));
    }
    if kind != "product" || i.contains_key("body") {
        let b = obj(field(i, P, "body")?, "interactive.body")?;
        max_chars(
            string(b, "interactive.body", "text")?,
            "interactive.body.text",
            1024,
        )?;
    }
    if let Some(f) = i.get("footer") {
        max_chars(
            string(obj(f, "interactive.footer")?, "interactive.footer", "text")?,
            "interactive.footer.text",
            60,
        )?;
    }
    if let Some(h) = i.get("header") {
        let h = obj(h, "interactive.header")?;
        let ht = string(h, "interactive.header", "type")?;
        match ht {
            "text" => max_chars(
                string(h, "interactive.header", "text")?,
                "interactive.header.text",
                60,
            )?,
            "image" | "video" | "document" => {
                let path = format!("interactive.header.{ht}");
                media_ref(
                    obj(field(h, "interactive.header", ht)?, &path)?,
                    &path,
                    media_exists,
                )?
            }
            _ => {
                return Err(ApiError::invalid(
                    "interactive.header.type",
                    "must be text, image, video or document",
                ))
            }
        }
    } else if kind == "product_list" {
        return Err(ApiError::missing("interactive.header"));
    }
    let a = obj(field(i, P, "action")?, "interactive.action")?;
    const A: &str = "interactive.action";
    match kind {
        "button" => {
            let buttons = array(a, A, "buttons", 1, 3)?;
            let mut ids = std::collections::HashSet::new();
            for (n, b) in buttons.iter().enumerate() {
                let path = format!("{A}.buttons[{n}]");
                let b = obj(b, &path)?;
                if string(b, &path, "type")? != "reply" {
                    return Err(ApiError::invalid(&join(&path, "type"), "must be reply"));
                }
                let rp = join(&path, "reply");
                let r = obj(field(b, &path, "reply")?, &rp)?;
                let id = string(r, &rp, "id")?;
                max_chars(id, &join(&rp, "id"), 256)?;
                max_chars(string(r, &rp, "title")?, &join(&rp, "title"), 20)?;
                if !ids.insert(id) {
                    return Err(ApiError::invalid(
                        &join(&rp, "id"),
                        "button ids must be unique",
                    ));
                }
            }
        }
        "list" => {
            max_chars(string(a, A, "button")?, "interactive.action.button", 20)?;
            let sections = array(a, A, "sections", 1, 10)?;
            let mut rows_total = 0;
            for (n, s) in sections.iter().enumerate() {
                let path = format!("{A}.sections[{n}]");
                let s = obj(s, &path)?;
                if sections.len() > 1 {
                    max_chars(string(s, &path, "title")?, &join(&path, "title"), 24)?;
                }
                let rows = array(s, &path, "rows", 1, 10)?;
                rows_total += rows.len();
                for (m, r) in rows.iter().enumerate() {
                    let rp = format!("{path}.rows[{m}]");
                    let r = obj(r, &rp)?;
                    max_chars(string(r, &rp, "id")?, &join(&rp, "id"), 200)?;
                    max_chars(string(r, &rp, "title")?, &join(&rp, "title"), 24)?;
                    if let Some(d) = opt_string(r, &rp, "description")? {
                        max_chars(d, &join(&rp, "description"), 72)?;
                    }
                }
            }
            if rows_total > 10 {
                return Err(ApiError::invalid(
                    "interactive.action.sections",
                    format!("{rows_total} rows in all, the limit is 10"),
                ));
            }
        }
        "product" => {
            string(a, A, "catalog_id")?;
            string(a, A, "product_retailer_id")?;
        }
        _ => {
            string(a, A, "catalog_id")?;
            for (n, s) in array(a, A, "sections", 1, 10)?.iter().enumerate() {
                let path = format!("{A}.sections[{n}]");
                let s = obj(s, &path)?;
                for (m, item) in array(s, &path, "product_items", 1, 30)?.iter().enumerate() {
                    let ip = format!("{path}.product_items[{m}]");
                    string(obj(item, &ip)?, &ip, "product_retailer_id")?;
                }
            }
        }
    }
    Ok(())
}

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

fn template(t: &Obj, media_exists: &dyn Fn(&str) -> bool) -> Result<(), ApiError> {
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
                media_exists,
            )?;
        }
    }
    Ok(())
}

fn template_param(
    p: &Obj,
    path: &str,
    component: &str,
    media_exists: &dyn Fn(&str) -> bool,
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
            media_ref(m, &join(path, kind), media_exists)?;
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

fn hsm(h: &Obj) -> Result<(), ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Result<Outbound, ApiError> {
        validate(&v, "1", &|id| id == "known-media")
    }

    fn code(v: Value) -> (u32, String) {
        let e = check(v).unwrap_err();
        (e.code, e.details.unwrap_or_default())
    }

    #[test]
    fn numbers_are_normalised() {
        assert_eq!(
            normalize_number("+1 631 555 1001", "1").as_deref(),
            Some("16315551001")
        );
        assert_eq!(
            normalize_number("(631) 555-1001", "1").as_deref(),
            Some("16315551001")
        );
        assert_eq!(
            normalize_number("447700900123", "1").as_deref(),
            Some("447700900123")
        );
        assert_eq!(normalize_number("abc", "1"), None);
        assert_eq!(normalize_number("+12", "1"), None);
    }

    #[test]
    fn text_rules() {
        let ok = check(
            json!({"to":"+1 631 555 1001","type":"text","text":{"body":"hi"},"preview_url":true}),
        )
        .unwrap();
        assert_eq!(
            ok,
            Outbound {
                to: "16315551001".into(),
                recipient_type: "individual".into(),
                message_type: "text".into()
            }
        );
        assert_eq!(code(json!({"to":"1","text":{"body":"x"}})).0, 1013);
        assert_eq!(code(json!({"text":{"body":"x"}})).0, 1008);
        assert_eq!(
            code(json!({"to":"16315551001","text":{}})),
            (1008, "Missing required parameter: text.body".into())
        );
        assert_eq!(
            code(json!({"to":"16315551001","text":{"body":"x".repeat(4097)}})).0,
            1001
        );
        assert_eq!(
            code(json!({"to":"16315551001","recipient_type":"broadcast","text":{"body":"x"}})).0,
            1002
        );
        assert_eq!(code(json!({"to":"16315551001","type":"image","image":{"id":"known-media"},"preview_url":true})).0, 1010);
        assert_eq!(
            code(json!({"to":"16315551001","type":"text","text":{"body":"x"},"image":{}})).0,
            1010
        );
        assert_eq!(
            code(json!({"to":"16315551001","type":"fax","fax":{}})).0,
            1009
        );
    }

    #[test]
    fn media_rules() {
        assert!(check(
            json!({"to":"16315551001","type":"image","image":{"id":"known-media","caption":"c"}})
        )
        .is_ok());
        assert!(check(json!({"to":"16315551001","type":"document","document":{"link":"https://x.test/a.pdf","filename":"a.pdf"}})).is_ok());
        assert_eq!(
            code(json!({"to":"16315551001","type":"image","image":{"id":"nope"}})).0,
            1006
        );
        assert_eq!(code(json!({"to":"16315551001","type":"audio","audio":{"id":"known-media","caption":"c"}})).0, 1010);
        assert_eq!(
            code(json!({"to":"16315551001","type":"video","video":{}})).0,
            1008
        );
        assert_eq!(
            code(json!({"to":"16315551001","type":"video","video":{"link":"ftp://x"}})).0,
            1009
        );
    }

    #[test]
    fn interactive_rules() {
        let buttons = json!({"to":"16315551001","type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},
            "action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"b","title":"B"}}]}}});
        assert!(check(buttons).is_ok());
        let list = json!({"to":"16315551001","type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},
            "action":{"button":"Open","sections":[{"title":"S","rows":[{"id":"r1","title":"Row","description":"d"}]}]}}});
        assert!(check(list).is_ok());
        let too_many = json!({"to":"16315551001","type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},
            "action":{"buttons":[1,2,3,4]}}});
        assert_eq!(code(too_many).0, 1009);
        let long_title = json!({"to":"16315551001","type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},
            "action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"x".repeat(21)}}]}}});
        assert!(code(long_title).1.contains("reply.title"));
    }

    #[test]
    fn template_rules() {
        let t = json!({"to":"16315551001","type":"template","template":{"namespace":"ns","name":"hello","language":{"policy":"deterministic","code":"en_US"},
            "components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://x.test/i.jpg"}}]},
                          {"type":"body","parameters":[{"type":"text","text":"Ann"},{"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":1000}},{"type":"date_time","date_time":{"fallback_value":"today"}}]},
                          {"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"yes"}]}]}});
        assert!(check(t).is_ok());
        let bad = |param: Value| json!({"to":"16315551001","type":"template","template":{"namespace":"ns","name":"n","language":{"code":"en"},"components":[{"type":"body","parameters":[param]}]}});
        assert_eq!(
            code(bad(json!({"type":"text","text":"x".repeat(1025)}))).0,
            2004
        );
        assert_eq!(code(bad(json!({"type":"text","text":"a\nb"}))).0, 2006);
        assert_eq!(
            code(bad(
                json!({"type":"image","image":{"link":"https://x.test/i.jpg"}})
            ))
            .0,
            2008
        );
        assert_eq!(code(bad(json!({"type":"text"}))).0, 2012);
        assert_eq!(code(bad(json!({"type":"emoji"}))).0, 2012);
        assert_eq!(code(json!({"to":"16315551001","type":"template","template":{"namespace":"ns","name":"n"}})).0, 1008);
        let hsm = json!({"to":"16315551001","type":"hsm","hsm":{"namespace":"ns","element_name":"n","language":{"policy":"deterministic","code":"en"},"localizable_params":[{"default":"x"}]}});
        assert!(check(hsm).is_ok());
    }

    #[test]
    fn location_and_contacts() {
        assert!(check(json!({"to":"16315551001","type":"location","location":{"latitude":1.5,"longitude":"-3","name":"HQ"}})).is_ok());
        assert_eq!(code(json!({"to":"16315551001","type":"location","location":{"latitude":91,"longitude":0}})).0, 1009);
        assert!(check(json!({"to":"16315551001","type":"contacts","contacts":[{"name":{"formatted_name":"Ann"},"phones":[{"phone":"+1"}]}]})).is_ok());
        assert_eq!(
            code(json!({"to":"16315551001","type":"contacts","contacts":[{"name":{}}]})).0,
            1008
        );
    }
}
