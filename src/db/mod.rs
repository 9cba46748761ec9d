//! Storage: one diesel schema over SQLite (embedded default) and PostgreSQL (production).
//! The backend is chosen by the URL scheme; queries live in one module per resource.

pub mod approvals;
pub mod audit;
pub mod changes;
pub mod council_meetings;
pub mod cycles;
pub mod evaluations;
pub mod follow_up;
pub mod idempotency;
pub mod login_windows;
pub mod national;
pub mod operators;
pub mod organizations;
pub mod organizing_plans;
pub mod plans;
pub mod proposals;
pub mod regions;
pub mod reports;
pub mod schema;
pub mod survey;
pub mod users;
pub mod versioned;
pub mod versions;
pub mod webhooks;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{ApiError, ApiResult};

/// Bound parameters per statement that multi-row INSERTs stay under: SQLite allows 32,766,
/// PostgreSQL 65,535.
pub const MAX_BINDS: usize = 30_000;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Opens connections for the pool. Unlike the MultiConnection derive's `establish`, it picks the
/// backend by URL and so keeps the real connection error; it also sets SQLite's per-connection pragmas.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
        }
    }

    pub fn connect(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match Backend::of(&self.url) {
            Backend::Postgres => PgConnection::establish(&self.url).map(DbConnection::Postgres),
            Backend::Sqlite => {
                let path = self.url.strip_prefix("sqlite://").unwrap_or(&self.url);
                let mut conn = SqliteConnection::establish(path)?;
                // Writers queue for up to 5 s instead of failing with SQLITE_BUSY.
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// A connection of the pool, and whether it was lost (PostgreSQL restarted, the backend
/// killed): a lost connection fails every later query, so the pool drops it instead of handing
/// it to the next request. Derefs to the connection.
pub struct Pooled {
    conn: DbConnection,
    lost: bool,
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        ConnectionManager::connect(self).map(|conn| Pooled { conn, lost: false })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    /// Called as a connection goes back: lost, left inside a transaction, or with a transaction
    /// manager broken by a failed rollback, it is closed rather than reused.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.lost || std::thread::panicking() || conn.conn.is_broken()
    }
}

/// The connection pool; cheap to clone. All database work goes through [`Db::run`].
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    pub backend: Backend,
    url: Arc<str>,
    /// SQLite has one writer at a time, and a transaction that reads before it writes fails
    /// with SQLITE_BUSY (not waiting) when another write lands in between; taking turns here
    /// first makes writers queue instead. PostgreSQL needs no such lock.
    sqlite_writer: Arc<Mutex<()>>,
    /// This instance's snapshot of the data versions (see [`versions`]).
    versions: Arc<versions::Versions>,
}

impl Db {
    /// Migrates the database (creating a SQLite file if needed) and builds the pool.
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> Result<Self, String> {
        let manager = ConnectionManager::new(url);
        exclusively(url, "migrations", migrate)?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| format!("cannot build the connection pool: {e}"))?;
        Ok(Self::of_pool(pool, url))
    }

    /// A pool that connects on first use and migrates nothing: the service answers (with 503)
    /// while the database is down. Used where start-up must not wait for the database.
    pub fn lazy(url: &str, pool_size: u32, timeout: Duration) -> Self {
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(timeout)
            .build_unchecked(ConnectionManager::new(url));
        Self::of_pool(pool, url)
    }

    fn of_pool(pool: r2d2::Pool<ConnectionManager>, url: &str) -> Self {
        Self {
            pool,
            backend: Backend::of(url),
            url: url.into(),
            sqlite_writer: Arc::new(Mutex::new(())),
            versions: Arc::default(),
        }
    }

    /// Runs blocking database work on actix's blocking thread pool, never on an async worker.
    pub async fn run<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            let result = work(&mut conn);
            if matches!(
                result,
                Err(ApiError::Unavailable(_) | ApiError::Internal(_))
            ) && conn.batch_execute("SELECT 1").is_err()
            {
                // The connection itself failed (the database restarted or went away), whatever
                // error that surfaced as: 503 for this request, a new connection for the next.
                if let Err(error) = &result {
                    tracing::warn!(error = ?error, "database connection lost");
                }
                conn.lost = true;
                return Err(ApiError::Unavailable(
                    "The database connection was lost".into(),
                ));
            }
            result
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Like [`Db::run`], inside one transaction: an error rolls back everything the work wrote.
    pub async fn transaction<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let writer = self.sqlite_writer.clone();
        let serialize = self.backend == Backend::Sqlite;
        // Read here, on the request's task: the work runs on a blocking thread.
        let claim = idempotency::CLAIM.try_with(|id| *id).ok();
        let versions = self.versions.clone();
        self.run(move |conn| {
            let _turn = serialize.then(|| writer.lock().unwrap_or_else(|e| e.into_inner()));
            let result = write_transaction(conn, |conn| {
                let value = work(conn)?;
                if let Some(claim) = claim {
                    idempotency::mark_work_done(conn, claim)?;
                }
                Ok(value)
            });
            // After the commit (or a failure, which changes nothing but costs only a refresh).
            versions.committed();
            result
        })
        .await
    }

    /// The data versions as of now for this instance: the last snapshot, or a new one (one
    /// query) if a write of this instance committed since it was taken or the poller is late.
    pub async fn versions(&self) -> ApiResult<Arc<versions::Snapshot>> {
        if let Some(snapshot) = self.versions.usable() {
            return Ok(snapshot);
        }
        self.refresh_versions().await
    }

    /// Reads the data versions anew (the poller, or a reader whose snapshot is unusable).
    pub async fn refresh_versions(&self) -> ApiResult<Arc<versions::Snapshot>> {
        let own = self.versions.clone();
        self.run(move |conn| own.refresh(|| versions::all(conn)))
            .await
    }

    /// Sets how often [`Db::poll_versions`] reads the versions (`NOK_FRESHNESS_MS`).
    pub fn set_freshness(&self, interval: Duration) {
        self.versions.set_interval(interval);
    }

    /// Reads the data versions every interval until dropped (a task of the server), so that
    /// writes of other instances reach this one's caches within the interval.
    pub async fn poll_versions(self) {
        loop {
            if let Err(error) = self.refresh_versions().await {
                tracing::warn!(error = ?error, "cannot read the data versions");
            }
            tokio::time::sleep(self.versions.interval()).await;
        }
    }

    /// Like [`Db::transaction`], but always rolled back: a dry run that does all the work a
    /// write would (every check and constraint included) and returns what it would have made.
    pub async fn rolled_back<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        enum Outcome<T> {
            Done(T),
            Failed(ApiError),
        }
        impl<T> From<diesel::result::Error> for Outcome<T> {
            fn from(e: diesel::result::Error) -> Self {
                Outcome::Failed(e.into())
            }
        }
        let writer = self.sqlite_writer.clone();
        let serialize = self.backend == Backend::Sqlite;
        self.run(move |conn| {
            let _turn = serialize.then(|| writer.lock().unwrap_or_else(|e| e.into_inner()));
            let outcome = write_transaction::<(), Outcome<T>, _>(conn, |conn| {
                Err(match work(conn) {
                    Ok(value) => Outcome::Done(value),
                    Err(e) => Outcome::Failed(e),
                })
            });
            match outcome {
                Err(Outcome::Done(value)) => Ok(value),
                Err(Outcome::Failed(e)) => Err(e),
                Ok(()) => Err(ApiError::internal("a dry run committed")),
            }
        })
        .await
    }

    /// How many connections the pool holds and how many of them wait idle, for the metrics.
    pub fn pool_usage(&self) -> PoolUsage {
        let state = self.pool.state();
        PoolUsage {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    /// [`exclusively`] on this pool's database, for the CLI (the demo load).
    pub fn exclusively<T>(
        &self,
        purpose: &str,
        work: impl FnOnce(&mut DbConnection) -> Result<T, String>,
    ) -> Result<T, String> {
        exclusively(&self.url, purpose, work)
    }

    /// Blocking access for the CLI (migrate, demo data), outside any HTTP request.
    pub fn blocking(&self) -> ApiResult<r2d2::PooledConnection<ConnectionManager>> {
        Ok(self.pool.get()?)
    }
}

/// A transaction that holds the write lock from its first statement. On SQLite a deferred
/// transaction reads a snapshot and fails with SQLITE_BUSY, without waiting, when it later
/// writes after another connection committed (an idempotency claim, a webhook delivery);
/// `BEGIN IMMEDIATE` waits for the lock up front (busy_timeout) instead. PostgreSQL takes row
/// locks as it goes, so its transactions stay as they are.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => return conn.transaction(work),
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Connections of the pool: open ones (idle or in use), idle ones, and the most it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub connections: u32,
    pub idle: u32,
    pub max_size: u32,
}

