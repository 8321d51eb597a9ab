//! The status lifecycle of a sent message and the notifications that report it.

use super::rules::Action;
use crate::wa::errors::async_title;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Delays of the simulated network, from the send.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub sent_ms: u64,
    pub delivered_ms: u64,
    pub read_ms: u64,
}

/// One step of a message's life: a status at a time, with errors for `failed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub status: String,
    pub at_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    /// Forced through the control API (notified at once, not planned).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forced: bool,
}

/// A simulated (not forced) step, without an error.
pub(super) fn step(status: &str, at_ms: u64) -> Step {
    Step {
        status: status.into(),
        at_ms,
        error_code: None,
        forced: false,
    }
}

/// The statuses a message will go through, given the recipient's rule.
pub fn plan(action: Option<&Action>, t: Timing, now_ms: u64) -> Vec<Step> {
    let at = |delay: u64| now_ms.saturating_add(delay);
    let sent = step("sent", at(t.sent_ms));
    let delivered = step("delivered", at(t.delivered_ms.max(t.sent_ms)));
    let read = step("read", at(t.read_ms.max(t.delivered_ms).max(t.sent_ms)));
    match action {
        None | Some(Action::Invalid) => vec![sent, delivered, read],
        Some(Action::Fail { code }) => vec![Step {
            error_code: Some(*code),
            ..step("failed", at(t.sent_ms))
        }],
        Some(Action::NeverRead) => vec![sent, delivered],
        Some(Action::NeverDelivered) => vec![sent],
        Some(Action::Manual) => vec![],
        Some(Action::Slow { delay_ms }) => {
            let d = at((*delay_ms).max(t.sent_ms));
            vec![
                sent,
                step("delivered", d),
                step(
                    "read",
                    d.saturating_add(t.read_ms.saturating_sub(t.delivered_ms)),
                ),
            ]
        }
    }
}

/// The conversation a status belongs to. `origin` is the post-2023 category of the message that
/// opened it: `marketing`, `utility` or `authentication` (a template's registered category) or
/// `service` (a free-form reply).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub expiration_timestamp: u64,
    pub origin: String,
}

/// A `{"statuses":[...]}` notification in the On-Prem shape.
pub fn status_notification(
    message_id: &str,
    recipient_id: &str,
    s: &Step,
    conversation: &Conversation,
) -> Value {
    let mut status = json!({
        "id": message_id,
        "recipient_id": recipient_id,
        "status": s.status,
        "timestamp": (s.at_ms / 1000).to_string(),
    });
    match s.status.as_str() {
        "sent" | "delivered" => {
            status["conversation"] = json!({
                "id": conversation.id,
                "expiration_timestamp": conversation.expiration_timestamp.to_string(),
                "origin": { "type": conversation.origin },
            });
            status["pricing"] = json!({ "billable": true, "pricing_model": "CBP", "category": conversation.origin });
        }
        "failed" | "deleted" => {
            if let Some(code) = s.error_code {
                status["errors"] = json!([{ "code": code, "title": async_title(code) }]);
            }
        }
        _ => {}
    }
    json!({ "statuses": [status] })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timing = Timing {
        sent_ms: 10,
        delivered_ms: 20,
        read_ms: 30,
    };

    fn names(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.status.as_str()).collect()
    }

    #[test]
    fn plans_follow_the_rules() {
        assert_eq!(names(&plan(None, T, 0)), ["sent", "delivered", "read"]);
        assert_eq!(
            plan(None, T, 100)
                .iter()
                .map(|s| s.at_ms)
                .collect::<Vec<_>>(),
            [110, 120, 130]
        );
        let failed = plan(Some(&Action::Fail { code: 470 }), T, 0);
        assert_eq!((failed.len(), failed[0].error_code), (1, Some(470)));
        assert_eq!(
            names(&plan(Some(&Action::NeverRead), T, 0)),
            ["sent", "delivered"]
        );
        assert_eq!(names(&plan(Some(&Action::NeverDelivered), T, 0)), ["sent"]);
        let slow = plan(Some(&Action::Slow { delay_ms: 500 }), T, 0);
        assert_eq!(
            slow.iter().map(|s| s.at_ms).collect::<Vec<_>>(),
            [10, 500, 510]
        );
    }

    #[test]
    fn notifications_have_the_on_prem_shape() {
        let c = Conversation {
            id: "c1".into(),
            expiration_timestamp: 99,
            origin: "marketing".into(),
        };
        let n = status_notification("gBEG1", "16315551001", &step("delivered", 5000), &c);
        assert_eq!(n["statuses"][0]["timestamp"], "5");
        assert_eq!(
            n["statuses"][0]["conversation"]["origin"]["type"],
            "marketing"
        );
        assert_eq!(n["statuses"][0]["pricing"]["pricing_model"], "CBP");
        let f = status_notification(
            "gBEG1",
            "1",
            &Step {
                error_code: Some(470),
                ..step("failed", 0)
            },
            &c,
        );
        assert_eq!(f["statuses"][0]["errors"][0]["code"], 470);
        assert!(f["statuses"][0].get("pricing").is_none());
    }
}
