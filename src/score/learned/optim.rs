//! Training of the sparse multinomial logistic regression: the L2-regularised softmax
//! cross-entropy over a compressed-row design matrix, minimised by full-batch L-BFGS with a
//! backtracking (Armijo) line search.
//!
//! Full batch and single-threaded on purpose: every sum runs in the same order on every run,
//! so identical data gives a bit-identical model, with no shuffling to seed. The objective is
//! strongly convex in the weights (the intercepts are not penalised), so L-BFGS converges to
//! the same optimum SGD would only approach.

use std::collections::VecDeque;

/// Number of classes: low, medium, high.
pub(crate) const K: usize = 3;
/// L-BFGS history length.
const MEMORY: usize = 8;
/// Armijo sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;
/// Maximum halvings of the step before the line search gives up.
const MAX_HALVINGS: usize = 40;

/// Training rows in compressed-row form over the columns seen in training.
///
/// Nearly every feature is an indicator (a hashed token, a one-hot slot) of value 1, so only
/// the values that are not 1 are stored (the log company size, one per lead): at 60,000
/// training leads a value per entry was 34 MB, the largest allocation of a `bench run`.
/// `1.0 · w` is exactly `w` in floating point, so the fit is bit-identical either way.
pub(crate) struct Design {
    /// `row_start[i]..row_start[i + 1]` indexes `cols` for row `i`.
    row_start: Vec<usize>,
    /// Column of each entry, with [`VALUED`] set when its value is not 1: the value is then
    /// the next one of `vals`.
    cols: Vec<u32>,
    /// The values that are not 1, in entry order.
    vals: Vec<f64>,
    /// Class of each row, 0..K.
    labels: Vec<u8>,
    pub(crate) ncols: usize,
}

/// Marks an entry of [`Design::cols`] whose value is in [`Design::vals`]; columns are
/// below 2^25 (`hash_bits` is at most 24).
const VALUED: u32 = 1 << 31;

impl Design {
    /// A design with `rows` rows expected.
    pub(crate) fn with_rows(rows: usize) -> Design {
        let mut row_start = Vec::with_capacity(rows + 1);
        row_start.push(0);
        Design {
            row_start,
            cols: Vec::new(),
            vals: Vec::new(),
            labels: Vec::with_capacity(rows),
            ncols: 0,
        }
    }

    /// Adds an entry to the row being built.
    pub(crate) fn push(&mut self, col: u32, value: f64) {
        debug_assert!(col < VALUED);
        if value == 1.0 {
            self.cols.push(col);
        } else {
            self.cols.push(col | VALUED);
            self.vals.push(value);
        }
    }

    /// Ends the row being built, of class `label`.
    pub(crate) fn end_row(&mut self, label: u8) {
        self.row_start.push(self.cols.len());
        self.labels.push(label);
    }

    fn rows(&self) -> usize {
        self.labels.len()
    }

    /// The entries of row `i` as (column, value), its values read from `vals` at `*next`
    /// on (which is left after the row's last one).
    fn row<'a>(&'a self, i: usize, next: &'a mut usize) -> impl Iterator<Item = (usize, f64)> + 'a {
        self.cols[self.row_start[i]..self.row_start[i + 1]]
            .iter()
            .map(move |&c| {
                if c & VALUED == 0 {
                    (c as usize, 1.0)
                } else {
                    *next += 1;
                    ((c & !VALUED) as usize, self.vals[*next - 1])
                }
            })
    }
}

/// When to stop.
pub(crate) struct Stop {
    pub(crate) max_iter: usize,
    /// Stop when the largest gradient component is below this.
    pub(crate) gradient_tol: f64,
    /// Stop when an iteration lowers the objective by less than this, relatively.
    pub(crate) relative_tol: f64,
}

/// The optimum found: `theta = [intercept (K), weights (ncols × K, column-major by feature)]`.
pub(crate) struct Fit {
    pub(crate) theta: Vec<f64>,
    pub(crate) iterations: usize,
    pub(crate) objective: f64,
    pub(crate) converged: bool,
}

