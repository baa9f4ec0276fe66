//! Engine fuzz bodies: whole [`Endpoint`]s fed arbitrary datagrams (cargo-fuzz targets
//! `v2_responder`, `v2_initiator`, `v2_established`; see `ike/fuzz/README.md`).
//!
//! The input is split into frames (`u16 length ‖ bytes`, at most [`MAX_FRAMES`]); the first
//! byte of each frame is a control byte (which header fields the harness patches, how far the
//! virtual clock moves), the rest is the datagram or payload chain. The endpoints use the
//! deterministic crypto provider, so SPIs and nonces are the same in every run, and the harness
//! patches the SPIs the fuzzer cannot know into the header when the control byte asks.
//! Invariants: nothing panics; an endpoint fed only attacker bytes never establishes an SA,
//! never installs kernel state and never reports a Child SA; with an authenticated peer, every
//! kernel install is for a (direction, SPI) not already installed. Never used by the daemon.

// A fuzz body reports a broken invariant by panicking: that is its whole purpose.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use super::types::{Direction, Event, Instant, KernelCommand, SequentialSpis};
use super::Endpoint;
use crate::config::{ConnectionConfig, TunnelRef};
use crate::crypto::{CryptoProvider, Secret};
use crate::wire::v2::{parse_payload_chain, ExchangeType, PayloadType};

/// Frames taken from one input.
pub const MAX_FRAMES: usize = 8;

const A: &str = "192.0.2.1:500";
const B: &str = "192.0.2.2:500";
const TUNNEL: TunnelRef = TunnelRef(1);

fn endpoint(local: &str, remote: &str, seed: u64, spi: u32) -> Endpoint {
    let c = ConnectionConfig::new(
        TUNNEL,
        local.parse().unwrap(),
        remote.parse().unwrap(),
        Secret::from_slice(b"fuzz_psk_not_a_secret"),
    );
    Endpoint::new(
        CryptoProvider::insecure_deterministic(seed),
        Box::new(SequentialSpis(spi)),
        vec![c],
    )
}

/// `u16 length ‖ bytes` frames; a short tail is one last frame.
pub(crate) fn frames(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < MAX_FRAMES && !rest.is_empty() {
        let Some((len, tail)) = rest.split_first_chunk::<2>() else {
            out.push(rest);
            break;
        };
        let n = usize::from(u16::from_be_bytes(*len)).min(tail.len());
        let (frame, next) = tail.split_at(n);
        out.push(frame);
        rest = next;
    }
    out
}

/// Control byte: bit 0 patch SPIi, bit 1 patch SPIr, bit 2 port 4500 (with the non-ESP
/// marker stripped as the daemon does), bits 4-7 advance the clock by that many seconds
/// squared before delivery (timers: retransmits, half-open expiry, DPD, rekeys).
pub(crate) struct Control(pub(crate) u8);

impl Control {
    pub(crate) fn wait(&self) -> Duration {
        let s = u64::from(self.0 >> 4);
        Duration::from_secs(s * s)
    }
    pub(crate) fn port(&self) -> u16 {
        if self.0 & 4 != 0 {
            4500
        } else {
            500
        }
    }
}

/// Copies the datagram, writing the SPIs the control byte asks for into the IKE header.
pub(crate) fn patched(ctl: &Control, bytes: &[u8], spi_i: u64, spi_r: u64) -> Vec<u8> {
    let mut v = bytes.to_vec();
    if ctl.0 & 1 != 0 && v.len() >= 8 {
        v[..8].copy_from_slice(&spi_i.to_be_bytes());
    }
    if ctl.0 & 2 != 0 && v.len() >= 16 {
        v[8..16].copy_from_slice(&spi_r.to_be_bytes());
    }
    v
}

pub(crate) fn with_port(addr: &str, port: u16) -> SocketAddr {
    let mut a: SocketAddr = addr.parse().unwrap();
    a.set_port(port);
    a
}

/// Drains an endpoint fed only by the attacker and checks that it reached nothing.
fn assert_unauthenticated(e: &mut Endpoint, who: &str) {
    while e.poll_transmit().is_some() {}
    if let Some(c) = e.poll_command() {
        panic!("{who}: kernel command without authentication: {c:?}");
    }
    while let Some(ev) = e.poll_event() {
        if matches!(
            ev,
            Event::IkeSaEstablished { .. }
                | Event::ChildSaEstablished { .. }
                | Event::ChildSaRekeyed { .. }
                | Event::IkeSaRekeyed { .. }
        ) {
            panic!("{who}: {ev:?} without authentication");
        }
    }
    assert!(
        e.sas.values().all(|s| !s.is_established()),
        "{who}: SA established without authentication"
    );
}

/// Feeds every frame to `e` (at `local`) as a datagram from `remote`, the SPIs patched from
/// the endpoint's newest SA when asked, and checks after each that nothing was reached.
fn attack(mut e: Endpoint, data: &[u8], local: &str, remote: &str, who: &str) {
    let mut now = Instant::from_secs(1000);
    for f in frames(data) {
        let Some((&c, bytes)) = f.split_first() else {
            continue;
        };
        let ctl = Control(c);
        now = now + ctl.wait();
        e.handle_timeout(now);
        let (spi_i, spi_r) = e
            .sas
            .values()
            .map(|s| (s.spi_i, s.spi_r))
            .max_by_key(|x| x.1)
            .unwrap_or_default();
        let d = patched(&ctl, bytes, spi_i, spi_r);
        let p = ctl.port();
        e.handle_datagram(now, with_port(local, p), with_port(remote, p), &d);
        assert_unauthenticated(&mut e, who);
    }
}

