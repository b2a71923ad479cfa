//! Tests of config.rs: loading, validation errors naming key and line.
use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("conf/config.toml"))
}

#[test]
fn shipped_config_parses() {
    let text = include_str!("../config.toml");
    let cfg = Config::parse(text, Path::new("config.toml")).expect("shipped config parses");
    assert!(matches!(cfg.dataset, DatasetSource::Generate(_)));
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let err = parse("[run]\nname = \"x\"\nrepeat = 2\n").expect_err("unknown key");
    let msg = err.to_string();
    assert!(msg.contains("conf/config.toml"), "{msg}");
    assert!(msg.contains("line 3"), "{msg}");
    assert!(msg.contains("repeat"), "{msg}");
}

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let cfg = parse("[dataset]\npath = \"data/leads.csv\"\n").expect("parses");
    assert_eq!(
        cfg.dataset,
        DatasetSource::File(PathBuf::from("conf/data/leads.csv"))
    );
    assert_eq!(cfg.run.results_dir, PathBuf::from("conf/results"));
}

#[test]
fn cross_field_errors_name_the_key() {
    let msg = parse("[dataset.generate]\nlabel_noise = 0.9\n")
        .expect_err("noise too high")
        .to_string();
    assert!(msg.contains("dataset.generate.label_noise"), "{msg}");
    let msg = parse("[scoring]\nbands = { high = 30, medium = 40 }\n")
        .expect_err("bands out of order")
        .to_string();
    assert!(msg.contains("scoring.bands"), "{msg}");
    let msg = parse("[dataset]\npath = \"a.csv\"\n[dataset.generate]\nn = 5\n")
        .expect_err("both")
        .to_string();
    assert!(msg.contains("not both"), "{msg}");
}

#[test]
fn key_line_finds_keys_array_items_and_defaults() {
    let text = "[run]\nname = \"x\"\nrepeats = 5\n\n[[models]]\nname = \"a\"\n\n[[models]]\nname = \"b\"\nconcurrency = 7\n";
    assert_eq!(key_line(text, "run.repeats"), Some(3));
    assert_eq!(key_line(text, "models[1].concurrency"), Some(10));
    assert_eq!(key_line(text, "models[0].name"), Some(6));
    // Not written: the closest table that is.
    assert_eq!(key_line(text, "run.seed"), Some(1));
    assert_eq!(key_line(text, "dataset.path"), None);
}

#[test]
fn numbers_out_of_bounds_are_refused_with_key_and_line() {
    let cases = [
        ("[run]\nrepeats = 1000000000\n", "run.repeats", 2),
        (
            "[[models]]\nname = \"m\"\nmodel = \"g\"\nbase_url = \"http://h/v1\"\nconcurrency = 4000000000\n",
            "models[0].concurrency",
            5,
        ),
        (
            "[[models]]\nname = \"m\"\nmodel = \"g\"\nbase_url = \"http://h/v1\"\nmax_retries = 1000\n",
            "models[0].max_retries",
            5,
        ),
        (
            "[[models]]\nname = \"m\"\nmodel = \"g\"\nbase_url = \"http://h/v1\"\nmax_response_bytes = 1\n",
            "models[0].max_response_bytes",
            5,
        ),
        (
            "[dataset.generate]\nn = 100000000000\n",
            "dataset.generate.n",
            2,
        ),
        (
            "[dataset.generate]\n\nlabel_noise = 0.9\n",
            "dataset.generate.label_noise",
            3,
        ),
        (
            "[baselines.heuristic_weights]\nbase = 2000000000\n",
            "baselines.heuristic_weights.base",
            2,
        ),
        (
            "[baselines.learned_options]\nhash_bits = 40\n",
            "baselines.learned_options.hash_bits",
            2,
        ),
        ("[run]\ncache = \"\"\n", "run.cache", 2),
        (
            "[[ensembles]]\nname = \"e\"\nof = [\"heuristic\"]\ncombine = \"median\"\nweights = [1.0]\n",
            "ensembles[0].weights",
            5,
        ),
        (
            "[[ensembles]]\nname = \"e\"\nof = [\"a\"]\n[[ensembles]]\nname = \"e\"\nof = [\"b\"]\n",
            "ensembles[1].name",
            5,
        ),
    ];
    for (text, key, line) in cases {
        let msg = parse(text).expect_err(key).to_string();
        assert!(
            msg.starts_with(&format!("conf/config.toml:{line}: {key}: ")),
            "{key}: {msg}"
        );
    }
}

#[test]
fn a_config_that_is_no_regular_file_is_refused() {
    let msg = Config::load(Path::new("/dev/zero"))
        .expect_err("not a file")
        .to_string();
    assert!(
        msg.contains("/dev/zero") && msg.contains("not a regular file"),
        "{msg}"
    );
}

#[test]
fn a_prompts_logprobs_are_checked_against_every_model() {
    let prompt = |extra: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts/zero_shot.j2");
        format!(
            "[[models]]\nname = \"m\"\nmodel = \"g\"\nbase_url = \"http://h\"\nmax_tokens = 100\n\
             max_response_bytes = 65536\n[[prompts]]\nname = \"z\"\npath = {:?}\n{extra}",
            path.display().to_string()
        )
    };
    let cfg = parse(&prompt("logprobs = true\ntop_logprobs = 3\n")).expect("fits");
    assert_eq!(cfg.prompts[0].top_logprobs, Some(3));
    assert_eq!(
        parse(&prompt("")).expect("parses").prompts[0].top_logprobs,
        None
    );
    let msg = parse(&prompt("logprobs = true\ntop_logprobs = 21\n"))
        .expect_err("over 20")
        .to_string();
    assert!(msg.contains("prompts[0].top_logprobs"), "{msg}");
    // 100 tokens × 11 alternatives do not fit in 64 KiB.
    let msg = parse(&prompt("logprobs = true\n"))
        .expect_err("too large a body")
        .to_string();
    assert!(
        msg.contains("prompts[0].logprobs")
            && msg.contains("model m")
            && msg.contains("max_response_bytes"),
        "{msg}"
    );
}
