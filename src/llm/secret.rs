//! A model's API key and the one place that keeps it out of everything `bench` stores or
//! prints: raw responses, answer text (and so justifications), error messages, cache rows,
//! warnings and `run.json` all pass through [`ApiKey::redact`] before they leave the client,
//! and the pipeline passes every prediction and line it prints through a [`KeyRing`] of all
//! the run's keys once more.
//!
//! Servers quote keys back in many ways: inside an error body, echoed into a 200 answer by a
//! hostile or buggy proxy, upper-cased by a logging middleware, JSON-escaped (`\/`, `\u002d`,
//! PHP's `json_encode`), percent-encoded, as HTML character references, in base64, or cut to
//! their first characters. The search therefore
//! - decodes escapes as it compares (see [`decode_one`]), so one pass over the raw body finds
//!   the key in any of those encodings, and a pass over a decoded string finds what decoding
//!   made of it;
//! - takes any run of the key's first [`MIN_PREFIX`] or more characters for the key;
//! - ignores ASCII case (base64, whose case is meaningful, excepted);
//! - runs over whole texts *before* they are cut to an excerpt, so that no prefix of the key
//!   survives a truncation.

use std::borrow::Cow;

use aho_corasick::AhoCorasick;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// What stands in for the key wherever it was found.
pub const REDACTED: &str = "[redacted]";

/// Keys shorter than this are not searched for: such a "key" is no secret, and replacing
/// every occurrence of a two-letter string would mangle the answers.
const MIN_KEY_LEN: usize = 4;

/// The fewest of a key's first characters that count as the key, for a server that quotes it
/// cut short (`sk-redte`). Fewer would redact the `sk-` every OpenAI key starts with.
const MIN_PREFIX: usize = 8;

/// `text` with the credentials of every URL in it (`https://user:pass@host/…`, or a bare
/// `token@`) replaced by `***@`: a base URL may carry them, and error messages quote URLs.
pub fn mask_url_credentials(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority = tail
            .find(|c: char| "/?#)\"'".contains(c) || c.is_whitespace())
            .unwrap_or(tail.len());
        rest = match tail[..authority].rfind('@') {
            Some(at) => {
                out.push_str("***@");
                &tail[at + 1..]
            }
            None => tail,
        };
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// An API key read from the environment.
pub(crate) struct ApiKey {
    value: String,
    search: Option<Search>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl ApiKey {
    pub(crate) fn new(value: String) -> ApiKey {
        let search = (value.len() >= MIN_KEY_LEN).then(|| Search::new(value.as_bytes()));
        ApiKey { value, search }
    }

    /// The key itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.value
    }

    /// `text` with every occurrence of the key replaced by [`REDACTED`]: in any ASCII case,
    /// in any of the encodings [`decode_one`] reads, in base64, and cut to its first
    /// [`MIN_PREFIX`] or more characters. Borrowed when there is none.
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let Some(search) = &self.search else {
            return Cow::Borrowed(text);
        };
        let spans = search.spans(text);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end) in spans {
            out.push_str(&text[last..start]);
            out.push_str(REDACTED);
            last = end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }
}

/// The keys of every model of a run, for the last pass over what the run writes or prints
/// (predictions, warnings, `run.json`): whatever an earlier step missed or decoded later
/// (the answer parser un-escapes justifications) is caught here.
#[derive(Debug, Default)]
pub(crate) struct KeyRing {
    keys: Vec<ApiKey>,
}

impl KeyRing {
    pub(crate) fn new(keys: impl IntoIterator<Item = ApiKey>) -> KeyRing {
        KeyRing {
            keys: keys.into_iter().collect(),
        }
    }

    /// `text` with every key (see [`ApiKey::redact`]) and URL credential taken out.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = mask_url_credentials(text);
        for key in &self.keys {
            if let Cow::Owned(clean) = key.redact(&text) {
                text = Cow::Owned(clean);
            }
        }
        text
    }

    /// Redacts `text` in place; a no-op (no allocation) when it holds no key.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.redact(text) {
            *text = clean;
        }
    }
}

/// How one key is searched for.
struct Search {
    /// The key's bytes, ASCII lower-cased.
    lower: Vec<u8>,
    /// How many of its first bytes make a match: [`MIN_PREFIX`], or all of a shorter key.
    min: usize,
    /// The key's base64 as it reads inside any longer base64 text (three alignments, two
    /// alphabets), and a finder of their first characters; none for keys shorter than
    /// [`MIN_PREFIX`].
    base64: Vec<Vec<u8>>,
    base64_heads: Option<AhoCorasick>,
}

