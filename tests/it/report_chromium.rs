//! Opens `report.html` of the fixture run in headless Chromium and checks that every
//! chart survived the browser's parser with its data drawn: the DOM Chromium dumps has as
//! many chart `<svg>` elements as the file, and each holds drawn data marks; and that the
//! first screen (1400×1000) shows the Answer and the whole leaderboard, with no horizontal
//! scrolling, also with long LLM ids.
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
    dump_dom_with(file, profile, &[])
}

fn dump_dom_with(file: &Path, profile: &Path, extra: &[&str]) -> String {
    let mut child = Command::new(CHROMIUM)
        .args(extra)
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
/// Whether Chromium is there; without it the test fails under `CI` and is skipped
/// otherwise.
fn have_chromium() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    let msg = format!(
        "{CHROMIUM} not found; install it with `apt-get update && apt-get install -y chromium`"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg} (CI is set, so this test may not be skipped)");
    }
    eprintln!("skipping: {msg}");
    false
}

#[test]
fn every_chart_renders_in_headless_chromium() {
    if !have_chromium() {
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
    // One gains chart, the capture chart, cost against converters at capacity and against
    // QWK, one chart per cascade sweep, a conversion chart per recalibrated scorer, then
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
    let sweeps = metrics["sweeps"].as_array().expect("sweeps").len();
    assert!(sweeps > 0, "no cascade sweep");
    assert_eq!(
        in_file.len(),
        4 + sweeps + recalibrated + 3 * 4,
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

/// Measures the first screen on load (test only): where the Answer's list and the
/// leaderboard table end, and whether the page or the table scrolls sideways; written as
/// JSON into `<pre id="measure">`.
const MEASURE: &str = r#"<script>
(function () {
  function after(title, tag) {
    var h = Array.prototype.find.call(document.querySelectorAll('h2'),
      function (e) { return e.textContent.trim() === title; });
    for (var e = h && h.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling) {
      if (e.tagName === tag) { return e; }
    }
    return null;
  }
  var answer = after('Answer', 'UL');
  var board = after('Leaderboard', 'TABLE');
  var box = function (e) {
    if (!e) { return null; }
    var r = e.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right,
             scroll_width: e.scrollWidth, client_width: e.clientWidth };
  };
  var out = document.createElement('pre');
  out.id = 'measure';
  out.textContent = JSON.stringify({
    inner_width: window.innerWidth, inner_height: window.innerHeight,
    page_scroll_width: document.documentElement.scrollWidth,
    answer: box(answer), leaderboard: box(board)
  });
  document.body.appendChild(out);
})();
</script>
"#;

/// The measures of `report.html` at 1400×1000.
fn first_screen(run: &Path) -> serde_json::Value {
    let html = std::fs::read_to_string(run.join("report.html")).expect("report.html");
    let measured = html.replacen("</body>", &format!("{MEASURE}</body>"), 1);
    let file = run.join("report-measure.html");
    std::fs::write(&file, measured).expect("write the measured copy");
    let profile = tempfile::tempdir().expect("profile dir");
    let dom = dump_dom_with(&file, profile.path(), &["--window-size=1400,1000"]);
    let json = dom
        .split("<pre id=\"measure\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("no measure in the DOM: {dom}"));
    serde_json::from_str(&json.replace("&quot;", "\"").replace("&amp;", "&"))
        .unwrap_or_else(|e| panic!("measure {json}: {e}"))
}

fn assert_first_screen(run: &Path, what: &str) {
    let m = first_screen(run);
    let (w, h): (f64, f64) = (1400.0, 1000.0);
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    assert_eq!(f(&m["inner_width"]), w, "{what}: window {m}");
    assert!(
        f(&m["page_scroll_width"]) <= f(&m["inner_width"]),
        "{what}: the page scrolls sideways: {m}"
    );
    // Headless Chromium may keep some of the window for itself: the screen is what shows.
    let screen = h.min(f(&m["inner_height"]));
    for part in ["answer", "leaderboard"] {
        let b = &m[part];
        assert!(b.is_object(), "{what}: no {part} on the page: {m}");
        assert!(
            f(&b["bottom"]) <= screen,
            "{what}: the {part} ends below the first screen: {m}"
        );
        assert!(
            f(&b["right"]) <= w && f(&b["left"]) >= 0.0,
            "{what}: the {part} reaches past the window's sides: {m}"
        );
    }
    let t = &m["leaderboard"];
    assert!(
        f(&t["scroll_width"]) <= f(&t["client_width"]),
        "{what}: the leaderboard scrolls sideways: {m}"
    );
}

#[test]
fn first_screen_shows_the_answer_and_the_whole_leaderboard() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = ReportOptions {
        resamples: 50,
        ..ReportOptions::default()
    };
    let run = dir.path().join("fixture-run");
    report_fixture::write_run(&run, 0);
    report_run(&run, &opts).expect("report");
    assert_first_screen(&run, "fixture run");
    // The same run with the long ids a hosted model and a descriptive prompt give.
    let long = dir.path().join("long-ids");
    report_fixture::write_run(&long, 0);
    let preds = long.join("predictions.csv");
    let text = std::fs::read_to_string(&preds).expect("predictions.csv");
    let text = text
        .replace(
            "llm/tiny/few_shot",
            "llm/meta-llama-3.1-70b-instruct-turbo-q4_k_m/few_shot_six_examples_from_train",
        )
        .replace(
            "llm/tiny/zero_shot",
            "llm/meta-llama-3.1-70b-instruct-turbo-q4_k_m/zero_shot_with_product_context",
        );
    std::fs::write(&preds, text).expect("rewrite predictions.csv");
    report_run(&long, &opts).expect("report");
    assert_first_screen(&long, "long LLM ids");
}
