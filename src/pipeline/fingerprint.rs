//! A scorer's fingerprint: the SHA-256 (lowercase hex) of the canonical JSON of what decides
//! its scores, so that maps fitted on one run's scores (`calibration.json`) are applied only
//! to scores made the same way. A run keeps one per scorer in `run.json`; `bench score
//! --calibration` computes the current one from the config and compares.
//!
//! What goes in, per kind of scorer (and nothing else):
//! - `llm/<model>/<prompt>`: the prompt template's text (as the config loaded it), its
//!   `examples` count, the config's `product` and bands (templates are given them), and the model
//!   settings that change answers: `model`, `temperature`, `max_tokens`, `reasoning`,
//!   `structured_output` (not `base_url`, keys, limits, `batch` or `sample`);
//! - `llm/<model>/<prompt>@logprobs`: its LLM scorer's fingerprint and `top_logprobs`;
//! - `heuristic`: the built-in rules table, the text of the config's `heuristic_rules` file
//!   (when it names one), `[baselines.heuristic_weights]` and the bands;
//! - `learned`: the trained model, as `learned-model.json` holds it;
//! - `ensemble/<name>`, `cascade/<name>`: the config's table and the fingerprints of its
//!   members by id: for an ensemble, the scorers given (those of the run) that its patterns
//!   match, derived ones excepted, as `evaluate/ensemble.rs` picks them; for a cascade,
//!   `first` and `then`. `None` when a member has none.
//!
//! The score bands are in every one: the heuristic caps its score to the band its signals
//! reach, prompts show the bands to the model, and a trained model stores them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::inputs::requested_scorers;
use super::kept::sha256_hex;
use crate::config::Config;
use crate::lead::Bands;
use crate::llm::{ModelSettings, StructuredOutput, asked_logprobs};
use crate::prediction::ScorerId;
use crate::score::heuristic::{HeuristicRules, HeuristicWeights};
use crate::score::learned::LearnedModel;
use crate::score::llm::PromptSpec;

/// How deep derived scorers may stand on derived scorers (a cascade of an ensemble, …);
/// deeper (or a loop) has no fingerprint.
const MAX_DEPTH: u8 = 8;

/// The fingerprint of scorer `id` as the config makes it now; a derived scorer's members
/// are found among every scorer the config turns on (`heuristic`, `learned`, each model ×
/// prompt). `learned` is the trained model (no fingerprint without one). `None` for a
/// scorer the config does not define.
pub fn scorer_fingerprint(
    config: &Config,
    id: &ScorerId,
    learned: Option<&LearnedModel>,
) -> Option<String> {
    let scorers = requested_scorers(config, &[]);
    scorer_fingerprint_among(config, id, learned, &scorers)
}

/// [`scorer_fingerprint`], a derived scorer's members found among `scorers` (the scorers of
/// a run, as `run.json` lists them).
pub fn scorer_fingerprint_among(
    config: &Config,
    id: &ScorerId,
    learned: Option<&LearnedModel>,
    scorers: &[ScorerId],
) -> Option<String> {
    let learned = learned.map(learned_fingerprint);
    let base = |id: &ScorerId| match id {
        ScorerId::Learned => learned.clone(),
        other => base_fingerprint(config, other),
    };
    fingerprint_with(config, id, scorers, &base, MAX_DEPTH)
}

/// The heuristic's fingerprint for a rules file's text (`None`: the built-in table alone),
/// point overrides and bands.
pub fn heuristic_fingerprint(
    rules_file: Option<&str>,
    weights: &HeuristicWeights,
    bands: Bands,
) -> String {
    #[derive(Serialize)]
    struct Heuristic<'a> {
        kind: &'static str,
        built_in: &'a str,
        file: Option<&'a str>,
        weights: &'a HeuristicWeights,
        bands: Bands,
    }
    hash(&Heuristic {
        kind: "heuristic",
        built_in: HeuristicRules::shipped_text(),
        file: rules_file,
        weights,
        bands,
    })
}

/// The learned model's fingerprint.
pub fn learned_fingerprint(model: &LearnedModel) -> String {
    #[derive(Serialize)]
    struct Learned<'a> {
        kind: &'static str,
        model: &'a LearnedModel,
    }
    hash(&Learned {
        kind: "learned",
        model,
    })
}

/// An LLM scorer's fingerprint: `model` under `prompt`.
fn llm_fingerprint(config: &Config, model: &ModelSettings, prompt: &PromptSpec) -> String {
    #[derive(Serialize)]
    struct Llm<'a> {
        kind: &'static str,
        template: &'a str,
        examples: usize,
        product: &'a str,
        bands: Bands,
        model: &'a str,
        temperature: f64,
        max_tokens: u32,
        reasoning: bool,
        structured_output: &'static str,
    }
    hash(&Llm {
        kind: "llm",
        template: prompt.template.source(),
        examples: prompt.examples,
        product: &config.product,
        bands: config.bands,
        model: &model.model,
        temperature: model.temperature,
        max_tokens: model.max_tokens,
        reasoning: model.reasoning,
        structured_output: match model.structured_output {
            StructuredOutput::JsonSchema => "json_schema",
            StructuredOutput::JsonObject => "json_object",
            StructuredOutput::None => "none",
        },
    })
}

