//! What a run will send before it sends anything: per scorer its jobs, how many the answer
//! cache already holds, the tokens and cost of the rest (interactive and through a batch
//! API), and per model the wall time its `rpm`, `tpm` and `concurrency` imply. Nothing is
//! sent and nothing is written.
//!
//! Estimates, from what is known before sending:
//! - prompt tokens: the rendered messages at about four characters a token plus a few for
//!   the chat format (what the tokens/min limiter charges);
//! - completion tokens: the mean of the scorer's answers already in the cache (an earlier
//!   run with the same prompt) or else [`ANSWER_TOKENS`] ([`ANALYSIS_TOKENS`] for prompts
//!   that ask for an analysis), at most `max_tokens`; the worst case is `max_tokens` each;
//! - latency: the median of the model's cached answers, or else [`ASSUMED_LATENCY_S`].

use std::collections::HashMap;

use serde::Serialize;

use super::cache::{Cache, CacheError};
use super::client::build_request;
use super::job::JobSource;
use super::model::{LOGPROB_BYTES, ModelSettings};
use crate::metrics::quantile;

/// Completion tokens of a typical JSON answer (score, label, a sentence of justification):
/// the local SmolLM2's average 47, hosted models' 30–50.
pub const ANSWER_TOKENS: u32 = 50;
/// The same with a paragraph of analysis written before the score.
pub const ANALYSIS_TOKENS: u32 = 200;
/// Seconds a request is assumed to take when no answer of the model is cached.
pub const ASSUMED_LATENCY_S: f64 = 2.0;

/// Where an estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Measured on answers already in the cache.
    Cache,
    /// A default of this module, stated in the output.
    Assumed,
}

/// The plan of one LLM scorer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorerEstimate {
    pub id: String,
    pub model: String,
    pub jobs: u64,
    /// Jobs the cache answers: free and instant.
    pub cached: u64,
    /// Jobs whose prompt does not render for their lead: recorded as skipped, never sent.
    pub unrendered: u64,
    pub to_send: u64,
    /// Estimated over the jobs to send.
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub completion_basis: Basis,
    /// `max_tokens` for each job to send.
    pub max_completion_tokens: u64,
    /// At the model's price; `null` without one.
    pub cost_usd: Option<f64>,
    pub batch_cost_usd: Option<f64>,
    /// Every answer `max_tokens` long.
    pub worst_cost_usd: Option<f64>,
    /// Alternatives a token its requests ask for, when they ask for token probabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
}

/// The plan of one model (its scorers together).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelEstimate {
    pub name: String,
    pub to_send: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: Option<f64>,
    pub batch_cost_usd: Option<f64>,
    pub worst_cost_usd: Option<f64>,
    /// Seconds a request takes (see [`Basis`]).
    pub latency_s: f64,
    pub latency_basis: Basis,
    /// Seconds to send everything at the model's limits; `null` for a batch model.
    pub wall_s: f64,
    /// What sets that time: `rpm = …`, `tpm = …` or `concurrency = …`.
    pub limited_by: String,
    /// With `logprobs`: the response bodies to read, in bytes, at about
    /// [`LOGPROB_BYTES`] for each alternative of each completion token (a body without
    /// them is a few hundred bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logprobs_bytes: Option<u64>,
}

/// The plan of a run's LLM jobs. Models are called side by side, so the run takes as long
/// as its slowest model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub scorers: Vec<ScorerEstimate>,
    pub models: Vec<ModelEstimate>,
    pub to_send: u64,
    pub cached: u64,
    pub cost_usd: Option<f64>,
    pub batch_cost_usd: Option<f64>,
    pub worst_cost_usd: Option<f64>,
    pub wall_s: f64,
}

/// What the jobs of one scorer add up to while they are counted.
#[derive(Default)]
struct Tally {
    jobs: u64,
    cached: u64,
    unrendered: u64,
    prompt_tokens: u64,
    cached_completion: (u64, u64),
}

