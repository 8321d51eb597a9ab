//! STAND-IN, to be replaced by the delivery engine's own `enqueue_direct` (issue 12, commits
//! starting with "delivery:"). Same signatures as planned, kept tiny and in this one file: a
//! direct callback is a record in its own tree, delivered by one task per order key, attempted
//! once (or under its retry policy), journaled with its exact request, resumed after a restart.

use super::{Attempt, CallbackState, Delivery};
use crate::store::{self, Store, StoreError};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const TREE: &str = "callbacks_direct";

/// A callback to an explicit target with exact bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectCallback {
    /// "cloud" | "zender" | "smsgateway24" | "raspisms": the journal's `?source=`.
    pub source: String,
    /// The event name in that API's vocabulary.
    pub event: String,
    pub url: String,
    /// Sent as given, Content-Type included.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub retry: RetryPolicy,
    /// Same key => delivered one after the other, in order.
    pub order_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryPolicy {
    /// One attempt, whatever it answers.
    Once,
    /// min(n x step, cap) after the n-th failure, until the horizon.
    Linear {
        step_ms: u64,
        cap_ms: u64,
        horizon_ms: u64,
    },
    /// The n-th failure waits delays[n-1] (the last repeats), until the horizon.
    Delays {
        delays_ms: Vec<u64>,
        horizon_ms: u64,
    },
}

