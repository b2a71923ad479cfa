//! Reading the files a user names or a run folder holds (config, prompt templates, rules,
//! batch results, `run.json`, predictions): regular files only, of a bounded size, so that a
//! wrong path or a planted link (to `/dev/zero`, a FIFO) cannot make `bench` read without
//! end or wait forever.

use std::fs;
use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// Largest config, template or rules file read.
pub const TEXT_FILE_BYTES: u64 = 1 << 20;

/// Opens `path` for reading when it is a regular file (links followed); anything else
/// (`/dev/zero`, a FIFO, a folder) is refused before a byte is read. A FIFO is opened
/// without waiting for a writer.
pub fn open_regular_file(path: &Path) -> std::io::Result<fs::File> {
    // Looked at before opening: opening a FIFO for reading blocks until someone writes.
    if !fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = fs::File::open(path)?;
    // And again on what was opened, in case the path changed in between.
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(file)
}

fn not_regular() -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        "not a regular file (expected a file, not a device, FIFO or folder)",
    )
}

/// Reads a text file the user named (config, template) of at most [`TEXT_FILE_BYTES`].
pub fn read_text_file(path: &Path) -> std::io::Result<String> {
    read_text_file_within(path, TEXT_FILE_BYTES)
}

/// Reads a regular text file of at most `limit` bytes (see [`open_regular_file`]).
pub fn read_text_file_within(path: &Path, limit: u64) -> std::io::Result<String> {
    let file = open_regular_file(path)?;
    let len = file.metadata()?.len();
    if len > limit {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{len} bytes; expected at most {limit}"),
        ));
    }
    let mut text = String::new();
    file.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("grew past {limit} bytes while being read"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_oversized_files_are_refused() {
        for path in ["/dev/zero", "/dev/null", "/"] {
            let err = read_text_file(Path::new(path)).expect_err(path);
            assert!(
                err.to_string().contains("not a regular file"),
                "{path}: {err}"
            );
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let big = dir.path().join("big.txt");
        std::fs::write(&big, "x".repeat(11)).expect("write");
        let err = read_text_file_within(&big, 10).expect_err("too big");
        assert!(err.to_string().contains("at most 10"), "{err}");
        assert_eq!(
            read_text_file_within(&big, 11).expect("fits"),
            "x".repeat(11)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&fifo, &link).expect("symlink");
        for p in [&fifo, &link] {
            let err = open_regular_file(p).expect_err("a FIFO");
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
    }
}
