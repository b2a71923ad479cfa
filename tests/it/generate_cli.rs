//! `bench generate` end to end: CSV and sidecar, config keys and flags, bad parameters.

use assert_cmd::Command;
use lead_bench::generate::GenerateParams;
use lead_bench::lead::Format;
use predicates::str::contains;

use crate::support::files::sidecar;
use crate::support::generated_bytes;
use generated_bytes::bytes;

#[test]
fn writes_csv_and_sidecar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("leads.csv");
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args([
            "generate",
            "--n",
            "250",
            "--seed",
            "3",
            "--label-noise",
            "0.1",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("250 leads"));
    let rows = lead_bench::lead::read_leads(&out).expect("the output reads back");
    assert_eq!(rows.len(), 250);
    // The command's two-thread pipeline writes exactly what the library generates.
    let p = GenerateParams {
        n: 250,
        seed: 3,
        label_noise: 0.1,
        ..Default::default()
    };
    assert!(std::fs::read(&out).expect("csv") == bytes(&p, Format::Csv));
    let meta = sidecar(&out);
    assert_eq!(meta["counts"]["n"], 250);
    assert_eq!(meta["seed"], 3);
    assert_eq!(meta["params"]["label_noise"], 0.1);
    assert_eq!(meta["tool_version"], env!("CARGO_PKG_VERSION"));
    let by_label: u64 = ["high", "medium", "low"]
        .iter()
        .map(|l| meta["counts"]["labels"][l].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(by_label, 250);
}

#[test]
fn config_keys_apply_and_flags_override_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[dataset.generate]\nn = 40\nseed = 9\nlabel_noise = 0.0\n",
    )
    .expect("config");
    let out = dir.path().join("g.jsonl");
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["generate", "--seed", "11", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).expect("jsonl");
    assert_eq!(text.lines().count(), 40);
    assert!(text.starts_with('{'));
    let meta = std::fs::read_to_string(dir.path().join("g.meta.json")).expect("sidecar");
    assert!(
        meta.contains("\"seed\": 11") && meta.contains("\"format\": \"jsonl\""),
        "{meta}"
    );
}

#[test]
fn bad_parameters_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("x.csv");
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["generate", "--n", "10", "--label-noise", "0.9", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("--label-noise"));
    assert!(!out.exists());
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["generate", "--mix", "1,2", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("--mix"));
}

#[test]
fn twins_flag_adds_injection_twins_counted_in_the_sidecar_and_a_bad_value_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("leads.csv");
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args([
            "generate",
            "--n",
            "200",
            "--seed",
            "4",
            "--twins",
            "injection=0.25",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let leads = lead_bench::lead::read_leads(&out).expect("the output reads back");
    let twins = leads
        .iter()
        .filter(|l| lead_bench::lead::twin_of(&l.lead_id).is_some())
        .count();
    assert_eq!(leads.len(), 200 + twins);
    assert!(twins > 20, "{twins}");
    // Exactly what the library generates with the same parameters.
    let p = GenerateParams {
        n: 200,
        seed: 4,
        injection_twins: 0.25,
        ..Default::default()
    };
    assert!(std::fs::read(&out).expect("csv") == bytes(&p, Format::Csv));
    let sidecar = sidecar(&out);
    let text = sidecar.to_string();
    assert!(
        text.contains(&format!("\"injection_twins\":{twins}")),
        "{text}"
    );

    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["generate", "--n", "10", "--twins", "prompt=0.1", "--out"])
        .arg(dir.path().join("bad.csv"))
        .assert()
        .code(2)
        .stderr(contains("injection=SHARE"));
    Command::cargo_bin("bench")
        .expect("bench binary")
        .args(["generate", "--n", "10", "--twins", "injection=1.5", "--out"])
        .arg(dir.path().join("bad.csv"))
        .assert()
        .code(2)
        .stderr(contains("injection-twins"));
}
