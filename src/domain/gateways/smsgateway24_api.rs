//! SMSGateway24's own API behind `/smsgateway24/getdata/...`: the SMS rows it lists (sent through
//! `addsms`, `addalotofsms` or a newsletter, and received ones), tags, contacts and newsletters.
//! A sent SMS is an outbound message of the gateway engine, so its `sms_id` is the one the status
//! webhooks carry; its status is the last step of that plan already reached.

use super::config::{GatewayConfig, Smsgateway24Config};
use super::outbound::{OutboundMessage, StepEvent};
use super::Gateways;
use crate::simulator::rules::Rule;
use crate::store::{encode_u64, Batch};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A newsletter an SMS belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaketRef {
    pub id: u64,
    pub title: String,
    pub body: String,
}

/// One SMS row of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sms {
    pub id: u64,
    pub sendto: String,
    pub body: String,
    pub customerid: Option<u64>,
    pub device_id: u64,
    pub sim: u8,
    pub urgent: bool,
    pub created_ms: u64,
    pub timetosend_ms: u64,
    /// The statuses it goes through, each with the time it is reached (status 5 for a received SMS).
    pub statuses: Vec<(u32, u64)>,
    pub paket: Option<PaketRef>,
}

impl Sms {
    /// The status reached by `now` (1, New, before the first step).
    pub fn status(&self, now: u64) -> u32 {
        self.statuses
            .iter()
            .rev()
            .find(|(_, at)| *at <= now)
            .map_or(1, |(s, _)| *s)
    }

    /// When the phone sent it (status 6 reached), if it has.
    pub fn sent_ms(&self, now: u64) -> Option<u64> {
        self.statuses
            .iter()
            .find(|(s, at)| *s == 6 && *at <= now)
            .map(|(_, at)| *at)
    }

    pub fn incoming(&self) -> bool {
        self.statuses.first().is_some_and(|(s, _)| *s == 5)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub id: u64,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: u64,
    pub phone: String,
    pub tag_id: u64,
    pub fullname: Option<String>,
}

crate::json_record!(Sms, "smsgateway24_sms", |r| encode_u64(r.id));
crate::json_record!(Tag, "smsgateway24_tags", |r| encode_u64(r.id));
crate::json_record!(Contact, "smsgateway24_contacts", |r| encode_u64(r.id));

/// Part of the control API's reset.
pub(super) fn clear(b: &mut Batch) {
    b.clear::<Sms>().clear::<Tag>().clear::<Contact>();
}

/// An SMS to send, validated by the API layer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSms {
    pub sendto: String,
    pub body: String,
    pub sim: u8,
    pub timetosend_ms: Option<u64>,
    pub customerid: Option<u64>,
    pub urgent: bool,
}

/// The status ids of a plan with the time each is reached.
fn statuses(m: &OutboundMessage) -> Vec<(u32, u64)> {
    m.steps
        .iter()
        .filter_map(|s| match s.what {
            StepEvent::Status { status_id } => Some((status_id, s.at_ms)),
            _ => None,
        })
        .collect()
}

impl Gateways {
    /// The configuration, if SMSGateway24 is configured.
    pub fn smsgateway24(&self) -> Result<Option<Smsgateway24Config>, ApiError> {
        Ok(
            match self.records.config(super::config::Gateway::Smsgateway24)? {
                Some(GatewayConfig::Smsgateway24(c)) => Some(c),
                _ => None,
            },
        )
    }

