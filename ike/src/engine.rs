//! The [`Engine`]: one IKEv1 [`v1::Endpoint`] and one IKEv2 [`v2::Endpoint`] behind the
//! single set of inputs and pull queues the daemon drives. Both endpoints get the same
//! connection list and draw inbound SPIs from one shared [`SpiAllocator`]; datagrams go to
//! the endpoint of their header's major version, every operator, kernel and timer input goes
//! to both (each ignores the tunnels that do not speak its version). It never parses beyond
//! the version octet, never keeps state of its own beyond the two endpoints, and never panics
//! on network input.

use crate::config::{ConnectionConfig, TunnelRef};
use crate::crypto::CryptoProvider;
use crate::v1;
use crate::v2::{self, Event, Instant, KernelCommand, SaSummary, SpiAllocator, Transmit};
use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;

/// One SPI source shared by both endpoints (clones hand out SPIs from the same allocator, so
/// an IKEv1 and an IKEv2 Child SA never get the same inbound SPI from a counter source).
#[derive(Debug, Clone)]
pub struct SharedSpis(Rc<RefCell<Box<dyn SpiAllocator>>>);

impl SharedSpis {
    /// A shared handle on `inner`.
    pub fn new(inner: Box<dyn SpiAllocator>) -> Self {
        SharedSpis(Rc::new(RefCell::new(inner)))
    }
}

impl SpiAllocator for SharedSpis {
    fn allocate(&mut self, src: IpAddr, dst: IpAddr) -> Option<u32> {
        // Single-threaded and never re-entered; a busy borrow reads as "exhausted" rather
        // than panicking.
        self.0.try_borrow_mut().ok()?.allocate(src, dst)
    }
}

/// Which endpoint a datagram belongs to, from the ISAKMP/IKE header's version octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// Offset of the version octet: after SPIi (8), SPIr (8) and Next Payload (1).
const VERSION_OFFSET: usize = 17;

/// The major version of `bytes`, or None when it is too short or neither 1 nor 2.
fn version(bytes: &[u8]) -> Option<Version> {
    // RFC 2408 3.1 / RFC 7296 3.1: MjVer is the high nibble of octet 17; IKEv1 (ISAKMP)
    // sets 1, IKEv2 sets 2. RFC 7296 2.5: a higher major version MUST be dropped.
    match bytes.get(VERSION_OFFSET)? >> 4 {
        1 => Some(Version::V1),
        2 => Some(Version::V2),
        _ => None,
    }
}

/// Both IKE versions of the daemon behind one interface.
#[derive(Debug)]
pub struct Engine {
    v1: v1::Endpoint,
    v2: v2::Endpoint,
}

impl Engine {
    /// An engine for `conns`: both endpoints get the whole list (each serves the tunnels of
    /// its version) and one shared handle on `spis`.
    pub fn new(
        provider: CryptoProvider,
        spis: Box<dyn SpiAllocator>,
        conns: Vec<ConnectionConfig>,
    ) -> Self {
        let shared = SharedSpis::new(spis);
        Engine {
            v1: v1::Endpoint::new(provider.clone(), Box::new(shared.clone()), conns.clone()),
            v2: v2::Endpoint::new(provider, Box::new(shared), conns),
        }
    }

    /// Number of half-open IKEv2 responder SAs from which COOKIEs are required (RFC 7296 2.6;
    /// IKEv1 has no such mechanism).
    pub fn set_cookie_threshold(&mut self, n: usize) {
        self.v2.set_cookie_threshold(n);
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.v2.poll_transmit().or_else(|| self.v1.poll_transmit())
    }
    pub fn poll_command(&mut self) -> Option<KernelCommand> {
        self.v2.poll_command().or_else(|| self.v1.poll_command())
    }
    pub fn poll_event(&mut self) -> Option<Event> {
        self.v2.poll_event().or_else(|| self.v1.poll_event())
    }

    /// Summaries of all IKE SAs: IKEv2's (sorted by SPIi), then IKEv1's.
    pub fn summary(&self) -> Vec<SaSummary> {
        let mut v = self.v2.summary();
        v.extend(self.v1.summary());
        v
    }