impl Search {
    fn new(key: &[u8]) -> Search {
        let base64 = if key.len() >= MIN_PREFIX {
            base64_forms(key)
        } else {
            Vec::new()
        };
        // The base64 of MIN_PREFIX bytes is 11 characters.
        let head = MIN_PREFIX.div_ceil(3) * 4 - 1;
        let base64_heads = (!base64.is_empty()).then(|| {
            AhoCorasick::new(base64.iter().map(|f| &f[..head.min(f.len())]))
                .expect("a few literal patterns always build")
        });
        Search {
            lower: key.to_ascii_lowercase(),
            min: MIN_PREFIX.min(key.len()),
            base64,
            base64_heads,
        }
    }

    /// The byte ranges of `text` that hold the key, in order, not overlapping, each starting
    /// and ending on a character boundary.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = self.encoded_spans(text);
        self.base64_spans(text, &mut spans);
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    fn encoded_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let first = self.lower[0];
        let mut spans = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.to_ascii_lowercase() != first && !matches!(b, b'\\' | b'%' | b'&') {
                i += 1;
                continue;
            }
            let (mut matched, mut end) = (0, i);
            while matched < self.lower.len() && end < bytes.len() {
                let (c, len) = decode_one(&bytes[end..]);
                if !u8::try_from(c).is_ok_and(|c| c.to_ascii_lowercase() == self.lower[matched]) {
                    break;
                }
                matched += 1;
                end += len;
            }
            if matched >= self.min {
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                spans.push((i, end));
                i = end;
            } else {
                i += 1;
            }
        }
        spans
    }

    fn base64_spans(&self, text: &str, spans: &mut Vec<(usize, usize)>) {
        let Some(heads) = &self.base64_heads else {
            return;
        };
        let bytes = text.as_bytes();
        for m in heads.find_iter(bytes) {
            let form = &self.base64[m.pattern().as_usize()];
            let len = bytes[m.start()..]
                .iter()
                .zip(form)
                .take_while(|(a, b)| a == b)
                .count();
            // Base64 characters are ASCII: both ends are character boundaries.
            spans.push((m.start(), m.start() + len));
        }
    }
}

