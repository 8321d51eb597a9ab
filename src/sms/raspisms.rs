//! RaspiSMS: one `application/x-www-form-urlencoded` POST per webhook with the fields
//! `webhook_timestamp`, `webhook_type`, `webhook_random_id`, `webhook_signature` and `body`, in
//! that order; `body` is a JSON string as PHP's `json_encode` writes it; the signature is the hex
//! HMAC-SHA256 of the random id keyed with the user's API key (it covers neither body nor type).

use super::{http_build_query, php_json_encode, FormValue};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// RaspiSMS posts with Guzzle (its version is UNCONFIRMED; 7 assumed).
pub const USER_AGENT: &str = "GuzzleHttp/7";
/// `receive_sms` texts longer than this are sent as one webhook per chunk.
pub const TEXT_CHUNK_CHARS: usize = 1000;

/// The webhook types a RaspiSMS webhook can subscribe to.
pub const TYPES: &[&str] = &[
    "receive_sms",
    "send_sms",
    "send_sms_status_change",
    "inbound_call",
    "phone_reliability",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id_user: u64,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiveSms {
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id: u64,
    pub at: String,
    pub text: String,
    /// The id of the phone that received it.
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub destination: u64,
    /// The sender's number.
    pub origin: String,
    pub command: bool,
    pub mms: bool,
    pub medias: Vec<Media>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendSms {
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id: u64,
    pub at: String,
    /// `unknown` (handed to the phone), or `failed` (refused).
    pub status: String,
    pub text: String,
    pub destination: String,
    /// The id of the phone that sent it.
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub origin: u64,
    pub mms: bool,
    pub medias: Vec<Media>,
    #[serde(default, deserialize_with = "crate::wa::integer::opt_integral")]
    pub originating_scheduled: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendSmsStatusChange {
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id: u64,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundCall {
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id_user: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id_phone: u64,
    pub uid: String,
    pub direction: String,
    pub start: String,
    pub end: Option<String>,
    pub origin: Option<String>,
    pub destination: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneReliability {
    pub reliability_type: String,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub id_phone: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub period: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub total: u64,
    #[serde(deserialize_with = "crate::wa::integer::integral")]
    pub unreliable: u64,
    pub rate: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    ReceiveSms(ReceiveSms),
    SendSms(SendSms),
    SendSmsStatusChange(SendSmsStatusChange),
    InboundCall(InboundCall),
    PhoneReliability(PhoneReliability),
}

impl Event {
    /// The `webhook_type`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::ReceiveSms(_) => "receive_sms",
            Event::SendSms(_) => "send_sms",
            Event::SendSmsStatusChange(_) => "send_sms_status_change",
            Event::InboundCall(_) => "inbound_call",
            Event::PhoneReliability(_) => "phone_reliability",
        }
    }

    /// `body`: the event as PHP's `json_encode` writes it.
    pub fn body(&self) -> String {
        match self {
            Event::ReceiveSms(e) => php_json_encode(e),
            Event::SendSms(e) => php_json_encode(e),
            Event::SendSmsStatusChange(e) => php_json_encode(e),
            Event::InboundCall(e) => php_json_encode(e),
            Event::PhoneReliability(e) => php_json_encode(e),
        }
    }
}

/// The signed envelope of one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub timestamp: u64,
    pub random_id: String,
    pub signature: String,
}

impl Envelope {
    /// `webhook_random_id` = `<timestamp>-<32 hex of the 16 random bytes>`, signed with `api_key`.
    pub fn signed(api_key: &str, timestamp: u64, random: [u8; 16]) -> Envelope {
        let random_id = format!("{timestamp}-{}", hex::encode(random));
        Envelope {
            timestamp,
            signature: sign(api_key, &random_id),
            random_id,
        }
    }
}

/// `hash_hmac('sha256', $random_id, $api_key)`: 64 lower-case hex digits.
pub fn sign(api_key: &str, random_id: &str) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(api_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(random_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The form body of one webhook POST.
pub fn encode(envelope: &Envelope, event: &Event) -> String {
    http_build_query(
        &[
            ("webhook_timestamp", envelope.timestamp.into()),
            ("webhook_type", event.name().into()),
            ("webhook_random_id", envelope.random_id.as_str().into()),
            ("webhook_signature", envelope.signature.as_str().into()),
            ("body", FormValue::Text(event.body())),
        ],
        None,
    )
}

/// A received text as RaspiSMS stores it: chunks of at most 1,000 characters (never empty).
pub fn split_text(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(TEXT_CHUNK_CHARS)
        .map(|c| c.iter().collect())
        .collect()
}

pub fn headers() -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), CONTENT_TYPE.into()),
        ("User-Agent".into(), USER_AGENT.into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: [u8; 16] = [
        0x6b, 0x1f, 0x0c, 0x9e, 0x3a, 0x2d, 0x4e, 0x5f, 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6,
        0xf7,
    ];

    #[test]
    fn receive_sms_matches_the_reference_example() {
        let env = Envelope::signed("raspisms-test-key", 1714572202, RANDOM);
        assert_eq!(env.random_id, "1714572202-6b1f0c9e3a2d4e5f8091a2b3c4d5e6f7");
        // Checked with Python: hmac.new(key, random_id, sha256).hexdigest().
        assert_eq!(
            env.signature,
            "4adea5f296dba81171f38df801ecd36d6e2615a8cb28eac65a0d83436c150b56"
        );
        let e = Event::ReceiveSms(ReceiveSms {
            id: 42,
            at: "2024-05-01 14:03:22".into(),
            text: "Bonjour".into(),
            destination: 3,
            origin: "+33612345678".into(),
            command: false,
            mms: false,
            medias: vec![],
        });
        assert_eq!(
            e.body(),
            r#"{"id":42,"at":"2024-05-01 14:03:22","text":"Bonjour","destination":3,"origin":"+33612345678","command":false,"mms":false,"medias":[]}"#
        );
        assert_eq!(
            encode(&env, &e),
            "webhook_timestamp=1714572202&webhook_type=receive_sms&webhook_random_id=1714572202-6b1f0c9e3a2d4e5f8091a2b3c4d5e6f7&webhook_signature=4adea5f296dba81171f38df801ecd36d6e2615a8cb28eac65a0d83436c150b56&body=%7B%22id%22%3A42%2C%22at%22%3A%222024-05-01+14%3A03%3A22%22%2C%22text%22%3A%22Bonjour%22%2C%22destination%22%3A3%2C%22origin%22%3A%22%2B33612345678%22%2C%22command%22%3Afalse%2C%22mms%22%3Afalse%2C%22medias%22%3A%5B%5D%7D"
        );
    }

    #[test]
    fn bodies_escape_as_php_does() {
        let e = Event::SendSms(SendSms {
            id: 7,
            at: "2024-05-01 14:03:22".into(),
            status: "unknown".into(),
            text: "Café / 😀".into(),
            destination: "+33612345678".into(),
            origin: 3,
            mms: true,
            medias: vec![Media {
                id: 1,
                id_user: 1,
                path: "1/a.jpg".into(),
            }],
            originating_scheduled: None,
        });
        assert_eq!(
            e.body(),
            r#"{"id":7,"at":"2024-05-01 14:03:22","status":"unknown","text":"Caf\u00e9 \/ \ud83d\ude00","destination":"+33612345678","origin":3,"mms":true,"medias":[{"id":1,"id_user":1,"path":"1\/a.jpg"}],"originating_scheduled":null}"#
        );
        let r = Event::PhoneReliability(PhoneReliability {
            reliability_type: "failed".into(),
            id_phone: 3,
            period: 86400,
            total: 40,
            unreliable: 10,
            rate: 0.25,
        });
        assert_eq!(
            r.body(),
            r#"{"reliability_type":"failed","id_phone":3,"period":86400,"total":40,"unreliable":10,"rate":0.25}"#
        );
    }

    #[test]
    fn long_texts_split_in_1000_character_chunks() {
        let text = "é".repeat(2500);
        let parts = split_text(&text);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            [1000, 1000, 500]
        );
        assert_eq!(split_text(""), [""]);
    }
}
