//! The dispatcher: wakes on enqueue, on a finished delivery, on a settings change or at the next
//! due time; keeps at most `webhooks.max_concurrent_requests` POSTs in flight.

use super::backoff::{delay_after, past_horizon};
use super::client::Outcome;
use super::{merge_bodies, Attempt, Callback, CallbackState, Delivery, ATTEMPTS_KEPT};
use crate::metrics::{CallbackLabels, KindLabel};
use crate::store::{self, StoreError};
use crate::wa::time::now_ms;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(super) async fn run(d: Arc<Delivery>) {
    let mut settings_rx = d.settings.subscribe();
    let mut url_seen = settings_rx.borrow().webhooks.url.clone();
    loop {
        let settings = settings_rx.borrow_and_update().clone();
        if settings.webhooks.url != url_seen {
            url_seen = settings.webhooks.url.clone();
            d.retry_all_now();
        }
        let limit = settings.webhooks.max_concurrent_requests.max(1) as usize;
        let mut next_wake = None;
        if let Some(url) = &settings.webhooks.url {
            loop {
                let now = now_ms();
                let (batch, epoch) = {
                    let mut q = d.lock();
                    if q.in_flight >= limit {
                        break;
                    }
                    let mut batch = Vec::new();
                    while batch.len() < d.batch_max {
                        match q.due.first().copied() {
                            Some((due, id)) if due <= now => {
                                q.due.pop_first();
                                batch.push(id);
                            }
                            Some((due, _)) => {
                                next_wake = Some(due);
                                break;
                            }
                            None => break,
                        }
                    }
                    if !batch.is_empty() {
                        q.in_flight += 1;
                        q.in_flight_callbacks += batch.len();
                    }
                    (batch, q.epoch)
                };
                if batch.is_empty() {
                    break;
                }
                tokio::spawn(deliver(d.clone(), url.clone(), batch, epoch));
            }
        }
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
            r = settings_rx.changed() => if r.is_err() { return },
            _ = sleep => {}
            _ = d.stopping.notified() => return,
        }
    }
}

async fn deliver(d: Arc<Delivery>, url: String, ids: Vec<u64>, epoch: u64) {
    let count = ids.len();
    if let Err(e) = attempt(&d, &url, ids, epoch).await {
        tracing::error!(error = %e, "callback store failure during delivery");
    }
    {
        let mut q = d.lock();
        q.in_flight -= 1;
        if q.epoch == epoch {
            q.in_flight_callbacks -= count; // a reset already forgot these
        }
    }
    d.wake.notify_one();
}

async fn attempt(d: &Delivery, url: &str, ids: Vec<u64>, epoch: u64) -> Result<(), StoreError> {
    let mut records: Vec<Callback> = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(cb) = store::get_json(&d.store.callbacks_pending, store::encode_u64(id))? {
            records.push(cb);
        }
    }
    if records.is_empty() {
        return Ok(());
    }
    let body = if records.len() == 1 {
        serde_json::to_vec(&records[0].body)?
    } else {
        serde_json::to_vec(&merge_bodies(
            &records.iter().map(|r| &r.body).collect::<Vec<_>>(),
        ))?
    };
    let at_ms = now_ms();
    let started = Instant::now();
    let outcome = d.client.post(url, body).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let now = now_ms();
    d.metrics.callback_posts.inc();
    let (status, error, result) = outcome.parts();
    d.events.publish("callback_attempt", || {
        serde_json::json!({ "callbacks": records.iter().map(|r| r.id).collect::<Vec<_>>(), "url": url, "status": status, "error": error, "latency_ms": latency_ms })
    });

    let settings = d.settings.current();
    let mut requeue = Vec::new();
    let mut released = Vec::new();
    let batch_size = records.len();
    if d.lock().epoch != epoch {
        return Ok(()); // reset while in flight: forget these callbacks
    }
    for mut cb in records {
        cb.attempts_total += 1;
        cb.attempts.push(Attempt {
            at_ms,
            latency_ms,
            status,
            error: error.clone(),
            url: url.to_string(),
            batch_size,
        });
        if cb.attempts.len() > ATTEMPTS_KEPT {
            cb.attempts.remove(0);
        }
        let key = store::encode_u64(cb.id);
        let kind = cb.kind.as_str().to_string();
        d.metrics
            .callback_requests
            .get_or_create(&CallbackLabels {
                result: result.into(),
                r#type: kind.clone(),
            })
            .inc();
        match outcome {
            Outcome::Delivered => {
                cb.state = CallbackState::Delivered;
                d.metrics
                    .callback_latency
                    .observe(now.saturating_sub(cb.due_ms) as f64 / 1000.0);
                finish(d, &key, &cb)?;
                released.push(cb.order_key.clone());
            }
            Outcome::Failed { .. } => {
                let delay = delay_after(
                    cb.attempts_total,
                    settings.callback_backoff_delay_ms,
                    settings.max_callback_backoff_delay_ms,
                );
                let next = now + delay;
                if past_horizon(cb.created_ms, next, d.horizon_ms) {
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
                    finish(d, &key, &cb)?;
                    released.push(cb.order_key.clone());
                } else {
                    cb.next_attempt_ms = next;
                    store::put_json(&d.store.callbacks_pending, key, &cb)?;
                    requeue.push((next, cb.id));
                }
            }
        }
    }
    let mut q = d.lock();
    q.due.extend(requeue);
    for key in released {
        q.release(key.as_deref(), now);
    }
    Ok(())
}

/// Moves a callback from pending to done (done first: a crash in between leaves a duplicate
/// that start-up removes, never a loss), then prunes the oldest history past the limit.
fn finish(d: &Delivery, key: &[u8; 8], cb: &Callback) -> Result<(), StoreError> {
    store::put_json(&d.store.callbacks_done, key, cb)?;
    d.store.callbacks_pending.remove(key)?;
    let n = d.done_count.fetch_add(1, Ordering::Relaxed) + 1;
    if n > d.history && d.store.callbacks_done.pop_min()?.is_some() {
        d.done_count.fetch_sub(1, Ordering::Relaxed);
    }
    Ok(())
}
