//! Serving a service: health, reflection, graceful shutdown.

use std::future::Future;

use anyhow::Context;
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::Server;
use tonic_health::ServingStatus;

/// The header that carries a correlation ID across services; every call's log span has it.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// The correlation ID of an incoming call, if the caller sent one.
pub fn correlation_id<T>(request: &tonic::Request<T>) -> Option<String> {
    request
        .metadata()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Serves `routes` on `listener` with `grpc.health.v1.Health` (SERVING for `service_name` and
/// the whole server), server reflection, the authorization layer enforcing `access` with the
/// base's token keys (none: development) and its TLS (none: plaintext), until `shutdown`
/// resolves. On shutdown the health status turns NOT_SERVING first, then in-flight calls get
/// the base's grace period to finish. The service's audit `trail` is sealed and checkpointed
/// meanwhile, once more after the last call; the server witnesses other services' checkpoints
/// (`rex.audit.v1.AuditWitnessService`).
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    service_name: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
    base: &crate::config::Base,
    access: crate::auth::AccessTable,
    trail: crate::audit::Trail,
) -> anyhow::Result<()> {
    let sealer = crate::audit::Sealer::start(trail.db.clone(), trail.service, base)?;
    let routes = routes.add_service(crate::audit::witness::server(trail.db, base.clock.clone()));
    let outcome = serve_routes(listener, routes, service_name, shutdown, base, access).await;
    sealer.stop().await;
    outcome
}

async fn serve_routes(
    listener: TcpListener,
    routes: Routes,
    service_name: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
    base: &crate::config::Base,
    access: crate::auth::AccessTable,
) -> anyhow::Result<()> {
    let (grace, auth, tls) = (base.grace, base.auth.clone(), base.tls.clone());
    if tls.is_none() {
        tracing::warn!(
            service = service_name,
            "plaintext gRPC: no TLS (development on loopback only)"
        );
    }
    if auth.is_none() {
        tracing::warn!(
            service = service_name,
            "authentication is OFF: every caller may call every RPC (development only)"
        );
    }
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status(service_name, ServingStatus::Serving)
        .await;
    reporter
        .set_service_status("", ServingStatus::Serving)
        .await;
    // Reflection lists what this port serves, not every service of the suite.
    let reflection = |reflection_name: &str| {
        let mut builder = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(rex_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .with_service_name("grpc.health.v1.Health")
            .with_service_name(reflection_name);
        for name in crate::auth::served(access) {
            builder = builder.with_service_name(name);
        }
        builder
    };
    let reflection_v1 = reflection("grpc.reflection.v1.ServerReflection")
        .build_v1()
        .context("reflection service")?;
    let reflection_v1alpha = reflection("grpc.reflection.v1alpha.ServerReflection")
        .build_v1alpha()
        .context("reflection service")?;
    let routes = routes
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    let name = service_name.to_owned();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        tracing::info!(service = %name, "shutting down: NOT_SERVING, finishing in-flight calls");
        reporter
            .set_service_status(&name, ServingStatus::NotServing)
            .await;
        reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
        let _ = started_tx.send(());
    };
    // Every call runs in a span with its method and correlation ID, so one request can be
    // followed through the logs of every service it crosses.
    let trace = tower_http::trace::TraceLayer::new_for_grpc()
        .make_span_with(|req: &tonic::codegen::http::Request<tonic::body::Body>| {
            let id = req
                .headers()
                .get(CORRELATION_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            let span = tracing::info_span!("rpc", method = %req.uri().path(), correlation_id = %id);
            crate::telemetry::continue_trace(&span, req.headers());
            span
        })
        .on_failure(
            |class: tower_http::classify::GrpcFailureClass,
             latency: std::time::Duration,
             _span: &tracing::Span| {
                let latency_ms = latency.as_millis() as u64;
                match class {
                    tower_http::classify::GrpcFailureClass::Code(code) => {
                        let code = tonic::Code::from_i32(code.get());
                        let status = code.description();
                        match failure_level(code) {
                            tracing::Level::INFO => {
                                tracing::info!(
                                    code = code as i32,
                                    status,
                                    latency_ms,
                                    "call refused"
                                )
                            }
                            tracing::Level::WARN => {
                                tracing::warn!(
                                    code = code as i32,
                                    status,
                                    latency_ms,
                                    "call refused"
                                )
                            }
                            _ => tracing::error!(
                                code = code as i32,
                                status,
                                latency_ms,
                                "call failed"
                            ),
                        }
                    }
                    tower_http::classify::GrpcFailureClass::Error(error) => {
                        tracing::error!(%error, latency_ms, "call failed")
                    }
                }
            },
        );
    let mut builder = Server::builder();
    if let Some(tls) = &tls {
        builder = builder
            .tls_config(tls.server())
            .context("TLS server configuration")?;
    }
    let server = builder
        .layer(CorrelationLayer)
        .layer(trace)
        .layer(crate::auth::AuthLayer::new(auth, access))
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        );
    // Clients that keep idle connections open must not hold the process past the grace period.
    let grace_over = async {
        if started_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let outcome = tokio::select! {
        result = server => result.context("gRPC server failed"),
        () = grace_over => {
            tracing::warn!(grace_ms = grace.as_millis() as u64, "grace period over: closing the remaining connections");
            Ok(())
        }
    };
    // The last traces of a stopping service are sent, not dropped.
    let _ = tokio::task::spawn_blocking(crate::telemetry::flush).await;
    outcome
}

/// Gives every call a correlation ID: the caller's (`x-correlation-id`, if it is one: 1 to 128
/// visible ASCII characters), or a new UUID; the call's span, its audit entry and every call it
/// makes carry it, and the response's metadata returns it, so a caller can quote it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorrelationLayer;

impl<S> tower::Layer<S> for CorrelationLayer {
    type Service = Correlation<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Correlation { inner }
    }
}

/// See [`CorrelationLayer`].
#[derive(Debug, Clone)]
pub struct Correlation<S> {
    inner: S,
}

type Http = tonic::codegen::http::Request<tonic::body::Body>;

impl<S, B> tower::Service<Http> for Correlation<S>
where
    S: tower::Service<Http, Response = tonic::codegen::http::Response<B>> + Send,
    S::Future: Send + 'static,
{
    type Response = tonic::codegen::http::Response<B>;
    type Error = S::Error;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send + 'static>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Http) -> Self::Future {
        let given = request
            .headers()
            .get(CORRELATION_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_owned);
        let id = given.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let value = tonic::codegen::http::HeaderValue::from_str(&id).ok();
        if let Some(value) = &value {
            request
                .headers_mut()
                .insert(CORRELATION_HEADER, value.clone());
        }
        let call = self.inner.call(request);
        Box::pin(async move {
            let mut response = call.await?;
            if let Some(value) = value {
                response.headers_mut().insert(CORRELATION_HEADER, value);
            }
            Ok(response)
        })
    }
}

