//! An OpenAI-compatible `/v1/chat/completions` server on 127.0.0.1 (a free port) for tests
//! and benchmarks. Each request is answered by a script that sees the user message, the
//! model and how often the same request was seen before; requests are logged with their
//! arrival time. Optionally it enforces a requests/min limit itself, answering 429 with
//! `retry-after-ms` the way OpenAI does. It stops when dropped.

#![allow(dead_code)] // each test binary uses a different part of it

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::{Value, json};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Send {
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
        delay: Duration,
    },
    /// Never answers (within an hour): for timeouts.
    Hang,
    /// A 200 whose chunked body never ends: the same chunk again and again.
    Endless { chunk: String },
    /// A 200 whose body breaks off after its first chunk (the connection is reset).
    Broken { first: String },
}

impl Reply {
    /// A 200 completion with `content`, `finish_reason = "stop"` and a usage block that
    /// counts about four characters a token.
    pub fn answer(content: &str) -> Reply {
        Reply::answer_with(content, "stop")
    }

    pub fn answer_with(content: &str, finish_reason: &str) -> Reply {
        let body = json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": "fake",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }],
            "usage": {
                "prompt_tokens": 20,
                "completion_tokens": content.len() / 4 + 1,
                "total_tokens": 20 + content.len() / 4 + 1,
            },
        });
        Reply::raw(200, &body.to_string())
    }

    /// A 200 completion whose usage counts tokens as OpenAI does for its current models
    /// (o200k BPE, three tokens of chat format per message and three to prime the answer),
    /// for tests that compare token estimates with what a provider reports.
    pub fn counted(seen: &Seen, content: &str) -> Reply {
        let bpe = tiktoken_rs::o200k_base_singleton();
        let tokens = |text: &str| bpe.encode_ordinary(text).len();
        let messages = usize::from(!seen.system.is_empty()) + 1;
        let prompt = tokens(seen.system) + tokens(seen.user) + 3 * messages + 3;
        let completion = tokens(content);
        let body = json!({
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        });
        Reply::raw(200, &body.to_string())
    }

    /// Any status with an OpenAI-style error body.
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::raw(
            status,
            &json!({"error": {"message": message, "type": "fake_error"}}).to_string(),
        )
    }

    /// Any status with any body.
    pub fn raw(status: u16, body: &str) -> Reply {
        Reply::Send {
            status,
            body: body.to_string(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Send { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }

    pub fn delayed(mut self, by: Duration) -> Reply {
        if let Reply::Send { delay, .. } = &mut self {
            *delay = by;
        }
        self
    }
}

/// What the script sees of a request.
pub struct Seen<'a> {
    /// Content of the last message (the user message).
    pub user: &'a str,
    /// Content of the system message; empty when there is none.
    pub system: &'a str,
    pub model: &'a str,
    /// 1 for the first time this exact body arrives, 2 for its first retry, ...
    pub attempt: u32,
    /// The bearer token, if any.
    pub auth: Option<&'a str>,
    /// Position of the request among all requests (0-based).
    pub index: u64,
    /// `top_logprobs` when the request asks for token probabilities (`logprobs: true`).
    pub top_logprobs: Option<u64>,
}

/// One logged request.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: Instant,
    pub user: String,
    pub model: String,
    pub attempt: u32,
    pub auth: Option<String>,
    pub status: u16,
}

type Script = dyn Fn(&Seen) -> Reply + Send + Sync;

/// `top_logprobs` of a request that asks for token probabilities.
fn top_logprobs(request: &Value) -> Option<u64> {
    (request["logprobs"] == true).then(|| request["top_logprobs"].as_u64().unwrap_or(0))
}

struct ServerState {
    script: Box<Script>,
    limiter: Option<DefaultDirectRateLimiter>,
    keep_log: bool,
    count: std::sync::atomic::AtomicU64,
    seen: Mutex<HashMap<String, u32>>,
    log: Mutex<Vec<Logged>>,
    book: Mutex<BatchBook>,
}

