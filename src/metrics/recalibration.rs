//! Maps from a score to a probability of converting, fitted on leads whose outcome is known:
//! isotonic regression (scikit-learn's `IsotonicRegression(increasing=True,
//! out_of_bounds="clip")`) and Platt's logistic map (`LogisticRegression(penalty=None)` on
//! the one feature), so that a report can say what share of leads at a score convert.
//! Both serialise (a run's `calibration.json` keeps them); an isotonic map is read back only
//! when it is one.

use serde::{Deserialize, Serialize};

/// A fitted isotonic map: increasing steps, linearly interpolated between the distinct
/// scores it was fitted on, clipped outside them. Serialised as its breakpoints, `x`
/// (increasing) and `y` (non-decreasing, in [0, 1]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawIsotonic")]
pub struct Isotonic {
    x: Vec<f64>,
    y: Vec<f64>,
}

/// [`Isotonic`] as written, before it is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIsotonic {
    x: Vec<f64>,
    y: Vec<f64>,
}

impl TryFrom<RawIsotonic> for Isotonic {
    type Error = String;

    fn try_from(raw: RawIsotonic) -> Result<Self, String> {
        let RawIsotonic { x, y } = raw;
        if x.is_empty() || x.len() != y.len() {
            return Err(format!(
                "expected as many `y` as `x`, at least one, found {} and {}",
                x.len(),
                y.len()
            ));
        }
        if !x.iter().all(|v| v.is_finite()) || x.windows(2).any(|w| w[0] >= w[1]) {
            return Err("expected `x` finite and increasing".into());
        }
        if !y.iter().all(|v| (0.0..=1.0).contains(v)) || y.windows(2).any(|w| w[0] > w[1]) {
            return Err("expected `y` in [0, 1] and non-decreasing".into());
        }
        Ok(Isotonic { x, y })
    }
}

impl Isotonic {
    /// Fits on (x, y) pairs, y in [0, 1]; `None` without any pair.
    pub fn fit(x: &[f64], y: &[f64]) -> Option<Isotonic> {
        if x.is_empty() || x.len() != y.len() {
            return None;
        }
        let mut order: Vec<usize> = (0..x.len()).collect();
        order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
        // Equal x are one point, their mean y weighted by their count (as scikit-learn does).
        let mut points: Vec<(f64, f64, f64)> = Vec::new(); // x, Σy, weight
        for i in order {
            match points.last_mut() {
                Some(p) if p.0 == x[i] => {
                    p.1 += y[i];
                    p.2 += 1.0;
                }
                _ => points.push((x[i], y[i], 1.0)),
            }
        }
        // Pool adjacent violators: blocks of (mean, weight, points), merged while a block's
        // mean is below the one before it.
        let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
        for &(_, sum, w) in &points {
            blocks.push((sum / w, w, 1));
            while blocks.len() > 1 && blocks[blocks.len() - 2].0 >= blocks[blocks.len() - 1].0 {
                let (m2, w2, n2) = blocks.pop().expect("two blocks");
                let last = blocks.last_mut().expect("one block");
                let w = last.1 + w2;
                *last = ((last.0 * last.1 + m2 * w2) / w, w, last.2 + n2);
            }
        }
        let y = blocks
            .iter()
            .flat_map(|&(m, _, n)| std::iter::repeat_n(m, n))
            .collect();
        Some(Isotonic {
            x: points.iter().map(|p| p.0).collect(),
            y,
        })
    }

    /// The fitted probability at `x`.
    pub fn predict(&self, x: f64) -> f64 {
        let i = self.x.partition_point(|&v| v < x);
        if i == 0 {
            return self.y[0];
        }
        if i == self.x.len() {
            return self.y[i - 1];
        }
        // At a breakpoint, its fitted value as fitted (interpolating to it could round).
        if self.x[i] == x {
            return self.y[i];
        }
        let (x0, x1, y0, y1) = (self.x[i - 1], self.x[i], self.y[i - 1], self.y[i]);
        if x1 == x0 {
            return y1;
        }
        y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    }

