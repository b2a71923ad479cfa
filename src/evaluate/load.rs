//! Reading a run directory: `run.json`, `dataset.csv`, its optional `dataset.meta.json`
//! sidecar and `predictions.csv`, into the in-memory [`RunFolder`] that metrics are computed
//! from. Both files are read row by row and only what metrics read is kept: the leads
//! without their free text, the predictions as a [`PredictionTable`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::ReportError;
use super::manifest::{KeptFile, KeptRules, RunManifest};
use super::table::{PredictionTable, TableBuilder};
use super::unit_cost::ModelPricing;
use super::{CascadeSpec, EnsembleSpec};
use crate::lead::Bands;
use crate::lead::{Lead, LeadError, LeadReader, Split};
use crate::metrics::CapacitySetting;
use crate::prediction::read_metric_rows;

/// Everything a run directory holds that the metrics need.
#[derive(Debug, Clone)]
pub struct RunFolder {
    pub run_id: String,
    pub bands: Bands,
    /// `started` / `finished` from run.json, when present.
    pub started: Option<String>,
    pub finished: Option<String>,
    /// Every lead of dataset.csv; read by [`read_run_dir`], without the text no metric
    /// reads (company name, domain, job title, message).
    pub leads: Vec<Lead>,
    /// The run's `--limit`: only the first this many test leads of `leads` (in dataset
    /// order) were scored, and only they are evaluated; `None` when every test lead was.
    pub limit: Option<usize>,
    pub predictions: PredictionTable,
    /// The generator's sidecar (`dataset.meta.json`), when the run has one.
    pub dataset_meta: Option<serde_json::Value>,
    /// The sales capacity the run was configured with (run.json), when it says.
    pub capacity: Option<CapacitySetting>,
    /// The prompt templates the run kept, by name (run.json); `None` for a run from before
    /// runs kept them.
    pub prompts: Option<BTreeMap<String, KeptFile>>,
    /// The heuristic's rules the run kept (run.json), when it ran and they were kept.
    pub heuristic_rules: Option<KeptRules>,
    /// Scorers asked about a sample of the evaluated leads (run.json): they are judged on
    /// the leads they have a prediction for.
    pub sampled: BTreeSet<String>,
    /// The cascades among the scorers (run.json), for their escalated shares.
    pub cascades: Vec<CascadeSpec>,
    /// Each scorer's fingerprint (run.json), for `calibration.json`; empty for a run from
    /// before runs kept them.
    pub fingerprints: BTreeMap<String, String>,
    /// The ensembles among the scorers (run.json), for what they are made of.
    pub ensembles: Vec<EnsembleSpec>,
    /// How each priced model was priced (run.json): batch discount, sent through batch.
    pub pricing: BTreeMap<String, ModelPricing>,
}

/// Reads a run directory as `bench run` writes it.
pub fn read_run_dir(dir: &Path) -> Result<RunFolder, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::NotARunDir(dir.to_path_buf()));
    }
    let dir_name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let run_json_path = dir.join("run.json");
    let run: RunManifest = if run_json_path.exists() {
        let text = read_text(&run_json_path)?;
        serde_json::from_str(&text).map_err(|e| ReportError::Json {
            path: run_json_path.clone(),
            message: e.to_string(),
        })?
    } else {
        RunManifest::default()
    };
    if run.running() {
        return Err(ReportError::Unfinished(dir.to_path_buf()));
    }
    let bands = match run.bands {
        Some(b) => Bands::new(b.high, b.medium).map_err(|m| ReportError::Json {
            path: run_json_path.clone(),
            message: format!("key `bands`: {m}"),
        })?,
        None => Bands::default(),
    };
    let leads = read_leads_for_metrics(&dir.join("dataset.csv"))?;
    // run.json counts the leads scored; fewer than the test split means `--limit`.
    let has_split = leads.iter().any(|l| l.meta.split.is_some());
    let test_leads = leads
        .iter()
        .filter(|l| !has_split || l.meta.split == Some(Split::Test))
        .count();
    let limit = (run.n_evaluated > 0 && run.n_evaluated < test_leads).then_some(run.n_evaluated);
    let mut table = TableBuilder::new(&leads);
    read_metric_rows(&dir.join("predictions.csv"), |row| table.push(&row))?;
    let mut predictions = table.finish();
    for (i, spec) in run.ensembles.iter().enumerate() {
        spec.check().map_err(|(key, message)| ReportError::Json {
            path: run_json_path.clone(),
            message: format!("ensembles[{i}].{key}: {message}"),
        })?;
    }
    for (i, spec) in run.cascades.iter().enumerate() {
        spec.check().map_err(|(key, message)| ReportError::Json {
            path: run_json_path.clone(),
            message: format!("cascades[{i}].{key}: {message}"),
        })?;
    }
    add_derived_scorers(&mut predictions, &run.ensembles, &run.cascades, bands);
    let meta_path = dir.join("dataset.meta.json");
    let dataset_meta = if meta_path.exists() {
        let text = read_text(&meta_path)?;
        Some(serde_json::from_str(&text).map_err(|e| ReportError::Json {
            path: meta_path,
            message: e.to_string(),
        })?)
    } else {
        None
    };
    Ok(RunFolder {
        run_id: run.run_id.unwrap_or(dir_name),
        bands,
        started: run.started,
        finished: run.finished,
        leads,
        limit,
        predictions,
        dataset_meta,
        capacity: run.capacity,
        prompts: run.prompts,
        heuristic_rules: run.heuristic_rules,
        sampled: run.sampled.into_keys().collect(),
        cascades: run.cascades,
        fingerprints: run.fingerprints,
        ensembles: run.ensembles,
        pricing: run.pricing,
    })
}