/// How the fake batch API treats the batches created from now on.
#[derive(Debug, Clone)]
pub struct BatchBehaviour {
    /// Looks at a batch (`GET /batches/{id}`) before it has finished.
    pub polls_before_done: u32,
    pub ending: Ending,
    /// `POST /batches` records the batch, then waits this long before it answers (a client
    /// killed meanwhile does not learn the id).
    pub create_delay: Duration,
    /// `POST /files` takes this long before it answers (a large upload).
    pub upload_delay: Duration,
    /// `POST /batches` records the batch, then answers 503 (as a provider may when it
    /// created the batch but failed to say so).
    pub create_fails: bool,
    /// The message of a batch that fails validation (`Ending::Failed`).
    pub failure_message: String,
    /// How the output file of a finished batch can be downloaded.
    pub output: OutputFile,
}

/// How a finished batch's output file comes down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFile {
    /// As written.
    Stored,
    /// Named by the batch but gone: 404.
    Missing,
}

impl Default for BatchBehaviour {
    fn default() -> Self {
        BatchBehaviour {
            polls_before_done: 1,
            ending: Ending::Completed,
            create_delay: Duration::ZERO,
            upload_delay: Duration::ZERO,
            create_fails: false,
            failure_message: "the fake refused the file".into(),
            output: OutputFile::Stored,
        }
    }
}

/// How a fake batch ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every request runs through the script: 2xx answers to the output file, others to the
    /// error file.
    Completed,
    /// Only the first half runs; with `listed`, the rest go to the error file as
    /// `batch_expired` (as OpenAI does), else they are left out of both files.
    Expired { listed: bool },
    /// Validation fails: no output at all.
    Failed,
}

#[derive(Default)]
struct BatchBook {
    behaviour: BatchBehaviour,
    files: HashMap<String, String>,
    batches: Vec<FakeBatch>,
    next_id: u64,
    creates: u64,
}

struct FakeBatch {
    id: String,
    input_file_id: String,
    metadata: Value,
    polls: u32,
    behaviour: BatchBehaviour,
    status: String,
    output_file_id: Option<String>,
    error_file_id: Option<String>,
    counts: (u64, u64, u64),
}

impl FakeBatch {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "object": "batch", "endpoint": "/v1/chat/completions",
            "input_file_id": self.input_file_id, "completion_window": "24h",
            "status": self.status, "metadata": self.metadata,
            "output_file_id": self.output_file_id, "error_file_id": self.error_file_id,
            "request_counts": {"total": self.counts.0, "completed": self.counts.1, "failed": self.counts.2},
            "errors": if self.status == "failed" {
                json!({"data": [{"code": "invalid_request", "message": self.behaviour.failure_message}]})
            } else { Value::Null },
        })
    }
}

