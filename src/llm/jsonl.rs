//! JSON Lines read as they stream in (a results file from disk, a batch's output file from
//! the provider), with a cap on each line and on the whole stream: memory stays within one
//! line's cap however long a line is, and an endless stream ends at the stream's cap.

use std::io::Read;

/// How much of a line over its cap is kept, to name it (its `custom_id` comes first).
pub(crate) const HEAD_BYTES: usize = 4096;

/// One line of the stream, without its line ending.
#[derive(Debug, PartialEq)]
pub(crate) enum Line<'a> {
    Whole(&'a [u8]),
    /// A line longer than the cap: its first [`HEAD_BYTES`] and its whole length.
    TooLong {
        head: &'a [u8],
        len: u64,
    },
}

/// The stream passed its cap; reading stopped there.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("longer than {cap} bytes, not read further")]
pub(crate) struct StreamTooLarge {
    pub cap: u64,
}

/// Splits a stream fed in chunks into numbered lines.
pub(crate) struct LineSplitter {
    max_line: usize,
    max_total: u64,
    total: u64,
    number: u64,
    line: Vec<u8>,
    /// The length so far of a line that passed `max_line` (only its head is in `line`).
    over: Option<u64>,
}

impl LineSplitter {
    pub(crate) fn new(max_line: usize, max_total: u64) -> LineSplitter {
        LineSplitter {
            max_line,
            max_total,
            total: 0,
            number: 0,
            line: Vec::new(),
            over: None,
        }
    }

    /// Feeds the next `chunk`, calling `each` with the number (from 1) and text of every
    /// line it completes.
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        each: &mut dyn FnMut(u64, Line<'_>),
    ) -> Result<(), StreamTooLarge> {
        self.total += chunk.len() as u64;
        if self.total > self.max_total {
            return Err(StreamTooLarge {
                cap: self.max_total,
            });
        }
        let mut rest = chunk;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            self.take(&rest[..i]);
            self.end_line(each);
            rest = &rest[i + 1..];
        }
        self.take(rest);
        Ok(())
    }

    /// Ends the stream: a last line without a newline is a line too.
    pub(crate) fn finish(mut self, each: &mut dyn FnMut(u64, Line<'_>)) {
        if !self.line.is_empty() || self.over.is_some() {
            self.end_line(each);
        }
    }

    fn take(&mut self, part: &[u8]) {
        if self.over.is_none() && self.line.len() + part.len() <= self.max_line {
            self.line.extend_from_slice(part);
            return;
        }
        let len = self.over.unwrap_or(self.line.len() as u64) + part.len() as u64;
        self.over = Some(len);
        // Past the cap only the head is kept, filled up to HEAD_BYTES.
        self.line.truncate(HEAD_BYTES);
        let room = HEAD_BYTES.saturating_sub(self.line.len()).min(part.len());
        self.line.extend_from_slice(&part[..room]);
    }

    fn end_line(&mut self, each: &mut dyn FnMut(u64, Line<'_>)) {
        self.number += 1;
        match self.over.take() {
            Some(len) => each(
                self.number,
                Line::TooLong {
                    head: &self.line,
                    len,
                },
            ),
            None => {
                let text = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
                each(self.number, Line::Whole(text));
            }
        }
        self.line.clear();
    }
}

/// Reads `input` to its end through a [`LineSplitter`].
pub(crate) fn read_lines(
    mut input: impl Read,
    max_line: usize,
    max_total: u64,
    each: &mut dyn FnMut(u64, Line<'_>),
) -> Result<(), ReadLinesError> {
    let mut splitter = LineSplitter::new(max_line, max_total);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadLinesError::Io(e)),
        };
        splitter.feed(&chunk[..n], each)?;
    }
    splitter.finish(each);
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadLinesError {
    #[error("cannot read: {0}")]
    Io(std::io::Error),
    #[error(transparent)]
    TooLarge(#[from] StreamTooLarge),
}

/// The `custom_id` in the first bytes of a result line that was too long to parse, when
/// they hold it whole.
pub(crate) fn custom_id_in_head(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let after = &text[text.find("\"custom_id\"")? + "\"custom_id\"".len()..];
    let value = after.trim_start().strip_prefix(':')?.trim_start();
    let value = value.strip_prefix('"')?;
    let end = value.find('"')?;
    Some(value[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(chunks: &[&[u8]], max_line: usize) -> Vec<(u64, String)> {
        let mut got = Vec::new();
        let mut each = |n: u64, line: Line<'_>| {
            got.push((
                n,
                match line {
                    Line::Whole(t) => String::from_utf8_lossy(t).into_owned(),
                    Line::TooLong { head, len } => {
                        format!("long {len}: {}", String::from_utf8_lossy(head))
                    }
                },
            ));
        };
        let mut s = LineSplitter::new(max_line, u64::MAX);
        for c in chunks {
            s.feed(c, &mut each).expect("under the cap");
        }
        s.finish(&mut each);
        got
    }

    #[test]
    fn lines_are_whole_across_chunks_and_long_ones_keep_their_head() {
        let got = lines_of(&[b"ab", b"c\r\nde", b"\n\n0123456789", b"xyz\nlast"], 8);
        assert_eq!(
            got,
            [
                (1, "abc".to_string()),
                (2, "de".to_string()),
                (3, String::new()),
                (4, "long 13: 0123456789xyz".to_string()),
                (5, "last".to_string()),
            ]
        );
    }

    #[test]
    fn a_long_line_keeps_only_its_head_in_memory() {
        let big = vec![b'x'; 3 * HEAD_BYTES];
        let mut splitter = LineSplitter::new(10, u64::MAX);
        let mut seen = None;
        let mut each = |_: u64, line: Line<'_>| {
            if let Line::TooLong { head, len } = line {
                seen = Some((head.len(), len));
            }
        };
        for _ in 0..100 {
            splitter.feed(&big, &mut each).expect("under the cap");
            assert!(splitter.line.capacity() <= 2 * HEAD_BYTES + 16);
        }
        splitter.finish(&mut each);
        assert_eq!(seen, Some((HEAD_BYTES, 300 * HEAD_BYTES as u64)));
    }

    #[test]
    fn an_endless_stream_stops_at_its_cap() {
        let zeros = std::io::repeat(0).take(1 << 30);
        let err = read_lines(zeros, 1024, 1 << 20, &mut |_, _| {}).expect_err("too large");
        assert!(matches!(
            err,
            ReadLinesError::TooLarge(StreamTooLarge { cap: 1_048_576 })
        ));
    }

    #[test]
    fn the_custom_id_is_found_in_a_head() {
        assert_eq!(
            custom_id_in_head(br#"{"id": "x", "custom_id" : "abc", "response": {"#),
            Some("abc".into())
        );
        assert_eq!(custom_id_in_head(br#"{"custom_id": "ab"#), None);
        assert_eq!(custom_id_in_head(b"garbage"), None);
    }
}
