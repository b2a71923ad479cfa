//! Figures for the LLM call engine against the in-process fake server on loopback. Not timed
//! tests: it prints what it measures.
//!
//! `cargo bench --bench runner -- throughput [N]`: jobs/s through `run_jobs` against a server
//! that answers at once, without a cache, with a fresh cache, and re-run from the cache.
//! `cargo bench --bench runner -- ratelimit [N]`: a server enforcing 600 requests/min (burst
//! 3) and answering in 200 ms; span from first to last request against N ÷ limit, and 429s.
//! `cargo bench --bench runner -- adaptive [N]`: a server enforcing 3,000 requests/min
//! (bursts of 10 and of 50) with 200 ms answers, N = 600 jobs, without `rpm` (adaptive
//! concurrency) and with `rpm = 3000`: the share of the limit reached and the 429s.
//! `cargo bench --bench runner -- memory [N]`: peak RSS (VmHWM) for N jobs (default 100,000)
//! with the cache on. Run each in its own process so the peaks do not mix.
//! `cargo bench --bench runner -- pipeline [N_LEADS]`: the whole `bench run` (the release
//! binary as a child process under `/usr/bin/time -v`) on a generated dataset of N_LEADS
//! (default 125,000; 40 % test leads × 2 prompts = 100,000 jobs), baselines off, against the
//! instant server: with a fresh cache, re-run from that cache, and with `--no-cache`. Prints
//! the LLM phase's wall time (from the engine's own progress line), requests/s, the whole
//! process's wall time and its peak RSS.
//! `cargo bench --bench runner -- score [N_LEADS]`: `bench score` (the release binary under
//! `/usr/bin/time -v`) of N_LEADS generated leads (default 100,000), with the heuristic and
//! with an LLM scorer against the instant server (fresh cache, from the cache, `--no-cache`):
//! wall time, leads/s and peak RSS of the whole process.
//! `cargo bench --bench runner -- logprobs [N_LEADS]`: `bench run --no-cache` on N_LEADS
//! generated leads (default 50,000: 40,000 jobs) with `logprobs = true, top_logprobs = 10`
//! (the server sends ten alternatives per token) against the same without, and without
//! logprobs from a server that sends the large bodies anyway; then on and off against a
//! server that takes 20 ms an answer: LLM-phase jobs/s.

#[path = "../tests/it/support/fake_openai.rs"]
mod fake_openai;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_openai::{FakeServer, Reply};
use lead_bench::llm::{EngineOptions, LlmJob, ModelSettings, RawModelSettings, run_jobs};

const ANSWER: &str = r#"{"lead_score": 80, "lead_label": "high", "justification": "VP at a 2,000-person company asking for a demo this quarter."}"#;

fn model(url: &str, extra: &str) -> ModelSettings {
    let raw: RawModelSettings = toml::from_str(&format!(
        "name = \"bench\"\nmodel = \"bench\"\nbase_url = \"{url}\"\nstructured_output = \"json_object\"\nmax_retries = 6\n{extra}"
    ))
    .expect("bench model parses");
    raw.validate(0).expect("bench model is valid")
}

/// Jobs shaped like real ones: a shared system prompt and a ~500-character user message.
fn jobs(n: u64) -> Vec<LlmJob> {
    let system: Arc<str> = Arc::from("You are a B2B lead qualification assistant. ".repeat(10));
    let scorer: Arc<str> = Arc::from("llm/bench/zero_shot");
    let schema = Arc::new(serde_json::json!({"type": "object", "required": ["lead_score"]}));
    (0..n)
        .map(|i| LlmJob {
            job_id: i,
            model: 0,
            scorer: scorer.clone(),
            system: system.clone(),
            user: format!(
                "Lead {i}\ncompany_name: Company {i}\ncompany_size: 1200\ndomain: c{i}.example\nindustry: software\njob_title: VP Engineering\nseniority: vp\nsource: referral\ninbound_message: We are evaluating tools for our 40-person data team and would like a demo and pricing for an annual plan this quarter; our security review needs SOC 2 documents first. Lead number {i}."
            ),
            schema: Some(schema.clone()),
            repeat: 0,
            top_logprobs: None,
        })
        .collect()
}

fn options(cache: Option<std::path::PathBuf>) -> EngineOptions {
    EngineOptions {
        cache,
        quiet: true,
        ..EngineOptions::default()
    }
}

