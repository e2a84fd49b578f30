//! A service running in the test's process: its address, its task, its stop signal; started
//! on a listener bound before it runs, ready once its health service says SERVING.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rex_calendar::TestClock;
use rex_runtime::config::Base;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// How long a service may take to migrate its database and answer (a loaded CI machine,
/// PostgreSQL).
const READY_WITHIN: Duration = Duration::from_secs(60);

/// How long in-flight calls get when a test stops a service.
pub(crate) const GRACE: Duration = Duration::from_millis(200);

/// What every service of a test gets: its database, the test's clock and the short grace
/// period (no authentication; a test that wants it sets it).
pub fn base(database: &crate::database::Database, clock: Arc<TestClock>) -> Base {
    Base::new(database.url.clone())
        .with_clock(clock)
        .with_grace(GRACE)
}

/// A channel to `addr` in plaintext that connects on first use and reconnects after a
/// restart.
pub fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy()
}

/// A listener on `127.0.0.1:0`.
pub(crate) async fn any_port() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

/// A listener on `addr` again, for a restart: retried (bounded) while the stopped server's
/// socket is still being released.
pub(crate) async fn same_port(addr: SocketAddr) -> TcpListener {
    let started = Instant::now();
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return listener,
            Err(err) if started.elapsed() < Duration::from_secs(10) => {
                let _ = err;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(err) => panic!("cannot listen on {addr} again: {err}"),
        }
    }
}

/// The shutdown signal handed to a service, and its trigger.
pub(crate) fn shutdown() -> (
    oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (tx, rx) = oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
    })
}

/// One service in this process.
#[derive(Debug)]
pub(crate) struct Server {
    name: &'static str,
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Server {
    /// Runs `serve` (the service on its listener, until `stop` fires) and waits until it
    /// answers.
    pub(crate) async fn start(
        name: &'static str,
        addr: SocketAddr,
        stop: oneshot::Sender<()>,
        serve: impl Future<Output = anyhow::Result<()>> + Send + 'static,
    ) -> Server {
        let mut server = Server {
            name,
            addr,
            stop: Some(stop),
            task: Some(tokio::spawn(serve)),
        };
        server.ready().await;
        server
    }

    /// Waits (polling, bounded) until the health service says SERVING; fails at once with the
    /// service's error if it stops first.
    async fn ready(&mut self) {
        let mut health = HealthClient::new(channel(self.addr));
        let started = Instant::now();
        loop {
            let task = self.task.as_mut().unwrap();
            if task.is_finished() {
                let outcome = task.await;
                panic!(
                    "the {} service stopped before it served: {outcome:?}",
                    self.name
                );
            }
            let check = health.check(HealthCheckRequest {
                service: String::new(),
            });
            if let Ok(Ok(answer)) = tokio::time::timeout(Duration::from_secs(1), check).await {
                if answer.into_inner().status == ServingStatus::Serving as i32 {
                    return;
                }
            }
            assert!(
                started.elapsed() < READY_WITHIN,
                "the {} service did not answer on {} within {READY_WITHIN:?}",
                self.name,
                self.addr
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the service (its grace period for calls in flight) and waits until it has; a
    /// service that failed fails the test.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => panic!("the {} service failed: {err:#}", self.name),
                Err(err) => panic!("the {} service panicked: {err}", self.name),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
