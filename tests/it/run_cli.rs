//! `bench run` as a process against a fake OpenAI-compatible server on loopback: the whole
//! pipeline, `--only`, missing keys, SIGKILL and resume from the cache, Ctrl-C and SIGTERM,
//! exit codes of runs that produced nothing, and `--out` onto existing folders.

use crate::support::fake_config::write_config;
use crate::support::fake_openai;
use crate::support::files::all_text_under;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_openai::{FakeServer, Reply};
use lead_bench::llm::Cache;
use lead_bench::prediction::Status;
use lead_bench::prediction::{Prediction, read_predictions_csv};

fn bench_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_bench"))
}

fn answer_for(user: &str) -> Reply {
    // Vary the answer by the request so every parse path shows up.
    let h = user
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    match h % 5 {
        0 => Reply::answer(
            r#"{"lead_score": 82, "lead_label": "high", "justification": "director, pricing"}"#,
        ),
        1 => Reply::answer(
            "Sure! ```json\n{\"lead_score\": \"45\", \"lead_label\": \"Medium\", \"justification\": \"exploring\"}\n```",
        ),
        2 => Reply::answer("I think this lead is promising."),
        3 => Reply::answer(r#"{"lead_score": 150, "lead_label": "high", "justification": "x"}"#),
        _ => {
            Reply::answer(r#"{"lead_score": 12, "lead_label": "low", "justification": "student"}"#)
        }
    }
}

/// Runs `bench run --quiet --config CONFIG` off the async runtime (the fake server lives on it).
async fn bench_run(config: &Path) -> std::process::Output {
    let config = config.to_path_buf();
    let mut cmd = Command::new(bench_path());
    cmd.args(["run", "--quiet", "--config"]).arg(&config);
    crate::support::cli::output(cmd).await
}

fn run_dir_from_stdout(stdout: &[u8]) -> PathBuf {
    let text = String::from_utf8_lossy(stdout);
    PathBuf::from(text.lines().last().expect("a last line").trim())
}

/// Leads of the test split in a run's `dataset.csv`: the leads every scorer must cover.
fn test_leads(run_dir: &Path) -> usize {
    lead_bench::lead::read_leads(&run_dir.join("dataset.csv"))
        .expect("dataset.csv")
        .iter()
        .filter(|l| l.meta.split == Some(lead_bench::lead::Split::Test))
        .count()
}

fn count_by_scorer(preds: &[Prediction]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for p in preds {
        *m.entry(p.scorer.clone()).or_insert(0) += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_pipeline_records_every_job_and_reruns_from_the_cache() {
    let server = FakeServer::start(|seen| answer_for(seen.user)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 100, true, "concurrency = 4");
    let out = bench_run(&config).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run_dir = run_dir_from_stdout(&out.stdout);
    for f in [
        "config.toml",
        "dataset.csv",
        "dataset.meta.json",
        "predictions.csv",
        "predictions.jsonl",
        "run.json",
        "learned-model.json",
    ] {
        assert!(
            run_dir.join(f).exists(),
            "{f} missing in {}",
            run_dir.display()
        );
    }
    let preds = read_predictions_csv(&run_dir.join("predictions.csv")).expect("predictions");
    let counts = count_by_scorer(&preds);
    let n_test = test_leads(&run_dir);
    assert!(n_test > 20, "{n_test} test leads");
    assert_eq!(counts.len(), 4, "{counts:?}");
    for scorer in [
        "heuristic",
        "learned",
        "llm/fake/zero_shot",
        "llm/fake/rubric",
    ] {
        assert_eq!(counts.get(scorer), Some(&n_test), "{scorer}: {counts:?}");
    }
    let statuses: std::collections::BTreeSet<Status> = preds.iter().map(|p| p.status).collect();
    for st in [
        Status::Ok,
        Status::Coerced,
        Status::ParseError,
        Status::Invalid,
    ] {
        assert!(statuses.contains(&st), "no {st} among {statuses:?}");
    }
    assert!(
        preds
            .iter()
            .filter(|p| p.scorer.starts_with("llm/"))
            .all(|p| !p.raw_response.is_empty())
    );
    let jobs = 2 * n_test as u64;
    assert_eq!(server.requests(), jobs);
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(info["n_evaluated"], n_test);
    assert_eq!(info["llm"]["requests_sent"], jobs);

    // Unchanged re-run: nothing is sent, the same predictions come back from the cache.
    let out = bench_run(&config).await;
    assert!(out.status.success());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = read_predictions_csv(&run_dir_from_stdout(&out.stdout).join("predictions.csv"))
        .expect("predictions");
    assert!(
        again
            .iter()
            .filter(|p| p.scorer.starts_with("llm/"))
            .all(|p| p.cached)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_selects_scorers_and_a_missing_key_skips_the_model() {
    let server = FakeServer::start(|seen| answer_for(seen.user)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &server.url,
        60,
        true,
        "api_key_env = \"LEAD_BENCH_TEST_KEY_THAT_IS_NOT_SET\"",
    );
    let out_dir = dir.path().join("exact");
    let (c, o) = (config.clone(), out_dir.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bench_path())
            .args([
                "run",
                "--quiet",
                "--only",
                "heuristic",
                "--only",
                "llm/*",
                "--config",
            ])
            .arg(&c)
            .arg("--out")
            .arg(&o)
            .env_remove("LEAD_BENCH_TEST_KEY_THAT_IS_NOT_SET")
            .output()
            .expect("run bench")
    })
    .await
    .expect("join");
    // The run is written, but the LLM scorers it was asked for produced nothing: exit 1.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(run_dir_from_stdout(&out.stdout), out_dir);
    assert!(
        stderr.contains("LEAD_BENCH_TEST_KEY_THAT_IS_NOT_SET is not set"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "scorer llm/fake/zero_shot produced no parsed prediction: model fake: skipped"
        ),
        "{stderr}"
    );
    let preds = read_predictions_csv(&out_dir.join("predictions.csv")).expect("predictions");
    assert_eq!(
        count_by_scorer(&preds),
        HashMap::from([("heuristic".to_string(), test_leads(&out_dir))])
    );
    assert_eq!(server.requests(), 0);
}

/// Test leads the generator makes for `n` leads with the configs' seed and test fraction.
fn expected_test_leads(n: u64) -> usize {
    let params = lead_bench::generate::GenerateParams {
        n,
        seed: 5,
        test_fraction: 0.4,
        ..Default::default()
    };
    lead_bench::generate::Generator::new(&params, lead_bench::lead::Bands::default())
        .filter(|l| l.meta.split == Some(lead_bench::lead::Split::Test))
        .count()
}

fn cached_answers(path: &Path) -> u64 {
    Cache::open(path).and_then(|c| c.len()).expect("open cache")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_run_then_restart_sends_no_answered_request_again() {
    let server =
        FakeServer::start(|seen| answer_for(seen.user).delayed(Duration::from_millis(40))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // 150 leads → about 60 test leads × 2 prompts.
    let config = write_config(dir.path(), &server.url, 150, false, "concurrency = 2");
    let total = 2 * expected_test_leads(150) as u64;
    let mut child = Command::new(bench_path())
        .args(["run", "--quiet", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bench");
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.requests() < 40 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let sent_before = server.requests();
    assert!(
        sent_before >= 40 && sent_before < total,
        "killed at {sent_before} requests"
    );
    let cache = dir.path().join("cache.sqlite");
    let stored = cached_answers(&cache);
    assert!(
        stored > 0 && stored < total,
        "{stored} answers stored before the kill"
    );

    let out = bench_run(&config).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent_after = server.requests() - sent_before;
    // Exactly the jobs without a stored answer were sent: nothing answered went out twice.
    assert_eq!(sent_after, total - stored);
    let log = server.log();
    let first_run: std::collections::HashSet<&str> = log[..sent_before as usize]
        .iter()
        .map(|l| l.user.as_str())
        .collect();
    let resent = log[sent_before as usize..]
        .iter()
        .filter(|l| first_run.contains(l.user.as_str()))
        .count() as u64;
    // Only answers lost with the process (sent, not yet stored) may be asked again.
    assert!(
        resent <= sent_before - stored,
        "{resent} re-sent, {stored} stored of {sent_before}"
    );
    let preds = read_predictions_csv(&run_dir_from_stdout(&out.stdout).join("predictions.csv"))
        .expect("predictions");
    assert_eq!(preds.len() as u64, total, "every job has an outcome");
    assert_eq!(cached_answers(&cache), total);
}

/// Starts `bench run --out OUT_DIR`, sends `signal` (`-INT`, `-TERM`) once the server has
/// seen five requests, and waits for the process.
async fn run_until_signalled(
    config: &Path,
    out_dir: &Path,
    server: &FakeServer,
    signal: &str,
) -> std::process::Output {
    let child = Command::new(bench_path())
        .args(["run", "--quiet", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bench");
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.requests() < 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("send the signal");
    assert!(status.success());
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_keeps_what_was_answered_and_exits_130() {
    let server =
        FakeServer::start(|seen| answer_for(seen.user).delayed(Duration::from_millis(100))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 150, false, "concurrency = 1");
    let out_dir = dir.path().join("run");
    let out = run_until_signalled(&config, &out_dir, &server, "-INT").await;
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let preds =
        read_predictions_csv(&out_dir.join("predictions.csv")).expect("partial predictions");
    let total = 2 * test_leads(&out_dir);
    assert_eq!(preds.len(), total, "every job has an outcome");
    let answered = preds.iter().filter(|p| p.status != Status::Skipped).count();
    assert!(
        answered >= 4 && answered < total,
        "{answered} answered of {total}"
    );
    assert!(
        preds
            .iter()
            .filter(|p| p.status == Status::Skipped)
            .all(|p| !p.error.is_empty())
    );
}

/// Runs `bench ARGS…` off the async runtime, with `env` set.
async fn bench_with(
    args: Vec<std::ffi::OsString>,
    env: Vec<(&'static str, String)>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        Command::new(bench_path())
            .args(args)
            .envs(env)
            .output()
            .expect("run bench")
    })
    .await
    .expect("join")
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(Into::into).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_only_model_fails_exits_1_and_keeps_the_key_out_of_every_file() {
    // The key quoted back after 290 characters, in the 401 body, the way a cut at 300 would
    // have kept a prefix of it.
    let key = "sk-test-HostileEchoKey-0123456789abcdef";
    let server = FakeServer::start(|s| {
        Reply::error(
            401,
            &format!("{} {}", "x".repeat(290), s.auth.unwrap_or("")),
        )
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &server.url,
        30,
        false,
        "api_key_env = \"LEAD_BENCH_HOSTILE_KEY\"",
    );
    let out_dir = dir.path().join("run");
    let mut args = os(&["run", "--quiet", "--config"]);
    args.extend([
        config.clone().into(),
        "--out".into(),
        out_dir.clone().into(),
    ]);
    let out = bench_with(args, vec![("LEAD_BENCH_HOSTILE_KEY", key.to_string())]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("produced no parsed prediction") && stderr.contains("401"),
        "{stderr}"
    );
    let prefix = key[..14].to_lowercase();
    assert!(
        !stderr.to_lowercase().contains(&prefix),
        "the key is on stderr"
    );
    assert!(
        !all_text_under(&out_dir).contains(&prefix),
        "the key is in the run folder"
    );
    assert!(
        !all_text_under(dir.path()).contains(&prefix),
        "the key is in the cache"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_coverage_exits_1_and_only_matching_nothing_exits_2() {
    let server = FakeServer::start(|_| Reply::answer("I think this lead is promising.")).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 30, true, "");
    let out = bench_run(&config).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for id in ["llm/fake/zero_shot", "llm/fake/rubric"] {
        assert!(
            stderr.contains(&format!("scorer {id} produced no parsed prediction")),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("scorer heuristic"), "{stderr}");
    // The run itself is complete: the report is there to read why.
    assert!(run_dir_from_stdout(&out.stdout).join("report.md").is_file());

    let fresh = tempfile::tempdir().expect("tempdir");
    let config = write_config(fresh.path(), &server.url, 30, true, "");
    let mut args = os(&[
        "run",
        "--quiet",
        "--only",
        "llm/nothing-like-this",
        "--config",
    ]);
    args.push(config.into());
    let out = bench_with(args, vec![]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("matches none of the scorers") && stderr.contains("heuristic"),
        "{stderr}"
    );
    assert!(!fresh.path().join("results").exists(), "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_writes_the_partial_run_exits_143_and_leaves_no_temp_files() {
    let server =
        FakeServer::start(|seen| answer_for(seen.user).delayed(Duration::from_millis(100))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 150, false, "concurrency = 1");
    let out_dir = dir.path().join("run");
    // A temporary file that a killed bench left behind: the next run removes it.
    std::fs::create_dir_all(dir.path().join("results/old-run")).expect("mkdir");
    let stale = dir.path().join("results/old-run/.bench-99999999-x.tmp");
    std::fs::write(&stale, b"half").expect("stale file");
    let out = run_until_signalled(&config, &out_dir, &server, "-TERM").await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    let preds =
        read_predictions_csv(&out_dir.join("predictions.csv")).expect("partial predictions");
    assert_eq!(
        preds.len(),
        2 * test_leads(&out_dir),
        "every job has an outcome"
    );
    let answered = preds.iter().filter(|p| p.status != Status::Skipped).count();
    assert!(answered >= 4, "{answered} answered");
    assert!(out_dir.join("report.md").is_file() && out_dir.join("run.json").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .expect("run dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(
        !stale.exists(),
        "the stale temp file of a gone process is still there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_onto_an_existing_folder_is_refused_unless_it_is_a_run_and_overwrite_is_given() {
    let server = FakeServer::start(|seen| answer_for(seen.user)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 30, true, "");
    let run = |out: &Path, extra: &[&str]| {
        let mut args = os(&["run", "--quiet", "--config"]);
        args.push(config.clone().into());
        args.push("--out".into());
        args.push(out.into());
        args.extend(extra.iter().map(Into::into));
        bench_with(args, vec![])
    };
    let foreign = dir.path().join("mine");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("notes.txt"), b"keep me").expect("write");
    let out = run(&foreign, &["--overwrite"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a bench run"));
    assert_eq!(
        std::fs::read_dir(&foreign).expect("dir").count(),
        1,
        "nothing written"
    );

    let earlier = dir.path().join("earlier");
    assert!(run(&earlier, &[]).await.status.success());
    let before = std::fs::read(earlier.join("predictions.csv")).expect("predictions");
    let out = run(&earlier, &["--only", "heuristic"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--overwrite"));
    assert_eq!(
        std::fs::read(earlier.join("predictions.csv")).expect("kept"),
        before
    );
    let out = run(&earlier, &["--only", "heuristic", "--overwrite"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let preds = read_predictions_csv(&earlier.join("predictions.csv")).expect("predictions");
    assert!(preds.iter().all(|p| p.scorer == "heuristic"));
    assert!(
        !earlier.join("learned-model.json").exists(),
        "a file of the old run was kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crm_export_with_outcomes_and_no_labels_gets_the_outcome_metrics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = String::from(
        "lead_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,source,converted,deal_value\n",
    );
    for i in 0..400 {
        // Buyers (pricing, a director, a big company) convert more often than the curious.
        let buyer = i % 3 == 0;
        let converted = if buyer { i % 2 == 0 } else { i % 17 == 0 };
        let (size, title, message) = if buyer {
            (
                "2000",
                "Director of IT",
                "We are evaluating vendors and need pricing and SSO this quarter.",
            )
        } else {
            (
                "8",
                "Student",
                "Just curious how this works for my class project.",
            )
        };
        let deal = if converted { "\"12,000\"" } else { "" };
        csv.push_str(&format!(
            "c{i},Company {i},{size},c{i}.example,software,{title},,\"{message}\",referral,{},{deal}\n",
            if converted { "yes" } else { "no" }
        ));
    }
    std::fs::write(dir.path().join("crm.csv"), csv).expect("crm export");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[dataset]\npath = \"crm.csv\"\n[baselines]\nlearned = false\n[scoring]\ncapacity_leads = 40\n",
    )
    .expect("config");
    let out_dir = dir.path().join("run");
    let mut args = os(&["run", "--quiet", "--config"]);
    args.extend([config.into(), "--out".into(), out_dir.clone().into()]);
    let out = bench_with(args, vec![]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("parses");
    assert!(
        metrics["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w
                .as_str()
                .is_some_and(|w| w.contains("no evaluated lead has a gold label"))),
        "{}",
        metrics["warnings"]
    );
    let outcomes = &metrics["outcomes"];
    assert_eq!(outcomes["capacity_leads"], 40);
    assert!(
        outcomes["oracle"].is_null(),
        "no latent probability in a CRM export"
    );
    let heuristic = &outcomes["scorers"][0];
    assert_eq!(heuristic["id"], "heuristic");
    let auc = heuristic["roc_auc"]["value"].as_f64().expect("an AUC");
    assert!(auc > 0.7, "the heuristic finds the buyers: AUC {auc}");
    assert!(
        heuristic["capacity"]["revenue_share"]["value"]
            .as_f64()
            .is_some()
    );
    let md = std::fs::read_to_string(out_dir.join("report.md")).expect("report.md");
    assert!(md.contains("## Outcomes") && md.contains("## Capacity: sales works the top 40 leads"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_10000_generated_leads_the_oracle_is_a_realistic_ceiling_no_baseline_beats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[dataset.generate]\nn = 10000\nseed = 42\n").expect("config");
    let out_dir = dir.path().join("run");
    let mut args = os(&["run", "--quiet", "--config"]);
    args.extend([config.into(), "--out".into(), out_dir.clone().into()]);
    let out = bench_with(args, vec![]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("parses");
    let o = &metrics["outcomes"];
    let oracle = o["oracle"]["roc_auc"]["value"]
        .as_f64()
        .expect("oracle AUC");
    println!("oracle conversion AUC {oracle:.3}");
    assert!((0.75..=0.90).contains(&oracle), "oracle AUC {oracle:.3}");
    for s in o["scorers"].as_array().expect("scorers") {
        let auc = &s["roc_auc"];
        let (v, lo) = (
            auc["value"].as_f64().expect("AUC"),
            auc["ci_low"].as_f64().expect("CI"),
        );
        println!(
            "{}: conversion AUC {v:.3}, gap to the oracle {:.3}",
            s["id"],
            oracle - v
        );
        assert!(
            lo <= oracle,
            "{} beats the oracle beyond its interval: {auc}",
            s["id"]
        );
    }
}
