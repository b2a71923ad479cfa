//! Sparse features of one lead for the learned scorer: a few fixed firmographic slots
//! (log size, size band, seniority, source) followed by a hashed space for text (industry,
//! domain, company-name and job-title tokens, message word unigrams and bigrams), and for
//! an enriched lead its enrichment in hashed slots of its own namespaces (so a lead without
//! enrichment has exactly the features it had before enrichment existed).
//!
//! Text is hashed with FNV-1a over a namespace byte and the lowercased token bytes, so the
//! same text lands in the same bucket on every machine, run and Rust version (std's
//! `RandomState` is seeded per process and would make models irreproducible). Every feature
//! remembers where it came from, so a prediction can name the features that drove it.

use std::fmt::Write as _;

use crate::lead::{ENRICHMENT_COLUMNS, Enrichment, Lead, Seniority, Source};

use super::FeatureSet;

/// Upper bounds (inclusive) of the size bands; a ninth band holds everything above.
const SIZE_BAND_BOUNDS: [u32; 7] = [1, 10, 50, 200, 1000, 5000, 10000];
const SIZE_BAND_NAMES: [&str; 8] = [
    "1",
    "2-10",
    "11-50",
    "51-200",
    "201-1000",
    "1001-5000",
    "5001-10000",
    "10000+",
];

const SLOT_LOG_SIZE: u32 = 0;
const SLOT_SIZE_UNKNOWN: u32 = 1;
const SLOT_SIZE_BAND: u32 = 2;
const SLOT_SENIORITY: u32 = SLOT_SIZE_BAND + SIZE_BAND_NAMES.len() as u32;
/// Six seniorities plus one slot for unknown.
const SLOT_SOURCE: u32 = SLOT_SENIORITY + 7;
/// Number of fixed (unhashed) slots; hashed buckets start here so they never collide
/// with the firmographic features.
pub(crate) const FIXED_SLOTS: u32 = SLOT_SOURCE + Source::ALL.len() as u32;

/// Hash namespaces: the same word in the title and in the message are different features.
const NS_INDUSTRY: u8 = b'i';
const NS_DOMAIN: u8 = b'd';
const NS_TLD: u8 = b'D';
const NS_COMPANY: u8 = b'c';
const NS_TITLE: u8 = b't';
const NS_WORD: u8 = b'w';
const NS_BIGRAM: u8 = b'b';
const NS_REVENUE: u8 = b'R';
const NS_COUNTRY: u8 = b'C';
const NS_FUNDING: u8 = b'F';
const NS_TECH: u8 = b'T';
const NS_GROWTH: u8 = b'G';
/// An enrichment field the vendor left empty (the lead has others).
const NS_UNKNOWN: u8 = b'U';

/// Growth is scaled to hundreds of percent and capped here, so a tenfold outlier cannot
/// outweigh every other feature.
const GROWTH_CAP_PCT: f64 = 200.0;

/// A byte range of [`Features::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

/// Where a feature came from, for justifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    LogSize,
    SizeUnknown,
    SizeBand(u8),
    Seniority(Option<Seniority>),
    Source(Source),
    Industry(Span),
    Domain(Span),
    Tld(Span),
    Company(Span),
    Title(Span),
    Word(Span),
    Bigram(Span),
    /// An enrichment value: its column's index in `ENRICHMENT_COLUMNS` and its text.
    Enriched(u8, Span),
    /// `employee_growth_pct`, scaled.
    Growth,
    /// An enrichment column left empty on an enriched lead, by its index.
    EnrichedUnknown(u8),
}

/// One non-zero feature: its column in the model, its value and its origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) index: u32,
    pub(crate) value: f64,
    pub(crate) origin: Origin,
}

/// The features of one lead, sorted by column, each column at most once.
#[derive(Debug, Clone)]
pub(crate) struct Features {
    pub(crate) entries: Vec<Entry>,
    /// Normalised text the spans point into.
    text: String,
    size: Option<u32>,
    growth: Option<f64>,
}

/// Turns leads into [`Features`] for one feature set and hash width.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extractor {
    set: FeatureSet,
    hash_bits: u32,
}

