//! The LLM answer contract end to end: a table of hand-written responses covering every status
//! and every coercion, the raw answers captured from the real local model, and a fuzz-style
//! loop proving that no input makes the parser panic.

use std::fs;
use std::path::Path;

use lead_bench::lead::Bands;
use lead_bench::lead::Label;
use lead_bench::prediction::Status;
use lead_bench::score::llm::{Coercion, ParsedAnswer, parse_answer};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const VALID: &str = r#"{"lead_score": 82, "lead_label": "high", "justification": "VP at a 900-person firm asking for pricing."}"#;

/// One table row: the response text, its finish_reason, and what must come out.
struct Case {
    name: &'static str,
    content: &'static str,
    finish: Option<&'static str>,
    status: Status,
    score: Option<(u8, Label)>,
    coercions: &'static [Coercion],
    /// Words the error message must contain (the field it names, for `invalid`).
    error_has: &'static [&'static str],
}

const fn case(
    name: &'static str,
    content: &'static str,
    status: Status,
    score: Option<(u8, Label)>,
    coercions: &'static [Coercion],
) -> Case {
    Case {
        name,
        content,
        finish: Some("stop"),
        status,
        score,
        coercions,
        error_has: &[],
    }
}

fn cases() -> Vec<Case> {
    use Coercion::*;
    use Label::*;
    use Status::*;
    vec![
        case("strict", VALID, Ok, Some((82, High)), &[]),
        case(
            "strict with extra analysis field",
            r#"{"analysis": "big, senior, urgent", "lead_score": 75, "lead_label": "high", "justification": "x"}"#,
            Ok,
            Some((75, High)),
            &[],
        ),
        case(
            "label disagreeing with its band is kept, not corrected",
            r#"{"lead_score": 20, "lead_label": "high", "justification": "x"}"#,
            Ok,
            Some((20, High)),
            &[],
        ),
        case(
            "code fence",
            "```json\n{\"lead_score\": 55, \"lead_label\": \"medium\", \"justification\": \"x\"}\n```",
            Coerced,
            Some((55, Medium)),
            &[CodeFence],
        ),
        case(
            "prose around one object",
            "Sure! Here is my assessment:\n{\"lead_score\": 30, \"lead_label\": \"low\", \"justification\": \"student {homework}\"}\nLet me know if you need more.",
            Coerced,
            Some((30, Low)),
            &[SurroundingText],
        ),
        case(
            "prose and a fence",
            "Answer:\n```\n{\"lead_score\": 30, \"lead_label\": \"low\", \"justification\": \"x\"}\n```",
            Coerced,
            Some((30, Low)),
            &[CodeFence, SurroundingText],
        ),
        case(
            "numeric string",
            r#"{"lead_score": "85", "lead_label": "high", "justification": "x"}"#,
            Coerced,
            Some((85, High)),
            &[ScoreString],
        ),
        case(
            "score out of 100 as a string",
            r#"{"lead_score": "64/100", "lead_label": "medium", "justification": "x"}"#,
            Coerced,
            Some((64, Medium)),
            &[ScoreString],
        ),
        case(
            "whole float",
            r#"{"lead_score": 85.0, "lead_label": "high", "justification": "x"}"#,
            Coerced,
            Some((85, High)),
            &[ScoreFloat],
        ),
        case(
            "fractional score is rounded",
            r#"{"lead_score": 85.5, "lead_label": "high", "justification": "x"}"#,
            Coerced,
            Some((86, High)),
            &[ScoreRounded],
        ),
        case(
            "label case and space",
            r#"{"lead_score": 45, "lead_label": " Medium ", "justification": "x"}"#,
            Coerced,
            Some((45, Medium)),
            &[LabelCase],
        ),
        case(
            "key case",
            r#"{"Lead_Score": 10, "LEAD LABEL": "low", "Justification": "x"}"#,
            Coerced,
            Some((10, Low)),
            &[KeyCase],
        ),
        case(
            "single quotes",
            "{'lead_score': 70, 'lead_label': 'high', 'justification': 'a \"quoted\" word'}",
            Coerced,
            Some((70, High)),
            &[SingleQuotes],
        ),
        case(
            "trailing comma",
            r#"{"lead_score": 70, "lead_label": "high", "justification": "x",}"#,
            Coerced,
            Some((70, High)),
            &[TrailingComma],
        ),
        case(
            "bare keys",
            r#"{lead_score: 41, lead_label: "medium", justification: "x"}"#,
            Coerced,
            Some((41, Medium)),
            &[UnquotedKeys],
        ),
        case(
            "raw newline inside a string",
            "{\"lead_score\": 41, \"lead_label\": \"medium\", \"justification\": \"a\nb\"}",
            Coerced,
            Some((41, Medium)),
            &[ControlCharacters],
        ),
        case(
            "a repeated key: the last value counts, and the repeat is recorded",
            r#"{"lead_score": 12, "lead_label": "low", "justification": "x", "lead_score": 100}"#,
            Coerced,
            Some((100, Low)),
            &[DuplicateKeys],
        ),
        case(
            "nested one level",
            r#"{"answer": {"lead_score": 90, "lead_label": "high", "justification": "x"}}"#,
            Coerced,
            Some((90, High)),
            &[NestedObject],
        ),
        case(
            "repeated identical objects read as one",
            "{\"lead_score\": 5, \"lead_label\": \"low\", \"justification\": \"x\"}\n{\"lead_score\": 5, \"lead_label\": \"low\", \"justification\": \"x\"}",
            Coerced,
            Some((5, Low)),
            &[SurroundingText],
        ),
        Case {
            error_has: &["lead_score", "outside 0–100"],
            ..case(
                "score above range",
                r#"{"lead_score": 150, "lead_label": "high", "justification": "x"}"#,
                Invalid,
                None,
                &[],
            )
        },
        Case {
            error_has: &["lead_score", "outside"],
            ..case(
                "negative score",
                r#"{"lead_score": -3, "lead_label": "low", "justification": "x"}"#,
                Invalid,
                None,
                &[],
            )
        },
        Case {
            error_has: &["lead_score", "0–1 fraction"],
            ..case(
                "probability instead of a score",
                r#"{"lead_score": 0.85, "lead_label": "high", "justification": "x"}"#,
                Invalid,
                None,
                &[],
            )
        },
        Case {
            error_has: &["lead_label", "urgent"],
            ..case(
                "unknown label",
                r#"{"lead_score": 80, "lead_label": "urgent", "justification": "x"}"#,
                Invalid,
                None,
                &[],
            )
        },
        Case {
            error_has: &["missing field `justification`"],
            ..case(
                "missing justification",
                r#"{"lead_score": 80, "lead_label": "high"}"#,
                Invalid,
                None,
                &[],
            )
        },
        Case {
            error_has: &["missing field `lead_score`", "missing field `lead_label`"],
            ..case(
                "only a justification, all problems named",
                r#"{"justification": "x"}"#,
                Invalid,
                None,
                &[],
            )
        },
        Case {
            error_has: &["lead_score", "null"],
            ..case(
                "null score",
                r#"{"lead_score": null, "lead_label": "low", "justification": "x"}"#,
                Invalid,
                None,
                &[],
            )
        },
        Case {
            error_has: &["empty"],
            ..case("empty", "  \n", ParseError, None, &[])
        },
        Case {
            error_has: &["no JSON object"],
            ..case(
                "prose only",
                "The lead seems strong, maybe 80.",
                ParseError,
                None,
                &[],
            )
        },
        Case {
            error_has: &["none of lead_score"],
            ..case(
                "an echoed schema is no answer",
                r#"<pre>{"type": "object", "properties": {"lead_score": {"type": "integer"}}, "required": ["lead_score"]}"#,
                ParseError,
                None,
                &[],
            )
        },
        Case {
            error_has: &["none of lead_score"],
            ..case("an empty object is no answer", "{}", ParseError, None, &[])
        },
        Case {
            error_has: &["no valid JSON object", "line 1"],
            ..case(
                "the format line echoed back",
                r#"The JSON object is: {"lead_score": 70, "lead_label": "high" | "medium" | "low"}"#,
                ParseError,
                None,
                &[],
            )
        },
        Case {
            error_has: &["different answer objects"],
            ..case(
                "two different answers",
                "{\"lead_score\": 5, \"lead_label\": \"low\", \"justification\": \"x\"} or {\"lead_score\": 50, \"lead_label\": \"medium\", \"justification\": \"y\"}",
                ParseError,
                None,
                &[],
            )
        },
        Case {
            error_has: &["unterminated"],
            ..case(
                "cut object without finish_reason",
                r#"{"lead_score": 82, "lead_label": "hi"#,
                ParseError,
                None,
                &[],
            )
        },
        Case {
            finish: Some("length"),
            error_has: &["max_tokens", "unterminated"],
            ..case(
                "cut at max_tokens",
                r#"{"analysis": "The company is large and the writer is a director so"#,
                Truncated,
                None,
                &[],
            )
        },
        Case {
            finish: Some("length"),
            ..case(
                "complete object before the cut is kept",
                "{\"lead_score\": 82, \"lead_label\": \"high\", \"justification\": \"x\"}\nAlso, I",
                Coerced,
                Some((82, High)),
                &[SurroundingText],
            )
        },
        Case {
            error_has: &["refusal"],
            ..case(
                "refusal",
                "I'm sorry, but I cannot help with scoring people.",
                Refused,
                None,
                &[],
            )
        },
        Case {
            error_has: &["refusal"],
            ..case(
                "an apology opening without an object",
                "I apologize, that is outside what I do.",
                Refused,
                None,
                &[],
            )
        },
        Case {
            finish: Some("content_filter"),
            error_has: &["content filter"],
            ..case("content filter", "", Refused, None, &[])
        },
    ]
}

