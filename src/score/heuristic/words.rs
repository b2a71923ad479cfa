//! A word-start index over a phrase list: the phrase sets (message, job title, company,
//! industry) are matched by looking up each word of the text, instead of walking a large
//! Aho-Corasick DFA byte by byte. The DFA of the message phrases (~1.6 MB) did not fit in
//! the cache; this index is a few kilobytes.
//!
//! It reports every phrase that stands on word boundaries in the text. A phrase that starts
//! with a letter or digit can only match where a word starts, and its first word (its
//! leading run of ASCII letters and digits) is then the text's word there — or, for a
//! one-word stem ("pric*"), a prefix of it. So each word start looks up the first four bytes
//! of its word (shorter words padded with zeros) and checks the few phrases filed under them
//! byte for byte. Phrases the index cannot file (non-ASCII, a non-alphanumeric first
//! character, a one-word stem shorter than four bytes) are left to the caller's automaton.
//!
//! The text may be normalised or ASCII as the lead has it: letters are compared without
//! regard to case (bit 5 of the text's byte is ignored where the phrase has a letter), and
//! a text with hyphens, underscores or backticks has them replaced as normalisation would,
//! in the eight bytes read at a word. The words of ASCII text are found 64 bytes at a time
//! with SIMD compares ([`blocks`]). Nothing is copied.

/// Bytes of a word that key the index.
const KEY_LEN: usize = 4;

use super::blocks::{self, BLOCK};
use super::swar;

/// Phrases filed under the first [`KEY_LEN`] bytes of their first word. Compact (8 bytes
/// a slot, 24 an entry) so that the whole index stays in the first-level cache.
pub(crate) struct WordIndex {
    /// Open-addressed table of keys (0 = empty slot), each with its range in `entries`.
    slots: Vec<Slot>,
    shift: u32,
    /// The phrases, grouped by key.
    entries: Vec<Entry>,
    /// The bytes of every phrase past its eighth, eight to a [`Word`], each phrase's last
    /// word padded with zeros.
    tails: Vec<Word>,
    /// One bit per hash of a key (4,096 bits): a word whose bit is clear has no phrases,
    /// found without a probe of `slots` (about a quarter of a message's words; most words
    /// start some phrase).
    filter: [u64; FILTER_WORDS],
}

/// Words of [`WordIndex::filter`].
const FILTER_WORDS: usize = 64;

#[derive(Clone, Copy, Default)]
struct Slot {
    key: u32,
    start: u16,
    end: u16,
}

/// Up to eight bytes of a phrase, compared with eight bytes of text at once.
#[derive(Clone, Copy)]
struct Word {
    /// The bits of the text that must be as in the phrase: all bits of the phrase's bytes
    /// but bit 5 of its letters (their case), none of the bytes past its end.
    care: u64,
    /// The phrase's bytes, those bits only.
    want: u64,
}

impl Word {
    /// Up to eight bytes of lowercase phrase text (see [`indexable`]).
    fn new(bytes: &[u8]) -> Word {
        let phrase = swar::load(bytes);
        let care = !swar::letter_case(phrase) & (u64::MAX >> (64 - 8 * bytes.len()));
        Word {
            care,
            want: phrase & care,
        }
    }

    /// Whether `text` (eight bytes of it) starts with the phrase's bytes, in any case.
    fn matches(self, text: u64) -> bool {
        text & self.care == self.want
    }
}

/// One filed phrase. Most phrases are compared through their first eight bytes alone, in a
/// register, without a call to `memcmp`.
struct Entry {
    /// The phrase's first eight bytes.
    head: Word,
    /// Where the words of its bytes past the eighth start in `tails`.
    tail: u16,
    /// Its id: its position in the list given to [`WordIndex::new`].
    id: u16,
    len: u8,
    /// Whether the text must not continue a word after the phrase.
    check_end: bool,
}

/// The key of the word that starts `head` (a text's next eight bytes, zero-padded), with
/// bit `i` of `run` set where byte `i` is a letter or digit: its first four bytes in lower
/// case, zero-padded when the word is shorter. Word bytes are ASCII letters and digits,
/// never zero; setting bit 5 lowercases a letter and leaves a digit as it is.
fn key_of_run(head: u64, run: u64) -> u32 {
    debug_assert!(run & 1 == 1, "a word starts here");
    // The bytes of the key by the first four bits of `run` (the first is set): as many as
    // lead it unbroken.
    const KEY_MASKS: [u32; 8] = [
        0xFF,
        0xFFFF,
        0xFF,
        0xFF_FFFF,
        0xFF,
        0xFFFF,
        0xFF,
        0xFFFF_FFFF,
    ];
    (head as u32 | 0x2020_2020) & KEY_MASKS[(run >> 1) as usize & 7]
}

