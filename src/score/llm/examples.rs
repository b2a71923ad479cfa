//! Few-shot examples: a seeded, label-balanced draw of labelled leads from the train split,
//! and the small built-in sample leads that templates are checked against.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::lead::Bands;
use crate::lead::{Enrichment, Gold, Label, Lead, LeadMeta, Seniority, Source, Split};

/// A lead as templates see it: the card's fields, blanks spelled `unknown`, and its
/// enrichment when it has any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptLead {
    pub lead_id: String,
    pub company_name: String,
    pub company_size: String,
    pub domain: String,
    pub industry: String,
    pub job_title: String,
    pub seniority: String,
    pub inbound_message: String,
    pub source: String,
    /// `none` (falsy) when the lead has no enrichment, so `{% if lead.enrichment %}` guards
    /// what a template says about it.
    pub enrichment: Option<PromptEnrichment>,
}

/// A lead's firmographic enrichment as templates see it: strings, `unknown` when the field is
/// empty, and the tech stack as a list (empty when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptEnrichment {
    pub revenue_band: String,
    pub hq_country: String,
    pub funding_stage: String,
    pub tech_stack: Vec<String>,
    /// Head-count growth over a year in percent, e.g. `35.5`.
    pub employee_growth_pct: String,
}

impl PromptEnrichment {
    /// The template view of `e`, or `None` when nothing is known.
    fn of(e: &Enrichment) -> Option<PromptEnrichment> {
        if e.is_empty() {
            return None;
        }
        let unknown = || "unknown".to_string();
        Some(PromptEnrichment {
            revenue_band: e
                .revenue_band
                .map_or_else(unknown, |b| b.as_str().to_string()),
            hq_country: e.hq_country.as_deref().map_or_else(unknown, str::to_string),
            funding_stage: e
                .funding_stage
                .map_or_else(unknown, |f| f.as_str().to_string()),
            tech_stack: e.tech_stack.iter().map(|t| t.to_string()).collect(),
            employee_growth_pct: e
                .employee_growth_pct
                .map_or_else(unknown, |g| g.to_string()),
        })
    }
}

impl From<&Lead> for PromptLead {
    fn from(lead: &Lead) -> Self {
        let or_unknown = |s: &str| {
            let t = s.trim();
            if t.is_empty() {
                "unknown".to_string()
            } else {
                t.to_string()
            }
        };
        PromptLead {
            lead_id: lead.lead_id.clone(),
            company_name: or_unknown(&lead.company_name),
            company_size: lead
                .company_size
                .map_or_else(|| "unknown".to_string(), |n| n.to_string()),
            domain: or_unknown(&lead.domain),
            industry: or_unknown(&lead.industry),
            job_title: or_unknown(&lead.job_title),
            seniority: lead.seniority.map_or("unknown", |s| s.as_str()).to_string(),
            inbound_message: if lead.inbound_message.trim().is_empty() {
                "(no message)".to_string()
            } else {
                lead.inbound_message.trim().to_string()
            },
            source: lead.source.as_str().to_string(),
            enrichment: PromptEnrichment::of(&lead.enrichment),
        }
    }
}

/// One labelled example shown to a few-shot prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    pub lead: PromptLead,
    pub label: Label,
    pub score: u8,
    /// The evidence the example rests on, restated from its visible fields (the dataset has
    /// gold labels but no written reasons, and inventing reasons would teach made-up ones).
    pub justification: String,
}

/// Draws up to `k` examples from `train`, balanced across labels (high, medium, low in turn
/// while each has leads left), in a seeded order. Leads without a gold label and leads marked
/// as test split are never drawn. A lead without a gold score gets the middle of its band.
pub fn select_examples(train: &[Lead], k: usize, seed: u64, bands: &Bands) -> Vec<Example> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pools: Vec<Vec<(&Lead, Gold)>> = [Label::High, Label::Medium, Label::Low]
        .into_iter()
        .map(|label| {
            train
                .iter()
                .filter(|l| l.meta.split != Some(Split::Test))
                .filter_map(|l| l.gold.filter(|g| g.label == label).map(|g| (l, g)))
                .collect()
        })
        .collect();
    for pool in &mut pools {
        pool.shuffle(&mut rng);
        // Drawn from the back below: reverse so the shuffled order is the drawing order.
        pool.reverse();
    }
    let mut chosen = Vec::with_capacity(k);
    while chosen.len() < k && pools.iter().any(|p| !p.is_empty()) {
        for pool in &mut pools {
            if chosen.len() == k {
                break;
            }
            if let Some(pick) = pool.pop() {
                chosen.push(pick);
            }
        }
    }
    // Shown in a shuffled order so that the label sequence is no cue.
    chosen.shuffle(&mut rng);
    chosen
        .into_iter()
        .map(|(lead, gold)| {
            let (lo, hi) = bands.range(gold.label);
            let score = gold.score.unwrap_or(((lo as u16 + hi as u16) / 2) as u8);
            Example {
                lead: PromptLead::from(lead),
                label: gold.label,
                score,
                justification: evidence(lead),
            }
        })
        .collect()
}

