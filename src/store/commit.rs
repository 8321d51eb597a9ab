//! Group commit, leader/follower: concurrent writers that need durability share one sled flush,
//! started by the first of them on a blocking thread, with one wake per waiting worker thread.
//!
//! A writer takes a ticket after its writes. If no flush is being led, it becomes the leader:
//! it waits until `interval` has passed since the start of the previous flush (so that under
//! load each flush carries every writer of the interval; an idle store flushes at once), lets
//! the tasks ready on its thread write first, notes the last ticket handed out, starts the
//! flush and waits like the others. The flush's end wakes everyone: the tickets up to the noted
//! one are on disk. A writer that arrived during the flush waits for the next one, led by the
//! first of them to wake.
//!
//! When others wait, the flush runs on a blocking thread that the leader starts: the leader's HTTP
//! worker goes on serving its other connections meanwhile (an inline flush stopped it for the
//! flush's whole length), and a leader cancelled after it started its flush does not stop it. A
//! leader alone (one client sending one message after another) flushes on its own thread: the
//! hand-off would only add its wake-ups to the answer (sequential sends p50 383 -> 346 µs). The
//! end of the flush reaches the waiting writers through `relay::Broadcast`: one wake per worker
//! thread, not one per writer. Against the flush inline on the leader's worker this gave 1.02x
//! On-Prem and 1.06x Cloud sends (README, Performance); against the dedicated flushing thread
//! before that (every writer handed its wait to it and was woken from it), the leader/follower
//! scheme cut context switches per durable send from 0.85 to 0.55 and server CPU per send by
//! about 10%.

use super::relay::Broadcast;
use super::StoreError;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::runtime::{Handle, RuntimeFlavor};

/// Failed flushes remembered for the writers still to read their outcome (consecutive failures
/// merge into one: sled's I/O errors are sticky, so a failing store fails every flush).
const FAILURES_KEPT: usize = 16;

#[derive(Clone)]
pub struct Committer {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    interval: Duration,
    state: Mutex<State>,
    /// Sent when a flush ends or a leader gives up leading.
    flushed: Broadcast,
}

#[derive(Default)]
struct State {
    /// Tickets handed out so far (a writer's ticket is taken after its writes).
    issued: u64,
    /// Every ticket up to this one is covered by a flush that has ended.
    covered: u64,
    /// A writer is leading a flush (waiting for its turn or flushing).
    leading: bool,
    last_start: Option<Instant>,
    /// Ticket ranges (after, up to] of failed flushes, with the error.
    failures: Vec<(u64, u64, String)>,
    /// Tickets up to this one may have been in a failure no longer remembered.
    forgotten: u64,
}

impl Committer {
    pub fn start(db: sled::Db, interval: Duration) -> Committer {
        Committer {
            inner: Arc::new(Inner {
                db,
                interval,
                state: Mutex::default(),
                flushed: Broadcast::new(),
            }),
        }
    }

