//! `bench score --calibration RUN_DIR`: on the run's own leads, `p_convert` is the run's map
//! exactly and `route` follows its cut-off; `--capacity` routes the file's top leads; the
//! learned model trained from the config is the run's (same scores, same fingerprint); a
//! changed rule or prompt is refused with exit 2 and nothing written.

use crate::support::fake_config::write_config;
use crate::support::fake_openai::{FakeServer, Reply, Seen};
use crate::support::files::{assert_success as ok, csv_rows};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lead_bench::prediction::read_predictions_csv;

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(args)
        .output()
        .expect("run bench")
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("JSON")
}

/// Rows of a CSV file as column → cell.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    csv_rows(path).1
}

/// The run's dataset without its generator columns (a CRM export would not have them; its
/// `p_convert` would clash with the one scoring adds).
fn export_of(run: &Path, to: &Path) -> PathBuf {
    let mut r = csv::Reader::from_path(run.join("dataset.csv")).expect("dataset");
    let headers = r.headers().expect("headers").clone();
    let keep: Vec<usize> = (0..headers.len())
        .filter(|&i| {
            !["p_convert", "archetype", "difficulty", "label_noise"].contains(&&headers[i])
        })
        .collect();
    let mut w = csv::Writer::from_path(to).expect("export");
    w.write_record(keep.iter().map(|&i| &headers[i]))
        .expect("header");
    for rec in r.records() {
        let rec = rec.expect("row");
        w.write_record(keep.iter().map(|&i| &rec[i])).expect("row");
    }
    w.flush().expect("flush");
    to.to_path_buf()
}

/// The scorer's entry of the run's calibration.json.
fn map_of(run: &Path, id: &str) -> serde_json::Value {
    json(&run.join("calibration.json"))["scorers"]
        .as_array()
        .expect("scorers")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} in calibration.json"))
        .clone()
}

const CONFIG: &str = "[dataset.generate]\nn = 600\nseed = 11\n";

#[test]
fn p_convert_and_route_reproduce_the_runs_map_on_its_own_leads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, CONFIG).expect("config");
    let run = dir.path().join("run");
    ok(&bench(&[
        "run",
        "--quiet",
        "--config",
        &config.display().to_string(),
        "--out",
        &run.display().to_string(),
    ]));
    let input = export_of(&run, &dir.path().join("crm.csv"));
    let (config, input, run_dir) = (
        config.display().to_string(),
        input.display().to_string(),
        run.display().to_string(),
    );
    let score = |scorer: &str, out: &str, extra: &[&str]| {
        let out = dir.path().join(out).display().to_string();
        let mut args = vec!["score", "--quiet", "--config", &config, "--scorer", scorer];
        args.extend(["--input", &input, "--calibration", &run_dir, "--out", &out]);
        args.extend(extra);
        bench(&args)
    };

    // The heuristic, read through the isotonic map: on the run's evaluated leads, each score
    // is one of the map's points, so p_convert is the fitted value there, exactly.
    ok(&score("heuristic", "h.csv", &["--map", "isotonic"]));
    let map = map_of(&run, "heuristic");
    let (xs, ys) = (
        map["isotonic"]["x"].as_array().expect("x"),
        map["isotonic"]["y"].as_array().expect("y"),
    );
    let fitted: HashMap<String, f64> = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| {
            (
                format!("{:.0}", x.as_f64().expect("x") * 100.0),
                y.as_f64().expect("y"),
            )
        })
        .collect();
    let cut_off = map["capacity"]["cut_off"].as_f64().expect("cut-off");
    let scored = rows(&dir.path().join("h.csv"));
    let mut checked = 0;
    for row in &scored {
        let score: f64 = row["lead_score"].parse().expect("score");
        let p: f64 = row["p_convert"].parse().expect("p_convert");
        let route = if score >= cut_off { "sales" } else { "nurture" };
        assert_eq!(row["route"], route, "lead {} at {score}", row["lead_id"]);
        if row["split"] == "test" {
            assert_eq!(
                Some(&p),
                fitted.get(&row["lead_score"]),
                "lead {}",
                row["lead_id"]
            );
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked}");
    let k = map["capacity"]["k"].as_u64().expect("k") as usize;
    let to_sales = scored
        .iter()
        .filter(|r| r["split"] == "test" && r["route"] == "sales")
        .count();
    assert!(
        to_sales >= k,
        "at least the run's {k} worked leads reach the cut-off: {to_sales}"
    );

    // `--capacity`: exactly the file's top 10 % by score go to sales.
    ok(&score("heuristic", "top.csv", &["--capacity", "10%"]));
    let top = rows(&dir.path().join("top.csv"));
    let sales: Vec<u8> = top
        .iter()
        .filter(|r| r["route"] == "sales")
        .map(|r| r["lead_score"].parse().expect("score"))
        .collect();
    assert_eq!(sales.len(), top.len() / 10);
    let lowest_sales = *sales.iter().min().expect("some");
    assert!(
        top.iter()
            .filter(|r| r["route"] == "nurture")
            .all(|r| r["lead_score"].parse::<u8>().expect("score") <= lowest_sales)
    );

    // The learned model trained from the config is the run's: its scores on the run's test
    // leads, and its fingerprint (the calibration is accepted).
    ok(&score("learned", "l.csv", &[]));
    let in_run: HashMap<String, Option<u8>> = read_predictions_csv(&run.join("predictions.csv"))
        .expect("predictions")
        .into_iter()
        .filter(|p| p.scorer == "learned")
        .map(|p| (p.lead_id, p.lead_score))
        .collect();
    for row in rows(&dir.path().join("l.csv")) {
        if let Some(score) = in_run.get(&row["lead_id"]) {
            assert_eq!(
                row["lead_score"],
                score.map(|s| s.to_string()).unwrap_or_default()
            );
        }
        assert!(["sales", "nurture"].contains(&row["route"].as_str()));
    }

    // A rule changed since the run: refused, exit 2, nothing written.
    std::fs::write(
        &config,
        format!("{CONFIG}[baselines.heuristic_weights]\nintent_pricing = 30\n"),
    )
    .expect("config");
    let refused = score("heuristic", "changed.csv", &[]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("changed since the run"), "{err}");
    assert!(!dir.path().join("changed.csv").exists());
}

