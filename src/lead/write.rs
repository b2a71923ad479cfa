//! Writing leads as CSV or JSONL, with optional gold, metadata and trailing columns.

use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};

use super::Format;
use super::columns::{CARD_COLUMNS, GOLD_COLUMNS, ID_COLUMN, META_COLUMNS, OUTCOME_COLUMNS};
use super::enrichment::ENRICHMENT_COLUMNS;
use super::formula::guard_formula;
use super::model::Lead;
use super::read::{RowCells, json_cell};
use serde_json::Value;

/// A value of a trailing column (scores, pass-through columns).
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Float(f64),
    /// An empty CSV field, `null` in JSONL.
    Empty,
}

/// Which columns a [`LeadWriter`] writes, after `lead_id` and the card's eight.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The firmographic enrichment columns, right after the card's eight: only for an
    /// enriched dataset, so that files without enrichment keep their columns.
    pub enrichment: bool,
    /// The answers: gold label and score, and the outcome columns.
    pub gold: bool,
    pub meta: bool,
    /// Further columns, one [`Cell`] per name on each row.
    pub tail: Vec<String>,
}

impl Columns {
    pub fn names(&self) -> Vec<&str> {
        let mut names = vec![ID_COLUMN];
        names.extend(CARD_COLUMNS);
        if self.enrichment {
            names.extend(ENRICHMENT_COLUMNS);
        }
        if self.gold {
            names.extend(GOLD_COLUMNS);
            names.extend(OUTCOME_COLUMNS);
        }
        if self.meta {
            names.extend(META_COLUMNS);
        }
        names.extend(self.tail.iter().map(String::as_str));
        names
    }
}

/// Writes leads one by one in a fixed column order.
pub struct LeadWriter<W: Write> {
    columns: Columns,
    out: Output<W>,
    num: String,
}

enum Output<W: Write> {
    // Boxed: the CSV writer carries its buffers inline and dwarfs the JSONL variant.
    Csv(Box<csv::Writer<W>>),
    Jsonl(W),
}

impl<W: Write> Output<W> {
    fn finish(self) -> io::Result<W> {
        match self {
            Output::Csv(w) => w.into_inner().map_err(|e| e.into_error()),
            Output::Jsonl(mut w) => {
                w.flush()?;
                Ok(w)
            }
        }
    }
}

