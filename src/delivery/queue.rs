//! The in-memory side of the outbox: when each pending callback is next due, which callbacks wait
//! behind an earlier one with the same order key, and how many POSTs are in flight. sled holds the
//! truth (the records); this index is rebuilt from it at start-up and costs ~100 bytes a callback.
//!
//! Two lanes: On-Prem callbacks go to the one webhook of the settings (batched, and only while a
//! URL is set); direct callbacks (Cloud API, SMS gateways) each carry their own target.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

/// Which target a callback goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// The On-Prem webhook of the application settings.
    Webhook = 0,
    /// Its own URL, headers and retry policy.
    Direct = 1,
}

/// Where a pending callback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// May be attempted from this time on (ms).
    Due(u64),
    /// Behind the head of its chain: released when the head is delivered or given up.
    Waiting,
    /// Taken by a delivery.
    InFlight,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub lane: Lane,
    pub order_key: Option<Arc<str>>,
    /// Failed attempts since the callback was (re)queued, and when the last attempt was (ms).
    pub failures: u32,
    pub last_attempt_ms: u64,
    pub place: Place,
}

/// A pending callback as recovered or enqueued.
pub(crate) struct Pending {
    pub id: u64,
    pub lane: Lane,
    pub order_key: Option<Arc<str>>,
    pub failures: u32,
    pub last_attempt_ms: u64,
    pub next_ms: u64,
}

#[derive(Default)]
pub(crate) struct Queue {
    entries: HashMap<u64, Entry>,
    /// Per lane: (due ms, id) of the callbacks that may be attempted.
    due: [BTreeSet<(u64, u64)>; 2],
    /// Per order key whose head is due or in flight: the ids waiting behind it, in order.
    chains: HashMap<Arc<str>, VecDeque<u64>>,
    /// Room promised to enqueues that are writing their records (the queue limit counts them).
    reserved: usize,
    /// POSTs in flight per lane (a batch is one POST). Kept across a reset: those still run.
    pub posts_in_flight: [usize; 2],
    /// Bumped by reset, so deliveries that started before it do not write back.
    pub epoch: u64,
}

impl Queue {
    /// Pending callbacks: due, waiting or in flight.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Promises room for `n` more callbacks, or answers how many are pending.
    pub fn reserve(&mut self, n: usize, limit: usize) -> Result<(), usize> {
        let taken = self.entries.len() + self.reserved;
        if taken + n > limit {
            return Err(self.entries.len());
        }
        self.reserved += n;
        Ok(())
    }

    pub fn unreserve(&mut self, n: usize) {
        self.reserved = self.reserved.saturating_sub(n);
    }

    /// Adds a pending callback: due at `next_ms`, or behind its chain's head.
    pub fn push(&mut self, p: Pending) {
        let place = match &p.order_key {
            Some(k) => match self.chains.get_mut(k) {
                Some(waiting) => {
                    waiting.push_back(p.id);
                    Place::Waiting
                }
                None => {
                    self.chains.insert(k.clone(), VecDeque::new());
                    Place::Due(p.next_ms)
                }
            },
            None => Place::Due(p.next_ms),
        };
        if let Place::Due(at) = place {
            self.due[p.lane as usize].insert((at, p.id));
        }
        self.entries.insert(
            p.id,
            Entry {
                lane: p.lane,
                order_key: p.order_key,
                failures: p.failures,
                last_attempt_ms: p.last_attempt_ms,
                place,
            },
        );
    }

    /// When the earliest due callback of the lane may be attempted.
    pub fn next_due(&self, lane: Lane) -> Option<u64> {
        self.due[lane as usize].first().map(|e| e.0)
    }

    /// Takes up to `max` callbacks of the lane due at `now`; in flight until `finish` or `retry`.
    pub fn take_due(&mut self, lane: Lane, now: u64, max: usize) -> Vec<u64> {
        let mut ids = Vec::new();
        let due = &mut self.due[lane as usize];
        while ids.len() < max {
            match due.first() {
                Some(&(at, id)) if at <= now => {
                    due.pop_first();
                    if let Some(e) = self.entries.get_mut(&id) {
                        e.place = Place::InFlight;
                        ids.push(id);
                    }
                }
                _ => break,
            }
        }
        ids
    }

    /// The callback is done (delivered, given up or gone): forget it and release its chain.
    pub fn finish(&mut self, id: u64, now: u64) {
        let Some(entry) = self.entries.remove(&id) else {
            return;
        };
        if let Place::Due(at) = entry.place {
            self.due[entry.lane as usize].remove(&(at, id));
        }
        let Some(key) = entry.order_key else { return };
        if entry.place == Place::Waiting {
            if let Some(waiting) = self.chains.get_mut(&key) {
                waiting.retain(|w| *w != id);
            }
            return;
        }
        match self.chains.get_mut(&key).and_then(VecDeque::pop_front) {
            Some(next) => {
                if let Some(e) = self.entries.get_mut(&next) {
                    let at = now.max(match e.place {
                        Place::Due(at) => at,
                        _ => 0,
                    });
                    e.place = Place::Due(at);
                    self.due[e.lane as usize].insert((at, next));
                }
            }
            None => {
                self.chains.remove(&key);
            }
        }
    }

    /// An in-flight callback failed (or could not be attempted): due again at `next_ms`.
    pub fn retry(&mut self, id: u64, next_ms: u64, failures: u32, last_attempt_ms: u64) {
        if let Some(e) = self.entries.get_mut(&id) {
            e.failures = failures;
            e.last_attempt_ms = last_attempt_ms;
            e.place = Place::Due(next_ms);
            self.due[e.lane as usize].insert((next_ms, id));
        }
    }

