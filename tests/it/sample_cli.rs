//! A model with `sample = N` through `bench run` against a fake server: it is asked about N
//! of the evaluated leads (the same N for every prompt, the same on a re-run), the plan
//! counts N jobs per prompt, run.json names the sampled scorers, and the report judges them
//! on their leads: their n is N, nothing is "missing", their pairs use the shared leads;
//! run.json keeps the LLM scorers' fingerprints and calibration.json maps them on their
//! sample.

use crate::support::cli::bench;
use crate::support::fake_config::write_config;
use crate::support::fake_openai::{FakeServer, Reply};

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use lead_bench::prediction::read_predictions_csv;

const SAMPLE: usize = 12;

fn leads_by_scorer(run: &Path) -> HashMap<String, BTreeSet<String>> {
    let preds = read_predictions_csv(&run.join("predictions.csv")).expect("predictions");
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for p in preds {
        out.entry(p.scorer).or_default().insert(p.lead_id);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sampled_model_is_asked_about_its_sample_and_judged_on_it() {
    let server = FakeServer::start(|_| {
        Reply::answer(r#"{"lead_score": 82, "lead_label": "high", "justification": "fit"}"#)
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &server.url,
        150,
        true,
        &format!("sample = {SAMPLE}"),
    );
    let config = config.display().to_string();

    let plan = bench(vec!["plan".into(), "--config".into(), config.clone()]).await;
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let plan_text =
        String::from_utf8_lossy(&plan.stdout).to_string() + &String::from_utf8_lossy(&plan.stderr);
    assert!(
        plan_text.contains(&format!("plan: {} requests to send", 2 * SAMPLE)),
        "the plan counts {SAMPLE} jobs per prompt:\n{plan_text}"
    );

    let run_in = |out: &str| {
        vec![
            "run".into(),
            "--quiet".into(),
            "--config".into(),
            config.clone(),
            "--out".into(),
            dir.path().join(out).display().to_string(),
        ]
    };
    let out = bench(run_in("first")).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = dir.path().join("first");
    let by = leads_by_scorer(&run);
    let (zs, rb) = (&by["llm/fake/zero_shot"], &by["llm/fake/rubric"]);
    assert_eq!(zs.len(), SAMPLE);
    assert_eq!(
        zs, rb,
        "every prompt of the model is asked about the same leads"
    );
    assert!(
        by["heuristic"].len() > 3 * SAMPLE,
        "the baselines score every test lead"
    );
    assert!(zs.is_subset(&by["heuristic"]));
    assert_eq!(server.requests(), 2 * SAMPLE as u64);

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(manifest["sampled"]["llm/fake/zero_shot"], SAMPLE);
    assert!(manifest["sampled"].get("heuristic").is_none());

    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.join("metrics.json")).expect("metrics.json"),
    )
    .expect("json");
    let scorer = |id: &str| {
        metrics["scorers"]
            .as_array()
            .expect("scorers")
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id} in metrics"))
            .clone()
    };
    let llm = scorer("llm/fake/zero_shot");
    assert_eq!(llm["n"], SAMPLE);
    assert_eq!(llm["operations"]["leads"], SAMPLE);
    assert_eq!(llm["operations"]["missing"], 0);
    assert_eq!(llm["coverage"]["value"], 1.0);
    let n_all = scorer("heuristic")["n"].as_u64().expect("n");
    assert!(n_all > SAMPLE as u64);
    let pair = metrics["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| p["a"] == "llm/fake/zero_shot" && p["b"] == "heuristic")
        .expect("llm vs heuristic")
        .clone();
    assert_eq!(
        pair["n"], SAMPLE,
        "paired on the leads both were asked about"
    );
    let report = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(report.contains("Asked about a sample"), "{report}");

    // The fingerprints the config gives now are those of the run; the sampled scorer is
    // mapped on its sample's scored leads (every answer 82: the cut-off too).
    let now = lead_bench::config::Config::load(Path::new(&config)).expect("config");
    for id in ["heuristic", "llm/fake/zero_shot", "llm/fake/rubric"] {
        let id_now = lead_bench::prediction::ScorerId::from(id);
        let fp = lead_bench::pipeline::scorer_fingerprint(&now, &id_now, None);
        assert!(fp.is_some(), "{id}");
        assert_eq!(manifest["fingerprints"][id].as_str(), fp.as_deref(), "{id}");
    }
    let calibration = lead_bench::evaluate::RunCalibration::load(&run).expect("calibration");
    let map = calibration
        .for_scorer(
            "llm/fake/zero_shot",
            manifest["fingerprints"]["llm/fake/zero_shot"].as_str(),
        )
        .expect("a map of the sampled scorer");
    let ranker = metrics["outcomes"]["scorers"]
        .as_array()
        .expect("outcome rankers")
        .iter()
        .find(|s| s["id"] == "llm/fake/zero_shot")
        .expect("the sampled scorer against outcomes");
    assert_eq!(Some(map.n), ranker["n_scored"].as_u64());
    assert!(map.n <= SAMPLE as u64);
    assert_eq!(map.capacity.cut_off, 82.0);

    // The same sample on a re-run (from the cache: nothing is sent again).
    let out = bench(run_in("second")).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        leads_by_scorer(&dir.path().join("second"))["llm/fake/zero_shot"],
        *zs
    );
    assert_eq!(server.requests(), 2 * SAMPLE as u64);
}

/// The sample is the leads with the smallest SHA-256 of `<seed>:<lead_id>`: independent of
/// the order of the leads, and a larger sample holds a smaller one.
#[test]
fn samples_are_nested_and_do_not_depend_on_lead_order() {
    use lead_bench::lead::Lead;
    use lead_bench::llm::sample_leads;

    let leads: Vec<Lead> = crate::support::synthetic::synthetic_leads(60, 3, 0.0);
    let refs: Vec<&Lead> = leads.iter().collect();
    let ids = |idx: Vec<u32>, from: &[&Lead]| -> BTreeSet<String> {
        idx.iter()
            .map(|&i| from[i as usize].lead_id.clone())
            .collect()
    };
    let small = ids(sample_leads(&refs, 10, 42), &refs);
    let large = ids(sample_leads(&refs, 25, 42), &refs);
    assert_eq!(small.len(), 10);
    assert!(small.is_subset(&large));
    let mut reversed = refs.clone();
    reversed.reverse();
    assert_eq!(ids(sample_leads(&reversed, 10, 42), &reversed), small);
    assert_ne!(
        ids(sample_leads(&refs, 10, 43), &refs),
        small,
        "the seed picks"
    );
}
