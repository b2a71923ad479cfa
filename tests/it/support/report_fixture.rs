//! A small, fixed run directory in the shape `bench run` writes (dataset.csv with gold,
//! outcome and meta columns, dataset.meta.json, predictions.csv, run.json), for the report
//! tests.
//! Everything is derived from a fixed-seed generator, so the files are byte-identical
//! on every machine.

use std::path::Path;

use lead_bench::lead::Bands;
use lead_bench::lead::Label;
use lead_bench::prediction::Status;
use lead_bench::score::Score;

/// A tiny deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn offset(&mut self, spread: i64) -> i64 {
        self.below((2 * spread + 1) as u64) as i64 - spread
    }
}

const ARCHETYPES: [&str; 5] = [
    "enterprise_buyer",
    "startup_founder",
    "student_coursework",
    "agency_consultant",
    "vague_one_liner",
];
const INDUSTRIES: [&str; 4] = ["software", "healthcare", "education", "retail"];
const SENIORITY: [&str; 5] = ["entry", "manager", "director", "c-suite", ""];
const SOURCES: [&str; 4] = ["referral", "blog", "paid_social", "email"];
const SIZES: [&str; 6] = ["5", "40", "150", "800", "3000", ""];
const DIFFICULTY: [&str; 3] = ["easy", "medium", "hard"];

/// Number of leads in the fixture (30 train, the rest test).
pub const N_LEADS: usize = 90;

fn clamp_score(x: i64) -> u8 {
    x.clamp(0, 100) as u8
}

