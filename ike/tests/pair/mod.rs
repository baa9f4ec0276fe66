//! Pair-test harness: two IKEv2 [`Endpoint`]s on a virtual clock joined by a simulated
//! network queue with drop / duplicate / reorder hooks, plus a model of each side's kernel
//! built from the emitted [`KernelCommand`]s.
//!
//! Test support only: deterministic randomness (a xorshift stream, NOT secure), no sockets,
//! no real time.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::config::{ConnectionConfig, EspProposal, IkeProposal, TunnelRef};
use ike::crypto::kernel::XfrmAlgo;
use ike::crypto::{CryptoProvider, DhGroup, EncrAlg, IntegAlg, PrfAlg, Random, Secret};
use ike::v2::{Direction, Endpoint, Event, Instant, KernelCommand, SequentialSpis, Transmit};
use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Deterministic INSECURE byte stream for tests.
#[derive(Debug)]
pub struct XorRandom(AtomicU64);

impl Random for XorRandom {
    fn fill(&self, buf: &mut [u8]) -> ike::crypto::Result<()> {
        for b in buf.iter_mut() {
            let mut x = self.0.load(Ordering::Relaxed);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0.store(x, Ordering::Relaxed);
            *b = (x >> 24) as u8;
        }
        Ok(())
    }
}

pub fn provider(seed: u64) -> CryptoProvider {
    CryptoProvider::with_random(Arc::new(XorRandom(AtomicU64::new(seed | 1))))
}

pub const A: &str = "192.0.2.1:500";
pub const B: &str = "198.51.100.1:500";
pub const TUNNEL: TunnelRef = TunnelRef(7);

/// A named suite: IKE proposal and ESP proposal.
#[derive(Debug, Clone, Copy)]
pub struct Suite {
    pub ike: IkeProposal,
    pub esp: EspProposal,
}

pub fn suite(encr: EncrAlg, integ: Option<IntegAlg>, prf: PrfAlg, dh: DhGroup) -> Suite {
    Suite {
        ike: IkeProposal {
            encr,
            prf,
            integ,
            dh,
        },
        esp: EspProposal {
            encr,
            integ,
            pfs: None,
            esn: false,
        },
    }
}

pub fn cbc128_sha1_modp1024() -> Suite {
    suite(
        EncrAlg::AesCbc { key_bits: 128 },
        Some(IntegAlg::HmacSha1_96),
        PrfAlg::HmacSha1,
        DhGroup::Modp1024,
    )
}
pub fn cbc128_sha256_modp2048() -> Suite {
    suite(
        EncrAlg::AesCbc { key_bits: 128 },
        Some(IntegAlg::HmacSha256_128),
        PrfAlg::HmacSha256,
        DhGroup::Modp2048,
    )
}
pub fn gcm256_sha384_ecp384() -> Suite {
    suite(
        EncrAlg::AesGcm16 { key_bits: 256 },
        None,
        PrfAlg::HmacSha384,
        DhGroup::Ecp384,
    )
}
pub fn gcm128_sha256_x25519() -> Suite {
    suite(
        EncrAlg::AesGcm16 { key_bits: 128 },
        None,
        PrfAlg::HmacSha256,
        DhGroup::Curve25519,
    )
}

pub fn config(local: &str, remote: &str, s: Suite) -> ConnectionConfig {
    let mut c = ConnectionConfig::new(
        TUNNEL,
        local.parse().unwrap(),
        remote.parse().unwrap(),
        Secret::from_slice(b"correct_horse_battery_staple_42"),
    );
    c.ike_proposals = vec![s.ike];
    c.esp_proposals = vec![s.esp];
    c.dpd_delay = Duration::ZERO;
    c
}

/// What the network does with one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    Drop,
    Duplicate,
    /// Put it behind every datagram queued after it (reorder).
    Delay,
}

/// The kernel model of one side: installed SAs keyed by (direction, SPI).
#[derive(Debug, Default)]
pub struct Kernel {
    pub sas: BTreeMap<(u8, u32), XfrmAlgo>,
    pub log: Vec<KernelCommand>,
    /// Smallest number of installed inbound / outbound SAs seen after the first pair.
    pub min_in: Option<usize>,
    pub min_out: Option<usize>,
}

fn dir(d: Direction) -> u8 {
    match d {
        Direction::Inbound => 0,
        Direction::Outbound => 1,
    }
}

