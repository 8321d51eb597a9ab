//! `POST /v1/emulator/gateways/{gateway}/events`: one event, filled in as the product would, encoded
//! in the gateway's dialect for every webhook subscribed to it, with the requested fault.

use super::config::{GatewayConfig, NotificationType, Smsgateway24Config, ZenderConfig};
pub use super::raspisms_events::{delivered_word, raspisms_callbacks};
use super::typed;
use crate::delivery::{DirectCallback, RetryPolicy};
use crate::sms::{php_datetime, smsgateway24, zender};
use crate::wa::ApiError;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Zender: a secret other than the configured one; RaspiSMS: signed with another API key.
    BadSecret,
    /// RaspiSMS: a signature that is not the HMAC of the random id.
    BadSignature,
    /// Timestamps and dates a day old.
    StaleTimestamp,
    /// The same request twice (same ids, same random id).
    Duplicate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    pub event: String,
    #[serde(default)]
    pub data: Map<String, Value>,
    #[serde(default, deserialize_with = "not_null")]
    pub fault: Option<Fault>,
}

/// `fault` may be left out but not null (as the spec says; configurations refuse nulls too).
fn not_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Fault>, D::Error> {
    Fault::deserialize(d).map(Some)
}

/// How old a `stale_timestamp` fault makes the times.
pub const STALE_S: u64 = 86_400;

/// What an event needs besides its configuration: fresh ids, the clock and the retry policy.
pub struct Context<'a> {
    pub now_s: u64,
    pub retry: RetryPolicy,
    pub next_id: &'a mut dyn FnMut() -> Result<u64, ApiError>,
}

impl Context<'_> {
    pub(super) fn id(&mut self) -> Result<u64, ApiError> {
        (self.next_id)()
    }
}

