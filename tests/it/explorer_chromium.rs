//! The lead explorer of `report.html` in a real browser (headless Chromium driven through
//! the DevTools protocol, `support/cdp.rs`): the filters "scorers disagree" and a text search
//! show exactly the leads an independent count from `dataset.csv` and `predictions.csv`
//! finds; a lead opened by its anchor shows every scorer's justification (or error); a lead
//! whose message and LLM justification carry `<script>`, `<img onerror>` and `</script>` is
//! shown as text and runs nothing; the page logs no error and requests nothing but itself.
//!
//! Also `explorer_timings` (ignored; `scripts/bench-explorer.sh` runs it): prints the page's
//! own timings for a run folder named by `EXPLORER_BENCH_RUN`. No timing is asserted.
//!
//! Needs Debian's `chromium`; without it the test fails when `CI` is set and is skipped
//! otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::json;

use crate::support::cdp::{Browser, have_chromium};
use crate::support::report_fixture;
use lead_bench::evaluate::ReportOptions;
use lead_bench::pipeline::report_run;

/// What a hostile lead and a hostile model answer carry: no comma or quote, so the CSV
/// cells need no quoting. If any of it ran, `window.__pwned` would be set.
const EVIL: &str = "Hi <script>window.__pwned=1</script><img src=x onerror=window.__pwned=2> and </script><b>bold</b> bye";
const EVIL_LEAD: &str = "L045";
const EVIL_SCORER: &str = "llm/tiny/few_shot";

