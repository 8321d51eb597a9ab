//! The dispatcher: wakes on enqueue, on a finished delivery, on a settings change or at the next
//! due time; keeps at most `webhooks.max_concurrent_requests` POSTs in flight.

use super::backoff::{delay_after, past_horizon};
use super::client::Outcome;
use super::queue::Lane;
use super::records::{InDone, InGivenUp, InPending};
use super::{merge_bodies, Attempt, Callback, CallbackState, Delivery, ATTEMPTS_KEPT};
use crate::metrics::{CallbackLabels, KindLabel};
use crate::store::{self, Batch, StoreError};
use crate::wa::time::now_ms;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a callback whose record could not be read or written waits before it is tried again.
const STORE_RETRY_MS: u64 = 1000;

pub(super) async fn run(d: Arc<Delivery>) {
    let mut policy_rx = d.policy.clone();
    let mut seen = policy_rx.borrow().clone();
    loop {
        let policy = policy_rx.borrow_and_update().clone();
        let (step, cap) = (policy.backoff_step_ms, policy.backoff_cap_ms);
        if policy.url != seen.url {
            // A new URL: every callback waiting out a backoff is tried at once.
            let now = now_ms();
            d.lock().reschedule(|_, _| now);
        } else if (step, cap) != (seen.backoff_step_ms, seen.backoff_cap_ms) {
            // New delays apply to the callbacks already waiting.
            d.lock()
                .reschedule(|failures, last| last.saturating_add(delay_after(failures, step, cap)));
        }
        seen = policy.clone();
        let limit = policy.max_concurrent_requests.max(1) as usize;
        let mut next_wake = None;
        if let Some(url) = &policy.url {
            next_wake = dispatch(&d, Lane::Webhook, limit, d.batch_max, |batch, epoch| {
                tokio::spawn(deliver(d.clone(), Some(url.clone()), batch, epoch));
            });
        }
        let direct_wake = dispatch(&d, Lane::Direct, limit, 1, |batch, epoch| {
            tokio::spawn(deliver(d.clone(), None, batch, epoch));
        });
        next_wake = [next_wake, direct_wake].into_iter().flatten().min();
        let sleep = async {
            match next_wake {
                Some(at) => {
                    tokio::time::sleep(Duration::from_millis(at.saturating_sub(now_ms()))).await
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = d.wake.notified() => {}
            r = policy_rx.changed() => if r.is_err() { return },
            _ = sleep => {}
            _ = d.stopping.notified() => return,
        }
    }
}

/// Starts deliveries of the lane's due callbacks while fewer than `limit` POSTs are in flight;
/// answers when the next one is due, if none is due now.
fn dispatch(
    d: &Delivery,
    lane: Lane,
    limit: usize,
    batch_max: usize,
    mut start: impl FnMut(Vec<u64>, u64),
) -> Option<u64> {
    loop {
        let (batch, epoch) = {
            let mut q = d.lock();
            if q.posts_in_flight[lane as usize] >= limit {
                return None;
            }
            let batch = q.take_due(lane, now_ms(), batch_max);
            if batch.is_empty() {
                return q.next_due(lane);
            }
            q.posts_in_flight[lane as usize] += 1;
            (batch, q.epoch)
        };
        start(batch, epoch);
    }
}

/// What becomes of one callback after an attempt, in the in-memory queue.
enum Next {
    /// Delivered, given up or gone: release its chain.
    Finish,
    /// Failed: due again at this time.
    Retry { at: u64, failures: u32, last: u64 },
}

/// One POST: to the On-Prem webhook `url` (a batch), or, without a url, one direct callback.
async fn deliver(d: Arc<Delivery>, url: Option<String>, ids: Vec<u64>, epoch: u64) {
    let lane = if url.is_some() {
        Lane::Webhook
    } else {
        Lane::Direct
    };
    let nexts = attempt(&d, url.as_deref(), &ids, epoch).await;
    {
        let mut q = d.lock();
        let n = &mut q.posts_in_flight[lane as usize];
        *n = n.saturating_sub(1);
    }
    if let Some((nexts, _gate)) = nexts {
        let now = now_ms();
        let mut q = d.lock();
        if q.epoch == epoch {
            for (id, next) in nexts {
                match next {
                    Next::Finish => q.finish(id, now),
                    Next::Retry { at, failures, last } => q.retry(id, at, failures, last),
                }
            }
        }
    }
    d.wake.notify_one();
}

type Outcomes<'a> = (Vec<(u64, Next)>, tokio::sync::RwLockReadGuard<'a, ()>);

/// POSTs the batch and records the outcome on each callback. Answers what the queue must do
/// with each id, and the gate guard (so no reset runs before the queue is updated); None when a
/// reset made this delivery moot.
async fn attempt<'a>(
    d: &'a Delivery,
    url: Option<&str>,
    ids: &[u64],
    epoch: u64,
) -> Option<Outcomes<'a>> {
    let mut nexts = Vec::new();
    let mut records: Vec<Callback> = Vec::with_capacity(ids.len());
    for &id in ids {
        match d.store.get::<InPending>(store::encode_u64(id)) {
            Ok(Some(InPending(cb))) => records.push(cb),
            Ok(None) => nexts.push((id, Next::Finish)),
            Err(StoreError::Corrupt(e)) => {
                tracing::error!(callback = id, error = %e, "unreadable callback record dropped from the queue");
                nexts.push((id, Next::Finish));
            }
            Err(e) => {
                tracing::error!(callback = id, error = %e, "could not read a callback record");
                nexts.push((id, store_retry(d, id)));
            }
        }
    }
    let mut outcome = None;
    if !records.is_empty() {
        outcome = Some(post(d, url, &records).await);
    }
    let gate = d.gate.read().await;
    if d.lock().epoch != epoch {
        return None; // reset while in flight: these callbacks are forgotten
    }
    if let Some((outcome, at_ms, latency_ms, url)) = outcome {
        let attempt = Attempt {
            at_ms,
            latency_ms,
            status: outcome.parts().0,
            error: outcome.parts().1,
            url,
            batch_size: records.len(),
        };
        for cb in records {
            let id = cb.id;
            let next = record(d, cb, &outcome, attempt.clone()).unwrap_or_else(|e| {
                tracing::error!(callback = id, error = %e, "could not record a webhook attempt");
                store_retry(d, id)
            });
            nexts.push((id, next));
        }
    }
    Some((nexts, gate))
}

