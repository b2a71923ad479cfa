//! Signal matching: text normalisation, phrase sets built once on a word-start index (and an
//! Aho-Corasick automaton for the phrases it cannot file) with word-boundary checks, stems,
//! negation, quantities ("12 branches", "in 30 days") and prompt-injection sentences whose
//! words must never count for the lead.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::words::{self, WordIndex};
use super::{blocks, swar};
use crate::lead::Seniority;

/// A family of message or organisation signals; each counts once per lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Pricing,
    Evaluation,
    Production,
    Requirements,
    Urgency,
    Purchase,
    Demo,
    Scale,
    Explore,
    UseCase,
    Coursework,
    Learning,
    Personal,
    JobSeeking,
    VendorPitch,
    Support,
    Spam,
    OptOut,
    Free,
    NotReady,
    Vague,
    Injection,
    // Flags for the card's edge-case rules; they carry no points of their own.
    Agency,
    MultiClient,
    Nonprofit,
    Research,
    EnterpriseDeployment,
}

impl Family {
    /// Positive families: ignored when negated or inside a prompt-injection sentence.
    pub(crate) fn is_positive(self) -> bool {
        (self as u8) <= (Family::UseCase as u8)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of [`Family`] values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Families(u32);

impl Families {
    pub(crate) fn insert(&mut self, f: Family) {
        self.0 |= f.bit();
    }

    pub(crate) fn has(self, f: Family) -> bool {
        self.0 & f.bit() != 0
    }

    pub(crate) fn any_of(self, fs: &[Family]) -> bool {
        fs.iter().any(|f| self.has(*f))
    }

    /// How many families that show commercial intent the set holds: those declared from
    /// `Pricing` to `Scale`. A high lead needs several of them.
    pub(crate) fn commercial(self) -> u32 {
        (self.0 & (Family::Scale.bit() * 2 - 1)).count_ones()
    }

    /// The set as bits: bit `i` for the family declared `i`-th.
    pub(crate) fn bits(self) -> u32 {
        self.0
    }
}

/// Nouns that count only after a quantity: "12 branches", "all our clients", "in 30 days".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Stores, plants, hospitals, countries…: three or more means a broad deployment.
    Sites,
    /// Clients of an agency or consultant: three or more means multi-client scale.
    Clients,
    /// Employees or staff: a company size stated in the message.
    Employees,
    /// Days, weeks, months: a timeline.
    Time,
    /// A month name: a deadline after "by", "before", "in", "until" ("by March").
    Month,
}

/// What a message phrase means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cue {
    Family(Family),
    Unit(Unit),
    /// A negating word: found with the phrases so that [`is_negated`] runs only on the
    /// messages that have one.
    Negator,
}

/// Extra meaning a job title carries besides its seniority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TitleFlag {
    Student,
    Learner,
    Hobbyist,
    JobSeeker,
    Recruiter,
    Consultant,
    Research,
}

/// What a job-title phrase means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TitleCue {
    pub(crate) level: Option<Seniority>,
    pub(crate) flag: Option<TitleFlag>,
}

/// The text as the phrase sets read it: lowercase, hyphens, underscores and dashes as
/// spaces ("SOC-2" is "soc 2"), curly apostrophes straight, accented letters folded to ASCII
/// ("Étudiant" is "etudiant"): one spelling per phrase in the tables, and ASCII for the
/// word index.
pub(crate) fn normalised<'a>(s: &'a str, buf: &'a mut String) -> &'a str {
    let mut bytes = std::mem::take(buf).into_bytes();
    bytes.clear();
    let src = s.as_bytes();
    let mut i = 0;
    // ASCII runs are folded slice to slice, which vectorises; the few other characters (an
    // accent, a curly quote) one by one.
    loop {
        let run = if i == 0 && swar::is_ascii(src) {
            src.len()
        } else {
            src[i..]
                .iter()
                .position(|b| !b.is_ascii())
                .unwrap_or(src.len() - i)
        };
        bytes.extend(src[i..i + run].iter().map(|b| fold_ascii(*b)));
        i += run;
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        match c {
            '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' => bytes.push(b' '),
            '\u{2018}' | '\u{2019}' => bytes.push(b'\''),
            c => fold_into(c, &mut bytes),
        }
        i += c.len_utf8();
    }
    *buf = String::from_utf8(bytes).expect("folded text is UTF-8");
    buf
}