    /// Resolves once a flush that started after this call has completed.
    pub async fn durable(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        let ticket = {
            let mut st = inner.lock();
            st.issued += 1;
            st.issued
        };
        let waiters = inner.flushed.waiters();
        loop {
            let flushed = waiters.notified();
            tokio::pin!(flushed);
            // Registered before the state is read: a flush ending in between still wakes us.
            flushed.as_mut().enable();
            let lead = {
                let mut st = inner.lock();
                if st.covered >= ticket {
                    return st.outcome(ticket);
                }
                !std::mem::replace(&mut st.leading, true)
            };
            if lead {
                // A leader alone has flushed when this returns; otherwise the flush ends on a
                // blocking thread. Either way the next turn finds the ticket covered or waits.
                inner.lead().await;
            } else {
                flushed.await;
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs one flush for every ticket issued before it starts.
    async fn lead(self: &Arc<Self>) {
        // Dropped before the flush (the leader's request was cancelled): another writer leads.
        let abdication = Abdication(self);
        let wait = self
            .lock()
            .last_start
            .and_then(|t| (t + self.interval).checked_duration_since(Instant::now()));
        match wait {
            Some(wait) => tokio::time::sleep(wait).await,
            None => tokio::task::yield_now().await,
        }
        std::mem::forget(abdication);
        let (upto, alone) = {
            let mut st = self.lock();
            st.last_start = Some(Instant::now());
            (st.issued, st.issued == st.covered + 1)
        };
        let job = FlushJob {
            inner: Arc::clone(self),
            upto,
            ran: false,
        };
        if alone {
            // Nobody else waits (a lone client, one send after another): a hand-off to another
            // thread would only add its wake-ups to this send's answer.
            match Handle::try_current().map(|h| h.runtime_flavor()) {
                Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| job.run()),
                _ => job.run(),
            }
        } else {
            // On a blocking thread: the leader's worker goes on serving meanwhile, and a leader
            // cancelled from now on does not stop the flush for the others.
            drop(tokio::task::spawn_blocking(move || job.run()));
        }
    }

    /// Notes the outcome of the flush of the tickets up to `upto` and wakes every writer.
    fn flushed(&self, upto: u64, result: Result<(), String>) {
        let mut st = self.lock();
        if let Err(e) = result {
            st.failed(upto, e);
        }
        st.covered = st.covered.max(upto);
        st.leading = false;
        drop(st);
        self.flushed.send();
    }
}

/// One flush, for the tickets up to `upto`; dropped without running (the runtime is shutting
/// down), it fails them rather than leave their writers waiting.
struct FlushJob {
    inner: Arc<Inner>,
    upto: u64,
    ran: bool,
}

impl FlushJob {
    fn run(mut self) {
        self.ran = true;
        fail::fail_point!("store.flush.before");
        let result = self.inner.db.flush().map(drop).map_err(|e| e.to_string());
        fail::fail_point!("store.flush.after");
        self.inner.flushed(self.upto, result);
    }
}

impl Drop for FlushJob {
    fn drop(&mut self) {
        if !self.ran {
            let e = "the store is shutting down".to_string();
            self.inner.flushed(self.upto, Err(e));
        }
    }
}

impl State {
    /// The flush of the tickets after `covered` up to `upto` failed.
    fn failed(&mut self, upto: u64, error: String) {
        let after = self.covered;
        match self.failures.last_mut() {
            Some(last) if last.1 == after => last.1 = upto,
            _ => {
                if self.failures.len() == FAILURES_KEPT {
                    let (_, gone, _) = self.failures.remove(0);
                    self.forgotten = gone;
                }
                self.failures.push((after, upto, error));
            }
        }
    }

    fn outcome(&self, ticket: u64) -> Result<(), StoreError> {
        let failure = self
            .failures
            .iter()
            .find(|(after, upto, _)| *after < ticket && ticket <= *upto);
        match failure {
            Some((_, _, e)) => Err(StoreError::Sled(sled::Error::Unsupported(e.clone()))),
            // Its flush may have failed: answering an error is the safe side.
            None if ticket <= self.forgotten => Err(StoreError::Closed),
            None => Ok(()),
        }
    }
}

/// Gives up leading when dropped (a leader cancelled before its flush started).
struct Abdication<'a>(&'a Inner);

impl Drop for Abdication<'_> {
    fn drop(&mut self) {
        self.0.lock().leading = false;
        self.0.flushed.send();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_failures_merge_and_old_tickets_stay_failed() {
        let mut st = State {
            covered: 4,
            ..State::default()
        };
        st.failed(7, "eio".into());
        st.covered = 7;
        st.failed(9, "eio again".into());
        st.covered = 9;
        assert_eq!(st.failures.len(), 1, "one range (4, 9]");
        assert!(st.outcome(4).is_ok());
        assert!(st.outcome(5).is_err() && st.outcome(9).is_err());
        assert!(st.outcome(10).is_ok());
        for i in 0..FAILURES_KEPT as u64 {
            st.covered = 10 + 2 * i;
            st.failed(11 + 2 * i, "eio".into());
        }
        assert!(
            matches!(st.outcome(6), Err(StoreError::Closed)),
            "forgotten"
        );
        assert!(st.outcome(10 + 2 * FAILURES_KEPT as u64).is_ok());
    }

    /// 64 writers at once, each answered; every ticket covered after.
    async fn sixty_four_writers(c: &Committer, db: &sled::Db) {
        let mut tasks = Vec::new();
        for i in 0..64u32 {
            let (c, db) = (c.clone(), db.clone());
            tasks.push(tokio::spawn(async move {
                db.insert(i.to_be_bytes(), &[1]).unwrap();
                c.durable().await
            }));
        }
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .expect("every writer is woken")
                .unwrap()
                .unwrap();
        }
        let st = c.inner.lock();
        assert_eq!((st.issued, st.covered, st.leading), (64, 64, false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_share_flushes_and_all_answer() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let c = Committer::start(db.clone(), Duration::from_millis(2));
        sixty_four_writers(&c, &db).await;
    }

    #[tokio::test]
    async fn a_cancelled_leader_hands_over() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let c = Committer::start(db, Duration::from_millis(50));
        c.durable().await.unwrap();
        // The next leader waits out the interval; cancel it there.
        let cancelled = tokio::time::timeout(Duration::from_millis(5), c.durable()).await;
        assert!(cancelled.is_err());
        assert!(!c.inner.lock().leading);
        c.durable().await.unwrap();
    }

    /// The HTTP workers' case: writers of one single-threaded runtime, woken through its relay.
    #[test]
    fn writers_of_a_single_threaded_runtime_all_answer() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let c = Committer::start(db.clone(), Duration::ZERO);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(sixty_four_writers(&c, &db));
    }

    #[tokio::test]
    async fn a_leader_cancelled_during_its_flush_still_ends_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let c = Committer::start(db, Duration::ZERO);
        let writer = |c: &Committer| {
            let c = c.clone();
            tokio::spawn(async move { c.durable().await })
        };
        // Two writers: the leader is not alone, so its flush runs on a blocking thread.
        let leader = writer(&c);
        let other = writer(&c);
        while !(c.inner.lock().issued == 2 && c.inner.lock().leading) {
            tokio::task::yield_now().await;
        }
        tokio::task::yield_now().await;
        leader.abort();
        tokio::time::timeout(Duration::from_secs(10), other)
            .await
            .expect("the other writer is not left waiting")
            .unwrap()
            .unwrap();
        tokio::time::timeout(Duration::from_secs(10), c.durable())
            .await
            .expect("nor the next one")
            .unwrap();
        let st = c.inner.lock();
        assert!(st.covered >= 3 && !st.leading);
    }
}
