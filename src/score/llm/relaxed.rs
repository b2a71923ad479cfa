//! Lenient JSON reading for LLM answers: find balanced `{…}` objects inside prose (aware of
//! strings, so braces in a justification do not confuse it) and repair the small syntax slips
//! models make (single quotes, bare keys, trailing commas, raw newlines in strings), reporting
//! each repair as a [`Coercion`].

use serde_json::{Map, Value};

use super::coercion::Coercion;

/// A balanced object found in the text: byte offsets of its `{` and one past its `}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text: String,
}

/// The top-level objects of a text, and where an object began that never closed.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) objects: Vec<Candidate>,
    pub(crate) unterminated: Option<usize>,
}

/// How many times the scan restarts after an unterminated `{`; bounds the work on hostile text.
const MAX_RESTARTS: usize = 8;

/// Finds top-level balanced objects. After a `{` that never closes, the scan restarts just
/// past it (a stray brace in prose must not hide the answer that follows).
pub(crate) fn find_objects(text: &str) -> Scan {
    let mut scan = Scan::default();
    let mut from = 0;
    for _ in 0..=MAX_RESTARTS {
        match scan_from(text, from, &mut scan.objects) {
            Some(open) => {
                scan.unterminated.get_or_insert(open);
                from = open + 1;
            }
            None => break,
        }
    }
    scan
}

/// Scans `text[from..]`, pushing closed objects; returns the start of an unclosed one.
fn scan_from(text: &str, from: usize, out: &mut Vec<Candidate>) -> Option<usize> {
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.get(from..)?.char_indices() {
        let i = i + from;
        if depth == 0 {
            if c == '{' {
                depth = 1;
                start = i;
            }
            continue;
        }
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let end = i + 1;
                    out.push(Candidate {
                        start,
                        end,
                        text: text[start..end].to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    (depth > 0).then_some(start)
}

/// Whether anything but whitespace and code-fence markers lies outside the candidate.
pub(crate) fn has_prose_outside(text: &str, cand: &Candidate) -> bool {
    let outside = |s: &str| {
        let mut rest = s.to_string();
        for marker in ["```json", "```JSON", "```"] {
            rest = rest.replace(marker, "");
        }
        !rest.trim().is_empty()
    };
    let before = text.get(..cand.start).unwrap_or("");
    let after = text.get(cand.end..).unwrap_or("");
    outside(before) || outside(after)
}

/// Parses an object's text as JSON, repairing it if strict parsing fails; the repairs made
/// are appended to `repairs`. `None` when even the repaired text is not a JSON object.
pub(crate) fn parse_object(text: &str, repairs: &mut Vec<Coercion>) -> Option<Map<String, Value>> {
    let mut note = |c: Coercion| {
        if !repairs.contains(&c) {
            repairs.push(c);
        }
    };
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
        if has_duplicate_keys(text) {
            note(Coercion::DuplicateKeys);
        }
        return Some(map);
    }
    let (fixed, made) = repair(text);
    match serde_json::from_str::<Value>(&fixed) {
        Ok(Value::Object(map)) => {
            made.into_iter().for_each(&mut note);
            if has_duplicate_keys(&fixed) {
                note(Coercion::DuplicateKeys);
            }
            Some(map)
        }
        _ => None,
    }
}

/// The string `field` of the first object in `text` that has one, read as leniently as
/// answers are (prose around the object, raw newlines, single quotes, trailing commas).
pub fn lenient_string_field(text: &str, field: &str) -> Option<String> {
    find_objects(text).objects.iter().find_map(|c| {
        let object = parse_object(&c.text, &mut Vec::new())?;
        object.get(field)?.as_str().map(str::to_string)
    })
}

/// Why an object's text is not JSON, even after repair (serde_json's message, with the line
/// and column inside the object).
pub(crate) fn json_error(text: &str) -> String {
    let (fixed, _) = repair(text);
    match serde_json::from_str::<Value>(&fixed) {
        Ok(_) => "not an object".to_string(),
        Err(e) => e.to_string(),
    }
}

/// Whether a JSON object's top level repeats a key. serde_json keeps the last value (as
/// JavaScript does); the answer is then ambiguous, so the repeat is recorded.
pub(crate) fn has_duplicate_keys(json: &str) -> bool {
    match serde_json::from_str::<TopLevelKeys>(json) {
        Ok(TopLevelKeys(mut keys)) => {
            let n = keys.len();
            keys.sort_unstable();
            keys.dedup();
            keys.len() != n
        }
        Err(_) => false,
    }
}

/// The keys of a JSON object's top level, in order, repeats included.
struct TopLevelKeys(Vec<String>);

impl<'de> serde::Deserialize<'de> for TopLevelKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = TopLevelKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<TopLevelKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(TopLevelKeys(keys))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// Rewrites relaxed JSON into strict JSON: single-quoted strings become double-quoted, bare
/// keys are quoted, commas before `}`/`]` go, raw control characters in strings are escaped.
fn repair(text: &str) -> (String, Vec<Coercion>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut made = Vec::new();
    let note = |c: Coercion, made: &mut Vec<Coercion>| {
        if !made.contains(&c) {
            made.push(c);
        }
    };
    // The last significant character written outside strings: tells a key from a value.
    let mut last_sig = ' ';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' => {
                if c == '\'' {
                    note(Coercion::SingleQuotes, &mut made);
                }
                i = copy_string(&chars, i, &mut out, &mut made);
                last_sig = '"';
                continue;
            }
            ',' => {
                let next = chars[i + 1..].iter().find(|ch| !ch.is_whitespace());
                if matches!(next, Some('}') | Some(']')) {
                    note(Coercion::TrailingComma, &mut made);
                } else {
                    out.push(',');
                    last_sig = ',';
                }
            }
            c if (c.is_ascii_alphabetic() || c == '_') && matches!(last_sig, '{' | ',') => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                let next = chars[j..].iter().find(|ch| !ch.is_whitespace());
                if next == Some(&':') {
                    note(Coercion::UnquotedKeys, &mut made);
                    out.push('"');
                    out.push_str(&word);
                    out.push('"');
                } else {
                    out.push_str(&word);
                }
                last_sig = 'w';
                i = j;
                continue;
            }
            c => {
                out.push(c);
                if !c.is_whitespace() {
                    last_sig = c;
                }
            }
        }
        i += 1;
    }
    (out, made)
}