impl Extractor {
    pub(crate) fn new(set: FeatureSet, hash_bits: u32) -> Extractor {
        Extractor { set, hash_bits }
    }

    /// Number of columns: fixed slots plus 2^hash_bits buckets.
    pub(crate) fn dims(&self) -> usize {
        FIXED_SLOTS as usize + (1usize << self.hash_bits)
    }

    fn bucket(&self, ns: u8, bytes: &[u8]) -> u32 {
        let h = fnv1a(ns, bytes);
        let mask = (1u64 << self.hash_bits) - 1;
        FIXED_SLOTS + ((h ^ (h >> 32)) & mask) as u32
    }

    pub(crate) fn extract(&self, lead: &Lead) -> Features {
        let mut f = Features {
            entries: Vec::with_capacity(96),
            text: String::with_capacity(lead.inbound_message.len() + 96),
            size: lead.company_size,
            growth: lead.enrichment.employee_growth_pct,
        };
        let firmographic = !matches!(self.set, FeatureSet::MessageOnly);
        let message = !matches!(self.set, FeatureSet::FirmographicOnly);
        let mut spans = Vec::with_capacity(64);
        if firmographic {
            self.firmographic(lead, &mut f, &mut spans);
        }
        if message {
            spans.clear();
            push_tokens(&mut f.text, &lead.inbound_message, &mut spans);
            for (i, s) in spans.iter().enumerate() {
                self.push_hashed(&mut f, NS_WORD, *s, Origin::Word(*s));
                if let Some(next) = spans.get(i + 1) {
                    // Tokens are separated by exactly one space in `text`, so the bigram
                    // is the contiguous range from this token's start to the next one's end.
                    let b = Span {
                        start: s.start,
                        end: next.end,
                    };
                    self.push_hashed(&mut f, NS_BIGRAM, b, Origin::Bigram(b));
                }
            }
        }
        // Sort by column and keep one of duplicates: text features are presence indicators.
        // Equal columns come from the same text (bar a rare hash collision), so which origin
        // survives does not matter, and the unstable sort is still deterministic.
        f.entries.sort_unstable_by_key(|e| e.index);
        f.entries.dedup_by_key(|e| e.index);
        f
    }

    fn firmographic(&self, lead: &Lead, f: &mut Features, spans: &mut Vec<Span>) {
        match lead.company_size {
            Some(size) => {
                // log10 of size relative to 100 employees: small companies get negative
                // values, so "small" and "large" both carry signal against the intercept.
                let x = ((1.0 + f64::from(size)) / 101.0).log10();
                f.push(SLOT_LOG_SIZE, x, Origin::LogSize);
                let band = SIZE_BAND_BOUNDS
                    .iter()
                    .position(|&b| size <= b)
                    .unwrap_or(SIZE_BAND_BOUNDS.len());
                f.push(
                    SLOT_SIZE_BAND + band as u32,
                    1.0,
                    Origin::SizeBand(band as u8),
                );
            }
            None => f.push(SLOT_SIZE_UNKNOWN, 1.0, Origin::SizeUnknown),
        }
        let sen = lead.seniority.map_or(6, |s| s as u32);
        f.push(SLOT_SENIORITY + sen, 1.0, Origin::Seniority(lead.seniority));
        f.push(
            SLOT_SOURCE + lead.source as u32,
            1.0,
            Origin::Source(lead.source),
        );

        spans.clear();
        push_tokens(&mut f.text, &lead.industry, spans);
        if let (Some(first), Some(last)) = (spans.first(), spans.last()) {
            let s = Span {
                start: first.start,
                end: last.end,
            };
            self.push_hashed(f, NS_INDUSTRY, s, Origin::Industry(s));
        }

        let domain = normalise_domain(&lead.domain);
        if !domain.is_empty() {
            let start = f.text.len() as u32;
            f.text.extend(domain.chars().flat_map(char::to_lowercase));
            let s = Span {
                start,
                end: f.text.len() as u32,
            };
            f.text.push(' ');
            self.push_hashed(f, NS_DOMAIN, s, Origin::Domain(s));
            if let Some(dot) = f.span_str(s).rfind('.') {
                let t = Span {
                    start: start + dot as u32 + 1,
                    end: s.end,
                };
                if t.start < t.end {
                    self.push_hashed(f, NS_TLD, t, Origin::Tld(t));
                }
            }
        }

        spans.clear();
        push_tokens(&mut f.text, &lead.company_name, spans);
        for s in spans.iter() {
            self.push_hashed(f, NS_COMPANY, *s, Origin::Company(*s));
        }
        spans.clear();
        push_tokens(&mut f.text, &lead.job_title, spans);
        for s in spans.iter() {
            self.push_hashed(f, NS_TITLE, *s, Origin::Title(*s));
        }
        self.enrichment(&lead.enrichment, f);
    }