/// The fixture run with [`EVIL`] in one lead's message and one LLM justification.
fn evil_run(run: &Path) {
    report_fixture::write_run(run, 0);
    let data = std::fs::read_to_string(run.join("dataset.csv")).expect("dataset.csv");
    let data: String = data
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{EVIL_LEAD},")) {
                l.replace(
                    "We would like to learn more about pricing for our team.",
                    EVIL,
                )
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(run.join("dataset.csv"), data).expect("rewrite dataset.csv");
    let preds = std::fs::read_to_string(run.join("predictions.csv")).expect("predictions.csv");
    let row = format!(",{EVIL_LEAD},{EVIL_SCORER},0,");
    let preds: String = preds
        .lines()
        .map(|l| {
            if l.contains(&row) {
                let cells: Vec<&str> = l.split(',').collect();
                let mut cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
                cells[6] = EVIL.to_string();
                cells.join(",")
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(run.join("predictions.csv"), preds).expect("rewrite predictions.csv");
    report_run(
        run,
        &ReportOptions {
            resamples: 20,
            ..ReportOptions::default()
        },
    )
    .expect("report");
}

/// Evaluated leads (test split, gold) with their searchable text, and each lead's repeat-0
/// answers by scorer: (status, label, justification, error, raw), read with the csv crate.
type Answers = BTreeMap<String, BTreeMap<String, [String; 5]>>;

fn independent(run: &Path) -> (BTreeMap<String, String>, Answers) {
    let mut leads = BTreeMap::new();
    let mut r = csv::Reader::from_path(run.join("dataset.csv")).expect("dataset");
    let h = r.headers().expect("headers").clone();
    let col = |name: &str| h.iter().position(|c| c == name).expect(name);
    let (id, split, gold) = (col("lead_id"), col("split"), col("gold_label"));
    let text = [
        col("lead_id"),
        col("company_name"),
        col("job_title"),
        col("inbound_message"),
        col("archetype"),
    ];
    for rec in r.records() {
        let rec = rec.expect("row");
        if &rec[split] == "test" && !rec[gold].is_empty() {
            let hay: Vec<&str> = text.iter().map(|&i| &rec[i]).collect();
            leads.insert(rec[id].to_string(), hay.join("\n").to_lowercase());
        }
    }
    let mut answers: Answers = BTreeMap::new();
    let mut r = csv::Reader::from_path(run.join("predictions.csv")).expect("predictions");
    let h = r.headers().expect("headers").clone();
    let col = |name: &str| h.iter().position(|c| c == name).expect(name);
    let cols = [
        col("status"),
        col("lead_label"),
        col("justification"),
        col("error"),
        col("raw_response"),
    ];
    for rec in r.records() {
        let rec = rec.expect("row");
        if &rec[col("repeat")] != "0" || !leads.contains_key(&rec[col("lead_id")]) {
            continue;
        }
        answers
            .entry(rec[col("lead_id")].to_string())
            .or_default()
            .entry(rec[col("scorer")].to_string())
            .or_insert_with(|| cols.map(|i| rec[i].to_string()));
    }
    (leads, answers)
}

/// Leads where two parsed repeat-0 labels differ and `query` occurs in the lead's text or
/// any of its answers' texts.
fn expected(leads: &BTreeMap<String, String>, answers: &Answers, query: &str) -> usize {
    leads
        .iter()
        .filter(|(id, hay)| {
            let a = answers.get(*id).cloned().unwrap_or_default();
            let labels: BTreeSet<&str> = a
                .values()
                .filter(|v| v[0] == "ok" || v[0] == "coerced")
                .map(|v| v[1].as_str())
                .collect();
            let texts: Vec<String> = a.values().map(|v| v[2..].join("\n")).collect();
            let all = format!("{hay}\n{}", texts.join("\n")).to_lowercase();
            labels.len() > 1 && all.contains(query)
        })
        .count()
}

fn file_url(path: &Path) -> String {
    format!(
        "file://{}",
        path.canonicalize().expect("absolute").display()
    )
}

const READY: &str = "document.readyState === 'complete' && \
    !!document.getElementById('explorer') && \
    document.getElementById('explorer').hasAttribute('data-first-rows-ms')";

#[test]
fn explorer_filters_open_leads_and_shows_hostile_text_as_text() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("fixture-run");
    evil_run(&run);
    let (leads, answers) = independent(&run);
    let mut b = Browser::start();
    let url = file_url(&run.join("report.html"));
    b.open(&url, READY);
    let all = b.eval("document.querySelectorAll('#explorer-rows tr').length");
    assert_eq!(all, json!(leads.len()), "every evaluated lead is listed");
    // "scorers disagree", then a search.
    let query = "fixture score 6";
    let expect = expected(&leads, &answers, query);
    assert!(
        expect > 0 && expect < leads.len(),
        "a filter that selects: {expect}"
    );
    let shown = b.eval(&format!(
        "(function () {{
            var d = document.querySelector('select[data-filter=disagree]');
            d.value = 'any'; d.dispatchEvent(new Event('change'));
            var s = document.getElementById('explorer-search');
            s.value = {query:?}; s.dispatchEvent(new Event('input'));
            return [document.querySelectorAll('#explorer-rows tr').length,
                    document.getElementById('explorer-count').textContent];
        }})()"
    ));
    assert_eq!(shown[0], json!(expect), "rows shown: {shown}");
    assert_eq!(
        shown[1],
        json!(format!("showing {expect} of {} leads", leads.len()))
    );
    let disagree = expected(&leads, &answers, "");
    let only_disagree = b.eval(
        "(function () { var s = document.getElementById('explorer-search');
            s.value = ''; s.dispatchEvent(new Event('input'));
            return document.querySelectorAll('#explorer-rows tr').length; })()",
    );
    assert_eq!(only_disagree, json!(disagree), "scorers disagree alone");
    // Open the hostile lead by its anchor: every scorer's justification (or, unparsed, its
    // error) is in its card, and the hostile text is text.
    b.eval(&format!("location.hash = '#lead-{EVIL_LEAD}'; true"));
    let cards = b.eval(
        "(function () { var out = {};
            document.querySelectorAll('#explorer-detail .ex-card').forEach(function (c) {
                out[c.getAttribute('data-scorer')] = c.textContent; });
            return out; })()",
    );
    let mine = &answers[EVIL_LEAD];
    assert_eq!(
        cards.as_object().map(|c| c.len()),
        Some(mine.len()),
        "{cards}"
    );
    for (scorer, a) in mine {
        let card = cards[scorer].as_str().unwrap_or_default();
        let want = if a[0] == "ok" || a[0] == "coerced" {
            &a[2]
        } else {
            &a[3]
        };
        assert!(
            !want.is_empty() && card.contains(want.as_str()),
            "{scorer}: {want:?} not in {card:?}"
        );
    }
    assert!(
        cards[EVIL_SCORER]
            .as_str()
            .unwrap_or_default()
            .contains(EVIL)
    );
    let safe = b.eval(
        "(function () {
            var m = document.querySelector('#explorer-detail .ex-message');
            return [m ? m.textContent : null, typeof window.__pwned,
                    document.querySelectorAll('#explorer img, #explorer b, #explorer-app script').length];
        })()",
    );
    assert_eq!(
        safe,
        json!([EVIL, "undefined", 0]),
        "hostile text ran or was parsed"
    );
    // A lead opened from a search result's row.
    let opened = b.eval(
        "(function () { location.hash = ''; var s = document.getElementById('explorer-search');
            s.value = 'L07'; s.dispatchEvent(new Event('input'));
            var row = document.querySelector('#explorer-rows tr');
            row.children[1].click();
            return [row.getAttribute('data-lead'), location.hash]; })()",
    );
    let lead = opened[0].as_str().expect("a row").to_string();
    assert_eq!(opened[1], json!(format!("#lead-{lead}")));
    let title = b.eval("document.querySelector('#explorer-detail h3').textContent");
    assert_eq!(title, json!(format!("Lead {lead}")));
    let errors = b.errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let requests = b.requests();
    assert!(
        requests.contains(&url),
        "the page's own request was not seen: {requests:?}"
    );
    assert!(
        requests.iter().all(|r| *r == url),
        "requests other than the file itself: {requests:?}"
    );
    assert_eq!(b.eval("typeof window.__pwned"), json!("undefined"));
}

