//! RaspiSMS's own API (`{install}/api/...`, controllers/publics/Api.php) as a client reads it:
//! the envelope `{"error","message","response","next","prev"}` as
//! `htmlspecialchars(json_encode($x), ENT_NOQUOTES)` writes it, the error codes and messages, and
//! the rows of `GET /api/list/{type}/`. Pure.

use super::{php_json_encode, php_object};
use serde::Serialize;

pub const INVALID_CREDENTIALS: u32 = 1;
pub const INVALID_PARAMETER: u32 = 2;
pub const MISSING_PARAMETER: u32 = 4;
pub const CANNOT_CREATE: u32 = 8;
pub const CANNOT_DELETE: u32 = 32;

pub const INVALID_CREDENTIALS_MESSAGE: &str = "Invalid API Key. Please provide a valid API key as GET or POST parameter \"api_key\" or a HTTP \"X-Api-Key\".";
pub const INVALID_PARAMETER_MESSAGE: &str = "You have specified an invalid parameter : ";
pub const MISSING_PARAMETER_MESSAGE: &str = "One require parameter is missing : ";
pub const CANNOT_DELETE_MESSAGE: &str = "Cannot delete this entry.";

/// `Scheduled::SMS_LENGTH_LIMIT`.
pub const SMS_LENGTH_LIMIT: usize = 1000;
/// Rows per page of `GET /api/list/{type}/`.
pub const PAGE_SIZE: usize = 25;

/// The entry types `GET /api/list/{type}/` knows.
pub const ENTRY_TYPES: &[&str] = &[
    "sended",
    "received",
    "scheduled",
    "contact",
    "group",
    "conditional_group",
    "phone",
    "phone_group",
    "media",
];

/// PHP's `htmlspecialchars($s, ENT_NOQUOTES)`: `&`, `<` and `>` only.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The envelope with a JSON `response` (already PHP-encoded), escaped as the API sends it.
pub fn envelope(
    error: u32,
    message: Option<&str>,
    response: &str,
    next: Option<&str>,
    prev: Option<&str>,
) -> String {
    let json = php_object(&[
        ("error", error.to_string()),
        ("message", php_json_encode(&message)),
        ("response", response.to_string()),
        ("next", php_json_encode(&next)),
        ("prev", php_json_encode(&prev)),
    ]);
    html_escape(&json)
}

/// A success: `response` as given, no links.
pub fn ok(response: &str) -> String {
    envelope(0, None, response, None, None)
}

/// A failure: code and message, `response` null.
pub fn failure(code: u32, message: &str) -> String {
    envelope(code, Some(message), "null", None, None)
}

/// The page descartes answers for a path no route matches (UNCONFIRMED markup).
pub const NOT_FOUND_HTML: &str = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>The page you are looking for does not exist.</p></body></html>";
/// The page PHP answers when the matched route's method prefix refuses the HTTP method (an
/// uncaught exception; UNCONFIRMED markup).
pub const SERVER_ERROR_HTML: &str = "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Media {
    pub id: u64,
    pub id_user: u64,
    pub path: String,
}

/// A `sended` row (db migrations), with its medias.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendedRow {
    pub id: u64,
    pub at: String,
    pub text: String,
    pub destination: String,
    pub flash: u8,
    pub status: String,
    pub uid: String,
    pub adapter: String,
    pub id_user: u64,
    pub id_phone: u64,
    pub mms: u8,
    pub created_at: String,
    pub updated_at: String,
    pub originating_scheduled: Option<u64>,
    pub tag: Option<String>,
    pub medias: Vec<Media>,
}

/// A `received` row, with its medias.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedRow {
    pub id: u64,
    pub at: String,
    pub text: String,
    pub origin: String,
    pub command: u8,
    pub status: String,
    pub id_user: u64,
    pub id_phone: u64,
    pub mms: u8,
    pub created_at: String,
    pub updated_at: String,
    pub medias: Vec<Media>,
}

/// A `scheduled` row with the joins the list adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledRow {
    pub id: u64,
    pub id_user: u64,
    pub id_phone: Option<u64>,
    pub at: String,
    pub text: String,
    pub flash: u8,
    pub mms: u8,
    pub tag: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub numbers: Vec<ScheduledNumber>,
    pub contacts: Vec<u64>,
    pub groups: Vec<u64>,
    pub conditional_groups: Vec<u64>,
    pub medias: Vec<Media>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledNumber {
    pub id: u64,
    pub id_scheduled: u64,
    pub number: String,
    pub data: String,
}

/// A `phone` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneRow {
    pub id: u64,
    pub id_user: u64,
    pub name: String,
    pub adapter: String,
    pub adapter_data: String,
    pub priority: u32,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The adapter the emulated phone runs (RaspiSMS's own test adapter).
pub const ADAPTER: &str = "adapters\\TestAdapter";

/// A phone number as `Tool::parse_phone` accepts it: international (`+` then 5 to 15 digits,
/// spaces, dots and dashes dropped), as E.164; None otherwise (the API drops it silently).
pub fn parse_phone(number: &str) -> Option<String> {
    let cleaned: String = number
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let digits = cleaned
        .strip_prefix('+')
        .or_else(|| cleaned.strip_prefix("00"))?;
    let ok = (5..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_escaped_json() {
        assert_eq!(
            ok("60"),
            r#"{"error":0,"message":null,"response":60,"next":null,"prev":null}"#
        );
        assert_eq!(
            failure(INVALID_CREDENTIALS, INVALID_CREDENTIALS_MESSAGE),
            r#"{"error":1,"message":"Invalid API Key. Please provide a valid API key as GET or POST parameter \"api_key\" or a HTTP \"X-Api-Key\".","response":null,"next":null,"prev":null}"#
        );
        let text = php_json_encode(&"a & <b> / é");
        assert_eq!(
            ok(&text),
            r#"{"error":0,"message":null,"response":"a &amp; &lt;b&gt; \/ \u00e9","next":null,"prev":null}"#
        );
        assert_eq!(
            envelope(
                0,
                None,
                "[]",
                Some("https://h/api/list/sended/after/25/?api_key=k&x=1"),
                None
            ),
            r#"{"error":0,"message":null,"response":[],"next":"https:\/\/h\/api\/list\/sended\/after\/25\/?api_key=k&amp;x=1","prev":null}"#
        );
    }

    #[test]
    fn numbers_must_be_international() {
        assert_eq!(
            parse_phone("+33 6 12 34 56 78").as_deref(),
            Some("+33612345678")
        );
        assert_eq!(
            parse_phone("0033612345678").as_deref(),
            Some("+33612345678")
        );
        assert_eq!(parse_phone("0612345678"), None);
        assert_eq!(parse_phone("+33abc"), None);
    }
}
