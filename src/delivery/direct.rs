//! Direct callbacks: an explicit target with exact bytes and a retry policy of its own, for the
//! personalities whose webhooks are not the On-Prem one (Cloud API, SMS gateways). The engine
//! sends them as given and does not know which API made them.

use super::{Callback, CallbackKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A callback to its own URL with exact request bytes.
#[derive(Debug, Clone)]
pub struct DirectCallback {
    /// Who made it: `cloud`, `zender`, `smsgateway24`, `raspisms` (the journal's `source` filter).
    pub source: String,
    /// The event name in that API's vocabulary (a journal label).
    pub event: String,
    /// The target; plain `http://` is allowed.
    pub url: String,
    /// Sent as given, in order, Content-Type included.
    pub headers: Vec<(String, String)>,
    /// The exact body.
    pub body: String,
    pub retry: RetryPolicy,
    /// Callbacks with the same key (within a source) are delivered one after the other, in order.
    pub order_key: Option<String>,
}

/// The exact request of a direct callback, as kept in its record and shown in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// When a direct callback is tried again after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum RetryPolicy {
    /// One attempt, whatever it answers (the SMS gateways).
    Once,
    /// min(n x step, cap) after the n-th failure, until the horizon (counted from the first attempt).
    Linear {
        step_ms: u64,
        cap_ms: u64,
        horizon_ms: u64,
    },
    /// The n-th failure waits `delays_ms[n-1]` (the last one repeats), until the horizon.
    Delays {
        delays_ms: Vec<u64>,
        horizon_ms: u64,
    },
}

impl RetryPolicy {
    /// The delay after the `failures`-th failed attempt, or None when the callback is given up;
    /// `first_ms` is the first attempt, `now` the end of the last one.
    pub fn next_delay(&self, failures: u32, first_ms: u64, now: u64) -> Option<u64> {
        let (delay, horizon_ms) = match self {
            RetryPolicy::Once => return None,
            RetryPolicy::Linear {
                step_ms,
                cap_ms,
                horizon_ms,
            } => (
                super::backoff::delay_after(failures, *step_ms, *cap_ms),
                *horizon_ms,
            ),
            RetryPolicy::Delays {
                delays_ms,
                horizon_ms,
            } => {
                let n = (failures.max(1) as usize - 1).min(delays_ms.len().saturating_sub(1));
                (delays_ms.get(n).copied().unwrap_or(0), *horizon_ms)
            }
        };
        let next = now.saturating_add(delay);
        (!super::backoff::past_horizon(first_ms, next, horizon_ms)).then_some(delay)
    }
}

impl DirectCallback {
    pub(super) fn record(self) -> Callback {
        // The body as JSON when it is JSON (the journal pretty-prints it), else as text.
        let body = serde_json::from_str(&self.body).unwrap_or(Value::String(self.body.clone()));
        let order_key = self.order_key.map(|k| format!("{}:{k}", self.source));
        let mut cb = Callback::new(CallbackKind::Direct, body, order_key, true);
        cb.source = Some(self.source);
        cb.event = Some(self.event);
        cb.retry = Some(self.retry);
        cb.request = Some(Request {
            method: "POST".into(),
            url: self.url,
            headers: self.headers,
            body: self.body,
        });
        cb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_never_retries() {
        assert_eq!(RetryPolicy::Once.next_delay(1, 0, 0), None);
    }

    #[test]
    fn linear_grows_to_its_cap_until_the_horizon() {
        let p = RetryPolicy::Linear {
            step_ms: 10,
            cap_ms: 25,
            horizon_ms: 100,
        };
        assert_eq!(p.next_delay(1, 0, 0), Some(10));
        assert_eq!(p.next_delay(3, 0, 0), Some(25));
        assert_eq!(p.next_delay(3, 0, 80), None);
    }

    #[test]
    fn delays_follow_the_list_and_repeat_the_last() {
        let p = RetryPolicy::Delays {
            delays_ms: vec![5, 50, 500],
            horizon_ms: 10_000,
        };
        let d: Vec<_> = (1..=5).map(|n| p.next_delay(n, 0, 0)).collect();
        assert_eq!(d, [Some(5), Some(50), Some(500), Some(500), Some(500)]);
        assert_eq!(p.next_delay(4, 0, 9_600), None);
    }
}
