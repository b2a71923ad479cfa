//! The rules table as data: `rules.toml` (compiled in) and a user's file in the same format
//! that extends or replaces it, read with errors that name the file and line, checked, and
//! with `[baselines.heuristic_weights]` applied. See docs/heuristic.md for the format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::firmographic::{Conditions, RawConditions, RawGrowth, Values};
use super::matching::{Phrase, Vocabulary};
use crate::lead::Seniority;

/// The shipped table, and how errors in it name it.
const SHIPPED: &str = include_str!("rules.toml");
const SHIPPED_NAME: &str = "src/score/heuristic/rules.toml (built in)";

/// Largest number of points one signal may add or take away; beyond it a value is a typo,
/// and a sum of several could overflow.
pub const MAX_POINTS: i64 = 1_000;
/// Most families a table may hold (a lead's families are one 128-bit set).
const MAX_FAMILIES: usize = 128;

/// A rules file that could not be read or does not hold what it should.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
}

/// Point overrides from `[baselines.heuristic_weights]`: any key of `[points]`, or a
/// family's name for its points.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HeuristicWeights(pub BTreeMap<String, i64>);

/// The points of the signals that are not families, and the two thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Points {
    pub base: i32,
    pub size_unknown: i32,
    pub size_individual: i32,
    pub size_micro: i32,
    pub size_small: i32,
    pub size_mid: i32,
    pub size_large: i32,
    pub size_enterprise: i32,
    pub seniority_unknown: i32,
    pub seniority_entry: i32,
    pub seniority_manager: i32,
    pub seniority_senior: i32,
    pub seniority_director: i32,
    pub seniority_vp: i32,
    pub seniority_c_suite: i32,
    pub source_referral: i32,
    pub source_email: i32,
    pub source_blog: i32,
    pub source_paid_social: i32,
    pub source_unknown: i32,
    pub neg_empty_message: i32,
    pub neg_personal_email: i32,
    pub neg_no_company: i32,
    pub high_min_company_size: u32,
    pub high_min_intent_signals: u32,
}

impl Points {
    /// Sets the value called `key`; false when there is none.
    fn set(&mut self, key: &str, v: i64) -> bool {
        let mut all = serde_json::to_value(&*self).expect("points serialise");
        let Some(slot) = all.get_mut(key) else {
            return false;
        };
        *slot = v.into();
        *self = serde_json::from_value(all).expect("the same keys deserialise");
        true
    }
}

/// What a family is, for the scorer and the rules (see `rules.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    Intent,
    Interest,
    UseCase,
    Negative,
    Disqualifier,
    Injection,
    Flag,
}

impl Kind {
    /// Positive families are ignored when negated.
    pub(crate) fn is_positive(self) -> bool {
        matches!(self, Kind::Intent | Kind::Interest | Kind::UseCase)
    }
}

/// How a user's file meets the shipped table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Mode {
    /// Add families, titles and words; override points.
    #[default]
    Extend,
    /// Keep only the shipped points and words; the file's families and titles are all.
    Replace,
}

/// One signal family, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Family {
    pub name: String,
    pub shown: String,
    pub kind: Kind,
    pub points: i32,
    /// The family it counts as when negated.
    pub negated_as: Option<usize>,
    pub message: Vec<Phrase>,
    pub organisation: Vec<Phrase>,
    /// The least quantity, and the nouns it must stand before.
    pub counted: Option<(u32, Vec<Phrase>)>,
    pub dated: Vec<Phrase>,
    /// Conditions on the lead's enrichment that fire it (`firmographic.rs`).
    pub enrichment: Conditions,
}

/// One `[[title]]` entry, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Title {
    pub level: Option<Seniority>,
    pub family: Option<usize>,
    pub phrases: Vec<Phrase>,
}

/// A checked rules table: the shipped one, with a user's file and point overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct HeuristicRules {
    pub(crate) points: Points,
    pub(crate) families: Vec<Family>,
    pub(crate) titles: Vec<Title>,
    pub(crate) vocabulary: Vocabulary,
}

