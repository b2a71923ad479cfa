//! The run report end to end on a fixed small run directory: metrics.json's shape,
//! report.md as a snapshot, `bench report` and `bench compare` through the CLI.

use crate::support::report_fixture;

use std::path::Path;

use assert_cmd::Command;
use lead_bench::evaluate::ReportOptions;
use lead_bench::pipeline::report_run;

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    report_fixture::write_run(&dir.path().join("fixture-run"), 0);
    dir
}

fn opts() -> ReportOptions {
    ReportOptions {
        resamples: 200,
        seed: 7,
        ..ReportOptions::default()
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn report_md_snapshot() {
    let dir = fixture();
    let run = dir.path().join("fixture-run");
    report_run(&run, &opts()).expect("report");
    insta::assert_snapshot!("fixture_report_md", read(&run.join("report.md")));
}

#[test]
fn metrics_json_has_the_documented_shape() {
    let dir = fixture();
    let run = dir.path().join("fixture-run");
    let m = report_run(&run, &opts()).expect("report");
    let v: serde_json::Value =
        serde_json::from_str(&read(&run.join("metrics.json"))).expect("json");
    assert_eq!(v["run_id"], "fixture-run");
    assert_eq!(v["split"], "test");
    assert_eq!(v["n_leads"], 60);
    let scorers = v["scorers"].as_array().expect("scorers");
    let ids: Vec<&str> = scorers.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "heuristic",
            "learned",
            "llm/tiny/few_shot",
            "llm/tiny/zero_shot"
        ]
    );
    for s in scorers {
        for key in [
            "coverage",
            "accuracy",
            "accuracy_strict",
            "macro_f1",
            "cohen_kappa",
            "quadratic_kappa",
            "krippendorff_alpha",
            "spearman",
            "kendall_tau_b",
            "mae",
            "roc_auc_high",
            "average_precision_high",
            "ece",
            "brier_high",
            "lift_top_decile",
        ] {
            let e = &s[key];
            assert!(e.is_object(), "{}: {key} missing", s["id"]);
            assert!(e["value"].is_number(), "{}: {key} = {e}", s["id"]);
            assert!(e["ci_low"].as_f64() <= e["value"].as_f64(), "{key}");
            assert!(e["ci_high"].as_f64() >= e["value"].as_f64(), "{key}");
        }
        assert_eq!(s["n"], 60);
    }
    // The heuristic has no κ with itself; the others do.
    assert!(scorers[0]["kappa_vs_heuristic"]["value"].is_null());
    assert!(scorers[1]["kappa_vs_heuristic"]["value"].is_number());
    // Learned probabilities feed the 3-class Brier; the others have none.
    assert!(scorers[1]["brier_3class"]["value"].is_number());
    assert!(scorers[0]["brier_3class"]["value"].is_null());
    // Parse errors count against coverage and strict accuracy only.
    let zero = &m.scorers[3];
    assert!(zero.metrics.coverage.value.expect("coverage") < 1.0);
    assert!(zero.operations.status_counts["parse_error"] > 0);
    assert!(m.scorers[2].operations.inconsistent > 0);
    assert!(zero.operations.cost_usd.is_some());
    // Pairs: three vs heuristic, the two LLM scorers vs learned, one between the two
    // prompts; Holm applied to all.
    let pairs = v["pairs"].as_array().expect("pairs");
    let kinds: Vec<&str> = pairs.iter().filter_map(|p| p["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "vs_heuristic",
            "vs_heuristic",
            "vs_heuristic",
            "vs_learned",
            "vs_learned",
            "prompt_variants"
        ]
    );
    assert!(pairs.iter().all(|p| p["mcnemar_p_holm"].is_number()));
    // Stability for the scorer run twice.
    assert_eq!(v["stability"][0]["scorer"], "llm/tiny/zero_shot");
    assert_eq!(v["stability"][0]["repeats"], 2);
    // Slices: every scorer in every slice, sizes adding up; values of fewer than 20 leads
    // pooled into `other`, and a dimension that would be `other` alone left out.
    let mut dims = 0;
    for dim in lead_bench::evaluate::DIMENSIONS {
        let Some(rows) = v["slices"][dim].as_array() else {
            continue;
        };
        dims += 1;
        let total: u64 = rows.iter().filter_map(|r| r["n"].as_u64()).sum();
        assert_eq!(total, 60, "{dim}");
        assert!(
            rows.iter()
                .all(|r| r["scorers"].as_array().map(Vec::len) == Some(4))
        );
        for r in rows.iter().filter(|r| r["value"] != "other") {
            assert!(r["n"].as_u64() >= Some(20), "{dim}: {r}");
        }
        assert!(rows.len() >= 2 || rows[0]["value"] != "other", "{dim}");
    }
    assert!(dims >= 1, "no slice dimension kept");
    assert!(!read(&run.join("metrics.json")).contains("NaN"));
}

