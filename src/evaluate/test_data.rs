//! Predictions the derived scorers' tests are built from.

use crate::lead::Label;
use crate::prediction::{Prediction, Status};

/// Repeat 0 of `scorer` on `lead`: parsed as `answer`, or a parse error without one.
pub(crate) fn answer(
    lead: &str,
    scorer: &str,
    answer: Option<(Label, u8)>,
    cost_usd: Option<f64>,
) -> Prediction {
    let status = if answer.is_some() {
        Status::Ok
    } else {
        Status::ParseError
    };
    let mut p = Prediction::empty("r", lead, scorer, 0, status);
    if let Some((l, s)) = answer {
        (p.lead_label, p.lead_score) = (Some(l), Some(s));
    }
    p.cost_usd = cost_usd;
    p
}
