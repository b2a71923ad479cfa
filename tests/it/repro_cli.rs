//! Reproducible runs through the binary: a run folder keeps the prompt templates and
//! heuristic rules it used, with their SHA-256 in run.json; `bench compare` names the prompt
//! that changed between two runs, says "not recorded" for a run from before runs kept them,
//! and writes into `results/compare-<timestamp>/` when no `--out` is given.

use crate::support::fake_openai;

use std::path::{Path, PathBuf};
use std::process::Command;

use fake_openai::{FakeServer, Reply};
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A config in `dir` with its own copies of two shipped prompts, a rules file and a weight.
fn write_config(dir: &Path, url: &str) -> PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
    std::fs::create_dir_all(dir.join("p")).expect("mkdir");
    for name in ["zero_shot", "rubric"] {
        let to = dir.join("p").join(format!("{name}.j2"));
        std::fs::copy(shipped.join(format!("{name}.j2")), to).expect("copy prompt");
    }
    std::fs::write(dir.join("my_rules.toml"), "# extends the shipped table\n").expect("rules");
    let text = format!(
        r#"
[run]
name = "t"
results_dir = "results"
cache = "cache.sqlite"
[dataset.generate]
n = 30
seed = 5
test_fraction = 0.4
[baselines]
heuristic = true
learned = false
heuristic_rules = "my_rules.toml"
[baselines.heuristic_weights]
base = 3
[[models]]
name = "fake"
model = "fake-model"
base_url = "{url}"
structured_output = "json_object"
max_retries = 0
timeout_s = 10
[[prompts]]
name = "zero_shot"
path = "p/zero_shot.j2"
[[prompts]]
name = "rubric"
path = "p/rubric.j2"
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Runs `bench ARGS…` in `cwd`, off the async runtime (the fake server lives on it).
async fn bench_in(cwd: &Path, args: &[&str]) -> std::process::Output {
    let (cwd, args) = (cwd.to_path_buf(), args.iter().map(|a| a.to_string()));
    let args: Vec<String> = args.collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.current_dir(cwd).args(args);
    crate::support::cli::output(cmd).await
}

/// Runs the config in `dir`, returns the run folder (the last line of standard output).
async fn run(dir: &Path) -> PathBuf {
    let out = bench_in(dir, &["run", "--quiet", "--config", "config.toml"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    dir.join(stdout.lines().last().expect("a last line").trim())
}

fn run_json(run: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(run.join("run.json")).expect("run.json");
    serde_json::from_str(&text).expect("json")
}

/// Checks that run.json's record `kept` names a file of the run whose bytes hash to its
/// `sha256`, and returns those bytes.
fn kept_bytes(run: &Path, kept: &serde_json::Value) -> Vec<u8> {
    let file = kept["file"].as_str().expect("file");
    let bytes = std::fs::read(run.join(file)).expect("the kept copy");
    assert_eq!(
        kept["sha256"].as_str(),
        Some(sha256_hex(&bytes).as_str()),
        "{file}"
    );
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_keeps_its_prompts_and_rules_and_compare_names_the_changed_prompt() {
    let server = FakeServer::start(|_| {
        Reply::answer(r#"{"lead_score": 82, "lead_label": "high", "justification": "x"}"#)
    })
    .await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_config(dir, &server.url);
    let first = run(dir).await;

    // The copies are the files the config named, byte for byte, and run.json hashes them.
    let manifest = run_json(&first);
    for name in ["zero_shot", "rubric"] {
        let kept = &manifest["prompts"][name];
        assert_eq!(kept["file"], format!("prompts/{name}.j2"));
        let original = std::fs::read(dir.join("p").join(format!("{name}.j2"))).expect("read");
        assert_eq!(kept_bytes(&first, kept), original, "{name}");
    }
    let rules = &manifest["heuristic_rules"];
    assert_eq!(rules["built_in"]["source"], "built-in");
    let built_in = kept_bytes(&first, &rules["built_in"]);
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/score/heuristic/rules.toml");
    assert_eq!(built_in, std::fs::read(shipped).expect("shipped rules"));
    assert_eq!(rules["file"]["file"], "rules/heuristic_rules.toml");
    let file = kept_bytes(&first, &rules["file"]);
    assert_eq!(
        file,
        std::fs::read(dir.join("my_rules.toml")).expect("rules")
    );
    assert_eq!(rules["weights"], serde_json::json!({"base": 3}));
    assert_eq!(rules["sha256"].as_str().map(str::len), Some(64));

    // An edited prompt: the second run keeps the new text, and compare names it.
    let rubric = dir.join("p/rubric.j2");
    let mut text = std::fs::read_to_string(&rubric).expect("read");
    text.push_str("{# stricter about students #}\n");
    std::fs::write(&rubric, &text).expect("edit the prompt");
    let second = run(dir).await;
    let kept = &run_json(&second)["prompts"]["rubric"];
    assert_eq!(kept_bytes(&second, kept), text.as_bytes());

    let (a, b) = (first.to_string_lossy(), second.to_string_lossy());
    let out = bench_in(dir, &["compare", "--resamples", "20", &a, &b]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("## Prompts and rules"), "{stdout}");
    assert!(stdout.contains("differ in prompt `rubric`."), "{stdout}");
    let row = |input: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {input} |")))
            .unwrap_or_else(|| panic!("no row for {input}: {stdout}"))
            .to_string()
    };
    assert!(row("prompt `rubric`").ends_with("| **differs** |"));
    assert!(row("prompt `zero_shot`").ends_with("| same |"));
    assert!(row("heuristic rules").ends_with("| same |"));

    // No --out: a new results/compare-<timestamp>/ under the current directory, nothing
    // written into the current directory itself.
    assert!(!dir.join("compare.md").exists() && !dir.join("compare.html").exists());
    let made: Vec<PathBuf> = std::fs::read_dir(dir.join("results"))
        .expect("results")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("compare-20"))
        })
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    let md = std::fs::read_to_string(made[0].join("compare.md")).expect("compare.md");
    assert!(md.contains("differ in prompt `rubric`."), "{md}");
    assert!(made[0].join("compare.html").is_file());

    // A run from before runs kept their inputs: "not recorded", never "same".
    let mut old = run_json(&first);
    let obj = old.as_object_mut().expect("an object");
    obj.remove("prompts");
    obj.remove("heuristic_rules");
    std::fs::write(first.join("run.json"), old.to_string()).expect("write");
    let out_dir = dir.join("explicit");
    let o = out_dir.to_string_lossy();
    let out = bench_in(dir, &["compare", "--resamples", "20", "--out", &o, &a, &b]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(out_dir.join("compare.md")).expect("--out is kept");
    assert!(md.contains("prompts and rules not recorded"), "{md}");
    assert!(md.contains("| prompt `rubric` | not recorded |"), "{md}");
    assert!(!md.contains("| same |"), "{md}");
}
