//! Cloud API webhooks: the `whatsapp_business_account` envelope, statuses with per-message
//! pricing, inbound messages, and the `X-Hub-Signature-256` header.

use super::{GraphError, Version};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;

/// What a Cloud send carries for its statuses (stored with the sent message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudSend {
    pub phone_number_id: String,
    /// The Graph version of the send (`v19.0`): decides version-dependent webhook fields.
    pub version: String,
    /// `marketing`, `utility`, `authentication` (the template's category) or `service`.
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biz_opaque_callback_data: Option<String>,
}

/// The business number a webhook is about.
#[derive(Debug, Clone, Copy)]
pub struct Metadata<'a> {
    pub waba_id: &'a str,
    pub display_phone_number: &'a str,
    pub phone_number_id: &'a str,
}

/// `{"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"value":{...},"field":"messages"}]}]}`;
/// `parts` holds `contacts` | `messages` | `statuses` | `errors`.
pub fn envelope(m: Metadata, parts: Map<String, Value>) -> Value {
    let mut value = Map::new();
    value.insert("messaging_product".into(), json!("whatsapp"));
    value.insert(
        "metadata".into(),
        json!({ "display_phone_number": m.display_phone_number, "phone_number_id": m.phone_number_id }),
    );
    value.extend(parts);
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": m.waba_id, "changes": [{ "value": value, "field": "messages" }] }],
    })
}

/// A WABA-level change (templates, account): `{"object":"whatsapp_business_account","entry":
/// [{"id":WABA,"time":unix,"changes":[{"value":{...},"field":field}]}]}`, no number metadata.
pub fn waba_change(waba_id: &str, field: &str, value: Value, at_s: u64) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": waba_id, "time": at_s, "changes": [{ "value": value, "field": field }] }],
    })
}

/// One status of a sent message.
pub struct StatusFacts<'a> {
    pub message_id: &'a str,
    pub recipient_id: &'a str,
    pub status: &'a str,
    pub at_ms: u64,
    pub send: &'a CloudSend,
    pub conversation_id: &'a str,
    pub conversation_expiration_s: u64,
    pub error_code: Option<u32>,
}

/// A `statuses[]` item: per-message pricing (`PMP`) on `sent` and `delivered`, `conversation`
/// before v24.0, `errors` on `failed`.
pub fn status(f: &StatusFacts) -> Value {
    let mut s = json!({
        "id": f.message_id,
        "status": f.status,
        "timestamp": (f.at_ms / 1000).to_string(),
        "recipient_id": f.recipient_id,
    });
    if let Some(data) = &f.send.biz_opaque_callback_data {
        s["biz_opaque_callback_data"] = json!(data);
    }
    let version = Version::parse(&f.send.version).unwrap_or(Version {
        major: 24,
        minor: 0,
    });
    if matches!(f.status, "sent" | "delivered" | "read") && version.has_conversation() {
        let mut c = json!({ "id": f.conversation_id, "origin": { "type": f.send.category } });
        if f.status == "sent" {
            c["expiration_timestamp"] = json!(f.conversation_expiration_s.to_string());
        }
        s["conversation"] = c;
    }
    if matches!(f.status, "sent" | "delivered") {
        let service = f.send.category == "service";
        s["pricing"] = json!({
            "billable": !service,
            "pricing_model": "PMP",
            "type": if service { "free_customer_service" } else { "regular" },
            "category": f.send.category,
        });
    }
    if f.status == "failed" {
        let code = super::errors::async_code(f.error_code.unwrap_or(131000));
        s["errors"] = json!([GraphError::new(code, async_details(code)).to_webhook()]);
    }
    s
}

fn async_details(code: u32) -> &'static str {
    match code {
        131047 => "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        131026 => "Message could not be delivered to the recipient.",
        _ => "The message could not be delivered (emulated failure).",
    }
}

