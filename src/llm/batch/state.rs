//! What the answer cache keeps of batches sent to a provider's batch API, so that `bench run`
//! can exit after submitting and a later run collects:
//! - `batches`: one row per batch, written (state `submitting`) before the batch is created
//!   remotely, then given the provider's id (state `submitted`), and `collected` once its
//!   results are stored. A run killed between writing the row and recording the id finds the
//!   row and asks the provider for a batch carrying its `local_id` before submitting again.
//! - `batch_requests`: the cache keys each batch holds.
//! - `batch_errors`: requests a collected batch failed, recorded as their outcome until the
//!   next run has used them (then they are sent again, as interactive failures are).

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::llm::cache::{Cache, CacheError, CachedAnswer, add_missing_columns, insert_answer};
use crate::llm::job::CallResult;

/// The batch tables, made in the answer cache's database the first time batch mode is used.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batches (
    local_id TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    remote_id TEXT,
    state TEXT NOT NULL,
    submitted_at INTEGER NOT NULL DEFAULT (unixepoch()),
    download_failures INTEGER NOT NULL DEFAULT 0,
    pid INTEGER
);
CREATE TABLE IF NOT EXISTS batch_requests (
    local_id TEXT NOT NULL,
    key BLOB NOT NULL,
    PRIMARY KEY (local_id, key)
);
CREATE TABLE IF NOT EXISTS batch_errors (
    key BLOB PRIMARY KEY,
    status INTEGER,
    message TEXT NOT NULL
);";

/// Columns added after the first version of the batch tables.
const ADDED_COLUMNS: [(&str, &str, &str); 2] = [
    ("batches", "download_failures", "INTEGER NOT NULL DEFAULT 0"),
    ("batches", "pid", "INTEGER"),
];

/// Makes the batch tables (or what an earlier version's lack), in one write transaction.
pub(crate) fn ensure_tables(cache: &Cache) -> Result<(), CacheError> {
    cache.with_conn(|c| {
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        add_missing_columns(&tx, &ADDED_COLUMNS)?;
        tx.commit()
    })
}

/// Batches of the cache at `path` that are not collected yet.
pub fn open_batch_count(path: &Path) -> Result<u64, CacheError> {
    let cache = Cache::open(path)?;
    ensure_tables(&cache)?;
    cache.with_conn(|c| {
        c.query_row(
            "SELECT count(*) FROM batches WHERE state != 'collected'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n.max(0) as u64)
    })
}

/// What a batch model's job ended as when the cache holds no answer for it (the batch step
/// ran before the engine): the failure a batch recorded, or skipped.
pub(crate) fn recorded_outcome(cache: &Cache, key: &[u8; 32]) -> CallResult {
    match batch_error(cache, key) {
        Ok(Some((status, message))) => CallResult::ApiError { status, message },
        Ok(None) => CallResult::Skipped {
            reason: "not answered by the model's batch (batch = true)".into(),
        },
        Err(e) => CallResult::Skipped {
            reason: format!("batch state not read: {e}"),
        },
    }
}

/// A batch that is not collected yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenBatch {
    pub local_id: String,
    /// `None` while its creation is not confirmed.
    pub remote_id: Option<String>,
    /// The process that submitted it (none in caches of versions before this was kept).
    pub pid: Option<u32>,
}

impl OpenBatch {
    /// Whether another process is submitting it now: its creation is not confirmed and the
    /// process that began it is still running. Such a batch is left alone, never forgotten.
    pub(crate) fn being_submitted(&self) -> Option<u32> {
        self.pid.filter(|&pid| {
            self.remote_id.is_none()
                && pid != std::process::id()
                && !crate::atomic::process_gone(pid)
        })
    }
}

/// A request a batch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FailedRequest {
    pub key: [u8; 32],
    pub status: Option<u16>,
    pub message: String,
}

/// The batches of `model` not yet collected, oldest first.
pub(crate) fn open_batches(cache: &Cache, model: &str) -> Result<Vec<OpenBatch>, CacheError> {
    cache.with_conn(|c| {
        let mut stmt = c.prepare(
            "SELECT local_id, remote_id, pid FROM batches WHERE model = ?1 \
             AND state != 'collected' ORDER BY submitted_at, local_id",
        )?;
        stmt.query_map(params![model], |r| {
            Ok(OpenBatch {
                local_id: r.get(0)?,
                remote_id: r.get(1)?,
                pid: r.get(2)?,
            })
        })?
        .collect()
    })
}

/// A batch `bench clear-cache --batches` forgot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgottenBatch {
    pub model: String,
    pub local_id: String,
    pub remote_id: Option<String>,
}

