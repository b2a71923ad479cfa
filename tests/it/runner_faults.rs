//! The LLM call engine against a scripted OpenAI-compatible server on loopback: every fault
//! ends in the right recorded outcome, retries stay within `max_retries`, every job gets
//! exactly one outcome, and the cache makes re-runs and resumed runs send nothing twice.

use crate::support::fake_openai;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fake_openai::{FakeServer, Reply};
use lead_bench::llm::{
    Cache, CallOutcome, CallResult, EngineOptions, EngineSummary, JobStream, LlmJob, ModelSettings,
    RawModelSettings, RetryPolicy, Unmade, run_jobs, run_streams,
};
use tokio_util::sync::CancellationToken;

const GOOD: &str = r#"{"lead_score": 80, "lead_label": "high", "justification": "ok"}"#;

fn model(name: &str, url: &str, extra: &str) -> ModelSettings {
    let raw: RawModelSettings = toml::from_str(&format!(
        "name = \"{name}\"\nmodel = \"{name}\"\nbase_url = \"{url}\"\nstructured_output = \"json_object\"\n{extra}"
    ))
    .expect("test model parses");
    raw.validate(0).expect("test model is valid")
}

fn job(id: u64, model: usize, user: &str) -> LlmJob {
    LlmJob {
        job_id: id,
        model,
        scorer: Arc::from(format!("llm/m{model}/p")),
        system: Arc::from("You score leads."),
        user: user.to_string(),
        schema: Some(Arc::new(serde_json::json!({"type": "object"}))),
        repeat: 0,
        top_logprobs: None,
    }
}

fn opts(cache: Option<PathBuf>) -> EngineOptions {
    EngineOptions {
        cache,
        quiet: true,
        retry: RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(100),
        },
        ..EngineOptions::default()
    }
}

/// Runs the engine and checks that every job got exactly one outcome.
async fn run(
    models: &[ModelSettings],
    jobs: Vec<LlmJob>,
    opts: EngineOptions,
) -> (EngineSummary, HashMap<u64, CallOutcome>) {
    let ids: HashSet<u64> = jobs.iter().map(|j| j.job_id).collect();
    let mut got = HashMap::new();
    let summary = run_jobs(models, jobs, opts, |o| {
        let id = o.job_id;
        assert!(got.insert(id, o).is_none(), "job {id} got two outcomes");
    })
    .await
    .expect("engine runs");
    assert_eq!(
        got.keys().copied().collect::<HashSet<_>>(),
        ids,
        "a job lost its outcome"
    );
    (summary, got)
}

