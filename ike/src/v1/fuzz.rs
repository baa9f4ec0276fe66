//! IKEv1 engine fuzz body (cargo-fuzz target `v1_responder`, `ike/fuzz/README.md`): a v1
//! responder fed arbitrary datagrams framed as for the IKEv2 engine targets (`v2::fuzz`:
//! control byte, cookies patched from the newest SA when asked, port 4500, clock jumps).
//!
//! Invariants: nothing panics; fed only attacker bytes, the endpoint never establishes an
//! ISAKMP SA, never installs kernel state and never reports a Child SA. Never used by the
//! daemon.

// A fuzz body reports a broken invariant by panicking: that is its whole purpose.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use super::Endpoint;
use crate::config::{ConnectionConfig, IkeProposal, IkeVersions, TunnelRef};
use crate::crypto::{CryptoProvider, DhGroup, EncrAlg, PrfAlg, Secret};
use crate::v2::fuzz::{frames, patched, with_port, Control};
use crate::v2::{Event, Instant, SequentialSpis};

const A: &str = "192.0.2.1:500";
const B: &str = "192.0.2.2:500";

fn responder_endpoint() -> Endpoint {
    let mut c = ConnectionConfig::new(
        TunnelRef(1),
        B.parse().unwrap(),
        A.parse().unwrap(),
        Secret::from_slice(b"fuzz_psk_not_a_secret"),
    );
    c.versions = IkeVersions::V1;
    // Aggressive mode opted in, so attacker bytes reach it as well as main mode.
    c.aggressive = true;
    // Two IKEv1-capable suites, so attacker offers can be chosen and main mode proceed.
    c.ike_proposals = vec![
        IkeProposal {
            encr: EncrAlg::AesCbc { key_bits: 128 },
            prf: PrfAlg::HmacSha256,
            integ: None,
            dh: DhGroup::Ecp256,
        },
        IkeProposal {
            encr: EncrAlg::AesCbc { key_bits: 128 },
            prf: PrfAlg::HmacSha1,
            integ: None,
            dh: DhGroup::Modp2048,
        },
    ];
    Endpoint::new(
        CryptoProvider::insecure_deterministic(2),
        Box::new(SequentialSpis(0xb000_0000)),
        vec![c],
    )
}

fn assert_unauthenticated(e: &mut Endpoint) {
    while e.poll_transmit().is_some() {}
    if let Some(c) = e.poll_command() {
        panic!("v1 responder: kernel command without authentication: {c:?}");
    }
    while let Some(ev) = e.poll_event() {
        if matches!(
            ev,
            Event::IkeSaEstablished { .. }
                | Event::ChildSaEstablished { .. }
                | Event::ChildSaRekeyed { .. }
                | Event::IkeSaRekeyed { .. }
        ) {
            panic!("v1 responder: {ev:?} without authentication");
        }
    }
    assert!(
        e.sas.values().all(|s| !s.is_established()),
        "v1 responder: ISAKMP SA established without authentication"
    );
    assert!(e.children.is_empty() && e.pending.is_empty());
}

/// `v1_responder`: main mode and anything after it from an attacker who does not know the
/// pre-shared key (the harness patches our responder cookie of the newest SA when asked).
pub fn responder(data: &[u8]) {
    let mut e = responder_endpoint();
    let mut now = Instant::from_secs(1000);
    for f in frames(data) {
        let Some((&c, bytes)) = f.split_first() else {
            continue;
        };
        let ctl = Control(c);
        now = now + ctl.wait();
        e.handle_timeout(now);
        let (cky_i, cky_r) = e
            .sas
            .values()
            .map(|s| (u64::from_be_bytes(s.cky_i), u64::from_be_bytes(s.cky_r)))
            .max_by_key(|x| x.1)
            .unwrap_or_default();
        let d = patched(&ctl, bytes, cky_i, cky_r);
        let p = ctl.port();
        e.handle_datagram(now, with_port(B, p), with_port(A, p), &d);
        assert_unauthenticated(&mut e);
    }
}

#[cfg(test)]
mod tests {
    /// A real main mode message 1 (strongSwan, lab capture) gets an answer, and the
    /// invariants hold over a few framed variations of the capture.
    #[test]
    fn captured_main_mode_runs_through_the_body() {
        let hex = include_str!("../../tests/fixtures/strongswan-ikev1/messages.txt");
        let msgs: Vec<Vec<u8>> = hex
            .lines()
            .filter_map(|l| l.split_whitespace().nth(2))
            .map(|h| {
                (0..h.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                    .collect()
            })
            .collect();
        let mut input = Vec::new();
        for (i, m) in msgs.iter().enumerate() {
            input.extend(u16::try_from(m.len() + 1).unwrap().to_be_bytes());
            input.push(if i == 0 { 0 } else { 2 });
            input.extend(m);
        }
        super::responder(&input);
        // Message 1 alone is answered with message 2.
        let mut e = super::responder_endpoint();
        e.handle_datagram(
            crate::v2::Instant::from_secs(1),
            super::B.parse().unwrap(),
            super::A.parse().unwrap(),
            &msgs[0],
        );
        assert!(
            e.poll_transmit().is_some(),
            "main mode 1 of the capture is answered"
        );
    }
}