#[test]
fn the_same_inputs_give_byte_identical_reports() {
    let a = fixture();
    let b = fixture();
    for d in [&a, &b] {
        report_run(&d.path().join("fixture-run"), &opts()).expect("report");
    }
    for name in ["metrics.json", "report.md", "report.html"] {
        let x = read(&a.path().join("fixture-run").join(name));
        let y = read(&b.path().join("fixture-run").join(name));
        assert!(x == y, "{name} differs between two identical runs");
    }
}

#[test]
fn bench_report_writes_the_three_files() {
    let dir = fixture();
    let run = dir.path().join("fixture-run");
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["report", "--resamples", "50"])
        .arg(&run)
        .assert()
        .success()
        .stdout(predicates::str::contains("60 leads evaluated"));
    for name in ["metrics.json", "report.md", "report.html"] {
        assert!(run.join(name).is_file(), "{name}");
    }
}

#[test]
fn bench_report_on_a_missing_directory_is_bad_input() {
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["report", "/nonexistent/run"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/nonexistent/run"));
}

#[test]
fn bench_compare_pairs_the_same_scorer_across_runs() {
    let dir = fixture();
    let second = dir.path().join("second-run");
    report_fixture::write_run(&second, 1);
    std::fs::write(
        second.join("run.json"),
        r#"{"run_id": "second-run", "bands": {"high": 70, "medium": 40}}"#,
    )
    .expect("run.json");
    let out = dir.path().join("cmp");
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["compare", "--resamples", "50", "--out"])
        .arg(&out)
        .arg(dir.path().join("fixture-run"))
        .arg(&second)
        .assert()
        .success()
        .stdout(predicates::str::contains("Paired tests across runs"))
        .stdout(predicates::str::contains(
            "`second-run:heuristic` | `fixture-run:heuristic`",
        ));
    let md = read(&out.join("compare.md"));
    insta::assert_snapshot!("fixture_compare_md", md);
    assert!(
        md.contains("| `llm/tiny/zero_shot` | `second-run` |"),
        "{md}"
    );
    let html = read(&out.join("compare.html"));
    assert!(html.contains("<svg class=\"chart\""));
    // The explorer pairs the two runs: each scorer's columns in both, a mark per scorer of
    // the leads that changed.
    assert!(html.contains("fixture-run:heuristic") && html.contains("second-run:heuristic"));
    assert!(html.contains("changed from fixture-run:heuristic to second-run:heuristic"));
}

#[test]
fn report_html_is_self_contained() {
    let dir = fixture();
    let run = dir.path().join("fixture-run");
    let m = report_run(&run, &opts()).expect("report");
    let html = read(&run.join("report.html"));
    // Nothing is fetched: no URL, stylesheet link, import, CSS url() or script source, and
    // no script element carries a `src`. The lead explorer's two inline scripts (its data as
    // JSON and its plain JavaScript) are the only scripts.
    for banned in [
        "http://", "https://", "<link", "@import", "url(", " src=", "<iframe", "<object", "<embed",
    ] {
        assert!(!html.contains(banned), "report.html contains {banned}");
    }
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert_eq!(scripts.len(), 2, "the explorer's data and its script");
    assert!(scripts[0].starts_with(" type=\"application/json\" id=\"explorer-data\">"));
    assert!(
        scripts[1].starts_with(">"),
        "the script is inline, with no attributes"
    );
    assert!(!html.contains("NaN"));
    // Gains and capture, cost against converters at capacity and against QWK, one chart
    // per cascade sweep, four conversion-by-score charts, then three charts per scorer.
    assert!(!m.sweeps.is_empty());
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        4 + m.sweeps.len() + 4 + 3 * 4
    );
}

