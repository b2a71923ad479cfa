//! The transparent heuristic scorer: a points table over the dataset card's signals (size,
//! authority, intent, urgency, use case, source, negative signals), the card's edge-case
//! rules as label caps, and a justification naming every signal that fired with its points.
//!
//! The signals are data: `rules.toml` (read by `table.rs`) holds every family with its
//! phrases and points; a user's file extends or replaces it. `matching.rs` reads text the way
//! the phrases are written; `rules.rs` holds the card's caps and floor; `firmographic.rs`
//! the conditions a family may set on the lead's enrichment (`funding_stage = [...]`, …).
//!
//! The score is `base + Σ points`, clamped to 0–100; the label is the band of that score.
//! A cap (disqualifier, agency/nonprofit/research edge case, or "conservative when
//! ambiguous") lowers the label and clamps the score into the capped band, and the one floor
//! (agencies and consultants default to medium) raises both, so label and score always agree.

mod firmographic;
mod matching;
mod rules;
mod table;

pub use table::{HeuristicRules, HeuristicWeights, MAX_POINTS, RulesError};

use crate::lead::Bands;
use crate::lead::{Label, Lead, Seniority, Source};
use crate::score::{Score, Scorer};
use matching::{Phrase, PhraseSet, Quantity, normalise};
use table::Kind;

/// Companies of this many employees or fewer are micro companies.
const MICRO_MAX: u32 = 10;
/// Messages of this many words or fewer are vague one-liners.
const VAGUE_MAX_WORDS: usize = 4;
/// Justifications stop listing signals past this length (the strongest come first).
const JUSTIFICATION_SOFT_LIMIT: usize = 150;
/// Injection sentences of a message that are set aside (the first few are enough).
const MAX_INJECTED_SENTENCES: usize = 4;

/// What a message phrase means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Family(usize),
    /// The family's nouns: it fires after a quantity of at least this much.
    Counted(usize, u32),
    /// A month name: the family fires after a deadline word.
    Dated(usize),
    /// A company size after a number ("3,000 staff").
    Employees,
    /// A negating word: found with the phrases so that negation is looked for only in the
    /// messages that have one.
    Negator,
}

/// What a job-title phrase means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TitleCue {
    level: Option<Seniority>,
    family: Option<usize>,
}

/// The families a lead has, by their index in the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Families(u128);

impl Families {
    fn insert(&mut self, i: usize) {
        self.0 |= 1 << i;
    }

    fn has(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }

    fn count_of(self, rules: &HeuristicRules, kind: Kind) -> u32 {
        let n = rules.families.iter().enumerate();
        n.filter(|(i, f)| f.kind == kind && self.has(*i)).count() as u32
    }
}

/// Everything read from one lead before any points are given.
#[derive(Debug, Default)]
struct Evidence {
    families: Families,
    size: Option<u32>,
    size_from_message: bool,
    seniority: Option<Seniority>,
    seniority_from_title: bool,
    empty_message: bool,
    personal_email: bool,
    no_company: bool,
}

/// The heuristic baseline (scorer id `heuristic`). Build once: the phrase sets are compiled
/// in [`HeuristicScorer::new`].
pub struct HeuristicScorer {
    rules: HeuristicRules,
    bands: Bands,
    /// The families that the message's and the domain's judgements fire.
    vague: Option<usize>,
    research_lab: Option<usize>,
    message: PhraseSet<Cue>,
    title: PhraseSet<TitleCue>,
    organisation: PhraseSet<usize>,
    /// The families with enrichment conditions.
    enriched: Vec<usize>,
}

