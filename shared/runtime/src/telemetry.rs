//! Logs and traces. Logs: readable text for people, JSON for machines (REX_LOG_FORMAT=json);
//! level by RUST_LOG. Traces: OpenTelemetry over OTLP/gRPC when OTEL_EXPORTER_OTLP_ENDPOINT is
//! set (off otherwise); W3C trace context travels in the gRPC metadata between the services, so
//! one request is one trace across them.

use std::sync::OnceLock;

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Installs the global subscriber once (later calls do nothing: tests start many servers), with
/// the OTLP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set. Call from inside a tokio runtime.
pub fn init() {
    init_named(
        std::env::var("OTEL_SERVICE_NAME")
            .ok()
            .as_deref()
            .unwrap_or("rex"),
    );
}

/// As [`init`], naming the service in the traces.
pub fn init_named(service: &str) {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty());
    init_with(service, endpoint.as_deref());
}

/// As [`init`], with the OTLP endpoint given (none: no traces exported).
pub fn init_with(service: &str, endpoint: Option<&str>) {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("REX_LOG_FORMAT").is_ok_and(|v| v == "json");
    let otel = endpoint.and_then(|endpoint| match provider(endpoint, service) {
        Ok(provider) => {
            let tracer = provider.tracer(service.to_owned());
            let _ = PROVIDER.set(provider);
            Some(tracing_opentelemetry::layer().with_tracer(tracer))
        }
        Err(err) => {
            eprintln!("OpenTelemetry exporter not started: {err:#}");
            None
        }
    });
    // Colour only for a person at a terminal: a redirected log is read by programs.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let result = if json {
        tracing_subscriber::registry()
            .with(filter())
            .with(otel)
            .with(fmt.json())
            .try_init()
    } else {
        tracing_subscriber::registry()
            .with(filter())
            .with(otel)
            .with(fmt)
            .try_init()
    };
    let _ = result;
}

fn provider(endpoint: &str, service: &str) -> anyhow::Result<SdkTracerProvider> {
    use opentelemetry_otlp::WithExportConfig;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()?;
    let processor =
        opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
            exporter,
            opentelemetry_sdk::runtime::Tokio,
        )
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service.to_owned())
                .build(),
        )
        .build())
}

/// Sends the spans still buffered (before exit, and in tests).
pub fn flush() {
    if let Some(p) = PROVIDER.get() {
        let _ = p.force_flush();
    }
}

struct HeaderInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            value.parse(),
        ) {
            self.0.insert(k, v);
        }
    }
}

struct HeaderExtractor<'a>(&'a tonic::codegen::http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Puts the current span's trace context into an outgoing call's metadata.
pub fn inject(metadata: &mut tonic::metadata::MetadataMap) {
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(metadata));
}

/// Makes `span` continue the trace an incoming call carries, if it carries one.
pub fn continue_trace(span: &tracing::Span, headers: &tonic::codegen::http::HeaderMap) {
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    let _ = span.set_parent(parent);
}
