//! The status lifecycle in time. A sent message's planned statuses (`lifecycle::plan`) happen
//! when they are due, and only then become callbacks: the `webhooks.message.*` filters in force
//! at that moment apply, as in the real API.
//!
//! Durable without a write per status: the message record, with its planned steps, is on disk
//! before the send is answered, and the timers live in memory. After every hand-over to the
//! delivery engine the schedule writes a watermark W: every planned step due before W is a
//! durable callback. At start-up the steps due at or after W, of the messages created since W
//! minus the longest delay ever planned, are timed again. A crash can so repeat a status of the
//! last second or two (at least once, as everywhere in delivery), never lose one.

use super::lifecycle::{status_notification, Conversation, Step};
use super::SentMessage;
use crate::delivery::{CallbackKind, Delivery, DirectCallback, NewCallback};
use crate::graph::webhook::CloudSend;
use crate::store::{Batch, Counter, Store, StoreError};
use crate::wa::time::now_ms;
use crate::wa::{ids, ApiError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use tokio::sync::{watch, Notify};

const WATERMARK: &str = "status_watermark";
const MAX_DELAY: &str = "status_max_delay_ms";
/// How long a hand-over that failed (a full queue, a failing disk) waits before trying again.
const RETRY_MS: u64 = 250;
/// Most statuses handed over in one enqueue (one durable write).
const HANDOVER_MAX: usize = 4096;
/// How often an idle schedule moves its watermark up to now.
const IDLE_TICK_MS: u64 = 1000;

/// Whom a message's statuses are about (shared by the message's timers).
pub struct Addressee {
    pub message_id: String,
    pub recipient_id: String,
    pub conversation: Conversation,
    /// Set for a Cloud API send: its statuses go to the Cloud webhook (see `CloudStatuses`).
    pub cloud: Option<CloudSend>,
}

/// Turns a due status of a Cloud API message into its webhook (the Cloud personality lives
/// above this layer and registers itself with `Schedule::set_cloud`).
pub trait CloudStatuses: Send + Sync {
    /// The callback for this status; None when there is nowhere to send it.
    fn callback(&self, to: &Addressee, cloud: &CloudSend, step: &Step) -> Option<DirectCallback>;
}

struct Timer {
    to: Arc<Addressee>,
    step: Step,
}

#[derive(Default)]
struct Timers {
    /// (due ms, sequence) -> the step to notify then.
    due: BTreeMap<(u64, u64), Timer>,
    seq: u64,
    /// Sends being planned (sequence -> planning time): the watermark stays at or below them.
    sends: BTreeMap<u64, u64>,
    max_delay_ms: u64,
    /// When the schedule's task, asleep, wakes by itself (0 while it is awake): a step due
    /// later than this needs no wake-up (one per send cost a thread switch each).
    asleep_until: u64,
}

impl Timers {
    fn add(&mut self, to: &Arc<Addressee>, steps: impl IntoIterator<Item = Step>) {
        for step in steps {
            self.seq += 1;
            let key = (step.at_ms, self.seq);
            self.due.insert(
                key,
                Timer {
                    to: to.clone(),
                    step,
                },
            );
        }
    }

    /// Every planned step due before this time has been handed over (or cancelled).
    fn watermark(&self, now: u64) -> u64 {
        let first_timer = self.due.keys().next().map(|k| k.0);
        let first_send = self.sends.values().min().copied();
        [Some(now), first_timer, first_send]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now)
    }
}

/// Which statuses are notified (the `webhooks.message.*` / `sent_status` settings), published
/// by the settings on a watch channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFilters {
    pub sent: bool,
    pub delivered: bool,
    pub read: bool,
}

impl StatusFilters {
    /// Whether a status is notified under these filters (failed and deleted always are).
    pub fn notified(&self, status: &str) -> bool {
        match status {
            "sent" => self.sent,
            "delivered" => self.delivered,
            "read" => self.read,
            _ => true,
        }
    }
}

