//! `bench score` with an LLM scorer and the derived kinds, against the loopback fake server:
//! the same score per lead as the run's predictions, zero requests the second time (the answer
//! cache), rows in order with their columns; a cascade asks the LLM only about the leads it
//! escalates; an ensemble combines its members; an unknown scorer is refused with the list.

use crate::support::cli::bench;
use crate::support::fake_config::write_config;
use crate::support::fake_openai::{FakeServer, Reply, Seen};
use crate::support::files::{assert_success as ok, csv_rows as read_csv};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lead_bench::lead::Bands;
use lead_bench::prediction::read_predictions_csv;

/// A score that depends only on the prompt (so on the lead and the template), with the
/// label its band gives.
fn answer_for(seen: &Seen) -> Reply {
    let h = seen
        .user
        .bytes()
        .chain(seen.system.bytes())
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let score = (h % 101) as u8;
    let label = Bands::default().label_for(score).as_str();
    Reply::answer(&format!(
        r#"{{"lead_score": {score}, "lead_label": "{label}", "justification": "seen {score}"}}"#
    ))
}

struct Setup {
    server: FakeServer,
    dir: tempfile::TempDir,
    config: PathBuf,
}

async fn setup(extra: &str) -> Setup {
    let server = FakeServer::start(answer_for).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 60, true, "");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(extra);
    std::fs::write(&config, text).expect("write config");
    Setup {
        server,
        dir,
        config,
    }
}