/// An ASCII byte as [`normalised`] writes it: lowercase, `-` and `_` as spaces, `` ` `` as
/// an apostrophe.
fn fold_ascii(b: u8) -> u8 {
    let b = b | (u8::from(b.wrapping_sub(b'A') < 26) << 5);
    match b {
        b'-' | b'_' => b' ',
        b'`' => b'\'',
        other => other,
    }
}

/// Lowercases a non-ASCII letter and strips its accent, onto the end of UTF-8 text.
fn fold_into(c: char, out: &mut Vec<u8>) {
    for l in c.to_lowercase() {
        let folded = match l {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ñ' => "n",
            'ç' => "c",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            other => {
                out.extend_from_slice(other.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
        };
        out.extend_from_slice(folded.as_bytes());
    }
}

/// A set of phrases, each with a meaning, matched on word boundaries. A phrase ending in
/// `*` is a stem ("evaluat*" matches evaluate, evaluating, evaluation); other phrases must
/// end on a word boundary. Phrases are written lowercase with spaces for hyphens.
pub(crate) struct PhraseSet<K> {
    /// The phrases the word index cannot file (all of a longest-match set that has one
    /// such phrase); `None` when there are none.
    ac: Option<AhoCorasick>,
    /// Per automaton pattern: its meaning, and whether the text must not continue a word
    /// before it (it starts with a letter or digit) and after it (it ends with one and is no
    /// stem).
    meanings: Vec<(K, bool, bool)>,
    overlapping: bool,
    /// The phrases looked up word by word (all of them, in the built-in tables, but for
    /// "% off"), with their meanings by id.
    words: Option<(WordIndex, Vec<K>)>,
    /// Bytes that start an automaton pattern: text without any of them skips the automaton
    /// (the message set leaves it one phrase, "% off").
    first_bytes: Vec<u8>,
    /// Whether ASCII text without any of [`PhraseSet::first_bytes`] can be read as it is
    /// (every first byte is one that normalisation neither makes nor changes, like `%`), so
    /// that the automaton has nothing to find in it either way.
    raw_skips_automaton: bool,
}

impl<K: Copy> PhraseSet<K> {
    /// Builds the matcher. `overlapping` reports every phrase (through the word index, and
    /// an automaton for the phrases it cannot file); otherwise the longest phrase wins at
    /// each position ("vice president" hides "president"), through the word index when it
    /// can file every phrase of the set, else through a leftmost-longest automaton.
    pub(crate) fn new(groups: &[(K, &str)], overlapping: bool) -> PhraseSet<K> {
        let mut patterns = Vec::new();
        let mut meanings = Vec::new();
        let mut indexed = Vec::new();
        let mut indexed_meanings = Vec::new();
        let folded = |p: &str| {
            let mut buf = String::new();
            // Phrases are folded like the text, so "étudiant" in a table is "etudiant".
            normalised(p.trim_end_matches('*'), &mut buf).to_string()
        };
        // A longest-match set goes to the word index only whole, so that its phrases compete
        // with one another in one place.
        let index_all = !overlapping
            && groups.iter().all(|(_, list)| {
                phrases(list).all(|p| words::indexable(&folded(p), p.ends_with('*')))
            });
        for (meaning, list) in groups {
            for p in phrases(list) {
                let stem = p.ends_with('*');
                let p = folded(p);
                let check_start = p.chars().next().is_some_and(char::is_alphanumeric);
                let check_end = !stem && p.chars().next_back().is_some_and(char::is_alphanumeric);
                if (overlapping || index_all) && words::indexable(&p, stem) {
                    indexed.push((p, check_end));
                    indexed_meanings.push(*meaning);
                } else {
                    patterns.push(p);
                    meanings.push((*meaning, check_start, check_end));
                }
            }
        }
        let kind = if overlapping {
            MatchKind::Standard
        } else {
            MatchKind::LeftmostLongest
        };
        let ac = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(kind)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .expect("the built-in phrase tables are small enough for a DFA")
        });
        let words = (!indexed.is_empty()).then(|| (WordIndex::new(indexed), indexed_meanings));
        let mut first_bytes: Vec<u8> = patterns.iter().filter_map(|p| p.bytes().next()).collect();
        first_bytes.sort_unstable();
        first_bytes.dedup();
        let raw_skips_automaton = first_bytes
            .iter()
            .all(|b| b.is_ascii_punctuation() && !b"-_`'".contains(b));
        PhraseSet {
            raw_skips_automaton,
            first_bytes,
            ac,
            meanings,
            overlapping,
            words,
        }
    }

    /// Calls `f(meaning, start, end)` for every phrase found on word boundaries in `text`
    /// (already [`normalised`]). Overlapping sets report in no particular order.
    pub(crate) fn scan(&self, text: &str, mut f: impl FnMut(K, usize, usize)) {
        self.scan_index(text, swar::is_ascii(text.as_bytes()), &mut f);
        let Some(ac) = &self.ac else {
            return;
        };
        if self.words.is_some() && self.automaton_idle_on(text) {
            return;
        }
        self.scan_automaton(ac, text, f);
    }

    /// Whether `text` has none of the bytes the automaton's patterns start with, so that
    /// the automaton has nothing to find in it.
    fn automaton_idle_on(&self, text: &str) -> bool {
        !self
            .first_bytes
            .iter()
            .any(|&b| blocks::contains(text.as_bytes(), b))
    }

    /// [`PhraseSet::scan`] for a field as the lead has it; returns the text it read, in
    /// which the reported spans lie. ASCII text that the word index alone matches is read in
    /// place, compared without regard to case (a copy of every field would cost more than
    /// all the comparisons); anything else is normalised into `buf` first.
    /// Both texts have the same length and the same spans, and the helpers that read around
    /// a phrase ([`is_negated`], [`quantity_before`], …) read them alike.
    pub(crate) fn scan_field<'a>(
        &self,
        field: &'a str,
        buf: &'a mut String,
        mut f: impl FnMut(K, usize, usize),
    ) -> &'a str {
        let automaton_idle = self.ac.is_none()
            || self.words.is_some() && self.raw_skips_automaton && self.automaton_idle_on(field);
        if automaton_idle && swar::is_ascii(field.as_bytes()) {
            self.scan_index(field, true, &mut f);
            field
        } else {
            let text = normalised(field, buf);
            self.scan(text, f);
            text
        }
    }

    /// The word index's phrases in `text` (`ascii`: whether it is).
    fn scan_index(&self, text: &str, ascii: bool, f: &mut impl FnMut(K, usize, usize)) {
        let Some((index, meanings)) = &self.words else {
            return;
        };
        if self.overlapping {
            index.scan(text, ascii, |id, s, e| f(meanings[id], s, e));
            return;
        }
        // Leftmost-longest among the phrases that stand on word boundaries: at each start the
        // longest such phrase (the first listed of equal ones) wins, and the next match must
        // start after it ends. (An automaton picks the longest first and checks boundaries
        // after, so a longer phrase that runs into a word, "managing director" in "Managing
        // Directors", hid the shorter one that fits, "director*"; here it does not.)
        let mut best: Option<(usize, usize, usize)> = None;
        index.scan(text, ascii, |id, s, e| match best {
            Some((b_id, b_s, b_e)) if b_s == s => {
                if e > b_e || e == b_e && id < b_id {
                    best = Some((id, s, e));
                }
            }
            Some((b_id, b_s, b_e)) if s >= b_e => {
                f(meanings[b_id], b_s, b_e);
                best = Some((id, s, e));
            }
            Some(_) => {}
            None => best = Some((id, s, e)),
        });
        if let Some((id, s, e)) = best {
            f(meanings[id], s, e);
        }
    }

    /// The automaton's phrases in normalised `text`.
    fn scan_automaton(&self, ac: &AhoCorasick, text: &str, mut f: impl FnMut(K, usize, usize)) {
        let mut visit = |m: aho_corasick::Match| {
            let (meaning, check_start, check_end) = self.meanings[m.pattern().as_usize()];
            let (s, e) = (m.start(), m.end());
            if check_start && letter_before(text, s) || check_end && letter_after(text, e) {
                return;
            }
            f(meaning, s, e);
        };
        if self.overlapping {
            ac.find_overlapping_iter(text).for_each(&mut visit);
        } else {
            ac.find_iter(text).for_each(&mut visit);
        }
    }
}

