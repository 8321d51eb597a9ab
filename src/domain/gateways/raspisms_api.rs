//! RaspiSMS's own API behind `/raspisms/api/...`: scheduled rows, the sended rows the sender
//! daemon makes of them (one per recipient, each an outbound message of the gateway engine whose
//! `send_sms` webhooks carry `originating_scheduled`), and received rows. As in RaspiSMS, a
//! scheduled row is gone once the daemon processed it (at its time plus `--status-sent-ms`).

use super::config::{Gateway, GatewayConfig, RaspismsConfig};
use super::outbound::StepEvent;
use super::Gateways;
use crate::simulator::rules::Rule;
use crate::store::{encode_u64, Batch};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Number {
    pub id: u64,
    pub number: String,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheduled {
    pub id: u64,
    pub id_user: u64,
    pub id_phone: Option<u64>,
    pub at_ms: u64,
    pub text: String,
    pub flash: bool,
    pub mms: bool,
    pub tag: Option<String>,
    pub numbers: Vec<Number>,
    pub created_ms: u64,
    /// When the sender daemon takes it (and deletes it).
    pub processed_ms: u64,
    pub sended: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sended {
    pub id: u64,
    pub originating_scheduled: u64,
    pub text: String,
    pub destination: String,
    pub flash: bool,
    pub mms: bool,
    pub tag: Option<String>,
    pub id_user: u64,
    pub id_phone: u64,
    pub uid: String,
    /// When the phone daemon made the row (the `send_sms` webhook).
    pub at_ms: u64,
    /// The statuses it takes (`unknown`, `delivered`, `failed`) with their times.
    pub statuses: Vec<(String, u64)>,
}

impl Sended {
    /// The status in the database by `now` (`success`, the docs' word, is stored `delivered`).
    pub fn status(&self, now: u64) -> &str {
        let s = self
            .statuses
            .iter()
            .rev()
            .find(|(_, at)| *at <= now)
            .map_or("unknown", |(s, _)| s.as_str());
        if s == "success" {
            "delivered"
        } else {
            s
        }
    }

    pub fn updated_ms(&self, now: u64) -> u64 {
        self.statuses
            .iter()
            .filter(|(_, at)| *at <= now)
            .map(|(_, at)| *at)
            .max()
            .unwrap_or(self.at_ms)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Received {
    pub id: u64,
    pub at_ms: u64,
    pub text: String,
    pub origin: String,
    pub command: bool,
    pub mms: bool,
    pub id_user: u64,
    pub id_phone: u64,
}

crate::json_record!(Scheduled, "raspisms_scheduled", |r| encode_u64(r.id));
crate::json_record!(Sended, "raspisms_sended", |r| encode_u64(r.id));
crate::json_record!(Received, "raspisms_received", |r| encode_u64(r.id));

/// Part of the control API's reset.
pub(super) fn clear(b: &mut Batch) {
    b.clear::<Scheduled>().clear::<Sended>().clear::<Received>();
}

/// A scheduled SMS, validated by the API layer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewScheduled {
    pub at_ms: u64,
    pub text: String,
    pub id_phone: Option<u64>,
    pub flash: bool,
    pub mms: bool,
    pub tag: Option<String>,
    /// E.164 numbers with their templating data.
    pub numbers: Vec<(String, String)>,
}

impl Gateways {
    pub fn raspisms(&self) -> Result<Option<RaspismsConfig>, ApiError> {
        Ok(match self.records.config(Gateway::Raspisms)? {
            Some(GatewayConfig::Raspisms(c)) => Some(c),
            _ => None,
        })
    }

    /// Creates the scheduled row and, for each distinct number, the sended row and its status
    /// plan, in one commit; answers the scheduled id.
    pub async fn raspisms_schedule(
        self: &Arc<Self>,
        new: NewScheduled,
        rules: &[Rule],
    ) -> Result<u64, ApiError> {
        let cfg = self
            .records
            .config(Gateway::Raspisms)?
            .ok_or_else(|| ApiError::not_found("RaspiSMS is not configured"))?;
        let GatewayConfig::Raspisms(c) = &cfg else {
            return Err(ApiError::not_found("RaspiSMS is not configured"));
        };
        let now = now_ms();
        let from = new.at_ms.max(now);
        let processed_ms = from.saturating_add(self.timing.sent_ms);
        let id = self.next_id()?;
        let id_user = c.id_user.unwrap_or(1);
        let id_phone = new.id_phone.or(c.id_phone).unwrap_or(1);
        let mut b = Batch::default();
        let mut messages = Vec::new();
        let mut numbers = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (number, data) in new.numbers {
            numbers.push(Number {
                id: self.next_id()?,
                number: number.clone(),
                data,
            });
            if !seen.insert(number.clone()) {
                continue;
            }
            let x = self.next_id()?;
            let draft = super::Draft {
                id: x,
                to: &number,
                text: &new.text,
                from_ms: from,
                originating_scheduled: Some(id),
            };
            let m = self.planned(&cfg, draft, rules);
            let statuses = m
                .steps
                .iter()
                .filter_map(|s| match &s.what {
                    StepEvent::SendSms { status } | StepEvent::SendSmsStatusChange { status } => {
                        Some((status.clone(), s.at_ms))
                    }
                    StepEvent::Status { .. } | StepEvent::ZenderReport { .. } => None,
                })
                .collect();
            b.put(&Sended {
                id: x,
                originating_scheduled: id,
                text: new.text.clone(),
                destination: number,
                flash: new.flash,
                mms: new.mms,
                tag: new.tag.clone(),
                id_user,
                id_phone,
                uid: hex::encode(rand::random::<[u8; 8]>()),
                at_ms: processed_ms,
                statuses,
            })?;
            if m.next_step().is_some() {
                b.put(&m)?;
            }
            messages.push(m);
        }
        b.put(&Scheduled {
            id,
            id_user,
            id_phone: new.id_phone,
            at_ms: new.at_ms,
            text: new.text,
            flash: new.flash,
            mms: new.mms,
            tag: new.tag,
            numbers,
            created_ms: now,
            processed_ms,
            sended: messages.iter().map(|m| m.id).collect(),
        })?;
        self.records.store().commit(b).await?;
        self.play_all(&messages);
        self.published(Gateway::Raspisms, &[id]);
        Ok(id)
    }

    /// Deletes a scheduled row the sender daemon has not taken yet, with what it would have
    /// sent; false when there is none (never created, deleted, or already processed).
    pub async fn raspisms_delete_scheduled(&self, id: u64) -> Result<bool, ApiError> {
        let store = self.records.store();
        let Some(s) = store.get::<Scheduled>(encode_u64(id))? else {
            return Ok(false);
        };
        if s.processed_ms <= now_ms() {
            return Ok(false);
        }
        let mut b = Batch::default();
        b.remove::<Scheduled>(encode_u64(id));
        for x in &s.sended {
            b.remove::<Sended>(encode_u64(*x));
            b.remove::<super::outbound::OutboundMessage>(encode_u64(*x));
        }
        store.commit(b).await?;
        self.published(Gateway::Raspisms, &[id]);
        Ok(true)
    }

    /// Scheduled rows the daemon has not taken yet, by id.
    pub fn raspisms_scheduled(&self, now: u64) -> Result<Vec<Scheduled>, ApiError> {
        let mut list = self.records.store().all::<Scheduled>()?;
        list.retain(|s| s.processed_ms > now);
        Ok(list)
    }

    /// Sended rows made by `now`, by id.
    pub fn raspisms_sended(&self, now: u64) -> Result<Vec<Sended>, ApiError> {
        let mut list = self.records.store().all::<Sended>()?;
        list.retain(|s| s.at_ms <= now);
        Ok(list)
    }

    pub fn raspisms_received(&self) -> Result<Vec<Received>, ApiError> {
        Ok(self.records.store().all::<Received>()?)
    }

    /// Received SMS (a `receive_sms` event), one row per chunk.
    pub(super) async fn raspisms_store_received(
        &self,
        rows: Vec<Received>,
    ) -> Result<(), ApiError> {
        let mut b = Batch::default();
        for r in &rows {
            b.put(r)?;
        }
        self.records.store().commit(b).await?;
        let ids: Vec<u64> = rows.iter().map(|r| r.id).collect();
        self.published(Gateway::Raspisms, &ids);
        Ok(())
    }
}

/// A received SMS an event announces, kept for the gateway's own API.
pub(super) struct Inbound {
    id: u64,
    text: String,
    origin: String,
    channel: u8,
}

impl Gateways {
    /// Gives a received SMS event (SMSGateway24 `incoming`, RaspiSMS `receive_sms`) its id now,
    /// so the row kept for the gateway's own API and the webhook carry the same one.
    pub(super) fn prefill_received(
        &self,
        c: &GatewayConfig,
        req: &mut super::events::EventRequest,
    ) -> Result<Option<Inbound>, ApiError> {
        use serde_json::Value;
        let d = &mut req.data;
        let text = |d: &serde_json::Map<String, Value>, k: &str| {
            d.get(k).and_then(Value::as_str).unwrap_or("").to_string()
        };
        let (key, body, from) = match (c, req.event.as_str()) {
            (GatewayConfig::Smsgateway24(_), "incoming") => ("sms_id", "body", "address"),
            (GatewayConfig::Raspisms(_), "receive_sms") => ("id", "text", "origin"),
            _ => return Ok(None),
        };
        let id = match d.get(key).map(crate::wa::integer::as_u64) {
            Some(Some(id)) if id > 0 => id,
            // Not an id: the event's own parsing refuses it (nothing is kept then).
            Some(None) => return Ok(None),
            _ => {
                let id = self.next_id()?;
                let chunks = crate::sms::raspisms::split_text(&text(d, body)).len();
                for _ in 1..chunks {
                    self.next_id()?; // the further chunks' ids (id + 1, ...)
                }
                d.insert(key.into(), id.into());
                id
            }
        };
        let channel = ["channel_id", "sim"]
            .iter()
            .find_map(|k| d.get(*k).and_then(crate::wa::integer::as_u64))
            .and_then(|n| u8::try_from(n).ok())
            .unwrap_or(1);
        Ok(Some(Inbound {
            id,
            text: text(d, body),
            origin: text(d, from),
            channel,
        }))
    }

    /// Keeps a received SMS whose event was built (so its data was valid).
    pub(super) async fn keep_received(
        &self,
        c: &GatewayConfig,
        r: Inbound,
    ) -> Result<(), ApiError> {
        match c {
            GatewayConfig::Smsgateway24(s) => {
                self.smsgateway24_received(
                    r.id,
                    &r.origin,
                    &r.text,
                    s.device_id.unwrap_or_default(),
                    r.channel,
                )
                .await
            }
            GatewayConfig::Raspisms(s) => {
                let now = now_ms();
                let rows = crate::sms::raspisms::split_text(&r.text)
                    .into_iter()
                    .enumerate()
                    .map(|(i, text)| Received {
                        id: r.id.saturating_add(i as u64),
                        at_ms: now,
                        text,
                        origin: r.origin.clone(),
                        command: false,
                        mms: false,
                        id_user: s.id_user.unwrap_or(1),
                        id_phone: s.id_phone.unwrap_or(1),
                    })
                    .collect();
                self.raspisms_store_received(rows).await
            }
            GatewayConfig::Zender(_) => Ok(()),
        }
    }
}
