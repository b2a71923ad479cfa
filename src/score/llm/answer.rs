//! The LLM answer contract: one raw chat completion becomes a [`ParsedAnswer`] — a status, a
//! [`Score`] when there is one, an error text when there is not, and the list of lenient
//! [`Coercion`]s applied. Parsing is layered (strict JSON → lenient extraction → validation),
//! every outcome is a status rather than a dropped row, and no input makes it panic.
//!
//! Decisions the design leaves open, fixed here:
//! - `finish_reason = "length"` marks the answer [`Status::Truncated`] only when no valid answer
//!   object could be read; a complete, valid object produced before the cut is kept with its
//!   normal status (the cut then only lost trailing text).
//! - A label that disagrees with the band of its score is kept as given: that is counted later
//!   with [`Score::is_consistent`], never corrected here.
//! - A score strictly between 0 and 1 (`0.85`) looks like a probability; it is `invalid` rather
//!   than guessed into 85 or rounded to 1.
//! - Several different answer objects in one response are a `parse_error` (which one the model
//!   meant is a guess); repeated identical objects are read as one.
//! - JSON with none of the contract's keys (an echoed schema, `{}`) is no answer: `parse_error`.
//!   An object with some of them is an answer with missing fields: `invalid`.
//! - A key given twice takes its last value (as JavaScript does) and is recorded as a coercion.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lead::Label;
use crate::score::Score;

use super::coercion::Coercion;
use super::relaxed::{self, Candidate};
use crate::prediction::Status;

/// The outcome of parsing one response. `score` is `Some` exactly when `status.is_parsed()`;
/// `error` is `Some` exactly when it is not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedAnswer {
    pub status: Status,
    pub score: Option<Score>,
    pub error: Option<String>,
    /// Lenient steps taken, in the order they were taken, without repeats.
    pub coercions: Vec<Coercion>,
    /// The `analysis` field of reason-first prompts, when the answer had one.
    pub analysis: Option<String>,
}

impl ParsedAnswer {
    /// A failure that happened before there was any text to parse (`api_error`, `timeout`,
    /// `refused` from a `refusal` field), with its message.
    pub fn failure(status: Status, error: impl Into<String>) -> ParsedAnswer {
        ParsedAnswer {
            status,
            score: None,
            error: Some(error.into()),
            coercions: Vec::new(),
            analysis: None,
        }
    }

    /// The coercion names joined with `,` (empty when none), for CSV columns.
    pub fn coercions_joined(&self) -> String {
        let names: Vec<&str> = self.coercions.iter().map(|c| c.as_str()).collect();
        names.join(",")
    }
}

/// Parses one response's message content; `finish_reason` is the API's (`stop`, `length`,
/// `content_filter`, …) when known.
pub fn parse_answer(content: &str, finish_reason: Option<&str>) -> ParsedAnswer {
    let parsed = parse_content(content);
    if parsed.status.is_parsed() {
        return parsed;
    }
    match finish_reason.map(str::trim) {
        Some("length") => ParsedAnswer {
            status: Status::Truncated,
            error: Some(format!(
                "the answer was cut at max_tokens (finish_reason = length): {}",
                parsed.error.as_deref().unwrap_or("no valid answer")
            )),
            ..parsed
        },
        Some("content_filter") if parsed.status == Status::ParseError => ParsedAnswer::failure(
            Status::Refused,
            "the endpoint's content filter stopped the answer (finish_reason = content_filter)",
        ),
        _ => parsed,
    }
}

fn parse_content(content: &str) -> ParsedAnswer {
    let text = content.trim();
    if text.is_empty() {
        return ParsedAnswer::failure(Status::ParseError, "empty response");
    }
    // Layer 1: the whole text is one JSON object.
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
        if !is_answer(&map) {
            return not_an_answer(1);
        }
        let mut coercions = Vec::new();
        if relaxed::has_duplicate_keys(text) {
            coercions.push(Coercion::DuplicateKeys);
        }
        return interpret(&map, coercions);
    }
    // Layer 2: lenient extraction.
    let mut coercions = Vec::new();
    let scanned = relaxed::find_objects(text);
    let mut readable: Vec<(&Candidate, Map<String, Value>)> = Vec::new();
    for cand in &scanned.objects {
        if let Some(map) = relaxed::parse_object(&cand.text, &mut Vec::new()) {
            readable.push((cand, map));
        }
    }
    // Prefer objects that carry the contract (directly or one level down) over stray ones
    // such as `{}` or `{name}` in prose.
    let answers: Vec<&(&Candidate, Map<String, Value>)> =
        readable.iter().filter(|(_, m)| is_answer(m)).collect();
    let chosen = match answers.as_slice() {
        [] if readable.is_empty() => {
            return match scanned.objects.first() {
                Some(cand) => ParsedAnswer::failure(
                    Status::ParseError,
                    format!(
                        "found {} `{{…}}` block(s) but no valid JSON object: {}",
                        scanned.objects.len(),
                        relaxed::json_error(&cand.text)
                    ),
                ),
                None => no_object(text, scanned.unterminated),
            };
        }
        [] => return not_an_answer(readable.len()),
        [first, rest @ ..] => {
            if rest.iter().any(|(_, m)| m != &first.1) {
                return ParsedAnswer::failure(
                    Status::ParseError,
                    format!(
                        "found {} different answer objects; expected one",
                        answers.len()
                    ),
                );
            }
            first
        }
    };
    let (cand, _) = chosen;
    if text.contains("```") {
        push(&mut coercions, Coercion::CodeFence);
    }
    if relaxed::has_prose_outside(text, cand) {
        push(&mut coercions, Coercion::SurroundingText);
    }
    let mut repairs = Vec::new();
    let Some(map) = relaxed::parse_object(&cand.text, &mut repairs) else {
        return ParsedAnswer::failure(Status::ParseError, "the answer object is not valid JSON");
    };
    for r in repairs {
        push(&mut coercions, r);
    }
    interpret(&map, coercions)
}

