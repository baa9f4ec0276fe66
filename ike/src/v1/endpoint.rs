//! The IKEv1 [`Endpoint`]: owner of every ISAKMP SA and of the tunnels' Child SAs, with the
//! same inputs and pull queues as the IKEv2 [`crate::v2::Endpoint`]. A tunnel is handled
//! here when its [`IkeVersions`](crate::config::IkeVersions) include IKEv1; it initiates here
//! only when IKEv2 is off.
//!
//! Dispatch only: finds the ISAKMP SA of a datagram by its cookies, replays answers to
//! retransmitted messages and hands the message to main mode, quick mode or the
//! informational exchange. Malformed or unauthenticated input is dropped and never panics.
//! Time enters only as `now`.

use super::isakmp_sa::{ChildV1, IsakmpSa};
use crate::config::{ConnectionConfig, StartupAction, TunnelRef};
use crate::crypto::CryptoProvider;
use crate::v2::{
    ChildSaRef, CloseReason, Event, Instant, KernelCommand, SaSummary, SpiAllocator, Transmit,
};
use crate::wire::v1::{ExchangeType, Flags, Message};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

/// Per-connection initiation state.
#[derive(Debug, Clone, Default)]
pub(super) struct ConnState {
    pub(super) initiate_at: Option<Instant>,
    pub(super) attempts: u32,
    /// Removed by a reload: never initiates, never answers.
    pub(super) disabled: bool,
}

/// What the endpoint wants done, in order.
#[derive(Debug, Default)]
pub(super) struct Outputs {
    pub(super) transmits: VecDeque<Transmit>,
    pub(super) commands: VecDeque<KernelCommand>,
    pub(super) events: VecDeque<Event>,
}

/// One IKEv1 endpoint (all tunnels of the daemon).
#[derive(Debug)]
pub struct Endpoint {
    pub(super) provider: CryptoProvider,
    pub(super) spis: Box<dyn SpiAllocator>,
    pub(super) conns: Vec<ConnectionConfig>,
    pub(super) conn_state: Vec<ConnState>,
    /// ISAKMP SAs by our cookie.
    pub(super) sas: HashMap<[u8; 8], IsakmpSa>,
    /// Child SAs of every tunnel (in IKEv1 they outlive the ISAKMP SA that made them).
    pub(super) children: Vec<ChildV1>,
    /// Responder pairs whose inbound SA is installed, waiting for quick mode 3.
    pub(super) pending: Vec<ChildV1>,
    pub(super) out: Outputs,
    /// Child SA handles count down from 2^63 so they never meet the IKEv2 endpoint's.
    next_child: u64,
}

/// Delay before a failed `startup: start` initiation is retried.
pub(super) const RETRY: Duration = Duration::from_secs(10);

impl Endpoint {
    /// An endpoint for `conns` (the same list the IKEv2 endpoint gets).
    pub fn new(
        provider: CryptoProvider,
        spis: Box<dyn SpiAllocator>,
        conns: Vec<ConnectionConfig>,
    ) -> Self {
        let conn_state = conns
            .iter()
            .map(|c| ConnState {
                initiate_at: (c.startup == StartupAction::Start && c.versions.initiates_v1())
                    .then_some(Instant::default()),
                ..ConnState::default()
            })
            .collect();
        Endpoint {
            provider,
            spis,
            conns,
            conn_state,
            sas: HashMap::new(),
            children: Vec::new(),
            pending: Vec::new(),
            out: Outputs::default(),
            next_child: 1 << 63,
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }
    pub fn poll_command(&mut self) -> Option<KernelCommand> {
        self.out.commands.pop_front()
    }
    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.events.pop_front()
    }

