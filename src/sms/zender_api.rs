//! Zender's own HTTP API (`{site}/api/{action}/{service}`), as a customer backend calls it: the
//! request fields (PHP's `$_REQUEST`: the query, then the form), the product's checks on them,
//! and its answer `{"status":int,"message":str|false,"data":…|false}`, written by PHP's
//! `json_encode` and always sent with HTTP 200. Pure: no I/O, no clock, no randomness.

use super::php_json_encode;
use serde::Serialize;
use std::collections::BTreeMap;

/// PHP's default Content-Type: the product sets none (its answer is JSON all the same).
pub const CONTENT_TYPE: &str = "text/html; charset=UTF-8";

// The product's wording, as its code answers (see the reference).
pub const INVALID_PARAMETERS: &str = "Invalid Parameters!";
pub const INVALID_SECRET: &str = "Invalid API secret supplied!";
pub const NO_PERMISSION: &str = "This API key doesn't have permission to use this endpoint!";
pub const INVALID_ENDPOINT: &str = "Invalid API Endpoint!";
pub const INVALID_PHONE: &str = "Invalid phone number!";
pub const TOO_SHORT: &str = "Message is too short!";
pub const TOO_LONG: &str = "Message is too long!";
pub const NO_DEVICE: &str = "Device doesn't exist!";
pub const SIM_NOT_INT: &str = "Sim parameter must be an integer value!";
pub const PRIORITY_NOT_INT: &str = "Priority parameter must be an integer value!";
pub const NO_GATEWAY: &str = "Specified gateway doesn't exist!";
pub const SMS_QUEUED: &str = "Message has been queued for sending!";
pub const BULK_QUEUED: &str = "Bulk messages has been queued for sending!";
pub const NO_WA_ACCOUNT: &str = "WhatsApp account doesn't exist!";
pub const WA_DISCONNECTED: &str = "WhatsApp account is disconnected!";
pub const CHAT_TOO_SHORT: &str = "Chat message is too short!";
pub const CHAT_QUEUED: &str = "WhatsApp chat has been queued for sending!";
pub const CHAT_SENT: &str = "WhatsApp chat has been sent!";
pub const BAD_MEDIA_URL: &str = "You provided an invalid media url!";
pub const BAD_DOCUMENT: &str = "Invalid Document File!";
pub const USSD_QUEUED: &str = "USSD request has been queued!";
pub const OTP_SENT: &str = "OTP has been sent!";
pub const OTP_TOO_SHORT: &str = "OTP message is too short!";
pub const OTP_TOO_LONG: &str = "OTP message is too long!";
pub const OTP_VERIFIED: &str = "OTP has been verified!";
pub const OTP_INVALID: &str = "OTP is invalid or expired!";
pub const MESSAGE_FOUND: &str = "Message was found!";
pub const NO_MESSAGE: &str = "Message doesn't exist!";

/// The shortest and longest message the emulated site takes (its `system_message_min`/`_max`
/// settings; the values of a real site are its own: UNCONFIRMED).
pub const MESSAGE_MIN: usize = 1;
pub const MESSAGE_MAX: usize = 1000;

/// One answer of the API: the code in `status`, Zender's own message (or `false`), the data (or
/// `false`).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub message: Option<String>,
    /// Already encoded with `php_json_encode` (field order is the product's); `None` is `false`.
    pub data: Option<String>,
}

impl Answer {
    pub fn new(status: u16, message: &str) -> Answer {
        Answer {
            status,
            message: Some(message.into()),
            data: None,
        }
    }

    /// `response($status, $message, $data)` with data.
    pub fn with<T: Serialize>(status: u16, message: &str, data: &T) -> Answer {
        Answer {
            status,
            message: Some(message.into()),
            data: Some(php_json_encode(data)),
        }
    }

    /// The body bytes: `json_encode(["status"=>…,"message"=>…,"data"=>…])`.
    pub fn encode(&self) -> String {
        let message = match &self.message {
            Some(m) => php_json_encode(m),
            None => "false".into(),
        };
        format!(
            "{{\"status\":{},\"message\":{message},\"data\":{}}}",
            self.status,
            self.data.as_deref().unwrap_or("false")
        )
    }
}

/// `["messageId" => id]`.
#[derive(Debug, Serialize)]
pub struct MessageId {
    #[serde(rename = "messageId")]
    pub message_id: u64,
}

/// An uploaded file of a multipart request.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// `$_REQUEST` (the query's fields, then the form's, a form field winning as with PHP's default
/// `request_order` "GP") and `$_FILES`. A JSON body adds nothing: PHP does not read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    fields: BTreeMap<String, String>,
    pub files: Vec<Upload>,
}

