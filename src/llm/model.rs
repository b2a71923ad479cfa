//! One `[[models]]` entry of `config.toml`: the raw serde struct as typed (unknown keys are
//! errors) and the validated [`ModelSettings`] the runner works with.

use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use serde::Deserialize;

use super::secret::{ApiKey, KeyRing};

/// How a model is asked to answer in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredOutput {
    /// OpenAI structured outputs: `{"type": "json_schema", "json_schema": {.., "strict": true}}`.
    JsonSchema,
    /// JSON mode; the schema, when there is one, rides along the way llama.cpp's server
    /// takes it: `{"type": "json_object", "schema": {...}}`. Servers that do not know the
    /// `schema` key ignore it.
    JsonObject,
    /// No `response_format`: the answer parser reads the text.
    None,
}

/// `price = { input_per_mtok, output_per_mtok, cached_input_per_mtok }`, in US dollars per
/// million tokens; prompt tokens the provider served from its prompt cache are billed at
/// `cached_input_per_mtok` (the input price when it is not given).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    #[serde(default)]
    pub cached_input_per_mtok: Option<f64>,
}

impl Price {
    /// Cost in US dollars of one request with these token counts (none cached).
    pub fn cost(&self, prompt_tokens: u32, completion_tokens: u32) -> f64 {
        self.cost_with_cached(prompt_tokens, 0, completion_tokens)
    }

    /// Cost in US dollars of one request of which `cached` prompt tokens (at most all of
    /// them) came from the provider's prompt cache.
    pub fn cost_with_cached(&self, prompt_tokens: u32, cached: u32, completion_tokens: u32) -> f64 {
        let cached = cached.min(prompt_tokens);
        let cached_price = self.cached_input_per_mtok.unwrap_or(self.input_per_mtok);
        self.cost_for(
            f64::from(prompt_tokens - cached),
            f64::from(completion_tokens),
        ) + f64::from(cached) * cached_price / 1_000_000.0
    }

    /// Cost in US dollars of token totals (of many requests, none cached).
    pub fn cost_for(&self, prompt_tokens: f64, completion_tokens: f64) -> f64 {
        (prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok)
            / 1_000_000.0
    }
}

/// A `[[models]]` table as typed. Defaults are those of the shipped config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModelSettings {
    pub name: String,
    pub model: String,
    pub base_url: String,
    /// Name of the environment variable holding the key; absent or empty: send no key
    /// (local servers such as llama.cpp need none).
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default = "default_structured_output")]
    pub structured_output: StructuredOutput,
    #[serde(default)]
    pub rpm: Option<u32>,
    #[serde(default)]
    pub tpm: Option<u32>,
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Without `rpm`, find the server's pace below `concurrency` (AIMD on 429s).
    #[serde(default = "default_adaptive")]
    pub adaptive_concurrency: bool,
    #[serde(default = "default_timeout_s")]
    pub timeout_s: f64,
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// 0 when not given; a reasoning model is sent none.
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// A reasoning model (OpenAI's o-series and later): requests carry
    /// `max_completion_tokens` instead of `max_tokens` and no `temperature`, both of which
    /// such models refuse.
    #[serde(default)]
    pub reasoning: bool,
    #[serde(default)]
    pub price: Option<Price>,
    /// Share of the price a provider's batch API charges (OpenAI and Anthropic: half).
    #[serde(default = "default_batch_discount")]
    pub batch_discount: f64,
    /// Send this model's requests through the provider's batch API (`/files`, `/batches`).
    #[serde(default)]
    pub batch: bool,
    /// Seconds between looks at an open batch under `bench run --wait`.
    #[serde(default = "default_batch_poll_s")]
    pub batch_poll_s: f64,
    /// Most requests in one batch (OpenAI's limit: 50,000); more are split over batches.
    #[serde(default = "default_batch_max_requests")]
    pub batch_max_requests: u32,
    /// Command (program and arguments, run from the config file's folder) that starts this
    /// model's server when `base_url` does not answer; `bench run` stops it afterwards.
    #[serde(default)]
    pub launch: Option<Vec<String>>,
    /// How long to wait for a launched server to answer (it may install itself first).
    #[serde(default = "default_launch_timeout_s")]
    pub launch_timeout_s: f64,
    /// Largest response body read; a larger (or endless) one is cut off and recorded as an
    /// `api_error`, so that memory stays within this × `concurrency`.
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: u64,
    /// Score only this many of the evaluated leads (a documented sample, the same for every
    /// prompt: [`crate::llm::sample_leads`]); the others are "not asked". All when absent.
    #[serde(default)]
    pub sample: Option<u64>,
    /// Ask for the answer's token probabilities (`logprobs: true, top_logprobs: N`): each
    /// of this model's LLM scorers gets a second reading, `llm/<model>/<prompt>@logprobs`,
    /// from the alternatives at the label's token (`score/llm/logprobs.rs`).
    #[serde(default)]
    pub logprobs: bool,
    /// Alternatives per token with `logprobs` (OpenAI allows up to 20).
    #[serde(default = "default_top_logprobs")]
    pub top_logprobs: u32,
}

