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

/// A pair's bucket that has refilled to the burst is the same as none: once the map holds
/// twice as many pairs as after its last sweep (and at least this many), such buckets go.
const PAIRS_SWEEP_MIN: usize = 4096;

#[derive(Default)]
struct Pairs {
    buckets: HashMap<(String, String), Bucket>,
    sweep_at: usize,
}

#[derive(Default)]
pub struct Limits {
    numbers: Mutex<HashMap<String, Bucket>>,
    pairs: Mutex<Pairs>,
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
        if !take(
            pairs.bucket(number, wa_id, now),
            PAIR_BURST,
            1.0 / PAIR_INTERVAL_MS,
            now,
        ) {
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
        *self.pairs.lock().unwrap_or_else(|p| p.into_inner()) = Pairs::default();
    }

    /// Pairs with a bucket below the burst (for tests).
    #[cfg(test)]
    fn pairs_held(&self) -> usize {
        self.pairs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .buckets
            .len()
    }
}

impl Pairs {
    /// The bucket of a business/consumer pair, full when new; first sweeps out the refilled
    /// buckets when the map has doubled since the last sweep.
    fn bucket(&mut self, number: &str, wa_id: &str, now: u64) -> &mut Bucket {
        if self.buckets.len() >= self.sweep_at.max(PAIRS_SWEEP_MIN) {
            self.buckets.retain(|_, b| {
                let refill = now.saturating_sub(b.last_ms) as f64 / PAIR_INTERVAL_MS;
                b.tokens + refill < PAIR_BURST
            });
            self.sweep_at = self.buckets.len() * 2;
        }
        self.buckets
            .entry((number.to_string(), wa_id.to_string()))
            .or_insert(Bucket {
                tokens: PAIR_BURST,
                last_ms: now,
            })
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

    #[test]
    fn refilled_pairs_are_swept_and_a_swept_pair_starts_full() {
        let l = Limits::default();
        for _ in 0..45 {
            assert!(l.check("n", 1_000_000, "busy", 0).is_ok());
        }
        assert_eq!(l.check("n", 1_000_000, "busy", 0), Err(Hit::Pair));
        for i in 0..PAIRS_SWEEP_MIN - 1 {
            assert!(l.check("n", 1_000_000, &format!("u{i}"), 0).is_ok());
        }
        // 6 s later the one-send pairs have refilled; "busy" has one token of 45.
        assert!(l.check("n", 1_000_000, "late", 6000).is_ok());
        assert_eq!(l.pairs_held(), 2, "busy and late are left");
        assert!(l.check("n", 1_000_000, "busy", 6000).is_ok());
        assert_eq!(l.check("n", 1_000_000, "busy", 6000), Err(Hit::Pair));
        for _ in 0..45 {
            assert!(l.check("n", 1_000_000, "u1", 6000).is_ok(), "swept = full");
        }
    }
}
