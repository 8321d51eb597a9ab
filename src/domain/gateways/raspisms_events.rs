//! RaspiSMS events: the five webhook types, filled in as RaspiSMS would, signed per webhook.

use super::config::{RaspismsConfig, Vocabulary};
use super::events::{
    callback, check_dates, fill, unknown_event, Context, EventRequest, Fault, STALE_S,
};
use super::typed;
use crate::delivery::DirectCallback;
use crate::sms::{php_datetime, raspisms};
use crate::wa::ApiError;
use rand::Rng;
use serde_json::Value;

fn check_one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("must be one of {}", allowed.join(", ")),
        ))
    }
}

pub(super) fn raspisms_event(
    c: &RaspismsConfig,
    req: EventRequest,
    ctx: &mut Context,
) -> Result<Vec<DirectCallback>, ApiError> {
    let now = ctx.now_s
        - if req.fault == Some(Fault::StaleTimestamp) {
            STALE_S
        } else {
            0
        };
    let at = php_datetime(now);
    let id_phone = c.id_phone.unwrap_or(1);
    let mut d = req.data;
    check_dates(&d, &["at", "start"])?;
    let events: Vec<raspisms::Event> =
        match req.event.as_str() {
            "receive_sms" => {
                fill(&mut d, "id", 0);
                fill(&mut d, "at", at);
                fill(&mut d, "destination", id_phone);
                fill(&mut d, "command", false);
                fill(&mut d, "mms", false);
                fill(&mut d, "medias", Value::Array(vec![]));
                let first: raspisms::ReceiveSms = typed("data", Value::Object(d.clone()))?;
                let given_id = d
                    .get("id")
                    .and_then(crate::wa::integer::as_u64)
                    .filter(|id| *id > 0);
                let mut list = Vec::new();
                for (i, text) in raspisms::split_text(&first.text).into_iter().enumerate() {
                    let id = match given_id {
                        Some(id) => id.saturating_add(i as u64),
                        None => ctx.id()?,
                    };
                    list.push(raspisms::Event::ReceiveSms(raspisms::ReceiveSms {
                        id,
                        text,
                        ..first.clone()
                    }));
                }
                list
            }
            "send_sms" => {
                fill(&mut d, "id", ctx.id()?);
                fill(&mut d, "at", at);
                fill(&mut d, "status", "unknown");
                fill(&mut d, "origin", id_phone);
                fill(&mut d, "mms", false);
                fill(&mut d, "medias", Value::Array(vec![]));
                fill(&mut d, "originating_scheduled", Value::Null);
                let e: raspisms::SendSms = typed("data", Value::Object(d))?;
                check_one_of("data.status", &e.status, &["unknown", "failed"])?;
                vec![raspisms::Event::SendSms(e)]
            }
            "send_sms_status_change" => {
                let e: raspisms::SendSmsStatusChange = typed("data", Value::Object(d))?;
                check_one_of(
                    "data.status",
                    &e.status,
                    &["delivered", "success", "failed", "unknown"],
                )?;
                vec![raspisms::Event::SendSmsStatusChange(e)]
            }
            "inbound_call" => {
                fill(&mut d, "id", ctx.id()?);
                fill(&mut d, "id_user", c.id_user.unwrap_or(1));
                fill(&mut d, "id_phone", id_phone);
                fill(
                    &mut d,
                    "uid",
                    hex::encode(rand::thread_rng().gen::<[u8; 8]>()),
                );
                fill(&mut d, "direction", "inbound");
                fill(&mut d, "start", at);
                for k in ["end", "origin", "destination"] {
                    fill(&mut d, k, Value::Null);
                }
                let e: raspisms::InboundCall = typed("data", Value::Object(d))?;
                check_one_of("data.direction", &e.direction, &["inbound", "outbound"])?;
                vec![raspisms::Event::InboundCall(e)]
            }
            "phone_reliability" => {
                fill(&mut d, "reliability_type", "failed");
                fill(&mut d, "id_phone", id_phone);
                fill(&mut d, "period", 86_400);
                let total = d
                    .get("total")
                    .and_then(crate::wa::integer::as_u64)
                    .unwrap_or(0);
                let unreliable = d
                    .get("unreliable")
                    .and_then(crate::wa::integer::as_u64)
                    .unwrap_or(0);
                if total > 0 {
                    fill(&mut d, "rate", unreliable as f64 / total as f64);
                } else {
                    fill(&mut d, "rate", 0.0);
                }
                let e: raspisms::PhoneReliability = typed("data", Value::Object(d))?;
                check_one_of(
                    "data.reliability_type",
                    &e.reliability_type,
                    &["failed", "unknown"],
                )?;
                if !(0.0..=1.0).contains(&e.rate) {
                    return Err(ApiError::invalid("data.rate", "must be from 0 to 1"));
                }
                vec![raspisms::Event::PhoneReliability(e)]
            }
            other => return Err(unknown_event(
                other,
                "receive_sms, send_sms, send_sms_status_change, inbound_call and phone_reliability",
            )),
        };
    let mut out = Vec::new();
    for event in events {
        out.extend(raspisms_callbacks(c, &event, req.fault, now, ctx));
    }
    Ok(out)
}

/// The signed callbacks of one RaspiSMS event, one per webhook of its type.
pub fn raspisms_callbacks(
    c: &RaspismsConfig,
    event: &raspisms::Event,
    fault: Option<Fault>,
    now_s: u64,
    ctx: &Context,
) -> Vec<DirectCallback> {
    let mut rng = rand::thread_rng();
    let key = match fault {
        Some(Fault::BadSecret) => hex::encode(rng.gen::<[u8; 16]>()),
        _ => c.api_key.clone().unwrap_or_default(),
    };
    let mut envelope = raspisms::Envelope::signed(&key, now_s, rng.gen());
    if fault == Some(Fault::BadSignature) {
        envelope.signature = hex::encode(rng.gen::<[u8; 32]>());
    }
    let body = raspisms::encode(&envelope, event);
    c.webhooks
        .iter()
        .filter(|w| {
            serde_json::to_value(w.kind)
                .ok()
                .as_ref()
                .and_then(Value::as_str)
                == Some(event.name())
        })
        .map(|w| {
            callback(
                "raspisms",
                event.name(),
                &w.url,
                raspisms::headers(),
                body.clone(),
                ctx,
            )
        })
        .collect()
}

/// The final status word of a delivered SMS in the configured vocabulary.
pub fn delivered_word(v: Vocabulary) -> &'static str {
    match v {
        Vocabulary::Code => "delivered",
        Vocabulary::Docs => "success",
    }
}