pub struct Schedule {
    timers: Mutex<Timers>,
    /// Held by a hand-over, and by whoever must not race one (a forced status, a reset, stop).
    handover: tokio::sync::Mutex<()>,
    wake: Notify,
    store: Store,
    filters: watch::Receiver<StatusFilters>,
    delivery: Arc<Delivery>,
    cloud: OnceLock<Arc<dyn CloudStatuses>>,
    events: Arc<crate::events::Events>,
}

/// A send between planning and its durable point; dropping it without `commit` abandons it.
pub struct Ticket<'a> {
    schedule: &'a Schedule,
    seq: u64,
}

impl Ticket<'_> {
    /// The send is on disk: its planned steps are timed.
    pub fn commit(self, to: Addressee, steps: &[Step]) {
        let to = Arc::new(to);
        let mut t = self.schedule.lock();
        let first = steps.iter().filter(|s| !s.forced).map(|s| s.at_ms).min();
        t.add(&to, steps.iter().filter(|s| !s.forced).cloned());
        if first.is_some_and(|at| at < t.asleep_until) || t.asleep_until == 0 {
            t.asleep_until = 0;
            drop(t);
            self.schedule.wake.notify_one();
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.schedule.lock().sends.remove(&self.seq);
    }
}

impl Schedule {
    /// Opens the schedule and times again the steps a restart interrupted. The same scan of the
    /// sent messages also shows `visit` every message created since `visit_since_ms` (and every
    /// Cloud message of an earlier version, whose key does not sort by time), so a caller that
    /// needs them reads them once.
    pub fn open(
        store: Store,
        filters: watch::Receiver<StatusFilters>,
        delivery: Arc<Delivery>,
        events: Arc<crate::events::Events>,
        visit_since_ms: u64,
        visit: &mut dyn FnMut(&SentMessage),
    ) -> Result<Arc<Schedule>, StoreError> {
        let read = |name: &str| -> Result<Option<u64>, StoreError> {
            Ok(store.get::<Counter>(name)?.map(|c| c.value))
        };
        let watermark = read(WATERMARK)?;
        let mut timers = Timers {
            max_delay_ms: read(MAX_DELAY)?.unwrap_or(0),
            ..Timers::default()
        };
        let from = watermark.unwrap_or(0);
        // Messages are stored in the order of their creation time (`SentMessage::store_key`;
        // the wamids of earlier versions sort after them all, so those are always read). A
        // message older than the watermark minus the longest delay has no step left to time;
        // a second more is read for clocks that step back.
        let floor = match watermark {
            Some(w) => ids::outbound_id_floor(
                w.saturating_sub(timers.max_delay_ms)
                    .min(visit_since_ms)
                    .saturating_sub(1000),
            ),
            None => String::new(),
        };
        for m in store.scan::<SentMessage>(floor.into_bytes()..)? {
            let m = m?;
            visit(&m);
            let to = Arc::new(Addressee {
                message_id: m.id,
                recipient_id: m.to,
                conversation: m.conversation,
                cloud: m.cloud,
            });
            timers.add(
                &to,
                m.steps.into_iter().filter(|s| !s.forced && s.at_ms >= from),
            );
        }
        if !timers.due.is_empty() {
            tracing::info!(
                statuses = timers.due.len(),
                "statuses interrupted by a restart are timed again"
            );
        }
        let schedule = Arc::new(Schedule {
            timers: Mutex::new(timers),
            handover: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
            store,
            filters,
            delivery,
            cloud: OnceLock::new(),
            events,
        });
        tokio::spawn(run(Arc::downgrade(&schedule)));
        Ok(schedule)
    }

    /// Registers the encoder of Cloud API statuses (once, at start-up).
    pub fn set_cloud(&self, sink: Arc<dyn CloudStatuses>) {
        let _ = self.cloud.set(sink);
    }

