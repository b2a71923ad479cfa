//! A word-start index over a phrase list: the overlapping phrase sets (message, company,
//! industry) are matched by looking up each word of the text, instead of walking a large
//! Aho-Corasick DFA byte by byte. The DFA of the message phrases (~1.6 MB) did not fit in
//! the cache; this index is a few kilobytes.
//!
//! It finds exactly what the automaton found on word boundaries. A phrase that starts with a
//! letter or digit can only match where a word starts, and its first word (its leading run
//! of ASCII letters and digits) is then the text's word there — or, for a one-word stem
//! ("pric*"), a prefix of it. So each word start looks up the first four bytes of its word
//! (shorter words padded with zeros) and checks the few phrases filed under them byte for
//! byte. Phrases the index cannot file (non-ASCII, a non-alphanumeric first character, a
//! one-word stem shorter than four bytes) are left to the caller's automaton.

/// Bytes of a word that key the index.
const KEY_LEN: usize = 4;

/// Phrases filed under the first [`KEY_LEN`] bytes of their first word.
pub(crate) struct WordIndex {
    /// Open-addressed table of keys (0 = empty slot) and, per slot, its range in `ids`.
    keys: Vec<u32>,
    ranges: Vec<(u32, u32)>,
    shift: u32,
    /// The phrases, grouped by key.
    entries: Vec<Entry>,
}

/// One filed phrase. Most phrases are compared through their first eight bytes alone, in a
/// register, without a call to `memcmp`.
struct Entry {
    /// The phrase's first eight bytes (zero-padded), and the mask of those it has.
    head: u64,
    mask: u64,
    /// The bytes past the eighth.
    tail: Box<[u8]>,
    len: usize,
    /// Whether the text must not continue a word after the phrase.
    check_end: bool,
    /// Its id: its position in the list given to [`WordIndex::new`].
    id: usize,
}

/// Up to the first eight bytes of `bytes`, zero-padded, as one little-endian number.
fn head_of(bytes: &[u8]) -> u64 {
    let mut head = [0u8; 8];
    let n = bytes.len().min(8);
    head[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(head)
}

/// The key of the word at the start of `bytes`: its first four bytes, zero-padded when the
/// word is shorter. Word bytes are ASCII letters and digits, never zero.
fn key_of(bytes: &[u8]) -> u32 {
    let mut key = [0u8; KEY_LEN];
    for (k, b) in key.iter_mut().zip(bytes) {
        if !b.is_ascii_alphanumeric() {
            break;
        }
        *k = *b;
    }
    u32::from_le_bytes(key)
}

/// Whether a phrase can be filed: ASCII, starting with a letter or digit, and (a one-word
/// stem) at least a key long.
pub(crate) fn indexable(phrase: &str, stem: bool) -> bool {
    let b = phrase.as_bytes();
    let first_word = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    phrase.is_ascii() && first_word > 0 && !(stem && first_word == b.len() && first_word < KEY_LEN)
}

impl WordIndex {
    /// Files `phrases` (each [`indexable`]) as `(bytes, check_end)`, with ids in list order.
    pub(crate) fn new(phrases: Vec<(String, bool)>) -> WordIndex {
        let mut by_key: Vec<(u32, u32)> = phrases
            .iter()
            .enumerate()
            .map(|(id, (p, _))| (key_of(p.as_bytes()), id as u32))
            .collect();
        by_key.sort_unstable();
        let n_keys = by_key.windows(2).filter(|w| w[0].0 != w[1].0).count() + 1;
        let slots = (n_keys * 4).next_power_of_two().max(16);
        let shift = 32 - slots.trailing_zeros();
        let mut index = WordIndex {
            keys: vec![0; slots],
            ranges: vec![(0, 0); slots],
            shift,
            entries: by_key
                .iter()
                .map(|&(_, id)| {
                    let (p, check_end) = &phrases[id as usize];
                    let bytes = p.as_bytes();
                    let n = bytes.len().min(8);
                    Entry {
                        head: head_of(bytes),
                        mask: if n == 8 {
                            u64::MAX
                        } else {
                            (1u64 << (8 * n)) - 1
                        },
                        tail: bytes[n..].into(),
                        len: bytes.len(),
                        check_end: *check_end,
                        id: id as usize,
                    }
                })
                .collect(),
        };
        let mut start = 0;
        while start < by_key.len() {
            let key = by_key[start].0;
            let end = start + by_key[start..].iter().take_while(|e| e.0 == key).count();
            let mut slot = index.slot(key);
            while index.keys[slot] != 0 {
                slot = (slot + 1) & (slots - 1);
            }
            index.keys[slot] = key;
            index.ranges[slot] = (start as u32, end as u32);
            start = end;
        }
        index
    }

    fn slot(&self, key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B1) >> self.shift) as usize
    }

    /// The phrases filed under `key`.
    fn candidates(&self, key: u32) -> &[Entry] {
        let mask = self.keys.len() - 1;
        let mut slot = self.slot(key);
        loop {
            match self.keys[slot] {
                0 => return &[],
                k if k == key => {
                    let (a, b) = self.ranges[slot];
                    return &self.entries[a as usize..b as usize];
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Calls `f(id, start, end)` for every filed phrase found in `text` on word boundaries,
    /// in order of start.
    pub(crate) fn scan(&self, text: &str, mut f: impl FnMut(usize, usize, usize)) {
        let bytes = text.as_bytes();
        let mut i = 0;
        // Whether the character before `i` is a letter or digit.
        let mut in_word = false;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                if !in_word {
                    self.match_at(text, i, &mut f);
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

    fn match_at(&self, text: &str, start: usize, f: &mut impl FnMut(usize, usize, usize)) {
        let rest = &text.as_bytes()[start..];
        let head = head_of(rest);
        for e in self.candidates(key_of(rest)) {
            // Text shorter than the phrase reads as zero bytes, which no phrase has.
            if head & e.mask != e.head
                || e.len > 8 && (rest.len() < e.len || rest[8..e.len] != *e.tail)
            {
                continue;
            }
            let end = start + e.len;
            if !(e.check_end && super::signals::letter_after(text, end)) {
                f(e.id, start, end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(index: &WordIndex, text: &str) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        index.scan(text, |id, s, _| v.push((id, s)));
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
    }

    #[test]
    fn what_the_index_cannot_file() {
        assert!(indexable("pric", true));
        assert!(indexable("no", false));
        assert!(!indexable("api", true));
        assert!(!indexable("% off", false));
        assert!(!indexable("coût", false));
    }
}
