//! The delivery engine: a durable outbox of callbacks, a dispatcher, the backoff policy and
//! the webhook client. Everything the emulator notifies goes through `Delivery::enqueue`.
//!
//! Truth lives in sled (`callbacks_pending`, `callbacks_done`); the due-time index is in memory
//! and rebuilt from sled at start-up, so a large backlog costs 16 bytes of RAM per callback.

pub mod backoff;
pub mod client;
mod dispatcher;

use crate::domain::Settings;
use crate::store::{self, Store, StoreError};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Attempts kept per callback record (the count of all attempts is kept apart).
const ATTEMPTS_KEPT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    InboundMessage,
    StatusChange,
    Error,
}

impl CallbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackKind::InboundMessage => "inbound_message",
            CallbackKind::StatusChange => "status_change",
            CallbackKind::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackState {
    Pending,
    Delivered,
    GivenUp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    pub at_ms: u64,
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub url: String,
    /// How many notifications shared this POST.
    pub batch_size: usize,
}

/// One notification on its way to the webhook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Callback {
    pub id: u64,
    pub kind: CallbackKind,
    pub state: CallbackState,
    pub created_ms: u64,
    /// Not attempted before this time (a status lifecycle step is scheduled ahead).
    pub due_ms: u64,
    pub next_attempt_ms: u64,
    pub persist: bool,
    /// Callbacks with the same key (a message id) are delivered one after the other, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_key: Option<String>,
    pub attempts_total: u32,
    pub attempts: Vec<Attempt>,
    pub body: Value,
}

#[derive(Default)]
pub(crate) struct Queue {
    /// (next attempt ms, id) of every pending callback that may be attempted (not in flight).
    due: BTreeSet<(u64, u64)>,
    /// Per order key: the callbacks waiting behind the chain's head (which is in `due` or in flight).
    chains: HashMap<String, VecDeque<(u64, u64)>>,
    waiting: usize,
    in_flight: usize,
    in_flight_callbacks: usize,
    /// Bumped by reset, so deliveries that started before it do not write back.
    epoch: u64,
}

pub struct Delivery {
    pub(crate) store: Store,
    pub(crate) settings: Arc<Settings>,
    pub(crate) client: Arc<client::WebhookClient>,
    pub(crate) queue: Mutex<Queue>,
    pub(crate) wake: Notify,
    pub(crate) stopping: Notify,
    pub(crate) done_count: AtomicUsize,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
    pub(crate) horizon_ms: u64,
    pub(crate) batch_max: usize,
    queue_limit: usize,
    pub(crate) history: usize,
    pub(crate) events: Arc<crate::events::Events>,
}

pub struct NewCallback {
    pub kind: CallbackKind,
    pub body: Value,
    /// Earliest delivery time; 0 = now.
    pub due_ms: u64,
    /// Keeps this callback behind earlier ones with the same key (e.g. a message's statuses).
    pub order_key: Option<String>,
}

impl Queue {
    /// Adds a pending callback: due at once, or behind its chain's head.
    fn push(&mut self, entry: (u64, u64), key: Option<&str>) {
        match key {
            Some(k) => match self.chains.get_mut(k) {
                Some(waiting) => {
                    waiting.push_back(entry);
                    self.waiting += 1;
                }
                None => {
                    self.chains.insert(k.to_string(), VecDeque::new());
                    self.due.insert(entry);
                }
            },
            None => {
                self.due.insert(entry);
            }
        }
    }

    /// The head of a chain is done (delivered or given up): release the next one.
    pub(crate) fn release(&mut self, key: Option<&str>, now: u64) {
        let Some(k) = key else { return };
        match self.chains.get_mut(k).and_then(VecDeque::pop_front) {
            Some((due, id)) => {
                self.waiting -= 1;
                self.due.insert((due.max(now), id));
            }
            None => {
                self.chains.remove(k);
            }
        }
    }
}