/// Renders every job of `jobs` (as the run will), looks each up in `cache`, and adds up.
pub fn plan(
    jobs: &dyn JobSource,
    models: &[ModelSettings],
    cache: Option<&Cache>,
) -> Result<Plan, CacheError> {
    let groups = jobs.groups();
    let index: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (&*g.id, i))
        .collect();
    let mut tallies: Vec<Tally> = groups.iter().map(|_| Tally::default()).collect();
    let mut latencies: Vec<Vec<f64>> = vec![Vec::new(); models.len()];
    for stream in jobs.streams() {
        for job in stream.jobs {
            let job = match job {
                Ok(job) => job,
                Err(unmade) => {
                    let t = &mut tallies[index[&*unmade.scorer]];
                    t.jobs += 1;
                    t.unrendered += 1;
                    continue;
                }
            };
            let t = &mut tallies[index[&*job.scorer]];
            t.jobs += 1;
            let req = build_request(&models[job.model], &job);
            match cache.map(|c| c.get(&req.key)).transpose()?.flatten() {
                Some(answer) => {
                    t.cached += 1;
                    if let Some(n) = answer.answer.completion_tokens {
                        t.cached_completion.0 += u64::from(n);
                        t.cached_completion.1 += 1;
                    }
                    latencies[job.model].push(answer.latency_ms as f64 / 1e3);
                }
                None => t.prompt_tokens += u64::from(req.est_prompt_tokens),
            }
        }
    }
    let scorers: Vec<ScorerEstimate> = tallies
        .into_iter()
        .enumerate()
        .map(|(si, t)| {
            let group = &groups[si];
            let model = &models[group.model];
            let per_answer = match t.cached_completion {
                (sum, n) if n > 0 => (sum as f64 / n as f64, Basis::Cache),
                _ => {
                    let typical = group.typical_answer_tokens.min(model.max_tokens);
                    (f64::from(typical), Basis::Assumed)
                }
            };
            let to_send = t.jobs - t.cached - t.unrendered;
            let completion = (per_answer.0 * to_send as f64).round() as u64;
            let max_completion = to_send * u64::from(model.max_tokens);
            let full = |completion: u64| {
                model
                    .price
                    .map(|p| p.cost_for(t.prompt_tokens as f64, completion as f64))
            };
            // What this run pays: a batch model's requests go at the batch price.
            let share = if model.batch {
                model.batch_discount
            } else {
                1.0
            };
            let cost = |completion: u64| full(completion).map(|c| c * share);
            ScorerEstimate {
                id: group.id.to_string(),
                model: model.name.clone(),
                jobs: t.jobs,
                cached: t.cached,
                unrendered: t.unrendered,
                to_send,
                prompt_tokens: t.prompt_tokens,
                completion_tokens: completion,
                completion_basis: per_answer.1,
                max_completion_tokens: max_completion,
                cost_usd: cost(completion),
                batch_cost_usd: full(completion).map(|c| c * model.batch_discount),
                worst_cost_usd: cost(max_completion),
                top_logprobs: group.top_logprobs,
            }
        })
        .collect();
    let model_estimates: Vec<ModelEstimate> = models
        .iter()
        .enumerate()
        .filter(|(mi, _)| groups.iter().any(|g| g.model == *mi))
        .map(|(mi, m)| model_estimate(m, &scorers, &mut latencies[mi]))
        .collect();
    Ok(Plan {
        to_send: scorers.iter().map(|s| s.to_send).sum(),
        cached: scorers.iter().map(|s| s.cached).sum(),
        cost_usd: sum_costs(scorers.iter().map(|s| s.cost_usd)),
        batch_cost_usd: sum_costs(scorers.iter().map(|s| s.batch_cost_usd)),
        worst_cost_usd: sum_costs(scorers.iter().map(|s| s.worst_cost_usd)),
        wall_s: run_wall_s(&model_estimates),
        scorers,
        models: model_estimates,
    })
}

/// Adds up a model's scorers and works out how long its requests take at its limits.
fn model_estimate(
    m: &ModelSettings,
    scorers: &[ScorerEstimate],
    latencies: &mut [f64],
) -> ModelEstimate {
    let mine: Vec<&ScorerEstimate> = scorers.iter().filter(|s| s.model == m.name).collect();
    let to_send: u64 = mine.iter().map(|s| s.to_send).sum();
    let prompt_tokens: u64 = mine.iter().map(|s| s.prompt_tokens).sum();
    let completion_tokens: u64 = mine.iter().map(|s| s.completion_tokens).sum();
    latencies.sort_by(f64::total_cmp);
    let (latency_s, latency_basis) = if latencies.is_empty() {
        (ASSUMED_LATENCY_S, Basis::Assumed)
    } else {
        (quantile(latencies, 0.5), Basis::Cache)
    };
    let n = to_send as f64;
    // The tokens/min limiter charges each request its prompt estimate plus `max_tokens`
    // up front and gives nothing back, so that is what paces it.
    let charged = prompt_tokens as f64 + n * f64::from(m.max_tokens);
    let mut paces = vec![(
        n * latency_s / f64::from(m.concurrency.get()),
        format!("concurrency = {}", m.concurrency),
    )];
    if let Some(rpm) = m.rpm {
        paces.push((60.0 * n / f64::from(rpm.get()), format!("rpm = {rpm}")));
    }
    if let Some(tpm) = m.tpm {
        paces.push((
            60.0 * charged / f64::from(tpm.get()),
            format!("tpm = {tpm}"),
        ));
    }
    let (wall_s, limited_by) = if m.batch {
        // Providers promise results within the batch's completion window, not a pace.
        let batches = to_send.div_ceil(m.batch_max_requests as u64);
        let s = if batches == 1 { "" } else { "es" };
        (
            f64::NAN,
            format!("batch API, {batches} batch{s} (results within 24 h)"),
        )
    } else {
        paces
            .into_iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .expect("the concurrency pace is always there")
    };
    ModelEstimate {
        name: m.name.clone(),
        to_send,
        prompt_tokens,
        completion_tokens,
        cost_usd: sum_costs(mine.iter().map(|s| s.cost_usd)),
        batch_cost_usd: sum_costs(mine.iter().map(|s| s.batch_cost_usd)),
        worst_cost_usd: sum_costs(mine.iter().map(|s| s.worst_cost_usd)),
        latency_s,
        latency_basis,
        wall_s,
        limited_by,
        logprobs_bytes: logprobs_bytes(&mine),
    }
}

