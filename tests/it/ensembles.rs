//! `[[ensembles]]` through the report: an ensemble kept in run.json is computed from
//! predictions.csv by `bench report` (no request), gets every metric and pair, and its score on
//! each lead is what the documented rule gives from the members' scores in the file.

use crate::support::report_fixture;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Repeat-0 scores by (scorer, lead id), where parsed.
fn scores(run: &Path) -> HashMap<(String, String), u8> {
    let mut r = csv::Reader::from_path(run.join("predictions.csv")).expect("predictions.csv");
    let h = r.headers().expect("headers").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (id, scorer, repeat, score) = (
        col("lead_id"),
        col("scorer"),
        col("repeat"),
        col("lead_score"),
    );
    let mut out = HashMap::new();
    for x in r.records().map(|x| x.expect("row")) {
        if &x[repeat] == "0"
            && let Ok(s) = x[score].parse::<u8>()
        {
            out.entry((x[scorer].to_string(), x[id].to_string()))
                .or_insert(s);
        }
    }
    out
}

/// The fixture run with `key` of run.json set to `tables`, reported by `bench report`: the
/// run folder and its metrics.json.
fn report_with(dir: &Path, key: &str, tables: serde_json::Value) -> (PathBuf, serde_json::Value) {
    let run = dir.join("fixture-run");
    report_fixture::write_run(&run, 0);
    let path = run.join("run.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("run.json")).expect("json");
    manifest[key] = tables;
    std::fs::write(&path, manifest.to_string()).expect("write run.json");
    Command::cargo_bin("bench")
        .expect("bench")
        .args(["report", "--resamples", "100"])
        .arg(&run)
        .assert()
        .success();
    let metrics = serde_json::from_str(
        &std::fs::read_to_string(run.join("metrics.json")).expect("metrics.json"),
    )
    .expect("json");
    (run, metrics)
}

#[test]
fn an_ensemble_in_run_json_is_recomputed_by_bench_report_from_the_predictions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, metrics) = report_with(
        dir.path(),
        "ensembles",
        serde_json::json!([
            {"name": "avg", "of": ["heuristic", "learned"], "combine": "mean"},
            {"name": "llms", "of": ["llm/*"], "combine": "vote"},
        ]),
    );
    let ids: Vec<&str> = metrics["scorers"]
        .as_array()
        .expect("scorers")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"ensemble/avg") && ids.contains(&"ensemble/llms"),
        "{ids:?}"
    );
    let avg = metrics["scorers"]
        .as_array()
        .expect("scorers")
        .iter()
        .find(|s| s["id"] == "ensemble/avg")
        .expect("avg");
    assert!(avg["accuracy"]["value"].is_number());
    // Paired with the baselines like any scorer.
    let pairs = metrics["pairs"].as_array().expect("pairs");
    assert!(
        pairs
            .iter()
            .any(|p| p["a"] == "ensemble/avg" && p["b"] == "heuristic")
    );
    // predictions.csv is unchanged: the ensemble is computed, never written.
    let s = scores(&run);
    assert!(!s.keys().any(|(scorer, _)| scorer.starts_with("ensemble/")));
    // Its score distribution matches the mean of the members' scores lead by lead: the
    // report's histogram counts leads per band of ten points.
    let mut bins = [0u64; 10];
    let leads: Vec<&String> = s
        .keys()
        .filter(|(scorer, _)| scorer == "heuristic")
        .map(|(_, id)| id)
        .collect();
    for id in leads {
        let (Some(h), Some(l)) = (
            s.get(&("heuristic".to_string(), id.clone())),
            s.get(&("learned".to_string(), id.clone())),
        ) else {
            continue;
        };
        let mean = ((f64::from(*h) + f64::from(*l)) / 2.0).round() as usize;
        // Only evaluated (test) leads count: learned scored only those.
        bins[(mean / 10).min(9)] += 1;
    }
    let histogram: Vec<u64> = avg["score_histogram"]
        .as_array()
        .expect("histogram")
        .iter()
        .map(|b| {
            ["low", "medium", "high"]
                .iter()
                .map(|k| b[k].as_u64().unwrap_or(0))
                .sum::<u64>()
        })
        .collect();
    assert_eq!(histogram, bins, "score bands of ensemble/avg");
    let md = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(md.contains("`ensemble/avg`"), "the leaderboard names it");
}

