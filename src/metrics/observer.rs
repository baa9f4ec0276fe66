//! The runtime's end of observability: opens the activity log and the metrics endpoint a
//! site asks for, and takes every activity [`Record`] the daemon core queues (stamped here
//! with the wall clock, written to the log, counted for the metrics).
//!
//! Neither failing to open the log directory nor failing to bind the metrics address stops
//! the daemon: tunnels matter more than their telemetry, so both are logged as errors and
//! the daemon runs without them. It never touches the core's state and never sees secrets.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;

use super::http::MetricsServer;
use super::EventCounts;
use crate::activity::{ActivityLog, Record};
use crate::control::ControlRequest;

/// Activity log and metrics of a running daemon.
#[derive(Debug)]
pub struct Observer {
    log: Option<ActivityLog>,
    counts: Arc<Mutex<EventCounts>>,
    write_failed: bool,
}

impl Observer {
    /// Opens what `site` configures; the metrics endpoint asks `core` for status reports.
    /// Must run inside a tokio runtime.
    pub async fn start(site: &policy::Site, core: mpsc::Sender<ControlRequest>) -> Self {
        let counts = Arc::new(Mutex::new(EventCounts::default()));
        let log = site.activity_log.as_ref().and_then(|a| {
            match ActivityLog::open(a.format, Path::new(&a.dir)) {
                Ok(l) => {
                    tracing::info!(dir = %a.dir, format = %a.format, "tunnel activity log");
                    Some(l)
                }
                Err(e) => {
                    tracing::error!(error = %e, "tunnel activity log disabled");
                    None
                }
            }
        });
        if let Some(addr) = site.metrics_listen {
            match MetricsServer::bind(addr).await {
                Ok(server) => {
                    tracing::info!(%addr, "metrics on http://{addr}/metrics");
                    let counts = Arc::clone(&counts);
                    tokio::spawn(async move {
                        if let Err(e) = server.serve(core, counts).await {
                            tracing::error!(error = %e, "metrics endpoint stopped");
                        }
                    });
                }
                Err(e) => tracing::error!(%addr, error = %e, "metrics endpoint disabled"),
            }
        }
        Observer {
            log,
            counts,
            write_failed: false,
        }
    }

    /// Without log or endpoint (tests, embeddings).
    pub fn disabled() -> Self {
        Observer {
            log: None,
            counts: Arc::new(Mutex::new(EventCounts::default())),
            write_failed: false,
        }
    }

    /// The event counts the metrics endpoint renders.
    pub fn counts(&self) -> Arc<Mutex<EventCounts>> {
        Arc::clone(&self.counts)
    }

    /// Takes one record from the core: stamps, writes, counts.
    pub fn record(&mut self, r: Record) {
        if let Ok(mut c) = self.counts.lock() {
            c.observe(&r);
        }
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        match log.write(&r.stamp(ms)) {
            Ok(()) => self.write_failed = false,
            Err(e) if !self.write_failed => {
                self.write_failed = true;
                tracing::warn!(error = %e, "cannot write the tunnel activity log");
            }
            Err(_) => {}
        }
    }
}