/// Writes the fixture run into `dir` (created if needed). The leads are always the same;
/// `variant` changes the scorers' answers (0 is the snapshot run).
pub fn write_run(dir: &Path, variant: u64) {
    std::fs::create_dir_all(dir).expect("create the run directory");
    let bands = Bands::default();
    let mut rng = Lcg(20_261_125);
    let mut answers = Lcg(7_919 + variant);
    // Outcomes from their own stream, so that the leads and answers stay as they were.
    let mut outcomes = Lcg(31_337);
    let mut data = csv::Writer::from_path(dir.join("dataset.csv")).expect("dataset.csv");
    data.write_record([
        "lead_id",
        "company_name",
        "company_size",
        "domain",
        "industry",
        "job_title",
        "seniority",
        "inbound_message",
        "source",
        "gold_label",
        "gold_score",
        "converted",
        "deal_value",
        "archetype",
        "difficulty",
        "label_noise",
        "split",
        "p_convert",
    ])
    .expect("header");
    let mut preds = Vec::new();
    for i in 0..N_LEADS {
        let id = format!("L{i:03}");
        let arche = rng.below(5) as usize;
        let gold_score = match arche {
            0 => 70 + rng.below(31),
            1 => 40 + rng.below(50),
            2 => rng.below(40),
            3 => 35 + rng.below(40),
            _ => rng.below(60),
        } as i64;
        let gold = bands.label_for(clamp_score(gold_score));
        let difficulty = rng.below(3) as usize;
        let split = if i < 30 { "train" } else { "test" };
        let size = SIZES[rng.below(6) as usize];
        let p_convert = ((0.03 + 0.5 * (gold_score as f64 / 100.0).powi(2)) * 1e4).round() / 1e4;
        let converted = (outcomes.below(10_000) as f64) < p_convert * 1e4;
        let deal = if converted {
            (1_000 + outcomes.below(9_000)).to_string()
        } else {
            String::new()
        };
        data.write_record([
            id.as_str(),
            &format!("Company {i}"),
            size,
            &format!("c{i}.example"),
            INDUSTRIES[rng.below(4) as usize],
            "Head of Operations",
            SENIORITY[rng.below(5) as usize],
            "We would like to learn more about pricing for our team.",
            SOURCES[rng.below(4) as usize],
            gold.as_str(),
            &gold_score.to_string(),
            if converted { "true" } else { "false" },
            &deal,
            ARCHETYPES[arche],
            DIFFICULTY[difficulty],
            if rng.below(20) == 0 { "true" } else { "false" },
            split,
            &p_convert.to_string(),
        ])
        .expect("lead row");
        // Harder leads get noisier scores, so slices differ.
        let spread = 10 + 12 * difficulty as i64;
        let make = |scorer: &str, score: u8, label: Label, latency: f64| {
            let s = Score {
                lead_score: score,
                lead_label: label,
                justification: format!("fixture score {score}"),
                probabilities: None,
            };
            s.into_prediction("fixture-run", &id, scorer, &bands, latency)
        };
        let h = clamp_score(gold_score + answers.offset(spread + 10));
        preds.push(make("heuristic", h, bands.label_for(h), 0.0));
        if split == "test" {
            let l = clamp_score(gold_score + answers.offset(spread));
            let mut p = make("learned", l, bands.label_for(l), 0.0);
            let ph = f64::from(l) / 100.0;
            let pl = (1.0 - ph) * 0.6;
            p.p_low = Some(pl);
            p.p_medium = Some(1.0 - ph - pl);
            p.p_high = Some(ph);
            preds.push(p);
        }
        for (prompt, spread) in [("zero_shot", spread), ("few_shot", spread / 2)] {
            let repeats = if prompt == "zero_shot" { 2 } else { 1 };
            for repeat in 0..repeats {
                let s = clamp_score(gold_score + answers.offset(spread));
                let scorer = format!("llm/tiny/{prompt}");
                let mut label = bands.label_for(s);
                if prompt == "few_shot" && i % 17 == 5 {
                    // A label that disagrees with its score band: kept, counted inconsistent.
                    label = if label == Label::High {
                        Label::Medium
                    } else {
                        Label::High
                    };
                }
                let mut p = make(&scorer, s, label, 200.0 + (i * 7 % 50) as f64 * 10.0);
                p.repeat = repeat;
                p.consistent = Some(bands.label_for(s) == label);
                p.prompt_tokens = Some(400 + (i % 9) as u32);
                p.completion_tokens = Some(40 + (i % 5) as u32);
                p.cost_usd = Some(0.0001);
                if prompt == "few_shot" {
                    // The provider's prefix cache served the fixed instructions.
                    p.cached_prompt_tokens = Some(256);
                    p.saved_usd = Some(0.00003);
                }
                p.attempts = 1;
                p.raw_response = format!("{{\"lead_score\": {s}}}");
                if prompt == "zero_shot" && (i + repeat as usize).is_multiple_of(13) {
                    p.status = Status::ParseError;
                    p.lead_score = None;
                    p.lead_label = None;
                    p.consistent = None;
                    p.error = "no JSON object in the answer".into();
                    p.raw_response = "I think this lead is promising.".into();
                } else if prompt == "few_shot" && i % 29 == 3 {
                    p.status = Status::Timeout;
                    p.lead_score = None;
                    p.lead_label = None;
                    p.consistent = None;
                    p.error = "timed out after 60 s".into();
                    p.cost_usd = None;
                } else if i % 11 == 0 {
                    p.status = Status::Coerced;
                    p.cached = true;
                }
                preds.push(p);
            }
        }
    }
    data.flush().expect("flush dataset.csv");
    let mut w = csv::Writer::from_path(dir.join("predictions.csv")).expect("predictions.csv");
    for p in &preds {
        w.serialize(p).expect("prediction row");
    }
    w.flush().expect("flush predictions.csv");
    std::fs::write(
        dir.join("run.json"),
        r#"{"run_id": "fixture-run", "bands": {"high": 70, "medium": 40}, "started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:05:00Z", "repeats": 2}"#,
    )
    .expect("run.json");
    std::fs::write(
        dir.join("dataset.meta.json"),
        r#"{"tool": "lead-bench", "seed": 7, "params": {"n": 90, "label_noise": 0.05, "test_fraction": 0.67}, "counts": {"n": 90}}"#,
    )
    .expect("dataset.meta.json");
}