impl Kernel {
    fn apply(&mut self, c: KernelCommand) {
        match &c {
            KernelCommand::InstallChildSa {
                direction,
                spi,
                algo,
                ..
            } => {
                assert!(
                    self.sas
                        .insert((dir(*direction), *spi), algo.clone())
                        .is_none(),
                    "duplicate install"
                );
            }
            KernelCommand::DeleteChildSa { direction, spi, .. } => {
                self.sas.remove(&(dir(*direction), *spi));
            }
        }
        self.log.push(c);
        let n_in = self.count(Direction::Inbound);
        let n_out = self.count(Direction::Outbound);
        if self.log.len() > 2 {
            self.min_in = Some(self.min_in.map_or(n_in, |m| m.min(n_in)));
            self.min_out = Some(self.min_out.map_or(n_out, |m| m.min(n_out)));
        }
    }
    pub fn count(&self, d: Direction) -> usize {
        self.sas.keys().filter(|(x, _)| *x == dir(d)).count()
    }
    pub fn get(&self, d: Direction, spi: u32) -> Option<&XfrmAlgo> {
        self.sas.get(&(dir(d), spi))
    }
}

/// Which endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

pub type Hook = Box<dyn FnMut(Side, &Transmit, u64) -> Verdict>;

/// A hook that loses datagram number `n` (counted from 1 over both directions), once.
pub fn lose(n: u64) -> Hook {
    Box::new(move |_, _, i| {
        if i == n {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    })
}

/// What the harness needs of an engine: the IKEv2 and the IKEv1 endpoint share this API.
pub trait PairEndpoint {
    fn build(provider: CryptoProvider, spis: SequentialSpis, conns: Vec<ConnectionConfig>) -> Self;
    fn poll_transmit(&mut self) -> Option<Transmit>;
    fn poll_command(&mut self) -> Option<KernelCommand>;
    fn poll_event(&mut self) -> Option<Event>;
    fn poll_timeout(&self) -> Option<Instant>;
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, remote: SocketAddr, b: &[u8]);
    fn handle_timeout(&mut self, now: Instant);
    fn initiate(&mut self, now: Instant, t: TunnelRef) -> bool;
    fn summary(&self) -> Vec<ike::v2::SaSummary>;
}

macro_rules! pair_endpoint {
    ($t:ty) => {
        impl PairEndpoint for $t {
            fn build(p: CryptoProvider, s: SequentialSpis, c: Vec<ConnectionConfig>) -> Self {
                <$t>::new(p, Box::new(s), c)
            }
            fn poll_transmit(&mut self) -> Option<Transmit> {
                <$t>::poll_transmit(self)
            }
            fn poll_command(&mut self) -> Option<KernelCommand> {
                <$t>::poll_command(self)
            }
            fn poll_event(&mut self) -> Option<Event> {
                <$t>::poll_event(self)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$t>::poll_timeout(self)
            }
            fn handle_datagram(&mut self, n: Instant, l: SocketAddr, r: SocketAddr, b: &[u8]) {
                <$t>::handle_datagram(self, n, l, r, b)
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$t>::handle_timeout(self, now)
            }
            fn initiate(&mut self, now: Instant, t: TunnelRef) -> bool {
                <$t>::initiate(self, now, t)
            }
            fn summary(&self) -> Vec<ike::v2::SaSummary> {
                <$t>::summary(self)
            }
        }
    };
}
pair_endpoint!(Endpoint);
pair_endpoint!(ike::v1::Endpoint);

pub struct Pair<E: PairEndpoint = Endpoint> {
    pub a: E,
    pub b: E,
    pub now: Instant,
    pub net: VecDeque<(Side, Transmit)>,
    pub hook: Hook,
    pub sent: u64,
    pub ka: Kernel,
    pub kb: Kernel,
    pub ea: Vec<Event>,
    pub eb: Vec<Event>,
    /// A sits behind a NAT: (inside IP, outside IP); ports are mapped to port + 40000.
    pub nat: Option<(IpAddr, IpAddr)>,
}

impl Pair {
    pub fn new(ca: ConnectionConfig, cb: ConnectionConfig) -> Self {
        Pair::<Endpoint>::with(ca, cb)
    }

    pub fn suite(s: Suite) -> Self {
        Self::new(config(A, B, s), config(B, A, s))
    }
}

impl<E: PairEndpoint> Pair<E> {
    /// A pair of engines of type `E` for one tunnel each.
    pub fn with(ca: ConnectionConfig, cb: ConnectionConfig) -> Self {
        Pair {
            a: E::build(provider(1), SequentialSpis(0xa000_0000), vec![ca]),
            b: E::build(provider(2), SequentialSpis(0xb000_0000), vec![cb]),
            now: Instant::from_secs(1000),
            net: VecDeque::new(),
            hook: Box::new(|_, _, _| Verdict::Deliver),
            sent: 0,
            ka: Kernel::default(),
            kb: Kernel::default(),
            ea: Vec::new(),
            eb: Vec::new(),
            nat: None,
        }
    }

    fn collect(&mut self) {
        while let Some(t) = self.a.poll_transmit() {
            self.net.push_back((Side::A, t));
        }
        while let Some(t) = self.b.poll_transmit() {
            self.net.push_back((Side::B, t));
        }
        while let Some(c) = self.a.poll_command() {
            self.ka.apply(c);
        }
        while let Some(c) = self.b.poll_command() {
            self.kb.apply(c);
        }
        while let Some(e) = self.a.poll_event() {
            self.ea.push(e);
        }
        while let Some(e) = self.b.poll_event() {
            self.eb.push(e);
        }
    }

