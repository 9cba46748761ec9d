//! Settings, each declared once below: its variable, its default and its help text (what
//! `nok-api serve --help` shows, and what README.md's configuration table repeats). Every
//! setting is read from the environment, or from the flag of the same name.

use std::ffi::OsStr;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::LazyLock;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{ArgAction, Args, FromArgMatches};
use secrecy::SecretString;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Settings (flag or environment variable)")]
pub struct Config {
    /// `postgres://user@host:port/db` selects PostgreSQL; anything else is a SQLite file path
    /// (`sqlite://` prefix optional).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "nok.db",
        hide_env_values = true
    )]
    pub database_url: DatabaseUrl,
    /// Listen address.
    #[arg(long, env = "NOK_BIND", default_value = "127.0.0.1:8080", value_parser = trimmed::<SocketAddr>())]
    pub bind: SocketAddr,
    /// Largest accepted JSON body in bytes (413 above it).
    #[arg(long, env = "NOK_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT, value_parser = trimmed::<usize>())]
    pub body_limit: usize,
    /// Largest survey upload in bytes; uploads are streamed, so this bounds time, not memory.
    #[arg(long, env = "NOK_UPLOAD_LIMIT", default_value_t = 256 * 1024 * 1024, value_parser = trimmed::<usize>())]
    pub upload_limit: usize,
    /// Serialized list pages kept for reuse while their data is unchanged; 0 turns it off.
    #[arg(long, env = "NOK_LIST_CACHE_ENTRIES", default_value_t = 1024, value_parser = trimmed::<usize>())]
    pub list_cache_entries: usize,
    /// Bytes of rendered pages and parsed rating snapshots kept in memory, per cache (list
    /// pages; ratings); 0 turns caching off.
    #[arg(long, env = "NOK_CACHE_BYTES", default_value_t = 16 * 1024 * 1024, value_parser = trimmed::<usize>())]
    pub cache_bytes: usize,

    /// Milliseconds between reads of the data versions: a write on another instance reaches
    /// this one's caches within this time (plus the query's); on the instance that wrote, at once.
    #[arg(long, env = "NOK_FRESHNESS_MS", default_value_t = 200, value_parser = trimmed::<u64>())]
    pub freshness_ms: u64,
    /// Database connections in the pool.
    #[arg(long, env = "NOK_POOL_SIZE", default_value_t = 16, value_parser = trimmed::<u32>())]
    pub pool_size: u32,
    /// Seconds a request waits for a free pooled connection before 503.
    #[arg(long, env = "NOK_POOL_TIMEOUT_SECS", default_value_t = 5, value_parser = trimmed::<u64>())]
    pub pool_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    #[arg(long, env = "NOK_WORKERS", default_value_t = 0, value_parser = trimmed::<usize>())]
    pub workers: usize,
    /// Threads for blocking work (database, hashing, files) across all workers; 0 means as many
    /// as pooled connections, which is all the database work that can run at once.
    #[arg(long, env = "NOK_BLOCKING_THREADS", default_value_t = 0, value_parser = trimmed::<usize>())]
    pub blocking_threads: usize,
    /// Rating and results exports built at once (a large region's takes tens of MiB while it
    /// is built); later ones wait.
    #[arg(long, env = "NOK_EXPORT_CONCURRENCY", default_value_t = 2, value_parser = trimmed::<usize>())]
    pub export_concurrency: usize,
    /// Password hashes computed at once (argon2id takes 19 MiB each); later logins wait.
    #[arg(long, env = "NOK_HASH_CONCURRENCY", default_value_t = 2, value_parser = trimmed::<usize>())]
    pub hash_concurrency: usize,
    /// HS256 secret of issued tokens, at least 32 bytes; unset, a random one is used and tokens
    /// die with the process. Set it in production, the same on every instance.
    #[arg(
        long,
        env = "NOK_JWT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub jwt_secret: Option<SecretString>,
    /// `iss` of issued tokens, checked on every request.
    #[arg(long, env = "NOK_JWT_ISSUER", default_value = "nok-api", value_parser = trimmed::<String>())]
    pub jwt_issuer: String,
    /// `aud` of issued tokens, checked on every request.
    #[arg(long, env = "NOK_JWT_AUDIENCE", default_value = "nok-api", value_parser = trimmed::<String>())]
    pub jwt_audience: String,
    /// Token lifetime in seconds.
    #[arg(long, env = "NOK_TOKEN_TTL_SECS", default_value_t = 3600, value_parser = trimmed::<u64>())]
    pub token_ttl_secs: u64,
    /// Seconds of clock difference allowed when checking a token's `exp` and `nbf` (instances'
    /// and the identity provider's clocks differ a little); past it an expired token is 401.
    #[arg(long, env = "NOK_TOKEN_LEEWAY_SECS", default_value_t = 5, value_parser = trimmed::<u64>())]
    pub token_leeway_secs: u64,
    /// Login attempts per client address per minute before 429.
    #[arg(long, env = "NOK_LOGIN_LIMIT_PER_ADDRESS", default_value_t = 30, value_parser = trimmed::<u32>())]
    pub login_limit_per_address: u32,
    /// Login attempts per username per minute before 429.
    #[arg(long, env = "NOK_LOGIN_LIMIT_PER_USERNAME", default_value_t = 10, value_parser = trimmed::<u32>())]
    pub login_limit_per_username: u32,
    /// Comma-separated addresses or networks (`10.0.0.5,10.1.0.0/16`) of the proxies in front:
    /// only from them is the client address read from `X-Forwarded-For` (or `Forwarded`), as
    /// the rightmost hop that is not one of them. Empty: the direct peer is the client.
    #[arg(long, env = "NOK_TRUSTED_PROXIES", default_value = "", value_name = "ADDRESSES", value_parser = Setting(parse_networks))]
    pub trusted_proxies: ::std::vec::Vec<ipnet::IpNet>,
    /// PEM or JWKS file with the public keys of the region's identity provider, whose RS256/ES256
    /// tokens are then accepted.
    #[arg(long, env = "NOK_IDP_KEYS", value_name = "FILE")]
    pub idp_keys: Option<PathBuf>,
    /// `iss` of the identity provider's tokens (required with NOK_IDP_KEYS).
    #[arg(long, env = "NOK_IDP_ISSUER")]
    pub idp_issuer: Option<String>,
    /// `aud` of the identity provider's tokens (required with NOK_IDP_KEYS).
    #[arg(long, env = "NOK_IDP_AUDIENCE")]
    pub idp_audience: Option<String>,
    /// Claim holding the provider's role value, mapped to ours by NOK_IDP_ROLE_MAP.
    #[arg(long, env = "NOK_IDP_ROLE_CLAIM", default_value = "role", value_parser = trimmed::<String>())]
    pub idp_role_claim: String,
    /// `value=role,…`, e.g. `soc-authority=authority,soc-audit=auditor`.
    #[arg(long, env = "NOK_IDP_ROLE_MAP", default_value = "", value_parser = trimmed::<String>())]
    pub idp_role_map: String,
    /// Claim holding the two-digit region code of regional roles.
    #[arg(long, env = "NOK_IDP_REGION_CLAIM", default_value = "region_code", value_parser = trimmed::<String>())]
    pub idp_region_claim: String,
    /// Claim holding the INN of the organization of organization users.
    #[arg(long, env = "NOK_IDP_ORGANIZATION_CLAIM", default_value = "organization_inn", value_parser = trimmed::<String>())]
    pub idp_organization_claim: String,
    /// Deliver webhooks from this instance (instances share the outbox; each delivery goes out
    /// once).
    #[arg(long, env = "NOK_WEBHOOK_DELIVERY", default_value_t = true, action = ArgAction::Set, value_parser = trimmed::<bool>())]
    pub webhook_delivery: bool,
    /// Accept webhook URLs on loopback, private and link-local addresses (`localhost`,
    /// `10.0.0.0/8`, `169.254.169.254`, …); off by default, so that a subscription cannot make
    /// the service probe its own network.
    #[arg(long, env = "NOK_WEBHOOK_INTERNAL_TARGETS", default_value_t = false, action = ArgAction::Set, value_parser = trimmed::<bool>())]
    pub webhook_internal_targets: bool,
    /// How often the outbox is read, in milliseconds.
    #[arg(long, env = "NOK_WEBHOOK_POLL_MS", default_value_t = 1000, value_parser = trimmed::<u64>())]
    pub webhook_poll_ms: u64,
    /// The first retry's wait in milliseconds (doubling each time, at most an hour).
    #[arg(long, env = "NOK_WEBHOOK_RETRY_BASE_MS", default_value_t = 10_000, value_parser = trimmed::<u64>())]
    pub webhook_retry_base_ms: u64,
    /// Attempts before a delivery is `failed`.
    #[arg(long, env = "NOK_WEBHOOK_MAX_ATTEMPTS", default_value_t = 10, value_parser = trimmed::<i32>())]
    pub webhook_max_attempts: i32,
    /// Seconds one delivery attempt may take.
    #[arg(long, env = "NOK_WEBHOOK_TIMEOUT_SECS", default_value_t = 10, value_parser = trimmed::<u64>())]
    pub webhook_timeout_secs: u64,
    /// Deliveries of one subscription in flight at once, over all instances (at least 1): a
    /// slow receiver waits for its own, and holds no other subscription's.
    #[arg(long, env = "NOK_WEBHOOK_CONCURRENCY", default_value_t = 4, value_parser = trimmed::<u32>())]
    pub webhook_concurrency: u32,
    /// Seconds a stored `Idempotency-Key` answer is replayed.
    #[arg(long, env = "NOK_IDEMPOTENCY_TTL_SECS", default_value_t = 24 * 3600, value_parser = trimmed::<u64>())]
    pub idempotency_ttl_secs: u64,
    /// `max-age` in seconds of successful reads by anonymous callers: they see published data
    /// only, which portals and proxies may keep this long.
    #[arg(long = "public-max-age", env = "NOK_PUBLIC_MAX_AGE", default_value_t = 60, value_parser = trimmed::<u32>())]
    pub public_max_age_secs: u32,
    /// Comma-separated exact origins (`https://portal.example.ru,http://localhost:3000`) whose
    /// browser pages may call the API; empty means no CORS headers at all.
    // `::std::vec::Vec` keeps clap from taking the setting for a repeatable flag.
    #[arg(long, env = "NOK_CORS_ORIGINS", default_value = "", value_name = "ORIGINS", value_parser = Setting(parse_origins))]
    pub cors_origins: ::std::vec::Vec<String>,
    /// Bearer token that `GET /metrics` requires (`Authorization: Bearer <token>`, the
    /// scraper's credential); unset, /metrics is not served (404): its per-route counts tell
    /// failed logins, approvals and user creation apart.
    #[arg(
        long,
        env = "NOK_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<SecretString>,
    /// Seconds in-flight requests get to finish after SIGTERM before their connections are
    /// dropped.
    #[arg(long, env = "NOK_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30, value_parser = trimmed::<u64>())]
    pub shutdown_timeout_secs: u64,
}