impl<W: Write> LeadWriter<W> {
    /// Starts the output; for CSV the header row is written at once.
    pub fn new(out: W, format: Format, columns: Columns) -> io::Result<LeadWriter<W>> {
        let out = match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .buffer_capacity(1 << 16)
                    .from_writer(out);
                w.write_record(
                    columns
                        .names()
                        .iter()
                        .map(|n| guard_formula(n).into_owned()),
                )
                .map_err(io::Error::other)?;
                Output::Csv(Box::new(w))
            }
            Format::Jsonl => Output::Jsonl(out),
        };
        Ok(LeadWriter {
            columns,
            out,
            num: String::with_capacity(16),
        })
    }

    /// Writes one lead; `tail` holds one cell per [`Columns::tail`] name.
    pub fn write(&mut self, lead: &Lead, tail: &[Cell<'_>]) -> io::Result<()> {
        debug_assert_eq!(tail.len(), self.columns.tail.len());
        match &mut self.out {
            Output::Csv(w) => {
                write_csv_row(w, &mut self.num, &self.columns, lead, tail).map_err(io::Error::other)
            }
            Output::Jsonl(w) => {
                let mut ser = serde_json::Serializer::new(&mut *w);
                write_json_row(&mut ser, &self.columns, lead, tail).map_err(io::Error::other)?;
                w.write_all(b"\n")
            }
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.finish()
    }
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn opt_str<T>(v: Option<T>, f: impl Fn(T) -> &'static str) -> &'static str {
    v.map_or("", f)
}

fn write_csv_row<W: Write>(
    w: &mut csv::Writer<W>,
    num: &mut String,
    columns: &Columns,
    lead: &Lead,
    tail: &[Cell<'_>],
) -> csv::Result<()> {
    use std::fmt::Write as _;
    let mut int_field = |w: &mut csv::Writer<W>, v: Option<i64>| -> csv::Result<()> {
        num.clear();
        if let Some(v) = v {
            let _ = write!(num, "{v}");
        }
        w.write_field(num.as_bytes())
    };
    // Every text cell goes through the formula guard (see `formula.rs`).
    let text = |w: &mut csv::Writer<W>, t: &str| w.write_field(guard_formula(t).as_bytes());
    text(w, &lead.lead_id)?;
    text(w, &lead.company_name)?;
    int_field(w, lead.company_size.map(i64::from))?;
    text(w, &lead.domain)?;
    text(w, &lead.industry)?;
    text(w, &lead.job_title)?;
    w.write_field(opt_str(lead.seniority, |s| s.as_str()))?;
    text(w, &lead.inbound_message)?;
    w.write_field(lead.source.as_str())?;
    if columns.enrichment {
        let e = &lead.enrichment;
        w.write_field(opt_str(e.revenue_band, |b| b.as_str()))?;
        w.write_field(e.hq_country.as_deref().unwrap_or(""))?;
        w.write_field(opt_str(e.funding_stage, |f| f.as_str()))?;
        text(w, &e.tech_stack_cell())?;
        w.write_field(
            e.employee_growth_pct
                .map_or(String::new(), |g| g.to_string()),
        )?;
    }
    if columns.gold {
        w.write_field(opt_str(lead.gold.map(|g| g.label), |l| l.as_str()))?;
        int_field(w, lead.gold.and_then(|g| g.score).map(i64::from))?;
        w.write_field(opt_str(lead.outcome.converted, bool_str))?;
        w.write_field(
            lead.outcome
                .deal_value
                .map_or(String::new(), |v| v.to_string()),
        )?;
    }
    if columns.meta {
        text(w, lead.meta.archetype.as_deref().unwrap_or(""))?;
        w.write_field(opt_str(lead.meta.difficulty, |d| d.as_str()))?;
        w.write_field(opt_str(lead.meta.label_noise, bool_str))?;
        w.write_field(opt_str(lead.meta.split, |s| s.as_str()))?;
        w.write_field(lead.meta.p_convert.map_or(String::new(), |p| p.to_string()))?;
    }
    for &cell in tail {
        write_cell(w, cell)?;
    }
    w.write_record(None::<&[u8]>)
}

/// Writes one cell to a CSV row, text through the formula guard (see `formula.rs`).
fn write_cell<W: Write>(w: &mut csv::Writer<W>, cell: Cell<'_>) -> csv::Result<()> {
    match cell {
        Cell::Text(t) => w.write_field(guard_formula(t).as_bytes()),
        Cell::Int(i) => w.write_field(i.to_string()),
        Cell::Float(v) => w.write_field(v.to_string()),
        Cell::Empty => w.write_field(""),
    }
}

/// A cell in JSONL: text, a number, or `null` when empty.
impl serde::Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Int(i) => s.serialize_i64(i),
            Cell::Float(v) => s.serialize_f64(v),
            Cell::Empty => s.serialize_unit(),
        }
    }
}

fn write_json_row<S: Serializer>(
    ser: S,
    columns: &Columns,
    lead: &Lead,
    tail: &[Cell<'_>],
) -> Result<S::Ok, S::Error> {
    let mut m = ser.serialize_map(None)?;
    m.serialize_entry(ID_COLUMN, &lead.lead_id)?;
    m.serialize_entry("company_name", &lead.company_name)?;
    m.serialize_entry("company_size", &lead.company_size)?;
    m.serialize_entry("domain", &lead.domain)?;
    m.serialize_entry("industry", &lead.industry)?;
    m.serialize_entry("job_title", &lead.job_title)?;
    m.serialize_entry("seniority", &lead.seniority)?;
    m.serialize_entry("inbound_message", &lead.inbound_message)?;
    m.serialize_entry("source", &lead.source)?;
    if columns.enrichment {
        let e = &lead.enrichment;
        m.serialize_entry("revenue_band", &e.revenue_band)?;
        m.serialize_entry("hq_country", &e.hq_country)?;
        m.serialize_entry("funding_stage", &e.funding_stage)?;
        // The same `;`-separated text as the CSV cell, `null` when unknown.
        let stack = (!e.tech_stack.is_empty()).then(|| e.tech_stack_cell());
        m.serialize_entry("tech_stack", &stack)?;
        m.serialize_entry("employee_growth_pct", &e.employee_growth_pct)?;
    }
    if columns.gold {
        m.serialize_entry("gold_label", &lead.gold.map(|g| g.label))?;
        m.serialize_entry("gold_score", &lead.gold.and_then(|g| g.score))?;
        m.serialize_entry("converted", &lead.outcome.converted)?;
        m.serialize_entry("deal_value", &lead.outcome.deal_value)?;
    }
    if columns.meta {
        m.serialize_entry("archetype", &lead.meta.archetype)?;
        m.serialize_entry("difficulty", &lead.meta.difficulty)?;
        m.serialize_entry("label_noise", &lead.meta.label_noise)?;
        m.serialize_entry("split", &lead.meta.split)?;
        m.serialize_entry("p_convert", &lead.meta.p_convert)?;
    }
    for (name, cell) in columns.tail.iter().zip(tail) {
        m.serialize_entry(name, cell)?;
    }
    m.end()
}

/// Writes a file's rows as they were read ([`RowCells`]), each followed by cells of its own:
/// `bench score`'s output, the input's columns unchanged and in their order.
pub struct RowWriter<W: Write> {
    /// The input's columns.
    columns: Vec<String>,
    added: Vec<String>,
    out: Output<W>,
}

impl<W: Write> RowWriter<W> {
    /// Starts the output; for CSV the header row (`columns`, then `added`) is written at once.
    pub fn new(
        out: W,
        format: Format,
        columns: Vec<String>,
        added: Vec<String>,
    ) -> io::Result<RowWriter<W>> {
        let out = match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .buffer_capacity(1 << 16)
                    .from_writer(out);
                let names = columns.iter().chain(&added);
                w.write_record(names.map(|n| guard_formula(n).into_owned()))
                    .map_err(io::Error::other)?;
                Output::Csv(Box::new(w))
            }
            Format::Jsonl => Output::Jsonl(out),
        };
        Ok(RowWriter {
            columns,
            added,
            out,
        })
    }

    /// Writes one row: its cells as read, then `added` (one per added column). A CSV row
    /// read from JSONL takes the first object's keys as columns; a JSONL object keeps all
    /// of its keys.
    pub fn write(&mut self, cells: &RowCells, added: &[Cell<'_>]) -> io::Result<()> {
        debug_assert_eq!(added.len(), self.added.len());
        match &mut self.out {
            Output::Csv(w) => {
                let mut row = || -> csv::Result<()> {
                    match cells {
                        RowCells::Csv(cells) => {
                            for c in cells {
                                write_cell(w, Cell::Text(c))?;
                            }
                        }
                        RowCells::Json(obj) => {
                            for c in &self.columns {
                                let text = obj.get(c).map(json_cell).unwrap_or_default();
                                write_cell(w, Cell::Text(&text))?;
                            }
                        }
                    }
                    for &cell in added {
                        write_cell(w, cell)?;
                    }
                    w.write_record(None::<&[u8]>)
                };
                row().map_err(io::Error::other)
            }
            Output::Jsonl(w) => {
                let mut obj = match cells {
                    RowCells::Csv(cells) => self
                        .columns
                        .iter()
                        .zip(cells)
                        .map(|(c, v)| (c.clone(), Value::String(v.clone())))
                        .collect(),
                    RowCells::Json(obj) => obj.clone(),
                };
                for (name, cell) in self.added.iter().zip(added) {
                    let v = serde_json::to_value(cell).map_err(io::Error::other)?;
                    obj.insert(name.clone(), v);
                }
                serde_json::to_writer(&mut *w, &obj).map_err(io::Error::other)?;
                w.write_all(b"\n")
            }
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.finish()
    }
}