    /// Delivers datagrams until the network is empty (bounded).
    pub fn run_until_idle(&mut self) {
        self.collect();
        let mut budget = 10_000;
        let mut delayed = 0;
        while let Some((from, t)) = self.net.pop_front() {
            budget -= 1;
            assert!(budget > 0, "network never idles");
            self.sent += 1;
            let n = self.sent;
            match (self.hook)(from, &t, n) {
                Verdict::Drop => {}
                Verdict::Delay if delayed < 100 && !self.net.is_empty() => {
                    delayed += 1;
                    self.net.push_back((from, t));
                }
                v => {
                    let times = if v == Verdict::Duplicate { 2 } else { 1 };
                    for _ in 0..times {
                        match (from, self.nat) {
                            (Side::A, Some((_, out))) => {
                                let src = SocketAddr::new(out, t.local.port() + 40000);
                                self.b.handle_datagram(self.now, t.remote, src, &t.bytes);
                            }
                            (Side::A, None) => self
                                .b
                                .handle_datagram(self.now, t.remote, t.local, &t.bytes),
                            (Side::B, Some((inside, out))) => {
                                assert_eq!(t.remote.ip(), out, "B must answer the NAT's address");
                                let dst = SocketAddr::new(inside, t.remote.port() - 40000);
                                self.a.handle_datagram(self.now, dst, t.local, &t.bytes);
                            }
                            (Side::B, None) => self
                                .a
                                .handle_datagram(self.now, t.remote, t.local, &t.bytes),
                        }
                    }
                }
            }
            self.collect();
        }
    }

    pub fn next_timeout(&self) -> Option<Instant> {
        match (self.a.poll_timeout(), self.b.poll_timeout()) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }

    /// Advances virtual time to the next timer (at most until `limit`) and runs both sides.
    /// Returns false when no timer is due before `limit`.
    pub fn step(&mut self, limit: Instant) -> bool {
        match self.next_timeout() {
            Some(t) if t <= limit => {
                self.now = self.now.max(t);
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
                self.run_until_idle();
                true
            }
            _ => {
                self.now = self.now.max(limit);
                false
            }
        }
    }

    /// Runs timers and the network for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        let mut guard = 0;
        while self.step(end) {
            guard += 1;
            assert!(guard < 1_000_000, "timer loop");
        }
    }

    pub fn initiate(&mut self) {
        assert!(self.a.initiate(self.now, TUNNEL));
        self.run_until_idle();
    }

    pub fn established(&self) -> bool {
        let up = |e: &E| e.summary().iter().any(|s| s.established);
        up(&self.a) && up(&self.b)
    }
}

/// Checks that each side's outbound SAs are the peer's inbound SAs with equal keys.
/// Puts A (192.0.2.1) behind a NAT with outside address 203.0.113.9 and rebuilds B with `cb`,
/// pointed at the NAT's outside address (B only ever sees A there).
pub fn behind_nat<E: PairEndpoint>(p: &mut Pair<E>, mut cb: ConnectionConfig) {
    p.nat = Some(("192.0.2.1".parse().unwrap(), "203.0.113.9".parse().unwrap()));
    cb.remote = "203.0.113.9:500".parse().unwrap();
    p.b = E::build(provider(2), SequentialSpis(0xb000_0000), vec![cb]);
}

/// Both ends reported the NAT and every ESP SA is UDP-encapsulated on port 4500 (44500 is
/// the NAT's mapping of A's 4500).
pub fn assert_nat_detected_and_encapsulated<E: PairEndpoint>(p: &Pair<E>) {
    for e in [&p.ea, &p.eb] {
        assert!(
            e.iter().any(|e| matches!(
                e,
                Event::IkeSaEstablished {
                    nat_detected: true,
                    ..
                }
            )),
            "{e:?}"
        );
    }
    for k in [&p.ka, &p.kb] {
        for c in &k.log {
            if let KernelCommand::InstallChildSa { encap, .. } = c {
                let (s, d) = encap.expect("UDP encapsulation");
                assert!(
                    s == 4500 || d == 4500 || s == 44500 || d == 44500,
                    "{s} {d}"
                );
            }
        }
    }
}

pub fn assert_keys_match<E: PairEndpoint>(p: &Pair<E>) {
    let check = |x: &Kernel, y: &Kernel| {
        for ((d, spi), algo) in &x.sas {
            if *d == 1 {
                assert_eq!(
                    y.get(Direction::Inbound, *spi),
                    Some(algo),
                    "outbound {spi:#x} has no matching inbound"
                );
            }
        }
    };
    check(&p.ka, &p.kb);
    check(&p.kb, &p.ka);
}