type Words = Spanned<Vec<Spanned<String>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    points: BTreeMap<String, Spanned<i64>>,
    #[serde(default)]
    family: Vec<RawFamily>,
    #[serde(default)]
    title: Vec<RawTitle>,
    #[serde(default)]
    vocabulary: Vocabulary,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    name: Spanned<String>,
    shown: Option<String>,
    kind: Kind,
    points: Option<Spanned<i64>>,
    negated_as: Option<Spanned<String>>,
    message: Option<Words>,
    organisation: Option<Words>,
    counted: Option<RawCounted>,
    dated: Option<Words>,
    revenue_band: Option<Values>,
    funding_stage: Option<Values>,
    hq_country: Option<Values>,
    tech_stack: Option<Values>,
    employee_growth_pct: Option<Spanned<RawGrowth>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCounted {
    at_least: u32,
    nouns: Words,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTitle {
    level: Option<Seniority>,
    family: Option<Spanned<String>>,
    phrases: Words,
}

/// One file's text: errors name its path and the line of the span at fault.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, offset: Option<usize>, message: String) -> RulesError {
        let line = offset.map(|o| self.text[..o.min(self.text.len())].matches('\n').count() + 1);
        RulesError::Invalid {
            path: self.path.to_path_buf(),
            line,
            message,
        }
    }

    fn at<T>(&self, span: &Spanned<T>, message: String) -> RulesError {
        self.error(Some(span.span().start), message)
    }

    /// A list of phrases: not empty, each one able to match.
    fn phrases(&self, key: &str, list: &Words) -> Result<Vec<Phrase>, RulesError> {
        if list.get_ref().is_empty() {
            let message = format!("`{key}` is an empty list; give phrases or leave the key out");
            return Err(self.at(list, message));
        }
        let parse = |p: &Spanned<String>| {
            Phrase::parse(p.get_ref()).ok_or_else(|| {
                let why = "empty once folded, or a `*` that is not at its end";
                self.at(
                    p,
                    format!(
                        "`{key}`: the phrase {:?} can never match ({why})",
                        p.get_ref()
                    ),
                )
            })
        };
        list.get_ref().iter().map(parse).collect()
    }

    fn points(&self, v: &Spanned<i64>, what: &str) -> Result<i32, RulesError> {
        let p = *v.get_ref();
        if p.abs() > MAX_POINTS {
            let message =
                format!("{what}: expected points from -{MAX_POINTS} to {MAX_POINTS}, found {p}");
            return Err(self.at(v, message));
        }
        Ok(p as i32)
    }
}

impl HeuristicRules {
    /// The table compiled into `bench`.
    pub fn shipped() -> HeuristicRules {
        HeuristicRules::read(None, SHIPPED, Path::new(SHIPPED_NAME))
            .expect("the shipped rules table is valid (tested)")
    }

