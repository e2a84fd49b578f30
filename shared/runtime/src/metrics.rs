//! Prometheus metrics on an HTTP port (`/metrics`): RPC counts by method and code and their
//! latencies, outbox depth and age, statutory steps due soon and overdue per rule, database pool
//! use. Off unless a listen address is configured.

use std::sync::LazyLock;
use std::task::{Context, Poll};
use std::time::Instant;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use tonic::codegen::http;

use crate::db::Db;

/// The suite's metrics, in one registry per process.
pub struct Metrics {
    pub registry: Registry,
    pub rpc_requests: IntCounterVec,
    pub rpc_duration: HistogramVec,
    pub outbox_pending: IntGaugeVec,
    pub outbox_oldest_age_seconds: IntGaugeVec,
    pub statutory_steps: IntGaugeVec,
    pub db_pool_connections: IntGaugeVec,
    pub sample_errors: IntCounterVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn build() -> prometheus::Result<Metrics> {
    let registry = Registry::new();
    let rpc_requests = IntCounterVec::new(
        Opts::new(
            "rex_rpc_requests_total",
            "gRPC calls by method and status code",
        ),
        &["method", "code"],
    )?;
    let rpc_duration = HistogramVec::new(
        HistogramOpts::new("rex_rpc_duration_seconds", "gRPC call latency by method").buckets(
            vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ],
        ),
        &["method"],
    )?;
    let outbox_pending = IntGaugeVec::new(
        Opts::new(
            "rex_outbox_pending",
            "notice obligations not yet accepted by the notification service",
        ),
        &["service"],
    )?;
    let outbox_oldest_age_seconds = IntGaugeVec::new(
        Opts::new(
            "rex_outbox_oldest_age_seconds",
            "age of the oldest notice obligation not yet accepted",
        ),
        &["service"],
    )?;
    let statutory_steps = IntGaugeVec::new(
        Opts::new(
            "rex_statutory_steps",
            "open statutory steps by rule and state (due_soon: within one working day; overdue)",
        ),
        &["service", "rule", "state"],
    )?;
    let sample_errors = IntCounterVec::new(
        Opts::new(
            "rex_metrics_sample_errors_total",
            "samples that could not be taken (the gauge keeps its last value)",
        ),
        &["service", "what"],
    )?;
    let db_pool_connections = IntGaugeVec::new(
        Opts::new(
            "rex_db_pool_connections",
            "database pool connections by state",
        ),
        &["service", "state"],
    )?;
    registry.register(Box::new(rpc_requests.clone()))?;
    registry.register(Box::new(rpc_duration.clone()))?;
    registry.register(Box::new(outbox_pending.clone()))?;
    registry.register(Box::new(outbox_oldest_age_seconds.clone()))?;
    registry.register(Box::new(statutory_steps.clone()))?;
    registry.register(Box::new(db_pool_connections.clone()))?;
    registry.register(Box::new(sample_errors.clone()))?;
    Ok(Metrics {
        registry,
        rpc_requests,
        rpc_duration,
        outbox_pending,
        outbox_oldest_age_seconds,
        statutory_steps,
        db_pool_connections,
        sample_errors,
    })
}

/// The process's metrics.
pub static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| {
    build()
        .map_err(|e| tracing::error!(error = %e, "metrics unavailable"))
        .ok()
});

