//! Zender (SmsNotif): one `application/x-www-form-urlencoded` POST per webhook, as Guzzle's
//! `form_params` writes it (PHP `http_build_query`): `secret`, `type`, then `data[...]`.
//! The secret is sent as-is; there is no signature.

use super::{http_build_query, FormValue};
use serde::{Deserialize, Serialize};

/// The Content-Type of every Zender webhook.
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// The User-Agent of the Guzzle 7 client the Zender server bundles.
pub const USER_AGENT: &str = "GuzzleHttp/7";

/// A received SMS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sms {
    pub id: u64,
    pub rid: u64,
    pub sim: u8,
    pub device: String,
    pub phone: String,
    pub message: String,
    pub timestamp: u64,
}

/// A received WhatsApp chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Whatsapp {
    pub id: u64,
    pub wid: String,
    pub phone: String,
    pub message: String,
    pub timestamp: u64,
    /// Newer builds only: a URL, or `false` (sent as `0`); absent from the seed's docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Attachment {
    Url(String),
    Flag(bool),
}

/// A USSD response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ussd {
    pub id: u64,
    pub sim: u8,
    pub device: String,
    pub code: String,
    pub response: String,
    pub timestamp: u64,
}

/// An Android notification seen on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    pub id: u64,
    pub device: String,
    pub package: String,
    pub title: String,
    pub content: String,
    pub timestamp: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Sms(Sms),
    Whatsapp(Whatsapp),
    Ussd(Ussd),
    Notification(Notification),
}

impl Event {
    /// The event name, which is also the `type` field and the webhook subscription name.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Sms(_) => "sms",
            Event::Whatsapp(_) => "whatsapp",
            Event::Ussd(_) => "ussd",
            Event::Notification(_) => "notification",
        }
    }

    /// `data`'s fields in the order the server writes them.
    fn data(&self) -> Vec<(&'static str, FormValue)> {
        match self {
            Event::Sms(e) => vec![
                ("id", e.id.into()),
                ("rid", e.rid.into()),
                ("sim", u32::from(e.sim).into()),
                ("device", e.device.as_str().into()),
                ("phone", e.phone.as_str().into()),
                ("message", e.message.as_str().into()),
                ("timestamp", e.timestamp.into()),
            ],
            Event::Whatsapp(e) => {
                let mut v = vec![
                    ("id", e.id.into()),
                    ("wid", e.wid.as_str().into()),
                    ("phone", e.phone.as_str().into()),
                    ("message", e.message.as_str().into()),
                    ("timestamp", e.timestamp.into()),
                ];
                match &e.attachment {
                    Some(Attachment::Url(u)) => v.push(("attachment", u.as_str().into())),
                    Some(Attachment::Flag(b)) => v.push(("attachment", FormValue::Bool(*b))),
                    None => {}
                }
                v
            }
            Event::Ussd(e) => vec![
                ("id", e.id.into()),
                ("sim", u32::from(e.sim).into()),
                ("device", e.device.as_str().into()),
                ("code", e.code.as_str().into()),
                ("response", e.response.as_str().into()),
                ("timestamp", e.timestamp.into()),
            ],
            Event::Notification(e) => vec![
                ("id", e.id.into()),
                ("device", e.device.as_str().into()),
                ("package", e.package.as_str().into()),
                ("title", e.title.as_str().into()),
                ("content", e.content.as_str().into()),
                ("timestamp", e.timestamp.into()),
            ],
        }
    }
}

/// The body of one webhook POST: `secret=…&type=…&data%5B…%5D=…`.
pub fn encode(secret: &str, event: &Event) -> String {
    encode_as(secret, event.name(), event)
}

/// Like `encode` with another spelling of `type` (some builds send `notifications`).
pub fn encode_as(secret: &str, type_name: &str, event: &Event) -> String {
    http_build_query(
        &[("secret", secret.into()), ("type", type_name.into())],
        Some(("data", &event.data())),
    )
}

/// The headers of one webhook POST (Guzzle adds nothing else of note).
pub fn headers() -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), CONTENT_TYPE.into()),
        ("User-Agent".into(), USER_AGENT.into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "3f1d2c4b5a69788796a5b4c3d2e1f00112233445";

    #[test]
    fn sms_matches_the_reference_example() {
        let e = Event::Sms(Sms {
            id: 2,
            rid: 10593,
            sim: 1,
            device: "00000000-0000-0000-d57d-f30cb6a89289".into(),
            phone: "+639760713666".into(),
            message: "Hello World!".into(),
            timestamp: 1645684231,
        });
        assert_eq!(
            encode(SECRET, &e),
            "secret=3f1d2c4b5a69788796a5b4c3d2e1f00112233445&type=sms&data%5Bid%5D=2&data%5Brid%5D=10593&data%5Bsim%5D=1&data%5Bdevice%5D=00000000-0000-0000-d57d-f30cb6a89289&data%5Bphone%5D=%2B639760713666&data%5Bmessage%5D=Hello+World%21&data%5Btimestamp%5D=1645684231"
        );
    }

    #[test]
    fn whatsapp_ussd_and_notification_follow_the_docs() {
        let w = Event::Whatsapp(Whatsapp {
            id: 2,
            wid: "+639760713666".into(),
            phone: "+639760666713".into(),
            message: "Hello World!".into(),
            timestamp: 1645684231,
            attachment: Some(Attachment::Flag(false)),
        });
        assert_eq!(
            encode("s", &w),
            "secret=s&type=whatsapp&data%5Bid%5D=2&data%5Bwid%5D=%2B639760713666&data%5Bphone%5D=%2B639760666713&data%5Bmessage%5D=Hello+World%21&data%5Btimestamp%5D=1645684231&data%5Battachment%5D=0"
        );
        let u = Event::Ussd(Ussd {
            id: 98,
            sim: 1,
            device: "00000000-0000-0000-d57d-f30cb6a89289".into(),
            code: "*143#".into(),
            response: "Sorry! You are not allowed to use this service.".into(),
            timestamp: 1645684231,
        });
        assert_eq!(
            encode("s", &u),
            "secret=s&type=ussd&data%5Bid%5D=98&data%5Bsim%5D=1&data%5Bdevice%5D=00000000-0000-0000-d57d-f30cb6a89289&data%5Bcode%5D=%2A143%23&data%5Bresponse%5D=Sorry%21+You+are+not+allowed+to+use+this+service.&data%5Btimestamp%5D=1645684231"
        );
        let n = Event::Notification(Notification {
            id: 77,
            device: "d".into(),
            package: "com.facebook.katana".into(),
            title: "Someone commented on your post!".into(),
            content: "é".into(),
            timestamp: 1645684231,
        });
        assert_eq!(
            encode("s", &n),
            "secret=s&type=notification&data%5Bid%5D=77&data%5Bdevice%5D=d&data%5Bpackage%5D=com.facebook.katana&data%5Btitle%5D=Someone+commented+on+your+post%21&data%5Bcontent%5D=%C3%A9&data%5Btimestamp%5D=1645684231"
        );
        assert!(encode_as("s", "notifications", &n).starts_with("secret=s&type=notifications&data"));
    }
}
