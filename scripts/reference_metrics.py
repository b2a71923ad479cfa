#!/usr/bin/env python3
"""Writes tests/fixtures/metrics_reference.json: metric values computed with scikit-learn,
scipy, statsmodels and krippendorff on fixed vectors, which `tests/it/metrics_reference.rs`
checks the Rust metrics against (to 1e-9).

Run once from the repository root:
    python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements-metrics.txt
    .venv/bin/python scripts/reference_metrics.py

Conventions (the same as src/metrics):
- labels are encoded low=0, medium=1, high=2 and always passed as labels=[0, 1, 2];
- a prediction of null is an unparsed answer: headline metrics use parsed leads only,
  `accuracy_strict` counts unparsed leads as wrong;
- "high vs rest": positive = gold high, p = score / 100;
- top-k rankings sort by score descending, then by lead index ascending;
  top decile k = ceil(n_parsed / 10); NDCG@k uses that same k with the gold label index
  (0/1/2) as the gain;
- where a metric is undefined (a zero denominator, one class only, no leads) the expected
  value is null, never NaN.
"""

import json
import math
import warnings
from importlib.metadata import version

import krippendorff
import numpy as np
import scipy
import scipy.stats
import sklearn
import sklearn.metrics as skm
from sklearn.calibration import calibration_curve
import statsmodels.stats.inter_rater as sir
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

warnings.simplefilter("ignore")
L = [0, 1, 2]
ECE_BINS = 10
PRECISION_K = 5


