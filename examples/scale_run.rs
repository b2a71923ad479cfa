//! A large run folder for `bench report` to read, written without calling any scorer: the
//! generated leads (every one in the test split) and `LEADS × SCORERS × REPEATS` prediction
//! rows in the shape `bench run` writes them, for `scripts/bench-report-scale.sh`.
//!
//! `cargo run --release --example scale_run -- OUT_DIR LEADS SCORERS REPEATS`
//!
//! With two scorers or more the first two are `heuristic` and `learned` (with class
//! probabilities), always repeat 0 as in a real run; the others are LLM prompts
//! (`llm/m<k>/p<j>`) asked `REPEATS` times each. With one scorer it is an LLM prompt. LLM rows
//! carry what a real answer carries — a justification, the raw answer text, tokens, cost,
//! latency, some cache hits, a few parse errors and timeouts with their error text — so that
//! the file is as large per row as a real one. Scores follow the gold score with noise, so the
//! metrics are those of plausible scorers. Equal arguments give identical files.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use lead_bench::generate::{GenerateParams, Generator};
use lead_bench::lead::{Bands, Columns, Format, Lead, LeadWriter, Split};
use lead_bench::prediction::{Prediction, Status};
use lead_bench::score::Score;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const RUN_ID: &str = "scale";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, leads, scorers, repeats] = args.as_slice() else {
        return Err("usage: scale_run OUT_DIR LEADS SCORERS REPEATS".into());
    };
    let out = PathBuf::from(out);
    let (n, n_scorers, repeats): (u64, usize, u32) =
        (leads.parse()?, scorers.parse()?, repeats.parse()?);
    if n == 0 || n_scorers == 0 || repeats == 0 {
        return Err("LEADS, SCORERS and REPEATS must be at least 1".into());
    }
    std::fs::create_dir_all(&out)?;
    let bands = Bands::default();
    let params = GenerateParams {
        n,
        seed: 7,
        label_noise: 0.05,
        ..GenerateParams::default()
    };
    let leads: Vec<Lead> = Generator::new(&params, bands)
        .map(|mut l| {
            // Every lead is evaluated, as in a run scoring a whole dataset.
            l.meta.split = Some(Split::Test);
            l
        })
        .collect();
    write_dataset(&out.join("dataset.csv"), &leads)?;
    let ids = scorer_ids(n_scorers);
    let rows = write_predictions(&out.join("predictions.csv"), &leads, &ids, repeats, bands)?;
    std::fs::write(
        out.join("run.json"),
        format!(
            r#"{{"run_id": "{RUN_ID}", "bands": {{"high": {}, "medium": {}}}, "repeats": {repeats}}}"#,
            bands.high, bands.medium
        ),
    )?;
    println!(
        "{}: {n} leads, {} scorer(s), {repeats} repeat(s) of the LLM scorers: {rows} prediction rows",
        out.display(),
        ids.len()
    );
    Ok(())
}

/// `heuristic`, `learned`, then LLM prompts of as many models as needed (four prompts each).
fn scorer_ids(n: usize) -> Vec<String> {
    if n == 1 {
        return vec!["llm/m1/p1".to_string()];
    }
    let mut ids = vec!["heuristic".to_string(), "learned".to_string()];
    ids.extend((0..n - 2).map(|k| format!("llm/m{}/p{}", k / 4 + 1, k % 4 + 1)));
    ids
}

fn write_dataset(path: &Path, leads: &[Lead]) -> std::io::Result<()> {
    let columns = Columns {
        enrichment: false,
        gold: true,
        meta: true,
        tail: vec![],
    };
    let mut w = LeadWriter::new(BufWriter::new(File::create(path)?), Format::Csv, columns)?;
    for lead in leads {
        w.write(lead, &[])?;
    }
    w.finish()?;
    Ok(())
}

/// Writes every (lead, scorer, repeat) row, lead by lead as a run's baselines would, and
/// returns how many.
fn write_predictions(
    path: &Path,
    leads: &[Lead],
    ids: &[String],
    repeats: u32,
    bands: Bands,
) -> Result<u64, Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut w = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    let mut rows = 0u64;
    for (s, id) in ids.iter().enumerate() {
        let llm = id.starts_with("llm/");
        let noise = 8 + 3 * (s as i32 % 5);
        for lead in leads {
            let gold = i32::from(lead.gold.and_then(|g| g.score).unwrap_or(50));
            for repeat in 0..if llm { repeats } else { 1 } {
                let p = prediction(&mut rng, lead, id, repeat, gold, noise, bands);
                w.serialize(&p)?;
                rows += 1;
            }
        }
    }
    w.flush()?;
    Ok(rows)
}

/// One row: the gold score with noise (LLM scores round to 5), and for LLM scorers the rest
/// of what an answer carries.
fn prediction(
    rng: &mut ChaCha8Rng,
    lead: &Lead,
    scorer: &str,
    repeat: u32,
    gold: i32,
    noise: i32,
    bands: Bands,
) -> Prediction {
    let llm = scorer.starts_with("llm/");
    let mut s = (gold + rng.random_range(-noise..=noise)).clamp(0, 100);
    if llm {
        s = (s + 2) / 5 * 5;
    }
    let score = s as u8;
    let label = bands.label_for(score);
    let justification = format!(
        "{} lead: {} at a company of {} in {}; the message asks about {}.",
        label.as_str(),
        lead.seniority.map_or("unknown seniority", |s| s.as_str()),
        lead.company_size
            .map_or("unknown size".to_string(), |n| n.to_string()),
        lead.industry,
        if score >= 70 {
            "pricing and a rollout"
        } else {
            "general information"
        },
    );
    let probabilities = (scorer == "learned").then(|| {
        let h = f64::from(score) / 100.0;
        [(1.0 - h) * 0.6, (1.0 - h) * 0.4, h]
    });
    let answer = Score {
        lead_score: score,
        lead_label: label,
        justification: justification.clone(),
        probabilities,
    };
    let latency = if llm {
        rng.random_range(150.0..2500.0f64).round()
    } else {
        rng.random_range(0.002..0.02f64)
    };
    let mut p = answer.into_prediction(RUN_ID, &lead.lead_id, scorer, &bands, latency);
    p.repeat = repeat;
    if !llm {
        return p;
    }
    p.raw_response = format!(
        "{{\"lead_score\": {score}, \"lead_label\": \"{}\", \"justification\": \"{justification}\"}}",
        label.as_str()
    );
    p.prompt_tokens = Some(rng.random_range(380..520));
    p.completion_tokens = Some(rng.random_range(40..90));
    p.cost_usd = Some(0.000_15);
    p.attempts = 1;
    p.cached = rng.next_u32().is_multiple_of(5);
    let roll = rng.random_range(0..100u32);
    if roll < 3 {
        p.status = Status::ParseError;
        p.error = "no JSON object in the answer".into();
        p.raw_response = format!(
            "I would rate this lead as {}. {justification}",
            label.as_str()
        );
    } else if roll < 4 {
        p.status = Status::Timeout;
        p.error = "timed out after 60 s (3 attempts)".into();
        p.raw_response.clear();
        p.cost_usd = None;
        p.attempts = 3;
    }
    if !p.status.is_parsed() {
        (p.lead_score, p.lead_label, p.consistent) = (None, None, None);
        p.justification.clear();
    }
    p
}
