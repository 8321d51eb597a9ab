//! The delivery engine: a durable outbox of callbacks, a dispatcher, the backoff policy and
//! the webhook client. Everything the emulator notifies goes through `Delivery::enqueue`.
//!
//! Truth lives in sled: a callback is in `callbacks_pending` until it is delivered (then in
//! `callbacks_done`, of which the newest `--callback-history` are kept) or given up (then in
//! `callbacks_given_up`, kept until it is redelivered or reset). The due-time index is in memory
//! (`queue.rs`) and rebuilt from sled at start-up.
//!
//! Writers of records (enqueue, the dispatcher's write-back, redeliver) hold `gate` shared; reset
//! holds it alone, so a reset never interleaves with a write and nothing outlives it.

pub mod backoff;
pub mod client;
mod direct;
mod dispatcher;
mod queue;

pub use direct::{DirectCallback, Request, RetryPolicy};

use crate::store::{self, Store, StoreError};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use queue::{Lane, Pending, Queue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, RwLock};

/// Attempts kept per callback record (the count of all attempts is kept apart).
const ATTEMPTS_KEPT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    InboundMessage,
    StatusChange,
    Error,
    /// A direct callback (Cloud API, SMS gateways): its `source` and `event` say what it is.
    Direct,
}

impl CallbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackKind::InboundMessage => "inbound_message",
            CallbackKind::StatusChange => "status_change",
            CallbackKind::Error => "error",
            CallbackKind::Direct => "direct",
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
    pub next_attempt_ms: u64,
    pub persist: bool,
    /// Callbacks with the same key (a message id) are delivered one after the other, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_key: Option<String>,
    pub attempts_total: u32,
    /// Failed attempts since the callback was (re)queued: the backoff grows with these.
    #[serde(default)]
    pub failures: u32,
    /// The first attempt since the callback was (re)queued: the retry horizon counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_attempt_ms: Option<u64>,
    pub attempts: Vec<Attempt>,
    pub body: Value,
    /// Who made a direct callback: `cloud`, `zender`, `smsgateway24`, `raspisms` (None: On-Prem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The event name in that API's vocabulary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// A direct callback's exact request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// A direct callback's retry policy (On-Prem callbacks follow the settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
}

/// What the delivery engine needs of the application settings, published on a watch channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// The On-Prem webhook; None holds On-Prem callbacks back (direct ones still go).
    pub url: Option<String>,
    pub max_concurrent_requests: u32,
    pub backoff_step_ms: u64,
    pub backoff_cap_ms: u64,
    /// Whether On-Prem callbacks are durable before the call that made them answers.
    pub persist: bool,
}

/// The engine's fixed options (from the command line).
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    pub horizon_ms: u64,
    pub batch_max: usize,
    pub queue_limit: usize,
    pub history: usize,
}

pub struct Delivery {
    pub(crate) store: Store,
    pub(crate) policy: tokio::sync::watch::Receiver<WebhookPolicy>,
    pub(crate) client: Arc<client::WebhookClient>,
    pub(crate) queue: Mutex<Queue>,
    pub(crate) gate: RwLock<()>,
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
    /// Keeps this callback behind earlier ones with the same key (e.g. a message's statuses).
    pub order_key: Option<String>,
}

impl NewCallback {
    fn record(self, persist: bool) -> Callback {
        Callback::new(self.kind, self.body, self.order_key, persist)
    }
}

impl Callback {
    /// A new pending callback (id, times and target are set by the caller or on enqueue).
    fn new(kind: CallbackKind, body: Value, order_key: Option<String>, persist: bool) -> Callback {
        Callback {
            id: 0,
            kind,
            state: CallbackState::Pending,
            created_ms: 0,
            next_attempt_ms: 0,
            persist,
            order_key,
            attempts_total: 0,
            failures: 0,
            first_attempt_ms: None,
            attempts: Vec::new(),
            body,
            source: None,
            event: None,
            request: None,
            retry: None,
        }
    }

