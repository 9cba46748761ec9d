//! Data versions: one counter per scope of data that readers cache (`region:<id>`, `national`
//! for writes without a region, `users`, and the `organizations` and `regions` collections),
//! bumped in the transaction of every write to it, and an in-memory snapshot of all of them per
//! instance ([`Versions`]), so that a cached answer is checked without a database hop.
//!
//! A write on one instance is seen by the others when their poller next reads the versions
//! (`NOK_FRESHNESS_MS`, plus the query's time); on the instance that wrote, at once: every
//! committed write transaction counts in `local_writes`, and a snapshot taken before the last
//! local commit is not used.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::data_versions;
use super::DbConnection;
use crate::error::ApiResult;

/// The collections that have a counter of their own (list pages of every region).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    Organizations,
    Regions,
}

impl Collection {
    pub fn name(self) -> &'static str {
        match self {
            Self::Organizations => "organizations",
            Self::Regions => "regions",
        }
    }
}

/// The key of a region's data: what its summary, ratings and organizations show.
pub fn region_key(region_id: i64) -> String {
    format!("region:{region_id}")
}

/// Writes that belong to no region (a federal methodology, a national cycle).
pub const NATIONAL: &str = "national";
/// Every write to a user (created, deactivated, password set): what a token resolves to.
pub const USERS: &str = "users";
/// Log-ins: they change nothing shown but the audit log, which depends on every counter.
pub const LOGINS: &str = "logins";

pub fn bump(conn: &mut DbConnection, collection: Collection) -> ApiResult<()> {
    bump_key(conn, collection.name())
}

/// Bumps `key`'s counter, creating it at 1 (one statement, atomic on both backends; on
/// PostgreSQL the row stays locked until the write commits, so writes of one key queue).
pub fn bump_key(conn: &mut DbConnection, key: &str) -> ApiResult<()> {
    const UPSERT: &str = "INSERT INTO data_versions (name, version) VALUES ($1, 1) \
        ON CONFLICT (name) DO UPDATE SET version = data_versions.version + 1";
    match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(UPSERT).bind::<Text, _>(key).execute(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(UPSERT.replace('$', "?"))
            .bind::<Text, _>(key)
            .execute(sqlite)?,
    };
    Ok(())
}

pub fn current(conn: &mut DbConnection, collection: Collection) -> ApiResult<i64> {
    Ok(data_versions::table
        .find(collection.name())
        .select(data_versions::version)
        .load::<i64>(conn)?
        .pop()
        .unwrap_or(0))
}

