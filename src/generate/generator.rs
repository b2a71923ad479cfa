//! The [`Generator`]: a deterministic, streaming iterator of synthetic leads.
//!
//! Each lead is drawn in this order: gold label (from the class mix), archetype (in
//! proportion to its weight times its probability of that label), difficulty, latent
//! intent, then fields and message. The gold score is the intent placed inside the band
//! of the gold label, so higher intent means a higher score within the same label.
//!
//! Label noise flips a lead's recorded label to an adjacent class (low ↔ medium ↔ high,
//! never low ↔ high) and sets `label_noise = true`. The recorded `gold_score` follows the
//! recorded (noisy) label: it is the same intent placed inside the noisy label's band, so
//! `gold_score` and `gold_label` always agree with the bands, as they would in a real,
//! consistently but imperfectly annotated dataset. The text is not changed by noise.
//!
//! Content, noise and split use separate random streams: a dataset generated with another
//! noise rate or test fraction but the same seed has the same leads, fields and messages,
//! and the rows flipped at a lower noise rate are a subset of those flipped at a higher one.
//! Enrichment (`--enrich`) has a stream of its own too: an enriched dataset has the leads of
//! the same seed without it, plus the enrichment columns and their term in the outcomes.

use super::archetypes::{ARCHETYPES, FOREIGN_LOCALES, Kind, Profile, profile};
use super::compose::{Ctx, compose};
use super::draw::{Draw, Stream};
use super::enrich::{Firm, enrich};
use super::names::{FIRST_NAMES, INDUSTRIES, LAST_NAMES, Locale, OrgKind, org};
use super::outcome::{self, Truth};
use super::params::{Conversion, GenerateParams};
use super::titles::{TitleSet, title};
use super::twins::injection_twin;
use crate::lead::Bands;
use crate::lead::{Difficulty, Gold, Label, Lead, LeadMeta, Seniority, Source, Split};

/// Yields exactly `params.n` leads, `L000001`, `L000002`, … (ids are zero-padded to at
/// least six digits, or to the width of `n`), each followed by its injection twin
/// (`L000001-inj`) when `injection_twins` draws one for it.
pub struct Generator {
    n: u64,
    next: u64,
    width: usize,
    bands: Bands,
    label_noise: f64,
    test_fraction: f64,
    mix: [f64; 3],
    /// Archetype weights given each label, in label order.
    arch_weights: [Vec<f64>; 3],
    content: Draw,
    noise: Draw,
    split: Draw,
    outcome: Draw,
    /// The enrichment stream, when the dataset is enriched.
    enrich: Option<Draw>,
    conversion: Conversion,
    message: String,
    /// Share of leads followed by an injection twin, and the draws that pick them.
    twins: f64,
    twin_draw: Draw,
    /// The twin of the lead just yielded, yielded next.
    twin: Option<Lead>,
}

impl Generator {
    /// A generator for `params` (assumed valid: see [`GenerateParams::validate`]).
    pub fn new(params: &GenerateParams, bands: Bands) -> Generator {
        let arch_weights = Label::ALL.map(|l| {
            ARCHETYPES
                .iter()
                .map(|a| a.weight * a.labels[l.index()])
                .collect()
        });
        let m = params.mix;
        Generator {
            n: params.n,
            next: 0,
            width: params.n.to_string().len().max(6),
            bands,
            label_noise: params.label_noise,
            test_fraction: params.test_fraction,
            mix: [m.low, m.medium, m.high],
            arch_weights,
            content: Draw::new(params.seed, Stream::Content),
            noise: Draw::new(params.seed, Stream::Noise),
            split: Draw::new(params.seed, Stream::Split),
            outcome: Draw::new(params.seed, Stream::Outcome),
            enrich: params
                .enrich
                .then(|| Draw::new(params.seed, Stream::Enrichment)),
            conversion: params.conversion,
            message: String::with_capacity(512),
            twins: params.injection_twins,
            twin_draw: Draw::new(params.seed, Stream::Twins),
            twin: None,
        }
    }

    /// The score at position `intent` in [0, 1) of `label`'s band.
    fn score_in_band(&self, label: Label, intent: f64) -> u8 {
        let (lo, hi) = self.bands.range(label);
        let span = f64::from(hi - lo) + 1.0;
        (f64::from(lo) + (intent * span).floor()).min(f64::from(hi)) as u8
    }