async fn timed_run(models: &[ModelSettings], n: u64, cache: Option<std::path::PathBuf>) -> f64 {
    let jobs = jobs(n);
    let start = Instant::now();
    let mut answers = 0u64;
    let summary = run_jobs(models, jobs, options(cache), |o| {
        answers += u64::from(matches!(
            o.result,
            lead_bench::llm::CallResult::Answer { .. }
        ));
    })
    .await
    .expect("engine runs");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(answers, n, "every job answered: {summary:?}");
    n as f64 / secs
}

async fn throughput(n: u64) {
    let server = FakeServer::start_with(|_| Reply::answer(ANSWER), None, false).await;
    let m = [model(&server.url, "concurrency = 64\n")];
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache.sqlite");
    println!("throughput, {n} jobs, instant server, concurrency 64:");
    println!(
        "  no cache:          {:>8.0} jobs/s",
        timed_run(&m, n, None).await
    );
    println!(
        "  cache (all miss):  {:>8.0} jobs/s",
        timed_run(&m, n, Some(cache.clone())).await
    );
    println!(
        "  cache (all hit):   {:>8.0} jobs/s",
        timed_run(&m, n, Some(cache)).await
    );
    println!("  requests served:   {}", server.requests());
}

async fn ratelimit(n: u64) {
    let rpm = 600;
    let server = FakeServer::start_with(
        |_| Reply::answer(ANSWER).delayed(Duration::from_millis(200)),
        Some((rpm, 3)),
        true,
    )
    .await;
    let m = [model(
        &server.url,
        &format!("concurrency = 16\nrpm = {rpm}\n"),
    )];
    let mut outcomes = 0u64;
    let summary = run_jobs(&m, jobs(n), options(None), |_| outcomes += 1)
        .await
        .expect("engine runs");
    let log = server.log();
    let (first, last) = (log[0].at, log[log.len() - 1].at);
    let span = last.duration_since(first).as_secs_f64();
    let expected = n as f64 * 60.0 / f64::from(rpm);
    let limited = log.iter().filter(|l| l.status == 429).count();
    println!("rate limit, {n} jobs, server limit {rpm}/min (burst 3), 200 ms answers:");
    println!(
        "  span first→last request: {span:.2} s; N ÷ limit = {expected:.2} s; off by {:+.1} %",
        100.0 * (span - expected) / expected
    );
    println!(
        "  429 answers: {limited} of {} requests ({:.2} %)",
        log.len(),
        100.0 * limited as f64 / log.len() as f64
    );
    println!(
        "  outcomes: {outcomes} of {n}; answered {}, errors {}, skipped {}",
        summary.answered, summary.api_errors, summary.skipped
    );
}

/// A server enforcing 3,000 requests/min (a burst of `burst`) with 200 ms answers: the
/// engine without `rpm` (adaptive concurrency up to 64), then with `rpm = 3000` configured.
/// Share of the limit = (N ÷ limit) ÷ (first → last request); 429s over all requests.
async fn adaptive(n: u64) {
    let limit = 3_000;
    for burst in [1, 3, 10, 50] {
        println!(
            "adaptive: {n} jobs, server limit {limit}/min (burst {burst}), 200 ms answers, concurrency up to 64:"
        );
        for (what, extra) in [
            ("no rpm (adaptive)", "concurrency = 64\n".to_string()),
            (
                "rpm = 3000       ",
                format!("concurrency = 64\nrpm = {limit}\n"),
            ),
        ] {
            let server = FakeServer::start_with(
                |_| Reply::answer(ANSWER).delayed(Duration::from_millis(200)),
                Some((limit, burst)),
                true,
            )
            .await;
            let m = [model(&server.url, &extra)];
            let summary = run_jobs(&m, jobs(n), options(None), |_| {})
                .await
                .expect("engine runs");
            let log = server.log();
            let answered: Vec<_> = log.iter().filter(|l| l.status == 200).collect();
            let span = answered[answered.len() - 1]
                .at
                .duration_since(log[0].at)
                .as_secs_f64();
            let ideal = n as f64 * 60.0 / f64::from(limit);
            let limited = log.iter().filter(|l| l.status == 429).count();
            let window = summary.adaptive.first().map_or("fixed".to_string(), |w| {
                format!("cap ended at {} after {} halvings", w.cap, w.halvings)
            });
            println!(
                "  {what}: {} answered in {span:.2} s (N ÷ limit = {ideal:.2} s): {:.3} of the limit; 429s {limited} of {} requests ({:.1} %); {window}",
                summary.answered,
                ideal / span,
                log.len(),
                100.0 * limited as f64 / log.len() as f64
            );
        }
    }
}

