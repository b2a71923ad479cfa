//! The cache file's schema: its tables (answers and leases here; the batch room makes its
//! own), the columns later versions added, the marks that tell a bench cache from another
//! program's database, and setting a new or older file up under concurrent runs.

use std::path::Path;

use rusqlite::Connection;

use super::CacheError;

/// SQLite's `application_id` of a bench cache ("LBCH"): a file without it, or with another,
/// is some other program's database and is never written to.
pub(super) const APPLICATION_ID: i64 = 0x4c42_4348;

// Rows are appended in rowid order and only the small unique index on the (random) hash
// takes scattered writes; a table clustered on the hash rewrote a page per answer.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    key BLOB NOT NULL UNIQUE,
    content TEXT NOT NULL,
    finish_reason TEXT,
    raw TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    latency_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    stored_at INTEGER NOT NULL DEFAULT (unixepoch()),
    cached_prompt_tokens INTEGER,
    via_batch INTEGER NOT NULL DEFAULT 0
);";

/// Columns added after the first version of the table, for caches made before them.
const ADDED_COLUMNS: [(&str, &str, &str); 2] = [
    ("answers", "cached_prompt_tokens", "INTEGER"),
    ("answers", "via_batch", "INTEGER NOT NULL DEFAULT 0"),
];

/// Requests a process is sending now (see `lease`), so that runs sharing the cache never
/// send one twice.
const LEASE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS leases (
    key BLOB PRIMARY KEY,
    pid INTEGER NOT NULL,
    taken_at INTEGER NOT NULL
);";

/// The columns of the first version's `answers` table: a cache without an application id
/// (made before it was set) is ours only when its `answers` table has them all.
const FIRST_COLUMNS: [&str; 9] = [
    "key",
    "content",
    "finish_reason",
    "raw",
    "prompt_tokens",
    "completion_tokens",
    "latency_ms",
    "attempts",
    "stored_at",
];

/// Every table a bench cache may hold (the batch room, `batch::state`, makes its own when
/// batch mode is first used).
const TABLES: [&str; 5] = [
    "answers",
    "batch_errors",
    "batch_requests",
    "batches",
    "leases",
];

/// How long a statement waits for another process's lock on the cache.
pub(super) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Puts the cache in WAL mode (which stays with the file). Two runs creating a cache at the
/// same moment both want the exclusive lock the switch takes while holding a shared one:
/// SQLite answers one of them "busy" at once rather than wait (it would be a deadlock), so
/// the switch is tried again until [`LOCK_WAIT`] has passed.
pub(super) fn use_wal(conn: &Connection) -> Result<(), rusqlite::Error> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && started.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Creates what a cache holds (or what an earlier version's lacks) and marks the file as a
/// bench cache, in one transaction that takes the write lock first: two runs opening a new
/// cache at once would otherwise both read "no table" and the second fail to write
/// (SQLite does not wait for a lock a read has to be upgraded to).
pub(super) fn set_up(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    tx.execute_batch(LEASE_SCHEMA)?;
    add_missing_columns(&tx, &ADDED_COLUMNS)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()
}

/// Adds the `(table, column, type)` columns a cache made by an earlier version lacks.
pub(crate) fn add_missing_columns(
    conn: &Connection,
    added: &[(&str, &str, &str)],
) -> Result<(), rusqlite::Error> {
    for &(table, name, kind) in added {
        if !columns(conn, table)?.iter().any(|p| p == name) {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {name} {kind}"))?;
        }
    }
    Ok(())
}

/// The column names of `table` (none when there is no such table).
fn columns(conn: &Connection, table: &str) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    stmt.query_map([table], |r| r.get(0))?.collect()
}

/// Refuses a file at `path` that is another program's SQLite database, before anything is
/// written to it. A missing or empty file is a new cache; a file of an earlier bench version
/// (no application id yet, but its one `answers` table) is ours.
pub(super) fn check_is_ours(path: &Path) -> Result<(), CacheError> {
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Ok(());
    }
    let err = |source| CacheError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(err)?;
    // Another run may be setting the cache up this very moment.
    conn.busy_timeout(LOCK_WAIT).map_err(err)?;
    let id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(err)?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let foreign = |what: String| {
        Err(CacheError::Foreign {
            path: path.to_path_buf(),
            what,
        })
    };
    if id != 0 {
        return foreign(format!("its application id is {id:#x}"));
    }
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .map_err(err)?;
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    // A cache of an earlier version holds `answers` alone (the batch tables came later),
    // with the columns of the first version: a table that is merely named so is not ours.
    let ours = tables.iter().all(|t| TABLES.contains(&t.as_str()));
    if tables.is_empty() {
        return Ok(());
    }
    if !(ours && tables.iter().any(|t| t == "answers")) {
        return foreign(format!("it holds the tables {}", tables.join(", ")));
    }
    let present = columns(&conn, "answers").map_err(err)?;
    let missing: Vec<&str> = FIRST_COLUMNS
        .into_iter()
        .filter(|c| !present.iter().any(|p| p == c))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        foreign(format!(
            "its `answers` table lacks the columns {}",
            missing.join(", ")
        ))
    }
}
