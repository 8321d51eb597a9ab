//! Zender's own HTTP API (`/zender/api/{action}/{service}`): the key check every call starts
//! with, then the send, get and delete services. Sent rows advance queued -> pending ->
//! sent/failed through the gateway outbound machinery (`ZenderReport` steps, planned from the
//! recipient rules); Zender sends no webhook for them, as the product. Received rows are the
//! `sms` and `whatsapp` events the control API fires, under the webhook's own `data[id]`.

pub mod config;
mod lists;
pub mod records;
mod send;

use super::config::{Gateway, GatewayConfig, ZenderConfig};
use super::outbound::{OutboundMessage, StepEvent};
use super::Gateways;
use crate::simulator::lifecycle::Timing;
use crate::simulator::rules::{Action, Rule};
use crate::sms::zender;
use crate::sms::zender_api::{
    Answer, Params, INVALID_ENDPOINT, INVALID_PARAMETERS, INVALID_SECRET,
};
use crate::store::{encode_u64, Batch};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use records::{ReceivedChat, ReceivedSms, SentChat, SentSms, Upload};
use std::sync::Arc;

/// One call of the API as the HTTP layer hands it over.
pub struct Call<'a> {
    pub action: &'a str,
    pub service: &'a str,
    pub params: Params,
    /// `https://host:port` as the client reached it (attachment URLs of uploads).
    pub site: String,
}

/// The device reports of a sent row, given the recipient's rule: (status, code, at). The device
/// fetches it (2, pending) halfway to `sent_ms`, reports it sent (3, `SMS_SENT`) at `sent_ms`,
/// then delivered (`SMS_DELIVERED`) or failed (4, `DELIVERY_FAILED`) at `delivered_ms`.
pub fn plan(action: Option<&Action>, t: Timing, now: u64) -> Vec<(u8, Option<String>, u64)> {
    let fetched = now.saturating_add(t.sent_ms / 2);
    let sent = now.saturating_add(t.sent_ms);
    let done = match action {
        Some(Action::Slow { delay_ms }) => now.saturating_add((*delay_ms).max(t.sent_ms)),
        _ => now.saturating_add(t.delivered_ms.max(t.sent_ms)),
    };
    let code = |c: &str| Some(c.to_string());
    let mut steps = vec![(2, None, fetched)];
    match action {
        Some(Action::Manual) => return vec![],
        Some(Action::Invalid) => steps.push((4, code("DELIVERY_FAILED"), sent)),
        Some(Action::Fail { .. }) => {
            steps.push((3, code("SMS_SENT"), sent));
            steps.push((4, code("DELIVERY_FAILED"), done));
        }
        Some(Action::NeverDelivered) => {
            steps.push((3, code("SMS_SENT"), sent));
            steps.push((3, code("DELIVERY_PENDING"), done));
        }
        _ => {
            steps.push((3, code("SMS_SENT"), sent));
            steps.push((3, code("SMS_DELIVERED"), done));
        }
    }
    steps
}

/// A store failure, as the product's generic error.
fn failed(e: impl std::fmt::Display) -> Answer {
    tracing::error!(error = %e, "zender api: store failure");
    Answer::new(500, "Something went wrong!")
}

impl Gateways {
    /// Answers one call of Zender's API (never an HTTP error: the code is in `status`).
    pub async fn zender_api(self: &Arc<Self>, call: Call<'_>, rules: &[Rule]) -> Answer {
        let Some(secret) = call.params.get("secret") else {
            return Answer::new(400, INVALID_PARAMETERS);
        };
        let c = match self.records.config(Gateway::Zender) {
            Ok(Some(GatewayConfig::Zender(c))) if c.api.secret.as_deref() == Some(secret) => c,
            Ok(_) => return Answer::new(401, INVALID_SECRET),
            Err(e) => return failed(e),
        };
        let result = match call.action {
            "send" => self.zender_send(&c, &call, rules).await,
            "get" => self.zender_get(&c, &call).await,
            "delete" => self.zender_delete(&c, &call).await,
            _ => Err(Answer::new(500, INVALID_ENDPOINT)),
        };
        result.unwrap_or_else(|a| a)
    }

    /// Stores rows (and their status plans) in one commit, then plays the plans.
    async fn zender_commit(
        self: &Arc<Self>,
        mut b: Batch,
        plans: Vec<OutboundMessage>,
    ) -> Result<(), Answer> {
        let playing: Vec<&OutboundMessage> =
            plans.iter().filter(|m| m.next_step().is_some()).collect();
        for m in &playing {
            b.put_new(*m).map_err(failed)?;
        }
        self.records.store().commit(b).await.map_err(failed)?;
        for m in playing {
            self.clone().play(m.id);
        }
        Ok(())
    }

