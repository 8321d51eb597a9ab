//! Cloud validation of `POST /{version}/{phone-number-id}/messages` bodies. Where the Cloud API
//! checks what On-Prem checks (text, media, location, contacts, button/list/product interactive,
//! template components, reaction, context) the On-Prem validators in `wa::outbound` do the work and
//! their codes are mapped to Cloud codes; Cloud-only fields and types are checked here.

use super::errors::{from_onprem, GraphError};
use crate::wa::outbound::{self, MediaLookup, MessageType, RecipientType, TemplateSend};
use serde_json::{json, Map, Value};

/// `interactive.type`s only the Cloud API has.
const CLOUD_INTERACTIVE: [&str; 4] = [
    "cta_url",
    "location_request_message",
    "flow",
    "catalog_message",
];
/// Message types a Cloud send may carry.
const CLOUD_TYPES: [&str; 11] = [
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
    "reaction",
];
const OPAQUE_MAX: usize = 512;

/// What a valid body asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Send(Send),
    /// Mark-as-read (and the typing indicator, which also marks read).
    Read {
        message_id: String,
        typing: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    /// `to` as sent.
    pub input: String,
    /// The normalised wa_id (or group id).
    pub to: String,
    pub recipient_type: RecipientType,
    pub message_type: MessageType,
    pub biz_opaque_callback_data: Option<String>,
    /// For templates: the template it names with its parameters (checked against the registry).
    pub template: Option<TemplateSend>,
}

/// What `POST /{phone-number-id}/messages` answers: `{"success":true}` for a mark-as-read or
/// a typing indicator; for a send, `contacts`, `messages` and `messaging_product` (in this
/// order, as the Graph answer is written), `message_status` `accepted` on a template send.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Answer {
    Read {
        success: bool,
    },
    Sent {
        contacts: [Contact; 1],
        messages: [SentId; 1],
        messaging_product: &'static str,
    },
}

#[derive(Debug, serde::Serialize)]
pub struct Contact {
    pub input: String,
    pub wa_id: String,
}

#[derive(Debug, serde::Serialize)]
pub struct SentId {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_status: Option<&'static str>,
}

impl Answer {
    /// The answer to a send of `input` (normalised to `wa_id`) stored as `id`.
    pub fn sent(input: String, wa_id: String, id: String, template: bool) -> Answer {
        Answer::Sent {
            contacts: [Contact { input, wa_id }],
            messages: [SentId {
                id,
                message_status: template.then_some("accepted"),
            }],
            messaging_product: "whatsapp",
        }
    }
}

fn missing(path: &str) -> GraphError {
    GraphError::new(131008, format!("Missing required parameter: {path}"))
}

fn bad(path: &str, why: impl std::fmt::Display) -> GraphError {
    GraphError::new(131009, format!("{path}: {why}"))
}

fn str_field<'a>(o: &'a Map<String, Value>, path: &str, name: &str) -> Result<&'a str, GraphError> {
    let full = if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    };
    match o.get(name) {
        None | Some(Value::Null) => Err(missing(&full)),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(bad(&full, "must be a non-empty string")),
    }
}

fn max_chars(s: &str, path: &str, max: usize) -> Result<(), GraphError> {
    let n = s.chars().count();
    if n > max {
        return Err(bad(path, format!("is {n} characters, the limit is {max}")));
    }
    Ok(())
}

fn only(o: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<(), GraphError> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(GraphError::invalid(format!(
            "Param {}{k} is not a valid parameter",
            if path.is_empty() {
                String::new()
            } else {
                format!("{path}.")
            }
        ))),
        None => Ok(()),
    }
}

