//! "Injection twins": what a prompt-injection payload does to each scorer, when the
//! evaluated leads hold twins (`bench generate --twins injection=SHARE`). Rules in
//! docs/reports.md; the computation is `evaluate/twins.rs`.

use super::table::{Block, Table, est, pct};
use crate::evaluate::RunMetrics;

/// The section, when the run has twins.
pub(super) fn twins_section(m: &RunMetrics, b: &mut Vec<Block>) {
    if m.twins.is_empty() {
        return;
    }
    b.push(Block::Heading(
        2,
        "Injection twins: what the payload does".into(),
    ));
    b.push(Block::Paragraph(
        "Each twin is an evaluated lead with a prompt-injection payload added to its message \
         (every other field, the gold label included, is the lead's). Per scorer, on the pairs \
         it parsed both answers of: the mean change of the score, twin − original, with its \
         95 % paired interval, and how often the label changed (and moved up). A scorer the \
         payload does not steer stays near 0 with no label change."
            .into(),
    ));
    let mut t = Table::new(&[
        "scorer",
        "pairs",
        "mean score change [95 % CI]",
        "label changed",
        "moved up",
        "share changed",
    ]);
    for s in &m.twins {
        t.row(vec![
            format!("`{}`", s.id),
            s.n.to_string(),
            est(&s.uplift, 1),
            s.label_changed.to_string(),
            s.label_up.to_string(),
            pct(s.change_rate),
        ]);
    }
    b.push(Block::Table(t));
}
