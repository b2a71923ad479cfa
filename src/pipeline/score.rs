//! `bench score`'s scoring: one scorer of a config over every lead of a file, answers in the
//! leads' order, through the steps `bench run` takes. A baseline scores in-process (the
//! learned model trained as a run trains it, on the config's dataset, unless given); an LLM
//! scorer goes through the plan and the budget, the batch step, the engine (rate limits,
//! retries, the answer cache, Ctrl-C and SIGTERM keep what is done); a derived scorer scores
//! its members first (a cascade sends only the leads it escalates on to its second scorer)
//! and then applies its rule, as `evaluate` does on a run's predictions.
//!
//! Differences from a run, on purpose: every lead is scored (no train/test split, no model
//! `sample`), once (no `repeats`).

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;

use crate::Error;
use crate::config::Config;
use crate::evaluate::{Combine, LeadAnswer, RunCalibration, combine_answers, escalated_answer};
use crate::lead::{Bands, Lead, Split, read_leads};
use crate::llm::{EngineSummary, Plan, Stop, StopSignal};
use crate::prediction::{Prediction, ScorerId, Status};
use crate::score::Scorer;
use crate::score::heuristic::{HeuristicRules, HeuristicScorer};
use crate::score::learned::LearnedModel;

use super::inputs::{Dataset, rendering, requested_scorers, train_leads, usable_models};
use super::llm::LlmStep;
use super::plan::{PlanInput, plan_llm_jobs};
use super::routing::{
    Calibrated, CalibrationAsk, calibrate, calibration_line, checked_map, fingerprint_now,
};
use super::{RunOptions, note, start_runtime};

/// The `run_id` of the predictions `bench score` makes (they are not a run's).
const SCORE_RUN_ID: &str = "score";

/// What `bench score` is asked to do.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Needed for LLM and derived scorers; the baselines work without one (shipped rules,
    /// default bands).
    pub config: Option<PathBuf>,
    pub scorer: ScorerId,
    /// heuristic: a rules file in place of the config's `heuristic_rules`.
    pub rules: Option<PathBuf>,
    /// learned: labelled leads to train on (all of them) instead of the config's train split.
    pub train: Option<PathBuf>,
    /// learned: a saved model to load; with `train`, where to save the trained one.
    pub model_file: Option<PathBuf>,
    pub no_cache: bool,
    pub quiet: bool,
    /// Every model's requests through its batch API.
    pub batch: bool,
    /// Wait for open batches instead of stopping to be run again.
    pub wait: bool,
    /// Shows the plan of the LLM requests before anything is sent.
    pub show_plan: Option<fn(&Plan)>,
    /// A run whose `calibration.json` maps the scorer's scores to a probability of
    /// converting and holds its capacity cut-off; the scorer must not have changed since.
    pub calibration: Option<CalibrationAsk>,
}

/// How scoring ended.
pub enum ScoreOutcome {
    Scored(Box<Scored>),
    /// Batches are open: nothing is written; run again to collect them. `stopped_by`: a
    /// signal ended the wait for them.
    BatchPending {
        stopped_by: Option<StopSignal>,
    },
}

/// The answers on a file's leads.
pub struct Scored {
    /// One per lead, in the leads' order; a lead that could not be scored keeps its place
    /// with its status and no score.
    pub answers: Vec<Prediction>,
    /// The signal that stopped it early (the leads not reached are `skipped`).
    pub stopped_by: Option<StopSignal>,
    pub interrupted: bool,
    /// With a calibration: each answer's probability of converting and route, in order.
    pub calibrated: Option<Vec<Calibrated>>,
}

