//! The `config.toml` contract: raw serde structs (unknown keys are errors naming key and
//! line), then validated settings with paths resolved against the config file's folder.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::evaluate::{CascadeSpec, EnsembleSpec};
use crate::generate::GenerateParams;
use crate::lead::Bands;
use crate::llm::{ModelSettings, RawModelSettings, logprobs_fit};
use crate::metrics::CapacitySetting;
use crate::score::heuristic::{HeuristicRules, HeuristicWeights, RulesError};
use crate::score::learned::LearnedOptions;
use crate::score::llm::{DEFAULT_PRODUCT, PromptSpec, PromptTemplate};

/// A config file that could not be read or does not hold what it should.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `line` is the line of the key at fault, when the key is in the file.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// The heuristic's rules file (`[baselines] heuristic_rules`) is bad; the error names it.
    #[error(transparent)]
    Rules(#[from] RulesError),
}

/// Bounds of `[run]` and `[[prompts]]` numbers; beyond them a value is a mistake that would
/// exhaust memory or never finish.
pub mod limits {
    pub const REPEATS: u32 = 100;
    pub const EXAMPLES: usize = 50;
    /// Leads generated on the fly (each run holds its leads in memory).
    pub const GENERATED_LEADS: u64 = 10_000_000;
}

/// The 1-based line of a dotted key such as `run.repeats` or `models[1].concurrency` in
/// TOML `text`; for a key that is not written (a default), the line of the closest table
/// that is. `None` when the text does not parse or nothing of the path is there.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let mut found: Option<usize> = None;
    let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
    for part in key.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let Some((k, v)) = table.and_then(|t| t.get_key_value(name)) else {
            break;
        };
        found = Some(line_of(k.span().start));
        let mut value = v.get_ref();
        if let (Some(i), DeValue::Array(items)) = (index, value) {
            let Some(item) = items.get(i) else { break };
            found = Some(line_of(item.span().start));
            value = item.get_ref();
        }
        table = match value {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    found
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    run: RawRun,
    #[serde(default)]
    dataset: RawDataset,
    #[serde(default)]
    scoring: RawScoring,
    #[serde(default)]
    baselines: RawBaselines,
    #[serde(default)]
    models: Vec<RawModelSettings>,
    #[serde(default)]
    prompts: Vec<RawPrompt>,
    #[serde(default)]
    ensembles: Vec<EnsembleSpec>,
    #[serde(default)]
    cascades: Vec<CascadeSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawBaselines {
    heuristic: bool,
    learned: bool,
    heuristic_rules: Option<PathBuf>,
    heuristic_weights: HeuristicWeights,
    learned_options: LearnedOptions,
}

impl Default for RawBaselines {
    fn default() -> Self {
        RawBaselines {
            heuristic: true,
            learned: true,
            heuristic_rules: None,
            heuristic_weights: HeuristicWeights::default(),
            learned_options: LearnedOptions::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompt {
    name: String,
    path: PathBuf,
    /// Few-shot examples drawn from the train split (used by templates that show them).
    #[serde(default = "default_examples")]
    examples: usize,
    /// Ask every model for the answers' token probabilities under this prompt (as a
    /// model's `logprobs`, which comes first where both are set).
    #[serde(default)]
    logprobs: bool,
    #[serde(default = "crate::llm::default_top_logprobs")]
    top_logprobs: u32,
}

fn default_examples() -> usize {
    6
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawRun {
    name: String,
    results_dir: PathBuf,
    repeats: u32,
    seed: u64,
    budget_usd: Option<f64>,
    cache: PathBuf,
    test_fraction: f64,
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            name: "default".into(),
            results_dir: "results".into(),
            repeats: 1,
            seed: 42,
            budget_usd: None,
            cache: ".cache/llm-cache.sqlite".into(),
            test_fraction: 0.4,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDataset {
    path: Option<PathBuf>,
    generate: Option<GenerateParams>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawScoring {
    bands: RawBands,
    product: String,
    /// Share of leads sales can work (the capacity section of reports).
    capacity: Option<f64>,
    /// … or a number of them.
    capacity_leads: Option<u64>,
}

impl Default for RawScoring {
    fn default() -> Self {
        RawScoring {
            bands: RawBands {
                high: 70,
                medium: 40,
            },
            product: DEFAULT_PRODUCT.to_string(),
            capacity: None,
            capacity_leads: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBands {
    high: u8,
    medium: u8,
}

/// Where the leads of a run come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetSource {
    /// A CSV or JSONL file in the lead schema.
    File(PathBuf),
    /// Generated on the fly with these parameters.
    Generate(GenerateParams),
}

/// `[run]`: naming, reproducibility and spending of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub name: String,
    pub results_dir: PathBuf,
    /// LLM repeats per lead.
    pub repeats: u32,
    pub seed: u64,
    /// New LLM requests stop before the run's cost would pass this many dollars.
    pub budget_usd: Option<f64>,
    /// The SQLite answer cache shared by runs.
    pub cache: PathBuf,
    /// Share of leads held out when the dataset has no `split` column.
    pub test_fraction: f64,
}

/// `[baselines]`: which in-process scorers run, and their settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineSettings {
    pub heuristic: bool,
    pub learned: bool,
    /// The heuristic's rules: the shipped table, the `heuristic_rules` file applied to it,
    /// then `[baselines.heuristic_weights]`.
    pub heuristic_rules: HeuristicRules,
    /// The `heuristic_rules` file, resolved, when one is given.
    pub heuristic_rules_path: Option<PathBuf>,
    /// Its text, as read once when the config was loaded (the rules were made from it).
    pub heuristic_rules_text: Option<String>,
    /// `[baselines.heuristic_weights]` as given (already applied to `heuristic_rules`).
    pub heuristic_weights: HeuristicWeights,
    pub learned_options: LearnedOptions,
}

/// A validated configuration, paths resolved against the config file's folder.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    pub run: RunSettings,
    pub dataset: DatasetSource,
    pub bands: Bands,
    /// What the scored company sells, given to prompt templates.
    pub product: String,
    /// Leads sales can work (`[scoring] capacity` or `capacity_leads`; default 20 %).
    pub capacity: CapacitySetting,
    pub baselines: BaselineSettings,
    pub models: Vec<ModelSettings>,
    pub prompts: Vec<PromptSpec>,
    /// Scorers combined from the others' predictions (`ensemble/<name>`).
    pub ensembles: Vec<EnsembleSpec>,
    /// One scorer, escalating some leads to another (`cascade/<name>`).
    pub cascades: Vec<CascadeSpec>,
}

impl Config {
    /// The folder the config file is in (`.` for a bare file name): relative paths in it,
    /// and a model's `launch` command, start from here.
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = crate::input::read_text_file(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: None,
            message,
        };
        // An error about one key: the message starts with the key, the line is where it is.
        let at = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: key_line(text, key),
            message: format!("{key}: {message}"),
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };

        if raw.run.name.trim().is_empty()
            || !raw
                .run
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(at(
                "run.name",
                format!(
                    "expected a non-empty name of letters, digits, '-', '_' or '.', found {:?}",
                    raw.run.name
                ),
            ));
        }
        if !(1..=limits::REPEATS).contains(&raw.run.repeats) {
            return Err(at(
                "run.repeats",
                format!(
                    "expected 1 to {}, found {}",
                    limits::REPEATS,
                    raw.run.repeats
                ),
            ));
        }
        if raw.run.cache.as_os_str().is_empty() || resolve(&raw.run.cache).is_dir() {
            return Err(at(
                "run.cache",
                format!(
                    "expected the path of an SQLite file (e.g. \".cache/llm-cache.sqlite\"), \
                     found {:?}; `bench run --no-cache` runs without one",
                    raw.run.cache
                ),
            ));
        }
        let dataset = match (raw.dataset.path, raw.dataset.generate) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "dataset: give either `path` or a [dataset.generate] table, not both".into(),
                ));
            }
            (Some(p), None) => DatasetSource::File(resolve(&p)),
            (None, Some(g)) => {
                g.validate().map_err(|e| {
                    let key = e.split_once(':').map_or("", |(k, _)| k.trim());
                    ConfigError::Invalid {
                        path: path.to_path_buf(),
                        line: key_line(text, &format!("dataset.generate.{key}")),
                        message: format!("dataset.generate.{e}"),
                    }
                })?;
                if g.n > limits::GENERATED_LEADS {
                    return Err(at(
                        "dataset.generate.n",
                        format!(
                            "expected at most {} leads, found {}",
                            limits::GENERATED_LEADS,
                            g.n
                        ),
                    ));
                }
                DatasetSource::Generate(g)
            }
            (None, None) => DatasetSource::Generate(GenerateParams::default()),
        };
        if let Some(b) = raw.run.budget_usd
            && !(b.is_finite() && b >= 0.0)
        {
            return Err(at(
                "run.budget_usd",
                format!("expected dollars >= 0, found {b}"),
            ));
        }
        if !(raw.run.test_fraction > 0.0 && raw.run.test_fraction < 1.0) {
            return Err(at(
                "run.test_fraction",
                format!(
                    "expected a share in (0, 1), found {}",
                    raw.run.test_fraction
                ),
            ));
        }
        let bands = Bands::new(raw.scoring.bands.high, raw.scoring.bands.medium)
            .map_err(|e| at("scoring.bands", e.to_string()))?;
        let capacity = match (raw.scoring.capacity, raw.scoring.capacity_leads) {
            (Some(_), Some(_)) => {
                return Err(at(
                    "scoring.capacity_leads",
                    "give either `capacity` (a share) or `capacity_leads`, not both".into(),
                ));
            }
            (Some(s), None) if !(s > 0.0 && s <= 1.0) => {
                return Err(at(
                    "scoring.capacity",
                    format!("expected a share of leads in (0, 1], found {s}"),
                ));
            }
            (Some(s), None) => CapacitySetting::Share(s),
            (None, Some(0)) => {
                return Err(at(
                    "scoring.capacity_leads",
                    "expected at least 1 lead".into(),
                ));
            }
            (None, Some(k)) => CapacitySetting::Leads(k),
            (None, None) => CapacitySetting::default(),
        };
        raw.baselines
            .learned_options
            .validate()
            .map_err(|e| match e {
                crate::score::learned::LearnedError::Options { key, message } => {
                    at(&format!("baselines.learned_options.{key}"), message)
                }
                other => at("baselines.learned_options", other.to_string()),
            })?;
        let heuristic_rules_path = raw.baselines.heuristic_rules.as_deref().map(resolve);
        // The file is read once: the rules are made from this text, and a run keeps it.
        let heuristic_rules_text = heuristic_rules_path
            .as_deref()
            .map(HeuristicRules::read_file)
            .transpose()?;
        let mut heuristic_rules = HeuristicRules::with_file(
            heuristic_rules_path
                .as_deref()
                .zip(heuristic_rules_text.as_deref()),
            &HeuristicWeights::default(),
        )?;
        heuristic_rules
            .apply(&raw.baselines.heuristic_weights)
            .map_err(|(key, message)| at(&format!("baselines.heuristic_weights.{key}"), message))?;
        let models = raw
            .models
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                m.validate(i)
                    .map_err(|e| at(&format!("models[{i}].{}", e.key), e.message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, m) in models.iter().enumerate() {
            if models[..i].iter().any(|o| o.name == m.name) {
                return Err(at(
                    &format!("models[{i}].name"),
                    format!(
                        "{:?} is used by an earlier model; names must be unique",
                        m.name
                    ),
                ));
            }
        }
        let mut prompts: Vec<PromptSpec> = Vec::with_capacity(raw.prompts.len());
        for (i, p) in raw.prompts.into_iter().enumerate() {
            let ok_name = !p.name.is_empty()
                && p.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok_name {
                return Err(at(
                    &format!("prompts[{i}].name"),
                    format!(
                        "expected letters, digits, '-', '_' or '.', found {:?}",
                        p.name
                    ),
                ));
            }
            if prompts.iter().any(|o| o.template.name() == p.name) {
                return Err(at(
                    &format!("prompts[{i}].name"),
                    format!(
                        "{:?} is used by an earlier prompt; names must be unique",
                        p.name
                    ),
                ));
            }
            if p.examples > limits::EXAMPLES {
                return Err(at(
                    &format!("prompts[{i}].examples"),
                    format!(
                        "expected 0 to {} few-shot examples, found {}",
                        limits::EXAMPLES,
                        p.examples
                    ),
                ));
            }
            let (low, high) = crate::llm::limits::TOP_LOGPROBS;
            if !(low..=high).contains(&p.top_logprobs) {
                return Err(at(
                    &format!("prompts[{i}].top_logprobs"),
                    format!(
                        "expected {low} to {high} alternatives a token, found {}",
                        p.top_logprobs
                    ),
                ));
            }
            let top_logprobs = p.logprobs.then_some(p.top_logprobs);
            // Every model that does not ask for them itself asks with this prompt's number.
            for m in models.iter().filter(|m| m.top_logprobs.is_none()) {
                if let Some(n) = top_logprobs
                    && let Err(why) = logprobs_fit(n, m.max_tokens, m.max_response_bytes as u64)
                {
                    return Err(at(
                        &format!("prompts[{i}].logprobs"),
                        format!("model {}: {why}", m.name),
                    ));
                }
            }
            let template = PromptTemplate::load(&p.name, &resolve(&p.path))
                .map_err(|e| invalid(format!("prompts[{i}]: {e}")))?;
            prompts.push(PromptSpec {
                template,
                examples: p.examples,
                top_logprobs,
            });
        }
        let ensembles = raw.ensembles.iter().map(|e| (e.name.as_str(), e.check()));
        check_derived("ensembles", ensembles, &at)?;
        let cascades = raw.cascades.iter().map(|c| (c.name.as_str(), c.check()));
        check_derived("cascades", cascades, &at)?;
        if !models.is_empty() && prompts.is_empty() {
            return Err(invalid(
                "prompts: [[models]] are configured but no [[prompts]]; add at least one".into(),
            ));
        }
        Ok(Config {
            path: path.to_path_buf(),
            run: RunSettings {
                name: raw.run.name,
                results_dir: resolve(&raw.run.results_dir),
                repeats: raw.run.repeats,
                seed: raw.run.seed,
                budget_usd: raw.run.budget_usd,
                cache: resolve(&raw.run.cache),
                test_fraction: raw.run.test_fraction,
            },
            dataset,
            bands,
            product: raw.scoring.product,
            capacity,
            baselines: BaselineSettings {
                heuristic: raw.baselines.heuristic,
                learned: raw.baselines.learned,
                heuristic_rules,
                heuristic_rules_path,
                heuristic_rules_text,
                heuristic_weights: raw.baselines.heuristic_weights,
                learned_options: raw.baselines.learned_options,
            },
            models,
            prompts,
            ensembles: raw.ensembles,
            cascades: raw.cascades,
        })
    }
}

/// Checks the tables of derived scorers (`[[ensembles]]`, `[[cascades]]`): each valid, names
/// unique; the error names `table[i].key`.
fn check_derived<'a>(
    table: &str,
    items: impl Iterator<Item = (&'a str, Result<(), (&'static str, String)>)>,
    at: &dyn Fn(&str, String) -> ConfigError,
) -> Result<(), ConfigError> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, (name, checked)) in items.enumerate() {
        checked.map_err(|(key, m)| at(&format!("{table}[{i}].{key}"), m))?;
        if seen.contains(&name) {
            let m = format!("{name:?} is used by an earlier one; names must be unique");
            return Err(at(&format!("{table}[{i}].name"), m));
        }
        seen.push(name);
    }
    Ok(())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
