//! A model's API key and the one place that keeps it out of everything `bench` stores or
//! prints: raw responses, answer text (and so justifications), error messages, cache rows,
//! warnings and `run.json` all pass through [`ApiKey::redact`] before they leave the client.
//!
//! Servers quote keys back in several ways: inside an error body, echoed into a 200 answer
//! by a hostile or buggy proxy, upper-cased by a logging middleware. The match is therefore
//! ASCII case-insensitive, and it is applied to whole texts *before* they are cut to an
//! excerpt, so that no prefix of the key survives a truncation.

use std::borrow::Cow;

use aho_corasick::AhoCorasick;

/// What stands in for the key wherever it was found.
pub const REDACTED: &str = "[redacted]";

/// Keys shorter than this are not searched for: such a "key" is no secret, and replacing
/// every occurrence of a two-letter string would mangle the answers.
const MIN_KEY_LEN: usize = 4;

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
    finder: Option<AhoCorasick>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl ApiKey {
    pub(crate) fn new(value: String) -> ApiKey {
        let finder = (value.len() >= MIN_KEY_LEN).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build([value.as_str()])
                .expect("one literal pattern always builds")
        });
        ApiKey { value, finder }
    }

    /// The key itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.value
    }

    /// `text` with every occurrence of the key, in any ASCII case, replaced by
    /// [`REDACTED`]; borrowed when there is none.
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.finder {
            Some(f) if f.is_match(text) => Cow::Owned(f.replace_all(text, &[REDACTED])),
            _ => Cow::Borrowed(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_in_any_case_and_leaves_other_text_alone() {
        let key = ApiKey::new("sk-Secret-123".into());
        assert_eq!(
            key.redact("a sk-Secret-123 b SK-SECRET-123 c sk-secret-123"),
            "a [redacted] b [redacted] c [redacted]"
        );
        assert!(matches!(key.redact("nothing here"), Cow::Borrowed(_)));
        assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
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
