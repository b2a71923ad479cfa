//! Which leads changed between two scorers of one run: two prompts of one model, or an LLM
//! against the best baseline. For scorer A against scorer B (the reference), on the leads
//! both were asked about: leads A gets right that B got wrong (gained) and the reverse
//! (lost), labels moved up or down, answers that parse under one and not the other, and, with
//! outcomes, converters inside A's capacity cut and not B's and the reverse. The net change in
//! strict accuracy and in converters found carries a paired bootstrap interval and the exact
//! McNemar p (the discordant leads are the gained and lost ones), and the most informative
//! flipped leads are listed (at most [`MAX_LISTED`] per pair).
//!
//! The same rules apply to the same scorer id in two runs (`bench compare`).

use serde::Serialize;

use std::collections::HashMap;

use super::join::{Joined, JoinedScorer};
use super::outcomes::{captured_at, scorer_k};
use super::power::best_baseline;
use super::table::Answer;
use super::{PairKind, RankEntry, pairs_to_test};
use crate::lead::Label;
use crate::metrics::{MetricsError, MetricsOptions, PairedShares, holm, paired_shares};
use crate::prediction::{ScorerId, Status};

/// Flipped leads listed per pair.
pub const MAX_LISTED: usize = 12;

/// What changed from scorer `b` to scorer `a`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlipReport {
    pub a: String,
    pub b: String,
    /// Why the pair is shown: `prompt_variants`, `token_probabilities` or `vs_best_baseline`.
    pub kind: &'static str,
    /// Leads both were asked about.
    pub n: u64,
    /// Leads A labels right and B wrong (unparsed counts as wrong).
    pub gained: u64,
    /// Leads B labels right and A wrong.
    pub lost: u64,
    /// Both parsed, A's label above B's / below.
    pub label_up: u64,
    pub label_down: u64,
    /// A parsed and B did not / the reverse.
    pub now_parsed: u64,
    pub no_longer_parsed: u64,
    /// Leads whose status differs.
    pub status_changed: u64,
    /// Strict correctness of A against B: `difference` = strict accuracy A − B; McNemar on
    /// the gained and lost leads, Holm-corrected across the pairs shown.
    pub strict_accuracy: PairedShares,
    /// Converters inside each one's capacity cut, on the converters both were asked about
    /// (`only_a`: gained, `only_b`: lost); `None` without converters.
    pub converters: Option<PairedShares>,
    /// The most informative flipped leads, most informative first.
    pub leads: Vec<FlippedLead>,
    /// Every lead that changed, by id (the explorer's filter reaches them all; not in
    /// metrics.json, which keeps the counts and the list above).
    #[serde(skip)]
    pub changed: Vec<String>,
}

/// One lead that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlippedLead {
    pub lead_id: String,
    pub gold: Option<Label>,
    pub converted: Option<bool>,
    /// (label, score) of A and B where parsed.
    pub a: Option<(Label, u8)>,
    pub b: Option<(Label, u8)>,
    pub a_status: Option<Status>,
    pub b_status: Option<Status>,
    /// What changed, in words (`wrong → right`, `converter lost at capacity`, …).
    pub change: String,
    /// A's and B's justification (or error), filled from the answers' text when the report
    /// is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_text: Option<String>,
}

/// The pairs shown: A, B (indices into the scorers) and why.
pub(crate) type FlipPair = (usize, usize, &'static str);

/// One side of a flip: a scorer of a run, with the run's joins and capacity.
pub(crate) struct Side<'j, 'a> {
    /// The leads evaluated against gold.
    pub joined: &'j Joined<'a>,
    /// The leads evaluated against outcomes (same scorers, same order).
    pub outcome_join: &'j Joined<'a>,
    /// Index into both joins' scorers.
    pub scorer: usize,
    /// Leads worked at capacity on all outcome leads.
    pub k: u64,
    /// How the side is named (the scorer id, or `run:scorer` across runs).
    pub name: String,
}

/// The flips of every pair in `pairs` of one run, Holm-corrected together.
pub(crate) fn flips(
    joined: &Joined<'_>,
    outcome_join: &Joined<'_>,
    k: u64,
    pairs: &[FlipPair],
    opts: &MetricsOptions,
) -> Result<Vec<FlipReport>, MetricsError> {
    let side = |scorer: usize| Side {
        joined,
        outcome_join,
        scorer,
        k,
        name: joined.scorers[scorer].id.to_string(),
    };
    let mut out = Vec::with_capacity(pairs.len());
    for &(a, b, kind) in pairs {
        out.push(flip(&side(a), &side(b), kind, opts)?);
    }
    correct_together(&mut out);
    Ok(out)
}

/// Holm's correction across the flips shown together (strict accuracy and converters each).
pub(crate) fn correct_together(out: &mut [FlipReport]) {
    let raw: Vec<f64> = out.iter().map(|f| f.strict_accuracy.mcnemar_p).collect();
    for (f, p) in out.iter_mut().zip(holm(&raw)) {
        f.strict_accuracy.mcnemar_p_holm = Some(p);
    }
    let with_converters: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].converters.is_some())
        .collect();
    let raw: Vec<f64> = with_converters
        .iter()
        .filter_map(|&i| out[i].converters.as_ref().map(|c| c.mcnemar_p))
        .collect();
    for (&i, p) in with_converters.iter().zip(holm(&raw)) {
        if let Some(c) = &mut out[i].converters {
            c.mcnemar_p_holm = Some(p);
        }
    }
}

