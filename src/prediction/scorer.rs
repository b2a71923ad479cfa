//! Which scorer made a prediction: [`ScorerId`], written as `heuristic`, `learned`,
//! `llm/<model>/<prompt>` (and `…@logprobs`, its token-probability reading), `ensemble/<name>` or `cascade/<name>` in predictions files, reports and `--only` patterns. Every room
//! that names or reads a scorer goes through this type, so a new kind of scorer is one new
//! variant here.

use std::fmt;
use std::str::FromStr;

/// What the id of an LLM scorer's logprobs reading ends with.
pub const LOGPROBS: &str = "@logprobs";

/// A scorer, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScorerId {
    Heuristic,
    Learned,
    /// An LLM model under one prompt.
    Llm {
        model: String,
        prompt: String,
    },
    /// The same answers as `Llm { model, prompt }`, read from their token probabilities
    /// (`logprobs = true`): `llm/<model>/<prompt>@logprobs`.
    Logprobs {
        model: String,
        prompt: String,
    },
    /// A combination of other scorers' predictions (`[[ensembles]]`), by its name.
    Ensemble(String),
    /// One scorer's answer, or another's on the leads it escalates (`[[cascades]]`).
    Cascade(String),
    /// An id bench does not make itself (a predictions file written elsewhere): kept as
    /// written, compared by its text.
    Other(String),
}

impl ScorerId {
    pub fn llm(model: &str, prompt: &str) -> ScorerId {
        ScorerId::Llm {
            model: model.to_string(),
            prompt: prompt.to_string(),
        }
    }

    /// The model of an LLM scorer (or of its logprobs reading).
    pub fn model(&self) -> Option<&str> {
        match self {
            ScorerId::Llm { model, .. } | ScorerId::Logprobs { model, .. } => Some(model),
            _ => None,
        }
    }

    /// The prompt of an LLM scorer (or of its logprobs reading).
    pub fn prompt(&self) -> Option<&str> {
        match self {
            ScorerId::Llm { prompt, .. } | ScorerId::Logprobs { prompt, .. } => Some(prompt),
            _ => None,
        }
    }

    /// Made from an LLM's answers: an LLM scorer or its logprobs reading.
    pub fn is_llm(&self) -> bool {
        matches!(self, ScorerId::Llm { .. } | ScorerId::Logprobs { .. })
    }

    /// The logprobs reading of an LLM scorer.
    pub fn logprobs(&self) -> Option<ScorerId> {
        match self {
            ScorerId::Llm { model, prompt } => Some(ScorerId::Logprobs {
                model: model.clone(),
                prompt: prompt.clone(),
            }),
            _ => None,
        }
    }

    /// The LLM scorer whose answers a logprobs reading reads; an LLM scorer itself.
    pub fn answered_by(&self) -> Option<ScorerId> {
        match self {
            ScorerId::Llm { model, prompt } | ScorerId::Logprobs { model, prompt } => {
                Some(ScorerId::llm(model, prompt))
            }
            _ => None,
        }
    }

    /// The heuristic or the learned model: the in-process baselines.
    pub fn is_baseline(&self) -> bool {
        matches!(self, ScorerId::Heuristic | ScorerId::Learned)
    }

    /// Computed from other scorers' predictions (no request of its own).
    pub fn is_derived(&self) -> bool {
        matches!(self, ScorerId::Ensemble(_) | ScorerId::Cascade(_))
    }

    /// Whether an `--only` pattern keeps this scorer: `*` matches any run of characters; a
    /// pattern without `*` matches ids that contain it.
    pub fn matches(&self, pattern: &str) -> bool {
        matches_pattern(pattern, &self.to_string())
    }
}

