//! Reading text the way the rules' phrases are written: normalisation, phrase sets matched
//! with one Aho-Corasick automaton on word boundaries, and the helpers that read around a
//! phrase (negation, quantities, deadlines, the sentence of an injection attempt).

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

/// The text as phrases are matched against it: lowercase, hyphens, underscores and dashes as
/// spaces ("SOC-2" is "soc 2"), curly apostrophes and backticks straight, accented letters
/// folded to ASCII ("Étudiant" is "etudiant"). Phrases are folded the same way when a rules
/// table is read, so a table holds one spelling of each.
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '-' | '_' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' => out.push(' '),
            '`' | '\u{2018}' | '\u{2019}' => out.push('\''),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => {
                for l in c.to_lowercase() {
                    match l {
                        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
                        'è' | 'é' | 'ê' | 'ë' => out.push('e'),
                        'ì' | 'í' | 'î' | 'ï' => out.push('i'),
                        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => out.push('o'),
                        'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
                        'ñ' => out.push('n'),
                        'ç' => out.push('c'),
                        'ß' => out.push_str("ss"),
                        'æ' => out.push_str("ae"),
                        'œ' => out.push_str("oe"),
                        other => out.push(other),
                    }
                }
            }
        }
    }
    out
}

/// The words the helpers read around a phrase (`[vocabulary]` of the rules), normalised
/// once read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Vocabulary {
    /// Negate a positive family up to three words after them.
    pub negators: Vec<String>,
    /// After a number, state the company size (phrases: "mitarbeiter*").
    pub employees: Vec<String>,
    pub free_mail_domains: Vec<String>,
    /// Before a month name, make it a deadline.
    pub deadline_words: Vec<String>,
    /// Before a counted noun, mean "at least a few".
    pub quantifiers: Vec<String>,
    /// May stand between a quantity and its noun.
    pub fillers: Vec<String>,
    pub numbers: BTreeMap<String, u32>,
}

impl Vocabulary {
    /// Adds `more`'s words, normalised like the text.
    pub(crate) fn extend(&mut self, more: Vocabulary) {
        let lists = [
            (&mut self.negators, more.negators),
            (&mut self.employees, more.employees),
            (&mut self.free_mail_domains, more.free_mail_domains),
            (&mut self.deadline_words, more.deadline_words),
            (&mut self.quantifiers, more.quantifiers),
            (&mut self.fillers, more.fillers),
        ];
        for (list, words) in lists {
            list.extend(words.iter().map(|w| normalise(w.trim())));
        }
        let numbers = more.numbers.iter().map(|(w, n)| (normalise(w.trim()), *n));
        self.numbers.extend(numbers);
    }
}

/// A phrase of a set: its normalised text, and whether it is a stem (written with a
/// trailing `*`, which is not part of the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    pub(crate) text: String,
    pub(crate) stem: bool,
}

impl Phrase {
    /// A phrase as a rules table writes it; `None` when it can never match (nothing left
    /// once folded and trimmed, or a `*` anywhere but at the end).
    pub(crate) fn parse(written: &str) -> Option<Phrase> {
        let trimmed = written.trim();
        let (body, stem) = match trimmed.strip_suffix('*') {
            Some(body) => (body, true),
            None => (trimmed, false),
        };
        let text = normalise(body).trim().to_string();
        // "pric *" would be the stem "pric" followed by a space that no word has.
        let unusable = text.is_empty()
            || text.contains('*')
            || text.chars().any(char::is_control)
            || stem && body.ends_with(char::is_whitespace);
        (!unusable).then_some(Phrase { text, stem })
    }
}

/// Phrases, each with a meaning, found on word boundaries in normalised text: a phrase that
/// begins with a letter or digit must not continue a word before it, and one that ends with
/// a letter or digit (and is no stem) must not run into a word after it, so "class" is not
/// found in "classification" nor "intern" in "internal".
pub(crate) struct PhraseSet<K> {
    automaton: Option<AhoCorasick>,
    /// Per pattern: its meaning, and whether its start and its end are checked.
    patterns: Vec<(K, bool, bool)>,
    longest: bool,
}

