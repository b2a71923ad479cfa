//! The trained model: fitting it on the train split, predicting class probabilities,
//! scoring with a justification, and saving/loading it as JSON.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::features::{Extractor, Features};
use super::optim::{self, Design, K, Stop};
use super::placement::label_and_score;
use super::split::resolve_splits;
use super::{LearnedError, LearnedOptions, Target, TrainedOn};
use crate::lead::Bands;
use crate::lead::{Label, Lead, Split};
use crate::score::{Score, Scorer};

/// Version of the model file format; bumped when features or layout change.
pub const MODEL_VERSION: u32 = 1;

/// How training went; stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSummary {
    /// What the model predicts: the gold label, or conversion (files from before it could
    /// train on conversions: gold).
    #[serde(default)]
    pub trained_on: TrainedOn,
    /// Leads trained on (gold label, or outcome, present; train split).
    pub n_train: usize,
    /// Training leads per class (low, medium, high); on conversions, those that did not
    /// convert count as low and those that did as high.
    pub class_counts: [usize; 3],
    /// Distinct feature columns seen in training.
    pub active_features: usize,
    /// L-BFGS iterations run.
    pub iterations: usize,
    /// Final regularised mean cross-entropy.
    pub objective: f64,
    /// Whether a stopping tolerance was met before `max_iter`.
    pub converged: bool,
}

/// A trained multinomial logistic regression over sparse lead features.
#[derive(Clone)]
pub struct LearnedModel {
    options: LearnedOptions,
    bands: Bands,
    summary: TrainSummary,
    intercept: [f64; K],
    /// Weights, compressed: `column[index]` is the row of `rows` holding feature column
    /// `index`'s K weights; row 0 is all zeros and serves every column never seen in
    /// training. A 4-byte index per column keeps the lookup table cache-friendly where a
    /// dense `[f64; 3]` per bucket would be 6 MB.
    column: Vec<u32>,
    rows: Vec<[f64; K]>,
    extractor: Extractor,
}

/// The on-disk form: only non-zero weight rows are stored, as `[column, [w_low, w_med, w_high]]`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    version: u32,
    options: LearnedOptions,
    bands: Bands,
    summary: TrainSummary,
    intercept: [f64; K],
    weights: Vec<(u32, [f64; K])>,
}

impl LearnedModel {
    /// Trains on the leads that have a gold label and whose split is train: the dataset's
    /// `split` column when any lead has one, else the seeded split of
    /// [`super::resolve_splits`] with `opts.test_fraction` and `opts.seed`.
    pub fn train(
        leads: &[Lead],
        opts: &LearnedOptions,
        bands: Bands,
    ) -> Result<LearnedModel, LearnedError> {
        opts.validate()?;
        let extractor = Extractor::new(opts.features, opts.hash_bits);
        let splits = resolve_splits(leads, opts.test_fraction, opts.seed);
        let in_train: Vec<&Lead> = leads
            .iter()
            .zip(&splits)
            .filter(|(_, s)| **s == Split::Train)
            .map(|(l, _)| l)
            .collect();
        let trained_on = match opts.target {
            Target::Gold => TrainedOn::Gold,
            Target::Converted => TrainedOn::Converted,
            Target::Auto if in_train.iter().any(|l| l.gold.is_some()) => TrainedOn::Gold,
            Target::Auto => TrainedOn::Converted,
        };
        // Conversion is learned as two of the three classes: did not convert as low,
        // converted as high (see `p_convert`).
        let train: Vec<(&Lead, Label)> = in_train
            .into_iter()
            .filter_map(|l| match trained_on {
                TrainedOn::Gold => l.gold.map(|g| (l, g.label)),
                TrainedOn::Converted => l
                    .outcome
                    .converted
                    .map(|c| (l, if c { Label::High } else { Label::Low })),
            })
            .collect();
        if train.is_empty() {
            return Err(LearnedError::NoTrainingData {
                n_leads: leads.len(),
                n_labelled: leads.iter().filter(|l| l.gold.is_some()).count(),
                n_outcomes: leads
                    .iter()
                    .filter(|l| l.outcome.converted.is_some())
                    .count(),
            });
        }
        let mut class_counts = [0usize; 3];
        for (_, label) in &train {
            class_counts[label.index()] += 1;
        }
        if class_counts.iter().filter(|&&c| c > 0).count() < 2 {
            return Err(match trained_on {
                TrainedOn::Gold => LearnedError::OneClass {
                    label: train[0].1,
                    n: train.len(),
                },
                TrainedOn::Converted => LearnedError::OneOutcome {
                    converted: train[0].1 == Label::High,
                    n: train.len(),
                },
            });
        }

        // Compress the columns to those seen in training, numbered in first-seen order so
        // the design (and therefore the fit) depends only on the data.
        let dims = extractor.dims();
        let mut compact = vec![u32::MAX; dims];
        let mut global: Vec<u32> = Vec::new();
        let mut design = Design::with_rows(train.len());
        for (lead, label) in &train {
            let f = extractor.extract(lead);
            for e in &f.entries {
                let slot = &mut compact[e.index as usize];
                if *slot == u32::MAX {
                    *slot = global.len() as u32;
                    global.push(e.index);
                }
                design.push(*slot, e.value);
            }
            design.end_row(label.index() as u8);
        }
        design.ncols = global.len();
        // What built the design is not needed by the fit, the peak of training's memory.
        let n_train = train.len();
        drop((train, compact));

        let stop = Stop {
            max_iter: opts.max_iter,
            gradient_tol: opts.gradient_tol,
            relative_tol: opts.relative_tol,
        };
        let fit = optim::fit(&design, opts.l2, &stop);
        let mut column = vec![0u32; dims];
        let mut rows = Vec::with_capacity(global.len() + 1);
        rows.push([0.0; K]);
        for (c, &g) in global.iter().enumerate() {
            let w = &fit.theta[K + c * K..K + c * K + K];
            column[g as usize] = rows.len() as u32;
            rows.push([w[0], w[1], w[2]]);
        }
        Ok(LearnedModel {
            options: opts.clone(),
            bands,
            summary: TrainSummary {
                trained_on,
                n_train,
                class_counts,
                active_features: global.len(),
                iterations: fit.iterations,
                objective: fit.objective,
                converged: fit.converged,
            },
            intercept: [fit.theta[0], fit.theta[1], fit.theta[2]],
            column,
            rows,
            extractor,
        })
    }

