//! What two runs read that may explain why they differ: their prompt templates and the
//! heuristic's rules, told apart by the SHA-256 that run.json records of the copies in each
//! run folder. A run from before bench kept them records none: "not recorded".

use std::collections::BTreeSet;

use serde::Serialize;

use super::RunFolder;
use super::manifest::{KeptFile, KeptRules};

/// The inputs of two runs, side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputsDiff {
    /// The earlier run in the order given.
    pub a: String,
    /// The later run.
    pub b: String,
    /// One row per prompt either run used (by name), then the heuristic's rules.
    pub rows: Vec<InputRow>,
}

/// One input of two runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputRow {
    /// `prompt <name>` or `heuristic rules`.
    pub input: String,
    /// What run A's run.json says of it: the SHA-256 of its copy, `not used` or
    /// `not recorded`.
    pub a: String,
    pub b: String,
    pub verdict: InputVerdict,
    /// For differing rules: which parts differ (the rules file, the built-in table, the
    /// weights); for an input one run did not use: which one used it.
    pub detail: Option<String>,
}

/// Whether an input is the same in both runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputVerdict {
    Same,
    Differs,
    /// At least one run.json does not record it.
    NotRecorded,
}

pub(crate) const NOT_USED: &str = "not used";
pub(crate) const NOT_RECORDED: &str = "not recorded";

/// Each run against the next in the order given.
pub(super) fn inputs_diffs(runs: &[RunFolder]) -> Vec<InputsDiff> {
    runs.windows(2).map(|w| diff(&w[0], &w[1])).collect()
}

fn diff(a: &RunFolder, b: &RunFolder) -> InputsDiff {
    let mut rows = Vec::new();
    let names: BTreeSet<&String> = [a, b]
        .iter()
        .flat_map(|r| r.prompts.iter().flat_map(|p| p.keys()))
        .collect();
    let prompt = |r: &RunFolder, name: &str| match &r.prompts {
        None => NOT_RECORDED.to_string(),
        Some(p) => p
            .get(name)
            .map_or(NOT_USED.into(), |f: &KeptFile| f.sha256.clone()),
    };
    for name in names {
        rows.push(row(
            format!("prompt `{name}`"),
            prompt(a, name),
            prompt(b, name),
            (a, b),
        ));
    }
    // A run.json without `prompts` is from before runs kept their inputs: its rules are not
    // recorded either (the rules of a newer run are absent when the heuristic did not run).
    let rules = |r: &RunFolder| match (&r.prompts, &r.heuristic_rules) {
        (None, None) => NOT_RECORDED.to_string(),
        (_, None) => NOT_USED.to_string(),
        (_, Some(k)) => k.sha256.clone(),
    };
    let mut rules_row = row("heuristic rules".into(), rules(a), rules(b), (a, b));
    if let (Some(x), Some(y)) = (&a.heuristic_rules, &b.heuristic_rules)
        && rules_row.verdict == InputVerdict::Differs
    {
        rules_row.detail = Some(rules_parts(x, y));
    }
    if rules_row.a != NOT_USED || rules_row.b != NOT_USED {
        rows.push(rules_row);
    }
    InputsDiff {
        a: a.run_id.clone(),
        b: b.run_id.clone(),
        rows,
    }
}

fn row(input: String, a: String, b: String, runs: (&RunFolder, &RunFolder)) -> InputRow {
    let (verdict, detail) = if a == NOT_RECORDED || b == NOT_RECORDED {
        (InputVerdict::NotRecorded, None)
    } else if a == b {
        (InputVerdict::Same, None)
    } else if a == NOT_USED {
        (
            InputVerdict::Differs,
            Some(format!("used only in `{}`", runs.1.run_id)),
        )
    } else if b == NOT_USED {
        (
            InputVerdict::Differs,
            Some(format!("used only in `{}`", runs.0.run_id)),
        )
    } else {
        (InputVerdict::Differs, None)
    };
    InputRow {
        input,
        a,
        b,
        verdict,
        detail,
    }
}

/// Which parts of two runs' rules differ.
fn rules_parts(a: &KeptRules, b: &KeptRules) -> String {
    let mut parts = Vec::new();
    let file_hash = |k: &KeptRules| k.file.as_ref().map(|f| f.sha256.clone());
    if file_hash(a) != file_hash(b) {
        parts.push(match (&a.file, &b.file) {
            (None, Some(_)) | (Some(_), None) => "one run has a rules file, the other not",
            _ => "the rules file",
        });
    }
    if a.built_in.sha256 != b.built_in.sha256 {
        parts.push("the built-in table (another version of bench)");
    }
    if a.weights != b.weights {
        parts.push("[baselines.heuristic_weights]");
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::lead::Bands;

    fn kept(hash: &str) -> KeptFile {
        KeptFile {
            source: "s".into(),
            file: "f".into(),
            sha256: hash.into(),
        }
    }

    fn run(id: &str, prompts: Option<&[(&str, &str)]>, rules: Option<&str>) -> RunFolder {
        RunFolder {
            run_id: id.into(),
            bands: Bands::default(),
            started: None,
            finished: None,
            leads: vec![],
            limit: None,
            predictions: super::super::TableBuilder::new(&[]).finish(),
            dataset_meta: None,
            capacity: None,
            prompts: prompts.map(|p| {
                p.iter()
                    .map(|(n, h)| (n.to_string(), kept(h)))
                    .collect::<BTreeMap<_, _>>()
            }),
            sampled: Default::default(),
            cascades: Vec::new(),
            fingerprints: BTreeMap::new(),
            ensembles: Vec::new(),
            pricing: Default::default(),
            heuristic_rules: rules.map(|h| KeptRules {
                sha256: h.into(),
                built_in: kept("b"),
                file: None,
                weights: BTreeMap::new(),
            }),
        }
    }

    #[test]
    fn names_what_differs_and_what_was_not_recorded() {
        let a = run("A", Some(&[("zero", "1"), ("rubric", "2")]), Some("r"));
        let b = run(
            "B",
            Some(&[("zero", "1"), ("rubric", "3"), ("new", "4")]),
            Some("r"),
        );
        let old = run("old", None, None);
        let d = inputs_diffs(&[old, a, b]);
        assert_eq!(d.len(), 2);
        assert!(
            d[0].rows
                .iter()
                .all(|r| r.verdict == InputVerdict::NotRecorded),
            "{:?}",
            d[0]
        );
        let verdicts: Vec<(&str, InputVerdict)> = d[1]
            .rows
            .iter()
            .map(|r| (r.input.as_str(), r.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("prompt `new`", InputVerdict::Differs),
                ("prompt `rubric`", InputVerdict::Differs),
                ("prompt `zero`", InputVerdict::Same),
                ("heuristic rules", InputVerdict::Same),
            ]
        );
        assert_eq!(d[1].rows[0].detail.as_deref(), Some("used only in `B`"));
    }
}
