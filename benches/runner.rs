//! Figures for the LLM call engine against the in-process fake server on loopback. Not timed
//! tests: it prints what it measures.
//!
//! `cargo bench --bench runner -- throughput [N]`: jobs/s through `run_jobs` against a server
//! that answers at once, without a cache, with a fresh cache, and re-run from the cache.
//! `cargo bench --bench runner -- ratelimit [N]`: a server enforcing 600 requests/min (burst
//! 3) and answering in 200 ms; span from first to last request against N ÷ limit, and 429s.
//! `cargo bench --bench runner -- memory [N]`: peak RSS (VmHWM) for N jobs (default 100,000)
//! with the cache on. Run each in its own process so the peaks do not mix.

#[path = "../tests/support/fake_openai.rs"]
mod fake_openai;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_openai::{FakeServer, Reply};
use lead_bench::run::{EngineOptions, LlmJob, ModelSettings, RawModelSettings, run_jobs};

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
            lead_bench::run::CallResult::Answer { .. }
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
            "memory" => memory(n.unwrap_or(100_000)).await,
            other => eprintln!("unknown experiment {other:?}: throughput | ratelimit | memory"),
        }
    });
}
