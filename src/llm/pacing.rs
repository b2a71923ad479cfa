//! How fast one model is called: a requests/min and a tokens/min limiter (governor), a cap on
//! requests in flight, and a shared pause that a 429 puts on the whole model.
//!
//! The cap is the configured `concurrency` when the model has an `rpm` (the limiter paces it),
//! `adaptive_concurrency = false` or a `concurrency` of one. Otherwise it adapts the way TCP finds a network's pace
//! (additive increase, multiplicative decrease), never above `concurrency` nor below one:
//! - it starts at [`START`] requests in flight and grows by half a request per answer (by
//!   half each window of answers) until the first 429;
//! - a 429 halves it, once per window: 429s to requests sent before the last halving do not
//!   halve it again. The cap at that 429 is remembered as the server's ceiling;
//! - below [`RETURN_SHARE`] of that ceiling it grows back at the same quick pace (the server
//!   took that many a moment ago); from there it probes by one request per
//!   [`PROBE_WINDOWS`] windows of answers, so that it sits near the ceiling with few 429s (as TCP CUBIC
//!   returns to its last maximum);
//! - requests are spread over the time an answer takes (the cap divided into the smoothed
//!   answer time), not sent in a clump whenever answers arrive together.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::model::ModelSettings;

/// Requests in flight an adaptive model starts with.
pub(crate) const START: u32 = 2;
/// Share of the last ceiling the cap returns to quickly after a halving.
pub(crate) const RETURN_SHARE: f64 = 0.9;
/// Windows of answers per extra request once the cap is near its ceiling.
pub(crate) const PROBE_WINDOWS: f64 = 4.0;
/// Growth per answer while far from the ceiling: the cap grows by half each window.
const QUICK_GROWTH: f64 = 0.5;

/// The gates a request of one model passes before it is sent.
pub(crate) struct Pacing {
    rpm: Option<DefaultDirectRateLimiter>,
    /// The tokens/min limiter and its burst (the most tokens one call can take at once).
    tpm: Option<(DefaultDirectRateLimiter, NonZeroU32)>,
    /// One permit per request that may be in flight; [`Window`] says how many there are.
    in_flight: Semaphore,
    window: Mutex<Window>,
    paused_until: Mutex<Option<Instant>>,
}

/// The cap on requests in flight and, when it adapts, what it adapts from.
#[derive(Debug)]
struct Window {
    adaptive: bool,
    /// The configured `concurrency`: the cap never exceeds it.
    max: u32,
    /// The cap as a real number (it grows by fractions of a request per answer).
    limit: f64,
    /// The cap when the last 429 halved it; `None` before the first.
    ceiling: Option<f64>,
    /// Permits handed to the semaphore in all: `limit` rounded down.
    permits: u32,
    /// Permits to take back as requests in flight return them (after a halving).
    debt: u32,
    /// Requests admitted so far, and that count at the last halving.
    sent: u64,
    cut_at: u64,
    /// Halvings so far, for the run's summary.
    cuts: u32,
    /// Smoothed time from sending to an answer; `None` before the first answer.
    rtt: Option<Duration>,
    /// When the next request may leave (adaptive caps spread their requests).
    next_send: Instant,
}

/// A request's place in flight: hand it back with [`Pacing::release`].
pub(crate) struct Slot<'a> {
    permit: SemaphorePermit<'a>,
    /// Its position among the model's requests, to tell 429s sent before a halving.
    seq: u64,
    sent: Instant,
}

