//! The [`Endpoint`]: owner of every IKE SA, entry point for datagrams, timers and
//! operator/kernel inputs, and the pull queues for transmits, kernel commands and events.
//!
//! Dispatch only: it finds the SA a datagram belongs to (by our SPI), checks the Message ID
//! window, decrypts, checks the payload table and hands the message to the task that owns the
//! exchange. Malformed or unauthenticated input is dropped silently and never panics. Time
//! enters only as `now`.

use super::ike_sa::{Ctx, IkeSa, Outputs, Queued};
use super::rules::{self, Kind};
use super::tasks::{ike_init, Outcome};
use super::types::{CloseReason, Event, Instant, KernelCommand, SpiAllocator, Transmit};
use crate::config::{ConnectionConfig, StartupAction, TunnelRef};
use crate::crypto::CryptoProvider;
use crate::wire::v2::{ExchangeType, HeaderView, Message, NotifyPayload, NotifyType, Payload};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Per-connection initiation state (startup=start retries, restarts).
#[derive(Debug, Clone, Default)]
pub(super) struct ConnState {
    /// When to (re-)initiate.
    pub(super) initiate_at: Option<Instant>,
    pub(super) attempts: u32,
    /// Removed by a reload: never initiates, never answers.
    pub(super) disabled: bool,
    /// Initiate at `initiate_at` even while an old IKE SA is still being deleted (a reload
    /// changed the tunnel).
    pub(super) force: bool,
}

/// One IKEv2 endpoint (all tunnels of the daemon).
#[derive(Debug)]
pub struct Endpoint {
    pub(super) provider: CryptoProvider,
    pub(super) spis: Box<dyn SpiAllocator>,
    pub(super) conns: Vec<ConnectionConfig>,
    pub(super) conn_state: Vec<ConnState>,
    pub(super) sas: HashMap<u64, IkeSa>,
    /// (peer address, SPIi) of responder SAs, for retransmitted IKE_SA_INIT requests.
    pub(super) half_open: HashMap<(SocketAddr, u64), u64>,
    pub(super) out: Outputs,
    cookies: super::cookie::Cookies,
}

/// A read-only summary of one IKE SA (for tests and status output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaSummary {
    pub tunnel: TunnelRef,
    pub spi_i: u64,
    pub spi_r: u64,
    pub initiator: bool,
    pub established: bool,
    pub children: Vec<(u32, u32)>,
}

impl Endpoint {
    /// An endpoint for `conns`. Connections with startup=start initiate at the first
    /// `handle_timeout` (poll_timeout reports the epoch).
    pub fn new(
        provider: CryptoProvider,
        spis: Box<dyn SpiAllocator>,
        conns: Vec<ConnectionConfig>,
    ) -> Self {
        let conn_state = conns
            .iter()
            .map(|c| ConnState {
                initiate_at: (c.startup == StartupAction::Start && c.versions.v2)
                    .then_some(Instant::default()),
                attempts: 0,
                disabled: false,
                force: false,
            })
            .collect();
        let cookies = super::cookie::Cookies::new(&provider);
        Endpoint {
            cookies,
            provider,
            spis,
            conns,
            conn_state,
            sas: HashMap::new(),
            half_open: HashMap::new(),
            out: Outputs::default(),
        }
    }

    /// Number of half-open responder SAs from which COOKIEs are required (RFC 7296 2.6).
    pub fn set_cookie_threshold(&mut self, n: usize) {
        self.cookies.threshold = n;
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

    /// Summaries of all IKE SAs, sorted by SPIi.
    pub fn summary(&self) -> Vec<SaSummary> {
        let mut v: Vec<SaSummary> = self
            .sas
            .values()
            .map(|s| SaSummary {
                tunnel: s.tunnel,
                spi_i: s.spi_i,
                spi_r: s.spi_r,
                initiator: s.initiator,
                established: s.is_established(),
                children: s.children.iter().map(|c| (c.spi_in, c.spi_out)).collect(),
            })
            .collect();
        v.sort_by_key(|s| s.spi_i);
        v
    }

    /// The earliest time `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let conns = self.conn_state.iter().filter_map(|c| c.initiate_at);
        let sas = self.sas.values().filter_map(|sa| {
            let cfg = self.conns.get(sa.conn)?;
            super::tasks::dpd::next_timer(sa, cfg)
        });
        conns.chain(sas).min()
    }

