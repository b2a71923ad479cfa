//! `bench generate`: stream a synthetic dataset to CSV/JSONL and write its sidecar
//! `<name>.meta.json` (parameters, seed, bands, counts, tool version).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use super::plan_text::plan_text;
use crate::atomic::{AtomicFile, write_json_atomic};
use crate::cli::GenerateArgs;
use crate::config::{Config, DatasetSource};
use crate::generate::{DatasetStats, GenerateParams, Generator, Mix, RewriteCounts, Sidecar};
use crate::lead::Bands;
use crate::lead::{Columns, Format, Lead, LeadWriter};
use crate::pipeline::{RewriteRequest, Rewritten, plan_rewrites, rewrite_messages};
use crate::{EXIT_OK, EXIT_PENDING, Error};

/// Leads per batch handed from the generating thread to the writing one.
const BATCH: usize = 1024;
/// Batches that may wait in the channel: bounds memory whatever `n` is.
const BATCHES_IN_FLIGHT: usize = 4;

/// The config (when given), and its parameters with the flags laid over them.
fn resolve(args: &GenerateArgs) -> Result<(Option<Config>, GenerateParams, Bands), Error> {
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let (mut params, bands) = match &config {
        Some(config) => {
            let params = match &config.dataset {
                DatasetSource::Generate(p) => p.clone(),
                // A config that names a dataset file has no generator keys: use defaults.
                DatasetSource::File(_) => GenerateParams::default(),
            };
            (params, config.bands)
        }
        None => (GenerateParams::default(), Bands::default()),
    };
    if let Some(n) = args.n {
        params.n = n;
    }
    if let Some(seed) = args.seed {
        params.seed = seed;
    }
    if let Some(noise) = args.label_noise {
        params.label_noise = noise;
    }
    if let Some(tf) = args.test_fraction {
        params.test_fraction = tf;
    }
    if let Some(mix) = &args.mix {
        params.mix = parse_mix(mix)?;
    }
    if let Some(twins) = &args.twins {
        params.injection_twins = parse_twins(twins)?;
    }
    if args.enrich {
        params.enrich = true;
    }
    params
        .validate()
        .map_err(|e| Error::Usage(format!("bench generate: --{}", e.replace('_', "-"))))?;
    Ok((config, params, bands))
}

/// `--twins injection=SHARE`: the share of leads that get an injection twin.
fn parse_twins(text: &str) -> Result<f64, Error> {
    let share = text
        .trim()
        .strip_prefix("injection=")
        .and_then(|v| v.trim().parse::<f64>().ok());
    share.ok_or_else(|| {
        Error::Usage(format!(
            "bench generate: --twins: expected `injection=SHARE` such as injection=0.1 (the only \
             kind of twin so far), found {text:?}"
        ))
    })
}

fn parse_mix(text: &str) -> Result<Mix, Error> {
    let bad = || {
        Error::Usage(format!(
            "bench generate: --mix: expected three shares `high,medium,low` such as 0.3,0.4,0.3, found {text:?}"
        ))
    };
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [high, medium, low] => Ok(Mix { high, medium, low }),
        _ => Err(bad()),
    }
}

/// `leads.csv` → `leads.meta.json`, next to the data file.
pub(crate) fn sidecar_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("dataset");
    out.with_file_name(format!("{stem}.meta.json"))
}

pub(crate) fn run(args: &GenerateArgs) -> Result<u8, Error> {
    let (config, params, bands) = resolve(args)?;
    match (&args.rewrite_with, &config) {
        (Some(model), Some(config)) => rewrite_and_write(args, config, model, &params, bands),
        _ => {
            let mut file = DatasetFile::create(args, params.enrich)?;
            // Two stages on two threads: one generates, this one counts and writes. Batches
            // go through a small bounded channel, in order, so memory stays flat and output
            // identical.
            let (tx, rx) = mpsc::sync_channel::<Vec<Lead>>(BATCHES_IN_FLIGHT);
            let written = thread::scope(|s| {
                let params = &params;
                // `move`: the sender must drop when generation ends, or the loop below
                // never would.
                s.spawn(move || {
                    let mut leads = Generator::new(params, bands);
                    loop {
                        let batch: Vec<Lead> = leads.by_ref().take(BATCH).collect();
                        // An empty batch ends the stream; a closed channel means the writer
                        // failed.
                        if batch.is_empty() || tx.send(batch).is_err() {
                            break;
                        }
                    }
                });
                rx.into_iter()
                    .flatten()
                    .try_for_each(|lead| file.write(&lead))
            });
            written.map_err(|e| Error::write(&args.out, e))?;
            file.finish(&params, bands, None)?;
            Ok(EXIT_OK)
        }
    }
}