    /// The text of the shipped table, as compiled in (a run keeps a copy of it).
    pub fn shipped_text() -> &'static str {
        SHIPPED
    }

    /// Reads a rules file (a regular file of bounded size), with an error that names it.
    pub fn read_file(path: &Path) -> Result<String, RulesError> {
        crate::input::read_text_file(path).map_err(|source| RulesError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The shipped table with the user's file at `path` (if any) applied, then `weights`.
    pub fn load(
        path: Option<&Path>,
        weights: &HeuristicWeights,
    ) -> Result<HeuristicRules, RulesError> {
        let text = path.map(HeuristicRules::read_file).transpose()?;
        HeuristicRules::with_file(path.zip(text.as_deref()), weights)
    }

    /// Like [`load`](Self::load) for a rules file already read: `(path, text)`, where
    /// `path` names it in errors.
    pub fn with_file(
        file: Option<(&Path, &str)>,
        weights: &HeuristicWeights,
    ) -> Result<HeuristicRules, RulesError> {
        let mut rules = HeuristicRules::shipped();
        if let Some((path, text)) = file {
            rules = HeuristicRules::read(Some(rules), text, path)?;
        }
        rules
            .apply(weights)
            .map_err(|(key, message)| RulesError::Invalid {
                path: PathBuf::from("[baselines.heuristic_weights]"),
                line: None,
                message: format!("{key}: {message}"),
            })?;
        Ok(rules)
    }

    /// Applies point overrides; the error names the key.
    pub fn apply(&mut self, weights: &HeuristicWeights) -> Result<(), (String, String)> {
        for (key, &v) in &weights.0 {
            let (lo, hi) = if key.starts_with("high_min_") {
                (0, 10_000_000)
            } else {
                (-MAX_POINTS, MAX_POINTS)
            };
            if !(lo..=hi).contains(&v) {
                return Err((key.clone(), format!("expected {lo} to {hi}, found {v}")));
            }
            if let Some(f) = self.families.iter_mut().find(|f| &f.name == key) {
                f.points = v as i32;
            } else if !self.points.set(key, v) {
                let why = "not a key of [points] nor the name of a family (see docs/heuristic.md)";
                return Err((key.clone(), why.into()));
            }
        }
        Ok(())
    }

    /// Every key `[baselines.heuristic_weights]` takes, with its value in this table: the
    /// keys of `[points]`, then each family's name with its points.
    pub fn weights(&self) -> Vec<(String, i64)> {
        let points = serde_json::to_value(&self.points).expect("points serialise");
        let fixed = points.as_object().into_iter().flatten();
        let fixed = fixed.map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0)));
        let families = self
            .families
            .iter()
            .map(|f| (f.name.clone(), i64::from(f.points)));
        fixed.chain(families).collect()
    }

    /// The index of the family named `name`, for the rules that name families.
    pub(crate) fn family(&self, name: &str) -> Option<usize> {
        self.families.iter().position(|f| f.name == name)
    }

    /// Reads `text` (named `path` in errors) onto `base`; without a base, `text` is the
    /// whole table and must give every point.
    fn read(
        base: Option<HeuristicRules>,
        text: &str,
        path: &Path,
    ) -> Result<HeuristicRules, RulesError> {
        let src = Source { path, text };
        let raw: RawRules = toml::from_str(text)
            .map_err(|e| src.error(e.span().map(|s| s.start), e.message().to_string()))?;
        let mut rules = match base {
            Some(mut b) if raw.mode == Mode::Replace => {
                b.families.clear();
                b.titles.clear();
                b
            }
            Some(b) => b,
            None => {
                let all: serde_json::Map<_, _> = raw
                    .points
                    .iter()
                    .map(|(k, v)| (k.clone(), (*v.get_ref()).into()))
                    .collect();
                let points = serde_json::from_value(all.into())
                    .map_err(|e| src.error(None, format!("[points]: {e}")))?;
                let (families, titles, vocabulary) = Default::default();
                HeuristicRules {
                    points,
                    families,
                    titles,
                    vocabulary,
                }
            }
        };
        for (key, v) in &raw.points {
            let p = src.points(v, key)?;
            if !rules.points.set(key, p.into()) {
                let message = format!(
                    "[points]: unknown key `{key}` (a family's points go in its [[family]])"
                );
                return Err(src.at(v, message));
            }
        }
        let first = rules.families.len();
        add_families(&mut rules, &raw.family, &src)?;
        for t in &raw.title {
            let family = t
                .family
                .as_ref()
                .map(|n| family_at(&rules, n, &src))
                .transpose()?;
            let phrases = src.phrases("phrases", &t.phrases)?;
            rules.titles.push(Title {
                level: t.level,
                family,
                phrases,
            });
        }
        for (i, f) in raw.family.iter().enumerate().map(|(i, f)| (first + i, f)) {
            let fam = &rules.families[i];
            let silent = fam.message.is_empty()
                && fam.organisation.is_empty()
                && fam.counted.is_none()
                && fam.dated.is_empty()
                && fam.enrichment.is_empty();
            let reached = rules.titles.iter().any(|t| t.family == Some(i))
                || rules.families.iter().any(|o| o.negated_as == Some(i));
            // Flags may be raised by the rules alone (a university domain is a research lab).
            if silent && !reached && fam.kind != Kind::Flag {
                let message = format!(
                    "family {:?} has no phrases: give `message`, `organisation`, `counted` or `dated`, an enrichment condition (`revenue_band`, …), or a [[title]] entry",
                    fam.name
                );
                return Err(src.at(&f.name, message));
            }
        }
        rules.vocabulary.extend(raw.vocabulary);
        Ok(rules)
    }
}