/// The `run` of [`key_of_run`] for the word at the start of `bytes`, as far as a key goes.
fn run_of(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(KEY_LEN)
        .enumerate()
        .fold(0u64, |m, (i, b)| {
            m | (u64::from(b.is_ascii_alphanumeric()) << i)
        })
}

/// The key of the word at the start of `bytes` (see [`key_of_run`]).
fn key_of(bytes: &[u8]) -> u32 {
    key_of_run(swar::load(bytes), run_of(bytes))
}

/// The word of [`WordIndex::filter`] and the bit in it for `key`.
fn filter_bit(key: u32) -> (usize, u64) {
    let h = key.wrapping_mul(0x2545_F491) >> 20;
    ((h >> 6) as usize, 1 << (h & 63))
}

/// Whether a phrase can be filed: ASCII, starting with a letter or digit, and (a one-word
/// stem) at least a key long; and its bytes from `0x40` up are lowercase letters, so that
/// [`swar::letter_case`] knows where the text may differ in case.
pub(crate) fn indexable(phrase: &str, stem: bool) -> bool {
    let b = phrase.as_bytes();
    let first_word = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    phrase.is_ascii()
        && first_word > 0
        && !(stem && first_word == b.len() && first_word < KEY_LEN)
        && b.iter().all(|c| *c < 0x40 || c.is_ascii_lowercase())
}

impl WordIndex {
    /// Files `phrases` (each [`indexable`]) as `(bytes, check_end)`, with ids in list order.
    pub(crate) fn new(phrases: Vec<(String, bool)>) -> WordIndex {
        let mut by_key: Vec<(u32, usize)> = phrases
            .iter()
            .enumerate()
            .map(|(id, (p, _))| (key_of(p.as_bytes()), id))
            .collect();
        by_key.sort_unstable();
        let n_keys = by_key.windows(2).filter(|w| w[0].0 != w[1].0).count() + 1;
        let n_slots = (n_keys * 2).next_power_of_two().max(16);
        let mut tails = Vec::new();
        let entries = by_key
            .iter()
            .map(|&(_, id)| {
                let bytes = phrases[id].0.as_bytes();
                let tail = u16::try_from(tails.len()).expect("the tails fit in 64 KiB");
                let rest = bytes.get(8..).unwrap_or_default();
                tails.extend(rest.chunks(8).map(Word::new));
                Entry {
                    head: Word::new(&bytes[..bytes.len().min(8)]),
                    tail,
                    id: u16::try_from(id).expect("phrase tables hold fewer than 65,536 phrases"),
                    len: u8::try_from(bytes.len()).expect("phrases are shorter than 256 bytes"),
                    check_end: phrases[id].1,
                }
            })
            .collect();
        let mut index = WordIndex {
            slots: vec![Slot::default(); n_slots],
            shift: 32 - n_slots.trailing_zeros(),
            entries,
            tails,
            filter: [0; FILTER_WORDS],
        };
        let mut start = 0;
        while start < by_key.len() {
            let key = by_key[start].0;
            let end = start + by_key[start..].iter().take_while(|e| e.0 == key).count();
            let mut slot = index.slot(key);
            while index.slots[slot].key != 0 {
                slot = (slot + 1) & (n_slots - 1);
            }
            index.slots[slot] = Slot {
                key,
                start: start as u16,
                end: end as u16,
            };
            let (word, bit) = filter_bit(key);
            index.filter[word] |= bit;
            start = end;
        }
        index
    }