/// A score that depends only on the prompt, with the label its band gives.
fn answer_for(seen: &Seen) -> Reply {
    let h = seen
        .user
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let score = h % 101;
    let label = ["low", "medium", "high"][usize::from(score >= 40) + usize::from(score >= 70)];
    Reply::answer(&format!(
        r#"{{"lead_score": {score}, "lead_label": "{label}", "justification": "seen"}}"#
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_llm_scorer_is_calibrated_by_its_run_until_its_prompt_changes() {
    let server = FakeServer::start(answer_for).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 200, false, "");
    let run = dir.path().join("run");
    let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let go = crate::support::cli::bench::<String>;
    let (config_s, run_s) = (config.display().to_string(), run.display().to_string());
    ok(&go(args(&[
        "run", "--quiet", "--config", &config_s, "--out", &run_s,
    ]))
    .await);
    let input = export_of(&run, &dir.path().join("crm.csv"))
        .display()
        .to_string();
    let out = dir.path().join("scored.csv").display().to_string();
    let score = args(&[
        "score",
        "--quiet",
        "--config",
        &config_s,
        "--scorer",
        "llm/fake/rubric",
        "--input",
        &input,
        "--calibration",
        &run_s,
        "--out",
        &out,
    ]);
    ok(&go(score.clone()).await);
    let map = map_of(&run, "llm/fake/rubric");
    let cut_off = map["capacity"]["cut_off"].as_f64().expect("cut-off");
    for row in rows(Path::new(&out)) {
        let s: f64 = row["lead_score"].parse().expect("score");
        assert_eq!(row["route"], if s >= cut_off { "sales" } else { "nurture" });
        let p: f64 = row["p_convert"].parse().expect("p");
        assert!((0.0..=1.0).contains(&p));
    }

    // The prompt edited after the run: its calibration no longer holds.
    let edited = dir.path().join("rubric-edited.j2");
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts/rubric.j2");
    let text = std::fs::read_to_string(&original).expect("prompt");
    std::fs::write(&edited, format!("{text}\n{{# edited #}}\n")).expect("edited prompt");
    let config_text = std::fs::read_to_string(&config).expect("config");
    let quoted = format!("{:?}", original.display().to_string());
    assert!(config_text.contains(&quoted));
    let changed = config_text.replace(&quoted, &format!("{:?}", edited.display().to_string()));
    std::fs::write(&config, changed).expect("config");
    let before = server.requests();
    std::fs::remove_file(&out).expect("remove");
    let refused = go(score).await;
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("llm/fake/rubric") && err.contains("changed since the run"),
        "{err}"
    );
    assert_eq!(server.requests(), before, "refused before anything is sent");
    assert!(!Path::new(&out).exists());
}