/// `--rewrite-with`: the leads are generated whole, their messages rewritten by the model,
/// then written (nothing is written when the rewrite waits on a batch or is stopped).
fn rewrite_and_write(
    args: &GenerateArgs,
    config: &Config,
    model: &str,
    params: &GenerateParams,
    bands: Bands,
) -> Result<u8, Error> {
    let mut leads: Vec<Lead> = Generator::new(params, bands).collect();
    let req = RewriteRequest {
        config,
        model,
        template: args.rewrite_prompt.as_deref(),
        use_cache: true,
        quiet: args.quiet,
        wait: args.wait,
        show_plan: Some(|plan| eprint!("{}", plan_text(plan))),
    };
    if args.plan {
        print!("{}", plan_text(&plan_rewrites(&leads, &req)?));
        return Ok(EXIT_OK);
    }
    let counts = match rewrite_messages(&mut leads, &req)? {
        Rewritten::Done(counts) => counts,
        Rewritten::BatchPending { stopped_by } => {
            eprintln!("bench: the rewrite's batch is open: nothing written; run again to collect");
            return Ok(stopped_by.map_or(EXIT_PENDING, |s| s.exit_code()));
        }
        Rewritten::Interrupted(signal) => {
            eprintln!(
                "bench: interrupted: nothing written (the answers so far are cached: run again)"
            );
            return Ok(signal.exit_code());
        }
    };
    let mut file = DatasetFile::create(args, params.enrich)?;
    for lead in &leads {
        file.write(lead).map_err(|e| Error::write(&args.out, e))?;
    }
    file.finish(params, bands, Some(&counts))?;
    let k = &counts.kept_template;
    println!(
        "rewrote {} of {} messages with {} (kept the template for {}: {} unanswered, {} \
         unparsable, {} too short or long, {} that left out a number, {} with label words, {} whose signals moved); word \
         types {} → {} (×{:.2}); {} answers from the cache, ${:.4} spent",
        counts.rewritten,
        counts.asked,
        counts.model,
        counts.asked - counts.rewritten,
        k.unanswered,
        k.unparsable,
        k.length,
        k.dropped_facts,
        k.leaked_label_words,
        k.moved_signals,
        counts.word_types_before,
        counts.word_types_after,
        counts.word_type_growth,
        counts.from_cache,
        counts.cost_usd
    );
    Ok(EXIT_OK)
}

/// The data file being written (whole or not at all) and the counts of what went in.
struct DatasetFile<'a> {
    out: &'a Path,
    format: Format,
    writer: LeadWriter<AtomicFile>,
    stats: DatasetStats,
}

impl<'a> DatasetFile<'a> {
    /// The data file `args` name; with `enrichment`, its enrichment columns.
    fn create(args: &'a GenerateArgs, enrichment: bool) -> Result<Self, Error> {
        let out = args.out.as_path();
        let format = args.format.unwrap_or_else(|| Format::from_path(out));
        let file = AtomicFile::create(out).map_err(|e| Error::write(out, e))?;
        let columns = Columns {
            enrichment,
            gold: true,
            meta: true,
            tail: vec![],
        };
        let writer = LeadWriter::new(file, format, columns).map_err(|e| Error::write(out, e))?;
        Ok(DatasetFile {
            out,
            format,
            writer,
            stats: DatasetStats::default(),
        })
    }

    fn write(&mut self, lead: &Lead) -> std::io::Result<()> {
        self.stats.add(lead);
        self.writer.write(lead, &[])
    }

    /// Commits the data file, writes its sidecar and says what was written.
    fn finish(
        self,
        params: &GenerateParams,
        bands: Bands,
        rewrite: Option<&RewriteCounts>,
    ) -> Result<(), Error> {
        let out = self.out;
        let file = self.writer.finish().map_err(|e| Error::write(out, e))?;
        file.commit().map_err(|e| Error::write(out, e))?;
        let meta_path = sidecar_path(out);
        let stats = &self.stats;
        let mut sidecar =
            Sidecar::new(out.display().to_string(), self.format, params, bands, stats);
        if let Some(rewrite) = rewrite {
            sidecar = sidecar.with_rewrite(rewrite);
        }
        write_json_atomic(&meta_path, &sidecar).map_err(|e| Error::write(&meta_path, e))?;
        let count = |l: &str| stats.labels.get(l).copied().unwrap_or(0);
        println!(
            "wrote {} leads to {} (high {}, medium {}, low {}; {} noisy labels; sidecar {})",
            stats.n,
            out.display(),
            count("high"),
            count("medium"),
            count("low"),
            stats.label_noise,
            meta_path.display()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_sits_next_to_the_data() {
        assert_eq!(
            sidecar_path(Path::new("datasets/leads.csv")),
            PathBuf::from("datasets/leads.meta.json")
        );
        assert_eq!(
            sidecar_path(Path::new("x.jsonl")),
            PathBuf::from("x.meta.json")
        );
    }

    #[test]
    fn mix_needs_three_numbers() {
        let m = parse_mix("0.5, 0.3,0.2").expect("valid mix");
        assert_eq!(
            m,
            Mix {
                high: 0.5,
                medium: 0.3,
                low: 0.2
            }
        );
        assert!(parse_mix("0.5,0.5").is_err());
        assert!(parse_mix("a,b,c").is_err());
    }
}