/// Adds the `[[family]]` entries, then their `negated_as`, which may name any of them.
fn add_families(
    rules: &mut HeuristicRules,
    raw: &[RawFamily],
    src: &Source<'_>,
) -> Result<(), RulesError> {
    let first = rules.families.len();
    for f in raw {
        let name = f.name.get_ref();
        let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
        if name.is_empty() || !name.chars().all(word) {
            let message =
                format!("family name {name:?}: expected lowercase letters, digits and '_'");
            return Err(src.at(&f.name, message));
        }
        if rules.family(name).is_some() {
            let message =
                format!("duplicate family {name:?} (every name is used once in the table)");
            return Err(src.at(&f.name, message));
        }
        let list =
            |key, l: &Option<Words>| l.as_ref().map_or(Ok(Vec::new()), |l| src.phrases(key, l));
        let enrichment = Conditions::read(&RawConditions {
            revenue_band: f.revenue_band.as_ref(),
            funding_stage: f.funding_stage.as_ref(),
            hq_country: f.hq_country.as_ref(),
            tech_stack: f.tech_stack.as_ref(),
            employee_growth_pct: f.employee_growth_pct.as_ref(),
        })
        .map_err(|(at, message)| src.error(Some(at), message))?;
        let counted = f
            .counted
            .as_ref()
            .map(|c| Ok((c.at_least, src.phrases("counted.nouns", &c.nouns)?)));
        rules.families.push(Family {
            name: name.clone(),
            shown: f.shown.clone().unwrap_or_else(|| name.replace('_', " ")),
            kind: f.kind,
            points: f.points.as_ref().map_or(Ok(0), |p| src.points(p, name))?,
            negated_as: None,
            message: list("message", &f.message)?,
            organisation: list("organisation", &f.organisation)?,
            counted: counted.transpose()?,
            dated: list("dated", &f.dated)?,
            enrichment,
        });
    }
    if rules.families.len() > MAX_FAMILIES {
        let message = format!(
            "{} families; a table holds at most {MAX_FAMILIES}",
            rules.families.len()
        );
        return Err(src.error(None, message));
    }
    for (i, f) in raw.iter().enumerate() {
        let negated_as = f.negated_as.as_ref().map(|n| family_at(rules, n, src));
        rules.families[first + i].negated_as = negated_as.transpose()?;
    }
    Ok(())
}

