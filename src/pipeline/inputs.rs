//! What a run is made of, read before any step: its leads and which are evaluated, the
//! scorers the config and `--only` ask for, the models whose key is at hand, and what the job
//! matrix is built from. The steps (`mod.rs`, `plan`, `batch`, `batch_files`) all start here.

use crate::Error;
use crate::config::{Config, DatasetSource};
use crate::generate::{DatasetStats, Generator};
use crate::lead::{Lead, Split, read_leads};
use crate::llm::{
    KeySource, LlmJobs, MatrixInput, ModelSettings, Rendering, asked_logprobs, build_llm_jobs,
};
use crate::prediction::ScorerId;
use crate::score::learned::ensure_split;
use crate::score::llm::PromptError;

/// The leads of a run and which of them are scored.
pub(super) struct Dataset {
    pub leads: Vec<Lead>,
    /// Indices into `leads` of the leads scored (the test split, after `--limit`).
    pub eval: Vec<usize>,
    /// Where the leads come from, for the run's first line and `run.json`.
    pub dataset: String,
    /// The generator's counts, for the sidecar (generated datasets only).
    pub stats: Option<DatasetStats>,
}

impl Dataset {
    /// Loads or generates the leads, splits those without a split, and keeps the first
    /// `limit` test leads for scoring.
    pub(super) fn load(config: &Config, limit: Option<usize>) -> Result<Dataset, Error> {
        let (mut leads, dataset, stats) = load_dataset(config)?;
        if leads.is_empty() {
            return Err(Error::Usage(format!("{dataset}: the dataset has no leads")));
        }
        ensure_split(&mut leads, config.run.test_fraction, config.run.seed);
        let mut eval: Vec<usize> = (0..leads.len())
            .filter(|&i| leads[i].meta.split != Some(Split::Train))
            .collect();
        if let Some(n) = limit {
            eval.truncate(n);
        }
        Ok(Dataset {
            leads,
            eval,
            dataset,
            stats,
        })
    }
}

/// Leads few-shot examples may be drawn from. `select_examples` already passes over test
/// leads, so when every lead has a split the whole dataset is given as is (no copy of the
/// train leads: at 100,000 jobs that copy was a third of the memory); only leads without a
/// split (scored as test) need filtering out.
pub(super) fn train_leads(leads: &[Lead]) -> std::borrow::Cow<'_, [Lead]> {
    if leads.iter().all(|l| l.meta.split.is_some()) {
        std::borrow::Cow::Borrowed(leads)
    } else {
        let train = leads.iter().filter(|l| l.meta.split == Some(Split::Train));
        train.cloned().collect()
    }
}

/// What the prompts of a run's LLM jobs are rendered from.
pub(super) fn rendering<'a>(config: &'a Config, eval: &'a [&'a Lead]) -> Rendering<'a> {
    Rendering {
        prompts: &config.prompts,
        eval,
        product: &config.product,
    }
}

/// The LLM jobs of `models` × the config's prompts over the `eval` leads, for the scorers
/// `keep` keeps (`--only`).
pub(super) fn llm_jobs(
    config: &Config,
    models: &[ModelSettings],
    eval: &[&Lead],
    train: &[Lead],
    keep: &dyn Fn(&ScorerId) -> bool,
) -> Result<LlmJobs, PromptError> {
    build_llm_jobs(&MatrixInput {
        models,
        render: rendering(config, eval),
        train,
        bands: config.bands,
        repeats: config.run.repeats,
        seed: config.run.seed,
        keep,
    })
}

/// A model a run leaves out, and why.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SkippedModel {
    pub model: String,
    pub why: SkipReason,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum SkipReason {
    /// Its `api_key_env` names a variable that is not set.
    KeyUnset { var: String },
    /// Its server did not come up (the launcher's message).
    ServerDown(String),
}

impl std::fmt::Display for SkippedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.why {
            SkipReason::KeyUnset { var } => write!(
                f,
                "model {}: skipped: environment variable {var} is not set",
                self.model
            ),
            SkipReason::ServerDown(message) => f.write_str(message),
        }
    }
}

/// Models whose key variable is set (or that need none), and the others.
pub(super) fn usable_models(config: &Config) -> (Vec<ModelSettings>, Vec<SkippedModel>) {
    let (mut usable, mut skipped) = (Vec::new(), Vec::new());
    for m in &config.models {
        match m.key_source() {
            KeySource::Unset { var } => skipped.push(SkippedModel {
                model: m.name.clone(),
                why: SkipReason::KeyUnset { var },
            }),
            KeySource::NotNeeded | KeySource::Set(_) => usable.push(m.clone()),
        }
    }
    (usable, skipped)
}

