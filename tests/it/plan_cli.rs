//! `bench plan` and the plan `bench run` checks first: estimates against what a fake server
//! that counts tokens like OpenAI reports, the cache in the plan, nothing sent while
//! planning, and a budget the estimate exceeds refused before anything is sent or written.

use crate::support::cli::bench;
use crate::support::fake_openai;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fake_openai::{FakeServer, Reply, Seen};
use lead_bench::prediction::read_predictions_csv;
use serde_json::Value;

const PROMPTS: [&str; 4] = ["zero_shot", "rubric", "few_shot", "reason_first"];

fn config(dir: &Path, url: &str, run_extra: &str, model_extra: &str) -> PathBuf {
    let prompts: String = PROMPTS
        .iter()
        .map(|p| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("prompts")
                .join(format!("{p}.j2"));
            let examples = if *p == "few_shot" {
                "examples = 4\n"
            } else {
                ""
            };
            format!(
                "[[prompts]]\nname = \"{p}\"\npath = {:?}\n{examples}",
                path.display().to_string()
            )
        })
        .collect();
    let text = format!(
        "[run]\nname = \"plan\"\nresults_dir = \"results\"\ncache = \"cache.sqlite\"\n{run_extra}\n\
         [dataset.generate]\nn = 100\nseed = 11\ntest_fraction = 0.3\n\
         [baselines]\nheuristic = false\nlearned = false\n\
         [[models]]\nname = \"fake\"\nmodel = \"fake-model\"\nbase_url = \"{url}\"\n\
         structured_output = \"json_object\"\nconcurrency = 4\nmax_tokens = 300\n{model_extra}\n{prompts}"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Answers of the length real models give: a sentence of justification, and an analysis
/// paragraph when the prompt asks for one.
fn realistic(seen: &Seen) -> Reply {
    let justification = "VP of Engineering at a 400-person insurer asking about pricing, SSO and \
                         a production rollout this quarter.";
    let content = if seen.system.contains("\"analysis\"") {
        serde_json::json!({
            "analysis": "The company is a mid-sized insurer with about 400 employees, which is a \
                meaningful size for our product. The contact is a VP of Engineering, so they have \
                authority over the purchase. The message mentions pricing, single sign-on and a \
                rollout planned for this quarter, which are clear production and buying signals. \
                Nothing suggests a student, a vendor pitch or a personal project.",
            "lead_score": 84,
            "lead_label": "high",
            "justification": justification,
        })
    } else {
        serde_json::json!({"lead_score": 84, "lead_label": "high", "justification": justification})
    };
    Reply::counted(seen, &content.to_string())
}

fn args(words: &[&str], config: &Path) -> Vec<String> {
    let mut v: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    v.push("--config".into());
    v.push(config.display().to_string());
    v
}

async fn plan_json(config: &Path) -> Value {
    let out = bench(args(&["plan", "--json"], config)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

fn within(estimate: f64, real: f64, share: f64) -> bool {
    (estimate - real).abs() <= share * real
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_estimates_tokens_within_a_fifth_and_sends_nothing() {
    let server = FakeServer::start(realistic).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let price = "price = { input_per_mtok = 2.5, output_per_mtok = 10.0 }";
    let config = config(dir.path(), &server.url, "", price);

    let plan = plan_json(&config).await;
    assert_eq!(server.requests(), 0, "planning sent a request");
    assert!(!dir.path().join("results").exists() && !dir.path().join("cache.sqlite").exists());
    let scorers = plan["scorers"].as_array().expect("scorers");
    assert_eq!(scorers.len(), PROMPTS.len());
    let jobs: u64 = scorers
        .iter()
        .map(|s| s["jobs"].as_u64().expect("jobs"))
        .sum();
    assert_eq!(plan["to_send"].as_u64(), Some(jobs));

    let out = bench(args(&["run", "--quiet"], &config)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.requests(), jobs);
    let run_dir = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("dir")
            .trim(),
    );
    let mut real: HashMap<String, (u64, u64, f64)> = HashMap::new();
    for p in read_predictions_csv(&run_dir.join("predictions.csv")).expect("predictions") {
        let r = real.entry(p.scorer.clone()).or_default();
        r.0 += u64::from(p.prompt_tokens.expect("prompt tokens"));
        r.1 += u64::from(p.completion_tokens.expect("completion tokens"));
        r.2 += p.cost_usd.expect("cost");
    }
    let (mut est_total, mut real_total, mut est_cost, mut real_cost) = (0.0, 0.0, 0.0, 0.0);
    for s in scorers {
        let id = s["id"].as_str().expect("id");
        let (prompt, completion, cost) = real[id];
        let est_prompt = s["prompt_tokens"].as_f64().expect("prompt");
        let est_completion = s["completion_tokens"].as_f64().expect("completion");
        eprintln!(
            "{id}: prompt tokens estimated {est_prompt} / reported {prompt}; completion {est_completion} / {completion}"
        );
        assert!(
            within(est_prompt, prompt as f64, 0.20),
            "{id}: prompt {est_prompt} vs {prompt}"
        );
        est_total += est_prompt + est_completion;
        real_total += (prompt + completion) as f64;
        est_cost += s["cost_usd"].as_f64().expect("cost");
        real_cost += cost;
    }
    // Completion lengths are a guess before any answer (the next plan takes them from the
    // cache); prompt tokens and the total are what the plan must get right.
    eprintln!(
        "all tokens: estimated {est_total} / reported {real_total}; cost ${est_cost:.4} / ${real_cost:.4}"
    );
    assert!(
        within(est_total, real_total, 0.20),
        "{est_total} vs {real_total}"
    );
    let info: Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(
        info["plan"]["to_send"].as_u64(),
        Some(jobs),
        "run.json keeps the plan"
    );

    // After the run the cache answers everything: nothing to send, nothing to pay, and the
    // latency comes from the cached answers.
    let again = plan_json(&config).await;
    assert_eq!(again["to_send"], 0);
    assert_eq!(again["cached"].as_u64(), Some(jobs));
    assert_eq!(again["cost_usd"].as_f64(), Some(0.0));
    assert_eq!(again["models"][0]["latency_basis"], "cache");
    let text = bench(args(&["plan"], &config)).await;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("llm/fake/reason_first") && text.contains("answered by the cache"),
        "{text}"
    );
    assert_eq!(server.requests(), jobs, "planning sent a request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_the_estimate_exceeds_is_refused_before_anything_is_sent_or_written() {
    let server = FakeServer::start(realistic).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let price = "price = { input_per_mtok = 1000.0, output_per_mtok = 1000.0 }";
    let config = config(dir.path(), &server.url, "budget_usd = 1.0", price);

    let plan = bench(args(&["plan"], &config)).await;
    let stderr = String::from_utf8_lossy(&plan.stderr);
    assert_eq!(plan.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("budget_usd = 1,") && stderr.contains("the plan estimates $"),
        "{stderr}"
    );

    let run = bench(args(&["run", "--quiet"], &config)).await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert_eq!(server.requests(), 0);
    assert!(
        !dir.path().join("results").exists(),
        "a run folder was written"
    );

    // One lead under one prompt fits.
    let small = bench(args(
        &["run", "--quiet", "--limit", "1", "--only", "zero_shot"],
        &config,
    ))
    .await;
    let stderr = String::from_utf8_lossy(&small.stderr);
    assert!(small.status.success(), "{stderr}");
    assert_eq!(server.requests(), 1);
}
