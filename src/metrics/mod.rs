//! Prometheus metrics (issue 8, REQUIREMENTS §9): the daemon's status snapshot plus the
//! counts of activity events, rendered in the OpenMetrics text format by the maintained
//! `prometheus-client` crate and served on `GET /metrics` by [`http`].
//!
//! Per tunnel (labels `connection`, `tunnel`):
//! `xfrmd_tunnel_state` (1 = CHILD SA Established or Rekeying, 0 otherwise),
//! `xfrmd_tunnel_bytes_in_total`, `xfrmd_tunnel_bytes_out_total`,
//! `xfrmd_tunnel_packets_in_total`, `xfrmd_tunnel_packets_out_total` (the kernel's counters
//! of the tunnel's current ESP SA pair, as `xfrmd status` and `ip -s xfrm state` show them;
//! they restart at 0 with each new SA, which `rate()` treats as a counter reset),
//! `xfrmd_tunnel_rekeys_total{sa="ike"|"child"}`, `xfrmd_tunnel_dpd_timeouts_total` and
//! `xfrmd_tunnel_negotiation_failures_total{reason}` (reasons seen so far only; values in
//! [`FailureReason`]). Per connection: `xfrmd_connection_tunnels_up_ratio` (tunnels up /
//! tunnels, the cloud gateways' connection-level TunnelState). Liveness probes, for tunnels
//! whose status carries them (route mode): `xfrmd_tunnel_probe_rtt_seconds` (last round
//! trip), `xfrmd_tunnel_probes_sent_total`, `xfrmd_tunnel_probes_lost_total` (loss ratio =
//! rate(lost) / rate(sent)), `xfrmd_tunnel_probe_up` (1 answering, 0 not yet or lost) and
//! `xfrmd_tunnel_healthy` (1 when the tunnel may carry routes).
//!
//! Rendering is a pure function of a [`StatusReport`] and [`EventCounts`]; this module never
//! reads the kernel, never blocks and exports no secret (the report has none).

pub mod http;
mod observer;

pub use observer::Observer;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::activity::{FailureReason, Kind, Record};
use crate::control::{PhaseState, ProbeState, StatusReport};

/// The HTTP `Content-Type` of [`render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Event counts of one tunnel since the daemon started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TunnelCounts {
    /// IKE SA rekeys.
    pub ike_rekeys: u64,
    /// CHILD SA rekeys.
    pub child_rekeys: u64,
    /// DPD timeouts.
    pub dpd_timeouts: u64,
    /// Failed negotiations by reason.
    pub failures: BTreeMap<FailureReason, u64>,
}

/// Event counts of every tunnel, keyed by (connection, tunnel).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCounts(pub BTreeMap<(String, String), TunnelCounts>);