    fn conn_index(&self, tunnel: TunnelRef) -> Option<usize> {
        self.conns.iter().position(|c| c.tunnel == tunnel)
    }

    /// Operator input: start an IKE SA for `tunnel` now. False if unknown or failed.
    pub fn initiate(&mut self, now: Instant, tunnel: TunnelRef) -> bool {
        let Some(i) = self.conn_index(tunnel) else {
            return false;
        };
        self.start(now, i, None)
    }

    pub(super) fn start(
        &mut self,
        now: Instant,
        conn: usize,
        group: Option<crate::crypto::DhGroup>,
    ) -> bool {
        if self.conn_state.get(conn).is_some_and(|c| c.disabled) {
            return false;
        }
        let Some(cfg) = self.conns.get(conn) else {
            return false;
        };
        // A tunnel without IKEv2 is initiated by the IKEv1 endpoint.
        if !cfg.versions.v2 {
            return false;
        }
        let mut ctx = Ctx {
            now,
            provider: &self.provider,
            cfg,
            spis: self.spis.as_mut(),
            out: &mut self.out,
        };
        match ike_init::start(&mut ctx, conn, group) {
            Some(sa) => {
                self.sas.insert(sa.local_spi(), sa);
                true
            }
            None => false,
        }
    }

    /// Kernel ACQUIRE for `tunnel`: initiate unless an IKE SA exists or is being set up.
    pub fn acquire(&mut self, now: Instant, tunnel: TunnelRef) -> bool {
        if self.sas.values().any(|s| s.tunnel == tunnel) {
            return false;
        }
        self.initiate(now, tunnel)
    }

    /// Operator input: delete every IKE SA (and so every Child SA) of `tunnel`.
    pub fn terminate(&mut self, now: Instant, tunnel: TunnelRef) {
        if let Some(i) = self.conn_index(tunnel) {
            if let Some(c) = self.conn_state.get_mut(i) {
                c.initiate_at = None;
            }
        }
        let spis: Vec<u64> = self
            .sas
            .iter()
            .filter(|(_, s)| s.tunnel == tunnel)
            .map(|(k, _)| *k)
            .collect();
        for spi in spis {
            let Some(mut sa) = self.sas.remove(&spi) else {
                continue;
            };
            let outcome = if sa.is_established() {
                sa.queue.push_front(Queued::DeleteIke);
                Outcome::Keep
            } else {
                Outcome::Close(CloseReason::Terminated)
            };
            self.finish(now, sa, outcome);
        }
    }

    /// Operator input: rekey `tunnel` now: its IKE SA (`ike`) or every Child SA of it, as
    /// the lifetimes would (CREATE_CHILD_SA, RFC 7296 1.3.2 / 2.8). False when the tunnel
    /// has no established IKE SA.
    pub fn rekey(&mut self, now: Instant, tunnel: TunnelRef, ike: bool) -> bool {
        let Some(k) = self
            .sas
            .iter()
            .filter(|(_, s)| s.tunnel == tunnel && s.is_established())
            .max_by_key(|(_, s)| s.spi_i)
            .map(|(k, _)| *k)
        else {
            return false;
        };
        let Some(mut sa) = self.sas.remove(&k) else {
            return false;
        };
        if ike {
            sa.queue.push_back(Queued::RekeyIke);
        } else {
            let ids: Vec<_> = sa.children.iter().map(|c| c.id).collect();
            for id in ids {
                sa.queue.push_back(Queued::RekeyChild(id));
            }
        }
        self.finish(now, sa, Outcome::Keep);
        true
    }

