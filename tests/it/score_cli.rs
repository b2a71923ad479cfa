//! `bench score`: same rows in the same order, input columns passed through, scores added;
//! learned models train, save and load; bad input exits 2 and writes nothing.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn bench() -> Command {
    Command::cargo_bin("bench").expect("bench binary")
}

/// `bench score --scorer heuristic --input INPUT --out OUT`, run.
fn score_heuristic(input: &Path, out: &Path) -> assert_cmd::assert::Assert {
    score_heuristic_with(input, out, &[])
}

/// [`score_heuristic`] with further arguments.
fn score_heuristic_with(
    input: &Path,
    out: &Path,
    extra: &[&std::ffi::OsStr],
) -> assert_cmd::assert::Assert {
    bench()
        .args(["score", "--scorer", "heuristic", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    let headers = r
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

const SAMPLE: &str = "datasets/sample_leads.csv";

#[test]
fn heuristic_scores_every_row_in_order_and_passes_extra_columns_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("crm.csv");
    fs::write(
        &input,
        "crm_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,source\n\
         c-9,Acme,\"1,200\",acme.com,Software,VP Engineering,vp,\"We are evaluating vendors for SSO and SOC 2, need pricing for 400 seats this quarter\",referral\n\
         c-7,,,,,Student,,homework help,\n",
    )
    .expect("write input");
    let out = dir.path().join("scored.csv");
    score_heuristic(&input, &out).success();
    let (headers, rows) = read_csv(&out);
    assert_eq!(
        headers,
        [
            "crm_id",
            "company_name",
            "company_size",
            "domain",
            "industry",
            "job_title",
            "seniority",
            "inbound_message",
            "source",
            "lead_score",
            "lead_label",
            "justification",
            "status"
        ],
        "the input's columns unchanged and in their order, then the answer"
    );
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0][0].as_str(), rows[1][0].as_str()), ("c-9", "c-7"));
    assert_eq!(rows[0][2], "1,200", "cells pass through as written");
    assert_eq!(rows[0][10], "high", "{:?}", rows[0]);
    assert_eq!(rows[1][10], "low", "{:?}", rows[1]);
    let score: u8 = rows[0][9].parse().expect("integer score");
    assert!(score >= 70);
    assert!(!rows[0][11].is_empty());
    assert_eq!((rows[0][12].as_str(), rows[1][12].as_str()), ("ok", "ok"));
}

#[test]
fn learned_trains_saves_and_loads_to_identical_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("model.json");
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    bench()
        .args([
            "score", "--scorer", "learned", "--train", SAMPLE, "--input", SAMPLE,
        ])
        .arg("--model-file")
        .arg(&model)
        .arg("--out")
        .arg(&a)
        .assert()
        .success();
    assert!(model.exists());
    bench()
        .args(["score", "--scorer", "learned", "--input", SAMPLE])
        .arg("--model-file")
        .arg(&model)
        .arg("--out")
        .arg(&b)
        .assert()
        .success();
    let (a, b) = (
        fs::read_to_string(&a).expect("a"),
        fs::read_to_string(&b).expect("b"),
    );
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 300);
    let first: serde_json::Value =
        serde_json::from_str(a.lines().next().expect("a row")).expect("json");
    assert!(
        first["lead_score"].is_u64() && first["gold_label"].is_string(),
        "{first}"
    );
}

#[test]
fn learned_without_training_data_or_model_is_a_usage_error() {
    bench()
        .args(["score", "--scorer", "learned", "--input", SAMPLE])
        .assert()
        .code(2)
        .stderr(contains("--train").and(contains("--model-file")));
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("bad.csv");
    fs::write(
        &input,
        "company_name,company_size,domain,industry,job_title,seniority,inbound_message,source\n\
         A,10,a.io,SaaS,CEO,c-suite,hi,blog\n\
         B,many,b.io,SaaS,CEO,c-suite,hi,blog\n",
    )
    .expect("write input");
    let out = dir.path().join("scored.csv");
    score_heuristic(&input, &out)
        .code(2)
        .stderr(contains("bad.csv:3: row 2, column `company_size`"));
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "no temp files left"
    );
}