/// Who asked, from how big a company, and the opening words of what they asked.
fn evidence(lead: &Lead) -> String {
    let p = PromptLead::from(lead);
    let size = match lead.company_size {
        Some(n) => format!("{n} employees"),
        None => "unknown size".to_string(),
    };
    let words: Vec<&str> = p.inbound_message.split_whitespace().collect();
    let mut quote = words.iter().take(14).copied().collect::<Vec<_>>().join(" ");
    if words.len() > 14 {
        quote.push('…');
    }
    format!(
        "{} ({}) at {}, {size}, {}; via {}; asks: \"{quote}\"",
        p.job_title, p.seniority, p.company_name, p.industry, p.source
    )
}

/// Built-in leads for checking templates: the first is the lead to score, the rest are train
/// examples, one per label.
pub(crate) fn sample_leads() -> Vec<Lead> {
    let lead = |id: &str,
                name: &str,
                size: Option<u32>,
                domain: &str,
                industry: &str,
                title: &str,
                seniority: Option<Seniority>,
                message: &str,
                source: Source,
                gold: (Label, u8)| Lead {
        enrichment: Default::default(),
        lead_id: id.to_string(),
        company_name: name.to_string(),
        company_size: size,
        domain: domain.to_string(),
        industry: industry.to_string(),
        job_title: title.to_string(),
        seniority,
        inbound_message: message.to_string(),
        source,
        gold: Some(Gold {
            label: gold.0,
            score: Some(gold.1),
        }),
        outcome: Default::default(),
        meta: LeadMeta {
            split: Some(Split::Train),
            ..LeadMeta::default()
        },
    };
    vec![
        lead(
            "sample-1",
            "Northwind Logistics",
            Some(850),
            "northwind-logistics.example",
            "logistics",
            "Director of Platform Engineering",
            Some(Seniority::Director),
            "We are replacing our in-house system before Q3 and need SSO, audit logs and a \
             99.9% SLA. Can you share enterprise pricing and a security questionnaire?",
            Source::Referral,
            (Label::High, 86),
        ),
        lead(
            "sample-2",
            "Helix Retail Group",
            Some(2400),
            "helixretail.example",
            "retail",
            "VP Engineering",
            Some(Seniority::Vp),
            "Our team is comparing three vendors this quarter; we need volume pricing for \
             roughly 40 million requests a month and a call with your solutions team.",
            Source::Email,
            (Label::High, 81),
        ),
        lead(
            "sample-3",
            "Brightpath Studio",
            Some(35),
            "brightpath.example",
            "marketing services",
            "Account Manager",
            Some(Seniority::Manager),
            "We build sites for a few clients and are curious whether your API could fit \
             one of their projects later this year.",
            Source::Blog,
            (Label::Medium, 52),
        ),
        lead(
            "sample-4",
            "",
            None,
            "gmail.com",
            "",
            "Student",
            Some(Seniority::Entry),
            "hi, doing a class project on APIs, is there a free tier I can use for my homework?",
            Source::PaidSocial,
            (Label::Low, 12),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_is_balanced_seeded_and_skips_test_leads() {
        let mut leads = sample_leads();
        let mut test_lead = leads[1].clone();
        test_lead.meta.split = Some(Split::Test);
        test_lead.lead_id = "held-out".into();
        leads.push(test_lead);
        let bands = Bands::default();
        let a = select_examples(&leads, 3, 7, &bands);
        let b = select_examples(&leads, 3, 7, &bands);
        assert_eq!(a, b);
        let mut labels: Vec<Label> = a.iter().map(|e| e.label).collect();
        labels.sort();
        assert_eq!(labels, vec![Label::Low, Label::Medium, Label::High]);
        for k in 0..8 {
            let picked = select_examples(&leads, k, k as u64, &bands);
            assert_eq!(picked.len(), k.min(4));
            assert!(picked.iter().all(|e| e.lead.lead_id != "held-out"));
        }
    }

    #[test]
    fn evidence_restates_visible_fields_only() {
        let leads = sample_leads();
        let e = evidence(&leads[3]);
        assert!(e.contains("Student (entry)"), "{e}");
        assert!(e.contains("unknown size"), "{e}");
        assert!(!e.contains("12"), "{e}");
    }
}
