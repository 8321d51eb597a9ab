//! The SMS gateway personalities (Zender, SMSGateway24, RaspiSMS): their configurations, the
//! events a test fires, and outbound SMS with their status webhooks over time. Every webhook is a
//! direct callback of the delivery engine (exact bytes, the gateway's retry policy).

pub mod config;
pub mod events;
pub mod listing;
pub mod outbound;
pub mod raspisms_api;
mod raspisms_events;
mod records;
pub mod smsgateway24_api;
pub mod zender_api;

use crate::delivery::{Delivery, DirectCallback, Request, RetryPolicy};
use crate::domain::Settings;
use crate::simulator::lifecycle::Timing;
use crate::simulator::rules::{self, Rule};
use crate::sms::{php_datetime, raspisms, smsgateway24};
use crate::store::{Store, StoreError};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use config::{Gateway, GatewayConfig, Retry};
use events::{Context, EventRequest};
use outbound::{OutboundMessage, StepEvent};
use records::Records;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Parses a JSON value into `T`, naming the offending field under `prefix` (1008 missing,
/// 1010 unknown, 1009 bad value), as the API's body parser does.
pub(crate) fn typed<T: DeserializeOwned>(prefix: &str, value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let name = msg.split('`').nth(1).unwrap_or("?");
        let join = |a: &str, b: &str| match (a, b) {
            ("", b) | (".", b) => b.to_string(),
            (a, "") | (a, ".") => a.to_string(),
            (a, b) => format!("{a}.{b}"),
        };
        let at = join(prefix, &path);
        if msg.starts_with("missing field") {
            ApiError::missing(&join(&at, name))
        } else if msg.starts_with("unknown field") {
            ApiError::new(1010, format!("{}: unknown field", join(prefix, &path)))
        } else {
            ApiError::invalid(if at.is_empty() { "body" } else { &at }, msg)
        }
    })
}

/// An outbound SMS as `POST .../messages` takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundRequest {
    pub to: String,
    pub text: String,
}

/// A created callback with the exact request it makes.
#[derive(Debug, serde::Serialize)]
pub struct Created {
    pub id: u64,
    pub source: String,
    pub event: String,
    pub request: Request,
}

/// An SMS a gateway's own API sends: its id (chosen by the caller), recipient and text, when its
/// plan starts, and the RaspiSMS scheduled row it comes from.
struct Draft<'a> {
    id: u64,
    to: &'a str,
    text: &'a str,
    from_ms: u64,
    originating_scheduled: Option<u64>,
}

pub struct Gateways {
    records: Records,
    delivery: Arc<Delivery>,
    settings: Arc<Settings>,
    events: Arc<crate::events::Events>,
    timing: Timing,
    horizon_ms: u64,
    wa_id: String,
    /// Bumped by reset: timers of an older epoch stop.
    epoch: AtomicU64,
}

impl Gateways {
    /// Opens the gateways and restarts the timers of outbound messages with statuses to come.
    pub fn open(
        store: Store,
        delivery: Arc<Delivery>,
        settings: Arc<Settings>,
        events: Arc<crate::events::Events>,
        timing: Timing,
        cfg: &crate::config::Config,
    ) -> Result<Arc<Gateways>, StoreError> {
        let g = Arc::new(Gateways {
            records: Records::new(store),
            delivery,
            settings,
            events,
            timing,
            horizon_ms: cfg.callback_retry_horizon_ms,
            wa_id: cfg.wa_id.clone(),
            epoch: AtomicU64::new(0),
        });
        let mut timers = 0;
        for m in g.records.messages()? {
            if m.next_step().is_some() {
                g.clone().play(m.id);
                timers += 1;
            }
        }
        if timers > 0 {
            tracing::info!(outbound = timers, "gateway status plans resumed");
        }
        Ok(g)
    }

    pub fn get(&self, g: Gateway) -> Result<GatewayConfig, ApiError> {
        self.records.config(g)?.ok_or_else(|| not_configured(g))
    }

    pub async fn put(&self, g: Gateway, body: Value) -> Result<GatewayConfig, ApiError> {
        let c = GatewayConfig::parse(g, body, &self.wa_id)?;
        self.records.put_config(&c).await?;
        Ok(c)
    }

    pub async fn delete(&self, g: Gateway) -> Result<(), ApiError> {
        if !self.records.delete_config(g).await? {
            return Err(not_configured(g));
        }
        Ok(())
    }