    /// Stores the SMS and their status plans in one commit, then starts the plans; answers the
    /// sms ids in order.
    pub async fn smsgateway24_send(
        self: &Arc<Self>,
        list: Vec<NewSms>,
        paket: Option<PaketRef>,
        rules: &[Rule],
    ) -> Result<Vec<u64>, ApiError> {
        let cfg = self
            .records
            .config(super::config::Gateway::Smsgateway24)?
            .ok_or_else(|| ApiError::not_found("SMSGateway24 is not configured"))?;
        let GatewayConfig::Smsgateway24(c) = &cfg else {
            return Err(ApiError::not_found("SMSGateway24 is not configured"));
        };
        let now = now_ms();
        let mut b = Batch::default();
        let mut messages = Vec::new();
        let mut ids = Vec::new();
        for s in list {
            let id = self.next_id()?;
            let from = s.timetosend_ms.unwrap_or(now).max(now);
            let draft = super::Draft {
                id,
                to: &s.sendto,
                text: &s.body,
                from_ms: from,
                originating_scheduled: None,
            };
            let m = self.planned(&cfg, draft, rules);
            let mut plan = statuses(&m);
            // The row is New from its creation; a later send time delays the rest.
            if let Some(first) = plan.first_mut() {
                first.1 = now;
            }
            b.put(&Sms {
                id,
                sendto: s.sendto,
                body: s.body,
                customerid: s.customerid,
                device_id: c.device_id.unwrap_or_default(),
                sim: s.sim,
                urgent: s.urgent,
                created_ms: now,
                timetosend_ms: s.timetosend_ms.unwrap_or(now),
                statuses: plan,
                paket: paket.clone(),
            })?;
            if m.next_step().is_some() {
                b.put(&m)?;
            }
            messages.push(m);
            ids.push(id);
        }
        self.records.store().commit(b).await?;
        self.play_all(&messages);
        self.published(super::config::Gateway::Smsgateway24, &ids);
        Ok(ids)
    }

    /// A received SMS (an `incoming` event), kept as a row with status 5.
    pub(super) async fn smsgateway24_received(
        &self,
        sms_id: u64,
        address: &str,
        body: &str,
        device_id: u64,
        sim: u8,
    ) -> Result<(), ApiError> {
        let now = now_ms();
        let mut b = Batch::default();
        b.put(&Sms {
            id: sms_id,
            sendto: address.into(),
            body: body.into(),
            customerid: None,
            device_id,
            sim,
            urgent: false,
            created_ms: now,
            timetosend_ms: now,
            statuses: vec![(5, now)],
            paket: None,
        })?;
        self.records.store().commit(b).await?;
        self.published(super::config::Gateway::Smsgateway24, &[sms_id]);
        Ok(())
    }

    pub fn smsgateway24_sms(&self, id: u64) -> Result<Option<Sms>, ApiError> {
        Ok(self.records.store().get::<Sms>(encode_u64(id))?)
    }

    /// Every SMS row, by id.
    pub fn smsgateway24_all(&self) -> Result<Vec<Sms>, ApiError> {
        Ok(self.records.store().all::<Sms>()?)
    }

    /// A fresh newsletter (`paket`) id.
    pub fn smsgateway24_paket_id(&self) -> Result<u64, ApiError> {
        self.next_id()
    }

    pub async fn smsgateway24_save_tag(&self, title: String) -> Result<u64, ApiError> {
        let id = self.next_id()?;
        let mut b = Batch::default();
        b.put(&Tag { id, title })?;
        self.records.store().commit(b).await?;
        Ok(id)
    }

    pub fn smsgateway24_tag(&self, id: u64) -> Result<Option<Tag>, ApiError> {
        Ok(self.records.store().get::<Tag>(encode_u64(id))?)
    }

    pub async fn smsgateway24_save_contact(
        &self,
        phone: String,
        tag_id: u64,
        fullname: Option<String>,
    ) -> Result<u64, ApiError> {
        let id = self.next_id()?;
        let mut b = Batch::default();
        b.put(&Contact {
            id,
            phone,
            tag_id,
            fullname,
        })?;
        self.records.store().commit(b).await?;
        Ok(id)
    }

    /// The contacts holding one of the tags, each phone once.
    pub fn smsgateway24_contacts(&self, tags: &[u64]) -> Result<Vec<Contact>, ApiError> {
        let mut list: Vec<Contact> = self
            .records
            .store()
            .all::<Contact>()?
            .into_iter()
            .filter(|c| tags.contains(&c.tag_id))
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        list.retain(|c| seen.insert(c.phone.clone()));
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_the_last_reached() {
        let s = Sms {
            id: 1,
            sendto: "+1".into(),
            body: "x".into(),
            customerid: None,
            device_id: 1,
            sim: 0,
            urgent: false,
            created_ms: 100,
            timetosend_ms: 100,
            statuses: vec![(1, 100), (3, 110), (2, 120), (6, 130), (7, 160)],
            paket: None,
        };
        assert_eq!(s.status(99), 1);
        assert_eq!(s.status(125), 2);
        assert_eq!(s.sent_ms(125), None);
        assert_eq!(s.status(200), 7);
        assert_eq!(s.sent_ms(200), Some(130));
        assert!(!s.incoming());
    }
}