    fn slot(&self, key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B1) >> self.shift) as usize
    }

    /// The phrases filed under `key`.
    fn candidates(&self, key: u32) -> &[Entry] {
        let (word, bit) = filter_bit(key);
        if self.filter[word] & bit == 0 {
            return &[];
        }
        let mask = self.slots.len() - 1;
        let mut slot = self.slot(key);
        loop {
            let Slot { key: k, start, end } = self.slots[slot];
            if k == key {
                return &self.entries[usize::from(start)..usize::from(end)];
            }
            if k == 0 {
                return &[];
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Calls `f(id, start, end)` for every filed phrase found in `text` on word boundaries,
    /// in order of start. `text` is [`normalised`](super::signals::normalised), or ASCII as
    /// written (`ascii`: whether it is, which the caller has checked): letters are compared
    /// without regard to case, and `-`, `_` and `` ` `` read as normalisation writes them.
    pub(crate) fn scan(&self, text: &str, ascii: bool, mut f: impl FnMut(usize, usize, usize)) {
        debug_assert_eq!(ascii, text.is_ascii());
        if ascii {
            return self.scan_ascii(text, &mut f);
        }
        // Normalised text outside ASCII (normalisation leaves no `-`, `_` or `` ` ``).
        let bytes = text.as_bytes();
        let mut i = 0;
        // Whether the character before `i` is a letter or digit.
        let mut in_word = false;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                if !in_word {
                    let head = swar::load(&bytes[i..]);
                    let key = key_of_run(head, run_of(&bytes[i..]));
                    self.match_at(text, i, head, key, &mut f);
                    in_word = true;
                }
                i += 1;
            } else if b.is_ascii() {
                in_word = false;
                i += 1;
            } else {
                // A non-ASCII character: a letter ("¿" is not, "ł" is) continues a word.
                let c = text[i..].chars().next().expect("i is on a char boundary");
                in_word = c.is_alphanumeric();
                i += c.len_utf8();
            }
        }
    }

    /// [`WordIndex::scan`] for ASCII text, a block of 64 bytes at a time: the word starts
    /// of a block are the letters and digits not preceded by one, and each start's key
    /// takes as many of its first four bytes as are letters or digits, which the block's
    /// bits and the next block's tell.
    fn scan_ascii(&self, text: &str, f: &mut impl FnMut(usize, usize, usize)) {
        let bytes = text.as_bytes();
        let mut blocks = bytes.chunks(BLOCK).map(blocks::classify);
        let mut block = blocks.next().unwrap_or_default();
        // Whether the byte before the block is a letter or digit.
        let mut carry = 0u64;
        let mut base = 0;
        while base < bytes.len() {
            let next = blocks.next().unwrap_or_default();
            // A head runs into the next block by up to seven bytes.
            let spaced = block.spaced || next.spaced;
            let alnum = block.alnum;
            let mut starts = alnum & !((alnum << 1) | carry);
            while starts != 0 {
                let p = starts.trailing_zeros();
                let start = base + p as usize;
                // The bits from the start on, from the two blocks (the next one shifted in
                // two steps, so that nothing is shifted by 64).
                let run = (alnum >> p) | ((next.alnum << 1) << (63 - p));
                let head = swar::load(&bytes[start..]);
                let head = if spaced { swar::spaced(head) } else { head };
                self.match_at(text, start, head, key_of_run(head, run), f);
                starts &= starts - 1;
            }
            carry = alnum >> 63;
            block = next;
            base += BLOCK;
        }
    }

    /// Whether the text `after_head` (from the phrase's ninth byte on; it may be shorter)
    /// goes on with the tail of `e`, eight bytes at a time (past the end of the text it
    /// reads zeros, which no phrase has).
    fn tail_matches(&self, e: &Entry, after_head: &[u8]) -> bool {
        let words = &self.tails[usize::from(e.tail)..][..(usize::from(e.len) - 8).div_ceil(8)];
        let mut rest = after_head;
        for want in words {
            let got = swar::load(rest);
            let got = if swar::spaced_away(got) != 0 {
                swar::spaced(got)
            } else {
                got
            };
            if !want.matches(got) {
                return false;
            }
            rest = rest.get(8..).unwrap_or_default();
        }
        true
    }

    /// Reports the phrases that start at `start`, where a word starts; `head` holds the
    /// eight bytes from there (with `-`, `_` and `` ` `` replaced, zero-padded past the end
    /// of the text) and `key` the key of the word there.
    #[inline(always)]
    fn match_at(
        &self,
        text: &str,
        start: usize,
        head: u64,
        key: u32,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        for e in self.candidates(key) {
            // Text shorter than the phrase reads as zero bytes, which no phrase has.
            if e.head.matches(head) {
                self.confirm(text, start, e, f);
            }
        }
    }

    /// Reports `e`, whose first eight bytes match at `start`, if the rest of it matches and
    /// it ends on a word boundary. Kept out of the loop over the candidates, which then
    /// holds what it needs in registers.
    #[inline(never)]
    fn confirm(
        &self,
        text: &str,
        start: usize,
        e: &Entry,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        let len = usize::from(e.len);
        if len > 8 && !self.tail_matches(e, text.as_bytes().get(start + 8..).unwrap_or_default()) {
            return;
        }
        let end = start + len;
        if !(e.check_end && super::signals::letter_after(text, end)) {
            f(usize::from(e.id), start, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(index: &WordIndex, text: &str) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        index.scan(text, text.is_ascii(), |id, s, _| v.push((id, s)));
        v
    }

    #[test]
    fn words_stems_and_phrases_on_boundaries() {
        let index = WordIndex::new(vec![
            ("pric".into(), false),
            ("no".into(), true),
            ("how much".into(), true),
            ("i'm learning".into(), true),
            ("system:".into(), false),
        ]);
        assert_eq!(
            found(&index, "pricing? no, how much"),
            vec![(0, 0), (1, 9), (2, 13)]
        );
        assert_eq!(found(&index, "reprice nothing now"), vec![]);
        assert_eq!(
            found(&index, "i'm learning. system: x"),
            vec![(3, 0), (4, 14)]
        );
        // A letter outside ASCII continues a word; other characters end it.
        assert_eq!(found(&index, "łno ¿no"), vec![(1, 7)]);
        assert_eq!(found(&index, "how muchness"), vec![]);
        // Phrases past eight and sixteen bytes are compared to their ends, not past the text.
        let index = WordIndex::new(vec![
            ("master services agreement".into(), true),
            ("request for proposal".into(), false),
        ]);
        assert_eq!(
            found(&index, "Master-Services_AGREEMENT. A request for proposals"),
            vec![(0, 0), (1, 29)]
        );
        for text in [
            "master services agreemen",
            "master services agreements",
            "master services agreemenT2",
            "request for proposa",
        ] {
            assert_eq!(found(&index, text), vec![], "{text}");
        }
    }

    #[test]
    fn ascii_blocks_find_every_word_start() {
        let index = WordIndex::new(vec![("ab".into(), true), ("z9".into(), true)]);
        // Word starts on every offset within and across 16-byte chunks and 64-byte blocks,
        // letters in either case, with and without the bytes that read as spaces.
        for pad in 0..140 {
            for text in ["ab AB,ab@z9 `ab{ab", "ab AB,ab@Z9 'ab{aB"] {
                let text = format!("{}{text}", " ".repeat(pad));
                let starts: Vec<usize> =
                    found(&index, &text).iter().map(|&(_, s)| s - pad).collect();
                assert_eq!(starts, vec![0, 3, 6, 9, 13, 16], "padding {pad}: {text}");
            }
        }
        // Phrases with spaces and apostrophes match hyphens, underscores and backticks in
        // any case; other bytes of the same letter case do not stand in for them.
        let index = WordIndex::new(vec![("roll out".into(), true), ("don't".into(), true)]);
        for pad in 0..140 {
            for text in ["Roll-Out DON`T", "ROLL_OUT don't", "roll out Don't"] {
                let padded = format!("{}{text}", ".".repeat(pad));
                assert_eq!(
                    found(&index, &padded),
                    vec![(0, pad), (1, pad + 9)],
                    "padding {pad}: {text}"
                );
            }
        }
        for text in ["roll\0out don\x07t", "roll@out donGt", "roll\tout don't."] {
            assert_eq!(
                found(&index, text).len(),
                usize::from(text.ends_with('.')),
                "{text}"
            );
        }
        // A word that runs into the next block starts nothing there.
        let index = WordIndex::new(vec![("ab".into(), true)]);
        for pad in 56..72 {
            let text = format!("{}xxab ab", " ".repeat(pad));
            assert_eq!(found(&index, &text), vec![(0, pad + 5)], "{pad}");
        }
        // A word's key runs on into the next block.
        let index = WordIndex::new(vec![("pricing".into(), true), ("pri".into(), true)]);
        for pad in 56..72 {
            let text = format!("{}Pricing pri", " ".repeat(pad));
            assert_eq!(found(&index, &text), vec![(0, pad), (1, pad + 8)], "{pad}");
        }
        // The key is the word's first four bytes, whatever follows it.
        let key = |s: &str| key_of(s.as_bytes()).to_le_bytes();
        assert_eq!(key("pricing"), *b"pric");
        assert_eq!(key("no, thanks"), [b'n', b'o', 0, 0]);
        assert_eq!(key("q3"), [b'q', b'3', 0, 0]);
        assert_eq!(key("abc\u{e9}t\u{e9}"), [b'a', b'b', b'c', 0]);
        assert_eq!(key("x"), [b'x', 0, 0, 0]);
    }

    #[test]
    fn what_the_index_cannot_file() {
        assert!(indexable("pric", true));
        assert!(indexable("no", false));
        assert!(!indexable("api", true));
        assert!(!indexable("% off", false));
        assert!(!indexable("coût", false));
        // Bytes from 0x40 up other than lowercase letters could not be told from the other
        // case of a letter.
        assert!(!indexable("see [1]", false));
        assert!(indexable("soc 2 (type ii)", false));
    }
}
