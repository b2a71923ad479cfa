//! The outcome sections of the run report: does the score find the leads that convert
//! (against the oracle, the expected ceiling), what working the top of the ranking at the sales
//! capacity captures, conversion by rank decile, and the score recalibrated into a
//! conversion probability.

use super::charts;
use super::table::{Block, Chart, Table, UNDEFINED, est, fixed, pct, share};
use crate::evaluate::{OutcomeReport, RankerOutcomes, Rate};
use crate::metrics::CapacitySetting;

/// Least leads in a group for its conversion rate to be stated in the text.
const MIN_STATED: u64 = 10;

/// A rate with its Wilson interval: `12.0 % [8.1, 17.4] (n 120)`.
fn rate(r: &Rate) -> String {
    match (r.rate, r.ci_low, r.ci_high) {
        (Some(v), Some(lo), Some(hi)) => format!(
            "{} % [{}, {}] (n {})",
            fixed(v * 100.0, 1),
            fixed(lo * 100.0, 1),
            fixed(hi * 100.0, 1),
            r.n
        ),
        _ => UNDEFINED.to_string(),
    }
}

fn rankers(o: &OutcomeReport) -> impl Iterator<Item = &RankerOutcomes> {
    o.oracle.iter().chain(&o.scorers)
}

/// Appends the outcome sections.
pub(crate) fn outcome_sections(o: &OutcomeReport, b: &mut Vec<Block>) {
    b.push(Block::Heading(
        2,
        "Outcomes: does the score find the leads that convert?".into(),
    ));
    if o.converters == 0 || o.converters == o.n {
        b.push(Block::Paragraph(format!(
            "**{}** evaluated leads have a known outcome and {} converted: {}. With one outcome only there is nothing to rank against, so the conversion metrics (AUC, capacity, deciles, calibration) are left out.",
            o.n,
            if o.converters == 0 { "none" } else { "all" },
            rate(&o.conversion_rate)
        )));
        return;
    }
    let mut intro = format!(
        "**{}** evaluated leads have a known outcome; {} converted: {}.",
        o.n,
        o.converters,
        rate(&o.conversion_rate)
    );
    if let Some(oracle) = &o.oracle {
        intro.push_str(&format!(
            " The **oracle** ranks by the generator's latent conversion probability: its AUC {} is what a scorer can expect at best; on one sample a scorer can land above it by chance (then the gap, oracle − scorer, is negative: sampling noise).",
            est(&oracle.metrics.roc_auc, 3)
        ));
    }
    intro.push_str(" A lead a scorer could not score ranks last.");
    b.push(Block::Paragraph(intro));
    let mut t = Table::new(&[
        "ranker",
        "conversion AUC [CI]",
        "average precision [CI]",
        "gap to oracle [CI]",
        "low converts",
        "medium converts",
        "high converts",
        "monotone",
    ]);
    for r in rankers(o) {
        let label = |i: usize| r.by_label.get(i).map_or(UNDEFINED.to_string(), rate);
        t.row(vec![
            format!("`{}`", r.id),
            est(&r.metrics.roc_auc, 3),
            est(&r.metrics.average_precision, 3),
            if r.id == "oracle" {
                UNDEFINED.into()
            } else {
                est(&r.auc_gap_to_oracle, 3)
            },
            label(0),
            label(1),
            label(2),
            r.monotone
                .map_or(UNDEFINED.into(), |m| if m { "yes" } else { "no" }.into()),
        ]);
    }
    b.push(Block::Table(t));
    capacity_section(o, b);
    deciles_section(o, b);
    recalibration_section(o, b);
}

fn capacity_section(o: &OutcomeReport, b: &mut Vec<Block>) {
    let what = match o.capacity {
        CapacitySetting::Share(s) => format!("the top {:.0} %", s * 100.0),
        CapacitySetting::Leads(k) => format!("the top {k} leads"),
    };
    b.push(Block::Heading(
        2,
        format!(
            "Capacity: sales works {what} ({})",
            super::table::plural(o.capacity_leads, "lead")
        ),
    ));
    b.push(Block::Paragraph(
        "Leads are worked from the highest score down; leads tied at the cut-off score are worked in proportion. Precision = share of worked leads that converted; recall = share of all converters worked; lift = precision ÷ overall rate. Random working captures the capacity share of converters (and of revenue) on average.".into(),
    ));
    let mut headers = vec![
        "ranker",
        "cut-off score",
        "precision [CI]",
        "recall of converters [CI]",
        "lift [CI]",
    ];
    let has_expected = rankers(o).any(|r| r.metrics.capacity.expected_converters.value.is_some());
    if has_expected {
        headers.push("expected converters [CI]");
    }
    if o.has_deal_values {
        headers.push("revenue captured [CI]");
    }
    let mut t = Table::new(&headers);
    for r in rankers(o) {
        let c = &r.metrics.capacity;
        let cutoff = match (r.id.as_str(), c.cutoff) {
            ("oracle", Some(p)) => format!("p ≥ {p:.3}"),
            (_, Some(s)) => format!("{s:.0}"),
            _ => UNDEFINED.into(),
        };
        let mut row = vec![
            format!("`{}`", r.id),
            cutoff,
            share(&c.precision),
            share(&c.recall),
            est(&c.lift, 2),
        ];
        if has_expected {
            row.push(est(&c.expected_converters, 1));
        }
        if o.has_deal_values {
            row.push(share(&c.revenue_share));
        }
        t.row(row);
    }
    let random_share = o.capacity_leads as f64 / o.n.max(1) as f64;
    let mut random = vec![
        "random".to_string(),
        UNDEFINED.into(),
        pct(o.conversion_rate.rate),
        pct(Some(random_share)),
        "1.00".into(),
    ];
    if has_expected {
        random.push(UNDEFINED.into());
    }
    if o.has_deal_values {
        random.push(pct(Some(random_share)));
    }
    t.row(random);
    b.push(Block::Table(t));
    let series: Vec<(&str, &[crate::metrics::CapturePoint])> = rankers(o)
        .map(|r| (r.id.as_str(), r.metrics.curve.as_slice()))
        .collect();
    b.push(Block::Charts(vec![Chart {
        caption: "Capture: share of converters among the top share of leads worked (the diagonal is random; the vertical line the capacity)".into(),
        svg: charts::capture_curves(&series, random_share, "capture of converters"),
    }]));
}