/// The fingerprint of a scorer that is not derived and not the learned model.
fn base_fingerprint(config: &Config, id: &ScorerId) -> Option<String> {
    match id {
        ScorerId::Heuristic => {
            let b = &config.baselines;
            let file = b.heuristic_rules_text.as_deref();
            Some(heuristic_fingerprint(
                file,
                &b.heuristic_weights,
                config.bands,
            ))
        }
        ScorerId::Llm { model, prompt } => {
            let m = config.models.iter().find(|m| &m.name == model)?;
            let p = config
                .prompts
                .iter()
                .find(|p| p.template.name() == prompt)?;
            Some(llm_fingerprint(config, m, p))
        }
        // The reading of the same answers, with how many alternatives it reads.
        ScorerId::Logprobs { .. } => {
            let answered_by = id.answered_by()?;
            let answers = base_fingerprint(config, &answered_by)?;
            let ScorerId::Llm { model, prompt } = &answered_by else {
                return None;
            };
            let m = config.models.iter().find(|m| &m.name == model)?;
            let p = config
                .prompts
                .iter()
                .find(|p| p.template.name() == prompt)?;
            Some(hash(&("logprobs", answers, asked_logprobs(m, p)?)))
        }
        _ => None,
    }
}

/// A derived scorer's fingerprint at the end of a run: its members among the scorers that
/// ran, with the fingerprints the run recorded for them.
pub(super) fn derived_fingerprint(
    config: &Config,
    id: &ScorerId,
    ran: &[ScorerId],
    known: &dyn Fn(&ScorerId) -> Option<String>,
) -> Option<String> {
    fingerprint_with(config, id, ran, known, MAX_DEPTH)
}

/// Any scorer's fingerprint, those of its members from `base` (the scorers that are not
/// derived) or, derived themselves, from here again.
fn fingerprint_with(
    config: &Config,
    id: &ScorerId,
    scorers: &[ScorerId],
    base: &dyn Fn(&ScorerId) -> Option<String>,
    depth: u8,
) -> Option<String> {
    #[derive(Serialize)]
    struct Derived<'a, S> {
        kind: &'static str,
        spec: &'a S,
        members: BTreeMap<String, String>,
    }
    let member = |id: &ScorerId| -> Option<(String, String)> {
        let fp = if id.is_derived() {
            fingerprint_with(config, id, scorers, base, depth.checked_sub(1)?)?
        } else {
            base(id)?
        };
        Some((id.to_string(), fp))
    };
    match id {
        ScorerId::Ensemble(name) => {
            let spec = config.ensembles.iter().find(|e| &e.name == name)?;
            let members: Vec<&ScorerId> = scorers
                .iter()
                .filter(|s| !s.is_derived() && spec.of.iter().any(|p| s.matches(p)))
                .collect();
            if members.is_empty() {
                return None;
            }
            let members = members.into_iter().map(member).collect::<Option<_>>()?;
            Some(hash(&Derived {
                kind: "ensemble",
                spec,
                members,
            }))
        }
        ScorerId::Cascade(name) => {
            let spec = config.cascades.iter().find(|c| &c.name == name)?;
            let ids = [spec.first.as_str(), spec.then.as_str()].map(ScorerId::from);
            let members = ids.iter().map(member).collect::<Option<_>>()?;
            Some(hash(&Derived {
                kind: "cascade",
                spec,
                members,
            }))
        }
        other => base(other),
    }
}