impl RetryPolicy {
    /// The wait after the n-th failure, or None to give up.
    fn after(&self, failures: u32, first_ms: u64, now: u64) -> Option<u64> {
        let (delay, horizon) = match self {
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
                let i = (failures as usize)
                    .saturating_sub(1)
                    .min(delays_ms.len().saturating_sub(1));
                (delays_ms.get(i).copied().unwrap_or(0), *horizon_ms)
            }
        };
        let next = now.saturating_add(delay);
        (!super::backoff::past_horizon(first_ms, next, horizon)).then_some(delay)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirectRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A direct callback as the journal shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirectRecord {
    pub id: u64,
    pub source: String,
    pub event: String,
    pub state: CallbackState,
    pub created_ms: u64,
    pub retry: RetryPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_key: Option<String>,
    pub attempts_total: u32,
    pub attempts: Vec<Attempt>,
    pub request: DirectRequest,
}

type Chains = Mutex<HashMap<String, VecDeque<u64>>>;

fn chains() -> &'static Chains {
    static CHAINS: OnceLock<Chains> = OnceLock::new();
    CHAINS.get_or_init(Default::default)
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

fn tree(store: &Store) -> Result<sled::Tree, StoreError> {
    Ok(store.db.open_tree(TREE)?)
}

impl Delivery {
    /// Enqueues direct callbacks; durable before it answers.
    pub async fn enqueue_direct(&self, items: Vec<DirectCallback>) -> Result<Vec<u64>, ApiError> {
        self.store.writable()?;
        let t = tree(&self.store)?;
        let now = now_ms();
        let mut ids = Vec::with_capacity(items.len());
        let mut result: Result<(), StoreError> = Ok(());
        for item in items {
            let written = self
                .store
                .db
                .generate_id()
                .map_err(StoreError::from)
                .and_then(|id| {
                    let rec = DirectRecord {
                        id,
                        source: item.source,
                        event: item.event,
                        state: CallbackState::Pending,
                        created_ms: now,
                        retry: item.retry,
                        order_key: item.order_key,
                        attempts_total: 0,
                        attempts: Vec::new(),
                        request: DirectRequest {
                            method: "POST".into(),
                            url: item.url,
                            headers: item.headers,
                            body: item.body,
                        },
                    };
                    store::put_json(&t, store::encode_u64(id), &rec)?;
                    Ok(rec)
                });
            match written {
                Ok(rec) => ids.push((rec.id, rec.order_key)),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() {
            result = self.store.durable().await;
        }
        if let Err(e) = result {
            for (id, _) in &ids {
                let _ = t.remove(store::encode_u64(*id));
            }
            return Err(e.into());
        }
        for (id, key) in &ids {
            self.schedule_direct(*id, key.as_deref());
        }
        Ok(ids.into_iter().map(|(id, _)| id).collect())
    }

    /// Resumes the pending direct callbacks of a previous run (called once at start-up).
    pub fn resume_direct(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for rec in store::all_json::<DirectRecord>(&tree(&self.store)?)? {
            if rec.state == CallbackState::Pending {
                self.schedule_direct(rec.id, rec.order_key.as_deref());
                n += 1;
            }
        }
        Ok(n)
    }

    /// The direct callbacks of one source (or all), of one state (or all): the newest `limit`.
    pub fn list_direct(
        &self,
        source: Option<&str>,
        state: Option<CallbackState>,
        limit: usize,
    ) -> Result<Vec<DirectRecord>, StoreError> {
        let mut out = Vec::new();
        for item in tree(&self.store)?.iter().rev() {
            let rec: DirectRecord = serde_json::from_slice(&item?.1)?;
            if source.is_some_and(|s| s != rec.source) || state.is_some_and(|s| s != rec.state) {
                continue;
            }
            if out.len() >= limit {
                break;
            }
            out.push(rec);
        }
        out.reverse();
        Ok(out)
    }

    pub fn get_direct(&self, id: u64) -> Result<Option<DirectRecord>, StoreError> {
        store::get_json(&tree(&self.store)?, store::encode_u64(id))
    }

    /// Forgets every direct callback (part of the control API's reset).
    pub fn reset_direct(&self) -> Result<(), StoreError> {
        Ok(tree(&self.store)?.clear()?)
    }

    fn schedule_direct(&self, id: u64, order_key: Option<&str>) {
        // Keys are per emulator (tests run several in one process).
        let key = format!(
            "{:p}/{}",
            self,
            order_key.map_or(format!("#{id}"), String::from)
        );
        let mut all = chains().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(queue) = all.get_mut(&key) {
            queue.push_back(id);
            return;
        }
        all.insert(key.clone(), VecDeque::from([id]));
        drop(all);
        let (store, events) = (self.store.clone(), self.events.clone());
        tokio::spawn(async move {
            loop {
                let next = {
                    let mut all = chains().lock().unwrap_or_else(|p| p.into_inner());
                    match all.get_mut(&key).and_then(VecDeque::pop_front) {
                        Some(id) => id,
                        None => {
                            all.remove(&key);
                            return;
                        }
                    }
                };
                if let Err(e) = deliver(&store, &events, next).await {
                    tracing::error!(callback = next, error = %e, "direct callback not recorded");
                }
            }
        });
    }
}

/// Attempts one callback until it is delivered or given up (or forgotten by a reset).
async fn deliver(store: &Store, events: &crate::events::Events, id: u64) -> Result<(), StoreError> {
    let t = tree(store)?;
    let key = store::encode_u64(id);
    let mut failures = 0u32;
    loop {
        let Some(mut rec) = store::get_json::<DirectRecord>(&t, key)? else {
            return Ok(());
        };
        let at_ms = now_ms();
        let started = Instant::now();
        let mut req = client()
            .post(&rec.request.url)
            .body(rec.request.body.clone());
        for (k, v) in &rec.request.headers {
            req = req.header(k, v);
        }
        let (status, error) = match req.send().await {
            Ok(resp) => {
                let s = resp.status().as_u16();
                let _ = resp.bytes().await;
                (Some(s), (s != 200).then(|| format!("HTTP {s}")))
            }
            Err(e) => (None, Some(e.to_string())),
        };
        let latency_ms = started.elapsed().as_millis() as u64;
        events.publish("callback_attempt", || {
            serde_json::json!({ "callbacks": [id], "source": rec.source, "event": rec.event, "url": rec.request.url, "status": status, "error": error, "latency_ms": latency_ms })
        });
        let Some(current) = store::get_json::<DirectRecord>(&t, key)? else {
            return Ok(()); // reset while in flight
        };
        rec.attempts = current.attempts;
        rec.attempts_total += 1;
        rec.attempts.push(Attempt {
            at_ms,
            latency_ms,
            status,
            error: error.clone(),
            url: rec.request.url.clone(),
            batch_size: 1,
        });
        let first = rec.attempts.first().map_or(at_ms, |a| a.at_ms);
        failures += u32::from(error.is_some());
        let wait = match error {
            None => {
                rec.state = CallbackState::Delivered;
                None
            }
            Some(_) => match rec.retry.after(failures, first, now_ms()) {
                Some(wait) => Some(wait),
                None => {
                    rec.state = CallbackState::GivenUp;
                    None
                }
            },
        };
        store::put_json(&t, key, &rec)?;
        store.flush()?;
        match wait {
            Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            None => return Ok(()),
        }
    }
}
