//! Settings from the environment. Every variable is listed in README.md.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// `postgres://…` selects PostgreSQL; anything else is a SQLite file path (optionally `sqlite://path`).
    pub database_url: String,
    pub bind: SocketAddr,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Largest survey upload in bytes; uploads are streamed, so this bounds time, not memory.
    pub upload_limit: usize,
    /// Serialized list pages kept for reuse while their data is unchanged; 0 turns it off.
    pub list_cache_entries: usize,
    /// Connections in the database pool.
    pub pool_size: u32,
    /// Seconds a request waits for a free pooled connection before 503.
    pub pool_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// HS256 secret of the tokens this service issues (at least 32 bytes).
    pub jwt_secret: String,
    /// True when no secret was configured and a random one is used (tokens die with the process).
    pub jwt_secret_generated: bool,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub token_ttl_secs: u64,
    /// Login attempts per client address, and per username, per minute.
    pub login_limit_per_address: u32,
    pub login_limit_per_username: u32,
    /// Public keys (PEM or JWKS file) of the region's identity provider, if its tokens are accepted.
    pub idp_keys: Option<PathBuf>,
    pub idp_issuer: Option<String>,
    pub idp_audience: Option<String>,
    /// Claim holding the provider's role value, mapped to ours by `idp_role_map`.
    pub idp_role_claim: String,
    /// `value=role,…`
    pub idp_role_map: String,
    /// Claim holding the two-digit region code of regional roles.
    pub idp_region_claim: String,
    /// Claim holding the INN of the organization of organization users.
    pub idp_organization_claim: String,
    /// Deliver webhooks from this instance (every instance may; they share the outbox).
    pub webhook_delivery: bool,
    /// Accept webhook URLs on loopback, private and link-local addresses (`localhost`,
    /// `10.0.0.0/8`, `169.254.169.254`, …); off by default, so that a subscription cannot make
    /// the service probe its own network.
    pub webhook_internal_targets: bool,
    /// How often the outbox is looked at, and the first retry's wait (doubling after).
    pub webhook_poll_ms: u64,
    pub webhook_retry_base_ms: u64,
    pub webhook_max_attempts: i32,
    pub webhook_timeout_secs: u64,
    /// How long a stored `Idempotency-Key` answer is replayed.
    pub idempotency_ttl_secs: u64,
    /// `max-age` of successful reads by anonymous callers: they see published data only, which
    /// portals and proxies may keep this long.
    pub public_max_age_secs: u32,
    /// Origins (`https://portal.example.ru`) whose browser pages may call the API; empty means
    /// no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Seconds in-flight requests get to finish after SIGTERM before their connections are dropped.
    pub shutdown_timeout_secs: u64,
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
            upload_limit: 256 * 1024 * 1024,
            list_cache_entries: 1024,
            pool_size: 16,
            pool_timeout_secs: 5,
            workers: 0,
            jwt_secret: random_secret(),
            jwt_secret_generated: true,
            jwt_issuer: "nok-api".into(),
            jwt_audience: "nok-api".into(),
            token_ttl_secs: 3600,
            login_limit_per_address: 30,
            login_limit_per_username: 10,
            idp_keys: None,
            idp_issuer: None,
            idp_audience: None,
            idp_role_claim: "role".into(),
            idp_role_map: String::new(),
            idp_region_claim: "region_code".into(),
            idp_organization_claim: "organization_inn".into(),
            webhook_delivery: true,
            webhook_internal_targets: false,
            webhook_poll_ms: 1000,
            webhook_retry_base_ms: 10_000,
            webhook_max_attempts: 10,
            webhook_timeout_secs: 10,
            idempotency_ttl_secs: 24 * 3600,
            public_max_age_secs: 60,
            cors_origins: Vec::new(),
            shutdown_timeout_secs: 30,
        }
    }
}