/// Bytes a response body takes for each alternative of each token with `logprobs` (for the
/// plan and the check that such a body fits `max_response_bytes`).
pub const LOGPROB_BYTES: u64 = 80;

/// Bounds of the numeric keys: beyond them a value is a typo or a mistake that would stall
/// the run or exhaust memory (a `concurrency` of 4,000,000,000, a 60-day timeout).
pub mod limits {
    pub const RPM: (u32, u32) = (1, 1_000_000);
    pub const TPM: (u32, u32) = (1, 1_000_000_000);
    pub const CONCURRENCY: (u32, u32) = (1, 1_024);
    pub const MAX_RETRIES: (u32, u32) = (0, 20);
    pub const MAX_TOKENS: (u32, u32) = (1, 1_000_000);
    pub const MAX_RESPONSE_BYTES: (u64, u64) = (1_024, 256 << 20);
    pub const BATCH_MAX_REQUESTS: (u32, u32) = (1, 1_000_000);
    /// Leads, for `sample`.
    pub const SAMPLE: (u64, u64) = (1, 100_000_000);
    /// Alternatives per token, for `top_logprobs`.
    pub const TOP_LOGPROBS: (u32, u32) = (1, 20);
    /// Seconds, for `timeout_s` and `launch_timeout_s`.
    pub const MAX_SECONDS: f64 = 86_400.0;
    /// Dollars per million tokens.
    pub const MAX_PRICE: f64 = 10_000.0;
}

/// Whether an answer with `top_logprobs = n` alternatives a token fits in
/// `max_response_bytes`: with token probabilities an answer body grows by every alternative
/// of every token, and a body over the limit would be cut off and lost.
pub fn logprobs_fit(n: u32, max_tokens: u32, max_response_bytes: u64) -> Result<(), String> {
    let per_token = (u64::from(n) + 1) * LOGPROB_BYTES;
    let largest = u64::from(max_tokens) * per_token + 4096;
    if largest > max_response_bytes {
        return Err(format!(
            "with logprobs and top_logprobs = {n}, an answer of max_tokens = {max_tokens} can \
             take about {largest} bytes, over max_response_bytes = {max_response_bytes}: raise \
             max_response_bytes, or lower max_tokens or top_logprobs"
        ));
    }
    Ok(())
}

fn default_adaptive() -> bool {
    true
}

pub(crate) fn default_top_logprobs() -> u32 {
    10
}

fn default_batch_poll_s() -> f64 {
    30.0
}

fn default_batch_max_requests() -> u32 {
    50_000
}

fn default_batch_discount() -> f64 {
    0.5
}

fn default_max_response_bytes() -> u64 {
    1 << 20
}

fn default_launch_timeout_s() -> f64 {
    1800.0
}

fn default_structured_output() -> StructuredOutput {
    StructuredOutput::JsonSchema
}
fn default_concurrency() -> u32 {
    4
}
fn default_timeout_s() -> f64 {
    60.0
}
fn default_max_retries() -> u32 {
    6
}
fn default_max_tokens() -> u32 {
    300
}

/// A `[[models]]` entry that does not hold what it should; the message names the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("models[{index}].{key}: {message}")]
pub struct ModelError {
    pub index: usize,
    pub key: &'static str,
    pub message: String,
}

