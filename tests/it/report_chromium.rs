//! Opens `report.html` of the fixture run in headless Chromium and checks that every
//! chart survived the browser's parser with its data drawn: the DOM Chromium dumps has as
//! many chart `<svg>` elements as the file, and each holds drawn data marks.
//!
//! Needs Debian's `chromium` (`apt-get install -y chromium`). Without it the test fails
//! when `CI` is set and is skipped (with a message) otherwise.

use crate::support::report_fixture;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lead_bench::evaluate::ReportOptions;
use lead_bench::pipeline::report_run;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The `<svg class="chart" …>…</svg>` elements of an HTML text.
fn charts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg class=\"chart\"") {
        let tail = &rest[start..];
        let end = tail
            .find("</svg>")
            .map_or(tail.len(), |e| e + "</svg>".len());
        out.push(&tail[..end]);
        rest = &tail[end..];
    }
    out
}

fn dump_dom(file: &Path, profile: &Path) -> String {
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Drain both pipes while waiting: the DOM is larger than a pipe buffer.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    // A guard against a hung browser, not a timing assertion.
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dom = out_reader.join().expect("stdout reader");
    let err = err_reader.join().expect("stderr reader");
    assert!(
        status.success() && !dom.is_empty(),
        "chromium failed ({status}): {err}"
    );
    dom
}
#[test]
fn every_chart_renders_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        let msg = format!(
            "{CHROMIUM} not found; install it with `apt-get update && apt-get install -y chromium`"
        );
        if std::env::var_os("CI").is_some() {
            panic!("{msg} (CI is set, so this test may not be skipped)");
        }
        eprintln!("skipping: {msg}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("fixture-run");
    report_fixture::write_run(&run, 0);
    let opts = ReportOptions {
        resamples: 50,
        ..ReportOptions::default()
    };
    report_run(&run, &opts).expect("report");
    let file = run.join("report.html");
    let html = std::fs::read_to_string(&file).expect("report.html");
    let in_file = charts(&html);
    // One gains chart, the capture chart, a conversion chart per recalibrated scorer, then
    // confusion, reliability and scores for each of 4 scorers.
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).expect("metrics"))
            .expect("metrics.json parses");
    let recalibrated = metrics["outcomes"]["scorers"]
        .as_array()
        .expect("outcome scorers")
        .iter()
        .filter(|s| !s["recalibration"].is_null())
        .count();
    assert!(recalibrated > 0, "no scorer was recalibrated");
    assert_eq!(
        in_file.len(),
        2 + recalibrated + 3 * 4,
        "charts written to report.html"
    );
    assert!(html.contains("data-chart=\"capture\""), "no capture chart");
    let profile = tempfile::tempdir().expect("profile dir");
    let dom = dump_dom(&file, profile.path());
    assert!(
        dom.contains("Leaderboard"),
        "the page body was not rendered"
    );
    let rendered = charts(&dom);
    assert_eq!(
        rendered.len(),
        in_file.len(),
        "Chromium's DOM lost charts: {} of {}",
        rendered.len(),
        in_file.len()
    );
    for svg in rendered {
        let name = svg
            .split("data-chart=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("?");
        let marks = svg.matches("class=\"mark\"").count();
        assert!(marks > 0, "chart `{name}` has no drawn data marks: {svg}");
        assert!(!svg.contains("NaN"), "chart `{name}` has NaN coordinates");
    }
}