fn random_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl Config {
    /// Reads the variables of README.md's configuration table; unset variables keep their
    /// defaults, malformed ones are an error.
    pub fn from_env() -> Result<Self, String> {
        let defaults = Self::default();
        Ok(Self {
            database_url: std::env::var("DATABASE_URL").unwrap_or(defaults.database_url),
            bind: parse_env("NOK_BIND", defaults.bind)?,
            body_limit: parse_env("NOK_BODY_LIMIT", defaults.body_limit)?,
            upload_limit: parse_env("NOK_UPLOAD_LIMIT", defaults.upload_limit)?,
            list_cache_entries: parse_env("NOK_LIST_CACHE_ENTRIES", defaults.list_cache_entries)?,
            pool_size: parse_env("NOK_POOL_SIZE", defaults.pool_size)?,
            pool_timeout_secs: parse_env("NOK_POOL_TIMEOUT_SECS", defaults.pool_timeout_secs)?,
            workers: parse_env("NOK_WORKERS", defaults.workers)?,
            jwt_secret_generated: std::env::var("NOK_JWT_SECRET").is_err(),
            jwt_secret: std::env::var("NOK_JWT_SECRET").unwrap_or(defaults.jwt_secret),
            jwt_issuer: parse_env("NOK_JWT_ISSUER", defaults.jwt_issuer)?,
            jwt_audience: parse_env("NOK_JWT_AUDIENCE", defaults.jwt_audience)?,
            token_ttl_secs: parse_env("NOK_TOKEN_TTL_SECS", defaults.token_ttl_secs)?,
            login_limit_per_address: parse_env(
                "NOK_LOGIN_LIMIT_PER_ADDRESS",
                defaults.login_limit_per_address,
            )?,
            login_limit_per_username: parse_env(
                "NOK_LOGIN_LIMIT_PER_USERNAME",
                defaults.login_limit_per_username,
            )?,
            idp_keys: std::env::var("NOK_IDP_KEYS").ok().map(PathBuf::from),
            idp_issuer: std::env::var("NOK_IDP_ISSUER").ok(),
            idp_audience: std::env::var("NOK_IDP_AUDIENCE").ok(),
            idp_role_claim: parse_env("NOK_IDP_ROLE_CLAIM", defaults.idp_role_claim)?,
            idp_role_map: parse_env("NOK_IDP_ROLE_MAP", defaults.idp_role_map)?,
            idp_region_claim: parse_env("NOK_IDP_REGION_CLAIM", defaults.idp_region_claim)?,
            idp_organization_claim: parse_env(
                "NOK_IDP_ORGANIZATION_CLAIM",
                defaults.idp_organization_claim,
            )?,
            webhook_delivery: parse_env("NOK_WEBHOOK_DELIVERY", defaults.webhook_delivery)?,
            webhook_internal_targets: parse_env(
                "NOK_WEBHOOK_INTERNAL_TARGETS",
                defaults.webhook_internal_targets,
            )?,
            webhook_poll_ms: parse_env("NOK_WEBHOOK_POLL_MS", defaults.webhook_poll_ms)?,
            webhook_retry_base_ms: parse_env(
                "NOK_WEBHOOK_RETRY_BASE_MS",
                defaults.webhook_retry_base_ms,
            )?,
            webhook_max_attempts: parse_env(
                "NOK_WEBHOOK_MAX_ATTEMPTS",
                defaults.webhook_max_attempts,
            )?,
            webhook_timeout_secs: parse_env(
                "NOK_WEBHOOK_TIMEOUT_SECS",
                defaults.webhook_timeout_secs,
            )?,
            idempotency_ttl_secs: parse_env(
                "NOK_IDEMPOTENCY_TTL_SECS",
                defaults.idempotency_ttl_secs,
            )?,
            public_max_age_secs: parse_env("NOK_PUBLIC_MAX_AGE", defaults.public_max_age_secs)?,
            cors_origins: match std::env::var("NOK_CORS_ORIGINS") {
                Ok(value) => parse_origins(&value).map_err(|e| format!("NOK_CORS_ORIGINS: {e}"))?,
                Err(_) => defaults.cors_origins,
            },
            shutdown_timeout_secs: parse_env(
                "NOK_SHUTDOWN_TIMEOUT_SECS",
                defaults.shutdown_timeout_secs,
            )?,
        })
    }

    /// Defaults with a fixed secret, for tests that issue tokens on both sides.
    pub fn for_tests() -> Self {
        Self {
            jwt_secret: "test secret of at least thirty-two bytes".into(),
            jwt_secret_generated: false,
            ..Self::default()
        }
    }
}

/// Comma-separated exact origins, `scheme://host[:port]` as browsers send them in `Origin`
/// (lower case): a path, a trailing slash or a wildcard would never match, so they are refused
/// at start.
pub fn parse_origins(value: &str) -> Result<Vec<String>, String> {
    value
        .split(',')
        .map(|origin| origin.trim().to_ascii_lowercase())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match host {
                Some(host)
                    if !host.is_empty()
                        && host
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)) =>
                {
                    Ok(origin)
                }
                _ => Err(format!(
                    "{origin:?} is not an origin like https://portal.example.ru"
                )),
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::parse_origins;

    #[test]
    fn origins_are_exact_and_comma_separated() {
        assert_eq!(
            parse_origins(" https://Portal.example.ru, http://localhost:3000 ,").unwrap(),
            ["https://portal.example.ru", "http://localhost:3000"]
        );
        assert!(parse_origins("").unwrap().is_empty());
        for bad in [
            "*",
            "portal.example.ru",
            "https://",
            "https://portal.example.ru/",
            "https://*.example.ru",
        ] {
            assert!(parse_origins(bad).is_err(), "{bad} accepted");
        }
    }
}