/// A validated model: limits non-zero, URL without a trailing slash.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSettings {
    /// Id used in scorer ids (`llm/<name>/<prompt>`) and reports.
    pub name: String,
    /// What is sent as `"model"`.
    pub model: String,
    /// Base of the OpenAI-compatible API, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key_env: Option<String>,
    pub structured_output: StructuredOutput,
    pub rpm: Option<NonZeroU32>,
    pub tpm: Option<NonZeroU32>,
    /// Requests in flight at most.
    pub concurrency: NonZeroU32,
    /// Whether, without `rpm`, the cap on requests in flight adapts to the server's 429s.
    pub adaptive_concurrency: bool,
    /// Per request, from sending to the last byte of the answer.
    pub timeout: Duration,
    /// Attempts beyond the first; a job is sent at most `max_retries + 1` times.
    pub max_retries: u32,
    pub temperature: f64,
    pub max_tokens: u32,
    /// Sends `max_completion_tokens` and no `temperature` (see [`RawModelSettings::reasoning`]).
    pub reasoning: bool,
    pub price: Option<Price>,
    /// Multiplies the price of requests sent through a batch API.
    pub batch_discount: f64,
    /// Requests go through the batch API (see [`RawModelSettings::batch`]).
    pub batch: bool,
    pub batch_poll: Duration,
    /// Most requests in one batch (see [`RawModelSettings::batch_max_requests`]).
    pub batch_max_requests: usize,
    /// Command that starts the server when it does not answer (see [`RawModelSettings`]).
    pub launch: Option<Vec<String>>,
    pub launch_timeout: Duration,
    /// Largest response body read (see [`RawModelSettings::max_response_bytes`]).
    pub max_response_bytes: usize,
    /// Leads of the evaluated ones this model scores (see [`RawModelSettings::sample`]).
    pub sample: Option<NonZeroUsize>,
    /// Alternatives per token asked for (`top_logprobs`) when the answer's token
    /// probabilities are read (see [`RawModelSettings::logprobs`]); `None`: not asked.
    pub top_logprobs: Option<u32>,
}

/// Where a model's key stands, as its `api_key_env` and the environment give it.
#[derive(Debug)]
pub(crate) enum KeySource {
    /// No `api_key_env`: the model is sent no key.
    NotNeeded,
    Set(ApiKey),
    /// The variable is unset, empty or white space only: the model cannot be called.
    Unset {
        var: String,
    },
}

impl KeySource {
    /// The key, when there is one to send.
    pub(crate) fn key(self) -> Option<ApiKey> {
        match self {
            KeySource::Set(key) => Some(key),
            KeySource::NotNeeded | KeySource::Unset { .. } => None,
        }
    }
}

/// The keys of `models` that are set, for the last redaction pass over what a run writes.
pub(crate) fn key_ring(models: &[ModelSettings]) -> KeyRing {
    KeyRing::new(models.iter().filter_map(|m| m.key_source().key()))
}

impl ModelSettings {
    /// The model's key, read from the environment: the one place that reads it.
    pub(crate) fn key_source(&self) -> KeySource {
        let Some(var) = &self.api_key_env else {
            return KeySource::NotNeeded;
        };
        match std::env::var(var) {
            Ok(value) if !value.trim().is_empty() => KeySource::Set(ApiKey::new(value)),
            _ => KeySource::Unset { var: var.clone() },
        }
    }
}