/// The last few words before `start`: enough for three words, cheap on long messages.
fn window_before(text: &str, start: usize) -> &str {
    let mut from = start.saturating_sub(48);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..start]
}

/// Whether a letter or digit ends just before byte `i` (ASCII fast path; the rare
/// non-ASCII character is decoded, so "¿precio" still starts a word).
fn letter_before(text: &str, i: usize) -> bool {
    match text.as_bytes()[..i].last() {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric),
    }
}

/// Whether a letter or digit starts at byte `i`.
pub(crate) fn letter_after(text: &str, i: usize) -> bool {
    match text.as_bytes().get(i) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[i..].chars().next().is_some_and(char::is_alphanumeric),
    }
}

/// The phrases of a comma-separated table entry.
pub(crate) fn phrases(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|p| !p.is_empty())
}

/// Words that negate a signal up to three words after them within a clause.
pub(crate) const NEGATORS: &str = "no, not, without, don't, dont, doesn't, isn't, aren't, \
    haven't, hasn't, never, zero, lack, nor, kein, keine, keinen, nicht, sin, sans, pas, ni, \
    can't, won't";

/// [`NEGATORS`] as a list, split once.
fn negators() -> &'static [&'static str] {
    static LIST: std::sync::LazyLock<Vec<&'static str>> =
        std::sync::LazyLock::new(|| phrases(NEGATORS).collect());
    &LIST
}

