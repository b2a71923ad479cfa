//! The latent archetypes leads are drawn from. Each one fixes a distribution over gold
//! labels (mostly a single label; ambiguous ones lean conservative), how often it is easy
//! or hard, where it comes in from, and — per label — the firmographic profile it is
//! realised with. The dataset card's edge cases each have their own archetype.

use super::names::{Locale, OrgKind};
use super::titles::TitleSet;
use crate::lead::Label;

/// Which message recipe an archetype uses (see `compose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    EnterpriseBuyer,
    MidMarketEvaluator,
    SmallBusinessBuyer,
    StartupFounder,
    ExploringManager,
    AgencyConsultant,
    AgencyReseller,
    Nonprofit,
    NonprofitDeployment,
    ResearchLab,
    ResearchDeployment,
    Student,
    CourseworkEnterprise,
    Hobbyist,
    JobSeeker,
    VendorPitch,
    SupportRequest,
    VagueOneLiner,
    BigCompanyIntern,
    SeniorTinyCompany,
    NonEnglish,
    PromptInjection,
}

/// One archetype: its name (the `archetype` column) and its distributions.
pub(crate) struct Archetype {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// Relative frequency before the class mix is applied.
    pub(crate) weight: f64,
    /// Probability of each gold label, in label order (low, medium, high).
    pub(crate) labels: [f64; 3],
    /// Probability of easy, medium, hard.
    pub(crate) difficulty: [f64; 3],
    /// Probability of paid_social, blog, referral, email, unknown.
    pub(crate) sources: [f64; 5],
}

const SRC_BUYER: [f64; 5] = [0.12, 0.15, 0.33, 0.25, 0.15];
const SRC_EXPLORER: [f64; 5] = [0.25, 0.3, 0.15, 0.15, 0.15];
const SRC_LOW: [f64; 5] = [0.35, 0.3, 0.05, 0.1, 0.2];
const SRC_PITCH: [f64; 5] = [0.05, 0.05, 0.05, 0.6, 0.25];
const SRC_SUPPORT: [f64; 5] = [0.05, 0.1, 0.05, 0.5, 0.3];

const EASYISH: [f64; 3] = [0.5, 0.35, 0.15];
const MIXED: [f64; 3] = [0.3, 0.45, 0.25];
const HARDISH: [f64; 3] = [0.1, 0.4, 0.5];
const ADVERSARIAL: [f64; 3] = [0.0, 0.25, 0.75];

const fn arch(
    name: &'static str,
    kind: Kind,
    weight: f64,
    labels: [f64; 3],
    difficulty: [f64; 3],
    sources: [f64; 5],
) -> Archetype {
    Archetype {
        name,
        kind,
        weight,
        labels,
        difficulty,
        sources,
    }
}

const L: [f64; 3] = [1.0, 0.0, 0.0];
const M: [f64; 3] = [0.0, 1.0, 0.0];
const H: [f64; 3] = [0.0, 0.0, 1.0];