    /// The earliest time `handle_timeout` must be called (the sooner of both endpoints).
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.v2.poll_timeout(), self.v1.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Operator input: start `tunnel` with the version it initiates with. False if neither
    /// endpoint started it.
    pub fn initiate(&mut self, now: Instant, tunnel: TunnelRef) -> bool {
        let v2 = self.v2.initiate(now, tunnel);
        let v1 = self.v1.initiate(now, tunnel);
        v2 || v1
    }

    /// Kernel ACQUIRE for `tunnel`. False if neither endpoint acted on it.
    pub fn acquire(&mut self, now: Instant, tunnel: TunnelRef) -> bool {
        let v2 = self.v2.acquire(now, tunnel);
        let v1 = self.v1.acquire(now, tunnel);
        v2 || v1
    }

    /// Operator input: delete every IKE SA (of either version) of `tunnel`.
    pub fn terminate(&mut self, now: Instant, tunnel: TunnelRef) {
        self.v2.terminate(now, tunnel);
        self.v1.terminate(now, tunnel);
    }

    /// Operator input: rekey `tunnel`'s IKE SA (`ike`) or its Child SAs now, in whichever
    /// version it runs. False when it has no established IKE SA.
    pub fn rekey(&mut self, now: Instant, tunnel: TunnelRef, ike: bool) -> bool {
        let v2 = self.v2.rekey(now, tunnel, ike);
        v2 || self.v1.rekey(now, tunnel, ike)
    }

    /// Kernel input: ESP arrived on the inbound SA `spi_in` (postpones DPD).
    pub fn inbound_esp(&mut self, now: Instant, spi_in: u32) {
        self.v2.inbound_esp(now, spi_in);
        self.v1.inbound_esp(now, spi_in);
    }

    /// Kernel EXPIRE for the ESP SA `spi` (the endpoint that owns it acts).
    pub fn expire(&mut self, now: Instant, spi: u32, hard: bool) {
        self.v2.expire(now, spi, hard);
        self.v1.expire(now, spi, hard);
    }

    /// The configuration of `tunnel` (both endpoints hold the same list).
    pub fn config(&self, tunnel: TunnelRef) -> Option<&ConnectionConfig> {
        self.v2.config(tunnel).or_else(|| self.v1.config(tunnel))
    }

    /// Reload: installs `cfg` for its tunnel in both endpoints.
    pub fn configure(&mut self, now: Instant, cfg: ConnectionConfig, initiate: bool) {
        self.v2.configure(now, cfg.clone(), initiate);
        self.v1.configure(now, cfg, initiate);
    }

    /// Reload: deletes the tunnel's SAs and disables it in both endpoints.
    pub fn remove(&mut self, now: Instant, tunnel: TunnelRef) {
        self.v2.remove(now, tunnel);
        self.v1.remove(now, tunnel);
    }