/// Given dates must look like the product's (`Y-m-d H:i:s`).
pub(super) fn check_dates(d: &Map<String, Value>, keys: &[&str]) -> Result<(), ApiError> {
    for k in keys {
        if let Some(Value::String(v)) = d.get(*k) {
            if !crate::sms::is_php_datetime(v) {
                return Err(ApiError::invalid(
                    &format!("data.{k}"),
                    "must be a Y-m-d H:i:s date-time",
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn fill(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.entry(key).or_insert_with(|| value.into());
}

pub(super) fn unknown_event(name: &str, known: &str) -> ApiError {
    let shown: String = name.chars().take(40).collect();
    ApiError::invalid(
        "event",
        format!("unknown event {shown:?}; this gateway sends {known}"),
    )
}

fn not_applicable(fault: Fault, why: &str) -> ApiError {
    let name = serde_json::to_value(fault)
        .ok()
        .and_then(|v| v.as_str().map(String::from));
    ApiError::invalid(
        "fault",
        format!("{} does not apply: {why}", name.unwrap_or_default()),
    )
}

pub(super) fn callback(
    source: &str,
    event: &str,
    url: &str,
    headers: Vec<(String, String)>,
    body: String,
    ctx: &Context,
) -> DirectCallback {
    DirectCallback {
        source: source.into(),
        event: event.into(),
        url: url.into(),
        headers,
        body,
        retry: ctx.retry.clone(),
        order_key: Some(source.into()),
    }
}

/// The callbacks one event makes (none when no webhook is subscribed to it), and for Zender the
/// event itself (the API's received lists keep sms and whatsapp events).
pub fn build(
    cfg: &GatewayConfig,
    req: EventRequest,
    ctx: &mut Context,
) -> Result<(Vec<DirectCallback>, Option<zender::Event>), ApiError> {
    let duplicate = req.fault == Some(Fault::Duplicate);
    let mut zender_event_made = None;
    let mut out = match cfg {
        GatewayConfig::Zender(c) => {
            let (event, callbacks) = zender_event(c, req, ctx)?;
            zender_event_made = Some(event);
            callbacks
        }
        GatewayConfig::Smsgateway24(c) => smsgateway24_event(c, req, ctx)?,
        GatewayConfig::Raspisms(c) => super::raspisms_events::raspisms_event(c, req, ctx)?,
    };
    if duplicate {
        out = out.into_iter().flat_map(|cb| [cb.clone(), cb]).collect();
    }
    Ok((out, zender_event_made))
}

fn zender_event(
    c: &ZenderConfig,
    req: EventRequest,
    ctx: &mut Context,
) -> Result<(zender::Event, Vec<DirectCallback>), ApiError> {
    if req.fault == Some(Fault::BadSignature) {
        return Err(not_applicable(
            Fault::BadSignature,
            "Zender sends a plain secret, no signature (use bad_secret)",
        ));
    }
    let mut d = req.data;
    let stale = req.fault == Some(Fault::StaleTimestamp);
    fill(&mut d, "id", ctx.id()?);
    fill(
        &mut d,
        "timestamp",
        ctx.now_s - if stale { STALE_S } else { 0 },
    );
    let device = c.device.clone().unwrap_or_default();
    let event = match req.event.as_str() {
        "sms" => {
            fill(&mut d, "rid", ctx.id()?);
            fill(&mut d, "sim", 1);
            fill(&mut d, "device", device);
            zender::Event::Sms(typed("data", Value::Object(d))?)
        }
        "whatsapp" => {
            fill(&mut d, "wid", c.wid.clone().unwrap_or_default());
            zender::Event::Whatsapp(typed("data", Value::Object(d))?)
        }
        "ussd" => {
            fill(&mut d, "sim", 1);
            fill(&mut d, "device", device);
            zender::Event::Ussd(typed("data", Value::Object(d))?)
        }
        "notification" => {
            fill(&mut d, "device", device);
            zender::Event::Notification(typed("data", Value::Object(d))?)
        }
        other => return Err(unknown_event(other, "sms, whatsapp, ussd and notification")),
    };
    let secret = match req.fault {
        Some(Fault::BadSecret) => hex::encode(rand::thread_rng().gen::<[u8; 20]>()),
        _ => c.secret.clone().unwrap_or_default(),
    };
    let name = event.name();
    let type_name = match (&event, c.notification_type) {
        (zender::Event::Notification(_), NotificationType::Notifications) => "notifications",
        _ => name,
    };
    let body = zender::encode_as(&secret, type_name, &event);
    let callbacks = c
        .webhooks
        .iter()
        .filter(|w| {
            w.events.iter().any(|e| {
                serde_json::to_value(e)
                    .ok()
                    .as_ref()
                    .and_then(Value::as_str)
                    == Some(name)
            })
        })
        .map(|w| callback("zender", name, &w.url, zender::headers(), body.clone(), ctx))
        .collect();
    Ok((event, callbacks))
}

fn smsgateway24_event(
    c: &Smsgateway24Config,
    req: EventRequest,
    ctx: &mut Context,
) -> Result<Vec<DirectCallback>, ApiError> {
    if let Some(f @ (Fault::BadSecret | Fault::BadSignature)) = req.fault {
        return Err(not_applicable(
            f,
            "SMSGateway24 sends no secret and no signature",
        ));
    }
    let now = ctx.now_s
        - if req.fault == Some(Fault::StaleTimestamp) {
            STALE_S
        } else {
            0
        };
    let mut d = req.data;
    check_dates(&d, &["date", "date_sent", "senttime"])?;
    // `sim` is the 2023 name of `channel_id`: the current name wins when both are given.
    if let Some(sim) = d.remove("sim") {
        if crate::wa::integer::as_u64(&sim).is_none_or(|n| n > u64::from(u8::MAX)) {
            return Err(ApiError::invalid(
                "data.sim",
                "must be an integer from 0 to 255",
            ));
        }
        d.entry("channel_id").or_insert(sim);
    }
    fill(&mut d, "channel_id", 1);
    fill(&mut d, "device_id", c.device_id.unwrap_or_default());
    let (body, url, name) = match req.event.as_str() {
        "incoming" => {
            fill(&mut d, "sms_id", ctx.id()?);
            fill(&mut d, "internal_id", ctx.id()?);
            fill(&mut d, "body", "");
            fill(&mut d, "date", php_datetime(now));
            fill(&mut d, "date_sent", php_datetime(now.saturating_sub(2)));
            fill(
                &mut d,
                "device_name",
                c.device_name.clone().unwrap_or_default(),
            );
            let e: smsgateway24::Incoming = typed("data", Value::Object(d))?;
            (
                smsgateway24::encode_incoming(c.schema, &e),
                &c.webhooks.incoming,
                "incoming",
            )
        }
        "status" => {
            fill(&mut d, "sms_id", ctx.id()?);
            fill(&mut d, "senttime", php_datetime(now));
            let status_id = d
                .get("status_id")
                .ok_or_else(|| ApiError::missing("data.status_id"))
                .map(crate::wa::integer::as_u64)?
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0);
            let message = smsgateway24::status_message(status_id).ok_or_else(|| {
                ApiError::invalid(
                    "data.status_id",
                    "must be a documented status: 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 100 or 101",
                )
            })?;
            fill(&mut d, "status_message", message);
            let e: smsgateway24::Status = typed("data", Value::Object(d))?;
            (
                smsgateway24::encode_status(c.schema, &e),
                &c.webhooks.statuses,
                "status",
            )
        }
        other => return Err(unknown_event(other, "incoming and status")),
    };
    Ok(url
        .iter()
        .map(|u| {
            callback(
                "smsgateway24",
                name,
                u,
                smsgateway24::headers(),
                body.clone(),
                ctx,
            )
        })
        .collect())
}
