//! Per-tunnel status kept by the daemon core: engine events fold into a [`TunnelState`],
//! which becomes a `TunnelStatus` with the kernel's SA counters.
//!
//! Events are logged here with names, SPIs and algorithms only: no event carries key
//! material and nothing here ever reads a key.

use std::net::IpAddr;

use ike::config::TunnelRef;
use ike::v2::{ChildSaRef, Event, Instant};
use xfrm::{KernelBackend, Proto, SaId};

use super::TunnelBinding;
use crate::control::status::{encr_name, integ_name};
use crate::control::{Phase1Algorithms, Phase2Algorithms, PhaseState, TunnelStatus};

/// One live Child SA of a tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ChildEntry {
    pub(super) child: ChildSaRef,
    pub(super) spi_in: u32,
    pub(super) spi_out: u32,
}

/// What the core knows about one tunnel.
#[derive(Debug, Clone, Default)]
pub(super) struct TunnelState {
    pub(super) phase1_state: PhaseState,
    pub(super) phase2_state: PhaseState,
    pub(super) phase1: Option<Phase1Algorithms>,
    pub(super) phase2: Option<Phase2Algorithms>,
    pub(super) nat: bool,
    pub(super) since: Option<Instant>,
    pub(super) children: Vec<ChildEntry>,
    pub(super) ike_sas: usize,
    pub(super) last_error: Option<String>,
    pub(super) admin_down: bool,
}

impl TunnelState {
    pub(super) fn apply(&mut self, now: Instant, ev: &Event) {
        match ev {
            Event::IkeSaEstablished {
                suite,
                nat_detected,
                ..
            } => {
                self.ike_sas = self.ike_sas.saturating_add(1);
                self.phase1_state = PhaseState::Established;
                self.nat = *nat_detected;
                self.last_error = None;
                self.phase1 = Some(Phase1Algorithms {
                    ike_version: format!("ikev{}", suite.version),
                    encryption: encr_name(suite.encr),
                    integrity: suite.integ.map(|i| integ_name(i).to_owned()),
                    dh_group: suite.dh.id(),
                });
            }
            Event::IkeSaRekeying { .. } => {
                if self.phase1_state == PhaseState::Established {
                    self.phase1_state = PhaseState::Rekeying;
                }
            }
            Event::IkeSaRekeyed { .. } => self.phase1_state = PhaseState::Established,
            Event::ChildSaRekeying { .. } => {
                if self.phase2_state == PhaseState::Established {
                    self.phase2_state = PhaseState::Rekeying;
                }
            }
            Event::ChildSaEstablished {
                child,
                spi_in,
                spi_out,
                suite,
                ..
            } => {
                if !self.children.iter().any(|c| c.child == *child) {
                    self.children.push(ChildEntry {
                        child: *child,
                        spi_in: *spi_in,
                        spi_out: *spi_out,
                    });
                }
                self.phase2_state = PhaseState::Established;
                self.since.get_or_insert(now);
                self.phase2 = Some(Phase2Algorithms {
                    encryption: encr_name(suite.encr),
                    integrity: suite.integ.map(|i| integ_name(i).to_owned()),
                    dh_group: suite.pfs.map(|g| g.id()),
                    spi_in: *spi_in,
                    spi_out: *spi_out,
                });
            }
            Event::ChildSaRekeyed { old, .. } => {
                self.children.retain(|c| c.child != *old);
                self.phase2_state = PhaseState::Established;
            }
            Event::ChildSaClosed { child, .. } => {
                self.children.retain(|c| c.child != *child);
                if self.children.is_empty() {
                    self.phase2_state = PhaseState::Down;
                    self.phase2 = None;
                    self.since = None;
                }
            }
            Event::IkeSaClosed { reason, .. } => {
                self.ike_sas = self.ike_sas.saturating_sub(1);
                if *reason != ike::v2::CloseReason::Rekeyed && self.ike_sas == 0 {
                    self.phase1_state = PhaseState::Down;
                    self.phase2_state = PhaseState::Down;
                    self.phase1 = None;
                    self.phase2 = None;
                    self.children.clear();
                    self.since = None;
                    // A failed negotiation has already said why (NegotiationFailed comes
                    // first); "closed: Failed" would hide it.
                    let explained =
                        *reason == ike::v2::CloseReason::Failed && self.last_error.is_some();
                    if *reason != ike::v2::CloseReason::Terminated && !explained {
                        self.last_error = Some(format!("IKE SA closed: {reason:?}"));
                    }
                }
            }
            Event::DpdDead { .. } => self.last_error = Some("peer dead (DPD)".into()),
            Event::NegotiationFailed { reason, .. } => {
                self.last_error = Some(reason.clone());
                if self.phase1_state == PhaseState::Negotiating {
                    self.phase1_state = PhaseState::Down;
                }
                // A failed rekey: the old SAs stay in use and the engine retries later.
                if self.phase1_state == PhaseState::Rekeying {
                    self.phase1_state = PhaseState::Established;
                }
                if self.phase2_state == PhaseState::Rekeying {
                    self.phase2_state = PhaseState::Established;
                }
            }
        }
    }
}

/// The tunnel an event is about.
pub(super) fn event_tunnel(ev: &Event) -> Option<TunnelRef> {
    match ev {
        Event::IkeSaEstablished { tunnel, .. }
        | Event::ChildSaEstablished { tunnel, .. }
        | Event::ChildSaRekeying { tunnel, .. }
        | Event::ChildSaRekeyed { tunnel, .. }
        | Event::IkeSaRekeying { tunnel, .. }
        | Event::IkeSaRekeyed { tunnel, .. }
        | Event::ChildSaClosed { tunnel, .. }
        | Event::IkeSaClosed { tunnel, .. }
        | Event::DpdDead { tunnel } => Some(*tunnel),
        Event::NegotiationFailed { tunnel, .. } => *tunnel,
    }
}

