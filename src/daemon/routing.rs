//! Route programming from tunnel health (issue 7): each route-mode tunnel is healthy while
//! it has an installed Child SA, is not administratively down and its liveness probes are
//! not down; on every health change (and when a hold-down ends) the daemon asks
//! `policy::decide` which tunnels carry each remote network and brings the kernel's routes
//! to that decision, make-before-break: new and replaced routes first, stale ones after.
//!
//! It never decides priorities itself (policy does) and never opens a socket (probes are
//! sent by the tokio shell from [`ProbeRequest`]s).

use std::net::IpAddr;

use ike::v2::Instant;
use xfrm::{KernelBackend, KernelOp, NextHops, Route};

use super::probe::Transition;
use super::Daemon;
use crate::plan::decided_routes;
use crate::transport::Transport;

/// An ICMP echo the shell must send for a tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeRequest {
    /// Tunnel index (as in [`Daemon::handle_probe_reply`]).
    pub tunnel: usize,
    /// Our inside address (the socket's source).
    pub src: IpAddr,
    /// The peer's inside address.
    pub dst: IpAddr,
    /// ICMP echo sequence number.
    pub seq: u16,
}

impl<K: KernelBackend, T: Transport> Daemon<K, T> {
    /// The next probe to send, if any.
    pub fn poll_probe(&mut self) -> Option<ProbeRequest> {
        self.probes_out.pop_front()
    }

    /// An echo reply for tunnel `tunnel` with sequence `seq` arrived.
    pub fn handle_probe_reply(&mut self, now: Instant, tunnel: usize, seq: u16) {
        let Some(t) = self.tunnels.get_mut(tunnel) else {
            return;
        };
        let Some(p) = t.prober.as_mut() else { return };
        let up = (p.on_reply(now, seq) == Transition::Up).then(|| {
            (
                format!("{}/{}", t.connection, t.name),
                p.rtt
                    .map(|r| u64::try_from(r.as_micros()).unwrap_or(u64::MAX)),
            )
        });
        self.refresh_health(now);
        // Logged after the routes moved (see `probe_timeouts`).
        if let Some((tunnel, rtt_us)) = up {
            tracing::info!(tunnel = %tunnel, rtt_us, "probes answered: tunnel up");
        }
    }

    /// Probe timers: sends due probes and counts losses. Returns the tunnels that went down
    /// (name, probes lost) for the caller to log AFTER the routes moved: a log write can
    /// block (a slow journal or file), and the failover must not wait for it.
    #[must_use]
    pub(super) fn probe_timeouts(&mut self, now: Instant) -> Vec<(String, u64)> {
        let mut downs = Vec::new();
        for (i, t) in self.tunnels.iter_mut().enumerate() {
            let (Some(p), Some((src, dst))) = (t.prober.as_mut(), t.probe_addrs) else {
                continue;
            };
            let (seq, tr) = p.on_timeout(now);
            if tr == Transition::Down {
                downs.push((format!("{}/{}", t.connection, t.name), p.lost_now(now)));
            }
            if let Some(seq) = seq {
                self.probes_out.push_back(ProbeRequest {
                    tunnel: i,
                    src,
                    dst,
                    seq,
                });
            }
        }
        downs
    }

    /// The earliest probe or hold-down deadline.
    pub(super) fn routing_timeout(&self) -> Option<Instant> {
        let probes = self
            .tunnels
            .iter()
            .filter_map(|t| t.prober.as_ref().and_then(|p| p.poll_timeout()))
            .min();
        let wake = self.decision.wake.map(Instant);
        match (probes, wake) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Recomputes every tunnel's health; on a change (or a hold-down ending) re-decides and
    /// reprograms the routes.
    pub(super) fn refresh_health(&mut self, now: Instant) {
        let mut changed = false;
        let mut notes = Vec::new();
        for t in &mut self.tunnels {
            let Some(tref) = t.route_ref.as_ref() else {
                continue;
            };
            let ike_up =
                (!t.state.children.is_empty() || !t.adopted.is_empty()) && !t.state.admin_down;
            if let Some(p) = t.prober.as_mut() {
                if ike_up {
                    p.start(now);
                } else {
                    p.stop();
                }
            }
            let up = ike_up && !t.prober.as_ref().is_some_and(|p| p.is_down());
            let h = self.health.tunnels.entry(tref.clone()).or_default();
            if h.sa_up != ike_up {
                h.sa_up = ike_up;
                changed = true;
            }
            if h.up != up {
                if h.up {
                    h.failed_before = true;
                }
                h.up = up;
                h.since = now.0;
                changed = true;
                notes.push((format!("{}/{}", t.connection, t.name), up));
            }
        }
        self.adopt_progress(now);
        let woke = self.decision.wake.is_some_and(|w| now.0 >= w);
        if changed || woke {
            self.update_routes(now);
        }
        // Logged after the routes moved (see `probe_timeouts`).
        for (tunnel, up) in notes {
            tracing::info!(tunnel = %tunnel, healthy = up, "tunnel health changed");
        }
    }

    /// Logs the tunnels that probes marked down (after their routes were withdrawn).
    pub(super) fn log_probe_downs(downs: Vec<(String, u64)>) {
        for (tunnel, lost) in downs {
            tracing::warn!(
                tunnel = %tunnel,
                lost,
                "probes lost: tunnel down, its routes withdrawn"
            );
        }
    }

    /// Brings the kernel's routes to the decision for the current health.
    pub(super) fn update_routes(&mut self, now: Instant) {
        let decision = policy::decide(&self.plan.compiled, &self.health, &self.decision, now.0);
        let routes = decided_routes(&decision, &self.plan.compiled.interfaces);
        let old = std::mem::replace(&mut self.plan.desired.routes, routes.clone());
        self.decision = decision;
        // Make-before-break: the new route of a destination goes in before the old one
        // (another metric) goes out; a route with the same metric is replaced in place.
        for r in routes.iter().filter(|r| !old.contains(r)) {
            self.route_op(KernelOp::ReplaceRoute(r.clone()), r);
        }
        for r in old
            .iter()
            .filter(|r| !routes.iter().any(|n| n.id() == r.id()))
        {
            self.route_op(KernelOp::DelRoute(r.id()), r);
        }
    }

    fn route_op(&mut self, op: KernelOp, r: &Route) {
        let what = match (&op, &r.nexthops) {
            (KernelOp::DelRoute(_), _) => "withdrawn".to_owned(),
            (_, NextHops::Blackhole) => "blackhole (no healthy tunnel)".to_owned(),
            (_, NextHops::Dev { dev, .. }) => format!("via {dev}"),
            (_, NextHops::Multipath(h)) => {
                let devs: Vec<String> = h
                    .iter()
                    .map(|n| format!("{} weight {}", n.dev, n.weight))
                    .collect();
                format!("ecmp {}", devs.join(", "))
            }
        };
        match self.kernel.apply(&op) {
            Ok(()) => tracing::info!(
                route = %r.dst,
                metric = r.metric,
                "route {what}"
            ),
            Err(e) if e.is_not_found() && matches!(op, KernelOp::DelRoute(_)) => {}
            Err(e) => tracing::error!(route = %r.dst, error = %e, "route {what} failed"),
        }
    }
}
