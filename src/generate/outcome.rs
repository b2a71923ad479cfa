//! Simulated outcomes with a known truth: every generated lead gets a latent probability of
//! converting, `p_convert`, and a `converted` drawn from it (with a deal value when it
//! converts), so that reports can judge scorers against outcomes and show the ceiling no
//! scorer can beat (the oracle that ranks by `p_convert`).
//!
//! The model (docs: README, "The synthetic dataset"):
//!
//! ```text
//! logit p = logit(rate[label]) + 2.0·(intent − ½) + 0.3·clamp(log10(size) − 2, ±1.5)
//!           + 0.3·(seniority − 2.5)/2.5 + shift[archetype] [+ enrichment]
//! ```
//!
//! `label` is the lead's true label (before label noise: noise changes what the file says,
//! not what the lead does), `intent` the latent intent that also placed its gold score in
//! the band, `seniority` 0 (entry) to 5 (c-suite). `rate` is `[dataset.generate]
//! conversion` (default 3 % low, 10 % medium, 25 % high; the firmographics of high leads
//! lift their realised rate to about a third). The archetype shift is strongly
//! negative for leads that cannot become customers however they are scored (job seekers,
//! vendors pitching, support requests), and mildly positive for resellers. A converted
//! lead's deal value is log-normal around 4,000 × (size / 50)^0.4 (×1.5 for high leads),
//! σ = 0.8, rounded to whole units.
//!
//! The enrichment term is there only in an enriched dataset (`--enrich`, see `enrich.rs`):
//! +0.2 when head count grew more than 30 % in a year; +0.15 for a company funded from
//! Series A to C+, +0.1 for a public or PE-owned one, −0.1 for a seed-stage one; +0.1 for
//! revenue from $50M, −0.2 below $1M. It reads the company as drawn, before the vendor's
//! gaps. Without enrichment the term is absent and every outcome is what it was before.

use super::archetypes::Kind;
use super::draw::Draw;
use super::params::Conversion;
use crate::lead::{Label, Outcome, Seniority};

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// How much an archetype moves the odds of converting, beyond its label.
fn archetype_shift(kind: Kind) -> f64 {
    match kind {
        Kind::JobSeeker | Kind::VendorPitch | Kind::SupportRequest => -3.0,
        Kind::PromptInjection | Kind::VagueOneLiner => -0.5,
        Kind::AgencyReseller => 0.3,
        _ => 0.0,
    }
}

/// What the generator knows about a lead when it draws its outcome.
pub(crate) struct Truth {
    pub label: Label,
    pub intent: f64,
    pub size: Option<u32>,
    pub seniority: Option<Seniority>,
    pub kind: Kind,
    /// The enrichment term of the log-odds (0 when the dataset is not enriched).
    pub enrichment_shift: f64,
}

/// The latent probability of converting.
pub(crate) fn p_convert(t: &Truth, rates: &Conversion) -> f64 {
    let rate = match t.label {
        Label::Low => rates.low,
        Label::Medium => rates.medium,
        Label::High => rates.high,
    };
    let size = t.size.map_or(0.0, |s| {
        (f64::from(s.max(1)).log10() - 2.0).clamp(-1.5, 1.5)
    });
    let seniority = t.seniority.map_or(0.0, |s| (s as usize as f64 - 2.5) / 2.5);
    let x = logit(rate)
        + 2.0 * (t.intent - 0.5)
        + 0.3 * size
        + 0.3 * seniority
        + archetype_shift(t.kind);
    // Added only when enriched, so that unenriched outcomes stay bit for bit what they were.
    let x = if t.enrichment_shift == 0.0 {
        x
    } else {
        x + t.enrichment_shift
    };
    1.0 / (1.0 + (-x).exp())
}

/// Draws whether the lead converts, and its deal value if it does; returns the outcome and
/// `p_convert` rounded to four decimals (as the file records it, and as drawn from).
pub(crate) fn draw(d: &mut Draw, t: &Truth, rates: &Conversion) -> (Outcome, f64) {
    let p = (p_convert(t, rates) * 1e4).round() / 1e4;
    let converted = d.unit() < p;
    // Drawn for every lead, so that a lead's value does not shift the stream of the next.
    let z = d.normal();
    let deal_value = converted.then(|| {
        let size = f64::from(t.size.unwrap_or(20).max(1));
        let label_factor = if t.label == Label::High { 1.5 } else { 1.0 };
        let median = 4000.0 * (size / 50.0).powf(0.4) * label_factor;
        (median * (0.8 * z).exp()).round()
    });
    let outcome = Outcome {
        converted: Some(converted),
        deal_value,
    };
    (outcome, p)
}
