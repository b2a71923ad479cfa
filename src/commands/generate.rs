//! `bench generate`: stream a synthetic dataset to CSV/JSONL and write its sidecar
//! `<name>.meta.json` (parameters, seed, bands, counts, tool version).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use crate::Error;
use crate::atomic::{AtomicFile, write_json_atomic};
use crate::cli::GenerateArgs;
use crate::config::{Config, DatasetSource};
use crate::generate::{DatasetStats, GenerateParams, Generator, Mix, Sidecar};
use crate::lead::Bands;
use crate::lead::{Columns, Format, Lead, LeadWriter};

/// Leads per batch handed from the generating thread to the writing one.
const BATCH: usize = 1024;
/// Batches that may wait in the channel: bounds memory whatever `n` is.
const BATCHES_IN_FLIGHT: usize = 4;

/// Parameters from the config (when given) with the flags laid over them.
fn resolve(args: &GenerateArgs) -> Result<(GenerateParams, Bands), Error> {
    let (mut params, bands) = match &args.config {
        Some(path) => {
            let config = Config::load(path)?;
            let params = match config.dataset {
                DatasetSource::Generate(p) => p,
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
    Ok((params, bands))
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

pub(crate) fn run(args: &GenerateArgs) -> Result<(), Error> {
    let (params, bands) = resolve(args)?;
    let format = args.format.unwrap_or_else(|| Format::from_path(&args.out));
    let out = &args.out;

    let file = AtomicFile::create(out).map_err(|e| Error::write(out, e))?;
    let columns = Columns {
        enrichment: params.enrich,
        gold: true,
        meta: true,
        tail: vec![],
    };
    let mut writer = LeadWriter::new(file, format, columns).map_err(|e| Error::write(out, e))?;
    let mut stats = DatasetStats::default();
    // Two stages on two threads: one generates, this one counts and writes. Batches go
    // through a small bounded channel, in order, so memory stays flat and output identical.
    let (tx, rx) = mpsc::sync_channel::<Vec<Lead>>(BATCHES_IN_FLIGHT);
    let written = thread::scope(|s| {
        let params = &params;
        // `move`: the sender must drop when generation ends, or the loop below never would.
        s.spawn(move || {
            let mut leads = Generator::new(params, bands);
            loop {
                let batch: Vec<Lead> = leads.by_ref().take(BATCH).collect();
                // An empty batch ends the stream; a closed channel means the writer failed.
                if batch.is_empty() || tx.send(batch).is_err() {
                    break;
                }
            }
        });
        for batch in rx {
            for lead in &batch {
                stats.add(lead);
                writer.write(lead, &[])?;
            }
        }
        Ok::<_, std::io::Error>(())
    });
    written.map_err(|e| Error::write(out, e))?;
    let file = writer.finish().map_err(|e| Error::write(out, e))?;
    file.commit().map_err(|e| Error::write(out, e))?;

    let meta_path = sidecar_path(out);
    let sidecar = Sidecar::new(out.display().to_string(), format, &params, bands, &stats);
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
