//! Route decisions from tunnel health: which tunnels carry each remote network right now
//! (priority, ECMP weights, failover order, preempt and hold-down; DESIGN §4).
//!
//! [`decide`] is pure and total: the compiled routes, a [`HealthView`] (which tunnels are
//! healthy, since when, and whether they ever failed), the previous [`RouteDecision`] and the
//! current time in, the next decision out. The rules, per destination network:
//!
//! - only healthy tunnels carry traffic; when the probes of every tunnel of a destination
//!   fail while some still have their SAs installed, those tunnels keep it (best priority,
//!   ECMP): probes failing everywhere at once indict the probe path (a stalled peer, a loaded
//!   host) more than the tunnels, and a route into an xfrm interface never leaks in clear;
//! - with no tunnel up at all the destination gets a blackhole route, so nothing falls
//!   through to a default route in clear;
//! - while the tunnels carrying a destination stay healthy, traffic stays on them; a healthy
//!   tunnel of the same priority joins them at once (ECMP, weighted);
//! - when they all fail, the best healthy priority takes over at once (failover);
//! - a better tunnel takes traffic back from a worse one only if it never failed (first
//!   start) or, having failed and recovered, its own `preempt` is on and it has been healthy
//!   for its `hold_down` (no flapping).
//!
//! It never reads a clock, never probes, and never talks to a kernel: time is a `Duration`
//! since an arbitrary epoch chosen by the caller.

use std::collections::BTreeMap;
use std::time::Duration;

use ipnet::IpNet;

use crate::compile::{DesiredState, RoutePlan, TunnelRef};

/// Health of one tunnel as the daemon sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Health {
    /// The tunnel can carry traffic (Child SA installed, liveness probes not failing).
    pub up: bool,
    /// Its Child SA is installed (IKE up), whatever the probes say.
    pub sa_up: bool,
    /// When `up` last changed.
    pub since: Duration,
    /// The tunnel was up once and then went down since the daemon started.
    pub failed_before: bool,
}

/// Health of every tunnel; a tunnel missing here is down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthView {
    /// Per tunnel.
    pub tunnels: BTreeMap<TunnelRef, Health>,
}

impl HealthView {
    fn get(&self, t: &TunnelRef) -> Health {
        self.tunnels.get(t).copied().unwrap_or_default()
    }
}

/// One tunnel carrying a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The tunnel.
    pub tunnel: TunnelRef,
    /// Its interface.
    pub interface: String,
    /// ECMP weight.
    pub weight: u32,
}

/// The decision for one destination network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveRoute {
    /// Destination network.
    pub destination: IpNet,
    /// Route metric: the carrying tunnels' priority (the best configured one when
    /// blackholed).
    pub metric: u32,
    /// Carrying tunnels; empty means blackhole.
    pub members: Vec<Member>,
}

/// Every destination's decision, in destination order, plus when to decide again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteDecision {
    /// Per destination.
    pub routes: Vec<ActiveRoute>,
    /// The earliest time a hold-down ends and the decision may change without any health
    /// change.
    pub wake: Option<Duration>,
}

impl RouteDecision {
    /// The tunnels carrying `destination` now.
    pub fn carrying(&self, destination: &IpNet) -> impl Iterator<Item = &TunnelRef> + '_ {
        let destination = *destination;
        self.routes
            .iter()
            .filter(move |r| r.destination == destination)
            .flat_map(|r| r.members.iter().map(|m| &m.tunnel))
    }

    /// Whether `tunnel` carries any destination.
    pub fn carries(&self, tunnel: &TunnelRef) -> bool {
        self.routes
            .iter()
            .any(|r| r.members.iter().any(|m| m.tunnel == *tunnel))
    }
}

/// Decides which tunnels carry each destination of `desired` (see the module text).
pub fn decide(
    desired: &DesiredState,
    health: &HealthView,
    previous: &RouteDecision,
    now: Duration,
) -> RouteDecision {
    let mut by_dest: BTreeMap<IpNet, Vec<&RoutePlan>> = BTreeMap::new();
    for r in &desired.routes {
        by_dest.entry(r.destination).or_default().push(r);
    }
    let mut out = RouteDecision::default();
    for (dest, cands) in by_dest {
        let best_configured = cands.iter().map(|r| r.metric).min().unwrap_or(0);
        let healthy: Vec<&RoutePlan> = cands
            .iter()
            .copied()
            .filter(|r| health.get(&r.tunnel).up)
            .collect();
        let current: Option<u32> = healthy
            .iter()
            .filter(|r| previous.carrying(&dest).any(|t| *t == r.tunnel))
            .map(|r| r.metric)
            .min();
        // A tunnel may take traffic from a worse active group when it never failed, or when
        // it preempts and its hold-down has passed.
        let mut wake: Option<Duration> = None;
        let may_preempt = |r: &RoutePlan, wake: &mut Option<Duration>| {
            let h = health.get(&r.tunnel);
            if !h.failed_before {
                return true;
            }
            if !r.preempt {
                return false;
            }
            let at = h
                .since
                .saturating_add(Duration::from_secs(u64::from(r.hold_down)));
            if now >= at {
                true
            } else {
                *wake = Some(wake.map_or(at, |w| w.min(at)));
                false
            }
        };
        let mut metric = match current {
            None => healthy.iter().map(|r| r.metric).min(),
            Some(cur) => {
                let better = healthy
                    .iter()
                    .filter(|r| r.metric < cur)
                    .filter(|r| may_preempt(r, &mut wake))
                    .map(|r| r.metric)
                    .min();
                Some(better.unwrap_or(cur))
            }
        };
        let members: Vec<Member> = match metric {
            Some(m) => healthy
                .iter()
                .filter(|r| r.metric == m)
                .filter(|r| current == Some(m) || current.is_none() || may_preempt(r, &mut wake))
                .map(|r| member(r))
                .collect(),
            // Last resort: every probe fails, but SAs are in place (module text).
            None => {
                let installed: Vec<&RoutePlan> = cands
                    .iter()
                    .copied()
                    .filter(|r| health.get(&r.tunnel).sa_up)
                    .collect();
                metric = installed.iter().map(|r| r.metric).min();
                installed
                    .into_iter()
                    .filter(|r| Some(r.metric) == metric)
                    .map(member)
                    .collect()
            }
        };
        if let Some(w) = wake {
            out.wake = Some(out.wake.map_or(w, |o| o.min(w)));
        }
        out.routes.push(ActiveRoute {
            destination: dest,
            metric: metric.unwrap_or(best_configured),
            members,
        });
    }
    out
}

fn member(r: &RoutePlan) -> Member {
    Member {
        tunnel: r.tunnel.clone(),
        interface: r.interface.clone(),
        weight: r.weight,
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