def clean(x):
    """A float, or None for NaN/inf/None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def guarded(f):
    """f(), or None when the reference raises (e.g. one class only)."""
    try:
        return clean(f())
    except (ValueError, ZeroDivisionError):
        return None


def top_order(scores):
    idx = np.arange(len(scores))
    return np.lexsort((idx, -np.asarray(scores)))


def calibration(y, p):
    edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
    b = np.searchsorted(edges[1:-1], p)
    counts = np.bincount(b, minlength=ECE_BINS)
    sum_p = np.bincount(b, weights=p, minlength=ECE_BINS)
    sum_y = np.bincount(b, weights=y, minlength=ECE_BINS)
    bins = []
    ece = 0.0
    for i in range(ECE_BINS):
        if counts[i] == 0:
            bins.append({"count": 0, "mean_predicted": None, "observed": None})
            continue
        conf, acc = sum_p[i] / counts[i], sum_y[i] / counts[i]
        ece += counts[i] / len(p) * abs(acc - conf)
        bins.append({"count": int(counts[i]), "mean_predicted": conf, "observed": acc})
    # cross-check the bin rule against scikit-learn's reliability curve
    prob_true, prob_pred = calibration_curve(y, p, n_bins=ECE_BINS, strategy="uniform") \
        if len(set(y)) == 2 else (None, None)
    if prob_true is not None:
        filled = [x for x in bins if x["count"] > 0]
        assert np.allclose([x["observed"] for x in filled], prob_true, atol=1e-12)
        assert np.allclose([x["mean_predicted"] for x in filled], prob_pred, atol=1e-12)
    return ece, bins


def scorer_case(name, gold, pred, score, gold_score=None, probs=None):
    n = len(gold)
    gold_score = gold_score if gold_score is not None else [None] * n
    parsed = [i for i in range(n) if pred[i] is not None]
    g = np.array([gold[i] for i in parsed], dtype=int)
    p = np.array([pred[i] for i in parsed], dtype=int)
    s = np.array([score[i] for i in parsed], dtype=float)
    e = {"n": n, "n_parsed": len(parsed)}
    e["coverage"] = len(parsed) / n if n else None
    e["accuracy_strict"] = sum(1 for i in parsed if pred[i] == gold[i]) / n if n else None
    m = len(parsed)
    if m:
        e["accuracy"] = skm.accuracy_score(g, p)
        pr, rc, f1, sup = skm.precision_recall_fscore_support(g, p, labels=L, zero_division=0)
        e["precision"], e["recall"], e["f1"] = pr.tolist(), rc.tolist(), f1.tolist()
        e["support"] = [int(x) for x in sup]  # scikit-learn may return floats here
        e["macro_f1"] = skm.f1_score(g, p, labels=L, average="macro", zero_division=0)
        e["confusion"] = skm.confusion_matrix(g, p, labels=L).tolist()
    else:
        for k in ["accuracy", "macro_f1"]:
            e[k] = None
        e["precision"] = e["recall"] = e["f1"] = [0.0, 0.0, 0.0]
        e["support"] = [0, 0, 0]
        e["confusion"] = [[0] * 3 for _ in range(3)]
    e["cohen_kappa"] = guarded(lambda: skm.cohen_kappa_score(g, p, labels=L)) if m else None
    e["quadratic_kappa"] = (
        guarded(lambda: skm.cohen_kappa_score(g, p, labels=L, weights="quadratic")) if m else None
    )
    e["krippendorff_alpha"] = guarded(
        lambda: krippendorff.alpha(
            reliability_data=np.array([g, p], dtype=float),
            level_of_measurement="ordinal",
            value_domain=L,
        )
    ) if m else None

    both = [i for i in parsed if gold_score[i] is not None]
    xs = np.array([score[i] for i in both], dtype=float)
    ys = np.array([gold_score[i] for i in both], dtype=float)
    e["spearman"] = guarded(lambda: scipy.stats.spearmanr(xs, ys).statistic) if len(both) > 1 else None
    e["kendall_tau_b"] = (
        guarded(lambda: scipy.stats.kendalltau(xs, ys, variant="b").statistic) if len(both) > 1 else None
    )
    e["mae"] = skm.mean_absolute_error(ys, xs) if both else None

    y = (g == 2).astype(int)
    has_both = m > 0 and 0 < y.sum() < m
    e["roc_auc_high"] = skm.roc_auc_score(y, s) if has_both else None
    e["average_precision_high"] = skm.average_precision_score(y, s) if m and y.sum() > 0 else None
    k = math.ceil(m / 10)
    e["top_decile_k"] = k
    if m > 1 and g.sum() > 0:  # scikit-learn refuses a single document
        e["ndcg"] = skm.ndcg_score([g.astype(float)], [s], k=k)
    else:
        e["ndcg"] = None
    prob = s / 100.0
    if m:
        ece, bins = calibration(y.astype(float), prob)
        e["ece"], e["reliability"] = ece, bins
        e["brier_high"] = skm.brier_score_loss(y, prob) if has_both else float(np.mean((prob - y) ** 2))
    else:
        e["ece"], e["brier_high"] = None, None
        e["reliability"] = [{"count": 0, "mean_predicted": None, "observed": None}] * ECE_BINS
    order = top_order(s)
    if m and y.sum() > 0:
        base = y.mean()
        e["lift_top_decile"] = y[order[:k]].mean() / base
    else:
        e["lift_top_decile"] = None
    e["precision_k"] = PRECISION_K
    e["precision_at_k"] = y[order[: min(PRECISION_K, m)]].mean() if m else None
    # gains table: decile d holds sorted positions [ceil(d m / 10), ceil((d + 1) m / 10))
    gains = []
    for d in range(10):
        lo, hi = math.ceil(d * m / 10), math.ceil((d + 1) * m / 10)
        part = order[lo:hi]
        gains.append({"count": int(len(part)), "high": int(y[part].sum())})
    e["gains"] = gains

    if probs is not None:
        with_p = [i for i in range(n) if probs[i] is not None]
        gp = np.array([gold[i] for i in with_p], dtype=int)
        P = np.array([probs[i] for i in with_p], dtype=float)
        if with_p:
            e["brier_3class"] = skm.brier_score_loss(gp, P, labels=L)
            e["log_loss"] = skm.log_loss(gp, P, labels=L)
        else:
            e["brier_3class"] = e["log_loss"] = None
    else:
        e["brier_3class"] = e["log_loss"] = None
    inputs = {"gold": gold, "pred": pred, "score": score, "gold_score": gold_score, "probs": probs}
    return {"name": name, "input": inputs, "expected": e}


def pair_case(name, gold, a, b):
    n = len(gold)
    both = [i for i in range(n) if a[i] is not None and b[i] is not None]
    aa = np.array([a[i] for i in both], dtype=int)
    bb = np.array([b[i] for i in both], dtype=int)
    e = {"n_both": len(both)}
    e["agreement"] = float(np.mean(aa == bb)) if both else None
    e["kappa"] = guarded(lambda: skm.cohen_kappa_score(aa, bb, labels=L)) if both else None
    ca = [a[i] == gold[i] for i in range(n)]
    cb = [b[i] == gold[i] for i in range(n)]
    table = [[0, 0], [0, 0]]
    for x, z in zip(ca, cb):
        table[0 if x else 1][0 if z else 1] += 1
    e["mcnemar_table"] = table
    e["mcnemar_p"] = float(mcnemar(np.array(table), exact=True).pvalue)
    e["accuracy_difference"] = (sum(ca) - sum(cb)) / n if n else None
    return {"name": name, "input": {"gold": gold, "a": a, "b": b}, "expected": e}


def stability_case(name, by_repeat):
    n = len(by_repeat[0])
    complete = [i for i in range(n) if all(r[i] is not None for r in by_repeat)]
    e = {"n_complete": len(complete)}
    if complete:
        data = np.array([[r[i] for r in by_repeat] for i in complete], dtype=int)
        table, _ = sir.aggregate_raters(data, n_cat=3)
        e["fleiss_kappa"] = guarded(lambda: sir.fleiss_kappa(table, method="fleiss"))
        e["share_identical"] = float(np.mean([len(set(row)) == 1 for row in data]))
    else:
        e["fleiss_kappa"] = e["share_identical"] = None
    return {"name": name, "input": {"labels_by_repeat": by_repeat}, "expected": e}


def random_scorer(rng, n, skill, fail):
    gold = rng.choice(3, size=n, p=[0.35, 0.4, 0.25])
    lo, hi = np.array([0, 40, 70]), np.array([39, 69, 100])
    gold_score = [int(rng.integers(lo[c], hi[c] + 1)) for c in gold]
    score = np.clip(np.array(gold_score) + rng.normal(0, skill, n), 0, 100)
    score = (np.round(score / 5) * 5).astype(int)  # round values: many ties
    pred = np.where(score >= 70, 2, np.where(score >= 40, 1, 0))
    flip = rng.random(n) < 0.1
    pred[flip] = rng.choice(3, size=flip.sum())
    failed = rng.random(n) < fail
    probs = rng.dirichlet([1, 1, 1], size=n)
    probs[np.arange(n), gold] += 0.5 * skill / 20
    probs /= probs.sum(axis=1, keepdims=True)
    return (
        gold.tolist(),
        [None if failed[i] else int(pred[i]) for i in range(n)],
        [None if failed[i] else int(score[i]) for i in range(n)],
        [None if rng.random() < 0.05 else x for x in gold_score],
        [None if failed[i] else probs[i].tolist() for i in range(n)],
    )


def bootstrap_reference(rng):
    """Percentile CIs from scipy.stats.bootstrap, for a loose Monte-Carlo check."""
    n = 300
    gold, pred, score, _, _ = random_scorer(rng, n, 15.0, 0.0)
    g, p, s = np.array(gold), np.array(pred), np.array(score, dtype=float)
    R = 4000
    acc = scipy.stats.bootstrap((g == p,), np.mean, n_resamples=R, method="percentile",
                                confidence_level=0.95, random_state=1)
    auc = scipy.stats.bootstrap(
        (g == 2, s), lambda y, x: skm.roc_auc_score(y, x), paired=True, vectorized=False,
        n_resamples=R, method="percentile", confidence_level=0.95, random_state=2)
    kap = scipy.stats.bootstrap(
        (g, p), lambda a, b: skm.cohen_kappa_score(a, b, labels=L), paired=True,
        vectorized=False, n_resamples=R, method="percentile", confidence_level=0.95,
        random_state=3)
    ci = lambda r: [float(r.confidence_interval.low), float(r.confidence_interval.high)]
    return {
        "input": {"gold": gold, "pred": pred, "score": score},
        "resamples": R,
        "confidence": 0.95,
        "accuracy": ci(acc),
        "roc_auc_high": ci(auc),
        "cohen_kappa": ci(kap),
    }


def capacity_reference(s, y, deal, k):
    """Work the top k by value; a group of tied values at the cut is worked in proportion
    (the convention of src/metrics/outcome.rs; there is no library function for it)."""
    order = sorted(set(s), reverse=True)
    left, worked, conv, rev = float(k), 0.0, 0.0, 0.0
    for v in order:
        idx = [i for i in range(len(s)) if s[i] == v]
        share = min(1.0, left / len(idx)) if left > 0 else 0.0
        worked += share * len(idx)
        conv += share * sum(y[i] for i in idx)
        rev += share * sum(deal[i] or 0.0 for i in idx)
        left -= share * len(idx)
    total_conv = sum(y)
    total_rev = sum(d or 0.0 for d in deal)
    return {
        "capacity_precision": conv / worked if worked > 0 else None,
        "capacity_recall": conv / total_conv if total_conv > 0 else None,
        "revenue_share": rev / total_rev if total_rev > 0 else None,
    }


def outcome_case(name, value, y, scale, deal, k):
    s = np.array(value, dtype=float)
    yy = np.array(y, dtype=int)
    p = np.clip(s / scale, 0.0, 1.0)
    two_classes = 0 < yy.sum() < len(yy)
    edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
    b = np.searchsorted(edges[1:-1], p, side="left")
    ece = sum((b == j).sum() / len(p) * abs(yy[b == j].mean() - p[b == j].mean())
              for j in range(ECE_BINS) if (b == j).any())
    expected = {
        "roc_auc": clean(skm.roc_auc_score(yy, s)) if two_classes else None,
        "average_precision": clean(skm.average_precision_score(yy, s)) if yy.sum() > 0 else None,
        "brier": clean(skm.brier_score_loss(yy, p)),
        "ece": clean(ece),
    }
    expected.update(capacity_reference(value, y, deal, k))
    return {"name": name,
            "input": {"value": value, "converted": y, "scale": scale, "deal": deal, "capacity": k},
            "expected": expected}


def recalibration_case(name, x, y, grid):
    """Isotonic (increasing, clip) and Platt (logistic regression, no penalty) fitted on
    (x, y) and evaluated on `grid`."""
    iso = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(x, y)
    lr = LogisticRegression(penalty=None, solver="newton-cg", tol=1e-14, max_iter=10000)
    lr.fit(np.array(x).reshape(-1, 1), y)
    return {"name": name, "x": x, "y": y, "grid": grid,
            "isotonic": iso.predict(grid).tolist(),
            "platt": lr.predict_proba(np.array(grid).reshape(-1, 1))[:, 1].tolist(),
            "platt_a": float(lr.coef_[0][0]), "platt_b": float(lr.intercept_[0])}


def outcome_references():
    rng = np.random.default_rng(20261202)
    cases = [
        outcome_case("separated", [90, 80, 70, 20, 10], [1, 1, 0, 0, 0], 100,
                     [500.0, 900.0, None, None, None], 2),
        outcome_case("ties_at_the_cut", [90, 50, 50, 50, 10, 10], [1, 1, 0, 1, 0, 0], 100,
                     [100.0, 300.0, None, 600.0, None, None], 3),
        outcome_case("edge_values_in_bins", [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
                     [0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1], 100, [None] * 11, 4),
        outcome_case("no_converters", [30, 60, 90], [0, 0, 0], 100, [None] * 3, 1),
        outcome_case("probabilities", [0.05, 0.31, 0.31, 0.62, 0.9, 0.12], [0, 0, 1, 1, 1, 0],
                     1, [None, None, 10.0, 20.0, 30.0, None], 2),
    ]
    for i in range(2):
        n = 300
        latent = rng.random(n)
        y = (rng.random(n) < 0.05 + 0.4 * latent).astype(int).tolist()
        score = np.clip(np.round(latent * 100 + rng.normal(0, 15, n)), 0, 100).astype(int).tolist()
        deal = [float(np.round(rng.lognormal(8, 0.8))) if c else None for c in y]
        cases.append(outcome_case(f"random_{i}", score, y, 100, deal, 60))
    wilson = []
    for k, n in [(0, 10), (5, 20), (20, 20), (1, 1), (37, 412), (1200, 10000)]:
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        wilson.append({"k": k, "n": n, "low": float(lo), "high": float(hi)})
    grid = [-0.1, 0.0, 0.05, 0.2, 0.33, 0.5, 0.61, 0.8, 0.95, 1.0, 1.2]
    recal = [
        recalibration_case("small", [0.1, 0.2, 0.2, 0.3, 0.4, 0.6, 0.7, 0.9],
                           [0, 1, 0, 0, 1, 0, 1, 1], grid),
    ]
    for i in range(2):
        x = np.round(rng.random(200), 2)
        y = (rng.random(200) < 0.1 + 0.6 * x).astype(int)
        recal.append(recalibration_case(f"random_{i}", x.tolist(), y.tolist(), grid))
    return {"outcome_cases": cases, "wilson_cases": wilson, "recalibration_cases": recal}


def main():
    rng = np.random.default_rng(20261125)
    cases = [
        scorer_case("perfect", [0, 1, 2, 2, 1, 0], [0, 1, 2, 2, 1, 0], [10, 50, 90, 80, 55, 5],
                    [12, 48, 95, 77, 60, 3]),
        scorer_case("inverse", [0, 1, 2, 0, 2], [2, 1, 0, 2, 0], [90, 50, 10, 85, 20],
                    [5, 50, 90, 10, 80]),
        scorer_case("ties_everywhere", [0, 2, 1, 2, 0, 1, 2, 0], [1, 2, 1, 1, 0, 1, 2, 1],
                    [50, 50, 50, 70, 30, 50, 70, 50], [30, 70, 50, 70, 30, 50, 70, 30]),
        scorer_case("edge_values_in_bins", [0, 0, 1, 2, 2, 1, 2, 0, 1, 2],
                    [0, 0, 1, 2, 2, 1, 1, 0, 2, 2], [0, 10, 20, 30, 70, 40, 60, 90, 100, 100],
                    [0, 15, 45, 75, 80, 45, 65, 20, 55, 100]),
        scorer_case("empty_class_medium", [0, 2, 0, 2, 2, 0], [0, 2, 2, 0, 2, 0],
                    [20, 90, 75, 30, 80, 10], [10, 90, 20, 85, 75, 15]),
        scorer_case("single_class_present", [2, 2, 2, 2], [2, 2, 2, 2], [80, 90, 75, 99],
                    [70, 95, 80, 88]),
        scorer_case("single_class_low", [0, 0, 0], [0, 1, 0], [10, 45, 20], [5, 10, 15]),
        scorer_case("constant_scores", [0, 1, 2, 2, 0], [1, 1, 1, 1, 1], [50, 50, 50, 50, 50],
                    [10, 50, 90, 80, 20]),
        scorer_case("some_unparsed", [0, 1, 2, 2, 1, 0, 2], [0, None, 2, None, 1, 1, 2],
                    [15, None, 85, None, 45, 60, 70], [20, 50, 80, 90, None, 30, 75],
                    probs=[[0.7, 0.2, 0.1], None, [0.1, 0.1, 0.8], None, [0.2, 0.6, 0.2],
                           [0.3, 0.5, 0.2], [0.0, 0.0, 1.0]]),
        scorer_case("all_failed", [0, 1, 2], [None, None, None], [None, None, None],
                    [10, 50, 90], probs=[None, None, None]),
        scorer_case("one_lead", [2], [1], [55], [90]),
    ]
    for i, (skill, fail) in enumerate([(10.0, 0.0), (20.0, 0.05), (35.0, 0.2)]):
        gold, pred, score, gs, probs = random_scorer(rng, 200, skill, fail)
        cases.append(scorer_case(f"random_{i}", gold, pred, score, gs, probs))

    pairs = [
        pair_case("identical", [0, 1, 2, 1], [0, 1, 1, 1], [0, 1, 1, 1]),
        pair_case("disagree", [0, 1, 2, 2, 1, 0, 2, 1], [0, 1, 2, 2, 0, 0, 1, 1],
                  [1, 1, 0, 2, 1, 2, 1, 0]),
        pair_case("with_failures", [0, 1, 2, 2, 1], [0, None, 2, 1, 1], [None, 1, 2, 0, None]),
        pair_case("all_failed", [0, 1], [None, None], [None, None]),
    ]
    for i in range(2):
        gold, a, _, _, _ = random_scorer(rng, 200, 12.0, 0.05)
        _, b, _, _, _ = random_scorer(np.random.default_rng(i), 200, 30.0, 0.1)
        pairs.append(pair_case(f"random_{i}", gold, a, b))

    holm_cases = []
    for p in [[0.01, 0.04, 0.03, 0.2], [0.5], [0.001, 0.001, 0.9, 0.02, 0.04], [0.3, 0.6, 0.9]]:
        holm_cases.append({"p": p, "expected": multipletests(p, method="holm")[1].tolist()})

    stab = [
        stability_case("stable", [[0, 1, 2, 1], [0, 1, 2, 1], [0, 1, 2, 1]]),
        stability_case("mixed", [[0, 1, 2, 1, 2, 0], [0, 2, 2, 1, 1, 0], [1, 1, 2, 1, 2, 0]]),
        stability_case("with_failures", [[0, None, 2, 1], [0, 1, 2, 2], [0, 1, None, 2]]),
        stability_case("one_label_only", [[1, 1, 1], [1, 1, 1]]),
    ]
    r = [rng.choice(3, size=150).tolist() for _ in range(4)]
    for rep in r[1:]:
        for i in range(150):
            if rng.random() < 0.7:
                rep[i] = r[0][i]
    stab.append(stability_case("random", r))

    out = {
        "generated_by": "scripts/reference_metrics.py",
        "versions": {
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "statsmodels": version("statsmodels"),
            "krippendorff": version("krippendorff"),
        },
        "ece_bins": ECE_BINS,
        "scorer_cases": cases,
        "pair_cases": pairs,
        "holm_cases": holm_cases,
        "stability_cases": stab,
        "bootstrap_reference": bootstrap_reference(rng),
        **outcome_references(),
    }
    with open("tests/fixtures/metrics_reference.json", "w") as f:
        json.dump(out, f, indent=1, default=lambda o: o.item() if hasattr(o, "item") else o)
        f.write("\n")


if __name__ == "__main__":
    main()
