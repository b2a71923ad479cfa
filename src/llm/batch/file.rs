//! Batch files in the OpenAI batch format, the one vLLM's `run_batch` entry point reads and
//! writes: one request a line going out (`custom_id`, `method`, `url`, `body`), one result a
//! line coming back (`custom_id`, `response: {status_code, body}`, `error`). The `custom_id`
//! is the request's answer-cache key in hex, so a result lands in the cache under the same
//! key an interactive request would have, and `bench run` then finds it there.
//!
//! Export writes only requests the cache cannot answer. Import reads the whole file before
//! it stores anything: a malformed line stops it with the line's number and nothing stored.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;

use serde_json::{Value, json};

use crate::llm::cache::{Cache, CacheError, CachedAnswer};
use crate::llm::client::build_request;
use crate::llm::job::JobStream;
use crate::llm::jsonl::{Line, custom_id_in_head, read_lines};
use crate::llm::model::ModelSettings;
use crate::llm::response::{Attempt, error_message, parse_completion, snippet};

/// The endpoint every exported request is for.
pub(crate) const CHAT_URL: &str = "/v1/chat/completions";

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exported {
    pub written: u64,
    /// Jobs the cache already answers (not written).
    pub cached: u64,
    /// Jobs whose prompt does not render for their lead (not written).
    pub unrendered: u64,
}

/// Writes one request line per job of `streams` that `cache` cannot answer.
pub(crate) fn export_requests(
    streams: Vec<JobStream<'_>>,
    models: &[ModelSettings],
    cache: Option<&Cache>,
    out: &mut impl Write,
) -> Result<Exported, ExportError> {
    let mut done = Exported::default();
    let mut seen = HashSet::new();
    for stream in streams {
        for job in stream.jobs {
            let Ok(job) = job else {
                done.unrendered += 1;
                continue;
            };
            let req = build_request(&models[job.model], &job);
            if cache
                .map(|c| c.get(&req.key))
                .transpose()?
                .flatten()
                .is_some()
            {
                done.cached += 1;
                continue;
            }
            // Two jobs with the same request (a template that ignores the lead) are one
            // request; the cache answers both.
            if !seen.insert(req.id) {
                continue;
            }
            out.write_all(&request_line(&req.id, &req.body))?;
            done.written += 1;
        }
    }
    Ok(done)
}

/// One line of a batch input file, newline included: the request `body` (JSON) under
/// `custom_id` (in hex).
pub(crate) fn request_line(custom_id: &[u8; 32], body: &[u8]) -> Vec<u8> {
    let body: Value = serde_json::from_slice(body).expect("a request body is always JSON");
    let line =
        json!({"custom_id": to_hex(custom_id), "method": "POST", "url": CHAT_URL, "body": body});
    let mut bytes = line.to_string().into_bytes();
    bytes.push(b'\n');
    bytes
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One result line, read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BatchResult {
    Answer(CachedAnswer),
    /// The request failed on the batch side (a non-2xx status or an `error`): not stored,
    /// so the next `bench run` or export sends it again.
    Failed {
        status: Option<u16>,
        /// The error's `code` (`batch_expired`: the batch ended before the request ran).
        code: Option<String>,
        message: String,
    },
}

/// A result line that is not one: the line number and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub(crate) struct LineError {
    pub line: u64,
    pub message: String,
}

/// One line of a results file: the `custom_id` it answers and what it says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResultLine {
    pub custom_id: String,
    pub result: BatchResult,
}

/// Most bytes of a results line besides the answer's body (`custom_id`, status, ids).
const LINE_ENVELOPE: usize = 4096;

/// Largest results file read, whether from disk or from a provider.
pub(crate) const MAX_RESULTS_BYTES: u64 = 1 << 30;

/// The longest results line read for answers of at most `max_response_bytes`: a longer
/// one is its request's failure, read no further than its first bytes.
pub(crate) fn max_line(max_response_bytes: usize) -> usize {
    max_response_bytes.saturating_add(LINE_ENVELOPE)
}

/// What a results line over `max_line` is: its request's failure when its first bytes
/// name the request.
pub(crate) fn oversized_line(head: &[u8], len: u64, max_line: usize) -> Option<ResultLine> {
    Some(ResultLine {
        custom_id: custom_id_in_head(head)?,
        result: BatchResult::Failed {
            status: None,
            code: None,
            message: format!(
                "the result line is {len} bytes, more than max_response_bytes allows \
                 ({max_line} with its envelope); not read"
            ),
        },
    })
}