    fn pending(&self) -> Pending {
        Pending {
            id: self.id,
            lane: if self.request.is_some() {
                Lane::Direct
            } else {
                Lane::Webhook
            },
            order_key: self.order_key.as_deref().map(Arc::from),
            failures: self.failures,
            last_attempt_ms: self.attempts.last().map_or(0, |a| a.at_ms),
            next_ms: self.next_attempt_ms,
        }
    }
}

impl Delivery {
    pub fn open(
        store: Store,
        policy: tokio::sync::watch::Receiver<WebhookPolicy>,
        client: Arc<client::WebhookClient>,
        options: DeliveryOptions,
        events: Arc<crate::events::Events>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Result<Arc<Delivery>, StoreError> {
        let mut queue = Queue::default();
        let mut dropped = 0usize;
        for item in store.callbacks_pending.iter() {
            let (key, value) = item?;
            let cb: Callback = match serde_json::from_slice(&value) {
                Ok(cb) => cb,
                Err(e) => {
                    tracing::error!(error = %e, key = ?key, "unreadable pending callback left in place");
                    continue;
                }
            };
            let finished = store.callbacks_done.contains_key(&key)?
                || store.callbacks_given_up.contains_key(&key)?;
            if !cb.persist || finished {
                store.callbacks_pending.remove(&key)?;
                dropped += usize::from(!cb.persist);
                continue;
            }
            queue.push(cb.pending()); // ids ascend, so each chain keeps its order
        }
        if queue.len() > 0 || dropped > 0 {
            tracing::info!(
                pending = queue.len(),
                dropped_memory_only = dropped,
                "callback backlog recovered"
            );
        }
        let done_count = store.callbacks_done.len();
        let delivery = Arc::new(Delivery {
            store,
            policy,
            client,
            queue: Mutex::new(queue),
            gate: RwLock::new(()),
            wake: Notify::new(),
            stopping: Notify::new(),
            done_count: AtomicUsize::new(done_count),
            metrics,
            horizon_ms: options.horizon_ms,
            batch_max: options.batch_max.max(1),
            queue_limit: options.queue_limit,
            history: options.history,
            events,
        });
        tokio::spawn(dispatcher::run(delivery.clone()));
        Ok(delivery)
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pending callbacks (due, waiting behind an earlier one, or in flight).
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// The 1016 answer when `more` callbacks would not fit under the queue limit.
    pub fn check_room(&self, more: usize) -> Result<(), ApiError> {
        let pending = self.pending();
        if pending + more > self.queue_limit {
            return Err(self.overloaded(pending));
        }
        Ok(())
    }

    fn overloaded(&self, pending: usize) -> ApiError {
        ApiError::new(
            1016,
            format!(
                "The callback queue holds {pending} callbacks and takes at most {}: the webhook is not keeping up",
                self.queue_limit
            ),
        )
    }

    /// Enqueues notifications; with `callback_persist` they are on disk before this returns.
    pub async fn enqueue(&self, items: Vec<NewCallback>) -> Result<Vec<u64>, ApiError> {
        let persist = self.policy.borrow().persist;
        let records = items.into_iter().map(|i| i.record(persist)).collect();
        self.enqueue_as(records, Visible::WhenDurable).await
    }

    /// Enqueues direct callbacks (Cloud API, SMS gateways): always durable before this returns.
    pub async fn enqueue_direct(&self, items: Vec<DirectCallback>) -> Result<Vec<u64>, ApiError> {
        let records = items.into_iter().map(DirectCallback::record).collect();
        self.enqueue_as(records, Visible::WhenDurable).await
    }

    /// Enqueues statuses the schedule hands over. They are dispatched at once and flushed
    /// meanwhile: until the schedule's watermark passes them, a crash makes the schedule time them
    /// again (at least once), so they need not wait for the disk. Answers once they are durable;
    /// a failed flush is logged and they stay queued (handing them over again would repeat them).
    pub async fn enqueue_statuses(&self, items: Vec<NewCallback>) -> Result<(), ApiError> {
        let persist = self.policy.borrow().persist;
        let records = items.into_iter().map(|i| i.record(persist)).collect();
        self.enqueue_as(records, Visible::AtOnce).await.map(drop)
    }

    async fn enqueue_as(
        &self,
        records: Vec<Callback>,
        visible: Visible,
    ) -> Result<Vec<u64>, ApiError> {
        let n = records.len();
        let persist = records.iter().any(|r| r.persist);
        let _gate = self.gate.read().await;
        self.lock()
            .reserve(n, self.queue_limit)
            .map_err(|pending| self.overloaded(pending))?;
        let mut written = self.write_new(records);
        let wait_for_disk = persist && visible == Visible::WhenDurable;
        if let (true, Ok(pending)) = (wait_for_disk, &written) {
            if let Err(e) = self.store.durable().await {
                self.remove_new(pending);
                written = Err(e.into());
            }
        }
        let ids = {
            let mut q = self.lock();
            q.unreserve(n);
            let pending = written?;
            let ids: Vec<u64> = pending.iter().map(|p| p.id).collect();
            for p in pending {
                q.push(p);
            }
            ids
        };
        self.wake.notify_one();
        if persist && visible == Visible::AtOnce {
            if let Err(e) = self.store.durable().await {
                tracing::warn!(error = %e, "statuses queued but not flushed: a crash would repeat them");
            }
        }
        Ok(ids)
    }

    fn remove_new(&self, written: &[Pending]) {
        for p in written {
            let _ = self.store.callbacks_pending.remove(store::encode_u64(p.id));
        }
    }

    /// Writes the records of new callbacks (not yet flushed); on failure none stays.
    fn write_new(&self, records: Vec<Callback>) -> Result<Vec<Pending>, ApiError> {
        self.store.writable()?;
        let now = now_ms();
        let mut written = Vec::with_capacity(records.len());
        let mut result = Ok(());
        for mut cb in records {
            cb.created_ms = now;
            cb.next_attempt_ms = now;
            // Plain inserts: sled's apply_batch takes a Db-wide write lock and waits on its log.
            result = self.insert_new(cb).map(|p| written.push(p));
            if result.is_err() {
                break;
            }
        }
        if let Err(e) = result {
            self.remove_new(&written);
            return Err(e.into());
        }
        Ok(written)
    }

    fn insert_new(&self, mut cb: Callback) -> Result<Pending, StoreError> {
        cb.id = self.store.db.generate_id()?;
        store::put_json(&self.store.callbacks_pending, store::encode_u64(cb.id), &cb)?;
        Ok(cb.pending())
    }

    /// Stops the dispatcher (in-flight POSTs finish on their own).
    pub fn stop(&self) {
        self.stopping.notify_one();
    }

    /// One callback by id, pending, delivered or given up.
    pub fn get(&self, id: u64) -> Result<Option<Callback>, StoreError> {
        let key = store::encode_u64(id);
        for tree in self.trees(None) {
            if let Some(cb) = store::get_json(tree, key)? {
                return Ok(Some(cb));
            }
        }
        Ok(None)
    }

    fn trees(&self, state: Option<CallbackState>) -> Vec<&sled::Tree> {
        let s = &self.store;
        match state {
            Some(CallbackState::Pending) => vec![&s.callbacks_pending],
            Some(CallbackState::Delivered) => vec![&s.callbacks_done],
            Some(CallbackState::GivenUp) => vec![&s.callbacks_given_up],
            None => vec![
                &s.callbacks_pending,
                &s.callbacks_done,
                &s.callbacks_given_up,
            ],
        }
    }

    /// The newest `limit` callbacks (of one state, or all; of one source, or all: `onprem` for
    /// the On-Prem webhook's), oldest first.
    pub fn list(
        &self,
        state: Option<CallbackState>,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Callback>, StoreError> {
        let mut out: Vec<Callback> = Vec::new();
        for tree in self.trees(state) {
            let mut taken = 0;
            for item in tree.iter().rev() {
                if taken == limit {
                    break;
                }
                let cb: Callback = serde_json::from_slice(&item?.1)?;
                if source.is_none_or(|s| cb.source.as_deref().unwrap_or("onprem") == s) {
                    taken += 1;
                    out.push(cb);
                }
            }
        }
        Ok(store::keep_newest(out, limit, |c| c.id))
    }

    /// Puts given-up callbacks back in the queue with a fresh backoff and horizon; answers the
    /// ids that were given up (others are skipped). Durable before it answers.
    pub async fn redeliver(&self, ids: &[u64]) -> Result<Vec<u64>, ApiError> {
        let _gate = self.gate.read().await;
        self.store.writable()?;
        let now = now_ms();
        let mut claimed = Vec::new();
        let mut result = Ok(());
        for &id in ids {
            match self.claim_given_up(id, now) {
                Ok(Some(c)) => claimed.push(c),
                Ok(None) => {}
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
            for (cb, raw) in &claimed {
                let key = store::encode_u64(cb.id);
                let _ = self.store.callbacks_given_up.insert(key, raw.clone());
                let _ = self.store.callbacks_pending.remove(key);
            }
            return Err(e.into());
        }
        let mut q = self.lock();
        for (cb, _) in &claimed {
            q.push(cb.pending());
        }
        drop(q);
        self.wake.notify_one();
        Ok(claimed.iter().map(|(cb, _)| cb.id).collect())
    }

    /// Moves one given-up record to pending (removing it first claims it: a concurrent
    /// redeliver of the same id finds nothing). Answers the record and its old bytes.
    fn claim_given_up(
        &self,
        id: u64,
        now: u64,
    ) -> Result<Option<(Callback, sled::IVec)>, StoreError> {
        let key = store::encode_u64(id);
        let Some(raw) = self.store.callbacks_given_up.remove(key)? else {
            return Ok(None);
        };
        let mut cb: Callback = match serde_json::from_slice(&raw) {
            Ok(cb) => cb,
            Err(e) => {
                self.store.callbacks_given_up.insert(key, raw)?;
                return Err(e.into());
            }
        };
        cb.state = CallbackState::Pending;
        cb.failures = 0;
        cb.first_attempt_ms = None;
        cb.next_attempt_ms = now;
        if let Err(e) = store::put_json(&self.store.callbacks_pending, key, &cb) {
            self.store.callbacks_given_up.insert(key, raw)?;
            return Err(e);
        }
        Ok(Some((cb, raw)))
    }

    /// The ids of every given-up callback (keys only: a large backlog is not loaded).
    pub fn given_up_ids(&self) -> Result<Vec<u64>, StoreError> {
        self.store
            .callbacks_given_up
            .iter()
            .keys()
            .map(|k| Ok(store::decode_u64(&k?)))
            .collect()
    }

    /// Forgets every callback, pending, delivered and given up (the control API's reset).
    pub async fn reset(&self) -> Result<(), ApiError> {
        let _gate = self.gate.write().await;
        self.store.writable()?;
        self.lock().clear();
        self.done_count.store(0, Ordering::Relaxed);
        let s = self.store.clone();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            s.callbacks_pending.clear()?;
            s.callbacks_done.clear()?;
            s.callbacks_given_up.clear()?;
            Ok(())
        })
        .await
        .map_err(ApiError::internal)??;
        Ok(())
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

/// When new callbacks become visible to the dispatcher.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visible {
    /// Once on disk (the API's acknowledged writes).
    WhenDurable,
    /// At once, flushed meanwhile (statuses the schedule can time again).
    AtOnce,
}
