//! The heuristic scorer against hand-written leads labelled by the dataset card
//! (tests/fixtures/handwritten_leads.csv), plus its behavioural guarantees: label/score
//! consistency, weight overrides, justifications, injections, empty fields.

use std::path::Path;

use lead_bench::lead::{Label, Lead, Seniority, Source, read_leads};
use lead_bench::score::heuristic::{HeuristicScorer, HeuristicWeights};
use lead_bench::score::{Bands, Score, Scorer};

/// The hand-labelled leads; `HEURISTIC_FIXTURE=path.csv` checks another hand-labelled file.
fn fixture() -> Vec<Lead> {
    let path = match std::env::var_os("HEURISTIC_FIXTURE") {
        Some(p) => Path::new(&p).to_path_buf(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/handwritten_leads.csv"),
    };
    read_leads(&path).expect("the fixture is a valid lead file")
}

fn scorer() -> HeuristicScorer {
    HeuristicScorer::new(HeuristicWeights::default(), Bands::default())
}

/// Quadratic-weighted Cohen's κ over ordinal codes 0..k (METRICS.md):
/// 1 − Σ w·O / Σ w·E with w = (i−j)², E = outer(row totals, column totals)/n.
fn quadratic_weighted_kappa(gold: &[usize], pred: &[usize], k: usize) -> f64 {
    let n = gold.len() as f64;
    let mut observed = vec![vec![0.0; k]; k];
    for (&g, &p) in gold.iter().zip(pred) {
        observed[g][p] += 1.0;
    }
    let rows: Vec<f64> = observed.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<f64> = (0..k).map(|j| observed.iter().map(|r| r[j]).sum()).collect();
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = ((i as f64) - (j as f64)).powi(2);
            num += w * observed[i][j];
            den += w * rows[i] * cols[j] / n;
        }
    }
    1.0 - num / den
}

#[test]
fn qwk_matches_hand_computed_values() {
    // Perfect agreement is 1; this small case was worked by hand: O = [[1,1],[0,2]],
    // E = [[0.5,1.5],[0.5,1.5]], Σw·O = 1, Σw·E = 2 → κ = 0.5.
    assert!((quadratic_weighted_kappa(&[0, 1, 2], &[0, 1, 2], 3) - 1.0).abs() < 1e-12);
    assert!((quadratic_weighted_kappa(&[0, 0, 1, 1], &[0, 1, 1, 1], 2) - 0.5).abs() < 1e-12);
}

#[test]
fn agrees_with_hand_labelled_leads() {
    let leads = fixture();
    if std::env::var_os("HEURISTIC_FIXTURE").is_none() {
        assert!(leads.len() >= 80, "the fixture must hold at least 80 leads");
    }
    let s = scorer();
    let mut gold = Vec::new();
    let mut pred = Vec::new();
    let mut misses = String::new();
    for lead in &leads {
        let g = lead.gold.expect("every fixture lead has a gold label").label;
        let out = s.score(lead);
        if out.lead_label != g {
            misses.push_str(&format!(
                "{} gold {} got {} {}: {}\n",
                lead.lead_id, g, out.lead_label, out.lead_score, out.justification
            ));
        }
        gold.push(g.index());
        pred.push(out.lead_label.index());
    }
    let n = leads.len() as f64;
    let accuracy = gold.iter().zip(&pred).filter(|(g, p)| g == p).count() as f64 / n;
    let qwk = quadratic_weighted_kappa(&gold, &pred, 3);
    let mut matrix = [[0usize; 3]; 3];
    for (&g, &p) in gold.iter().zip(&pred) {
        matrix[g][p] += 1;
    }
    let table = format!(
        "confusion (rows gold low/medium/high, columns predicted):\n{:?}\n{:?}\n{:?}",
        matrix[0], matrix[1], matrix[2]
    );
    println!("accuracy {accuracy:.3}, quadratic-weighted kappa {qwk:.3}\n{table}\n{misses}");
    assert!(
        accuracy >= 0.75 && qwk >= 0.75,
        "accuracy {accuracy:.3}, QWK {qwk:.3}\n{table}\nmisses:\n{misses}"
    );
}
