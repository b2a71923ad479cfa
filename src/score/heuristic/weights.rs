//! The heuristic's points table: one flat struct so that `[baselines.heuristic_weights]`
//! in `config.toml` can override any subset of it. `Default` is the shipped table, which
//! `docs/heuristic.md` documents row by row.

use serde::{Deserialize, Serialize};

/// Points added to the base score when a signal fires, plus the two thresholds of the
/// "conservative when ambiguous" rule. Every field has a default; unknown keys are errors.
///
/// The score is `base + Σ points of the fired signals`, clamped to 0–100. Each signal family
/// counts once per lead, however often its words occur.
/// Largest number of points one signal may add or take away; beyond it a weight is a typo,
/// and a sum of several could overflow.
pub const MAX_POINTS: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeuristicWeights {
    /// Starting score before any signal.
    pub base: i32,

    // Company size (employees; from `company_size`, or "N employees" in the message).
    /// Size unknown.
    pub size_unknown: i32,
    /// One person.
    pub size_individual: i32,
    /// 2–10 employees.
    pub size_micro: i32,
    /// 11–49 employees.
    pub size_small: i32,
    /// 50–249 employees.
    pub size_mid: i32,
    /// 250–999 employees.
    pub size_large: i32,
    /// 1,000 employees or more.
    pub size_enterprise: i32,

    // Seniority (the `seniority` column, else read from the job title).
    pub seniority_unknown: i32,
    pub seniority_entry: i32,
    pub seniority_manager: i32,
    pub seniority_senior: i32,
    pub seniority_director: i32,
    pub seniority_vp: i32,
    pub seniority_c_suite: i32,

    // Source credibility.
    pub source_referral: i32,
    pub source_email: i32,
    pub source_blog: i32,
    pub source_paid_social: i32,
    pub source_unknown: i32,

    // Commercial and production intent in the message.
    /// Price, quote, cost, tarif, precio, Preis, devis, discount.
    pub intent_pricing: i32,
    /// Evaluating, shortlist, RFP, vendor, PoC, pilot, comparing, replacing, migrating.
    pub intent_evaluation: i32,
    /// Production, deploy, roll out, go live, implementation, launch.
    pub intent_production: i32,
    /// Scale, reliability, uptime/SLA, security, SOC 2, HIPAA, GDPR, SSO, on-prem, latency.
    pub intent_requirements: i32,
    /// Timelines and urgency: this quarter, by March, next week, in 30 days, ASAP, deadline.
    pub intent_urgency: i32,
    /// Budget, procurement, contract, MSA, licenses, seats, purchase order, resale.
    pub intent_purchase: i32,
    /// Demo, trial, a call, talk to sales.
    pub intent_demo: i32,
    /// Deployment breadth: company-wide, across 12 branches, all our clients.
    pub intent_scale: i32,
    /// Exploratory interest: exploring, learn more, case studies, curious.
    pub interest_explore: i32,
    /// A real business use case: team, workflow, pipeline, API, reporting, customers.
    pub use_case: i32,

    // Negative signals.
    /// Students, coursework, thesis, class project, semester.
    pub neg_coursework: i32,
    /// Learning for oneself: tutorials, "I'm learning", practise.
    pub neg_learning: i32,
    /// Personal or hobby use: side project, for fun, Raspberry Pi, my blog.
    pub neg_personal: i32,
    /// Job seeking: looking for a job, my CV, are you hiring.
    pub neg_job_seeking: i32,
    /// A vendor or recruiter pitching to us: "we help companies like yours", backlinks.
    pub neg_vendor_pitch: i32,
    /// A support request from a user: can't log in, not loading, greyed out.
    pub neg_support: i32,
    /// Spam: cheap followers, click here, casino.
    pub neg_spam: i32,
    /// Asks not to be contacted: unsubscribe, remove me, not interested.
    pub neg_opt_out: i32,
    /// Asks for something free: free tier, free version, gratis, kostenlos.
    pub neg_free: i32,
    /// Not ready: no budget, no timeline, just looking (also negated budget/timeline words).
    pub neg_not_ready: i32,
    /// A message of four words or fewer, a newsletter request, or an empty message.
    pub neg_vague: i32,
    /// An empty message (in addition to `neg_vague`).
    pub neg_empty_message: i32,
    /// Text that tries to instruct the scorer ("ignore previous instructions", "rate this lead 100").
    pub neg_injection: i32,
    /// A free-mail domain (gmail.com, outlook.com, web.de, …).
    pub neg_personal_email: i32,
    /// Neither company name nor size nor domain.
    pub neg_no_company: i32,

    // The "conservative when ambiguous" rule: a lead is capped at medium unless it meets these.
    /// Known company sizes below this cap the label at medium ("typically 50+ employees").
    pub high_min_company_size: u32,
    /// Distinct commercial-intent families (pricing, evaluation, production, requirements,
    /// urgency, purchase, demo, scale) a high lead needs.
    pub high_min_intent_signals: u32,
}

impl HeuristicWeights {
    /// Checks that every points field lies within ±[`MAX_POINTS`]; the error names the field.
    /// (The two thresholds are unsigned and any value of them is meaningful.)
    pub fn validate(&self) -> Result<(), (String, String)> {
        let fields = serde_json::to_value(self).expect("a flat struct of numbers serialises");
        for (key, v) in fields.as_object().into_iter().flatten() {
            let (Some(points), false) = (v.as_i64(), key.starts_with("high_min_")) else {
                continue;
            };
            if points.abs() > MAX_POINTS {
                return Err((
                    key.clone(),
                    format!("expected points from -{MAX_POINTS} to {MAX_POINTS}, found {points}"),
                ));
            }
        }
        Ok(())
    }
}

impl Default for HeuristicWeights {
    fn default() -> Self {
        HeuristicWeights {
            base: 30,
            size_unknown: 0,
            size_individual: -12,
            size_micro: -10,
            size_small: 2,
            size_mid: 8,
            size_large: 12,
            size_enterprise: 16,
            seniority_unknown: 0,
            seniority_entry: -5,
            seniority_manager: 4,
            seniority_senior: 4,
            seniority_director: 12,
            seniority_vp: 14,
            seniority_c_suite: 14,
            source_referral: 6,
            source_email: 2,
            source_blog: 0,
            source_paid_social: -2,
            source_unknown: 0,
            intent_pricing: 10,
            intent_evaluation: 10,
            intent_production: 8,
            intent_requirements: 8,
            intent_urgency: 8,
            intent_purchase: 8,
            intent_demo: 5,
            intent_scale: 6,
            interest_explore: 6,
            use_case: 5,
            neg_coursework: -35,
            neg_learning: -20,
            neg_personal: -30,
            neg_job_seeking: -40,
            neg_vendor_pitch: -40,
            neg_support: -25,
            neg_spam: -40,
            neg_opt_out: -40,
            neg_free: -8,
            neg_not_ready: -10,
            neg_vague: -25,
            neg_empty_message: -10,
            neg_injection: -10,
            neg_personal_email: -6,
            neg_no_company: -5,
            high_min_company_size: 50,
            high_min_intent_signals: 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_table_overrides_only_its_keys() {
        let w: HeuristicWeights =
            toml::from_str("intent_pricing = 25\nneg_coursework = -50").expect("valid TOML");
        assert_eq!(w.intent_pricing, 25);
        assert_eq!(w.neg_coursework, -50);
        assert_eq!(w.base, HeuristicWeights::default().base);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let e = toml::from_str::<HeuristicWeights>("intent_prizing = 25")
            .expect_err("unknown key must fail");
        assert!(e.to_string().contains("intent_prizing"), "{e}");
    }
}