/// Reads a results stream whole, line by line (blank lines skipped, each line at most
/// `max_line` bytes, the stream at most [`MAX_RESULTS_BYTES`]): every line's result, or the
/// first malformed line.
pub(crate) fn read_results(
    input: impl Read,
    max_line: usize,
) -> Result<Vec<ResultLine>, LineError> {
    let mut results = Vec::new();
    let mut first_error: Option<LineError> = None;
    let mut each = |n: u64, line: Line<'_>| {
        if first_error.is_some() {
            return;
        }
        let parsed = match line {
            Line::Whole(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => return,
            Line::Whole(bytes) => parse_result_line(&String::from_utf8_lossy(bytes)),
            Line::TooLong { head, len } => oversized_line(head, len, max_line).ok_or_else(|| {
                format!(
                    "{len} bytes, more than max_response_bytes allows ({max_line} with its \
                     envelope), and no custom_id in its first bytes"
                )
            }),
        };
        match parsed {
            Ok(r) => results.push(r),
            Err(message) => first_error = Some(LineError { line: n, message }),
        }
    };
    read_lines(input, max_line, MAX_RESULTS_BYTES, &mut each).map_err(|e| LineError {
        line: 0,
        message: e.to_string(),
    })?;
    match first_error {
        Some(e) => Err(e),
        None => Ok(results),
    }
}

/// One line of a results file: `{"custom_id", "response": {"status_code", "body"}, "error"}`.
/// Every message the provider wrote is cut to a short excerpt.
pub(crate) fn parse_result_line(line: &str) -> Result<ResultLine, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| {
        format!("expected a JSON object with custom_id and response, found invalid JSON ({e})")
    })?;
    let custom_id = v
        .get("custom_id")
        .and_then(Value::as_str)
        .ok_or("expected a custom_id (the request's id from `bench batch export`)")?
        .to_string();
    let error = v.get("error").filter(|e| !e.is_null());
    let response = v.get("response").filter(|r| !r.is_null());
    let status = response
        .and_then(|r| r.get("status_code"))
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok());
    let body = response.and_then(|r| r.get("body"));
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(snippet);
    let result = if let Some(e) = error {
        let message = match e.get("message").and_then(Value::as_str) {
            Some(m) => snippet(m),
            None => snippet(&e.to_string()),
        };
        BatchResult::Failed {
            status,
            code,
            message,
        }
    } else {
        match (status, body) {
            (Some(s), Some(body)) if (200..300).contains(&s) => {
                match parse_completion(body.to_string()) {
                    // A batch does not time its requests.
                    Ok(Attempt::Answer(answer)) => {
                        BatchResult::Answer(CachedAnswer::of(answer, 0, 1, true))
                    }
                    Ok(Attempt::Failed { message, .. }) | Err(message) => BatchResult::Failed {
                        status,
                        code,
                        message,
                    },
                }
            }
            // vLLM and OpenAI put `{"error": {"message": …}}` in the body of a failed request.
            (Some(s), body) => BatchResult::Failed {
                status,
                code,
                message: format!(
                    "status {s}: {}",
                    body.map_or_else(String::new, |b| error_message(&b.to_string()))
                ),
            },
            (None, _) => return Err("expected response.status_code or an error".into()),
        }
    };
    Ok(ResultLine { custom_id, result })
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub stored: u64,
    /// Results for requests this config does not make (another config, the config or
    /// dataset changed since the export, or a `custom_id` bench never wrote): not stored.
    pub unknown: u64,
    /// Failed results, with their custom_id: not stored.
    pub failed: Vec<(String, String)>,
}

/// Stores the answers of `results` to requests of `expected` (see [`request_keys`]) in
/// `cache`, under the cache's own keys.
pub(crate) fn store_results(
    results: Vec<ResultLine>,
    expected: &HashMap<[u8; 32], [u8; 32]>,
    cache: &Cache,
) -> Result<Imported, CacheError> {
    let mut done = Imported::default();
    let mut answers = Vec::new();
    for line in results {
        let Some(&key) = from_hex(&line.custom_id).and_then(|id| expected.get(&id)) else {
            done.unknown += 1;
            continue;
        };
        match line.result {
            BatchResult::Answer(a) => answers.push((key, a)),
            BatchResult::Failed {
                status, message, ..
            } => {
                let why = match status {
                    Some(s) => format!("status {s}: {message}"),
                    None => message,
                };
                done.failed.push((snippet(&line.custom_id), why));
            }
        }
    }
    done.stored = answers.len() as u64;
    cache.put_all_blocking(answers)?;
    Ok(done)
}

/// The requests of every job of `streams` a results file may answer: each request's id
/// (the `custom_id` export writes) and, for files exported by earlier versions, its cache
/// key, both mapped to the cache key its answer is stored under.
pub(crate) fn request_keys(
    streams: Vec<JobStream<'_>>,
    models: &[ModelSettings],
) -> HashMap<[u8; 32], [u8; 32]> {
    let mut keys = HashMap::new();
    for job in streams
        .into_iter()
        .flat_map(|s| s.jobs)
        .filter_map(Result::ok)
    {
        let req = build_request(&models[job.model], &job);
        keys.insert(req.id, req.key);
        keys.insert(req.key, req.key);
    }
    keys
}

/// Reads a results file named `path` (a regular file; lines of at most `max_line` bytes),
/// with errors that name it.
pub(crate) fn read_results_file(path: &Path, max_line: usize) -> Result<Vec<ResultLine>, String> {
    let file =
        crate::input::open_regular_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    read_results(std::io::BufReader::new(file), max_line).map_err(|e| match e.line {
        0 => format!("{}: {}", path.display(), e.message),
        n => format!("{}:{n}: {}", path.display(), e.message),
    })
}

