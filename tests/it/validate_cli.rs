//! `bench validate` and config errors: exit code 2 with the file, line and key named.

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn bench() -> Command {
    Command::cargo_bin("bench").expect("bench binary")
}

#[test]
fn shipped_config_validates_and_renders_every_prompt() {
    bench()
        .args(["validate", "--config", "config.toml"])
        .assert()
        .success()
        .stdout(
            contains("prompt zero_shot (")
                .and(contains("prompt rubric ("))
                .and(contains("power: with about 1000 evaluated leads"))
                .and(contains(
                    "model smollm2-135m: sample = 40, so its power: with about 40",
                ))
                .and(contains("model smollm2-135m: no key needed")),
        );
}

#[test]
fn a_broken_template_names_its_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("broken.j2"),
        "{% block system %}You score leads.{% endblock %}\n{% block user %}\nLead: {{ lead.company_name }\n{% endblock %}\n",
    )
    .expect("template");
    std::fs::write(
        dir.path().join("config.toml"),
        "[[prompts]]\nname = \"broken\"\npath = \"broken.j2\"\n",
    )
    .expect("config");
    bench()
        .args(["validate", "--config"])
        .arg(dir.path().join("config.toml"))
        .assert()
        .code(2)
        .stderr(contains("prompts[0]").and(contains("broken.j2:3")));
}

#[test]
fn an_unknown_key_names_the_key_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[run]\nname = \"x\"\n\n[[models]]\nname = \"m\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:9/v1\"\ntemprature = 0.5\n",
    )
    .expect("config");
    bench()
        .args(["run", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(
            contains("config.toml")
                .and(contains("line 8"))
                .and(contains("temprature")),
        );
    assert!(
        !dir.path().join("results").exists(),
        "nothing written on a config error"
    );
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn validate_fails_on_an_unreachable_endpoint_or_an_unset_key_and_masks_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    let cfg = write(
        dir.path(),
        "config.toml",
        &format!(
            "[[models]]\nname = \"m\"\nmodel = \"m\"\nbase_url = \"http://alice:s3cret-pass@127.0.0.1:9/v1\"\napi_key_env = \"LEAD_BENCH_UNSET_KEY\"\n[[prompts]]\nname = \"zs\"\npath = {:?}\n",
            concat!(env!("CARGO_MANIFEST_DIR"), "/prompts/zero_shot.j2")
        ),
    );
    let out = bench()
        .args(["validate", "--config"])
        .arg(&cfg)
        .env_remove("LEAD_BENCH_UNSET_KEY")
        .assert()
        .code(1)
        .stderr(contains("does not answer").and(contains("LEAD_BENCH_UNSET_KEY is not set")))
        .get_output()
        .clone();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("s3cret") && !all.contains("alice"), "{all}");
    assert!(all.contains("http://***@127.0.0.1:9/v1"), "{all}");
    // --offline skips the endpoint, not the key.
    bench()
        .args(["validate", "--offline", "--config"])
        .arg(&cfg)
        .env_remove("LEAD_BENCH_UNSET_KEY")
        .assert()
        .code(1)
        .stderr(contains("LEAD_BENCH_UNSET_KEY").and(contains("does not answer").not()));
    bench()
        .args(["validate", "--offline", "--config"])
        .arg(&cfg)
        .env("LEAD_BENCH_UNSET_KEY", "sk-x")
        .assert()
        .success()
        .stdout(contains("not checked (--offline)"));
}

#[test]
fn runaway_templates_and_out_of_bounds_numbers_exit_2_in_validate_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "runaway.j2",
        "{% block system %}\n{% set s = namespace(v='ab') %}\n{% for i in range(60) %}{% set s.v = s.v ~ s.v %}{% endfor %}\n{% endblock %}\n{% block user %}x{% endblock %}\n",
    );
    let cfg = write(
        dir.path(),
        "config.toml",
        "[[prompts]]\nname = \"r\"\npath = \"runaway.j2\"\n",
    );
    for cmd in ["validate", "run"] {
        bench()
            .args([cmd, "--config"])
            .arg(&cfg)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(2)
            .stderr(contains("runaway.j2:3").and(contains("more work than one prompt")));
    }
    let cfg = write(
        dir.path(),
        "bounds.toml",
        "[run]\nname = \"x\"\nrepeats = 1000000000\n",
    );
    for cmd in ["validate", "run"] {
        bench()
            .args([cmd, "--config"])
            .arg(&cfg)
            .assert()
            .code(2)
            .stderr(contains("bounds.toml:3: run.repeats: expected 1 to 100"));
    }
    assert!(!dir.path().join("results").exists());
}

#[test]
fn a_foreign_sqlite_file_as_cache_is_exit_1_in_run_and_clear_cache_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crm.sqlite");
    rusqlite::Connection::open(&db)
        .expect("create")
        .execute_batch("CREATE TABLE contacts (id INTEGER PRIMARY KEY);")
        .expect("schema");
    let before = std::fs::read(&db).expect("read");
    let cfg = write(
        dir.path(),
        "config.toml",
        &format!(
            "[run]\ncache = \"crm.sqlite\"\n[dataset.generate]\nn = 20\n[[models]]\nname = \"m\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:9/v1\"\n[[prompts]]\nname = \"zs\"\npath = {:?}\n",
            concat!(env!("CARGO_MANIFEST_DIR"), "/prompts/zero_shot.j2")
        ),
    );
    for cmd in ["clear-cache", "run"] {
        bench()
            .args([cmd, "--config"])
            .arg(&cfg)
            .assert()
            .code(1)
            .stderr(contains("crm.sqlite").and(contains("not a bench answer cache")));
    }
    assert_eq!(std::fs::read(&db).expect("read"), before);
    assert!(
        !dir.path().join("results").exists(),
        "the run wrote before failing"
    );
}