    /// (failures, last attempt ms) of a pending callback, for a retry that keeps its backoff.
    pub fn progress(&self, id: u64) -> (u32, u64) {
        self.entries
            .get(&id)
            .map_or((0, 0), |e| (e.failures, e.last_attempt_ms))
    }

    /// Moves every due webhook callback that has failed before to `next(failures, last_attempt_ms)`:
    /// the URL or the backoff delays changed, and pending callbacks follow the new settings.
    pub fn reschedule(&mut self, next: impl Fn(u32, u64) -> u64) {
        let lane = Lane::Webhook as usize;
        let due = std::mem::take(&mut self.due[lane]);
        for (at, id) in due {
            let at = match self.entries.get_mut(&id) {
                Some(e) if e.failures > 0 => {
                    let at = next(e.failures, e.last_attempt_ms);
                    e.place = Place::Due(at);
                    at
                }
                _ => at,
            };
            self.due[lane].insert((at, id));
        }
    }

    /// Forgets every pending callback (the control API's reset); POSTs in flight keep counting.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.due = Default::default();
        self.chains.clear();
        self.reserved = 0;
        self.epoch += 1;
    }

    #[cfg(test)]
    fn place(&self, id: u64) -> Option<Place> {
        self.entries.get(&id).map(|e| e.place)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const W: Lane = Lane::Webhook;

    fn pending(id: u64, key: Option<&str>, next_ms: u64) -> Pending {
        Pending {
            id,
            lane: Lane::Webhook,
            order_key: key.map(Arc::from),
            failures: 0,
            last_attempt_ms: 0,
            next_ms,
        }
    }

    #[test]
    fn chains_release_one_at_a_time_in_order() {
        let mut q = Queue::default();
        q.push(pending(1, Some("m"), 10));
        q.push(pending(2, Some("m"), 20));
        q.push(pending(3, Some("m"), 5));
        q.push(pending(4, None, 7));
        assert_eq!(q.take_due(W, 100, 10), [4, 1]);
        assert_eq!(q.place(2), Some(Place::Waiting));
        q.finish(1, 100);
        assert_eq!(q.place(2), Some(Place::Due(100)), "released late: due now");
        assert_eq!(q.take_due(W, 100, 10), [2]);
        q.finish(2, 100);
        assert_eq!(q.take_due(W, 100, 10), [3]);
        q.finish(3, 100);
        q.finish(4, 100);
        assert!(q.chains.is_empty() && q.entries.is_empty() && q.due[0].is_empty());
    }

    #[test]
    fn a_failed_head_keeps_its_chain_waiting() {
        let mut q = Queue::default();
        q.push(pending(1, Some("m"), 0));
        q.push(pending(2, Some("m"), 0));
        assert_eq!(q.take_due(W, 0, 10), [1]);
        q.retry(1, 50, 1, 0);
        assert_eq!(q.take_due(W, 49, 10), Vec::<u64>::new());
        assert_eq!(q.take_due(W, 50, 10), [1]);
        assert_eq!(q.place(2), Some(Place::Waiting));
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn finishing_an_unknown_or_waiting_id_keeps_the_chain_sound() {
        let mut q = Queue::default();
        q.finish(42, 0);
        q.push(pending(1, Some("m"), 0));
        q.push(pending(2, Some("m"), 0));
        q.push(pending(3, Some("m"), 0));
        q.finish(2, 0);
        assert_eq!(q.take_due(W, 0, 10), [1]);
        q.finish(1, 0);
        assert_eq!(q.take_due(W, 0, 10), [3]);
        q.finish(3, 0);
        assert!(q.chains.is_empty());
    }

    #[test]
    fn the_limit_counts_reservations() {
        let mut q = Queue::default();
        q.push(pending(1, None, 0));
        assert_eq!(q.reserve(2, 3), Ok(()));
        assert_eq!(q.reserve(1, 3), Err(1));
        q.unreserve(2);
        assert_eq!(q.reserve(2, 3), Ok(()));
    }

    #[test]
    fn reschedule_moves_only_failed_callbacks() {
        let mut q = Queue::default();
        q.push(pending(1, None, 1000));
        q.push(Pending {
            failures: 3,
            last_attempt_ms: 100,
            ..pending(2, None, 60_000)
        });
        q.reschedule(|failures, last| last + u64::from(failures) * 10);
        assert_eq!(q.place(1), Some(Place::Due(1000)));
        assert_eq!(q.place(2), Some(Place::Due(130)));
        assert_eq!(q.next_due(W), Some(130));
    }

    #[test]
    fn clear_forgets_everything_and_bumps_the_epoch() {
        let mut q = Queue::default();
        q.push(pending(1, Some("m"), 0));
        q.posts_in_flight = [2, 1];
        q.clear();
        assert_eq!((q.len(), q.epoch, q.posts_in_flight), (0, 1, [2, 1]));
        q.push(pending(2, Some("m"), 0));
        assert_eq!(
            q.take_due(W, 0, 10),
            [2],
            "the old chain does not block the key"
        );
    }

    #[test]
    fn lanes_are_taken_apart_and_only_the_webhook_lane_is_rescheduled() {
        let mut q = Queue::default();
        q.push(pending(1, None, 10));
        q.push(Pending {
            lane: Lane::Direct,
            failures: 1,
            ..pending(2, None, 5)
        });
        q.reschedule(|_, _| 1000);
        assert_eq!(q.next_due(Lane::Direct), Some(5));
        assert_eq!(q.take_due(W, 100, 10), [1]);
        assert_eq!(q.take_due(Lane::Direct, 100, 10), [2]);
        q.retry(2, 50, 2, 10);
        assert_eq!(q.next_due(Lane::Direct), Some(50));
        assert_eq!(q.next_due(W), None);
    }
}
