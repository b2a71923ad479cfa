//! `logprobs = true` through `bench run` against the loopback fake: every request asks for
//! `top_logprobs`, each LLM scorer gets its `@logprobs` reading with the probabilities the
//! server chose (exactly), evaluated in full beside it; a re-run reads them again from the
//! cache without a request; a server that sends no token probabilities leaves the reading a
//! recorded `no_logprobs` status and a clear failure, not a crash.

use crate::support::fake_config::write_config;
use crate::support::fake_openai::{FakeServer, Reply, Seen};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lead_bench::prediction::{Prediction, read_predictions_csv};
use serde_json::json;

/// p(high), p(medium), p(low) the fake gives a prompt: they depend only on its text.
fn chosen(seen: &Seen) -> [f64; 3] {
    let h = seen
        .user
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let high = (h % 80 + 10) as f64 / 100.0;
    let medium = (1.0 - high) * 0.6;
    [high, medium, 1.0 - high - medium]
}

/// A completion whose label token is ` "high` with the chosen alternatives (and one that is
/// not a label), the score field first.
fn with_logprobs(seen: &Seen) -> Reply {
    if seen.top_logprobs != Some(5) {
        return Reply::error(400, "expected logprobs: true, top_logprobs: 5");
    }
    let [high, medium, low] = chosen(seen);
    let head = "{\"lead_score\": 77, \"lead_label\":";
    let tail = "\", \"justification\": \"fit\"}";
    let alt = |t: &str, p: f64| json!({"token": t, "logprob": p.ln()});
    let tokens = json!([
        {"token": head, "logprob": 0.0, "top_logprobs": []},
        {"token": " \"high", "logprob": high.ln(), "top_logprobs": [
            alt(" \"high", high), alt(" \"medium", medium), alt(" \"low", low), alt(" {", 0.01)
        ]},
        {"token": tail, "logprob": 0.0, "top_logprobs": []},
    ]);
    let content = format!("{head} \"high{tail}");
    let body = json!({
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop", "logprobs": {"content": tokens}}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 12, "total_tokens": 32},
    });
    Reply::raw(200, &body.to_string())
}

async fn run(config: &Path, out: &Path) -> Output {
    let (config, out) = (config.to_path_buf(), out.to_path_buf());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.args(["run", "--quiet", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out);
    crate::support::cli::output(cmd).await
}

fn by_lead(run: &Path, scorer: &str) -> HashMap<String, Prediction> {
    read_predictions_csv(&run.join("predictions.csv"))
        .expect("predictions")
        .into_iter()
        .filter(|p| p.scorer == scorer)
        .map(|p| (p.lead_id.clone(), p))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_llm_scorer_gets_its_logprobs_reading_exactly_and_again_from_the_cache() {
    let server = FakeServer::start(with_logprobs).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &server.url,
        60,
        true,
        "logprobs = true\ntop_logprobs = 5",
    );
    let first: PathBuf = dir.path().join("first");
    let out = run(&config, &first).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verbal = by_lead(&first, "llm/fake/rubric");
    let reading = by_lead(&first, "llm/fake/rubric@logprobs");
    assert_eq!(verbal.len(), reading.len());
    assert!(!reading.is_empty());
    let mut scores = std::collections::BTreeSet::new();
    for (lead, r) in &reading {
        let v = &verbal[lead];
        assert_eq!(v.lead_score, Some(77));
        assert_eq!(r.status.as_str(), "ok", "{}", r.error);
        let (p_low, p_medium, p_high) = (
            r.p_low.expect("p_low"),
            r.p_medium.expect("p_medium"),
            r.p_high.expect("p_high"),
        );
        // What the server chose, renormalised over the labels (` {` is not one).
        let total = p_low + p_medium + p_high;
        assert!((total - 1.0).abs() < 1e-12);
        let expected_score = (50.0 * p_medium + 100.0 * p_high).round() as u8;
        assert_eq!(r.lead_score, Some(expected_score));
        assert!(p_high > 0.05 && p_high < 0.95);
        assert!(
            (p_medium / (1.0 - p_high) - 0.6).abs() < 1e-9,
            "{p_medium} {p_high}"
        );
        assert_eq!((r.prompt_tokens, r.cost_usd), (v.prompt_tokens, v.cost_usd));
        scores.insert(r.lead_score);
    }
    assert!(scores.len() > 5, "the reading is not constant: {scores:?}");

    // Evaluated in full beside the verbalized scorer.
    let metrics: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.join("metrics.json")).expect("metrics"))
            .expect("json");
    let ids: Vec<&str> = metrics["scorers"]
        .as_array()
        .expect("scorers")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert!(
        ids.contains(&"llm/fake/rubric@logprobs") && ids.contains(&"llm/fake/zero_shot@logprobs"),
        "{ids:?}"
    );
    let report = std::fs::read_to_string(first.join("report.md")).expect("report");
    assert!(report.contains("llm/fake/rubric@logprobs"));
    // Each reading is tested against the answers it reads, and not against the other
    // prompt's answers.
    let pairs = metrics["pairs"].as_array().expect("pairs");
    let kind_of = |a: &str, b: &str| {
        pairs
            .iter()
            .find(|p| p["a"] == a && p["b"] == b)
            .map(|p| p["kind"].clone())
    };
    assert_eq!(
        kind_of("llm/fake/rubric@logprobs", "llm/fake/rubric"),
        Some(json!("token_probabilities"))
    );
    assert_eq!(
        kind_of("llm/fake/rubric@logprobs", "llm/fake/zero_shot"),
        None
    );
    assert_eq!(
        kind_of("llm/fake/zero_shot", "llm/fake/rubric@logprobs"),
        None
    );
    assert!(
        report.contains("token-probability reading"),
        "the flips of the pair"
    );

    // Again: nothing is sent, the readings are the same.
    let requests = server.requests();
    let second = dir.path().join("second");
    let out = run(&config, &second).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.requests(), requests);
    let again = by_lead(&second, "llm/fake/rubric@logprobs");
    for (lead, r) in &reading {
        assert_eq!(
            (again[lead].lead_score, again[lead].p_high),
            (r.lead_score, r.p_high)
        );
    }
}

