//! When to try a request again and how long to wait first: exponential back-off with jitter,
//! overridden by the server's `retry-after-ms` / `Retry-After` when it sends one.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// Longest wait the runner accepts from a server hint; a larger hint (or an HTTP date far in
/// the future) would stall the run, so it is capped and the retry budget decides the rest.
const MAX_HINT: Duration = Duration::from_secs(120);

/// Exponential back-off with "equal jitter": attempt `n` (1-based) waits a random time in
/// `[d/2, d]` where `d = min(cap, base * 2^(n-1))`. The jitter keeps the workers of one model
/// from retrying in lock-step after a shared failure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry). A server hint wins over
    /// the computed back-off; a little jitter (up to 10 %) is added on top of it so that the
    /// workers that all received the same hint do not come back at the same instant.
    pub fn delay(&self, retry: u32, hint: Option<Duration>) -> Duration {
        if let Some(hint) = hint {
            let hint = hint.min(MAX_HINT);
            return hint + hint.mul_f64(rand::random_range(0.0..=0.1));
        }
        let exp = self
            .base
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.cap);
        exp.mul_f64(rand::random_range(0.5..=1.0))
    }
}

/// Reads the server's wait hint: `retry-after-ms` (OpenAI, milliseconds, may be fractional)
/// first, then `Retry-After` in seconds. The HTTP-date form of `Retry-After` is not used by
/// the APIs we target and is ignored (the back-off applies).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| -> Option<f64> {
        let v = headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()?;
        (v.is_finite() && v >= 0.0).then_some(v)
    };
    if let Some(ms) = number("retry-after-ms") {
        return Some(Duration::from_secs_f64(ms / 1000.0).min(MAX_HINT));
    }
    number("retry-after").map(|s| Duration::from_secs_f64(s.min(MAX_HINT.as_secs_f64())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
        };
        for _ in 0..50 {
            let d1 = p.delay(1, None);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = p.delay(3, None);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            let d30 = p.delay(30, None);
            assert!(d30 >= Duration::from_millis(500) && d30 <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn server_hint_wins_with_small_jitter() {
        let p = RetryPolicy::default();
        for _ in 0..50 {
            let d = p.delay(1, Some(Duration::from_secs(2)));
            assert!(
                d >= Duration::from_secs(2) && d <= Duration::from_millis(2200),
                "{d:?}"
            );
        }
        assert!(p.delay(1, Some(Duration::from_secs(3600))) <= MAX_HINT.mul_f64(1.1));
    }

    #[test]
    fn reads_both_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("250.5"));
        assert_eq!(retry_after(&h), Some(Duration::from_micros(250_500)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }
}