/// A running fake server.
pub struct FakeServer {
    /// Base URL to put in `base_url`, e.g. `http://127.0.0.1:41234/v1`.
    pub url: String,
    state: Arc<ServerState>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    /// Starts a server that logs every request and answers with `script`.
    pub async fn start(script: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeServer {
        FakeServer::start_with(script, None, true).await
    }

    /// `limit = Some((rpm, burst))` makes the server answer 429 to requests over the limit;
    /// `keep_log = false` keeps nothing per request (for long benchmark runs).
    pub async fn start_with(
        script: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
        limit: Option<(u32, u32)>,
        keep_log: bool,
    ) -> FakeServer {
        let limiter = limit.map(|(rpm, burst)| {
            let rpm = NonZeroU32::new(rpm).expect("rpm > 0");
            let burst = NonZeroU32::new(burst).expect("burst > 0");
            RateLimiter::direct(Quota::per_minute(rpm).allow_burst(burst))
        });
        let state = Arc::new(ServerState {
            script: Box::new(script),
            limiter,
            keep_log,
            count: std::sync::atomic::AtomicU64::new(0),
            seen: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            book: Mutex::new(BatchBook::default()),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(handle))
            .route("/v1/files", post(upload_file))
            .route("/v1/files/{id}/content", axum::routing::get(file_content))
            .route("/v1/batches", post(create_batch).get(list_batches))
            .route("/v1/batches/{id}", axum::routing::get(get_batch))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let addr = listener.local_addr().expect("bound address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeServer {
            url: format!("http://{addr}/v1"),
            state,
            task,
        }
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().expect("log lock").clone()
    }

    /// How many requests arrived.
    pub fn requests(&self) -> u64 {
        self.state.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How batches created from now on behave.
    pub fn set_batch_behaviour(&self, b: BatchBehaviour) {
        self.state.book.lock().expect("book lock").behaviour = b;
    }

    /// Batches created so far (`POST /batches` calls that recorded one).
    pub fn batches_created(&self) -> u64 {
        self.state.book.lock().expect("book lock").creates
    }

    /// Adds `n` finished batches of somebody else's (no metadata, no input file of ours),
    /// newer than every batch so far.
    pub fn add_other_batches(&self, n: usize) {
        let mut book = self.state.book.lock().expect("book lock");
        for _ in 0..n {
            book.next_id += 1;
            let batch = FakeBatch {
                id: format!("batch_{}", book.next_id),
                input_file_id: String::new(),
                metadata: Value::Null,
                polls: 0,
                behaviour: BatchBehaviour::default(),
                status: "completed".into(),
                output_file_id: None,
                error_file_id: None,
                counts: (1, 1, 0),
            };
            book.batches.push(batch);
        }
    }

    /// Looks at batches (`GET /batches/{id}`) so far, over every batch.
    pub fn batch_polls(&self) -> u32 {
        let book = self.state.book.lock().expect("book lock");
        book.batches.iter().map(|b| b.polls).sum()
    }

    /// Request lines of every batch input file uploaded so far.
    pub fn batch_lines_uploaded(&self) -> usize {
        let book = self.state.book.lock().expect("book lock");
        book.batches
            .iter()
            .filter_map(|b| book.files.get(&b.input_file_id))
            .map(|f| f.lines().filter(|l| !l.trim().is_empty()).count())
            .sum()
    }
}

fn json_response(status: StatusCode, v: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
        .into_response()
}

async fn upload_file(
    State(st): State<Arc<ServerState>>,
    mut form: axum::extract::Multipart,
) -> Response {
    let (mut purpose, mut content) = (None, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("purpose") => purpose = field.text().await.ok(),
            Some("file") => content = field.text().await.ok(),
            _ => {}
        }
    }
    let delay = st.book.lock().expect("book lock").behaviour.upload_delay;
    tokio::time::sleep(delay).await;
    let (Some("batch"), Some(content)) = (purpose.as_deref(), content) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": {"message": "expected purpose=batch and a file"}}),
        );
    };
    let mut book = st.book.lock().expect("book lock");
    book.next_id += 1;
    let id = format!("file-{}", book.next_id);
    book.files.insert(id.clone(), content);
    json_response(
        StatusCode::OK,
        json!({"id": id, "object": "file", "purpose": "batch"}),
    )
}

async fn create_batch(State(st): State<Arc<ServerState>>, body: Bytes) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let file = req["input_file_id"].as_str().unwrap_or("").to_string();
    let (answer, delay) = {
        let mut book = st.book.lock().expect("book lock");
        let Some(lines) = book.files.get(&file).map(|f| f.lines().count() as u64) else {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({"error": {"message": format!("no file {file}")}}),
            );
        };
        book.next_id += 1;
        book.creates += 1;
        let batch = FakeBatch {
            id: format!("batch_{}", book.next_id),
            input_file_id: file,
            metadata: req["metadata"].clone(),
            polls: 0,
            behaviour: book.behaviour.clone(),
            status: "validating".into(),
            output_file_id: None,
            error_file_id: None,
            counts: (lines, 0, 0),
        };
        let answer = batch.json();
        let delay = batch.behaviour.create_delay;
        let fails = batch.behaviour.create_fails;
        book.batches.push(batch);
        if fails {
            return json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": {"message": "the fake is overloaded"}}),
            );
        }
        (answer, delay)
    };
    tokio::time::sleep(delay).await;
    json_response(StatusCode::OK, answer)
}

