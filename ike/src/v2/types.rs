//! The engine's public vocabulary: virtual time, datagrams out, kernel commands, events and
//! the SPI allocator trait.
//!
//! `KernelCommand` is in the engine's own words (no dependency on the `xfrm` crate); keys
//! travel in [`Secret`]s inside [`XfrmAlgo`], so `Debug` never shows a key byte. Nothing here
//! performs I/O.

use crate::config::TunnelRef;
use crate::crypto::kernel::XfrmAlgo;
use crate::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
use crate::wire::v2::TrafficSelector;
use std::net::SocketAddr;
use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time, as a duration since an arbitrary epoch chosen by the caller (the daemon
/// uses its start; tests use a virtual clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub Duration);

impl Instant {
    /// `secs` seconds after the epoch.
    pub fn from_secs(secs: u64) -> Self {
        Instant(Duration::from_secs(secs))
    }
    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, o: Instant) -> Duration {
        self.saturating_since(o)
    }
}

/// One datagram to send. `bytes` is the IKE message; when either port is 4500 the daemon adds
/// the 4-byte non-ESP marker on send and strips it on receive (RFC 3948 2.2): the engine never
/// sees it. Exception: a one-octet `[0xFF]` is a NAT-keepalive (RFC 3948 2.3), sent as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub bytes: Vec<u8>,
}

/// Engine-wide handle of one Child SA (stable across its lifetime, new on rekey).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChildSaRef(pub u64);

/// Direction of an ESP SA as seen from this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
}

/// IPsec mode. Only tunnel mode is negotiated (USE_TRANSPORT_MODE is never accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Tunnel,
}

/// Kernel work the daemon must carry out (XFRM state operations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelCommand {
    /// Add one ESP state. `algo` is the crypto::kernel mapping (names, keys, ICV/truncation).
    InstallChildSa {
        child: ChildSaRef,
        tunnel: TunnelRef,
        direction: Direction,
        spi: u32,
        src: std::net::IpAddr,
        dst: std::net::IpAddr,
        mode: Mode,
        /// UDP encapsulation (source port, destination port) when NAT was detected.
        encap: Option<(u16, u16)>,
        algo: XfrmAlgo,
        replay_window: u32,
        esn: bool,
        local_ts: Vec<TrafficSelector>,
        remote_ts: Vec<TrafficSelector>,
        /// Hard lifetime for the kernel as a backstop; the engine rekeys before it.
        hard_lifetime: Duration,
        /// Kernel byte limits (soft, hard) of a negotiated volume lifetime (IKEv1 kilobytes):
        /// the soft EXPIRE starts a rekey, the hard one deletes the SA.
        byte_limits: Option<(u64, u64)>,
    },
    /// Remove one ESP state.
    DeleteChildSa {
        child: ChildSaRef,
        tunnel: TunnelRef,
        direction: Direction,
        spi: u32,
        src: std::net::IpAddr,
        dst: std::net::IpAddr,
    },
}

/// The negotiated IKE SA algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkeSuiteInfo {
    /// IKE major version of the SA: 1 (ISAKMP / IKEv1) or 2.
    pub version: u8,
    /// IKEv1 only: phase 1 ran in aggressive mode (RFC 2409 5), not main mode.
    pub aggressive: bool,
    pub encr: EncrAlg,
    pub prf: PrfAlg,
    pub integ: Option<IntegAlg>,
    pub dh: DhGroup,
}

/// The negotiated ESP algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildSuiteInfo {
    pub encr: EncrAlg,
    pub integ: Option<IntegAlg>,
    pub pfs: Option<DhGroup>,
    pub esn: bool,
}

/// Why an SA ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The operator asked.
    Terminated,
    /// The peer sent a Delete.
    DeletedByPeer,
    /// Retransmissions exhausted.
    Timeout,
    /// Dead peer detection fired.
    DpdDead,
    /// Replaced by a rekeyed SA.
    Rekeyed,
    /// Hard lifetime expired.
    Expired,
    /// The negotiation failed (see the matching NegotiationFailed event).
    Failed,
}

/// Things that happened, for the daemon's logs, health view and routing decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    IkeSaEstablished {
        tunnel: TunnelRef,
        spi_i: u64,
        spi_r: u64,
        initiator: bool,
        suite: IkeSuiteInfo,
        local: SocketAddr,
        remote: SocketAddr,
        nat_detected: bool,
    },
    ChildSaEstablished {
        tunnel: TunnelRef,
        child: ChildSaRef,
        spi_in: u32,
        spi_out: u32,
        suite: ChildSuiteInfo,
        local_ts: Vec<TrafficSelector>,
        remote_ts: Vec<TrafficSelector>,
    },
    /// We started rekeying this Child SA (it stays in use until the new one is in place).
    ChildSaRekeying {
        tunnel: TunnelRef,
        child: ChildSaRef,
    },
    ChildSaRekeyed {
        tunnel: TunnelRef,
        old: ChildSaRef,
        new: ChildSaRef,
    },
    /// We started rekeying this IKE SA.
    IkeSaRekeying {
        tunnel: TunnelRef,
        spi_i: u64,
    },
    IkeSaRekeyed {
        tunnel: TunnelRef,
        old_spi_i: u64,
        new_spi_i: u64,
    },
    ChildSaClosed {
        tunnel: TunnelRef,
        child: ChildSaRef,
        reason: CloseReason,
    },
    IkeSaClosed {
        tunnel: TunnelRef,
        spi_i: u64,
        reason: CloseReason,
    },
    DpdDead {
        tunnel: TunnelRef,
    },
    NegotiationFailed {
        tunnel: Option<TunnelRef>,
        /// Plain words: which notify, which proposal mismatch.
        reason: String,
    },
}

/// Source of inbound Child SA SPIs (the daemon fills it from XFRM ALLOCSPI).
pub trait SpiAllocator: core::fmt::Debug {
    /// A fresh SPI for an inbound ESP SA from `src` to `dst`, or None when exhausted.
    fn allocate(&mut self, src: std::net::IpAddr, dst: std::net::IpAddr) -> Option<u32>;
}

/// A sequential allocator for tests and simple embeddings: `start`, `start + 1`, ...
#[derive(Debug, Clone)]
pub struct SequentialSpis(pub u32);

impl SpiAllocator for SequentialSpis {
    fn allocate(&mut self, _: std::net::IpAddr, _: std::net::IpAddr) -> Option<u32> {
        let s = self.0;
        // RFC 4303 2.1: SPIs 1..=255 are reserved by IANA; 0 is never used on the wire.
        self.0 = self.0.wrapping_add(1).max(256);
        Some(s)
    }
}