/// A cascade kept in run.json: its escalated share agrees with a count from predictions.csv
/// (band edges included, an unparsed first answer escalated), and it is evaluated in full.
#[test]
fn a_cascade_escalates_the_documented_leads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, metrics) = report_with(
        dir.path(),
        "cascades",
        serde_json::json!([{
            "name": "h2l",
            "first": "heuristic",
            "then": "llm/tiny/few_shot",
            "escalate": {"score_between": [35, 75]}
        }]),
    );
    // Independent count over the evaluated (test) leads the LLM has an answer for.
    let mut d = csv::Reader::from_path(run.join("dataset.csv")).expect("dataset.csv");
    let dh = d.headers().expect("headers").clone();
    let (did, dsplit) = (
        dh.iter().position(|x| x == "lead_id").expect("lead_id"),
        dh.iter().position(|x| x == "split").expect("split"),
    );
    let test: std::collections::HashSet<String> = d
        .records()
        .map(|x| x.expect("row"))
        .filter(|x| &x[dsplit] == "test")
        .map(|x| x[did].to_string())
        .collect();
    let mut r = csv::Reader::from_path(run.join("predictions.csv")).expect("predictions.csv");
    let h = r.headers().expect("headers").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (id, scorer, repeat, score) = (
        col("lead_id"),
        col("scorer"),
        col("repeat"),
        col("lead_score"),
    );
    let mut first: HashMap<String, Option<u8>> = HashMap::new();
    let mut then: Vec<String> = Vec::new();
    for x in r.records().map(|x| x.expect("row")) {
        if &x[repeat] != "0" {
            continue;
        }
        match &x[scorer] {
            "heuristic" => {
                first.insert(x[id].to_string(), x[score].parse().ok());
            }
            "llm/tiny/few_shot" if test.contains(&x[id]) => then.push(x[id].to_string()),
            _ => {}
        }
    }
    let n = then.len() as u64;
    let escalated = then
        .iter()
        .filter(|l| match first.get(*l) {
            Some(Some(s)) => (35..=75).contains(s),
            _ => true,
        })
        .count() as u64;
    let e = &metrics["escalations"][0];
    assert_eq!(e["id"], "cascade/h2l");
    assert_eq!(
        (e["n"].as_u64(), e["escalated"].as_u64()),
        (Some(n), Some(escalated))
    );
    assert!(escalated > 0 && escalated < n, "{escalated} of {n}");
    let cascade = metrics["scorers"]
        .as_array()
        .expect("scorers")
        .iter()
        .find(|s| s["id"] == "cascade/h2l")
        .expect("evaluated like any scorer");
    assert_eq!(cascade["n"].as_u64(), Some(n));
    assert!(cascade["operations"]["cost_usd"].as_f64().expect("cost") > 0.0);
    let md = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(
        md.contains("`cascade/h2l` answers with `heuristic` and sends"),
        "{md}"
    );
    // The Answer names the best cascade, its share and its figure against the LLM alone.
    let answer = md.split("## Leaderboard").next().unwrap_or_default();
    assert!(
        answer.contains("The best cascade, `cascade/h2l`, sends")
            && answer.contains("for `llm/tiny/few_shot` alone"),
        "{answer}"
    );
}

/// The cascade sweep runs from the best baseline alone (0 %) to the LLM on every lead it
/// answered (100 %): its ends equal those two scorers' own figures on those leads, and its
/// cost grows from nothing to the LLM's.
#[test]
fn the_cascade_sweep_runs_from_the_baseline_to_the_llm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, metrics) = report_with(dir.path(), "ensembles", serde_json::json!([]));
    let sweeps = metrics["sweeps"].as_array().expect("sweeps");
    assert_eq!(sweeps.len(), 2, "one per LLM scorer");
    let scorer = |id: &str| {
        metrics["scorers"]
            .as_array()
            .expect("scorers")
            .iter()
            .find(|s| s["id"] == id)
            .expect("scorer")
            .clone()
    };
    for s in sweeps {
        let llm = scorer(s["llm"].as_str().expect("llm"));
        let points = s["points"].as_array().expect("points");
        assert_eq!(points.len(), 11);
        let (first, last) = (&points[0], &points[10]);
        assert_eq!(first["escalated"], 0);
        assert_eq!(last["escalated"], s["n"]);
        // No lead escalated: the baseline's figure (the LLMs answered every evaluated lead).
        let baseline = scorer(s["baseline"].as_str().expect("baseline"));
        assert_eq!(
            first["strict_accuracy"],
            baseline["accuracy_strict"]["value"]
        );
        // Every lead escalated: the LLM's strict accuracy and cost on its leads.
        assert_eq!(last["strict_accuracy"], llm["accuracy_strict"]["value"]);
        let cost = llm["operations"]["cost_usd"].as_f64().expect("cost");
        let per_1000 = cost / s["n"].as_f64().expect("n") * 1000.0;
        assert!((last["cost_per_1000"].as_f64().expect("cost") - per_1000).abs() < 1e-9);
        assert_eq!(first["cost_per_1000"].as_f64(), Some(0.0));
        assert!(
            !first["cost_per_1000"]
                .as_f64()
                .expect("0")
                .is_sign_negative()
        );
        let costs: Vec<f64> = points
            .iter()
            .filter_map(|p| p["cost_per_1000"].as_f64())
            .collect();
        assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    }
}