    /// A status plan for a new sent row or chat.
    fn zender_plan(&self, id: u64, to: &str, text: &str, rules: &[Rule]) -> OutboundMessage {
        let now = now_ms();
        let digits = to.trim_start_matches('+');
        OutboundMessage {
            id,
            gateway: Gateway::Zender,
            to: to.into(),
            text: text.into(),
            originating_scheduled: None,
            created_ms: now,
            steps: plan(
                crate::simulator::rules::find(rules, digits),
                self.timing,
                now,
            )
            .into_iter()
            .map(
                |(sent_status, status_code, at_ms)| super::outbound::OutboundStep {
                    what: StepEvent::ZenderReport {
                        sent_status,
                        status_code,
                    },
                    at_ms,
                    notified: false,
                    callbacks: vec![],
                },
            )
            .collect(),
        }
    }

    /// Applies a `ZenderReport` step to its row (idempotent: a replayed step writes the same).
    pub(super) async fn zender_report(
        &self,
        m: &OutboundMessage,
        i: usize,
    ) -> Result<(), ApiError> {
        let StepEvent::ZenderReport {
            sent_status,
            status_code,
        } = &m.steps[i].what
        else {
            return Ok(());
        };
        let store = self.records.store();
        let mut b = Batch::default();
        if let Some(mut row) = store.get::<SentSms>(encode_u64(m.id))? {
            row.status = *sent_status;
            if status_code.is_some() {
                row.status_code = status_code.clone();
                row.created = m.steps[i].at_ms / 1000; // the report rewrites the date
            }
            b.put(&row)?;
        } else if let Some(mut chat) = store.get::<SentChat>(encode_u64(m.id))? {
            if *sent_status > 2 {
                chat.status = *sent_status;
                b.put(&chat)?;
            }
        }
        if !b.is_empty() {
            store.commit(b).await?;
        }
        Ok(())
    }

    /// Keeps a received SMS or chat the control API fired, under the webhook's `data[id]`.
    pub(super) async fn zender_received(&self, e: &zender::Event) -> Result<(), ApiError> {
        let mut b = Batch::default();
        match e {
            zender::Event::Sms(s) => b.put(&ReceivedSms {
                id: s.id,
                rid: s.rid,
                sim: s.sim,
                device: s.device.clone(),
                sender: s.phone.clone(),
                message: s.message.clone(),
                created: s.timestamp,
            })?,
            zender::Event::Whatsapp(w) => b.put(&ReceivedChat {
                id: w.id,
                account: w.wid.clone(),
                recipient: w.phone.clone(),
                message: w.message.clone(),
                attachment: match &w.attachment {
                    Some(zender::Attachment::Url(u)) => Some(u.clone()),
                    _ => None,
                },
                created: w.timestamp,
            })?,
            _ => return Ok(()),
        };
        Ok(self.records.store().commit(b).await?)
    }

    /// An SMS sent through the control API (the dashboard): a sent row with `api` false.
    pub(super) async fn zender_dashboard_send(
        self: &Arc<Self>,
        c: &ZenderConfig,
        m: &OutboundMessage,
    ) -> Result<(), ApiError> {
        let row = SentSms {
            id: m.id,
            mode: records::Mode::Devices,
            sender: c.device.clone().unwrap_or_default(),
            sender_type: "device".into(),
            sim: 1,
            priority: 2,
            api: false,
            status: 1,
            status_code: None,
            recipient: m.to.clone(),
            message: m.text.clone(),
            created: m.created_ms / 1000,
            campaign: None,
        };
        let mut b = Batch::default();
        b.put_new(&row)?;
        self.zender_commit(b, vec![m.clone()])
            .await
            .map_err(|a| ApiError::new(1000, a.message.unwrap_or_default()))
    }

    /// Every sent and received SMS and chat, newest first (the control API and the inspector).
    pub fn zender_messages(&self) -> Result<serde_json::Value, ApiError> {
        let store = self.records.store();
        let sent = records::newest_first::<SentSms>(store, |r| (r.created, r.id))?;
        let received = records::newest_first::<ReceivedSms>(store, |r| (r.created, r.id))?;
        let chats = records::newest_first::<SentChat>(store, |r| (r.created, r.id))?;
        let chats_in = records::newest_first::<ReceivedChat>(store, |r| (r.created, r.id))?;
        Ok(serde_json::json!({
            "sent": sent, "received": received,
            "whatsapp_sent": chats, "whatsapp_received": chats_in,
        }))
    }

    /// An uploaded attachment by id.
    pub fn zender_upload(&self, id: u64) -> Result<Option<(String, Vec<u8>)>, ApiError> {
        use base64::Engine;
        let Some(u) = self.records.store().get::<Upload>(encode_u64(id))? else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(u.data)
            .unwrap_or_default();
        Ok(Some((u.content_type, bytes)))
    }

    /// Forgets every row of the API (the control API's reset).
    pub(super) async fn zender_reset(&self) -> Result<(), ApiError> {
        let mut b = Batch::default();
        records::clear_all(&mut b);
        Ok(self.records.store().commit(b).await?)
    }
}
