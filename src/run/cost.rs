//! What requests cost and the optional `budget_usd` guard: a request is sent only if its
//! worst-case cost still fits next to what was spent and what requests in flight may spend.

use std::sync::Mutex;

use super::model::Price;

/// Cost of one answered request, when the model has a price and the server reported usage.
/// A missing count is taken as zero: servers that omit `usage` are local ones in practice.
pub(crate) fn request_cost(
    price: Option<&Price>,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
) -> Option<f64> {
    let price = price?;
    if prompt_tokens.is_none() && completion_tokens.is_none() {
        return None;
    }
    Some(price.cost(prompt_tokens.unwrap_or(0), completion_tokens.unwrap_or(0)))
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
        };
        assert_eq!(request_cost(None, Some(1), Some(1)), None);
        assert_eq!(request_cost(Some(&p), None, None), None);
        let c = request_cost(Some(&p), Some(1_000), Some(500)).expect("cost");
        assert!((c - 0.002).abs() < 1e-12);
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