/// One log line per event (names, SPIs, algorithms; never keys).
pub(super) fn log_event(tunnel: &str, ev: &Event) {
    match ev {
        Event::IkeSaEstablished {
            spi_i,
            spi_r,
            initiator,
            suite,
            remote,
            nat_detected,
            ..
        } => tracing::info!(
            tunnel,
            spi_i = format_args!("{spi_i:016x}"),
            spi_r = format_args!("{spi_r:016x}"),
            initiator,
            %remote,
            nat = nat_detected,
            ike = match (suite.version, suite.aggressive) {
                (1, true) => "ikev1-aggressive",
                (1, false) => "ikev1-main",
                _ => "ikev2",
            },
            encr = %encr_name(suite.encr),
            dh = suite.dh.id(),
            "IKE SA established"
        ),
        Event::ChildSaEstablished {
            spi_in,
            spi_out,
            suite,
            ..
        } => tracing::info!(
            tunnel,
            spi_in = format_args!("{spi_in:#010x}"),
            spi_out = format_args!("{spi_out:#010x}"),
            encr = %encr_name(suite.encr),
            "CHILD SA established"
        ),
        Event::NegotiationFailed { reason, .. } => {
            tracing::warn!(tunnel, reason = %reason, "negotiation failed")
        }
        Event::DpdDead { .. } => tracing::warn!(tunnel, "peer dead (DPD)"),
        other => tracing::info!(tunnel, event = ?other, "IKE event"),
    }
}

/// Inbound / outbound byte and packet counters of the tunnel's newest Child SA.
pub(super) fn counters<K: KernelBackend>(
    k: &mut K,
    s: &TunnelState,
    local: IpAddr,
    remote: IpAddr,
    b: &TunnelBinding,
) -> (u64, u64, u64, u64) {
    let Some(c) = s.children.last() else {
        return (0, 0, 0, 0);
    };
    let mut read = |dst: IpAddr, spi: u32| {
        sa_counters(k, dst, spi, b).map_or((0, 0), |c| (c.bytes, c.packets))
    };
    let (bi, pi) = read(local, c.spi_in);
    let (bo, po) = read(remote, c.spi_out);
    (bi, bo, pi, po)
}

/// The kernel's counters of one ESP SA of the tunnel bound by `b` (None if unreadable).
pub(super) fn sa_counters<K: KernelBackend>(
    k: &mut K,
    dst: IpAddr,
    spi: u32,
    b: &TunnelBinding,
) -> Option<xfrm::SaCounters> {
    let id = SaId {
        dst,
        spi,
        proto: Proto::Esp,
        mark: super::kernel::mark(b),
    };
    k.sa_counters(&id).ok().flatten()
}

/// The wire form of one tunnel's status.
#[allow(clippy::too_many_arguments)]
pub(super) fn tunnel_status(
    now: Instant,
    connection: &str,
    tunnel: &str,
    local: IpAddr,
    remote: IpAddr,
    interface: Option<String>,
    dpd_enabled: bool,
    s: &TunnelState,
    (bytes_in, bytes_out, packets_in, packets_out): (u64, u64, u64, u64),
) -> TunnelStatus {
    TunnelStatus {
        connection: connection.to_owned(),
        tunnel: tunnel.to_owned(),
        local,
        remote,
        interface,
        admin_down: s.admin_down,
        ike_phase1_state: s.phase1_state,
        ike_phase2_state: s.phase2_state,
        phase1: s.phase1.clone(),
        phase2: s.phase2.clone(),
        nat_t_detected: s.nat,
        dpd_enabled,
        uptime_seconds: s.since.map(|t| now.saturating_since(t).as_secs()),
        bytes_in,
        bytes_out,
        packets_in,
        packets_out,
        route_active: matches!(
            s.phase2_state,
            PhaseState::Established | PhaseState::Rekeying
        ),
        last_error: s.last_error.clone(),
        probe: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ike::crypto::EncrAlg;
    use ike::v2::ChildSuiteInfo;

    const T: TunnelRef = TunnelRef(0);

    fn child_up(child: u64) -> Event {
        Event::ChildSaEstablished {
            tunnel: T,
            child: ChildSaRef(child),
            spi_in: 0xc000_0000 + child as u32,
            spi_out: 0x5000 + child as u32,
            suite: ChildSuiteInfo {
                encr: EncrAlg::AesGcm16 { key_bits: 128 },
                integ: None,
                pfs: None,
                esn: false,
            },
            local_ts: vec![],
            remote_ts: vec![],
        }
    }

    /// Rekeying shows between the start of our rekey and its end, and a failed rekey goes
    /// back to Established (the old SA stays in use).
    #[test]
    fn phase2_is_rekeying_between_start_and_done() {
        let now = Instant::from_secs(1);
        let mut s = TunnelState::default();
        s.apply(now, &child_up(1));
        assert_eq!(s.phase2_state, PhaseState::Established);
        let rekeying = Event::ChildSaRekeying {
            tunnel: T,
            child: ChildSaRef(1),
        };
        s.apply(now, &rekeying);
        assert_eq!(s.phase2_state, PhaseState::Rekeying);
        s.apply(now, &child_up(2));
        assert_eq!(s.phase2_state, PhaseState::Established);
        s.apply(now, &rekeying);
        let failed = Event::NegotiationFailed {
            tunnel: Some(T),
            reason: "NO_PROPOSAL_CHOSEN".into(),
        };
        s.apply(now, &failed);
        assert_eq!(s.phase2_state, PhaseState::Established);
    }
}
