//! `bench batch export` → an engine that reads and writes vLLM's `run_batch` format → `bench
//! batch import` → `bench run`: the same predictions as interactive calls to the same model,
//! with nothing sent; malformed result files stored nowhere; failed lines sent again.

use crate::support::fake_openai;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fake_openai::{FakeServer, Reply};
use lead_bench::llm::Cache;
use lead_bench::prediction::{Prediction, read_predictions_csv};
use serde_json::{Value, json};

/// The fake model: an answer decided by the user message alone, of several shapes.
fn content_for(user: &str) -> String {
    let h = user
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    match h % 4 {
        0 => r#"{"lead_score": 82, "lead_label": "high", "justification": "director, pricing"}"#
            .into(),
        1 => "Sure! ```json\n{\"lead_score\": \"45\", \"lead_label\": \"Medium\", \"justification\": \"exploring\"}\n```".into(),
        2 => "I think this lead is promising.".into(),
        _ => format!(
            r#"{{"lead_score": {}, "lead_label": "low", "justification": "student"}}"#,
            h % 30
        ),
    }
}

/// A chat completion body with `content`, as the fake server sends it.
fn completion(content: &str) -> Value {
    match Reply::answer(content) {
        Reply::Send { body, .. } => serde_json::from_str(&body).expect("a JSON body"),
        _ => unreachable!("an answer is sent"),
    }
}

