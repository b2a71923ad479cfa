//! Held-out evaluation of a trained model and the generator leakage check: if a model that
//! sees only the message is nearly always right, the generator's text gives the answer away.

use serde::Serialize;

use super::model::LearnedModel;
use super::placement::argmax_label;
use super::split::resolve_splits;
use super::{FeatureSet, LearnedError, LearnedOptions};
use crate::lead::Bands;
use crate::lead::{Label, Lead, Split};

/// Message-only held-out accuracy above this means the message gives the label away.
pub const LEAKAGE_THRESHOLD: f64 = 0.95;

/// Accuracy on the leads the model was not trained on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldOut {
    /// Held-out leads with a gold label.
    pub n_test: usize,
    /// Share of them whose argmax label is the gold label; NaN when `n_test` is 0.
    pub accuracy: f64,
    /// The most frequent training label (ties to the lower label).
    pub majority_label: Label,
    /// Accuracy of always answering `majority_label` on the same leads.
    pub majority_accuracy: f64,
}

/// Evaluates `model` on the leads whose split (see [`super::resolve_splits`], with the
/// model's own seed and test fraction) is test and that have a gold label.
pub fn evaluate_held_out(model: &LearnedModel, leads: &[Lead]) -> HeldOut {
    let opts = model.options();
    let splits = resolve_splits(leads, opts.test_fraction, opts.seed);
    let counts = model.summary().class_counts;
    let mut majority = 0;
    for k in 1..3 {
        if counts[k] > counts[majority] {
            majority = k;
        }
    }
    let majority_label = Label::from_index(majority).unwrap_or(Label::Low);
    let (mut n, mut right, mut majority_right) = (0usize, 0usize, 0usize);
    for (lead, split) in leads.iter().zip(&splits) {
        let Some(gold) = lead.gold else { continue };
        if *split != Split::Test {
            continue;
        }
        n += 1;
        if argmax_label(&model.predict_proba(lead)) == gold.label {
            right += 1;
        }
        if gold.label == majority_label {
            majority_right += 1;
        }
    }
    let share = |k: usize| {
        if n == 0 {
            f64::NAN
        } else {
            k as f64 / n as f64
        }
    };
    HeldOut {
        n_test: n,
        accuracy: share(right),
        majority_label,
        majority_accuracy: share(majority_right),
    }
}

/// Held-out accuracies of the three feature sets on one dataset and split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakageReport {
    pub n_train: usize,
    pub n_test: usize,
    pub majority_accuracy: f64,
    /// Accuracy with all features.
    pub all: f64,
    pub message_only: f64,
    pub firmographic_only: f64,
    /// [`LEAKAGE_THRESHOLD`].
    pub threshold: f64,
    /// `message_only > threshold`: the message alone gives the label away.
    pub message_leaks: bool,
}

/// Trains one model per [`FeatureSet`] (other options from `opts`) on the train split and
/// reports their held-out accuracies.
pub fn leakage_check(
    leads: &[Lead],
    opts: &LearnedOptions,
    bands: Bands,
) -> Result<LeakageReport, LearnedError> {
    let mut acc = [0.0; 3];
    let mut first: Option<(usize, HeldOut)> = None;
    for (i, set) in FeatureSet::ALL.into_iter().enumerate() {
        // Leakage is of the gold label into the inputs.
        let o = LearnedOptions {
            features: set,
            target: super::Target::Gold,
            ..opts.clone()
        };
        let model = LearnedModel::train(leads, &o, bands)?;
        let held = evaluate_held_out(&model, leads);
        acc[i] = held.accuracy;
        if first.is_none() {
            first = Some((model.summary().n_train, held));
        }
    }
    let (n_train, held) = first.ok_or(LearnedError::NoTrainingData {
        n_leads: leads.len(),
        n_labelled: 0,
        n_outcomes: 0,
    })?;
    Ok(LeakageReport {
        n_train,
        n_test: held.n_test,
        majority_accuracy: held.majority_accuracy,
        all: acc[0],
        message_only: acc[1],
        firmographic_only: acc[2],
        threshold: LEAKAGE_THRESHOLD,
        message_leaks: acc[1] > LEAKAGE_THRESHOLD,
    })
}
