//! The transparent heuristic scorer: a points table over the dataset card's signals (size,
//! authority, intent, urgency, use case, source, negative signals), the card's edge-case
//! rules as label caps, and a justification naming every signal that fired with its points.
//!
//! The score is `base + Σ points`, clamped to 0–100; the label is the band of that score.
//! A cap (disqualifier, agency/nonprofit/research edge case, or "conservative when
//! ambiguous") lowers the label and clamps the score into the capped band, and the one floor
//! (agencies and consultants default to medium) raises both, so label and score always agree.

mod blocks;
mod patterns;
mod rules;
mod signals;
mod swar;
mod weights;
mod words;

use std::fmt::Write as _;

pub use weights::HeuristicWeights;

use crate::lead::{Label, Lead, Seniority, Source};
use crate::score::{Bands, Score, Scorer};
use signals::{
    Cue, Families, Family, PhraseSet, Quantity, TitleCue, TitleFlag, Unit, is_deadline, is_negated,
    normalised, quantity_before, reads_as_space, sentence_around,
};

/// Companies of this many employees or fewer are micro companies.
const MICRO_MAX: u32 = 10;
/// Messages of this many words or fewer are vague one-liners.
const VAGUE_MAX_WORDS: usize = 4;
/// Justifications stop listing signals past this length (the strongest come first).
const JUSTIFICATION_SOFT_LIMIT: usize = 150;

/// The heuristic baseline (scorer id `heuristic`). Build once: the phrase indexes are
/// compiled in [`HeuristicScorer::new`]; scoring reuses per-thread buffers and allocates only
/// the justification.
pub struct HeuristicScorer {
    weights: HeuristicWeights,
    bands: Bands,
    message: PhraseSet<Cue>,
    title: PhraseSet<TitleCue>,
    organisation: PhraseSet<Family>,
    /// The points of each of [`POINTED`], looked up once (a `match` per signal per lead is
    /// a jump whose target the processor keeps guessing wrong).
    pointed_points: [i32; POINTED.len()],
    /// Free-mail domains by length: most domains are compared with none.
    personal_domains: Vec<Vec<&'static str>>,
    /// The justification's lines, written once.
    texts: ItemTexts,
}

/// Every line of the justification but a known company size, with its points ("pricing
/// (+12)"): they depend only on the weights, so they are written once and scoring copies
/// them.
#[derive(Default)]
struct ItemTexts {
    size_unknown: String,
    /// By seniority (unknown first, then [`Seniority::ALL`]), whether it came from the
    /// title, and whether the company is tiny: see [`ItemTexts::seniority`].
    seniority: Vec<String>,
    /// In [`Source::ALL`] order, which is the order of its discriminants.
    source: Vec<String>,
    /// In [`POINTED`] order.
    family: Vec<String>,
    empty_message: String,
    personal_email: String,
    no_company: String,
}

impl ItemTexts {
    fn seniority_slot(s: Option<Seniority>, from_title: bool, tiny: bool) -> usize {
        let level = s.map_or(0, |s| s as usize + 1);
        level * 4 + usize::from(from_title) * 2 + usize::from(tiny)
    }

    fn seniority(&self, s: Option<Seniority>, from_title: bool, tiny: bool) -> &str {
        &self.seniority[Self::seniority_slot(s, from_title, tiny)]
    }
}

/// A line of a lead's justification: written once ([`ItemTexts`]), or a company size
/// written for the lead.
#[derive(Debug, Clone, Copy)]
enum Line<'a> {
    Text(&'a str),
    Size(u32, bool),
}