/// What changed from side `b` to side `a`, on the leads both evaluated with the same gold
/// label and both were asked about.
pub(crate) fn flip(
    a: &Side<'_, '_>,
    b: &Side<'_, '_>,
    kind: &'static str,
    opts: &MetricsOptions,
) -> Result<FlipReport, MetricsError> {
    let (sa, sb) = (&a.joined.scorers[a.scorer], &b.joined.scorers[b.scorer]);
    let in_b: HashMap<&str, usize> = b
        .joined
        .leads
        .iter()
        .enumerate()
        .map(|(j, l)| (l.lead_id.as_str(), j))
        .collect();
    let asked = |s: &JoinedScorer<'_>, i: usize| s.asked.as_ref().is_none_or(|m| m[i]);
    let (pa, pb) = (sa.parsed(), sb.parsed());
    let mut r = Counts::default();
    let (mut right_a, mut right_b) = (Vec::new(), Vec::new());
    // (priority, lead) of every flipped lead; the lowest priorities are listed.
    let mut flipped: Vec<(u8, FlippedLead)> = Vec::new();
    for (i, lead) in a.joined.leads.iter().enumerate() {
        let Some(&j) = in_b.get(lead.lead_id.as_str()) else {
            continue;
        };
        let gold = a.joined.gold[i];
        if b.joined.gold[j] != gold || !asked(sa, i) || !asked(sb, j) {
            continue;
        }
        r.n += 1;
        let (x, y) = (pa[i], pb[j]);
        let (ca, cb) = (
            x.is_some_and(|(l, _)| l == gold),
            y.is_some_and(|(l, _)| l == gold),
        );
        right_a.push(ca);
        right_b.push(cb);
        let (status_a, status_b) = (sa.first[i].map(|a| a.status), sb.first[j].map(|a| a.status));
        r.status_changed += u64::from(status_a != status_b);
        let converter = lead.outcome.converted == Some(true);
        let mut change = Vec::new();
        let mut priority = u8::MAX;
        if ca != cb {
            if ca {
                r.gained += 1;
                change.push("wrong → right");
            } else {
                r.lost += 1;
                change.push("right → wrong");
            }
            priority = if converter { 0 } else { 1 };
        }
        match (x, y) {
            (Some((la, _)), Some((lb, _))) if la != lb => {
                let moved = la.index().abs_diff(lb.index());
                if la > lb {
                    r.label_up += 1;
                    change.push("label up");
                } else {
                    r.label_down += 1;
                    change.push("label down");
                }
                priority = priority.min(if moved == 2 { 3 } else { 5 });
            }
            (Some(_), None) => {
                r.now_parsed += 1;
                change.push("now parsed");
                priority = priority.min(4);
            }
            (None, Some(_)) => {
                r.no_longer_parsed += 1;
                change.push("no longer parsed");
                priority = priority.min(4);
            }
            _ => {}
        }
        if !change.is_empty() {
            flipped.push((
                priority,
                FlippedLead {
                    lead_id: lead.lead_id.clone(),
                    gold: Some(gold),
                    converted: lead.outcome.converted,
                    a: x,
                    b: y,
                    a_status: status_a,
                    b_status: status_b,
                    change: change.join(", "),
                    a_text: None,
                    b_text: None,
                },
            ));
        }
    }
    let converters = converters(a, b, &mut flipped, opts)?;
    flipped.sort_by(|x, y| x.0.cmp(&y.0).then_with(|| x.1.lead_id.cmp(&y.1.lead_id)));
    let mut changed: Vec<String> = flipped.iter().map(|(_, l)| l.lead_id.clone()).collect();
    changed.sort_unstable();
    Ok(FlipReport {
        changed,
        a: a.name.clone(),
        b: b.name.clone(),
        kind,
        n: r.n,
        gained: r.gained,
        lost: r.lost,
        label_up: r.label_up,
        label_down: r.label_down,
        now_parsed: r.now_parsed,
        no_longer_parsed: r.no_longer_parsed,
        status_changed: r.status_changed,
        strict_accuracy: paired_shares(&right_a, &right_b, opts)?,
        converters,
        leads: flipped
            .into_iter()
            .take(MAX_LISTED)
            .map(|(_, l)| l)
            .collect(),
    })
}

/// The counts of [`FlipReport`] as they are made.
#[derive(Default)]
struct Counts {
    n: u64,
    gained: u64,
    lost: u64,
    label_up: u64,
    label_down: u64,
    now_parsed: u64,
    no_longer_parsed: u64,
    status_changed: u64,
}