    /// Network input: one datagram (without non-ESP marker), routed by major version;
    /// anything else is dropped silently.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        bytes: &[u8],
    ) {
        match version(bytes) {
            Some(Version::V1) => self.v1.handle_datagram(now, local, remote, bytes),
            Some(Version::V2) => self.v2.handle_datagram(now, local, remote, bytes),
            None => {}
        }
    }

    /// Timer input (both endpoints).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.v2.handle_timeout(now);
        self.v1.handle_timeout(now);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::config::{IkeVersions, StartupAction};
    use crate::crypto::Secret;
    use crate::v2::SequentialSpis;

    const A: &str = "192.0.2.1:500";
    const B: &str = "198.51.100.1:500";
    const T: TunnelRef = TunnelRef(3);

    fn conn(local: &str, remote: &str, versions: IkeVersions) -> ConnectionConfig {
        let mut c = ConnectionConfig::new(
            T,
            local.parse().unwrap(),
            remote.parse().unwrap(),
            Secret::from_slice(b"engine_facade_test_psk_0123"),
        );
        c.versions = versions;
        // A MODP group: its private value comes from the (deterministic) provider, so two
        // runs with the same seeds are byte-identical (ring draws ECDH keys itself).
        c.ike_proposals = vec![crate::config::IkeProposal {
            encr: crate::crypto::EncrAlg::AesCbc { key_bits: 128 },
            prf: crate::crypto::PrfAlg::HmacSha256,
            integ: Some(crate::crypto::IntegAlg::HmacSha256_128),
            dh: crate::crypto::DhGroup::Modp2048,
        }];
        c
    }

    fn engine(local: &str, remote: &str, seed: u64, versions: IkeVersions) -> Engine {
        Engine::new(
            CryptoProvider::insecure_deterministic(seed),
            Box::new(SequentialSpis(0x1000)),
            vec![conn(local, remote, versions)],
        )
    }

    fn bare(local: &str, remote: &str, seed: u64) -> v2::Endpoint {
        v2::Endpoint::new(
            CryptoProvider::insecure_deterministic(seed),
            Box::new(SequentialSpis(0x1000)),
            vec![conn(local, remote, IkeVersions::V2)],
        )
    }

    /// Everything one side emitted during a run.
    #[derive(Debug, Default, PartialEq)]
    struct Trace {
        sent: Vec<Transmit>,
        commands: Vec<KernelCommand>,
        events: Vec<Event>,
    }

    /// The input/queue surface the shuttle drives, implemented by both kinds of endpoint.
    trait Side {
        fn tx(&mut self) -> Option<Transmit>;
        fn rx(&mut self, now: Instant, t: &Transmit);
        fn drain(&mut self, trace: &mut Trace);
    }
    impl Side for Engine {
        fn tx(&mut self) -> Option<Transmit> {
            self.poll_transmit()
        }
        fn rx(&mut self, now: Instant, t: &Transmit) {
            self.handle_datagram(now, t.remote, t.local, &t.bytes);
        }
        fn drain(&mut self, trace: &mut Trace) {
            trace
                .commands
                .extend(std::iter::from_fn(|| self.poll_command()));
            trace
                .events
                .extend(std::iter::from_fn(|| self.poll_event()));
        }
    }
    impl Side for v2::Endpoint {
        fn tx(&mut self) -> Option<Transmit> {
            self.poll_transmit()
        }
        fn rx(&mut self, now: Instant, t: &Transmit) {
            self.handle_datagram(now, t.remote, t.local, &t.bytes);
        }
        fn drain(&mut self, trace: &mut Trace) {
            trace
                .commands
                .extend(std::iter::from_fn(|| self.poll_command()));
            trace
                .events
                .extend(std::iter::from_fn(|| self.poll_event()));
        }
    }

    /// Delivers datagrams both ways until the network is quiet.
    fn shuttle<S: Side>(a: &mut S, b: &mut S, now: Instant, ta: &mut Trace, tb: &mut Trace) {
        loop {
            let mut moved = false;
            while let Some(t) = a.tx() {
                b.rx(now, &t);
                ta.sent.push(t);
                moved = true;
            }
            while let Some(t) = b.tx() {
                a.rx(now, &t);
                tb.sent.push(t);
                moved = true;
            }
            a.drain(ta);
            b.drain(tb);
            if !moved {
                break;
            }
        }
    }

    #[test]
    fn ikev2_pair_through_engines_is_identical_to_bare_endpoints() {
        let now = Instant::from_secs(1);
        let (mut ba, mut bb) = (bare(A, B, 11), bare(B, A, 12));
        let (mut bta, mut btb) = (Trace::default(), Trace::default());
        assert!(ba.initiate(now, T));
        shuttle(&mut ba, &mut bb, now, &mut bta, &mut btb);

        let both = IkeVersions { v1: true, v2: true };
        let (mut ea, mut eb) = (engine(A, B, 11, both), engine(B, A, 12, both));
        let (mut eta, mut etb) = (Trace::default(), Trace::default());
        assert!(ea.initiate(now, T));
        shuttle(&mut ea, &mut eb, now, &mut eta, &mut etb);

        // Established with one Child SA, and byte-for-byte the same exchange as bare IKEv2.
        let sa = ea.summary();
        assert_eq!(sa.len(), 1);
        assert!(sa[0].established && sa[0].initiator);
        assert_eq!(sa[0].children.len(), 1);
        assert_eq!(sa, ba.summary());
        assert_eq!(eb.summary(), bb.summary());
        assert!(eta
            .sent
            .iter()
            .all(|t| version(&t.bytes) == Some(Version::V2)));
        assert_eq!(eta, bta);
        assert_eq!(etb, btb);
        assert!(eta
            .events
            .iter()
            .any(|e| matches!(e, Event::IkeSaEstablished { .. })));
        assert_eq!(ea.poll_timeout(), ba.poll_timeout());
    }

    #[test]
    fn version_octet_routes_and_drops() {
        let mut hdr = vec![0u8; 28];
        hdr[17] = 0x20;
        assert_eq!(version(&hdr), Some(Version::V2));
        hdr[17] = 0x10;
        assert_eq!(version(&hdr), Some(Version::V1));
        for v in [0x00, 0x30, 0xf0] {
            hdr[17] = v;
            assert_eq!(version(&hdr), None);
        }
        assert_eq!(version(&hdr[..17]), None);
        assert_eq!(version(&[]), None);
    }

    #[test]
    fn version_1_datagrams_never_reach_ikev2() {
        let now = Instant::from_secs(1);
        let both = IkeVersions { v1: true, v2: true };
        let (mut a, mut b) = (engine(A, B, 21, both), engine(B, A, 22, both));
        assert!(a.initiate(now, T));
        let init = a.poll_transmit().unwrap();
        assert_eq!(init.bytes[17], 0x20);

        // The same IKE_SA_INIT relabelled major version 1 goes to the IKEv1 endpoint (today's
        // stub drops it): no IKEv2 responder SA, no answer.
        let mut v1 = init.bytes.clone();
        v1[17] = 0x10;
        b.handle_datagram(now, init.remote, init.local, &v1);
        assert!(b.summary().is_empty());
        assert_eq!(b.poll_transmit(), None);
        // Truncated and unknown-version datagrams: dropped, nothing panics.
        for bytes in [&init.bytes[..17], &init.bytes[..18], &[][..]] {
            b.handle_datagram(now, init.remote, init.local, bytes);
        }
        let mut v3 = init.bytes.clone();
        v3[17] = 0x30;
        b.handle_datagram(now, init.remote, init.local, &v3);
        assert!(b.summary().is_empty());
        assert_eq!(b.poll_transmit(), None);

        // The genuine IKEv2 request is answered.
        b.handle_datagram(now, init.remote, init.local, &init.bytes);
        let mut ta = Trace {
            sent: vec![init],
            ..Trace::default()
        };
        let mut tb = Trace::default();
        shuttle(&mut a, &mut b, now, &mut ta, &mut tb);
        let before = b.summary();
        assert!(before.len() == 1 && before[0].established);

        // An established IKEv2 SA is untouched by IKEv1 datagrams carrying its SPIs.
        let mut v1 = ta.sent.last().unwrap().bytes.clone();
        v1[17] = 0x10;
        b.handle_datagram(now, B.parse().unwrap(), A.parse().unwrap(), &v1);
        assert_eq!(b.summary(), before);
        assert_eq!(b.poll_transmit(), None);
    }

    #[test]
    fn ikev1_only_tunnel_sends_no_ikev2() {
        let now = Instant::from_secs(0);
        let mut c = conn(A, B, IkeVersions::V1);
        c.startup = StartupAction::Start;
        let mut e = Engine::new(
            CryptoProvider::insecure_deterministic(31),
            Box::new(SequentialSpis(0x1000)),
            vec![c],
        );
        // startup=start is not the IKEv2 endpoint's: it asks for no timer on its behalf.
        assert_eq!(e.v2.poll_timeout(), None);
        e.handle_timeout(now);
        e.initiate(now, T);
        e.acquire(now, T);
        let sent: Vec<Transmit> = std::iter::from_fn(|| e.poll_transmit()).collect();
        assert!(sent.iter().all(|t| version(&t.bytes) == Some(Version::V1)));
        assert!(e.v2.summary().is_empty());
        // The configuration is still known (for reload comparison).
        assert_eq!(e.config(T).map(|c| c.versions), Some(IkeVersions::V1));
    }

    #[test]
    fn both_versions_draw_from_one_allocator() {
        let mut x = SharedSpis::new(Box::new(SequentialSpis(500)));
        let mut y = x.clone();
        let (s, d) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]));
        assert_eq!(x.allocate(s, d), Some(500));
        assert_eq!(y.allocate(s, d), Some(501));
        assert_eq!(x.allocate(s, d), Some(502));
    }
}