impl HeuristicScorer {
    /// Compiles the table's phrases; `bands` turn scores into labels and bound the caps.
    pub fn new(rules: HeuristicRules, bands: Bands) -> Self {
        let mut message: Vec<(Phrase, Cue)> = Vec::new();
        let mut organisation = Vec::new();
        for (i, f) in rules.families.iter().enumerate() {
            message.extend(f.message.iter().map(|p| (p.clone(), Cue::Family(i))));
            if let Some((n, nouns)) = &f.counted {
                message.extend(nouns.iter().map(|p| (p.clone(), Cue::Counted(i, *n))));
            }
            message.extend(f.dated.iter().map(|p| (p.clone(), Cue::Dated(i))));
            organisation.extend(f.organisation.iter().map(|p| (p.clone(), i)));
        }
        let v = &rules.vocabulary;
        let employees = v.employees.iter().filter_map(|w| Phrase::parse(w));
        message.extend(employees.map(|p| (p, Cue::Employees)));
        let negators = v.negators.iter().filter_map(|w| Phrase::parse(w));
        message.extend(negators.map(|p| (p, Cue::Negator)));
        let title = rules.titles.iter().flat_map(|t| {
            let cue = TitleCue {
                level: t.level,
                family: t.family,
            };
            t.phrases.iter().map(move |p| (p.clone(), cue))
        });
        HeuristicScorer {
            vague: rules.family("neg_vague"),
            research_lab: rules.family("research_lab"),
            message: PhraseSet::new(message, false),
            title: PhraseSet::new(title.collect(), true),
            organisation: PhraseSet::new(organisation, false),
            enriched: (rules.families.iter().enumerate())
                .filter(|(_, f)| !f.enrichment.is_empty())
                .map(|(i, _)| i)
                .collect(),
            rules,
            bands,
        }
    }

    /// The rules table in use.
    pub fn rules(&self) -> &HeuristicRules {
        &self.rules
    }

    fn gather(&self, lead: &Lead) -> Evidence {
        let mut ev = Evidence::default();
        for field in [&lead.company_name, &lead.industry] {
            let text = normalise(field);
            self.organisation
                .find(&text, |f, _, _| ev.families.insert(f));
        }
        // What follows the last "@", if an address was given, without "www.".
        let domain = lead.domain.trim().to_ascii_lowercase();
        let domain = domain.rsplit('@').next().unwrap_or("");
        let domain = domain.strip_prefix("www.").unwrap_or(domain);
        if let Some(i) = self.research_lab
            && matching::academic_domain(domain)
        {
            ev.families.insert(i);
        }
        let free_mail = &self.rules.vocabulary.free_mail_domains;
        ev.personal_email = !domain.is_empty() && free_mail.iter().any(|d| d == domain);
        ev.no_company = lead.company_size.is_none()
            && (domain.is_empty() || ev.personal_email)
            && lead.company_name.trim().is_empty();

        let title = normalise(&lead.job_title);
        let mut level: Option<Seniority> = None;
        self.title.find(&title, |cue, _, _| {
            level = level.max(cue.level);
            if let Some(f) = cue.family {
                ev.families.insert(f);
            }
        });
        if let Some(whole) = rules::whole_title_level(&title) {
            level = Some(whole);
        }
        ev.seniority = lead.seniority.or(level);
        ev.seniority_from_title = lead.seniority.is_none() && level.is_some();

        self.read_message(&normalise(&lead.inbound_message), &mut ev);
        ev.size_from_message = lead.company_size.is_none() && ev.size.is_some();
        ev.size = lead.company_size.or(ev.size);
        // After the message, so that the judgement of a vague message reads the message only.
        for &i in &self.enriched {
            if self.rules.families[i].enrichment.hold(&lead.enrichment) {
                ev.families.insert(i);
            }
        }
        ev
    }