/// Scores `leads` with the scorer of `opts`.
pub fn score_leads(opts: &ScoreOptions, leads: &[Lead]) -> Result<ScoreOutcome, Error> {
    let config = match &opts.config {
        Some(path) => {
            let mut config = Config::load(path)?;
            config.run.repeats = 1;
            for m in &mut config.models {
                m.sample = None;
                m.batch |= opts.batch;
            }
            Some(config)
        }
        None => None,
    };
    let calibration = match &opts.calibration {
        Some(ask) => Some((ask, RunCalibration::load(&ask.run_dir)?)),
        None => None,
    };
    let scorer = (&opts.scorer, opts.rules.as_deref());
    // Checked before anything is sent, unless the fingerprint needs the learned model.
    let mut map = None;
    if let Some((ask, c)) = &calibration
        && let Some(now) = fingerprint_now(scorer, config.as_ref(), None)?
    {
        map = Some(checked_map(c, (&opts.scorer, ask), Some(&now))?);
    }
    let mut scoring = Scoring {
        opts,
        config,
        dataset: None,
        learned: None,
        engine: None,
        llm: Vec::new(),
        stopped_by: None,
        pending: false,
    };
    let all: Vec<&Lead> = leads.iter().collect();
    let answers = scoring.answers(&opts.scorer, &all)?;
    let Scoring {
        config,
        learned,
        llm,
        engine,
        stopped_by,
        pending,
        ..
    } = scoring;
    if pending {
        return Ok(ScoreOutcome::BatchPending { stopped_by });
    }
    if let (Some((ask, c)), None) = (&calibration, &map) {
        let now = fingerprint_now(scorer, config.as_ref(), learned.as_ref())?;
        map = Some(checked_map(c, (&opts.scorer, ask), now.as_deref())?);
    }
    let calibrated = match (&calibration, map) {
        (Some((ask, c)), Some(m)) => {
            let calibrated = calibrate(&answers, &m, ask.map, ask.capacity);
            note(calibration_line(c, &m, ask, &calibrated));
            Some(calibrated)
        }
        _ => None,
    };
    let stop_signal = engine.as_ref().and_then(|(_, stop)| stop.signal());
    let interrupted = stop_signal.is_some() || llm.iter().any(|s| s.cancelled);
    Ok(ScoreOutcome::Scored(Box::new(Scored {
        answers,
        stopped_by: stop_signal,
        interrupted,
        calibrated,
    })))
}

/// Scoring in progress: what the steps share.
struct Scoring<'a> {
    opts: &'a ScoreOptions,
    config: Option<Config>,
    /// The config's dataset, split as a run splits it: read when first needed (few-shot
    /// examples, training the learned model).
    dataset: Option<Vec<Lead>>,
    learned: Option<LearnedModel>,
    /// The async runtime and the watch for signals, started by the first LLM step.
    engine: Option<(tokio::runtime::Runtime, Stop)>,
    llm: Vec<EngineSummary>,
    stopped_by: Option<StopSignal>,
    /// Batches are open: the answers are not all there.
    pending: bool,
}

