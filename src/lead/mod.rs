//! Leads: the data model, the schema's columns, and CSV/JSONL reading and writing.

mod bands;
mod columns;
mod enrichment;
mod formula;
mod model;
mod read;
mod write;

use std::path::{Path, PathBuf};

pub use bands::Bands;
pub use columns::{
    CARD_COLUMNS, GOLD_COLUMNS, ID_COLUMN, META_COLUMNS, OUTCOME_COLUMNS, parse_score_cell,
};
pub use enrichment::{
    ENRICHMENT_COLUMNS, Enrichment, FundingStage, GROWTH_RANGE, RevenueBand, parse_country_cell,
};
pub use formula::{guard_formula, unguard_formula};
pub use model::{
    Difficulty, Gold, Label, Lead, LeadMeta, Outcome, Seniority, Source, Split, TWIN_SUFFIX,
    parse_company_size, twin_of,
};
pub use read::{LeadReader, LeadRow, MAX_ROW_BYTES, RowCells, read_leads};
pub use write::{Cell, Columns, LeadWriter, RowWriter};

/// File format of a lead file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// `.jsonl` and `.ndjson` files are JSONL; everything else is CSV.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson") => {
                Format::Jsonl
            }
            _ => Format::Csv,
        }
    }
}

/// Errors of reading lead files; each names the file and, where there is one, the row.
#[derive(Debug, thiserror::Error)]
pub enum LeadError {
    #[error("{}: cannot open: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: missing column(s) {missing}; a lead file needs {}", path.display(), CARD_COLUMNS.join(", "))]
    MissingColumns { path: PathBuf, missing: String },
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{}:{line}: row {row}, column `{column}`: expected {expected}, found {value:?}", path.display())]
    Cell {
        path: PathBuf,
        row: u64,
        line: u64,
        column: String,
        value: String,
        expected: String,
    },
}

impl LeadError {
    fn from_cell(path: &Path, row: u64, line: u64, e: columns::CellError) -> LeadError {
        LeadError::Cell {
            path: path.to_path_buf(),
            row,
            line,
            column: e.column.to_string(),
            value: e.value,
            expected: e.expected,
        }
    }
}