fn store_retry(d: &Delivery, id: u64) -> Next {
    let q = d.lock();
    let (failures, last) = q.progress(id);
    Next::Retry {
        at: now_ms() + STORE_RETRY_MS,
        failures,
        last,
    }
}

/// One POST: a direct callback's exact request, or the batch's bodies (merged when there are
/// several) to the On-Prem webhook. Answers (outcome, at, latency ms, URL).
async fn post(
    d: &Delivery,
    url: Option<&str>,
    records: &[Callback],
) -> (Outcome, u64, u64, String) {
    let at_ms = now_ms();
    let started = Instant::now();
    let (outcome, url) = match (url, records[0].request.as_ref()) {
        (None, Some(req)) => {
            let body = req.body.clone().into_bytes();
            (
                d.client.send(&req.url, &req.headers, body).await,
                req.url.clone(),
            )
        }
        (Some(url), _) => {
            let body = if records.len() == 1 {
                serde_json::to_vec(&records[0].body)
            } else {
                serde_json::to_vec(&merge_bodies(
                    &records.iter().map(|r| &r.body).collect::<Vec<_>>(),
                ))
            }
            .unwrap_or_default();
            (d.client.post(url, body).await, url.to_string())
        }
        (None, None) => (Outcome::lost(), String::new()),
    };
    let latency_ms = started.elapsed().as_millis() as u64;
    d.metrics.callback_posts.inc();
    let (status, error, _) = outcome.parts();
    d.events.publish("callback_attempt", || {
        serde_json::json!({ "callbacks": records.iter().map(|r| r.id).collect::<Vec<_>>(), "url": url, "status": status, "error": error, "latency_ms": latency_ms })
    });
    (outcome, at_ms, latency_ms, url)
}