/// The index of the family a key names, or an error at the key.
fn family_at(
    rules: &HeuristicRules,
    name: &Spanned<String>,
    src: &Source<'_>,
) -> Result<usize, RulesError> {
    rules
        .family(name.get_ref())
        .ok_or_else(|| src.at(name, format!("no family is named {:?}", name.get_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Result<HeuristicRules, String> {
        HeuristicRules::read(
            Some(HeuristicRules::shipped()),
            text,
            Path::new("my_rules.toml"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn the_shipped_table_is_valid_and_complete() {
        let rules = HeuristicRules::shipped();
        assert_eq!(rules.families.len(), 27);
        assert_eq!(rules.points.base, 30);
        assert!(rules.family("agency").is_some() && !rules.vocabulary.negators.is_empty());
        assert_eq!(rules.vocabulary.numbers.len(), 33);
        assert_eq!(rules.vocabulary.numbers.get("funf"), Some(&5));
    }

    #[test]
    fn a_user_file_extends_or_replaces() {
        let r = user("[points]\nbase = 25\n[[family]]\nname = \"compliance\"\nkind = \"intent\"\npoints = 6\nmessage = [\"SOC-2 report\"]\n")
            .expect("valid");
        assert_eq!(r.points.base, 25);
        let f = &r.families[r.family("compliance").expect("added")];
        assert_eq!(
            (f.points, f.message[0].text.as_str(), f.shown.as_str()),
            (6, "soc 2 report", "compliance")
        );
        assert_eq!(r.families.len(), 28);
        let r = user("mode = \"replace\"\n[[family]]\nname = \"only\"\nkind = \"negative\"\nmessage = [\"x\"]\n").expect("valid");
        assert_eq!(r.families.len(), 1);
        assert!(r.titles.is_empty() && r.points.base == 30);
    }

    #[test]
    fn bad_files_are_named_with_their_line() {
        let cases = [
            (
                "[[family]]\nname = \"x\"\nkind = \"intnet\"\nmessage = [\"a\"]\n",
                "my_rules.toml:3: unknown variant `intnet`, expected one of `intent`",
            ),
            (
                "[[family]]\nname = \"intent_pricing\"\nkind = \"intent\"\nmessage = [\"a\"]\n",
                "my_rules.toml:2: duplicate family",
            ),
            (
                "[[family]]\nname = \"x\"\nkind = \"intent\"\nmessage = []\n",
                "my_rules.toml:4: `message` is an empty list",
            ),
            (
                "[[family]]\nname = \"x\"\nkind = \"intent\"\nmessage = [\"ok\",\n  \"pri*ce\"]\n",
                "my_rules.toml:5: `message`: the phrase \"pri*ce\" can never match",
            ),
            (
                "[[family]]\nname = \"x\"\nkind = \"intent\"\n",
                "my_rules.toml:2: family \"x\" has no phrases",
            ),
            (
                "[[family]]\nname = \"x\"\nkind = \"intent\"\nnegated_as = \"nope\"\nmessage = [\"a\"]\n",
                "my_rules.toml:4: no family is named \"nope\"",
            ),
            (
                "[points]\nbsae = 3\n",
                "my_rules.toml:2: [points]: unknown key `bsae`",
            ),
            (
                "[points]\nbase = 5000\n",
                "my_rules.toml:2: base: expected points",
            ),
            (
                "[[title]]\nlevel = \"boss\"\nphrases = [\"boss\"]\n",
                "my_rules.toml:2: unknown variant `boss`, expected one of `entry`",
            ),
            (
                "[[family]]\nname = \"x\"\nkind = \"intent\"\nmessages = [\"a\"]\n",
                "my_rules.toml:4: unknown field `messages`",
            ),
            (
                "mode = \"merge\"\n",
                "my_rules.toml:1: unknown variant `merge`, expected `extend` or `replace`",
            ),
        ];
        for (text, expected) in cases {
            let msg = user(text).expect_err(expected);
            assert!(msg.starts_with(expected), "{expected}\n  got: {msg}");
        }
    }

    #[test]
    fn overrides_reach_points_and_families_and_unknown_keys_are_named() {
        let mut r = HeuristicRules::shipped();
        let w = HeuristicWeights(BTreeMap::from([
            ("base".into(), 20),
            ("intent_pricing".into(), 25),
        ]));
        r.apply(&w).expect("known keys");
        assert_eq!(r.points.base, 20);
        assert_eq!(
            r.families[r.family("intent_pricing").expect("present")].points,
            25
        );
        let bad = HeuristicWeights(BTreeMap::from([("intent_prizing".into(), 1)]));
        assert_eq!(r.apply(&bad).expect_err("unknown").0, "intent_prizing");
        let big = HeuristicWeights(BTreeMap::from([("base".into(), 2_000_000_000)]));
        assert!(
            r.apply(&big)
                .expect_err("too big")
                .1
                .contains("expected -1000 to 1000")
        );
    }
}
