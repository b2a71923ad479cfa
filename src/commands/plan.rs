//! `bench plan`: what `bench run` would send and spend, printed before anything is.

use super::plan_text::plan_text;
use crate::cli::PlanArgs;
use crate::config::{Config, DatasetSource};
use crate::generate::Generator;
use crate::llm::Plan;
use crate::pipeline::{
    RewriteRequest, RunOptions, Verdict, budget_verdict, note, plan_only, plan_rewrites,
};
use crate::{EXIT_FAILED, EXIT_OK, Error};

/// Prints the plan (tables, or JSON with `--json`); 1 when its estimate exceeds
/// `budget_usd` (`bench run` would refuse it), else 0.
pub(crate) fn run(args: &PlanArgs) -> Result<u8, Error> {
    let (config, skipped, plan) = match &args.rewrite_with {
        Some(model) => rewrite_plan(args, model)?,
        None => plan_only(&RunOptions {
            config: args.config.clone(),
            limit: args.jobs.limit,
            only: args.jobs.only.clone(),
            no_cache: args.jobs.no_cache,
            ..RunOptions::default()
        })?,
    };
    for why in &skipped {
        note(why);
    }
    let Some(plan) = plan else {
        if args.json {
            println!("null");
        } else {
            println!("plan: no LLM requests (no usable [[models]] × [[prompts]] left)");
        }
        return Ok(EXIT_OK);
    };
    if args.json {
        let text = serde_json::to_string_pretty(&plan).expect("a plan always serialises");
        println!("{text}");
    } else {
        print!("{}", plan_text(&plan));
    }
    match budget_verdict(&plan, &config) {
        Verdict::Fits => Ok(EXIT_OK),
        Verdict::MayStop(why) => {
            note(format!("warning: {why}"));
            Ok(EXIT_OK)
        }
        Verdict::Exceeds(why) => {
            eprintln!("error: {why}");
            Ok(EXIT_FAILED)
        }
    }
}

/// `--rewrite-with`: the plan of rewriting the messages of the config's generated dataset.
fn rewrite_plan(
    args: &PlanArgs,
    model: &str,
) -> Result<(Config, Vec<String>, Option<Plan>), Error> {
    let config = Config::load(&args.config)?;
    let DatasetSource::Generate(params) = &config.dataset else {
        return Err(Error::Usage(format!(
            "bench plan --rewrite-with: {} names a dataset file; rewriting plans the messages \
             of a generated one ([dataset.generate])",
            config.path.display()
        )));
    };
    let leads: Vec<_> = Generator::new(params, config.bands).collect();
    let req = RewriteRequest {
        config: &config,
        model,
        template: args.rewrite_prompt.as_deref(),
        use_cache: !args.jobs.no_cache,
        quiet: true,
        wait: false,
        show_plan: None,
    };
    let plan = plan_rewrites(&leads, &req)?;
    Ok((config, Vec::new(), Some(plan)))
}
