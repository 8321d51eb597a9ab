//! `GET /v1/emulator/gateways/{gateway}/messages`: what went through a gateway's own API, newest
//! first: the SMS sent (with the status reached by now), the SMS received (fired `incoming` /
//! `receive_sms` events) and, for RaspiSMS, the scheduled rows the daemon has not taken yet.

use super::config::Gateway;
use super::Gateways;
use crate::sms::smsgateway24_api::status_title;
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    pub id: u64,
    /// `sent`, `received` or `scheduled`.
    pub direction: &'static str,
    /// The recipient (sent, scheduled) or the sender (received).
    pub number: String,
    pub text: String,
    pub status: String,
    /// SMSGateway24's status id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<u32>,
    pub at_ms: u64,
    /// RaspiSMS: the scheduled row a sended one came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub originating_scheduled: Option<u64>,
}

impl Gateways {
    /// The gateway's messages, newest first (Zender's own API keeps none here).
    pub fn listed(&self, g: Gateway) -> Result<Vec<Listed>, ApiError> {
        let now = now_ms();
        let mut list = Vec::new();
        match g {
            Gateway::Smsgateway24 => {
                for s in self.smsgateway24_all()? {
                    let status = s.status(now);
                    list.push(Listed {
                        id: s.id,
                        direction: if s.incoming() { "received" } else { "sent" },
                        number: s.sendto,
                        text: s.body,
                        status: status_title(status).into(),
                        status_id: Some(status),
                        at_ms: s.created_ms,
                        originating_scheduled: None,
                    });
                }
            }
            Gateway::Raspisms => {
                for s in self.raspisms_sended(now)? {
                    list.push(Listed {
                        id: s.id,
                        direction: "sent",
                        number: s.destination.clone(),
                        text: s.text.clone(),
                        status: s.status(now).into(),
                        status_id: None,
                        at_ms: s.at_ms,
                        originating_scheduled: Some(s.originating_scheduled),
                    });
                }
                for r in self.raspisms_received()? {
                    list.push(Listed {
                        id: r.id,
                        direction: "received",
                        number: r.origin,
                        text: r.text,
                        status: "unread".into(),
                        status_id: None,
                        at_ms: r.at_ms,
                        originating_scheduled: None,
                    });
                }
                for s in self.raspisms_scheduled(now)? {
                    let numbers: Vec<&str> = s.numbers.iter().map(|n| n.number.as_str()).collect();
                    list.push(Listed {
                        id: s.id,
                        direction: "scheduled",
                        number: numbers.join(", "),
                        text: s.text.clone(),
                        status: "scheduled".into(),
                        status_id: None,
                        at_ms: s.at_ms,
                        originating_scheduled: None,
                    });
                }
            }
            Gateway::Zender => {}
        }
        list.sort_by_key(|m| std::cmp::Reverse(m.id));
        Ok(list)
    }

    /// Tells the event stream (the inspector) a gateway's own API stored messages.
    pub(super) fn published(&self, g: Gateway, ids: &[u64]) {
        self.events.publish(
            "gateway_message",
            || serde_json::json!({ "gateway": g.name(), "ids": ids }),
        );
    }
}