/// How a request ended, as far as the adaptive cap is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feedback {
    Answered,
    RateLimited,
    /// Any other failure: says nothing about the server's pace.
    Other,
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
        let max = model.concurrency.get();
        // One request at a time leaves nothing to adapt.
        let adaptive = model.adaptive_concurrency && model.rpm.is_none() && max > 1;
        let permits = if adaptive { START.min(max) } else { max };
        Pacing {
            rpm,
            tpm,
            in_flight: Semaphore::new(permits as usize),
            window: Mutex::new(Window {
                adaptive,
                max,
                limit: f64::from(permits),
                permits,
                debt: 0,
                ceiling: None,
                sent: 0,
                cut_at: 0,
                cuts: 0,
                rtt: None,
                next_send: Instant::now(),
            }),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until a request of about `tokens` tokens may go out, and returns its place in
    /// flight. The place is taken first so that requests the limiter has let through do not
    /// queue behind the cap and then leave in a burst.
    pub(crate) async fn admit(&self, tokens: u32) -> Slot<'_> {
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
        // An adaptive cap's requests are spread over the time an answer takes, rather than
        // sent the moment a place frees up (answers arriving together would otherwise send
        // their successors in a clump).
        let send_at = {
            let mut w = self.lock_window();
            let at = w.next_send.max(Instant::now());
            if let Some(rtt) = w.rtt.filter(|_| w.adaptive) {
                w.next_send = at + rtt.div_f64(w.limit);
            }
            at
        };
        if send_at > Instant::now() {
            tokio::time::sleep_until(send_at).await;
        }
        // A 429 may have arrived while this request waited for the limiter.
        self.wait_pause().await;
        let mut w = self.lock_window();
        w.sent += 1;
        Slot {
            permit,
            seq: w.sent,
            sent: Instant::now(),
        }
    }

    /// Hands a request's place back once its answer (or failure) is in, and lets an adaptive
    /// cap learn from it.
    pub(crate) fn release(&self, slot: Slot<'_>, feedback: Feedback) {
        let mut w = self.lock_window();
        if w.adaptive {
            let limit = w.limit;
            match feedback {
                Feedback::Answered => {
                    // A smoothed time an answer takes (TCP's weights: 1/8 for the new one).
                    let took = slot.sent.elapsed();
                    w.rtt = Some(
                        w.rtt
                            .map_or(took, |r| r.mul_f64(0.875) + took.mul_f64(0.125)),
                    );
                    let growth = match w.ceiling {
                        Some(c) if limit >= RETURN_SHARE * c => 1.0 / (PROBE_WINDOWS * limit),
                        _ => QUICK_GROWTH,
                    };
                    self.resize(&mut w, limit + growth);
                }
                Feedback::RateLimited if slot.seq > w.cut_at => {
                    w.ceiling = Some(limit);
                    w.cut_at = w.sent;
                    w.cuts += 1;
                    self.resize(&mut w, limit / 2.0);
                }
                Feedback::RateLimited | Feedback::Other => {}
            }
        }
        if w.debt > 0 {
            w.debt -= 1;
            slot.permit.forget();
        }
    }

    /// The cap now and the halvings so far (the configured `concurrency` and 0 when it does
    /// not adapt).
    pub(crate) fn window(&self) -> (u32, u32) {
        let w = self.lock_window();
        (w.permits, w.cuts)
    }

    /// Whether the cap adapts (no `rpm`, `adaptive_concurrency` on).
    pub(crate) fn adaptive(&self) -> bool {
        self.lock_window().adaptive
    }

    /// Sets the cap to `limit` (within 1 and `max`), adding permits or taking them back: at
    /// once if they are free, else as requests return them.
    fn resize(&self, w: &mut Window, limit: f64) {
        w.limit = limit.clamp(1.0, f64::from(w.max));
        let want = w.limit.floor() as u32;
        if want > w.permits {
            let grow = want - w.permits;
            let repaid = grow.min(w.debt);
            w.debt -= repaid;
            self.in_flight.add_permits((grow - repaid) as usize);
        } else if want < w.permits {
            let shrink = w.permits - want;
            let freed = self.in_flight.forget_permits(shrink as usize) as u32;
            w.debt += shrink - freed;
        }
        w.permits = want;
    }

    fn lock_window(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|p| p.into_inner())
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
    use crate::llm::model::RawModelSettings;

    fn model(extra: &str) -> ModelSettings {
        let raw: RawModelSettings = toml::from_str(&format!(
            "name = \"m\"\nmodel = \"g\"\nbase_url = \"http://h\"\n{extra}"
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
        let p = Pacing::new(&model("concurrency = 2\nadaptive_concurrency = false"));
        let a = p.admit(1).await;
        let _b = p.admit(1).await;
        assert_eq!(p.in_flight.available_permits(), 0);
        p.release(a, Feedback::Answered);
        assert_eq!(p.in_flight.available_permits(), 1);
        assert_eq!(p.window(), (2, 0));
    }

    #[tokio::test]
    async fn adaptive_cap_grows_on_answers_and_halves_once_per_window_on_429() {
        let p = Pacing::new(&model("concurrency = 64"));
        let answer = |n: usize| {
            let p = &p;
            async move {
                for _ in 0..n {
                    let s = p.admit(1).await;
                    p.release(s, Feedback::Answered);
                }
            }
        };
        assert_eq!(p.window(), (START, 0));
        // Before any 429: half a request more per answer.
        answer(28).await;
        assert_eq!(p.window(), (16, 0));
        // Sixteen requests out; the first 429 halves the cap, the other fifteen (sent before
        // the halving) do not halve it again.
        let mut out = Vec::new();
        for _ in 0..16 {
            out.push(p.admit(1).await);
        }
        for s in out {
            p.release(s, Feedback::RateLimited);
        }
        assert_eq!(p.window(), (8, 1));
        assert_eq!(p.in_flight.available_permits(), 8, "the permits taken back");
        // Quickly back to 90 % of the ceiling (16), then one more per four windows (about
        // 4 × 14.5 answers).
        answer(13).await;
        assert_eq!(p.window(), (14, 1));
        answer(20).await;
        assert_eq!(p.window(), (14, 1));
        answer(20).await;
        assert_eq!(p.window(), (15, 1));
        // A 429 to a request sent after the halving halves again; never below one.
        for _ in 0..10 {
            let s = p.admit(1).await;
            p.release(s, Feedback::RateLimited);
        }
        assert_eq!(p.window().0, 1);
        assert_eq!(p.in_flight.available_permits(), 1);
    }

    #[tokio::test]
    async fn a_configured_rpm_keeps_the_configured_concurrency() {
        let p = Pacing::new(&model("concurrency = 8\nrpm = 6000"));
        assert_eq!(p.window(), (8, 0));
        let s = p.admit(1).await;
        p.release(s, Feedback::RateLimited);
        assert_eq!(p.window(), (8, 0));
    }
}
