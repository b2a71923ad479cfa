//! Eight bytes at a time in one `u64` (little-endian, byte 0 lowest): the word-boundary
//! tests, case bits and byte replacements the phrase index runs on the text of every lead,
//! without `unsafe`.
//!
//! Every helper works on the seven low bits of each byte, where adding at most `0x80` never
//! carries into the next byte, and treats a byte with its high bit set (outside ASCII) as
//! matching nothing.

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// Up to the first eight bytes of `bytes`, zero-padded, as one number.
pub(crate) fn load(bytes: &[u8]) -> u64 {
    if let Some(first) = bytes.first_chunk::<8>() {
        return u64::from_le_bytes(*first);
    }
    // Two overlapping reads instead of a call to `memcpy` for the few bytes left.
    let n = bytes.len();
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let (first, last) = (u32::from_le_bytes(*first), u32::from_le_bytes(*last));
        return u64::from(first) | (u64::from(last) << (8 * (n - 4)));
    }
    bytes
        .iter()
        .rev()
        .fold(0u64, |w, b| (w << 8) | u64::from(*b))
}

/// Whether every byte is ASCII. Without an early exit, so that it vectorises: the standard
/// library's check goes byte by byte on the short texts of a lead, where it cost more than
/// matching the phrases.
pub(crate) fn is_ascii(bytes: &[u8]) -> bool {
    let (chunks, rest) = bytes.as_chunks::<8>();
    let all = chunks
        .iter()
        .fold(0u64, |all, c| all | u64::from_le_bytes(*c));
    all & HIGH == 0 && rest.iter().all(u8::is_ascii)
}

/// The high bit of each byte of `w` that is at least `c` (an ASCII byte), among the
/// bytes below 0x80 (the others come out at random: callers mask them).
fn at_least(w: u64, c: u8) -> u64 {
    (w & !HIGH).wrapping_add(ONES * u64::from(0x80 - c))
}

/// The high bit of each byte of `w` equal to `c`.
pub(crate) fn equal(w: u64, c: u8) -> u64 {
    let x = w ^ (ONES * u64::from(c));
    !(((x & !HIGH).wrapping_add(!HIGH)) | x) & HIGH
}

/// The high bit of each byte of `w` that is an ASCII letter or digit.
pub(crate) fn alnum(w: u64) -> u64 {
    // Setting bit 5 maps "A".."Z" onto "a".."z" and no other byte into that range.
    let letter = at_least(w | (ONES * 0x20), b'a') & !at_least(w | (ONES * 0x20), b'z' + 1);
    let digit = at_least(w, b'0') & !at_least(w, b'9' + 1);
    (letter | digit) & HIGH & !w
}

/// Eight bytes with `-` and `_` as spaces and `` ` `` as an apostrophe, as normalisation
/// writes them; letter case is left as it is.
pub(crate) fn spaced(w: u64) -> u64 {
    // Whole bytes of ones where a byte is replaced.
    let space = ((equal(w, b'-') | equal(w, b'_')) >> 7) * 0xFF;
    let tick = (equal(w, b'`') >> 7) * 0xFF;
    (w & !(space | tick)) | (space & (ONES * u64::from(b' '))) | (tick & (ONES * u64::from(b'\'')))
}

/// The high bit of each byte of `w` that [`spaced`] changes: `-`, `_` or `` ` ``.
pub(crate) fn spaced_away(w: u64) -> u64 {
    // `_` and `` ` `` are neighbours: at least `_` and below `a`.
    let low_line_or_tick = at_least(w, b'_') & !at_least(w, b'a');
    (equal(w, b'-') | low_line_or_tick) & HIGH & !w
}

/// Case bits of up to eight bytes of lowercase phrase text: `0x20` where a byte is a letter.
/// Phrase bytes from `0x40` up are lowercase letters (see `words::indexable`), and they are
/// the ones with bit 6 set.
pub(crate) fn letter_case(phrase: u64) -> u64 {
    (phrase & (ONES * 0x40)) >> 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each byte value in every lane, next to neighbours that could carry into it.
    fn lanes(b: u8) -> [u64; 3] {
        [
            u64::from_le_bytes([b; 8]),
            u64::from_le_bytes([b, 0xFF, b, 0, b, 0x7F, b, 0x80]),
            u64::from_le_bytes([0x80, b, 0x7F, b, 0xFF, b, 0, b]),
        ]
    }

    #[test]
    fn byte_tests_agree_with_the_scalar_ones_on_every_byte() {
        for b in 0..=255u8 {
            for w in lanes(b) {
                let bytes = w.to_le_bytes();
                let high = |pred: &dyn Fn(u8) -> bool| {
                    bytes
                        .iter()
                        .enumerate()
                        .fold(0u64, |m, (i, &x)| m | (u64::from(pred(x)) << (8 * i + 7)))
                };
                assert_eq!(alnum(w), high(&|x| x.is_ascii_alphanumeric()), "byte {b}");
                assert_eq!(equal(w, b'-'), high(&|x| x == b'-'), "byte {b}");
                let replaced = |x: u8| matches!(x, b'-' | b'_' | b'`');
                assert_eq!(spaced_away(w), high(&replaced), "byte {b}");
                if bytes.is_ascii() {
                    let normalised: Vec<u8> = bytes
                        .iter()
                        .map(|&x| match x {
                            b'-' | b'_' => b' ',
                            b'`' => b'\'',
                            other => other,
                        })
                        .collect();
                    assert_eq!(spaced(w).to_le_bytes().to_vec(), normalised, "byte {b}");
                }
                // Case bits: 0x20 on the bytes of lowercase phrase text that are letters.
                if bytes.iter().all(|x| *x < 0x40 || x.is_ascii_lowercase()) {
                    let case = bytes.map(|x| if x.is_ascii_lowercase() { 0x20 } else { 0 });
                    assert_eq!(letter_case(w), u64::from_le_bytes(case), "byte {b}");
                }
            }
        }
    }

    #[test]
    fn ascii_checks_agree_with_the_standard_library() {
        for len in 0..40 {
            let text = vec![b'a'; len];
            assert!(is_ascii(&text));
            for at in 0..len {
                let mut t = text.clone();
                t[at] = 0x80 | (at as u8);
                assert!(!is_ascii(&t), "byte {at} of {len}");
            }
        }
    }

    #[test]
    fn short_loads_are_zero_padded() {
        assert_eq!(load(b"ab"), u64::from_le_bytes(*b"ab\0\0\0\0\0\0"));
        assert_eq!(load(b""), 0);
        assert_eq!(load(b"abcdefghij"), u64::from_le_bytes(*b"abcdefgh"));
        for n in 0..8 {
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(&b"abcdefg"[..n]);
            assert_eq!(
                load(&b"abcdefg"[..n]),
                u64::from_le_bytes(padded),
                "{n} bytes"
            );
        }
    }
}
