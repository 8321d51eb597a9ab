//! SMSGateway24: JSON POSTs to the device's two webhooks, "statuses" (delivery statuses) and
//! "incoming" (received SMS). Two schema variants: `current` (`channel_id`, string `address`,
//! `type`) and `2023` (the seed: `sim`, integer `address`). No secret, no signature.

use serde::{Deserialize, Serialize};

/// Assumed (the docs only say "JSON via a POST request").
pub const CONTENT_TYPE: &str = "application/json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Schema {
    #[default]
    #[serde(rename = "current")]
    Current,
    #[serde(rename = "2023")]
    V2023,
}

/// Every documented `status_id`, with a status message (the wording is illustrative).
pub const STATUSES: &[(u32, &str)] = &[
    (1, "SMS is pending"),
    (2, "SMS taken by phone"),
    (3, "SMS queued for sending"),
    (5, "Incoming SMS"),
    (6, "SMS sent by phone"),
    (7, "SMS has been Delivered"),
    (8, "SMS NOT delivered"),
    (9, "SMS not SENT at all - generic failure"),
    (10, "SMS not sent - No Service"),
    (11, "SMS not sent - Null PDU"),
    (12, "SMS not sent - Radio Off"),
    (100, "SMS not sent - NOT ALLOWED"),
    (101, "SMS not sent - NOT ALLOWED"),
];

/// The documented message of a status id; None for an undocumented id.
pub fn status_message(status_id: u32) -> Option<&'static str> {
    STATUSES
        .iter()
        .find(|(id, _)| *id == status_id)
        .map(|(_, m)| *m)
}

/// The failures an outbound SMS can end with.
pub const FAILURES: &[u32] = &[8, 9, 10, 11, 12, 100, 101];

/// A received SMS (`incoming` webhook). `channel_id` is sent as `sim` in the 2023 schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incoming {
    pub address: String,
    pub date: String,
    pub date_sent: String,
    pub body: String,
    #[serde(default, deserialize_with = "crate::wa::integer::opt_integral")]
    pub internal_id: Option<u64>,
    #[serde(alias = "sim")]
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub channel_id: u8,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub sms_id: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub device_id: u64,
    pub device_name: String,
    /// An image (the WhatsApp variant): sent as `type: "img"` with `img_url`, `sim`, a null
    /// `internal_id` and no device fields, whatever the schema.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "given"
    )]
    pub img_url: Option<String>,
}

/// An optional text that, when given, is a string (not null).
fn given<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// A delivery status of a sent SMS (`statuses` webhook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub sms_id: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub status_id: u32,
    pub status_message: String,
    pub sendto: String,
    pub senttime: String,
    #[serde(alias = "sim")]
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub channel_id: u8,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub device_id: u64,
}

/// The integer the 2023 schema sends as `address`: the number's digits (None if it has others).
pub fn address_number(address: &str) -> Option<u64> {
    let digits = address.strip_prefix('+').unwrap_or(address);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[derive(Serialize)]
struct IncomingCurrent<'a> {
    address: &'a str,
    date: &'a str,
    date_sent: &'a str,
    body: &'a str,
    internal_id: Option<u64>,
    channel_id: u8,
    sms_id: u64,
    device_id: u64,
    device_name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct Incoming2023<'a> {
    address: serde_json::Value,
    date: &'a str,
    date_sent: &'a str,
    body: &'a str,
    internal_id: Option<u64>,
    sim: u8,
    sms_id: u64,
    device_id: u64,
    device_name: &'a str,
}

#[derive(Serialize)]
struct IncomingImage<'a> {
    address: &'a str,
    date: &'a str,
    date_sent: &'a str,
    body: &'a str,
    internal_id: Option<u64>,
    sim: u8,
    sms_id: u64,
    #[serde(rename = "type")]
    kind: &'a str,
    img_url: &'a str,
}

#[derive(Serialize)]
struct StatusBody<'a> {
    sms_id: u64,
    status_id: u32,
    status_message: &'a str,
    sendto: &'a str,
    senttime: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sim: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_id: Option<u8>,
    device_id: u64,
}

