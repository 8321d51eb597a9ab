//! The SMS gateways of the seeds, as their webhooks put them on the wire: Zender (SmsNotif),
//! SMSGateway24 and RaspiSMS. Pure encoders (no I/O, no clock, no randomness: the caller passes
//! ids, times and nonces in), plus the PHP behaviours two of them depend on: `http_build_query`
//! (Guzzle's `form_params`) and `json_encode` with PHP's default flags.

pub mod form;
pub mod raspisms;
pub mod raspisms_api;
pub mod smsgateway24;
pub mod smsgateway24_api;
pub mod zender;
pub mod zender_api;

use serde::Serialize;

/// PHP's `urlencode` (RFC 1738): letters, digits and `-_.` stay, a space becomes `+`, every
/// other byte of the UTF-8 text becomes `%XX` (upper-case hex).
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One scalar of a PHP array as `http_build_query` writes it: `None` is PHP's null (the pair
/// is dropped), booleans are `1`/`0`.
#[derive(Debug, Clone, PartialEq)]
pub enum FormValue {
    Text(String),
    Int(i64),
    Bool(bool),
    Null,
}

impl FormValue {
    fn render(&self) -> Option<String> {
        match self {
            FormValue::Text(s) => Some(s.clone()),
            FormValue::Int(n) => Some(n.to_string()),
            FormValue::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
            FormValue::Null => None,
        }
    }
}

impl From<&str> for FormValue {
    fn from(s: &str) -> Self {
        FormValue::Text(s.into())
    }
}
impl From<String> for FormValue {
    fn from(s: String) -> Self {
        FormValue::Text(s)
    }
}
impl From<u64> for FormValue {
    fn from(n: u64) -> Self {
        FormValue::Int(n as i64)
    }
}
impl From<u32> for FormValue {
    fn from(n: u32) -> Self {
        FormValue::Int(i64::from(n))
    }
}
impl<T: Into<FormValue>> From<Option<T>> for FormValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(FormValue::Null, Into::into)
    }
}

/// PHP's `http_build_query($fields, '', '&')` for a flat array plus one nested array `name`
/// (`name[key]=value`, the brackets percent-encoded as PHP does), in the order given.
pub fn http_build_query(
    fields: &[(&str, FormValue)],
    nested: Option<(&str, &[(&str, FormValue)])>,
) -> String {
    let mut pairs: Vec<String> = Vec::new();
    for (k, v) in fields {
        if let Some(v) = v.render() {
            pairs.push(format!("{}={}", urlencode(k), urlencode(&v)));
        }
    }
    if let Some((name, items)) = nested {
        for (k, v) in items {
            if let Some(v) = v.render() {
                let key = format!("{name}[{k}]");
                pairs.push(format!("{}={}", urlencode(&key), urlencode(&v)));
            }
        }
    }
    pairs.join("&")
}

/// PHP's `json_encode($value)` with default flags: `/` escaped as `\/`, every non-ASCII
/// character as `\uXXXX` (lower-case hex, UTF-16 surrogate pairs beyond the BMP), field order
/// as declared.
pub fn php_json_encode<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PhpFormatter);
    // Serializing plain structs into a Vec cannot fail (no maps with non-string keys here).
    if value.serialize(&mut ser).is_err() {
        return "null".into();
    }
    String::from_utf8(out).unwrap_or_default()
}

struct PhpFormatter;

impl serde_json::ser::Formatter for PhpFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut buf = [0u16; 2];
        for c in fragment.chars() {
            if c == '/' {
                writer.write_all(b"\\/")?;
            } else if c.is_ascii() {
                writer.write_all(&[c as u8])?;
            } else {
                for unit in c.encode_utf16(&mut buf) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        escape: serde_json::ser::CharEscape,
    ) -> std::io::Result<()> {
        use serde_json::ser::CharEscape::*;
        let s: &[u8] = match escape {
            Quote => b"\\\"",
            ReverseSolidus => b"\\\\",
            Solidus => b"\\/",
            Backspace => b"\\b",
            FormFeed => b"\\f",
            LineFeed => b"\\n",
            CarriageReturn => b"\\r",
            Tab => b"\\t",
            AsciiControl(b) => return write!(writer, "\\u{:04x}", b),
        };
        writer.write_all(s)
    }
}

