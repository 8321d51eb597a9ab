//! Typed records: a record type knows its tree, its key and its encoding. Reads answer typed
//! values; writes go through a `Batch` and `Store::commit` (see `batch.rs`).

use super::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value kept in one sled tree under a key of its own.
pub trait Record: Sized {
    /// The sled tree (unique per record type, or shared by singleton records with fixed keys).
    const TREE: &'static str;
    fn key(&self) -> Vec<u8>;
    fn encode(&self) -> Result<Vec<u8>, StoreError>;
    fn decode(bytes: &[u8]) -> Result<Self, StoreError>;
}

/// Records encoded as JSON (most of them): `json_record!(Type, "tree", |r| key)`.
#[macro_export]
macro_rules! json_record {
    ($ty:ty, $tree:expr, |$r:ident| $key:expr) => {
        impl $crate::store::Record for $ty {
            const TREE: &'static str = $tree;
            fn key(&self) -> Vec<u8> {
                let $r = self;
                AsRef::<[u8]>::as_ref(&$key).to_vec()
            }
            fn encode(&self) -> Result<Vec<u8>, $crate::store::StoreError> {
                $crate::store::to_json(self)
            }
            fn decode(bytes: &[u8]) -> Result<Self, $crate::store::StoreError> {
                $crate::store::from_json(bytes)
            }
        }
    };
}

/// A singleton record encoded as JSON under a fixed key: `json_singleton!(Type, "tree", "key")`.
#[macro_export]
macro_rules! json_singleton {
    ($ty:ty, $tree:expr, $key:expr) => {
        $crate::json_record!($ty, $tree, |_r| $key);
    };
}

pub fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    // Room for a sent message's record at once (serde_json starts at 128 bytes and doubles).
    let mut bytes = Vec::with_capacity(512);
    serde_json::to_writer(&mut bytes, value)?;
    Ok(bytes)
}

pub fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

/// A big-endian u64 key: numeric order is key order.
pub fn encode_u64(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

pub fn decode_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[8 - n..].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(buf)
}

/// A singleton u64 kept under a fixed key of the `config` tree (watermarks and the like).
pub struct Counter {
    pub name: &'static str,
    pub value: u64,
}

impl Record for Counter {
    const TREE: &'static str = "config";
    fn key(&self) -> Vec<u8> {
        self.name.as_bytes().to_vec()
    }
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        Ok(encode_u64(self.value).to_vec())
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(Counter {
            name: "",
            value: decode_u64(bytes),
        })
    }
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
