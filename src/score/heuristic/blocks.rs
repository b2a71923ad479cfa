//! ASCII text classified sixteen bytes at a time with SIMD compares (SSE2 on x86-64,
//! through the `wide` crate, which picks the target's SIMD or plain code): one bit per byte
//! for the letters and digits of a block of up to 64 bytes, which is what the word index
//! needs to find the words of a text and the length of their first bytes.

use wide::u8x16;

/// Bytes of text classified at once: one bit each in a `u64`.
pub(crate) const BLOCK: usize = 64;

/// What [`classify`] finds in a block.
#[derive(Clone, Copy, Default)]
pub(crate) struct Classes {
    /// Bit `i` is set where byte `i` is an ASCII letter or digit.
    pub(crate) alnum: u64,
    /// Whether any byte is `-`, `_` or `` ` `` (which normalisation replaces).
    pub(crate) spaced: bool,
}

/// Up to the first sixteen bytes of `bytes`, zero-padded, without a call to `memcpy`.
fn load16(bytes: &[u8]) -> u8x16 {
    if let Some(first) = bytes.first_chunk::<16>() {
        return u8x16::new(*first);
    }
    let lo = super::swar::load(bytes).to_le_bytes();
    let hi = super::swar::load(bytes.get(8..).unwrap_or_default()).to_le_bytes();
    let mut all = [0; 16];
    all[..8].copy_from_slice(&lo);
    all[8..].copy_from_slice(&hi);
    u8x16::new(all)
}

/// The classes of the first [`BLOCK`] bytes of `bytes` (fewer at the end of a text; the
/// missing ones are no letters). Bytes outside ASCII are no letters or digits either.
pub(crate) fn classify(bytes: &[u8]) -> Classes {
    let mut classes = Classes::default();
    if let Some(block) = bytes.first_chunk::<BLOCK>() {
        // A whole block, in four chunks the compiler unrolls.
        let (chunks, _) = block.as_chunks::<16>();
        for (k, chunk) in chunks.iter().enumerate() {
            classes.add(k, u8x16::new(*chunk));
        }
    } else {
        for (k, chunk) in bytes.chunks(16).enumerate() {
            classes.add(k, load16(chunk));
        }
    }
    classes
}

impl Classes {
    /// Adds the classes of chunk `k` of the block, `v`.
    #[inline(always)]
    fn add(&mut self, k: usize, v: u8x16) {
        // Setting bit 5 maps "A".."Z" onto "a".."z" and no other byte into that range; the
        // wrapping subtraction sends every byte below the range to the top.
        let lower = v | u8x16::splat(0x20);
        let letter = (lower - u8x16::splat(b'a')).simd_lt(u8x16::splat(26));
        let digit = (v - u8x16::splat(b'0')).simd_lt(u8x16::splat(10));
        self.alnum |= u64::from((letter | digit).to_bitmask()) << (16 * k);
        let spaced = v.simd_eq(u8x16::splat(b'-'))
            | v.simd_eq(u8x16::splat(b'_'))
            | v.simd_eq(u8x16::splat(b'`'));
        self.spaced |= spaced.any();
    }
}

/// Whether `bytes` holds `b`: sixteen bytes at a time, with no early exit (the texts of a
/// lead are short, and most do not hold it).
pub(crate) fn contains(bytes: &[u8], b: u8) -> bool {
    let (chunks, rest) = bytes.as_chunks::<16>();
    let needle = u8x16::splat(b);
    let found = chunks.iter().fold(u8x16::splat(0), |found, c| {
        found | u8x16::new(*c).simd_eq(needle)
    });
    // The zeros that pad the rest are not looked at.
    let in_rest = load16(rest).simd_eq(needle).to_bitmask() & ((1 << rest.len()) - 1);
    found.any() || in_rest != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_agree_with_the_scalar_tests_on_every_byte_and_length() {
        // Every byte value at every position of a block, and every length of a last block.
        for b in 0..=255u8 {
            for pos in 0..BLOCK {
                let mut text = [b'.'; BLOCK];
                text[pos] = b;
                for len in [pos + 1, BLOCK] {
                    let c = classify(&text[..len]);
                    let want = text[..len].iter().enumerate().fold(0u64, |m, (i, x)| {
                        m | (u64::from(x.is_ascii_alphanumeric()) << i)
                    });
                    assert_eq!(c.alnum, want, "byte {b} at {pos}, {len} bytes");
                    assert_eq!(
                        c.spaced,
                        matches!(b, b'-' | b'_' | b'`'),
                        "byte {b} at {pos}"
                    );
                }
            }
        }
        // Bytes past the block are not read.
        let mut text = vec![b' '; BLOCK];
        text.extend_from_slice(b"abc-");
        let c = classify(&text);
        assert_eq!((c.alnum, c.spaced), (0, false));
        assert_eq!(classify(b"").alnum, 0);
    }

    #[test]
    fn contains_finds_a_byte_anywhere_and_nothing_past_the_end() {
        for len in 0..50 {
            let text = vec![b'a'; len];
            assert!(!contains(&text, b'%'), "{len}");
            assert!(!contains(&text, 0), "zero padding, {len}");
            for pos in 0..len {
                let mut text = text.clone();
                text[pos] = b'%';
                assert!(contains(&text, b'%'), "{pos} of {len}");
            }
        }
    }
}
