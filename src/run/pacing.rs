//! How fast one model is called: a requests/min and a tokens/min limiter (governor), a cap on
//! requests in flight, and a shared pause that a 429 puts on the whole model.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::model::ModelSettings;

/// The gates a request of one model passes before it is sent.
pub(crate) struct Pacing {
    rpm: Option<DefaultDirectRateLimiter>,
    /// The tokens/min limiter and its burst (the most tokens one call can take at once).
    tpm: Option<(DefaultDirectRateLimiter, NonZeroU32)>,
    in_flight: Semaphore,
    paused_until: Mutex<Option<Instant>>,
}

impl Pacing {
    pub(crate) fn new(model: &ModelSettings) -> Pacing {
        // A per-minute quota with governor's default burst lets a whole minute's requests go
        // at once, which a server enforcing the same limit answers with 429s. A burst of one
        // spaces requests evenly at 60/rpm seconds.
        let rpm = model
            .rpm
            .map(|rpm| RateLimiter::direct(Quota::per_minute(rpm).allow_burst(NonZeroU32::MIN)));
        // Tokens come in lumps of a whole request, so the burst must hold the largest one;
        // a second's worth of the quota, or room for a long prompt plus the answer.
        let tpm = model.tpm.map(|tpm| {
            let room = model.max_tokens.saturating_mul(2).saturating_add(4096);
            let burst = (tpm.get() / 60).max(room).min(tpm.get());
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            (
                RateLimiter::direct(Quota::per_minute(tpm).allow_burst(burst)),
                burst,
            )
        });
        Pacing {
            rpm,
            tpm,
            in_flight: Semaphore::new(model.concurrency.get() as usize),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until a request of about `tokens` tokens may go out, and returns the in-flight
    /// permit to hold while it is out. The permit is taken first so that requests the limiter
    /// has let through do not queue behind the cap and then leave in a burst.
    pub(crate) async fn admit(&self, tokens: u32) -> SemaphorePermit<'_> {
        let permit = self
            .in_flight
            .acquire()
            .await
            .expect("the in-flight semaphore is never closed");
        self.wait_pause().await;
        if let Some(rpm) = &self.rpm {
            rpm.until_ready().await;
        }
        self.take_tokens(tokens).await;
        // A 429 may have arrived while this request waited for the limiter.
        self.wait_pause().await;
        permit
    }

    /// Charges tokens the estimate missed, once `usage` tells the real count. Tokens
    /// overestimated are not given back: governor cannot refund, and erring slow is safe.
    pub(crate) async fn take_tokens(&self, tokens: u32) {
        if let Some((tpm, burst)) = &self.tpm
            && let Some(n) = NonZeroU32::new(tokens.min(burst.get()))
        {
            // `n <= burst`, so capacity is never insufficient.
            let _ = tpm.until_n_ready(n).await;
        }
    }

    /// Holds every request of this model back for `d` (a 429 slows the model, not one task).
    pub(crate) fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut slot = self
            .paused_until
            .lock()
            .expect("pause lock is never poisoned");
        if slot.is_none_or(|t| t < until) {
            *slot = Some(until);
        }
    }

    async fn wait_pause(&self) {
        loop {
            let until = *self
                .paused_until
                .lock()
                .expect("pause lock is never poisoned");
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::model::RawModelSettings;

    fn model(extra: &str) -> ModelSettings {
        let raw: RawModelSettings = toml::from_str(&format!(
            "name = \"m\"\nmodel = \"g\"\nbase_url = \"http://h\"\nconcurrency = 2\n{extra}"
        ))
        .expect("parses");
        raw.validate(0).expect("valid")
    }

    #[tokio::test]
    async fn rpm_burst_is_one_request() {
        let p = Pacing::new(&model("rpm = 60\ntpm = 100000\n"));
        drop(p.admit(10).await);
        // With a burst of one, a second request right after the first must wait (~1 s).
        let rpm = p.rpm.as_ref().expect("rpm limiter");
        assert!(rpm.check().is_err());
        let (_, burst) = p.tpm.as_ref().expect("tpm limiter");
        assert!(burst.get() >= 600 + 4096);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_holds_admission_back() {
        let p = Pacing::new(&model(""));
        p.pause(Duration::from_secs(3));
        p.pause(Duration::from_secs(1)); // a shorter pause does not shorten the longer one
        let start = Instant::now();
        drop(p.admit(1).await);
        assert!(start.elapsed() >= Duration::from_secs(3));
    }

    #[tokio::test]
    async fn in_flight_is_capped() {
        let p = Pacing::new(&model(""));
        let a = p.admit(1).await;
        let _b = p.admit(1).await;
        assert_eq!(p.in_flight.available_permits(), 0);
        drop(a);
        assert_eq!(p.in_flight.available_permits(), 1);
    }
}