/// The key's base64 as it appears inside the base64 of any text that contains it: for each
/// of the three positions the key can start at within a 3-byte group, the characters made of
/// the key's bits alone, in the standard and the URL-safe alphabet.
fn base64_forms(key: &[u8]) -> Vec<Vec<u8>> {
    let mut forms = Vec::new();
    for offset in 0..3 {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(key);
        let (start, end) = ((8 * offset).div_ceil(6), 8 * padded.len() / 6);
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let form = engine.encode(&padded).into_bytes()[start..end].to_vec();
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

/// The character the start of `text` stands for, as a code point, and how many bytes of
/// `text` it takes:
/// - a JSON, JavaScript or Python escape (`\u002d`, `\x2d`, `\/`), behind any number of
///   backslashes, as a string escaped twice (JSON inside a JSON string) has them;
/// - a percent-encoded byte (`%2D`);
/// - an HTML character reference (`&#45;`, `&#x2d;`);
/// - else the byte itself.
fn decode_one(text: &[u8]) -> (u32, usize) {
    match text {
        [b'\\', ..] => {
            let run = text.iter().take_while(|&&b| b == b'\\').count();
            match &text[run..] {
                [b'u', rest @ ..] if rest.len() >= 4 && hex(&rest[..4]).is_some() => {
                    (hex(&rest[..4]).unwrap_or_default(), run + 5)
                }
                [b'x', rest @ ..] if rest.len() >= 2 && hex(&rest[..2]).is_some() => {
                    (hex(&rest[..2]).unwrap_or_default(), run + 3)
                }
                [c, ..] if c.is_ascii_punctuation() => (u32::from(*c), run + 1),
                _ => (u32::from(b'\\'), 1),
            }
        }
        [b'%', a, b, ..] if hex(&[*a, *b]).is_some() => (hex(&[*a, *b]).unwrap_or_default(), 3),
        [b'&', b'#', rest @ ..] => html_reference(rest).unwrap_or((u32::from(b'&'), 1)),
        [b, ..] => (u32::from(*b), 1),
        [] => (0, 1),
    }
}

/// `45;` or `x2d;` (what follows `&#`) as a code point and the length of the whole
/// reference, `&#` included.
fn html_reference(rest: &[u8]) -> Option<(u32, usize)> {
    let (radix, digits) = match rest {
        [b'x' | b'X', digits @ ..] => (16, digits),
        digits => (10, digits),
    };
    let n = digits
        .iter()
        .take(8)
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    if n == 0 || digits.get(n) != Some(&b';') {
        return None;
    }
    let value = u32::from_str_radix(std::str::from_utf8(&digits[..n]).ok()?, radix).ok()?;
    Some((value, 2 + (rest.len() - digits.len()) + n + 1))
}

/// Hex digits as a number; `None` unless every byte is one.
fn hex(digits: &[u8]) -> Option<u32> {
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-redteam/SECRET+123";

    fn redacted(text: &str) -> String {
        ApiKey::new(KEY.into()).redact(text).into_owned()
    }

    #[test]
    fn redacts_in_any_case_and_leaves_other_text_alone() {
        let key = ApiKey::new("sk-Secret-123".into());
        assert_eq!(
            key.redact("a sk-Secret-123 b SK-SECRET-123 c sk-secret-123"),
            "a [redacted] b [redacted] c [redacted]"
        );
        assert!(matches!(key.redact("nothing here"), Cow::Borrowed(_)));
        assert!(matches!(key.redact("sk-Secre"), Cow::Owned(_)));
        assert!(matches!(key.redact("sk-Secr and sk-"), Cow::Borrowed(_)));
        assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
    }

    #[test]
    fn escaped_encoded_and_cut_keys_are_found() {
        for echoed in [
            r"sk-redteam\/SECRET+123",
            r"sk\u002dredteam\/SECRET\u002B123",
            r"\u0073\u006b-redteam/SECRET+123",
            r"sk-redteam\\\/SECRET+123",
            r"sk\\u002dredteam/SECRET+123",
            r"sk\x2dredteam/SECRET+123",
            "sk%2Dredteam%2FSECRET%2B123",
            "sk&#45;redteam&#x2F;SECRET&#43;123",
            "SK-REDTEAM/SECRET+123",
            "sk-redte",
            "sk-redteam/SECRE",
        ] {
            assert_eq!(redacted(&format!("<{echoed}>")), "<[redacted]>", "{echoed}");
        }
        // Cut below eight characters it is no longer the key.
        assert_eq!(redacted("sk-redt sk- \\u002d"), "sk-redt sk- \\u002d");
    }

    #[test]
    fn base64_of_the_key_is_found_at_every_alignment_and_cut() {
        for prefix in ["", "a", "ab", "Bearer "] {
            for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
                let encoded = engine.encode(format!("{prefix}{KEY} tail"));
                let out = redacted(&encoded);
                assert!(out.contains(REDACTED), "{prefix:?}: {out}");
                // What is left is the encoding of what surrounds the key, no more.
                let left = out.replace(REDACTED, "").len();
                let around = 4 * (prefix.len() + " tail".len()) / 3 + 4;
                assert!(left <= around, "{prefix:?}: {out}");
            }
        }
        let cut = STANDARD_NO_PAD.encode(KEY);
        assert_eq!(redacted(&cut[..12]), REDACTED);
    }

    #[test]
    fn redacted_json_stays_json_and_multibyte_text_stays_whole() {
        let body = r#"{"echo":"sk-redteam\/SECRET+123","ok":"é…"}"#;
        let out = redacted(body);
        let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(v["echo"], REDACTED);
        assert_eq!(v["ok"], "é…");
        let key = ApiKey::new("clé-secrète-42".into());
        assert_eq!(key.redact("x clé-secr y"), "x [redacted] y");
        assert_eq!(key.redact("é…"), "é…");
    }

    #[test]
    fn a_key_ring_takes_out_every_key_and_url_credentials() {
        let ring = KeyRing::new([
            ApiKey::new("first-key-1234".into()),
            ApiKey::new("second-key-5678".into()),
        ]);
        let mut text = "a first-key-1234 b second-key c http://u:p@h/".to_string();
        ring.redact_in_place(&mut text);
        assert_eq!(text, "a [redacted] b [redacted] c http://***@h/");
    }

    #[test]
    fn url_credentials_are_masked_wherever_a_url_is_quoted() {
        assert_eq!(
            mask_url_credentials("GET https://user:pa55@proxy.example:8443/v1/models failed"),
            "GET https://***@proxy.example:8443/v1/models failed"
        );
        assert_eq!(
            mask_url_credentials("(http://tok@h/v1) and http://a:b@g"),
            "(http://***@h/v1) and http://***@g"
        );
        assert_eq!(
            mask_url_credentials("http://h/v1?next=a@b"),
            "http://h/v1?next=a@b"
        );
        assert_eq!(
            mask_url_credentials("mail me@example.com"),
            "mail me@example.com"
        );
    }

    #[test]
    fn very_short_keys_are_not_searched_for() {
        let key = ApiKey::new("ab".into());
        assert_eq!(key.redact("abc"), "abc");
        assert_eq!(key.expose(), "ab");
    }
}
