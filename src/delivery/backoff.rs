//! The retry policy of the real coreapp: linear growth, capped.

/// Delay after the `failures`-th failed attempt: min(failures x step, cap).
pub fn delay_after(failures: u32, step_ms: u64, cap_ms: u64) -> u64 {
    (u64::from(failures).saturating_mul(step_ms)).min(cap_ms)
}

/// Whether a callback created at `created_ms` is given up instead of retried at `next_ms`.
pub fn past_horizon(created_ms: u64, next_ms: u64, horizon_ms: u64) -> bool {
    next_ms >= created_ms.saturating_add(horizon_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_then_capped() {
        let d: Vec<u64> = (1..=7).map(|n| delay_after(n, 3000, 15_000)).collect();
        assert_eq!(d, [3000, 6000, 9000, 12_000, 15_000, 15_000, 15_000]);
        assert_eq!(delay_after(1, 3000, 900_000), 3000);
        assert_eq!(delay_after(u32::MAX, u64::MAX, 900_000), 900_000);
    }

    #[test]
    fn horizon() {
        assert!(!past_horizon(1000, 1999, 1000));
        assert!(past_horizon(1000, 2000, 1000));
    }
}