impl Scoring<'_> {
    /// `id`'s answer on each of `leads`, in order. When batches are left open (`pending`)
    /// the answers are incomplete and must not be used.
    fn answers(&mut self, id: &ScorerId, leads: &[&Lead]) -> Result<Vec<Prediction>, Error> {
        match id {
            ScorerId::Heuristic => {
                let scorer = self.heuristic()?;
                Ok(self.in_process(&scorer, leads))
            }
            ScorerId::Learned => {
                let model = self.learned_model()?;
                let answers = self.in_process(&model, leads);
                self.learned = Some(model);
                Ok(answers)
            }
            ScorerId::Llm { .. } | ScorerId::Logprobs { .. } => self.llm(id, leads),
            ScorerId::Ensemble(name) => self.ensemble(id, name, leads),
            ScorerId::Cascade(name) => self.cascade(id, name, leads),
            ScorerId::Other(_) => Err(self.unknown(id)),
        }
    }

    fn bands(&self) -> Bands {
        self.config
            .as_ref()
            .map_or_else(Bands::default, |c| c.bands)
    }

    fn in_process(&self, scorer: &dyn Scorer, leads: &[&Lead]) -> Vec<Prediction> {
        let bands = self.bands();
        leads
            .iter()
            .map(|lead| {
                let t = std::time::Instant::now();
                let score = scorer.score(lead);
                let ms = t.elapsed().as_secs_f64() * 1e3;
                score.into_prediction(SCORE_RUN_ID, &lead.lead_id, scorer.id(), &bands, ms)
            })
            .collect()
    }

    /// The config, which LLM and derived scorers need.
    fn config(&self, id: &ScorerId) -> Result<&Config, Error> {
        self.config.as_ref().ok_or_else(|| {
            Error::Usage(format!(
                "bench score --scorer {id}: give --config CONFIG.toml, the config that defines it"
            ))
        })
    }

    /// Why `id` cannot be scored: it is not one of the config's scorers.
    fn unknown(&self, id: &ScorerId) -> Error {
        let Some(config) = &self.config else {
            return Error::Usage(format!(
                "bench score --scorer {id}: not a scorer bench knows; without --config, the \
                 scorers are heuristic and learned"
            ));
        };
        let mut ids: Vec<String> = requested_scorers(config, &[])
            .iter()
            .map(ToString::to_string)
            .collect();
        ids.extend(config.ensembles.iter().map(|e| e.id().to_string()));
        ids.extend(config.cascades.iter().map(|c| c.id().to_string()));
        Error::Usage(format!(
            "bench score --scorer {id}: {} defines no such scorer; its scorers are: {}",
            config.path.display(),
            ids.join(", ")
        ))
    }

    fn heuristic(&self) -> Result<HeuristicScorer, Error> {
        let config = self.config.as_ref();
        // `--rules` takes the place of the config's `heuristic_rules`; the config's point
        // overrides apply to either.
        let rules = match (&self.opts.rules, config) {
            (Some(path), c) => {
                let weights = c.map(|c| c.baselines.heuristic_weights.clone());
                HeuristicRules::load(Some(path), &weights.unwrap_or_default())?
            }
            (None, Some(c)) => c.baselines.heuristic_rules.clone(),
            (None, None) => HeuristicRules::shipped(),
        };
        Ok(HeuristicScorer::new(rules, self.bands()))
    }

    /// The learned model: loaded (`--model-file`), trained on `--train`, or trained on the
    /// config's train split as a run trains it.
    fn learned_model(&mut self) -> Result<LearnedModel, Error> {
        let (bands, opts) = (self.bands(), self.opts);
        let options = self
            .config
            .as_ref()
            .map(|c| c.baselines.learned_options.clone())
            .unwrap_or_default();
        let model = match (&opts.train, &opts.model_file, &self.config) {
            (Some(train), save, _) => {
                let mut leads = read_leads(train)?;
                // For routing, every labelled lead of the training file is used.
                for lead in &mut leads {
                    lead.meta.split = Some(Split::Train);
                }
                let model = LearnedModel::train(&leads, &options, bands)?;
                if let Some(path) = save {
                    model.save(path)?;
                    note(format!("trained model saved to {}", path.display()));
                }
                model
            }
            (None, Some(path), _) => LearnedModel::load(path)?,
            (None, None, Some(_)) => LearnedModel::train(self.dataset()?, &options, bands)?,
            (None, None, None) => {
                return Err(Error::Usage(
                    "bench score --scorer learned: give --config CONFIG.toml (trains on its \
                     dataset as bench run does), --train LEADS.csv (labelled leads to train on) \
                     or --model-file MODEL.json (a saved model)"
                        .to_string(),
                ));
            }
        };
        Ok(model)
    }

    /// The config's dataset, split as a run splits it.
    fn dataset(&mut self) -> Result<&[Lead], Error> {
        if self.dataset.is_none() {
            let config = self.config(&ScorerId::Learned)?;
            self.dataset = Some(Dataset::load(config, None)?.leads);
        }
        Ok(self.dataset.as_deref().unwrap_or_default())
    }

    /// An LLM scorer's answers, through the plan, the batch step and the engine.
    fn llm(&mut self, id: &ScorerId, leads: &[&Lead]) -> Result<Vec<Prediction>, Error> {
        let config = self.config(id)?;
        if !requested_scorers(config, &[]).contains(id) {
            return Err(self.unknown(id));
        }
        let (models, skipped) = usable_models(config);
        if let Some(why) = skipped
            .iter()
            .find(|s| Some(s.model.as_str()) == id.model())
        {
            return Err(Error::Usage(why.to_string()));
        }
        if leads.is_empty() {
            return Ok(Vec::new());
        }
        let examples = config
            .prompts
            .iter()
            .any(|p| p.examples > 0 && id.prompt() == Some(p.template.name()));
        let train: Cow<'_, [Lead]> = if examples {
            self.dataset()?;
            train_leads(self.dataset.as_deref().unwrap_or_default())
        } else {
            Cow::Borrowed(&[])
        };
        if self.engine.is_none() {
            self.engine = Some(start_runtime()?);
        }
        let (Some(config), Some((runtime, stop))) = (&self.config, &self.engine) else {
            unreachable!("the config and the runtime are there")
        };
        let opts = self.opts;
        let run_opts = RunOptions {
            config: config.path.clone(),
            no_cache: opts.no_cache,
            quiet: opts.quiet,
            batch: opts.batch,
            wait: opts.wait,
            show_plan: opts.show_plan,
            ..RunOptions::default()
        };
        // A logprobs reading reads its LLM scorer's answers.
        let asked = id.answered_by().unwrap_or_else(|| id.clone());
        let keep = |s: &ScorerId| *s == asked;
        let ask = PlanInput {
            config,
            opts: &run_opts,
            keep: &keep,
            models: &models,
            eval: leads,
            train: &train,
            runtime,
            stop,
        };
        let planned = match plan_llm_jobs(&ask)? {
            ControlFlow::Continue(planned) => planned,
            ControlFlow::Break(stopped_by) => {
                (self.pending, self.stopped_by) = (true, stopped_by);
                return Ok(Vec::new());
            }
        };
        let step = LlmStep {
            runtime,
            stop,
            config,
            models: &models,
            eval: leads,
            run_id: SCORE_RUN_ID,
            log_dir: &std::env::temp_dir(),
            use_cache: !opts.no_cache,
            quiet: opts.quiet,
            collected_now: Arc::new(planned.collected_now),
        };
        let mut answers: Vec<Option<Prediction>> = vec![None; leads.len()];
        let matrix = planned.jobs.matrix(rendering(config, leads));
        let wanted = id.to_string();
        let keep_answer = |i: usize, p: Prediction| {
            if p.scorer == wanted {
                answers[i] = Some(p);
            }
        };
        let summary = step.run(matrix, keep_answer, &mut Vec::new())?;
        self.llm.push(summary);
        let id = id.to_string();
        Ok(answers
            .into_iter()
            .zip(leads)
            .map(|(p, lead)| p.unwrap_or_else(|| not_reached(&lead.lead_id, &id)))
            .collect())
    }

    /// An ensemble's answers: every member's, combined lead by lead.
    fn ensemble(
        &mut self,
        id: &ScorerId,
        name: &str,
        leads: &[&Lead],
    ) -> Result<Vec<Prediction>, Error> {
        let config = self.config(id)?;
        let Some(spec) = config.ensembles.iter().find(|e| e.name == name).cloned() else {
            return Err(self.unknown(id));
        };
        let bands = config.bands;
        let members = spec.members(&requested_scorers(config, &[]));
        let mut answers = Vec::with_capacity(members.len());
        for (member, _) in &members {
            answers.push(self.answers(member, leads)?);
            if self.pending {
                return Ok(Vec::new());
            }
        }
        let combined = (0..leads.len()).map(|i| {
            let on_lead: Vec<(LeadAnswer, f64)> = members
                .iter()
                .zip(&answers)
                .map(|((_, w), a)| (LeadAnswer::from(&a[i]), *w))
                .collect();
            let answer = combine_answers(&on_lead, spec.combine, bands);
            let said: Vec<String> = members
                .iter()
                .zip(&answers)
                .filter_map(|((m, _), a)| {
                    let (label, score) = a[i].parsed()?;
                    Some(format!("{m}: {score} ({})", label.as_str()))
                })
                .collect();
            let how = match spec.combine {
                Combine::Mean => "mean",
                Combine::Median => "median",
                Combine::Vote => "vote",
            };
            let why = format!("{how} of {}", said.join("; "));
            let members = answers.iter().map(|a| &a[i]);
            derived(id, &leads[i].lead_id, answer, why, members)
        });
        Ok(combined.collect())
    }

    /// A cascade's answers: `first` on every lead, `then` on the leads it escalates.
    fn cascade(
        &mut self,
        id: &ScorerId,
        name: &str,
        leads: &[&Lead],
    ) -> Result<Vec<Prediction>, Error> {
        let config = self.config(id)?;
        let Some(spec) = config.cascades.iter().find(|c| c.name == name).cloned() else {
            return Err(self.unknown(id));
        };
        let first = self.answers(&ScorerId::from(spec.first.as_str()), leads)?;
        if self.pending {
            return Ok(Vec::new());
        }
        let escalated: Vec<usize> = (0..leads.len())
            .filter(|&i| spec.escalates(&LeadAnswer::from(&first[i])))
            .collect();
        note(format!(
            "{id}: {} of {} leads escalated to {}",
            escalated.len(),
            leads.len(),
            spec.then
        ));
        let up: Vec<&Lead> = escalated.iter().map(|&i| leads[i]).collect();
        let then = self.answers(&ScorerId::from(spec.then.as_str()), &up)?;
        if self.pending {
            return Ok(Vec::new());
        }
        let mut then_of = vec![None; leads.len()];
        for (&i, p) in escalated.iter().zip(&then) {
            then_of[i] = Some(p);
        }
        let answers = first.iter().zip(then_of).zip(leads).map(|((a, b), lead)| {
            let (answer, from) = match b {
                Some(b) => (escalated_answer(&a.into(), &b.into()), b),
                None => (LeadAnswer::from(a), a),
            };
            let why = format!("{}: {}", from.scorer, from.justification);
            let members = std::iter::once(a).chain(b);
            derived(id, &lead.lead_id, Some(answer), why, members)
        });
        Ok(answers.collect())
    }
}