pub(crate) fn to_hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        key[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab";

    #[test]
    fn keys_go_to_hex_and_back() {
        let key = from_hex(ID).expect("hex");
        assert_eq!(to_hex(&key), ID);
        assert_eq!(from_hex("request-1"), None);
        assert_eq!(from_hex(&ID.replace('0', "g")), None);
        assert_eq!(from_hex(&ID[..62]), None);
    }

    #[test]
    fn result_lines_of_every_kind() {
        let ok = format!(
            r#"{{"id": "vllm-1", "custom_id": "{ID}", "response": {{"status_code": 200, "request_id": "r", "body": {{"choices": [{{"index": 0, "message": {{"role": "assistant", "content": "{{\"lead_score\": 80}}"}}, "finish_reason": "stop"}}], "usage": {{"prompt_tokens": 300, "completion_tokens": 12}}}}}}, "error": null}}"#
        );
        match parse_result_line(&ok).expect("parses").result {
            BatchResult::Answer(a) => {
                assert_eq!(a.answer.content, "{\"lead_score\": 80}");
                assert_eq!(
                    (a.answer.prompt_tokens, a.answer.completion_tokens),
                    (Some(300), Some(12))
                );
                assert_eq!(a.answer.finish_reason.as_deref(), Some("stop"));
            }
            other => panic!("{other:?}"),
        }
        let error = format!(
            r#"{{"custom_id": "{ID}", "response": null, "error": {{"code": "expired", "message": "batch expired"}}}}"#
        );
        assert_eq!(
            parse_result_line(&error).expect("parses").result,
            BatchResult::Failed {
                status: None,
                code: Some("expired".into()),
                message: "batch expired".into()
            }
        );
        let status = format!(
            r#"{{"custom_id": "{ID}", "response": {{"status_code": 400, "body": {{"error": "bad"}}}}}}"#
        );
        assert!(matches!(
            parse_result_line(&status).expect("parses").result,
            BatchResult::Failed {
                status: Some(400),
                ..
            }
        ));
        let garbage = format!(
            r#"{{"custom_id": "{ID}", "response": {{"status_code": 200, "body": {{"nothing": 1}}}}}}"#
        );
        assert!(matches!(
            parse_result_line(&garbage).expect("parses").result,
            BatchResult::Failed { .. }
        ));
        for bad in ["not json", "{}", r#"{"custom_id": "request-1"}"#] {
            assert!(parse_result_line(bad).is_err(), "{bad}");
        }
        // A custom_id bench never wrote is read; the import counts it as foreign.
        let foreign = r#"{"custom_id": "request-1", "response": {"status_code": 200, "body": {}}}"#;
        assert_eq!(
            parse_result_line(foreign).expect("parses").custom_id,
            "request-1"
        );
    }

    #[test]
    fn provider_messages_are_read_from_nested_errors_and_cut_short() {
        let nested = format!(
            r#"{{"custom_id": "{ID}", "response": {{"status_code": 400, "body": {{"error": {{"message": "bad model", "type": "invalid_request_error"}}}}}}}}"#
        );
        match parse_result_line(&nested).expect("parses").result {
            BatchResult::Failed { message, .. } => assert_eq!(message, "status 400: bad model"),
            other => panic!("{other:?}"),
        }
        let huge = serde_json::json!({
            "custom_id": ID,
            "error": {"code": "x".repeat(10_000), "message": "y".repeat(1 << 20)},
        })
        .to_string();
        match parse_result_line(&huge).expect("parses").result {
            BatchResult::Failed { message, code, .. } => {
                assert!(message.len() < 2_000, "{} bytes", message.len());
                assert!(code.expect("a code").len() < 2_000);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_line_over_the_cap_fails_its_request_and_reading_goes_on() {
        let ok = format!(r#"{{"custom_id": "{ID}", "error": {{"message": "x"}}}}"#);
        let long = format!(
            r#"{{"custom_id": "{ID}", "response": {{"status_code": 200, "body": "{}"}}}}"#,
            "z".repeat(10_000)
        );
        let text = format!("{long}\n{ok}\n");
        let lines = read_results(text.as_bytes(), 1_000).expect("reads");
        assert_eq!(lines.len(), 2);
        match &lines[0].result {
            BatchResult::Failed { message, .. } => {
                assert!(
                    message.contains("more than max_response_bytes"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        let nameless = format!("{}\n", "q".repeat(10_000));
        let err = read_results(nameless.as_bytes(), 1_000).expect_err("no custom_id");
        assert_eq!(err.line, 1);
    }

    #[test]
    fn a_malformed_line_is_named_and_nothing_is_returned() {
        let text =
            format!("{{\"custom_id\": \"{ID}\", \"error\": {{\"message\": \"x\"}}}}\n\n{{oops\n");
        let err = read_results(text.as_bytes(), 1 << 20).expect_err("line 3 is bad");
        assert_eq!(err.line, 3);
        assert!(err.message.contains("invalid JSON"), "{err}");
    }
}