    pub fn options(&self) -> &LearnedOptions {
        &self.options
    }

    pub fn bands(&self) -> Bands {
        self.bands
    }

    pub fn summary(&self) -> &TrainSummary {
        &self.summary
    }

    fn logits(&self, f: &Features) -> [f64; K] {
        let mut z = self.intercept;
        for e in &f.entries {
            let w = self.weight(e.index);
            for k in 0..K {
                z[k] += e.value * w[k];
            }
        }
        z
    }

    /// Class probabilities `(low, medium, high)`; they sum to 1.
    pub fn predict_proba(&self, lead: &Lead) -> [f64; 3] {
        let mut z = self.logits(&self.extractor.extract(lead));
        optim::softmax(&mut z);
        z
    }

    /// The argmax label (ties to the lower label), as in [`Scorer::score`].
    pub fn predict_label(&self, lead: &Lead) -> Label {
        super::placement::argmax_label(&self.predict_proba(lead))
    }

    /// `learned: p(high)=0.81; +size=1200, +"pricing", +director`: the probability of the
    /// chosen label and the three features that moved it most. A feature's contribution is
    /// its value times its weight for the label minus its mean weight over labels (softmax
    /// only sees such differences), signed + towards the label, − against it.
    fn justify(&self, f: &Features, label: Label, p: &[f64; 3]) -> String {
        let mut out = String::with_capacity(96);
        out.push_str("learned: p(");
        out.push_str(label.as_str());
        out.push_str(")=");
        push_hundredths(&mut out, p[label.index()]);
        self.push_reasons(f, label, None, &mut out);
        out
    }

    /// Appends `; +a, -b, +c`: the three features that moved `label` most, against `versus`
    /// (a model of conversion: converted against not) or else against the mean over labels.
    fn push_reasons(&self, f: &Features, label: Label, versus: Option<Label>, out: &mut String) {
        let k = label.index();
        // The three largest |contribution|s by a single scan (earlier entry wins ties):
        // scoring runs per lead, and sorting every contribution was its main cost.
        let mut top: [(f64, usize); 3] = [(0.0, usize::MAX); 3];
        for (i, e) in f.entries.iter().enumerate() {
            let w = self.weight(e.index);
            let base = match versus {
                Some(v) => w[v.index()],
                None => (w[0] + w[1] + w[2]) / 3.0,
            };
            let c = e.value * (w[k] - base);
            if c == 0.0 {
                continue;
            }
            if let Some(pos) = top
                .iter()
                .position(|t| t.1 == usize::MAX || c.abs() > t.0.abs())
            {
                top.copy_within(pos..2, pos + 1);
                top[pos] = (c, i);
            }
        }
        for (j, (c, i)) in top.iter().filter(|t| t.1 != usize::MAX).enumerate() {
            out.push_str(if j == 0 { "; " } else { ", " });
            out.push(if *c > 0.0 { '+' } else { '-' });
            f.describe_into(f.entries[*i].origin, out);
        }
    }