/// A derived scorer's prediction on a lead from its answer there, with the tokens of the
/// member answers it was made from.
fn derived<'p>(
    id: &ScorerId,
    lead_id: &str,
    answer: Option<LeadAnswer>,
    justification: String,
    members: impl Iterator<Item = &'p Prediction>,
) -> Prediction {
    let status = answer.map_or(Status::Skipped, |a| a.status);
    let mut p = Prediction::empty(SCORE_RUN_ID, lead_id, &id.to_string(), 0, status);
    if let Some(a) = answer {
        if let Some((label, score)) = a.parsed {
            (p.lead_label, p.lead_score) = (Some(label), Some(score));
        }
        (p.latency_ms, p.cost_usd) = (a.latency_ms, a.cost_usd);
    }
    p.justification = justification;
    for m in members {
        let add = |total: &mut Option<u32>, n: Option<u32>| {
            if let Some(n) = n {
                *total = Some(total.unwrap_or(0) + n);
            }
        };
        add(&mut p.prompt_tokens, m.prompt_tokens);
        add(&mut p.completion_tokens, m.completion_tokens);
        if m.status != Status::Ok && p.error.is_empty() && !m.error.is_empty() {
            p.error = format!("{}: {}", m.scorer, m.error);
        }
    }
    p
}

/// The answer of a lead the engine never reached (the run was stopped).
fn not_reached(lead_id: &str, scorer: &str) -> Prediction {
    let mut p = Prediction::empty(SCORE_RUN_ID, lead_id, scorer, 0, Status::Skipped);
    p.error = "not scored: stopped before this lead".into();
    p
}