    /// One-hot revenue band, funding stage and country, one feature per technology, growth
    /// scaled to hundreds of percent (capped at ±2), and an indicator for each field left
    /// empty; nothing at all for a lead without enrichment.
    fn enrichment(&self, e: &Enrichment, f: &mut Features) {
        if e.is_empty() {
            return;
        }
        let value = |f: &mut Features, column: u8, ns: u8, text: Option<&str>| match text {
            Some(t) => {
                let s = f.push_text(t);
                self.push_hashed(f, ns, s, Origin::Enriched(column, s));
            }
            None => self.push_unknown(f, column),
        };
        value(f, 0, NS_REVENUE, e.revenue_band.map(|b| b.as_str()));
        value(f, 1, NS_COUNTRY, e.hq_country.as_deref());
        value(f, 2, NS_FUNDING, e.funding_stage.map(|s| s.as_str()));
        if e.tech_stack.is_empty() {
            self.push_unknown(f, 3);
        }
        for tech in &e.tech_stack {
            let s = f.push_text(&tech.to_lowercase());
            self.push_hashed(f, NS_TECH, s, Origin::Enriched(3, s));
        }
        match e.employee_growth_pct {
            Some(g) => {
                let x = g.clamp(-GROWTH_CAP_PCT, GROWTH_CAP_PCT) / 100.0;
                f.push(self.bucket(NS_GROWTH, b"pct"), x, Origin::Growth);
            }
            None => self.push_unknown(f, 4),
        }
    }

    fn push_unknown(&self, f: &mut Features, column: u8) {
        let name = ENRICHMENT_COLUMNS[usize::from(column)];
        f.push(
            self.bucket(NS_UNKNOWN, name.as_bytes()),
            1.0,
            Origin::EnrichedUnknown(column),
        );
    }

    fn push_hashed(&self, f: &mut Features, ns: u8, span: Span, origin: Origin) {
        let idx = self.bucket(ns, f.span_bytes(span));
        f.push(idx, 1.0, origin);
    }
}

impl Features {
    fn push(&mut self, index: u32, value: f64, origin: Origin) {
        self.entries.push(Entry {
            index,
            value,
            origin,
        });
    }

    /// Appends `t` to the text, followed by a space, and returns its span.
    fn push_text(&mut self, t: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(t);
        let end = self.text.len() as u32;
        self.text.push(' ');
        Span { start, end }
    }

    fn span_bytes(&self, s: Span) -> &[u8] {
        &self.text.as_bytes()[s.start as usize..s.end as usize]
    }

    fn span_str(&self, s: Span) -> &str {
        self.text
            .get(s.start as usize..s.end as usize)
            .unwrap_or("")
    }

