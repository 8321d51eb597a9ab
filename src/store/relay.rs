//! A notification sent from one thread to tasks waiting on others, with one cross-thread wake per
//! thread instead of one per waiter.
//!
//! Waking a task of a single-threaded runtime (an HTTP worker) from another thread costs that
//! runtime a system call (its event loop's eventfd), whatever else is pending. When a flush ends,
//! the writers it covers wait on both workers: woken one by one, a send cost about one such call.
//! Here each (runtime, thread) has one relay task that waits for the notification and wakes the
//! waiters of its thread from there, which costs no system call. Multi-threaded runtimes (tests,
//! background work) wait on the notification itself.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Notify;

pub struct Broadcast {
    id: u64,
    sent: Arc<Notify>,
}

struct Relay {
    broadcast: u64,
    runtime: tokio::runtime::Id,
    local: Arc<Notify>,
    alive: Arc<AtomicBool>,
}

thread_local! {
    static RELAYS: RefCell<Vec<Relay>> = const { RefCell::new(Vec::new()) };
}

impl Broadcast {
    pub fn new() -> Broadcast {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Broadcast {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            sent: Arc::new(Notify::new()),
        }
    }

    /// Wakes every task waiting on `waiters()` since before this call, on any thread.
    pub fn send(&self) {
        self.sent.notify_waiters();
    }

    /// What a task of this thread waits on (`notified()`, enabled before it reads what it waits
    /// for): on a single-threaded runtime, the notify that this thread's relay wakes after every
    /// `send` (the relay is started on first use).
    pub fn waiters(&self) -> Arc<Notify> {
        let handle = match Handle::try_current() {
            Ok(h) if h.runtime_flavor() == RuntimeFlavor::CurrentThread => h,
            _ => return Arc::clone(&self.sent),
        };
        let runtime = handle.id();
        RELAYS.with(|relays| {
            let mut relays = relays.borrow_mut();
            if let Some(r) = relays
                .iter()
                .find(|r| r.broadcast == self.id && r.runtime == runtime)
            {
                return Arc::clone(&r.local);
            }
            relays.retain(|r| r.alive.load(Ordering::Acquire));
            let local = Arc::new(Notify::new());
            let alive = Arc::new(AtomicBool::new(true));
            handle.spawn(relay(
                Arc::clone(&self.sent),
                Arc::clone(&local),
                Alive(Arc::clone(&alive)),
            ));
            relays.push(Relay {
                broadcast: self.id,
                runtime,
                local: Arc::clone(&local),
                alive,
            });
            local
        })
    }
}

/// Passes every `send` on to the waiters of its thread. It registers for the next send before it
/// wakes them, so a send that comes while it runs is not missed; and it wakes them once when it
/// starts, for a send that came before it was first polled.
async fn relay(sent: Arc<Notify>, local: Arc<Notify>, _alive: Alive) {
    loop {
        let next = sent.notified();
        tokio::pin!(next);
        next.as_mut().enable();
        local.notify_waiters();
        next.await;
    }
}

/// Marks the relay gone when its task is dropped (its runtime shut down).
struct Alive(Arc<AtomicBool>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn waiters_of_a_single_threaded_runtime_are_woken_through_its_relay() {
        let b = Arc::new(Broadcast::new());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let woken = rt.block_on(async {
            let waiters = b.waiters();
            assert!(!Arc::ptr_eq(&waiters, &b.sent), "a relay's notify");
            let mut tasks = Vec::new();
            for _ in 0..3 {
                let waiters = Arc::clone(&waiters);
                tasks.push(tokio::spawn(async move { waiters.notified().await }));
            }
            tokio::task::yield_now().await;
            let sender = Arc::clone(&b);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                sender.send();
            });
            for t in tasks {
                tokio::time::timeout(Duration::from_secs(5), t)
                    .await
                    .expect("woken by the relay")
                    .unwrap();
            }
            true
        });
        assert!(woken);
        drop(rt);
        // The relay died with its runtime: a new runtime on this thread starts its own.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let waiters = b.waiters();
            let wait = waiters.notified();
            tokio::pin!(wait);
            wait.as_mut().enable();
            b.send();
            tokio::time::timeout(Duration::from_secs(5), wait)
                .await
                .expect("woken by the new relay");
        });
    }
}
