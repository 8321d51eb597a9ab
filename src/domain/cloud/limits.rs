//! Rate limits of the Cloud API: a number's throughput (130429) and the business/consumer pair
//! limit (131056: one message per 6 s, bursts of up to 45), as token buckets in memory.

use std::collections::HashMap;
use std::sync::Mutex;

pub const PAIR_BURST: f64 = 45.0;
pub const PAIR_INTERVAL_MS: f64 = 6000.0;

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    last_ms: u64,
}

/// Takes one token from a bucket of `capacity` refilled at `per_ms` tokens per millisecond.
fn take(b: &mut Bucket, capacity: f64, per_ms: f64, now: u64) -> bool {
    let elapsed = now.saturating_sub(b.last_ms) as f64;
    b.tokens = (b.tokens + elapsed * per_ms).min(capacity);
    b.last_ms = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}

#[derive(Default)]
pub struct Limits {
    numbers: Mutex<HashMap<String, Bucket>>,
    pairs: Mutex<HashMap<(String, String), Bucket>>,
}

/// Which limit a send hit.
#[derive(Debug, PartialEq, Eq)]
pub enum Hit {
    Throughput,
    Pair,
}

impl Limits {
    /// Counts one send from `number` (at most `mps` per second) to `wa_id`.
    pub fn check(&self, number: &str, mps: u32, wa_id: &str, now: u64) -> Result<(), Hit> {
        let mps = f64::from(mps.max(1));
        let mut numbers = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        let nb = numbers.entry(number.to_string()).or_insert(Bucket {
            tokens: mps,
            last_ms: now,
        });
        let before = *nb;
        if !take(nb, mps, mps / 1000.0, now) {
            return Err(Hit::Throughput);
        }
        let mut pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        let pb = pairs
            .entry((number.to_string(), wa_id.to_string()))
            .or_insert(Bucket {
                tokens: PAIR_BURST,
                last_ms: now,
            });
        if !take(pb, PAIR_BURST, 1.0 / PAIR_INTERVAL_MS, now) {
            *nb = before; // a refused send does not count against the throughput
            return Err(Hit::Pair);
        }
        Ok(())
    }

    pub fn reset(&self) {
        self.numbers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.pairs.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_and_pair_limits() {
        let l = Limits::default();
        assert!(l.check("n", 2, "a", 0).is_ok());
        assert!(l.check("n", 2, "b", 0).is_ok());
        assert_eq!(l.check("n", 2, "c", 0), Err(Hit::Throughput));
        assert!(l.check("n", 2, "c", 500).is_ok(), "refilled");
        let l = Limits::default();
        for i in 0..45 {
            assert!(l.check("n", 1000, "a", i).is_ok(), "{i}");
        }
        assert_eq!(l.check("n", 1000, "a", 45), Err(Hit::Pair));
        assert!(l.check("n", 1000, "b", 45).is_ok(), "another user");
        assert!(
            l.check("n", 1000, "a", 45 + 6000).is_ok(),
            "one more after 6 s"
        );
    }
}
