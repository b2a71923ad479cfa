//! Parameters of the synthetic generator (`[dataset.generate]` and `bench generate` flags).

use serde::{Deserialize, Serialize};

/// Target share of each gold label; shares are normalised, so they need not sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mix {
    pub high: f64,
    pub medium: f64,
    pub low: f64,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            high: 0.3,
            medium: 0.4,
            low: 0.3,
        }
    }
}

/// The base conversion rate of each (true) label: the chance that a lead of average intent,
/// size and seniority converts (see `outcome.rs` for the whole model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversion {
    pub high: f64,
    pub medium: f64,
    pub low: f64,
}

impl Default for Conversion {
    fn default() -> Self {
        Conversion {
            high: 0.25,
            medium: 0.10,
            low: 0.03,
        }
    }
}

/// Everything that determines a generated dataset: equal parameters give identical bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenerateParams {
    /// Number of leads.
    pub n: u64,
    pub seed: u64,
    /// Share of leads whose gold label is flipped to an adjacent class (0 to 0.5).
    pub label_noise: f64,
    pub mix: Mix,
    /// Share of leads in the test split; the learned baseline trains on the rest.
    pub test_fraction: f64,
    /// Base conversion rate per label, for the simulated outcomes.
    pub conversion: Conversion,
    /// Share of leads followed by an injection twin (`twins.rs`): the same lead with a
    /// prompt-injection payload in its message. Absent from the sidecar when 0, so that a
    /// dataset without twins is byte for byte what it was before they existed.
    #[serde(skip_serializing_if = "is_zero")]
    pub injection_twins: f64,
    /// Firmographic enrichment columns (`enrich.rs`): revenue band, headquarters country,
    /// funding stage, tech stack and head-count growth, and their term in the conversion
    /// model. Absent from the sidecar when off, like `injection_twins`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enrich: bool,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            n: 500,
            seed: 42,
            label_noise: 0.0,
            mix: Mix::default(),
            test_fraction: 0.4,
            conversion: Conversion::default(),
            injection_twins: 0.0,
            enrich: false,
        }
    }
}

impl GenerateParams {
    /// Checks ranges; the error names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        if self.n == 0 {
            return Err("n: expected at least 1 lead".into());
        }
        if !(0.0..=0.5).contains(&self.label_noise) {
            return Err(format!(
                "label_noise: expected a share from 0 to 0.5, found {}",
                self.label_noise
            ));
        }
        if !(0.0..1.0).contains(&self.test_fraction) {
            return Err(format!(
                "test_fraction: expected a share from 0 up to (not including) 1, found {}",
                self.test_fraction
            ));
        }
        if !(0.0..=1.0).contains(&self.injection_twins) {
            return Err(format!(
                "injection_twins: expected a share from 0 to 1, found {}",
                self.injection_twins
            ));
        }
        let Mix { high, medium, low } = self.mix;
        for (name, v) in [("high", high), ("medium", medium), ("low", low)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "mix.{name}: expected a share of at least 0, found {v}"
                ));
            }
        }
        if high + medium + low <= 0.0 {
            return Err("mix: expected at least one label with a positive share".into());
        }
        let c = self.conversion;
        for (name, v) in [("high", c.high), ("medium", c.medium), ("low", c.low)] {
            if !(v > 0.0 && v < 1.0) {
                return Err(format!(
                    "conversion.{name}: expected a rate between 0 and 1 (exclusive), found {v}"
                ));
            }
        }
        Ok(())
    }
}
