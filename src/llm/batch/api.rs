//! A provider's HTTP batch API, as OpenAI defines it (and others mirror): upload the requests
//! as a file (`POST /files`, purpose `batch`), create a batch of it (`POST /batches`), read its
//! state (`GET /batches/{id}`), and download its output and error files
//! (`GET /files/{id}/content`). Transient faults (429, 5xx, timeouts, connection errors) are
//! tried again a few times; what still fails comes back as a message, with the key taken out.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::file::{MAX_RESULTS_BYTES, ResultLine, max_line, oversized_line, parse_result_line};
use crate::llm::client::{BodyFault, read_capped, same_origin_redirects};
use crate::llm::jsonl::{Line, LineSplitter};
use crate::llm::model::ModelSettings;
use crate::llm::response::{error_message, snippet};
use crate::llm::retry::{RetryPolicy, retry_after};
use crate::llm::secret::ApiKey;

/// Largest answer to any other batch API call.
const MAX_META_BYTES: usize = 4 << 20;
/// Attempts per call before a transient fault is given up on.
const ATTEMPTS: u32 = 4;
/// Batches a page when the provider's batches are searched for one bench created (the
/// most OpenAI lists at once), and how many pages at most: its 2,000 most recent batches.
const LIST_LIMIT: u32 = 100;
const LIST_PAGES: u32 = 20;
/// The metadata key that carries a batch's local id.
pub(crate) const LOCAL_ID_KEY: &str = "bench_local_id";

/// A batch as the provider reports it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) struct RemoteBatch {
    pub id: String,
    /// validating, in_progress, finalizing, completed, expired, cancelling, cancelled, failed.
    pub status: String,
    #[serde(default)]
    pub output_file_id: Option<String>,
    #[serde(default)]
    pub error_file_id: Option<String>,
    #[serde(default)]
    pub request_counts: Option<RequestCounts>,
    #[serde(default)]
    pub metadata: Option<serde_json::Map<String, Value>>,
    /// Why a batch `failed` validation.
    #[serde(default)]
    pub errors: Option<Value>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub(crate) struct RequestCounts {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub completed: u64,
    #[serde(default)]
    pub failed: u64,
}

impl RemoteBatch {
    /// Whether the batch will not change any more.
    pub(crate) fn finished(&self) -> bool {
        matches!(
            self.status.as_str(),
            "completed" | "expired" | "cancelled" | "failed"
        )
    }

    /// `in_progress, 120 of 400 done, 2 failed`.
    pub(crate) fn progress(&self) -> String {
        match self.request_counts {
            Some(c) if c.total > 0 => format!(
                "{}, {} of {} done, {} failed",
                self.status, c.completed, c.total, c.failed
            ),
            _ => self.status.clone(),
        }
    }
}

/// The batch API of one model's endpoint.
pub(crate) struct BatchApi {
    http: reqwest::Client,
    base: String,
    key: Option<ApiKey>,
    timeout: Duration,
    retry: RetryPolicy,
    /// Longest result line read (the model's `max_response_bytes` and the line's envelope).
    max_line: usize,
}

/// The response of one call: status and body.
struct Reply {
    status: reqwest::StatusCode,
    text: String,
}

/// Why a call did not succeed.
enum Fault {
    /// 404: no such batch or file.
    NotFound(String),
    /// Any other 4xx but 429: the provider refused the request and did nothing.
    Refused(String),
    /// 429 and 5xx after every attempt, transport faults, bodies too large: the provider may
    /// or may not have acted on the request.
    Other(String),
}

/// Why `POST /batches` did not give a batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CreateError {
    /// There is no batch: the provider refused it (a 4xx), or its input file never uploaded.
    NoBatch(String),
    /// No readable answer: the batch may exist. Its local id says (see [`BatchApi::find`]).
    Unconfirmed(String),
}

impl From<Fault> for String {
    fn from(f: Fault) -> String {
        match f {
            Fault::NotFound(m) | Fault::Refused(m) | Fault::Other(m) => m,
        }
    }
}