/// Every counter, in one query.
pub fn all(conn: &mut DbConnection) -> ApiResult<HashMap<String, i64>> {
    Ok(data_versions::table
        .select((data_versions::name, data_versions::version))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The versions as read at one moment. A key never written reads 0.
#[derive(Debug, Clone)]
pub struct Snapshot {
    versions: HashMap<String, i64>,
    /// `local_writes` as read before the query: every local write counted up to it is in here.
    seen_writes: u64,
    taken: Instant,
}

impl Snapshot {
    pub fn get(&self, key: &str) -> i64 {
        self.versions.get(key).copied().unwrap_or(0)
    }

    pub fn collection(&self, collection: Collection) -> i64 {
        self.get(collection.name())
    }

    pub fn region(&self, region_id: i64) -> i64 {
        self.get(&region_key(region_id))
    }

    /// The sum of every region's version, `national` and `regions`: what a summary across
    /// regions is a function of. Counters only grow, so any write to one of them changes it.
    pub fn all_regions(&self) -> i64 {
        self.versions
            .iter()
            .filter(|(key, _)| {
                key.starts_with("region:") || *key == NATIONAL || *key == Collection::Regions.name()
            })
            .map(|(_, version)| *version)
            .sum()
    }

    /// The sum of every counter: what the audit log and the change feed are a function of,
    /// since every audited write bumps one (counters only grow, so any write changes it).
    pub fn everything(&self) -> i64 {
        self.versions.values().sum()
    }
}

/// The versions of one instance: the last snapshot, and how many write transactions this
/// instance committed. Shared by every clone of the [`super::Db`].
#[derive(Debug)]
pub struct Versions {
    local_writes: AtomicU64,
    interval_ms: AtomicU64,
    last: RwLock<Option<Arc<Snapshot>>>,
}

impl Default for Versions {
    fn default() -> Self {
        Self {
            local_writes: AtomicU64::new(0),
            interval_ms: AtomicU64::new(200),
            last: RwLock::new(None),
        }
    }
}

impl Versions {
    /// How often the poller reads the versions (`NOK_FRESHNESS_MS`).
    pub fn set_interval(&self, interval: Duration) {
        let ms = u64::try_from(interval.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        self.interval_ms.store(ms, Ordering::Relaxed);
    }

    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.load(Ordering::Relaxed))
    }

    /// Called after a write transaction of this instance committed (never before: a snapshot
    /// whose query started after this count was read must see the write).
    pub fn committed(&self) {
        self.local_writes.fetch_add(1, Ordering::SeqCst);
    }

    /// The last snapshot if it may be used: no local write committed since its query began,
    /// and not older than three poll intervals (a stuck poller is not trusted).
    pub fn usable(&self) -> Option<Arc<Snapshot>> {
        let last = self
            .last
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        let fresh = last.seen_writes == self.local_writes.load(Ordering::SeqCst)
            && last.taken.elapsed() < self.interval() * 3;
        fresh.then_some(last)
    }

    /// Takes a new snapshot with `read` (one query of [`all`]). The local write count is read
    /// before the query, so a write committed meanwhile leaves the snapshot unusable.
    pub fn refresh(
        &self,
        read: impl FnOnce() -> ApiResult<HashMap<String, i64>>,
    ) -> ApiResult<Arc<Snapshot>> {
        let seen_writes = self.local_writes.load(Ordering::SeqCst);
        let taken = Instant::now();
        let snapshot = Arc::new(Snapshot {
            versions: read()?,
            seen_writes,
            taken,
        });
        let mut last = self.last.write().unwrap_or_else(|e| e.into_inner());
        // Of two refreshes racing, the one that began later wins.
        let newer = last
            .as_ref()
            .is_none_or(|l| (l.seen_writes, l.taken) <= (snapshot.seen_writes, snapshot.taken));
        if newer {
            *last = Some(snapshot.clone());
        }
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, i64)]) -> ApiResult<HashMap<String, i64>> {
        Ok(pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect())
    }

    #[test]
    fn a_snapshot_is_usable_until_a_local_write_commits() {
        let versions = Versions::default();
        assert!(versions.usable().is_none(), "none taken yet");
        versions.refresh(|| read(&[("region:1", 3)])).unwrap();
        assert_eq!(versions.usable().unwrap().region(1), 3);
        assert_eq!(versions.usable().unwrap().get("national"), 0);
        versions.committed();
        assert!(
            versions.usable().is_none(),
            "a local write commits: refresh first"
        );
        versions.refresh(|| read(&[("region:1", 4)])).unwrap();
        assert_eq!(versions.usable().unwrap().region(1), 4);
    }

    #[test]
    fn the_sum_over_regions_changes_with_any_region_and_national_only() {
        let versions = Versions::default();
        let at = |pairs| versions.refresh(|| read(pairs)).unwrap().all_regions();
        let base = at(&[
            ("region:1", 3),
            ("region:2", 1),
            ("national", 2),
            ("users", 5),
        ]);
        assert_eq!(base, 6);
        assert_eq!(
            at(&[
                ("region:1", 3),
                ("region:2", 2),
                ("national", 2),
                ("users", 5)
            ]),
            7
        );
        assert_eq!(
            at(&[
                ("region:1", 3),
                ("region:2", 1),
                ("national", 2),
                ("users", 9)
            ]),
            6
        );
    }

    #[test]
    fn a_write_committed_during_the_query_leaves_the_snapshot_unusable() {
        let versions = Versions::default();
        // The query may or may not have seen the write: its snapshot is not trusted.
        let taken = versions
            .refresh(|| {
                versions.committed();
                read(&[("region:1", 3)])
            })
            .unwrap();
        assert_eq!(taken.region(1), 3);
        assert!(versions.usable().is_none());
        versions.refresh(|| read(&[("region:1", 4)])).unwrap();
        assert!(versions.usable().is_some());
    }

    #[test]
    fn an_old_snapshot_is_not_used() {
        let versions = Versions::default();
        versions.set_interval(Duration::from_millis(1));
        versions.refresh(|| read(&[])).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(versions.usable().is_none(), "three intervals passed");
    }

    #[test]
    fn an_earlier_refresh_finishing_last_does_not_replace_a_later_one() {
        let versions = Versions::default();
        versions
            .refresh(|| {
                versions.committed();
                versions.refresh(|| read(&[("users", 2)])).unwrap();
                read(&[("users", 1)])
            })
            .unwrap();
        assert_eq!(versions.usable().unwrap().get("users"), 2);
    }
}
