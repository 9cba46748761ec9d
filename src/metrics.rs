//! Prometheus metrics without a metrics crate: a registry of request counts and latencies per
//! route and status and of webhook delivery attempts, rendered with the pool's gauges and the
//! process's own (read from /proc) in the text exposition format 0.0.4. Counters are this
//! process's, as Prometheus counters are: instances sharing a database are scraped one by one.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::db::PoolUsage;

/// Media type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Route of requests that matched no route: raw paths would let any caller create series.
pub const UNMATCHED: &str = "unmatched";

/// What a request is counted under; every part has a bounded set of values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Series {
    /// The route pattern (`/api/v1/regions/{id}`), never the raw path.
    route: String,
    method: &'static str,
    status: u16,
}

impl Series {
    fn labels(&self) -> String {
        format!(
            "method=\"{}\",route=\"{}\",status=\"{}\"",
            self.method,
            escape(&self.route),
            self.status
        )
    }
}

#[derive(Debug, Default)]
struct Latencies {
    count: u64,
    sum_secs: f64,
    /// Requests that took at most `BUCKETS[i]`: cumulative, as the format wants them.
    at_most: [u64; BUCKETS.len()],
}

/// Request counts and latencies since the process started, shared by all workers.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<Series, Latencies>>,
    /// Webhook delivery attempts this process made that the receiver acknowledged (2xx).
    webhooks_delivered: AtomicU64,
    /// Webhook delivery attempts this process made that failed (to be retried or given up).
    webhooks_failed: AtomicU64,
}

/// A gauge contributed to the exposition by another module (see `api::metrics::extra_gauges`).
#[derive(Debug, Clone, PartialEq)]
pub struct Gauge {
    /// `nok_…`, unique in the exposition.
    pub name: &'static str,
    pub help: &'static str,
    pub value: f64,
}

impl Metrics {
    /// Counts one answered request. `route` is the matched pattern, `None` when none matched.
    pub fn record(&self, method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
        let series = Series {
            route: route.unwrap_or(UNMATCHED).to_owned(),
            method: method_label(method),
            status,
        };
        let secs = elapsed.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let latencies = requests.entry(series).or_default();
        latencies.count += 1;
        latencies.sum_secs += secs;
        for (bound, n) in BUCKETS.iter().zip(latencies.at_most.iter_mut()) {
            if secs <= *bound {
                *n += 1;
            }
        }
    }

