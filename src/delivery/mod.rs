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
mod records;

pub use direct::{DirectCallback, Request, RetryPolicy};

use crate::store::{self, Batch, Store, StoreError};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use queue::{Lane, Pending, Queue};
use records::{InDone, InGivenUp, InPending};
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    /// Held by a redelivery from reading given-up records to committing their move.
    claim: tokio::sync::Mutex<()>,
    pub(crate) wake: Notify,
    pub(crate) stopping: Notify,
    /// The ids of the delivered callbacks kept (the `InDone` records), oldest first: the history
    /// is pruned from here, without scanning the tree.
    pub(crate) done: Mutex<std::collections::BTreeSet<u64>>,
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
        let mut finished = Batch::default();
        for key in store.keys::<InPending>()? {
            let cb = match store.get::<InPending>(&key) {
                Ok(Some(InPending(cb))) => cb,
                Ok(None) => continue,
                Err(e) => {
                    tracing::error!(error = %e, key = ?key, "unreadable pending callback left in place");
                    continue;
                }
            };
            let done = store.contains::<InDone>(&key)? || store.contains::<InGivenUp>(&key)?;
            if !cb.persist || done {
                finished.remove::<InPending>(&key);
                dropped += usize::from(!cb.persist);
                continue;
            }
            queue.push(cb.pending()); // ids ascend, so each chain keeps its order
        }
        store.write(finished)?;
        if queue.len() > 0 || dropped > 0 {
            tracing::info!(
                pending = queue.len(),
                dropped_memory_only = dropped,
                "callback backlog recovered"
            );
        }
        let done = store
            .keys::<InDone>()?
            .iter()
            .map(|k| store::decode_u64(k))
            .collect();
        let delivery = Arc::new(Delivery {
            store,
            policy,
            client,
            queue: Mutex::new(queue),
            gate: RwLock::new(()),
            claim: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
            stopping: Notify::new(),
            done: Mutex::new(done),
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

    /// The 1016 answer when `more` callbacks would not fit under the queue limit beside the
    /// `scheduled` ones still to join the queue (statuses whose time has not come).
    pub fn check_room(&self, scheduled: usize, more: usize) -> Result<(), ApiError> {
        let pending = self.pending();
        if pending + scheduled + more > self.queue_limit {
            return Err(self.overloaded(pending, scheduled));
        }
        Ok(())
    }

    fn overloaded(&self, pending: usize, scheduled: usize) -> ApiError {
        let waiting = match scheduled {
            0 => String::new(),
            n => format!(", {n} statuses are scheduled to join it,"),
        };
        ApiError::new(
            1016,
            format!(
                "The callback queue holds {pending} callbacks{waiting} and takes at most {}: the webhook is not keeping up",
                self.queue_limit
            ),
        )
    }

    /// Enqueues notifications; with `callback_persist` they are on disk before this returns.
    pub async fn enqueue(&self, items: Vec<NewCallback>) -> Result<Vec<u64>, ApiError> {
        self.enqueue_with(items, Batch::default()).await
    }

    /// Enqueues notifications in one durable commit with the caller's own writes (the record
    /// that caused them): both are on disk before this answers, or neither is written.
    pub async fn enqueue_with(
        &self,
        items: Vec<NewCallback>,
        batch: Batch,
    ) -> Result<Vec<u64>, ApiError> {
        let persist = self.policy.borrow().persist;
        let records = items.into_iter().map(|i| i.record(persist)).collect();
        let durable = persist || !batch.is_empty();
        self.enqueue_as(records, batch, durable, Visible::WhenDurable)
            .await
    }

    /// Enqueues direct callbacks in one durable commit with the caller's own writes (the record
    /// that caused them, e.g. a Cloud inbound message): both are on disk, or neither is.
    pub async fn enqueue_direct_with(
        &self,
        items: Vec<DirectCallback>,
        batch: Batch,
    ) -> Result<Vec<u64>, ApiError> {
        let records = items.into_iter().map(DirectCallback::record).collect();
        self.enqueue_as(records, batch, true, Visible::WhenDurable)
            .await
    }

    /// Enqueues direct callbacks (Cloud API, SMS gateways): always durable before this returns.
    pub async fn enqueue_direct(&self, items: Vec<DirectCallback>) -> Result<Vec<u64>, ApiError> {
        let records = items.into_iter().map(DirectCallback::record).collect();
        self.enqueue_as(records, Batch::default(), true, Visible::WhenDurable)
            .await
    }

    /// Enqueues statuses the schedule hands over. They are dispatched at once and flushed
    /// meanwhile: until the schedule's watermark passes them, a crash makes the schedule time them
    /// again (at least once), so they need not wait for the disk. Answers once they are durable;
    /// a failed flush is logged and they stay queued (handing them over again would repeat them).
    pub async fn enqueue_statuses(&self, items: Vec<NewCallback>) -> Result<(), ApiError> {
        let persist = self.policy.borrow().persist;
        let records = items.into_iter().map(|i| i.record(persist)).collect();
        self.enqueue_as(records, Batch::default(), persist, Visible::AtOnce)
            .await
            .map(drop)
    }

    /// Writes new callbacks (with `batch`, the caller's writes), then queues them. `durable`:
    /// flushed before they are visible (WhenDurable) or meanwhile (AtOnce).
    async fn enqueue_as(
        &self,
        records: Vec<Callback>,
        batch: Batch,
        durable: bool,
        visible: Visible,
    ) -> Result<Vec<u64>, ApiError> {
        let n = records.len();
        let _gate = self.gate.read().await;
        self.lock()
            .reserve(n, self.queue_limit)
            .map_err(|pending| self.overloaded(pending, 0))?;
        let wait_for_disk = durable && visible == Visible::WhenDurable;
        let written = self.write_new(records, batch, wait_for_disk).await;
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
        if durable && visible == Visible::AtOnce {
            if let Err(e) = self.store.durable().await {
                tracing::warn!(error = %e, "statuses queued but not flushed: a crash would repeat them");
            }
        }
        Ok(ids)
    }

    /// Writes the records of new callbacks with `batch`, on disk before it answers when
    /// `durable`; on failure nothing stays.
    async fn write_new(
        &self,
        records: Vec<Callback>,
        mut batch: Batch,
        durable: bool,
    ) -> Result<Vec<Pending>, StoreError> {
        let now = now_ms();
        let mut written = Vec::with_capacity(records.len());
        for mut cb in records {
            cb.id = self.store.generate_id()?;
            cb.created_ms = now;
            cb.next_attempt_ms = now;
            written.push(cb.pending());
            batch.put_new(&InPending(cb))?;
        }
        if durable {
            self.store.commit(batch).await?;
        } else {
            self.store.write(batch)?;
        }
        Ok(written)
    }

    /// Stops the dispatcher (in-flight POSTs finish on their own).
    pub fn stop(&self) {
        self.stopping.notify_one();
    }

    /// One callback by id, pending, delivered or given up.
    pub fn get(&self, id: u64) -> Result<Option<Callback>, StoreError> {
        for state in STATES {
            if let Some(cb) = records::get(&self.store, state, id)? {
                return Ok(Some(cb));
            }
        }
        Ok(None)
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
        for state in STATES.into_iter().filter(|s| state.is_none_or(|w| w == *s)) {
            let mut taken = 0;
            for cb in records::newest_first(&self.store, state)? {
                if taken == limit {
                    break;
                }
                let cb = cb?;
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
        let _claim = self.claim.lock().await;
        let now = now_ms();
        let mut claimed = Vec::new();
        let mut batch = Batch::default();
        for &id in ids {
            let Some(InGivenUp(mut cb)) = self.store.get::<InGivenUp>(store::encode_u64(id))?
            else {
                continue;
            };
            cb.state = CallbackState::Pending;
            cb.failures = 0;
            cb.first_attempt_ms = None;
            cb.next_attempt_ms = now;
            batch.remove::<InGivenUp>(store::encode_u64(id));
            claimed.push(cb.pending());
            batch.put(&InPending(cb))?;
        }
        self.store.commit(batch).await?;
        let ids = claimed.iter().map(|p| p.id).collect();
        let mut q = self.lock();
        for p in claimed {
            q.push(p);
        }
        drop(q);
        self.wake.notify_one();
        Ok(ids)
    }

    /// The ids of every given-up callback (keys only: a large backlog is not loaded).
    pub fn given_up_ids(&self) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .store
            .keys::<InGivenUp>()?
            .iter()
            .map(|k| store::decode_u64(k))
            .collect())
    }

    /// Forgets every callback, pending, delivered and given up (the control API's reset).
    pub async fn reset(&self) -> Result<(), ApiError> {
        let _gate = self.gate.write().await;
        let mut batch = Batch::default();
        batch
            .clear::<InPending>()
            .clear::<InDone>()
            .clear::<InGivenUp>();
        self.store.commit(batch).await?;
        self.lock().clear();
        self.done.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }
}

const STATES: [CallbackState; 3] = [
    CallbackState::Pending,
    CallbackState::Delivered,
    CallbackState::GivenUp,
];

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