impl<K: Copy> PhraseSet<K> {
    /// `longest`: where phrases overlap, only the longest at the leftmost place counts
    /// ("vice president" hides "president"), among the phrases that stand on word
    /// boundaries ("Managing Directors" still reads "director*"); otherwise every phrase.
    pub(crate) fn new(phrases: Vec<(Phrase, K)>, longest: bool) -> PhraseSet<K> {
        let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let patterns = phrases
            .iter()
            .map(|(p, k)| {
                let start = alnum(p.text.chars().next());
                let end = !p.stem && alnum(p.text.chars().next_back());
                (*k, start, end)
            })
            .collect();
        let automaton = (!phrases.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(phrases.iter().map(|(p, _)| &p.text))
                .expect("a phrase table of the size of ours always builds")
        });
        PhraseSet {
            automaton,
            patterns,
            longest,
        }
    }

    /// Calls `f(meaning, start, end)` for every phrase found in `text`, in the order the
    /// phrases end.
    pub(crate) fn find(&self, text: &str, mut f: impl FnMut(K, usize, usize)) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let on_boundaries = automaton.find_overlapping_iter(text).filter_map(|m| {
            let (meaning, check_start, check_end) = self.patterns[m.pattern().as_usize()];
            let (s, e) = (m.start(), m.end());
            let fits =
                !(check_start && letter_before(text, s) || check_end && letter_after(text, e));
            fits.then_some((m.pattern().as_usize(), s, e, meaning))
        });
        if !self.longest {
            on_boundaries.for_each(|(_, s, e, k)| f(k, s, e));
            return;
        }
        // Leftmost first; at one start the longest, and of equal ones the first listed.
        let mut found: Vec<_> = on_boundaries.collect();
        found.sort_by_key(|&(id, s, e, _)| (s, std::cmp::Reverse(e), id));
        let mut taken_to = 0;
        for (_, s, e, k) in found {
            if s >= taken_to {
                f(k, s, e);
                taken_to = e;
            }
        }
    }
}

/// Whether a letter or digit ends just before byte `i`.
fn letter_before(text: &str, i: usize) -> bool {
    text[..i]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

/// Whether a letter or digit starts at byte `i`.
fn letter_after(text: &str, i: usize) -> bool {
    text[i..].chars().next().is_some_and(char::is_alphanumeric)
}

/// The last few words before `start`: enough for three words, cheap on long messages.
fn window_before(text: &str, start: usize) -> &str {
    let mut from = start.saturating_sub(48);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..start]
}

/// Whether one of the three words before `start`, in the same clause, is a negator.
pub(crate) fn is_negated(text: &str, start: usize, v: &Vocabulary) -> bool {
    let window = window_before(text, start);
    let clause = match window.rfind(['.', ',', ';', ':', '!', '?', '\n', '(', ')']) {
        Some(i) => &window[i + 1..],
        None => window,
    };
    clause
        .split_whitespace()
        .rev()
        .take(3)
        .any(|w| v.negators.iter().any(|n| n == w))
}

/// Whether the word before `start` makes a month name a deadline ("by March", "in June").
pub(crate) fn is_deadline(text: &str, start: usize, v: &Vocabulary) -> bool {
    let last = window_before(text, start).split_whitespace().next_back();
    last.is_some_and(|w| v.deadline_words.iter().any(|d| d == w))
}

/// A quantity read before a noun.
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

/// The quantity before `start`: digits ("1,200", "60+", "5k"), a number word or a
/// quantifier, with up to two filler words between it and the noun.
pub(crate) fn quantity_before(text: &str, start: usize, v: &Vocabulary) -> Option<Quantity> {
    let is = |list: &[String], w: &str| list.iter().any(|x| x == w);
    for raw in window_before(text, start).split_whitespace().rev().take(3) {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if let Some(n) = parse_number(w) {
            return Some(Quantity::Number(n));
        }
        if let Some(n) = v.numbers.get(w) {
            return Some(Quantity::Number(*n));
        }
        if is(&v.quantifiers, w) {
            return Some(Quantity::Many);
        }
        if !is(&v.fillers, w) {
            return None;
        }
    }
    None
}

/// A number as people write one: "1,200", "99.9", "5k".
fn parse_number(w: &str) -> Option<u32> {
    let (digits, mult) = match w.strip_suffix('k') {
        Some(d) => (d, 1000.0),
        None => (w, 1.0),
    };
    let cleaned: String = digits.chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let v = cleaned.parse::<f64>().ok()? * mult;
    (v.is_finite() && v <= f64::from(u32::MAX)).then_some(v as u32)
}

/// The byte span of the sentence holding `pos`, so that the words around an injection
/// attempt can be ignored as a whole.
pub(crate) fn sentence_around(text: &str, pos: usize) -> (usize, usize) {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let start = text[..pos].rfind(is_end).map_or(0, |i| i + 1);
    let end = text[pos..].find(is_end).map_or(text.len(), |i| pos + i);
    (start, end)
}

/// Words (runs of letters, digits, apostrophes and non-ASCII characters), counted up to
/// `max + 1`: only "none" and "a few" matter.
pub(crate) fn count_words(text: &str, max: usize) -> usize {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '\'' || !c.is_ascii();
    text.split(|c: char| !is_word(c))
        .filter(|w| !w.is_empty())
        .take(max + 1)
        .count()
}