    fn retry(&self, c: &GatewayConfig) -> RetryPolicy {
        match c.retry() {
            Retry::None => RetryPolicy::Once,
            Retry::Backoff => {
                let s = self.settings.current();
                RetryPolicy::Linear {
                    step_ms: s.callback_backoff_delay_ms,
                    cap_ms: s.max_callback_backoff_delay_ms,
                    horizon_ms: self.horizon_ms,
                }
            }
        }
    }

    fn next_id(&self) -> Result<u64, ApiError> {
        Ok(self.records.next_id()?)
    }

    /// Fires one event now; answers the callbacks it made.
    pub async fn event(&self, g: Gateway, mut req: EventRequest) -> Result<Vec<Created>, ApiError> {
        let c = self.get(g)?;
        let received = self.prefill_received(&c, &mut req)?;
        let (callbacks, zender_event) = {
            let mut next = || self.next_id();
            let mut ctx = Context {
                now_s: now_ms() / 1000,
                retry: self.retry(&c),
                next_id: &mut next,
            };
            events::build(&c, req, &mut ctx)?
        };
        if let Some(e) = zender_event {
            self.zender_received(&e).await?;
        }
        if let Some(r) = received {
            self.keep_received(&c, r).await?;
        }
        self.enqueue(callbacks).await
    }

    async fn enqueue(&self, callbacks: Vec<DirectCallback>) -> Result<Vec<Created>, ApiError> {
        if callbacks.is_empty() {
            return Ok(vec![]);
        }
        let ids = self.delivery.enqueue_direct(callbacks.clone()).await?;
        for (id, cb) in ids.iter().zip(&callbacks) {
            self.events.publish("gateway_event", || {
                serde_json::json!({ "callback": id, "source": cb.source, "event": cb.event, "url": cb.url })
            });
        }
        Ok(ids
            .into_iter()
            .zip(callbacks)
            .map(|(id, cb)| Created {
                id,
                source: cb.source,
                event: cb.event,
                request: Request {
                    method: "POST".into(),
                    url: cb.url,
                    headers: cb.headers,
                    body: cb.body,
                },
            })
            .collect())
    }