#[test]
fn every_status_and_coercion_is_covered_by_the_table() {
    let cases = cases();
    for st in Status::ALL {
        if matches!(st, Status::ApiError | Status::Timeout | Status::Skipped) {
            continue; // made by the client or the run, not by parsing: see failures_keep_their_message
        }
        if matches!(st, Status::NoLogprobs | Status::NoLabelPosition) {
            continue; // made by reading token probabilities: see tests/it/logprobs.rs
        }
        assert!(cases.iter().any(|c| c.status == st), "no case for {st}");
    }
    let all = [
        Coercion::CodeFence,
        Coercion::SurroundingText,
        Coercion::NestedObject,
        Coercion::SingleQuotes,
        Coercion::TrailingComma,
        Coercion::UnquotedKeys,
        Coercion::ControlCharacters,
        Coercion::DuplicateKeys,
        Coercion::KeyCase,
        Coercion::ScoreString,
        Coercion::ScoreFloat,
        Coercion::ScoreRounded,
        Coercion::LabelCase,
    ];
    for co in all {
        assert!(
            cases.iter().any(|c| c.coercions.contains(&co)),
            "no case for {co}"
        );
    }
}

#[test]
fn table_of_responses_parses_as_expected() {
    for c in cases() {
        let got = parse_answer(c.content, c.finish);
        assert_eq!(got.status, c.status, "{}: {got:?}", c.name);
        assert_eq!(got.coercions, c.coercions, "{}: {got:?}", c.name);
        let score = got.score.as_ref().map(|s| (s.lead_score, s.lead_label));
        assert_eq!(score, c.score, "{}: {got:?}", c.name);
        assert_eq!(got.status.is_parsed(), got.score.is_some(), "{}", c.name);
        assert_eq!(got.status.is_parsed(), got.error.is_none(), "{}", c.name);
        let error = got.error.clone().unwrap_or_default();
        for word in c.error_has {
            assert!(error.contains(word), "{}: {error:?} lacks {word:?}", c.name);
        }
    }
}

