//! Reading back everything a run wrote, for leak checks.

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
