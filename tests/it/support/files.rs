//! Files tests read back: everything a run wrote (for leak checks), CSV rows, a generated
//! dataset's sidecar, and a command's outcome.

use std::path::Path;

/// Every byte of every file under `dir` (folders included), lower-cased.
pub fn all_text_under(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&all_text_under(&path));
        } else {
            text.push_str(&String::from_utf8_lossy(
                &std::fs::read(&path).expect("read"),
            ));
        }
    }
    text.to_lowercase()
}

/// The `<name>.meta.json` sidecar `bench generate` wrote beside the data file `data`.
pub fn sidecar(data: &Path) -> serde_json::Value {
    let stem = data.file_stem().expect("a file name").to_string_lossy();
    let meta = data.with_file_name(format!("{stem}.meta.json"));
    let text = std::fs::read_to_string(&meta).expect("sidecar");
    serde_json::from_str(&text).expect("sidecar JSON")
}

/// Fails the test with the exit code and standard error unless `out` succeeded.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CSV file's header and its rows as column → cell.
pub fn csv_rows(path: &Path) -> (Vec<String>, Vec<std::collections::HashMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    let headers: Vec<String> = r
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.expect("row");
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}