#[test]
fn formula_cells_of_the_input_are_neutralised_in_the_scored_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("crm.csv");
    fs::write(
        &input,
        "crm_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,source\n\
         =cmd|' /C calc'!A0,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",10,acme.com,+Software,@VP,vp,-need pricing,referral\n",
    )
    .expect("input");
    let out = dir.path().join("scored.csv");
    score_heuristic(&input, &out).success();
    let (_, rows) = read_csv(&out);
    for cell in &rows[0] {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "written as a formula: {cell:?}"
        );
    }
    assert!(
        rows[0]
            .iter()
            .any(|c| c == "'=HYPERLINK(\"http://evil.example\",\"x\")")
    );
    // bench reads its own output back exactly.
    let back = lead_bench::lead::read_leads(&out).expect("reads back");
    assert_eq!(
        back[0].company_name,
        "=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    assert_eq!(back[0].inbound_message, "-need pricing");
}

const COMPLIANCE_LEAD: &str = "lead_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,source\n\
    L1,Acme,400,acme.com,Banking,Director of IT,director,\"Can you share your SOC-2 report and a DPIA template?\",referral\n";

#[test]
fn a_user_rules_file_adds_a_family_that_fires_with_its_points() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("leads.csv");
    fs::write(&input, COMPLIANCE_LEAD).expect("input");
    let rules = dir.path().join("my_rules.toml");
    fs::write(
        &rules,
        "[[family]]\nname = \"compliance\"\nkind = \"intent\"\npoints = 6\nmessage = [\"soc 2 report\", \"dpia\"]\n",
    )
    .expect("rules");
    let score = |extra: &[&std::ffi::OsStr]| {
        let out = dir.path().join("scored.csv");
        score_heuristic_with(&input, &out, extra).success();
        let (headers, rows) = read_csv(&out);
        let at = |name: &str| headers.iter().position(|h| h == name).expect("column");
        (
            rows[0][at("lead_score")].parse::<i32>().expect("score"),
            rows[0][at("justification")].clone(),
        )
    };
    let (plain, plain_why) = score(&[]);
    assert!(!plain_why.contains("compliance"), "{plain_why}");
    let (with, why) = score(&["--rules".as_ref(), rules.as_os_str()]);
    assert!(why.contains("compliance (+6)"), "{why}");
    assert_eq!(with - plain, 6, "{plain_why} / {why}");
    // The same through a config, whose point overrides reach the new family.
    let config = dir.path().join("config.toml");
    fs::write(
        &config,
        "[baselines]\nheuristic_rules = \"my_rules.toml\"\n[baselines.heuristic_weights]\ncompliance = 9\n",
    )
    .expect("config");
    let (_, why) = score(&["--config".as_ref(), config.as_os_str()]);
    assert!(why.contains("compliance (+9)"), "{why}");
}

#[test]
fn a_bad_rules_file_exits_2_with_its_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("leads.csv");
    fs::write(&input, COMPLIANCE_LEAD).expect("input");
    let rules = dir.path().join("my_rules.toml");
    fs::write(
        &rules,
        "[[family]]\nname = \"compliance\"\nkind = \"intent\"\nmessage = [\"soc 2 report\",\n    \"dp*ia\"]\n",
    )
    .expect("rules");
    let out = dir.path().join("scored.csv");
    score_heuristic_with(&input, &out, &["--rules".as_ref(), rules.as_os_str()])
        .code(2)
        .stderr(contains("my_rules.toml:5:").and(contains("can never match")));
    assert!(!out.exists(), "nothing written");
    let config = dir.path().join("config.toml");
    fs::write(
        &config,
        "[baselines]\nheuristic_rules = \"my_rules.toml\"\n",
    )
    .expect("config");
    for cmd in ["validate", "run"] {
        bench()
            .args([cmd, "--config"])
            .arg(&config)
            .assert()
            .code(2)
            .stderr(contains("my_rules.toml:5:"));
    }
    fs::write(
        &config,
        "[baselines.heuristic_weights]\nintent_prizing = 3\n",
    )
    .expect("config");
    bench()
        .args(["validate", "--config"])
        .arg(&config)
        .assert()
        .code(2)
        .stderr(contains(
            "config.toml:2: baselines.heuristic_weights.intent_prizing",
        ));
}
