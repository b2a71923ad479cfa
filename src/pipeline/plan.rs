//! The plan of a run's LLM jobs ([`crate::llm::plan`]) from a config: what `bench plan`
//! prints and what `bench run` shows and holds against `budget_usd` before it sends or
//! writes anything.

use crate::Error;
use crate::config::Config;
use crate::lead::Lead;
use crate::llm::{Basis, Cache, ModelSettings, Plan, build_llm_jobs, plan};
use crate::prediction::ScorerId;
use crate::report::{Table, UNDEFINED, usd};

use super::inputs::{
    RunLeads, keeps, matrix_input, train_leads, unmatched_patterns, usable_models,
};
use super::{RunOptions, note};

/// The plan of the LLM jobs the config and `--only` ask for, over the usable `models`;
/// `None` when there are none. The cache is read only if it exists (a plan writes nothing).
pub(super) fn plan_llm(
    config: &Config,
    leads: &[Lead],
    eval: &[&Lead],
    models: &[ModelSettings],
    only: &[String],
    use_cache: bool,
) -> Result<Option<Plan>, Error> {
    let train = train_leads(leads);
    let keep = |id: &ScorerId| keeps(only, id);
    let matrix = build_llm_jobs(&matrix_input(config, models, eval, &train, &keep))?;
    if matrix.keys.is_empty() {
        return Ok(None);
    }
    let cache = if use_cache && config.run.cache.is_file() {
        Some(Cache::open(&config.run.cache)?)
    } else {
        None
    };
    Ok(Some(plan(&matrix, models, cache.as_ref())?))
}

/// `bench plan`: the config, the models left out for want of a key, and the plan.
pub fn plan_only(opts: &RunOptions) -> Result<(Config, Vec<String>, Option<Plan>), Error> {
    let config = Config::load(&opts.config)?;
    for line in unmatched_patterns(&config, &opts.only) {
        note(line);
    }
    let run = RunLeads::load(&config, opts.limit)?;
    let (models, skipped) = usable_models(&config);
    let eval: Vec<&Lead> = run.eval.iter().map(|&i| &run.leads[i]).collect();
    let plan = plan_llm(
        &config,
        &run.leads,
        &eval,
        &models,
        &opts.only,
        !opts.no_cache,
    )?;
    let skipped = skipped.iter().map(ToString::to_string).collect();
    Ok((config, skipped, plan))
}

/// Prints the plan (unless `quiet`) and holds it against `budget_usd`: over it is an error,
/// a worst case over it a warning.
pub(super) fn show_and_check(plan: &Plan, config: &Config, quiet: bool) -> Result<(), Error> {
    if !quiet {
        eprint!("{}", plan_text(plan));
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

/// The plan as text for a terminal: a table per scorer, one per model, and a total line.
pub fn plan_text(plan: &Plan) -> String {
    let mut scorers = Table::new(&[
        "scorer",
        "jobs",
        "cached",
        "to send",
        "prompt tokens",
        "completion tokens",
        "cost",
        "batch cost",
    ]);
    for s in &plan.scorers {
        let per_answer = if s.to_send > 0 {
            format!(
                " ({:.0} each, {})",
                s.completion_tokens as f64 / s.to_send as f64,
                basis(s.completion_basis, "cached answers")
            )
        } else {
            String::new()
        };
        let mut to_send = s.to_send.to_string();
        if s.unrendered > 0 {
            to_send.push_str(&format!(" (+{} unrendered)", s.unrendered));
        }
        scorers.row(vec![
            s.id.clone(),
            s.jobs.to_string(),
            s.cached.to_string(),
            to_send,
            s.prompt_tokens.to_string(),
            format!("{}{per_answer}", s.completion_tokens),
            usd(s.cost_usd),
            usd(s.batch_cost_usd),
        ]);
    }
    let mut models = Table::new(&[
        "model",
        "requests",
        "tokens",
        "cost",
        "batch cost",
        "worst case",
        "time",
        "limited by",
    ]);
    for m in &plan.models {
        let limit = if m.limited_by.starts_with("concurrency") {
            format!(
                "{} at {:.1} s a request ({})",
                m.limited_by,
                m.latency_s,
                basis(m.latency_basis, "median of cached answers")
            )
        } else {
            m.limited_by.clone()
        };
        models.row(vec![
            m.name.clone(),
            m.to_send.to_string(),
            (m.prompt_tokens + m.completion_tokens).to_string(),
            usd(m.cost_usd),
            usd(m.batch_cost_usd),
            usd(m.worst_cost_usd),
            duration(m.wall_s),
            limit,
        ]);
    }
    let cost = match plan.cost_usd {
        Some(c) => format!(
            "${c:.4} (batch ${:.4}, worst case ${:.4})",
            plan.batch_cost_usd.unwrap_or(0.0),
            plan.worst_cost_usd.unwrap_or(0.0)
        ),
        None => "no model has a price".to_string(),
    };
    format!(
        "plan: LLM requests (estimated before sending; tokens at about four characters a token)\n\
         {}\n{}\nplan: {} requests to send, {} answered by the cache; cost {cost}; about {}\n",
        scorers.to_text(),
        models.to_text(),
        plan.to_send,
        plan.cached,
        if plan.wall_s.is_nan() {
            "within 24 h (batch)".to_string()
        } else {
            duration(plan.wall_s)
        }
    )
}

fn basis(b: Basis, measured: &str) -> &str {
    match b {
        Basis::Cache => measured,
        Basis::Assumed => "assumed",
    }
}

/// Seconds as `45 s`, `2.5 min` or `3.2 h`.
fn duration(s: f64) -> String {
    if !s.is_finite() {
        UNDEFINED.to_string()
    } else if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}
