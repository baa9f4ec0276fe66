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
        match p.on_reply(now, seq) {
            Transition::Up => tracing::info!(
                tunnel = %format!("{}/{}", t.connection, t.name),
                rtt_us = p.rtt.map(|r| u64::try_from(r.as_micros()).unwrap_or(u64::MAX)),
                "probes answered: tunnel up"
            ),
            Transition::Down | Transition::None => {}
        }
        self.refresh_health(now);
    }

    /// Probe timers: sends due probes and counts losses.
    pub(super) fn probe_timeouts(&mut self, now: Instant) {
        for (i, t) in self.tunnels.iter_mut().enumerate() {
            let (Some(p), Some((src, dst))) = (t.prober.as_mut(), t.probe_addrs) else {
                continue;
            };
            let (seq, tr) = p.on_timeout(now);
            if tr == Transition::Down {
                tracing::warn!(
                    tunnel = %format!("{}/{}", t.connection, t.name),
                    lost = p.lost_now(now),
                    "probes lost: tunnel down, withdrawing its routes"
                );
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
                tracing::info!(
                    tunnel = %format!("{}/{}", t.connection, t.name),
                    healthy = up,
                    "tunnel health changed"
                );
            }
        }
        self.adopt_progress(now);
        let woke = self.decision.wake.is_some_and(|w| now.0 >= w);
        if changed || woke {
            self.update_routes(now);
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