/// Prints the explorer's own timings for the run folder in `EXPLORER_BENCH_RUN` (its
/// report.html already written): first rows after navigation start, and each filter's
/// time. Run by `scripts/bench-explorer.sh`; asserts no figure.
#[test]
#[ignore = "a benchmark: scripts/bench-explorer.sh"]
fn explorer_timings() {
    let Some(run) = std::env::var_os("EXPLORER_BENCH_RUN") else {
        eprintln!("set EXPLORER_BENCH_RUN to a run folder");
        return;
    };
    let run = Path::new(&run);
    let mut b = Browser::start();
    b.open(&file_url(&run.join("report.html")), READY);
    let first = b.eval("document.getElementById('explorer').getAttribute('data-first-rows-ms')");
    println!(
        "first rows after navigation start: {} ms",
        first.as_str().unwrap_or("?")
    );
    let steps = [
        (
            "scorers disagree (any)",
            "var d = document.querySelector('select[data-filter=disagree]'); d.value = 'any'; d.dispatchEvent(new Event('change'));",
        ),
        (
            "search 'pricing'",
            "var s = document.getElementById('explorer-search'); s.value = 'pricing'; s.dispatchEvent(new Event('input'));",
        ),
        (
            "status != ok (any)",
            "var s = document.getElementById('explorer-search'); s.value = ''; var n = document.querySelector('select[data-filter=notok]'); n.value = 'any'; n.dispatchEvent(new Event('change'));",
        ),
        (
            "sort by the last scorer",
            "var h = document.querySelectorAll('#explorer thead th'); h[h.length - 1].click();",
        ),
        (
            "clear filters",
            "document.querySelector('.ex-filters button').click();",
        ),
    ];
    for (name, js) in steps {
        let v = b.eval(&format!(
            "(function () {{ {js} var e = document.getElementById('explorer');
                return [e.getAttribute('data-filter-ms'), e.getAttribute('data-matching')]; }})()"
        ));
        println!(
            "filter {name}: {} ms, {} leads match",
            v[0].as_str().unwrap_or("?"),
            v[1].as_str().unwrap_or("?")
        );
    }
    let errors = b.errors();
    println!("console errors: {}", errors.len());
}

#[test]
fn an_enriched_lead_shows_its_enrichment_in_the_detail() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = crate::support::cli::enriched_heuristic_run(dir.path());
    let leads = lead_bench::lead::read_leads(&run.join("dataset.csv")).expect("dataset");
    let lead = leads
        .iter()
        .find(|l| {
            l.meta.split == Some(lead_bench::lead::Split::Test)
                && l.enrichment.revenue_band.is_some()
        })
        .expect("an enriched test lead");
    let mut b = Browser::start();
    b.open(&file_url(&run.join("report.html")), READY);
    b.eval(&format!("location.hash = '#lead-{}'; true", lead.lead_id));
    let shown = b.eval(
        "(function () { var dts = document.querySelectorAll('#explorer-detail dt');
            for (var i = 0; i < dts.length; i++) {
              if (dts[i].textContent === 'enrichment') { return dts[i].nextSibling.textContent; }
            }
            return null; })()",
    );
    assert_eq!(shown, json!(lead.enrichment.summary()));
    assert!(b.errors().is_empty(), "console errors: {:?}", b.errors());
}