/// Why an integer field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnInteger;

impl Params {
    /// Adds `name=value` pairs in order (a later pair replaces an earlier one, as PHP does).
    pub fn extend(&mut self, pairs: impl IntoIterator<Item = (String, String)>) {
        for (k, v) in pairs {
            self.fields.insert(k, v);
        }
    }

    pub fn from_pairs(pairs: &[(&str, &str)]) -> Params {
        let mut p = Params::default();
        p.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        p
    }

    /// `$request[$name]` when `isset`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// Whether every name is set (`isset($a, $b, …)`).
    pub fn has_all(&self, names: &[&str]) -> bool {
        names.iter().all(|n| self.fields.contains_key(*n))
    }

    /// An integer field when set: `5`, `-5` and integral floats (`5.0`) are integers, as
    /// everywhere in the emulator; anything else is `NotAnInteger`.
    pub fn int(&self, name: &str) -> Result<Option<i64>, NotAnInteger> {
        self.get(name).map(parse_int).transpose()
    }

    /// The uploaded file of a field, if any.
    pub fn file(&self, name: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// A form value as an integer: the JSON number rules of `wa::integer` (`260` and `260.0`).
pub fn parse_int(text: &str) -> Result<i64, NotAnInteger> {
    let t = text.trim();
    if t.is_empty() || t.len() > 40 {
        return Err(NotAnInteger);
    }
    serde_json::from_str::<serde_json::Value>(t)
        .ok()
        .and_then(|v| crate::wa::integer::as_i64(&v))
        .ok_or(NotAnInteger)
}

/// `"+" . ltrim($phone, "+")` parsed to E.164: the punctuation libphonenumber ignores (space,
/// `-`, `.`, parentheses) dropped, then 7 to 15 digits not starting with 0. The product checks
/// each number plan with libphonenumber; this is the shape check only.
pub fn e164(phone: &str) -> Option<String> {
    let digits: String = phone
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let ok = (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

/// The message length checks of send/sms and send/sms.bulk (characters, as `mb_strlen`).
pub fn check_length(message: &str, short: &'static str, long: &'static str) -> Result<(), Answer> {
    let n = message.chars().count();
    if n < MESSAGE_MIN {
        Err(Answer::new(400, short))
    } else if n > MESSAGE_MAX {
        Err(Answer::new(400, long))
    } else {
        Ok(())
    }
}

/// Expands spintax (`{Hello|Hi} there`): the innermost `{…|…}` first, each option chosen by
/// `pick(n)` (an index below n). Braces without a `|` stay as they are.
pub fn spintax(text: &str, pick: &mut dyn FnMut(usize) -> usize) -> String {
    let mut out = text.to_string();
    let mut from = 0;
    while let Some(close) = out[from..].find('}').map(|i| i + from) {
        match out[..close].rfind('{') {
            Some(open) if out[open + 1..close].contains('|') => {
                let options: Vec<&str> = out[open + 1..close].split('|').collect();
                let chosen = options[pick(options.len()).min(options.len() - 1)].to_string();
                out.replace_range(open..=close, &chosen);
                from = open;
            }
            _ => from = close + 1,
        }
    }
    out
}

/// The list offset, with the product's quirk: page 2 starts at `2*limit`, skipping a page.
pub fn offset(page: i64, limit: i64) -> usize {
    if page < 2 {
        0
    } else {
        usize::try_from(page.saturating_mul(limit)).unwrap_or(usize::MAX)
    }
}

/// A sent row's status as 2025 listings word it (1 queued, 2 pending, 3 sent, else failed).
pub fn sms_status_word(status: u8) -> &'static str {
    match status {
        1 => "queued",
        2 => "pending",
        3 => "sent",
        _ => "failed",
    }
}

/// A sent chat's status as the listings word it (below 4 sent, else failed).
pub fn chat_status_word(status: u8) -> &'static str {
    if status < 4 {
        "sent"
    } else {
        "failed"
    }
}

/// `/get/sms.sent` and `/get/sms.message?type=sent` items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentItem {
    pub id: u64,
    pub mode: String,
    pub sender: String,
    pub sender_type: String,
    pub sim: u8,
    pub priority: bool,
    pub api: bool,
    pub status: String,
    /// The device's code (`SMS_SENT`…), `false` before its first report.
    pub status_code: Code,
    pub recipient: String,
    pub message: String,
    pub created: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Code {
    Text(String),
    False(bool),
}

/// `/get/sms.pending` items: a sent item without its status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingItem {
    pub id: u64,
    pub mode: String,
    pub sender: String,
    pub sender_type: String,
    pub sim: u8,
    pub priority: bool,
    pub api: bool,
    pub recipient: String,
    pub message: String,
    pub created: u64,
}

/// `/get/sms.received` items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedItem {
    pub id: u64,
    pub device: String,
    pub sender: String,
    pub message: String,
    pub created: u64,
}

