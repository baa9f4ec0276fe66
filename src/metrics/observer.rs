//! The runtime's end of observability: opens the activity log and the metrics endpoint a
//! site asks for, and takes every activity [`Record`] the daemon core queues (stamped here
//! with the wall clock, written to the log, counted for the metrics).
//!
//! Neither failing to open the log directory nor failing to bind the metrics address stops
//! the daemon: tunnels matter more than their telemetry, so both are logged as errors and
//! the daemon runs without them. It never touches the core's state and never sees secrets.

use std::collections::BTreeSet;
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
    log_config: Option<policy::ActivityLog>,
    metrics_listen: Option<std::net::SocketAddr>,
    /// Tunnels with `activity_log: false`: counted, not written.
    silent: BTreeSet<(String, String)>,
    counts: Arc<Mutex<EventCounts>>,
    write_failed: bool,
}

impl Observer {
    /// Opens what `site` configures; the metrics endpoint asks `core` for status reports.
    /// Must run inside a tokio runtime.
    pub async fn start(site: &policy::Site, core: mpsc::Sender<ControlRequest>) -> Self {
        let counts = Arc::new(Mutex::new(EventCounts::default()));
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
            log: open_log(site.activity_log.as_ref()),
            log_config: site.activity_log.clone(),
            metrics_listen: site.metrics_listen,
            silent: silent(site),
            counts,
            write_failed: false,
        }
    }

    /// After a reload: the new per-tunnel `activity_log` flags apply at once, a changed
    /// `site.activity_log` reopens (or closes) the log; a changed `site.metrics_listen` is
    /// only logged (the endpoint keeps its address until the next start).
    pub fn reconfigure(&mut self, site: &policy::Site) {
        self.silent = silent(site);
        if site.activity_log != self.log_config {
            self.log = open_log(site.activity_log.as_ref());
            self.log_config = site.activity_log.clone();
            self.write_failed = false;
        }
        if site.metrics_listen != self.metrics_listen {
            tracing::warn!(
                "site.metrics_listen changed: the metrics endpoint moves at the next start"
            );
        }
    }

    /// Without log or endpoint (tests, embeddings).
    pub fn disabled() -> Self {
        Observer {
            log: None,
            log_config: None,
            metrics_listen: None,
            silent: BTreeSet::new(),
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
        if self
            .silent
            .contains(&(r.connection.clone(), r.tunnel.clone()))
        {
            return;
        }
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

fn open_log(cfg: Option<&policy::ActivityLog>) -> Option<ActivityLog> {
    let a = cfg?;
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
}

/// Tunnels with `activity_log: false`.
fn silent(site: &policy::Site) -> BTreeSet<(String, String)> {
    site.connections
        .iter()
        .flat_map(|c| {
            c.tunnels
                .iter()
                .filter(|t| !t.options.activity_log)
                .map(|t| (c.name.as_str().to_owned(), t.name.as_str().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Facts, Recorder};
    use crate::control::PhaseState;

    #[test]
    fn records_are_counted_and_written_except_for_silent_tunnels() {
        let dir = std::env::temp_dir().join(format!("xfrmd-observer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let yaml = format!(
            "site:\n  name: west\n  metrics_listen: \"off\"\n  activity_log: {{ format: text, dir: {} }}\n\
             connections:\n  east:\n    remote_networks: [10.2.0.0/16]\n    tunnels:\n\
             \x20     - {{ name: t1, local: 192.0.2.1, remote: 198.51.100.1, inside: 169.254.10.0/30, auth: {{ psk: Abc.12345 }} }}\n\
             \x20     - {{ name: t2, local: 192.0.2.2, remote: 198.51.100.2, inside: 169.254.11.0/30, auth: {{ psk: Abc.12345 }}, activity_log: false }}\n",
            dir.display()
        );
        let site = policy::load(&yaml, "t.yaml").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, _rx) = mpsc::channel(1);
        let mut obs = rt.block_on(Observer::start(&site, tx));
        let mut rec = Recorder::default();
        for tunnel in ["t1", "t2"] {
            let f = Facts {
                connection: "east",
                tunnel,
                dpd_enabled: true,
                nat_t_detected: false,
                ike_phase1_state: PhaseState::Established,
                ike_phase2_state: PhaseState::Down,
            };
            rec.on_event(
                f,
                &ike::v2::Event::DpdDead {
                    tunnel: ike::config::TunnelRef(0),
                },
            );
        }
        while let Some(r) = rec.poll() {
            obs.record(r);
        }
        let counts = obs.counts();
        let c = counts.lock().unwrap();
        for t in ["t1", "t2"] {
            assert_eq!(
                c.0[&("east".to_owned(), t.to_owned())].dpd_timeouts,
                1,
                "{t}"
            );
        }
        let text = std::fs::read_to_string(dir.join("east_t1.log")).unwrap();
        let line = crate::activity::Line::from_text(text.trim_end()).unwrap();
        assert!(line.details.starts_with("DPD timed out"));
        assert!(line.event_timestamp > 1_600_000_000_000);
        assert!(!dir.join("east_t2.log").exists());
        drop(c);

        // Reload: t2 now logs, t1 does not; then the log moves to another directory.
        let site2 = policy::load(
            &yaml
                .replace("activity_log: false", "activity_log: true")
                .replace(
                    "name: t1, local: 192.0.2.1, remote: 198.51.100.1, inside: 169.254.10.0/30, auth: { psk: Abc.12345 }",
                    "name: t1, local: 192.0.2.1, remote: 198.51.100.1, inside: 169.254.10.0/30, auth: { psk: Abc.12345 }, activity_log: false",
                ),
            "t.yaml",
        )
        .unwrap();
        obs.reconfigure(&site2);
        let dpd = |tunnel: &'static str, rec: &mut Recorder| {
            let f = Facts {
                connection: "east",
                tunnel,
                dpd_enabled: true,
                nat_t_detected: false,
                ike_phase1_state: PhaseState::Down,
                ike_phase2_state: PhaseState::Down,
            };
            rec.on_event(
                f,
                &ike::v2::Event::DpdDead {
                    tunnel: ike::config::TunnelRef(0),
                },
            );
        };
        dpd("t1", &mut rec);
        dpd("t2", &mut rec);
        while let Some(r) = rec.poll() {
            obs.record(r);
        }
        let t1 = std::fs::read_to_string(dir.join("east_t1.log")).unwrap();
        assert_eq!(t1.lines().count(), 1, "{t1}");
        let t2 = std::fs::read_to_string(dir.join("east_t2.log")).unwrap();
        assert_eq!(t2.lines().count(), 1, "{t2}");
        let moved = dir.join("moved");
        let site3 = policy::load(
            &yaml.replace(&dir.display().to_string(), &moved.display().to_string()),
            "t.yaml",
        )
        .unwrap();
        obs.reconfigure(&site3);
        dpd("t1", &mut rec);
        while let Some(r) = rec.poll() {
            obs.record(r);
        }
        assert!(moved.join("east_t1.log").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