    /// The Cloud callback for a status of a Cloud message (forced statuses use it too).
    pub fn cloud_callback(&self, to: &Addressee, step: &Step) -> Option<DirectCallback> {
        let cloud = to.cloud.as_ref()?;
        self.cloud.get()?.callback(to, cloud, step)
    }

    fn lock(&self) -> MutexGuard<'_, Timers> {
        self.timers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a send planned at `now`; the watermark stays at or below it until it ends.
    pub fn begin(&self, now: u64) -> Ticket<'_> {
        let mut t = self.lock();
        t.seq += 1;
        let seq = t.seq;
        t.sends.insert(seq, now);
        Ticket {
            schedule: self,
            seq,
        }
    }

    /// Notes how far ahead a plan reaches; added to the send's batch when it is the longest
    /// yet, so that start-up looks back far enough.
    pub fn note_delay(&self, delay_ms: u64, batch: &mut Batch) -> Result<(), StoreError> {
        let mut t = self.lock();
        if delay_ms > t.max_delay_ms {
            batch.put(&Counter {
                name: MAX_DELAY,
                value: delay_ms,
            })?;
            t.max_delay_ms = delay_ms;
        }
        Ok(())
    }

    /// Statuses still to come.
    pub fn pending(&self) -> usize {
        self.lock().due.len()
    }

    /// Excludes hand-overs while held (for taking a message off its plan).
    pub async fn exclusive(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.handover.lock().await
    }

    /// Takes a message off its planned lifecycle (hold `exclusive()`): its timers are dropped and
    /// their steps answered.
    pub fn cancel(&self, message_id: &str) -> Vec<Step> {
        let mut t = self.lock();
        let keys: Vec<(u64, u64)> = t
            .due
            .iter()
            .filter(|(_, timer)| timer.to.message_id == message_id)
            .map(|(k, _)| *k)
            .collect();
        keys.into_iter()
            .filter_map(|k| t.due.remove(&k))
            .map(|timer| timer.step)
            .collect()
    }

    /// Times steps again (what `cancel` took, when the change it was for did not happen).
    pub fn restore(&self, to: Addressee, steps: Vec<Step>) {
        self.lock().add(&Arc::new(to), steps);
        self.wake.notify_one();
    }

    /// Forgets every timer (the control API's reset).
    pub fn reset(&self, _exclusive: &tokio::sync::MutexGuard<'_, ()>) {
        self.lock().due.clear();
    }

    /// Writes the watermark as of now (on shutdown, so a clean restart repeats nothing).
    pub async fn stop(&self) {
        let _handover = self.handover.lock().await;
        self.write_watermark();
    }

    fn write_watermark(&self) -> u64 {
        let w = self.lock().watermark(now_ms());
        let mut batch = Batch::default();
        let written = match batch.put(&Counter {
            name: WATERMARK,
            value: w,
        }) {
            Ok(_) => self.store.write(batch),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not write the status watermark");
        }
        w
    }

    /// Hands the due statuses to the delivery engine (those the filters let through).
    async fn hand_over(&self, now: u64) -> Result<(), ApiError> {
        let _handover = self.handover.lock().await;
        let taken: Vec<((u64, u64), Timer)> = {
            let mut t = self.lock();
            let mut taken = Vec::new();
            while taken.len() < HANDOVER_MAX {
                match t.due.first_key_value() {
                    Some((k, _)) if k.0 <= now => taken.extend(t.due.pop_first()),
                    _ => break,
                }
            }
            taken
        };
        let (cloud_taken, taken): (Vec<_>, Vec<_>) =
            taken.into_iter().partition(|(_, t)| t.to.cloud.is_some());
        let direct: Vec<DirectCallback> = cloud_taken
            .iter()
            .filter_map(|(_, t)| self.cloud_callback(&t.to, &t.step))
            .collect();
        if !direct.is_empty() {
            if let Err(e) = self.delivery.enqueue_direct(direct).await {
                self.lock().due.extend(cloud_taken);
                self.lock().due.extend(taken);
                return Err(e);
            }
        }
        let filters = *self.filters.borrow();
        let callbacks: Vec<NewCallback> = taken
            .iter()
            .filter(|(_, timer)| filters.notified(&timer.step.status))
            .map(|(_, timer)| NewCallback {
                kind: CallbackKind::StatusChange,
                body: status_notification(
                    &timer.to.message_id,
                    &timer.to.recipient_id,
                    &timer.step,
                    &timer.to.conversation,
                ),
                order_key: Some(timer.to.message_id.clone()),
            })
            .collect();
        if !callbacks.is_empty() {
            if let Err(e) = self.delivery.enqueue_statuses(callbacks).await {
                self.lock().due.extend(taken);
                return Err(e);
            }
        }
        for (_, timer) in &taken {
            let (to, step) = (&timer.to, &timer.step);
            self.events.publish("status", || {
                status_event(&to.message_id, &to.recipient_id, step)
            });
        }
        Ok(())
    }
}

