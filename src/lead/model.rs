//! The lead data model: one inbound lead, its gold label and the generator's metadata.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::enrichment::Enrichment;

/// Ordinal lead quality: `low < medium < high` (encoded 0, 1, 2 everywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Low,
    Medium,
    High,
}

impl Label {
    /// All labels in ordinal order.
    pub const ALL: [Label; 3] = [Label::Low, Label::Medium, Label::High];

    /// The ordinal code: low = 0, medium = 1, high = 2.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Label> {
        Label::ALL.get(i).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Low => "low",
            Label::Medium => "medium",
            Label::High => "high",
        }
    }

    /// Parses a label leniently: surrounding space and letter case are ignored.
    pub fn parse_lenient(s: &str) -> Option<Label> {
        let t = s.trim();
        Label::ALL
            .into_iter()
            .find(|l| t.eq_ignore_ascii_case(l.as_str()))
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Label::parse_lenient(s).ok_or_else(|| "one of low, medium, high".to_string())
    }
}

/// Seniority of the person who submitted the lead, lowest authority first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Seniority {
    #[serde(rename = "entry")]
    Entry,
    #[serde(rename = "manager")]
    Manager,
    #[serde(rename = "senior")]
    Senior,
    #[serde(rename = "director")]
    Director,
    #[serde(rename = "vp")]
    Vp,
    #[serde(rename = "c-suite")]
    CSuite,
}

impl Seniority {
    pub const ALL: [Seniority; 6] = [
        Seniority::Entry,
        Seniority::Manager,
        Seniority::Senior,
        Seniority::Director,
        Seniority::Vp,
        Seniority::CSuite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Seniority::Entry => "entry",
            Seniority::Manager => "manager",
            Seniority::Senior => "senior",
            Seniority::Director => "director",
            Seniority::Vp => "vp",
            Seniority::CSuite => "c-suite",
        }
    }

    /// Parses a seniority cell; empty means unknown (`Ok(None)`).
    /// `founder`, `c-suite/founder`, `cxo` and `executive` are aliases of `c-suite`.
    pub fn parse_cell(s: &str) -> Result<Option<Seniority>, String> {
        let t = s.trim().to_ascii_lowercase();
        let v = match t.as_str() {
            "" | "unknown" => return Ok(None),
            "entry" => Seniority::Entry,
            "manager" => Seniority::Manager,
            "senior" => Seniority::Senior,
            "director" => Seniority::Director,
            "vp" => Seniority::Vp,
            "c-suite" | "c-suite/founder" | "founder" | "cxo" | "executive" | "csuite" => {
                Seniority::CSuite
            }
            _ => {
                return Err(
                    "one of entry, manager, senior, director, vp, c-suite (or founder, cxo, executive), or empty"
                        .to_string(),
                );
            }
        };
        Ok(Some(v))
    }
}