/// `bench run` of 40 generated leads with `logprobs = true` against a server answering by
/// `script`, which fails (exit 1): the folder, the run folder and the output.
async fn failed_run(
    script: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> (tempfile::TempDir, PathBuf, Output) {
    let server = FakeServer::start(script).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 40, false, "logprobs = true");
    let run_dir = dir.path().join("run");
    let out = run(&config, &run_dir).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, run_dir, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_token_probabilities_leaves_a_recorded_status_and_a_clear_failure() {
    let (_dir, run_dir, out) = failed_run(|_| {
        Reply::answer(r#"{"lead_score": 80, "lead_label": "high", "justification": "fit"}"#)
    })
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("llm/fake/rubric@logprobs produced no parsed prediction")
            && err.contains("no token probabilities"),
        "{err}"
    );
    let reading = by_lead(&run_dir, "llm/fake/rubric@logprobs");
    assert!(!reading.is_empty());
    assert!(reading.values().all(|p| p.status.as_str() == "no_logprobs"));
    // The verbalized scorer is unharmed.
    assert!(
        by_lead(&run_dir, "llm/fake/rubric")
            .values()
            .all(|p| p.lead_score == Some(80))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_refuses_logprobs_gets_a_recorded_api_error_with_the_way_out() {
    let (_dir, run_dir, _) = failed_run(|seen: &Seen| match seen.top_logprobs {
        Some(_) => Reply::error(400, "logprobs is not supported for this model"),
        None => Reply::answer(r#"{"lead_score": 80, "lead_label": "high", "justification": "x"}"#),
    })
    .await;
    for scorer in ["llm/fake/rubric", "llm/fake/rubric@logprobs"] {
        let preds = by_lead(&run_dir, scorer);
        assert!(!preds.is_empty());
        for p in preds.values() {
            assert_eq!(p.status.as_str(), "api_error");
            assert!(p.error.contains("set logprobs = false"), "{}", p.error);
        }
    }
}

#[test]
fn batch_export_lines_ask_for_token_probabilities_too_and_the_plan_counts_their_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        "http://127.0.0.1:9/v1",
        30,
        false,
        "logprobs = true\ntop_logprobs = 7",
    );
    let out = dir.path().join("batch.jsonl");
    let done = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["batch", "export", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run bench");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("batch file");
    assert!(text.lines().count() > 0);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        assert_eq!(v["body"]["logprobs"], true, "{line}");
        assert_eq!(v["body"]["top_logprobs"], 7);
    }
    let plan = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["plan", "--json", "--config"])
        .arg(&config)
        .output()
        .expect("run bench");
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("plan JSON");
    let model = &plan["models"][0];
    let (tokens, bytes) = (
        model["completion_tokens"].as_u64().expect("tokens"),
        model["logprobs_bytes"].as_u64().expect("bytes"),
    );
    assert_eq!(
        bytes,
        tokens * 8 * 80,
        "eight alternatives (7 + the chosen) of 80 bytes a token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_with_logprobs_asks_every_model_and_only_its_scorers_get_a_reading() {
    // Answers with token probabilities where the request asks for them, plain ones elsewhere.
    let server = FakeServer::start(|seen: &Seen| match seen.top_logprobs {
        Some(_) => with_logprobs(seen),
        None => {
            Reply::answer(r#"{"lead_score": 40, "lead_label": "medium", "justification": "x"}"#)
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 40, false, "");
    // The first prompt (zero_shot) asks, with five alternatives a token; rubric does not.
    let text = std::fs::read_to_string(&config).expect("config").replacen(
        "name = \"zero_shot\"\n",
        "name = \"zero_shot\"\nlogprobs = true\ntop_logprobs = 5\n",
        1,
    );
    std::fs::write(&config, text).expect("write config");
    let out_dir = dir.path().join("run");
    let out = run(&config, &out_dir).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let evaluated = by_lead(&out_dir, "llm/fake/rubric").len();
    assert!(evaluated > 5);
    let reading = by_lead(&out_dir, "llm/fake/zero_shot@logprobs");
    assert_eq!(
        reading.len(),
        evaluated,
        "every evaluated lead of the asking prompt"
    );
    assert!(reading.values().all(|p| p.status.as_str() == "ok"));
    assert!(by_lead(&out_dir, "llm/fake/rubric@logprobs").is_empty());
    // The fake answers 77/high only to a request with `top_logprobs: 5`, 40/medium to one
    // without: zero_shot's requests asked, rubric's did not.
    let score = |scorer: &str| {
        let scores: Vec<Option<u8>> = by_lead(&out_dir, scorer)
            .values()
            .map(|p| p.lead_score)
            .collect();
        assert_eq!(scores.len(), evaluated, "{scorer}");
        scores
            .into_iter()
            .reduce(|a, b| a.filter(|a| Some(*a) == b))
    };
    assert_eq!(score("llm/fake/zero_shot"), Some(Some(77)));
    assert_eq!(score("llm/fake/rubric"), Some(Some(40)));
}
