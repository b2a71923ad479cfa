//! `bench batch export` and `bench batch import` at the command line.

use crate::cli::BatchCommand;
use crate::pipeline::{RunOptions, export_batch, import_batch};
use crate::{EXIT_FAILED, EXIT_OK, Error};

/// Failed result lines shown one by one; the rest are counted.
const SHOWN_FAILURES: usize = 5;

/// Export: 0. Import: 0 when every result was stored, 1 when some failed or belong to no
/// request of the config (they are not stored; `bench run` sends them again).
pub(crate) fn run(cmd: &BatchCommand) -> Result<u8, Error> {
    match cmd {
        BatchCommand::Export(args) => {
            let (config, done) = export_batch(
                &RunOptions {
                    config: args.config.clone(),
                    limit: args.jobs.limit,
                    only: args.jobs.only.clone(),
                    no_cache: args.jobs.no_cache,
                    ..RunOptions::default()
                },
                &args.out,
            )?;
            println!(
                "{}: {} requests written ({} already answered by the cache{})",
                args.out.display(),
                done.written,
                done.cached,
                if done.unrendered > 0 {
                    format!(", {} whose prompt does not render", done.unrendered)
                } else {
                    String::new()
                }
            );
            if done.written > 0 {
                let model = config.models.first().map_or("MODEL", |m| m.model.as_str());
                println!(
                    "run them, e.g. with vLLM: python -m vllm.entrypoints.openai.run_batch -i {} -o results.jsonl --model {model}\nthen: bench batch import --config {} results.jsonl",
                    args.out.display(),
                    args.config.display()
                );
            }
            Ok(EXIT_OK)
        }
        BatchCommand::Import(args) => {
            let done = import_batch(&args.config, &args.results)?;
            println!(
                "{}: {} answers stored in the cache, {} failed, {} not requests of {}",
                args.results.display(),
                done.stored,
                done.failed.len(),
                done.unknown,
                args.config.display()
            );
            for (id, why) in done.failed.iter().take(SHOWN_FAILURES) {
                eprintln!("bench: failed: {id}: {why}");
            }
            if done.failed.len() > SHOWN_FAILURES {
                eprintln!(
                    "bench: … and {} more failed",
                    done.failed.len() - SHOWN_FAILURES
                );
            }
            if done.unknown > 0 {
                eprintln!(
                    "bench: {} results answer no request of this config (another config, or the config, prompts or dataset changed since the export)",
                    done.unknown
                );
            }
            if done.failed.is_empty() && done.unknown == 0 {
                Ok(EXIT_OK)
            } else {
                eprintln!(
                    "bench: requests without a stored answer are sent again by `bench run` (or exported again by `bench batch export`)"
                );
                Ok(EXIT_FAILED)
            }
        }
    }
}
