//! The flips of metrics.json against an independent count from the run folder's CSV files:
//! for two prompts of one model and for each LLM against the best baseline, leads gained and
//! lost against gold, labels moved, parsing changed, and McNemar's exact p from the counts.

use crate::support::report_fixture;

use std::collections::HashMap;
use std::path::Path;

use lead_bench::evaluate::ReportOptions;
use lead_bench::pipeline::report_run;

/// (gold label) of every test lead with a gold label, by id.
fn gold_of_test_leads(run: &Path) -> HashMap<String, String> {
    let mut r = csv::Reader::from_path(run.join("dataset.csv")).expect("dataset.csv");
    let h = r.headers().expect("headers").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (id, gold, split) = (col("lead_id"), col("gold_label"), col("split"));
    r.records()
        .map(|x| x.expect("row"))
        .filter(|x| &x[split] == "test" && !x[gold].is_empty())
        .map(|x| (x[id].to_string(), x[gold].to_string()))
        .collect()
}

/// Repeat-0 label of every lead (empty when not parsed), by scorer and lead id.
fn labels(run: &Path) -> HashMap<(String, String), String> {
    let mut r = csv::Reader::from_path(run.join("predictions.csv")).expect("predictions.csv");
    let h = r.headers().expect("headers").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (id, scorer, repeat, label) = (
        col("lead_id"),
        col("scorer"),
        col("repeat"),
        col("lead_label"),
    );
    let mut out = HashMap::new();
    for x in r.records().map(|x| x.expect("row")) {
        if &x[repeat] == "0" {
            out.entry((x[scorer].to_string(), x[id].to_string()))
                .or_insert_with(|| x[label].to_string());
        }
    }
    out
}

/// Exact two-sided McNemar p from the discordant counts, summed in f64 from scratch.
fn mcnemar(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let mut choose = 1.0f64;
    let mut tail = 0.0;
    for i in 0..=b.min(c) {
        if i > 0 {
            choose = choose * (n - i + 1) as f64 / i as f64;
        }
        tail += choose;
    }
    (2.0 * tail / 2f64.powi(n as i32)).min(1.0)
}

#[test]
fn flip_counts_and_mcnemar_agree_with_an_independent_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("fixture-run");
    report_fixture::write_run(&run, 0);
    let opts = ReportOptions {
        resamples: 100,
        ..ReportOptions::default()
    };
    report_run(&run, &opts).expect("report");
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.join("metrics.json")).expect("metrics.json"),
    )
    .expect("json");
    let flips = metrics["flips"].as_array().expect("flips");
    let kinds: Vec<&str> = flips.iter().filter_map(|f| f["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["prompt_variants", "vs_best_baseline", "vs_best_baseline"],
        "{flips:?}"
    );
    let gold = gold_of_test_leads(&run);
    let labels = labels(&run);
    for f in flips {
        let (a, b) = (f["a"].as_str().expect("a"), f["b"].as_str().expect("b"));
        let (mut gained, mut lost, mut up, mut down, mut now, mut no_longer) = (0, 0, 0, 0, 0, 0);
        let rank = |l: &str| ["low", "medium", "high"].iter().position(|x| *x == l);
        for (id, g) in &gold {
            let get = |s: &str| {
                labels
                    .get(&(s.to_string(), id.clone()))
                    .cloned()
                    .unwrap_or_default()
            };
            let (la, lb) = (get(a), get(b));
            let (ra, rb) = (la == *g, lb == *g);
            gained += u64::from(ra && !rb);
            lost += u64::from(!ra && rb);
            match (rank(&la), rank(&lb)) {
                (Some(x), Some(y)) if x > y => up += 1,
                (Some(x), Some(y)) if x < y => down += 1,
                (Some(_), None) => now += 1,
                (None, Some(_)) => no_longer += 1,
                _ => {}
            }
        }
        let counted = [gained, lost, up, down, now, no_longer];
        let reported = [
            "gained",
            "lost",
            "label_up",
            "label_down",
            "now_parsed",
            "no_longer_parsed",
        ]
        .map(|k| f[k].as_u64().unwrap_or_else(|| panic!("{k}")));
        assert_eq!(reported, counted, "{a} against {b}");
        assert_eq!(f["n"].as_u64(), Some(gold.len() as u64));
        let s = &f["strict_accuracy"];
        assert_eq!(
            (s["only_a"].as_u64(), s["only_b"].as_u64()),
            (Some(gained), Some(lost))
        );
        let p = s["mcnemar_p"].as_f64().expect("p");
        assert!((p - mcnemar(gained, lost)).abs() < 1e-12, "{a}/{b}: {p}");
        let diff = s["difference"]["value"].as_f64().expect("difference");
        let expected = (gained as f64 - lost as f64) / gold.len() as f64;
        assert!((diff - expected).abs() < 1e-12);
        // Listed leads are flipped ones, at most the documented number.
        let listed = f["leads"].as_array().expect("leads");
        assert!(listed.len() <= lead_bench::evaluate::MAX_LISTED);
        assert!(
            listed
                .iter()
                .all(|l| !l["change"].as_str().unwrap_or("").is_empty())
        );
    }
    let md = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(md.contains("## What changed between scorers"), "{md}");
    // The listed leads come with both answers' text.
    assert!(md.contains("said “fixture score "), "{md}");
    let listed = &flips[0]["leads"][0];
    assert!(
        listed["a_text"].is_string() || listed["b_text"].is_string(),
        "{listed}"
    );
}
