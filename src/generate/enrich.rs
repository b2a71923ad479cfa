//! Firmographic enrichment of generated leads (`bench generate --enrich`): what a vendor
//! would append to each lead, drawn consistently with its archetype, organisation and size.
//!
//! The model (README, "Firmographic enrichment"):
//! - **revenue_band**: the company's head count (the lower end of its profile when unknown)
//!   times a revenue per employee of $150k for companies, $120k for agencies and $70k for
//!   universities, research labs and nonprofits, times log-normal noise (σ = 0.6), placed
//!   in its band;
//! - **hq_country**: the country of the lead's language for non-English leads (Spanish:
//!   ES, MX, AR; German: DE, AT, CH; French: FR, BE, CA), else a weighted list led by the
//!   US (55 %), GB, CA, IN, AU and DE;
//! - **funding_stage**: none for universities, research labs and nonprofits (they have no
//!   rounds); agencies are bootstrapped or PE-owned; founders' startups are seed to Series B
//!   by size; other companies move from bootstrapped and early rounds to late rounds,
//!   private equity and public listing as they grow;
//! - **tech_stack**: two to six technologies, each from the industry's pool (60 %) or the
//!   pool every company uses (40 %), without repeats;
//! - **employee_growth_pct**: normal around 5 % (σ 12), +25 for founders' startups, +5 for
//!   mid-market evaluators, +20 × (intent − ½) for high leads, rounded to one decimal and
//!   kept within −100 to 1000.
//!
//! Vendors do not match every lead: a lead without a company (an individual) is matched one
//! time in ten, and each field of a matched lead is left empty on its own (revenue 12 %,
//! country 8 %, funding 18 %, tech stack 15 %, growth 20 %). The simulated conversion reads
//! the full draw, before fields are blanked: a blank is a gap in the vendor's data, not in
//! the company ([`Enriched::logit_shift`]).
//!
//! Every draw comes from the enrichment stream, so enriching a dataset changes no other
//! draw: its leads are those of the same seed without `--enrich`, plus five columns, except
//! for the simulated outcomes (`converted`, `deal_value`, `p_convert`), which the
//! enrichment's term enters.

use std::borrow::Cow;

use super::archetypes::Kind;
use super::draw::Draw;
use super::names::{Locale, OrgKind};
use crate::lead::{Enrichment, FundingStage, Label, RevenueBand};

/// Share of leads without a company (individuals) that a vendor matches at all.
const PERSONAL_MATCH: f64 = 0.1;
/// Share of each field left empty on a matched lead: revenue, country, funding, tech
/// stack, growth.
const EMPTY_SHARE: [f64; 5] = [0.12, 0.08, 0.18, 0.15, 0.20];

/// Countries of English-language leads and their weights.
const EN_COUNTRIES: [(&str, f64); 11] = [
    ("US", 0.55),
    ("GB", 0.12),
    ("CA", 0.07),
    ("IN", 0.06),
    ("AU", 0.05),
    ("DE", 0.04),
    ("NL", 0.03),
    ("IE", 0.02),
    ("SG", 0.02),
    ("FR", 0.02),
    ("SE", 0.02),
];
const ES_COUNTRIES: [(&str, f64); 3] = [("ES", 0.6), ("MX", 0.25), ("AR", 0.15)];
const DE_COUNTRIES: [(&str, f64); 3] = [("DE", 0.75), ("AT", 0.15), ("CH", 0.1)];
const FR_COUNTRIES: [(&str, f64); 3] = [("FR", 0.8), ("BE", 0.1), ("CA", 0.1)];

/// Technologies almost any company runs.
const COMMON_TECH: &[&str] = &[
    "google_workspace",
    "microsoft_365",
    "slack",
    "salesforce",
    "hubspot",
    "zoom",
    "okta",
    "jira",
    "aws",
    "azure",
    "gcp",
];

/// Technologies typical of an industry (by its name in the generator's tables).
fn industry_tech(industry: &str) -> &'static [&'static str] {
    match industry {
        "Software" | "Cybersecurity" | "Gaming" | "Education Technology" | "IT Consulting" => &[
            "kubernetes",
            "snowflake",
            "datadog",
            "github",
            "postgresql",
            "terraform",
            "react",
        ],
        "Financial Services" | "Insurance" => &[
            "oracle",
            "snowflake",
            "tableau",
            "sap",
            "servicenow",
            "databricks",
        ],
        "Healthcare" | "Biotech" => &["epic", "veeva", "tableau", "databricks", "servicenow"],
        "Retail" | "E-commerce" | "Marketing Services" | "Digital Agency" => &[
            "shopify",
            "magento",
            "segment",
            "klaviyo",
            "google_analytics",
            "stripe",
        ],
        "Logistics" | "Manufacturing" | "Automotive" | "Construction" | "Agriculture" => {
            &["sap", "oracle", "power_bi", "servicenow", "netsuite"]
        }
        _ => &["tableau", "power_bi", "netsuite", "zendesk", "mailchimp"],
    }
}

