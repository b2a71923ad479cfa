//! Counts that describe a generated dataset (the sidecar's `counts`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::lead::Lead;

/// Counts per label, archetype, difficulty and split, and the number of noisy labels.
/// Maps are ordered, so the serialised form is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DatasetStats {
    /// Number of leads.
    pub n: u64,
    /// Leads per recorded gold label.
    pub labels: BTreeMap<String, u64>,
    /// Leads per archetype.
    pub archetypes: BTreeMap<String, u64>,
    /// Leads per difficulty.
    pub difficulties: BTreeMap<String, u64>,
    /// Leads per split (train / test).
    pub splits: BTreeMap<String, u64>,
    /// Leads whose gold label was flipped by label noise.
    pub label_noise: u64,
    /// Injection twins among the leads (absent when there are none).
    #[serde(skip_serializing_if = "is_zero")]
    pub injection_twins: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(v) => *v += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

impl DatasetStats {
    /// Counts one lead; fields a lead lacks are counted under `unknown`.
    pub fn add(&mut self, lead: &Lead) {
        self.n += 1;
        bump(
            &mut self.labels,
            lead.gold.map_or("unknown", |g| g.label.as_str()),
        );
        bump(
            &mut self.archetypes,
            lead.meta.archetype.as_deref().unwrap_or("unknown"),
        );
        bump(
            &mut self.difficulties,
            lead.meta.difficulty.map_or("unknown", |d| d.as_str()),
        );
        bump(
            &mut self.splits,
            lead.meta.split.map_or("unknown", |s| s.as_str()),
        );
        self.label_noise += u64::from(lead.meta.label_noise == Some(true));
        self.injection_twins += u64::from(crate::lead::twin_of(&lead.lead_id).is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateParams, Generator};
    use crate::lead::Bands;

    #[test]
    fn counts_add_up() {
        let params = GenerateParams {
            n: 300,
            label_noise: 0.1,
            ..GenerateParams::default()
        };
        let mut stats = DatasetStats::default();
        Generator::new(&params, Bands::default()).for_each(|l| stats.add(&l));
        assert_eq!(stats.n, 300);
        for map in [
            &stats.labels,
            &stats.archetypes,
            &stats.difficulties,
            &stats.splits,
        ] {
            assert_eq!(map.values().sum::<u64>(), 300);
        }
        assert!(stats.label_noise > 0 && stats.label_noise < 300);
    }
}