fn content(o: &CallOutcome) -> (&str, Option<&str>) {
    match &o.result {
        CallResult::Answer {
            content,
            finish_reason,
            ..
        } => (content, finish_reason.as_deref()),
        other => panic!("expected an answer for job {}, got {other:?}", o.job_id),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_of_every_shape_are_passed_through() {
    let server = FakeServer::start(|s| match s.user {
        "slow" => Reply::answer(GOOD).delayed(Duration::from_millis(300)),
        "fenced" => Reply::answer(&format!("```json\n{GOOD}\n```")),
        "prose" => Reply::answer(&format!(
            "Sure! Here is my assessment: {GOOD} Hope it helps."
        )),
        "invalid" => Reply::answer(r#"{"lead_score": "very", "lead_label": 7}"#),
        "length" => Reply::answer_with(r#"{"lead_score": 8"#, "length"),
        "notjson" => Reply::raw(200, "<html>502 bad gateway</html>"),
        _ => Reply::answer(GOOD),
    })
    .await;
    let m = model("m", &server.url, "concurrency = 4\n");
    let users = [
        "slow", "fenced", "prose", "invalid", "length", "notjson", "plain",
    ];
    let jobs = users
        .iter()
        .enumerate()
        .map(|(i, u)| job(i as u64, 0, u))
        .collect();
    let (summary, got) = run(&[m], jobs, opts(None)).await;
    assert_eq!(content(&got[&0]).0, GOOD);
    assert!(content(&got[&1]).0.starts_with("```json"));
    assert!(content(&got[&2]).0.starts_with("Sure!"));
    assert!(content(&got[&3]).0.contains("very"));
    assert_eq!(content(&got[&4]), (r#"{"lead_score": 8"#, Some("length")));
    match &got[&5].result {
        CallResult::ApiError { status, message } => {
            assert_eq!(*status, Some(200));
            assert!(message.contains("not JSON"), "{message}");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert_eq!(got[&5].attempts, 1, "a garbage body is not retried");
    assert_eq!(got[&6].prompt_tokens, Some(20));
    assert_eq!(summary.answered, 6);
    assert_eq!(summary.api_errors, 1);
    assert_eq!(server.requests(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_honours_retry_after() {
    let server = FakeServer::start(|s| match (s.user, s.attempt) {
        ("limited", 1) => Reply::error(429, "slow down").header("retry-after-ms", "400"),
        ("limited-s", 1) => Reply::error(429, "slow down").header("retry-after", "1"),
        _ => Reply::answer(GOOD),
    })
    .await;
    let m = model("m", &server.url, "concurrency = 2\nmax_retries = 3\n");
    let jobs = vec![job(0, 0, "limited"), job(1, 0, "limited-s")];
    let (summary, got) = run(&[m], jobs, opts(None)).await;
    for (id, user, wait) in [(0, "limited", 400), (1, "limited-s", 1000)] {
        assert_eq!(content(&got[&id]).0, GOOD);
        assert_eq!(got[&id].attempts, 2);
        let log: Vec<_> = server
            .log()
            .into_iter()
            .filter(|l| l.user == user)
            .collect();
        assert_eq!(log.len(), 2);
        // The server's own clock: the retry came no sooner than the hint allowed.
        let gap = log[1].at.duration_since(log[0].at);
        assert!(
            gap >= Duration::from_millis(wait),
            "{user}: retried after {gap:?}"
        );
    }
    assert_eq!(summary.retries, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_the_whole_model() {
    // The first request is limited with a 500 ms hint; the others answer after 50 ms. No
    // request of the model may arrive while the pause holds.
    let server = FakeServer::start(|s| {
        if s.index == 0 {
            Reply::error(429, "slow down").header("retry-after-ms", "500")
        } else {
            Reply::answer(GOOD).delayed(Duration::from_millis(50))
        }
    })
    .await;
    let m = model("m", &server.url, "concurrency = 3\n");
    let jobs = (0..12).map(|i| job(i, 0, &format!("lead {i}"))).collect();
    let (summary, _) = run(&[m], jobs, opts(None)).await;
    assert_eq!(summary.answered, 12);
    let log = server.log();
    let t429 = log[0].at;
    let during = log
        .iter()
        .filter(|l| {
            let t = l.at.saturating_duration_since(t429);
            t > Duration::from_millis(150) && t < Duration::from_millis(450)
        })
        .count();
    assert_eq!(during, 0, "requests were sent while the model was paused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_within_max_retries() {
    let server = FakeServer::start(|s| match (s.user, s.attempt) {
        ("flaky", 1) => Reply::error(500, "oops"),
        ("flaky", 2) => Reply::raw(503, "Service Unavailable"),
        ("flaky", _) => Reply::answer(GOOD),
        ("down", _) => Reply::raw(503, "Service Unavailable"),
        ("bad-request", _) => Reply::error(400, "max_tokens is too large"),
        _ => Reply::answer(GOOD),
    })
    .await;
    let m = model("m", &server.url, "max_retries = 2\n");
    let jobs = vec![
        job(0, 0, "flaky"),
        job(1, 0, "down"),
        job(2, 0, "bad-request"),
    ];
    let (_, got) = run(&[m], jobs, opts(None)).await;
    assert_eq!(content(&got[&0]).0, GOOD);
    assert_eq!(got[&0].attempts, 3);
    assert!(
        matches!(&got[&1].result, CallResult::ApiError { status: Some(503), message } if message.contains("Service Unavailable"))
    );
    assert_eq!(got[&1].attempts, 3, "max_retries = 2 means three attempts");
    assert!(matches!(
        &got[&2].result,
        CallResult::ApiError {
            status: Some(400),
            ..
        }
    ));
    assert_eq!(got[&2].attempts, 1, "a 400 is not retried");
    let sent = |u: &str| server.log().iter().filter(|l| l.user == u).count();
    assert_eq!(
        (sent("flaky"), sent("down"), sent("bad-request")),
        (3, 3, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_ends_in_timeout_after_all_attempts() {
    let server = FakeServer::start(|s| match s.user {
        "hang" => Reply::Hang,
        _ => Reply::answer(GOOD),
    })
    .await;
    let m = model("m", &server.url, "timeout_s = 0.2\nmax_retries = 1\n");
    let (summary, got) = run(&[m], vec![job(0, 0, "hang"), job(1, 0, "fine")], opts(None)).await;
    match &got[&0].result {
        CallResult::Timeout { message } => assert!(message.contains("0.2 s"), "{message}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(got[&0].attempts, 2);
    assert_eq!(server.log().iter().filter(|l| l.user == "hang").count(), 2);
    assert_eq!((summary.timeouts, summary.answered), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_model_fails_fast_while_others_carry_on() {
    // The key comes from PATH: any set variable will do, and this one is long and unique,
    // so finding it in a message would be a leak. The server quotes it back like OpenAI does.
    let key = std::env::var("PATH").expect("PATH is set");
    let server = FakeServer::start(|s| match s.model {
        "bad" => Reply::error(
            401,
            &format!("Incorrect API key provided: {}", s.auth.unwrap_or("")),
        ),
        _ => Reply::answer(GOOD),
    })
    .await;
    let bad = model(
        "bad",
        &server.url,
        "api_key_env = \"PATH\"\nconcurrency = 2\n",
    );
    let good = model("good", &server.url, "concurrency = 2\n");
    let jobs = (0..40)
        .map(|i| job(i, (i % 2) as usize, &format!("lead {i}")))
        .collect();
    let (summary, got) = run(&[bad, good], jobs, opts(None)).await;
    let log = server.log();
    let bad_sent = log.iter().filter(|l| l.model == "bad").count();
    assert!(
        bad_sent <= 4,
        "{bad_sent} requests sent to a model answering 401"
    );
    assert!(
        log.iter()
            .filter(|l| l.model == "bad")
            .all(|l| l.auth.as_deref() == Some(&key))
    );
    assert!(
        log.iter()
            .filter(|l| l.model == "good")
            .all(|l| l.auth.is_none())
    );
    for i in (1..40).step_by(2) {
        assert_eq!(content(&got[&i]).0, GOOD);
    }
    for i in (0..40).step_by(2) {
        assert!(!matches!(got[&i].result, CallResult::Answer { .. }));
        assert!(
            !format!("{:?}", got[&i]).contains(&key),
            "the key leaked into an outcome"
        );
    }
    let model_warnings: Vec<_> = summary
        .warnings
        .iter()
        .filter(|w| w.contains("`bad`"))
        .collect();
    assert_eq!(model_warnings.len(), 1, "{:?}", summary.warnings);
    assert!(model_warnings[0].contains("401") && model_warnings[0].contains("PATH"));
    assert!(!model_warnings[0].contains(&key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_key_skips_the_model_with_a_warning() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    let var = "LEAD_BENCH_TEST_KEY_THAT_IS_NEVER_SET";
    let m = model("m", &server.url, &format!("api_key_env = \"{var}\"\n"));
    let (summary, got) = run(&[m], (0..3).map(|i| job(i, 0, "x")).collect(), opts(None)).await;
    assert_eq!(server.requests(), 0);
    assert_eq!(summary.skipped, 3);
    assert!(
        got.values()
            .all(|o| matches!(&o.result, CallResult::Skipped { reason } if reason.contains(var)))
    );
    assert!(summary.warnings[0].contains(var), "{:?}", summary.warnings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_makes_an_unchanged_rerun_free_and_no_cache_sends_again() {
    let server = FakeServer::start(|s| Reply::answer(&format!("answer to {}", s.user))).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache.sqlite");
    let m = model("m", &server.url, "concurrency = 3\n");
    let jobs = || {
        (0..10)
            .map(|i| job(i, 0, &format!("lead {i}")))
            .collect::<Vec<_>>()
    };
    let (first, got1) = run(std::slice::from_ref(&m), jobs(), opts(Some(cache.clone()))).await;
    assert_eq!((first.answered, server.requests()), (10, 10));
    let (second, got2) = run(std::slice::from_ref(&m), jobs(), opts(Some(cache.clone()))).await;
    assert_eq!(server.requests(), 10, "an unchanged re-run sent requests");
    assert_eq!((second.from_cache, second.requests_sent), (10, 0));
    for i in 0..10 {
        assert!(got2[&i].cached && got2[&i].attempts == 0);
        assert_eq!(content(&got2[&i]), content(&got1[&i]));
    }
    // Another repeat is another request.
    let mut repeat = jobs();
    repeat[0].repeat = 1;
    let (third, _) = run(std::slice::from_ref(&m), repeat, opts(Some(cache.clone()))).await;
    assert_eq!(
        (third.answered, third.from_cache, server.requests()),
        (1, 9, 11)
    );
    let (no_cache, _) = run(&[m], jobs(), opts(None)).await;
    assert_eq!((no_cache.answered, server.requests()), (10, 21));
    assert_eq!(Cache::clear(&cache).expect("clears"), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rpm_the_cap_on_requests_in_flight_finds_the_servers_limit() {
    // The server takes 2,400 requests/min (a burst of 5); the model says nothing of it.
    let server = FakeServer::start_with(
        |_| Reply::answer(GOOD).delayed(Duration::from_millis(100)),
        Some((2400, 5)),
        true,
    )
    .await;
    let m = model("m", &server.url, "concurrency = 32\nmax_retries = 10\n");
    let jobs = (0..120).map(|i| job(i, 0, &format!("lead {i}"))).collect();
    let (summary, _) = run(&[m], jobs, opts(None)).await;
    assert_eq!(summary.answered, 120, "{summary:?}");
    let log = server.log();
    let limited = log.iter().filter(|l| l.status == 429).count();
    let window = &summary.adaptive[0];
    assert_eq!((window.model.as_str(), window.max), ("m", 32));
    // 40 requests/s at 100 ms an answer is about four in flight: the cap came down from
    // where it overshot, and few requests were refused.
    assert!(window.halvings >= 1 && window.cap < 16, "{window:?}");
    assert!(
        limited * 10 < log.len(),
        "{limited} of {} answers were 429",
        log.len()
    );

    // With rpm configured the cap stays as configured and is not reported.
    let m = model("m", &server.url, "concurrency = 4\nrpm = 1000\n");
    let (summary, _) = run(&[m], vec![job(100, 0, "one more")], opts(None)).await;
    assert!(summary.adaptive.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_stops_new_requests_before_it_is_exceeded() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    // About $0.02 at worst per request (prompt bound + 50 answer tokens at $100/Mtok).
    let m = model(
        "m",
        &server.url,
        "concurrency = 1\nmax_tokens = 50\nprice = { input_per_mtok = 100.0, output_per_mtok = 100.0 }\n",
    );
    let jobs = (0..50)
        .map(|i| job(i, 0, &format!("lead number {i:03}")))
        .collect();
    let mut o = opts(None);
    o.budget_usd = Some(0.1);
    let (summary, got) = run(&[m], jobs, o).await;
    assert!(summary.budget_exhausted);
    assert!(summary.answered >= 1 && summary.skipped >= 1, "{summary:?}");
    assert!(summary.cost_usd <= 0.1, "spent {}", summary.cost_usd);
    assert_eq!(server.requests(), summary.answered);
    let budget_skips = got
        .values()
        .filter(|o| matches!(&o.result, CallResult::Skipped { reason } if reason.contains("budget_usd")))
        .count() as u64;
    assert_eq!(budget_skips, summary.skipped);
    assert_eq!(
        summary
            .warnings
            .iter()
            .filter(|w| w.contains("budget_usd"))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_prompt_tokens_are_priced_at_the_cached_rate_and_survive_the_cache() {
    // 1,000 prompt tokens of which 600 came from the provider's prefix cache.
    let usage = |content: &str| {
        serde_json::json!({
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100,
                      "prompt_tokens_details": {"cached_tokens": 600}},
        })
        .to_string()
    };
    let server = FakeServer::start(move |_| Reply::raw(200, &usage(GOOD))).await;
    let m = model(
        "m",
        &server.url,
        "price = { input_per_mtok = 2.0, output_per_mtok = 8.0, cached_input_per_mtok = 0.5 }
",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache.sqlite");
    // 400 × 2 + 600 × 0.5 + 100 × 8 = 1,900 $/M tokens: $0.0019; saved 600 × 1.5: $0.0009.
    for (round, from_cache) in [(1, 0), (2, 1)] {
        let jobs = vec![job(0, 0, "lead")];
        let (summary, got) = run(std::slice::from_ref(&m), jobs, opts(Some(cache.clone()))).await;
        let o = &got[&0];
        assert_eq!(summary.from_cache, from_cache, "round {round}");
        assert_eq!(o.cached_prompt_tokens, Some(600), "round {round}");
        assert!((o.cost_usd.expect("cost") - 0.0019).abs() < 1e-12, "{o:?}");
        assert!(
            (o.saved_usd.expect("saving") - 0.0009).abs() < 1e-12,
            "{o:?}"
        );
    }
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_keeps_its_answers_and_the_next_run_sends_only_the_rest() {
    let server =
        FakeServer::start(|_| Reply::answer(GOOD).delayed(Duration::from_millis(30))).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache.sqlite");
    let m = model("m", &server.url, "concurrency = 2\n");
    let jobs = || {
        (0..40)
            .map(|i| job(i, 0, &format!("lead {i}")))
            .collect::<Vec<_>>()
    };

    // Stop dispatch (what the first Ctrl-C does) after five answers.
    let token = CancellationToken::new();
    let mut o = opts(Some(cache.clone()));
    o.cancel = token.clone();
    let mut answered_first = HashSet::new();
    let summary = run_jobs(std::slice::from_ref(&m), jobs(), o, |out| {
        if matches!(out.result, CallResult::Answer { .. }) {
            answered_first.insert(out.job_id);
        }
        if answered_first.len() == 5 {
            token.cancel();
        }
    })
    .await
    .expect("engine runs");
    assert!(summary.cancelled);
    let kept = answered_first.len() as u64;
    assert!((5..40).contains(&kept), "{kept} answered before the stop");
    assert_eq!(summary.skipped, 40 - kept);
    assert_eq!(server.requests(), kept, "a request was sent after the stop");

    let (resumed, got) = run(std::slice::from_ref(&m), jobs(), opts(Some(cache.clone()))).await;
    assert_eq!((resumed.from_cache, resumed.answered), (kept, 40 - kept));
    let mut seen = HashSet::new();
    assert!(
        server.log().iter().all(|l| seen.insert(l.user.clone())),
        "a request was sent twice"
    );
    assert!(
        got.values()
            .all(|o| matches!(o.result, CallResult::Answer { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_run_resumes_without_resending_stored_answers() {
    let server =
        FakeServer::start(|_| Reply::answer(GOOD).delayed(Duration::from_millis(40))).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache.sqlite");
    let m = model("m", &server.url, "concurrency = 4\n");
    let jobs = || {
        (0..60)
            .map(|i| job(i, 0, &format!("lead {i}")))
            .collect::<Vec<_>>()
    };
    // Drop the run after five outcomes, the closest an in-process test gets to a kill:
    // nothing after the drop is written, requests in flight are abandoned.
    let five = Arc::new(tokio::sync::Notify::new());
    let signal = five.clone();
    let mut outcomes = 0;
    let running = run_jobs(
        std::slice::from_ref(&m),
        jobs(),
        opts(Some(cache.clone())),
        move |_| {
            outcomes += 1;
            if outcomes == 5 {
                signal.notify_one();
            }
        },
    );
    tokio::select! {
        _ = running => panic!("the run finished before it was abandoned"),
        _ = five.notified() => {}
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stored = Cache::open(&cache)
        .expect("cache opens")
        .len()
        .expect("count");
    let sent_before = server.requests();
    assert!(
        stored > 0 && stored < 60,
        "{stored} answers stored, {sent_before} sent"
    );

    let (resumed, _) = run(std::slice::from_ref(&m), jobs(), opts(Some(cache.clone()))).await;
    assert_eq!(resumed.from_cache, stored);
    assert_eq!(server.requests() - sent_before, 60 - stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_429s_and_refused_connections_end_after_max_retries() {
    let server = FakeServer::start(|_| {
        Reply::error(429, "Rate limit reached").header("retry-after-ms", "20")
    })
    .await;
    // A port that was free a moment ago and now has nobody listening.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("address").port()
    };
    let limited = model("limited", &server.url, "max_retries = 3\n");
    let refused = model(
        "refused",
        &format!("http://127.0.0.1:{closed}/v1"),
        "max_retries = 2\n",
    );
    let jobs = vec![job(0, 0, "a"), job(1, 1, "b")];
    let (summary, got) = run(&[limited, refused], jobs, opts(None)).await;
    assert!(matches!(
        got[&0].result,
        CallResult::ApiError {
            status: Some(429),
            ..
        }
    ));
    assert_eq!(got[&0].attempts, 4);
    assert_eq!(server.requests(), 4, "max_retries = 3 means four requests");
    match &got[&1].result {
        CallResult::ApiError {
            status: None,
            message,
        } => assert!(!message.is_empty()),
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert_eq!(got[&1].attempts, 3);
    assert_eq!(summary.retries, 3 + 2);
}

#[tokio::test]
async fn a_stream_is_made_on_demand_and_unmade_jobs_end_skipped() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    let m = model("m", &server.url, "concurrency = 2\n");
    let made = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = made.clone();
    let scorer: Arc<str> = Arc::from("llm/m0/p");
    let items = (0..200u64).map(move |i| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if i % 50 == 7 {
            Err(Unmade {
                job_id: i,
                scorer: Arc::from("llm/m0/p"),
                reason: format!("prompt not rendered for job {i}"),
            })
        } else {
            Ok(job(i, 0, &format!("lead {i}")))
        }
    });
    let stream = JobStream {
        model: 0,
        counts: vec![(scorer, 200)],
        jobs: Box::new(items),
    };
    let mut got: HashMap<u64, CallOutcome> = HashMap::new();
    let mut most_ahead = 0u64;
    let summary = run_streams(std::slice::from_ref(&m), vec![stream], opts(None), |o| {
        // Jobs are made as workers take them: never more than the queue (2 × concurrency)
        // plus the workers' jobs ahead of the outcomes seen.
        let done = got.len() as u64;
        most_ahead = most_ahead.max(made.load(std::sync::atomic::Ordering::SeqCst) - done);
        let id = o.job_id;
        assert!(got.insert(id, o).is_none(), "job {id} got two outcomes");
    })
    .await
    .expect("engine runs");
    assert_eq!(got.len(), 200, "a job lost its outcome");
    assert!(
        most_ahead <= 12,
        "{most_ahead} jobs were made ahead of their outcomes"
    );
    assert_eq!(
        (summary.jobs, summary.skipped, summary.answered),
        (200, 4, 196)
    );
    assert_eq!(server.requests(), 196);
    assert!(matches!(
        &got[&57].result,
        CallResult::Skipped { reason } if reason == "prompt not rendered for job 57"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_endless_bodies_are_cut_off_at_the_cap() {
    let big = format!(
        "{{\"choices\":[{{\"message\":{{\"content\":\"{}\"}}}}]}}",
        "x".repeat(3 << 20)
    );
    let server = FakeServer::start(move |s| match s.user {
        "big" => Reply::raw(200, &big),
        "endless" => Reply::Endless {
            chunk: "{\"choices\": [".repeat(4096),
        },
        _ => Reply::answer(GOOD),
    })
    .await;
    // A long timeout: the endless body must end at the cap, not when the clock runs out.
    let m = model(
        "m",
        &server.url,
        "max_response_bytes = 65536\ntimeout_s = 600\nmax_retries = 2\n",
    );
    let cache = tempfile::tempdir().expect("temp dir");
    let path = cache.path().join("cache.sqlite");
    let jobs = vec![job(0, 0, "big"), job(1, 0, "endless"), job(2, 0, "fine")];
    let started = std::time::Instant::now();
    let (summary, got) = run(&[m], jobs, opts(Some(path.clone()))).await;
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "the cap did not fire"
    );
    for id in [0, 1] {
        match &got[&id].result {
            CallResult::ApiError { status, message } => {
                assert_eq!(*status, Some(200));
                assert!(
                    message.contains("max_response_bytes (65536 bytes)"),
                    "{message}"
                );
                assert!(message.len() < 2_000, "the excerpt is bounded");
            }
            other => panic!("job {id}: expected an API error, got {other:?}"),
        }
        assert_eq!(got[&id].attempts, 1, "an oversized body is not retried");
    }
    assert_eq!(content(&got[&2]).0, GOOD);
    assert_eq!(summary.api_errors, 2);
    // Only the good answer is stored, and the file stays small.
    let stored = Cache::open(&path).expect("reopens");
    assert_eq!(stored.len().expect("count"), 1);
    drop(stored);
    let size: u64 = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum();
    assert!(size < 1 << 20, "the cache grew to {size} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_echoed_in_answers_and_errors_is_stored_nowhere() {
    // PATH is long and unique (see unauthorized_model_fails_fast_while_others_carry_on); the
    // server echoes it in every place a body can hold it, in its case and upper-cased, and
    // a 401 quotes it after 290 characters so that a cut at 300 would keep a prefix.
    let key = std::env::var("PATH").expect("PATH is set");
    let server = FakeServer::start(|s| {
        let k = s.auth.unwrap_or("");
        match s.user {
            "justification" => Reply::answer(&format!(
                r#"{{"lead_score": 80, "lead_label": "high", "justification": "key {k}"}}"#
            )),
            "prose" => Reply::answer(&format!("Your key is {}. {GOOD}", k.to_uppercase())),
            "extra" => Reply::raw(
                200,
                &serde_json::json!({
                    "echo": k,
                    "choices": [{"message": {"content": GOOD}, "finish_reason": "stop"}],
                })
                .to_string(),
            ),
            "notjson" => Reply::raw(200, &format!("<html>{k}</html>")),
            _ => Reply::error(401, &format!("{} {k}", "x".repeat(290))),
        }
    })
    .await;
    let m = model(
        "m",
        &server.url,
        "api_key_env = \"PATH\"\nconcurrency = 1\n",
    );
    let cache = tempfile::tempdir().expect("temp dir");
    let path = cache.path().join("cache.sqlite");
    let users = ["justification", "prose", "extra", "notjson"];
    let jobs = users
        .iter()
        .enumerate()
        .map(|(i, u)| job(i as u64, 0, u))
        .collect();
    let (summary, got) = run(std::slice::from_ref(&m), jobs, opts(Some(path.clone()))).await;
    assert_eq!(summary.answered, 3);
    // The 401 on its own: in the same run it could overtake the others and stop the model
    // before they are sent (the order of sending is not part of the contract).
    let (refused, refused_got) = run(
        &[m],
        vec![job(4, 0, "unauthorized")],
        opts(Some(path.clone())),
    )
    .await;
    assert_eq!(refused.api_errors, 1);
    let everything = format!("{got:?} {summary:?} {refused_got:?} {refused:?}");
    let prefix = &key[..12.min(key.len())];
    assert!(!everything.contains(prefix), "the key leaked: {everything}");
    assert!(!everything.to_lowercase().contains(&prefix.to_lowercase()));
    assert!(everything.contains(lead_bench::llm::REDACTED));
    drop(got);
    let bytes: Vec<u8> = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .flat_map(|e| std::fs::read(e.expect("entry").path()).expect("read"))
        .collect();
    let text = String::from_utf8_lossy(&bytes).to_lowercase();
    assert!(
        !text.contains(&prefix.to_lowercase()),
        "the key is in the cache"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_another_origin_are_not_followed() {
    let elsewhere = FakeServer::start(|_| Reply::answer(GOOD)).await;
    let target = format!("{}/chat/completions", elsewhere.url);
    let server = FakeServer::start(move |s| match s.user {
        "away" => Reply::raw(307, "").header("location", &target),
        _ => Reply::answer(GOOD),
    })
    .await;
    let m = model("m", &server.url, "concurrency = 1\n");
    let (summary, got) = run(&[m], vec![job(0, 0, "away")], opts(None)).await;
    assert_eq!(elsewhere.requests(), 0, "the prompt reached another origin");
    match &got[&0].result {
        CallResult::ApiError { status, message } => {
            assert_eq!(*status, Some(307));
            assert!(message.contains(&elsewhere.url), "{message}");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert_eq!(summary.api_errors, 1);
}
