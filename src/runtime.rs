//! The tokio shell around the daemon core (DESIGN §5): a current-thread runtime that moves
//! datagrams (UDP 500/4500), kernel events (netlink), timers, control requests and signals
//! into [`Daemon`] and nothing else, and sends the liveness probes it asks for
//! ([`IcmpProbes`]).
//!
//! It holds no protocol state and makes no decisions: every input becomes one `handle_*`
//! call with the time since start. SIGTERM / SIGINT stop gracefully (Delete to every peer,
//! then our kernel objects are removed); SIGHUP and `xfrmd reload` re-read the site file and
//! apply it as a diff (`Daemon::reload`). Logs go to stderr with millisecond UTC timestamps and never carry key material.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ike::crypto::CryptoProvider;
use ike::v2::Instant;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

use crate::control::{ControlRequest, ControlServer, Request, Response};
use crate::daemon::Daemon;
use crate::probe_io::IcmpProbes;
use crate::transport::{UdpConfig, UdpTransport};

/// Why the daemon could not start or stopped with an error.
#[derive(Debug)]
pub struct RunError(pub String);

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(what: &str, e: impl fmt::Display) -> RunError {
    RunError(format!("{what}: {e}"))
}

/// `HH:MM:SS.mmm` in UTC.
#[derive(Debug, Clone, Copy)]
struct MillisUtc;

impl FormatTime for MillisUtc {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let s = d.as_secs() % 86_400;
        write!(
            w,
            "{:02}:{:02}:{:02}.{:03}",
            s / 3600,
            (s / 60) % 60,
            s % 60,
            d.subsec_millis()
        )
    }
}

/// Installs the stderr logger (`RUST_LOG` filters, default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_timer(MillisUtc)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Reload: re-reads `config`; an unreadable or invalid file is refused with its
/// diagnostics and the running configuration stays in force.
fn reload<K: xfrm::KernelBackend, T: crate::transport::Transport>(
    d: &mut Daemon<K, T>,
    config: &Path,
    now: Instant,
    obs: &mut crate::metrics::Observer,
) -> Response {
    let origin = config.display().to_string();
    let kept = "not reloaded; the running configuration stays in force";
    let text = match std::fs::read_to_string(config) {
        Ok(t) => t,
        Err(e) => {
            return Response::Error {
                message: format!("{origin}: cannot read: {e}; {kept}"),
            }
        }
    };
    let site = match policy::load_with_warnings(&text, &origin) {
        Ok((s, warnings)) => {
            log_warnings(&warnings);
            s
        }
        Err(diag) => {
            tracing::error!("reload refused:\n{diag}");
            return Response::Error {
                message: format!("{diag}{origin}: {kept}"),
            };
        }
    };
    match d.reload(now, &site, &|p| std::fs::read_to_string(p)) {
        Ok(summary) => {
            obs.reconfigure(&site); // issue 8: activity log settings follow the file
            Response::Done {
                message: summary.to_string(),
            }
        }
        Err(e @ crate::daemon::ReloadError::Map(_)) => Response::Error {
            message: format!("{origin}: {e}; {kept}"),
        },
        Err(e) => Response::Error {
            message: format!("{origin}: {e}"),
        },
    }
}

/// Logs the site file's warnings (valid but risky choices, e.g. IKEv1 aggressive mode).
fn log_warnings(warnings: &policy::Diagnostics) {
    for w in warnings.iter() {
        tracing::warn!("{w}");
    }
}