/// Whether an object is meant as an answer: it has a contract key, directly or one level down.
fn is_answer(map: &Map<String, Value>) -> bool {
    has_contract_key(map) || nested_answer(map).is_some()
}

/// JSON was found, but none of it is an answer (an echoed schema, `{}`, other keys).
fn not_an_answer(objects: usize) -> ParsedAnswer {
    let error = if objects == 1 {
        "the JSON object in the response has none of lead_score, lead_label, justification"
            .to_string()
    } else {
        format!(
            "none of the {objects} JSON objects in the response has lead_score, lead_label \
             or justification"
        )
    };
    ParsedAnswer::failure(Status::ParseError, error)
}

fn no_object(text: &str, unterminated: Option<usize>) -> ParsedAnswer {
    if is_refusal(text) {
        return ParsedAnswer::failure(Status::Refused, format!("refusal: {}", excerpt(text)));
    }
    let error = match unterminated {
        Some(at) => format!("unterminated JSON object starting at byte {at}"),
        None => format!("no JSON object in the response: {}", excerpt(text)),
    };
    ParsedAnswer::failure(Status::ParseError, error)
}

/// Phrases that open or carry a refusal. Checked only when the text holds no answer object,
/// so an answer that merely says "we cannot tell the budget" is never a refusal.
const REFUSAL_PHRASES: [&str; 18] = [
    "i can't help",
    "i cannot help",
    "i can't assist",
    "i cannot assist",
    "i can't provide",
    "i cannot provide",
    "i can't comply",
    "i cannot comply",
    "i'm sorry, but",
    "i am sorry, but",
    "i'm unable to",
    "i am unable to",
    "i'm not able to",
    "i am not able to",
    "i won't be able to",
    "i don't have the capability",
    "i do not have the capability",
    "as an ai",
];

/// Openings that, with no answer object after them, mean the model declined.
const REFUSAL_OPENINGS: [&str; 8] = [
    "sorry",
    "i'm sorry",
    "i am sorry",
    "i apologize",
    "i can't",
    "i cannot",
    "i will not",
    "i won't",
];

fn is_refusal(text: &str) -> bool {
    let lower = text.to_lowercase().replace(['\u{2019}', '`'], "'");
    REFUSAL_PHRASES.iter().any(|p| lower.contains(p))
        || REFUSAL_OPENINGS.iter().any(|p| lower.starts_with(p))
}

/// The first 120 characters of the text, on one line, for error messages.
fn excerpt(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = one_line.chars().take(120).collect();
    if one_line.chars().count() > 120 {
        out.push('…');
    }
    format!("{out:?}")
}

fn push(coercions: &mut Vec<Coercion>, c: Coercion) {
    if !coercions.contains(&c) {
        coercions.push(c);
    }
}

const FIELDS: [&str; 3] = ["lead_score", "lead_label", "justification"];

/// `Lead Score`, `lead-score`, ` LEAD_SCORE ` all normalise to `lead_score`.
fn normalise_key(k: &str) -> String {
    k.trim().to_lowercase().replace([' ', '-'], "_")
}

fn has_contract_key(map: &Map<String, Value>) -> bool {
    map.keys()
        .any(|k| FIELDS.contains(&normalise_key(k).as_str()))
}

/// The one nested object that carries the contract, when the top level does not. A nested
/// object counts only when a contract key holds a plain value there: an echoed JSON schema
/// (`{"properties": {"lead_score": {"type": …}}}`) is not an answer.
fn nested_answer(map: &Map<String, Value>) -> Option<&Map<String, Value>> {
    if has_contract_key(map) {
        return None;
    }
    let carries = |m: &Map<String, Value>| {
        m.iter().any(|(k, v)| {
            FIELDS.contains(&normalise_key(k).as_str()) && !matches!(v, Value::Object(_))
        })
    };
    let mut nested = map.values().filter_map(|v| match v {
        Value::Object(m) if carries(m) => Some(m),
        _ => None,
    });
    let first = nested.next()?;
    nested.next().is_none().then_some(first)
}