    /// Counts one webhook delivery attempt: acknowledged or not.
    pub fn record_delivery(&self, delivered: bool) {
        let counter = if delivered {
            &self.webhooks_delivered
        } else {
            &self.webhooks_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition: requests, webhook deliveries, the pool, the build, the process, then the
    /// `extra` gauges.
    pub fn render(&self, pool: PoolUsage, extra: &[Gauge]) -> String {
        let mut out = String::new();
        {
            let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            family(
                &mut out,
                "nok_http_requests_total",
                "counter",
                "HTTP requests answered, by method, route pattern and status.",
            );
            for (series, latencies) in requests.iter() {
                let _ = writeln!(
                    out,
                    "nok_http_requests_total{{{}}} {}",
                    series.labels(),
                    latencies.count
                );
            }
            family(
                &mut out,
                "nok_http_request_duration_seconds",
                "histogram",
                "Time to answer HTTP requests, by method, route pattern and status.",
            );
            for (series, latencies) in requests.iter() {
                let labels = series.labels();
                let name = "nok_http_request_duration_seconds";
                for (bound, n) in BUCKETS.iter().zip(latencies.at_most) {
                    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {n}");
                }
                let count = latencies.count;
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
                let _ = writeln!(out, "{name}_sum{{{labels}}} {}", latencies.sum_secs);
                let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
            }
        }
        family(
            &mut out,
            "nok_webhook_deliveries_total",
            "counter",
            "Webhook delivery attempts of this instance, by outcome: delivered (a 2xx answer) or failed.",
        );
        for (outcome, counter) in [
            ("delivered", &self.webhooks_delivered),
            ("failed", &self.webhooks_failed),
        ] {
            let _ = writeln!(
                out,
                "nok_webhook_deliveries_total{{outcome=\"{outcome}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        family(
            &mut out,
            "nok_db_pool_connections",
            "gauge",
            "Open connections of the database pool, idle or in use.",
        );
        let _ = writeln!(
            out,
            "nok_db_pool_connections{{state=\"idle\"}} {}",
            pool.idle
        );
        let _ = writeln!(
            out,
            "nok_db_pool_connections{{state=\"in_use\"}} {}",
            pool.in_use()
        );
        family(
            &mut out,
            "nok_db_pool_max_connections",
            "gauge",
            "The most connections the database pool opens (NOK_POOL_SIZE).",
        );
        let _ = writeln!(out, "nok_db_pool_max_connections {}", pool.max_size);
        family(
            &mut out,
            "nok_build_info",
            "gauge",
            "The running version of the service.",
        );
        let _ = writeln!(
            out,
            "nok_build_info{{version=\"{}\"}} 1",
            escape(env!("CARGO_PKG_VERSION"))
        );
        if let Some(process) = Process::read() {
            process.render(&mut out);
        }
        for gauge in extra {
            family(&mut out, gauge.name, "gauge", gauge.help);
            let _ = writeln!(out, "{} {}", gauge.name, sample(gauge.value));
        }
        out
    }
}

/// The process's own figures, under the names every Prometheus client library uses, so that the
/// usual dashboards and alerts apply. Read from /proc: on systems without it there are none.
#[derive(Debug, Clone, PartialEq)]
struct Process {
    resident_memory_bytes: u64,
    virtual_memory_bytes: u64,
    cpu_seconds: f64,
    open_fds: u64,
    max_fds: Option<u64>,
    threads: u64,
    start_time_seconds: Option<f64>,
}

impl Process {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let boot = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        Self::parse(&stat, &status, open_fds, &limits, &boot)
    }

    /// `stat`: /proc/self/stat; `status`: /proc/self/status; `limits`: /proc/self/limits;
    /// `boot`: /proc/stat (its `btime`).
    fn parse(stat: &str, status: &str, open_fds: u64, limits: &str, boot: &str) -> Option<Self> {
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted
        // after its closing one, from field 3 (state) on.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
        let ticks = rustix::param::clock_ticks_per_second().max(1) as f64;
        let cpu_seconds = (field(14)? + field(15)?) as f64 / ticks;
        let kilobytes = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        };
        let max_fds = limits
            .lines()
            .find_map(|l| l.strip_prefix("Max open files"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok());
        let boot_time = boot
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<u64>().ok());
        let start_time_seconds = boot_time
            .zip(field(22))
            .map(|(boot, started)| boot as f64 + started as f64 / ticks);
        Some(Self {
            resident_memory_bytes: kilobytes("VmRSS:")? * 1024,
            virtual_memory_bytes: kilobytes("VmSize:")? * 1024,
            cpu_seconds,
            open_fds,
            max_fds,
            threads: kilobytes("Threads:")?,
            start_time_seconds,
        })
    }

    fn render(&self, out: &mut String) {
        let mut sample = |name: &str, kind: &str, help: &str, value: String| {
            family(out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        };
        sample(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            self.resident_memory_bytes.to_string(),
        );
        sample(
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            self.virtual_memory_bytes.to_string(),
        );
        sample(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            self.cpu_seconds.to_string(),
        );
        sample(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            self.open_fds.to_string(),
        );
        if let Some(max) = self.max_fds {
            sample(
                "process_max_fds",
                "gauge",
                "Maximum number of open file descriptors.",
                max.to_string(),
            );
        }
        sample(
            "process_threads",
            "gauge",
            "Number of OS threads in the process.",
            self.threads.to_string(),
        );
        if let Some(start) = self.start_time_seconds {
            sample(
                "process_start_time_seconds",
                "gauge",
                "Start time of the process since unix epoch in seconds.",
                start.to_string(),
            );
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let help = help.replace('\\', "\\\\").replace('\n', "\\n");
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Methods outside the standard ones are counted together, so that made-up methods add no series.
fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    KNOWN
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("other")
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as the format spells it (`+Inf`, not Rust's `inf`).
fn sample(value: f64) -> String {
    match value {
        v if v.is_nan() => "NaN".into(),
        v if v == f64::INFINITY => "+Inf".into(),
        v if v == f64::NEG_INFINITY => "-Inf".into(),
        v => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: PoolUsage = PoolUsage {
        connections: 3,
        idle: 1,
        max_size: 8,
    };

    fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix} in\n{text}"))
    }

    #[test]
    fn counts_and_cumulative_buckets_per_series() {
        let metrics = Metrics::default();
        let route = Some("/api/v1/regions/{id}");
        metrics.record("GET", route, 200, Duration::from_micros(500));
        metrics.record("GET", route, 200, Duration::from_millis(20));
        metrics.record("GET", route, 200, Duration::from_secs(30));
        metrics.record("GET", route, 404, Duration::from_millis(2));
        let text = metrics.render(POOL, &[]);
        let labels = r#"method="GET",route="/api/v1/regions/{id}",status="200""#;
        assert!(text.contains(&format!("nok_http_requests_total{{{labels}}} 3\n")));
        for (le, n) in [
            ("0.001", 1),
            ("0.01", 1),
            ("0.025", 2),
            ("10", 2),
            ("+Inf", 3),
        ] {
            let prefix =
                format!("nok_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}}");
            assert_eq!(line(&text, &prefix), format!("{prefix} {n}"));
        }
        assert!(text.contains(&format!(
            "nok_http_request_duration_seconds_count{{{labels}}} 3\n"
        )));
        assert!(text.contains(
            r#"nok_http_requests_total{method="GET",route="/api/v1/regions/{id}",status="404"} 1"#
        ));
    }

    #[test]
    fn unmatched_routes_and_odd_methods_share_series() {
        let metrics = Metrics::default();
        metrics.record("BREW", None, 404, Duration::ZERO);
        metrics.record("PROPFIND", None, 404, Duration::ZERO);
        let text = metrics.render(POOL, &[]);
        assert!(text.contains(
            r#"nok_http_requests_total{method="other",route="unmatched",status="404"} 2"#
        ));
    }

    #[test]
    fn pool_build_and_extra_gauges() {
        let extra = [Gauge {
            name: "nok_test_depth",
            help: "A depth.",
            value: 4.0,
        }];
        let text = Metrics::default().render(POOL, &extra);
        assert!(text.contains("nok_db_pool_connections{state=\"idle\"} 1\n"));
        assert!(text.contains("nok_db_pool_connections{state=\"in_use\"} 2\n"));
        assert!(text.contains("nok_db_pool_max_connections 8\n"));
        assert!(text.contains(&format!(
            "nok_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        )));
        assert!(text.contains("# TYPE nok_test_depth gauge\nnok_test_depth 4\n"));
        assert!(text.contains("nok_webhook_deliveries_total{outcome=\"delivered\"} 0\n"));
        assert_eq!(sample(f64::INFINITY), "+Inf");
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }

    #[test]
    fn delivery_attempts_are_counted_by_outcome() {
        let metrics = Metrics::default();
        metrics.record_delivery(true);
        metrics.record_delivery(false);
        metrics.record_delivery(false);
        let text = metrics.render(POOL, &[]);
        assert!(text.contains("# TYPE nok_webhook_deliveries_total counter\n"));
        assert!(text.contains("nok_webhook_deliveries_total{outcome=\"delivered\"} 1\n"));
        assert!(text.contains("nok_webhook_deliveries_total{outcome=\"failed\"} 2\n"));
    }

    #[test]
    fn process_figures_are_read_from_proc_files() {
        // A command name with a space and a parenthesis, as /proc writes it.
        let stat = "4242 (nok api) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 9 0 12345 \
                    812345678 3000 18446744073709551615";
        let status = "Name:\tnok-api\nVmSize:\t  793316 kB\nVmRSS:\t   12000 kB\nThreads:\t9\n";
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        let boot = "cpu  1 2 3\nbtime 1765000000\n";
        let process = Process::parse(stat, status, 17, limits, boot).unwrap();
        let ticks = rustix::param::clock_ticks_per_second() as f64;
        assert_eq!(process.resident_memory_bytes, 12_000 * 1024);
        assert_eq!(process.virtual_memory_bytes, 793_316 * 1024);
        assert_eq!(process.cpu_seconds, 300.0 / ticks);
        assert_eq!(process.open_fds, 17);
        assert_eq!(process.max_fds, Some(1024));
        assert_eq!(process.threads, 9);
        assert_eq!(
            process.start_time_seconds,
            Some(1_765_000_000.0 + 12345.0 / ticks)
        );
        assert_eq!(Process::parse("garbage", status, 0, "", ""), None);
        // This process's own, when /proc is there.
        if std::path::Path::new("/proc/self/stat").exists() {
            let text = Metrics::default().render(POOL, &[]);
            for name in [
                "process_resident_memory_bytes",
                "process_cpu_seconds_total",
                "process_open_fds",
                "process_threads",
            ] {
                assert!(text.contains(&format!("\n{name} ")), "{name} in\n{text}");
            }
        }
    }
}
