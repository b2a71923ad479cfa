//! Column names of the lead schema and the parsing of one row's cells into a [`Lead`].

use super::enrichment::{
    ENRICHMENT_COLUMNS, Enrichment, FundingStage, RevenueBand, parse_country_cell,
    parse_growth_cell, parse_tech_stack_cell,
};
use super::model::{
    Difficulty, Gold, Label, Lead, LeadMeta, Outcome, Seniority, Source, Split, parse_company_size,
};

/// The dataset card's eight columns, in the card's order.
pub const CARD_COLUMNS: [&str; 8] = [
    "company_name",
    "company_size",
    "domain",
    "industry",
    "job_title",
    "seniority",
    "inbound_message",
    "source",
];

/// Gold columns: optional on input, scorers never see them.
pub const GOLD_COLUMNS: [&str; 2] = ["gold_label", "gold_score"];

/// Outcome columns (a CRM export's): optional on input, scorers never see them.
pub const OUTCOME_COLUMNS: [&str; 2] = ["converted", "deal_value"];

/// Generator metadata columns: optional on input, scorers never see them.
pub const META_COLUMNS: [&str; 5] = [
    "archetype",
    "difficulty",
    "label_noise",
    "split",
    "p_convert",
];

pub const ID_COLUMN: &str = "lead_id";

/// Whether `name` is one of the schema's known columns.
pub fn is_known_column(name: &str) -> bool {
    name == ID_COLUMN
        || CARD_COLUMNS.contains(&name)
        || ENRICHMENT_COLUMNS.contains(&name)
        || GOLD_COLUMNS.contains(&name)
        || OUTCOME_COLUMNS.contains(&name)
        || META_COLUMNS.contains(&name)
}

/// A cell that did not hold what its column expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: &'static str,
    pub value: String,
    pub expected: String,
}

fn cell_err(column: &'static str, value: &str, expected: impl Into<String>) -> CellError {
    CellError {
        column,
        value: value.to_string(),
        expected: expected.into(),
    }
}

/// Parses a 0–100 integer score; integral decimals such as `85.0` are accepted.
pub fn parse_score_cell(s: &str) -> Result<Option<u8>, String> {
    const EXPECTED: &str = "an integer score from 0 to 100, or empty";
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let v: f64 = t.parse().map_err(|_| EXPECTED.to_string())?;
    if v.fract() != 0.0 || !(0.0..=100.0).contains(&v) {
        return Err(EXPECTED.to_string());
    }
    Ok(Some(v as u8))
}

/// Largest amount read (a deal value): far above any real deal, and small enough that the
/// revenue of ten million leads adds up without overflowing.
pub const MAX_AMOUNT: f64 = 1e15;

/// A number from 0 to [`MAX_AMOUNT`] (thousands commas allowed), or empty.
fn parse_amount_cell(s: &str) -> Result<Option<f64>, String> {
    const EXPECTED: &str = "a number from 0 to 10^15 (e.g. 12000 or 12,000.50), or empty";
    let t = s.trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if (0.0..=MAX_AMOUNT).contains(&v) => Ok(Some(v)),
        _ => Err(EXPECTED.to_string()),
    }
}

/// A probability from 0 to 1, or empty.
fn parse_probability_cell(s: &str) -> Result<Option<f64>, String> {
    const EXPECTED: &str = "a probability from 0 to 1, or empty";
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
        _ => Err(EXPECTED.to_string()),
    }
}

fn parse_bool_cell(s: &str) -> Result<Option<bool>, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" => Ok(Some(true)),
        "false" | "0" | "no" => Ok(Some(false)),
        _ => Err("true or false, or empty".to_string()),
    }
}

