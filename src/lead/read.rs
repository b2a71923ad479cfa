//! Reading leads from CSV or JSONL, row by row, with errors that name file, row and column.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::columns::{CARD_COLUMNS, ID_COLUMN, is_known_column, lead_from_cells};
use super::formula::unguard_formula;
use super::model::Lead;
use super::{Format, LeadError};

/// Longest row (CSV record or JSONL line) read, in bytes. A lead is a few kilobytes; a row
/// past this is a file that is not a lead file (or `/dev/zero`), and reading it whole could
/// exhaust memory.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// What the CSV parser reads ahead of the record it is on.
const CSV_BUFFER: usize = 1 << 16;

/// One row read from a lead file.
#[derive(Debug, Clone)]
pub struct LeadRow {
    pub lead: Lead,
    /// Values of the columns the schema does not know, aligned with
    /// [`LeadReader::extra_columns`]; kept so `bench score` can pass them through.
    pub extra: Vec<String>,
    /// Every cell of the row as the file has it, when the reader keeps them
    /// ([`LeadReader::keep_cells`]).
    pub cells: Option<RowCells>,
}

/// A row's cells as the file holds them: what `bench score` passes through unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum RowCells {
    /// A CSV record, aligned with [`LeadReader::columns`] (formula guards taken off, as on
    /// every cell read).
    Csv(Vec<String>),
    /// A JSONL object, its keys in the file's order.
    Json(serde_json::Map<String, serde_json::Value>),
}

enum Inner {
    Csv {
        reader: csv::Reader<RowBudget<File>>,
        /// Bytes the reader may still take before the current record is too long.
        budget: Arc<AtomicU64>,
        headers: Vec<String>,
        index: HashMap<String, usize>,
        record: csv::ByteRecord,
    },
    Jsonl {
        lines: BufReader<File>,
        line_no: u64,
        buf: Vec<u8>,
    },
}

/// A reader that fails once it has given out its budget of bytes. The CSV parser has no
/// limit on the length of a record; this one, refilled after every record, stops a record
/// that never ends (the refill covers a whole row plus what the parser reads ahead).
struct RowBudget<R> {
    inner: R,
    left: Arc<AtomicU64>,
}

impl<R: Read> Read for RowBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.left.load(Ordering::Relaxed);
        if left == 0 {
            return Err(std::io::Error::other(RowTooLong));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left.fetch_sub(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The error [`RowBudget`] reads fail with.
#[derive(Debug)]
struct RowTooLong;

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a row is longer than {MAX_ROW_BYTES} bytes")
    }
}

impl std::error::Error for RowTooLong {}

fn row_too_long(path: &Path, line: u64) -> LeadError {
    LeadError::Parse {
        path: path.to_path_buf(),
        line,
        message: format!(
            "the row is longer than {MAX_ROW_BYTES} bytes; expected one lead per row (is this \
             a lead file?)"
        ),
    }
}

const CSV_REFILL: u64 = (MAX_ROW_BYTES + 2 * CSV_BUFFER) as u64;

/// Streams leads from a CSV or JSONL file (format from the extension: `.jsonl`/`.ndjson`
/// is JSONL, anything else CSV). Lead ids must be unique; rows without one get `row-N`.
pub struct LeadReader {
    path: PathBuf,
    inner: Inner,
    extra_columns: Vec<String>,
    /// Every column, in the file's order (JSONL: the keys of the first object).
    columns: Vec<String>,
    keep_cells: bool,
    row: u64,
    seen: HashMap<String, u64>,
    done: bool,
}

