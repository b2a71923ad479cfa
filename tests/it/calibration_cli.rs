//! `calibration.json` through the binary: a run on generated leads (heuristic, learned and
//! an ensemble of both) and a run on a CRM export (outcomes, no gold label) each write one,
//! with the fingerprints run.json keeps; the fingerprints computed from the config now
//! match them until a rule changes; `bench report` writes it again.

use std::path::{Path, PathBuf};
use std::process::Command;

use lead_bench::config::Config;
use lead_bench::evaluate::{CalibrationError, MapChoice, RunCalibration};
use lead_bench::pipeline::scorer_fingerprint;
use lead_bench::prediction::ScorerId;
use lead_bench::score::learned::LearnedModel;

fn bench(args: &[&str], paths: &[&Path]) {
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(args)
        .args(paths)
        .output()
        .expect("run bench");
    assert!(
        out.status.success(),
        "bench {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run(config: &Path, out: &Path) {
    bench(
        &["run", "--quiet", "--config"],
        &[config, Path::new("--out"), out],
    );
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("JSON")
}

const GENERATED: &str = "[dataset.generate]\nn = 500\nseed = 5\n\n\
     [[ensembles]]\nname = \"both\"\nof = [\"heuristic\", \"learned\"]\n";

#[test]
fn a_run_keeps_maps_and_fingerprints_that_the_config_reproduces_until_a_rule_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, GENERATED).expect("config");
    let out: PathBuf = dir.path().join("run");
    run(&config_path, &out);

    let manifest = json(&out.join("run.json"));
    let fingerprints = &manifest["fingerprints"];
    for id in ["heuristic", "learned", "ensemble/both"] {
        let fp = fingerprints[id].as_str().unwrap_or_else(|| panic!("{id}"));
        assert!(fp.len() == 64 && fp.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let file = json(&out.join("calibration.json"));
    assert_eq!(file["run_id"], manifest["run_id"]);
    assert_eq!(file["without_outcomes"], serde_json::json!([]));
    let ids: Vec<&str> = file["scorers"]
        .as_array()
        .expect("scorers")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["heuristic", "learned", "ensemble/both"]);
    for s in file["scorers"].as_array().expect("scorers") {
        assert_eq!(
            s["fingerprint"],
            fingerprints[s["id"].as_str().expect("id")]
        );
        assert!(
            s["isotonic"]["x"].is_array() && s["platt"]["a"].is_f64(),
            "{s}"
        );
        assert!(s["capacity"]["cut_off"].is_f64() && s["capacity"]["k"].is_u64());
        assert_eq!(s["capacity"]["setting"], manifest["capacity"]);
    }

    // `bench score --calibration` as it will be: fingerprints from the config as it is now.
    let config = Config::load(&config_path).expect("config");
    let model = LearnedModel::load(&out.join("learned-model.json")).expect("model");
    let calibration = RunCalibration::load(&out).expect("calibration.json");
    for id in ["heuristic", "learned", "ensemble/both"] {
        let now = scorer_fingerprint(&config, &ScorerId::from(id), Some(&model));
        let map = calibration
            .for_scorer(id, now.as_deref())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let p = map.p_convert(80.0, MapChoice::Best).expect("a probability");
        assert!((0.0..=1.0).contains(&p));
        let cut = map.capacity.cut_off;
        assert!(map.routes_to_sales(cut) && !map.routes_to_sales(cut - 0.5));
    }
    // A point override later, the heuristic (and the ensemble of it) is refused.
    let changed = format!("{GENERATED}\n[baselines.heuristic_weights]\nintent_pricing = 30\n");
    std::fs::write(&config_path, changed).expect("config");
    let config = Config::load(&config_path).expect("config");
    for id in ["heuristic", "ensemble/both"] {
        let now = scorer_fingerprint(&config, &ScorerId::from(id), Some(&model));
        let err = calibration
            .for_scorer(id, now.as_deref())
            .expect_err("changed");
        assert!(matches!(err, CalibrationError::Changed { .. }), "{err}");
        assert!(err.to_string().contains("re-run `bench run`"), "{err}");
    }
    let now = scorer_fingerprint(&config, &ScorerId::Learned, Some(&model));
    assert!(calibration.for_scorer("learned", now.as_deref()).is_ok());

    // `bench report` writes it again.
    std::fs::remove_file(out.join("calibration.json")).expect("remove");
    bench(&["report"], &[&out]);
    assert_eq!(json(&out.join("calibration.json")), file);
}

#[test]
fn a_crm_export_with_outcomes_and_no_labels_gets_calibration_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = String::from(
        "lead_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,source,converted\n",
    );
    for i in 0..300 {
        let buyer = i % 3 == 0;
        let converted = if buyer { i % 2 == 0 } else { i % 13 == 0 };
        let (size, title, message) = if buyer {
            (
                "2000",
                "Director of IT",
                "We need pricing and SSO this quarter.",
            )
        } else {
            (
                "8",
                "Student",
                "Just curious how this works for my class project.",
            )
        };
        csv.push_str(&format!(
            "c{i},Company {i},{size},c{i}.example,software,{title},,\"{message}\",referral,{}\n",
            if converted { "yes" } else { "no" }
        ));
    }
    std::fs::write(dir.path().join("crm.csv"), csv).expect("crm export");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[dataset]\npath = \"crm.csv\"\n[baselines]\nlearned = false\n[scoring]\ncapacity_leads = 30\n",
    )
    .expect("config");
    let out = dir.path().join("run");
    run(&config, &out);
    let calibration = RunCalibration::load(&out).expect("calibration.json");
    let [h] = &calibration.scorers[..] else {
        panic!("the heuristic alone: {calibration:?}")
    };
    assert_eq!(h.id, "heuristic");
    let manifest = json(&out.join("run.json"));
    assert_eq!(
        h.fingerprint.as_deref(),
        manifest["fingerprints"]["heuristic"].as_str()
    );
    // Every evaluated lead with an outcome is scored; 30 of them are worked.
    let metrics = json(&out.join("metrics.json"));
    assert_eq!(Some(h.n), metrics["outcomes"]["n"].as_u64());
    assert_eq!(h.capacity.k, 30);
    let cut = metrics["outcomes"]["scorers"][0]["capacity"]["cutoff"].as_f64();
    assert_eq!(Some(h.capacity.cut_off), cut);
    assert!(h.isotonic.is_some());
}