/// `v2_responder`: a responder fed attacker datagrams (IKE_SA_INIT, then anything on the SAs
/// they created: the harness patches SPIr of the newest half-open SA when asked).
pub fn responder(data: &[u8]) {
    attack(endpoint(B, A, 2, 0xb000_0000), data, B, A, "responder");
}

/// `v2_initiator`: an initiator whose every answer comes from the attacker (the harness
/// patches our SPIi, and SPIr from the answer itself, when asked).
pub fn initiator(data: &[u8]) {
    let mut a = endpoint(A, B, 1, 0xa000_0000);
    assert!(a.initiate(Instant::from_secs(1000), TUNNEL));
    attack(a, data, A, B, "initiator");
}

/// Per-side kernel model: installs must never repeat an installed (direction, SPI).
#[derive(Default)]
struct Kernel(BTreeSet<(bool, u32)>);

impl Kernel {
    fn apply(&mut self, who: &str, c: KernelCommand) {
        match c {
            KernelCommand::InstallChildSa { direction, spi, .. } => {
                let inbound = direction == Direction::Inbound;
                assert!(
                    self.0.insert((inbound, spi)),
                    "{who}: duplicate install {direction:?} {spi:#x}"
                );
            }
            KernelCommand::DeleteChildSa { direction, spi, .. } => {
                self.0.remove(&(direction == Direction::Inbound, spi));
            }
        }
    }
}

struct Established {
    a: Endpoint,
    b: Endpoint,
    ka: Kernel,
    kb: Kernel,
    now: Instant,
}

impl Established {
    fn new() -> Self {
        let mut s = Established {
            a: endpoint(A, B, 1, 0xa000_0000),
            b: endpoint(B, A, 2, 0xb000_0000),
            ka: Kernel::default(),
            kb: Kernel::default(),
            now: Instant::from_secs(1000),
        };
        assert!(s.a.initiate(s.now, TUNNEL));
        s.shuttle();
        assert!(s.a.sas.values().any(|x| x.is_established()));
        s
    }

    /// Delivers datagrams both ways until quiet (bounded), applying kernel commands.
    fn shuttle(&mut self) {
        for _ in 0..64 {
            let mut moved = false;
            while let Some(t) = self.a.poll_transmit() {
                self.b
                    .handle_datagram(self.now, t.remote, t.local, &t.bytes);
                moved = true;
            }
            while let Some(t) = self.b.poll_transmit() {
                self.a
                    .handle_datagram(self.now, t.remote, t.local, &t.bytes);
                moved = true;
            }
            while let Some(c) = self.a.poll_command() {
                self.ka.apply("a", c);
            }
            while let Some(c) = self.b.poll_command() {
                self.kb.apply("b", c);
            }
            while self.a.poll_event().is_some() {}
            while self.b.poll_event().is_some() {}
            if !moved {
                return;
            }
        }
    }
}

/// `v2_established`: after a real IKE_SA_INIT + IKE_AUTH between two engines, each frame is
/// a protected message from the initiator's IKE SA to the responder: control byte, exchange
/// selector byte (CREATE_CHILD_SA / INFORMATIONAL / IKE_AUTH, request or response, Message ID
/// offset), first payload type, then a payload chain. What parses is encrypted with the real
/// keys and delivered; both engines then talk until quiet and the clock moves.
pub fn established(data: &[u8]) {
    let mut s = Established::new();
    for f in frames(data) {
        let [c, sel, first, chain @ ..] = f else {
            continue;
        };
        let ctl = Control(*c);
        s.now = s.now + ctl.wait();
        s.a.handle_timeout(s.now);
        s.b.handle_timeout(s.now);
        s.shuttle();
        let exch = match sel & 3 {
            0 => ExchangeType::CREATE_CHILD_SA,
            1 => ExchangeType::INFORMATIONAL,
            2 => ExchangeType::IKE_AUTH,
            _ => ExchangeType(sel >> 2),
        };
        let response = sel & 4 != 0;
        let Ok(payloads) = parse_payload_chain(PayloadType(*first), chain) else {
            continue;
        };
        let Some(sa) = s.a.sas.values().find(|x| x.is_established()) else {
            return;
        };
        let id = sa
            .next_msg_id
            .wrapping_add(u32::from(sel >> 3))
            .wrapping_sub(2);
        let Some(bytes) = sa.encode(&s.a.provider, exch, response, id, payloads) else {
            continue;
        };
        let p = ctl.port();
        s.b.handle_datagram(s.now, with_port(B, p), with_port(A, p), &bytes);
        s.shuttle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_and_stop() {
        assert_eq!(frames(&[0, 2, 7, 8, 0, 1, 9]), vec![&[7, 8][..], &[9][..]]);
        assert_eq!(frames(&[5]), vec![&[5][..]]);
        assert_eq!(frames(&[0, 9, 1]), vec![&[1][..]]);
        assert_eq!(frames(&[0, 0].repeat(20)).len(), MAX_FRAMES);
    }

    /// The bodies run on plain inputs, and the established harness really is established.
    #[test]
    fn bodies_run() {
        responder(&[]);
        initiator(&[0, 3, 0, 1, 2]);
        // A DPD request (empty INFORMATIONAL, next payload NONE = 0).
        established(&[0, 3, 0, 1, 0]);
    }
}
