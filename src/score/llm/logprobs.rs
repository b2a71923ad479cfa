//! Reading an answer's token probabilities (`logprobs: true, top_logprobs: N` in a chat
//! completion): at the token where the answer writes the value of `lead_label`, the
//! alternatives the model weighed give p(low), p(medium), p(high); at the first token of
//! `lead_score`'s value, where it holds the whole number, they give the expected score.
//!
//! Finding the position: the answer's tokens, joined, are its text; the value of
//! `lead_label` starts after the key, the colon, white space and the opening quote. The token
//! covering that first character may hold some of what comes before it (a quote, a space):
//! that prefix is taken off each alternative, and an alternative that does not start with it
//! is another way of writing the text before the label, not a label, and is left out. What
//! remains is read as a label when its letters begin exactly one label word (`hi` of a label
//! split into `hi`+`gh`, `High`) and, when more follows the letters (`high"`), the letters
//! are the whole word. The chosen token counts once, whether or not it is among the listed
//! alternatives. A label none of the N alternatives begins gets probability 0.
//!
//! The probabilities are renormalised over the labels found: p(L) = Σ exp(logprob) of the
//! alternatives read as L, divided by the sum over the three labels. The score is
//! `round(50·p(medium) + 100·p(high))` — the expected ordinal value (low 0, medium 1,
//! high 2) on the 0–100 scale, continuous where the verbalized label is a step — and the
//! label is the band that score falls in, so the two always agree.

use std::borrow::Cow;

use serde::Deserialize;

use crate::lead::{Bands, Label};

/// What an answer's token probabilities say.
#[derive(Debug, Clone, PartialEq)]
pub struct LogprobReading {
    /// p(low), p(medium), p(high), renormalised over the three labels.
    pub p: [f64; 3],
    /// `round(50·p(medium) + 100·p(high))`.
    pub score: u8,
    /// The band of `score`.
    pub label: Label,
    /// Σ p(n)·n over the alternatives at `lead_score`'s first token that are whole numbers
    /// from 0 to 100, renormalised; `None` when that token does not hold the whole number.
    pub expected_score: Option<f64>,
}

/// Why an answer's token probabilities could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogprobsError {
    #[error("the answer carries no token probabilities (choices[0].logprobs.content)")]
    Missing,
    #[error("the label's position was not found in the answer's tokens: {0}")]
    NoPosition(&'static str),
}

/// One token of the answer with the alternatives the model weighed there, borrowed from the
/// body where it can be (a body with ten alternatives a token holds thousands of them).
struct Token<'a> {
    text: Cow<'a, [u8]>,
    logprob: f64,
    top: Vec<(Cow<'a, [u8]>, f64)>,
}

/// Reads the label probabilities (and, where it can, the expected score) of a chat
/// completion `body`.
pub fn read_logprobs(body: &str, bands: &Bands) -> Result<LogprobReading, LogprobsError> {
    let tokens = tokens(body).ok_or(LogprobsError::Missing)?;
    let text: Vec<u8> = tokens.iter().flat_map(|t| t.text.iter().copied()).collect();
    let at = value_start(&text, b"\"lead_label\"").ok_or(LogprobsError::NoPosition(
        "the answer has no \"lead_label\" value",
    ))?;
    let mut mass = [0.0f64; 3];
    for (alt, logprob) in alternatives(&tokens, at) {
        if let Some(label) = label_of(&alt) {
            mass[label.index()] += logprob.exp();
        }
    }
    let total: f64 = mass.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(LogprobsError::NoPosition(
            "no alternative at the label's first token begins a label",
        ));
    }
    let p = mass.map(|m| m / total);
    let score = (50.0 * p[1] + 100.0 * p[2]).round().clamp(0.0, 100.0) as u8;
    Ok(LogprobReading {
        p,
        score,
        label: bands.label_for(score),
        expected_score: expected_score(&tokens, &text),
    })
}

/// The tokens of `choices[0].logprobs.content`, each from its `bytes` when given (a token
/// may hold part of a character) or its text. Read into these types alone: the rest of the
/// body (the message, usage) is skipped, not built.
fn tokens(body: &str) -> Option<Vec<Token<'_>>> {
    #[derive(Deserialize)]
    struct Body<'a> {
        #[serde(borrow)]
        choices: Vec<Choice<'a>>,
    }
    #[derive(Deserialize)]
    struct Choice<'a> {
        #[serde(borrow)]
        logprobs: Option<Logprobs<'a>>,
    }
    #[derive(Deserialize)]
    struct Logprobs<'a> {
        #[serde(borrow)]
        content: Option<Vec<Wire<'a>>>,
    }
    #[derive(Deserialize)]
    struct Wire<'a> {
        #[serde(borrow)]
        token: Cow<'a, str>,
        logprob: f64,
        bytes: Option<Vec<u8>>,
        #[serde(default, borrow)]
        top_logprobs: Vec<Alternative<'a>>,
    }
    #[derive(Deserialize)]
    struct Alternative<'a> {
        #[serde(borrow)]
        token: Cow<'a, str>,
        logprob: f64,
        bytes: Option<Vec<u8>>,
    }
    /// A token's bytes: its `bytes` when given, else its text.
    fn bytes_of<'a>(token: Cow<'a, str>, bytes: Option<Vec<u8>>) -> Cow<'a, [u8]> {
        match (bytes, token) {
            (Some(b), _) => Cow::Owned(b),
            (None, Cow::Borrowed(t)) => Cow::Borrowed(t.as_bytes()),
            (None, Cow::Owned(t)) => Cow::Owned(t.into_bytes()),
        }
    }
    let body: Body<'_> = serde_json::from_str(body).ok()?;
    let content = body.choices.into_iter().next()?.logprobs?.content?;
    let tokens: Vec<Token<'_>> = content
        .into_iter()
        .map(|t| Token {
            text: bytes_of(t.token, t.bytes),
            logprob: t.logprob,
            top: t
                .top_logprobs
                .into_iter()
                .map(|a| (bytes_of(a.token, a.bytes), a.logprob))
                .collect(),
        })
        .collect();
    (!tokens.is_empty()).then_some(tokens)
}