    /// Sends an SMS through the gateway: stored with its status plan, which a timer plays.
    pub async fn send(
        self: &Arc<Self>,
        g: Gateway,
        req: OutboundRequest,
        rules: &[Rule],
    ) -> Result<OutboundMessage, ApiError> {
        let c = self.get(g)?;
        let digits = req.to.strip_prefix('+').unwrap_or(&req.to);
        if !(5..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid(
                "to",
                "must be a phone number: + and 5 to 15 digits",
            ));
        }
        if req.text.is_empty() {
            return Err(ApiError::invalid("text", "must not be empty"));
        }
        let now = now_ms();
        let m = OutboundMessage {
            id: self.next_id()?,
            gateway: g,
            steps: outbound::plan(&c, rules::find(rules, digits), self.timing, now),
            to: req.to,
            text: req.text,
            created_ms: now,
            originating_scheduled: None,
        };
        if let GatewayConfig::Zender(z) = &c {
            // A message sent from the dashboard: a sent row the API lists, with `api` false.
            self.zender_dashboard_send(z, &m).await?;
            return Ok(m);
        }
        // Kept while statuses are to come (a restart resumes them), forgotten after the last.
        if m.next_step().is_some() {
            self.records.put_message(&m).await?;
            self.clone().play(m.id);
        }
        Ok(m)
    }

    /// An outbound SMS of a gateway's own API, planned by the recipient rules: the caller commits
    /// it with its own rows, then calls `play_all`.
    fn planned(&self, c: &GatewayConfig, d: Draft, rules: &[Rule]) -> OutboundMessage {
        let digits = d.to.strip_prefix('+').unwrap_or(d.to);
        OutboundMessage {
            id: d.id,
            gateway: c.gateway(),
            steps: outbound::plan(c, rules::find(rules, digits), self.timing, d.from_ms),
            to: d.to.into(),
            text: d.text.into(),
            created_ms: now_ms(),
            originating_scheduled: d.originating_scheduled,
        }
    }

    /// Starts the timers of committed outbound messages.
    fn play_all(self: &Arc<Self>, messages: &[OutboundMessage]) {
        for m in messages.iter().filter(|m| m.next_step().is_some()) {
            self.clone().play(m.id);
        }
    }

    /// Plays the rest of a message's plan: each step when due, then marked notified.
    fn play(self: Arc<Self>, id: u64) {
        let epoch = self.epoch.load(Ordering::SeqCst);
        tokio::spawn(async move {
            loop {
                let Ok(Some(mut m)) = self.records.message(id) else {
                    return;
                };
                let Some(i) = m.next_step() else { return };
                let wait = m.steps[i].at_ms.saturating_sub(now_ms());
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                if self.epoch.load(Ordering::SeqCst) != epoch {
                    return;
                }
                if let Err(e) = self.zender_report(&m, i).await {
                    tracing::warn!(message = id, error = %e, "zender report failed; retrying in 1 s");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
                let made = match self.step_callbacks(&m, i) {
                    Ok(list) => self.enqueue(list).await,
                    Err(e) => Err(e),
                };
                match made {
                    Ok(created) => {
                        m.steps[i].notified = true;
                        m.steps[i].callbacks = created.iter().map(|c| c.id).collect();
                        let saved = match m.next_step() {
                            Some(_) => self.records.put_message(&m).await,
                            None => self.records.remove_message(id).await,
                        };
                        if let Err(e) = saved {
                            tracing::error!(message = id, error = %e, "gateway status step not recorded");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(message = id, error = %e, "gateway status step failed; retrying in 1 s");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }

    /// The webhooks of one planned step, built from the gateway's current configuration.
    fn step_callbacks(
        &self,
        m: &OutboundMessage,
        i: usize,
    ) -> Result<Vec<DirectCallback>, ApiError> {
        let Some(c) = self.records.config(m.gateway)? else {
            return Ok(vec![]); // the gateway was removed: nobody to tell
        };
        let at_s = m.steps[i].at_ms / 1000;
        let retry = self.retry(&c);
        let mut next = || self.next_id();
        let ctx = Context {
            now_s: at_s,
            retry,
            next_id: &mut next,
        };
        let cb = |url: &str, body: String, event: &str, headers| DirectCallback {
            source: m.gateway.name().into(),
            event: event.into(),
            url: url.into(),
            headers,
            body,
            retry: ctx.retry.clone(),
            order_key: Some(m.gateway.name().into()),
        };
        Ok(match (&c, &m.steps[i].what) {
            (GatewayConfig::Smsgateway24(s), StepEvent::Status { status_id }) => {
                let body = smsgateway24::encode_status(
                    s.schema,
                    &smsgateway24::Status {
                        sms_id: m.id,
                        status_id: *status_id,
                        status_message: smsgateway24::status_message(*status_id)
                            .unwrap_or_default()
                            .into(),
                        sendto: m.to.clone(),
                        senttime: php_datetime(m.created_ms / 1000),
                        channel_id: 1,
                        device_id: s.device_id.unwrap_or_default(),
                    },
                );
                s.webhooks
                    .statuses
                    .iter()
                    .map(|u| cb(u, body.clone(), "status", smsgateway24::headers()))
                    .collect()
            }
            (GatewayConfig::Raspisms(r), StepEvent::SendSms { status }) => {
                let e = raspisms::Event::SendSms(raspisms::SendSms {
                    id: m.id,
                    at: php_datetime(at_s),
                    status: status.clone(),
                    text: m.text.clone(),
                    destination: m.to.clone(),
                    origin: r.id_phone.unwrap_or(1),
                    mms: false,
                    medias: vec![],
                    originating_scheduled: m.originating_scheduled,
                });
                events::raspisms_callbacks(r, &e, None, at_s, &ctx)
            }
            (GatewayConfig::Raspisms(r), StepEvent::SendSmsStatusChange { status }) => {
                let e = raspisms::Event::SendSmsStatusChange(raspisms::SendSmsStatusChange {
                    id: m.id,
                    status: status.clone(),
                });
                events::raspisms_callbacks(r, &e, None, at_s, &ctx)
            }
            _ => vec![], // the gateway was reconfigured as another kind: nothing to send
        })
    }

    /// Forgets every configuration and outbound message (the delivery engine's reset forgets
    /// their callbacks).
    pub async fn reset(&self) -> Result<(), ApiError> {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.records.clear().await?;
        self.zender_reset().await?;
        Ok(())
    }
}

fn not_configured(g: Gateway) -> ApiError {
    ApiError::not_found(format!(
        "The {0} gateway is not configured: PUT /v1/emulator/gateways/{0} first",
        g.name()
    ))
}