/// The Cloud shape of an inbound notification built in the On-Prem shape
/// (`{contacts, messages}`): `unknown` becomes `unsupported` (131051), `voice` becomes `audio`
/// with `voice: true`.
pub fn inbound_parts(onprem: &Value) -> Map<String, Value> {
    let mut parts = onprem.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(messages)) = parts.get_mut("messages") {
        for m in messages.iter_mut() {
            match m["type"].as_str() {
                Some("unknown") => {
                    m["type"] = json!("unsupported");
                    m["errors"] = json!([GraphError::new(
                        131051,
                        "Message type is currently not supported."
                    )
                    .to_webhook()]);
                    m["errors"][0]["title"] = json!("Message type unknown");
                    m["errors"][0]["message"] = json!("Message type unknown");
                }
                Some("voice") => {
                    let mut audio = m.get("voice").cloned().unwrap_or_else(|| json!({}));
                    audio["voice"] = json!(true);
                    if let Some(o) = m.as_object_mut() {
                        o.remove("voice");
                    }
                    m["type"] = json!("audio");
                    m["audio"] = audio;
                }
                _ => {}
            }
        }
    }
    parts
}

/// `sha256=<hex HMAC-SHA256(app secret, body)>`, the `X-Hub-Signature-256` header value.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(version: &str, category: &str) -> CloudSend {
        CloudSend {
            phone_number_id: "106".into(),
            version: version.into(),
            category: category.into(),
            biz_opaque_callback_data: Some("ref-1".into()),
        }
    }

    fn facts<'a>(status: &'a str, send: &'a CloudSend) -> StatusFacts<'a> {
        StatusFacts {
            message_id: "wamid.X",
            recipient_id: "16315551001",
            status,
            at_ms: 1_700_000_000_000,
            send,
            conversation_id: "c1",
            conversation_expiration_s: 1_700_086_400,
            error_code: None,
        }
    }

    #[test]
    fn statuses_carry_pmp_pricing_and_conversation_by_version() {
        let s = send("v19.0", "marketing");
        let v = status(&facts("sent", &s));
        assert_eq!(v["timestamp"], "1700000000");
        assert_eq!(
            v["pricing"],
            json!({"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"})
        );
        assert_eq!(v["conversation"]["origin"]["type"], "marketing");
        assert_eq!(v["conversation"]["expiration_timestamp"], "1700086400");
        assert_eq!(v["biz_opaque_callback_data"], "ref-1");
        let read = status(&facts("read", &s));
        assert!(read.get("pricing").is_none());
        assert!(read["conversation"].get("expiration_timestamp").is_none());
        let s24 = send("v24.0", "service");
        let v = status(&facts("delivered", &s24));
        assert!(v.get("conversation").is_none());
        assert_eq!(v["pricing"]["type"], "free_customer_service");
        let mut f = facts("failed", &s24);
        f.error_code = Some(131047);
        let v = status(&f);
        assert_eq!(v["errors"][0]["code"], 131047);
        assert!(v.get("pricing").is_none());
    }

    #[test]
    fn envelope_and_signature() {
        let m = Metadata {
            waba_id: "W",
            display_phone_number: "15550001111",
            phone_number_id: "P",
        };
        let mut parts = Map::new();
        parts.insert("statuses".into(), json!([]));
        let e = envelope(m, parts);
        assert_eq!(e["object"], "whatsapp_business_account");
        assert_eq!(e["entry"][0]["id"], "W");
        assert_eq!(e["entry"][0]["changes"][0]["field"], "messages");
        assert_eq!(
            e["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"],
            "P"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn inbound_types_take_their_cloud_names() {
        let n =
            json!({"messages":[{"type":"unknown","id":"a"},{"type":"voice","voice":{"id":"m"}}]});
        let p = inbound_parts(&n);
        assert_eq!(p["messages"][0]["type"], "unsupported");
        assert_eq!(p["messages"][0]["errors"][0]["code"], 131051);
        assert_eq!(p["messages"][1]["type"], "audio");
        assert_eq!(p["messages"][1]["audio"], json!({"id":"m","voice":true}));
    }
}
