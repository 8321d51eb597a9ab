//! STAND-IN until the lead's direct callbacks land on main ("delivery:" commit): the planned
//! `DirectCallback`, `RetryPolicy` and `Delivery::enqueue_direct` signatures, delivering from
//! memory (not durable, not in the journal). Delete this file when merging the real engine.

use super::Delivery;
use crate::wa::ApiError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub struct DirectCallback {
    pub source: String,
    pub event: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub retry: RetryPolicy,
    pub order_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryPolicy {
    Once,
    Linear { step_ms: u64, cap_ms: u64, horizon_ms: u64 },
    Delays { delays_ms: Vec<u64>, horizon_ms: u64 },
}

static NEXT: AtomicU64 = AtomicU64::new(1 << 40);

impl Delivery {
    pub async fn enqueue_direct(
        &self,
        items: Vec<DirectCallback>,
    ) -> Result<Vec<u64>, ApiError> {
        let mut ids = Vec::new();
        for cb in items {
            ids.push(NEXT.fetch_add(1, Ordering::Relaxed));
            let client = self.client.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let mut failures = 0usize;
                loop {
                    let outcome = client
                        .post_with_headers(&cb.url, &cb.headers, cb.body.clone().into_bytes())
                        .await;
                    if outcome == super::client::Outcome::Delivered {
                        return;
                    }
                    failures += 1;
                    let (delay, horizon) = match &cb.retry {
                        RetryPolicy::Once => return,
                        RetryPolicy::Linear { step_ms, cap_ms, horizon_ms } => {
                            ((failures as u64 * step_ms).min(*cap_ms), *horizon_ms)
                        }
                        RetryPolicy::Delays { delays_ms, horizon_ms } => (
                            delays_ms.get(failures - 1).or(delays_ms.last()).copied().unwrap_or(1000),
                            *horizon_ms,
                        ),
                    };
                    if started.elapsed().as_millis() as u64 + delay > horizon {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                }
            });
        }
        Ok(ids)
    }
}
