//! `/v1/settings/application`: the fields, the real defaults, partial PATCH and validation.

use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageFilters {
    pub sent: bool,
    pub delivered: bool,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhooks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub max_concurrent_requests: u32,
    pub message: MessageFilters,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GarbageCollector {
    pub media: bool,
    pub messages: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Media {
    pub auto_download: Vec<String>,
    /// Credentials for media sent by link (`/v1/settings/application/media/providers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<super::providers::MediaProvider>,
}

/// Every field of the real application settings, with the real defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationSettings {
    pub callback_backoff_delay_ms: u64,
    pub callback_persist: bool,
    pub db_garbagecollector_enable: bool,
    pub garbagecollector_enable: GarbageCollector,
    pub heartbeat_interval: u64,
    pub max_callback_backoff_delay_ms: u64,
    pub media: Media,
    pub notify_user_change_number: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_call_pager: Option<String>,
    pub pass_through: bool,
    pub sent_status: bool,
    pub show_security_notifications: bool,
    pub skip_referral_media_download: bool,
    pub axolotl_context_striping_disabled: bool,
    pub unhealthy_interval: u64,
    pub wa_id: String,
    pub webhooks: Webhooks,
    pub verbose_logging: bool,
    pub log_level: String,
}

crate::json_singleton!(ApplicationSettings, "config", "application");

impl ApplicationSettings {
    /// Which statuses are notified (for the schedule and forced statuses).
    pub fn status_filters(&self) -> crate::simulator::schedule::StatusFilters {
        crate::simulator::schedule::StatusFilters {
            sent: self.notify_sent(),
            delivered: self.webhooks.message.delivered,
            read: self.webhooks.message.read,
        }
    }

    /// What the delivery engine needs of these settings.
    pub fn webhook_policy(&self) -> crate::delivery::WebhookPolicy {
        crate::delivery::WebhookPolicy {
            url: self.webhooks.url.clone(),
            max_concurrent_requests: self.webhooks.max_concurrent_requests,
            backoff_step_ms: self.callback_backoff_delay_ms,
            backoff_cap_ms: self.max_callback_backoff_delay_ms,
            persist: self.callback_persist,
        }
    }
}

pub const MEDIA_TYPES: [&str; 6] = ["audio", "document", "voice", "video", "image", "sticker"];
const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

impl ApplicationSettings {
    pub fn defaults(wa_id: &str) -> Self {
        ApplicationSettings {
            callback_backoff_delay_ms: 3000,
            callback_persist: true,
            db_garbagecollector_enable: true,
            garbagecollector_enable: GarbageCollector {
                media: false,
                messages: true,
            },
            heartbeat_interval: 5,
            max_callback_backoff_delay_ms: 900_000,
            media: Media {
                auto_download: vec![],
                providers: vec![],
            },
            notify_user_change_number: true,
            on_call_pager: None,
            pass_through: false,
            sent_status: false,
            show_security_notifications: true,
            skip_referral_media_download: false,
            axolotl_context_striping_disabled: false,
            unhealthy_interval: 30,
            wa_id: wa_id.to_string(),
            webhooks: Webhooks {
                url: None,
                max_concurrent_requests: 6,
                message: MessageFilters {
                    sent: false,
                    delivered: true,
                    read: true,
                },
            },
            verbose_logging: false,
            log_level: "info".into(),
        }
    }

    /// Whether `sent` statuses are notified (`webhooks.message.sent` or the older `sent_status`).
    pub fn notify_sent(&self) -> bool {
        self.webhooks.message.sent || self.sent_status
    }

    /// Applies a PATCH body: fields absent from it are left as they are.
    pub fn patched(&self, body: &Value, allow_http: bool) -> Result<Self, ApiError> {
        let obj = as_object(body, "request body")?;
        let mut s = self.clone();
        for (key, v) in obj {
            match key.as_str() {
                "callback_backoff_delay_ms" => s.callback_backoff_delay_ms = millis(key, v)?,
                "max_callback_backoff_delay_ms" => {
                    s.max_callback_backoff_delay_ms = millis(key, v)?
                }
                "callback_persist" => s.callback_persist = boolean(key, v)?,
                "db_garbagecollector_enable" => s.db_garbagecollector_enable = boolean(key, v)?,
                "notify_user_change_number" => s.notify_user_change_number = boolean(key, v)?,
                "sent_status" => s.sent_status = boolean(key, v)?,
                "show_security_notifications" => s.show_security_notifications = boolean(key, v)?,
                "skip_referral_media_download" => s.skip_referral_media_download = boolean(key, v)?,
                "axolotl_context_striping_disabled" => {
                    s.axolotl_context_striping_disabled = boolean(key, v)?
                }
                "verbose_logging" => s.verbose_logging = boolean(key, v)?,
                "pass_through" => {
                    let on = boolean(key, v)?;
                    if on && !s.pass_through {
                        return Err(ApiError::invalid(
                            key,
                            "cannot be enabled (removed in v2.35)",
                        ));
                    }
                    s.pass_through = on;
                }
                "heartbeat_interval" => s.heartbeat_interval = integer(key, v, 1, 3600)?,
                "unhealthy_interval" => s.unhealthy_interval = integer(key, v, 1, 3600)?,
                "on_call_pager" => {
                    s.on_call_pager = match v {
                        Value::Null => None,
                        Value::String(p) if p.is_empty() => None,
                        Value::String(p) if p.chars().all(|c| c.is_ascii_digit()) => {
                            Some(p.clone())
                        }
                        _ => return Err(ApiError::invalid(key, "must be a wa_id (digits only)")),
                    }
                }
                "log_level" => {
                    let l = string(key, v)?;
                    if !LOG_LEVELS.contains(&l) {
                        return Err(ApiError::invalid(
                            key,
                            format!("must be one of {LOG_LEVELS:?}"),
                        ));
                    }
                    s.log_level = l.to_string();
                }
                "garbagecollector_enable" => {
                    for (k, v) in as_object(v, key)? {
                        let name = format!("{key}.{k}");
                        match k.as_str() {
                            "media" => s.garbagecollector_enable.media = boolean(&name, v)?,
                            "messages" => s.garbagecollector_enable.messages = boolean(&name, v)?,
                            _ => return Err(ApiError::unknown_field(&name)),
                        }
                    }
                }
                "media" => {
                    for (k, v) in as_object(v, key)? {
                        let name = format!("{key}.{k}");
                        match k.as_str() {
                            "auto_download" => s.media.auto_download = media_types(&name, v)?,
                            "providers" => {
                                s.media.providers = super::providers::parse_list(&name, v)?
                            }
                            _ => return Err(ApiError::unknown_field(&name)),
                        }
                    }
                }
                "webhooks" => patch_webhooks(&mut s.webhooks, v, allow_http)?,
                "wa_id" => return Err(ApiError::invalid(key, "is read-only")),
                "webhook_payload_conversation_pricingmodel_disabled" => {
                    boolean(key, v)?; // deprecated in v2.39.1: accepted and ignored
                }
                _ => return Err(ApiError::unknown_field(key)),
            }
        }
        if s.max_callback_backoff_delay_ms < s.callback_backoff_delay_ms {
            return Err(ApiError::invalid(
                "max_callback_backoff_delay_ms",
                "must not be smaller than callback_backoff_delay_ms",
            ));
        }
        Ok(s)
    }
}

fn patch_webhooks(w: &mut Webhooks, v: &Value, allow_http: bool) -> Result<(), ApiError> {
    for (k, v) in as_object(v, "webhooks")? {
        let name = format!("webhooks.{k}");
        match k.as_str() {
            "url" => {
                w.url = match v {
                    Value::Null => None,
                    Value::String(u) if u.is_empty() => None,
                    Value::String(u) => Some(webhook_url(u, allow_http)?),
                    _ => return Err(ApiError::invalid(&name, "must be a string")),
                }
            }
            "max_concurrent_requests" => {
                let n = integer(&name, v, 0, u64::MAX)?;
                if ![6, 12, 18, 24].contains(&n) {
                    return Err(ApiError::invalid(&name, "must be one of 6, 12, 18, 24"));
                }
                w.max_concurrent_requests = n as u32;
            }
            "message" => {
                for (k, v) in as_object(v, &name)? {
                    let name = format!("webhooks.message.{k}");
                    match k.as_str() {
                        "sent" => w.message.sent = boolean(&name, v)?,
                        "delivered" => w.message.delivered = boolean(&name, v)?,
                        "read" => w.message.read = boolean(&name, v)?,
                        _ => return Err(ApiError::unknown_field(&name)),
                    }
                }
            }
            _ => return Err(ApiError::unknown_field(&name)),
        }
    }
    Ok(())
}

/// Checks a webhook URL: absolute, http(s), with a host; `http://` only when allowed.
pub fn webhook_url(url: &str, allow_http: bool) -> Result<String, ApiError> {
    const F: &str = "webhooks.url";
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ApiError::invalid(F, format!("'{url}' is not a valid URL ({e})")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(ApiError::invalid(
                F,
                "an HTTPS URL is required, as by the real API; start the emulator with \
                 --allow-http-webhooks (WAEMU_ALLOW_HTTP_WEBHOOKS=true) to allow http:// for local tests",
            ))
        }
        other => return Err(ApiError::invalid(F, format!("scheme '{other}' is not supported, use https"))),
    }
    if parsed.host_str().unwrap_or("").is_empty() {
        return Err(ApiError::invalid(F, "the URL has no host"));
    }
    Ok(url.to_string())
}