    /// Appends a short human name of a feature to `out`, e.g. `size=1200`, `director`,
    /// `"pricing"`. Writes in place because it runs for every scored lead.
    pub(crate) fn describe_into(&self, origin: Origin, out: &mut String) {
        let (prefix, span, suffix) = match origin {
            Origin::LogSize => {
                out.push_str("size");
                if let Some(n) = self.size {
                    // Writing into a String cannot fail.
                    let _ = write!(out, "={n}");
                }
                return;
            }
            Origin::SizeUnknown => return out.push_str("size unknown"),
            Origin::SizeBand(b) => {
                out.push_str("size ");
                out.push_str(SIZE_BAND_NAMES.get(b as usize).unwrap_or(&"?"));
                return;
            }
            Origin::Seniority(Some(s)) => return out.push_str(s.as_str()),
            Origin::Seniority(None) => return out.push_str("seniority unknown"),
            Origin::Source(s) => {
                out.push_str("source=");
                out.push_str(s.as_str());
                return;
            }
            Origin::Growth => {
                out.push_str("employee_growth_pct");
                if let Some(g) = self.growth {
                    let _ = write!(out, "={g}");
                }
                return;
            }
            Origin::EnrichedUnknown(c) => {
                out.push_str(ENRICHMENT_COLUMNS[usize::from(c)]);
                out.push_str(" unknown");
                return;
            }
            Origin::Enriched(c, s) => {
                out.push_str(ENRICHMENT_COLUMNS[usize::from(c)]);
                out.push(if c == 3 { ':' } else { '=' });
                out.push_str(self.span_str(s));
                return;
            }
            Origin::Industry(s) => ("industry=", s, ""),
            Origin::Domain(s) => ("domain=", s, ""),
            Origin::Tld(s) => (".", s, ""),
            Origin::Company(s) => ("company:", s, ""),
            Origin::Title(s) => ("title:", s, ""),
            Origin::Word(s) | Origin::Bigram(s) => ("\"", s, "\""),
        };
        out.push_str(prefix);
        out.push_str(self.span_str(span));
        out.push_str(suffix);
    }

    #[cfg(test)]
    fn describe(&self, origin: Origin) -> String {
        let mut s = String::new();
        self.describe_into(origin, &mut s);
        s
    }
}

/// Appends the lowercased alphanumeric tokens of `s` to `text`, each followed by one space,
/// and records their spans.
fn push_tokens(text: &mut String, s: &str, spans: &mut Vec<Span>) {
    let mut start: Option<usize> = None;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(text.len());
            }
            if c.is_ascii() {
                text.push(c.to_ascii_lowercase());
            } else {
                text.extend(c.to_lowercase());
            }
        } else if let Some(st) = start.take() {
            spans.push(Span {
                start: st as u32,
                end: text.len() as u32,
            });
            text.push(' ');
        }
    }
    if let Some(st) = start {
        spans.push(Span {
            start: st as u32,
            end: text.len() as u32,
        });
        text.push(' ');
    }
}

/// `https://www.Acme.io/about` → `acme.io`; `jane@acme.io` → `acme.io`.
fn normalise_domain(raw: &str) -> &str {
    let t = raw.trim();
    let t = t.rsplit_once('@').map_or(t, |(_, d)| d);
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(t);
    let t = t.split(['/', '?', '#']).next().unwrap_or("");
    let t = t.strip_prefix("www.").unwrap_or(t);
    t.trim_end_matches('.')
}