/// Whether one of the three words before `start` (in the same clause) negates it. `text`
/// is [`normalised`] or ASCII as the lead has it (see [`words_back`]).
pub(crate) fn is_negated(text: &str, start: usize) -> bool {
    let window = window_before(text, start);
    // The clause marks are ASCII, so a byte search finds them.
    let clause = match window.bytes().rposition(|b| {
        matches!(
            b,
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\n' | b'(' | b')'
        )
    }) {
        Some(i) => &window[i + 1..],
        None => window,
    };
    words_back(clause)
        .take(3)
        .any(|w| negators().iter().any(|n| reads_as(w, n)))
}

/// Whether `word`, as [`normalised`] would write it, is `lower` (lowercase ASCII without
/// hyphens, underscores or backticks): ASCII case and `` ` `` for `'` aside, byte for byte.
fn reads_as(word: &str, lower: &str) -> bool {
    word.len() == lower.len()
        && word
            .bytes()
            .zip(lower.bytes())
            .all(|(w, l)| fold_ascii(w) == l)
}

/// Whether normalised text has whitespace where the lead has `c`: whitespace itself, and
/// the hyphens and underscores that normalisation turns into spaces.
pub(crate) fn reads_as_space(c: char) -> bool {
    c.is_whitespace() || c == '-' || c == '_'
}

/// The words of `s`, last first, split where [`normalised`] text has whitespace: on
/// whitespace as [`str::split_whitespace`] splits, and on the hyphens and underscores that
/// normalisation turns into spaces — so that a field read as the lead has it splits as its
/// normalised copy does.
fn words_back(s: &str) -> impl Iterator<Item = &str> {
    s.rsplit(reads_as_space).filter(|w| !w.is_empty())
}

/// Words that make a following month name a deadline.
const DEADLINE_WORDS: [&str; 12] = [
    "by", "before", "in", "until", "early", "late", "mid", "for", "antes", "bis", "avant", "en",
];