#[test]
fn inconsistent_label_is_counted_later_not_corrected() {
    let got = parse_answer(
        r#"{"lead_score": 20, "lead_label": "high", "justification": "x"}"#,
        None,
    );
    let score = got.score.expect("parsed");
    assert_eq!(score.lead_label, Label::High);
    assert!(!score.is_consistent(&Bands::default()));
}

#[test]
fn analysis_and_justification_are_kept() {
    let got = parse_answer(
        r#"{"analysis": " weighs things ", "lead_score": 75, "lead_label": "high", "justification": " VP, pricing "}"#,
        Some("stop"),
    );
    assert_eq!(got.analysis.as_deref(), Some("weighs things"));
    assert_eq!(
        got.score.map(|s| s.justification),
        Some("VP, pricing".into())
    );
}

#[test]
fn failures_keep_their_message() {
    let f = ParsedAnswer::failure(Status::Timeout, "no answer within 60 s");
    assert_eq!(f.status.as_str(), "timeout");
    assert_eq!(f.error.as_deref(), Some("no answer within 60 s"));
    assert!(f.score.is_none() && f.coercions_joined().is_empty());
}

/// Every response captured from the real local model (scripts/capture-llm-answers.sh) parses
/// as reviewed by hand in `expected.tsv` (file, status, score, label, coercions). A new capture
/// without a reviewed row fails the test; `PRINT_PARSED=1 cargo test --test it answer:: --
/// --nocapture` prints the rows as the parser sees them, for review.
#[test]
fn captured_real_answers_parse_as_reviewed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/llm_answers");
    let expected_text = fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv exists");
    let expected: Vec<Vec<&str>> = expected_text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("the fixtures folder exists")
        .map(|e| e.expect("a readable folder entry").path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected captured answers in {}",
        dir.display()
    );
    let print = std::env::var_os("PRINT_PARSED").is_some();
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 name");
        let text = fs::read_to_string(path).expect("fixture is text");
        let body: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        let choice = &body["choices"][0];
        let content = choice["message"]["content"].as_str().unwrap_or("");
        let finish = choice["finish_reason"].as_str();
        let got = parse_answer(content, finish);
        let row = [
            name.to_string(),
            got.status.as_str().to_string(),
            got.score
                .as_ref()
                .map_or("-".into(), |s| s.lead_score.to_string()),
            got.score
                .as_ref()
                .map_or("-".into(), |s| s.lead_label.as_str().to_string()),
            got.coercions_joined(),
        ];
        if print {
            println!("{}\t# {:?}", row.join("\t"), got.error);
            continue;
        }
        let want = expected
            .iter()
            .find(|r| r.first() == Some(&name))
            .unwrap_or_else(|| panic!("{name}: no reviewed row in expected.tsv"));
        let want: Vec<String> = want.iter().map(|c| c.to_string()).collect();
        let want = [&want[..], &vec![String::new(); 5]].concat();
        assert_eq!(&row[..], &want[..5], "{name}: {got:?}");
        if finish == Some("length") && !got.status.is_parsed() {
            assert_eq!(got.status, Status::Truncated, "{name}");
        }
    }
}