/// Where the value of `key` starts in `text`: after the key, white space, `:`, white space
/// and an opening quote if there is one.
fn value_start(text: &[u8], key: &[u8]) -> Option<usize> {
    let mut i = text.windows(key.len()).position(|w| w == key)? + key.len();
    let skip_space = |i: &mut usize| {
        while text.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    skip_space(&mut i);
    if text.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    skip_space(&mut i);
    if text.get(i) == Some(&b'"') {
        i += 1;
    }
    (i < text.len()).then_some(i)
}

/// The alternatives at the token covering byte `at` of the joined text, each with the part
/// before `at` taken off (those that do not share it are left out), the chosen one included
/// once.
fn alternatives(tokens: &[Token<'_>], at: usize) -> Vec<(Vec<u8>, f64)> {
    let mut start = 0;
    for t in tokens {
        let end = start + t.text.len();
        if (start..end).contains(&at) {
            let prefix = &t.text[..at - start];
            let mut alts: Vec<(&[u8], f64)> = Vec::with_capacity(t.top.len() + 1);
            for (alt, logprob) in
                std::iter::once((&t.text, t.logprob)).chain(t.top.iter().map(|(a, l)| (a, *l)))
            {
                if !alts.iter().any(|(seen, _)| *seen == &alt[..]) {
                    alts.push((alt, logprob));
                }
            }
            return alts
                .into_iter()
                .filter_map(|(alt, l)| Some((alt.strip_prefix(prefix)?.to_vec(), l)))
                .collect();
        }
        start = end;
    }
    Vec::new()
}

/// The label an alternative begins, if it begins exactly one.
fn label_of(rest: &[u8]) -> Option<Label> {
    let letters = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 {
        return None;
    }
    let word = rest[..letters].to_ascii_lowercase();
    let complete = letters < rest.len();
    let mut found = Label::ALL.into_iter().filter(|l| {
        let name = l.as_str().as_bytes();
        if complete {
            name == word.as_slice()
        } else {
            name.starts_with(&word)
        }
    });
    match (found.next(), found.next()) {
        (Some(label), None) => Some(label),
        _ => None,
    }
}

/// The expected score from the alternatives at `lead_score`'s first token, when that token
/// holds the whole number (the next character is not a digit).
fn expected_score(tokens: &[Token<'_>], text: &[u8]) -> Option<f64> {
    let at = value_start(text, b"\"lead_score\"")?;
    let mut start = 0;
    let mut end_of_token = None;
    for t in tokens {
        let end = start + t.text.len();
        if (start..end).contains(&at) {
            end_of_token = Some(end);
            break;
        }
        start = end;
    }
    if text.get(end_of_token?).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let (mut weighted, mut total) = (0.0, 0.0);
    for (alt, logprob) in alternatives(tokens, at) {
        let digits = alt.iter().take_while(|b| b.is_ascii_digit()).count();
        let whole = digits > 0 && alt[digits..].iter().all(|b| !b.is_ascii_alphanumeric());
        let n: Option<u32> = std::str::from_utf8(&alt[..digits]).ok()?.parse().ok();
        if let (true, Some(n @ 0..=100)) = (whole, n) {
            weighted += logprob.exp() * f64::from(n);
            total += logprob.exp();
        }
    }
    (total > 0.0).then(|| weighted / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// A token of a test answer: its text, its logprob and its alternatives.
    type TestToken<'a> = (&'a str, f64, &'a [(&'a str, f64)]);

    /// A completion body whose content is `tokens` joined, each with its alternatives.
    fn body(tokens: &[TestToken<'_>]) -> String {
        let content: String = tokens.iter().map(|t| t.0).collect();
        let lp: Vec<Value> = tokens
            .iter()
            .map(|(t, l, top)| {
                json!({
                    "token": t,
                    "logprob": l,
                    "top_logprobs": top.iter().map(|(a, l)| json!({"token": a, "logprob": l})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"choices": [{"message": {"content": content}, "logprobs": {"content": lp}}]})
            .to_string()
    }

    fn ln(p: f64) -> f64 {
        p.ln()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn a_label_in_one_token_with_its_quote_reads_its_alternatives() {
        // `{"lead_label": "high", …}`: the value's token is ` "high` (quote and space inside).
        let b = body(&[
            ("{\"lead_label\":", 0.0, &[]),
            (
                " \"high",
                ln(0.6),
                &[
                    (" \"high", ln(0.6)),
                    (" \"medium", ln(0.3)),
                    (" \"low", ln(0.05)),
                    (" {", ln(0.05)),
                ],
            ),
            ("\", \"lead_score\": 80}", 0.0, &[]),
        ]);
        let r = read_logprobs(&b, &Bands::default()).expect("read");
        close(r.p[2], 0.6 / 0.95);
        close(r.p[1], 0.3 / 0.95);
        close(r.p[0], 0.05 / 0.95);
        let expected = (50.0 * 0.3 / 0.95 + 100.0 * 0.6 / 0.95f64).round() as u8;
        assert_eq!(r.score, expected);
        assert_eq!(r.label, Bands::default().label_for(expected));
    }

    #[test]
    fn a_label_split_over_two_tokens_is_read_at_its_first() {
        // `"hi"` + `"gh"`: the alternatives at `hi` are label beginnings.
        let b = body(&[
            ("{\"lead_label\": \"", 0.0, &[]),
            (
                "hi",
                ln(0.5),
                &[("hi", ln(0.5)), ("med", ln(0.25)), ("lo", ln(0.25))],
            ),
            ("gh\"}", 0.0, &[]),
        ]);
        let r = read_logprobs(&b, &Bands::default()).expect("read");
        assert_eq!(r.p, [0.25, 0.25, 0.5]);
        assert_eq!(r.score, 63); // 12.5 + 50 = 62.5 → 63
    }

    #[test]
    fn a_label_absent_from_the_top_n_gets_zero_and_the_chosen_token_counts_once() {
        // The chosen ` "Medium"` is not listed among the alternatives; `low` never appears.
        let b = body(&[
            ("{\"lead_score\": 55, \"lead_label\":", 0.0, &[]),
            (
                " \"Medium\"",
                ln(0.7),
                &[(" \"High\"", ln(0.1)), (" \"", ln(0.2))],
            ),
            ("}", 0.0, &[]),
        ]);
        let r = read_logprobs(&b, &Bands::default()).expect("read");
        close(r.p[0], 0.0);
        close(r.p[1], 0.875);
        close(r.p[2], 0.125);
        assert_eq!(r.score, 56); // 43.75 + 12.5 = 56.25
    }

    #[test]
    fn the_score_field_before_the_label_gives_an_expected_score_when_its_token_is_whole() {
        let b = body(&[
            ("{\"lead_score\": ", 0.0, &[]),
            (
                "80",
                ln(0.5),
                &[("80", ln(0.5)), ("70", ln(0.25)), ("9", ln(0.25))],
            ),
            (", \"lead_label\": \"", 0.0, &[]),
            ("high", ln(0.9), &[("high", ln(0.9)), ("medium", ln(0.1))]),
            ("\"}", 0.0, &[]),
        ]);
        let r = read_logprobs(&b, &Bands::default()).expect("read");
        close(
            r.expected_score.expect("whole number"),
            0.5 * 80.0 + 0.25 * 70.0 + 0.25 * 9.0,
        );
        close(r.p[2], 0.9);
        // A score split over tokens (`8` + `0`) gives no expected score.
        let split = body(&[
            ("{\"lead_score\": ", 0.0, &[]),
            ("8", ln(0.5), &[("8", ln(0.5)), ("7", ln(0.5))]),
            ("0, \"lead_label\": \"high\"}", ln(0.9), &[]),
        ]);
        let r = read_logprobs(&split, &Bands::default()).expect("read");
        assert_eq!(r.expected_score, None);
        assert_eq!(r.p, [0.0, 0.0, 1.0]);
    }

    #[test]
    fn missing_logprobs_and_unfound_labels_are_errors_not_panics() {
        let plain = json!({"choices": [{"message": {"content": "{}"}}]}).to_string();
        assert_eq!(
            read_logprobs(&plain, &Bands::default()),
            Err(LogprobsError::Missing)
        );
        assert_eq!(
            read_logprobs("not json", &Bands::default()),
            Err(LogprobsError::Missing)
        );
        let no_label = body(&[("{\"lead_score\": 5}", 0.0, &[])]);
        assert!(matches!(
            read_logprobs(&no_label, &Bands::default()),
            Err(LogprobsError::NoPosition(_))
        ));
        let not_a_label = body(&[
            ("{\"lead_label\": \"", 0.0, &[]),
            ("unknown", ln(0.9), &[("maybe", ln(0.1))]),
            ("\"}", 0.0, &[]),
        ]);
        assert!(matches!(
            read_logprobs(&not_a_label, &Bands::default()),
            Err(LogprobsError::NoPosition(_))
        ));
    }
}
