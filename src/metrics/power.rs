//! How many evaluated leads a comparison needs, by the usual normal approximations: for a
//! difference in accuracy between two scorers judged on the same leads (the paired test
//! McNemar's is, Connor 1987), and for a difference in ROC-AUC (Hanley & McNeil 1982's
//! standard error, the two AUCs taken as uncorrelated, which errs towards needing more).

use statrs::distribution::{ContinuousCDF, Normal};

/// The significance level and power a plan is made for.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PowerPlan {
    /// Two-sided significance level.
    pub alpha: f64,
    /// Chance of detecting a real difference of the size asked about.
    pub power: f64,
}

impl Default for PowerPlan {
    fn default() -> Self {
        PowerPlan {
            alpha: 0.05,
            power: 0.8,
        }
    }
}

impl PowerPlan {
    fn z(&self) -> (f64, f64) {
        let n = Normal::standard();
        (
            n.inverse_cdf(1.0 - self.alpha / 2.0),
            n.inverse_cdf(self.power),
        )
    }

    /// Leads needed to detect an accuracy difference `delta` between two scorers on the same
    /// leads, when a share `discordant` of leads is right for exactly one of them:
    /// n = (z_α/2·√ψ + z_β·√(ψ − δ²))² / δ². `None` when δ is 0 or larger than ψ allows.
    pub fn paired_leads_needed(&self, delta: f64, discordant: f64) -> Option<f64> {
        let d = delta.abs();
        if !(d > 0.0 && d * d < discordant && discordant <= 1.0) {
            return None;
        }
        let (za, zb) = self.z();
        let root = za * discordant.sqrt() + zb * (discordant - d * d).sqrt();
        Some(root * root / (d * d))
    }

    /// The smallest accuracy difference `n` paired leads detect, for a discordant share ψ
    /// (the inverse of [`PowerPlan::paired_leads_needed`], by bisection).
    pub fn paired_min_difference(&self, n: f64, discordant: f64) -> Option<f64> {
        if !(n >= 1.0 && discordant > 0.0 && discordant <= 1.0) {
            return None;
        }
        let (mut lo, mut hi) = (0.0f64, discordant.sqrt());
        // n(δ) falls as δ grows: find where it meets n.
        for _ in 0..100 {
            let mid = (lo + hi) / 2.0;
            match self.paired_leads_needed(mid, discordant) {
                Some(need) if need > n => lo = mid,
                _ => hi = mid,
            }
        }
        (hi < discordant.sqrt() * (1.0 - 1e-9)).then_some(hi)
    }

    /// The smallest AUC difference detectable between two scorers whose AUCs have standard
    /// error `se1` and `se2`, taken as uncorrelated: (z_α/2 + z_β)·√(se1² + se2²).
    pub fn auc_min_difference(&self, se1: f64, se2: f64) -> f64 {
        let (za, zb) = self.z();
        (za + zb) * (se1 * se1 + se2 * se2).sqrt()
    }
}

/// Hanley & McNeil's standard error of an AUC with `positives` and `negatives` leads.
pub fn auc_standard_error(auc: f64, positives: f64, negatives: f64) -> Option<f64> {
    if !(positives >= 1.0 && negatives >= 1.0 && (0.0..=1.0).contains(&auc)) {
        return None;
    }
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let var = (auc * (1.0 - auc)
        + (positives - 1.0) * (q1 - auc * auc)
        + (negatives - 1.0) * (q2 - auc * auc))
        / (positives * negatives);
    (var >= 0.0).then(|| var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_power_round_trips_and_grows_as_differences_shrink() {
        let plan = PowerPlan::default();
        let need = plan.paired_leads_needed(0.05, 0.2).expect("defined");
        // (1.959964·√0.2 + 0.841621·√0.1975)² / 0.0025 = 625.547.
        assert!((need - 625.547_317_8).abs() < 1e-6, "{need}");
        let d = plan.paired_min_difference(need, 0.2).expect("defined");
        assert!((d - 0.05).abs() < 1e-9, "{d}");
        assert!(plan.paired_leads_needed(0.02, 0.2) > plan.paired_leads_needed(0.05, 0.2));
        assert_eq!(plan.paired_leads_needed(0.0, 0.2), None);
        assert_eq!(plan.paired_leads_needed(0.5, 0.2), None);
    }

    #[test]
    fn auc_standard_errors_shrink_with_more_leads() {
        let small = auc_standard_error(0.8, 20.0, 80.0).expect("defined");
        let large = auc_standard_error(0.8, 200.0, 800.0).expect("defined");
        assert!(large < small && (small / large - 10f64.sqrt()).abs() < 0.2);
        let plan = PowerPlan::default();
        assert!(plan.auc_min_difference(large, large) > large);
        assert_eq!(auc_standard_error(0.8, 0.0, 10.0), None);
    }
}