/// Buffers reused from lead to lead on each thread, so that scoring allocates only the
/// justification: the normalised text of a field and the phrases found in the message.
#[derive(Default)]
struct Scratch {
    text: String,
    hits: Vec<(Cue, usize, usize)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
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

/// One line of the justification.
#[derive(Debug, Clone, Copy)]
enum Item {
    Size(Option<u32>, bool),
    Seniority(Option<Seniority>, bool, bool),
    Source(Source),
    Family(Family),
    EmptyMessage,
    PersonalEmail,
    NoCompany,
}

/// Message families that carry points, in the order they are listed on ties.
const POINTED: [Family; 22] = [
    Family::Pricing,
    Family::Evaluation,
    Family::Production,
    Family::Requirements,
    Family::Urgency,
    Family::Purchase,
    Family::Demo,
    Family::Scale,
    Family::Explore,
    Family::UseCase,
    Family::Coursework,
    Family::Learning,
    Family::Personal,
    Family::JobSeeking,
    Family::VendorPitch,
    Family::Support,
    Family::Spam,
    Family::OptOut,
    Family::Free,
    Family::NotReady,
    Family::Vague,
    Family::Injection,
];

// POINTED lists the families in the order they are declared, so that a family's place in it
// is its bit in `Families`.
const _: () = {
    let mut i = 0;
    while i < POINTED.len() {
        assert!(
            POINTED[i] as usize == i,
            "POINTED follows the declaration of Family"
        );
        i += 1;
    }
};

/// Families read from the message only: the pointed ones before `Vague` and `Injection`,
/// which are judgements about the message rather than signals in it.
const MESSAGE_SIGNALS: &[Family] = POINTED.split_at(POINTED.len() - 2).0;

impl HeuristicScorer {
    /// Builds the phrase indexes; `bands` turn scores into labels and bound the caps.
    pub fn new(weights: HeuristicWeights, bands: Bands) -> Self {
        let mut scorer = HeuristicScorer {
            pointed_points: [0; POINTED.len()],
            texts: ItemTexts::default(),
            weights,
            bands,
            message: PhraseSet::new(patterns::MESSAGE, true),
            title: PhraseSet::new(patterns::TITLE, false),
            organisation: PhraseSet::new(patterns::ORGANISATION, true),
            personal_domains: {
                let mut by_len: Vec<Vec<&'static str>> = Vec::new();
                for d in signals::phrases(patterns::PERSONAL_EMAIL_DOMAINS) {
                    if by_len.len() <= d.len() {
                        by_len.resize(d.len() + 1, Vec::new());
                    }
                    by_len[d.len()].push(d);
                }
                by_len
            },
        };
        scorer.pointed_points = POINTED.map(|f| scorer.family_points(f));
        scorer.texts = scorer.item_texts();
        scorer
    }

    /// Writes every fixed line of the justification with the points it carries.
    fn item_texts(&self) -> ItemTexts {
        let line = |item: Item, points: i32| {
            let mut out = String::new();
            write_item(&mut out, item);
            write_points(&mut out, points);
            out
        };
        let levels = std::iter::once(None).chain(Seniority::ALL.map(Some));
        let mut seniority = Vec::new();
        for s in levels {
            for from_title in [false, true] {
                for tiny in [false, true] {
                    debug_assert_eq!(
                        seniority.len(),
                        ItemTexts::seniority_slot(s, from_title, tiny)
                    );
                    let item = Item::Seniority(s, from_title, tiny);
                    seniority.push(line(item, self.seniority_points_at(s, tiny)));
                }
            }
        }
        let w = &self.weights;
        ItemTexts {
            size_unknown: line(Item::Size(None, false), self.size_points(None)),
            seniority,
            source: Source::ALL
                .iter()
                .enumerate()
                .map(|(i, &s)| {
                    debug_assert_eq!(s as usize, i, "texts are looked up by discriminant");
                    line(Item::Source(s), self.source_points(s))
                })
                .collect(),
            family: POINTED
                .iter()
                .zip(&self.pointed_points)
                .map(|(&f, &p)| line(Item::Family(f), p))
                .collect(),
            empty_message: line(Item::EmptyMessage, w.neg_empty_message),
            personal_email: line(Item::PersonalEmail, w.neg_personal_email),
            no_company: line(Item::NoCompany, w.neg_no_company),
        }
    }