/// What the generator knows of a lead when it enriches it.
pub(crate) struct Firm<'a> {
    pub kind: Kind,
    pub label: Label,
    pub intent: f64,
    pub org: OrgKind,
    /// The recorded head count, or the lower end of the profile's range when unknown.
    pub size: u32,
    pub industry: &'a str,
    pub locale: Locale,
}

/// A lead's enrichment as recorded (with the vendor's gaps) and what the full draw adds to
/// the log-odds of converting.
pub(crate) struct Enriched {
    pub recorded: Enrichment,
    /// The enrichment term of `outcome::p_convert`: +0.2 for growth above 30 %, the funding
    /// stage's shift (Series A to C+ +0.15, public or PE-owned +0.1, seed −0.1), +0.1 from
    /// $50M revenue and −0.2 below $1M.
    pub logit_shift: f64,
}

/// Draws one lead's enrichment from the enrichment stream `d`.
pub(crate) fn enrich(d: &mut Draw, firm: &Firm<'_>) -> Enriched {
    let band = revenue_band(d, firm);
    let country = country(d, firm.locale);
    let stage = funding_stage(d, firm);
    let stack = tech_stack(d, firm.industry);
    let growth = growth(d, firm);
    let logit_shift = logit_shift(band, stage, growth);

    let matched = firm.org != OrgKind::Personal || d.chance(PERSONAL_MATCH);
    // One draw per field whatever the outcome, so the stream's use is the same for every lead.
    let keep = EMPTY_SHARE.map(|share| d.unit() >= share && matched);
    let recorded = Enrichment {
        revenue_band: keep[0].then_some(band),
        hq_country: keep[1].then_some(Cow::Borrowed(country)),
        funding_stage: stage.filter(|_| keep[2]),
        tech_stack: if keep[3] { stack } else { Vec::new() },
        employee_growth_pct: keep[4].then_some(growth),
    };
    Enriched {
        recorded,
        logit_shift,
    }
}

fn revenue_band(d: &mut Draw, firm: &Firm<'_>) -> RevenueBand {
    let per_employee = match firm.org {
        OrgKind::Company | OrgKind::Personal => 150_000.0,
        OrgKind::Agency => 120_000.0,
        OrgKind::University | OrgKind::ResearchLab | OrgKind::Nonprofit => 70_000.0,
    };
    let revenue = f64::from(firm.size.max(1)) * per_employee * (0.6 * d.normal()).exp();
    RevenueBand::of_revenue(revenue)
}

fn country(d: &mut Draw, locale: Locale) -> &'static str {
    let table: &[(&str, f64)] = match locale {
        Locale::En => &EN_COUNTRIES,
        Locale::Es => &ES_COUNTRIES,
        Locale::De => &DE_COUNTRIES,
        Locale::Fr => &FR_COUNTRIES,
    };
    let mut weights = [0.0; EN_COUNTRIES.len()];
    for (w, (_, share)) in weights.iter_mut().zip(table) {
        *w = *share;
    }
    table[d.weighted(&weights[..table.len()])].0
}

fn funding_stage(d: &mut Draw, firm: &Firm<'_>) -> Option<FundingStage> {
    use FundingStage::*;
    // Always one draw, so that leads without rounds use the stream like the others.
    let u = d.unit();
    let table: &[(FundingStage, f64)] = match firm.org {
        OrgKind::University | OrgKind::ResearchLab | OrgKind::Nonprofit => return None,
        OrgKind::Agency => &[(Bootstrapped, 0.8), (PrivateEquity, 0.2)],
        OrgKind::Company | OrgKind::Personal if firm.kind == Kind::StartupFounder => {
            if firm.size < 20 {
                &[(Bootstrapped, 0.25), (Seed, 0.6), (SeriesA, 0.15)]
            } else {
                &[
                    (Seed, 0.1),
                    (SeriesA, 0.45),
                    (SeriesB, 0.35),
                    (SeriesCPlus, 0.1),
                ]
            }
        }
        OrgKind::Company | OrgKind::Personal => match firm.size {
            0..=99 => &[
                (Bootstrapped, 0.6),
                (Seed, 0.2),
                (SeriesA, 0.15),
                (SeriesB, 0.05),
            ],
            100..=999 => &[
                (Bootstrapped, 0.35),
                (SeriesA, 0.1),
                (SeriesB, 0.2),
                (SeriesCPlus, 0.15),
                (PrivateEquity, 0.2),
            ],
            1000..=4999 => &[
                (Bootstrapped, 0.2),
                (SeriesCPlus, 0.25),
                (PrivateEquity, 0.25),
                (Public, 0.3),
            ],
            _ => &[
                (Bootstrapped, 0.15),
                (SeriesCPlus, 0.1),
                (PrivateEquity, 0.2),
                (Public, 0.55),
            ],
        },
    };
    let mut x = u;
    for &(stage, share) in table {
        if x < share {
            return Some(stage);
        }
        x -= share;
    }
    table.last().map(|&(stage, _)| stage)
}

