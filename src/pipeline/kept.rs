//! What a run keeps of the inputs its scorers read: a copy of every prompt template of its
//! LLM scorers (`prompts/<name>.<ext>`) and of the heuristic's rules (`rules/built-in.toml`,
//! and `rules/heuristic_rules.toml` when the config names a file), each with its SHA-256 in
//! `run.json`. The copies are the text the run used, as it was read when the config was
//! loaded (not read again), so an edit made while the run goes does not slip in.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::Error;
use crate::atomic::write_atomic;
use crate::config::Config;
use crate::evaluate::{KeptFile, KeptRules};
use crate::prediction::ScorerId;
use crate::score::heuristic::HeuristicRules;

/// The folders of the copies inside a run folder (a run given over with `--overwrite`
/// loses them with its other files).
pub(super) const KEPT_DIRS: [&str; 2] = ["prompts", "rules"];

/// The copies a run writes and what run.json says of them.
pub(super) struct KeptInputs {
    /// (path relative to the run folder, text).
    files: Vec<(String, String)>,
    pub prompts: BTreeMap<String, KeptFile>,
    pub rules: Option<KeptRules>,
}

/// SHA-256 of `bytes` in lowercase hex.
pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The inputs of the scorers asked for: the prompts of the LLM scorers, the rules when the
/// heuristic is one of them.
pub(super) fn kept_inputs(config: &Config, requested: &[ScorerId]) -> KeptInputs {
    let mut files = Vec::new();
    let mut prompts = BTreeMap::new();
    for spec in &config.prompts {
        let t = &spec.template;
        let used = requested
            .iter()
            .any(|id| matches!(id, ScorerId::Llm { prompt, .. } if prompt == t.name()));
        if !used {
            continue;
        }
        // Prompt names are letters, digits, `-`, `_` and `.` (config.rs), and a name never
        // stands alone as a file name here: `..` becomes `...j2`, not a way out of `prompts/`.
        let ext = t
            .path()
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .filter(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "j2".into());
        let file = format!("prompts/{}.{ext}", t.name());
        prompts.insert(
            t.name().to_string(),
            KeptFile {
                source: t.path().display().to_string(),
                file: file.clone(),
                sha256: sha256_hex(t.source().as_bytes()),
            },
        );
        files.push((file, t.source().to_string()));
    }
    let rules = requested.contains(&ScorerId::Heuristic).then(|| {
        let b = &config.baselines;
        let shipped = HeuristicRules::shipped_text();
        let built_in = KeptFile {
            source: "built-in".into(),
            file: "rules/built-in.toml".into(),
            sha256: sha256_hex(shipped.as_bytes()),
        };
        files.push((built_in.file.clone(), shipped.to_string()));
        let file = b
            .heuristic_rules_path
            .as_deref()
            .zip(b.heuristic_rules_text.as_deref())
            .map(|(path, text)| {
                let kept = KeptFile {
                    source: path.display().to_string(),
                    file: "rules/heuristic_rules.toml".into(),
                    sha256: sha256_hex(text.as_bytes()),
                };
                files.push((kept.file.clone(), text.to_string()));
                kept
            });
        let weights = b.heuristic_weights.0.clone();
        KeptRules {
            sha256: rules_hash(&built_in, file.as_ref(), &weights),
            built_in,
            file,
            weights,
        }
    });
    KeptInputs {
        files,
        prompts,
        rules,
    }
}

/// The one hash of the rules a run used (see [`KeptRules::sha256`]).
fn rules_hash(
    built_in: &KeptFile,
    file: Option<&KeptFile>,
    weights: &BTreeMap<String, i64>,
) -> String {
    let weights = serde_json::to_string(weights).expect("a map of numbers serialises");
    let file = file.map_or("-", |f| f.sha256.as_str());
    sha256_hex(
        format!(
            "built-in {}\nfile {file}\nweights {weights}\n",
            built_in.sha256
        )
        .as_bytes(),
    )
}

/// Writes the copies into the run folder, each whole or not at all.
pub(super) fn write_kept(dir: &Path, kept: &KeptInputs) -> Result<(), Error> {
    for (file, text) in &kept.files {
        let path = dir.join(file);
        write_atomic(&path, text.as_bytes()).map_err(|e| Error::write(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lowercase_hex_of_the_bytes() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_rules_hash_changes_with_each_part() {
        let f = |s: &str| KeptFile {
            source: "x".into(),
            file: "y".into(),
            sha256: s.into(),
        };
        let none = BTreeMap::new();
        let some = BTreeMap::from([("base".to_string(), 3)]);
        let base = rules_hash(&f("a"), None, &none);
        assert_ne!(base, rules_hash(&f("b"), None, &none));
        assert_ne!(base, rules_hash(&f("a"), Some(&f("c")), &none));
        assert_ne!(base, rules_hash(&f("a"), None, &some));
        assert_eq!(base, rules_hash(&f("a"), None, &BTreeMap::new()));
    }
}