/// The bytes of token probabilities the scorers' answers bring, at about [`LOGPROB_BYTES`]
/// for each alternative of each completion token; `None` when none asks for them.
fn logprobs_bytes(scorers: &[&ScorerEstimate]) -> Option<u64> {
    let asking = scorers.iter().filter_map(|s| {
        let k = s.top_logprobs?;
        Some(s.completion_tokens * (u64::from(k) + 1) * LOGPROB_BYTES)
    });
    asking.reduce(|a, b| a + b)
}

/// The slowest model's time (models run side by side); `NaN` when only batch models send.
fn run_wall_s(models: &[ModelEstimate]) -> f64 {
    let interactive = models.iter().map(|m| m.wall_s).filter(|s| !s.is_nan());
    match interactive.reduce(f64::max) {
        Some(s) => s,
        None if models.is_empty() => 0.0,
        None => f64::NAN,
    }
}

/// The sum of the costs that are known; `None` when none is.
fn sum_costs(costs: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    costs
        .flatten()
        .fold(None, |acc, c| Some(acc.unwrap_or(0.0) + c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::model::RawModelSettings;

    fn model(extra: &str) -> ModelSettings {
        let raw: RawModelSettings = toml::from_str(&format!(
            "name = \"m\"\nmodel = \"g\"\nbase_url = \"http://h\"\nmax_tokens = 100\n{extra}"
        ))
        .expect("parses");
        raw.validate(0).expect("valid")
    }

    fn scorer(to_send: u64, prompt_tokens: u64) -> ScorerEstimate {
        ScorerEstimate {
            id: "llm/m/p".into(),
            model: "m".into(),
            jobs: to_send,
            cached: 0,
            unrendered: 0,
            to_send,
            prompt_tokens,
            completion_tokens: 50 * to_send,
            completion_basis: Basis::Assumed,
            max_completion_tokens: 100 * to_send,
            cost_usd: Some(0.5),
            batch_cost_usd: Some(0.25),
            worst_cost_usd: Some(1.0),
            top_logprobs: None,
        }
    }

    #[test]
    fn the_slowest_limit_sets_the_wall_time() {
        let s = [scorer(600, 600 * 400)];
        // 600 requests, 4 at a time at the assumed 2 s: 300 s.
        let e = model_estimate(&model("concurrency = 4"), &s, &mut []);
        assert_eq!(
            (e.wall_s, e.limited_by.as_str()),
            (300.0, "concurrency = 4")
        );
        assert_eq!(e.latency_basis, Basis::Assumed);
        // rpm = 60: ten minutes; cached answers give the latency (median 0.5 s).
        let e = model_estimate(
            &model("concurrency = 4\nrpm = 60"),
            &s,
            &mut [0.4, 0.5, 9.0],
        );
        assert_eq!((e.wall_s, e.limited_by.as_str()), (600.0, "rpm = 60"));
        assert_eq!((e.latency_s, e.latency_basis), (0.5, Basis::Cache));
        // tpm charges prompt + max_tokens: 600 × 500 tokens at 10,000/min is 30 minutes.
        let e = model_estimate(&model("rpm = 60\ntpm = 10000"), &s, &mut []);
        assert_eq!((e.wall_s, e.limited_by.as_str()), (1800.0, "tpm = 10000"));
        assert_eq!((e.cost_usd, e.batch_cost_usd), (Some(0.5), Some(0.25)));
    }

    #[test]
    fn a_batch_model_is_counted_in_batches_not_timed() {
        let s = [scorer(600, 600 * 400)];
        let e = model_estimate(
            &model("batch = true\nbatch_max_requests = 250"),
            &s,
            &mut [],
        );
        assert!(e.wall_s.is_nan());
        assert_eq!(e.limited_by, "batch API, 3 batches (results within 24 h)");
        let e = model_estimate(&model("batch = true"), &s, &mut []);
        assert_eq!(e.limited_by, "batch API, 1 batch (results within 24 h)");
    }

    #[test]
    fn costs_add_up_only_where_known() {
        assert_eq!(sum_costs([None, None].into_iter()), None);
        assert_eq!(
            sum_costs([Some(1.0), None, Some(0.5)].into_iter()),
            Some(1.5)
        );
    }
}
