//! Group commit: concurrent writers that need durability share one sled flush.
//!
//! A sled flush costs about 55 us of CPU however little it writes, and on a fast disk it ends
//! so quickly that, under load, each flush would carry one or two writers. So flushes are paced:
//! one runs at a time, and the next does not start before `interval` has passed since the start
//! of the previous one. An idle store flushes at once (no added latency); a busy one flushes at
//! most every `interval`, each flush carrying every writer that arrived meanwhile.

use super::StoreError;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;

#[derive(Clone)]
pub struct Committer {
    tx: mpsc::Sender<Waiter>,
}

impl Committer {
    pub fn start(db: sled::Db, interval: Duration) -> Committer {
        let (tx, rx) = mpsc::channel::<Waiter>();
        let spawned = std::thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || {
                let mut last_start: Option<Instant> = None;
                while let Ok(first) = rx.recv() {
                    if let Some(wait) = last_start
                        .and_then(|t| (t + interval).checked_duration_since(Instant::now()))
                    {
                        std::thread::sleep(wait);
                    }
                    let mut waiters = vec![first];
                    waiters.extend(rx.try_iter());
                    last_start = Some(Instant::now());
                    let result = db.flush().map(|_| ()).map_err(|e| e.to_string());
                    for w in waiters {
                        let _ = w.send(result.clone());
                    }
                }
            });
        if let Err(e) = spawned {
            // Without the thread every durable() answers Closed (1023): loud, not silent.
            tracing::error!(error = %e, "could not start the group-commit thread");
        }
        Committer { tx }
    }

    /// Resolves once a flush that started after this call has completed.
    pub async fn durable(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(tx).map_err(|_| StoreError::Closed)?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Sled(sled::Error::Unsupported(e))),
            Err(_) => Err(StoreError::Closed),
        }
    }
}