/// The `status` event of the live stream: a message reached a status (notified or not).
pub fn status_event(message_id: &str, recipient_id: &str, step: &Step) -> serde_json::Value {
    serde_json::json!({
        "id": message_id,
        "recipient_id": recipient_id,
        "status": step.status,
        "error_code": step.error_code,
        "at_ms": step.at_ms,
        "forced": step.forced,
    })
}

/// The schedule's task: hands statuses over when due, and keeps the watermark written.
async fn run(schedule: std::sync::Weak<Schedule>) {
    let mut failing = false;
    loop {
        let Some(s) = schedule.upgrade() else { return };
        let now = now_ms();
        let next = s.lock().due.keys().next().map(|k| k.0);
        if next.is_some_and(|at| at <= now) {
            s.lock().asleep_until = 0;
            match s.hand_over(now).await {
                Ok(()) => failing = false,
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "statuses wait: the callback queue refused them");
                    }
                    failing = true;
                    drop(s);
                    tokio::time::sleep(Duration::from_millis(RETRY_MS)).await;
                }
            }
            continue;
        }
        {
            let _handover = s.handover.lock().await;
            s.write_watermark();
        }
        let wait = {
            // Read again with the wake-up time set in one step: a step timed after this read
            // wakes the task if it is due earlier.
            let mut t = s.lock();
            let now = now_ms();
            let next = t.due.keys().next().map(|k| k.0);
            let wait = next.map_or(IDLE_TICK_MS, |at| at.saturating_sub(now).min(IDLE_TICK_MS));
            t.asleep_until = now + wait.max(1);
            wait
        };
        let wake = async { s.wake.notified().await };
        tokio::select! {
            _ = wake => {}
            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::lifecycle::step;

    fn addressee() -> Arc<Addressee> {
        Arc::new(Addressee {
            message_id: "m".into(),
            recipient_id: "1".into(),
            conversation: Conversation {
                id: "c".into(),
                expiration_timestamp: 0,
                origin: "service".into(),
            },
            cloud: None,
        })
    }

    #[test]
    fn the_watermark_stays_below_timers_and_sends_in_progress() {
        let mut t = Timers::default();
        assert_eq!(t.watermark(100), 100);
        t.add(&addressee(), [step("sent", 50), step("read", 70)]);
        assert_eq!(t.watermark(100), 50);
        t.sends.insert(1, 30);
        assert_eq!(t.watermark(100), 30);
        t.sends.clear();
        t.due.clear();
        t.add(&addressee(), [step("read", 500)]);
        assert_eq!(
            t.watermark(100),
            100,
            "a future timer does not hold it back"
        );
    }

    #[test]
    fn steps_due_together_keep_their_order() {
        let mut t = Timers::default();
        t.add(&addressee(), [step("sent", 5), step("delivered", 5)]);
        let order: Vec<&str> = t.due.values().map(|x| x.step.status.as_str()).collect();
        assert_eq!(order, ["sent", "delivered"]);
    }
}