/// Whether the word before `start` makes a month name a deadline ("by March", "in June").
pub(crate) fn is_deadline(text: &str, start: usize) -> bool {
    words_back(window_before(text, start))
        .next()
        .is_some_and(|w| DEADLINE_WORDS.iter().any(|d| d.eq_ignore_ascii_case(w)))
}

/// A quantity read before a unit noun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantity {
    Number(u32),
    /// "all", "every", "multiple", "several", "many": at least a few.
    Many,
}

impl Quantity {
    pub(crate) fn at_least(self, n: u32) -> bool {
        match self {
            Quantity::Number(v) => v >= n,
            Quantity::Many => true,
        }
    }
}

const NUMBER_WORDS: [(&str, u32); 33] = [
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("twelve", 12),
    ("fifteen", 15),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("ninety", 90),
    ("hundred", 100),
    ("dozen", 12),
    ("dozens", 24),
    ("hundreds", 200),
    ("thousands", 2000),
    ("dos", 2),
    ("tres", 3),
    ("cinco", 5),
    ("zwei", 2),
    ("drei", 3),
    // The text is accent-folded, so "fünf" is read as "funf" (the table had "fünf", which
    // could never match).
    ("funf", 5),
    ("deux", 2),
    ("trois", 3),
    ("cinq", 5),
    ("dix", 10),
];

const QUANTIFIERS: [&str; 14] = [
    "all", "every", "each", "multiple", "several", "many", "numerous", "various", "alle", "allen",
    "todas", "todos", "tous", "toutes",
];

/// Small words that may sit between a quantity and its noun ("all our clients").
const FILLERS: [&str; 14] = [
    "our", "the", "of", "your", "their", "over", "about", "around", "than", "nearly", "almost",
    "unsere", "nuestras", "nos",
];

/// Reads the quantity before `start`: digits ("1,200", "60+", "5k"), number words, or a
/// quantifier, skipping up to two filler words.
pub(crate) fn quantity_before(text: &str, start: usize) -> Option<Quantity> {
    for raw in words_back(window_before(text, start)).take(3) {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if let Some(n) = parse_number(w) {
            return Some(Quantity::Number(n));
        }
        if let Some((_, n)) = NUMBER_WORDS
            .iter()
            .find(|(word, _)| word.eq_ignore_ascii_case(w))
        {
            return Some(Quantity::Number(*n));
        }
        if QUANTIFIERS.iter().any(|q| q.eq_ignore_ascii_case(w)) {
            return Some(Quantity::Many);
        }
        if !FILLERS.iter().any(|f| f.eq_ignore_ascii_case(w)) {
            return None;
        }
    }
    None
}

fn parse_number(w: &str) -> Option<u32> {
    let (digits, mult) = match w.strip_suffix(['k', 'K']) {
        Some(d) => (d, 1000.0),
        None => (w, 1.0),
    };
    // Digits and points without the thousands commas: most words are no number, so the
    // check comes first, and the copy to parse is on the stack unless it is very long.
    let kept = || digits.bytes().filter(|b| *b != b',');
    if kept().next().is_none() || !kept().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let mut short = [0u8; 32];
    let long: String;
    let cleaned = if kept().count() <= short.len() {
        let mut len = 0;
        for (slot, b) in short.iter_mut().zip(kept()) {
            *slot = b;
            len += 1;
        }
        std::str::from_utf8(&short[..len]).ok()?
    } else {
        long = digits.chars().filter(|c| *c != ',').collect();
        &long
    };
    let v: f64 = cleaned.parse().ok()?;
    let v = v * mult;
    (v.is_finite() && v <= u32::MAX as f64).then_some(v as u32)
}