    /// A seniority's points; at a company of ten or fewer no more than a manager's: the
    /// owner of a four-person shop decides, but rarely has a budget.
    fn seniority_points_at(&self, s: Option<Seniority>, tiny: bool) -> i32 {
        let points = self.seniority_points(s);
        if tiny {
            points.min(self.weights.seniority_manager)
        } else {
            points
        }
    }

    /// The points table in use.
    pub fn weights(&self) -> &HeuristicWeights {
        &self.weights
    }

    fn gather(&self, lead: &Lead) -> Evidence {
        SCRATCH.with_borrow_mut(|scratch| self.gather_into(lead, scratch))
    }

    fn gather_into(&self, lead: &Lead, scratch: &mut Scratch) -> Evidence {
        let mut ev = Evidence::default();
        let Scratch { text: buf, hits } = scratch;
        for field in [&lead.company_name, &lead.industry] {
            self.organisation
                .scan_field(field, buf, |f, _, _| ev.families.insert(f));
        }
        // Domains are compared without regard to ASCII case, so none is copied to lowercase.
        let domain = lead.domain.trim();
        // What follows the last "@", if an address was given.
        let domain = match domain.bytes().rposition(|b| b == b'@') {
            Some(at) => &domain[at + 1..],
            None => domain,
        };
        let domain = match domain.get(..4) {
            Some(www) if www.eq_ignore_ascii_case("www.") => &domain[4..],
            _ => domain,
        };
        if academic_domain(domain) {
            ev.families.insert(Family::Research);
        }
        ev.personal_email = !domain.is_empty()
            && self
                .personal_domains
                .get(domain.len())
                .is_some_and(|same_len| same_len.iter().any(|d| d.eq_ignore_ascii_case(domain)));
        ev.no_company = lead.company_size.is_none()
            && (domain.is_empty() || ev.personal_email)
            && lead.company_name.trim().is_empty();

        let mut title_level: Option<Seniority> = None;
        self.title.scan_field(&lead.job_title, buf, |cue, _, _| {
            if let Some(l) = cue.level {
                title_level = title_level.max(Some(l));
            }
            if let Some(flag) = cue.flag {
                ev.families.insert(match flag {
                    TitleFlag::Student => Family::Coursework,
                    TitleFlag::Learner => Family::Learning,
                    TitleFlag::Hobbyist => Family::Personal,
                    TitleFlag::JobSeeker => Family::JobSeeking,
                    TitleFlag::Recruiter => Family::VendorPitch,
                    TitleFlag::Consultant => Family::Agency,
                    TitleFlag::Research => Family::Research,
                });
            }
        });
        // "Partner" alone is an owner's title in consultancies and law firms, but
        // "Partner Manager" is not, so only the whole title counts.
        if is_whole_title(&lead.job_title, "partner", buf) {
            title_level = Some(Seniority::CSuite);
        }
        ev.seniority = lead.seniority.or(title_level);
        ev.seniority_from_title = lead.seniority.is_none() && title_level.is_some();

        hits.clear();
        let message = self
            .message
            .scan_field(&lead.inbound_message, buf, |cue, s, e| {
                hits.push((cue, s, e))
            });
        self.read_message(message, hits, &mut ev);
        ev.size_from_message = lead.company_size.is_none() && ev.size.is_some();
        ev.size = lead.company_size.or(ev.size);
        ev
    }

