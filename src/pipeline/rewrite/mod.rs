//! `bench generate --rewrite-with <model>`: a model of the config writes each generated
//! lead's inbound message anew, from the lead's latent spec (who sent it, what kind of
//! sender, how strong the need) and its template message, through the same engine as a run
//! (its limits, retries, answer cache and budget; its batch API when the model has
//! `batch`; the plan first). Every other field of the lead — gold label and score, outcome,
//! split, archetype — stays as generated, and a rewrite the guard rejects (`guard.rs`)
//! leaves the template message. An injection twin takes its lead's new message, with its
//! payload where it was.
//!
//! The answers are cached like any request: the same dataset, model, template and cache
//! give the same messages, so a second generate sends nothing and writes the same bytes.

mod guard;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use crate::Error;
use crate::config::Config;
use crate::generate::{KeptTemplate, RewriteCounts};
use crate::lead::{Label, Lead, twin_of};
use crate::llm::{
    Cache, CallResult, EngineOptions, EngineSummary, JobGroup, JobSource, JobStream, KeySource,
    LlmJob, ModelSettings, Plan, StopSignal, clear_batch_failures, ensure_up, key_ring, plan,
    run_jobs, sync_batches,
};
use crate::score::heuristic::HeuristicScorer;
use crate::score::llm::{BlockTemplate, PromptLead};

use guard::{Guard, Rejection, message_in, word_types};

use super::kept::sha256_hex;
use super::plan::show_and_check;
use super::{note, start_runtime};

/// Completion tokens of a typical rewritten message, assumed by the plan until the cache
/// holds some: one to four sentences in a JSON object.
pub const REWRITE_ANSWER_TOKENS: u32 = 120;

/// The shipped `prompts/rewrite.j2`, for configs kept where it is not.
pub const SHIPPED_TEMPLATE: &str = include_str!("../../../prompts/rewrite.j2");

/// What a rewrite is asked with.
pub struct RewriteRequest<'a> {
    pub config: &'a Config,
    /// The name of one of the config's `[[models]]`.
    pub model: &'a str,
    /// The template; by default `prompts/rewrite.j2` beside the config, or when there is
    /// none, the copy built into `bench` ([`SHIPPED_TEMPLATE`]).
    pub template: Option<&'a Path>,
    /// Whether the plan reads the answer cache (`bench plan --no-cache` does not); the
    /// rewrite itself always uses it.
    pub use_cache: bool,
    pub quiet: bool,
    /// With a batch model: wait for its batch instead of exiting to be run again.
    pub wait: bool,
    /// Shows the plan before anything is sent.
    pub show_plan: Option<fn(&Plan)>,
}

/// How a rewrite ended.
#[derive(Debug)]
pub enum Rewritten {
    /// The messages are rewritten (or kept), with the counts for the sidecar.
    Done(RewriteCounts),
    /// A batch is still open (or was just submitted): nothing is written; run again.
    BatchPending { stopped_by: Option<StopSignal> },
    /// Ctrl-C or SIGTERM stopped the requests: nothing is written (the answers so far are
    /// in the cache).
    Interrupted(StopSignal),
}

/// The rewrite jobs of a dataset: one per lead that is not a twin.
struct RewriteJobs {
    group: JobGroup,
    jobs: Vec<LlmJob>,
    /// The index in the dataset of each job's lead.
    leads: Vec<usize>,
}

impl JobSource for RewriteJobs {
    fn groups(&self) -> Vec<JobGroup> {
        vec![self.group.clone()]
    }

    fn streams(&self) -> Vec<JobStream<'_>> {
        vec![JobStream {
            model: 0,
            counts: vec![(self.group.id.clone(), self.jobs.len() as u64)],
            jobs: Box::new(self.jobs.iter().cloned().map(Ok)),
        }]
    }
}

/// What the template sees besides the lead.
#[derive(Serialize)]
struct Spec {
    /// The lead's archetype in words (`enterprise buyer`).
    archetype: String,
    /// How strong the sender's need is, in words, from the gold label.
    need: &'static str,
    /// The gold label and score, for templates that want them (the shipped one does not).
    label: &'static str,
    score: Option<u8>,
}

