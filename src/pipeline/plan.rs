//! The plan of a run's LLM jobs ([`crate::llm::plan`]) from a config: what `bench plan`
//! prints and what `bench run` shows and holds against `budget_usd` before it sends or
//! writes anything.

use std::collections::HashSet;
use std::ops::ControlFlow;

use crate::Error;
use crate::config::Config;
use crate::lead::Lead;
use crate::llm::{Cache, JobMatrix, LlmJobs, ModelSettings, Plan, Stop, StopSignal, plan};
use crate::prediction::ScorerId;

use super::batch::BatchStep;
use super::inputs::{
    Dataset, keeps, llm_jobs, rendering, train_leads, unmatched_patterns, usable_models,
};
use super::{RunOptions, note};

/// What [`plan_llm_jobs`] reads.
pub(super) struct PlanInput<'a> {
    pub config: &'a Config,
    pub opts: &'a RunOptions,
    /// Keeps a scorer when it returns true for its id (`--only`).
    pub keep: &'a dyn Fn(&ScorerId) -> bool,
    /// The usable models.
    pub models: &'a [ModelSettings],
    pub eval: &'a [&'a Lead],
    pub train: &'a [Lead],
    pub runtime: &'a tokio::runtime::Runtime,
    pub stop: &'a Stop,
}

/// The LLM jobs of a run, planned before anything is written.
pub(super) struct Planned {
    pub jobs: LlmJobs,
    /// `None` when there are no jobs.
    pub plan: Option<Plan>,
    /// Requests whose answers the batch step collected now (paid in this run).
    pub collected_now: HashSet<[u8; 32]>,
}

/// The planning step of `bench run`: builds the LLM jobs once, shows their plan and holds
/// it against the budget, and brings the batches of batch models up to date. Breaks with
/// the signal that ended the wait (if any) while batches are still open: the run stops
/// there, to be run again.
pub(super) fn plan_llm_jobs(
    input: &PlanInput<'_>,
) -> Result<ControlFlow<Option<StopSignal>, Planned>, Error> {
    let PlanInput {
        config,
        opts,
        models,
        eval,
        ..
    } = *input;
    let jobs = llm_jobs(config, models, eval, input.train, input.keep)?;
    let matrix = jobs.matrix(rendering(config, eval));
    let plan = plan_of(config, &matrix, models, !opts.no_cache)?;
    let mut collected_now = HashSet::new();
    if let Some(plan) = &plan {
        show_and_check(plan, config, opts.show_plan)?;
        if models.iter().any(|m| m.batch) {
            let step = BatchStep {
                runtime: input.runtime,
                stop: input.stop,
                config,
                matrix: &matrix,
                models,
                opts,
            };
            let synced = step.run()?;
            if !synced.open.is_empty() {
                return Ok(ControlFlow::Break(input.stop.signal()));
            }
            collected_now = synced.collected;
        }
    }
    Ok(ControlFlow::Continue(Planned {
        jobs,
        plan,
        collected_now,
    }))
}

/// The plan of the jobs of `matrix` over the usable `models`; `None` when there are none.
/// The cache is read only if it exists (a plan writes nothing).
fn plan_of(
    config: &Config,
    matrix: &JobMatrix<'_>,
    models: &[ModelSettings],
    use_cache: bool,
) -> Result<Option<Plan>, Error> {
    if matrix.keys().is_empty() {
        return Ok(None);
    }
    let cache = if use_cache && config.run.cache.is_file() {
        Some(Cache::open(&config.run.cache)?)
    } else {
        None
    };
    Ok(Some(plan(matrix, models, cache.as_ref())?))
}

/// `bench plan`: the config, the models left out for want of a key, and the plan.
pub fn plan_only(opts: &RunOptions) -> Result<(Config, Vec<String>, Option<Plan>), Error> {
    let config = Config::load(&opts.config)?;
    for line in unmatched_patterns(&config, &opts.only) {
        note(line);
    }
    let data = Dataset::load(&config, opts.limit)?;
    let (models, skipped) = usable_models(&config);
    let eval: Vec<&Lead> = data.eval.iter().map(|&i| &data.leads[i]).collect();
    let train = train_leads(&data.leads);
    let keep = |id: &ScorerId| keeps(&opts.only, id);
    let jobs = llm_jobs(&config, &models, &eval, &train, &keep)?;
    let plan = plan_of(
        &config,
        &jobs.matrix(rendering(&config, &eval)),
        &models,
        !opts.no_cache,
    )?;
    let skipped = skipped.iter().map(ToString::to_string).collect();
    Ok((config, skipped, plan))
}

/// Shows the plan (with `show`, the command line's printer) and holds it against
/// `budget_usd`: over it is an error, a worst case over it a warning.
pub(super) fn show_and_check(
    plan: &Plan,
    config: &Config,
    show: Option<fn(&Plan)>,
) -> Result<(), Error> {
    if let Some(show) = show {
        show(plan);
    }
    match budget_verdict(plan, config) {
        Verdict::Fits => Ok(()),
        Verdict::MayStop(why) => {
            super::note(format!("warning: {why}"));
            Ok(())
        }
        Verdict::Exceeds(why) => Err(Error::Usage(why)),
    }
}

/// How a plan stands against the config's `budget_usd`.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No budget, or even the worst case fits.
    Fits,
    /// The estimate fits but the worst case (every answer `max_tokens` long) does not: the
    /// run may stop at the budget.
    MayStop(String),
    /// The estimate alone exceeds the budget: nothing is sent.
    Exceeds(String),
}

pub fn budget_verdict(plan: &Plan, config: &Config) -> Verdict {
    let Some(budget) = config.run.budget_usd else {
        return Verdict::Fits;
    };
    let (cost, worst) = (
        plan.cost_usd.unwrap_or(0.0),
        plan.worst_cost_usd.unwrap_or(0.0),
    );
    let path = config.path.display();
    if cost > budget {
        Verdict::Exceeds(format!(
            "{path}: budget_usd = {budget}, but the plan estimates ${cost:.4} for its {} requests \
             to send (${:.4} through a batch API); nothing was sent — raise budget_usd, or send \
             fewer with --limit or --only (`bench plan` shows the estimate per scorer)",
            plan.to_send,
            plan.batch_cost_usd.unwrap_or(0.0)
        ))
    } else if worst > budget {
        Verdict::MayStop(format!(
            "budget_usd = {budget}: the plan estimates ${cost:.4}, but if every answer runs to \
             max_tokens the run costs up to ${worst:.4} and stops sending at the budget"
        ))
    } else {
        Verdict::Fits
    }
}