/// The body limit of a server built without configuration (and of the 413 message there).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Signs tokens when NOK_JWT_SECRET is unset: one per process, shared by all its workers.
static GENERATED_SECRET: LazyLock<SecretString> = LazyLock::new(|| {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
    .into()
});

impl Default for Config {
    /// The defaults declared above, whatever the environment holds.
    fn default() -> Self {
        let command =
            Self::augment_args(clap::Command::new("nok-api")).mut_args(|arg| arg.env(None::<&str>));
        command
            .try_get_matches_from(["nok-api"])
            .and_then(|matches| Self::from_arg_matches(&matches))
            .expect("the declared defaults parse")
    }
}

impl Config {
    /// NOK_JWT_SECRET, or else the process's random secret.
    pub fn token_secret(&self) -> &SecretString {
        self.jwt_secret.as_ref().unwrap_or(&GENERATED_SECRET)
    }

    /// Defaults with a fixed secret, for tests that issue tokens on both sides.
    pub fn for_tests() -> Self {
        Self {
            jwt_secret: Some("test secret of at least thirty-two bytes".into()),
            ..Self::default()
        }
    }
}

/// A database URL, whose password (`postgres://user:password@…` or `?password=…`) `{:?}` does
/// not show.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn redacted(&self) -> String {
        const HIDDEN: &str = "[REDACTED]";
        let url = self.0.as_str();
        let authority_start = url.find("://").map_or(0, |i| i + 3);
        let authority_end = url[authority_start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| authority_start + i);
        let mut shown = match url[authority_start..authority_end].rfind('@') {
            Some(at) => {
                let userinfo = &url[authority_start..authority_start + at];
                match userinfo.find(':') {
                    Some(colon) => format!(
                        "{}{HIDDEN}{}",
                        &url[..authority_start + colon + 1],
                        &url[authority_start + at..]
                    ),
                    None => url.to_owned(),
                }
            }
            None => url.to_owned(),
        };
        if let Some(query_start) = shown.find('?') {
            let (head, query) = shown.split_at(query_start + 1);
            let query = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}={HIDDEN}")
                    }
                    _ => pair.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("&");
            shown = format!("{head}{query}");
        }
        shown
    }
}