/// All archetypes; the order is part of the output's determinism.
#[rustfmt::skip]
pub(crate) const ARCHETYPES: &[Archetype] = &[
    arch("enterprise_buyer", Kind::EnterpriseBuyer, 10.0, H, EASYISH, SRC_BUYER),
    arch("midmarket_evaluator", Kind::MidMarketEvaluator, 8.0, [0.0, 0.15, 0.85], EASYISH, SRC_BUYER),
    arch("small_business_buyer", Kind::SmallBusinessBuyer, 5.0, M, MIXED, SRC_BUYER),
    arch("startup_founder", Kind::StartupFounder, 6.0, [0.0, 0.6, 0.4], MIXED, SRC_EXPLORER),
    arch("exploring_manager", Kind::ExploringManager, 8.0, M, MIXED, SRC_EXPLORER),
    arch("agency_consultant", Kind::AgencyConsultant, 4.0, M, MIXED, SRC_EXPLORER),
    arch("agency_reseller", Kind::AgencyReseller, 3.0, H, MIXED, SRC_BUYER),
    arch("nonprofit", Kind::Nonprofit, 3.0, [0.5, 0.5, 0.0], MIXED, SRC_EXPLORER),
    arch("nonprofit_enterprise_deployment", Kind::NonprofitDeployment, 1.5, H, MIXED, SRC_BUYER),
    arch("research_lab", Kind::ResearchLab, 3.0, [0.5, 0.5, 0.0], MIXED, SRC_EXPLORER),
    arch("research_enterprise_deployment", Kind::ResearchDeployment, 1.5, H, MIXED, SRC_BUYER),
    arch("student_coursework", Kind::Student, 5.0, L, EASYISH, SRC_LOW),
    arch("coursework_enterprise_words", Kind::CourseworkEnterprise, 2.5, L, ADVERSARIAL, SRC_LOW),
    arch("hobbyist", Kind::Hobbyist, 4.0, L, EASYISH, SRC_LOW),
    arch("job_seeker", Kind::JobSeeker, 3.0, L, EASYISH, SRC_LOW),
    arch("vendor_pitch", Kind::VendorPitch, 3.0, L, MIXED, SRC_PITCH),
    arch("support_request", Kind::SupportRequest, 3.0, [0.8, 0.2, 0.0], MIXED, SRC_SUPPORT),
    arch("vague_one_liner", Kind::VagueOneLiner, 4.0, [0.8, 0.2, 0.0], HARDISH, SRC_LOW),
    arch("big_company_intern", Kind::BigCompanyIntern, 3.0, [0.6, 0.4, 0.0], ADVERSARIAL, SRC_EXPLORER),
    arch("senior_title_tiny_company", Kind::SeniorTinyCompany, 3.0, [0.55, 0.45, 0.0], ADVERSARIAL, SRC_EXPLORER),
    arch("non_english", Kind::NonEnglish, 4.0, [0.35, 0.35, 0.3], MIXED, SRC_EXPLORER),
    arch("prompt_injection", Kind::PromptInjection, 2.0, [0.6, 0.25, 0.15], ADVERSARIAL, SRC_LOW),
];

/// How a lead of some archetype and label looks from the outside.
pub(crate) struct Profile {
    pub(crate) org: OrgKind,
    /// Employee count range, drawn on a log scale.
    pub(crate) size: (u32, u32),
    /// Probability of entry, manager, senior, director, vp, c-suite.
    pub(crate) seniority: [f64; 6],
    pub(crate) titles: TitleSet,
}

const fn prof(org: OrgKind, size: (u32, u32), seniority: [f64; 6], titles: TitleSet) -> Profile {
    Profile {
        org,
        size,
        seniority,
        titles,
    }
}

const DECIDERS: [f64; 6] = [0.0, 0.08, 0.1, 0.37, 0.3, 0.15];
const INFLUENCERS: [f64; 6] = [0.05, 0.4, 0.3, 0.17, 0.06, 0.02];
const FOUNDERS: [f64; 6] = [0.0, 0.0, 0.05, 0.1, 0.15, 0.7];
const JUNIOR: [f64; 6] = [0.85, 0.05, 0.1, 0.0, 0.0, 0.0];
const ANYONE: [f64; 6] = [0.2, 0.3, 0.25, 0.12, 0.08, 0.05];
const SELLERS: [f64; 6] = [0.15, 0.25, 0.1, 0.2, 0.15, 0.15];

