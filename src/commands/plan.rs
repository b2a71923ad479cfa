//! `bench plan`: what `bench run` would send and spend, printed before anything is.

use super::plan_text::plan_text;
use crate::cli::PlanArgs;
use crate::pipeline::{RunOptions, Verdict, budget_verdict, note, plan_only};
use crate::{EXIT_FAILED, EXIT_OK, Error};

/// Prints the plan (tables, or JSON with `--json`); 1 when its estimate exceeds
/// `budget_usd` (`bench run` would refuse it), else 0.
pub(crate) fn run(args: &PlanArgs) -> Result<u8, Error> {
    let (config, skipped, plan) = plan_only(&RunOptions {
        config: args.config.clone(),
        limit: args.jobs.limit,
        only: args.jobs.only.clone(),
        no_cache: args.jobs.no_cache,
        ..RunOptions::default()
    })?;
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
