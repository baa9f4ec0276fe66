//! IKE datagram transport: UDP 500 and 4500 (NAT-T), IPv4 and IPv6.
//!
//! The daemon core sees only the [`Transport`] trait: `send(local, remote, payload)` and
//! `try_recv() -> Datagram`, where `payload` is always a bare IKE message. The NAT-T framing
//! (RFC 3948 2.2 non-ESP marker, 2.3 NAT-keepalive) is applied here, in [`framing`], for
//! every implementation alike: [`UdpTransport`] (real sockets, tokio) and [`SimTransport`]
//! (an in-memory network for simulations). This module never parses IKE, never decides
//! which peer to talk to and never touches ESP: on the real 4500 socket the kernel
//! decapsulates ESP-in-UDP itself (`UDP_ENCAP_ESPINUDP`).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

pub mod framing;
pub mod sim;
mod sockopt;
pub mod udp;

pub use sim::{SimNetwork, SimTransport, WireFrame};
pub use udp::{UdpConfig, UdpTransport};

/// IKE's well-known port (RFC 7296 2).
pub const IKE_PORT: u16 = 500;
/// NAT-T port, where IKE carries the non-ESP marker (RFC 3948 2.2, RFC 7296 2.23).
pub const NATT_PORT: u16 = 4500;

/// The two UDP ports a transport listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// Plain IKE port (500 in production).
    pub ike: u16,
    /// NAT-T port (4500 in production): IKE with the non-ESP marker, ESP-in-UDP.
    pub natt: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Ports {
            ike: IKE_PORT,
            natt: NATT_PORT,
        }
    }
}

/// One received IKE message with the addresses it travelled between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// Our address and port the datagram arrived on (the port tells 500 from 4500).
    pub local: SocketAddr,
    /// The sender's address and port.
    pub remote: SocketAddr,
    /// The IKE message, without any non-ESP marker.
    pub payload: Vec<u8>,
}

/// How the daemon core sends and receives IKE messages.
///
/// Implementations add the non-ESP marker when `local`'s port is the NAT-T port and strip
/// it (dropping keepalives and anything that is not IKE) on receive. `send` never blocks:
/// when the socket buffer is full it fails with `WouldBlock` and IKE retransmission covers
/// the loss.
pub trait Transport {
    /// Sends one IKE message from `local` (an unspecified IP lets the kernel choose the
    /// source address; the port selects the socket) to `remote`.
    fn send(&self, local: SocketAddr, remote: SocketAddr, payload: &[u8]) -> io::Result<()>;
    /// The next received IKE message, if one is waiting (never blocks).
    fn try_recv(&self) -> io::Result<Option<Datagram>>;
    /// The ports this transport listens on.
    fn ports(&self) -> Ports;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, local: SocketAddr, remote: SocketAddr, payload: &[u8]) -> io::Result<()> {
        (**self).send(local, remote, payload)
    }

    fn try_recv(&self) -> io::Result<Option<Datagram>> {
        (**self).try_recv()
    }

    fn ports(&self) -> Ports {
        (**self).ports()
    }
}