impl Setup {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    async fn score(&self, scorer: &str, input: &str, out: &str, extra: &[&str]) -> Output {
        let mut args: Vec<String> = [
            "score",
            "--quiet",
            "--config",
            &self.config.display().to_string(),
            "--scorer",
            scorer,
            "--input",
            input,
            "--out",
            &self.path(out),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        bench(args).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_llm_scorer_scores_every_row_as_the_run_did_and_from_the_cache_the_second_time() {
    let s = setup("").await;
    let run = s.path("run");
    ok(&bench(vec![
        "run".into(),
        "--quiet".into(),
        "--config".into(),
        s.config.display().to_string(),
        "--out".into(),
        run.clone(),
    ])
    .await);
    let in_run: HashMap<String, Option<u8>> =
        read_predictions_csv(&Path::new(&run).join("predictions.csv"))
            .expect("predictions")
            .into_iter()
            .filter(|p| p.scorer == "llm/fake/rubric")
            .map(|p| (p.lead_id, p.lead_score))
            .collect();
    assert!(!in_run.is_empty());
    let input = format!("{run}/dataset.csv");
    let (input_headers, input_rows) = read_csv(Path::new(&input));

    let before = s.server.requests();
    ok(&s.score("llm/fake/rubric", &input, "scored.csv", &[]).await);
    let sent = s.server.requests() - before;
    assert_eq!(
        sent as usize,
        input_rows.len() - in_run.len(),
        "only the leads the run did not ask about are sent"
    );
    let (headers, rows) = read_csv(Path::new(&s.path("scored.csv")));
    assert_eq!(headers[..input_headers.len()], input_headers[..]);
    assert_eq!(
        headers[input_headers.len()..],
        [
            "lead_score",
            "lead_label",
            "justification",
            "status",
            "error",
            "prompt_tokens",
            "completion_tokens",
            "cost_usd"
        ]
    );
    assert_eq!(rows.len(), input_rows.len());
    for (row, input_row) in rows.iter().zip(&input_rows) {
        for h in &input_headers {
            assert_eq!(row[h], input_row[h], "column {h} passes through");
        }
        assert_eq!(row["status"], "ok");
        if let Some(score) = in_run.get(&row["lead_id"]) {
            let score = score.map(|v| v.to_string()).unwrap_or_default();
            assert_eq!(row["lead_score"], score, "lead {}", row["lead_id"]);
        }
    }

    let before = s.server.requests();
    ok(&s.score("llm/fake/rubric", &input, "again.csv", &[]).await);
    assert_eq!(
        s.server.requests(),
        before,
        "the second time, all from the cache"
    );
    assert_eq!(
        std::fs::read(s.path("scored.csv")).expect("scored"),
        std::fs::read(s.path("again.csv")).expect("again"),
    );
}

const DERIVED: &str = r#"
[[ensembles]]
name = "both"
of = ["llm/fake/*"]
combine = "mean"
[[cascades]]
name = "cheap_first"
first = "heuristic"
then = "llm/fake/rubric"
escalate = { score_between = [35, 75] }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cascade_asks_the_llm_only_about_the_leads_it_escalates() {
    let s = setup(DERIVED).await;
    let input = format!("{}/datasets/sample_leads.csv", env!("CARGO_MANIFEST_DIR"));
    ok(&s.score("heuristic", &input, "heuristic.csv", &[]).await);
    ok(&s
        .score("llm/fake/rubric", &input, "llm.csv", &["--no-cache"])
        .await);
    let before = s.server.requests();
    ok(&s
        .score(
            "cascade/cheap_first",
            &input,
            "cascade.csv",
            &["--no-cache"],
        )
        .await);
    let (_, heuristic) = read_csv(Path::new(&s.path("heuristic.csv")));
    let (_, llm) = read_csv(Path::new(&s.path("llm.csv")));
    let (_, cascade) = read_csv(Path::new(&s.path("cascade.csv")));
    let mut escalated = 0;
    for ((h, l), c) in heuristic.iter().zip(&llm).zip(&cascade) {
        let score: u8 = h["lead_score"].parse().expect("heuristic score");
        let up = (35..=75).contains(&score);
        escalated += u64::from(up);
        let expected = if up { l } else { h };
        assert_eq!(
            c["lead_score"], expected["lead_score"],
            "lead {}",
            c["lead_id"]
        );
        assert_eq!(c["lead_label"], expected["lead_label"]);
        let by = if up {
            "llm/fake/rubric: "
        } else {
            "heuristic: "
        };
        assert!(c["justification"].starts_with(by), "{}", c["justification"]);
    }
    assert!(escalated > 0 && escalated < heuristic.len() as u64);
    assert_eq!(
        s.server.requests() - before,
        escalated,
        "one request per escalated lead"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ensemble_is_the_mean_of_its_members_and_an_unknown_scorer_is_refused() {
    let s = setup(DERIVED).await;
    let input = format!("{}/datasets/sample_leads.csv", env!("CARGO_MANIFEST_DIR"));
    ok(&s.score("llm/fake/rubric", &input, "rubric.csv", &[]).await);
    ok(&s
        .score("llm/fake/zero_shot", &input, "zero_shot.csv", &[])
        .await);
    let before = s.server.requests();
    ok(&s.score("ensemble/both", &input, "both.csv", &[]).await);
    assert_eq!(s.server.requests(), before, "members come from the cache");
    let (_, a) = read_csv(Path::new(&s.path("rubric.csv")));
    let (_, b) = read_csv(Path::new(&s.path("zero_shot.csv")));
    let (_, both) = read_csv(Path::new(&s.path("both.csv")));
    for ((a, b), e) in a.iter().zip(&b).zip(&both) {
        let (x, y): (f64, f64) = (
            a["lead_score"].parse().expect("a"),
            b["lead_score"].parse().expect("b"),
        );
        let mean = ((x + y) / 2.0).round() as u8;
        assert_eq!(e["lead_score"], mean.to_string());
        assert_eq!(e["lead_label"], Bands::default().label_for(mean).as_str());
        assert!(e["justification"].starts_with("mean of "));
    }

    let out = s.score("llm/fake/nope", &input, "nope.csv", &[]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("defines no such scorer") && err.contains("cascade/cheap_first"),
        "{err}"
    );
    assert!(!Path::new(&s.path("nope.csv")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_mode_submits_exits_75_writes_nothing_and_the_same_command_collects() {
    let s = setup("").await;
    let input = format!("{}/datasets/sample_leads.csv", env!("CARGO_MANIFEST_DIR"));
    ok(&s
        .score("llm/fake/rubric", &input, "online.csv", &["--no-cache"])
        .await);
    let online_requests = s.server.requests();

    let first = s
        .score("llm/fake/rubric", &input, "batch.csv", &["--batch"])
        .await;
    assert_eq!(
        first.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        !Path::new(&s.path("batch.csv")).exists(),
        "nothing written while pending"
    );
    assert_eq!(s.server.batches_created(), 1);
    ok(&s
        .score(
            "llm/fake/rubric",
            &input,
            "batch.csv",
            &["--batch", "--wait"],
        )
        .await);
    assert_eq!(
        s.server.batches_created(),
        1,
        "collected, not submitted again"
    );
    assert_eq!(
        s.server.requests(),
        online_requests,
        "no interactive request"
    );
    let (_, online) = read_csv(Path::new(&s.path("online.csv")));
    let (_, batch) = read_csv(Path::new(&s.path("batch.csv")));
    assert_eq!(online.len(), batch.len());
    for (a, b) in online.iter().zip(&batch) {
        assert_eq!(a["lead_score"], b["lead_score"]);
        assert_eq!(b["status"], "ok");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_keeps_what_is_done_and_writes_every_row_with_its_status() {
    let server = FakeServer::start(|seen: &Seen| {
        answer_for(seen).delayed(std::time::Duration::from_millis(150))
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 60, false, "concurrency = 1");
    let input = format!("{}/datasets/sample_leads.csv", env!("CARGO_MANIFEST_DIR"));
    let out = dir.path().join("scored.csv");
    let child = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args([
            "score",
            "--quiet",
            "--scorer",
            "llm/fake/rubric",
            "--config",
        ])
        .arg(&config)
        .args(["--input", &input, "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn bench");
    let started = std::time::Instant::now();
    while server.requests() < 3 {
        assert!(started.elapsed().as_secs() < 30, "bench never sent");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let signalled = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(signalled.success());
    let done = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join");
    assert_eq!(
        done.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let (_, rows) = read_csv(&out);
    let (_, input_rows) = read_csv(Path::new(&input));
    assert_eq!(rows.len(), input_rows.len(), "every row keeps its place");
    let answered = rows.iter().filter(|r| r["status"] == "ok").count();
    let skipped = rows.iter().filter(|r| r["status"] == "skipped").count();
    assert!(answered >= 3, "what was answered is kept: {answered}");
    assert_eq!(answered + skipped, rows.len());
    assert!(skipped > 0);
    assert!(
        rows.iter()
            .filter(|r| r["status"] == "skipped")
            .all(|r| r["lead_score"].is_empty())
    );
}
