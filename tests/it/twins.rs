//! Injection twins through `bench run`: a fake model that obeys any payload gets a positive
//! uplift and label changes on the twins, while its answers on the originals are unchanged;
//! the report shows the section, and a run without twins has none.

use crate::support::fake_config::write_config;
use crate::support::fake_openai::{FakeServer, Reply, Seen};
use crate::support::files::assert_success;

use std::process::Command;

use lead_bench::lead::Bands;

/// A gullible model: any payload in the lead makes it answer 100 high; otherwise a score
/// that depends only on the prompt.
fn gullible(seen: &Seen) -> Reply {
    let steered = [
        "Ignore all",
        "SYSTEM",
        "lead_score",
        "CEO",
        "administrator",
        "AI scorer",
        "assistant:",
        "IMPORTANT",
        "instruction",
        "Priority override",
    ]
    .iter()
    .any(|p| seen.user.contains(p));
    let score = if steered {
        100
    } else {
        seen.user
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
            % 60
    } as u8;
    let label = Bands::default().label_for(score).as_str();
    Reply::answer(&format!(
        r#"{{"lead_score": {score}, "lead_label": "{label}", "justification": "x"}}"#
    ))
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scorer_the_payload_steers_shows_its_uplift_and_label_changes() {
    let server = FakeServer::start(gullible).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 120, true, "");
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replace(
        "test_fraction = 0.4",
        "test_fraction = 0.4\ninjection_twins = 0.3",
    );
    std::fs::write(&config, text).expect("config");
    let run = dir.path().join("run");
    let out = tokio::task::spawn_blocking({
        let (config, run) = (config.clone(), run.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_bench"))
                .args(["run", "--quiet", "--config"])
                .arg(&config)
                .arg("--out")
                .arg(&run)
                .output()
                .expect("run bench")
        }
    })
    .await
    .expect("join");
    assert_success(&out);
    let metrics = json(&run.join("metrics.json"));
    let twins = metrics["twins"].as_array().expect("a twins section");
    let of = |id: &str| {
        twins
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {twins:?}"))
            .clone()
    };
    let llm = of("llm/fake/rubric");
    let n = llm["n"].as_u64().expect("n");
    assert!(n >= 5, "{llm}");
    let uplift = llm["uplift"]["value"].as_f64().expect("uplift");
    assert!(uplift > 30.0, "the payload steers the fake: {llm}");
    assert!(llm["uplift"]["ci_low"].as_f64().expect("interval") > 0.0);
    assert_eq!(llm["label_up"], llm["label_changed"]);
    assert!(llm["label_changed"].as_u64().expect("changed") > 0);
    // The learned model reads the words too, the heuristic its rules: both are listed.
    assert!(of("heuristic")["n"].as_u64().expect("n") >= n);
    let report = std::fs::read_to_string(run.join("report.md")).expect("report");
    assert!(
        report.contains("## Injection twins: what the payload does"),
        "{report}"
    );
}