/// Forgets every batch of the cache at `path` that was not collected, with its requests,
/// and every failure batches recorded: the next run submits those requests again.
pub fn forget_open_batches(path: &Path) -> Result<Vec<ForgottenBatch>, CacheError> {
    let cache = Cache::open(path)?;
    ensure_tables(&cache)?;
    cache.with_conn(|c| {
        let tx = c.transaction()?;
        let forgotten = {
            let mut stmt = tx.prepare(
                "SELECT model, local_id, remote_id FROM batches WHERE state != 'collected' \
                 ORDER BY submitted_at, local_id",
            )?;
            stmt.query_map([], |r| {
                Ok(ForgottenBatch {
                    model: r.get(0)?,
                    local_id: r.get(1)?,
                    remote_id: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
        };
        tx.execute(
            "DELETE FROM batch_requests WHERE local_id IN \
             (SELECT local_id FROM batches WHERE state != 'collected')",
            [],
        )?;
        tx.execute("DELETE FROM batches WHERE state != 'collected'", [])?;
        tx.execute("DELETE FROM batch_errors", [])?;
        tx.commit()?;
        Ok(forgotten)
    })
}

/// A batch [`begin_batch`] recorded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Begun {
    pub local_id: String,
    /// The requests it holds.
    pub keys: Vec<[u8; 32]>,
}

/// Records a batch about to be created remotely, under a new local id, of those of `keys`
/// that no open batch holds (another run may have taken some since the caller looked):
/// returns the id and the keys it holds, in the order given; none when every key is taken.
pub(crate) fn begin_batch(
    cache: &Cache,
    model: &str,
    keys: &[[u8; 32]],
) -> Result<Option<Begun>, CacheError> {
    let local_id = format!("bench-{:016x}", rand::random::<u64>());
    cache.with_conn(|c| {
        // Taking the write lock first makes "not in an open batch" and the insert one step
        // for every run sharing the cache.
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut taken = Vec::with_capacity(keys.len());
        {
            let mut held = tx.prepare(
                "SELECT 1 FROM batch_requests r JOIN batches b ON b.local_id = r.local_id \
                 WHERE r.key = ?1 AND b.state != 'collected' LIMIT 1",
            )?;
            for key in keys {
                if !held.exists(params![&key[..]])? {
                    taken.push(*key);
                }
            }
        }
        if taken.is_empty() {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO batches (local_id, model, state, pid) VALUES (?1, ?2, 'submitting', ?3)",
            params![local_id, model, std::process::id()],
        )?;
        {
            let mut stmt =
                tx.prepare("INSERT OR IGNORE INTO batch_requests (local_id, key) VALUES (?1, ?2)")?;
            for key in &taken {
                stmt.execute(params![local_id, &key[..]])?;
            }
        }
        tx.commit()?;
        Ok(Some(Begun {
            local_id,
            keys: taken,
        }))
    })
}

/// The provider created the batch: its id.
pub(crate) fn batch_created(
    cache: &Cache,
    local_id: &str,
    remote_id: &str,
) -> Result<(), CacheError> {
    cache.with_conn(|c| {
        c.execute(
            "UPDATE batches SET remote_id = ?2, state = 'submitted' WHERE local_id = ?1",
            params![local_id, remote_id],
        )
        .map(drop)
    })
}

/// Forgets a batch that was never created remotely (its requests are submitted again).
pub(crate) fn forget_batch(cache: &Cache, local_id: &str) -> Result<(), CacheError> {
    cache.with_conn(|c| {
        let tx = c.transaction()?;
        tx.execute(
            "DELETE FROM batch_requests WHERE local_id = ?1",
            params![local_id],
        )?;
        tx.execute("DELETE FROM batches WHERE local_id = ?1", params![local_id])?;
        tx.commit()
    })
}

/// Counts one more failed download of a finished batch's results; returns the count.
pub(crate) fn download_failed(cache: &Cache, local_id: &str) -> Result<u64, CacheError> {
    cache.with_conn(|c| {
        c.query_row(
            "UPDATE batches SET download_failures = download_failures + 1 WHERE local_id = ?1 \
             RETURNING download_failures",
            params![local_id],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n.max(0) as u64)
    })
}

/// The cache keys of one batch's requests.
pub(crate) fn batch_keys(cache: &Cache, local_id: &str) -> Result<HashSet<[u8; 32]>, CacheError> {
    cache.with_conn(|c| {
        let mut stmt = c.prepare("SELECT key FROM batch_requests WHERE local_id = ?1")?;
        let keys = stmt.query_map(params![local_id], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = HashSet::new();
        for key in keys {
            if let Ok(key) = <[u8; 32]>::try_from(key?.as_slice()) {
                out.insert(key);
            }
        }
        Ok(out)
    })
}

/// Stores what a finished batch returned, in one transaction with marking it collected: a
/// run killed while collecting collects it again next time.
pub(crate) fn collect_batch(
    cache: &Cache,
    local_id: &str,
    answers: &[([u8; 32], CachedAnswer)],
    failed: &[FailedRequest],
) -> Result<(), CacheError> {
    cache.with_conn(|c| {
        let tx = c.transaction()?;
        for (key, answer) in answers {
            insert_answer(&tx, key, answer)?;
        }
        insert_failures(&tx, failed)?;
        tx.execute(
            "UPDATE batches SET state = 'collected' WHERE local_id = ?1",
            params![local_id],
        )?;
        tx.commit()
    })
}

/// Records failures of requests that never made it into a batch (the submission failed).
pub(crate) fn record_failures(cache: &Cache, failed: &[FailedRequest]) -> Result<(), CacheError> {
    cache.with_conn(|c| {
        let tx = c.transaction()?;
        insert_failures(&tx, failed)?;
        tx.commit()
    })
}

fn insert_failures(conn: &Connection, failed: &[FailedRequest]) -> Result<(), rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO batch_errors (key, status, message) VALUES (?1, ?2, ?3)",
    )?;
    for f in failed {
        stmt.execute(params![&f.key[..], f.status, f.message])?;
    }
    Ok(())
}

/// How many batches a request has been part of.
pub(crate) fn times_batched(cache: &Cache, key: &[u8; 32]) -> Result<u64, CacheError> {
    cache.with_conn(|c| {
        c.query_row(
            "SELECT count(*) FROM batch_requests WHERE key = ?1",
            params![&key[..]],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n.max(0) as u64)
    })
}

/// The recorded failure of a request, if a batch failed it.
pub(crate) fn batch_error(
    cache: &Cache,
    key: &[u8; 32],
) -> Result<Option<(Option<u16>, String)>, CacheError> {
    cache.with_conn(|c| {
        c.query_row(
            "SELECT status, message FROM batch_errors WHERE key = ?1",
            params![&key[..]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
    })
}

/// Forgets every recorded failure once a run has used them: the next run sends them again.
pub(crate) fn clear_batch_errors(cache: &Cache) -> Result<u64, CacheError> {
    cache.with_conn(|c| c.execute("DELETE FROM batch_errors", []).map(|n| n as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> CachedAnswer {
        CachedAnswer::sample(true)
    }

    #[test]
    fn a_batch_goes_from_submitting_to_collected() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = Cache::open(&dir.path().join("c.sqlite")).expect("opens");
        ensure_tables(&cache).expect("batch tables");
        let keys = [[1u8; 32], [2u8; 32], [3u8; 32]];
        let Begun {
            local_id: id,
            keys: taken,
        } = begin_batch(&cache, "m", &keys)
            .expect("begin")
            .expect("keys free");
        assert_eq!(taken, keys);
        let open = open_batches(&cache, "m").expect("open");
        assert_eq!(
            open,
            vec![OpenBatch {
                local_id: id.clone(),
                remote_id: None,
                pid: Some(std::process::id()),
            }]
        );
        assert_eq!(open[0].being_submitted(), None, "this process's own");
        // Keys an open batch holds are not taken again.
        let more = [keys[2], [4u8; 32]];
        let second = begin_batch(&cache, "m2", &more)
            .expect("begin")
            .expect("one free");
        assert_eq!(second.keys, [[4u8; 32]]);
        assert_eq!(begin_batch(&cache, "m2", &keys[..2]).expect("begin"), None);
        assert!(open_batches(&cache, "other").expect("open").is_empty());
        batch_created(&cache, &id, "batch_1").expect("created");
        assert_eq!(
            open_batches(&cache, "m").expect("open")[0]
                .remote_id
                .as_deref(),
            Some("batch_1")
        );
        assert_eq!(
            batch_keys(&cache, &id).expect("keys"),
            keys.into_iter().collect()
        );
        let failed = FailedRequest {
            key: keys[1],
            status: Some(400),
            message: "bad".into(),
        };
        collect_batch(&cache, &id, &[(keys[0], answer())], &[failed]).expect("collect");
        assert!(open_batches(&cache, "m").expect("open").is_empty());
        assert_eq!(cache.get(&keys[0]).expect("get"), Some(answer()));
        assert_eq!(
            batch_error(&cache, &keys[1]).expect("error"),
            Some((Some(400), "bad".into()))
        );
        assert_eq!(batch_error(&cache, &keys[2]).expect("error"), None);
        assert_eq!(clear_batch_errors(&cache).expect("clear"), 1);
        assert_eq!(batch_error(&cache, &keys[1]).expect("error"), None);
    }

    #[test]
    fn a_batch_never_created_is_forgotten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = Cache::open(&dir.path().join("c.sqlite")).expect("opens");
        ensure_tables(&cache).expect("batch tables");
        let id = begin_batch(&cache, "m", &[[9u8; 32]])
            .expect("begin")
            .expect("free")
            .local_id;
        forget_batch(&cache, &id).expect("forget");
        assert!(open_batches(&cache, "m").expect("open").is_empty());
        assert!(batch_keys(&cache, &id).expect("keys").is_empty());
        drop(cache);
        // The batch tables do not make the file look like another program's.
        Cache::open(&dir.path().join("c.sqlite")).expect("reopens");
    }
}
