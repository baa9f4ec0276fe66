//! Pair tests for what an operator reads when a negotiation fails: NO_PROPOSAL_CHOSEN names
//! both offers in proposal-string words (IKE and ESP, on both sides) and a wrong PSK says
//! "authentication failed" on both sides, with no Child SA left in either kernel model.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::crypto::{EncrAlg, IntegAlg, Secret};
use ike::v2::Event;
use pair::*;

fn reasons(e: &[Event]) -> Vec<String> {
    e.iter()
        .filter_map(|e| match e {
            Event::NegotiationFailed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

fn has(e: &[Event], words: &[&str]) -> bool {
    reasons(e)
        .iter()
        .any(|r| words.iter().all(|w| r.contains(w)))
}

#[test]
fn ike_proposal_mismatch_names_both_offers() {
    let mut b = config(B, A, gcm128_sha256_x25519());
    b.ike_proposals[0].encr = EncrAlg::AesCbc { key_bits: 256 };
    b.ike_proposals[0].integ = Some(IntegAlg::HmacSha256_128);
    let mut p = Pair::new(config(A, B, gcm128_sha256_x25519()), b);
    p.initiate();
    assert!(!p.established());
    // RFC 7296 2.7 / 3.10.1: the responder answers NO_PROPOSAL_CHOSEN.
    assert!(
        has(
            &p.ea,
            &[
                "NO_PROPOSAL_CHOSEN",
                "we offered IKE aes128gcm16-prfsha256-curve25519"
            ]
        ),
        "{:?}",
        reasons(&p.ea)
    );
    assert!(
        has(
            &p.eb,
            &[
                "NO_PROPOSAL_CHOSEN",
                "the peer offered IKE aes128gcm16-prfsha256-curve25519",
                "we accept IKE aes256-sha256-prfsha256-curve25519"
            ]
        ),
        "{:?}",
        reasons(&p.eb)
    );
    assert!(p.ka.log.is_empty() && p.kb.log.is_empty());
}

#[test]
fn esp_proposal_mismatch_in_ike_auth_names_both_offers() {
    let s = cbc128_sha256_modp2048();
    let mut b = config(B, A, s);
    b.esp_proposals[0].encr = EncrAlg::AesCbc { key_bits: 256 };
    let mut p = Pair::new(config(A, B, s), b);
    p.initiate();
    // The IKE SA comes up; the first Child SA is refused (RFC 7296 1.2: IKE_AUTH without
    // the SA, with the error notify) and nothing reaches either kernel.
    assert!(
        has(
            &p.ea,
            &["NO_PROPOSAL_CHOSEN", "our ESP offer aes128-sha256-noesn"]
        ),
        "{:?}",
        reasons(&p.ea)
    );
    assert!(
        has(
            &p.eb,
            &[
                "NO_PROPOSAL_CHOSEN",
                "the peer offered ESP aes128-sha256-noesn",
                "we accept ESP aes256-sha256-noesn"
            ]
        ),
        "{:?}",
        reasons(&p.eb)
    );
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
}

#[test]
fn wrong_psk_says_authentication_failed_on_both_sides() {
    let s = cbc128_sha1_modp1024();
    let mut b = config(B, A, s);
    b.psk = Secret::from_slice(b"a_different_secret_value");
    let mut p = Pair::new(config(A, B, s), b);
    p.initiate();
    assert!(!p.established());
    assert!(
        has(&p.ea, &["AUTHENTICATION_FAILED", "authentication failed"]),
        "{:?}",
        reasons(&p.ea)
    );
    assert!(
        has(&p.eb, &["authentication failed", "different PSKs"]),
        "{:?}",
        reasons(&p.eb)
    );
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(p.a.summary().is_empty() && p.b.summary().is_empty());
}
