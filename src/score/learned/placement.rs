//! From class probabilities to a label and a 0–100 score that always agree.
//!
//! * **Label** = argmax of `(p_low, p_medium, p_high)`; ties go to the lower label, the
//!   conservative reading the dataset card asks for when signals are ambiguous.
//! * **Score** = a position inside that label's band ([`Bands::range`]), growing with the
//!   expected ordinal value `E = p_medium + 2·p_high` (0 = surely low, 2 = surely high).
//!   Under argmax, `E` can only take the values `[0, 1]` for low, `(0.5, 1.5]` for medium and
//!   `(1, 2]` for high, so the position is `t = E − offset` with offset 0, 0.5 and 1, which
//!   maps each label's attainable `E` range onto its whole band: a sure low scores 0, a sure
//!   medium the middle of the medium band, a sure high 100.
//!
//! What this guarantees: the label always matches the score's band; within a label the score
//! is non-decreasing in `E`; and a higher label always scores higher. Full monotonicity in `E`
//! across labels is impossible for any argmax labelling: `(0.5, 0, 0.5)` is low with `E = 1`
//! while `(0.2, 0.8, 0)` is medium with `E = 0.8`, so one of the two orders must be broken.
//! The two orders disagree only where the attainable ranges overlap, i.e. when probability is
//! split between non-neighbouring classes or the runner-up is close; we keep the label order.

use crate::lead::Bands;
use crate::lead::Label;

/// The argmax label, lower label on ties.
pub(crate) fn argmax_label(p: &[f64; 3]) -> Label {
    let mut best = 0;
    for k in 1..3 {
        if p[k] > p[best] {
            best = k;
        }
    }
    Label::from_index(best).unwrap_or(Label::Low)
}

/// Expected ordinal value `p_medium + 2·p_high`, in 0..=2.
pub(crate) fn expected_ordinal(p: &[f64; 3]) -> f64 {
    p[1] + 2.0 * p[2]
}

/// The label and a score inside its band; see the module doc for the mapping.
pub(crate) fn label_and_score(p: &[f64; 3], bands: &Bands) -> (Label, u8) {
    let label = argmax_label(p);
    let offset = match label {
        Label::Low => 0.0,
        Label::Medium => 0.5,
        Label::High => 1.0,
    };
    let t = (expected_ordinal(p) - offset).clamp(0.0, 1.0);
    let t = if t.is_nan() { 0.0 } else { t };
    let (lo, hi) = bands.range(label);
    // Equal-width steps over the band's integers; t = 1 lands on the top of the band.
    let width = f64::from(hi - lo) + 1.0;
    let step = ((t * width).floor() as u8).min(hi - lo);
    (label, lo + step)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grid over the probability simplex with step 1/n.
    fn simplex(n: u32) -> Vec<[f64; 3]> {
        let mut out = Vec::new();
        for a in 0..=n {
            for b in 0..=(n - a) {
                let c = n - a - b;
                out.push([
                    f64::from(a) / f64::from(n),
                    f64::from(b) / f64::from(n),
                    f64::from(c) / f64::from(n),
                ]);
            }
        }
        out
    }

    #[test]
    fn label_and_score_are_always_consistent() {
        for bands in [
            Bands::default(),
            Bands {
                high: 90,
                medium: 10,
            },
            Bands { high: 2, medium: 1 },
        ] {
            for p in simplex(60) {
                let (label, score) = label_and_score(&p, &bands);
                assert_eq!(bands.label_for(score), label, "{p:?} under {bands:?}");
                assert!(score <= 100);
            }
        }
    }

    #[test]
    fn score_is_monotone_in_expectation_within_a_label_and_ordered_across() {
        let bands = Bands::default();
        let mut points: Vec<(Label, f64, u8)> = simplex(80)
            .iter()
            .map(|p| {
                let (l, s) = label_and_score(p, &bands);
                (l, expected_ordinal(p), s)
            })
            .collect();
        points.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for w in points.windows(2) {
            let ((la, ea, sa), (lb, eb, sb)) = (w[0], w[1]);
            if la == lb {
                assert!(ea <= eb && sa <= sb, "{w:?}");
            } else {
                assert!(sa < sb, "higher label must score higher: {w:?}");
            }
        }
        // Where the attainable E ranges do not overlap, E order and score order agree.
        let sure_low = label_and_score(&[0.9, 0.1, 0.0], &bands).1;
        let sure_med = label_and_score(&[0.1, 0.8, 0.1], &bands).1;
        let sure_high = label_and_score(&[0.0, 0.1, 0.9], &bands).1;
        assert!(sure_low < sure_med && sure_med < sure_high);
    }

    #[test]
    fn extremes_and_ties() {
        let b = Bands::default();
        assert_eq!(label_and_score(&[1.0, 0.0, 0.0], &b), (Label::Low, 0));
        assert_eq!(label_and_score(&[0.0, 0.0, 1.0], &b), (Label::High, 100));
        assert_eq!(label_and_score(&[0.0, 1.0, 0.0], &b), (Label::Medium, 55));
        // Ties go to the lower label.
        assert_eq!(argmax_label(&[0.5, 0.5, 0.0]), Label::Low);
        assert_eq!(argmax_label(&[0.0, 0.5, 0.5]), Label::Medium);
        assert_eq!(argmax_label(&[1.0 / 3.0; 3]), Label::Low);
        assert_eq!(label_and_score(&[0.5, 0.0, 0.5], &b), (Label::Low, 39));
    }
}