impl LeadReader {
    pub fn open(path: &Path) -> Result<LeadReader, LeadError> {
        let io = |source| LeadError::Io {
            path: path.to_path_buf(),
            source,
        };
        // `/dev/zero`, a FIFO or a folder would be read without end (or not at all).
        let file = crate::input::open_regular_file(path).map_err(io)?;
        let (inner, extra_columns) = match Format::from_path(path) {
            Format::Csv => open_csv(path, file)?,
            Format::Jsonl => (
                Inner::Jsonl {
                    lines: BufReader::with_capacity(CSV_BUFFER, file),
                    line_no: 0,
                    buf: Vec::new(),
                },
                Vec::new(),
            ),
        };
        let columns = match &inner {
            Inner::Csv { headers, .. } => headers.clone(),
            Inner::Jsonl { .. } => Vec::new(),
        };
        Ok(LeadReader {
            path: path.to_path_buf(),
            inner,
            extra_columns,
            columns,
            keep_cells: false,
            row: 0,
            seen: HashMap::new(),
            done: false,
        })
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Columns outside the lead schema, in input order. For JSONL these are the unknown
    /// keys of the first object.
    pub fn extra_columns(&self) -> &[String] {
        &self.extra_columns
    }

    /// Rows come with every cell as the file has it ([`LeadRow::cells`]).
    pub fn keep_cells(mut self) -> LeadReader {
        self.keep_cells = true;
        self
    }

    /// Every column, in the file's order; for JSONL, the keys of the first object (known
    /// once it is read).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    fn next_row(&mut self) -> Result<Option<LeadRow>, LeadError> {
        let row = self.row + 1;
        let path = &self.path;
        let fallback = || format!("row-{row}");
        let keep = self.keep_cells;
        let (lead, extra, line, kept) = match &mut self.inner {
            Inner::Csv {
                reader,
                budget,
                headers,
                index,
                record,
            } => {
                budget.store(CSV_REFILL, Ordering::Relaxed);
                let more = reader
                    .read_byte_record(record)
                    .map_err(|e| csv_error(path, row, e))?;
                if !more {
                    return Ok(None);
                }
                let line = record.position().map_or(row + 1, |p| p.line());
                if record.as_slice().len() > MAX_ROW_BYTES {
                    return Err(row_too_long(path, line));
                }
                let mut cells: Vec<&str> = Vec::with_capacity(record.len());
                for (i, bytes) in record.iter().enumerate() {
                    let cell = std::str::from_utf8(bytes).map_err(|_| LeadError::Cell {
                        path: path.clone(),
                        row,
                        line,
                        column: headers[i].clone(),
                        value: String::from_utf8_lossy(bytes).into_owned(),
                        expected: "valid UTF-8 text".to_string(),
                    })?;
                    cells.push(unguard_formula(cell));
                }
                let get = |c: &str| index.get(c).map(|&i| cells[i]);
                let lead = lead_from_cells(get, fallback)
                    .map_err(|e| LeadError::from_cell(path, row, line, e))?;
                let extra = self
                    .extra_columns
                    .iter()
                    .map(|c| index.get(c).map_or("", |&i| cells[i]).to_string())
                    .collect();
                let kept =
                    keep.then(|| RowCells::Csv(cells.iter().map(|c| c.to_string()).collect()));
                (lead, extra, line, kept)
            }
            Inner::Jsonl {
                lines,
                line_no,
                buf,
            } => {
                let (obj, line) = loop {
                    buf.clear();
                    let limit = MAX_ROW_BYTES as u64 + 1;
                    let n = lines
                        .by_ref()
                        .take(limit)
                        .read_until(b'\n', buf)
                        .map_err(|e| LeadError::Parse {
                            path: path.clone(),
                            line: *line_no + 1,
                            message: format!("cannot read the line: {e}"),
                        })?;
                    if n == 0 {
                        return Ok(None);
                    }
                    *line_no += 1;
                    let line = *line_no;
                    if buf.len() > MAX_ROW_BYTES {
                        return Err(row_too_long(path, line));
                    }
                    let text = std::str::from_utf8(buf).map_err(|_| LeadError::Parse {
                        path: path.clone(),
                        line,
                        message: "the line is not valid UTF-8 text".to_string(),
                    })?;
                    // A UTF-8 byte-order mark from editors and exports is not JSON.
                    let text = if line == 1 {
                        text.trim_start_matches('\u{feff}')
                    } else {
                        text
                    };
                    if text.trim().is_empty() {
                        continue;
                    }
                    let value: serde_json::Value =
                        serde_json::from_str(text).map_err(|e| LeadError::Parse {
                            path: path.clone(),
                            line,
                            message: format!("expected one JSON object per line: {e}"),
                        })?;
                    let serde_json::Value::Object(obj) = value else {
                        return Err(LeadError::Parse {
                            path: path.clone(),
                            line,
                            message: "expected a JSON object".to_string(),
                        });
                    };
                    break (obj, line);
                };
                if row == 1 {
                    self.columns = obj.keys().cloned().collect();
                    self.extra_columns = obj
                        .keys()
                        .filter(|k| !is_known_column(k))
                        .cloned()
                        .collect();
                    let missing: Vec<&str> = CARD_COLUMNS
                        .iter()
                        .copied()
                        .filter(|c| !obj.contains_key(*c))
                        .collect();
                    if !missing.is_empty() {
                        return Err(LeadError::MissingColumns {
                            path: path.clone(),
                            missing: missing.join(", "),
                        });
                    }
                }
                let cells: HashMap<&str, String> = obj
                    .iter()
                    .map(|(k, v)| (k.as_str(), list_or_cell(k, v)))
                    .collect();
                let get = |c: &str| cells.get(c).map(String::as_str);
                let lead = lead_from_cells(get, fallback)
                    .map_err(|e| LeadError::from_cell(path, row, line, e))?;
                let extra = self
                    .extra_columns
                    .iter()
                    .map(|c| cells.get(c.as_str()).cloned().unwrap_or_default())
                    .collect();
                drop(cells);
                (lead, extra, line, keep.then_some(RowCells::Json(obj)))
            }
        };
        if let Some(first) = self.seen.insert(lead.lead_id.clone(), row) {
            return Err(LeadError::Cell {
                path: self.path.clone(),
                row,
                line,
                column: ID_COLUMN.to_string(),
                value: lead.lead_id,
                expected: format!("a unique lead id (row {first} has the same one)"),
            });
        }
        self.row = row;
        Ok(Some(LeadRow {
            lead,
            extra,
            cells: kept,
        }))
    }
}