impl std::ops::Deref for DatabaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(url: &str) -> Self {
        Self(url.to_owned())
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

/// Comma-separated IP addresses (one host each) or networks in CIDR notation.
pub fn parse_networks(value: &str) -> Result<Vec<ipnet::IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or a network like 10.0.0.0/8"))
        })
        .collect()
}

/// A setting's parser whose refusal names the environment variable (settings mostly come from
/// there; clap's own message names only the flag).
#[derive(Clone)]
pub struct Setting<T>(pub fn(&str) -> Result<T, String>);

/// The value, surrounding blanks ignored, as `T` parses it.
fn trimmed<T>() -> Setting<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    Setting(|value| value.trim().parse().map_err(|e: T::Err| e.to_string()))
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Setting<T> {
    type Value = T;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        let reason = match value.to_str() {
            Some(text) => match (self.0)(text) {
                Ok(parsed) => return Ok(parsed),
                Err(reason) => reason,
            },
            None => "not UTF-8".to_owned(),
        };
        let env = arg.and_then(clap::Arg::get_env).map(OsStr::to_string_lossy);
        let flag = arg
            .and_then(clap::Arg::get_long)
            .map(|long| format!("--{long}"));
        let message = match (env, flag) {
            (Some(env), Some(flag)) => format!("{env}={text:?} ({flag}) is not valid: {reason}"),
            (Some(name), None) => format!("{name}={text:?} is not valid: {reason}"),
            (None, Some(name)) => format!("{name}={text:?} is not valid: {reason}"),
            (None, None) => format!("{text:?} is not valid: {reason}"),
        };
        Err(command.clone().error(ErrorKind::ValueValidation, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

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

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let networks = parse_networks(" 10.0.0.5, 10.1.0.0/16,::1 ,").unwrap();
        let shown: Vec<_> = networks.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.5/32", "10.1.0.0/16", "::1/128"]);
        assert!(parse_networks("").unwrap().is_empty());
        for bad in ["proxy.local", "10.0.0.0/33", "*"] {
            assert!(parse_networks(bad).is_err(), "{bad} accepted");
        }
        let error = parse(&["--trusted-proxies", "lb"]).unwrap_err();
        assert!(error.contains("NOK_TRUSTED_PROXIES"), "{error}");
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = Config::default();
        assert_eq!(config.database_url.as_str(), "nok.db");
        assert_eq!(config.bind, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.body_limit, 1_048_576);
        assert_eq!(config.upload_limit, 268_435_456);
        assert_eq!(config.public_max_age_secs, 60);
        assert_eq!(config.idempotency_ttl_secs, 86_400);
        assert_eq!(config.token_leeway_secs, 5);
        assert!(config.webhook_delivery && !config.webhook_internal_targets);
        assert!(config.jwt_secret.is_none() && config.cors_origins.is_empty());
        assert!(config.trusted_proxies.is_empty() && config.metrics_token.is_none());
        assert_eq!(config.token_secret().expose_secret().len(), 64);
    }

    /// `args` as the command line; the environment's values count only where no flag is given.
    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::augment_args(clap::Command::new("nok-api"))
            .try_get_matches_from([&["nok-api"], args].concat())
            .and_then(|matches| Config::from_arg_matches(&matches))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn values_are_trimmed_and_malformed_ones_name_their_variable() {
        let config = parse(&["--pool-size", " 4 ", "--webhook-delivery", "false"]).unwrap();
        assert_eq!((config.pool_size, config.webhook_delivery), (4, false));
        let error = parse(&["--pool-size", "many"]).unwrap_err();
        assert!(
            error.contains(r#"NOK_POOL_SIZE="many" (--pool-size) is not valid"#),
            "{error}"
        );
        let error = parse(&["--cors-origins", "*"]).unwrap_err();
        assert!(error.contains("NOK_CORS_ORIGINS"), "{error}");
    }

    #[test]
    fn debug_shows_no_secret() {
        let config = Config {
            jwt_secret: Some("a jwt secret of at least thirty-two bytes".into()),
            metrics_token: Some("a metrics token".into()),
            database_url: "postgres://nok:db-password@127.0.0.1:5432/nok?sslmode=require&password=other-password"
                .into(),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        for secret in [
            "a jwt secret",
            "a metrics token",
            "db-password",
            "other-password",
        ] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(
            shown.contains(
                "postgres://nok:[REDACTED]@127.0.0.1:5432/nok?sslmode=require&password=[REDACTED]"
            ),
            "{shown}"
        );
        assert!(format!("{:?}", DatabaseUrl::from("nok.db")).contains("nok.db"));
    }
}