pub fn validate(body: Value, default_cc: &str, media: MediaLookup) -> Result<Request, GraphError> {
    let Value::Object(mut onprem) = body else {
        return Err(GraphError::invalid(
            "The request body must be a JSON object",
        ));
    };
    let o = &onprem;
    match str_field(o, "", "messaging_product")? {
        "whatsapp" => {}
        other => {
            return Err(bad(
                "messaging_product",
                format!("'{other}' is not whatsapp"),
            ))
        }
    }
    if o.contains_key("status") {
        return read(o);
    }
    let message_type = match o.get("type") {
        None | Some(Value::Null) => "text",
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(bad("type", "must be a string")),
    };
    let Some(message_type) = CLOUD_TYPES.into_iter().find(|t| *t == message_type) else {
        return Err(GraphError::new(
            131051,
            format!("Unsupported message type: '{message_type}'"),
        ));
    };
    let input = o
        .get("to")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    // The body becomes the On-Prem request its checks run on.
    onprem.insert("type".into(), json!(message_type));
    let opaque = match onprem.remove("biz_opaque_callback_data") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            max_chars(&s, "biz_opaque_callback_data", OPAQUE_MAX)?;
            Some(s)
        }
        Some(_) => return Err(bad("biz_opaque_callback_data", "must be a string")),
    };
    match message_type {
        "text" => {
            // Cloud: text.preview_url; On-Prem: a top-level preview_url.
            if let Some(preview) = onprem
                .get_mut("text")
                .and_then(Value::as_object_mut)
                .and_then(|t| t.remove("preview_url"))
            {
                onprem.insert("preview_url".into(), preview);
            }
        }
        "template" => {
            let t = onprem
                .get_mut("template")
                .and_then(Value::as_object_mut)
                .ok_or_else(|| missing("template"))?;
            // Cloud templates have no namespace; On-Prem's validator wants one.
            t.entry("namespace").or_insert(json!("cloud"));
            str_field(t, "template", "name")?;
            // Clients send component types in either case (pywa: "HEADER", "BODY"); Graph
            // takes both.
            for c in t
                .get_mut("components")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                for key in ["type", "sub_type"] {
                    if let Some(Value::String(v)) = c.get_mut(key) {
                        *v = v.to_ascii_lowercase();
                    }
                }
            }
        }
        "interactive" => {
            let i = onprem
                .get_mut("interactive")
                .and_then(Value::as_object_mut)
                .ok_or_else(|| missing("interactive"))?;
            let kind = str_field(i, "interactive", "type")?.to_string();
            if CLOUD_INTERACTIVE.contains(&kind.as_str()) {
                cloud_interactive(i, &kind)?;
                // The rest of the body is checked by On-Prem's rules with a stand-in payload.
                *i = json!({"type":"button","body":{"text":"-"},"action":{"buttons":[{"type":"reply","reply":{"id":"-","title":"-"}}]}})
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
            }
        }
        _ => {}
    }
    let checked = outbound::validate(&Value::Object(onprem), default_cc, media).map_err(|e| {
        if e.code == 1006 {
            let path = e
                .details
                .as_deref()
                .and_then(|d| d.split(':').next())
                .unwrap_or("media.id");
            return GraphError::invalid(format!(
                "Param {path} is not a valid whatsapp business account media attachment ID"
            ));
        }
        from_onprem(&e)
    })?;
    Ok(Request::Send(Send {
        input,
        to: checked.to,
        recipient_type: checked.recipient_type,
        message_type: checked.message_type,
        biz_opaque_callback_data: opaque,
        template: checked.template,
    }))
}

fn read(o: &Map<String, Value>) -> Result<Request, GraphError> {
    only(
        o,
        "",
        &[
            "messaging_product",
            "status",
            "message_id",
            "typing_indicator",
            "recipient_type",
        ],
    )?;
    if str_field(o, "", "status")? != "read" {
        return Err(bad("status", "must be read"));
    }
    let message_id = str_field(o, "", "message_id")?.to_string();
    let typing = match o.get("typing_indicator") {
        None | Some(Value::Null) => false,
        Some(Value::Object(t)) => {
            only(t, "typing_indicator", &["type"])?;
            if str_field(t, "typing_indicator", "type")? != "text" {
                return Err(bad("typing_indicator.type", "must be text"));
            }
            true
        }
        Some(_) => return Err(bad("typing_indicator", "must be an object")),
    };
    Ok(Request::Read { message_id, typing })
}

