//! `bench validate`: check the config, its templates, the dataset, keys and endpoints,
//! spending nothing (no completion request is sent).

use std::time::Duration;

use crate::cli::ValidateArgs;
use crate::config::{Config, DatasetSource};
use crate::lead::{LeadReader, Split};
use crate::llm::{KeySource, mask_url_credentials};
use crate::metrics::{PowerPlan, auc_standard_error};
use crate::{EXIT_FAILED, EXIT_OK, Error};

/// Checks everything and prints a line per part; returns 1 when a model cannot be used as
/// configured (its key variable is unset, or its endpoint does not answer and nothing will
/// launch it), 0 when all is well.
pub(crate) fn run(args: &ValidateArgs) -> Result<u8, Error> {
    // Loading compiles every template and renders it against a sample lead.
    let config = Config::load(&args.config)?;
    println!("config {}: ok", args.config.display());
    // Leads the run will evaluate: the test split (or the held-out share of the file).
    let evaluated = match &config.dataset {
        DatasetSource::File(path) => {
            let (mut n, mut gold, mut outcomes, mut test) = (0u64, 0u64, 0u64, None);
            for row in LeadReader::open(path)? {
                let lead = row?.lead;
                n += 1;
                gold += u64::from(lead.gold.is_some());
                outcomes += u64::from(lead.outcome.converted.is_some());
                if let Some(split) = lead.meta.split {
                    *test.get_or_insert(0u64) += u64::from(split == Split::Test);
                }
            }
            println!(
                "dataset {}: {n} leads, {gold} with a gold label, {outcomes} with an outcome",
                path.display()
            );
            test.unwrap_or((n as f64 * config.run.test_fraction).round() as u64)
        }
        DatasetSource::Generate(p) => {
            println!(
                "dataset: generated on the fly, n = {}, seed = {}, label_noise = {}",
                p.n, p.seed, p.label_noise
            );
            (p.n as f64 * p.test_fraction).round() as u64
        }
    };
    println!("{}", power_line(evaluated));
    for spec in &config.prompts {
        println!(
            "prompt {} ({}): renders{}",
            spec.template.name(),
            spec.template.path().display(),
            if spec.template.wants_analysis() {
                ", asks for an analysis field"
            } else {
                ""
            }
        );
        if let Some(n) = spec.top_logprobs {
            println!(
                "prompt {}: logprobs = true, top_logprobs = {n}: every model's answers under it \
                 are also read from their token probabilities (llm/<model>/{}@logprobs; a \
                 model's own logprobs setting comes first)",
                spec.template.name(),
                spec.template.name()
            );
        }
    }
    if config.models.is_empty() {
        return Ok(EXIT_OK);
    }
    let mut problems = Vec::new();
    for m in &config.models {
        if let KeySource::Unset { var } = m.key_source() {
            problems.push(format!(
                "model {}: environment variable {var} is not set (bench run would skip the model)",
                m.name
            ));
        }
    }
    if args.offline {
        for m in &config.models {
            println!(
                "model {}: endpoint {} not checked (--offline)",
                m.name,
                mask_url_credentials(&m.base_url)
            );
        }
        return Ok(report(&problems));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Setup {
            what: "the async runtime",
            source,
        })?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(crate::llm::same_origin_redirects())
        .build()
        .map_err(|e| Error::Setup {
            what: "an HTTP client",
            source: std::io::Error::other(e),
        })?;
    for m in &config.models {
        let key = match (m.key_source(), &m.api_key_env) {
            (KeySource::NotNeeded, _) => "no key needed".to_string(),
            (KeySource::Set(_), Some(var)) => format!("key from {var}: set"),
            (KeySource::Set(_), None) => "key: set".to_string(),
            (KeySource::Unset { var }, _) => format!("key from {var}: NOT SET"),
        };
        // GET /models costs nothing; a key, when set, is sent but never printed.
        let (url, status) = runtime.block_on(crate::llm::probe_models(&client, m));
        let url = mask_url_credentials(&url).into_owned();
        let endpoint = match status {
            Ok(s) if s.is_success() => format!("{url} answers"),
            Ok(s) => {
                problems.push(format!(
                    "model {}: {url} answered HTTP {}",
                    m.name,
                    s.as_u16()
                ));
                format!("{url} answered HTTP {}", s.as_u16())
            }
            Err(_) if m.launch.is_some() => {
                format!("{url} does not answer yet (bench run will launch it)")
            }
            Err(e) => {
                let e = mask_url_credentials(&e.without_url().to_string()).into_owned();
                problems.push(format!("model {}: {url} does not answer: {e}", m.name));
                format!("{url} does not answer: {e}")
            }
        };
        println!("model {}: {key}; {endpoint}", m.name);
        if let Some(n) = m.top_logprobs {
            println!(
                "model {}: logprobs = true, top_logprobs = {n}: its answers are also read from \
                 their token probabilities (llm/{}/<prompt>@logprobs); not checked here, as that \
                 takes a completion: a provider without them answers HTTP 400 (recorded as \
                 api_error, with a hint) or leaves them out (status no_logprobs)",
                m.name, m.name
            );
        }
        if let Some(n) = m.sample {
            let n = n.get() as u64;
            println!("model {}: sample = {n}, so its {}", m.name, power_line(n));
        }
    }
    Ok(report(&problems))
}

/// What a run of `n` evaluated leads can tell apart, before it is run (assumptions stated).
fn power_line(n: u64) -> String {
    let plan = PowerPlan::default();
    let accuracy = plan.paired_min_difference(n as f64, 0.2);
    let (positives, negatives) = (n as f64 * 0.14, n as f64 * 0.86);
    let auc =
        auc_standard_error(0.8, positives, negatives).map(|se| plan.auc_min_difference(se, se));
    let show = |d: Option<f64>| d.map_or("(too few leads)".to_string(), |d| format!("{d:.3}"));
    format!(
        "power: with about {n} evaluated leads, differences in accuracy below {} (paired, if 20 % of leads are right for one scorer only) and in AUC below {} (AUC 0.8, 14 % converting) cannot be told apart at α 0.05 and 80 % power",
        show(accuracy),
        show(auc)
    )
}

/// Prints the problems found on standard error; the exit code they make.
fn report(problems: &[String]) -> u8 {
    for p in problems {
        eprintln!("error: {p}");
    }
    if problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