/// `GET /batches?limit=&after=`: newest first, `limit` (default 20, at most 100) a page,
/// from the batch after the one named `after`, as OpenAI lists them.
async fn list_batches(
    State(st): State<Arc<ServerState>>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20)
        .min(100);
    let book = st.book.lock().expect("book lock");
    let newest_first: Vec<&FakeBatch> = book.batches.iter().rev().collect();
    let start = match query.get("after") {
        Some(after) => newest_first
            .iter()
            .position(|b| &b.id == after)
            .map_or(newest_first.len(), |i| i + 1),
        None => 0,
    };
    let page: Vec<Value> = newest_first[start..]
        .iter()
        .take(limit)
        .map(|b| b.json())
        .collect();
    let has_more = start + page.len() < newest_first.len();
    json_response(
        StatusCode::OK,
        json!({"object": "list", "data": page, "has_more": has_more}),
    )
}

async fn get_batch(
    State(st): State<Arc<ServerState>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let mut book = st.book.lock().expect("book lock");
    let book = &mut *book;
    let Some(batch) = book.batches.iter_mut().find(|b| b.id == id) else {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"error": {"message": format!("no batch {id}")}}),
        );
    };
    batch.polls += 1;
    if batch.output_file_id.is_none() && batch.error_file_id.is_none() && !batch_done(batch) {
        if batch.polls > batch.behaviour.polls_before_done {
            let input = book
                .files
                .get(&batch.input_file_id)
                .cloned()
                .unwrap_or_default();
            finish_batch(
                batch,
                &input,
                &st.script,
                &mut book.files,
                &mut book.next_id,
            );
        } else {
            batch.status = "in_progress".into();
        }
    }
    json_response(StatusCode::OK, batch.json())
}

fn batch_done(b: &FakeBatch) -> bool {
    matches!(b.status.as_str(), "completed" | "expired" | "failed")
}