    /// Reads the message's `hits` (phrases found in `text`, the message as the phrase set
    /// read it: normalised, or ASCII as written).
    fn read_message(&self, text: &str, hits: &mut [(Cue, usize, usize)], ev: &mut Evidence) {
        let words = count_words(text);
        if words == 0 {
            ev.empty_message = true;
            ev.families.insert(Family::Vague);
            return;
        }
        if words <= VAGUE_MAX_WORDS {
            ev.families.insert(Family::Vague);
        }
        // Sentences that try to instruct the scorer are read for the attempt only: none of
        // their words may count for the lead. The hits go in the order the phrases end (the
        // order an automaton reported them in, which the pinned outputs keep): only the first
        // few injection sentences are kept, so the order matters only when there is one.
        if hits
            .iter()
            .any(|(cue, ..)| *cue == Cue::Family(Family::Injection))
        {
            hits.sort_by_key(|&(_, _, e)| e);
        }
        let has_negator = hits.iter().any(|(cue, ..)| *cue == Cue::Negator);
        let mut injected: [(usize, usize); 4] = [(0, 0); 4];
        let mut n_injected = 0;
        for &(cue, s, _) in hits.iter() {
            if cue == Cue::Family(Family::Injection) && n_injected < injected.len() {
                injected[n_injected] = sentence_around(text, s);
                n_injected += 1;
            }
        }
        if n_injected > 0 {
            ev.families.insert(Family::Injection);
        }
        let in_injection = |pos: usize| {
            injected[..n_injected]
                .iter()
                .any(|&(a, b)| a <= pos && pos < b)
        };
        for &(cue, s, _) in hits.iter() {
            if in_injection(s) {
                continue;
            }
            match cue {
                Cue::Family(f) if f.is_positive() => {
                    if !(has_negator && is_negated(text, s)) {
                        ev.families.insert(f);
                    } else if matches!(f, Family::Purchase | Family::Urgency) {
                        // "no budget", "don't have much budget", "no timeline yet".
                        ev.families.insert(Family::NotReady);
                    }
                }
                Cue::Family(f) => ev.families.insert(f),
                Cue::Negator => {}
                Cue::Unit(Unit::Month) => {
                    if is_deadline(text, s) {
                        ev.families.insert(Family::Urgency);
                    }
                }
                Cue::Unit(unit) => {
                    let Some(q) = quantity_before(text, s) else {
                        continue;
                    };
                    match unit {
                        Unit::Sites if q.at_least(3) => ev.families.insert(Family::Scale),
                        Unit::Clients if q.at_least(3) => {
                            ev.families.insert(Family::MultiClient);
                            ev.families.insert(Family::Scale);
                        }
                        Unit::Employees => {
                            // "N employees" in the message stands in for an unknown size.
                            if let Quantity::Number(n) = q {
                                ev.size = ev.size.max(Some(n));
                            }
                        }
                        Unit::Time => ev.families.insert(Family::Urgency),
                        Unit::Sites | Unit::Clients | Unit::Month => {}
                    }
                }
            }
        }
        // A message that says nothing the tables know is a generic one: no buying signal.
        if !ev.families.any_of(MESSAGE_SIGNALS) {
            ev.families.insert(Family::Vague);
        }
    }

    fn size_points(&self, size: Option<u32>) -> i32 {
        let w = &self.weights;
        match size {
            None => w.size_unknown,
            Some(0..=1) => w.size_individual,
            Some(2..=MICRO_MAX) => w.size_micro,
            Some(11..=49) => w.size_small,
            Some(50..=249) => w.size_mid,
            Some(250..=999) => w.size_large,
            Some(_) => w.size_enterprise,
        }
    }

    fn seniority_points(&self, s: Option<Seniority>) -> i32 {
        let w = &self.weights;
        match s {
            None => w.seniority_unknown,
            Some(Seniority::Entry) => w.seniority_entry,
            Some(Seniority::Manager) => w.seniority_manager,
            Some(Seniority::Senior) => w.seniority_senior,
            Some(Seniority::Director) => w.seniority_director,
            Some(Seniority::Vp) => w.seniority_vp,
            Some(Seniority::CSuite) => w.seniority_c_suite,
        }
    }

