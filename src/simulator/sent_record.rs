//! The stored bytes of a sent message: a compact binary layout, because every durable send writes
//! one and sled rewrites a leaf's records many times over (a send's JSON record took 430 bytes
//! and 5,900 instructions to write; this one about 200 bytes and a few hundred instructions).
//!
//! Layout (version 1): the byte `0x01`, then the fields in declaration order. A string is a
//! LEB128 length and its UTF-8 bytes, a u64 8 bytes little-endian, an `Option` a byte 0 or 1 and
//! the value, the enums their wire names (strings). Records of earlier versions are JSON objects
//! (first byte `{`) and are still read.

use super::lifecycle::{Conversation, Step};
use super::sent::SentMessage;
use crate::graph::webhook::CloudSend;
use crate::store::{from_json, StoreError};
use crate::wa::outbound::{MessageType, RecipientType};
use serde_json::value::RawValue;

const VERSION: u8 = 1;

pub fn encode(m: &SentMessage) -> Vec<u8> {
    let request = m.request.get();
    let mut out = Vec::with_capacity(160 + request.len());
    out.push(VERSION);
    put_str(&mut out, &m.id);
    put_str(&mut out, &m.to);
    put_str(&mut out, m.recipient_type.as_str());
    put_str(&mut out, m.message_type.as_str());
    put_u64(&mut out, m.created_ms);
    put_len(&mut out, m.steps.len());
    for s in &m.steps {
        put_str(&mut out, &s.status);
        put_u64(&mut out, s.at_ms);
        match s.error_code {
            Some(code) => {
                out.push(1);
                put_u64(&mut out, u64::from(code));
            }
            None => out.push(0),
        }
        out.push(u8::from(s.forced));
    }
    put_str(&mut out, &m.conversation.id);
    put_u64(&mut out, m.conversation.expiration_timestamp);
    put_str(&mut out, &m.conversation.origin);
    put_str(&mut out, request);
    put_opt(&mut out, m.api.as_deref());
    match &m.cloud {
        Some(c) => {
            out.push(1);
            put_str(&mut out, &c.phone_number_id);
            put_str(&mut out, &c.version);
            put_str(&mut out, &c.category);
            put_opt(&mut out, c.biz_opaque_callback_data.as_deref());
        }
        None => out.push(0),
    }
    out
}

pub fn decode(bytes: &[u8]) -> Result<SentMessage, StoreError> {
    match bytes.first() {
        Some(b'{') => from_json(bytes),
        Some(&VERSION) => Reader(&bytes[1..]).message().ok_or_else(|| {
            StoreError::Damaged("a sent message record ends early or holds a bad field")
        }),
        _ => Err(StoreError::Damaged(
            "a sent message record of an unknown version",
        )),
    }
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
}

/// Reads the layout; None at the first byte that does not fit it.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn message(mut self) -> Option<SentMessage> {
        let id = self.string()?;
        let to = self.string()?;
        let recipient_type = RecipientType::parse(self.str()?)?;
        let message_type = MessageType::parse(self.str()?)?;
        let created_ms = self.u64()?;
        let n = self.len()?;
        let mut steps = Vec::with_capacity(n.min(16));
        for _ in 0..n {
            steps.push(Step {
                status: self.string()?,
                at_ms: self.u64()?,
                error_code: match self.byte()? {
                    0 => None,
                    1 => Some(u32::try_from(self.u64()?).ok()?),
                    _ => return None,
                },
                forced: self.flag()?,
            });
        }
        let conversation = Conversation {
            id: self.string()?,
            expiration_timestamp: self.u64()?,
            origin: self.string()?,
        };
        let request = RawValue::from_string(self.string()?).ok()?;
        let api = self.opt()?;
        let cloud = match self.byte()? {
            0 => None,
            1 => Some(CloudSend {
                phone_number_id: self.string()?,
                version: self.string()?,
                category: self.string()?,
                biz_opaque_callback_data: self.opt()?,
            }),
            _ => return None,
        };
        self.0.is_empty().then_some(SentMessage {
            id,
            to,
            recipient_type,
            message_type,
            created_ms,
            steps,
            conversation,
            request,
            api,
            cloud,
        })
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn len(&mut self) -> Option<usize> {
        let mut n = 0usize;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_le_bytes(*head))
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        if n > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        std::str::from_utf8(s).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    fn opt(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            1 => self.string().map(Some),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::to_json;

    fn cloud_message() -> SentMessage {
        serde_json::from_value(serde_json::json!({
            "id": "wamid.HBgLMTYzMTU1NTEwMDEVAgARGBI", "to": "16315551001",
            "recipient_type": "individual", "type": "template", "created_ms": 1_764_000_000_123u64,
            "steps": [
                {"status": "sent", "at_ms": 1_764_000_000_223u64},
                {"status": "failed", "at_ms": 1_764_000_000_323u64, "error_code": 131026, "forced": true},
            ],
            "conversation": {"id": "c0ffee", "expiration_timestamp": 1_764_086_400u64, "origin": "marketing"},
            "request": {"messaging_product": "whatsapp", "to": "+1 631-555-1001", "text": {"body": "é \"q\" \u{1F600}"}},
            "api": "cloud",
            "cloud": {"phone_number_id": "106540352242922", "version": "v21.0", "category": "marketing",
                      "biz_opaque_callback_data": "order-7"},
        }))
        .unwrap()
    }

    /// The same message read back, whatever way it was stored.
    fn same(a: &SentMessage, b: &SentMessage) {
        assert_eq!(to_json(a).unwrap(), to_json(b).unwrap());
    }

    #[test]
    fn a_record_reads_back_as_written_and_is_smaller_than_json() {
        let m = cloud_message();
        let bytes = encode(&m);
        same(&decode(&bytes).unwrap(), &m);
        assert_eq!(decode(&bytes).unwrap().request.get(), m.request.get());
        assert!(
            bytes.len() < to_json(&m).unwrap().len() * 2 / 3,
            "{}",
            bytes.len()
        );
        let mut onprem = m.clone();
        onprem.api = None;
        onprem.cloud = None;
        onprem.steps.clear();
        same(&decode(&encode(&onprem)).unwrap(), &onprem);
    }

    #[test]
    fn a_json_record_of_an_earlier_version_is_still_read() {
        let m = cloud_message();
        same(&decode(&to_json(&m).unwrap()).unwrap(), &m);
    }

    #[test]
    fn every_cut_or_damaged_record_is_an_error_not_a_panic() {
        let bytes = encode(&cloud_message());
        for end in 0..bytes.len() {
            assert!(decode(&bytes[..end]).is_err(), "cut at {end}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err(), "trailing bytes");
        for i in 1..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] = 0xff;
            let _ = decode(&damaged);
        }
        assert!(decode(&[9, 1, 2]).is_err(), "unknown version");
    }

    #[test]
    fn lengths_round_trip_across_their_byte_boundaries() {
        for n in [0usize, 1, 127, 128, 300, 16_383, 16_384, 1 << 40] {
            let mut out = Vec::new();
            put_len(&mut out, n);
            assert_eq!(Reader(&out).len(), Some(n));
        }
    }
}