impl Iterator for LeadReader {
    type Item = Result<LeadRow, LeadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_row().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

/// A JSON value as the text of a cell, with `tech_stack` also taken as a list of strings
/// (`["aws", "snowflake"]` reads as `aws;snowflake`).
fn list_or_cell(key: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Array(items) if key == "tech_stack" => {
            let texts: Option<Vec<&str>> = items.iter().map(serde_json::Value::as_str).collect();
            texts.map_or_else(|| json_cell(v), |t| t.join(";"))
        }
        _ => json_cell(v),
    }
}

/// A JSON value as the text of a cell: strings as they are, `null` empty, others as JSON.
pub(super) fn json_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn open_csv(path: &Path, file: File) -> Result<(Inner, Vec<String>), LeadError> {
    let budget = Arc::new(AtomicU64::new(CSV_REFILL));
    let input = RowBudget {
        inner: file,
        left: budget.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(input);
    let raw = reader
        .byte_headers()
        .map_err(|e| csv_error(path, 0, e))?
        .clone();
    let mut headers = Vec::with_capacity(raw.len());
    for (i, h) in raw.iter().enumerate() {
        let h = std::str::from_utf8(h).map_err(|_| LeadError::Parse {
            path: path.to_path_buf(),
            line: 1,
            message: format!("header column {} is not valid UTF-8", i + 1),
        })?;
        // A UTF-8 byte-order mark from spreadsheet exports is not part of the name.
        headers.push(unguard_formula(h.trim_start_matches('\u{feff}').trim()).to_string());
    }
    if headers.iter().all(String::is_empty) {
        return Err(LeadError::Parse {
            path: path.to_path_buf(),
            line: 1,
            message: format!(
                "the file is empty; expected a header row with the columns {}",
                CARD_COLUMNS.join(", ")
            ),
        });
    }
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if index.insert(h.clone(), i).is_some() {
            return Err(LeadError::Parse {
                path: path.to_path_buf(),
                line: 1,
                message: format!("column `{h}` appears twice in the header"),
            });
        }
    }
    let missing: Vec<&str> = CARD_COLUMNS
        .iter()
        .copied()
        .filter(|c| !index.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(LeadError::MissingColumns {
            path: path.to_path_buf(),
            missing: missing.join(", "),
        });
    }
    let extra = headers
        .iter()
        .filter(|h| !is_known_column(h))
        .cloned()
        .collect();
    Ok((
        Inner::Csv {
            reader,
            budget,
            headers,
            index,
            record: csv::ByteRecord::new(),
        },
        extra,
    ))
}

fn csv_error(path: &Path, row: u64, e: csv::Error) -> LeadError {
    let line = e.position().map_or(row + 1, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields, but the header has {expected_len}"),
        csv::ErrorKind::Io(io) if io.get_ref().is_some_and(|e| e.is::<RowTooLong>()) => {
            return row_too_long(path, line);
        }
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => e.to_string(),
    };
    LeadError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Reads every lead of a file into memory.
pub fn read_leads(path: &Path) -> Result<Vec<Lead>, LeadError> {
    LeadReader::open(path)?
        .map(|r| r.map(|row| row.lead))
        .collect()
}