/// The text exposition of every metric.
pub fn render() -> String {
    let Some(m) = METRICS.as_ref() else {
        return String::new();
    };
    let mut buf = Vec::new();
    let _ = TextEncoder::new().encode(&m.registry.gather(), &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

/// Records one finished call.
pub fn record_rpc(method: &str, code: &str, started: Instant) {
    if let Some(m) = METRICS.as_ref() {
        m.rpc_requests.with_label_values(&[method, code]).inc();
        m.rpc_duration
            .with_label_values(&[method])
            .observe(started.elapsed().as_secs_f64());
    }
}

/// The gRPC status name of a numeric code.
pub fn code_name(code: &str) -> &'static str {
    match code.parse::<i32>().map(tonic::Code::from) {
        Ok(c) => match c {
            tonic::Code::Ok => "OK",
            tonic::Code::Cancelled => "CANCELLED",
            tonic::Code::Unknown => "UNKNOWN",
            tonic::Code::InvalidArgument => "INVALID_ARGUMENT",
            tonic::Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            tonic::Code::NotFound => "NOT_FOUND",
            tonic::Code::AlreadyExists => "ALREADY_EXISTS",
            tonic::Code::PermissionDenied => "PERMISSION_DENIED",
            tonic::Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            tonic::Code::FailedPrecondition => "FAILED_PRECONDITION",
            tonic::Code::Aborted => "ABORTED",
            tonic::Code::OutOfRange => "OUT_OF_RANGE",
            tonic::Code::Unimplemented => "UNIMPLEMENTED",
            tonic::Code::Internal => "INTERNAL",
            tonic::Code::Unavailable => "UNAVAILABLE",
            tonic::Code::DataLoss => "DATA_LOSS",
            tonic::Code::Unauthenticated => "UNAUTHENTICATED",
        },
        Err(_) => "UNKNOWN",
    }
}

/// A response body that records the call when its gRPC status arrives (in the trailers).
#[derive(Debug)]
pub struct MeteredBody {
    inner: tonic::body::Body,
    method: String,
    started: Instant,
    done: bool,
}

impl MeteredBody {
    pub fn new(inner: tonic::body::Body, method: String, started: Instant) -> Self {
        Self {
            inner,
            method,
            started,
            done: false,
        }
    }
}

impl http_body::Body for MeteredBody {
    type Data = <tonic::body::Body as http_body::Body>::Data;
    type Error = <tonic::body::Body as http_body::Body>::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(trailers) = frame.trailers_ref()
            && !self.done
        {
            let code = trailers
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("2");
            record_rpc(&self.method, code_name(code), self.started);
            self.done = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Wraps a response so that its status is recorded: at once for a trailers-only response
/// (status in the headers), else when the trailers come.
pub fn meter(
    response: http::Response<tonic::body::Body>,
    method: String,
    started: Instant,
) -> http::Response<tonic::body::Body> {
    if let Some(code) = response
        .headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
    {
        record_rpc(&method, code_name(code), started);
        return response;
    }
    response.map(|body| tonic::body::Body::new(MeteredBody::new(body, method, started)))
}

/// Samples a service's pool into the gauges.
pub fn sample_pool(service: &str, db: &Db) {
    let Some(m) = METRICS.as_ref() else { return };
    let idle = i64::try_from(db.pool.num_idle()).unwrap_or(0);
    m.db_pool_connections
        .with_label_values(&[service, "idle"])
        .set(idle);
    m.db_pool_connections
        .with_label_values(&[service, "in_use"])
        .set(i64::from(db.pool.size()) - idle);
}

/// Samples a service's outbox and pool into the gauges.
pub async fn sample_outbox_and_pool(service: &str, db: &Db) {
    sample_pool(service, db);
    let Some(m) = METRICS.as_ref() else { return };
    let pending: Result<(i64, Option<String>), sqlx::Error> =
        sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(&db.pool)
            .await;
    match pending {
        Ok((count, oldest)) => {
            m.outbox_pending.with_label_values(&[service]).set(count);
            let age = oldest
                .and_then(|t| crate::convert::instant_from_db(&t).ok())
                .map_or(0, |t| (chrono::Utc::now() - t).num_seconds().max(0));
            m.outbox_oldest_age_seconds
                .with_label_values(&[service])
                .set(age);
        }
        Err(err) => sample_failed(service, "outbox", &err),
    }
}

/// A sample that could not be taken: logged and counted, and its gauge left as it was, so a
/// database failure never reads as "nothing pending".
pub fn sample_failed(service: &str, what: &str, err: &dyn std::fmt::Display) {
    tracing::warn!(service, what, error = %err, "metrics sample failed");
    if let Some(m) = METRICS.as_ref() {
        m.sample_errors.with_label_values(&[service, what]).inc();
    }
}

/// Sets the open statutory steps of `service`: `(rule, state) -> count`.
pub fn set_steps(service: &str, counts: &[(String, &str, i64)]) {
    let Some(m) = METRICS.as_ref() else { return };
    for (rule, state, n) in counts {
        m.statutory_steps
            .with_label_values(&[service, rule, state])
            .set(*n);
    }
}

type Sampler = std::sync::Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync,
>;

static SAMPLERS: LazyLock<std::sync::Mutex<Vec<Sampler>>> =
    LazyLock::new(|| std::sync::Mutex::new(Vec::new()));

/// Adds work that refreshes gauges; it runs at every scrape, so a scrape is always current.
pub fn add_sampler<F, Fut>(f: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let sampler: Sampler = std::sync::Arc::new(move || Box::pin(f()));
    SAMPLERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(sampler);
}

async fn scrape() -> String {
    let samplers: Vec<Sampler> = SAMPLERS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for sampler in samplers {
        sampler().await;
    }
    render()
}

/// Serves `/metrics` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async {
            (
                [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                scrape().await,
            )
        }),
    );
    if let Err(err) = axum::serve(listener, app).await {
        tracing::error!(error = %err, "metrics endpoint stopped");
    }
}