impl RawModelSettings {
    /// Checks the entry at position `index` of `[[models]]`.
    pub fn validate(self, index: usize) -> Result<ModelSettings, ModelError> {
        let err = |key, message: String| ModelError {
            index,
            key,
            message,
        };
        if self.name.trim().is_empty() || self.name.contains('/') {
            return Err(err(
                "name",
                format!(
                    "expected a non-empty name without '/', found {:?}",
                    self.name
                ),
            ));
        }
        if self.model.trim().is_empty() {
            return Err(err("model", "expected a model id, found nothing".into()));
        }
        let base_url = self.base_url.trim().trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(err(
                "base_url",
                format!(
                    "expected an http:// or https:// URL, found {:?}",
                    self.base_url
                ),
            ));
        }
        let api_key_env = self.api_key_env.filter(|v| !v.trim().is_empty());
        let rpm = self
            .rpm
            .map(|v| within(&err, "rpm", v, limits::RPM))
            .transpose()?;
        let tpm = self
            .tpm
            .map(|v| within(&err, "tpm", v, limits::TPM))
            .transpose()?;
        let concurrency = within(&err, "concurrency", self.concurrency, limits::CONCURRENCY)?;
        let max_retries = within(&err, "max_retries", self.max_retries, limits::MAX_RETRIES)?;
        let max_tokens = within(&err, "max_tokens", self.max_tokens, limits::MAX_TOKENS)?;
        let batch_max_requests = within(
            &err,
            "batch_max_requests",
            self.batch_max_requests,
            limits::BATCH_MAX_REQUESTS,
        )?;
        let max_response_bytes = within(
            &err,
            "max_response_bytes",
            self.max_response_bytes,
            limits::MAX_RESPONSE_BYTES,
        )?;
        let sample = self
            .sample
            .map(|v| within(&err, "sample", v, limits::SAMPLE))
            .transpose()?
            .and_then(|v| NonZeroUsize::new(usize::try_from(v).unwrap_or(usize::MAX)));
        let top_logprobs = within(
            &err,
            "top_logprobs",
            self.top_logprobs,
            limits::TOP_LOGPROBS,
        )?;
        let top_logprobs = self.logprobs.then_some(top_logprobs);
        if let Some(n) = top_logprobs {
            logprobs_fit(n, max_tokens, max_response_bytes)
                .map_err(|why| err("max_response_bytes", why))?;
        }
        let seconds = |key, v: f64| {
            if v.is_finite() && v > 0.0 && v <= limits::MAX_SECONDS {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(err(
                    key,
                    format!(
                        "expected seconds in (0, {}], found {v}",
                        limits::MAX_SECONDS
                    ),
                ))
            }
        };
        let timeout = seconds("timeout_s", self.timeout_s)?;
        let launch_timeout = seconds("launch_timeout_s", self.launch_timeout_s)?;
        let batch_poll = seconds("batch_poll_s", self.batch_poll_s)?;
        if self.reasoning && self.temperature.is_some() {
            return Err(err(
                "temperature",
                "reasoning models take no temperature (it is not sent): remove the key".into(),
            ));
        }
        let temperature = self.temperature.unwrap_or(0.0);
        if !(0.0..=2.0).contains(&temperature) {
            return Err(err(
                "temperature",
                format!("expected a value in [0, 2], found {temperature}"),
            ));
        }
        if let Some(p) = &self.price {
            let ok = |v: f64| v.is_finite() && (0.0..=limits::MAX_PRICE).contains(&v);
            if !(ok(p.input_per_mtok)
                && ok(p.output_per_mtok)
                && p.cached_input_per_mtok.is_none_or(ok))
            {
                return Err(err(
                    "price",
                    format!(
                        "expected dollars per million tokens from 0 to {}",
                        limits::MAX_PRICE
                    ),
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.batch_discount) {
            return Err(err(
                "batch_discount",
                format!(
                    "expected the share of the price paid in batch mode, 0 to 1, found {}",
                    self.batch_discount
                ),
            ));
        }
        if let Some(argv) = &self.launch
            && argv.first().is_none_or(|p| p.trim().is_empty())
        {
            return Err(err(
                "launch",
                "expected a command as a list, e.g. [\"scripts/local-llm.sh\", \"serve\"]".into(),
            ));
        }
        Ok(ModelSettings {
            name: self.name,
            model: self.model,
            base_url,
            api_key_env,
            structured_output: self.structured_output,
            rpm: rpm.and_then(NonZeroU32::new),
            tpm: tpm.and_then(NonZeroU32::new),
            concurrency: NonZeroU32::new(concurrency).expect("bounded to at least 1"),
            adaptive_concurrency: self.adaptive_concurrency,
            timeout,
            max_retries,
            temperature,
            reasoning: self.reasoning,
            max_tokens,
            price: self.price,
            batch_discount: self.batch_discount,
            batch: self.batch,
            batch_poll,
            batch_max_requests: usize::try_from(batch_max_requests).unwrap_or(usize::MAX),
            launch: self.launch,
            launch_timeout,
            max_response_bytes: usize::try_from(max_response_bytes).unwrap_or(usize::MAX),
            sample,
            top_logprobs,
        })
    }
}

/// `v` when it lies in `[lo, hi]`, else the error naming `key` and the bounds.
fn within<T: PartialOrd + std::fmt::Display + Copy>(
    err: &impl Fn(&'static str, String) -> ModelError,
    key: &'static str,
    v: T,
    (lo, hi): (T, T),
) -> Result<T, ModelError> {
    if lo <= v && v <= hi {
        Ok(v)
    } else {
        Err(err(key, format!("expected {lo} to {hi}, found {v}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ModelSettings, String> {
        let raw: RawModelSettings = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.validate(0).map_err(|e| e.to_string())
    }

    const BASE: &str = "name = \"m\"\nmodel = \"gpt\"\nbase_url = \"http://127.0.0.1:8080/v1/\"\n";

    #[test]
    fn logprobs_ask_for_top_n_within_bounds_and_a_body_that_fits() {
        assert_eq!(parse(BASE).expect("off").top_logprobs, None);
        let on = parse(&format!("{BASE}logprobs = true\n")).expect("on");
        assert_eq!(on.top_logprobs, Some(10));
        let five = parse(&format!("{BASE}logprobs = true\ntop_logprobs = 5\n")).expect("5");
        assert_eq!(five.top_logprobs, Some(5));
        let over = parse(&format!("{BASE}logprobs = true\ntop_logprobs = 21\n"));
        assert!(over.expect_err("21").contains("top_logprobs"));
        // 2,000 tokens × 21 alternatives × 80 bytes is over the 1 MiB default.
        let big = parse(&format!(
            "{BASE}logprobs = true\ntop_logprobs = 20\nmax_tokens = 2000\n"
        ));
        assert!(
            big.expect_err("too large")
                .contains("raise max_response_bytes")
        );
        let raised = format!(
            "{BASE}logprobs = true\ntop_logprobs = 20\nmax_tokens = 2000\nmax_response_bytes = 8388608\n"
        );
        assert!(parse(&raised).is_ok());
    }

    #[test]
    fn defaults_and_full_entry() {
        let m = parse(BASE).expect("minimal entry");
        assert_eq!(m.base_url, "http://127.0.0.1:8080/v1");
        assert_eq!(m.structured_output, StructuredOutput::JsonSchema);
        assert_eq!(m.api_key_env, None);
        assert_eq!(m.max_retries, 6);
        assert_eq!(m.batch_discount, 0.5);
        assert_eq!(m.batch_max_requests, 50_000);
        let full = format!(
            "{BASE}api_key_env = \"OPENAI_API_KEY\"\nstructured_output = \"json_object\"\nrpm = 500\ntpm = 200000\nconcurrency = 16\ntimeout_s = 60\nmax_retries = 6\ntemperature = 0.0\nmax_tokens = 300\nprice = {{ input_per_mtok = 0.15, output_per_mtok = 0.60 }}\n"
        );
        let m = parse(&full).expect("full entry");
        assert_eq!(m.structured_output, StructuredOutput::JsonObject);
        assert_eq!(m.rpm.map(NonZeroU32::get), Some(500));
        let price = m.price.expect("price");
        assert!((price.cost(1_000_000, 1_000_000) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn errors_name_the_key() {
        let msg = parse(&format!("{BASE}rpn = 5\n")).expect_err("unknown key");
        assert!(msg.contains("rpn"), "{msg}");
        let msg = parse(&format!("{BASE}concurrency = 0\n")).expect_err("zero");
        assert!(msg.contains("models[0].concurrency"), "{msg}");
        let msg = parse(&format!("{BASE}structured_output = \"xml\"\n")).expect_err("enum");
        assert!(msg.contains("xml"), "{msg}");
        let msg =
            parse("name = \"m\"\nmodel = \"g\"\nbase_url = \"localhost\"\n").expect_err("url");
        assert!(msg.contains("models[0].base_url"), "{msg}");
        let msg = parse(&format!("{BASE}timeout_s = -1\n")).expect_err("timeout");
        assert!(msg.contains("timeout_s"), "{msg}");
        let msg = parse(&format!("{BASE}batch_discount = 1.5\n")).expect_err("discount");
        assert!(msg.contains("models[0].batch_discount"), "{msg}");
        let msg = parse(&format!("{BASE}batch_max_requests = 0\n")).expect_err("batch size");
        assert!(msg.contains("models[0].batch_max_requests"), "{msg}");
        let msg = parse(&format!(
            "{BASE}price = {{ input_per_mtok = 1, output_per_mtok = 1, cached_input_per_mtok = -1 }}\n"
        ))
        .expect_err("cached price");
        assert!(msg.contains("models[0].price"), "{msg}");
    }

    #[test]
    fn a_reasoning_model_takes_no_temperature() {
        let m = parse(&format!("{BASE}reasoning = true\n")).expect("parses");
        assert!(m.reasoning);
        let msg = parse(&format!("{BASE}reasoning = true\ntemperature = 0.2\n"))
            .expect_err("temperature with reasoning");
        assert!(
            msg.contains("models[0].temperature") && msg.contains("reasoning"),
            "{msg}"
        );
    }

    #[test]
    fn empty_key_variable_means_no_key() {
        let m = parse(&format!("{BASE}api_key_env = \"\"\n")).expect("parses");
        assert_eq!(m.api_key_env, None);
    }
}
