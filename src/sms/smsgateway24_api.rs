//! SMSGateway24's own API (`/getdata/{method}`) as a client reads it: `{"error":0|1,...}` answers
//! in the key orders of the official examples, PHP `DateTime` objects, the status titles. Pure.

use super::{php_datetime, php_json_encode, php_object};
use serde::Serialize;

/// The one error wording the docs confirm.
pub const LOGIN_INCORRECT: &str = "Login or password incorrect";
/// UNCONFIRMED wordings (no source shows them).
pub const TOKEN_INCORRECT: &str = "Token is incorrect";
pub const DEVICE_NOT_FOUND: &str = "Device not found";
pub const SMS_NOT_FOUND: &str = "Sms not found";
pub const SAVED: &str = "Sms has been saved successfully";

/// The `statustitle` / `status_description` of a status: "New" is documented, the others
/// follow the status list's names (UNCONFIRMED).
pub fn status_title(status: u32) -> &'static str {
    match status {
        1 => "New",
        2 => "Taken from server",
        3 => "Queued for sending",
        5 => "Incoming",
        6 => "Sent",
        7 => "Delivered",
        8 => "Not delivered",
        9 => "Generic failure",
        10 => "No service",
        11 => "Null PDU",
        12 => "Radio off",
        100 | 101 => "Not allowed",
        _ => "Unknown",
    }
}

/// `{"error":1,"message":...}`.
pub fn error(message: &str) -> String {
    php_object(&[
        ("error", "1".into()),
        ("message", php_json_encode(&message)),
    ])
}

/// A parameter the method needs is missing (UNCONFIRMED wording).
pub fn missing(param: &str) -> String {
    error(&format!("Parameter {param} is required"))
}

/// A parameter has a value the method cannot take (UNCONFIRMED wording).
pub fn invalid(param: &str) -> String {
    error(&format!("Parameter {param} is wrong"))
}

/// A PHP `DateTime` as `json_encode` writes it (UTC: `timezone_type` 1, `+00:00`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhpDate {
    pub date: String,
    pub timezone_type: u8,
    pub timezone: &'static str,
}

impl PhpDate {
    /// Whole seconds, as a date read from the database (`.000000`).
    pub fn from_ms(ms: u64) -> PhpDate {
        PhpDate {
            date: format!("{}.000000", php_datetime(ms / 1000)),
            timezone_type: 1,
            timezone: "+00:00",
        }
    }
}

/// One SMS as `getallsms` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmsItem {
    pub id: u64,
    pub sendto: String,
    pub body: String,
    pub customerid: Option<u64>,
    pub status: u32,
    pub statustitle: &'static str,
    pub deviceid: u64,
    pub urgent: Option<bool>,
    pub created: PhpDate,
    pub senttime: Option<PhpDate>,
    pub timetosend: PhpDate,
    pub sim: u8,
    pub paketid: Option<u64>,
    pub pakettitle: Option<String>,
    pub paketbody: Option<String>,
}

pub fn token(token: &str) -> String {
    php_object(&[
        ("error", "0".into()),
        ("token", php_json_encode(&token)),
        ("message", php_json_encode(&"OK")),
    ])
}

pub fn sms_saved(sms_id: u64) -> String {
    php_object(&[
        ("error", "0".into()),
        ("sms_id", sms_id.to_string()),
        ("message", php_json_encode(&SAVED)),
    ])
}

pub fn many_saved() -> String {
    php_object(&[("error", "0".into()), ("message", php_json_encode(&SAVED))])
}

pub fn sms_status(sms_id: u64, status: u32) -> String {
    php_object(&[
        ("error", "0".into()),
        ("sms_id", sms_id.to_string()),
        ("status", status.to_string()),
        ("status_description", php_json_encode(&status_title(status))),
        ("message", php_json_encode(&"Ok")),
    ])
}

/// `smss` is an object keyed by id; PHP encodes an empty array as `[]`.
pub fn all_sms(items: &[SmsItem]) -> String {
    let smss = if items.is_empty() {
        "[]".to_string()
    } else {
        let keyed: Vec<(String, String)> = items
            .iter()
            .map(|i| (i.id.to_string(), php_json_encode(i)))
            .collect();
        let pairs: Vec<(&str, String)> =
            keyed.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        php_object(&pairs)
    };
    php_object(&[
        ("error", "0".into()),
        ("smss", smss),
        ("count", items.len().to_string()),
        ("message", php_json_encode(&"Ok")),
    ])
}

