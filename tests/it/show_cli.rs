//! `bench show RUN_DIR LEAD_ID`: one lead's fields and message and every scorer's answer
//! (justification, or error and raw answer when unparsed; `not asked` for a sampled scorer);
//! an unknown lead id exits 2 naming the run folder and the id.

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::report_fixture;

fn bench() -> Command {
    Command::cargo_bin("bench").expect("bench binary")
}

#[test]
fn show_prints_the_lead_and_every_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("fixture-run");
    report_fixture::write_run(&run, 0);
    // L039's zero-shot answer did not parse (the fixture's rule: i % 13 == 0).
    bench()
        .arg("show")
        .arg(&run)
        .arg("L039")
        .assert()
        .success()
        .stdout(contains("lead L039\n"))
        .stdout(contains(
            "message:\n    We would like to learn more about pricing",
        ))
        .stdout(contains("\nheuristic\n"))
        .stdout(contains("justification:\n    fixture score"))
        .stdout(contains("\nllm/tiny/zero_shot\n  repeat 0: parse_error\n"))
        .stdout(contains("error:\n    no JSON object in the answer"))
        .stdout(contains("raw answer:\n    I think this lead is promising."))
        .stdout(contains("\nllm/tiny/few_shot\n"));
    // A train lead: the learned model scored test leads only.
    bench()
        .arg("show")
        .arg(&run)
        .arg("L000")
        .assert()
        .success()
        .stdout(contains("split       train"))
        .stdout(contains(
            "\nlearned\n  missing: no prediction for this lead\n",
        ));
}

#[test]
fn a_sampled_scorer_was_not_asked_about_other_leads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("fixture-run");
    report_fixture::write_run(&run, 0);
    let preds = std::fs::read_to_string(run.join("predictions.csv")).expect("predictions");
    let kept: String = preds
        .lines()
        .filter(|l| !(l.contains(",L040,") && l.contains("llm/tiny/few_shot")))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(run.join("predictions.csv"), kept).expect("rewrite");
    let manifest = std::fs::read_to_string(run.join("run.json")).expect("run.json");
    let manifest = manifest.replacen('{', r#"{"sampled": {"llm/tiny/few_shot": 59}, "#, 1);
    std::fs::write(run.join("run.json"), manifest).expect("rewrite run.json");
    bench()
        .arg("show")
        .arg(&run)
        .arg("L040")
        .assert()
        .success()
        .stdout(contains("\nllm/tiny/few_shot\n  not asked"));
}

#[test]
fn an_unknown_lead_is_bad_input_naming_the_run_and_the_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("fixture-run");
    report_fixture::write_run(&run, 0);
    bench()
        .arg("show")
        .arg(&run)
        .arg("NO-SUCH-LEAD")
        .assert()
        .code(2)
        .stderr(contains("fixture-run").and(contains("`NO-SUCH-LEAD`")));
    bench()
        .arg("show")
        .arg(dir.path().join("missing"))
        .arg("L039")
        .assert()
        .code(2)
        .stderr(contains("not a run directory"));
}

#[test]
fn an_enriched_lead_shows_its_enrichment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = crate::support::cli::enriched_heuristic_run(dir.path());
    let data = std::fs::read_to_string(run.join("dataset.csv")).expect("dataset");
    // The first test lead with every enrichment field known.
    let header: Vec<&str> = data.lines().next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let mut reader = csv::Reader::from_reader(data.as_bytes());
    let lead = reader
        .records()
        .map(|r| r.expect("row"))
        .find(|r| {
            &r[col("split")] == "test"
                && ["revenue_band", "hq_country", "funding_stage", "tech_stack"]
                    .iter()
                    .all(|c| !r[col(c)].is_empty())
        })
        .expect("an enriched test lead");
    let first_tech = lead[col("tech_stack")].split(';').next().expect("a tech");
    bench()
        .arg("show")
        .arg(&run)
        .arg(&lead[col("lead_id")])
        .assert()
        .success()
        .stdout(contains(format!(
            "  revenue     {}\n",
            &lead[col("revenue_band")]
        )))
        .stdout(contains(format!(
            "  hq country  {}\n",
            &lead[col("hq_country")]
        )))
        .stdout(contains(format!(
            "  funding     {}\n",
            &lead[col("funding_stage")]
        )))
        .stdout(contains(format!("  tech stack  {first_tech}")));
}
