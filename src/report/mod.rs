//! Reports: the run report and the comparison of runs, built once as a [`Document`] and
//! rendered by one [`Format`] per file (`report.md`, `report.html`).

mod answer;
mod answer_cost;
mod charts;
mod compare_doc;
mod cost_chart;
mod cost_doc;
mod detail_doc;
mod explorer;
mod figures;
mod flips_doc;
mod html;
mod leaderboard;
mod markdown;
mod outcome_doc;
mod run_doc;
mod sweep_chart;
mod table;
mod twins_doc;

pub use answer::answer;
pub use compare_doc::compare_document;
pub use leaderboard::leaderboard;
pub use run_doc::{run_document, run_document_with};
pub use table::{Block, Chart, Document, Table, UNDEFINED, fixed, usd};

/// The formats a [`Document`] renders to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GitHub-flavoured Markdown; charts are left out.
    Markdown,
    /// One self-contained HTML page with inline SVG charts.
    Html,
}

impl Format {
    pub fn render(self, doc: &Document) -> String {
        match self {
            Format::Markdown => markdown::render(doc),
            Format::Html => html::render(doc),
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}