impl PoolUsage {
    pub fn in_use(&self) -> u32 {
        self.connections.saturating_sub(self.idle)
    }
}

/// Runs `work` on a connection of its own while holding the database-wide lock named `purpose`,
/// so that instances started together on one database take turns at start-up work (migrations,
/// the demo load): the second waits, then finds the work done. PostgreSQL: a session advisory
/// lock per schema (tests share a database, one schema each), released at the end or when the
/// connection drops. SQLite: an exclusive lock on the file `<database>.lock` beside it.
pub fn exclusively<T>(
    url: &str,
    purpose: &str,
    work: impl FnOnce(&mut DbConnection) -> Result<T, String>,
) -> Result<T, String> {
    use diesel::sql_types::Text;
    use diesel::RunQueryDsl;
    let mut conn = ConnectionManager::new(url)
        .connect()
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let waited = |e: &dyn std::fmt::Display| format!("cannot take the {purpose} lock: {e}");
    match &mut conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(
                "SELECT pg_advisory_lock(hashtext('nok-api ' || $1 || ' ' || current_schema()))",
            )
            .bind::<Text, _>(purpose)
            .execute(pg)
            .map_err(|e| waited(&e))?;
            // The lock dies with the connection, dropped below whatever `work` did.
            work(&mut conn)
        }
        DbConnection::Sqlite(_) => {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            if path.is_empty() || path.contains(":memory:") || path.starts_with("file:") {
                return work(&mut conn);
            }
            let lock = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(format!("{path}.lock"))
                .map_err(|e| waited(&e))?;
            rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
                .map_err(|e| waited(&e))?;
            // Unlocked when `lock` is closed, after the work.
            work(&mut conn)
        }
    }
}

/// Runs the pending migrations of the connection's backend; SQLite also switches to WAL once.
pub fn migrate(conn: &mut DbConnection) -> Result<(), String> {
    let result = match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| format!("cannot enable WAL: {e}"))?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())
        }
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| format!("migration failed: {e}"))
}

/// Current UTC time at microsecond precision, so that SQLite and PostgreSQL store and return
/// the same instant.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