fn tech_stack(d: &mut Draw, industry: &str) -> Vec<Cow<'static, str>> {
    let pool = industry_tech(industry);
    let k = 2 + d.below(5);
    let mut stack: Vec<Cow<'static, str>> = Vec::with_capacity(k);
    for _ in 0..k {
        let tech = if d.chance(0.6) {
            d.pick(pool)
        } else {
            d.pick(COMMON_TECH)
        };
        if !stack.iter().any(|t| t == tech) {
            stack.push(Cow::Borrowed(tech));
        }
    }
    stack
}

fn growth(d: &mut Draw, firm: &Firm<'_>) -> f64 {
    let mut mean = 5.0;
    if firm.kind == Kind::StartupFounder {
        mean += 25.0;
    }
    if firm.kind == Kind::MidMarketEvaluator {
        mean += 5.0;
    }
    if firm.label == Label::High {
        mean += 20.0 * (firm.intent - 0.5);
    }
    let g = (mean + 12.0 * d.normal()).clamp(-100.0, 1000.0);
    (g * 10.0).round() / 10.0
}

/// The enrichment term of the conversion model (see [`Enriched::logit_shift`]).
fn logit_shift(band: RevenueBand, stage: Option<FundingStage>, growth: f64) -> f64 {
    let growth_term = if growth > 30.0 { 0.2 } else { 0.0 };
    let stage_term = match stage {
        Some(FundingStage::SeriesA | FundingStage::SeriesB | FundingStage::SeriesCPlus) => 0.15,
        Some(FundingStage::Public | FundingStage::PrivateEquity) => 0.1,
        Some(FundingStage::Seed) => -0.1,
        Some(FundingStage::Bootstrapped) | None => 0.0,
    };
    let revenue_term = match band {
        RevenueBand::Under1M => -0.2,
        RevenueBand::M1To10 | RevenueBand::M10To50 => 0.0,
        RevenueBand::M50To250 | RevenueBand::M250To1B | RevenueBand::Over1B => 0.1,
    };
    growth_term + stage_term + revenue_term
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::draw::Stream;

    fn firm(kind: Kind, org: OrgKind, size: u32) -> Firm<'static> {
        Firm {
            kind,
            label: Label::High,
            intent: 0.9,
            org,
            size,
            industry: "Software",
            locale: Locale::En,
        }
    }

    #[test]
    fn enrichment_follows_size_and_organisation() {
        let mut d = Draw::new(7, Stream::Enrichment);
        let (mut big_public, mut big, mut nonprofit_stages) = (0, 0, 0);
        let mut startup_growth = 0.0;
        let mut startups = 0;
        for _ in 0..2000 {
            let e = enrich(
                &mut d,
                &firm(Kind::EnterpriseBuyer, OrgKind::Company, 20_000),
            );
            if let Some(b) = e.recorded.revenue_band {
                big += 1;
                assert!(b >= RevenueBand::M250To1B, "{b}");
            }
            big_public += usize::from(e.recorded.funding_stage == Some(FundingStage::Public));
            let n = enrich(&mut d, &firm(Kind::Nonprofit, OrgKind::Nonprofit, 300));
            nonprofit_stages += usize::from(n.recorded.funding_stage.is_some());
            let s = enrich(&mut d, &firm(Kind::StartupFounder, OrgKind::Company, 60));
            if let Some(g) = s.recorded.employee_growth_pct {
                startup_growth += g;
                startups += 1;
            }
        }
        assert!(
            big > 1600 && big < 1900,
            "about 88 % have a revenue band: {big}"
        );
        assert!(big_public > 800, "{big_public}");
        assert_eq!(nonprofit_stages, 0);
        assert!(startup_growth / f64::from(startups) > 25.0);
    }

    #[test]
    fn individuals_are_rarely_matched_and_stacks_have_no_repeats() {
        let mut d = Draw::new(3, Stream::Enrichment);
        let mut matched = 0;
        for _ in 0..1000 {
            let e = enrich(&mut d, &firm(Kind::Hobbyist, OrgKind::Personal, 1));
            matched += usize::from(!e.recorded.is_empty());
            let c = enrich(
                &mut d,
                &firm(Kind::MidMarketEvaluator, OrgKind::Company, 300),
            );
            let stack = &c.recorded.tech_stack;
            assert!(stack.len() <= 6);
            assert!(
                stack
                    .iter()
                    .enumerate()
                    .all(|(i, t)| !stack[..i].contains(t))
            );
        }
        assert!(matched < 150, "{matched}");
    }
}