impl BatchApi {
    pub(crate) fn new(
        model: &ModelSettings,
        key: Option<ApiKey>,
        retry: RetryPolicy,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| format!("model `{}`: cannot build an HTTP client: {e}", model.name))?;
        Ok(BatchApi {
            http,
            base: model.base_url.clone(),
            key,
            timeout: model.timeout,
            retry,
            max_line: max_line(model.max_response_bytes),
        })
    }

    /// Uploads a batch input file; returns its file id.
    pub(crate) async fn upload(&self, jsonl: Vec<u8>) -> Result<String, String> {
        let url = format!("{}/files", self.base);
        let reply = self
            .call("POST /files", MAX_META_BYTES, ATTEMPTS, || {
                let part = reqwest::multipart::Part::bytes(jsonl.clone())
                    .file_name("requests.jsonl")
                    .mime_str("application/jsonl")
                    .expect("a valid MIME type");
                let form = reqwest::multipart::Form::new()
                    .text("purpose", "batch")
                    .part("file", part);
                self.http.post(&url).multipart(form)
            })
            .await?;
        let v: Value = self.json("POST /files", &reply)?;
        v.get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("POST /files: no file id in {}", snippet(&reply.text)))
    }

    /// Creates a batch of an uploaded file, marked with `local_id`. Sent once: a retry after
    /// an answer that never arrived could create a second batch of the same requests.
    pub(crate) async fn create(
        &self,
        file_id: &str,
        local_id: &str,
    ) -> Result<RemoteBatch, CreateError> {
        let url = format!("{}/batches", self.base);
        let body = json!({
            "input_file_id": file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {LOCAL_ID_KEY: local_id},
        });
        let reply = self
            .call("POST /batches", MAX_META_BYTES, 1, || {
                self.http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string())
            })
            .await
            .map_err(|f| match f {
                Fault::NotFound(m) | Fault::Refused(m) => CreateError::NoBatch(m),
                Fault::Other(m) => CreateError::Unconfirmed(m),
            })?;
        self.json("POST /batches", &reply)
            .map_err(CreateError::Unconfirmed)
    }

    /// The batch `id`; `None` when the provider has no such batch (404: deleted, or another
    /// account's).
    pub(crate) async fn get(&self, id: &str) -> Result<Option<RemoteBatch>, String> {
        let url = format!("{}/batches/{id}", self.base);
        let what = format!("GET /batches/{id}");
        match self
            .call(&what, MAX_META_BYTES, ATTEMPTS, || self.http.get(&url))
            .await
        {
            Ok(reply) => self.json(&what, &reply).map(Some),
            Err(Fault::NotFound(_)) => Ok(None),
            Err(Fault::Refused(message) | Fault::Other(message)) => Err(message),
        }
    }

    /// The batch created with `local_id`, among the provider's [`LIST_PAGES`] × [`LIST_LIMIT`]
    /// most recent ones (newest first, page after page while the provider has more).
    pub(crate) async fn find(&self, local_id: &str) -> Result<Option<RemoteBatch>, String> {
        #[derive(Deserialize)]
        struct List {
            data: Vec<RemoteBatch>,
            #[serde(default)]
            has_more: bool,
        }
        let url = format!("{}/batches", self.base);
        let mut after: Option<String> = None;
        for _ in 0..LIST_PAGES {
            let mut query = vec![("limit", LIST_LIMIT.to_string())];
            query.extend(after.take().map(|id| ("after", id)));
            let page = reqwest::Url::parse_with_params(&url, &query)
                .map_err(|e| format!("GET /batches: {e}"))?;
            let reply = self
                .call("GET /batches", MAX_META_BYTES, ATTEMPTS, || {
                    self.http.get(page.clone())
                })
                .await?;
            let list: List = self.json("GET /batches", &reply)?;
            let last = list.data.last().map(|b| b.id.clone());
            if let Some(found) = list.data.into_iter().find(|b| {
                b.metadata
                    .as_ref()
                    .and_then(|m| m.get(LOCAL_ID_KEY))
                    .and_then(Value::as_str)
                    == Some(local_id)
            }) {
                return Ok(Some(found));
            }
            if !list.has_more || last.is_none() {
                break;
            }
            after = last;
        }
        Ok(None)
    }

    /// The result lines of an output or error file, read as they stream in (see
    /// [`jsonl`](super::jsonl)): each line redacted, then parsed; a line over the cap is its
    /// request's failure when its first bytes name the request; a line that is no result is
    /// skipped (its request counts as not returned). Fails when the file cannot be had whole.
    pub(crate) async fn results(&self, file_id: &str) -> Result<Vec<ResultLine>, String> {
        let url = format!("{}/files/{file_id}/content", self.base);
        let what = format!("GET /files/{file_id}/content");
        let mut response = self
            .respond(&what, ATTEMPTS, || self.http.get(&url))
            .await?;
        let mut results = Vec::new();
        let max_line = self.max_line;
        let mut each = |_: u64, line: Line<'_>| {
            let parsed = match line {
                Line::Whole(bytes) => {
                    parse_result_line(&self.redact(&String::from_utf8_lossy(bytes))).ok()
                }
                Line::TooLong { head, len } => oversized_line(head, len, max_line),
            };
            results.extend(parsed);
        };
        let mut lines = LineSplitter::new(max_line, MAX_RESULTS_BYTES);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => lines
                    .feed(&chunk, &mut each)
                    .map_err(|e| format!("{what}: the file is {e}"))?,
                Ok(None) => break,
                Err(e) => return Err(format!("{what}: {}", self.redact(&e.to_string()))),
            }
        }
        lines.finish(&mut each);
        Ok(results)
    }

    /// Sends the request `build` makes until it succeeds, fails for good, or has been tried
    /// `attempts` times; reads at most `cap` bytes of the answer.
    async fn call(
        &self,
        what: &str,
        cap: usize,
        attempts: u32,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Reply, Fault> {
        let response = self.respond(what, attempts, build).await?;
        let status = response.status();
        match read_capped(response, cap).await {
            Ok(bytes) => Ok(Reply {
                status,
                text: self.redact(&String::from_utf8_lossy(&bytes)),
            }),
            Err(BodyFault::TooLarge { .. }) => Err(Fault::Other(format!(
                "{what}: the answer is larger than {cap} bytes"
            ))),
            Err(BodyFault::Transport(e)) => Err(Fault::Other(format!(
                "{what}: {}",
                self.redact(&e.to_string())
            ))),
        }
    }

    /// Sends the request `build` makes until the provider answers with a success (whose
    /// body is not read yet), fails for good, or has been tried `attempts` times. Failures
    /// carry a short redacted excerpt of what the provider said.
    async fn respond(
        &self,
        what: &str,
        attempts: u32,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Fault> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = build().timeout(self.timeout);
            if let Some(key) = &self.key {
                req = req.bearer_auth(key.expose());
            }
            let (message, hint) = match req.send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    let hint = retry_after(response.headers());
                    let said = match read_capped(response, MAX_META_BYTES).await {
                        Ok(bytes) => error_message(&self.redact(&String::from_utf8_lossy(&bytes))),
                        Err(BodyFault::TooLarge { head }) => {
                            snippet(&self.redact(&String::from_utf8_lossy(&head)))
                        }
                        Err(BodyFault::Transport(e)) => self.redact(&e.to_string()),
                    };
                    let message = format!("{what}: HTTP {status}: {}", self.redact(&said));
                    if status == reqwest::StatusCode::NOT_FOUND {
                        return Err(Fault::NotFound(message));
                    }
                    let transient = status.as_u16() == 429 || status.is_server_error();
                    if !transient {
                        return Err(Fault::Refused(message));
                    }
                    (message, hint)
                }
                Err(e) => (format!("{what}: {}", self.redact(&e.to_string())), None),
            };
            if attempt >= attempts {
                return Err(Fault::Other(if attempt > 1 {
                    format!("{message} (after {attempt} attempts)")
                } else {
                    message
                }));
            }
            tokio::time::sleep(self.retry.delay(attempt, hint)).await;
        }
    }

    fn json<T: serde::de::DeserializeOwned>(&self, what: &str, reply: &Reply) -> Result<T, String> {
        serde_json::from_str(&reply.text).map_err(|e| {
            format!(
                "{what}: HTTP {}: not the expected JSON ({e}): {}",
                reply.status,
                snippet(&reply.text)
            )
        })
    }

    fn redact(&self, text: &str) -> String {
        match &self.key {
            Some(key) => key.redact(text).into_owned(),
            None => text.to_string(),
        }
    }
}
