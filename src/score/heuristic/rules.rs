//! The dataset card's edge-case rules as label caps (disqualifiers → low; agencies,
//! nonprofits, research labs, small companies, missing authority or intent → medium) and the
//! one floor (agencies and consultants default to medium), plus the signals' display names.

use super::signals::Family;
use super::{Evidence, HeuristicWeights, MICRO_MAX};
use crate::lead::{Label, Seniority};

/// Families that make a lead low whatever else it says (the card's low definition).
const DISQUALIFIERS: [(Family, &str); 6] = [
    (Family::Coursework, "coursework"),
    (Family::JobSeeking, "job seeking"),
    (Family::VendorPitch, "vendor pitch"),
    (Family::Spam, "spam"),
    (Family::OptOut, "opt-out"),
    (Family::Personal, "personal/hobby"),
];

/// The highest label the lead may get, and the reason when that is below high. The first
/// rule that reaches the lowest cap names it.
pub(super) fn cap(ev: &Evidence, w: &HeuristicWeights) -> (Label, &'static str) {
    let f = ev.families;
    let commercial = f.commercial();
    let mut best = (Label::High, "");
    let mut lower = |label: Label, reason: &'static str| {
        if label < best.0 {
            best = (label, reason);
        }
    };
    for (family, reason) in DISQUALIFIERS {
        if f.has(family) {
            lower(Label::Low, reason);
        }
    }
    if f.has(Family::Support) {
        // An existing customer asking about pricing or seats may be an upsell.
        let buying = f.has(Family::Pricing) || f.has(Family::Purchase);
        lower(
            if buying { Label::Medium } else { Label::Low },
            "support request",
        );
    }
    if f.has(Family::Learning) && commercial == 0 {
        lower(Label::Low, "learning");
    }
    if f.has(Family::Agency) && !f.has(Family::MultiClient) {
        lower(Label::Medium, "agency without multi-client scale");
    }
    if f.has(Family::Nonprofit) && !f.has(Family::EnterpriseDeployment) {
        lower(Label::Medium, "nonprofit without enterprise deployment");
    }
    if f.has(Family::Research) && !f.has(Family::EnterpriseDeployment) {
        lower(Label::Medium, "research lab without enterprise deployment");
    }
    if ev.size.is_some_and(|s| s <= MICRO_MAX) && !f.has(Family::Purchase) {
        lower(Label::Low, "micro company without budget");
    }
    if ev.size.is_some_and(|s| s < w.high_min_company_size) {
        lower(Label::Medium, "small company");
    }
    match ev.seniority {
        None => lower(Label::Medium, "authority unknown"),
        Some(s) if s < Seniority::Director => lower(Label::Medium, "no decision authority"),
        Some(_) => {}
    }
    if commercial < w.high_min_intent_signals {
        lower(Label::Medium, "no clear buying intent");
    }
    if f.has(Family::Vague) {
        lower(Label::Medium, "vague message");
    }
    best
}

/// Agencies and consultants default to medium unless something disqualifies them; the
/// card's agency rule overrides the micro-company cap (a one-person consultancy is medium).
pub(super) fn agency_floor(ev: &Evidence) -> bool {
    let f = ev.families;
    f.has(Family::Agency)
        && !DISQUALIFIERS.iter().any(|(d, _)| f.has(*d))
        && ![
            Family::Support,
            Family::Learning,
            Family::Vague,
            Family::Injection,
        ]
        .iter()
        .any(|d| f.has(*d))
}

/// The name of a family in justifications.
pub(super) fn family_name(f: Family) -> &'static str {
    match f {
        Family::Pricing => "pricing",
        Family::Evaluation => "evaluation",
        Family::Production => "production",
        Family::Requirements => "scale/security",
        Family::Urgency => "timeline",
        Family::Purchase => "budget/purchase",
        Family::Demo => "demo",
        Family::Scale => "multi-site",
        Family::Explore => "exploring",
        Family::UseCase => "use case",
        Family::Coursework => "coursework",
        Family::Learning => "learning",
        Family::Personal => "personal/hobby",
        Family::JobSeeking => "job seeking",
        Family::VendorPitch => "vendor pitch",
        Family::Support => "support request",
        Family::Spam => "spam",
        Family::OptOut => "opt-out",
        Family::Free => "free tier",
        Family::NotReady => "not ready",
        Family::Vague => "vague message",
        Family::Injection => "prompt injection",
        Family::Agency => "agency",
        Family::MultiClient => "multi-client",
        Family::Nonprofit => "nonprofit",
        Family::Research => "research lab",
        Family::EnterpriseDeployment => "enterprise deployment",
    }
}