/// `cta_url`, `location_request_message`, `flow` and `catalog_message` interactive payloads.
fn cloud_interactive(i: &Map<String, Value>, kind: &str) -> Result<(), GraphError> {
    const P: &str = "interactive";
    only(i, P, &["type", "header", "body", "footer", "action"])?;
    let body = i
        .get("body")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("interactive.body"))?;
    max_chars(
        str_field(body, "interactive.body", "text")?,
        "interactive.body.text",
        1024,
    )?;
    if let Some(f) = i.get("footer") {
        let f = f
            .as_object()
            .ok_or_else(|| bad("interactive.footer", "must be an object"))?;
        max_chars(
            str_field(f, "interactive.footer", "text")?,
            "interactive.footer.text",
            60,
        )?;
    }
    if let Some(h) = i.get("header") {
        let h = h
            .as_object()
            .ok_or_else(|| bad("interactive.header", "must be an object"))?;
        let t = str_field(h, "interactive.header", "type")?;
        let allowed: &[&str] = if kind == "cta_url" {
            &["text", "image", "video", "document"]
        } else {
            &["text"]
        };
        if !allowed.contains(&t) {
            return Err(bad(
                "interactive.header.type",
                format!("must be one of {}", allowed.join(", ")),
            ));
        }
        if t == "text" {
            max_chars(
                str_field(h, "interactive.header", "text")?,
                "interactive.header.text",
                60,
            )?;
        }
    }
    const A: &str = "interactive.action";
    let a = i
        .get("action")
        .and_then(Value::as_object)
        .ok_or_else(|| missing(A))?;
    let name = str_field(a, A, "name")?;
    let want = match kind {
        "cta_url" => "cta_url",
        "location_request_message" => "send_location",
        "flow" => "flow",
        _ => "catalog_message",
    };
    if name != want {
        return Err(bad(
            "interactive.action.name",
            format!("must be {want} for {kind}"),
        ));
    }
    let params = a.get("parameters").and_then(Value::as_object);
    match kind {
        "cta_url" => {
            let p = params.ok_or_else(|| missing("interactive.action.parameters"))?;
            max_chars(
                str_field(p, "interactive.action.parameters", "display_text")?,
                "interactive.action.parameters.display_text",
                20,
            )?;
            let url = str_field(p, "interactive.action.parameters", "url")?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(bad(
                    "interactive.action.parameters.url",
                    "must be an http(s) URL",
                ));
            }
        }
        "flow" => {
            const FP: &str = "interactive.action.parameters";
            let p = params.ok_or_else(|| missing(FP))?;
            if str_field(p, FP, "flow_message_version")? != "3" {
                return Err(bad(
                    "interactive.action.parameters.flow_message_version",
                    "must be \"3\"",
                ));
            }
            if !p.contains_key("flow_id") && !p.contains_key("flow_name") {
                return Err(missing(
                    "interactive.action.parameters.flow_id or flow_name",
                ));
            }
            max_chars(
                str_field(p, FP, "flow_cta")?,
                "interactive.action.parameters.flow_cta",
                30,
            )?;
            if let Some(mode) = p.get("mode").and_then(Value::as_str) {
                if mode != "draft" && mode != "published" {
                    return Err(bad(
                        "interactive.action.parameters.mode",
                        "must be draft or published",
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: Value) -> Result<Request, GraphError> {
        let mime = |id: &str| (id == "img").then(|| "image/jpeg".to_string());
        validate(v, "1", &mime)
    }

    fn code(v: Value) -> u32 {
        check(v).unwrap_err().code
    }

    #[test]
    fn sends_and_reads() {
        let Request::Send(s) = check(json!({"messaging_product":"whatsapp","to":"+1 631-555-1001","type":"text","text":{"body":"hi","preview_url":true},"biz_opaque_callback_data":"ref"})).unwrap() else { panic!() };
        assert_eq!(
            (
                s.input.as_str(),
                s.to.as_str(),
                s.biz_opaque_callback_data.as_deref()
            ),
            ("+1 631-555-1001", "16315551001", Some("ref"))
        );
        assert_eq!(check(json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.A","typing_indicator":{"type":"text"}})).unwrap(),
            Request::Read { message_id: "wamid.A".into(), typing: true });
        assert_eq!(
            code(json!({"to":"16315551001","text":{"body":"x"}})),
            131008
        );
        assert_eq!(
            code(json!({"messaging_product":"sms","to":"16315551001","text":{"body":"x"}})),
            131009
        );
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","to":"16315551001","text":{}})),
            131008
        );
        assert_eq!(
            code(
                json!({"messaging_product":"whatsapp","to":"16315551001","text":{"body":"x".repeat(4097)}})
            ),
            131009
        );
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","to":"16315551001","type":"hsm","hsm":{}})),
            131051
        );
        assert_eq!(
            code(
                json!({"messaging_product":"whatsapp","to":"16315551001","type":"image","image":{"id":"nope"}})
            ),
            100
        );
        let Request::Send(t) = check(json!({"messaging_product":"whatsapp","to":"16315551001","type":"template","template":{"name":"hello","language":{"code":"en_US"}}})).unwrap() else { panic!() };
        let sent = t.template.unwrap();
        assert_eq!(
            (sent.name.as_str(), sent.language.code.as_str()),
            ("hello", "en_US")
        );
    }

    #[test]
    fn cloud_interactive_types() {
        let ok = |i: Value| {
            check(
                json!({"messaging_product":"whatsapp","to":"16315551001","type":"interactive","interactive":i}),
            )
        };
        assert!(ok(json!({"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"Go","url":"https://x.test"}}})).is_ok());
        assert!(ok(json!({"type":"location_request_message","body":{"text":"where?"},"action":{"name":"send_location"}})).is_ok());
        assert!(ok(json!({"type":"flow","body":{"text":"b"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"1","flow_cta":"Open"}}})).is_ok());
        assert_eq!(ok(json!({"type":"flow","body":{"text":"b"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_cta":"Open"}}})).unwrap_err().code, 131008);
        assert_eq!(ok(json!({"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"Go","url":"ftp://x"}}})).unwrap_err().code, 131009);
    }
}