async fn memory(n: u64) {
    let server = FakeServer::start_with(|_| Reply::answer(ANSWER), None, false).await;
    let m = [model(&server.url, "concurrency = 64\n")];
    let dir = tempfile::tempdir().expect("temp dir");
    let rate = timed_run(&m, n, Some(dir.path().join("cache.sqlite"))).await;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: unknown");
    println!("memory, {n} jobs with the cache on ({rate:.0} jobs/s): peak RSS {peak}");
}

/// The `bench` binary: `$BENCH_BIN` if set (a copy taken right after building, when the
/// target directory is shared with other checkouts), else the one cargo built for this bench.
fn bench_bin() -> std::path::PathBuf {
    std::env::var_os("BENCH_BIN").map_or_else(|| env!("CARGO_BIN_EXE_bench").into(), Into::into)
}

struct ChildFigures {
    wall_s: f64,
    peak_rss_mb: f64,
    llm_line: String,
}

/// Runs `bench run` under `/usr/bin/time -v`; its figures come from time's report on stderr.
fn run_child(config: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> ChildFigures {
    let mut args: Vec<std::ffi::OsString> = vec!["run".into(), "--quiet".into(), "--config".into()];
    args.extend([config.into(), "--out".into(), out.into()]);
    args.extend(extra.iter().map(Into::into));
    let (wall_s, peak_rss_mb, stderr) = timed(&args);
    let llm_line = stderr
        .lines()
        .find(|l| l.starts_with("bench: llm phase"))
        .expect("bench run reports its llm phase")
        .to_string();
    ChildFigures {
        wall_s,
        peak_rss_mb,
        llm_line,
    }
}

/// Runs `bench` with `args` under `/usr/bin/time -v`: its wall time (s), its peak RSS (MB,
/// from time's report) and its standard error. A failure stops the benchmark.
fn timed(args: &[std::ffi::OsString]) -> (f64, f64, String) {
    let start = Instant::now();
    let output = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bench_bin())
        .args(args)
        .output()
        .expect("/usr/bin/time runs (apt-get install time)");
    let wall_s = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "bench {args:?} failed:\n{stderr}");
    let kb: f64 = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .expect("time -v reports the peak RSS");
    (wall_s, kb / 1024.0, stderr)
}

/// `bench score` of `n_leads` generated leads: with the heuristic, and with an LLM scorer
/// against the instant server (fresh cache, from that cache, `--no-cache`). Prints the whole
/// process's wall time, leads/s and peak RSS.
async fn score(n_leads: u64) {
    let server = FakeServer::start_with(|_| Reply::answer(ANSWER), None, false).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = dir.path().join("config.toml");
    let text = format!(
        r#"[run]
name = "score"
results_dir = "{results}"
cache = "{cache}"
[dataset.generate]
n = 200
[[models]]
name = "bench"
model = "bench"
base_url = "{url}"
structured_output = "json_object"
concurrency = 64
max_retries = 6
[[prompts]]
name = "zero_shot"
path = "{zero}"
"#,
        results = dir.path().join("results").display(),
        cache = dir.path().join("cache.sqlite").display(),
        url = server.url,
        zero = root.join("prompts/zero_shot.j2").display(),
    );
    std::fs::write(&config, text).expect("config written");
    let leads = dir.path().join("leads.csv");
    let generated = std::process::Command::new(bench_bin())
        .args([
            "generate",
            "--seed",
            "7",
            "--n",
            &n_leads.to_string(),
            "--out",
        ])
        .arg(&leads)
        .output()
        .expect("bench generate runs");
    assert!(generated.status.success(), "bench generate failed");
    println!("score: `bench score` of {n_leads} generated leads (CSV in, CSV out):");
    let runs: [(&str, &str, &[&str]); 4] = [
        ("heuristic                 ", "heuristic", &[]),
        ("llm, cache (all miss)     ", "llm/bench/zero_shot", &[]),
        ("llm, cache (all hit)      ", "llm/bench/zero_shot", &[]),
        (
            "llm, --no-cache           ",
            "llm/bench/zero_shot",
            &["--no-cache"],
        ),
    ];
    for (i, (what, scorer, extra)) in runs.into_iter().enumerate() {
        let before = server.requests();
        let mut args: Vec<std::ffi::OsString> = vec!["score".into(), "--quiet".into()];
        args.extend(["--config".into(), config.clone().into_os_string()]);
        args.extend(["--scorer".into(), scorer.into(), "--input".into()]);
        args.extend([leads.clone().into_os_string(), "--out".into()]);
        args.push(dir.path().join(format!("scored{i}.csv")).into_os_string());
        args.extend(extra.iter().map(Into::into));
        let (wall_s, rss_mb, _) = tokio::task::spawn_blocking(move || timed(&args))
            .await
            .expect("child joins");
        println!(
            "  {what}: {:.2} s = {:.0} leads/s; {} requests; peak RSS {rss_mb:.1} MB",
            wall_s,
            n_leads as f64 / wall_s,
            server.requests() - before,
        );
    }
}

