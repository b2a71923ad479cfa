//! Writes a file whole or not at all: output goes to a temporary file beside the target,
//! which replaces the target only when everything was written and flushed.

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
        let tmp = tempfile::Builder::new()
            .prefix(".bench-")
            .suffix(".tmp")
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
}