    /// Kernel input: ESP packets arrived on the inbound SA `spi_in` since the last report.
    ///
    /// RFC 7296 2.4: a liveness check is needed only when nothing cryptographically protected
    /// came from the peer; an authenticated ESP packet proves the peer alive as much as an IKE
    /// message does, so the IKE SA owning that Child SA postpones its next check. A check
    /// already outstanding still runs to its end (its timeout still declares the peer dead:
    /// ESP arriving meanwhile is reported again at the next report).
    pub fn inbound_esp(&mut self, now: Instant, spi_in: u32) {
        if let Some(sa) = self
            .sas
            .values_mut()
            .find(|s| s.is_established() && s.children.iter().any(|c| c.spi_in == spi_in))
        {
            sa.last_inbound = sa.last_inbound.max(now);
        }
    }

    /// Kernel EXPIRE for the ESP SA `spi`: soft → rekey the Child SA, hard → delete it.
    pub fn expire(&mut self, now: Instant, spi: u32, hard: bool) {
        let found = self.sas.iter().find_map(|(k, s)| {
            s.children
                .iter()
                .find(|c| c.spi_in == spi || c.spi_out == spi)
                .map(|c| (*k, c.id))
        });
        if let Some((k, id)) = found {
            if let Some(mut sa) = self.sas.remove(&k) {
                sa.queue.push_back(if hard {
                    Queued::DeleteChild(id)
                } else {
                    Queued::RekeyChild(id)
                });
                self.finish(now, sa, Outcome::Keep);
            }
        }
    }

    fn find_conn(&self, local: SocketAddr, remote: SocketAddr) -> Option<usize> {
        let enabled = |i: &usize| {
            !self.conn_state.get(*i).is_some_and(|c| c.disabled)
                && self.conns.get(*i).is_some_and(|c| c.versions.v2)
        };
        let pick = |want: &dyn Fn(&ConnectionConfig) -> bool| {
            self.conns
                .iter()
                .enumerate()
                .filter(|(_, c)| want(c))
                .map(|(i, _)| i)
                .find(enabled)
        };
        pick(&|c| c.remote.ip() == remote.ip() && c.local.ip() == local.ip())
            .or_else(|| pick(&|c| c.remote.ip().is_unspecified() && c.local.ip() == local.ip()))
    }

    /// The configuration of `tunnel`.
    pub fn config(&self, tunnel: TunnelRef) -> Option<&ConnectionConfig> {
        self.conns.iter().find(|c| c.tunnel == tunnel)
    }

