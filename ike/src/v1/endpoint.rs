//! The IKEv1 [`Endpoint`]: owner of every ISAKMP SA, with the same inputs and pull queues as
//! the IKEv2 [`crate::v2::Endpoint`]. A tunnel is handled here when its
//! [`IkeVersions`](crate::config::IkeVersions) include IKEv1; it initiates here only when
//! IKEv2 is off. Never panics on network input; time enters only as `now`.

use crate::config::{ConnectionConfig, TunnelRef};
use crate::crypto::CryptoProvider;
use crate::v2::{Event, Instant, KernelCommand, SaSummary, SpiAllocator, Transmit};
use std::collections::VecDeque;
use std::net::SocketAddr;

/// One IKEv1 endpoint (all tunnels of the daemon).
#[derive(Debug)]
pub struct Endpoint {
    provider: CryptoProvider,
    spis: Box<dyn SpiAllocator>,
    conns: Vec<ConnectionConfig>,
    transmits: VecDeque<Transmit>,
    commands: VecDeque<KernelCommand>,
    events: VecDeque<Event>,
}

impl Endpoint {
    /// An endpoint for `conns` (the same list the IKEv2 endpoint gets).
    pub fn new(
        provider: CryptoProvider,
        spis: Box<dyn SpiAllocator>,
        conns: Vec<ConnectionConfig>,
    ) -> Self {
        Endpoint {
            provider,
            spis,
            conns,
            transmits: VecDeque::new(),
            commands: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }
    pub fn poll_command(&mut self) -> Option<KernelCommand> {
        self.commands.pop_front()
    }
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Summaries of all ISAKMP SAs (spi_i/spi_r are the initiator/responder cookies).
    pub fn summary(&self) -> Vec<SaSummary> {
        Vec::new()
    }

    /// The earliest time `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// Operator input: start main mode for `tunnel` if it initiates with IKEv1.
    pub fn initiate(&mut self, _now: Instant, _tunnel: TunnelRef) -> bool {
        false
    }

    /// Kernel ACQUIRE for `tunnel` (IKEv1-initiating tunnels only).
    pub fn acquire(&mut self, _now: Instant, _tunnel: TunnelRef) -> bool {
        false
    }

    /// Operator input: delete every IKEv1 SA of `tunnel`.
    pub fn terminate(&mut self, _now: Instant, _tunnel: TunnelRef) {}

    /// Kernel input: ESP arrived on the inbound SA `spi_in` (postpones DPD).
    pub fn inbound_esp(&mut self, _now: Instant, _spi_in: u32) {}

    /// Kernel EXPIRE for the ESP SA `spi` (ignored when it is not one of ours).
    pub fn expire(&mut self, _now: Instant, _spi: u32, _hard: bool) {}

    /// The configuration of `tunnel`.
    pub fn config(&self, tunnel: TunnelRef) -> Option<&ConnectionConfig> {
        self.conns.iter().find(|c| c.tunnel == tunnel)
    }

    /// Reload: installs `cfg` for its tunnel (same contract as the IKEv2 endpoint).
    pub fn configure(&mut self, _now: Instant, cfg: ConnectionConfig, _initiate: bool) {
        match self.conns.iter_mut().find(|c| c.tunnel == cfg.tunnel) {
            Some(c) => *c = cfg,
            None => self.conns.push(cfg),
        }
    }

    /// Reload: deletes the tunnel's SAs and disables it.
    pub fn remove(&mut self, now: Instant, tunnel: TunnelRef) {
        self.terminate(now, tunnel);
    }

    /// Network input: one ISAKMP datagram (major version 1) without non-ESP marker.
    pub fn handle_datagram(
        &mut self,
        _now: Instant,
        _local: SocketAddr,
        _remote: SocketAddr,
        _bytes: &[u8],
    ) {
        let _ = (&self.provider, &self.spis);
    }

    /// Timer input.
    pub fn handle_timeout(&mut self, _now: Instant) {}
}