/// Runs a batch through the chat script and writes its output and error files.
fn finish_batch(
    batch: &mut FakeBatch,
    input: &str,
    script: &Script,
    files: &mut HashMap<String, String>,
    next_id: &mut u64,
) {
    if batch.behaviour.ending == Ending::Failed {
        batch.status = "failed".into();
        return;
    }
    let lines: Vec<Value> = input
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let runs = match batch.behaviour.ending {
        Ending::Expired { .. } => lines.len() / 2,
        _ => lines.len(),
    };
    let (mut output, mut errors) = (String::new(), String::new());
    let (mut completed, mut failed) = (0, 0);
    for (i, line) in lines.iter().enumerate() {
        let id = &line["custom_id"];
        if i >= runs {
            if batch.behaviour.ending == (Ending::Expired { listed: true }) {
                let e = json!({"id": format!("req-{i}"), "custom_id": id, "response": null,
                    "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}});
                errors.push_str(&format!("{e}\n"));
            }
            continue;
        }
        let messages = line["body"]["messages"].as_array();
        let text = |role: &str| {
            messages
                .and_then(|m| m.iter().rev().find(|m| m["role"] == role))
                .and_then(|m| m["content"].as_str())
                .unwrap_or("")
                .to_string()
        };
        let (user, system) = (text("user"), text("system"));
        let reply = script(&Seen {
            user: &user,
            system: &system,
            model: line["body"]["model"].as_str().unwrap_or(""),
            attempt: 1,
            auth: None,
            index: i as u64,
            top_logprobs: top_logprobs(&line["body"]),
        });
        let (status, body) = match reply {
            Reply::Send { status, body, .. } => (status, body),
            _ => (
                500,
                "{\"error\": {\"message\": \"the fake cannot batch this reply\"}}".into(),
            ),
        };
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
        let out = json!({"id": format!("req-{i}"), "custom_id": id,
            "response": {"status_code": status, "request_id": format!("r{i}"), "body": body}, "error": null});
        if (200..300).contains(&status) {
            completed += 1;
            output.push_str(&format!("{out}\n"));
        } else {
            failed += 1;
            errors.push_str(&format!("{out}\n"));
        }
    }
    let mut store = |text: String| {
        (!text.is_empty()).then(|| {
            *next_id += 1;
            let id = format!("file-{next_id}");
            files.insert(id.clone(), text);
            id
        })
    };
    batch.output_file_id = store(output);
    batch.error_file_id = store(errors);
    if let (OutputFile::Missing, Some(id)) = (batch.behaviour.output, &batch.output_file_id) {
        files.remove(id);
    }
    batch.counts = (lines.len() as u64, completed, failed);
    batch.status = match batch.behaviour.ending {
        Ending::Expired { .. } => "expired".into(),
        _ => "completed".into(),
    };
}

async fn file_content(
    State(st): State<Arc<ServerState>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let book = st.book.lock().expect("book lock");
    match book.files.get(&id) {
        Some(text) => (StatusCode::OK, text.clone()).into_response(),
        None => json_response(
            StatusCode::NOT_FOUND,
            json!({"error": {"message": format!("no file {id}")}}),
        ),
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        // Not a graceful shutdown: a hanging handler would keep that waiting for an hour.
        self.task.abort();
    }
}

async fn handle(State(st): State<Arc<ServerState>>, headers: HeaderMap, body: Bytes) -> Response {
    let at = Instant::now();
    let index = st.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let messages = request["messages"].as_array();
    let user = messages
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string();
    let system = messages
        .and_then(|m| m.iter().find(|m| m["role"] == "system"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string();
    let model = request["model"].as_str().unwrap_or("").to_string();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let attempt = if st.keep_log {
        let mut seen = st.seen.lock().expect("seen lock");
        let n = seen
            .entry(String::from_utf8_lossy(&body).into_owned())
            .or_insert(0);
        *n += 1;
        *n
    } else {
        1
    };
    let limited = st.limiter.as_ref().and_then(|l| l.check().err());
    let reply = match limited {
        Some(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Reply::error(429, "Rate limit reached for requests")
                .header("retry-after-ms", &wait.as_millis().max(1).to_string())
        }
        None => (st.script)(&Seen {
            user: &user,
            system: &system,
            model: &model,
            attempt,
            auth: auth.as_deref(),
            index,
            top_logprobs: top_logprobs(&request),
        }),
    };
    let status = match &reply {
        Reply::Send { status, .. } => *status,
        Reply::Endless { .. } | Reply::Broken { .. } => 200,
        Reply::Hang => 0,
    };
    if st.keep_log {
        st.log.lock().expect("log lock").push(Logged {
            at,
            user,
            model,
            attempt,
            auth,
            status,
        });
    }
    match reply {
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Reply::Endless { chunk } => {
            let chunk = Bytes::from(chunk);
            let chunks = futures_util::stream::repeat_with(move || {
                Ok::<_, std::convert::Infallible>(chunk.clone())
            });
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                axum::body::Body::from_stream(chunks),
            )
                .into_response()
        }
        Reply::Broken { first } => {
            let chunks = futures_util::stream::iter([
                Ok(Bytes::from(first)),
                Err(std::io::Error::other("connection reset by the fake server")),
            ]);
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                axum::body::Body::from_stream(chunks),
            )
                .into_response()
        }
        Reply::Send {
            status,
            body,
            headers,
            delay,
        } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let mut response = (
                StatusCode::from_u16(status).expect("a valid status"),
                [("content-type", "application/json")],
                body,
            )
                .into_response();
            for (k, v) in headers {
                response.headers_mut().insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                    v.parse().expect("header value"),
                );
            }
            response
        }
    }
}