    /// Writes the model as JSON, whole or not at all.
    pub fn save(&self, path: &Path) -> Result<(), LearnedError> {
        let json = serde_json::to_vec(self).map_err(|e| LearnedError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        crate::atomic::write_atomic(path, &json).map_err(|source| LearnedError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a model written by [`LearnedModel::save`].
    pub fn load(path: &Path) -> Result<LearnedModel, LearnedError> {
        let bytes = std::fs::read(path).map_err(|source| LearnedError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: ModelFile =
            serde_json::from_slice(&bytes).map_err(|source| LearnedError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        LearnedModel::from_file(file).map_err(|message| LearnedError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    fn to_file(&self) -> ModelFile {
        let weights = self
            .column
            .iter()
            .enumerate()
            .map(|(i, &r)| (i as u32, self.rows[r as usize]))
            .filter(|(_, w)| w.iter().any(|v| *v != 0.0))
            .collect();
        ModelFile {
            version: MODEL_VERSION,
            options: self.options.clone(),
            bands: self.bands,
            summary: self.summary.clone(),
            intercept: self.intercept,
            weights,
        }
    }

    fn from_file(file: ModelFile) -> Result<LearnedModel, String> {
        if file.version != MODEL_VERSION {
            return Err(format!(
                "model format version {} is not supported (this build reads version {MODEL_VERSION}); retrain the model",
                file.version
            ));
        }
        file.options.validate().map_err(|e| e.to_string())?;
        Bands::new(file.bands.high, file.bands.medium).map_err(|e| format!("bands: {e}"))?;
        let extractor = Extractor::new(file.options.features, file.options.hash_bits);
        let dims = extractor.dims();
        if !file.intercept.iter().all(|v| v.is_finite()) {
            return Err("intercept is not finite".to_string());
        }
        let mut column = vec![0u32; dims];
        let mut rows = Vec::with_capacity(file.weights.len() + 1);
        rows.push([0.0; K]);
        for (i, w) in file.weights {
            let slot = column.get_mut(i as usize).ok_or_else(|| {
                format!("weight column {i} is out of range (the model has {dims} columns)")
            })?;
            if *slot != 0 {
                return Err(format!("weight column {i} appears twice"));
            }
            if !w.iter().all(|v| v.is_finite()) {
                return Err(format!("weight column {i} is not finite"));
            }
            *slot = rows.len() as u32;
            rows.push(w);
        }
        Ok(LearnedModel {
            options: file.options,
            bands: file.bands,
            summary: file.summary,
            intercept: file.intercept,
            column,
            rows,
            extractor,
        })
    }

    fn weight(&self, index: u32) -> &[f64; K] {
        &self.rows[self.column[index as usize] as usize]
    }
}

/// p(convert) of a model trained on conversions: the two trained classes' probabilities
/// renormalised (the logistic model of converted against not).
fn p_convert(p: &[f64; 3]) -> f64 {
    let (no, yes) = (p[Label::Low.index()], p[Label::High.index()]);
    if no + yes > 0.0 {
        yes / (no + yes)
    } else {
        0.5
    }
}

/// Appends a probability with two decimals (`0.81`, `1.00`); the same digits as `{:.2}`
/// bar exact-half rounding, without the float formatter's cost on every scored lead.
fn push_hundredths(out: &mut String, p: f64) {
    let h = (p.clamp(0.0, 1.0) * 100.0).round() as u32;
    out.push(if h >= 100 { '1' } else { '0' });
    out.push('.');
    let frac = h % 100;
    out.push(char::from(b'0' + (frac / 10) as u8));
    out.push(char::from(b'0' + (frac % 10) as u8));
}

/// The weights are too many to print; show what identifies the model.
impl std::fmt::Debug for LearnedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LearnedModel")
            .field("options", &self.options)
            .field("bands", &self.bands)
            .field("summary", &self.summary)
            .field("intercept", &self.intercept)
            .field("weight_rows", &(self.rows.len() - 1))
            .finish_non_exhaustive()
    }
}

impl Serialize for LearnedModel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_file().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LearnedModel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let file = ModelFile::deserialize(deserializer)?;
        LearnedModel::from_file(file).map_err(serde::de::Error::custom)
    }
}

impl Scorer for LearnedModel {
    fn id(&self) -> &str {
        "learned"
    }

    fn score(&self, lead: &Lead) -> Score {
        let f = self.extractor.extract(lead);
        let mut p = self.logits(&f);
        optim::softmax(&mut p);
        if self.summary.trained_on == TrainedOn::Converted {
            let p_convert = p_convert(&p);
            let score = (p_convert * 100.0).round().clamp(0.0, 100.0) as u8;
            let mut justification = String::from("learned on conversions: p(convert)=");
            push_hundredths(&mut justification, p_convert);
            self.push_reasons(&f, Label::High, Some(Label::Low), &mut justification);
            return Score {
                lead_score: score,
                lead_label: self.bands.label_for(score),
                justification,
                // Not probabilities of low / medium / high.
                probabilities: None,
            };
        }
        let (label, score) = label_and_score(&p, &self.bands);
        Score {
            lead_score: score,
            lead_label: label,
            justification: self.justify(&f, label, &p),
            probabilities: Some(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_print_like_the_float_formatter() {
        for p in [0.0, 0.004, 0.05, 0.333, 0.81, 0.999, 1.0, 0.4449] {
            let mut s = String::new();
            push_hundredths(&mut s, p);
            assert_eq!(s, format!("{p:.2}"), "{p}");
        }
    }
}
