//! Builds the actix application: the one place where routes are mounted.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use secrecy::ExposeSecret;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, cors, extract, http_cache, metrics, request_id};
use crate::auth::gate::{self, Routes};
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenSettings;
use crate::config::Config;
use crate::db::Db;
use crate::delivery::DeliverySettings;
use crate::error::ApiError;
use crate::openapi::{self, ApiDoc};

/// Users and identity-provider names whose resolution a token reuses (see `PrincipalCache`).
const PRINCIPAL_CACHE_ENTRIES: usize = 1 << 16;

/// Every route of the service, for the server and for the OpenAPI document alike.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(api::health::configure)
        .configure(api::metrics::configure)
        .service(scope("/api/v1").configure(api::configure));
}

/// The OpenAPI document, collected from the mounted handlers.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1;
    openapi::apply_policy(&mut document);
    openapi::apply_caching(&mut document);
    openapi::merge_flattened(&mut document);
    openapi::refer_page_items(&mut document);
    openapi::fit_for_generators(&mut document);
    openapi::apply_examples(&mut document);
    document
}

/// No route matched: 405 (with `Allow`) for a known path asked with a method it does not have,
/// else 404.
async fn fallback(req: HttpRequest, routes: web::Data<Routes>) -> Result<HttpResponse, ApiError> {
    Err(match routes.methods_of(req.path()) {
        Some(methods) => ApiError::MethodNotAllowed {
            allow: methods.to_vec(),
        },
        None => ApiError::NotFound,
    })
}

async fn swagger_ui_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/swagger-ui/"))
        .finish()
}