/// Random strings and byte-level mutations of valid answers never panic, and the outcome is
/// always self-consistent.
#[test]
fn no_input_panics() {
    let mut rng = ChaCha8Rng::seed_from_u64(20_260_101);
    let seeds = [
        VALID,
        "```json\n{'lead_score': '85', lead_label: 'High', \"justification\": \"a\nb\",}\n```",
        r#"{"answer": {"lead_score": 85.5, "lead_label": "low", "justification": "{}"}}"#,
        "I'm sorry, but { I cannot",
    ];
    let alphabet: Vec<char> = "{}[]\"'\\:,.-0123456789 \n\tabcdefghijklmnopqrstuvwxyzé€💥`"
        .chars()
        .collect();
    for i in 0..4000 {
        let text: String = if i % 4 == 0 {
            let len = rng.random_range(0..80);
            (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect()
        } else {
            let mut bytes = seeds[i % seeds.len()].as_bytes().to_vec();
            for _ in 0..rng.random_range(1..6) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.random_range(0..bytes.len());
                match rng.random_range(0..3) {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, rng.random()),
                    _ => bytes[at] = rng.random(),
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let finish = [None, Some("stop"), Some("length")][i % 3];
        let got = parse_answer(&text, finish);
        assert_eq!(got.status.is_parsed(), got.score.is_some(), "{text:?}");
        assert_eq!(got.status.is_parsed(), got.error.is_none(), "{text:?}");
        if let Some(s) = got.score {
            assert!(s.lead_score <= 100, "{text:?}");
        }
    }
}

/// Deep nesting and long runs of braces stay errors, not stack overflows or long stalls.
#[test]
fn hostile_shapes_are_bounded() {
    let deep = format!(
        "{}\"lead_score\": 1{}",
        "{\"a\": ".repeat(5_000),
        "}".repeat(5_000)
    );
    let opens = "{".repeat(100_000);
    let quotes = format!("{{\"justification\": \"{}", "\\\"".repeat(50_000));
    for text in [deep.as_str(), opens.as_str(), quotes.as_str()] {
        let got = parse_answer(text, Some("stop"));
        assert!(!got.status.is_parsed(), "{}", &text[..40]);
        assert!(got.error.is_some());
    }
}
