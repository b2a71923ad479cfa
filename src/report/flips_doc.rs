//! "What changed between scorers": for two prompts of one model, and for each LLM scorer
//! against the best baseline, the leads that flipped, the net change with its interval and
//! McNemar p, a one-line reading, and the most informative flipped leads.

use super::table::{Block, Table, UNDEFINED, p_value, plural, points};
use crate::evaluate::{FlipReport, MAX_LISTED, RunMetrics};
use crate::lead::Label;
use crate::metrics::PairedShares;

/// Appends the section when the run has pairs to show.
pub(super) fn flips_section(m: &RunMetrics, b: &mut Vec<Block>) {
    if m.flips.is_empty() {
        return;
    }
    b.push(Block::Heading(2, "What changed between scorers".into()));
    b.push(Block::Paragraph(format!(
        "Scorer A against scorer B on the leads both were asked about: two prompts of one model, and each LLM scorer against the best-ranked baseline. Gained = A right where B was wrong, lost = the reverse (unparsed counts as wrong); McNemar's exact test reads these two counts, Holm-corrected across the pairs below. At most {MAX_LISTED} flipped leads are listed per pair, those that changed right and wrong on a converter first; metrics.json has every count."
    )));
    for f in &m.flips {
        flip_blocks(f, b);
    }
}

/// One pair: a heading, the counts in words with the reading, the flipped leads listed.
pub(super) fn flip_blocks(f: &FlipReport, b: &mut Vec<Block>) {
    let why = match f.kind {
        "prompt_variants" => "two prompts of one model",
        "token_probabilities" => "the verbalized answers and their token-probability reading",
        "across_runs" => "the same scorer in two runs",
        _ => "against the best baseline",
    };
    b.push(Block::Heading(
        3,
        format!("`{}` against `{}` ({why})", f.a, f.b),
    ));
    b.push(Block::Paragraph(format!(
        "{} Reading: {}",
        summary(f),
        reading(f)
    )));
    if f.leads.is_empty() {
        return;
    }
    let (a, b_id) = (format!("`{}`", f.a), format!("`{}`", f.b));
    let mut t = Table::new(&["lead", "gold", "converted", &b_id, &a, "what changed"]);
    for l in &f.leads {
        t.row(vec![
            format!("`{}`", l.lead_id),
            l.gold.map_or(UNDEFINED.into(), |g| g.as_str().to_string()),
            l.converted.map_or(UNDEFINED.into(), |c| {
                if c { "yes" } else { "no" }.to_string()
            }),
            answer(l.b, l.b_status.map(|s| s.as_str())),
            answer(l.a, l.a_status.map(|s| s.as_str())),
            l.change.clone(),
        ]);
    }
    b.push(Block::Table(t));
    let said: Vec<String> = f
        .leads
        .iter()
        .filter(|l| l.a_text.is_some() || l.b_text.is_some())
        .map(|l| {
            let quote = |t: &Option<String>| t.as_deref().map_or(UNDEFINED.to_string(), excerpt);
            format!(
                "`{}`: `{}` said {}; `{}` said {}",
                l.lead_id,
                f.b,
                quote(&l.b_text),
                f.a,
                quote(&l.a_text)
            )
        })
        .collect();
    if !said.is_empty() {
        b.push(Block::Paragraph("What each said about these leads (the explorer in report.html has every answer whole):".into()));
        b.push(Block::List(said));
    }
}

/// A justification in quotes, on one line, cut at 240 characters; backticks become quotes
/// so that an answer cannot open a code span.
fn excerpt(text: &str) -> String {
    const MAX: usize = 240;
    let one_line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('`', "'");
    let cut: String = one_line.chars().take(MAX).collect();
    if cut.len() < one_line.len() {
        format!("“{cut}…”")
    } else {
        format!("“{cut}”")
    }
}

/// `high (82)`, or the status of an answer that did not parse.
fn answer(parsed: Option<(Label, u8)>, status: Option<&str>) -> String {
    match (parsed, status) {
        (Some((l, s)), _) => format!("{} ({s})", l.as_str()),
        (None, Some(status)) => status.to_string(),
        (None, None) => "not asked".into(),
    }
}

fn test(s: &PairedShares) -> String {
    format!(
        "McNemar p {}, Holm {}",
        p_value(Some(s.mcnemar_p)),
        p_value(s.mcnemar_p_holm)
    )
}

/// The counts in words, with the one-line reading.
fn summary(f: &FlipReport) -> String {
    let (a, b) = (&f.a, &f.b);
    let mut s = format!(
        "On {}: `{a}` is right where `{b}` was wrong on {}, wrong where it was right on {}; strict accuracy {} ({}). Labels moved up on {}, down on {}; {} parse under `{a}` only, {} under `{b}` only.",
        plural(f.n, "lead"),
        f.gained,
        f.lost,
        points(&f.strict_accuracy.difference).unwrap_or_else(|| UNDEFINED.into()),
        test(&f.strict_accuracy),
        f.label_up,
        f.label_down,
        f.now_parsed,
        f.no_longer_parsed,
    );
    if let Some(c) = &f.converters {
        s.push_str(&format!(
            " At capacity, `{a}`'s worked leads hold {} `{b}`'s miss, and miss {} that `{b}`'s hold: {} of the {} ({}).",
            plural(c.only_a, "converter"),
            c.only_b,
            points(&c.difference).unwrap_or_else(|| UNDEFINED.into()),
            plural(c.n, "converter"),
            test(c),
        ));
    }
    s
}

/// The pair in one line: what changed, and whether it is more than chance.
pub(super) fn reading(f: &FlipReport) -> String {
    let (a, b) = (&f.a, &f.b);
    let moved = f.label_up + f.label_down;
    let parse = f.now_parsed + f.no_longer_parsed;
    let changed = f.gained + f.lost;
    if changed == 0 && moved == 0 && parse == 0 {
        "no lead changed.".to_string()
    } else if moved == 0 {
        format!(
            "{} changed, all in parsing; no label moved.",
            plural(parse, "lead")
        )
    } else if f.strict_accuracy.mcnemar_p_holm.is_some_and(|p| p < 0.05) {
        format!(
            "`{a}` {} `{b}` on these leads beyond chance ({} gained, {} lost).",
            if f.gained > f.lost { "beats" } else { "trails" },
            f.gained,
            f.lost
        )
    } else {
        format!(
            "{} flipped between right and wrong ({} gained, {} lost), no more than chance moves on {}.",
            plural(changed, "lead"),
            f.gained,
            f.lost,
            plural(f.n, "lead")
        )
    }
}
