//! The only module that touches sled: typed trees, key encoding, schema version, group commit.

mod commit;

pub use commit::Committer;

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

pub const SCHEMA_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sled: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored record is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("data dir has schema version {found}, this build reads {SCHEMA_VERSION}")]
    Schema { found: u64 },
    #[error("the store is closed")]
    Closed,
    #[error("injected storage fault: the disk refuses writes")]
    Fault,
}

impl From<StoreError> for crate::wa::ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error.cause_chain = %e, "store failure");
        crate::wa::ApiError::new(1023, format!("The emulator's database failed: {e}"))
    }
}

/// The named trees of the data dir.
#[derive(Clone)]
pub struct Store {
    pub db: sled::Db,
    /// `application` -> settings JSON; `webhooks_ca` -> PEM; `token_secret` -> bytes.
    pub config: sled::Tree,
    /// username -> user record.
    pub users: sled::Tree,
    /// revoked token id -> expiry (unix s, BE).
    pub revoked: sled::Tree,
    /// callback id (BE u64) -> pending callback record.
    pub callbacks_pending: sled::Tree,
    /// callback id (BE u64) -> delivered callback record (the newest `--callback-history`).
    pub callbacks_done: sled::Tree,
    /// callback id (BE u64) -> given-up callback record (kept until redelivered or reset).
    pub callbacks_given_up: sled::Tree,
    /// outbound message id -> what the app sent, with its statuses.
    pub messages: sled::Tree,
    /// inbound message id -> the injected message.
    pub inbound: sled::Tree,
    /// media id -> metadata (bytes are files under DATA_DIR/media).
    pub media: sled::Tree,
    /// wa_id -> open conversation.
    pub conversations: sled::Tree,
    committer: Committer,
    /// Set by the control API to simulate a failing disk (fsync errors, full disk).
    fault: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Set when sled reported an I/O error: sled's errors are sticky, only a reopen clears them.
    io_failed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Store {
    pub fn open(
        dir: &Path,
        cache_mb: u64,
        group_commit: std::time::Duration,
    ) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(dir.join("db"))
            .cache_capacity(cache_mb * 1024 * 1024)
            .flush_every_ms(Some(500))
            .open()?;
        match db.get("schema_version")? {
            Some(v) => {
                let found = decode_u64(&v);
                if found != SCHEMA_VERSION {
                    return Err(StoreError::Schema { found });
                }
            }
            None => {
                db.insert("schema_version", &SCHEMA_VERSION.to_be_bytes())?;
            }
        }
        let committer = Committer::start(db.clone(), group_commit);
        Ok(Store {
            config: db.open_tree("config")?,
            users: db.open_tree("users")?,
            revoked: db.open_tree("revoked")?,
            callbacks_pending: db.open_tree("callbacks_pending")?,
            callbacks_done: db.open_tree("callbacks_done")?,
            callbacks_given_up: db.open_tree("callbacks_given_up")?,
            messages: db.open_tree("messages")?,
            inbound: db.open_tree("inbound")?,
            media: db.open_tree("media")?,
            conversations: db.open_tree("conversations")?,
            db,
            committer,
            fault: Default::default(),
            io_failed: Default::default(),
        })
    }

    /// Waits until every write made before this call is on disk (flushes are grouped).
    pub async fn durable(&self) -> Result<(), StoreError> {
        self.check()?;
        self.committer.durable().await.map_err(|e| self.noted(e))?;
        self.check()
    }

    /// Whether sled hit an I/O error (disk full, EIO); the store stays failed until reopened.
    pub fn io_failed(&self) -> bool {
        self.io_failed.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn noted(&self, e: StoreError) -> StoreError {
        if matches!(e, StoreError::Sled(_)) {
            self.io_failed
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        e
    }

    /// Simulates a disk that refuses writes (or clears the simulation).
    pub fn set_fault(&self, on: bool) {
        self.fault.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn faulty(&self) -> bool {
        self.fault.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.faulty() {
            return Err(StoreError::Fault);
        }
        Ok(())
    }

    /// Whether writes may go ahead: call before the first write of an operation, so that under
    /// an injected fault nothing is written at all (the operation answers 1023 and leaves no trace).
    pub fn writable(&self) -> Result<(), StoreError> {
        self.check()
    }

    /// Writes and flushes a probe record (for the storage watchdog); an error means sled has
    /// failed (its I/O errors are sticky) and is noted in `io_failed`.
    pub fn probe(&self) -> Result<(), StoreError> {
        let result = self
            .db
            .insert("probe", &crate::wa::time::now_ms().to_be_bytes())
            .and_then(|_| self.db.flush());
        result.map(|_| ()).map_err(|e| self.noted(e.into()))
    }

    /// Flushes synchronously (for shutdown and small admin writes).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.check()?;
        self.db.flush().map_err(|e| self.noted(e.into()))?;
        Ok(())
    }
}

pub fn get_json<T: DeserializeOwned>(
    tree: &sled::Tree,
    key: impl AsRef<[u8]>,
) -> Result<Option<T>, StoreError> {
    match tree.get(key)? {
        Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
        None => Ok(None),
    }
}

pub fn put_json<T: Serialize>(
    tree: &sled::Tree,
    key: impl AsRef<[u8]>,
    value: &T,
) -> Result<(), StoreError> {
    tree.insert(key.as_ref(), serde_json::to_vec(value)?)?;
    Ok(())
}

/// Every record of a tree, in key order.
pub fn all_json<T: DeserializeOwned>(tree: &sled::Tree) -> Result<Vec<T>, StoreError> {
    tree.iter()
        .map(|item| Ok(serde_json::from_slice(&item?.1)?))
        .collect()
}

/// Sorts records by `key` and keeps the newest `limit` (the list routes' `limit`).
pub fn keep_newest<T, K: Ord>(
    mut records: Vec<T>,
    limit: usize,
    key: impl FnMut(&T) -> K,
) -> Vec<T> {
    records.sort_by_key(key);
    if records.len() > limit {
        records.drain(..records.len() - limit);
    }
    records
}

pub fn encode_u64(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

pub fn decode_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[8 - n..].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u64_keys_sort_numerically() {
        let a = encode_u64(2);
        let b = encode_u64(256);
        assert!(a < b);
        assert_eq!(decode_u64(&b), 256);
    }
}