#[test]
fn a_split_without_gold_test_leads_gives_an_empty_report_not_a_panic() {
    let dir = fixture();
    let run = dir.path().join("fixture-run");
    let data = read(&run.join("dataset.csv")).replace(",test,", ",train,");
    std::fs::write(run.join("dataset.csv"), data).expect("rewrite dataset");
    let m = report_run(&run, &opts()).expect("report");
    assert_eq!(m.n_leads, 0);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("no leads to evaluate"))
    );
    assert!(m.scorers.iter().all(|s| s.metrics.accuracy.value.is_none()));
    assert!(read(&run.join("report.md")).contains("Leaderboard"));
}

/// A scorer computed from others' predictions is one function of the prediction table and
/// gets every metric: here the mean of the heuristic's and the learned model's scores.
#[test]
fn a_scorer_derived_from_the_table_is_evaluated_like_any_other() {
    use lead_bench::evaluate::{LeadAnswer, evaluate, read_run_dir};
    use lead_bench::lead::Bands;
    use lead_bench::prediction::{ScorerId, Status};

    let dir = fixture();
    let mut run = read_run_dir(&dir.path().join("fixture-run")).expect("read run");
    let bands = Bands::default();
    let mean = ScorerId::Other("ensemble/mean".into());
    let mut expected = Vec::new();
    run.predictions.add_derived(mean.clone(), |table, lead| {
        let score = |id: &ScorerId| table.answer(lead, id)?.parsed.map(|(_, s)| u32::from(s));
        let (h, l) = (score(&ScorerId::Heuristic), score(&ScorerId::Learned));
        let answer = match (h, l) {
            (Some(h), Some(l)) => {
                let s = ((h + l) as f64 / 2.0).round() as u8;
                expected.push(s);
                Some((bands.label_for(s), s))
            }
            _ => None,
        };
        table
            .answer(lead, &ScorerId::Heuristic)
            .map(|_| LeadAnswer {
                parsed: answer,
                status: if answer.is_some() {
                    Status::Ok
                } else {
                    Status::Skipped
                },
                latency_ms: 0.0,
                cost_usd: None,
            })
    });
    assert!(!expected.is_empty());
    assert!(run.predictions.scorer_ids().any(|id| *id == mean));

    let metrics = evaluate(&run, &opts()).expect("evaluate");
    let ids: Vec<&str> = metrics.scorers.iter().map(|s| s.id.as_str()).collect();
    // Report order: the baselines, then the rest by id.
    assert_eq!(
        ids[..3],
        ["heuristic", "learned", "ensemble/mean"],
        "{ids:?}"
    );
    let derived = &metrics.scorers[2];
    let heuristic = &metrics.scorers[0];
    assert_eq!(derived.metrics.n, heuristic.metrics.n);
    assert!(derived.metrics.n_parsed > 0);
    assert!(derived.metrics.accuracy.value.is_some());
    // It is paired with the heuristic like any other scorer.
    assert!(
        metrics
            .pairs
            .iter()
            .any(|p| p.a == "ensemble/mean" && p.b == "heuristic"),
        "pairs: {:?}",
        metrics
            .pairs
            .iter()
            .map(|p| (&p.a, &p.b))
            .collect::<Vec<_>>()
    );
}

/// Rewrites the fixture's outcomes: every lead `converted` = `value` (deal values only
/// for converters).
fn set_every_outcome(run: &Path, value: bool) {
    let path = run.join("dataset.csv");
    let mut reader = csv::Reader::from_path(&path).expect("dataset.csv");
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (converted, deal) = (col("converted"), col("deal_value"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let mut writer = csv::Writer::from_path(&path).expect("rewrite dataset.csv");
    writer.write_record(&headers).expect("headers");
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(j, cell)| match j {
                j if j == converted => value.to_string(),
                j if j == deal => if value { "1000" } else { "" }.to_string(),
                _ => cell.to_string(),
            })
            .collect();
        writer.write_record(&cells).expect("row");
    }
    writer.flush().expect("flush");
}