/// `onlycount=1`: the count without the list.
pub fn sms_count(count: usize) -> String {
    php_object(&[
        ("error", "0".into()),
        ("count", count.to_string()),
        ("message", php_json_encode(&"Ok")),
    ])
}

/// The emulated phone as `getdevicestatus` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub device_id: u64,
    pub title: String,
    pub online: bool,
    pub lastseen_ms: u64,
    pub now_ms: u64,
}

pub fn device_status(d: &Device) -> String {
    php_object(&[
        ("online", d.online.to_string()),
        ("error", "0".into()),
        ("message", php_json_encode(&"OK")),
        ("device_id", d.device_id.to_string()),
        (
            "lastseen",
            php_json_encode(&PhpDate::from_ms(d.lastseen_ms)),
        ),
        (
            "diffseconds",
            (d.now_ms.saturating_sub(d.lastseen_ms) / 1000).to_string(),
        ),
        ("title", php_json_encode(&d.title)),
    ])
}

/// `getalldevices`: no example exists anywhere (UNCONFIRMED shape): the devices as
/// `getdevicestatus` describes each, under `devices`.
pub fn all_devices(devices: &[Device]) -> String {
    let list: Vec<String> = devices
        .iter()
        .map(|d| {
            php_object(&[
                ("device_id", d.device_id.to_string()),
                ("title", php_json_encode(&d.title)),
                ("online", d.online.to_string()),
                (
                    "lastseen",
                    php_json_encode(&PhpDate::from_ms(d.lastseen_ms)),
                ),
            ])
        })
        .collect();
    php_object(&[
        ("error", "0".into()),
        ("message", php_json_encode(&"OK")),
        ("devices", format!("[{}]", list.join(","))),
    ])
}

/// `savetag`, `savecontact`, `savepaket`: `{"error":0,"message":"Ok","<name>":id}`.
pub fn saved_id(name: &str, id: u64) -> String {
    php_object(&[
        ("error", "0".into()),
        ("message", php_json_encode(&"Ok")),
        (name, id.to_string()),
    ])
}

/// `sendto` as stored: every whitespace character dropped (`+49 157 52982212` -> `+4915752982212`).
pub fn normalise_sendto(sendto: &str) -> String {
    sendto.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_match_the_official_examples() {
        assert_eq!(
            sms_saved(22074938),
            r#"{"error":0,"sms_id":22074938,"message":"Sms has been saved successfully"}"#
        );
        assert_eq!(
            token("1f0e86f9fe7ee6b52724fd5fd3511225"),
            r#"{"error":0,"token":"1f0e86f9fe7ee6b52724fd5fd3511225","message":"OK"}"#
        );
        assert_eq!(
            sms_status(22074698, 1),
            r#"{"error":0,"sms_id":22074698,"status":1,"status_description":"New","message":"Ok"}"#
        );
        assert_eq!(
            error(LOGIN_INCORRECT),
            r#"{"error":1,"message":"Login or password incorrect"}"#
        );
        assert_eq!(
            all_sms(&[]),
            r#"{"error":0,"smss":[],"count":0,"message":"Ok"}"#
        );
    }

    #[test]
    fn dates_are_php_datetime_objects() {
        assert_eq!(
            php_json_encode(&PhpDate::from_ms(1_628_085_886_250)),
            r#"{"date":"2021-08-04 14:04:46.000000","timezone_type":1,"timezone":"+00:00"}"#
        );
        let d = Device {
            device_id: 260,
            title: "SM-F NIK!".into(),
            online: false,
            lastseen_ms: 1_597_162_193_000,
            now_ms: 1_626_014_093_000,
        };
        assert_eq!(
            device_status(&d),
            r#"{"online":false,"error":0,"message":"OK","device_id":260,"lastseen":{"date":"2020-08-11 16:09:53.000000","timezone_type":1,"timezone":"+00:00"},"diffseconds":28851900,"title":"SM-F NIK!"}"#
        );
        assert_eq!(normalise_sendto("+49 157 52982212"), "+4915752982212");
    }
}