/// Whether each converter of a side's outcome leads is inside its capacity cut (`None`
/// when the scorer was not asked about it), by lead id.
fn captured_by_lead<'j>(side: &Side<'j, '_>) -> HashMap<&'j str, Option<bool>> {
    let j = side.outcome_join;
    let n = j.leads.len() as u64;
    let converted: Vec<bool> = j
        .leads
        .iter()
        .map(|l| l.outcome.converted == Some(true))
        .collect();
    let s = &j.scorers[side.scorer];
    let asked = s.asked.as_deref();
    let n_asked = asked.map_or(n, |m| m.iter().filter(|x| **x).count() as u64);
    let value: Vec<Option<f64>> = s
        .parsed()
        .iter()
        .map(|p| p.map(|x| f64::from(x.1)))
        .collect();
    let captured = captured_at(&value, &converted, asked, scorer_k(side.k, n, n_asked));
    let ids = (0..converted.len())
        .filter(|&i| converted[i])
        .map(|i| j.leads[i].lead_id.as_str());
    ids.zip(captured).collect()
}

/// A side's repeat-0 answer on its outcome lead at position `at`.
fn answer_at<'a>(side: &Side<'_, 'a>, at: usize) -> Option<&'a Answer> {
    side.outcome_join.scorers[side.scorer].first[at]
}

/// Converters inside A's capacity cut and not B's, and the reverse, on the converters of
/// both (by lead id) both were asked about; adds the converters that flipped to `flipped`
/// (or to the change of a lead already there).
fn converters(
    a: &Side<'_, '_>,
    b: &Side<'_, '_>,
    flipped: &mut Vec<(u8, FlippedLead)>,
    opts: &MetricsOptions,
) -> Result<Option<PairedShares>, MetricsError> {
    let (ca, cb) = (captured_by_lead(a), captured_by_lead(b));
    let (mut xa, mut xb) = (Vec::new(), Vec::new());
    // Looked up by lead id once each, not searched for each converter (at 100,000 leads
    // the searches took seconds).
    let b_at: HashMap<&str, usize> = b
        .outcome_join
        .leads
        .iter()
        .enumerate()
        .map(|(j, l)| (l.lead_id.as_str(), j))
        .collect();
    let mut listed: HashMap<String, usize> = flipped
        .iter()
        .enumerate()
        .map(|(k, (_, f))| (f.lead_id.clone(), k))
        .collect();
    for (ia, l) in a.outcome_join.leads.iter().enumerate() {
        let id = l.lead_id.as_str();
        let (Some(Some(x)), Some(Some(y))) = (ca.get(id), cb.get(id)) else {
            continue;
        };
        xa.push(*x);
        xb.push(*y);
        if x == y {
            continue;
        }
        let what = if *x {
            "converter gained at capacity"
        } else {
            "converter lost at capacity"
        };
        match listed.get(id).map(|&k| &mut flipped[k]) {
            Some((p, f)) => {
                f.change.push_str(", ");
                f.change.push_str(what);
                *p = (*p).min(2);
            }
            None => {
                let wa = answer_at(a, ia);
                let wb = b_at.get(id).and_then(|&ib| answer_at(b, ib));
                listed.insert(id.to_string(), flipped.len());
                flipped.push((
                    2,
                    FlippedLead {
                        lead_id: id.to_string(),
                        gold: l.gold.as_ref().map(|g| g.label),
                        converted: l.outcome.converted,
                        a: wa.and_then(|x| x.parsed),
                        b: wb.and_then(|x| x.parsed),
                        a_status: wa.map(|x| x.status),
                        b_status: wb.map(|x| x.status),
                        change: what.to_string(),
                        a_text: None,
                        b_text: None,
                    },
                ));
            }
        }
    }
    if xa.is_empty() {
        return Ok(None);
    }
    Ok(Some(paired_shares(&xa, &xb, opts)?))
}

/// The pairs whose flipped leads are shown: every two prompts of one model (the later id
/// as A), and every LLM scorer against the best-ranked baseline.
pub(crate) fn flip_pairs(ids: &[&str], ranking: &[RankEntry]) -> Vec<(usize, usize, &'static str)> {
    let mut out: Vec<(usize, usize, &'static str)> = pairs_to_test(ids)
        .into_iter()
        .filter_map(|(i, j, kind)| match kind {
            PairKind::PromptVariants => Some((j, i, "prompt_variants")),
            // From the verbalized answers to their reading.
            PairKind::TokenProbabilities => Some((j, i, "token_probabilities")),
            _ => None,
        })
        .collect();
    if let Some((b, _)) = best_baseline(ids, ranking) {
        for (i, id) in ids.iter().enumerate() {
            if ScorerId::from(*id).is_llm() {
                out.push((i, b, "vs_best_baseline"));
            }
        }
    }
    out
}