/// The config of the `pipeline` experiments in `dir`: `n_leads` generated leads (40 % test),
/// no baselines, one model at `url` (with `model_extra`) under two prompts.
fn pipeline_config(
    dir: &std::path::Path,
    url: &str,
    n_leads: u64,
    model_extra: &str,
) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = dir.join("config.toml");
    let text = format!(
        r#"[run]
name = "pipeline"
results_dir = "{results}"
cache = "{cache}"
[dataset.generate]
n = {n_leads}
seed = 7
test_fraction = 0.4
[baselines]
heuristic = false
learned = false
[[models]]
name = "bench"
model = "bench"
base_url = "{url}"
structured_output = "json_object"
concurrency = 64
max_retries = 6
{model_extra}
[[prompts]]
name = "zero_shot"
path = "{zero}"
[[prompts]]
name = "rubric"
path = "{rubric}"
"#,
        results = dir.join("results").display(),
        cache = dir.join("cache.sqlite").display(),
        zero = root.join("prompts/zero_shot.j2").display(),
        rubric = root.join("prompts/rubric.j2").display(),
    );
    std::fs::write(&config, text).expect("config written");
    config
}

async fn pipeline(n_leads: u64) {
    let server = FakeServer::start_with(|_| Reply::answer(ANSWER), None, false).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = pipeline_config(dir.path(), &server.url, n_leads, "");
    println!(
        "pipeline: `bench run` on {n_leads} generated leads (40 % test × 2 prompts), instant server, concurrency 64:"
    );
    let runs: [(&str, &[&str]); 3] = [
        ("cache (all miss)", &[]),
        ("cache (all hit) ", &[]),
        ("--no-cache      ", &["--no-cache"]),
    ];
    for (i, (what, extra)) in runs.iter().enumerate() {
        let before = server.requests();
        let out = dir.path().join(format!("run{i}"));
        let config = config.clone();
        let extra: Vec<&'static str> = extra.to_vec();
        let f = tokio::task::spawn_blocking(move || run_child(&config, &out, &extra))
            .await
            .expect("child run joins");
        let info: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(format!("run{i}/run.json"))).expect("run.json"),
        )
        .expect("run.json parses");
        let jobs = info["llm"]["jobs"].as_u64().unwrap_or(0);
        let llm_s = llm_seconds(&f.llm_line);
        println!(
            "  {what}: {jobs} jobs, {} requests; LLM phase {llm_s:.2} s = {:.0} jobs/s; whole process {:.2} s; peak RSS {:.1} MB",
            server.requests() - before,
            jobs as f64 / llm_s,
            f.wall_s,
            f.peak_rss_mb
        );
    }
}

/// The body of [`ANSWER`] as a completion whose request asked for token probabilities:
/// every token (four characters) with `top` alternatives, as a provider sends them.
fn answer_with_logprobs(top: u64) -> String {
    let chars: Vec<char> = ANSWER.chars().collect();
    let tokens: Vec<serde_json::Value> = chars
        .chunks(4)
        .map(|c| {
            let token: String = c.iter().collect();
            let alts: Vec<serde_json::Value> = (0..top)
                .map(|k| serde_json::json!({"token": format!("{token}{k}"), "logprob": -(k as f64) - 0.5, "bytes": null}))
                .collect();
            serde_json::json!({"token": token, "logprob": -0.1, "bytes": null, "top_logprobs": alts})
        })
        .collect();
    let body = serde_json::json!({
        "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER},
                     "finish_reason": "stop", "logprobs": {"content": tokens}}],
        "usage": {"prompt_tokens": 400, "completion_tokens": tokens.len(), "total_tokens": 400 + tokens.len()},
    });
    body.to_string()
}