impl fmt::Display for ScorerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScorerId::Heuristic => f.write_str("heuristic"),
            ScorerId::Learned => f.write_str("learned"),
            ScorerId::Llm { model, prompt } => write!(f, "llm/{model}/{prompt}"),
            ScorerId::Logprobs { model, prompt } => write!(f, "llm/{model}/{prompt}{LOGPROBS}"),
            ScorerId::Ensemble(name) => write!(f, "ensemble/{name}"),
            ScorerId::Cascade(name) => write!(f, "cascade/{name}"),
            ScorerId::Other(id) => f.write_str(id),
        }
    }
}

impl FromStr for ScorerId {
    type Err = std::convert::Infallible;

    /// Reads any id: what is not one of bench's own kinds is [`ScorerId::Other`]. The prompt
    /// is what follows the last `/`, so a model name read back may hold a `/`.
    fn from_str(id: &str) -> Result<ScorerId, Self::Err> {
        Ok(match id {
            "heuristic" => ScorerId::Heuristic,
            "learned" => ScorerId::Learned,
            _ if id.starts_with("ensemble/") && id.len() > "ensemble/".len() => {
                ScorerId::Ensemble(id["ensemble/".len()..].to_string())
            }
            _ if id.starts_with("cascade/") && id.len() > "cascade/".len() => {
                ScorerId::Cascade(id["cascade/".len()..].to_string())
            }
            _ => match id
                .strip_prefix("llm/")
                .and_then(|rest| rest.rsplit_once('/'))
            {
                Some((model, prompt)) if !model.is_empty() && !prompt.is_empty() => {
                    match prompt.strip_suffix(LOGPROBS) {
                        Some(p) if !p.is_empty() => ScorerId::Logprobs {
                            model: model.to_string(),
                            prompt: p.to_string(),
                        },
                        _ => ScorerId::llm(model, prompt),
                    }
                }
                _ => ScorerId::Other(id.to_string()),
            },
        })
    }
}

impl From<&str> for ScorerId {
    fn from(id: &str) -> ScorerId {
        match id.parse() {
            Ok(id) => id,
            Err(never) => match never {},
        }
    }
}

/// Whether `pattern` (`*` for any run of characters; without `*`, a substring) matches `id`.
fn matches_pattern(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return id.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !id.starts_with(first) || id.len() < first.len() + last.len() || !id.ends_with(last) {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ScorerId {
        text.parse().expect("infallible")
    }

    #[test]
    fn ids_read_back_as_they_are_written() {
        for text in [
            "heuristic",
            "learned",
            "llm/smollm2/rubric",
            "llm/org/m3/a",
            "ensemble/avg",
            "cascade/h2l",
            "mine",
        ] {
            assert_eq!(id(text).to_string(), text);
        }
        assert_eq!(id("llm/org/m3/a").model(), Some("org/m3"));
        assert_eq!(id("llm/m/p").prompt(), Some("p"));
        assert_eq!(id("llm/onlymodel"), ScorerId::Other("llm/onlymodel".into()));
        assert_eq!(id("heuristic").model(), None);
        assert!(id("llm/m/p").is_llm() && !id("learned").is_llm());
        assert!(id("learned").is_baseline() && !id("llm/m/p").is_baseline());
        assert_eq!(id("ensemble/avg"), ScorerId::Ensemble("avg".into()));
        assert!(id("ensemble/avg").is_derived() && !id("ensemble/avg").is_llm());
        assert_eq!(id("ensemble/"), ScorerId::Other("ensemble/".into()));
    }

    #[test]
    fn only_patterns() {
        assert!(id("heuristic").matches("heuristic"));
        assert!(id("llm/smollm2/rubric").matches("llm/"));
        assert!(!id("heuristic").matches("learned"));
        assert!(id("llm/smollm2/rubric").matches("llm/*/rubric"));
        assert!(!id("llm/smollm2/zero_shot").matches("llm/*/rubric"));
        assert!(id("learned").matches("*"));
        assert!(id("llm/smollm2/few_shot").matches("llm/*m*/*"));
        assert!(!matches_pattern("a*a", "a"));
    }
}