/// The JSON body of an `incoming` webhook.
pub fn encode_incoming(schema: Schema, e: &Incoming) -> String {
    let json = match (schema, &e.img_url) {
        (_, Some(img_url)) => serde_json::to_string(&IncomingImage {
            address: &e.address,
            date: &e.date,
            date_sent: &e.date_sent,
            body: "",
            internal_id: None,
            sim: e.channel_id,
            sms_id: e.sms_id,
            kind: "img",
            img_url,
        }),
        (Schema::Current, None) => serde_json::to_string(&IncomingCurrent {
            address: &e.address,
            date: &e.date,
            date_sent: &e.date_sent,
            body: &e.body,
            internal_id: e.internal_id,
            channel_id: e.channel_id,
            sms_id: e.sms_id,
            device_id: e.device_id,
            device_name: &e.device_name,
            kind: "text",
        }),
        (Schema::V2023, None) => serde_json::to_string(&Incoming2023 {
            address: address_number(&e.address)
                .map_or_else(|| e.address.clone().into(), Into::into),
            date: &e.date,
            date_sent: &e.date_sent,
            body: &e.body,
            internal_id: e.internal_id,
            sim: e.channel_id,
            sms_id: e.sms_id,
            device_id: e.device_id,
            device_name: &e.device_name,
        }),
    };
    json.unwrap_or_default()
}

/// The JSON body of a `statuses` webhook.
pub fn encode_status(schema: Schema, e: &Status) -> String {
    let (sim, channel_id) = match schema {
        Schema::Current => (None, Some(e.channel_id)),
        Schema::V2023 => (Some(e.channel_id), None),
    };
    serde_json::to_string(&StatusBody {
        sms_id: e.sms_id,
        status_id: e.status_id,
        status_message: &e.status_message,
        sendto: &e.sendto,
        senttime: &e.senttime,
        sim,
        channel_id,
        device_id: e.device_id,
    })
    .unwrap_or_default()
}

pub fn headers() -> Vec<(String, String)> {
    vec![("Content-Type".into(), CONTENT_TYPE.into())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming() -> Incoming {
        Incoming {
            address: "+4915752982212".into(),
            date: "2024-05-01 14:03:22".into(),
            date_sent: "2024-05-01 14:03:20".into(),
            body: "Hi".into(),
            internal_id: Some(5512),
            channel_id: 1,
            sms_id: 880123,
            device_id: 260,
            device_name: "Pixel 6".into(),
            img_url: None,
        }
    }

    #[test]
    fn incoming_matches_the_reference_example() {
        assert_eq!(
            encode_incoming(Schema::Current, &incoming()),
            r#"{"address":"+4915752982212","date":"2024-05-01 14:03:22","date_sent":"2024-05-01 14:03:20","body":"Hi","internal_id":5512,"channel_id":1,"sms_id":880123,"device_id":260,"device_name":"Pixel 6","type":"text"}"#
        );
        assert_eq!(
            encode_incoming(Schema::V2023, &incoming()),
            r#"{"address":4915752982212,"date":"2024-05-01 14:03:22","date_sent":"2024-05-01 14:03:20","body":"Hi","internal_id":5512,"sim":1,"sms_id":880123,"device_id":260,"device_name":"Pixel 6"}"#
        );
    }

    #[test]
    fn an_image_is_the_whatsapp_variant() {
        let e = Incoming {
            img_url: Some("https://s3.example/a.jpg".into()),
            ..incoming()
        };
        assert_eq!(
            encode_incoming(Schema::Current, &e),
            r#"{"address":"+4915752982212","date":"2024-05-01 14:03:22","date_sent":"2024-05-01 14:03:20","body":"","internal_id":null,"sim":1,"sms_id":880123,"type":"img","img_url":"https://s3.example/a.jpg"}"#
        );
    }

    #[test]
    fn status_matches_the_reference_example() {
        let s = Status {
            sms_id: 22074938,
            status_id: 7,
            status_message: status_message(7).unwrap_or_default().into(),
            sendto: "+4915752982212".into(),
            senttime: "2024-05-01 14:03:22".into(),
            channel_id: 1,
            device_id: 260,
        };
        assert_eq!(
            encode_status(Schema::Current, &s),
            r#"{"sms_id":22074938,"status_id":7,"status_message":"SMS has been Delivered","sendto":"+4915752982212","senttime":"2024-05-01 14:03:22","channel_id":1,"device_id":260}"#
        );
        assert_eq!(
            encode_status(Schema::V2023, &s),
            r#"{"sms_id":22074938,"status_id":7,"status_message":"SMS has been Delivered","sendto":"+4915752982212","senttime":"2024-05-01 14:03:22","sim":1,"device_id":260}"#
        );
    }

    #[test]
    fn addresses_and_statuses() {
        assert_eq!(address_number("+4915752982212"), Some(4915752982212));
        assert_eq!(address_number("Bank"), None);
        assert_eq!(status_message(4), None);
        assert!(FAILURES.iter().all(|f| status_message(*f).is_some()));
    }
}