impl Delivery {
    pub fn open(
        store: Store,
        settings: Arc<Settings>,
        client: Arc<client::WebhookClient>,
        cfg: &crate::config::Config,
        events: Arc<crate::events::Events>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Result<Arc<Delivery>, StoreError> {
        let mut queue = Queue::default();
        let mut dropped = 0usize;
        for item in store.callbacks_pending.iter() {
            let (key, value) = item?;
            let cb: Callback = serde_json::from_slice(&value)?;
            if !cb.persist || store.callbacks_done.contains_key(&key)? {
                store.callbacks_pending.remove(&key)?;
                dropped += usize::from(!cb.persist);
                continue;
            }
            queue.push((cb.next_attempt_ms, cb.id), cb.order_key.as_deref()); // ids ascend: chain order holds
        }
        let recovered = queue.due.len() + queue.waiting;
        if recovered > 0 || dropped > 0 {
            tracing::info!(
                pending = recovered,
                dropped_memory_only = dropped,
                "callback backlog recovered"
            );
        }
        let done_count = store.callbacks_done.len();
        let delivery = Arc::new(Delivery {
            store,
            settings,
            client,
            queue: Mutex::new(queue),
            wake: Notify::new(),
            stopping: Notify::new(),
            done_count: AtomicUsize::new(done_count),
            metrics,
            horizon_ms: cfg.callback_retry_horizon_ms,
            batch_max: cfg.callback_batch_max.max(1),
            queue_limit: cfg.callback_queue_limit,
            history: cfg.callback_history,
            events,
        });
        tokio::spawn(dispatcher::run(delivery.clone()));
        Ok(delivery)
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pending callbacks (waiting or in flight).
    pub fn pending(&self) -> usize {
        let q = self.lock();
        q.due.len() + q.waiting + q.in_flight_callbacks
    }

    /// Enqueues notifications; with `callback_persist` they are on disk before this returns.
    pub async fn enqueue(&self, items: Vec<NewCallback>) -> Result<Vec<u64>, ApiError> {
        let pending = self.pending();
        if pending + items.len() > self.queue_limit {
            return Err(ApiError::new(
                1016,
                format!("The callback queue holds {pending} callbacks (limit {}); the webhook is not keeping up", self.queue_limit),
            ));
        }
        let persist = self.settings.current().callback_persist;
        let now = now_ms();
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            let id = self.store.db.generate_id().map_err(StoreError::from)?;
            let due = item.due_ms.max(now);
            let cb = Callback {
                id,
                kind: item.kind,
                state: CallbackState::Pending,
                created_ms: now,
                due_ms: due,
                next_attempt_ms: due,
                persist,
                order_key: item.order_key,
                attempts_total: 0,
                attempts: Vec::new(),
                body: item.body,
            };
            // Plain inserts: sled's apply_batch takes a Db-wide write lock and waits on its log,
            // which capped sends at ~5k/s. A crash between two inserts can only lose part of an
            // unacknowledged send; durability of acknowledged ones comes from `durable()` below.
            self.store
                .callbacks_pending
                .insert(
                    store::encode_u64(id),
                    serde_json::to_vec(&cb).map_err(StoreError::from)?,
                )
                .map_err(StoreError::from)?;
            entries.push(((due, id), cb.order_key));
        }
        if persist {
            if let Err(e) = self.store.durable().await {
                // Not acknowledged: take the records back so they are not delivered later.
                for ((_, id), _) in &entries {
                    let _ = self.store.callbacks_pending.remove(store::encode_u64(*id));
                }
                return Err(e.into());
            }
        }
        let ids = entries.iter().map(|e| e.0 .1).collect();
        {
            let mut q = self.lock();
            for (entry, key) in &entries {
                q.push(*entry, key.as_deref());
            }
        }

        self.wake.notify_one();
        Ok(ids)
    }

    /// Stops the dispatcher (in-flight POSTs finish on their own).
    pub fn stop(&self) {
        self.stopping.notify_one();
    }

    /// One callback by id, pending or done.
    pub fn get(&self, id: u64) -> Result<Option<Callback>, StoreError> {
        let key = store::encode_u64(id);
        if let Some(cb) = store::get_json(&self.store.callbacks_pending, key)? {
            return Ok(Some(cb));
        }
        store::get_json(&self.store.callbacks_done, key)
    }

    /// Callbacks in id order, optionally of one state, at most `limit`.
    pub fn list(
        &self,
        state: Option<CallbackState>,
        limit: usize,
    ) -> Result<Vec<Callback>, StoreError> {
        let mut out = Vec::new();
        let trees = match state {
            Some(CallbackState::Pending) => vec![&self.store.callbacks_pending],
            Some(_) => vec![&self.store.callbacks_done],
            None => vec![&self.store.callbacks_done, &self.store.callbacks_pending],
        };
        for tree in trees {
            let records: Vec<Callback> = store::all_json(tree)?;
            out.extend(
                records
                    .into_iter()
                    .filter(|cb| state.is_none_or(|s| s == cb.state)),
            );
        }
        Ok(store::keep_newest(out, limit, |c| c.id))
    }

    /// Puts a given-up callback back in the queue with a fresh horizon. False if it is not given up.
    pub fn redeliver(&self, id: u64) -> Result<bool, StoreError> {
        let key = store::encode_u64(id);
        let Some(mut cb) = store::get_json::<Callback>(&self.store.callbacks_done, key)? else {
            return Ok(false);
        };
        if cb.state != CallbackState::GivenUp {
            return Ok(false);
        }
        let now = now_ms();
        cb.state = CallbackState::Pending;
        cb.created_ms = now;
        cb.next_attempt_ms = now;
        store::put_json(&self.store.callbacks_pending, key, &cb)?;
        self.store.callbacks_done.remove(key)?;
        self.done_count.fetch_sub(1, Ordering::Relaxed);
        self.lock().push((now, id), cb.order_key.as_deref());
        self.wake.notify_one();
        Ok(true)
    }

    /// Forgets every callback, pending and done (the control API's reset).
    pub fn reset(&self) -> Result<(), StoreError> {
        let mut q = self.lock();
        q.epoch += 1;
        q.due.clear();
        q.chains.clear();
        q.waiting = 0;
        q.in_flight_callbacks = 0;
        self.store.callbacks_pending.clear()?;
        self.store.callbacks_done.clear()?;
        self.done_count.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// Makes every waiting callback due now (used when the webhook URL changes).
    pub(crate) fn retry_all_now(&self) {
        let now = now_ms();
        let mut q = self.lock();
        let ids: Vec<u64> = q.due.iter().map(|e| e.1).collect();
        q.due = ids.into_iter().map(|id| (now, id)).collect();
        drop(q);
        self.wake.notify_one();
    }
}

/// Merges several notification bodies into one: their `contacts`, `messages`, `statuses` and
/// `errors` arrays are concatenated in order.
pub fn merge_bodies(bodies: &[&Value]) -> Value {
    let mut out = serde_json::Map::new();
    for key in ["contacts", "messages", "statuses", "errors"] {
        let items: Vec<Value> = bodies
            .iter()
            .filter_map(|b| b.get(key).and_then(Value::as_array))
            .flatten()
            .cloned()
            .collect();
        if !items.is_empty() {
            out.insert(key.into(), Value::Array(items));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merging_concatenates_arrays_in_order() {
        let a = json!({"statuses":[{"id":"a"}]});
        let b = json!({"contacts":[{"wa_id":"1"}],"messages":[{"id":"m"}]});
        let c = json!({"statuses":[{"id":"c"}]});
        let m = merge_bodies(&[&a, &b, &c]);
        assert_eq!(
            m,
            json!({"contacts":[{"wa_id":"1"}],"messages":[{"id":"m"}],"statuses":[{"id":"a"},{"id":"c"}]})
        );
    }
}

#[cfg(test)]
mod queue_tests {
    use super::*;

    #[test]
    fn chains_release_one_at_a_time_in_order() {
        let mut q = Queue::default();
        q.push((10, 1), Some("m"));
        q.push((20, 2), Some("m"));
        q.push((5, 3), Some("m"));
        q.push((7, 4), None);
        assert_eq!(q.due.iter().copied().collect::<Vec<_>>(), [(7, 4), (10, 1)]);
        assert_eq!(q.waiting, 2);
        q.release(Some("m"), 100);
        assert!(q.due.contains(&(100, 2)), "released late: due now");
        q.release(Some("m"), 0);
        assert!(q.due.contains(&(5, 3)));
        q.release(Some("m"), 0);
        assert!(q.chains.is_empty() && q.waiting == 0);
    }
}
