//! Reading the text files a user names (config, prompt templates, rules): regular files
//! only, of a bounded size, so that a wrong path cannot make `bench` read without end.

use std::fs;
use std::path::Path;

/// Largest config, template or rules file read.
pub const TEXT_FILE_BYTES: u64 = 1 << 20;

/// Reads a text file the user named (config, template), refusing what is not a regular
/// file (`/dev/zero`, a FIFO, a folder) or is larger than `limit` bytes, so that a wrong path
/// cannot make `bench` read without end.
pub fn read_text_file(path: &Path) -> std::io::Result<String> {
    let limit = TEXT_FILE_BYTES;
    use std::io::{Error, ErrorKind, Read};
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (expected a text file)",
        ));
    }
    if meta.len() > limit {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{} bytes; expected at most {limit}", meta.len()),
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
