//! Prometheus metrics without a metrics crate: a registry of request counts and latencies per
//! route and status, rendered with the pool's gauges in the text exposition format 0.0.4.

use std::collections::BTreeMap;
use std::fmt::Write;
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

    /// The exposition: requests, the pool, the build, then the `extra` gauges.
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
        for gauge in extra {
            family(&mut out, gauge.name, "gauge", gauge.help);
            let _ = writeln!(out, "{} {}", gauge.name, sample(gauge.value));
        }
        out
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
        assert_eq!(sample(f64::INFINITY), "+Inf");
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