/// The firmographic profile of `kind` realised with `label`.
#[rustfmt::skip]
pub(crate) fn profile(kind: Kind, label: Label) -> Profile {
    use Kind::*;
    use OrgKind as O;
    use TitleSet as T;
    match (kind, label) {
        (EnterpriseBuyer, _) => prof(O::Company, (1000, 60000), DECIDERS, T::Corporate),
        (MidMarketEvaluator, Label::High) => prof(O::Company, (100, 999), DECIDERS, T::Corporate),
        (MidMarketEvaluator, _) => prof(O::Company, (100, 999), INFLUENCERS, T::Corporate),
        (SmallBusinessBuyer, _) => prof(O::Company, (8, 45), DECIDERS, T::Corporate),
        (StartupFounder, Label::High) => prof(O::Company, (50, 180), FOUNDERS, T::Corporate),
        (StartupFounder, _) => prof(O::Company, (2, 45), FOUNDERS, T::Corporate),
        (ExploringManager, _) => prof(O::Company, (50, 20000), INFLUENCERS, T::Corporate),
        (AgencyConsultant, _) => prof(O::Agency, (3, 150), ANYONE, T::Agency),
        (AgencyReseller, _) => prof(O::Agency, (20, 400), DECIDERS, T::Agency),
        (Nonprofit, Label::Low) => prof(O::Nonprofit, (1, 25), ANYONE, T::Nonprofit),
        (Nonprofit, _) => prof(O::Nonprofit, (20, 300), ANYONE, T::Nonprofit),
        (NonprofitDeployment, _) => prof(O::Nonprofit, (800, 12000), DECIDERS, T::Nonprofit),
        (ResearchLab, Label::Low) => prof(O::ResearchLab, (3, 40), [0.5, 0.0, 0.35, 0.15, 0.0, 0.0], T::Academic),
        (ResearchLab, _) => prof(O::ResearchLab, (10, 80), [0.1, 0.25, 0.2, 0.45, 0.0, 0.0], T::Academic),
        (ResearchDeployment, _) => prof(O::University, (2000, 40000), [0.0, 0.15, 0.1, 0.4, 0.2, 0.15], T::Academic),
        (Student, _) => prof(O::University, (1000, 50000), JUNIOR, T::Academic),
        (CourseworkEnterprise, _) => prof(O::University, (5000, 50000), JUNIOR, T::Academic),
        (Hobbyist, _) => prof(O::Personal, (1, 1), [0.5, 0.05, 0.4, 0.0, 0.0, 0.05], T::Individual),
        (JobSeeker, _) => prof(O::Personal, (1, 1), [0.6, 0.15, 0.25, 0.0, 0.0, 0.0], T::Individual),
        (VendorPitch, _) => prof(O::Agency, (5, 500), SELLERS, T::Agency),
        (SupportRequest, _) => prof(O::Company, (10, 20000), ANYONE, T::Corporate),
        (VagueOneLiner, Label::Low) => prof(O::Personal, (1, 1), ANYONE, T::Individual),
        (VagueOneLiner, _) => prof(O::Company, (1000, 50000), [0.0, 0.0, 0.0, 0.5, 0.35, 0.15], T::Corporate),
        (BigCompanyIntern, _) => prof(O::Company, (5000, 100000), [1.0, 0.0, 0.0, 0.0, 0.0, 0.0], T::Intern),
        (SeniorTinyCompany, _) => prof(O::Company, (1, 6), [0.0, 0.0, 0.0, 0.1, 0.15, 0.75], T::Corporate),
        (NonEnglish | PromptInjection, Label::High) => prof(O::Company, (200, 20000), DECIDERS, T::Corporate),
        (NonEnglish | PromptInjection, Label::Medium) => prof(O::Company, (10, 500), INFLUENCERS, T::Corporate),
        (NonEnglish | PromptInjection, Label::Low) => prof(O::Personal, (1, 1), JUNIOR, T::Individual),
    }
}

/// The languages non-English leads are written in.
pub(crate) const FOREIGN_LOCALES: [Locale; 3] = [Locale::Es, Locale::De, Locale::Fr];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        assert!(ARCHETYPES.len() >= 14);
        for a in ARCHETYPES {
            for (name, w) in [
                ("labels", &a.labels[..]),
                ("difficulty", &a.difficulty[..]),
                ("sources", &a.sources[..]),
            ] {
                let total: f64 = w.iter().sum();
                assert!(
                    (total - 1.0).abs() < 1e-9,
                    "{} {name} sums to {total}",
                    a.name
                );
            }
            for label in Label::ALL {
                let p = profile(a.kind, label);
                assert!(p.size.0 <= p.size.1 && p.size.0 >= 1, "{}", a.name);
                assert!(
                    (p.seniority.iter().sum::<f64>() - 1.0).abs() < 1e-9,
                    "{}",
                    a.name
                );
            }
        }
        for label in Label::ALL {
            assert!(ARCHETYPES.iter().any(|a| a.labels[label.index()] > 0.0));
        }
    }
}
