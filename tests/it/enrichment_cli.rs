//! Enrichment through the binary: `bench generate --enrich` and `enrich = true` write what
//! the library generates and say so in the sidecar; a user file with a bad enrichment cell
//! exits 2 naming its row and column.

use std::fs;

use assert_cmd::Command;
use lead_bench::generate::GenerateParams;
use lead_bench::lead::Format;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::files::sidecar;
use crate::support::generated_bytes::bytes;

fn bench() -> Command {
    Command::cargo_bin("bench").expect("bench binary")
}

#[test]
fn enrich_flag_and_config_key_write_the_library_s_bytes_and_the_sidecar_records_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let enriched = GenerateParams {
        n: 300,
        seed: 5,
        enrich: true,
        ..Default::default()
    };
    for (stem, format) in [("e", Format::Csv), ("j", Format::Jsonl)] {
        let ext = if format == Format::Csv {
            "csv"
        } else {
            "jsonl"
        };
        let out = dir.path().join(format!("{stem}.{ext}"));
        bench()
            .args(["generate", "--n", "300", "--seed", "5", "--enrich", "--out"])
            .arg(&out)
            .assert()
            .success();
        assert!(fs::read(&out).expect("data") == bytes(&enriched, format));
        assert_eq!(sidecar(&out)["params"]["enrich"], true);
    }

    let config = dir.path().join("config.toml");
    fs::write(
        &config,
        "[dataset.generate]\nn = 300\nseed = 5\nenrich = true\n",
    )
    .expect("cfg");
    let out = dir.path().join("c.csv");
    bench()
        .args(["generate", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(fs::read(&out).expect("data") == bytes(&enriched, Format::Csv));

    // Without it, neither the data nor the sidecar mention enrichment.
    let out = dir.path().join("p.csv");
    bench()
        .args(["generate", "--n", "300", "--seed", "5", "--out"])
        .arg(&out)
        .assert()
        .success();
    let plain = GenerateParams {
        enrich: false,
        ..enriched.clone()
    };
    assert!(fs::read(&out).expect("data") == bytes(&plain, Format::Csv));
    assert!(
        sidecar(&dir.path().join("p.csv"))["params"]
            .get("enrich")
            .is_none()
    );
}

#[test]
fn a_bad_enrich_key_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    fs::write(&config, "[dataset.generate]\nn = 10\nenrich = \"yes\"\n").expect("cfg");
    bench()
        .args(["generate", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("x.csv"))
        .assert()
        .code(2)
        .stderr(contains("config.toml").and(contains("enrich")));
}

/// A technology name past the 64 characters one may have.
const LONG_TECH: &str =
    "aws;an-internal-platform-whose-name-runs-on-and-on-well-past-any-real-product";

const HEADER: &str = "company_name,company_size,domain,industry,job_title,seniority,\
inbound_message,source,revenue_band,hq_country,funding_stage,tech_stack,employee_growth_pct\n";

#[test]
fn enriched_user_files_score_and_bad_cells_exit_2_naming_row_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.csv");
    fs::write(
        &good,
        format!(
            "{HEADER}Acme,1200,acme.com,Software,VP Engineering,vp,need pricing,referral,\
             $50M - 250M,de,Series B,aws; snowflake,35%\n\
             Beta,,,,,,hi,,,,,,\n"
        ),
    )
    .expect("input");
    let out = dir.path().join("scored.csv");
    bench()
        .args(["score", "--scorer", "heuristic", "--input"])
        .arg(&good)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&out).expect("out").lines().count(), 3);

    let cases = [
        (
            "huge",
            "",
            "",
            "",
            "",
            "row 1, column `revenue_band`: expected a revenue band",
        ),
        (
            "",
            "UK",
            "",
            "",
            "",
            "row 1, column `hq_country`: expected an ISO 3166-1",
        ),
        (
            "",
            "",
            "ipo",
            "",
            "",
            "row 1, column `funding_stage`: expected a funding stage",
        ),
        (
            "",
            "",
            "",
            LONG_TECH,
            "",
            "row 1, column `tech_stack`: expected a `;`-separated list",
        ),
        (
            "",
            "",
            "",
            "",
            "fast",
            "row 1, column `employee_growth_pct`: expected",
        ),
        (
            "",
            "",
            "",
            "",
            "-150",
            "row 1, column `employee_growth_pct`: expected",
        ),
    ];
    for (band, country, stage, stack, growth, expected) in cases {
        let input = dir.path().join("bad.csv");
        fs::write(
            &input,
            format!(
                "{HEADER}A,10,a.io,SaaS,CEO,c-suite,hi,blog,{band},{country},{stage},{stack},{growth}\n"
            ),
        )
        .expect("input");
        let out = dir.path().join("bad-scored.csv");
        bench()
            .args(["score", "--scorer", "heuristic", "--input"])
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(contains(format!("bad.csv:2: {expected}")));
        assert!(!out.exists(), "nothing written for {expected}");
    }

    let jsonl = dir.path().join("bad.jsonl");
    fs::write(
        &jsonl,
        "{\"company_name\":\"A\",\"company_size\":10,\"domain\":\"\",\"industry\":\"\",\
         \"job_title\":\"\",\"seniority\":\"\",\"inbound_message\":\"hi\",\"source\":\"\",\
         \"tech_stack\":[\"aws\"]}\n\
         {\"company_name\":\"B\",\"company_size\":10,\"domain\":\"\",\"industry\":\"\",\
         \"job_title\":\"\",\"seniority\":\"\",\"inbound_message\":\"hi\",\"source\":\"\",\
         \"funding_stage\":\"unicorn\"}\n",
    )
    .expect("input");
    bench()
        .args(["score", "--scorer", "heuristic", "--input"])
        .arg(&jsonl)
        .arg("--out")
        .arg(dir.path().join("j.jsonl"))
        .assert()
        .code(2)
        .stderr(contains("bad.jsonl:2: row 2, column `funding_stage`"));
}