/// A JSON object in the given key order (PHP keeps insertion order; serde_json's maps sort):
/// each value is JSON already encoded, e.g. by `php_json_encode`.
pub fn php_object(pairs: &[(&str, String)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{v}", php_json_encode(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of `civil_from_days`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A `Y-m-d H:i:s` (or `Y-m-d`, `Y-m-d H:i`) date-time as unix seconds, read as UTC; None when
/// it is not one or names a day the month does not have.
pub fn parse_php_datetime(text: &str) -> Option<u64> {
    let (date, time) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = if time.is_empty() {
        vec![]
    } else {
        time.split(':').collect()
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if d.len() != 3 || !digits(d[0], 4) || !digits(d[1], 2) || !digits(d[2], 2) {
        return None;
    }
    if !(t.is_empty() || ((2..=3).contains(&t.len()) && t.iter().all(|p| digits(p, 2)))) {
        return None;
    }
    let n = |s: &str| s.parse::<u32>().ok();
    let (y, m, day) = (i64::from(n(d[0])?), n(d[1])?, n(d[2])?);
    let (h, min, s) = (
        t.first().and_then(|p| n(p)).unwrap_or(0),
        t.get(1).and_then(|p| n(p)).unwrap_or(0),
        t.get(2).and_then(|p| n(p)).unwrap_or(0),
    );
    if !(1..=12).contains(&m) || day == 0 || h > 23 || min > 59 || s > 59 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    if civil_from_days(days) != (y, m, day) || days < 0 {
        return None;
    }
    Some(days as u64 * 86_400 + u64::from(h * 3600 + min * 60 + s))
}

/// PHP's `date('Y-m-d H:i:s', $unix)` in UTC.
pub fn php_datetime(unix_s: u64) -> String {
    let days = (unix_s / 86_400) as i64;
    let rem = unix_s % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 -> (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Whether a text is a PHP-style `Y-m-d H:i:s` date-time (digits where digits belong).
pub fn is_php_datetime(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urlencode_is_phps() {
        assert_eq!(urlencode("Hello World!"), "Hello+World%21");
        assert_eq!(urlencode("+63 9~x*é"), "%2B63+9%7Ex%2A%C3%A9");
        assert_eq!(urlencode("a-b_c.d"), "a-b_c.d");
        assert_eq!(urlencode("data[id]"), "data%5Bid%5D");
    }

    #[test]
    fn http_build_query_drops_nulls_and_writes_bools_as_digits() {
        let q = http_build_query(
            &[("secret", "s".into()), ("type", "whatsapp".into())],
            Some((
                "data",
                &[
                    ("id", 2u64.into()),
                    ("attachment", FormValue::Bool(false)),
                    ("x", FormValue::Null),
                    ("ok", FormValue::Bool(true)),
                ],
            )),
        );
        assert_eq!(
            q,
            "secret=s&type=whatsapp&data%5Bid%5D=2&data%5Battachment%5D=0&data%5Bok%5D=1"
        );
    }

    #[test]
    fn json_encode_is_phps() {
        let v = json!({"a": "x/y é 😀 \"q\" \\ \n\u{1}", "b": [1, 2.5, true, null]});
        assert_eq!(
            php_json_encode(&v),
            r#"{"a":"x\/y \u00e9 \ud83d\ude00 \"q\" \\ \n\u0001","b":[1,2.5,true,null]}"#
        );
    }

    #[test]
    fn dates_are_phps() {
        assert_eq!(php_datetime(1_714_572_202), "2024-05-01 14:03:22");
        assert_eq!(php_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(php_datetime(951_782_400), "2000-02-29 00:00:00");
        assert!(is_php_datetime("2024-05-01 14:03:22"));
        assert!(!is_php_datetime("2024-05-01T14:03:22"));
        assert_eq!(
            parse_php_datetime("2024-05-01 14:03:22"),
            Some(1_714_572_202)
        );
        assert_eq!(parse_php_datetime("2000-02-29"), Some(951_782_400));
        assert_eq!(parse_php_datetime("2021-08-01 12:00"), Some(1_627_819_200));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-05-01 24:00:00",
            "x",
            "2024-5-1",
        ] {
            assert_eq!(parse_php_datetime(bad), None, "{bad}");
        }
        assert_eq!(
            php_object(&[("b", "1".into()), ("a", "\"x/\"".into())]),
            r#"{"b":1,"a":"x/"}"#
        );
    }
}
