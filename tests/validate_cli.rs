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
