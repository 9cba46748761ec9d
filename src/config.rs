//! Settings from the environment. Every variable is listed in README.md.

use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    /// `postgres://…` selects PostgreSQL; anything else is a SQLite file path (optionally `sqlite://path`).
    pub database_url: String,
    pub bind: SocketAddr,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Connections in the database pool.
    pub pool_size: u32,
    /// Seconds a request waits for a free pooled connection before 503.
    pub pool_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
}

pub const DEFAULT_DATABASE_URL: &str = "nok.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.into(),
            bind: DEFAULT_BIND.parse().expect("valid default address"),
            body_limit: DEFAULT_BODY_LIMIT,
            pool_size: 16,
            pool_timeout_secs: 5,
            workers: 0,
        }
    }
}

impl Config {
    /// Reads `DATABASE_URL`, `NOK_BIND`, `NOK_BODY_LIMIT`, `NOK_POOL_SIZE`, `NOK_POOL_TIMEOUT_SECS`
    /// and `NOK_WORKERS`; unset variables keep their defaults, malformed ones are an error.
    pub fn from_env() -> Result<Self, String> {
        let defaults = Self::default();
        Ok(Self {
            database_url: std::env::var("DATABASE_URL").unwrap_or(defaults.database_url),
            bind: parse_env("NOK_BIND", defaults.bind)?,
            body_limit: parse_env("NOK_BODY_LIMIT", defaults.body_limit)?,
            pool_size: parse_env("NOK_POOL_SIZE", defaults.pool_size)?,
            pool_timeout_secs: parse_env("NOK_POOL_TIMEOUT_SECS", defaults.pool_timeout_secs)?,
            workers: parse_env("NOK_WORKERS", defaults.workers)?,
        })
    }
}

fn parse_env<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|e| format!("{name}={value:?} is not valid: {e}")),
        Err(_) => Ok(default),
    }
}