    /// Summaries of all ISAKMP SAs (spi_i/spi_r are the initiator/responder cookies), sorted
    /// by initiator cookie. A tunnel's Child SAs are listed under its newest ISAKMP SA.
    pub fn summary(&self) -> Vec<SaSummary> {
        let mut v: Vec<SaSummary> = self
            .sas
            .values()
            .map(|s| {
                let newest = self
                    .current_sa(s.tunnel)
                    .is_some_and(|c| c.cky_i == s.cky_i);
                SaSummary {
                    tunnel: s.tunnel,
                    spi_i: u64::from_be_bytes(s.cky_i),
                    spi_r: u64::from_be_bytes(s.cky_r),
                    initiator: s.initiator,
                    established: s.is_established(),
                    children: if newest {
                        self.children
                            .iter()
                            .filter(|c| c.tunnel == s.tunnel)
                            .map(|c| (c.spi_in, c.spi_out))
                            .collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        v.sort_by_key(|s| s.spi_i);
        v
    }

    pub(super) fn conn_index(&self, tunnel: TunnelRef) -> Option<usize> {
        self.conns.iter().position(|c| c.tunnel == tunnel)
    }

    /// The newest established ISAKMP SA of `tunnel` not being replaced.
    pub(super) fn current_sa(&self, tunnel: TunnelRef) -> Option<&IsakmpSa> {
        self.sas
            .values()
            .filter(|s| s.tunnel == tunnel && s.is_established() && !s.replaced)
            .max_by_key(|s| s.established_at)
    }

    pub(super) fn current_cookie(&self, tunnel: TunnelRef) -> Option<[u8; 8]> {
        self.current_sa(tunnel).map(IsakmpSa::local_cookie)
    }

    pub(super) fn child_ref(&mut self) -> ChildSaRef {
        self.next_child = self.next_child.wrapping_add(1);
        ChildSaRef(self.next_child)
    }

    /// Random bytes from the provider (nonces, cookies, Message IDs).
    pub(super) fn random(&self, n: usize) -> Option<Vec<u8>> {
        self.provider.random_bytes(n).ok()
    }

    /// A random nonzero Message ID.
    pub(super) fn message_id(&self) -> Option<u32> {
        let b: [u8; 4] = self.random(4)?.try_into().ok()?;
        Some(u32::from_be_bytes(b).max(1))
    }

    /// [`ConnectionConfig::rekey_after`] with the endpoint's randomness.
    pub(super) fn rekey_after(&self, cfg: &ConnectionConfig, lifetime: Duration) -> Duration {
        cfg.rekey_after(lifetime, |m| self.provider.random_upto(m))
    }

    pub(super) fn fail(&mut self, tunnel: TunnelRef, reason: String) {
        self.out.events.push_back(Event::NegotiationFailed {
            tunnel: Some(tunnel),
            reason,
        });
    }

    pub(super) fn send(&mut self, local: SocketAddr, remote: SocketAddr, bytes: Vec<u8>) {
        self.out.transmits.push_back(Transmit {
            local,
            remote,
            bytes,
        });
    }

    /// The earliest time `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let conns = self.conn_state.iter().filter_map(|c| c.initiate_at);
        let sas = self.sas.values().filter_map(|sa| self.sa_deadline(sa));
        let children = self.children.iter().flat_map(|c| {
            let next = if c.state == super::isakmp_sa::ChildState::Installed {
                Some(c.rekey_at)
            } else {
                c.delete_at
            };
            next.into_iter().chain(c.out_at)
        });
        conns.chain(sas).chain(children).min()
    }

    /// Operator input: start main mode for `tunnel` if it initiates with IKEv1.
    pub fn initiate(&mut self, now: Instant, tunnel: TunnelRef) -> bool {
        let Some(i) = self.conn_index(tunnel) else {
            return false;
        };
        self.start_main_mode(now, i).is_some()
    }

    /// Kernel ACQUIRE for `tunnel`: initiate unless an ISAKMP SA exists or is being set up.
    pub fn acquire(&mut self, now: Instant, tunnel: TunnelRef) -> bool {
        if self.sas.values().any(|s| s.tunnel == tunnel) {
            return false;
        }
        self.initiate(now, tunnel)
    }

    /// Operator input: delete every IKEv1 SA of `tunnel` (Deletes sent to the peer).
    pub fn terminate(&mut self, now: Instant, tunnel: TunnelRef) {
        if let Some(i) = self.conn_index(tunnel) {
            if let Some(c) = self.conn_state.get_mut(i) {
                c.initiate_at = None;
            }
        }
        self.delete_children(now, tunnel, CloseReason::Terminated, true);
        let cookies: Vec<[u8; 8]> = self
            .sas
            .iter()
            .filter(|(_, s)| s.tunnel == tunnel)
            .map(|(k, _)| *k)
            .collect();
        for k in cookies {
            self.delete_isakmp(now, k, CloseReason::Terminated, true);
        }
    }

    /// Operator input: rekey `tunnel` now: phase 1 (`ike`: a new main mode that replaces
    /// the ISAKMP SA) or every Child SA (a quick mode each). False when the tunnel has no
    /// established ISAKMP SA.
    pub fn rekey(&mut self, now: Instant, tunnel: TunnelRef, ike: bool) -> bool {
        let Some(k) = self.current_cookie(tunnel) else {
            return false;
        };
        if ike {
            let Some(conn) = self.sas.get(&k).map(|s| s.conn) else {
                return false;
            };
            let new = self.start_main_mode_any(now, conn);
            if let Some(sa) = self.sas.get_mut(&k) {
                sa.rekeyed_by = new;
                self.out.events.push_back(Event::IkeSaRekeying {
                    tunnel,
                    spi_i: u64::from_be_bytes(sa.cky_i),
                });
            }
            return new.is_some();
        }
        let ids: Vec<ChildSaRef> = self
            .children
            .iter()
            .filter(|c| c.tunnel == tunnel && c.state == super::isakmp_sa::ChildState::Installed)
            .map(|c| c.id)
            .collect();
        for id in &ids {
            self.rekey_child(now, *id);
        }
        !ids.is_empty()
    }

    /// Kernel input: ESP arrived on the inbound SA `spi_in`: the peer is alive (RFC 3706 5.5:
    /// DPD is needed only when no traffic arrives).
    pub fn inbound_esp(&mut self, now: Instant, spi_in: u32) {
        let Some(tunnel) = self
            .children
            .iter()
            .find(|c| c.spi_in == spi_in)
            .map(|c| c.tunnel)
        else {
            return;
        };
        for sa in self.sas.values_mut().filter(|s| s.tunnel == tunnel) {
            sa.dpd.last_inbound = sa.dpd.last_inbound.max(now);
        }
    }

    /// Kernel EXPIRE for the ESP SA `spi`: soft → rekey the Child SA, hard → delete it.
    pub fn expire(&mut self, now: Instant, spi: u32, hard: bool) {
        let Some(c) = self
            .children
            .iter()
            .find(|c| c.spi_in == spi || c.spi_out == spi)
            .cloned()
        else {
            return;
        };
        if hard {
            self.delete_child(now, c.id, Some(CloseReason::Expired), true);
        } else if c.state == super::isakmp_sa::ChildState::Installed {
            self.rekey_child(now, c.id);
        }
    }

    /// The configuration of `tunnel`.
    pub fn config(&self, tunnel: TunnelRef) -> Option<&ConnectionConfig> {
        self.conns.iter().find(|c| c.tunnel == tunnel)
    }

    /// Reload: installs `cfg` for its tunnel (same contract as the IKEv2 endpoint: existing
    /// SAs are kept; with `initiate`, or startup=start and no ISAKMP SA, the tunnel initiates
    /// at `now` when it initiates with IKEv1).
    pub fn configure(&mut self, now: Instant, cfg: ConnectionConfig, initiate: bool) {
        let tunnel = cfg.tunnel;
        let start = cfg.versions.initiates_v1()
            && (initiate
                || (cfg.startup == StartupAction::Start
                    && !self.sas.values().any(|s| s.tunnel == tunnel)));
        let state = ConnState {
            initiate_at: start.then_some(now),
            ..ConnState::default()
        };
        match self.conn_index(tunnel) {
            Some(i) => {
                if let Some(c) = self.conns.get_mut(i) {
                    *c = cfg;
                }
                if let Some(st) = self.conn_state.get_mut(i) {
                    if start || st.disabled {
                        *st = state;
                    }
                }
            }
            None => {
                self.conns.push(cfg);
                self.conn_state.push(state);
            }
        }
    }

    /// Reload: deletes the tunnel's SAs and disables it.
    pub fn remove(&mut self, now: Instant, tunnel: TunnelRef) {
        self.terminate(now, tunnel);
        if let Some(i) = self.conn_index(tunnel) {
            if let Some(st) = self.conn_state.get_mut(i) {
                st.disabled = true;
                st.initiate_at = None;
            }
        }
    }

    /// The responder's connection for a main mode request: the enabled IKEv1 tunnel for
    /// this address pair (or for any peer, when its remote address is unspecified).
    pub(super) fn find_conn(&self, local: SocketAddr, remote: SocketAddr) -> Option<usize> {
        let usable = |i: usize| {
            !self.conn_state.get(i).is_some_and(|c| c.disabled)
                && self.conns.get(i).is_some_and(|c| c.versions.v1)
        };
        let pick = |want: &dyn Fn(&ConnectionConfig) -> bool| {
            self.conns
                .iter()
                .enumerate()
                .filter(|(i, c)| usable(*i) && want(c))
                .map(|(i, _)| i)
                .next()
        };
        pick(&|c| c.remote.ip() == remote.ip() && c.local.ip() == local.ip())
            .or_else(|| pick(&|c| c.remote.ip().is_unspecified() && c.local.ip() == local.ip()))
    }

    /// Network input: one ISAKMP datagram (major version 1) without non-ESP marker.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        bytes: &[u8],
    ) {
        let Ok(msg) = Message::parse(bytes) else {
            return;
        };
        let h = &msg.header;
        let ours = self
            .sas
            .get(&h.initiator_cookie)
            .filter(|s| s.initiator && (s.cky_r == [0; 8] || s.cky_r == h.responder_cookie))
            .map(|_| h.initiator_cookie)
            .or_else(|| {
                self.sas
                    .get(&h.responder_cookie)
                    .filter(|s| !s.initiator && s.cky_i == h.initiator_cookie)
                    .map(|_| h.responder_cookie)
            });
        let Some(key) = ours else {
            if h.exchange_type == ExchangeType::MAIN_MODE
                && h.responder_cookie == [0; 8]
                && h.message_id == 0
                && !h.flags.contains(Flags::ENCRYPTION)
            {
                self.main_mode_request(now, local, remote, &msg, bytes);
            } else if h.exchange_type == ExchangeType::AGGRESSIVE
                && h.responder_cookie == [0; 8]
                && h.message_id == 0
                && !h.flags.contains(Flags::ENCRYPTION)
            {
                // Answered only for tunnels with `aggressive: true` (REQUIREMENTS §18 #12).
                self.aggressive_mode_request(now, local, remote, &msg, bytes);
            }
            // Anything else without an SA is dropped.
            return;
        };
        let Some(mut sa) = self.sas.remove(&key) else {
            return;
        };
        match h.exchange_type {
            ExchangeType::MAIN_MODE => self.main_mode(now, &mut sa, local, remote, &msg, bytes),
            ExchangeType::AGGRESSIVE => {
                self.aggressive_mode(now, &mut sa, local, remote, &msg, bytes)
            }
            ExchangeType::QUICK_MODE => self.quick_mode(now, &mut sa, local, remote, &msg, bytes),
            ExchangeType::INFORMATIONAL => self.informational(now, &mut sa, local, remote, &msg),
            _ => {}
        }
        self.put_back(sa);
    }

    /// Returns an SA to the map unless it was closed (marked by a zeroed tunnel state).
    pub(super) fn put_back(&mut self, sa: IsakmpSa) {
        if !sa.closed {
            self.sas.insert(sa.local_cookie(), sa);
        }
    }

    /// Timer input.
    pub fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.conn_state.len() {
            let due = self
                .conn_state
                .get(i)
                .and_then(|c| c.initiate_at)
                .is_some_and(|t| t <= now);
            if due {
                if let Some(c) = self.conn_state.get_mut(i) {
                    c.initiate_at = None;
                }
                let tunnel = self.conns.get(i).map(|c| c.tunnel);
                let busy =
                    tunnel.is_some_and(|t| self.sas.values().any(|s| s.tunnel == t && !s.replaced));
                if !busy && self.start_main_mode(now, i).is_none() {
                    self.schedule_retry(now, i);
                }
            }
        }
        let keys: Vec<[u8; 8]> = self.sas.keys().copied().collect();
        for k in keys {
            if let Some(mut sa) = self.sas.remove(&k) {
                self.sa_timers(now, &mut sa);
                self.put_back(sa);
            }
        }
        self.child_timers(now);
    }

    /// startup=start: try again after a failure.
    pub(super) fn schedule_retry(&mut self, now: Instant, conn: usize) {
        let start = self
            .conns
            .get(conn)
            .is_some_and(|c| c.startup == StartupAction::Start && c.versions.initiates_v1());
        if let Some(c) = self.conn_state.get_mut(conn) {
            if start && !c.disabled {
                c.attempts = c.attempts.saturating_add(1);
                c.initiate_at = Some(now + RETRY);
            }
        }
    }
}