fn config(dir: &Path, url: &str) -> PathBuf {
    let prompt = |name: &str| {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("prompts/{name}.j2"));
        format!("{:?}", p.display().to_string())
    };
    let text = format!(
        "[run]\nname = \"b\"\nresults_dir = \"results\"\ncache = \"cache.sqlite\"\n\
         [dataset.generate]\nn = 60\nseed = 3\ntest_fraction = 0.4\n\
         [baselines]\nheuristic = false\nlearned = false\n\
         [[models]]\nname = \"fake\"\nmodel = \"fake-model\"\nbase_url = \"{url}\"\n\
         structured_output = \"json_object\"\nconcurrency = 4\nmax_retries = 1\n\
         [[prompts]]\nname = \"zero_shot\"\npath = {}\n[[prompts]]\nname = \"rubric\"\npath = {}\n",
        prompt("zero_shot"),
        prompt("rubric")
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

async fn bench(args: &[&str], config: &Path) -> Output {
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.extend(["--config".to_string(), config.display().to_string()]);
    crate::support::cli::bench(args).await
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn predictions(out: &Output) -> HashMap<(String, String), Prediction> {
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = PathBuf::from(text.lines().last().expect("run dir").trim());
    read_predictions_csv(&dir.join("predictions.csv"))
        .expect("predictions")
        .into_iter()
        .map(|p| ((p.lead_id.clone(), p.scorer.clone()), p))
        .collect()
}

/// What vLLM's `run_batch` does with the file, run by the fake model: one output line per
/// request (here in reverse order: results are joined by custom_id, not by position).
fn run_batch(requests: &Path, results: &Path, fail: impl Fn(usize) -> bool) -> usize {
    let text = std::fs::read_to_string(requests).expect("requests");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let req: Value = serde_json::from_str(line).expect("a request line");
        assert_eq!(req["method"], "POST");
        assert_eq!(req["url"], "/v1/chat/completions");
        assert_eq!(req["body"]["model"], "fake-model");
        let user = req["body"]["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["content"].as_str())
            .expect("a user message");
        let id = &req["custom_id"];
        out.push(if fail(i) {
            json!({"id": format!("vllm-{i}"), "custom_id": id, "response": {"status_code": 500,
                   "request_id": format!("r{i}"), "body": {"error": "engine overloaded"}}, "error": null})
        } else {
            json!({"id": format!("vllm-{i}"), "custom_id": id, "response": {"status_code": 200,
                   "request_id": format!("r{i}"), "body": completion(&content_for(user))}, "error": null})
        });
    }
    out.reverse();
    let lines: Vec<String> = out.iter().map(Value::to_string).collect();
    std::fs::write(results, lines.join("\n") + "\n").expect("results");
    text.lines().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_run_batch_import_gives_the_interactive_predictions_without_a_request() {
    let server = FakeServer::start(|seen| Reply::answer(&content_for(seen.user))).await;
    let interactive = tempfile::tempdir().expect("tempdir");
    let batched = tempfile::tempdir().expect("tempdir");
    let online = bench(
        &["run", "--quiet"],
        &config(interactive.path(), &server.url),
    )
    .await;
    ok(&online);
    let sent = server.requests();
    assert!(sent > 20, "{sent} requests");

    let config = config(batched.path(), &server.url);
    let requests = batched.path().join("requests.jsonl");
    let export = bench(
        &[
            "batch",
            "export",
            "--out",
            requests.to_str().expect("utf-8"),
        ],
        &config,
    )
    .await;
    ok(&export);
    let results = batched.path().join("results.jsonl");
    assert_eq!(run_batch(&requests, &results, |_| false) as u64, sent);
    let import = bench(
        &["batch", "import", results.to_str().expect("utf-8")],
        &config,
    )
    .await;
    ok(&import);
    assert!(
        String::from_utf8_lossy(&import.stdout).contains(&format!("{sent} answers stored")),
        "{}",
        String::from_utf8_lossy(&import.stdout)
    );
    // Everything is answered: a second export writes nothing.
    let again = bench(
        &[
            "batch",
            "export",
            "--out",
            requests.to_str().expect("utf-8"),
        ],
        &config,
    )
    .await;
    ok(&again);
    assert!(String::from_utf8_lossy(&again.stdout).contains(" 0 requests written"));

    let offline = bench(&["run", "--quiet"], &config).await;
    ok(&offline);
    assert_eq!(server.requests(), sent, "the batched run sent requests");
    let (a, b) = (predictions(&online), predictions(&offline));
    assert_eq!(a.len(), b.len());
    for (k, p) in &a {
        let q = &b[k];
        assert_eq!(
            (
                p.status,
                p.lead_score,
                p.lead_label,
                &p.justification,
                &p.error
            ),
            (
                q.status,
                q.lead_score,
                q.lead_label,
                &q.justification,
                &q.error
            ),
            "{k:?}"
        );
        assert_eq!(
            (p.prompt_tokens, p.completion_tokens),
            (q.prompt_tokens, q.completion_tokens)
        );
        assert!(q.cached, "{k:?} was not taken from the cache");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_results_file_stores_nothing_and_failed_lines_are_sent_again() {
    let server = FakeServer::start(|seen| Reply::answer(&content_for(seen.user))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url);
    let requests = dir.path().join("requests.jsonl");
    ok(&bench(
        &[
            "batch",
            "export",
            "--out",
            requests.to_str().expect("utf-8"),
        ],
        &config,
    )
    .await);
    let results = dir.path().join("results.jsonl");
    let total = run_batch(&requests, &results, |i| i % 5 == 0);
    let failed = total.div_ceil(5);

    // Line 3 broken: the file is refused with its name and line, nothing stored.
    let text = std::fs::read_to_string(&results).expect("results");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "{\"custom_id\": \"truncated";
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, lines.join("\n")).expect("write");
    let out = bench(
        &["batch", "import", broken.to_str().expect("utf-8")],
        &config,
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("broken.jsonl:3: expected a JSON object"),
        "{stderr}"
    );
    let cache = dir.path().join("cache.sqlite");
    assert!(
        !cache.exists()
            || Cache::open(&cache)
                .expect("cache")
                .is_empty()
                .expect("count")
    );

    // A result for a request of another config is not stored either.
    let stranger = json!({"custom_id": "ab".repeat(32), "response": {"status_code": 200,
                          "body": completion("{}")}, "error": null});
    std::fs::write(&broken, format!("{text}{stranger}\n")).expect("write");
    let out = bench(
        &["batch", "import", broken.to_str().expect("utf-8")],
        &config,
    )
    .await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "{} answers stored in the cache, {failed} failed, 1 not requests",
            total - failed
        )),
        "{stdout}"
    );
    assert!(stderr.contains("status 500"), "{stderr}");

    // The run sends exactly the failed ones.
    ok(&bench(&["run", "--quiet"], &config).await);
    assert_eq!(server.requests() as usize, failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_exported_under_one_url_imports_under_another_with_foreign_and_oversized_lines() {
    let exporting = FakeServer::start(|seen| Reply::answer(&content_for(seen.user))).await;
    let importing = FakeServer::start(|seen| Reply::answer(&content_for(seen.user))).await;
    let (a, b) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let requests = a.path().join("requests.jsonl");
    ok(&bench(
        &[
            "batch",
            "export",
            "--out",
            requests.to_str().expect("utf-8"),
        ],
        &config(a.path(), &exporting.url),
    )
    .await);
    let results = a.path().join("results.jsonl");
    let total = run_batch(&requests, &results, |_| false);
    // One answer is larger than max_response_bytes (1 MiB by default), and two lines answer
    // requests bench never made (a `custom_id` of another tool's).
    let text = std::fs::read_to_string(&results).expect("results");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let first: Value = serde_json::from_str(&lines[0]).expect("a result line");
    lines[0] = json!({"custom_id": first["custom_id"], "response": {"status_code": 200,
        "body": completion(&"z".repeat(3 << 20))}})
    .to_string();
    for id in ["request-1", "batch_req_123"] {
        lines.push(
            json!({"custom_id": id, "response": {"status_code": 200, "body": completion("{}")}})
                .to_string(),
        );
    }
    std::fs::write(&results, lines.join("\n") + "\n").expect("write");

    let config_b = config(b.path(), &importing.url);
    let import = bench(
        &["batch", "import", results.to_str().expect("utf-8")],
        &config_b,
    )
    .await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&import.stdout),
        String::from_utf8_lossy(&import.stderr),
    );
    assert_eq!(import.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "{} answers stored in the cache, 1 failed, 2 not requests",
            total - 1
        )),
        "{stdout}"
    );
    assert!(stderr.contains("more than max_response_bytes"), "{stderr}");
    // Under the other URL only the oversized answer's request is sent.
    ok(&bench(&["run", "--quiet"], &config_b).await);
    assert_eq!(importing.requests(), 1);
    assert_eq!(exporting.requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_a_device_or_a_fifo_is_refused_at_once() {
    let server = FakeServer::start(|seen| Reply::answer(&content_for(seen.user))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url);
    let fifo = dir.path().join("results.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    for path in [Path::new("/dev/zero"), fifo.as_path()] {
        let out = bench(&["batch", "import", path.to_str().expect("utf-8")], &config).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}