    /// The breakpoints: the distinct x fitted on, increasing.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// The fitted probability at each breakpoint, non-decreasing.
    pub fn y(&self) -> &[f64] {
        &self.y
    }
}

/// A fitted logistic map `p = 1 / (1 + exp(−(a·x + b)))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

impl Platt {
    /// The maximum-likelihood fit, by Newton's method; `None` when both outcomes are not
    /// present or the likelihood has no maximum (the scores separate the outcomes).
    pub fn fit(x: &[f64], y: &[f64]) -> Option<Platt> {
        let positives: f64 = y.iter().sum();
        if x.len() != y.len() || positives <= 0.0 || positives >= y.len() as f64 {
            return None;
        }
        let (mut a, mut b) = (0.0f64, (positives / (y.len() as f64 - positives)).ln());
        for _ in 0..100 {
            // Gradient and Hessian of the log-likelihood.
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (&xi, &yi) in x.iter().zip(y) {
                let p = 1.0 / (1.0 + (-(a * xi + b)).exp());
                let w = p * (1.0 - p);
                ga += (yi - p) * xi;
                gb += yi - p;
                haa += w * xi * xi;
                hab += w * xi;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if !(det.is_finite() && det > 1e-300) {
                return None;
            }
            let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
            a += da;
            b += db;
            if !(a.is_finite() && b.is_finite()) || a.abs() > 1e6 {
                return None;
            }
            if da.abs().max(db.abs()) < 1e-13 * (1.0 + a.abs().max(b.abs())) {
                return Some(Platt { a, b });
            }
        }
        None
    }

    pub fn predict(&self, x: f64) -> f64 {
        1.0 / (1.0 + (-(self.a * x + self.b)).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators_interpolates_and_clips() {
        let x = [1.0, 2.0, 2.0, 3.0, 4.0];
        let y = [0.0, 1.0, 0.0, 0.0, 1.0];
        let m = Isotonic::fit(&x, &y).expect("fits");
        // x = 2 averages to ½, then pools with x = 3 (0): ⅓ for both.
        assert_eq!(m.predict(1.0), 0.0);
        assert!((m.predict(2.0) - 1.0 / 3.0).abs() < 1e-15);
        assert!((m.predict(3.5) - (1.0 / 3.0 + 1.0) / 2.0).abs() < 1e-15);
        assert_eq!(m.predict(-5.0), 0.0);
        assert_eq!(m.predict(9.0), 1.0);
        let text = serde_json::to_string(&m).expect("serialises");
        let y = serde_json::to_string(m.y()).expect("serialises");
        assert_eq!(text, format!("{{\"x\":[1.0,2.0,3.0,4.0],\"y\":{y}}}"));
        let back: Isotonic = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, m);
        for bad in [
            r#"{"x":[],"y":[]}"#,
            r#"{"x":[1.0,2.0],"y":[0.5]}"#,
            r#"{"x":[2.0,1.0],"y":[0.1,0.2]}"#,
            r#"{"x":[1.0,2.0],"y":[0.3,0.2]}"#,
            r#"{"x":[1.0,2.0],"y":[0.3,1.2]}"#,
        ] {
            assert!(serde_json::from_str::<Isotonic>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn platt_finds_the_maximum_or_says_there_is_none() {
        let x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let m = Platt::fit(&x, &y).expect("fits");
        assert!(m.a > 0.0 && m.predict(0.6) > m.predict(0.1));
        // Perfectly separated: no finite maximum.
        assert_eq!(
            Platt::fit(&[0.1, 0.2, 0.8, 0.9], &[0.0, 0.0, 1.0, 1.0]),
            None
        );
        assert_eq!(Platt::fit(&[0.1, 0.2], &[1.0, 1.0]), None);
    }
}
