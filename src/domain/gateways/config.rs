//! The identity and webhooks of each gateway, as `PUT /v1/emulator/gateways/{gateway}` takes
//! them; `filled()` generates what the product would (secrets, keys, device ids).

use crate::sms::smsgateway24::Schema;
use crate::wa::ApiError;
use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gateway {
    Zender,
    Smsgateway24,
    Raspisms,
}

impl Gateway {
    pub fn parse(name: &str) -> Result<Gateway, ApiError> {
        match name {
            "zender" => Ok(Gateway::Zender),
            "smsgateway24" => Ok(Gateway::Smsgateway24),
            "raspisms" => Ok(Gateway::Raspisms),
            _ => Err(ApiError::not_found(format!(
                "No gateway {}: the gateways are zender, smsgateway24 and raspisms",
                name.chars().take(40).collect::<String>()
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Gateway::Zender => "zender",
            Gateway::Smsgateway24 => "smsgateway24",
            Gateway::Raspisms => "raspisms",
        }
    }
}

/// `none` (the real products: one attempt) or `backoff` (the WhatsApp engine's linear backoff).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Retry {
    #[default]
    None,
    Backoff,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZenderWebhook {
    pub url: String,
    pub events: Vec<ZenderEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZenderEvent {
    Sms,
    Whatsapp,
    Ussd,
    Notification,
}

/// How a Zender server spells the `type` of notification webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationType {
    /// As the docs and the "simulate" button send it.
    #[default]
    Notification,
    /// As some builds' live path sends it (the subscription name).
    Notifications,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZenderConfig {
    pub secret: Option<String>,
    pub device: Option<String>,
    pub wid: Option<String>,
    pub webhooks: Vec<ZenderWebhook>,
    #[serde(default)]
    pub notification_type: NotificationType,
    #[serde(default)]
    pub retry: Retry,
    /// Zender's own HTTP API (`/zender/api/...`): its key, permissions and variants.
    #[serde(default)]
    pub api: super::zender_api::config::ZenderApiConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smsgateway24Webhooks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smsgateway24Config {
    /// The account's login, password and API token (its own API: `gettoken`, `token`).
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub pass: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    pub device_id: Option<u64>,
    pub device_name: Option<String>,
    #[serde(default)]
    pub schema: Schema,
    pub webhooks: Smsgateway24Webhooks,
    #[serde(default)]
    pub retry: Retry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vocabulary {
    /// `delivered`, as the code sends it.
    #[default]
    Code,
    /// `success`, as the docs say.
    Docs,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaspismsWebhook {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: RaspismsType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaspismsType {
    ReceiveSms,
    SendSms,
    SendSmsStatusChange,
    InboundCall,
    PhoneReliability,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaspismsConfig {
    pub api_key: Option<String>,
    pub id_user: Option<u64>,
    pub id_phone: Option<u64>,
    #[serde(default)]
    pub status_vocabulary: Vocabulary,
    pub webhooks: Vec<RaspismsWebhook>,
    #[serde(default)]
    pub retry: Retry,
}

/// One gateway's stored configuration (generated values filled in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "gateway", rename_all = "lowercase")]
pub enum GatewayConfig {
    Zender(ZenderConfig),
    Smsgateway24(Smsgateway24Config),
    Raspisms(RaspismsConfig),
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill(&mut buf[..]);
    hex::encode(buf)
}

/// An http(s) URL with a host, no user info and no whitespace (the spec's pattern), that parses.
fn check_url(field: &str, url: &str) -> Result<(), ApiError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let authority = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let plain = authority.is_some_and(|a| !a.is_empty() && !a.contains('@'))
        && !url.chars().any(char::is_whitespace);
    match reqwest::Url::parse(url) {
        Ok(u) if plain && u.host().is_some() => Ok(()),
        _ => Err(ApiError::invalid(
            field,
            "must be an http:// or https:// URL with a host",
        )),
    }
}

/// The first field holding null (no configuration field may: a value left out is generated).
fn null_field(v: &serde_json::Value, at: &str) -> Option<String> {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match v {
        serde_json::Value::Null => Some(at.to_string()),
        serde_json::Value::Object(o) => o.iter().find_map(|(k, v)| null_field(v, &join(k))),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| null_field(v, &format!("{at}[{i}]"))),
        _ => None,
    }
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl GatewayConfig {
    pub fn gateway(&self) -> Gateway {
        match self {
            GatewayConfig::Zender(_) => Gateway::Zender,
            GatewayConfig::Smsgateway24(_) => Gateway::Smsgateway24,
            GatewayConfig::Raspisms(_) => Gateway::Raspisms,
        }
    }

    pub fn retry(&self) -> Retry {
        match self {
            GatewayConfig::Zender(c) => c.retry,
            GatewayConfig::Smsgateway24(c) => c.retry,
            GatewayConfig::Raspisms(c) => c.retry,
        }
    }

    /// Parses a PUT body for `gateway`, checks it and fills in generated values.
    pub fn parse(gateway: Gateway, body: serde_json::Value, wa_id: &str) -> Result<Self, ApiError> {
        if let Some(field) = null_field(&body, "") {
            return Err(ApiError::invalid(
                &field,
                "must not be null (leave it out instead)",
            ));
        }
        Ok(match gateway {
            Gateway::Zender => {
                let mut c: ZenderConfig = super::typed("", body)?;
                match &c.secret {
                    Some(s) if s.len() != 40 || !is_hex(s) => {
                        return Err(ApiError::invalid("secret", "must be 40 hexadecimal digits"))
                    }
                    Some(_) => {}
                    None => c.secret = Some(random_hex(20)),
                }
                match &c.device {
                    Some(d) if d.len() != 36 || uuid::Uuid::parse_str(d).is_err() => {
                        return Err(ApiError::invalid(
                            "device",
                            "must be a UUID (8-4-4-4-12 hex digits)",
                        ))
                    }
                    Some(_) => {}
                    None => {
                        let h = random_hex(8);
                        c.device = Some(format!("00000000-0000-0000-{}-{}", &h[..4], &h[4..]));
                    }
                }
                match &c.wid {
                    Some(w)
                        if !w.strip_prefix('+').is_some_and(|d| {
                            (5..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
                        }) =>
                    {
                        return Err(ApiError::invalid("wid", "must be + and 5 to 15 digits"))
                    }
                    Some(_) => {}
                    None => c.wid = Some(format!("+{wa_id}")),
                }
                c.api.fill(random_hex)?;
                for (i, w) in c.webhooks.iter().enumerate() {
                    check_url(&format!("webhooks[{i}].url"), &w.url)?;
                    if w.events.is_empty() {
                        return Err(ApiError::invalid(
                            &format!("webhooks[{i}].events"),
                            "must name at least one event",
                        ));
                    }
                }
                GatewayConfig::Zender(c)
            }
            Gateway::Smsgateway24 => {
                let mut c: Smsgateway24Config = super::typed("", body)?;
                c.device_id
                    .get_or_insert_with(|| rand::thread_rng().gen_range(100..100_000));
                if c.device_name
                    .as_deref()
                    .is_some_and(|n| n.is_empty() || n.chars().count() > 100)
                {
                    return Err(ApiError::invalid(
                        "device_name",
                        "must be 1 to 100 characters",
                    ));
                }
                c.device_name.get_or_insert_with(|| "Pixel 6".into());
                for (field, v) in [("email", &c.email), ("pass", &c.pass), ("token", &c.token)] {
                    if v.as_deref()
                        .is_some_and(|v| v.is_empty() || v.chars().count() > 128)
                    {
                        return Err(ApiError::invalid(field, "must be 1 to 128 characters"));
                    }
                }
                c.email.get_or_insert_with(|| "user@example.com".into());
                c.pass.get_or_insert_with(|| random_hex(6));
                c.token.get_or_insert_with(|| random_hex(16));
                for (field, url) in [
                    ("webhooks.statuses", &c.webhooks.statuses),
                    ("webhooks.incoming", &c.webhooks.incoming),
                ] {
                    if let Some(u) = url {
                        check_url(field, u)?;
                    }
                }
                GatewayConfig::Smsgateway24(c)
            }
            Gateway::Raspisms => {
                let mut c: RaspismsConfig = super::typed("", body)?;
                match &c.api_key {
                    Some(k) if k.is_empty() || k.chars().count() > 128 => {
                        return Err(ApiError::invalid("api_key", "must be 1 to 128 characters"))
                    }
                    Some(_) => {}
                    None => c.api_key = Some(random_hex(16)),
                }
                c.id_user.get_or_insert(1);
                c.id_phone.get_or_insert(1);
                for (i, w) in c.webhooks.iter().enumerate() {
                    check_url(&format!("webhooks[{i}].url"), &w.url)?;
                }
                GatewayConfig::Raspisms(c)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_values_are_filled_in() {
        let c =
            GatewayConfig::parse(Gateway::Zender, json!({"webhooks": []}), "16315551000").unwrap();
        let GatewayConfig::Zender(z) = c else {
            panic!()
        };
        assert_eq!(z.secret.as_ref().map(String::len), Some(40));
        assert!(z.device.unwrap().starts_with("00000000-0000-0000-"));
        assert_eq!(z.wid.as_deref(), Some("+16315551000"));
        let bad = GatewayConfig::parse(
            Gateway::Zender,
            json!({"webhooks": [{"url": "ftp://x", "events": ["sms"]}]}),
            "1",
        );
        assert_eq!(bad.unwrap_err().code, 1009);
        let c = GatewayConfig::parse(Gateway::Raspisms, json!({"webhooks": []}), "1").unwrap();
        let GatewayConfig::Raspisms(r) = c else {
            panic!()
        };
        assert_eq!(r.api_key.map(|k| k.len()), Some(32));
        let null = GatewayConfig::parse(
            Gateway::Raspisms,
            json!({"api_key": null, "webhooks": []}),
            "1",
        );
        assert_eq!(
            null.unwrap_err().details.as_deref(),
            Some("api_key: must not be null (leave it out instead)")
        );
    }
}
