//! The answer cache: every answered request is stored under the hash of what was sent, in an
//! SQLite file, the moment the answer arrives. A run killed at any point and started again
//! sends only what is missing; an unchanged re-run sends nothing.
//!
//! Writes go to one writer thread that commits whatever answers are waiting as one
//! transaction ("group commit") and only then acknowledges them, so an answer is on disk
//! before its outcome is reported, and a busy run pays for one commit per batch rather than
//! per answer (a commit per answer capped the engine below 2,000 answers/s). WAL mode with
//! `synchronous = NORMAL`: a commit survives the process being killed (SIGKILL); only a power
//! cut may lose the last few. Lookups use their own connection, which WAL lets read while
//! the writer writes. Only answers are stored: errors and timeouts are tried again next run.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::thread::JoinHandle;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

mod schema;

use super::response::Answer;

pub(crate) use schema::add_missing_columns;
use schema::{LOCK_WAIT, check_is_ours, set_up, use_wal};

/// Most answers committed in one transaction.
const MAX_BATCH: usize = 512;

/// The cache file could not be opened, read or written; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{}: answer cache: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{}: cannot create the answer cache folder: {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: answer cache: cannot store an answer: {message}", path.display())]
    Write { path: PathBuf, message: String },
    #[error(
        "{}: not a bench answer cache ({what}); it is left untouched — point run.cache at \
         another file",
        path.display()
    )]
    Foreign { path: PathBuf, what: String },
}

/// One stored answer: the answer as the server sent it, what it took, and how it came.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CachedAnswer {
    pub answer: Answer,
    pub latency_ms: u64,
    pub attempts: u32,
    /// Answered through a batch (an HTTP batch API or an imported batch file): priced with
    /// the model's `batch_discount`.
    pub via_batch: bool,
}

impl CachedAnswer {
    /// `answer` as stored: with the time and attempts it took, and whether a batch answered
    /// it (then it is priced at the model's `batch_discount`).
    pub(crate) fn of(answer: Answer, latency_ms: u64, attempts: u32, via_batch: bool) -> Self {
        CachedAnswer {
            answer,
            latency_ms,
            attempts,
            via_batch,
        }
    }

    /// A stored answer for tests: `{}` with 10 prompt and 2 completion tokens, answered in
    /// one attempt.
    #[cfg(test)]
    pub(crate) fn sample(via_batch: bool) -> Self {
        let answer = Answer {
            content: "{}".into(),
            finish_reason: Some("stop".into()),
            raw: "{}".into(),
            prompt_tokens: Some(10),
            completion_tokens: Some(2),
            cached_prompt_tokens: None,
        };
        CachedAnswer::of(answer, 0, 1, via_batch)
    }
}

/// An open cache file, shared by the workers of a run.
pub struct Cache {
    path: PathBuf,
    // Lookups are single-row reads of a few microseconds, so a plain mutex serves the async
    // workers without a dedicated thread.
    conn: Mutex<Connection>,
    writer: Option<mpsc::Sender<Write>>,
    writer_thread: Option<JoinHandle<()>>,
}

/// One write for the writer thread, and where to say it is committed.
enum Write {
    /// Store an answer (and give back this process's lease on its request).
    Answer {
        key: [u8; 32],
        answer: CachedAnswer,
        done: oneshot::Sender<Result<(), String>>,
    },
    /// Take the lease on a request when nobody holds it, this process does, or it was taken
    /// before `stale_before` (Unix seconds); says whether it was taken.
    Lease {
        key: [u8; 32],
        stale_before: i64,
        done: oneshot::Sender<Result<bool, String>>,
    },
}

