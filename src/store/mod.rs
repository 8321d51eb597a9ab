//! The only module that touches sled. Records are typed (`Record`: tree, key, encoding); reads
//! answer typed values; every write goes through a `Batch` and `Store::commit` (fault check,
//! writes, grouped flush, undo on failure) or `Store::apply` (the same without the flush).

mod batch;
mod commit;
mod record;
mod relay;

pub use batch::{Batch, Undo};
pub use commit::Committer;
pub use record::{decode_u64, encode_u64, from_json, to_json, Counter, Record};

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

pub const SCHEMA_VERSION: u64 = 1;

const NO_FAULT: u8 = 0;
const REFUSE_WRITES: u8 = 1;
const FAIL_FLUSH: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sled: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored record is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("stored record is corrupt: {0}")]
    Damaged(&'static str),
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

/// The data dir's database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    /// Trees opened so far, by name.
    trees: Arc<RwLock<HashMap<&'static str, sled::Tree>>>,
    committer: Committer,
    /// Simulated failing disk: `NO_FAULT`, `REFUSE_WRITES` (the control API's) or `FAIL_FLUSH`.
    fault: Arc<AtomicU8>,
    /// Set when sled reported an I/O error: sled's errors are sticky, only a reopen clears them.
    io_failed: Arc<AtomicBool>,
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
            db,
            trees: Default::default(),
            committer,
            fault: Default::default(),
            io_failed: Default::default(),
        })
    }

    fn tree(&self, name: &'static str) -> Result<sled::Tree, StoreError> {
        if let Some(t) = self
            .trees
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
        {
            return Ok(t.clone());
        }
        let t = self.db.open_tree(name)?;
        self.trees
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name, t.clone());
        Ok(t)
    }

    /// One record by key.
    pub fn get<R: Record>(&self, key: impl AsRef<[u8]>) -> Result<Option<R>, StoreError> {
        match self.tree(R::TREE)?.get(key)? {
            Some(v) => Ok(Some(R::decode(&v)?)),
            None => Ok(None),
        }
    }

    pub fn contains<R: Record>(&self, key: impl AsRef<[u8]>) -> Result<bool, StoreError> {
        Ok(self.tree(R::TREE)?.contains_key(key)?)
    }

    /// Every record of the type, in key order.
    pub fn all<R: Record>(&self) -> Result<Vec<R>, StoreError> {
        self.scan::<R>(..)?.collect()
    }

    /// The records whose keys fall in `range`, in key order, read lazily; with `.rev()` newest first.
    pub fn scan<R: Record>(
        &self,
        range: impl std::ops::RangeBounds<Vec<u8>>,
    ) -> Result<impl DoubleEndedIterator<Item = Result<R, StoreError>>, StoreError> {
        Ok(self
            .tree(R::TREE)?
            .range(range)
            .map(|item| R::decode(&item?.1)))
    }

    /// Every record of the type with its key, in key order (for records whose key is not in
    /// their encoding).
    pub fn entries<R: Record>(&self) -> Result<Vec<(Vec<u8>, R)>, StoreError> {
        self.tree(R::TREE)?
            .iter()
            .map(|item| {
                let (k, v) = item?;
                Ok((k.to_vec(), R::decode(&v)?))
            })
            .collect()
    }

    /// The keys of every record of the type, in order (a large tree is not loaded).
    pub fn keys<R: Record>(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.tree(R::TREE)?
            .iter()
            .keys()
            .map(|k| Ok(k?.to_vec()))
            .collect()
    }

    /// The first `n` keys of the type's tree.
    pub fn first_keys<R: Record>(&self, n: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        self.tree(R::TREE)?
            .iter()
            .keys()
            .take(n)
            .map(|k| Ok(k?.to_vec()))
            .collect()
    }

    /// How many records the type's tree holds.
    pub fn count<R: Record>(&self) -> Result<usize, StoreError> {
        Ok(self.tree(R::TREE)?.len())
    }

    /// A new id, unique in this data dir and increasing.
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()?)
    }

    /// Waits until every write made before this call is on disk (flushes are grouped).
    pub async fn durable(&self) -> Result<(), StoreError> {
        self.check()?;
        self.committer.durable().await.map_err(|e| self.noted(e))?;
        if self.fault.load(Ordering::SeqCst) != NO_FAULT {
            return Err(StoreError::Fault);
        }
        Ok(())
    }

    /// Whether sled hit an I/O error (disk full, EIO); the store stays failed until reopened.
    pub fn io_failed(&self) -> bool {
        self.io_failed.load(Ordering::SeqCst)
    }

    fn noted(&self, e: StoreError) -> StoreError {
        if matches!(e, StoreError::Sled(_)) {
            self.io_failed.store(true, Ordering::SeqCst);
        }
        e
    }

    /// Simulates a disk that refuses writes (or clears the simulation): writes answer an error
    /// before anything is written.
    pub fn set_fault(&self, on: bool) {
        let mode = if on { REFUSE_WRITES } else { NO_FAULT };
        self.fault.store(mode, Ordering::SeqCst);
    }

    /// Simulates a disk whose flushes fail (or clears the simulation): writes reach sled, and
    /// the commit waiting for the flush fails, so its undo runs (for tests of that path).
    pub fn set_flush_fault(&self, on: bool) {
        let mode = if on { FAIL_FLUSH } else { NO_FAULT };
        self.fault.store(mode, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.fault.load(Ordering::SeqCst) == REFUSE_WRITES {
            return Err(StoreError::Fault);
        }
        Ok(())
    }

    /// Writes and flushes a probe record (for the storage watchdog); an error means sled has
    /// failed (its I/O errors are sticky) and is noted in `io_failed`.
    pub fn probe(&self) -> Result<(), StoreError> {
        fail::fail_point!("store.probe");
        let result = self
            .db
            .insert("probe", &crate::wa::time::now_ms().to_be_bytes())
            .and_then(|_| self.db.flush());
        result.map(|_| ()).map_err(|e| self.noted(e.into()))
    }

    /// Flushes at shutdown (blocking: never on a request thread).
    pub fn close(&self) -> Result<(), StoreError> {
        fail::fail_point!("store.close");
        self.db.flush().map_err(|e| self.noted(e.into()))?;
        Ok(())
    }

    /// Records per tree and the data dir's size on disk, for the stats routes.
    pub fn sizes(&self) -> Result<(Vec<(String, usize)>, u64), StoreError> {
        let mut trees = Vec::new();
        for name in self.db.tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            if name.starts_with("__sled") {
                continue;
            }
            trees.push((name.clone(), self.db.open_tree(name)?.len()));
        }
        Ok((trees, self.db.size_on_disk()?))
    }
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