    fn source_points(&self, s: Source) -> i32 {
        let w = &self.weights;
        match s {
            Source::Referral => w.source_referral,
            Source::Email => w.source_email,
            Source::Blog => w.source_blog,
            Source::PaidSocial => w.source_paid_social,
            Source::Unknown => w.source_unknown,
        }
    }

    fn family_points(&self, f: Family) -> i32 {
        let w = &self.weights;
        match f {
            Family::Pricing => w.intent_pricing,
            Family::Evaluation => w.intent_evaluation,
            Family::Production => w.intent_production,
            Family::Requirements => w.intent_requirements,
            Family::Urgency => w.intent_urgency,
            Family::Purchase => w.intent_purchase,
            Family::Demo => w.intent_demo,
            Family::Scale => w.intent_scale,
            Family::Explore => w.interest_explore,
            Family::UseCase => w.use_case,
            Family::Coursework => w.neg_coursework,
            Family::Learning => w.neg_learning,
            Family::Personal => w.neg_personal,
            Family::JobSeeking => w.neg_job_seeking,
            Family::VendorPitch => w.neg_vendor_pitch,
            Family::Support => w.neg_support,
            Family::Spam => w.neg_spam,
            Family::OptOut => w.neg_opt_out,
            Family::Free => w.neg_free,
            Family::NotReady => w.neg_not_ready,
            Family::Vague => w.neg_vague,
            Family::Injection => w.neg_injection,
            Family::Agency
            | Family::MultiClient
            | Family::Nonprofit
            | Family::Research
            | Family::EnterpriseDeployment => 0,
        }
    }
}

impl Scorer for HeuristicScorer {
    fn id(&self) -> &str {
        "heuristic"
    }