#[derive(Serialize)]
struct RewriteContext<'a> {
    lead: PromptLead,
    spec: Spec,
    product: &'a str,
    schema: &'a str,
}

/// The need a gold label stands for, as the shipped template tells it to the model.
fn need(label: Option<Label>) -> &'static str {
    match label {
        Some(Label::High) => {
            "a concrete, near-term need: a use case, a scale, a timeline or a budget, and a \
             next step asked for"
        }
        Some(Label::Medium) => {
            "real interest but early: exploring options, few specifics, no timeline"
        }
        Some(Label::Low) => "little or no intent to buy (or not a possible customer at all)",
        None => "unknown",
    }
}

/// The JSON schema of a rewrite's answer.
fn answer_schema() -> Value {
    json!({
        "type": "object",
        "properties": { "message": { "type": "string" } },
        "required": ["message"],
        "additionalProperties": false
    })
}

/// The model named by `--rewrite-with`, with a key at hand.
fn rewrite_model(config: &Config, name: &str) -> Result<ModelSettings, Error> {
    let Some(model) = config.models.iter().find(|m| m.name == name) else {
        let names: Vec<&str> = config.models.iter().map(|m| m.name.as_str()).collect();
        return Err(Error::Usage(format!(
            "--rewrite-with {name}: {} has no [[models]] entry named {name:?} (its models: {})",
            config.path.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    if let KeySource::Unset { var } = model.key_source() {
        return Err(Error::Usage(format!(
            "--rewrite-with {name}: environment variable {var} (the model's api_key_env) is not set"
        )));
    }
    // A message is not read for token probabilities (its jobs do not ask for them).
    Ok(model.clone())
}

/// Renders the template for every lead that is not a twin; a lead it does not render for
/// stops the generate with the template's file and line.
fn rewrite_jobs(
    leads: &[Lead],
    template: &BlockTemplate,
    model: &ModelSettings,
    product: &str,
) -> Result<RewriteJobs, Error> {
    let schema = Arc::new(answer_schema());
    let schema_text = serde_json::to_string(&*schema).expect("the schema serialises");
    let id: Arc<str> = Arc::from(format!("rewrite/{}", model.name));
    let mut systems: HashMap<String, Arc<str>> = HashMap::new();
    let (mut jobs, mut indices) = (Vec::new(), Vec::new());
    for (i, lead) in leads.iter().enumerate() {
        if twin_of(&lead.lead_id).is_some() {
            continue;
        }
        let ctx = RewriteContext {
            lead: PromptLead::from(lead),
            spec: Spec {
                archetype: lead
                    .meta
                    .archetype
                    .as_deref()
                    .unwrap_or("unknown")
                    .replace('_', " "),
                need: need(lead.gold.as_ref().map(|g| g.label)),
                label: lead.gold.as_ref().map_or("unknown", |g| g.label.as_str()),
                score: lead.gold.as_ref().and_then(|g| g.score),
            },
            product,
            schema: &schema_text,
        };
        let rendered = template.render(&ctx)?;
        let system = systems
            .entry(rendered.system)
            .or_insert_with_key(|s| Arc::from(s.as_str()))
            .clone();
        jobs.push(LlmJob {
            job_id: jobs.len() as u64,
            model: 0,
            scorer: id.clone(),
            system,
            user: rendered.user,
            schema: Some(schema.clone()),
            repeat: 0,
            top_logprobs: None,
        });
        indices.push(i);
    }
    let group = JobGroup {
        id,
        model: 0,
        typical_answer_tokens: REWRITE_ANSWER_TOKENS,
        top_logprobs: None,
    };
    Ok(RewriteJobs {
        group,
        jobs,
        leads: indices,
    })
}

/// The model, its jobs, and the template's name and hash.
fn prepare(
    leads: &[Lead],
    req: &RewriteRequest<'_>,
) -> Result<(ModelSettings, RewriteJobs, (String, String)), Error> {
    let model = rewrite_model(req.config, req.model)?;
    let template = load_template(req)?;
    let sha = sha256_hex(template.source().as_bytes());
    let jobs = rewrite_jobs(leads, &template, &model, &req.config.product)?;
    Ok((model, jobs, (template.path().display().to_string(), sha)))
}

/// The template `req` names, or the default (see [`RewriteRequest::template`]).
fn load_template(req: &RewriteRequest<'_>) -> Result<BlockTemplate, Error> {
    if let Some(path) = req.template {
        return Ok(BlockTemplate::load(path)?);
    }
    let beside = req.config.dir().join("prompts").join("rewrite.j2");
    Ok(if beside.is_file() {
        BlockTemplate::load(&beside)?
    } else {
        BlockTemplate::compile(Path::new(BUILT_IN), SHIPPED_TEMPLATE.to_string())?
    })
}

/// How the sidecar names the built-in template.
const BUILT_IN: &str = "prompts/rewrite.j2 (built in)";

/// What rewriting `leads` would send and cost (`bench generate --rewrite-with … --plan`).
pub fn plan_rewrites(leads: &[Lead], req: &RewriteRequest<'_>) -> Result<Plan, Error> {
    let (model, jobs, _) = prepare(leads, req)?;
    let cache_path = &req.config.run.cache;
    let cache = if req.use_cache && cache_path.is_file() {
        Some(Cache::open(cache_path)?)
    } else {
        None
    };
    Ok(plan(&jobs, std::slice::from_ref(&model), cache.as_ref())?)
}

/// Rewrites the messages of `leads` in place (see the module doc). The answers always go
/// through the answer cache, which keeps the dataset the same on a second generate.
pub fn rewrite_messages(leads: &mut [Lead], req: &RewriteRequest<'_>) -> Result<Rewritten, Error> {
    let (model, jobs, prompt) = prepare(leads, req)?;
    let (answers, summary) = match ask(&model, &jobs, req)? {
        Asked::Answers(answers, summary) => (answers, summary),
        Asked::Stopped(rewritten) => return Ok(rewritten),
    };
    let mut counts = RewriteCounts {
        model: model.name.clone(),
        prompt: prompt.0,
        prompt_sha256: prompt.1,
        asked: jobs.jobs.len() as u64,
        from_cache: summary.from_cache,
        cost_usd: summary.cost_usd,
        ..RewriteCounts::default()
    };
    apply(leads, &jobs, answers, &model, req.config, &mut counts);
    Ok(Rewritten::Done(counts))
}

/// What asking the model came to.
enum Asked {
    /// The answer of each job (`None` where there was none), and the engine's totals.
    Answers(Vec<Option<String>>, EngineSummary),
    /// A batch still open, or a stop signal: nothing to write.
    Stopped(Rewritten),
}

/// Sends the jobs (the plan and the budget first; through the batch API for a batch model)
/// and collects the answers.
fn ask(
    model: &ModelSettings,
    jobs: &RewriteJobs,
    req: &RewriteRequest<'_>,
) -> Result<Asked, Error> {
    let models = std::slice::from_ref(model);
    let config = req.config;
    let cache_path = &config.run.cache;
    let cache = cache_path
        .is_file()
        .then(|| Cache::open(cache_path))
        .transpose()?;
    show_and_check(&plan(jobs, models, cache.as_ref())?, config, req.show_plan)?;
    drop(cache);
    let (runtime, stop) = start_runtime()?;
    let mut collected_now = Default::default();
    if model.batch {
        let say = |line: &str| note(line);
        let synced = runtime.block_on(sync_batches(
            jobs,
            models,
            cache_path,
            req.wait,
            &stop.cancel,
            &say,
        ))?;
        for line in &synced.open {
            note(line);
        }
        if !synced.open.is_empty() {
            let stopped_by = stop.signal();
            return Ok(Asked::Stopped(Rewritten::BatchPending { stopped_by }));
        }
        collected_now = synced.collected;
    }
    // A server it starts logs beside the answer cache.
    let log = match cache_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(format!("server-{}.log", model.name)),
        _ => format!("server-{}.log", model.name).into(),
    };
    let mut answers: Vec<Option<String>> = vec![None; jobs.jobs.len()];
    let summary = runtime.block_on(async {
        let server = ensure_up(model, config.dir(), &log, note)
            .await
            .map_err(|why| Error::Setup {
                what: "the rewrite model's server",
                source: std::io::Error::other(why),
            })?;
        let opts = EngineOptions {
            cache: Some(cache_path.clone()),
            budget_usd: config.run.budget_usd,
            quiet: req.quiet,
            cancel: stop.cancel.clone(),
            abort: stop.abort.clone(),
            collected_now: Arc::new(collected_now),
            ..EngineOptions::default()
        };
        let summary = run_jobs(models, jobs.jobs.clone(), opts, |o| {
            if let CallResult::Answer { content, .. } = o.result {
                answers[o.job_id as usize] = Some(content);
            }
        })
        .await;
        drop(server);
        Ok::<_, Error>(summary?)
    })?;
    for w in &summary.warnings {
        note(w);
    }
    if let Some(signal) = stop.signal().filter(|_| summary.cancelled) {
        return Ok(Asked::Stopped(Rewritten::Interrupted(signal)));
    }
    // The batch failures read as outcomes are used up: the next generate sends them again.
    if model.batch {
        clear_batch_failures(cache_path)?;
    }
    Ok(Asked::Answers(answers, summary))
}

/// Puts each answer the guard keeps in place of its lead's template message (and in its
/// twin's), and counts what was kept, rejected and the word types before and after.
fn apply(
    leads: &mut [Lead],
    jobs: &RewriteJobs,
    answers: Vec<Option<String>>,
    model: &ModelSettings,
    config: &Config,
    counts: &mut RewriteCounts,
) {
    let heuristic = HeuristicScorer::new(config.baselines.heuristic_rules.clone(), config.bands);
    let guard = Guard {
        heuristic: &heuristic,
    };
    let keys = key_ring(std::slice::from_ref(model));
    let originals = |leads: &[Lead]| {
        let ms = leads.iter().filter(|l| twin_of(&l.lead_id).is_none());
        word_types(ms.map(|l| l.inbound_message.as_str())) as u64
    };
    counts.word_types_before = originals(leads);
    let mut new_messages: HashMap<String, (String, String)> = HashMap::new();
    for (answer, &li) in answers.into_iter().zip(&jobs.leads) {
        let lead = &mut leads[li];
        let verdict = match answer.as_deref().map(message_in) {
            None => Err(Rejection::Unanswered),
            Some(None) => Err(Rejection::Unparsable),
            Some(Some(mut message)) => {
                keys.redact_in_place(&mut message);
                guard.check(lead, &message).map(|()| message)
            }
        };
        match verdict {
            Ok(message) => {
                counts.rewritten += 1;
                let old = std::mem::replace(&mut lead.inbound_message, message.clone());
                new_messages.insert(lead.lead_id.clone(), (old, message));
            }
            Err(why) => count_kept(&mut counts.kept_template, why),
        }
    }
    for twin in leads.iter_mut() {
        let Some((old, new)) = twin_of(&twin.lead_id).and_then(|of| new_messages.get(of)) else {
            continue;
        };
        twin.inbound_message = twin.inbound_message.replacen(old.as_str(), new, 1);
    }
    counts.word_types_after = originals(leads);
    counts.word_type_growth = if counts.word_types_before == 0 {
        1.0
    } else {
        counts.word_types_after as f64 / counts.word_types_before as f64
    };
}

fn count_kept(kept: &mut KeptTemplate, why: Rejection) {
    let n = match why {
        Rejection::Unanswered => &mut kept.unanswered,
        Rejection::Unparsable => &mut kept.unparsable,
        Rejection::Length => &mut kept.length,
        Rejection::DroppedFacts => &mut kept.dropped_facts,
        Rejection::LeakedLabelWords => &mut kept.leaked_label_words,
        Rejection::MovedSignals => &mut kept.moved_signals,
    };
    *n += 1;
}