/// No lead converts: every conversion rate is 0 of n, whose Wilson interval starts at
/// exactly 0 (the closed form left −3.5e-18, shown as `[-0.0, …]`), and the capture
/// curve's share of converters is 0/0, so `null` (as the recall at capacity), not 0.
#[test]
fn a_run_where_no_lead_converts_reports_no_negative_zero_and_no_capture_share() {
    let dir = fixture();
    let run = dir.path().join("fixture-run");
    set_every_outcome(&run, false);
    let m = report_run(&run, &opts()).expect("report");
    let o = m.outcomes.as_ref().expect("outcomes");
    assert_eq!(o.converters, 0);
    let low = o.conversion_rate.ci_low.expect("an interval");
    assert!(low == 0.0 && !low.is_sign_negative(), "{low:?}");
    for r in o.oracle.iter().chain(&o.scorers) {
        assert!(r.metrics.curve.iter().all(|p| p.converters.is_none()));
        assert_eq!(r.metrics.capacity.recall.value, None);
        for rate in r.by_label.iter().chain(&r.by_decile) {
            if let Some(lo) = rate.ci_low {
                assert!(!lo.is_sign_negative(), "{}: {lo:?}", rate.group);
            }
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&read(&run.join("metrics.json"))).expect("json");
    let curve = &json["outcomes"]["scorers"][0]["curve"];
    assert!(curve[20]["converters"].is_null(), "{curve}");
    assert_eq!(curve[20]["worked"], 1.0);
    for name in ["report.md", "report.html"] {
        let text = read(&run.join(name));
        assert!(
            text.contains("0.0 % [0.0, "),
            "{name}: no 0-of-n rate shown"
        );
        let shown = negative_zeros(&text);
        assert!(shown.is_empty(), "{name} shows a negative zero: {shown:?}");
        assert!(!text.contains("NaN"), "{name}");
    }
}

/// Every lead converts: the Wilson intervals end at exactly 1 (100.0 %).
#[test]
fn a_run_where_every_lead_converts_has_rates_ending_at_exactly_one() {
    let dir = fixture();
    let run = dir.path().join("fixture-run");
    set_every_outcome(&run, true);
    let m = report_run(&run, &opts()).expect("report");
    let o = m.outcomes.as_ref().expect("outcomes");
    assert_eq!(o.converters, o.n);
    assert_eq!(o.conversion_rate.ci_high, Some(1.0));
    let md = read(&run.join("report.md"));
    let full: Vec<&str> = md.lines().filter(|l| l.contains("100.0]")).collect();
    assert!(md.contains(", 100.0] (n 60)"), "{full:?}");
    assert!(negative_zeros(&md).is_empty());
}

/// The lines showing a negative zero (`-0`, `-0.0`, `-0.000`, … not followed by another
/// digit, the `-` a sign rather than a hyphen); `-0.034` is a negative number, not one.
fn negative_zeros(text: &str) -> Vec<&str> {
    let is_zero_at = |line: &str, at: usize| {
        let hyphen = line[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let rest = &line[at + 1..];
        let digits: &str = &rest[..rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len())];
        !hyphen
            && !digits.is_empty()
            && digits.starts_with('0')
            && digits.chars().all(|c| c == '0' || c == '.')
    };
    text.lines()
        .filter(|line| line.match_indices('-').any(|(at, _)| is_zero_at(line, at)))
        .collect()
}

#[test]
fn negative_zeros_are_told_from_small_negatives() {
    assert_eq!(
        negative_zeros("a [-0.0, 1.9]\nb -0.034\nc -0\nd 10-20"),
        ["a [-0.0, 1.9]", "c -0"]
    );
    assert!(negative_zeros("0.100 [-0.034, 0.250] | -12.5 | 0–9 | x-0y").is_empty());
}