/// SHA-256 of the value's JSON: canonical, as every map in it is a `BTreeMap` or a struct
/// (fields in declared order) and floats print the same way every time.
fn hash(value: &impl Serialize) -> String {
    sha256_hex(&serde_json::to_vec(value).expect("a fingerprint's inputs serialise"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(dir: &Path, extra: &str, template: &str) -> Config {
        std::fs::write(dir.join("p.j2"), template).expect("template");
        let text = format!(
            "[dataset.generate]\nn = 50\n\n\
             [[models]]\nname = \"m\"\nmodel = \"real-model\"\n\
             base_url = \"http://127.0.0.1:9/v1\"\n{extra}\n\
             [[prompts]]\nname = \"p\"\npath = \"p.j2\"\n\n\
             [[ensembles]]\nname = \"e\"\nof = [\"heuristic\", \"llm/*\"]\n\n\
             [[cascades]]\nname = \"c\"\nfirst = \"heuristic\"\nthen = \"llm/m/p\"\n\
             escalate = {{ score_between = [30, 70] }}\n"
        );
        let path = dir.join("config.toml");
        Config::parse(&text, &path).expect("config parses")
    }

    const TEMPLATE: &str = "{% block system %}Score leads for {{ product }}.{% endblock %}\n\
                            {% block user %}{{ lead.company_name }}{% endblock %}";

    fn all(c: &Config) -> Vec<Option<String>> {
        ["heuristic", "llm/m/p", "ensemble/e", "cascade/c"]
            .iter()
            .map(|id| scorer_fingerprint(c, &ScorerId::from(*id), None))
            .collect()
    }

    #[test]
    fn the_same_config_gives_the_same_fingerprints_and_what_changes_answers_changes_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = all(&config(dir.path(), "", TEMPLATE));
        assert!(base.iter().all(Option::is_some), "{base:?}");
        assert!(base.iter().flatten().all(|f| f.len() == 64));
        assert_eq!(base, all(&config(dir.path(), "", TEMPLATE)));
        // Where the requests go and how fast: the same scores.
        let same = config(
            dir.path(),
            "rpm = 10\nconcurrency = 2\ntimeout_s = 5\n",
            TEMPLATE,
        );
        assert_eq!(all(&same), base);
        let mut other_url = config(dir.path(), "", TEMPLATE);
        other_url.models[0].base_url = "http://elsewhere/v1".into();
        assert_eq!(all(&other_url), base);
        // Other bands: every scorer changes (the heuristic caps by band, prompts show them).
        let mut other_bands = config(dir.path(), "", TEMPLATE);
        other_bands.bands = crate::lead::Bands::new(80, 50).expect("bands");
        let now = all(&other_bands);
        assert!(now.iter().zip(&base).all(|(a, b)| a != b), "{now:?}");
        // The prompt's text, or the temperature: the LLM and what it is a member of change,
        // the heuristic does not.
        for changed in [
            config(
                dir.path(),
                "",
                &TEMPLATE.replace("Score leads", "Score these leads"),
            ),
            config(dir.path(), "temperature = 0.7\n", TEMPLATE),
        ] {
            let now = all(&changed);
            assert_eq!(now[0], base[0]);
            for i in 1..4 {
                assert_ne!(now[i], base[i], "scorer {i}");
            }
        }
        // A rule: the heuristic and both derived scorers change, the LLM does not.
        let mut rules = config(dir.path(), "", TEMPLATE);
        let mut weights = BTreeMap::new();
        weights.insert("seniority.director".to_string(), 9);
        rules.baselines.heuristic_weights = HeuristicWeights(weights);
        let now = all(&rules);
        assert_eq!(now[1], base[1]);
        for i in [0, 2, 3] {
            assert_ne!(now[i], base[i], "scorer {i}");
        }
        rules.baselines.heuristic_weights = HeuristicWeights::default();
        rules.baselines.heuristic_rules_text = Some("# my rules\n".into());
        assert_ne!(all(&rules)[0], base[0]);
    }

    #[test]
    fn unknown_scorers_and_a_missing_model_have_none_and_members_come_from_the_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = config(dir.path(), "", TEMPLATE);
        for id in [
            "llm/m/q",
            "llm/x/p",
            "ensemble/x",
            "cascade/x",
            "learned",
            "other",
        ] {
            assert_eq!(
                scorer_fingerprint(&c, &ScorerId::from(id), None),
                None,
                "{id}"
            );
        }
        let e = ScorerId::from("ensemble/e");
        let run = [ScorerId::Heuristic];
        let heuristic_only = scorer_fingerprint_among(&c, &e, None, &run);
        assert!(heuristic_only.is_some());
        assert_ne!(heuristic_only, scorer_fingerprint(&c, &e, None));
        assert_eq!(scorer_fingerprint_among(&c, &e, None, &[]), None);
    }

    #[test]
    fn a_learned_model_saved_and_loaded_keeps_its_fingerprint() {
        use crate::generate::{GenerateParams, Generator};
        use crate::lead::{Bands, Lead};
        let params = GenerateParams {
            n: 200,
            ..GenerateParams::default()
        };
        let leads: Vec<Lead> = Generator::new(&params, Bands::default()).collect();
        let opts = crate::score::learned::LearnedOptions::default();
        let model = LearnedModel::train(&leads, &opts, Bands::default()).expect("trains");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("learned-model.json");
        model.save(&path).expect("saves");
        let back = LearnedModel::load(&path).expect("loads");
        let fp = learned_fingerprint(&model);
        assert_eq!(learned_fingerprint(&back), fp);
        let mut c = config(dir.path(), "", TEMPLATE);
        c.ensembles[0].of.push("learned".into());
        let id = ScorerId::Learned;
        assert_eq!(scorer_fingerprint(&c, &id, Some(&back)), Some(fp.clone()));
        // An ensemble with the learned model among its members has a fingerprint only when
        // the model is given.
        let e = ScorerId::from("ensemble/e");
        let run = [ScorerId::Heuristic, ScorerId::Learned];
        let (with, without) = (
            scorer_fingerprint_among(&c, &e, Some(&model), &run),
            scorer_fingerprint_among(&c, &e, None, &run),
        );
        assert!(with.is_some() && without.is_none());
    }
}