/// `/get/wa.sent` items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatItem {
    pub id: u64,
    pub account: String,
    pub status: String,
    pub api: bool,
    pub recipient: String,
    pub message: String,
    pub attachment: Attachment,
    pub created: u64,
}

/// `/get/wa.received` items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatReceivedItem {
    pub id: u64,
    pub account: String,
    pub recipient: String,
    pub message: String,
    pub attachment: Attachment,
    pub created: u64,
}

/// A URL, or `false`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Attachment {
    Url(String),
    None(bool),
}

impl From<Option<String>> for Attachment {
    fn from(v: Option<String>) -> Self {
        v.map_or(Attachment::None(false), Attachment::Url)
    }
}

/// `/get/wa.accounts` items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountItem {
    pub id: u64,
    pub phone: String,
    pub unique: String,
    pub status: String,
    pub created: u64,
}

/// `/get/devices` items (the types of the partner fields are the emulator's reading).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceItem {
    pub id: u64,
    pub unique: String,
    pub name: String,
    pub version: String,
    pub manufacturer: String,
    pub random_send: bool,
    pub random_min: u32,
    pub random_max: u32,
    pub notification_packages: Vec<String>,
    pub partner: bool,
    pub partner_sim: Vec<u8>,
    pub partner_priority: bool,
    pub partner_country: String,
    pub partner_rate: u32,
    pub partner_currency: String,
    pub created: u64,
}

/// `/get/credits` data (credits is a database string).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credits {
    pub credits: String,
    pub currency: String,
}

/// `/send/otp` data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OtpSent {
    pub phone: String,
    pub message: String,
    /// Absent in the older builds' variant (the official docs' example).
    #[serde(rename = "messageId", skip_serializing_if = "Option::is_none")]
    pub message_id: Option<u64>,
    pub otp: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_phps_json() {
        assert_eq!(
            Answer::new(400, INVALID_PARAMETERS).encode(),
            r#"{"status":400,"message":"Invalid Parameters!","data":false}"#
        );
        assert_eq!(
            Answer::with(200, SMS_QUEUED, &MessageId { message_id: 7 }).encode(),
            r#"{"status":200,"message":"Message has been queued for sending!","data":{"messageId":7}}"#
        );
        let a = Answer::with(
            200,
            "x",
            &[ChatItem {
                id: 1,
                account: "+63".into(),
                status: "sent".into(),
                api: true,
                recipient: "+1".into(),
                message: "é/".into(),
                attachment: None.into(),
                created: 5,
            }],
        );
        assert_eq!(
            a.encode(),
            r#"{"status":200,"message":"x","data":[{"id":1,"account":"+63","status":"sent","api":true,"recipient":"+1","message":"\u00e9\/","attachment":false,"created":5}]}"#
        );
    }

    #[test]
    fn integers_take_integral_floats() {
        let p = Params::from_pairs(&[("sim", "2.0"), ("priority", "x"), ("page", " 3 ")]);
        assert_eq!(p.int("sim"), Ok(Some(2)));
        assert_eq!(p.int("priority"), Err(NotAnInteger));
        assert_eq!(p.int("page"), Ok(Some(3)));
        assert_eq!(p.int("limit"), Ok(None));
        assert_eq!(parse_int("2.5"), Err(NotAnInteger));
        assert_eq!(parse_int(""), Err(NotAnInteger));
    }

    #[test]
    fn phones_and_paging_and_spintax() {
        assert_eq!(e164("639123456789").as_deref(), Some("+639123456789"));
        assert_eq!(
            e164("++63 912-345 (6789)").as_deref(),
            Some("+639123456789")
        );
        assert_eq!(e164("+12"), None);
        assert_eq!(e164("+0912345678"), None);
        assert_eq!(e164("abc"), None);
        assert_eq!((offset(1, 10), offset(2, 10), offset(3, 5)), (0, 20, 15));
        let mut first = |_n: usize| 0;
        assert_eq!(spintax("{Hi|Hello} {a|{b|c}}!", &mut first), "Hi a!");
        let mut last = |n: usize| n - 1;
        assert_eq!(
            spintax("{Hi|Hello} {a|{b|c}} {x}", &mut last),
            "Hello c {x}"
        );
    }
}