impl fmt::Display for Seniority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the lead came in from; empty or unrecognised-but-blank cells are `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    PaidSocial,
    Blog,
    Referral,
    Email,
    Unknown,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::PaidSocial,
        Source::Blog,
        Source::Referral,
        Source::Email,
        Source::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::PaidSocial => "paid_social",
            Source::Blog => "blog",
            Source::Referral => "referral",
            Source::Email => "email",
            Source::Unknown => "unknown",
        }
    }

    pub fn parse_cell(s: &str) -> Result<Source, String> {
        let t = s.trim().to_ascii_lowercase();
        Ok(match t.as_str() {
            "" | "unknown" => Source::Unknown,
            "paid_social" | "paid social" | "paid-social" => Source::PaidSocial,
            "blog" => Source::Blog,
            "referral" => Source::Referral,
            "email" => Source::Email,
            _ => {
                return Err(
                    "one of paid_social, blog, referral, email, unknown, or empty".to_string(),
                );
            }
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How hard a generated lead is to label from its visible fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    pub fn parse_cell(s: &str) -> Result<Option<Difficulty>, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "easy" => Ok(Some(Difficulty::Easy)),
            "medium" => Ok(Some(Difficulty::Medium)),
            "hard" => Ok(Some(Difficulty::Hard)),
            _ => Err("one of easy, medium, hard, or empty".to_string()),
        }
    }
}

/// Which side of the train/test split a lead belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Test,
}

impl Split {
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }

    pub fn parse_cell(s: &str) -> Result<Option<Split>, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "train" => Ok(Some(Split::Train)),
            "test" => Ok(Some(Split::Test)),
            _ => Err("one of train, test, or empty".to_string()),
        }
    }
}

/// Parses an approximate employee count: `1200`, `1,200`, `51-200` (midpoint),
/// `10000+`, `1k`, `2.5k`, or empty (unknown, `Ok(None)`).
pub fn parse_company_size(s: &str) -> Result<Option<u32>, String> {
    const EXPECTED: &str =
        "an employee count such as 1200, 1,200, 51-200, 10000+, 1k, or empty for unknown";
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let single = |part: &str| -> Option<f64> {
        let p = part
            .trim()
            .trim_end_matches('+')
            .trim()
            .replace([',', '_', ' '], "");
        let lower = p.to_ascii_lowercase();
        let (num, mult) = if let Some(n) = lower.strip_suffix('k') {
            (n.to_string(), 1_000.0)
        } else if let Some(n) = lower.strip_suffix('m') {
            (n.to_string(), 1_000_000.0)
        } else {
            (lower, 1.0)
        };
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        let v: f64 = num.parse().ok()?;
        let v = v * mult;
        (v.is_finite() && v >= 0.0 && v <= u32::MAX as f64).then_some(v)
    };
    let value = match t.split_once(['-', '–']) {
        Some((a, b)) => {
            let (a, b) = (single(a).ok_or(EXPECTED)?, single(b).ok_or(EXPECTED)?);
            if b < a {
                return Err(format!("{EXPECTED} (range end below its start)"));
            }
            (a + b) / 2.0
        }
        None => single(t).ok_or(EXPECTED)?,
    };
    Ok(Some(value.round() as u32))
}

/// The gold truth of a lead, when the dataset has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gold {
    pub label: Label,
    /// Gold score 0–100, when known.
    pub score: Option<u8>,
}

/// What became of a lead, when known (the outcome columns of a CRM export): never shown to
/// scorers, judged against by the outcome metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether the lead became a deal (an opportunity won).
    pub converted: Option<bool>,
    /// The deal's value, in whatever currency the file uses; for converted leads.
    pub deal_value: Option<f64>,
}

/// Generator metadata: never shown to scorers, used for slicing reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeadMeta {
    pub archetype: Option<String>,
    pub difficulty: Option<Difficulty>,
    pub label_noise: Option<bool>,
    pub split: Option<Split>,
    /// The generator's latent probability that the lead converts (the truth its
    /// `converted` was drawn from), for the oracle row of reports.
    pub p_convert: Option<f64>,
}

/// What the id of an injection twin ends with (`bench generate --twins`): the twin of
/// `L000007` is `L000007-inj`. Generated ids never hold a `-`.
pub const TWIN_SUFFIX: &str = "-inj";

/// The id of the lead that `id` is the injection twin of, if it is one.
pub fn twin_of(id: &str) -> Option<&str> {
    id.strip_suffix(TWIN_SUFFIX).filter(|o| !o.is_empty())
}

/// One inbound lead, with the dataset card's eight fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub lead_id: String,
    pub company_name: String,
    /// Normalised employee count; `None` when unknown.
    pub company_size: Option<u32>,
    pub domain: String,
    pub industry: String,
    pub job_title: String,
    /// `None` when unknown.
    pub seniority: Option<Seniority>,
    pub inbound_message: String,
    pub source: Source,
    /// Firmographic enrichment (`revenue_band`, `hq_country`, …); empty when the file has
    /// none. Left out of serialised leads when empty, so they read as before it existed.
    #[serde(default, skip_serializing_if = "Enrichment::is_empty")]
    pub enrichment: Enrichment,
    pub gold: Option<Gold>,
    pub outcome: Outcome,
    pub meta: LeadMeta,
}

impl Lead {
    /// A lead with an id and nothing else known (tests build on it).
    #[cfg(test)]
    pub(crate) fn with_id(id: &str) -> Lead {
        Lead {
            lead_id: id.into(),
            company_name: String::new(),
            company_size: None,
            domain: String::new(),
            industry: String::new(),
            job_title: String::new(),
            seniority: None,
            inbound_message: String::new(),
            source: Source::Unknown,
            enrichment: Enrichment::default(),
            gold: None,
            outcome: Outcome::default(),
            meta: LeadMeta::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_size_accepts_the_documented_forms() {
        assert_eq!(parse_company_size("1200"), Ok(Some(1200)));
        assert_eq!(parse_company_size("1,200"), Ok(Some(1200)));
        assert_eq!(parse_company_size("51-200"), Ok(Some(126)));
        assert_eq!(parse_company_size("10000+"), Ok(Some(10000)));
        assert_eq!(parse_company_size("1k"), Ok(Some(1000)));
        assert_eq!(parse_company_size("2.5K"), Ok(Some(2500)));
        assert_eq!(parse_company_size(" "), Ok(None));
        assert!(parse_company_size("lots").is_err());
        assert!(parse_company_size("200-51").is_err());
        assert!(parse_company_size("-5").is_err());
        assert!(parse_company_size("12 people").is_err());
    }

    #[test]
    fn seniority_aliases_map_to_c_suite() {
        for alias in ["founder", "c-suite/founder", "CXO", "executive", "c-suite"] {
            assert_eq!(Seniority::parse_cell(alias), Ok(Some(Seniority::CSuite)));
        }
        assert_eq!(Seniority::parse_cell(""), Ok(None));
        assert!(Seniority::parse_cell("intern").is_err());
    }

    #[test]
    fn labels_are_ordinal() {
        assert!(Label::Low < Label::Medium && Label::Medium < Label::High);
        assert_eq!(Label::parse_lenient(" HIGH "), Some(Label::High));
        assert_eq!(Label::from_index(1), Some(Label::Medium));
    }
}
