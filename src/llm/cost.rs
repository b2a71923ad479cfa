//! What requests cost and the optional `budget_usd` guard: a request is sent only if its
//! worst-case cost still fits next to what was spent and what requests in flight may spend.

use std::sync::Mutex;

use super::model::Price;

/// Cost of one answered request, and what the provider's prompt cache saved on it, when the
/// model has a price and the server reported usage. A missing count is taken as zero:
/// servers that omit `usage` are local ones in practice.
pub(crate) fn request_cost(
    price: Option<&Price>,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    cached_prompt_tokens: Option<u32>,
) -> Option<(f64, f64)> {
    let price = price?;
    if prompt_tokens.is_none() && completion_tokens.is_none() {
        return None;
    }
    let (p, c) = (prompt_tokens.unwrap_or(0), completion_tokens.unwrap_or(0));
    let cost = price.cost_with_cached(p, cached_prompt_tokens.unwrap_or(0), c);
    Some((cost, price.cost(p, c) - cost))
}

/// Why a request was not sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OverBudget {
    /// True for the first refusal only, so the run says so once.
    pub first: bool,
    pub message: String,
}

#[derive(Debug, Default)]
struct Ledger {
    spent: f64,
    reserved: f64,
    stopped: bool,
}

/// The spending guard shared by all workers of a run.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: Option<f64>,
    ledger: Mutex<Ledger>,
}

impl Budget {
    pub(crate) fn new(limit: Option<f64>) -> Budget {
        Budget {
            limit,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    /// Reserves `worst` dollars for a request about to be sent. Once one request does not
    /// fit, no further priced request is sent in this run (a later, smaller one might fit,
    /// but a run that stops at one clear point is easier to read and to resume).
    pub(crate) fn reserve(&self, worst: f64) -> Result<(), OverBudget> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        if worst <= 0.0 {
            return Ok(());
        }
        let mut l = self.lock();
        if l.stopped || l.spent + l.reserved + worst > limit {
            let first = !l.stopped;
            l.stopped = true;
            return Err(OverBudget {
                first,
                message: format!(
                    "budget_usd = {limit}: ${:.4} spent and ${:.4} in flight; a request that may cost up to ${worst:.4} would exceed it, so no new requests are sent",
                    l.spent, l.reserved
                ),
            });
        }
        l.reserved += worst;
        Ok(())
    }

    /// Replaces a reservation by what the request cost (nothing when it failed).
    pub(crate) fn settle(&self, reserved: f64, actual: Option<f64>) {
        let mut l = self.lock();
        if self.limit.is_some() && reserved > 0.0 {
            l.reserved = (l.reserved - reserved).max(0.0);
        }
        l.spent += actual.unwrap_or(0.0);
    }

    /// Dollars spent by requests sent in this run (cache hits cost nothing).
    pub(crate) fn spent(&self) -> f64 {
        self.lock().spent
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_needs_price_and_usage() {
        let p = Price {
            input_per_mtok: 1.0,
            output_per_mtok: 2.0,
            cached_input_per_mtok: None,
        };
        assert_eq!(request_cost(None, Some(1), Some(1), None), None);
        assert_eq!(request_cost(Some(&p), None, None, None), None);
        let (c, saved) = request_cost(Some(&p), Some(1_000), Some(500), None).expect("cost");
        assert!((c - 0.002).abs() < 1e-12 && saved == 0.0);
    }

    #[test]
    fn cached_prompt_tokens_are_billed_at_the_cached_price() {
        let p = Price {
            input_per_mtok: 2.0,
            output_per_mtok: 8.0,
            cached_input_per_mtok: Some(0.5),
        };
        // 1,000 prompt tokens of which 800 cached, 100 completion tokens:
        // 200 × 2 + 800 × 0.5 + 100 × 8 = 1,600 per million.
        let (c, saved) = request_cost(Some(&p), Some(1_000), Some(100), Some(800)).expect("cost");
        assert!((c - 0.0016).abs() < 1e-12, "{c}");
        assert!((saved - 0.0012).abs() < 1e-12, "{saved}");
        // A server claiming more cached tokens than prompt tokens is capped.
        let (c, _) = request_cost(Some(&p), Some(100), Some(0), Some(500)).expect("cost");
        assert!((c - 0.00005).abs() < 1e-12, "{c}");
        // Without a cached price, caching saves nothing.
        let plain = Price {
            cached_input_per_mtok: None,
            ..p
        };
        let (_, saved) =
            request_cost(Some(&plain), Some(1_000), Some(100), Some(800)).expect("cost");
        assert_eq!(saved, 0.0);
    }

    #[test]
    fn budget_stops_before_it_is_exceeded() {
        let b = Budget::new(Some(1.0));
        b.reserve(0.4).expect("fits");
        b.reserve(0.4).expect("fits");
        let e = b.reserve(0.4).expect_err("would exceed");
        assert!(e.first && e.message.contains("budget_usd"), "{e:?}");
        b.settle(0.4, Some(0.1));
        b.settle(0.4, Some(0.1));
        // Stopped stays stopped even though there is room again, and says so only once.
        let e = b.reserve(0.1).expect_err("stopped");
        assert!(!e.first);
        assert!((b.spent() - 0.2).abs() < 1e-12);
        assert!(b.spent() <= 1.0);
    }

    #[test]
    fn no_limit_or_free_model_always_fits() {
        let b = Budget::new(None);
        b.reserve(1e9).expect("no limit");
        let b = Budget::new(Some(0.0));
        b.reserve(0.0).expect("free");
    }
}