    fn score(&self, lead: &Lead) -> Score {
        let ev = self.gather(lead);
        let texts = &self.texts;
        let mut items: [(Line<'_>, i32); 32] = [(Line::Text(""), 0); 32];
        let mut n = 0;
        let mut push = |line, points: i32| {
            if points != 0 && n < items.len() {
                items[n] = (line, points);
                n += 1;
            }
        };
        let size_points = self.size_points(ev.size);
        match ev.size {
            Some(size) => push(Line::Size(size, ev.size_from_message), size_points),
            None => push(Line::Text(&texts.size_unknown), size_points),
        }
        let tiny = ev.size.is_some_and(|s| s <= MICRO_MAX);
        push(
            Line::Text(texts.seniority(ev.seniority, ev.seniority_from_title, tiny)),
            self.seniority_points_at(ev.seniority, tiny),
        );
        push(
            Line::Text(&texts.source[lead.source as usize]),
            self.source_points(lead.source),
        );
        // The pointed families the lead has, in the table's order (which is their bits').
        let mut present = ev.families.bits() & ((1 << POINTED.len()) - 1);
        while present != 0 {
            let i = present.trailing_zeros() as usize;
            push(Line::Text(&texts.family[i]), self.pointed_points[i]);
            present &= present - 1;
        }
        if ev.empty_message {
            push(
                Line::Text(&texts.empty_message),
                self.weights.neg_empty_message,
            );
        }
        if ev.personal_email {
            push(
                Line::Text(&texts.personal_email),
                self.weights.neg_personal_email,
            );
        }
        if ev.no_company {
            push(Line::Text(&texts.no_company), self.weights.neg_no_company);
        }
        let items = &mut items[..n];
        let raw = self.weights.base + items.iter().map(|(_, p)| p).sum::<i32>();
        let mut score = raw.clamp(0, 100) as u8;
        let mut label = self.bands.label_for(score);

        let mut note = None;
        let (cap, cap_reason) = rules::cap(&ev, &self.weights);
        if label > cap {
            label = cap;
            score = score.min(self.bands.range(cap).1);
            note = Some((cap_reason, cap));
        }
        if label == Label::Low && rules::agency_floor(&ev) {
            label = Label::Medium;
            score = self.bands.range(Label::Medium).0;
            note = Some(("agency/consultant default", Label::Medium));
        }

        // Strongest signals first; equal points keep the table's order.
        items.sort_by_key(|(_, p)| std::cmp::Reverse(p.abs()));
        let justification = justify(items, note, self.weights.base);
        Score {
            lead_score: score,
            lead_label: label,
            justification,
            probabilities: None,
        }
    }
}

/// Whether the title, as [`normalised`] reads it and trimmed, is `word` (lowercase ASCII
/// letters). An ASCII title is read as it is: trimmed of whitespace and of the hyphens and
/// underscores that normalisation turns into spaces, and compared without regard to case.
fn is_whole_title(title: &str, word: &str, buf: &mut String) -> bool {
    let bytes = title.as_bytes();
    if swar::is_ascii(bytes) {
        // Most titles start and end with a letter: nothing to trim.
        let kept = |b: Option<&u8>| b.is_some_and(|&b| !reads_as_space(char::from(b)));
        let title = if kept(bytes.first()) && kept(bytes.last()) {
            title
        } else {
            title.trim_matches(reads_as_space)
        };
        return title.eq_ignore_ascii_case(word);
    }
    normalised(title, buf).trim() == word
}

/// Whether a domain (any ASCII case) is a university's: an `edu` label anywhere after the first
/// ("mit.edu", "cs.uni.edu.au"), or an `ac` label between two others ("ox.ac.uk").
fn academic_domain(domain: &str) -> bool {
    let mut labels = domain.as_bytes().split(|b| *b == b'.').skip(1).peekable();
    while let Some(label) = labels.next() {
        if label.eq_ignore_ascii_case(b"edu")
            || label.eq_ignore_ascii_case(b"ac") && labels.peek().is_some()
        {
            return true;
        }
    }
    false
}

/// Words of letters, digits and apostrophes (`` ` `` too, which normalisation turns into
/// one; any non-ASCII byte counts as a letter), counted until there are more than
/// [`VAGUE_MAX_WORDS`].
fn count_words(text: &str) -> usize {
    // Only "none" and "a few" matter (empty and vague messages), so stop counting early.
    let mut words = 0;
    // Whether the byte before the chunk is a word byte, as the chunk's mask has it.
    let mut carry = 0;
    for chunk in text.as_bytes().chunks(8) {
        let w = swar::load(chunk);
        let word = swar::alnum(w) | swar::equal(w, b'\'') | swar::equal(w, b'`') | (w & swar::HIGH);
        let starts = word & !((word << 8) | carry);
        words += starts.count_ones() as usize;
        if words > VAGUE_MAX_WORDS {
            break;
        }
        carry = (word >> 56) & 0x80;
    }
    words
}

fn justify(items: &[(Line, i32)], note: Option<(&str, Label)>, base: i32) -> String {
    let mut out = String::with_capacity(200);
    for (i, (line, points)) in items.iter().enumerate() {
        if out.len() > JUSTIFICATION_SOFT_LIMIT {
            out.push_str("; +");
            write_number(&mut out, (items.len() - i) as u32, false);
            out.push_str(" more");
            break;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        match *line {
            Line::Text(text) => out.push_str(text),
            Line::Size(size, from_message) => {
                write_item(&mut out, Item::Size(Some(size), from_message));
                write_points(&mut out, *points);
            }
        }
    }
    if out.is_empty() {
        // Rare (every signal weighted zero), so the formatting machinery may do it.
        let _ = write!(out, "no signals (base {base})");
    }
    if let Some((reason, label)) = note {
        out.push_str("; ");
        out.push_str(reason);
        out.push_str(" → ");
        out.push_str(label.as_str());
    }
    out
}

/// Writes a line's points: " (+12)", " (-20)".
fn write_points(out: &mut String, points: i32) {
    out.push_str(if points < 0 { " (-" } else { " (+" });
    write_number(out, points.unsigned_abs(), false);
    out.push(')');
}

fn write_item(out: &mut String, item: Item) {
    match item {
        Item::Size(None, _) => out.push_str("size unknown"),
        Item::Size(Some(n), from_message) => {
            out.push_str("size ");
            write_number(out, n, true);
            if from_message {
                out.push_str(" (message)");
            }
        }
        Item::Seniority(None, ..) => out.push_str("seniority unknown"),
        Item::Seniority(Some(s), from_title, tiny) => {
            out.push_str(s.as_str());
            if from_title {
                out.push_str(" (title)");
            }
            if tiny {
                out.push_str(" at micro company");
            }
        }
        Item::Source(s) => out.push_str(s.as_str()),
        Item::Family(f) => out.push_str(rules::family_name(f)),
        Item::EmptyMessage => out.push_str("empty message"),
        Item::PersonalEmail => out.push_str("free-mail domain"),
        Item::NoCompany => out.push_str("no company"),
    }
}

/// Writes `n` in decimal, with thousands separators when asked ("1,200"), without going
/// through the formatting machinery (this runs for every signal of every lead).
fn write_number(out: &mut String, n: u32, thousands: bool) {
    // Points are one or two digits.
    if n < 100 {
        if n >= 10 {
            out.push(char::from(b'0' + (n / 10) as u8));
        }
        out.push(char::from(b'0' + (n % 10) as u8));
        return;
    }
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if thousands && i > 0 && i % 3 == 0 {
            out.push(',');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 300-person retail lead with no seniority given, for the fields a test sets.
    fn retail_lead(job_title: &str, inbound_message: &str) -> Lead {
        Lead {
            lead_id: "x".into(),
            company_name: "Acme".into(),
            company_size: Some(300),
            domain: "acme.com".into(),
            industry: "Retail".into(),
            job_title: job_title.into(),
            seniority: None,
            inbound_message: inbound_message.into(),
            source: Source::Email,
            gold: None,
            meta: Default::default(),
        }
    }

    #[test]
    fn numbers_with_and_without_separators() {
        let written = |n: u32, thousands: bool| {
            let mut s = String::new();
            write_number(&mut s, n, thousands);
            s
        };
        assert_eq!(written(0, true), "0");
        assert_eq!(written(999, true), "999");
        assert_eq!(written(1200, true), "1,200");
        assert_eq!(written(1200, false), "1200");
        assert_eq!(written(u32::MAX, true), "4,294,967,295");
        assert_eq!(written(100_000, true), "100,000");
    }

    /// ASCII fields (message, job title, company name, industry) are read in place, folded
    /// as they are compared; a lead must score exactly as its normalised copy does.
    fn assert_reads_like_normalised_copy(scorer: &HeuristicScorer, mut lead: Lead) {
        let raw = scorer.score(&lead);
        let mut buf = String::new();
        for field in [
            &mut lead.company_name,
            &mut lead.industry,
            &mut lead.job_title,
            &mut lead.inbound_message,
        ] {
            *field = normalised(field, &mut buf).to_string();
        }
        assert_eq!(raw, scorer.score(&lead), "{lead:?}");
    }

    #[test]
    fn raw_ascii_fields_read_like_their_normalised_copies() {
        let scorer = HeuristicScorer::new(HeuristicWeights::default(), Bands::default());
        let messages = [
            "We DON`T have a BUDGET yet; just-looking. Roll-out to 60-70 STORES by-March?",
            "GET 50%-OFF NOW!!! Click_here",
            "Need SOC-2, SSO and an RFP response in TWO-weeks. IGNORE-PREVIOUS instructions.",
            "no_budget, not-ready. Several-clients, FIVE hundred-employees",
            "We are NOT\u{b}evaluating; WITHOUT_a-Budget. ALL-our-CLIENTS (twelve_stores) By-JUNE",
            "`",
            "` ` ` `a",
            "Hi",
        ];
        for m in messages {
            let lead = Lead {
                company_name: "ACME-Consulting_Group".into(),
                company_size: None,
                industry: "Non-Profit".into(),
                ..retail_lead("VICE-PRESIDENT_of Ops", m)
            };
            assert_reads_like_normalised_copy(&scorer, lead);
        }
    }

    /// The same over generated leads spelled the ways people type: upper case, hyphens and
    /// underscores for spaces, backticks for apostrophes.
    #[test]
    fn generated_leads_in_odd_spellings_read_like_their_normalised_copies() {
        use rand::{RngExt, SeedableRng};
        let scorer = HeuristicScorer::new(HeuristicWeights::default(), Bands::default());
        let params = crate::generate::GenerateParams {
            n: 3000,
            ..Default::default()
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut mangle = |text: &str| -> String {
            text.chars()
                .map(|c| match (c, rng.random_range(0..10)) {
                    (' ', 0) => '-',
                    (' ', 1) => '_',
                    ('\'', 0..=4) => '`',
                    (c, 0..=2) => c.to_ascii_uppercase(),
                    (c, _) => c,
                })
                .collect()
        };
        for lead in crate::generate::Generator::new(&params, Bands::default()) {
            let mangled = Lead {
                inbound_message: mangle(&lead.inbound_message),
                job_title: mangle(&lead.job_title),
                company_name: mangle(&lead.company_name),
                industry: mangle(&lead.industry),
                ..lead.clone()
            };
            assert_reads_like_normalised_copy(&scorer, lead);
            assert_reads_like_normalised_copy(&scorer, mangled);
        }
    }

    #[test]
    fn words_are_counted_as_far_as_they_matter() {
        assert_eq!(count_words(""), 0);
        assert_eq!(count_words(" ?! -- "), 0);
        assert_eq!(count_words("don't  stop"), 2);
        assert_eq!(count_words("¿qué tal?"), 2);
        assert_eq!(count_words("soc-2 ready"), 3);
        assert_eq!(count_words("one two three four"), 4);
        assert!(count_words("one two three four five") > VAGUE_MAX_WORDS);
        assert!(count_words(&"word ".repeat(100)) > VAGUE_MAX_WORDS);
    }

    #[test]
    fn academic_domains() {
        for d in ["mit.edu", "cs.uni.edu.au", "ox.ac.uk", "x.edu."] {
            assert!(academic_domain(d), "{d}");
        }
        for d in [
            "edu.com",
            "ac.uk",
            "mac.com",
            "x.ac",
            "education.org",
            "redu.io",
            "",
        ] {
            assert!(!academic_domain(d), "{d}");
        }
        assert!(academic_domain("CS.Stanford.EDU"));
    }

    /// The longest title phrase that stands on word boundaries wins at each word.
    #[test]
    fn title_levels() {
        let scorer = HeuristicScorer::new(HeuristicWeights::default(), Bands::default());
        let cases = [
            ("Fintech Lead", "manager (title)"),
            ("Managing Directors", "director (title)"),
            ("Vice-President, Sales", "vp (title)"),
            ("Head Office Manager", "manager (title)"),
            ("Head of Operations", "director (title)"),
            ("Marketing Intern", "entry (title)"),
        ];
        for (title, expected) in cases {
            let lead = retail_lead(
                title,
                "We are evaluating vendors and need pricing this quarter.",
            );
            let j = scorer.score(&lead).justification;
            assert!(j.contains(expected), "{title}: {j}");
        }
    }

    #[test]
    fn whole_titles_read_as_normalised() {
        let mut buf = String::new();
        for t in [
            "Partner",
            " PARTNER ",
            "Partner-",
            "_partner",
            "– Partner",
            "Pártner",
            "PARTNER—",
        ] {
            assert!(is_whole_title(t, "partner", &mut buf), "{t}");
        }
        for t in ["Partner Manager", "Partners", "partner`", ""] {
            assert!(!is_whole_title(t, "partner", &mut buf), "{t}");
        }
    }
}
