//! Building inbound notifications (what a customer sends) in the On-Prem shape. Pure.

use super::ApiError;
use serde_json::{json, Map, Value};

/// Types a customer can send, as the webhook names them.
pub const INBOUND_TYPES: [&str; 14] = [
    "text",
    "image",
    "video",
    "audio",
    "voice",
    "document",
    "sticker",
    "location",
    "contacts",
    "button",
    "interactive",
    "system",
    "unknown",
    "reaction",
];

pub const MEDIA_TYPES: [&str; 6] = ["image", "video", "audio", "voice", "document", "sticker"];

/// The default content type of each inbound media type.
pub fn default_mime(kind: &str) -> &'static str {
    match kind {
        "image" => "image/jpeg",
        "video" => "video/mp4",
        "audio" => "audio/mpeg",
        "voice" => "audio/ogg; codecs=opus",
        "sticker" => "image/webp",
        _ => "application/pdf",
    }
}

fn need<'a>(o: &'a Map<String, Value>, path: &str, name: &str) -> Result<&'a Value, ApiError> {
    o.get(name)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::missing(&format!("{path}.{name}")))
}

fn need_str(o: &Map<String, Value>, path: &str, name: &str) -> Result<(), ApiError> {
    need(o, path, name)?
        .as_str()
        .map(|_| ())
        .ok_or_else(|| ApiError::invalid(&format!("{path}.{name}"), "must be a string"))
}

/// Checks the payload a customer message carries for its type (media payloads are checked
/// after their bytes are stored).
pub fn check_payload(kind: &str, payload: Option<&Value>) -> Result<(), ApiError> {
    if kind == "unknown" {
        return Ok(());
    }
    let p = payload.ok_or_else(|| ApiError::missing(kind))?;
    if kind == "contacts" {
        let list = p
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ApiError::invalid("contacts", "must be a non-empty array"))?;
        for (i, c) in list.iter().enumerate() {
            let c = c
                .as_object()
                .ok_or_else(|| ApiError::invalid(&format!("contacts[{i}]"), "must be an object"))?;
            let name = need(c, &format!("contacts[{i}]"), "name")?;
            name.get("formatted_name")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::missing(&format!("contacts[{i}].name.formatted_name")))?;
        }
        return Ok(());
    }
    let o = p
        .as_object()
        .ok_or_else(|| ApiError::invalid(kind, "must be a JSON object"))?;
    match kind {
        "text" => need_str(o, kind, "body")?,
        "location" => {
            for f in ["latitude", "longitude"] {
                need(o, kind, f)?.as_f64().ok_or_else(|| {
                    ApiError::invalid(&format!("location.{f}"), "must be a number")
                })?;
            }
        }
        "button" => {
            need_str(o, kind, "text")?;
            need_str(o, kind, "payload")?;
        }
        "interactive" => {
            let t = need(o, kind, "type")?.as_str().unwrap_or("");
            if t != "button_reply" && t != "list_reply" {
                return Err(ApiError::invalid(
                    "interactive.type",
                    "must be button_reply or list_reply",
                ));
            }
            let reply = need(o, kind, t)?.as_object().ok_or_else(|| {
                ApiError::invalid(&format!("interactive.{t}"), "must be an object")
            })?;
            need_str(reply, &format!("interactive.{t}"), "id")?;
            need_str(reply, &format!("interactive.{t}"), "title")?;
        }
        "system" => {
            let t = need(o, kind, "type")?.as_str().unwrap_or("");
            match t {
                "user_changed_number" => need_str(o, kind, "new_wa_id")?,
                "user_identity_changed" => {}
                _ => {
                    return Err(ApiError::invalid(
                        "system.type",
                        "must be user_changed_number or user_identity_changed",
                    ))
                }
            }
        }
        "reaction" => need_str(o, kind, "message_id")?,
        _ => {}
    }
    Ok(())
}

/// Fills the parts of a system payload the real API always sends.
pub fn complete_system(payload: &mut Value, from: &str) {
    let kind = payload["type"].as_str().unwrap_or("").to_string();
    if kind == "user_changed_number" && payload.get("body").is_none() {
        let new = payload["new_wa_id"].as_str().unwrap_or("").to_string();
        payload["body"] = json!(format!("User {from} changed from {from} to {new}"));
    }
    if kind == "user_identity_changed" {
        if payload.get("user").is_none() {
            payload["user"] = json!(from);
        }
        if payload.get("identity").is_none() {
            payload["identity"] = json!("Rc/eg9Rl0JA=");
        }
    }
}

/// The `messages[]` item and the notification body of an inbound message.
pub fn notification(
    id: &str,
    from: &str,
    profile_name: &str,
    kind: &str,
    payload: Option<Value>,
    extra: &Map<String, Value>,
    timestamp: u64,
) -> Value {
    let mut message =
        json!({ "from": from, "id": id, "timestamp": timestamp.to_string(), "type": kind });
    if let Some(p) = payload {
        message[kind] = p;
    }
    for (k, v) in extra {
        message[k] = v.clone();
    }
    if kind == "unknown" {
        message["errors"] = json!([{ "code": 501, "title": "Unknown message type", "details": "Message type is not currently supported" }]);
    }
    if kind == "system" {
        return json!({ "messages": [message] });
    }
    json!({ "contacts": [{ "profile": { "name": profile_name }, "wa_id": from }], "messages": [message] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let n = notification(
            "ABGG1",
            "16315551234",
            "Kerry Fisher",
            "text",
            Some(json!({"body":"hi"})),
            &Map::new(),
            1609879800,
        );
        assert_eq!(
            n,
            json!({"contacts":[{"profile":{"name":"Kerry Fisher"},"wa_id":"16315551234"}],
            "messages":[{"from":"16315551234","id":"ABGG1","timestamp":"1609879800","type":"text","text":{"body":"hi"}}]})
        );
        let u = notification("ABGG2", "1", "x", "unknown", None, &Map::new(), 0);
        assert_eq!(u["messages"][0]["errors"][0]["code"], 501);
        let mut sys = json!({"type":"user_changed_number","new_wa_id":"16315558890"});
        complete_system(&mut sys, "16315551234");
        assert!(sys["body"].as_str().unwrap().contains("16315558890"));
        assert!(
            notification("A", "1", "x", "system", Some(sys), &Map::new(), 0)
                .get("contacts")
                .is_none()
        );
    }

    #[test]
    fn payload_checks() {
        assert!(check_payload("text", Some(&json!({"body":"x"}))).is_ok());
        assert_eq!(
            check_payload("text", Some(&json!({}))).unwrap_err().code,
            1008
        );
        assert_eq!(
            check_payload("interactive", Some(&json!({"type":"nope"})))
                .unwrap_err()
                .code,
            1009
        );
        assert!(check_payload(
            "interactive",
            Some(
                &json!({"type":"list_reply","list_reply":{"id":"1","title":"t","description":"d"}})
            )
        )
        .is_ok());
        assert!(check_payload("unknown", None).is_ok());
        assert_eq!(
            check_payload("location", Some(&json!({"latitude":"x","longitude":1})))
                .unwrap_err()
                .code,
            1009
        );
    }
}