/// The byte span of the sentence holding `pos`, so that words around an injection attempt
/// can be ignored as a whole.
pub(crate) fn sentence_around(text: &str, pos: usize) -> (usize, usize) {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let start = text[..pos].rfind(is_end).map_or(0, |i| i + 1);
    let end = text[pos..].find(is_end).map_or(text.len(), |i| pos + i);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut buf = String::new();
        normalised(s, &mut buf).to_string()
    }

    #[test]
    fn normalisation_lowercases_non_ascii_and_unifies_punctuation() {
        assert_eq!(
            norm("SOC-2 lead_score I’m Étudiant"),
            "soc 2 lead score i'm etudiant"
        );
        assert_eq!(norm("SOC-2 LEAD_score"), "soc 2 lead score");
        assert_eq!(norm("plain lowercase ascii"), "plain lowercase ascii");
        assert_eq!(norm("Zoë—ZOË"), "zoe zoe");
    }

    #[test]
    fn stems_and_word_boundaries() {
        let set = PhraseSet::new(&[(1, "evaluat*, class"), (2, "intern")], true);
        let hits = |t: &str| {
            let mut v = Vec::new();
            set.scan(&norm(t), |k, _, _| v.push(k));
            v
        };
        assert_eq!(hits("We are EVALUATING; evaluation"), vec![1, 1]);
        assert_eq!(hits("A Class-Intern"), vec![1, 2]);
        assert!(hits("classification of internal international").is_empty());
        assert_eq!(hits("a class, an intern."), vec![1, 2]);
        assert!(hits("reevaluate").is_empty());
    }

    #[test]
    fn longest_phrase_wins_at_each_start() {
        let set = PhraseSet::new(&[(1, "president, vice, co"), (2, "vice president")], false);
        assert!(set.ac.is_none(), "every phrase goes to the word index");
        let hits = |t: &str| {
            let mut v = Vec::new();
            set.scan(&norm(t), |k, s, _| v.push((k, s)));
            v
        };
        assert_eq!(hits("Vice President, Sales"), vec![(2, 0)]);
        assert_eq!(hits("president & vice"), vec![(1, 0), (1, 12)]);
        assert_eq!(hits("taco president"), vec![(1, 5)]);
        // A longer phrase that runs into a word does not hide a shorter one that fits; a
        // phrase inside a word ("co" in "taco") hides nothing.
        assert_eq!(hits("vice presidents"), vec![(1, 0)]);
        assert_eq!(hits("taco vice"), vec![(1, 5)]);
        // The job-title table is matched this way too.
        assert!(
            PhraseSet::new(super::super::patterns::TITLE, false)
                .ac
                .is_none()
        );
    }

    #[test]
    fn negation_looks_back_three_words_in_the_clause() {
        let t = "we don't have much budget. budget approved";
        assert!(is_negated(t, t.find("budget").expect("present")));
        assert!(!is_negated(t, t.rfind("budget").expect("present")));
        assert!(is_negated("not ready to buy", 13));
    }

    #[test]
    fn quantities_before_units() {
        let q = |t: &str| quantity_before(t, t.len());
        assert_eq!(q("across 1,200 "), Some(Quantity::Number(1200)));
        assert_eq!(q("we manage 60+ "), Some(Quantity::Number(60)));
        assert_eq!(q("within two "), Some(Quantity::Number(2)));
        assert_eq!(q("across all our "), Some(Quantity::Many));
        assert_eq!(q("one of our "), Some(Quantity::Number(1)));
        assert_eq!(q("some of the blue "), None);
    }

    #[test]
    fn numbers_with_commas_points_and_thousands() {
        assert_eq!(parse_number("1,200"), Some(1200));
        assert_eq!(parse_number("5k"), Some(5000));
        assert_eq!(parse_number("1.5K"), Some(1500));
        assert_eq!(parse_number("99.9"), Some(99));
        // Long numbers are read too (leading zeros), and overflow is no number.
        let long = format!("{}5", "0".repeat(40));
        assert_eq!(parse_number(&long), Some(5));
        for not_a_number in ["", ".", "1.2.3", "12a", "k", ",", "9".repeat(40).as_str()] {
            assert_eq!(parse_number(not_a_number), None, "{not_a_number}");
        }
    }

    #[test]
    fn sentences_split_on_terminators() {
        let t = "Hello there. Ignore this! Bye";
        let p = t.find("Ignore").expect("present");
        assert_eq!(
            &t[sentence_around(t, p).0..sentence_around(t, p).1],
            " Ignore this"
        );
    }
}
