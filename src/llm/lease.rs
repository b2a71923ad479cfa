//! Leases on requests, so that runs sharing one answer cache never send the same request
//! twice: before a request goes out, its process takes the request's lease in the cache
//! database (`leases`: the cache key, the process id, when). Another run that needs the
//! same request finds the lease held and waits for the answer to appear in the cache instead
//! of sending it; when the holder ends without an answer (a failure, a stop) it gives the
//! lease back and the waiter sends the request itself. A lease whose process is gone, or that
//! is older than the holder could still be using it, is free.

use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use super::cache::{Cache, CacheError, CachedAnswer};

/// How often a run waiting for another run's request looks for its answer.
const POLL: Duration = Duration::from_millis(100);

/// A lease this process holds: given back by storing the request's answer (the cache
/// deletes it in the same transaction), or with [`Lease::release`] when there is none.
#[derive(Debug)]
#[must_use = "a lease is given back by an answer or with release"]
pub(crate) struct Lease {
    key: [u8; 32],
}

/// What trying for a lease came to.
pub(crate) enum Claimed {
    /// This process holds the lease and sends the request.
    Lease(Lease),
    /// Another run answered the request meanwhile.
    Answered(CachedAnswer),
}

impl Lease {
    /// Gives the lease back when the request ended without an answer stored.
    pub(crate) fn release(self, cache: &Cache) -> Result<(), CacheError> {
        cache.with_conn(|c| {
            c.prepare_cached("DELETE FROM leases WHERE key = ?1 AND pid = ?2")?
                .execute(params![&self.key[..], std::process::id()])
                .map(drop)
        })
    }
}

/// Takes the lease of `key`, waiting while another live run holds it (a lease older than
/// `expiry` is taken over). Returns the answer instead when one appears in the cache, and
/// `None` when `stopped` says to give up.
pub(crate) async fn claim(
    cache: &Cache,
    key: &[u8; 32],
    expiry: Duration,
    stopped: impl Fn() -> bool,
) -> Result<Option<Claimed>, CacheError> {
    loop {
        if try_claim(cache, key, expiry).await? {
            // Answered between the caller's lookup and the claim: nothing to send.
            return Ok(Some(match cache.get(key)? {
                Some(answer) => {
                    Lease { key: *key }.release(cache)?;
                    Claimed::Answered(answer)
                }
                None => Claimed::Lease(Lease { key: *key }),
            }));
        }
        if let Some(answer) = cache.get(key)? {
            return Ok(Some(Claimed::Answered(answer)));
        }
        if stopped() {
            return Ok(None);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Takes the lease when it is free: nobody holds it, this process does, it is older than
/// `expiry` (all three in the cache's next group commit, see [`Cache::take_lease`]), or its
/// holder's process is gone.
async fn try_claim(cache: &Cache, key: &[u8; 32], expiry: Duration) -> Result<bool, CacheError> {
    let stale_before = unix_now().saturating_sub(expiry.as_secs() as i64);
    if cache.take_lease(key, stale_before).await? {
        return Ok(true);
    }
    cache.with_conn(|c| {
        let holder: Option<u32> = c
            .prepare_cached("SELECT pid FROM leases WHERE key = ?1")?
            .query_row(params![&key[..]], |r| r.get(0))
            .optional()?;
        match holder {
            Some(pid) if crate::atomic::process_gone(pid) => {
                let taken = c
                    .prepare_cached(
                        "UPDATE leases SET pid = ?2, taken_at = ?3 WHERE key = ?1 AND pid = ?4",
                    )?
                    .execute(params![&key[..], std::process::id(), unix_now(), pid])?;
                Ok(taken == 1)
            }
            // Held by a live run, or given back meanwhile (the next look takes it).
            _ => Ok(false),
        }
    })
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> CachedAnswer {
        CachedAnswer::sample(false)
    }

    /// A lease held by another live process: this test's parent (`bench`'s tests run in
    /// their own process, whose parent is cargo or a shell).
    fn held_by_a_live_process(cache: &Cache, key: &[u8; 32], age_s: i64) {
        let parent = std::os::unix::process::parent_id();
        cache
            .with_conn(|c| {
                c.execute(
                    "INSERT OR REPLACE INTO leases (key, pid, taken_at) VALUES (?1, ?2, ?3)",
                    params![&key[..], parent, unix_now() - age_s],
                )
                .map(drop)
            })
            .expect("lease written");
    }

    #[tokio::test]
    async fn a_free_lease_is_taken_and_given_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join("c.sqlite")).expect("cache");
        let key = [1u8; 32];
        let Some(Claimed::Lease(lease)) = claim(&cache, &key, Duration::from_secs(60), || false)
            .await
            .expect("claim")
        else {
            panic!("expected the lease");
        };
        assert!(
            try_claim(&cache, &key, Duration::from_secs(60))
                .await
                .expect("again")
        );
        lease.release(&cache).expect("release");
        let held: i64 = cache
            .with_conn(|c| c.query_row("SELECT count(*) FROM leases", [], |r| r.get(0)))
            .expect("count");
        assert_eq!(held, 0);
    }

    #[tokio::test]
    async fn storing_the_answer_gives_the_lease_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join("c.sqlite")).expect("cache");
        let key = [5u8; 32];
        assert!(
            try_claim(&cache, &key, Duration::from_secs(60))
                .await
                .expect("claim")
        );
        cache.put(&key, answer()).await.expect("stored");
        let held: i64 = cache
            .with_conn(|c| c.query_row("SELECT count(*) FROM leases", [], |r| r.get(0)))
            .expect("count");
        assert_eq!(held, 0);
    }

    #[tokio::test]
    async fn a_lease_held_by_a_live_run_waits_for_its_answer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.sqlite");
        let cache = Cache::open(&path).expect("cache");
        let key = [2u8; 32];
        held_by_a_live_process(&cache, &key, 0);
        assert!(
            !try_claim(&cache, &key, Duration::from_secs(60))
                .await
                .expect("try")
        );
        let other = Cache::open(&path).expect("a second connection");
        let answering = async {
            tokio::time::sleep(Duration::from_millis(250)).await;
            other.put(&key, answer()).await.expect("stored");
        };
        let (claimed, ()) = tokio::join!(
            claim(&cache, &key, Duration::from_secs(60), || false),
            answering
        );
        assert!(matches!(claimed, Ok(Some(Claimed::Answered(_)))));
        // Giving up when the run stops.
        let key = [3u8; 32];
        held_by_a_live_process(&cache, &key, 0);
        let stopped = claim(&cache, &key, Duration::from_secs(60), || true).await;
        assert!(matches!(stopped, Ok(None)));
    }

    #[tokio::test]
    async fn stale_leases_are_free() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join("c.sqlite")).expect("cache");
        let key = [4u8; 32];
        held_by_a_live_process(&cache, &key, 3_600);
        assert!(
            try_claim(&cache, &key, Duration::from_secs(60))
                .await
                .expect("old lease")
        );
        // A process that is gone: pid numbers above the kernel's maximum never run.
        cache
            .with_conn(|c| {
                c.execute(
                    "UPDATE leases SET pid = ?1, taken_at = ?2",
                    params![u32::MAX - 1, unix_now()],
                )
                .map(drop)
            })
            .expect("update");
        assert!(
            try_claim(&cache, &key, Duration::from_secs(60))
                .await
                .expect("gone holder")
        );
    }
}
