//! `run.json`, one type both ways: `bench run` writes it the moment it claims its folder
//! (`state = "running"`, with its process id) and again, whole, when the run ends
//! (`finished`); reports, `bench compare` and the next run on the folder read it back.
//!
//! The writer fills `llm` and `plan` with the engine's summary and the plan; a reader takes
//! them as plain JSON (the defaults of `L` and `P`), and every key is optional when read, so
//! that claims and the run.json of older versions read too.
//!
//! `prompts` and `heuristic_rules` say which prompt templates and rules the run's scorers
//! read, as the run folder keeps them (copies and their sha256), so that `bench compare`
//! can name what changed between two runs. A run.json written before they existed has
//! neither key: its inputs are "not recorded".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::lead::Bands;
use crate::metrics::CapacitySetting;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunManifest<L = serde_json::Value, P = serde_json::Value> {
    /// `running` from the moment the run claims its folder, `finished` once it ends (absent
    /// in the run.json of versions before claims: a finished run).
    #[serde(default)]
    pub state: Option<String>,
    /// The process of a `running` run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub tool_version: Option<String>,
    /// The config file the run was started with.
    #[serde(default)]
    pub config: Option<String>,
    #[serde(default)]
    pub started: Option<String>,
    #[serde(default)]
    pub finished: Option<String>,
    #[serde(default)]
    pub bands: Option<Bands>,
    /// Where the leads came from.
    #[serde(default)]
    pub dataset: Option<String>,
    #[serde(default)]
    pub n_leads: usize,
    /// Leads scored (the test split, after `--limit`).
    #[serde(default)]
    pub n_evaluated: usize,
    #[serde(default)]
    pub n_train: usize,
    #[serde(default)]
    pub repeats: u32,
    /// The scorers that ran (asked for, while the run is going).
    #[serde(default)]
    pub scorers: Vec<String>,
    /// Models left out and why (missing key, server not available).
    #[serde(default)]
    pub skipped_models: Vec<String>,
    /// The LLM engine's totals.
    #[serde(default)]
    pub llm: Option<L>,
    /// What the LLM step was estimated to send before it started (`bench plan`).
    #[serde(default)]
    pub plan: Option<P>,
    #[serde(default)]
    pub interrupted: bool,
    /// Leads sales can work, for the report's capacity section.
    #[serde(default)]
    pub capacity: Option<CapacitySetting>,
    /// The prompt templates of the run's LLM scorers by prompt name, as kept in the run
    /// folder's `prompts/`. Empty when no LLM scorer was asked for; absent (`None`) in the
    /// run.json of versions that did not keep them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<BTreeMap<String, KeptFile>>,
    /// The heuristic's rules, as kept in the run folder's `rules/`, when the heuristic was
    /// asked for (and the version kept them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heuristic_rules: Option<KeptRules>,
    /// Scorers asked about a sample of the evaluated leads (their model's `sample`), with
    /// how many: the leads they have no prediction for were not asked, not missed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sampled: BTreeMap<String, u64>,
    /// Scorers combined from the others' predictions (the config's `[[ensembles]]`): every
    /// report of the run computes them from predictions.csv.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ensembles: Vec<super::EnsembleSpec>,
    /// Cascades from one scorer into another (the config's `[[cascades]]`), computed like
    /// the ensembles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cascades: Vec<super::CascadeSpec>,
    /// Each scorer's fingerprint by id: the SHA-256 (lowercase hex) of what decides its
    /// scores (`pipeline/fingerprint.rs` says what goes in), so that `bench score
    /// --calibration` can refuse a scorer that changed since the run. Absent in the run.json
    /// of versions before fingerprints, and for a scorer that has none (a learned model that
    /// could not be trained).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fingerprints: BTreeMap<String, String>,
    /// How each priced model was priced: its `batch_discount` and whether the run sent it
    /// through a batch API, for the interactive and batch cost per 1,000 leads. Absent in
    /// the run.json of older versions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pricing: BTreeMap<String, super::ModelPricing>,
}

/// A file a run's scorers read, as the run folder keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptFile {
    /// Where it was read from: the path as the config resolved it, or `built-in` for the
    /// rules table compiled into bench.
    pub source: String,
    /// The copy, relative to the run folder (`prompts/<name>.j2`, `rules/built-in.toml`).
    pub file: String,
    /// The SHA-256 of the copy's bytes, in lowercase hex.
    pub sha256: String,
}

/// The heuristic's rules a run used: the shipped table, the config's `heuristic_rules` file
/// applied to it (when one is named) and `[baselines.heuristic_weights]` on top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptRules {
    /// One hash of all three: SHA-256 of the text `built-in <sha256>\nfile <sha256 or
    /// ->\nweights <weights as JSON>\n`. Two runs used the same rules when it is equal.
    pub sha256: String,
    /// The table compiled into bench (`source = "built-in"`), kept as `rules/built-in.toml`.
    pub built_in: KeptFile,
    /// The config's `heuristic_rules` file, kept as `rules/heuristic_rules.toml`; `None`
    /// when the config names none (the built-in table alone).
    #[serde(default)]
    pub file: Option<KeptFile>,
    /// `[baselines.heuristic_weights]` as given (also in the run's config.toml).
    #[serde(default)]
    pub weights: BTreeMap<String, i64>,
}

impl<L, P> RunManifest<L, P> {
    /// Whether the run claimed its folder and has not finished (still going, or killed).
    pub fn running(&self) -> bool {
        self.state.as_deref() == Some("running")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_finished_runs_and_older_files_read_back() {
        let claim: RunManifest<(), ()> = RunManifest {
            state: Some("running".into()),
            pid: Some(42),
            run_id: Some("r".into()),
            ..RunManifest::default()
        };
        let text = serde_json::to_string(&claim).expect("serialises");
        let back: RunManifest = serde_json::from_str(&text).expect("reads");
        assert!(back.running());
        assert_eq!(back.pid, Some(42));
        let old: RunManifest =
            serde_json::from_str(r#"{"run_id": "x", "bands": {"high": 70, "medium": 40}}"#)
                .expect("an older run.json");
        assert!(!old.running());
        assert_eq!(
            old.bands,
            Some(Bands {
                high: 70,
                medium: 40
            })
        );
        let finished: RunManifest<(), ()> = RunManifest {
            state: Some("finished".into()),
            ..RunManifest::default()
        };
        let text = serde_json::to_string(&finished).expect("serialises");
        assert!(!text.contains("pid"), "{text}");
    }
}
