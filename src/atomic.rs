//! Writes a file whole or not at all: output goes to a temporary file beside the target,
//! which replaces the target only when everything was written and flushed.
//!
//! Temporary files are named `.bench-<pid>-<random>.tmp`. Every exit path `bench` controls
//! removes its own (dropping an [`AtomicFile`] does); one that it does not (SIGKILL, a power
//! cut, the third Ctrl-C) leaves them behind, and the next `bench` that writes into the same
//! folder, or runs into the same results folder, removes those whose process is gone.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file being written; nothing appears at `path` until [`AtomicFile::commit`].
/// Dropping it without committing removes the temporary file.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path`, creating its parent directory if needed.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        remove_stale_temp_files(&parent, 0);
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&parent)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// Flushes, syncs and moves the file into place.
    pub fn commit(self) -> io::Result<()> {
        let tmp = self.writer.into_inner().map_err(|e| e.into_error())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

const TEMP_PREFIX: &str = ".bench-";
const TEMP_SUFFIX: &str = ".tmp";

/// Removes the temporary files in `dir` (and, `depth` levels down, in its folders) that a
/// `bench` process which is no longer running left behind. Best effort: what cannot be read
/// or removed is left alone.
pub fn remove_stale_temp_files(dir: &Path, depth: u32) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && depth > 0 {
            remove_stale_temp_files(&entry.path(), depth - 1);
        } else if !is_dir && left_by_a_gone_process(&name) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether `name` is one of our temporary files whose process has ended. Where `/proc` does
/// not exist, no process can be checked and nothing is called stale.
fn left_by_a_gone_process(name: &str) -> bool {
    let Some(rest) = name
        .strip_prefix(TEMP_PREFIX)
        .filter(|_| name.ends_with(TEMP_SUFFIX))
    else {
        return false;
    };
    let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    process_gone(pid)
}

/// Whether the process `pid` (not this one) has ended. Where `/proc` does not exist, no
/// process can be checked and none is called gone.
pub fn process_gone(pid: u32) -> bool {
    let proc = Path::new("/proc");
    pid != std::process::id() && proc.is_dir() && !proc.join(pid.to_string()).exists()
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Writes `value` as pretty JSON with a final newline to `path` atomically.
pub fn write_json_atomic(path: &Path, value: &impl serde::Serialize) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&target).expect("create");
            f.write_all(b"half").expect("write");
            // dropped without commit
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(dir.path()).expect("read_dir").count(), 0);
        write_atomic(&target, b"whole").expect("write_atomic");
        assert_eq!(fs::read(&target).expect("read"), b"whole");
    }

    #[test]
    fn stale_temp_files_of_gone_processes_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = dir.path().join("run");
        fs::create_dir_all(&run).expect("mkdir");
        // A pid far above any real one (the kernel's maximum is 2^22).
        let stale = run.join(".bench-99999999-abc.tmp");
        let ours = run.join(format!(".bench-{}-abc.tmp", std::process::id()));
        let other = run.join("notes.tmp");
        for p in [&stale, &ours, &other] {
            fs::write(p, b"x").expect("write");
        }
        remove_stale_temp_files(dir.path(), 1);
        assert!(!stale.exists());
        assert!(ours.exists() && other.exists());
    }
}