/// Each worker's share of `NOK_BLOCKING_THREADS` (default: the pool size). Blocking work is
/// mostly a database job, which waits for a pooled connection anyway: more threads than
/// connections only queue there, each keeping what it allocated (actix's default is 512 per
/// process, and the pool grew to 118 threads under 32 connections).
fn blocking_threads_per_worker(config: &Config, workers: usize) -> usize {
    let total = match config.blocking_threads {
        0 => config.pool_size as usize,
        n => n,
    };
    total.div_ceil(workers.max(1)).max(1)
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    delivery: Option<DeliverySettings>,
    /// The metrics registry the server renders, which the deliveries count into too.
    metrics: Arc<crate::metrics::Metrics>,
    /// `NOK_SHUTDOWN_TIMEOUT_SECS`, for the webhook deliveries in flight too.
    shutdown_timeout: Duration,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and prepares the server over `db`.
    pub fn build(config: &Config, db: Db) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.bind)?;
        Self::with_listener(config, db, listener)
    }

    pub fn with_listener(config: &Config, db: Db, listener: TcpListener) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let tokens =
            web::Data::new(TokenSettings::from_config(config).map_err(std::io::Error::other)?);
        let throttle = web::Data::new(LoginThrottle::per_minute(
            config.login_limit_per_address,
            config.login_limit_per_username,
        ));
        let proxies = web::Data::new(crate::api::client_address::TrustedProxies(
            config.trusted_proxies.clone(),
        ));
        let metrics_token = web::Data::new(metrics::MetricsToken(config.metrics_token.clone()));
        crate::auth::password::prepare(config.hash_concurrency);
        crate::export::limit_concurrency(config.export_concurrency);
        let rating_cache = web::Data::new(crate::app::ratings::RatingCache::new(
            config.list_cache_entries,
            config.cache_bytes,
        ));
        let answers = web::Data::new(crate::app::answers::Answers::new(
            config.list_cache_entries,
            config.cache_bytes,
        ));
        let summary_cache = web::Data::new(crate::app::summary::SummaryCache::new(
            config.list_cache_entries,
            config.cache_bytes,
        ));
        // Tokens of many users: entries are small, so only the bytes bound matters.
        let principal_cache = web::Data::new(crate::auth::extractor::PrincipalCache::new(
            PRINCIPAL_CACHE_ENTRIES,
            config.cache_bytes,
        ));
        let document = openapi_document();
        // One table of the mounted routes, for the gate and for the 404/405 answers.
        let route_table = web::Data::new(Routes::of(&document));
        let query_contract = web::Data::new(api::parameters::Contract::of(&document));
        let document = Arc::new(document);
        let delivery = config.webhook_delivery.then(|| DeliverySettings {
            poll: Duration::from_millis(config.webhook_poll_ms.max(10)),
            retry_base: Duration::from_millis(config.webhook_retry_base_ms),
            max_attempts: config.webhook_max_attempts.max(1),
            timeout: Duration::from_secs(config.webhook_timeout_secs.max(1)),
            per_subscription: i64::from(config.webhook_concurrency.max(1)),
            internal_targets: config.webhook_internal_targets,
            ..DeliverySettings::default()
        });
        let shutdown_timeout = Duration::from_secs(config.shutdown_timeout_secs);
        db.set_freshness(Duration::from_millis(config.freshness_ms.max(1)));
        let worker_db = db.clone();
        let internal_targets = web::Data::new(crate::api::webhooks::InternalTargets(
            config.webhook_internal_targets,
        ));
        let key_secret = web::Data::new(crate::api::idempotency::KeySecret(
            config.token_secret().expose_secret().to_owned(),
        ));
        let key_ttl = web::Data::new(crate::api::idempotency::KeyTtl(Duration::from_secs(
            config.idempotency_ttl_secs,
        )));
        let db = web::Data::new(db);
        let registry = web::Data::new(crate::metrics::Metrics::default());
        let metrics = registry.clone().into_inner();
        let public_max_age = http_cache::PublicMaxAge(config.public_max_age_secs);
        let cors_origins = config.cors_origins.clone();
        let body_limit = config.body_limit;
        let upload_limit = config.upload_limit;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(db.clone())
                .app_data(route_table.clone())
                .app_data(tokens.clone())
                .app_data(throttle.clone())
                .app_data(proxies.clone())
                .app_data(metrics_token.clone())
                .app_data(key_ttl.clone())
                .app_data(key_secret.clone())
                .app_data(internal_targets.clone())
                .app_data(rating_cache.clone())
                .app_data(answers.clone())
                .app_data(summary_cache.clone())
                .app_data(principal_cache.clone())
                .app_data(registry.clone())
                .app_data(public_max_age)
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(extract::BodyLimit(body_limit))
                .app_data(web::Data::new(crate::api::evaluations::UploadLimit(
                    upload_limit,
                )))
                .app_data(web::QueryConfig::default().error_handler(extract::query_error))
                .app_data(web::PathConfig::default().error_handler(extract::path_error))
                .configure(|cfg| routes(&mut ServiceConfig::new(cfg)))
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .url("/api-docs/openapi.json", (*document).clone())
                        // The token of Authorize survives a reload (kept in the browser's
                        // localStorage).
                        .config(utoipa_swagger_ui::Config::default().persist_authorization(true)),
                )
                .route("/swagger-ui", web::get().to(swagger_ui_redirect))
                .configure(api::redoc::configure)
                .default_service(web::to(fallback))
                // The first wrapped runs innermost: caching sees the handlers' answers, the
                // metrics and the access log see the final ones, all with the request's id.
                .wrap(from_fn(crate::api::idempotency::replay_or_record))
                // After the gate: a route that needs a token says so before judging its input.
                .wrap(from_fn({
                    let query_contract = query_contract.clone();
                    move |req, next| api::parameters::check(query_contract.clone(), req, next)
                }))
                .wrap(from_fn({
                    let route_table = route_table.clone();
                    move |req, next| gate::authenticate(route_table.clone(), req, next)
                }))
                .wrap(from_fn(http_cache::apply))
                .wrap(cors::middleware(&cors_origins))
                .wrap(from_fn(cors::refusals_as_problems))
                .wrap(from_fn(api::head::as_get))
                .wrap(from_fn(metrics::observe))
                .wrap(from_fn(request_id::assign))
        })
        // SIGTERM stops accepting connections and gives in-flight requests this long to finish.
        .shutdown_timeout(config.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(30))
        .listen(listener)?;
        let workers = match config.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        server = server
            .workers(workers)
            .worker_max_blocking_threads(blocking_threads_per_worker(config, workers));
        Ok(Self {
            port,
            server: server.run(),
            db: worker_db,
            delivery,
            metrics,
            shutdown_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from outside; `stop(true)` is what SIGTERM does.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM stops gracefully), delivering webhooks meanwhile. The
    /// deliveries stop with the server: from SIGTERM on they get `NOK_SHUTDOWN_TIMEOUT_SECS` (the
    /// time requests in flight get too), from SIGINT or SIGQUIT none.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // Every cache of this instance checks the data versions this task keeps current.
        let poller = tokio::spawn(self.db.clone().poll_versions());
        let (stop, stopped) = tokio::sync::watch::channel(None);
        let stop = Arc::new(stop);
        let worker = self.delivery.map(|settings| {
            let (db, metrics) = (self.db.clone(), self.metrics.clone());
            tokio::spawn(crate::delivery::run(db, settings, metrics, stopped))
        });
        let signals = worker
            .is_some()
            .then(|| tokio::spawn(stop_on_signals(stop.clone(), self.shutdown_timeout)));
        let result = self.server.await;
        // Stopped from its handle (or the signals above came first: then this changes nothing).
        stop.send_if_modified(|grace| {
            grace.get_or_insert(self.shutdown_timeout);
            true
        });
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        if let Some(signals) = signals {
            signals.abort();
        }
        poller.abort();
        result
    }
}

/// Tells the webhook worker to stop on the signals the server stops on (it handles them itself
/// and ends only when its own grace is over, which the worker would otherwise add to).
#[cfg(unix)]
async fn stop_on_signals(stop: Arc<tokio::sync::watch::Sender<Option<Duration>>>, grace: Duration) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut quit)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::quit()),
    ) else {
        return;
    };
    let grace = tokio::select! {
        _ = term.recv() => grace,
        _ = int.recv() => Duration::ZERO,
        _ = quit.recv() => Duration::ZERO,
    };
    stop.send_if_modified(|current| {
        let first = current.is_none();
        current.get_or_insert(grace);
        first
    });
}

#[cfg(not(unix))]
async fn stop_on_signals(
    _stop: Arc<tokio::sync::watch::Sender<Option<Duration>>>,
    _grace: Duration,
) {
    std::future::pending::<()>().await
}
