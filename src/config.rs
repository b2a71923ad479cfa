//! The `config.toml` contract: raw serde structs (unknown keys are errors naming key and
//! line), then validated settings with paths resolved against the config file's folder.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::generate::GenerateParams;
use crate::run::{ModelSettings, RawModelSettings};
use crate::score::Bands;
use crate::score::heuristic::HeuristicWeights;
use crate::score::learned::LearnedOptions;
use crate::score::llm::{DEFAULT_PRODUCT, PromptTemplate};

/// A config file that could not be read or does not hold what it should.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawBaselines {
    heuristic: bool,
    learned: bool,
    heuristic_weights: HeuristicWeights,
    learned_options: LearnedOptions,
}

impl Default for RawBaselines {
    fn default() -> Self {
        RawBaselines {
            heuristic: true,
            learned: true,
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
}

impl Default for RawScoring {
    fn default() -> Self {
        RawScoring {
            bands: RawBands {
                high: 70,
                medium: 40,
            },
            product: DEFAULT_PRODUCT.to_string(),
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
    pub heuristic_weights: HeuristicWeights,
    pub learned_options: LearnedOptions,
}

/// One `[[prompts]]` entry, its template compiled and checked against a sample lead.
#[derive(Debug)]
pub struct PromptSpec {
    pub template: PromptTemplate,
    /// Few-shot examples to draw from the train split.
    pub examples: usize,
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
    pub baselines: BaselineSettings,
    pub models: Vec<ModelSettings>,
    pub prompts: Vec<PromptSpec>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
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
            return Err(invalid(format!(
                "run.name: expected a non-empty name of letters, digits, '-', '_' or '.', found {:?}",
                raw.run.name
            )));
        }
        if raw.run.repeats == 0 {
            return Err(invalid("run.repeats: expected at least 1".into()));
        }
        let dataset = match (raw.dataset.path, raw.dataset.generate) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "dataset: give either `path` or a [dataset.generate] table, not both".into(),
                ));
            }
            (Some(p), None) => DatasetSource::File(resolve(&p)),
            (None, Some(g)) => {
                g.validate()
                    .map_err(|e| invalid(format!("dataset.generate.{e}")))?;
                DatasetSource::Generate(g)
            }
            (None, None) => DatasetSource::Generate(GenerateParams::default()),
        };
        if let Some(b) = raw.run.budget_usd
            && !(b.is_finite() && b >= 0.0)
        {
            return Err(invalid(format!(
                "run.budget_usd: expected dollars >= 0, found {b}"
            )));
        }
        if !(raw.run.test_fraction > 0.0 && raw.run.test_fraction < 1.0) {
            return Err(invalid(format!(
                "run.test_fraction: expected a share in (0, 1), found {}",
                raw.run.test_fraction
            )));
        }
        let bands = Bands::new(raw.scoring.bands.high, raw.scoring.bands.medium)
            .map_err(|e| invalid(format!("scoring.bands: {e}")))?;
        raw.baselines
            .learned_options
            .validate()
            .map_err(|e| invalid(format!("[baselines.learned_options] {e}")))?;
        let models = raw
            .models
            .into_iter()
            .enumerate()
            .map(|(i, m)| m.validate(i).map_err(|e| invalid(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, m) in models.iter().enumerate() {
            if models[..i].iter().any(|o| o.name == m.name) {
                return Err(invalid(format!(
                    "models[{i}].name: {:?} is used by an earlier model; names must be unique",
                    m.name
                )));
            }
        }
        let mut prompts: Vec<PromptSpec> = Vec::with_capacity(raw.prompts.len());
        for (i, p) in raw.prompts.into_iter().enumerate() {
            let ok_name = !p.name.is_empty()
                && p.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok_name {
                return Err(invalid(format!(
                    "prompts[{i}].name: expected letters, digits, '-', '_' or '.', found {:?}",
                    p.name
                )));
            }
            if prompts.iter().any(|o| o.template.name() == p.name) {
                return Err(invalid(format!(
                    "prompts[{i}].name: {:?} is used by an earlier prompt; names must be unique",
                    p.name
                )));
            }
            let template = PromptTemplate::load(&p.name, &resolve(&p.path))
                .map_err(|e| invalid(format!("prompts[{i}]: {e}")))?;
            prompts.push(PromptSpec {
                template,
                examples: p.examples,
            });
        }
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
            baselines: BaselineSettings {
                heuristic: raw.baselines.heuristic,
                learned: raw.baselines.learned,
                heuristic_weights: raw.baselines.heuristic_weights,
                learned_options: raw.baselines.learned_options,
            },
            models,
            prompts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("conf/config.toml"))
    }

    #[test]
    fn shipped_config_parses() {
        let text = include_str!("../config.toml");
        let cfg = Config::parse(text, Path::new("config.toml")).expect("shipped config parses");
        assert!(matches!(cfg.dataset, DatasetSource::Generate(_)));
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = parse("[run]\nname = \"x\"\nrepeat = 2\n").expect_err("unknown key");
        let msg = err.to_string();
        assert!(msg.contains("conf/config.toml"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("repeat"), "{msg}");
    }

    #[test]
    fn relative_paths_resolve_against_the_config_folder() {
        let cfg = parse("[dataset]\npath = \"data/leads.csv\"\n").expect("parses");
        assert_eq!(
            cfg.dataset,
            DatasetSource::File(PathBuf::from("conf/data/leads.csv"))
        );
        assert_eq!(cfg.run.results_dir, PathBuf::from("conf/results"));
    }

    #[test]
    fn cross_field_errors_name_the_key() {
        let msg = parse("[dataset.generate]\nlabel_noise = 0.9\n")
            .expect_err("noise too high")
            .to_string();
        assert!(msg.contains("dataset.generate.label_noise"), "{msg}");
        let msg = parse("[scoring]\nbands = { high = 30, medium = 40 }\n")
            .expect_err("bands out of order")
            .to_string();
        assert!(msg.contains("scoring.bands"), "{msg}");
        let msg = parse("[dataset]\npath = \"a.csv\"\n[dataset.generate]\nn = 5\n")
            .expect_err("both")
            .to_string();
        assert!(msg.contains("not both"), "{msg}");
    }
}