/// Adds the ensembles, then the cascades (which may escalate to an ensemble), from the
/// scorers already in `table`, as `bench report` does from run.json's specs.
pub fn add_derived_scorers(
    table: &mut PredictionTable,
    ensembles: &[EnsembleSpec],
    cascades: &[CascadeSpec],
    bands: Bands,
) {
    super::ensemble::add_ensembles(table, ensembles, bands);
    super::cascade::add_cascades(table, cascades);
}

/// The leads of a dataset file with the free text no metric reads left empty, row by row, so
/// that a large dataset is never held whole.
fn read_leads_for_metrics(path: &Path) -> Result<Vec<Lead>, LeadError> {
    LeadReader::open(path)?
        .map(|row| {
            let mut lead = row?.lead;
            for text in [
                &mut lead.company_name,
                &mut lead.domain,
                &mut lead.job_title,
                &mut lead.inbound_message,
            ] {
                *text = String::new();
            }
            Ok(lead)
        })
        .collect()
}

/// Largest `run.json` or `dataset.meta.json` read.
const JSON_FILE_BYTES: u64 = 64 << 20;

/// A JSON file of the run folder: a regular file (not a link to `/dev/zero` or a FIFO) of at
/// most [`JSON_FILE_BYTES`].
fn read_text(path: &Path) -> Result<String, ReportError> {
    crate::input::read_text_file_within(path, JSON_FILE_BYTES).map_err(|source| ReportError::Io {
        path: PathBuf::from(path),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_run_json_uses_the_directory_name_and_default_bands() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = dir.path().join("my-run");
        std::fs::create_dir(&run).expect("mkdir");
        std::fs::write(
            run.join("dataset.csv"),
            "lead_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,source,gold_label\n\
             L1,Acme,100,acme.com,saas,CTO,c-suite,hi,blog,high\n",
        )
        .expect("write");
        let header = "run_id,lead_id,scorer,repeat,lead_score,lead_label,justification,status,error,consistent,p_low,p_medium,p_high,latency_ms,prompt_tokens,completion_tokens,cost_usd,attempts,cached,raw_response\n";
        std::fs::write(
            run.join("predictions.csv"),
            format!("{header}r,L1,heuristic,0,80,high,x,ok,,true,,,,0.1,,,,0,false,\n"),
        )
        .expect("write");
        let data = read_run_dir(&run).expect("read");
        assert_eq!(data.run_id, "my-run");
        assert_eq!(data.bands, Bands::default());
        assert_eq!(data.leads.len(), 1);
        assert_eq!(data.predictions.rows(), 1);
        assert!(data.leads[0].inbound_message.is_empty());
        assert!(data.dataset_meta.is_none());
    }

    #[test]
    fn bad_bands_name_the_file_and_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("run.json"),
            r#"{"run_id":"x","bands":{"high":30,"medium":40}}"#,
        )
        .expect("write");
        let err = read_run_dir(dir.path()).expect_err("bands are inverted");
        let msg = err.to_string();
        assert!(msg.contains("run.json") && msg.contains("bands"), "{msg}");
    }
}