fn as_object<'a>(v: &'a Value, name: &str) -> Result<&'a Map<String, Value>, ApiError> {
    v.as_object()
        .ok_or_else(|| ApiError::invalid(name, "must be a JSON object"))
}

fn boolean(name: &str, v: &Value) -> Result<bool, ApiError> {
    v.as_bool()
        .ok_or_else(|| ApiError::invalid(name, "must be true or false"))
}

fn string<'a>(name: &str, v: &'a Value) -> Result<&'a str, ApiError> {
    v.as_str()
        .ok_or_else(|| ApiError::invalid(name, "must be a string"))
}

/// An integer given as a JSON number or a string of digits (the real API documents strings).
fn integer(name: &str, v: &Value, min: u64, max: u64) -> Result<u64, ApiError> {
    let n = match v {
        Value::Number(_) => crate::wa::integer::as_u64(v),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::invalid(name, "must be a non-negative integer (number or string)"))?;
    if n < min || n > max {
        return Err(ApiError::invalid(
            name,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(n)
}

fn millis(name: &str, v: &Value) -> Result<u64, ApiError> {
    integer(name, v, 1, 24 * 3600 * 1000)
}

fn media_types(name: &str, v: &Value) -> Result<Vec<String>, ApiError> {
    let arr = v
        .as_array()
        .ok_or_else(|| ApiError::invalid(name, "must be an array"))?;
    let mut out = Vec::new();
    for t in arr {
        match t.as_str() {
            Some(t) if MEDIA_TYPES.contains(&t) => out.push(t.to_string()),
            _ => {
                return Err(ApiError::invalid(
                    name,
                    format!("entries must be among {MEDIA_TYPES:?}"),
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d() -> ApplicationSettings {
        ApplicationSettings::defaults("16315551000")
    }

    #[test]
    fn patch_is_partial_and_accepts_strings_for_delays() {
        let s = d()
            .patched(
                &json!({"callback_backoff_delay_ms":"50","webhooks":{"message":{"read":false}}}),
                false,
            )
            .unwrap();
        assert_eq!(s.callback_backoff_delay_ms, 50);
        assert!(!s.webhooks.message.read);
        assert!(s.webhooks.message.delivered);
        assert_eq!(s.max_callback_backoff_delay_ms, 900_000);
    }

    #[test]
    fn bad_values_name_the_field() {
        let e = d()
            .patched(&json!({"webhooks":{"max_concurrent_requests":7}}), false)
            .unwrap_err();
        assert_eq!(e.code, 1009);
        assert!(e
            .details
            .unwrap()
            .contains("webhooks.max_concurrent_requests"));
        let e = d()
            .patched(&json!({"callback_persist":"yes"}), false)
            .unwrap_err();
        assert!(e.details.unwrap().starts_with("callback_persist"));
        let e = d().patched(&json!({"nope":1}), false).unwrap_err();
        assert_eq!(e.code, 1010);
        assert_eq!(e.details.as_deref(), Some("nope: unknown field"));
    }

    #[test]
    fn http_urls_need_the_setting_and_the_error_says_so() {
        let e = d()
            .patched(&json!({"webhooks":{"url":"http://x.test/hook"}}), false)
            .unwrap_err();
        assert!(e.details.unwrap().contains("--allow-http-webhooks"));
        assert!(d()
            .patched(&json!({"webhooks":{"url":"http://x.test/hook"}}), true)
            .is_ok());
        assert!(d()
            .patched(&json!({"webhooks":{"url":"ftp://x.test"}}), true)
            .is_err());
    }

    #[test]
    fn cap_must_not_be_below_the_step() {
        let e = d()
            .patched(&json!({"max_callback_backoff_delay_ms":100}), false)
            .unwrap_err();
        assert!(e.details.unwrap().contains("max_callback_backoff_delay_ms"));
    }
}