/// The whole `bench run --no-cache` with `logprobs = true` (`top_logprobs = 10`) against the
/// same run without: the LLM phase's jobs/s of each (the reading of every answer included)
/// and the share kept. A third run without logprobs gets the same large bodies (a server
/// that sends the alternatives unasked): what the larger responses cost apart from reading
/// them and recording the second scorer.
async fn logprobs(n_leads: u64) {
    // Made once: the server's own work must not be what is measured.
    let with = answer_with_logprobs(10);
    let same = with.clone();
    let server = FakeServer::start_with(
        move |seen| match seen.top_logprobs {
            Some(_) => Reply::raw(200, &with),
            None => Reply::answer(ANSWER),
        },
        None,
        false,
    )
    .await;
    let large = FakeServer::start_with(move |_| Reply::raw(200, &same), None, false).await;
    println!(
        "logprobs: `bench run --no-cache` on {n_leads} generated leads (40 % test × 2 prompts), instant server, concurrency 64:"
    );
    let on = "logprobs = true\ntop_logprobs = 10";
    let rates = logprobs_rates(
        n_leads,
        &[
            ("logprobs off", &server.url, ""),
            ("logprobs on ", &server.url, on),
            ("logprobs off, the large bodies sent anyway", &large.url, ""),
        ],
    )
    .await;
    println!(
        "  with logprobs on: {:.1} % of the rate without; {:.1} % of the rate with the same \
         bodies unread (reading them and recording the @logprobs scorer)",
        100.0 * rates[1] / rates[0],
        100.0 * rates[1] / rates[2]
    );
    // A provider takes hundreds of ms an answer; 20 ms already leaves the CPU time to spare.
    let with = answer_with_logprobs(10);
    let slow = FakeServer::start_with(
        move |seen| {
            let reply = match seen.top_logprobs {
                Some(_) => Reply::raw(200, &with),
                None => Reply::answer(ANSWER),
            };
            reply.delayed(Duration::from_millis(20))
        },
        None,
        false,
    )
    .await;
    println!("  the same with a server that takes 20 ms an answer:");
    let rates = logprobs_rates(
        n_leads,
        &[
            ("logprobs off", &slow.url, ""),
            ("logprobs on ", &slow.url, on),
        ],
    )
    .await;
    println!(
        "  with logprobs on: {:.1} % of the rate without",
        100.0 * rates[1] / rates[0]
    );
}

/// The LLM phase's jobs/s of `bench run --no-cache` for each (what, server, model keys).
async fn logprobs_rates(n_leads: u64, runs: &[(&str, &String, &str)]) -> Vec<f64> {
    let mut rates = Vec::new();
    for &(what, url, extra) in runs {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = pipeline_config(dir.path(), url, n_leads, extra);
        let out = dir.path().join("run");
        let f = tokio::task::spawn_blocking(move || run_child(&config, &out, &["--no-cache"]))
            .await
            .expect("child run joins");
        let jobs = (n_leads as f64 * 0.4).round() * 2.0;
        let rate = jobs / llm_seconds(&f.llm_line);
        println!(
            "  {what}: LLM phase {rate:.0} jobs/s; whole process {:.2} s; peak RSS {:.1} MB",
            f.wall_s, f.peak_rss_mb
        );
        rates.push(rate);
    }
    rates
}

/// Seconds from `bench: llm phase (…): 12.34 s`.
fn llm_seconds(line: &str) -> f64 {
    line.rsplit(": ")
        .next()
        .and_then(|v| v.trim_end_matches(" s").parse().ok())
        .expect("llm phase line ends in seconds")
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let what = args.first().map(String::as_str).unwrap_or("throughput");
    let n = args.get(1).and_then(|v| v.parse().ok());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        match what {
            "throughput" => throughput(n.unwrap_or(20_000)).await,
            "ratelimit" => ratelimit(n.unwrap_or(100)).await,
            "adaptive" => adaptive(n.unwrap_or(600)).await,
            "memory" => memory(n.unwrap_or(100_000)).await,
            "pipeline" => pipeline(n.unwrap_or(125_000)).await,
            "score" => score(n.unwrap_or(100_000)).await,
            "logprobs" => logprobs(n.unwrap_or(50_000)).await,
            other => eprintln!(
                "unknown experiment {other:?}: throughput | ratelimit | adaptive | memory | pipeline | score | logprobs"
            ),
        }
    });
}