/// Whether `--only` keeps the scorer `id` (everything when no pattern is given). An LLM
/// scorer is kept for its logprobs reading too (`--only 'llm/*/rubric@logprobs'`): the
/// reading is of its answers.
pub(super) fn keeps(only: &[String], id: &ScorerId) -> bool {
    let reading = id.logprobs();
    only.is_empty()
        || only
            .iter()
            .any(|p| id.matches(p) || reading.as_ref().is_some_and(|r| r.matches(p)))
}

/// Every scorer the config and `--only` ask for, in report order, whether or not it can run
/// (a model without its key is still asked for, and its absence is a failure).
pub(super) fn requested_scorers(config: &Config, only: &[String]) -> Vec<ScorerId> {
    let mut ids = Vec::new();
    for (on, id) in [
        (config.baselines.heuristic, ScorerId::Heuristic),
        (config.baselines.learned, ScorerId::Learned),
    ] {
        if on && keeps(only, &id) {
            ids.push(id);
        }
    }
    for m in &config.models {
        for p in &config.prompts {
            let id = ScorerId::llm(&m.name, p.template.name());
            if keeps(only, &id) {
                // Its logprobs reading comes with it, from the same answers.
                let reading = asked_logprobs(m, p).and_then(|_| id.logprobs());
                ids.push(id);
                ids.extend(reading);
            }
        }
    }
    ids
}

/// The ids, comma-separated, for messages.
fn listed(ids: &[ScorerId]) -> String {
    let names: Vec<String> = ids.iter().map(ScorerId::to_string).collect();
    names.join(", ")
}

/// A warning for each `--only` pattern that matches none of the config's scorers, while
/// others do (a typo beside a good pattern would otherwise pass unseen).
pub(super) fn unmatched_patterns(config: &Config, only: &[String]) -> Vec<String> {
    let all = requested_scorers(config, &[]);
    only.iter()
        .filter(|p| !all.iter().any(|id| id.matches(p)))
        .map(|p| {
            format!(
                "warning: --only {p} matches none of the scorers of {} ({}); it is ignored",
                config.path.display(),
                listed(&all)
            )
        })
        .collect()
}

/// Why a run has nothing to do.
pub(super) fn nothing_to_run(config: &Config, only: &[String]) -> Error {
    let path = config.path.display();
    Error::Usage(if only.is_empty() {
        format!(
            "{path}: nothing to run: both baselines are off and no [[models]] × [[prompts]] are \
             configured"
        )
    } else {
        let all = requested_scorers(config, &[]);
        let all = if all.is_empty() {
            "none".to_string()
        } else {
            listed(&all)
        };
        let patterns = only.join(" --only ");
        format!("--only {patterns}: matches none of the scorers of {path} ({all})")
    })
}

/// Loads or generates the leads; the generator's counts come along for the sidecar.
pub(super) fn load_dataset(
    config: &Config,
) -> Result<(Vec<Lead>, String, Option<DatasetStats>), Error> {
    match &config.dataset {
        DatasetSource::File(path) => Ok((read_leads(path)?, path.display().to_string(), None)),
        DatasetSource::Generate(params) => {
            let mut stats = DatasetStats::default();
            let leads: Vec<Lead> = Generator::new(params, config.bands)
                .inspect(|l| stats.add(l))
                .collect();
            let what = format!(
                "generated: n = {}, seed = {}, label_noise = {}",
                params.n, params.seed, params.label_noise
            );
            Ok((leads, what, Some(stats)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_for_a_logprobs_reading_keeps_the_scorer_it_reads() {
        let only = vec!["llm/*/rubric@logprobs".to_string()];
        assert!(keeps(&only, &ScorerId::llm("m", "rubric")));
        assert!(keeps(&only, &ScorerId::from("llm/m/rubric@logprobs")));
        assert!(!keeps(&only, &ScorerId::llm("m", "zero_shot")));
        assert!(!keeps(&only, &ScorerId::Heuristic));
        let exact = vec!["llm/*/rubric".to_string()];
        assert!(!keeps(&exact, &ScorerId::from("llm/m/rubric@logprobs")));
    }
}