    /// Reads the (normalised) message into `ev`.
    fn read_message(&self, text: &str, ev: &mut Evidence) {
        let vague = self.vague;
        let mark_vague = |ev: &mut Evidence| {
            if let Some(v) = vague {
                ev.families.insert(v);
            }
        };
        let words = matching::count_words(text, VAGUE_MAX_WORDS);
        if words == 0 {
            ev.empty_message = true;
            mark_vague(ev);
            return;
        }
        if words <= VAGUE_MAX_WORDS {
            mark_vague(ev);
        }
        let (families, v) = (&self.rules.families, &self.rules.vocabulary);
        let mut hits = Vec::new();
        self.message.find(text, |cue, s, _| hits.push((cue, s)));
        // Sentences that try to instruct the scorer are read for the attempt only: none of
        // their words may count for the lead.
        let injected: Vec<(usize, usize)> = hits
            .iter()
            .filter(
                |(cue, _)| matches!(cue, Cue::Family(i) if families[*i].kind == Kind::Injection),
            )
            .take(MAX_INJECTED_SENTENCES)
            .map(|&(cue, s)| {
                if let Cue::Family(i) = cue {
                    ev.families.insert(i);
                }
                matching::sentence_around(text, s)
            })
            .collect();
        let has_negator = hits.iter().any(|(cue, _)| *cue == Cue::Negator);
        for &(cue, s) in &hits {
            if injected.iter().any(|&(a, b)| a <= s && s < b) {
                continue;
            }
            match cue {
                Cue::Family(i) if families[i].kind.is_positive() => {
                    if !(has_negator && matching::is_negated(text, s, v)) {
                        ev.families.insert(i);
                    } else if let Some(instead) = families[i].negated_as {
                        // "no budget", "don't have much budget", "no timeline yet".
                        ev.families.insert(instead);
                    }
                }
                Cue::Family(i) => ev.families.insert(i),
                Cue::Negator => {}
                Cue::Dated(i) => {
                    if matching::is_deadline(text, s, v) {
                        ev.families.insert(i);
                    }
                }
                Cue::Counted(i, at_least) => {
                    if matching::quantity_before(text, s, v).is_some_and(|q| q.at_least(at_least)) {
                        ev.families.insert(i);
                    }
                }
                Cue::Employees => {
                    // "N employees" in the message stands in for an unknown size.
                    if let Some(Quantity::Number(n)) = matching::quantity_before(text, s, v) {
                        ev.size = ev.size.max(Some(n));
                    }
                }
            }
        }
        // A message that says nothing the table knows is a generic one: no buying signal.
        let said_something = families.iter().enumerate().any(|(i, f)| {
            ev.families.has(i)
                && !matches!(f.kind, Kind::Flag | Kind::Injection)
                && Some(i) != vague
        });
        if !said_something {
            mark_vague(ev);
        }
    }
}

impl Scorer for HeuristicScorer {
    fn id(&self) -> &str {
        "heuristic"
    }

    fn score(&self, lead: &Lead) -> Score {
        let ev = self.gather(lead);
        let p = &self.rules.points;
        // The signals that fired, as justification lines with their points.
        let mut items: Vec<(String, i32)> = Vec::new();
        let mut push = |line: String, points: i32| {
            if points != 0 {
                items.push((line, points));
            }
        };
        let (size, size_points) = match ev.size {
            None => ("size unknown".to_string(), p.size_unknown),
            Some(n) => {
                let from = if ev.size_from_message {
                    " (message)"
                } else {
                    ""
                };
                let points = match n {
                    0..=1 => p.size_individual,
                    2..=MICRO_MAX => p.size_micro,
                    11..=49 => p.size_small,
                    50..=249 => p.size_mid,
                    250..=999 => p.size_large,
                    _ => p.size_enterprise,
                };
                (format!("size {}{from}", thousands(n)), points)
            }
        };
        push(size, size_points);
        let seniority_points = match ev.seniority {
            None => p.seniority_unknown,
            Some(Seniority::Entry) => p.seniority_entry,
            Some(Seniority::Manager) => p.seniority_manager,
            Some(Seniority::Senior) => p.seniority_senior,
            Some(Seniority::Director) => p.seniority_director,
            Some(Seniority::Vp) => p.seniority_vp,
            Some(Seniority::CSuite) => p.seniority_c_suite,
        };
        // At a company of ten or fewer, no more than a manager's points: the owner of a
        // four-person shop decides, but rarely has a budget.
        let tiny = ev.size.is_some_and(|s| s <= MICRO_MAX);
        let seniority = match ev.seniority {
            None => "seniority unknown".to_string(),
            Some(s) => format!(
                "{}{}{}",
                s.as_str(),
                if ev.seniority_from_title {
                    " (title)"
                } else {
                    ""
                },
                if tiny { " at micro company" } else { "" }
            ),
        };
        let capped = if tiny {
            seniority_points.min(p.seniority_manager)
        } else {
            seniority_points
        };
        push(seniority, capped);
        let source_points = match lead.source {
            Source::Referral => p.source_referral,
            Source::Email => p.source_email,
            Source::Blog => p.source_blog,
            Source::PaidSocial => p.source_paid_social,
            Source::Unknown => p.source_unknown,
        };
        push(lead.source.as_str().to_string(), source_points);
        for (i, f) in self.rules.families.iter().enumerate() {
            if ev.families.has(i) {
                push(f.shown.clone(), f.points);
            }
        }
        if ev.empty_message {
            push("empty message".into(), p.neg_empty_message);
        }
        if ev.personal_email {
            push("free-mail domain".into(), p.neg_personal_email);
        }
        if ev.no_company {
            push("no company".into(), p.neg_no_company);
        }
        let raw = p.base + items.iter().map(|(_, p)| p).sum::<i32>();
        let mut score = raw.clamp(0, 100) as u8;
        let mut label = self.bands.label_for(score);

        let mut note = None;
        let (cap, reason) = rules::cap(&ev, &self.rules);
        if label > cap {
            label = cap;
            score = score.min(self.bands.range(cap).1);
            note = Some((reason, cap));
        }
        if label == Label::Low && rules::agency_floor(&ev, &self.rules) {
            label = Label::Medium;
            score = self.bands.range(Label::Medium).0;
            note = Some(("agency/consultant default".to_string(), Label::Medium));
        }
        // Strongest signals first; equal points keep the table's order.
        items.sort_by_key(|(_, p)| std::cmp::Reverse(p.abs()));
        Score {
            lead_score: score,
            lead_label: label,
            justification: justify(&items, note, p.base),
            probabilities: None,
        }
    }
}

