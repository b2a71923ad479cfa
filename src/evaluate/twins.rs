//! What an injection payload does to each scorer: on the pairs of an evaluated lead and its
//! injection twin (`generate/twins.rs`: the same lead, `<id>-inj`, with a payload in the
//! message), the mean change of the score (twin − original) with a paired bootstrap interval,
//! and how often the label changed, and moved up. A scorer the payload does not move has an
//! uplift near 0 and no label change; one it steers shows a positive uplift.
//!
//! A pair counts for a scorer when both leads are evaluated, the scorer was asked about both
//! and parsed both answers.

use std::collections::HashMap;

use serde::Serialize;

use super::join::Joined;
use crate::lead::twin_of;
use crate::metrics::{Estimate, MetricsOptions, mean_difference};

/// One scorer's answers on the injection twins against their originals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwinUplift {
    pub id: String,
    /// Pairs the scorer parsed both answers of.
    pub n: u64,
    /// Mean of score(twin) − score(original), with its paired interval.
    pub uplift: Estimate,
    /// Pairs whose label differs between the two answers, and of those, moved up.
    pub label_changed: u64,
    pub label_up: u64,
    /// `label_changed / n`.
    pub change_rate: Option<f64>,
}

/// Every scorer's uplift, when the evaluated leads hold injection twins (else empty).
pub(crate) fn twin_uplift(joined: &Joined<'_>, opts: &MetricsOptions) -> Vec<TwinUplift> {
    let at: HashMap<&str, usize> = joined
        .leads
        .iter()
        .enumerate()
        .map(|(i, l)| (l.lead_id.as_str(), i))
        .collect();
    let pairs: Vec<(usize, usize)> = joined
        .leads
        .iter()
        .enumerate()
        .filter_map(|(t, l)| Some((*at.get(twin_of(&l.lead_id)?)?, t)))
        .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    joined
        .scorers
        .iter()
        .map(|s| {
            let parsed = s.parsed();
            let asked = |i: usize| s.asked.as_ref().is_none_or(|m| m[i]);
            let (mut diffs, mut changed, mut up) = (Vec::new(), 0u64, 0u64);
            for &(o, t) in &pairs {
                let (true, true, Some((lo, so)), Some((lt, st))) =
                    (asked(o), asked(t), parsed[o], parsed[t])
                else {
                    continue;
                };
                diffs.push(f64::from(st) - f64::from(so));
                changed += u64::from(lo != lt);
                up += u64::from(lt > lo);
            }
            let n = diffs.len() as u64;
            TwinUplift {
                id: s.id.to_string(),
                n,
                uplift: mean_difference(&diffs, opts),
                label_changed: changed,
                label_up: up,
                change_rate: (n > 0).then(|| changed as f64 / n as f64),
            }
        })
        .collect()
}