/// 64-bit FNV-1a over a namespace byte followed by `bytes`, with ASCII lowercasing
/// already done by the tokenizer.
fn fnv1a(ns: u8, bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = (OFFSET ^ u64::from(ns)).wrapping_mul(PRIME);
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::LeadMeta;

    fn lead(message: &str) -> Lead {
        Lead {
            lead_id: "l1".into(),
            company_name: "Acme Labs".into(),
            company_size: Some(1200),
            domain: "https://www.Acme.io/about".into(),
            industry: "Financial Services".into(),
            job_title: "VP Engineering".into(),
            seniority: Some(Seniority::Vp),
            inbound_message: message.into(),
            source: Source::Referral,
            enrichment: Default::default(),
            gold: None,
            outcome: Default::default(),
            meta: LeadMeta::default(),
        }
    }

    #[test]
    fn fnv1a_matches_the_published_test_vector() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; our namespace byte is hashed first,
        // so hashing "a" with namespace b'a' over "" must give it.
        assert_eq!(fnv1a(b'a', b""), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn message_features_are_unigrams_and_bigrams_deduplicated() {
        let x = Extractor::new(FeatureSet::MessageOnly, 18);
        let f = x.extract(&lead("Pricing, pricing!  Need SSO"));
        let names: Vec<String> = f.entries.iter().map(|e| f.describe(e.origin)).collect();
        // pricing (once), need, sso, "pricing pricing", "pricing need", "need sso"
        assert_eq!(f.entries.len(), 6, "{names:?}");
        for n in ["\"pricing\"", "\"sso\"", "\"pricing need\"", "\"need sso\""] {
            assert!(names.iter().any(|m| m == n), "{n} missing from {names:?}");
        }
        assert!(f.entries.windows(2).all(|w| w[0].index < w[1].index));
        assert!(f.entries.iter().all(|e| e.index >= FIXED_SLOTS));
    }

    #[test]
    fn feature_sets_split_firmographics_from_text() {
        let l = lead("pricing for 500 seats");
        let firm = Extractor::new(FeatureSet::FirmographicOnly, 18).extract(&l);
        let names: Vec<String> = firm
            .entries
            .iter()
            .map(|e| firm.describe(e.origin))
            .collect();
        for n in [
            "size=1200",
            "size 1001-5000",
            "vp",
            "source=referral",
            "industry=financial services",
            "domain=acme.io",
            ".io",
            "company:labs",
            "title:engineering",
        ] {
            assert!(names.iter().any(|m| m == n), "{n} missing from {names:?}");
        }
        assert!(!names.iter().any(|m| m.contains("pricing")));
        let all = Extractor::new(FeatureSet::All, 18).extract(&l);
        let msg = Extractor::new(FeatureSet::MessageOnly, 18).extract(&l);
        assert_eq!(all.entries.len(), firm.entries.len() + msg.entries.len());
    }

    #[test]
    fn unknown_fields_get_their_own_slots() {
        let mut l = lead("");
        l.company_size = None;
        l.seniority = None;
        l.domain = String::new();
        let f = Extractor::new(FeatureSet::All, 12).extract(&l);
        let names: Vec<String> = f.entries.iter().map(|e| f.describe(e.origin)).collect();
        assert!(names.contains(&"size unknown".to_string()));
        assert!(names.contains(&"seniority unknown".to_string()));
        assert!(
            f.entries
                .iter()
                .all(|e| (e.index as usize) < 4096 + FIXED_SLOTS as usize)
        );
    }

    #[test]
    fn enrichment_adds_its_own_features_and_nothing_without_it() {
        use crate::lead::{FundingStage, RevenueBand};
        let plain = lead("pricing for 500 seats");
        let x = Extractor::new(FeatureSet::All, 18);
        let before = x.extract(&plain);
        let mut rich = plain.clone();
        rich.enrichment = Enrichment {
            revenue_band: Some(RevenueBand::M50To250),
            hq_country: None,
            funding_stage: Some(FundingStage::SeriesB),
            tech_stack: vec!["Snowflake".into(), "aws".into()],
            employee_growth_pct: Some(45.0),
        };
        let f = x.extract(&rich);
        let names: Vec<String> = f.entries.iter().map(|e| f.describe(e.origin)).collect();
        for n in [
            "revenue_band=50M-250M",
            "hq_country unknown",
            "funding_stage=series_b",
            "tech_stack:snowflake",
            "tech_stack:aws",
            "employee_growth_pct=45",
        ] {
            assert!(names.iter().any(|m| m == n), "{n} missing from {names:?}");
        }
        let growth = f.entries.iter().find(|e| e.origin == Origin::Growth);
        assert_eq!(growth.map(|e| e.value), Some(0.45));
        assert_eq!(f.entries.len(), before.entries.len() + 6);
        let msg = Extractor::new(FeatureSet::MessageOnly, 18);
        assert_eq!(
            msg.extract(&rich).entries.len(),
            msg.extract(&plain).entries.len()
        );
    }

    #[test]
    fn domains_are_normalised() {
        assert_eq!(normalise_domain("https://www.acme.io/x?y"), "acme.io");
        assert_eq!(normalise_domain("jane@gmail.com"), "gmail.com");
        assert_eq!(normalise_domain(" "), "");
    }
}