/// "size 8,000 (+16); director (+12); pricing (+10); …; small company → medium".
fn justify(items: &[(String, i32)], note: Option<(String, Label)>, base: i32) -> String {
    let mut out = String::new();
    for (i, (line, points)) in items.iter().enumerate() {
        if out.len() > JUSTIFICATION_SOFT_LIMIT {
            out.push_str(&format!("; +{} more", items.len() - i));
            break;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(&format!("{line} ({points:+})"));
    }
    if out.is_empty() {
        out = format!("no signals (base {base})");
    }
    if let Some((reason, label)) = note {
        out.push_str(&format!("; {reason} → {}", label.as_str()));
    }
    out
}

/// `n` with thousands separators: "1,200".
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1200), "1,200");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(u32::MAX), "4,294,967,295");
    }

    /// A 300-person retail lead with no seniority given, for the fields a test sets.
    fn retail_lead(job_title: &str) -> Lead {
        Lead {
            lead_id: "x".into(),
            company_name: "Acme".into(),
            company_size: Some(300),
            domain: "acme.com".into(),
            industry: "Retail".into(),
            job_title: job_title.into(),
            seniority: None,
            inbound_message: "We are evaluating vendors and need pricing this quarter.".into(),
            source: Source::Email,
            enrichment: Default::default(),
            gold: None,
            outcome: Default::default(),
            meta: Default::default(),
        }
    }

    #[test]
    fn title_levels_and_whole_titles() {
        let scorer = HeuristicScorer::new(HeuristicRules::shipped(), Bands::default());
        let cases = [
            ("Fintech Lead", "manager (title)"),
            ("Managing Directors", "director (title)"),
            ("Vice-President, Sales", "vp (title)"),
            ("Head Office Manager", "manager (title)"),
            ("Head of Operations", "director (title)"),
            ("Marketing Intern", "entry (title)"),
            (" PARTNER- ", "c-suite (title)"),
        ];
        for (title, expected) in cases {
            let j = scorer.score(&retail_lead(title)).justification;
            assert!(j.contains(expected), "{title}: {j}");
        }
        let j = scorer.score(&retail_lead("Partner Manager")).justification;
        assert!(j.contains("manager (title)"), "{j}");
    }

    #[test]
    fn signs_of_points_in_the_justification() {
        let items = [("pricing".to_string(), 10), ("coursework".to_string(), -35)];
        assert_eq!(justify(&items, None, 30), "pricing (+10); coursework (-35)");
        assert_eq!(
            justify(&[], Some(("x".into(), Label::Low)), 30),
            "no signals (base 30); x → low"
        );
    }
}