    fn lead(&mut self, index: u64) -> Lead {
        let d = &mut self.content;
        let label = Label::ALL[d.weighted(&self.mix)];
        let arch = &ARCHETYPES[d.weighted(&self.arch_weights[label.index()])];
        let difficulty = Difficulty::ALL[d.weighted(&arch.difficulty)];
        let intent = d.unit();
        let locale = if arch.kind == Kind::NonEnglish {
            d.pick(&FOREIGN_LOCALES)
        } else {
            Locale::En
        };

        let mut prof = profile(arch.kind, label);
        if arch.kind == Kind::VagueOneLiner && label == Label::Low && d.chance(0.4) {
            // Vague messages also come from companies of every size.
            prof = Profile {
                org: OrgKind::Company,
                size: (5, 5000),
                seniority: [0.2, 0.3, 0.25, 0.12, 0.08, 0.05],
                titles: TitleSet::Corporate,
            };
        }
        let industry = d.below(INDUSTRIES.len());
        let organisation = org(d, prof.org, industry, locale);
        let company_size = if prof.org == OrgKind::Personal {
            d.chance(0.5).then_some(1)
        } else if d.chance(0.04) {
            None
        } else {
            let exact = d.log_range(prof.size.0, prof.size.1);
            Some(approximate(d, exact))
        };

        let mut seniority = Some(Seniority::ALL[d.weighted(&prof.seniority)]);
        let mut job_title = String::with_capacity(32);
        let anonymous = prof.org == OrgKind::Personal && d.chance(0.15);
        if anonymous {
            seniority = None;
        } else {
            title(
                d,
                prof.titles,
                seniority.unwrap_or(Seniority::Entry),
                &mut job_title,
            );
            if d.chance(0.02) {
                seniority = None;
            }
        }
        let first = d.pick(FIRST_NAMES);
        let last = d.pick(LAST_NAMES);
        let source = Source::ALL[d.weighted(&arch.sources)];

        let ctx = Ctx {
            kind: arch.kind,
            label,
            difficulty,
            intent,
            locale,
            co: &organisation.name,
            title: &job_title,
            first,
            last,
            size: company_size.unwrap_or(prof.size.0),
            personal: prof.org == OrgKind::Personal,
        };
        compose(d, &ctx, &mut self.message);

        let enriched = self.enrich.as_mut().map(|e| {
            let firm = Firm {
                kind: arch.kind,
                label,
                intent,
                org: prof.org,
                size: company_size.unwrap_or(prof.size.0),
                industry: organisation.industry,
                locale,
            };
            enrich(e, &firm)
        });
        let (enrichment, enrichment_shift) =
            enriched.map_or((Default::default(), 0.0), |e| (e.recorded, e.logit_shift));

        // Noise: always two draws per lead, so flips are nested across noise rates.
        let (flip, up) = (self.noise.unit(), self.noise.unit() < 0.5);
        let noisy = flip < self.label_noise;
        let recorded = if noisy { adjacent(label, up) } else { label };
        let truth = Truth {
            label,
            intent,
            size: company_size,
            seniority,
            kind: arch.kind,
            enrichment_shift,
        };
        let (outcome, p_convert) = outcome::draw(&mut self.outcome, &truth, &self.conversion);
        let split = if self.split.unit() < self.test_fraction {
            Split::Test
        } else {
            Split::Train
        };

        Lead {
            lead_id: format!("L{:0width$}", index + 1, width = self.width),
            company_name: organisation.name,
            company_size,
            domain: organisation.domain,
            industry: organisation.industry.to_string(),
            job_title,
            seniority,
            inbound_message: self.message.clone(),
            source,
            enrichment,
            gold: Some(Gold {
                label: recorded,
                score: Some(self.score_in_band(recorded, intent)),
            }),
            outcome,
            meta: LeadMeta {
                archetype: Some(arch.name.to_string()),
                difficulty: Some(difficulty),
                label_noise: Some(noisy),
                split: Some(split),
                p_convert: Some(p_convert),
            },
        }
    }
}

/// The neighbouring class: low and high have one neighbour, medium goes `up` or down.
fn adjacent(label: Label, up: bool) -> Label {
    match label {
        Label::Low => Label::Medium,
        Label::High => Label::Medium,
        Label::Medium if up => Label::High,
        Label::Medium => Label::Low,
    }
}

/// Head counts as people state them: large ones rounded, small ones exact.
fn approximate(d: &mut Draw, size: u32) -> u32 {
    if size >= 1000 && d.chance(0.7) {
        (size + 50) / 100 * 100
    } else if size >= 100 && d.chance(0.5) {
        (size + 5) / 10 * 10
    } else {
        size
    }
}

impl Iterator for Generator {
    type Item = Lead;

    fn next(&mut self) -> Option<Lead> {
        if let Some(twin) = self.twin.take() {
            return Some(twin);
        }
        if self.next >= self.n {
            return None;
        }
        let lead = self.lead(self.next);
        self.next += 1;
        if self.twins > 0.0 && self.twin_draw.chance(self.twins) {
            self.twin = Some(injection_twin(&lead, &mut self.twin_draw));
        }
        Some(lead)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.n - self.next).unwrap_or(usize::MAX);
        let left = left.saturating_add(usize::from(self.twin.is_some()));
        // With twins, each lead left may bring one.
        let most = if self.twins > 0.0 {
            left.checked_mul(2)
        } else {
            Some(left)
        };
        (left, most)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_exactly_n_with_padded_ids() {
        let params = GenerateParams {
            n: 25,
            ..GenerateParams::default()
        };
        let leads: Vec<Lead> = Generator::new(&params, Bands::default()).collect();
        assert_eq!(leads.len(), 25);
        assert_eq!(leads[0].lead_id, "L000001");
        assert_eq!(leads[24].lead_id, "L000025");
        let big = GenerateParams {
            n: 1_234_567,
            ..GenerateParams::default()
        };
        let first = Generator::new(&big, Bands::default())
            .next()
            .expect("one lead");
        assert_eq!(first.lead_id, "L0000001");
    }

    #[test]
    fn flips_are_adjacent_only() {
        assert_eq!(adjacent(Label::Low, true), Label::Medium);
        assert_eq!(adjacent(Label::High, false), Label::Medium);
        assert_eq!(adjacent(Label::Medium, true), Label::High);
        assert_eq!(adjacent(Label::Medium, false), Label::Low);
    }

    #[test]
    fn scores_fill_the_band() {
        let g = Generator::new(&GenerateParams::default(), Bands::default());
        assert_eq!(g.score_in_band(Label::Low, 0.0), 0);
        assert_eq!(g.score_in_band(Label::Low, 0.999_999), 39);
        assert_eq!(g.score_in_band(Label::Medium, 0.5), 55);
        assert_eq!(g.score_in_band(Label::High, 0.999_999), 100);
    }
}