/// Softmax of `z` in place, stable against overflow.
pub(crate) fn softmax(z: &mut [f64; K]) {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

/// Mean cross-entropy plus `l2 / 2 · ‖W‖²`; writes the gradient into `grad`.
fn objective(d: &Design, theta: &[f64], l2: f64, grad: &mut [f64]) -> f64 {
    grad.fill(0.0);
    let n = d.rows() as f64;
    let mut loss = 0.0;
    // Where the current row's values start in `vals`; each row is walked twice.
    let mut row_vals = 0;
    for i in 0..d.rows() {
        let mut z = [theta[0], theta[1], theta[2]];
        let mut next = row_vals;
        for (c, v) in d.row(i, &mut next) {
            let w = &theta[K + c * K..K + c * K + K];
            for k in 0..K {
                z[k] += v * w[k];
            }
        }
        let y = d.labels[i] as usize;
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|v| (v - m).exp()).sum();
        loss += m + sum.ln() - z[y];
        let mut r = [0.0; K];
        for k in 0..K {
            r[k] = ((z[k] - m).exp() / sum - if k == y { 1.0 } else { 0.0 }) / n;
            grad[k] += r[k];
        }
        let mut next = row_vals;
        for (c, v) in d.row(i, &mut next) {
            let g = &mut grad[K + c * K..K + c * K + K];
            for k in 0..K {
                g[k] += v * r[k];
            }
        }
        row_vals = next;
    }
    let mut penalty = 0.0;
    for (g, w) in grad[K..].iter_mut().zip(&theta[K..]) {
        penalty += w * w;
        *g += l2 * w;
    }
    loss / n + 0.5 * l2 * penalty
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One pair of the L-BFGS history: the step s = θ' − θ and the change of gradient
/// y = ∇' − ∇, rounded to `f32`, with 1 / sᵀy of the rounded pair.
///
/// The pairs only shape the search direction (an estimate of the inverse curvature); the
/// weights, the objective, its gradient and the line search stay in `f64`, and every sum
/// still runs in one fixed order, so the fit stays deterministic. In `f64` the eight pairs
/// were 30 MB at 60,000 training leads, the largest part of a `bench run`'s peak.
struct Pair {
    s: Vec<f32>,
    y: Vec<f32>,
    rho: f64,
}

/// Minimises the objective from zero weights.
pub(crate) fn fit(d: &Design, l2: f64, stop: &Stop) -> Fit {
    let dim = K + d.ncols * K;
    let mut theta = vec![0.0; dim];
    let mut grad = vec![0.0; dim];
    let mut f = objective(d, &theta, l2, &mut grad);
    let mut history: VecDeque<Pair> = VecDeque::with_capacity(MEMORY);
    // Pairs dropped from the history, for their buffers.
    let mut spare: Vec<Pair> = Vec::new();
    let mut next = vec![0.0; dim];
    let mut next_grad = vec![0.0; dim];
    let mut dir = vec![0.0; dim];
    let mut iterations = 0;
    let mut converged = false;

    while iterations < stop.max_iter {
        if grad.iter().all(|g| g.abs() <= stop.gradient_tol) {
            converged = true;
            break;
        }
        iterations += 1;
        direction(&grad, &history, &mut dir);
        let mut slope = dot(&dir, &grad);
        if slope >= 0.0 {
            // Not a descent direction (numerically): fall back to steepest descent.
            spare.extend(history.drain(..));
            direction(&grad, &history, &mut dir);
            slope = dot(&dir, &grad);
        }
        // Without curvature information the first step is scaled to unit length.
        let mut step = if history.is_empty() {
            1.0 / dot(&grad, &grad).sqrt().max(1e-12)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            for ((n, t), p) in next.iter_mut().zip(&theta).zip(&dir) {
                *n = t + step * p;
            }
            let fn_ = objective(d, &next, l2, &mut next_grad);
            if fn_.is_finite() && fn_ <= f + ARMIJO * step * slope {
                accepted = Some(fn_);
                break;
            }
            step *= 0.5;
        }
        let Some(f_new) = accepted else {
            // No decrease is possible at machine precision: we are at the optimum.
            converged = true;
            break;
        };
        let rounded = |a: &f64, b: &f64| f64::from((a - b) as f32);
        let sy: f64 = next
            .iter()
            .zip(&theta)
            .zip(next_grad.iter().zip(&grad))
            .map(|((n, t), (ng, g))| rounded(n, t) * rounded(ng, g))
            .sum();
        if sy > 1e-12 {
            let mut pair = match history.len() {
                MEMORY => history.pop_front().expect("the history is full"),
                _ => spare.pop().unwrap_or_else(|| Pair {
                    s: vec![0.0; dim],
                    y: vec![0.0; dim],
                    rho: 0.0,
                }),
            };
            for ((s, n), t) in pair.s.iter_mut().zip(&next).zip(&theta) {
                *s = (n - t) as f32;
            }
            for ((y, n), g) in pair.y.iter_mut().zip(&next_grad).zip(&grad) {
                *y = (n - g) as f32;
            }
            pair.rho = 1.0 / sy;
            history.push_back(pair);
        }
        let decrease = f - f_new;
        std::mem::swap(&mut theta, &mut next);
        std::mem::swap(&mut grad, &mut next_grad);
        f = f_new;
        if decrease <= stop.relative_tol * f.abs().max(1.0) {
            converged = true;
            break;
        }
    }
    Fit {
        theta,
        iterations,
        objective: f,
        converged,
    }
}

/// Σ aᵢ·bᵢ in `f64`, a pair's `f32` entries widened exactly.
fn dot_pair(a: &[f32], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(*x) * y).sum()
}