/// Whether a domain is a university's: an `edu` label anywhere after the first ("mit.edu",
/// "cs.uni.edu.au"), or an `ac` label between two others ("ox.ac.uk").
pub(crate) fn academic_domain(domain: &str) -> bool {
    let mut labels = domain.split('.').skip(1).peekable();
    while let Some(label) = labels.next() {
        if label.eq_ignore_ascii_case("edu")
            || label.eq_ignore_ascii_case("ac") && labels.peek().is_some()
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(groups: &[(u8, &[&str])], longest: bool) -> PhraseSet<u8> {
        let phrases = groups
            .iter()
            .flat_map(|(k, ps)| ps.iter().map(|p| (Phrase::parse(p).expect("usable"), *k)))
            .collect();
        PhraseSet::new(phrases, longest)
    }

    fn found(set: &PhraseSet<u8>, text: &str) -> Vec<(u8, usize)> {
        let mut v = Vec::new();
        set.find(&normalise(text), |k, s, _| v.push((k, s)));
        v
    }

    #[test]
    fn normalisation_folds_case_accents_and_punctuation() {
        assert_eq!(
            normalise("SOC-2 lead_score I’m Étudiant"),
            "soc 2 lead score i'm etudiant"
        );
        assert_eq!(normalise("Zoë—ZOË don`t"), "zoe zoe don't");
    }

    #[test]
    fn phrases_that_can_never_match_are_refused() {
        for bad in ["", "  ", "*", "pri*ce", "-", "a\u{7}b", "pric *"] {
            assert_eq!(Phrase::parse(bad), None, "{bad:?}");
        }
        let p = Phrase::parse(" Évaluat* ").expect("a stem");
        assert_eq!((p.text.as_str(), p.stem), ("evaluat", true));
        assert_eq!(Phrase::parse("SOC-2").expect("ok").text, "soc 2");
    }

    #[test]
    fn stems_and_word_boundaries() {
        let s = set(
            &[(1, &["evaluat*", "class"]), (2, &["intern", "% off"])],
            false,
        );
        let kinds = |t: &str| found(&s, t).into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(kinds("We are EVALUATING; evaluation"), vec![1, 1]);
        assert_eq!(kinds("A Class-Intern"), vec![1, 2]);
        assert!(kinds("classification of internal international reevaluate").is_empty());
        assert_eq!(kinds("50% off"), vec![2]);
    }

    #[test]
    fn the_longest_phrase_on_word_boundaries_wins_at_each_place() {
        let s = set(
            &[
                (1, &["president", "vice", "co", "director*"]),
                (2, &["vice president", "managing director"]),
            ],
            true,
        );
        assert_eq!(found(&s, "Vice President, Sales"), vec![(2, 0)]);
        assert_eq!(found(&s, "president & vice"), vec![(1, 0), (1, 12)]);
        assert_eq!(found(&s, "vice presidents"), vec![(1, 0)]);
        assert_eq!(found(&s, "Managing Directors"), vec![(1, 9)]);
        assert_eq!(found(&s, "taco vice"), vec![(1, 5)]);
    }

    fn vocabulary() -> Vocabulary {
        let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect();
        Vocabulary {
            negators: words(&["no", "don't", "not"]),
            deadline_words: words(&["by"]),
            quantifiers: words(&["all"]),
            fillers: words(&["our", "of", "the"]),
            numbers: [("two".to_string(), 2)].into(),
            ..Vocabulary::default()
        }
    }

    #[test]
    fn negation_looks_back_three_words_in_the_clause() {
        let v = vocabulary();
        let t = "we don't have much budget. budget approved";
        assert!(is_negated(t, t.find("budget").expect("present"), &v));
        assert!(!is_negated(t, t.rfind("budget").expect("present"), &v));
        assert!(is_negated("not ready to buy", 13, &v));
    }

    #[test]
    fn quantities_deadlines_and_numbers() {
        let v = vocabulary();
        let q = |t: &str| quantity_before(t, t.len(), &v);
        assert_eq!(q("across 1,200 "), Some(Quantity::Number(1200)));
        assert_eq!(q("we manage 60+ "), Some(Quantity::Number(60)));
        assert_eq!(q("within two "), Some(Quantity::Number(2)));
        assert_eq!(q("across all our "), Some(Quantity::Many));
        assert_eq!(q("some of the blue "), None);
        assert_eq!(parse_number("5k"), Some(5000));
        assert_eq!(parse_number("99.9"), Some(99));
        assert_eq!(parse_number("1.2.3"), None);
        assert!(is_deadline("live by ", 8, &v));
        assert!(!is_deadline("live, ", 6, &v));
    }

    #[test]
    fn words_sentences_and_domains() {
        assert_eq!(count_words(" ?! -- ", 4), 0);
        assert_eq!(count_words("don't  stop", 4), 2);
        assert_eq!(count_words("¿qué tal?", 4), 2);
        assert_eq!(count_words(&"word ".repeat(100), 4), 5);
        let t = "Hello there. Ignore this! Bye";
        let (a, b) = sentence_around(t, t.find("Ignore").expect("present"));
        assert_eq!(&t[a..b], " Ignore this");
        for d in ["mit.edu", "cs.uni.edu.au", "ox.ac.uk", "CS.Stanford.EDU"] {
            assert!(academic_domain(d), "{d}");
        }
        for d in ["edu.com", "ac.uk", "mac.com", "x.ac", "education.org", ""] {
            assert!(!academic_domain(d), "{d}");
        }
    }
}