/// The level a failed call is logged at: what the caller got wrong is not a fault of the
/// service and pages no one (INFO); a refused identity may be an attack (WARN); the rest is a
/// fault of the service or of what it depends on (ERROR).
pub fn failure_level(code: tonic::Code) -> tracing::Level {
    use tonic::Code::*;
    match code {
        InvalidArgument | NotFound | AlreadyExists | FailedPrecondition | OutOfRange
        | Cancelled | Aborted | ResourceExhausted => tracing::Level::INFO,
        Unauthenticated | PermissionDenied => tracing::Level::WARN,
        _ => tracing::Level::ERROR,
    }
}

/// How long in-flight calls get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callers_mistake_is_logged_below_error_and_a_fault_at_error() {
        use tonic::Code;
        for code in [
            Code::InvalidArgument,
            Code::NotFound,
            Code::AlreadyExists,
            Code::FailedPrecondition,
        ] {
            assert_eq!(failure_level(code), tracing::Level::INFO, "{code:?}");
        }
        for code in [Code::Unauthenticated, Code::PermissionDenied] {
            assert_eq!(failure_level(code), tracing::Level::WARN, "{code:?}");
        }
        for code in [
            Code::Internal,
            Code::Unavailable,
            Code::DataLoss,
            Code::Unknown,
            Code::DeadlineExceeded,
        ] {
            assert_eq!(failure_level(code), tracing::Level::ERROR, "{code:?}");
        }
    }
}
