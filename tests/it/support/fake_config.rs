//! The config most `bench run` tests against the fake OpenAI server use.

use std::path::{Path, PathBuf};

pub fn prompt(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("prompts")
        .join(format!("{name}.j2"));
    format!("{:?}", p.display().to_string())
}

/// A config in `dir`: `n` generated leads (40 % test), the given baselines, one model at
/// `url` under two prompts.
pub fn write_config(dir: &Path, url: &str, n: u32, baselines: bool, model_extra: &str) -> PathBuf {
    let text = format!(
        r#"
[run]
name = "t"
results_dir = "results"
cache = "cache.sqlite"
[dataset.generate]
n = {n}
seed = 5
test_fraction = 0.4
[baselines]
heuristic = {baselines}
learned = {baselines}
[[models]]
name = "fake"
model = "fake-model"
base_url = "{url}"
structured_output = "json_object"
max_retries = 2
timeout_s = 10
{model_extra}
[[prompts]]
name = "zero_shot"
path = {zs}
[[prompts]]
name = "rubric"
path = {rb}
"#,
        zs = prompt("zero_shot"),
        rb = prompt("rubric"),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}