/// Builds a lead from a row, given a getter that returns a cell by column name
/// (`None` when the column is absent). `fallback_id` is used when there is no `lead_id`.
pub fn lead_from_cells<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    fallback_id: impl FnOnce() -> String,
) -> Result<Lead, CellError> {
    // Text cells are kept as they are, but a NUL byte would be copied raw into every output.
    let text = |c: &'static str| -> Result<String, CellError> {
        let v = get(c).unwrap_or("");
        if v.contains('\0') {
            return Err(cell_err(c, v, "text without NUL (\\0) characters"));
        }
        Ok(v.to_string())
    };
    let size_raw = get("company_size").unwrap_or("");
    let company_size =
        parse_company_size(size_raw).map_err(|e| cell_err("company_size", size_raw, e))?;
    let sen_raw = get("seniority").unwrap_or("");
    let seniority =
        Seniority::parse_cell(sen_raw).map_err(|e| cell_err("seniority", sen_raw, e))?;
    let src_raw = get("source").unwrap_or("");
    let source = Source::parse_cell(src_raw).map_err(|e| cell_err("source", src_raw, e))?;

    let enrichment = enrichment_from_cells(&get)?;

    let label_raw = get("gold_label").unwrap_or("");
    let gold_label = if label_raw.trim().is_empty() {
        None
    } else {
        Some(
            Label::parse_lenient(label_raw)
                .ok_or_else(|| cell_err("gold_label", label_raw, "one of low, medium, high"))?,
        )
    };
    let score_raw = get("gold_score").unwrap_or("");
    let gold_score =
        parse_score_cell(score_raw).map_err(|e| cell_err("gold_score", score_raw, e))?;
    let gold = match (gold_label, gold_score) {
        (Some(label), score) => Some(Gold { label, score }),
        (None, Some(_)) => {
            return Err(cell_err(
                "gold_label",
                label_raw,
                "a gold label (low, medium, high) wherever gold_score is given",
            ));
        }
        (None, None) => None,
    };

    let diff_raw = get("difficulty").unwrap_or("");
    let difficulty =
        Difficulty::parse_cell(diff_raw).map_err(|e| cell_err("difficulty", diff_raw, e))?;
    let noise_raw = get("label_noise").unwrap_or("");
    let label_noise =
        parse_bool_cell(noise_raw).map_err(|e| cell_err("label_noise", noise_raw, e))?;
    let converted_raw = get("converted").unwrap_or("");
    let converted =
        parse_bool_cell(converted_raw).map_err(|e| cell_err("converted", converted_raw, e))?;
    let value_raw = get("deal_value").unwrap_or("");
    let deal_value =
        parse_amount_cell(value_raw).map_err(|e| cell_err("deal_value", value_raw, e))?;
    let p_raw = get("p_convert").unwrap_or("");
    let p_convert = parse_probability_cell(p_raw).map_err(|e| cell_err("p_convert", p_raw, e))?;
    let split_raw = get("split").unwrap_or("");
    let split = Split::parse_cell(split_raw).map_err(|e| cell_err("split", split_raw, e))?;
    let archetype = Some(text("archetype")?.trim().to_string()).filter(|s| !s.is_empty());

    let id = text(ID_COLUMN)?;
    let lead_id = if id.trim().is_empty() {
        fallback_id()
    } else {
        id.trim().to_string()
    };

    Ok(Lead {
        lead_id,
        company_name: text("company_name")?,
        company_size,
        domain: text("domain")?,
        industry: text("industry")?,
        job_title: text("job_title")?,
        seniority,
        inbound_message: text("inbound_message")?,
        source,
        enrichment,
        gold,
        outcome: Outcome {
            converted,
            deal_value,
        },
        meta: LeadMeta {
            archetype,
            difficulty,
            label_noise,
            split,
            p_convert,
        },
    })
}

/// The enrichment columns of a row; absent columns and empty cells are unknown.
fn enrichment_from_cells<'a>(
    get: &impl Fn(&str) -> Option<&'a str>,
) -> Result<Enrichment, CellError> {
    let raw = |c: &'static str| get(c).unwrap_or("");
    let band = raw("revenue_band");
    let country = raw("hq_country");
    let stage = raw("funding_stage");
    let stack = raw("tech_stack");
    let growth = raw("employee_growth_pct");
    Ok(Enrichment {
        revenue_band: RevenueBand::parse_cell(band)
            .map_err(|e| cell_err("revenue_band", band, e))?,
        hq_country: parse_country_cell(country).map_err(|e| cell_err("hq_country", country, e))?,
        funding_stage: FundingStage::parse_cell(stage)
            .map_err(|e| cell_err("funding_stage", stage, e))?,
        tech_stack: parse_tech_stack_cell(stack).map_err(|e| cell_err("tech_stack", stack, e))?,
        employee_growth_pct: parse_growth_cell(growth)
            .map_err(|e| cell_err("employee_growth_pct", growth, e))?,
    })
}