impl EventCounts {
    /// Counts one activity record.
    pub fn observe(&mut self, r: &Record) {
        let c = self
            .0
            .entry((r.connection.clone(), r.tunnel.clone()))
            .or_default();
        match r.kind {
            Kind::IkeRekeyed => c.ike_rekeys = c.ike_rekeys.saturating_add(1),
            Kind::ChildRekeyed => c.child_rekeys = c.child_rekeys.saturating_add(1),
            Kind::DpdTimeout => c.dpd_timeouts = c.dpd_timeouts.saturating_add(1),
            Kind::NegotiationFailed(reason) => {
                let n = c.failures.entry(reason).or_default();
                *n = n.saturating_add(1);
            }
            Kind::Initiating
            | Kind::IkeRekeying
            | Kind::ChildRekeying
            | Kind::IkeEstablished
            | Kind::ChildEstablished
            | Kind::ChildClosed
            | Kind::IkeClosed => {}
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TunnelLabels {
    connection: String,
    tunnel: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RekeyLabels {
    connection: String,
    tunnel: String,
    sa: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    connection: String,
    tunnel: String,
    reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    connection: String,
}

type Counters<L> = Family<L, Counter>;

/// Whether a tunnel counts as up (CHILD SA installed).
pub fn tunnel_up(state: PhaseState) -> bool {
    matches!(state, PhaseState::Established | PhaseState::Rekeying)
}

/// The exposition for `report` and `counts`, `# EOF` included.
pub fn render(report: &StatusReport, counts: &EventCounts) -> String {
    let mut reg = Registry::with_prefix("xfrmd");
    let state = Family::<TunnelLabels, Gauge>::default();
    let bytes_in = Counters::<TunnelLabels>::default();
    let bytes_out = Counters::<TunnelLabels>::default();
    let packets_in = Counters::<TunnelLabels>::default();
    let packets_out = Counters::<TunnelLabels>::default();
    let rekeys = Counters::<RekeyLabels>::default();
    let dpd = Counters::<TunnelLabels>::default();
    let failures = Counters::<FailureLabels>::default();
    let ratio = Family::<ConnectionLabels, Gauge<f64, AtomicU64>>::default();
    let probe_rtt = Family::<TunnelLabels, Gauge<f64, AtomicU64>>::default();
    let probes_sent = Counters::<TunnelLabels>::default();
    let probes_lost = Counters::<TunnelLabels>::default();
    let probe_up = Family::<TunnelLabels, Gauge>::default();
    let healthy = Family::<TunnelLabels, Gauge>::default();

    let mut per_conn: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let none = TunnelCounts::default();
    for t in &report.tunnels {
        let l = TunnelLabels {
            connection: t.connection.clone(),
            tunnel: t.tunnel.clone(),
        };
        let up = tunnel_up(t.ike_phase2_state);
        state.get_or_create(&l).set(i64::from(up));
        bytes_in.get_or_create(&l).inc_by(t.bytes_in);
        bytes_out.get_or_create(&l).inc_by(t.bytes_out);
        packets_in.get_or_create(&l).inc_by(t.packets_in);
        packets_out.get_or_create(&l).inc_by(t.packets_out);
        let c = counts
            .0
            .get(&(t.connection.clone(), t.tunnel.clone()))
            .unwrap_or(&none);
        for (sa, n) in [("ike", c.ike_rekeys), ("child", c.child_rekeys)] {
            let rl = RekeyLabels {
                connection: t.connection.clone(),
                tunnel: t.tunnel.clone(),
                sa: sa.to_owned(),
            };
            rekeys.get_or_create(&rl).inc_by(n);
        }
        dpd.get_or_create(&l).inc_by(c.dpd_timeouts);
        for (reason, n) in &c.failures {
            let fl = FailureLabels {
                connection: t.connection.clone(),
                tunnel: t.tunnel.clone(),
                reason: reason.as_str().to_owned(),
            };
            failures.get_or_create(&fl).inc_by(*n);
        }
        if let Some(p) = &t.probe {
            if let Some(us) = p.rtt_us {
                // Microseconds to seconds; exact for any realistic RTT (< 2^53 µs).
                probe_rtt.get_or_create(&l).set(us as f64 / 1e6);
            }
            probes_sent.get_or_create(&l).inc_by(p.sent);
            probes_lost.get_or_create(&l).inc_by(p.lost);
            probe_up
                .get_or_create(&l)
                .set(i64::from(p.state == ProbeState::Up));
            healthy.get_or_create(&l).set(i64::from(p.healthy));
        }
        let e = per_conn.entry(t.connection.as_str()).or_default();
        e.0 = e.0.saturating_add(u32::from(up));
        e.1 = e.1.saturating_add(1);
    }
    for (conn, (up, all)) in per_conn {
        let l = ConnectionLabels {
            connection: conn.to_owned(),
        };
        ratio
            .get_or_create(&l)
            .set(f64::from(up) / f64::from(all.max(1)));
    }

    reg.register(
        "tunnel_state",
        "Tunnel up (1: CHILD SA Established or Rekeying) or down (0)",
        state,
    );
    reg.register(
        "tunnel_bytes_in",
        "Bytes received through the tunnel after decryption (current inbound ESP SA)",
        bytes_in,
    );
    reg.register(
        "tunnel_bytes_out",
        "Bytes sent into the tunnel before encryption (current outbound ESP SA)",
        bytes_out,
    );
    reg.register(
        "tunnel_packets_in",
        "Packets received through the tunnel (current inbound ESP SA)",
        packets_in,
    );
    reg.register(
        "tunnel_packets_out",
        "Packets sent into the tunnel (current outbound ESP SA)",
        packets_out,
    );
    reg.register(
        "tunnel_rekeys",
        "Rekeys completed since the daemon started, by SA kind (ike, child)",
        rekeys,
    );
    reg.register(
        "tunnel_dpd_timeouts",
        "Dead peer detection timeouts since the daemon started",
        dpd,
    );
    reg.register(
        "tunnel_negotiation_failures",
        "Failed IKE/CHILD SA negotiations since the daemon started, by reason",
        failures,
    );
    reg.register(
        "connection_tunnels_up_ratio",
        "Fraction of the connection's tunnels that are up (1: all, 0: none)",
        ratio,
    );
    reg.register(
        "tunnel_probe_rtt_seconds",
        "Round-trip time of the last answered liveness probe (ICMP echo to the peer's inside address)",
        probe_rtt,
    );
    reg.register("tunnel_probes_sent", "Liveness probes sent", probes_sent);
    reg.register(
        "tunnel_probes_lost",
        "Liveness probes lost (loss ratio: rate(lost) / rate(sent))",
        probes_lost,
    );
    reg.register(
        "tunnel_probe_up",
        "Liveness probes answered (1) or not yet / lost (0)",
        probe_up,
    );
    reg.register(
        "tunnel_healthy",
        "The tunnel may carry routes (CHILD SA installed and probes not down)",
        healthy,
    );
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &reg);
    out
}

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;
