//! Which scorers a run tests against which: every scorer against the heuristic, every other
//! scorer against the learned model, every two prompts of one model, and each logprobs
//! reading against the verbalized answers it reads.

use serde::Serialize;

use crate::prediction::ScorerId;

/// Why two scorers were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    /// A scorer against the heuristic baseline.
    VsHeuristic,
    /// A scorer other than the baselines against the learned baseline.
    VsLearned,
    /// Two prompts on the same model (two verbalized scorers, or two logprobs readings).
    PromptVariants,
    /// A logprobs reading against the verbalized answers it reads (`a` the reading).
    TokenProbabilities,
    /// The same scorer id in two runs (`bench compare`).
    AcrossRuns,
}

/// The pairs to test among scorer ids, in report order: every scorer against the heuristic,
/// every other scorer against the learned model, every two prompts of one model (two
/// verbalized scorers or two readings), and each reading against the answers it reads.
pub(crate) fn pairs_to_test(ids: &[&str]) -> Vec<(usize, usize, PairKind)> {
    let mut out = Vec::new();
    let ids: Vec<ScorerId> = ids.iter().map(|id| ScorerId::from(*id)).collect();
    if let Some(h) = ids.iter().position(|id| *id == ScorerId::Heuristic) {
        for (i, _) in ids.iter().enumerate().filter(|(i, _)| *i != h) {
            out.push((i, h, PairKind::VsHeuristic));
        }
    }
    if let Some(l) = ids.iter().position(|id| *id == ScorerId::Learned) {
        for (i, _) in ids.iter().enumerate().filter(|(_, id)| !id.is_baseline()) {
            out.push((i, l, PairKind::VsLearned));
        }
    }
    for i in 0..ids.len() {
        for j in i + 1..ids.len() {
            let (a, b) = (&ids[i], &ids[j]);
            if a.model().is_none() || a.model() != b.model() {
                continue;
            }
            let reading = |r: &ScorerId, v: &ScorerId| {
                matches!(r, ScorerId::Logprobs { .. }) && r.answered_by().as_ref() == Some(v)
            };
            if reading(a, b) {
                out.push((i, j, PairKind::TokenProbabilities));
            } else if reading(b, a) {
                out.push((j, i, PairKind::TokenProbabilities));
            } else if matches!(a, ScorerId::Logprobs { .. })
                == matches!(b, ScorerId::Logprobs { .. })
            {
                out.push((i, j, PairKind::PromptVariants));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pairs to test among `ids`, by name.
    fn named_pairs<'a>(ids: &[&'a str]) -> Vec<(&'a str, &'a str, PairKind)> {
        let pairs = pairs_to_test(ids);
        pairs.iter().map(|&(i, j, k)| (ids[i], ids[j], k)).collect()
    }

    #[test]
    fn pairs_are_vs_heuristic_and_prompt_variants_of_one_model() {
        let ids = [
            "heuristic",
            "learned",
            "llm/m1/a",
            "llm/m1/b",
            "llm/m2/a",
            "llm/org/m3/a",
        ];
        assert_eq!(
            named_pairs(&ids),
            vec![
                ("learned", "heuristic", PairKind::VsHeuristic),
                ("llm/m1/a", "heuristic", PairKind::VsHeuristic),
                ("llm/m1/b", "heuristic", PairKind::VsHeuristic),
                ("llm/m2/a", "heuristic", PairKind::VsHeuristic),
                ("llm/org/m3/a", "heuristic", PairKind::VsHeuristic),
                ("llm/m1/a", "learned", PairKind::VsLearned),
                ("llm/m1/b", "learned", PairKind::VsLearned),
                ("llm/m2/a", "learned", PairKind::VsLearned),
                ("llm/org/m3/a", "learned", PairKind::VsLearned),
                ("llm/m1/a", "llm/m1/b", PairKind::PromptVariants),
            ]
        );
    }

    /// A reading is paired with the answers it reads, and readings of one model with each
    /// other; a reading and another prompt's answers are not a pair.
    #[test]
    fn a_logprobs_reading_is_paired_with_its_verbalized_answers() {
        let ids = ["llm/m/a", "llm/m/a@logprobs", "llm/m/b", "llm/m/b@logprobs"];
        assert_eq!(
            named_pairs(&ids),
            vec![
                ("llm/m/a@logprobs", "llm/m/a", PairKind::TokenProbabilities),
                ("llm/m/a", "llm/m/b", PairKind::PromptVariants),
                (
                    "llm/m/a@logprobs",
                    "llm/m/b@logprobs",
                    PairKind::PromptVariants
                ),
                ("llm/m/b@logprobs", "llm/m/b", PairKind::TokenProbabilities),
            ]
        );
    }
}