/// Copies the string starting at `chars[start]` (a `"` or `'`) as a double-quoted JSON string;
/// returns the index just past its closing quote (or the end of input).
fn copy_string(chars: &[char], start: usize, out: &mut String, made: &mut Vec<Coercion>) -> usize {
    let quote = chars[start];
    out.push('"');
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let next = chars[i + 1];
                if quote == '\'' && next == '\'' {
                    out.push('\'');
                } else {
                    out.push('\\');
                    out.push(next);
                }
                i += 2;
                continue;
            }
            c if c == quote => {
                out.push('"');
                return i + 1;
            }
            '"' => out.push_str("\\\""),
            '\n' | '\r' | '\t' => {
                if !made.contains(&Coercion::ControlCharacters) {
                    made.push(Coercion::ControlCharacters);
                }
                out.push_str(match c {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    _ => "\\t",
                });
            }
            c => out.push(c),
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_inside_strings_do_not_split_objects() {
        let text = r#"Sure! {"justification": "uses {braces} and \"quotes\"", "x": 1} done"#;
        let scan = find_objects(text);
        assert_eq!(scan.objects.len(), 1);
        assert!(scan.objects[0].text.ends_with("1}"));
        assert_eq!(scan.unterminated, None);
    }

    #[test]
    fn a_stray_open_brace_does_not_hide_a_later_object() {
        let scan = find_objects(r#"use { carefully. {"a": 1}"#);
        assert_eq!(scan.unterminated, Some(4));
        assert!(scan.objects.iter().any(|c| c.text == r#"{"a": 1}"#));
    }

    #[test]
    fn repairs_single_quotes_bare_keys_and_trailing_commas() {
        let mut made = Vec::new();
        let map = parse_object("{lead_score: 80, 'lead_label': 'high', }", &mut made)
            .expect("repairable");
        assert_eq!(map["lead_score"], 80);
        assert_eq!(map["lead_label"], "high");
        assert!(made.contains(&Coercion::SingleQuotes));
        assert!(made.contains(&Coercion::UnquotedKeys));
        assert!(made.contains(&Coercion::TrailingComma));
    }

    #[test]
    fn repeated_keys_are_noticed() {
        assert!(has_duplicate_keys(r#"{"a": 1, "b": {"a": 2}, "a": 3}"#));
        assert!(!has_duplicate_keys(r#"{"a": 1, "b": {"a": 2}}"#));
        assert!(!has_duplicate_keys("not json"));
        let mut made = Vec::new();
        let map = parse_object(r#"{"s": 12, "s": 100}"#, &mut made).expect("valid JSON");
        assert_eq!(map["s"], 100);
        assert_eq!(made, vec![Coercion::DuplicateKeys]);
    }

    #[test]
    fn raw_newlines_in_strings_are_escaped() {
        let mut made = Vec::new();
        let map = parse_object("{\"justification\": \"line one\nline two\"}", &mut made)
            .expect("repairable");
        assert_eq!(map["justification"], "line one\nline two");
        assert_eq!(made, vec![Coercion::ControlCharacters]);
    }
}