/// Records one attempt on a callback and moves its record: done, given up, or pending again.
fn record(
    d: &Delivery,
    mut cb: Callback,
    outcome: &Outcome,
    attempt: Attempt,
) -> Result<Next, StoreError> {
    let now = now_ms();
    let at_ms = attempt.at_ms;
    let attempt_url = attempt.url.clone();
    let attempt_url = attempt_url.as_str();
    cb.attempts_total += 1;
    cb.first_attempt_ms.get_or_insert(at_ms);
    cb.attempts.push(attempt);
    if cb.attempts.len() > ATTEMPTS_KEPT {
        cb.attempts.remove(0);
    }
    let kind = cb.kind.as_str().to_string();
    d.metrics
        .callback_requests
        .get_or_create(&CallbackLabels {
            result: outcome.parts().2.into(),
            r#type: kind.clone(),
        })
        .inc();
    let key = store::encode_u64(cb.id);
    if *outcome == Outcome::Delivered {
        cb.state = CallbackState::Delivered;
        d.metrics
            .callback_latency
            .observe(now.saturating_sub(cb.created_ms) as f64 / 1000.0);
        let id = cb.id;
        let mut batch = Batch::default();
        batch.put(&InDone(cb))?.remove::<InPending>(key);
        let pruned = note_done(d, id);
        if let Some(oldest) = pruned {
            batch.remove::<InDone>(store::encode_u64(oldest));
        }
        if let Err(e) = d.store.write(batch) {
            let mut done = d.done.lock().unwrap_or_else(|p| p.into_inner());
            done.remove(&id);
            done.extend(pruned);
            return Err(e);
        }
        return Ok(Next::Finish);
    }
    cb.failures += 1;
    let first = cb.first_attempt_ms.unwrap_or(at_ms);
    let delay = match &cb.retry {
        Some(policy) => policy.next_delay(cb.failures, first, now),
        None => {
            let policy = d.policy.borrow().clone();
            let delay = if policy.url.as_deref() == Some(attempt_url) {
                delay_after(cb.failures, policy.backoff_step_ms, policy.backoff_cap_ms)
            } else {
                0 // the URL changed while this attempt was in flight: try the new one at once
            };
            (!past_horizon(first, now.saturating_add(delay), d.horizon_ms)).then_some(delay)
        }
    };
    let Some(delay) = delay else {
        cb.state = CallbackState::GivenUp;
        d.metrics
            .callbacks_given_up
            .get_or_create(&KindLabel { r#type: kind })
            .inc();
        tracing::warn!(
            callback = cb.id,
            attempts = cb.attempts_total,
            "callback given up after the retry horizon"
        );
        // Given up first, then out of pending: a crash in between leaves a copy that start-up
        // removes, never a loss.
        let mut batch = Batch::default();
        batch.put(&InGivenUp(cb))?.remove::<InPending>(key);
        d.store.write(batch)?;
        return Ok(Next::Finish);
    };
    let next = now.saturating_add(delay);
    cb.next_attempt_ms = next;
    let failures = cb.failures;
    let mut batch = Batch::default();
    batch.put(&InPending(cb))?;
    d.store.write(batch)?;
    Ok(Next::Retry {
        at: next,
        failures,
        last: at_ms,
    })
}

/// Notes a delivered callback in the history, which keeps the newest `--callback-history` (given-up
/// ones are never pruned); past that, answers the oldest one to remove. The one that just finished
/// is spared: a redelivered callback keeps its old, small id.
fn note_done(d: &Delivery, finished: u64) -> Option<u64> {
    let mut done = d.done.lock().unwrap_or_else(|p| p.into_inner());
    done.insert(finished);
    if done.len() <= d.history {
        return None;
    }
    let oldest = done.iter().copied().find(|&id| id != finished)?;
    done.remove(&oldest);
    Some(oldest)
}
