//! End to end with the real local model: `bench run` launches llama.cpp's server with
//! SmolLM2-135M (installing it into the repo the first time), scores a handful of leads
//! under two prompts, and stops the server again.

use std::path::Path;
use std::process::Command;

use lead_bench::prediction::read_predictions_csv;

const PORT: u16 = 8097;

fn port_answers() -> bool {
    std::net::TcpStream::connect(("127.0.0.1", PORT)).is_ok()
}

#[test]
fn real_local_model_scores_a_handful_of_leads_under_two_prompts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        !port_answers(),
        "port {PORT} is busy; the test needs it free"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let script = root.join("scripts/local-llm.sh");
    let config = format!(
        r#"
[run]
name = "local"
cache = "cache.sqlite"
[dataset.generate]
n = 60
seed = 11
test_fraction = 0.5
[baselines]
heuristic = true
learned = false
[[models]]
name = "smollm2"
model = "smollm2-135m"
base_url = "http://127.0.0.1:{PORT}/v1"
structured_output = "json_object"
concurrency = 1
timeout_s = 120
max_retries = 1
max_tokens = 160
logprobs = true
launch = [{script:?}, "serve", "{PORT}"]
launch_timeout_s = 1800
[[prompts]]
name = "zero_shot"
path = {zs:?}
[[prompts]]
name = "rubric"
path = {rb:?}
"#,
        script = script.display().to_string(),
        zs = root.join("prompts/zero_shot.j2").display().to_string(),
        rb = root.join("prompts/rubric.j2").display().to_string(),
    );
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config).expect("config");
    let out_dir = dir.path().join("run");
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["run", "--quiet", "--limit", "4", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("run bench");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench run failed:\n{stderr}");
    assert!(stderr.contains("server up after"), "{stderr}");
    assert!(!port_answers(), "the launched server was not stopped");

    let preds = read_predictions_csv(&out_dir.join("predictions.csv")).expect("predictions");
    let (llm, readings): (Vec<_>, Vec<_>) = preds
        .iter()
        .filter(|p| p.scorer.starts_with("llm/smollm2/"))
        .partition(|p| !p.scorer.ends_with("@logprobs"));
    assert_eq!(llm.len(), 8, "4 leads × 2 prompts");
    for p in &llm {
        assert!(!p.raw_response.is_empty(), "{p:?}");
        assert!(p.prompt_tokens.is_some_and(|t| t > 50), "{p:?}");
    }
    // Under the schema this model answers in valid JSON nearly always.
    let parsed = llm.iter().filter(|p| p.parsed().is_some()).count();
    assert!(parsed >= 4, "only {parsed} of 8 answers parsed: {llm:?}");
    // llama.cpp's server returns top_logprobs: every answer read a second time, at least
    // 90 % of them to a score, and the scores vary where the verbalized ones barely do.
    assert_eq!(readings.len(), 8, "one @logprobs reading per answer");
    let read: Vec<u8> = readings.iter().filter_map(|p| p.lead_score).collect();
    assert!(read.len() * 10 >= readings.len() * 9, "{readings:?}");
    let distinct: std::collections::BTreeSet<u8> = read.iter().copied().collect();
    assert!(distinct.len() > 1, "constant logprobs scores: {read:?}");
    for p in &readings {
        assert!(p.p_high.is_some() || p.lead_score.is_none(), "{p:?}");
    }
    assert_eq!(preds.iter().filter(|p| p.scorer == "heuristic").count(), 4);
    // The generated leads have outcomes: the report judges every scorer against them when
    // some of the 4 converted and some did not, and says why not otherwise.
    let md = std::fs::read_to_string(out_dir.join("report.md")).expect("report.md");
    for section in ["## Answer", "## Outcomes", "## Power"] {
        assert!(md.contains(section), "report.md lacks {section}");
    }
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("json");
    let converters = metrics["outcomes"]["converters"]
        .as_u64()
        .expect("converters");
    let html = std::fs::read_to_string(out_dir.join("report.html")).expect("report.html");
    if (1..4).contains(&converters) {
        assert!(md.contains("## Capacity"), "report.md lacks ## Capacity");
        assert!(html.contains("data-chart=\"capture\""), "no capture chart");
    } else {
        assert!(md.contains("nothing to rank against"), "{md}");
    }
}
