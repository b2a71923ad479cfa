//! Pins the heuristic scorer's outputs: every lead of the sample dataset, the hand-written
//! fixture (as written and shouted in capitals), and 20,000 generated leads is scored, and the
//! `lead_id,score,label,justification` lines are compared with the digest recorded in
//! `tests/fixtures/heuristic_digest.txt`. A speed-up of the scorer must not change one byte
//! of them.
//!
//! The digest file holds, per set, the line count, a SHA-256 of all lines, a short SHA-256 of
//! each block of [`BLOCK`] lines (so a failure names the block that changed) and a few full
//! lines (so it shows what a line looked like). When the scorer's behaviour is changed on
//! purpose, `HEURISTIC_DIGEST_WRITE=1 cargo test --test it heuristic_digest` rewrites the file;
//! `HEURISTIC_DIGEST_DUMP=dir` also writes every line of every set there, to diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use lead_bench::generate::{GenerateParams, Generator};
use lead_bench::lead::Bands;
use lead_bench::lead::{Lead, read_leads};
use lead_bench::score::Scorer;
use lead_bench::score::heuristic::{HeuristicRules, HeuristicScorer};
use sha2::{Digest, Sha256};

/// Lines per block digest.
const BLOCK: usize = 1000;
/// A full line is kept every this many lines (and the first one).
const SAMPLE_EVERY: usize = 2500;

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The lead sets, by name.
fn sets() -> Vec<(&'static str, Vec<Lead>)> {
    let sample = read_leads(&manifest("datasets/sample_leads.csv")).expect("sample dataset reads");
    let handwritten =
        read_leads(&manifest("tests/fixtures/handwritten_leads.csv")).expect("fixture reads");
    let shouted = handwritten
        .iter()
        .map(|l| {
            let mut l = l.clone();
            l.inbound_message =
                format!("{} Could you get back to us this week?", l.inbound_message).to_uppercase();
            l.job_title = l.job_title.to_uppercase();
            l.company_name = l.company_name.to_uppercase();
            l
        })
        .collect();
    let params = GenerateParams {
        n: 20_000,
        seed: 99,
        ..Default::default()
    };
    let generated = Generator::new(&params, Bands::default()).collect();
    vec![
        ("sample_leads", sample),
        ("handwritten", handwritten),
        ("handwritten_shouted", shouted),
        ("generated_seed99_n20000", generated),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The digest text of one set: `set NAME`, `lines N`, `sha256 …`, `block i …`, `line i …`.
fn digest(name: &str, leads: &[Lead], scorer: &HeuristicScorer) -> String {
    let lines: Vec<String> = leads
        .iter()
        .map(|lead| {
            let s = scorer.score(lead);
            format!(
                "{},{},{},{}",
                lead.lead_id,
                s.lead_score,
                s.lead_label.as_str(),
                s.justification
            )
        })
        .collect();
    if let Some(dir) = std::env::var_os("HEURISTIC_DIGEST_DUMP") {
        // Every line, for a diff against a dump made before a change.
        let path = Path::new(&dir).join(format!("{name}.txt"));
        std::fs::write(&path, lines.join("\n")).expect("the dump directory is writable");
    }
    let mut all = Sha256::new();
    for line in &lines {
        all.update(line.as_bytes());
        all.update(b"\n");
    }
    let mut out = format!(
        "set {name}\nlines {}\nsha256 {}\n",
        lines.len(),
        hex(&all.finalize())
    );
    for (i, block) in lines.chunks(BLOCK).enumerate() {
        let mut h = Sha256::new();
        for line in block {
            h.update(line.as_bytes());
            h.update(b"\n");
        }
        let _ = writeln!(out, "block {i} {}", &hex(&h.finalize())[..16]);
    }
    for (i, line) in lines.iter().enumerate().step_by(SAMPLE_EVERY) {
        let _ = writeln!(out, "line {i} {line}");
    }
    out
}

#[test]
fn scores_labels_and_justifications_match_the_recorded_digest() {
    let scorer = HeuristicScorer::new(HeuristicRules::shipped(), Bands::default());
    let actual: String = sets()
        .iter()
        .map(|(name, leads)| digest(name, leads, &scorer))
        .collect();
    let path = manifest("tests/fixtures/heuristic_digest.txt");
    if std::env::var_os("HEURISTIC_DIGEST_WRITE").is_some() {
        std::fs::write(&path, &actual).expect("the fixture directory is writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("tests/fixtures/heuristic_digest.txt");
    let differing: Vec<String> = expected
        .lines()
        .zip(actual.lines())
        .filter(|(e, a)| e != a)
        .take(10)
        .map(|(e, a)| format!("expected: {e}\n  actual: {a}"))
        .collect();
    assert!(
        differing.is_empty() && expected.lines().count() == actual.lines().count(),
        "heuristic outputs changed (first differences):\n{}",
        differing.join("\n")
    );
}