impl Cache {
    /// Opens (creating if needed) the cache at `path`, and its folder.
    pub fn open(path: &Path) -> Result<Cache, CacheError> {
        let err = |source| CacheError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| CacheError::Folder {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        check_is_ours(path)?;
        let open = || -> Result<Connection, rusqlite::Error> {
            let conn = Connection::open(path)?;
            conn.busy_timeout(LOCK_WAIT)?;
            use_wal(&conn)?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            Ok(conn)
        };
        let mut conn = open().map_err(err)?;
        set_up(&mut conn).map_err(err)?;
        let write_conn = open().map_err(err)?;
        let (writer, puts) = mpsc::channel();
        let writer_thread = std::thread::Builder::new()
            .name("answer-cache".into())
            .spawn(move || write_loop(write_conn, puts))
            .map_err(|e| CacheError::Write {
                path: path.to_path_buf(),
                message: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Cache {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            writer: Some(writer),
            writer_thread: Some(writer_thread),
        })
    }

    /// Deletes every stored answer; returns how many there were (open batches are kept:
    /// forgetting them is `bench clear-cache --batches`).
    pub fn clear(path: &Path) -> Result<u64, CacheError> {
        let cache = Cache::open(path)?;
        let conn = cache.lock();
        let n = conn
            .execute("DELETE FROM answers", [])
            .map_err(|source| cache.error(source))?;
        Ok(n as u64)
    }

    /// How many answers are stored.
    pub fn len(&self) -> Result<u64, CacheError> {
        self.lock()
            .query_row("SELECT count(*) FROM answers", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|source| self.error(source))
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> Result<bool, CacheError> {
        Ok(self.len()? == 0)
    }

    pub(crate) fn get(&self, key: &[u8; 32]) -> Result<Option<CachedAnswer>, CacheError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT content, finish_reason, raw, prompt_tokens, completion_tokens, \
                 latency_ms, attempts, cached_prompt_tokens, via_batch FROM answers \
                 WHERE key = ?1",
            )
            .map_err(|source| self.error(source))?;
        stmt.query_row(params![&key[..]], |r| {
            let answer = Answer {
                content: r.get(0)?,
                finish_reason: r.get(1)?,
                raw: r.get(2)?,
                prompt_tokens: r.get(3)?,
                completion_tokens: r.get(4)?,
                cached_prompt_tokens: r.get(7)?,
            };
            let latency_ms = r.get::<_, i64>(5)?.max(0) as u64;
            Ok(CachedAnswer::of(answer, latency_ms, r.get(6)?, r.get(8)?))
        })
        .optional()
        .map_err(|source| self.error(source))
    }

    /// Stores an answer; returns once it is committed.
    pub(crate) async fn put(&self, key: &[u8; 32], answer: CachedAnswer) -> Result<(), CacheError> {
        let write_error = |message: String| CacheError::Write {
            path: self.path.clone(),
            message,
        };
        let (done, committed) = oneshot::channel();
        let put = Write::Answer {
            key: *key,
            answer,
            done,
        };
        self.writer
            .as_ref()
            .and_then(|w| w.send(put).ok())
            .ok_or_else(|| write_error("the writer thread has stopped".into()))?;
        committed
            .await
            .map_err(|_| write_error("the writer thread has stopped".into()))?
            .map_err(write_error)
    }

    /// Takes this process's lease on the request `key` (see `lease`) when it is free or was
    /// taken before `stale_before`; true when taken. Committed with the answers waiting, so
    /// that a lease costs no transaction of its own.
    pub(crate) async fn take_lease(
        &self,
        key: &[u8; 32],
        stale_before: i64,
    ) -> Result<bool, CacheError> {
        let write_error = |message: String| CacheError::Write {
            path: self.path.clone(),
            message,
        };
        let (done, committed) = oneshot::channel();
        let lease = Write::Lease {
            key: *key,
            stale_before,
            done,
        };
        self.writer
            .as_ref()
            .and_then(|w| w.send(lease).ok())
            .ok_or_else(|| write_error("the writer thread has stopped".into()))?;
        committed
            .await
            .map_err(|_| write_error("the writer thread has stopped".into()))?
            .map_err(write_error)
    }

    /// Stores many answers from outside the async runtime (a batch import); returns once
    /// all are committed, in transactions of up to [`MAX_BATCH`].
    pub(crate) fn put_all_blocking(
        &self,
        answers: Vec<([u8; 32], CachedAnswer)>,
    ) -> Result<(), CacheError> {
        let write_error = |message: String| CacheError::Write {
            path: self.path.clone(),
            message,
        };
        let stopped = || write_error("the writer thread has stopped".into());
        let writer = self.writer.as_ref().ok_or_else(stopped)?;
        let mut pending = Vec::with_capacity(answers.len());
        for (key, answer) in answers {
            let (done, committed) = oneshot::channel();
            writer
                .send(Write::Answer { key, answer, done })
                .map_err(|_| stopped())?;
            pending.push(committed);
        }
        for committed in pending {
            committed
                .blocking_recv()
                .map_err(|_| stopped())?
                .map_err(write_error)?;
        }
        Ok(())
    }

    /// Runs `f` on the lookup connection (the batch state's reads and writes, which are
    /// few and must be in order with each other).
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, CacheError> {
        f(&mut self.lock()).map_err(|source| self.error(source))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable (SQLite rolls back an
        // unfinished statement), so a poisoned lock is taken over.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn error(&self, source: rusqlite::Error) -> CacheError {
        CacheError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        // Closing the channel ends the writer once it has committed what it holds.
        self.writer = None;
        if let Some(t) = self.writer_thread.take() {
            let _ = t.join();
        }
    }
}

/// The writer thread: waits for an answer, takes every other one already waiting (up to
/// [`MAX_BATCH`]), commits them together, then acknowledges each.
fn write_loop(mut conn: Connection, jobs: mpsc::Receiver<Write>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        match write_all(&mut conn, &batch) {
            Ok(taken) => {
                for (write, taken) in batch.into_iter().zip(taken) {
                    match write {
                        Write::Answer { done, .. } => drop(done.send(Ok(()))),
                        Write::Lease { done, .. } => drop(done.send(Ok(taken))),
                    }
                }
            }
            Err(e) => {
                let e = e.to_string();
                for write in batch {
                    match write {
                        Write::Answer { done, .. } => drop(done.send(Err(e.clone()))),
                        Write::Lease { done, .. } => drop(done.send(Err(e.clone()))),
                    }
                }
            }
        }
    }
}

/// Runs a batch of writes in one transaction: answers are stored, giving back this
/// process's leases on them in the same step; leases are taken where free. Returns, for each
/// write, whether a lease was taken (false for answers).
fn write_all(conn: &mut Connection, batch: &[Write]) -> Result<Vec<bool>, rusqlite::Error> {
    let me = std::process::id();
    let tx = conn.transaction()?;
    let mut taken = Vec::with_capacity(batch.len());
    for write in batch {
        taken.push(match write {
            Write::Answer { key, answer, .. } => {
                insert_answer(&tx, key, answer)?;
                tx.prepare_cached("DELETE FROM leases WHERE key = ?1 AND pid = ?2")?
                    .execute(params![&key[..], me])?;
                false
            }
            Write::Lease {
                key, stale_before, ..
            } => {
                let changed = tx
                    .prepare_cached(
                        "INSERT INTO leases (key, pid, taken_at) VALUES (?1, ?2, unixepoch()) \
                         ON CONFLICT (key) DO UPDATE SET pid = excluded.pid, \
                         taken_at = excluded.taken_at \
                         WHERE leases.pid = excluded.pid OR leases.taken_at < ?3",
                    )?
                    .execute(params![&key[..], me, stale_before])?;
                changed == 1
            }
        });
    }
    tx.commit()?;
    Ok(taken)
}

/// Stores one answer (replacing an earlier one under the same key) in `conn`'s transaction.
pub(crate) fn insert_answer(
    conn: &Connection,
    key: &[u8; 32],
    a: &CachedAnswer,
) -> Result<(), rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO answers (key, content, finish_reason, raw, prompt_tokens, \
         completion_tokens, latency_ms, attempts, cached_prompt_tokens, via_batch) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    stmt.execute(params![
        &key[..],
        a.answer.content,
        a.answer.finish_reason,
        a.answer.raw,
        a.answer.prompt_tokens,
        a.answer.completion_tokens,
        i64::try_from(a.latency_ms).unwrap_or(i64::MAX),
        a.attempts,
        a.answer.cached_prompt_tokens,
        a.via_batch
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::schema::SCHEMA;
    use super::*;

    fn answer(content: &str) -> CachedAnswer {
        let answer = Answer {
            content: content.into(),
            finish_reason: Some("stop".into()),
            raw: "{}".into(),
            prompt_tokens: Some(10),
            completion_tokens: None,
            cached_prompt_tokens: Some(4),
        };
        CachedAnswer::of(answer, 12, 2, false)
    }

    #[tokio::test]
    async fn stores_survive_reopen_and_clear_empties() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/cache.sqlite");
        {
            let c = Cache::open(&path).expect("opens");
            assert!(c.is_empty().expect("count"));
            c.put(&[1; 32], answer("a")).await.expect("put");
            c.put(&[1; 32], answer("b")).await.expect("replace");
            c.put(&[2; 32], answer("c")).await.expect("put");
        }
        let c = Cache::open(&path).expect("reopens");
        assert_eq!(c.get(&[1; 32]).expect("get"), Some(answer("b")));
        assert_eq!(c.get(&[3; 32]).expect("get"), None);
        assert_eq!(c.len().expect("count"), 2);
        drop(c);
        assert_eq!(Cache::clear(&path).expect("clear"), 2);
        assert!(
            Cache::open(&path)
                .expect("opens")
                .is_empty()
                .expect("count")
        );
    }

    #[tokio::test]
    async fn another_programs_database_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("crm.sqlite");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT);")
                .expect("schema");
        }
        let before = std::fs::read(&path).expect("read");
        for result in [Cache::open(&path).err(), Cache::clear(&path).err()] {
            let msg = result.expect("refused").to_string();
            assert!(
                msg.contains("crm.sqlite") && msg.contains("not a bench answer cache"),
                "{msg}"
            );
        }
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "the file was changed"
        );
        // Another program's table that happens to be named `answers` is not adopted.
        let named = dir.path().join("named.sqlite");
        {
            let conn = Connection::open(&named).expect("create");
            conn.execute_batch("CREATE TABLE answers (id INTEGER PRIMARY KEY, text TEXT);")
                .expect("schema");
            conn.execute("INSERT INTO answers (text) VALUES ('keep me')", [])
                .expect("row");
        }
        let before = std::fs::read(&named).expect("read");
        for result in [Cache::open(&named).err(), Cache::clear(&named).err()] {
            let msg = result.expect("refused").to_string();
            assert!(msg.contains("lacks the columns key, content"), "{msg}");
        }
        assert_eq!(std::fs::read(&named).expect("read"), before);
        // A cache of an earlier version (the first table, no application id) is ours: its
        // answers are read and it gains the columns added since.
        let old = dir.path().join("old.sqlite");
        let first_schema = SCHEMA.replace(
            ",\n    cached_prompt_tokens INTEGER,\n    via_batch INTEGER NOT NULL DEFAULT 0",
            "",
        );
        assert_ne!(first_schema, SCHEMA);
        let conn = Connection::open(&old).expect("create");
        conn.execute_batch(&first_schema).expect("schema");
        conn.execute(
            "INSERT INTO answers (key, content, finish_reason, raw, prompt_tokens, \
             completion_tokens, latency_ms, attempts) VALUES (?1, 'old', 'stop', '{}', 10, NULL, 12, 2)",
            params![&[6u8; 32][..]],
        )
        .expect("old row");
        drop(conn);
        let cache = Cache::open(&old).expect("an earlier cache opens");
        let mut earlier = answer("old");
        earlier.answer.cached_prompt_tokens = None;
        assert_eq!(cache.get(&[6; 32]).expect("get"), Some(earlier));
        cache.put(&[7; 32], answer("x")).await.expect("put");
        assert_eq!(cache.get(&[7; 32]).expect("get"), Some(answer("x")));
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("not-a-db.sqlite");
        std::fs::write(&path, b"this is not an sqlite file at all, just text....").expect("write");
        let msg = Cache::open(&path).err().expect("fails").to_string();
        assert!(msg.contains("not-a-db.sqlite"), "{msg}");
    }
}