/// The L-BFGS two-loop recursion: `dir = −H·grad`.
fn direction(grad: &[f64], history: &VecDeque<Pair>, dir: &mut [f64]) {
    for (d, g) in dir.iter_mut().zip(grad) {
        *d = -g;
    }
    let mut alphas = [0.0; MEMORY];
    for (j, p) in history.iter().enumerate().rev() {
        let a = p.rho * dot_pair(&p.s, dir);
        alphas[j] = a;
        for (d, yv) in dir.iter_mut().zip(&p.y) {
            *d -= a * f64::from(*yv);
        }
    }
    if let Some(p) = history.back() {
        let yy: f64 = p.y.iter().map(|v| f64::from(*v) * f64::from(*v)).sum();
        let gamma = (1.0 / p.rho) / yy.max(1e-300);
        for d in dir.iter_mut() {
            *d *= gamma;
        }
    }
    for (j, p) in history.iter().enumerate() {
        let b = p.rho * dot_pair(&p.y, dir);
        for (d, sv) in dir.iter_mut().zip(&p.s) {
            *d += (alphas[j] - b) * f64::from(*sv);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two separable-ish rows per class on three one-hot columns.
    fn toy() -> Design {
        design(
            &[
                &[(0, 1.0)],
                &[(0, 1.0)],
                &[(1, 1.0)],
                &[(1, 1.0)],
                &[(2, 1.0)],
                &[(2, 1.0)],
            ],
            &[0, 0, 1, 1, 2, 2],
            3,
        )
    }

    fn design(rows: &[&[(u32, f64)]], labels: &[u8], ncols: usize) -> Design {
        let mut d = Design::with_rows(rows.len());
        for (row, &label) in rows.iter().zip(labels) {
            for &(c, v) in *row {
                d.push(c, v);
            }
            d.end_row(label);
        }
        d.ncols = ncols;
        d
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let d = design(
            &[&[(0, 0.5), (1, 1.0)], &[(1, -1.5)], &[(0, 2.0), (2, 1.0)]],
            &[2, 0, 1],
            3,
        );
        assert_eq!((d.cols.len(), d.vals.len()), (5, 3));
        let theta: Vec<f64> = (0..12).map(|i| ((i * 7 % 5) as f64 - 2.0) * 0.3).collect();
        let mut g = vec![0.0; 12];
        objective(&d, &theta, 0.1, &mut g);
        let mut scratch = vec![0.0; 12];
        for j in 0..12 {
            let h = 1e-6;
            let mut tp = theta.clone();
            tp[j] += h;
            let mut tm = theta.clone();
            tm[j] -= h;
            let num = (objective(&d, &tp, 0.1, &mut scratch)
                - objective(&d, &tm, 0.1, &mut scratch))
                / (2.0 * h);
            assert!(
                (num - g[j]).abs() < 1e-7,
                "coordinate {j}: {num} vs {}",
                g[j]
            );
        }
    }

    #[test]
    fn fit_learns_the_toy_problem_and_stops() {
        let stop = Stop {
            max_iter: 500,
            gradient_tol: 1e-8,
            relative_tol: 1e-14,
        };
        let fit = fit(&toy(), 0.01, &stop);
        assert!(fit.converged, "stopped after {} iterations", fit.iterations);
        for c in 0..3 {
            let mut z = [
                fit.theta[0] + fit.theta[K + c * K],
                fit.theta[1] + fit.theta[K + c * K + 1],
                fit.theta[2] + fit.theta[K + c * K + 2],
            ];
            softmax(&mut z);
            assert!(z[c] > 0.8, "column {c}: {z:?}");
        }
        let mut g = vec![0.0; 12];
        objective(&toy(), &fit.theta, 0.01, &mut g);
        assert!(g.iter().all(|v| v.abs() < 1e-6), "{g:?}");
    }

    #[test]
    fn softmax_is_stable_for_large_inputs() {
        let mut z = [1000.0, 1000.0, -1000.0];
        softmax(&mut z);
        assert!((z[0] - 0.5).abs() < 1e-12 && z[2] == 0.0);
    }
}
