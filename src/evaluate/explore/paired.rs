//! The explorer of `bench compare`: two runs' explorers joined lead by lead.

use super::{ExplorerData, ExplorerLead, changed_mark, positions};
use crate::evaluate::FlipReport;

/// The explorer of a comparison: the leads two runs share (by id), each scorer present in
/// both as two columns (`<earlier run>:<id>` then `<later run>:<id>`, so a row reads label
/// A → label B and the detail shows both justifications), and a mark per scorer of the
/// leads that changed between the runs (`flips` of the comparison, A the later run).
pub fn paired_explorer(
    earlier: &ExplorerData,
    later: &ExplorerData,
    flips: &[FlipReport],
) -> ExplorerData {
    let in_later = positions(&later.leads);
    // (column in earlier, column in later) of every scorer id in both runs.
    let columns: Vec<(usize, usize)> = earlier
        .scorers
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some((i, later.scorers.iter().position(|s| s == id)?)))
        .collect();
    let name = |run: &str, id: &str| format!("{run}:{id}");
    let mut scorers = Vec::new();
    let (mut sampled, mut capacity) = (Vec::new(), Vec::new());
    for &(i, j) in &columns {
        scorers.push(name(&earlier.run_id, &earlier.scorers[i]));
        scorers.push(name(&later.run_id, &later.scorers[j]));
        sampled.extend([earlier.sampled[i], later.sampled[j]]);
        capacity.extend([earlier.capacity[i], later.capacity[j]]);
    }
    let leads: Vec<ExplorerLead> = earlier
        .leads
        .iter()
        .filter_map(|e| {
            let l = &later.leads[*in_later.get(e.lead_id.as_str())?];
            let answers = columns
                .iter()
                .flat_map(|&(i, j)| [e.answers[i].clone(), l.answers[j].clone()])
                .collect();
            Some(ExplorerLead {
                answers,
                ..e.clone()
            })
        })
        .collect();
    let at = positions(&leads);
    let marks = flips
        .iter()
        .filter(|f| f.b.starts_with(&format!("{}:", earlier.run_id)))
        .filter(|f| f.a.starts_with(&format!("{}:", later.run_id)))
        .map(|f| changed_mark(f, &at))
        .collect();
    let sample = match (&earlier.sample, &later.sample) {
        (None, None) => None,
        _ => Some(
            "one of the runs holds a sample of its leads in its explorer: the leads both hold are shown"
                .to_string(),
        ),
    };
    ExplorerData {
        run_id: format!("{} → {}", earlier.run_id, later.run_id),
        comparison: true,
        scorers,
        sampled,
        capacity,
        n_evaluated: leads.len(),
        sample,
        leads,
        marks,
    }
}
