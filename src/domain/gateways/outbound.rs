//! `POST /v1/emulator/gateways/{gateway}/messages`: an outbound SMS and the status webhooks its
//! gateway sends over time. The plan follows the `--status-*-ms` delays and the recipient rules,
//! is stored with the message, and is played by a tokio timer that start-up restores.

use super::config::{Gateway, GatewayConfig};
use super::events::delivered_word;
use crate::simulator::lifecycle::Timing;
use crate::simulator::rules::Action;
use crate::sms::smsgateway24;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StepEvent {
    /// SMSGateway24's `statuses` webhook.
    Status { status_id: u32 },
    /// RaspiSMS: the send was handed to the phone (`unknown`) or refused (`failed`).
    SendSms { status: String },
    /// RaspiSMS: the final status.
    SendSmsStatusChange { status: String },
    /// Zender: the device's report on a sent row (Zender sends no webhook for it; the row and
    /// the API's lists change).
    ZenderReport {
        sent_status: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status_code: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundStep {
    #[serde(flatten)]
    pub what: StepEvent,
    pub at_ms: u64,
    /// Whether its webhooks were handed to the delivery engine.
    pub notified: bool,
    /// The callbacks it made (none when no webhook was configured for it).
    #[serde(default)]
    pub callbacks: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundMessage {
    pub id: u64,
    pub gateway: Gateway,
    pub to: String,
    pub text: String,
    pub created_ms: u64,
    pub steps: Vec<OutboundStep>,
    /// RaspiSMS: the scheduled row it was sent for (its own API's `POST /api/scheduled/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originating_scheduled: Option<u64>,
}

impl OutboundMessage {
    pub fn next_step(&self) -> Option<usize> {
        self.steps.iter().position(|s| !s.notified)
    }
}

fn step(what: StepEvent, at_ms: u64) -> OutboundStep {
    OutboundStep {
        what,
        at_ms,
        notified: false,
        callbacks: Vec::new(),
    }
}

/// The status webhooks an outbound SMS will cause, given the recipient's rule.
pub fn plan(
    cfg: &GatewayConfig,
    action: Option<&Action>,
    t: Timing,
    now: u64,
) -> Vec<OutboundStep> {
    let sent = now.saturating_add(t.sent_ms);
    let delivered = match action {
        Some(Action::Slow { delay_ms }) => now.saturating_add((*delay_ms).max(t.sent_ms)),
        _ => now.saturating_add(t.delivered_ms.max(t.sent_ms)),
    };
    match cfg {
        GatewayConfig::Zender(_) => super::zender_api::plan(action, t, now)
            .into_iter()
            .map(|(sent_status, status_code, at)| {
                step(
                    StepEvent::ZenderReport {
                        sent_status,
                        status_code,
                    },
                    at,
                )
            })
            .collect(),
        GatewayConfig::Smsgateway24(_) => {
            let s = |id: u32, at: u64| step(StepEvent::Status { status_id: id }, at);
            // Documented order: pending, queued for sending, taken by phone, sent, then the end.
            let early = vec![
                s(1, now),
                s(3, now.saturating_add(t.sent_ms / 3)),
                s(2, now.saturating_add(t.sent_ms * 2 / 3)),
            ];
            let tail = match action {
                Some(Action::Manual) => return vec![s(1, now)],
                Some(Action::Fail { code })
                    if smsgateway24::FAILURES.contains(code) && *code != 8 =>
                {
                    vec![s(*code, sent)]
                }
                Some(Action::Fail { .. }) => vec![s(6, sent), s(8, delivered)],
                Some(Action::NeverDelivered) => vec![s(6, sent)],
                _ => vec![s(6, sent), s(7, delivered)],
            };
            early.into_iter().chain(tail).collect()
        }
        GatewayConfig::Raspisms(c) => {
            let send = |status: &str| {
                step(
                    StepEvent::SendSms {
                        status: status.into(),
                    },
                    sent,
                )
            };
            let change = |status: &str| {
                step(
                    StepEvent::SendSmsStatusChange {
                        status: status.into(),
                    },
                    delivered,
                )
            };
            match action {
                Some(Action::Manual) => vec![],
                Some(Action::Invalid) => vec![send("failed")],
                Some(Action::Fail { .. }) => vec![send("unknown"), change("failed")],
                Some(Action::NeverDelivered) => vec![send("unknown"), change("unknown")],
                _ => vec![send("unknown"), change(delivered_word(c.status_vocabulary))],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gateways::config::Gateway;
    use serde_json::json;

    fn cfg(g: Gateway) -> GatewayConfig {
        GatewayConfig::parse(
            g,
            json!({"webhooks": if g == Gateway::Smsgateway24 { json!({}) } else { json!([]) }}),
            "1",
        )
        .unwrap()
    }

    const T: Timing = Timing {
        sent_ms: 30,
        delivered_ms: 60,
        read_ms: 90,
    };

    #[test]
    fn smsgateway24_goes_1_3_2_6_7_or_fails() {
        let ids = |steps: Vec<OutboundStep>| {
            steps
                .into_iter()
                .map(|s| match s.what {
                    StepEvent::Status { status_id } => status_id,
                    _ => 0,
                })
                .collect::<Vec<_>>()
        };
        let c = cfg(Gateway::Smsgateway24);
        assert_eq!(ids(plan(&c, None, T, 0)), [1, 3, 2, 6, 7]);
        assert_eq!(
            ids(plan(&c, Some(&Action::Fail { code: 10 }), T, 0)),
            [1, 3, 2, 10]
        );
        assert_eq!(
            ids(plan(&c, Some(&Action::Fail { code: 470 }), T, 0)),
            [1, 3, 2, 6, 8]
        );
        let times: Vec<u64> = plan(&c, None, T, 100).iter().map(|s| s.at_ms).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }

    #[test]
    fn raspisms_sends_then_changes() {
        let c = cfg(Gateway::Raspisms);
        let p = plan(&c, None, T, 0);
        assert_eq!(
            p[0].what,
            StepEvent::SendSms {
                status: "unknown".into()
            }
        );
        assert_eq!(
            p[1].what,
            StepEvent::SendSmsStatusChange {
                status: "delivered".into()
            }
        );
        assert_eq!(plan(&c, Some(&Action::Invalid), T, 0).len(), 1);
        assert_eq!(plan(&cfg(Gateway::Zender), None, T, 0).len(), 3);
        assert_eq!(
            plan(&cfg(Gateway::Zender), Some(&Action::Manual), T, 0).len(),
            0
        );
    }
}