/// Looks a field up exactly, then by normalised key (recording `key_case`).
fn field<'m>(
    map: &'m Map<String, Value>,
    name: &str,
    coercions: &mut Vec<Coercion>,
) -> Option<&'m Value> {
    if let Some(v) = map.get(name) {
        return Some(v);
    }
    let found = map.iter().find(|(k, _)| normalise_key(k) == name)?;
    push(coercions, Coercion::KeyCase);
    Some(found.1)
}

/// Layer 3: validation of the object's fields against the contract.
fn interpret(map: &Map<String, Value>, mut coercions: Vec<Coercion>) -> ParsedAnswer {
    let map = match nested_answer(map) {
        Some(inner) => {
            push(&mut coercions, Coercion::NestedObject);
            inner
        }
        None => map,
    };
    let mut problems = Vec::new();
    let score = match field(map, "lead_score", &mut coercions) {
        None => {
            problems.push("missing field `lead_score`".to_string());
            None
        }
        Some(v) => match read_score(v, &mut coercions) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(format!("lead_score: {e}"));
                None
            }
        },
    };
    let label = match field(map, "lead_label", &mut coercions) {
        None => {
            problems.push("missing field `lead_label`".to_string());
            None
        }
        Some(v) => match read_label(v, &mut coercions) {
            Ok(l) => Some(l),
            Err(e) => {
                problems.push(format!("lead_label: {e}"));
                None
            }
        },
    };
    let justification = match field(map, "justification", &mut coercions) {
        None => {
            problems.push("missing field `justification`".to_string());
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(other) => {
            problems.push(format!(
                "justification: expected a string, found {}",
                describe(other)
            ));
            None
        }
    };
    let analysis = match field(map, "analysis", &mut Vec::new()) {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        _ => None,
    };
    match (score, label, justification) {
        (Some(lead_score), Some(lead_label), Some(justification)) if problems.is_empty() => {
            ParsedAnswer {
                status: if coercions.is_empty() {
                    Status::Ok
                } else {
                    Status::Coerced
                },
                score: Some(Score {
                    lead_score,
                    lead_label,
                    justification,
                    probabilities: None,
                }),
                error: None,
                coercions,
                analysis,
            }
        }
        _ => ParsedAnswer {
            status: Status::Invalid,
            score: None,
            error: Some(problems.join("; ")),
            coercions,
            analysis,
        },
    }
}

fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn read_score(v: &Value, coercions: &mut Vec<Coercion>) -> Result<u8, String> {
    let number = match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return in_range(i as f64, v);
            }
            if let Some(u) = n.as_u64() {
                return in_range(u as f64, v);
            }
            n.as_f64()
                .ok_or_else(|| format!("expected an integer 0–100, found {n}"))?
        }
        Value::String(s) => {
            let t = s.trim();
            let t = t
                .strip_suffix("/100")
                .or_else(|| t.strip_suffix('%'))
                .unwrap_or(t)
                .trim();
            let parsed: f64 = t
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| format!("expected an integer 0–100, found {}", describe(v)))?;
            push(coercions, Coercion::ScoreString);
            parsed
        }
        other => {
            return Err(format!(
                "expected an integer 0–100, found {}",
                describe(other)
            ));
        }
    };
    if number.fract() == 0.0 {
        if matches!(v, Value::Number(_)) {
            push(coercions, Coercion::ScoreFloat);
        }
        return in_range(number, v);
    }
    if number > 0.0 && number < 1.0 {
        return Err(format!(
            "{} looks like a 0–1 fraction; expected an integer 0–100",
            describe(v)
        ));
    }
    push(coercions, Coercion::ScoreRounded);
    in_range(number.round(), v)
}

fn in_range(x: f64, original: &Value) -> Result<u8, String> {
    if (0.0..=100.0).contains(&x) {
        Ok(x as u8)
    } else {
        Err(format!("{} is outside 0–100", describe(original)))
    }
}

fn read_label(v: &Value, coercions: &mut Vec<Coercion>) -> Result<Label, String> {
    let Value::String(s) = v else {
        return Err(format!(
            "expected one of high, medium, low, found {}",
            describe(v)
        ));
    };
    if let Some(l) = Label::ALL.into_iter().find(|l| l.as_str() == s) {
        return Ok(l);
    }
    match Label::parse_lenient(s) {
        Some(l) => {
            push(coercions, Coercion::LabelCase);
            Ok(l)
        }
        None => Err(format!(
            "expected one of high, medium, low, found {}",
            describe(v)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_answer_needs_exactly_one_carrier() {
        let one: Map<String, Value> =
            serde_json::from_str(r#"{"answer": {"lead_score": 5}, "x": 1}"#).expect("json");
        assert!(nested_answer(&one).is_some());
        let two: Map<String, Value> =
            serde_json::from_str(r#"{"a": {"lead_score": 5}, "b": {"lead_label": "low"}}"#)
                .expect("json");
        assert!(nested_answer(&two).is_none());
    }

    #[test]
    fn refusal_needs_refusal_wording() {
        assert!(is_refusal("I'm sorry, but I cannot help with that."));
        assert!(is_refusal("I can’t help with that request."));
        assert!(!is_refusal("The lead looks strong: score 80."));
    }
}
