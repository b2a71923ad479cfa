//! The dataset card's edge-case rules, each a short function with the card's sentence above
//! it: label caps (disqualifiers → low; agencies, nonprofits, research labs, small companies,
//! missing authority or intent → medium) and the one floor (agencies default to medium).
//!
//! The rules name the families they ask about (`agency`, `neg_support`, …); a table without
//! one of them (a user's `mode = "replace"` file) simply never fires that rule.

use super::table::{HeuristicRules, Kind};
use super::{Evidence, MICRO_MAX};
use crate::lead::{Label, Seniority};

/// The highest label the lead may get, and why when that is below high: the first rule that
/// reaches the lowest cap names it.
pub(super) fn cap(ev: &Evidence, rules: &HeuristicRules) -> (Label, String) {
    let has = |name| has(ev, rules, name);
    let intent = ev.families.count_of(rules, Kind::Intent);
    let mut best = (Label::High, String::new());
    let mut lower = |label: Label, reason: &str| {
        if label < best.0 {
            best = (label, reason.to_string());
        }
    };
    // Low: "Individuals, students, hobbyists, or non-commercial usage"; "Mentions coursework,
    // learning, or personal projects" (and job seekers, vendor pitches, spam, opt-outs).
    for (i, f) in rules.families.iter().enumerate() {
        if f.kind == Kind::Disqualifier && ev.families.has(i) {
            lower(Label::Low, &f.shown);
        }
    }
    // A support request is no new business ("non-commercial usage"), but an existing customer
    // asking about pricing or seats may be an upsell.
    if has("neg_support") {
        let buying = has("intent_pricing") || has("intent_purchase");
        lower(
            if buying { Label::Medium } else { Label::Low },
            "support request",
        );
    }
    // "Mentions coursework, learning, or personal projects": learning for oneself, with no
    // commercial intent, is low.
    if has("neg_learning") && intent == 0 {
        lower(Label::Low, "learning");
    }
    // "Agencies and consultants default to medium unless there is clear resale or
    // multi-client scale intent."
    if has("agency") && !has("multi_client") {
        lower(Label::Medium, "agency without multi-client scale");
    }
    // "Nonprofits and research labs default to low or medium unless enterprise deployment is
    // stated."
    if has("nonprofit") && !has("enterprise_deployment") {
        lower(Label::Medium, "nonprofit without enterprise deployment");
    }
    if has("research_lab") && !has("enterprise_deployment") {
        lower(Label::Medium, "research lab without enterprise deployment");
    }
    // Low: "Very small companies with no clear budget".
    if ev.size.is_some_and(|s| s <= MICRO_MAX) && !has("intent_purchase") {
        lower(Label::Low, "micro company without budget");
    }
    // High: "Typically companies with 50+ employees".
    if ev
        .size
        .is_some_and(|s| s < rules.points.high_min_company_size)
    {
        lower(Label::Medium, "small company");
    }
    // High: "Submitted by decision-makers or strong influencers (director, VP, head, CTO,
    // founder)"; medium: "roles without final decision authority".
    match ev.seniority {
        None => lower(Label::Medium, "authority unknown"),
        Some(s) if s < Seniority::Director => lower(Label::Medium, "no decision authority"),
        Some(_) => {}
    }
    // "When signals are ambiguous, scoring should be conservative": high needs "Clear
    // commercial or production intent" (several intent families) and a message that says
    // something ("Vague or generic messages with no buying signals" are not high).
    if intent < rules.points.high_min_intent_signals {
        lower(Label::Medium, "no clear buying intent");
    }
    if has("neg_vague") {
        lower(Label::Medium, "vague message");
    }
    best
}

/// "Agencies and consultants default to medium": an agency lead that scores low is raised
/// to medium unless something disqualifies it (which also overrides the micro-company cap:
/// a one-person consultancy is medium).
pub(super) fn agency_floor(ev: &Evidence, rules: &HeuristicRules) -> bool {
    let has = |name| has(ev, rules, name);
    let disqualified =
        rules.families.iter().enumerate().any(|(i, f)| {
            matches!(f.kind, Kind::Disqualifier | Kind::Injection) && ev.families.has(i)
        });
    has("agency")
        && !disqualified
        && !["neg_support", "neg_learning", "neg_vague"]
            .into_iter()
            .any(has)
}

/// Whether the lead has the family called `name` (no table need have it).
fn has(ev: &Evidence, rules: &HeuristicRules, name: &str) -> bool {
    rules.family(name).is_some_and(|i| ev.families.has(i))
}

/// "Partner" alone is an owner's title in consultancies and law firms, but "Partner
/// Manager" is not, so only the whole (normalised) title counts.
pub(super) fn whole_title_level(title: &str) -> Option<Seniority> {
    (title.trim() == "partner").then_some(Seniority::CSuite)
}