/// Runs the daemon for the site file `config` with its control socket at `control` until
/// SIGTERM / SIGINT.
pub fn run(config: &Path, control: &Path) -> Result<(), RunError> {
    let origin = config.display().to_string();
    let text = std::fs::read_to_string(config).map_err(|e| err(&origin, e))?;
    let (site, warnings) =
        policy::load_with_warnings(&text, &origin).map_err(|d| RunError(d.to_string()))?;
    log_warnings(&warnings);
    // A keep-SAs stop left the tunnels' numbers: keep them, so their SAs are adopted.
    let state_path = crate::state_file::path_for(control);
    let previous = crate::state_file::StateFile::take(&state_path).map(|s| s.as_plan());
    let plan = crate::plan::plan_keeping(&site, previous.as_ref());
    let mapped = crate::config_map::map_site(&site, &plan, &|p| std::fs::read_to_string(p))
        .map_err(|e| err(&origin, e))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| err("tokio runtime", e))?;
    rt.block_on(async move {
        let kernel = xfrm::NetlinkKernel::new().map_err(|e| err("netlink", e))?;
        let kernel_events = kernel.event_notify();
        // One netlink handle for the core and the SPI source (ALLOCSPI).
        let kernel = crate::daemon::SharedKernel::new(kernel);
        let larval = crate::daemon::LarvalSpis::default();
        let udp = match UdpTransport::bind(&UdpConfig::default()) {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "IPv6 IKE sockets unavailable, using IPv4 only");
                UdpTransport::bind(&UdpConfig {
                    bind_v6: None,
                    ..UdpConfig::default()
                })
                .map_err(|e| err("IKE sockets", e))?
            }
        };
        let udp = Arc::new(udp);
        // Inbound SPIs come from the kernel (XFRM_MSG_ALLOCSPI): unique among every SA on
        // the host, ours of a previous run and other IPsec daemons' included.
        let spis = crate::daemon::KernelSpis::new(kernel.clone(), larval.clone());
        let mut d = Daemon::new(
            &site,
            plan,
            mapped,
            kernel,
            Arc::clone(&udp),
            CryptoProvider::ring_default(),
            Box::new(spis),
        );
        d.set_config_path(origin.clone());
        d.set_larval_spis(larval);
        let epoch = tokio::time::Instant::now();
        let now = move || Instant(epoch.elapsed());
        d.start(now()).map_err(|e| err("kernel reconcile", e))?;

        let server = ControlServer::bind(control).map_err(|e| err("control socket", e))?;
        let (tx, mut rx) = mpsc::channel::<ControlRequest>(16);
        let mut obs = crate::metrics::Observer::start(&site, tx.clone()).await; // issue 8
        tokio::spawn(async move {
            if let Err(e) = server.serve(tx).await {
                tracing::error!(error = %e, "control socket stopped");
            }
        });
        let mut term = signal(SignalKind::terminate()).map_err(|e| err("SIGTERM", e))?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| err("SIGINT", e))?;
        let mut hup = signal(SignalKind::hangup()).map_err(|e| err("SIGHUP", e))?;
        let (mut probes, mut echo_replies) = IcmpProbes::new();
        tracing::info!(config = %origin, control = %control.display(), "xfrmd running");
        if let Err(e) = crate::notify::notify(crate::notify::READY) {
            tracing::warn!(error = %e, "systemd readiness notification failed");
        }

        d.handle_timeout(now());
        let mut keep = false;
        let mut stopping = false;
        loop {
            let deadline = d.poll_timeout().map(|t| epoch + t.0);
            let timer = async {
                match deadline {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                r = udp.recv() => match r {
                    Ok(dg) => d.handle_datagram(now(), &dg),
                    Err(e) => tracing::debug!(error = %e, "receive failed"),
                },
                _ = kernel_events.notified() => {}
                _ = timer => d.handle_timeout(now()),
                Some(req) = rx.recv() => {
                    let resp = match req.request {
                        Request::Reload => reload(&mut d, config, now(), &mut obs),
                        Request::Stop { keep_sas } => {
                            keep = keep_sas;
                            stopping = true;
                            let _ = req.reply.send(Response::Done {
                                message: if keep_sas {
                                    "stopping; SAs, policies, interfaces and routes stay for the next start".into()
                                } else {
                                    "stopping".into()
                                },
                            });
                            break;
                        }
                        other => d.handle_control(now(), other),
                    };
                    let _ = req.reply.send(resp);
                }
                _ = term.recv() => { tracing::info!("SIGTERM: stopping"); break; }
                _ = int.recv() => { tracing::info!("SIGINT: stopping"); break; }
                Some(r) = echo_replies.recv() => d.handle_probe_reply(now(), r.tunnel, r.seq),
                _ = hup.recv() => {
                    if let Response::Error { message } = reload(&mut d, config, now(), &mut obs) {
                        tracing::error!("SIGHUP: {message}");
                    }
                }
            }
            d.handle_kernel_events(now());
            while let Some(p) = d.poll_probe() {
                probes.send(&p);
            }
            while let Some(r) = d.poll_activity() {
                obs.record(r);
            }
        }
        if stopping {
            // Let the control task deliver the answer to `xfrmd stop` before we go.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if keep {
            // Restart: no Delete, nothing removed; the next process adopts it all.
            let r = crate::state_file::StateFile::of(d.plan())
                .write(&state_path)
                .map_err(|e| err(&state_path.display().to_string(), e));
            let _ = std::fs::remove_file(control);
            tracing::info!(state = %state_path.display(), "stopped, kernel state kept for the next start");
            return r;
        }
        let _ = crate::notify::notify(crate::notify::STOPPING);
        d.shutdown(now());
        // Give the Delete a moment to leave and its response to arrive.
        let _ = tokio::time::timeout(Duration::from_millis(300), async {
            if let Ok(dg) = udp.recv().await {
                d.handle_datagram(now(), &dg);
            }
        })
        .await;
        while let Some(r) = d.poll_activity() {
            obs.record(r);
        }
        let flushed = d.flush().map_err(|e| err("kernel cleanup", e));
        let _ = std::fs::remove_file(control);
        flushed.map(|_| ())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_site_file_is_reported_before_touching_the_kernel() {
        let e = run(
            Path::new("/nonexistent/xfrmd-site.yaml"),
            Path::new("/nonexistent/xfrmd.sock"),
        )
        .unwrap_err();
        assert!(e.0.contains("/nonexistent/xfrmd-site.yaml"), "{e}");
    }

    #[test]
    fn unreadable_psk_file_is_reported_without_the_key() {
        let dir = std::env::temp_dir().join(format!("xfrmd-rt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let site = dir.join("site.yaml");
        let text = include_str!("../examples/west.yaml")
            .replace("/etc/xfrmd/east-t1.psk", "/nonexistent/east-t1.psk");
        std::fs::write(&site, text).unwrap();
        let e = run(&site, &dir.join("sock")).unwrap_err();
        assert!(e.0.contains("/nonexistent/east-t1.psk"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