fn deciles_section(o: &OutcomeReport, b: &mut Vec<Block>) {
    b.push(Block::Heading(3, "Conversion by rank decile".into()));
    let ids: Vec<String> = rankers(o).map(|r| format!("`{}`", r.id)).collect();
    let mut headers = vec!["leads by score"];
    headers.extend(ids.iter().map(String::as_str));
    let mut t = Table::new(&headers);
    let mut empty = 0;
    for d in 0..10 {
        // Every ranker ranks the same leads, so a tenth is empty for all or for none.
        if rankers(o).all(|r| r.by_decile.get(d).is_none_or(|x| x.n == 0)) {
            empty += 1;
            continue;
        }
        let mut row = vec![format!("top {}–{} %", d * 10, d * 10 + 10)];
        row.extend(rankers(o).map(|r| r.by_decile.get(d).map_or(UNDEFINED.into(), rate)));
        t.row(row);
    }
    if t.rows.is_empty() {
        b.push(Block::Paragraph(
            "Left out: no lead with an outcome to rank.".into(),
        ));
        return;
    }
    if empty > 0 {
        b.push(Block::Paragraph(format!(
            "With {}, {empty} of the ten tenths hold no lead; they are left out.",
            super::table::plural(o.n, "lead")
        )));
    }
    b.push(Block::Table(t));
}

fn recalibration_section(o: &OutcomeReport, b: &mut Vec<Block>) {
    let fitted: Vec<&RankerOutcomes> = o
        .scorers
        .iter()
        .filter(|r| r.recalibration.is_some())
        .collect();
    b.push(Block::Heading(
        2,
        "Recalibration: from score to conversion probability".into(),
    ));
    if fitted.is_empty() {
        b.push(Block::Paragraph(
            "Too few scored leads with both outcomes to fit a map (ten at least, and converters and non-converters in every fold).".into(),
        ));
        return;
    }
    b.push(Block::Paragraph(format!(
        "The score read as p = score / 100 (raw), then mapped by an isotonic and a Platt (logistic) fit. Cross-fitted: the leads are dealt into {} folds, and each fold's leads are mapped by a fit on the others, so no lead is judged by a map fitted on its own outcome. Lower Brier and ECE are better.",
        crate::evaluate::FOLDS
    )));
    let mut t = Table::new(&[
        "scorer",
        "Brier raw",
        "Brier isotonic",
        "Brier Platt",
        "ECE raw",
        "ECE isotonic",
        "ECE Platt",
    ]);
    let mut said = Vec::new();
    let mut charts = Vec::new();
    for r in &fitted {
        let Some(c) = &r.recalibration else { continue };
        t.row(vec![
            format!("`{}`", r.id),
            est(&c.raw.brier, 3),
            est(&c.isotonic.brier, 3),
            est(&c.platt.brier, 3),
            est(&c.raw.ece, 3),
            est(&c.isotonic.ece, 3),
            est(&c.platt.ece, 3),
        ]);
        for band in c.bands.iter().filter(|band| band.rate.n >= MIN_STATED) {
            if let (Some(v), Some(lo), Some(hi)) =
                (band.rate.rate, band.rate.ci_low, band.rate.ci_high)
            {
                said.push(format!(
                    "When `{}` says {}, {} % [{}, {}] of {} leads converted.",
                    r.id,
                    band.rate.group,
                    fixed(v * 100.0, 0),
                    fixed(lo * 100.0, 0),
                    fixed(hi * 100.0, 0),
                    band.rate.n
                ));
            }
        }
        charts.push(Chart {
            caption: format!(
                "`{}`: conversion by score band, with Wilson intervals",
                r.id
            ),
            svg: charts::conversion_reliability(&c.bands, &format!("{} conversion by score", r.id)),
        });
    }
    b.push(Block::Table(t));
    if !said.is_empty() {
        b.push(Block::List(said));
    }
    b.push(Block::Charts(charts));
}
