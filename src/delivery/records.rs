//! Where callback records live: one tree per state, keyed by the callback id (big-endian).

use super::{Callback, CallbackState};
use crate::store::{self, Record, StoreError};

macro_rules! callback_tree {
    ($name:ident, $tree:expr, $doc:expr) => {
        #[doc = $doc]
        pub(crate) struct $name(pub Callback);

        impl Record for $name {
            const TREE: &'static str = $tree;
            fn key(&self) -> Vec<u8> {
                store::encode_u64(self.0.id).to_vec()
            }
            fn encode(&self) -> Result<Vec<u8>, StoreError> {
                store::to_json(&self.0)
            }
            fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
                store::from_json(bytes).map($name)
            }
        }
    };
}

callback_tree!(
    InPending,
    "callbacks_pending",
    "A callback still to deliver."
);
callback_tree!(
    InDone,
    "callbacks_done",
    "A delivered callback (the newest `--callback-history` are kept)."
);
callback_tree!(
    InGivenUp,
    "callbacks_given_up",
    "A given-up callback (kept until redelivered or reset)."
);

/// The record type of a state's tree, as a function usable for every state.
pub(crate) fn get(
    s: &store::Store,
    state: CallbackState,
    id: u64,
) -> Result<Option<Callback>, StoreError> {
    let key = store::encode_u64(id);
    Ok(match state {
        CallbackState::Pending => s.get::<InPending>(key)?.map(|r| r.0),
        CallbackState::Delivered => s.get::<InDone>(key)?.map(|r| r.0),
        CallbackState::GivenUp => s.get::<InGivenUp>(key)?.map(|r| r.0),
    })
}

/// The callbacks of a state, newest first, read lazily.
pub(crate) fn newest_first(
    s: &store::Store,
    state: CallbackState,
) -> Result<Box<dyn Iterator<Item = Result<Callback, StoreError>>>, StoreError> {
    Ok(match state {
        CallbackState::Pending => Box::new(s.scan::<InPending>(..)?.rev().map(|r| r.map(|r| r.0))),
        CallbackState::Delivered => Box::new(s.scan::<InDone>(..)?.rev().map(|r| r.map(|r| r.0))),
        CallbackState::GivenUp => Box::new(s.scan::<InGivenUp>(..)?.rev().map(|r| r.map(|r| r.0))),
    })
}