    /// Reload: installs `cfg` for its tunnel (replacing the old configuration, or adding a
    /// new tunnel). Existing SAs are kept: a caller that changed what they were negotiated
    /// with calls [`Endpoint::terminate`] first. With `initiate`, or startup=start and no IKE
    /// SA, the tunnel (re)initiates at `now`.
    pub fn configure(&mut self, now: Instant, cfg: ConnectionConfig, initiate: bool) {
        let tunnel = cfg.tunnel;
        let start = cfg.versions.v2
            && (initiate
                || (cfg.startup == StartupAction::Start
                    && !self.sas.values().any(|s| s.tunnel == tunnel)));
        let state = ConnState {
            initiate_at: start.then_some(now),
            attempts: 0,
            disabled: false,
            force: initiate,
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

    /// Reload: deletes the tunnel's SAs and disables it (it no longer initiates or answers).
    pub fn remove(&mut self, now: Instant, tunnel: TunnelRef) {
        self.terminate(now, tunnel);
        if let Some(i) = self.conn_index(tunnel) {
            if let Some(st) = self.conn_state.get_mut(i) {
                st.disabled = true;
                st.initiate_at = None;
            }
        }
    }

    /// Network input: one IKE datagram (without non-ESP marker) from `remote` to `local`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        bytes: &[u8],
    ) {
        let Ok(view) = HeaderView::new_checked(bytes) else {
            return;
        };
        let flags = view.flags();
        let Ok(msg) = Message::parse(bytes) else {
            return;
        };
        let h = msg.header;
        if h.exchange_type == ExchangeType::IKE_SA_INIT && !flags.response() && h.spi_r == 0 {
            self.init_request(now, local, remote, &msg, bytes);
            return;
        }
        // RFC 7296 3.1: the Initiator flag names the original initiator; as its peer we are
        // the responder and our SPI is SPIr.
        let ours = if flags.initiator() { h.spi_r } else { h.spi_i };
        let Some(mut sa) = self.sas.remove(&ours) else {
            return;
        };
        if sa.spi_i != h.spi_i
            || (sa.spi_r != 0 && sa.spi_r != h.spi_r)
            || flags.initiator() == sa.initiator
        {
            self.sas.insert(ours, sa);
            return;
        }
        let outcome = if flags.response() {
            self.response(now, &mut sa, &msg, bytes, (local, remote))
        } else {
            self.request(now, &mut sa, &msg, bytes, (local, remote))
        };
        self.finish(now, sa, outcome);
    }

    fn init_request(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
        bytes: &[u8],
    ) {
        if let Some(spi) = self.half_open.get(&(remote, msg.header.spi_i)) {
            // RFC 7296 2.1: a retransmitted request gets the same response again.
            if let Some((0, all)) = self.sas.get(spi).and_then(|s| s.window.last.clone()) {
                for b in all {
                    self.out.transmits.push_back(Transmit {
                        local,
                        remote,
                        bytes: b,
                    });
                }
            }
            return;
        }
        if rules::check(Kind::InitReq, &msg.payloads).is_err() {
            return;
        }
        let Some(conn) = self.find_conn(local, remote) else {
            return;
        };
        let Some(cfg) = self.conns.get(conn) else {
            return;
        };
        let mut ctx = Ctx {
            now,
            provider: &self.provider,
            cfg,
            spis: self.spis.as_mut(),
            out: &mut self.out,
        };
        let half_open = self
            .sas
            .values()
            .filter(|s| !s.initiator && !s.is_established())
            .count();
        if half_open >= self.cookies.threshold {
            self.cookies.rotate(now, ctx.provider);
            let ni = msg
                .payloads
                .iter()
                .find_map(|p| match p {
                    Payload::Nonce(n) => Some(n.nonce.as_slice()),
                    _ => None,
                })
                .unwrap_or_default();
            let (ip, spi_i) = (remote.ip(), msg.header.spi_i);
            // RFC 7296 2.6: the COOKIE notify must be the first payload.
            let ok = matches!(msg.payloads.first(), Some(Payload::Notify(n)) if n.ty == NotifyType::COOKIE && self.cookies.verify(&n.data, ni, ip, spi_i));
            if !ok {
                let want = self.cookies.compute(ni, ip, spi_i);
                let n = NotifyPayload::new(NotifyType::COOKIE, want);
                ike_init::stateless_reply(&mut ctx, &msg.header, local, remote, n);
                return;
            }
        }
        if let Some(sa) = ike_init::respond(&mut ctx, conn, local, remote, msg, bytes) {
            self.half_open.insert((remote, sa.spi_i), sa.spi_r);
            self.sas.insert(sa.spi_r, sa);
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
                let mut force = false;
                if let Some(c) = self.conn_state.get_mut(i) {
                    c.initiate_at = None;
                    force = std::mem::take(&mut c.force);
                }
                if (force || !self.sas.values().any(|s| s.conn == i)) && !self.start(now, i, None) {
                    self.schedule_retry(now, i);
                }
            }
        }
        let keys: Vec<u64> = self.sas.keys().copied().collect();
        for k in keys {
            let Some(mut sa) = self.sas.remove(&k) else {
                continue;
            };
            let outcome = self.timers(now, &mut sa);
            self.finish(now, sa, outcome);
        }
    }
}
