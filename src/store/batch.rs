//! The one way to write: a `Batch` of puts, removes and clears, applied by `Store::commit` (the
//! fault check, the writes, the grouped flush) or `Store::apply` (the writes only, for records a
//! crash may lose or repeat). On any failure every key the batch touched is put back as it was.
//!
//! Fail points (armed only in a `failpoints` build, see tests/api/crash_points.rs): before a
//! commit, before each write of a batch, between a commit's writes and its flush, after its
//! flush (not yet answered), after a `write`, and before each undone write.

use super::{Record, Store, StoreError};

pub(super) enum Op {
    Put {
        tree: &'static str,
        key: Vec<u8>,
        value: Vec<u8>,
        /// The key is new (a fresh id): undo removes it without reading it first.
        fresh: bool,
    },
    Remove {
        tree: &'static str,
        key: Vec<u8>,
    },
    Clear {
        tree: &'static str,
    },
}

/// Writes to make together.
#[derive(Default)]
pub struct Batch {
    pub(super) ops: Vec<Op>,
}

impl Batch {
    pub fn put<R: Record>(&mut self, record: &R) -> Result<&mut Self, StoreError> {
        self.put_op(record, false)
    }

    /// A record under a key nothing else has used (a freshly generated id).
    pub fn put_new<R: Record>(&mut self, record: &R) -> Result<&mut Self, StoreError> {
        self.put_op(record, true)
    }

    fn put_op<R: Record>(&mut self, record: &R, fresh: bool) -> Result<&mut Self, StoreError> {
        self.ops.push(Op::Put {
            tree: R::TREE,
            key: record.key(),
            value: record.encode()?,
            fresh,
        });
        Ok(self)
    }

    pub fn remove<R: Record>(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
        self.ops.push(Op::Remove {
            tree: R::TREE,
            key: key.as_ref().to_vec(),
        });
        self
    }

    /// Every record of the type's tree.
    pub fn clear<R: Record>(&mut self) -> &mut Self {
        self.ops.push(Op::Clear { tree: R::TREE });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    fn clears(&self) -> bool {
        self.ops.iter().any(|op| matches!(op, Op::Clear { .. }))
    }
}

/// What a batch overwrote: (tree, key, old value or None), in the order written.
#[must_use = "an undo that is dropped keeps the writes"]
pub struct Undo {
    store: Store,
    before: Vec<(&'static str, Vec<u8>, Option<sled::IVec>)>,
}

impl Undo {
    /// Puts every touched key back as it was, newest write first.
    pub fn restore(self) {
        for (tree, key, old) in self.before.into_iter().rev() {
            fail::fail_point!("store.undo");
            let restored = self.store.tree(tree).and_then(|t| {
                match old {
                    Some(v) => t.insert(key, v).map(drop),
                    None => t.remove(key).map(drop),
                }
                .map_err(StoreError::from)
            });
            if let Err(e) = restored {
                tracing::error!(error = %e, tree, "could not undo a write");
            }
        }
    }
}

impl Store {
    /// Writes the batch and waits until it is on disk (flushes are grouped across writers). On
    /// any failure, and under the injected fault before anything is written, the store is left
    /// exactly as it was.
    pub async fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        fail::fail_point!("store.commit.before");
        let undo = if batch.clears() {
            let store = self.clone();
            tokio::task::spawn_blocking(move || store.apply(batch))
                .await
                .map_err(|_| StoreError::Closed)??
        } else {
            self.apply(batch)?
        };
        fail::fail_point!("store.commit.applied");
        if let Err(e) = self.durable().await {
            undo.restore();
            return Err(e);
        }
        fail::fail_point!("store.commit.durable");
        Ok(())
    }

    /// `commit` of the writes `f` adds to a new batch.
    pub async fn commit_with(
        &self,
        f: impl FnOnce(&mut Batch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        f(&mut batch)?;
        self.commit(batch).await
    }

    /// Writes the batch without waiting for the disk: for records that a crash may lose or that
    /// are made durable by a later commit (sled also flushes on its own within 500 ms). On a
    /// failed write, what was written is undone.
    pub fn write(&self, batch: Batch) -> Result<(), StoreError> {
        drop(self.apply(batch)?);
        fail::fail_point!("store.write.applied");
        Ok(())
    }

    /// `write`, answering the undo of the whole batch (for a caller that waits for the disk
    /// itself and must undo the batch if that fails).
    pub fn apply(&self, batch: Batch) -> Result<Undo, StoreError> {
        self.check()?;
        let mut undo = Undo {
            store: self.clone(),
            before: Vec::with_capacity(batch.ops.len()),
        };
        for op in batch.ops {
            fail::fail_point!("store.apply.op");
            if let Err(e) = self.apply_op(op, &mut undo) {
                undo.restore();
                return Err(self.noted(e));
            }
        }
        Ok(undo)
    }

    fn apply_op(&self, op: Op, undo: &mut Undo) -> Result<(), StoreError> {
        match op {
            Op::Put {
                tree,
                key,
                value,
                fresh,
            } => {
                let t = self.tree(tree)?;
                let old = if fresh {
                    t.insert(&key, value)?;
                    None
                } else {
                    t.insert(&key, value)?
                };
                undo.before.push((tree, key, old));
            }
            Op::Remove { tree, key } => {
                let old = self.tree(tree)?.remove(&key)?;
                if old.is_some() {
                    undo.before.push((tree, key, old));
                }
            }
            Op::Clear { tree } => {
                let t = self.tree(tree)?;
                for item in t.iter() {
                    let (k, v) = item?;
                    undo.before.push((tree, k.to_vec(), Some(v)));
                }
                t.clear()?;
            }
        }
        Ok(())
    }
}
