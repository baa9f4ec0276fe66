//! Bodies of the cargo-fuzz targets in `ike/fuzz`, kept in the library so that the fuzzers and
//! the ordinary corpus-replay test (`tests/fuzz_corpus.rs`) run exactly the same code.
//!
//! Each function takes arbitrary bytes, feeds them to a parser of untrusted input and checks
//! the codec's round-trip invariants, panicking (the fuzzer's crash signal) only when an
//! invariant is broken; malformed input must come back as an `Err`, never a panic. This module
//! is not part of the API: it holds no state, never decrypts with real keys and is never called
//! by the daemon.

// A fuzz target reports a broken invariant by panicking: that is its whole purpose.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use crate::crypto::{cert, sig_alg};
use crate::wire::{v1, v2};

/// Time at which certificate paths are checked (2030-03-17, inside the validity of the test PKI
/// in `tests/crypto_cert.rs`), fixed so a fuzz input behaves the same in every run.
const CERT_CHECK_TIME: i64 = 1_900_000_000;

/// `v2_message`: an IKEv2 datagram. When it parses, emitting must succeed, the emitted bytes
/// must parse to the same message and emitting that again must give the same bytes.
pub fn v2_message(data: &[u8]) {
    // Header-only walks must agree with the full parser on well-formed messages.
    let sk_offset = v2::encrypted_payload_offset(data);
    let Ok(msg) = v2::parse_message(data) else {
        return;
    };
    let bytes = msg
        .to_vec()
        .unwrap_or_else(|e| panic!("parsed v2 message does not emit: {e}"));
    let again = v2::parse_message(&bytes)
        .unwrap_or_else(|e| panic!("emitted v2 message does not parse: {e}"));
    assert_eq!(again, msg, "v2 message changed over emit/parse");
    assert_eq!(again.to_vec().ok(), Some(bytes), "v2 emit is not stable");
    let has_sk = msg.payloads.last().is_some_and(v2::Payload::is_encrypted);
    match sk_offset {
        Ok(off) => assert_eq!(off.is_some(), has_sk, "SK offset walk disagrees"),
        Err(e) => panic!("SK offset walk failed on a parsed message: {e}"),
    }
}

/// `v1_message`: an ISAKMP datagram, with the same invariants as [`v2_message`]. An encrypted
/// body is additionally walked as a padded plaintext chain (what the engine does after
/// decrypting), which must round-trip too.
pub fn v1_message(data: &[u8]) {
    let Ok(msg) = v1::parse_message(data) else {
        return;
    };
    let bytes = msg
        .to_vec()
        .unwrap_or_else(|e| panic!("parsed v1 message does not emit: {e}"));
    let again = v1::parse_message(&bytes)
        .unwrap_or_else(|e| panic!("emitted v1 message does not parse: {e}"));
    assert_eq!(again, msg, "v1 message changed over emit/parse");
    assert_eq!(again.to_vec().ok(), Some(bytes), "v1 emit is not stable");
    if let v1::Body::Encrypted(body) = &msg.body {
        v1_chain_round_trip(msg.header.next_payload, body);
    }
}

/// A padded IKEv1 chain: what parses must agree with the generic-header walk
/// ([`v1::payload_spans`]), emit, and parse back to the same payloads.
fn v1_chain_round_trip(first: v1::PayloadType, buf: &[u8]) {
    let spans = v1::payload_spans(first, buf);
    let Ok((payloads, used)) = v1::parse_payload_chain_padded(first, buf) else {
        return;
    };
    match spans {
        Ok((spans, end)) => {
            assert_eq!(
                end, used,
                "span walk and parser disagree on the chain length"
            );
            assert_eq!(spans.len(), payloads.len(), "span walk and parser disagree");
        }
        Err(e) => panic!("span walk failed on a parsed chain: {e}"),
    }
    let mut out = vec![0u8; v1::chain_len(&payloads)];
    let n = v1::emit_payload_chain(&payloads, &mut out)
        .unwrap_or_else(|e| panic!("parsed v1 chain does not emit: {e}"));
    assert_eq!(
        n,
        out.len(),
        "v1 chain emit wrote a different length than chain_len"
    );
    let again = v1::parse_payload_chain(first, &out)
        .unwrap_or_else(|e| panic!("emitted v1 chain does not parse: {e}"));
    assert_eq!(again, payloads, "v1 chain changed over emit/parse");
}

/// `v2_chain`: the first byte is a payload type, the rest a payload chain starting with it
/// (decrypted SK content or an outer chain). What parses must emit, parse back equal, and
/// agree with the non-allocating [`v2::raw_payloads`] walk.
pub fn v2_chain(data: &[u8]) {
    let Some((&first, chain)) = data.split_first() else {
        return;
    };
    let first = v2::PayloadType(first);
    let raw: Vec<_> = v2::raw_payloads(first, chain).collect();
    let _ = v2::strip_padding(chain);
    let Ok(payloads) = v2::parse_payload_chain(first, chain) else {
        return;
    };
    assert_eq!(raw.len(), payloads.len(), "raw walk disagrees with parser");
    for (r, p) in raw.iter().zip(&payloads) {
        let r = r
            .as_ref()
            .unwrap_or_else(|e| panic!("raw walk failed on a parsed chain: {e}"));
        assert_eq!(r.ty, p.payload_type(), "raw walk type differs");
        assert_eq!(r.body.len(), p.body_len(), "raw walk length differs");
    }
    let (ty, bytes) = v2::payload_chain_to_vec(&payloads)
        .unwrap_or_else(|e| panic!("parsed v2 chain does not emit: {e}"));
    assert_eq!(ty, v2::first_payload_type(&payloads));
    // An empty chain is only accepted for NONE; otherwise the emitted first type is the input's.
    let first_again = if payloads.is_empty() { first } else { ty };
    let again = v2::parse_payload_chain(first_again, &bytes)
        .unwrap_or_else(|e| panic!("emitted v2 chain does not parse: {e}"));
    assert_eq!(again, payloads, "v2 chain changed over emit/parse");
    // The same bytes as decrypted IKEv1 content.
    v1_chain_round_trip(v1::PayloadType(first.0), chain);
}

/// Splits `data` as `len (2 octets) | first (len octets) | rest`, clamping `len`.
fn split_two(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, body)) = data.split_at_checked(2) else {
        return (data, &[]);
    };
    let n = usize::from(u16::from_be_bytes([len[0], len[1]])).min(body.len());
    body.split_at(n)
}

/// `cert_parse`: arbitrary DER through the certificate entry points. The whole input is tried
/// as one certificate; it is also split (see [`split_two`]) into an end entity and an issuer
/// for the path check, and read as RFC 7427 AUTH data. A path that validates must yield the
/// same key as reading the end entity alone.
pub fn cert_parse(data: &[u8]) {
    let whole = cert::public_key_of(data);
    let _ = cert::verify_chain(data, &[], &[data], CERT_CHECK_TIME);
    let (ee, issuer) = split_two(data);
    let ee_key = cert::public_key_of(ee);
    for (inter, anchors) in [(&[][..], &[issuer][..]), (&[issuer][..], &[ee][..])] {
        if let Ok(key) = cert::verify_chain(ee, inter, anchors, CERT_CHECK_TIME) {
            assert_eq!(
                Ok(&key),
                ee_key.as_ref(),
                "validated key differs from leaf key"
            );
        }
    }
    // RFC 7427 AUTH data, against whatever key the input carried.
    if let Some((alg, sig)) = sig_alg::split_auth_data(data) {
        for key in [whole.ok(), ee_key.ok()].into_iter().flatten() {
            if let Some(scheme) = sig_alg::scheme_for(alg, &key) {
                assert!(
                    key.allows(scheme),
                    "scheme_for returned a scheme the key refuses"
                );
                let _ = key.verify(scheme, issuer, sig);
            }
        }
    }
}

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// The targets by name, as the corpus directories are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("v2_message", v2_message),
    ("v1_message", v1_message),
    ("v2_chain", v2_chain),
    ("cert_parse", cert_parse),
];

/// The engine targets (they need the deterministic provider of `insecure-test-provider`).
#[cfg(any(test, feature = "insecure-test-provider"))]
pub const ENGINE_TARGETS: &[(&str, Target)] = &[
    ("v2_responder", v2_responder),
    ("v2_initiator", v2_initiator),
    ("v2_established", v2_established),
    ("v1_responder", v1_responder),
];

/// `v1_responder`: an IKEv1 responder fed attacker datagrams never establishes anything
/// (body in `v1::fuzz`).
#[cfg(any(test, feature = "insecure-test-provider"))]
pub fn v1_responder(data: &[u8]) {
    crate::v1::fuzz::responder(data);
}

/// `v2_responder`: a responder engine fed attacker datagrams never establishes anything
/// (bodies in `v2::fuzz`).
#[cfg(any(test, feature = "insecure-test-provider"))]
pub fn v2_responder(data: &[u8]) {
    crate::v2::fuzz::responder(data);
}

/// `v2_initiator`: an initiator engine answered only by the attacker never establishes.
#[cfg(any(test, feature = "insecure-test-provider"))]
pub fn v2_initiator(data: &[u8]) {
    crate::v2::fuzz::initiator(data);
}

/// `v2_established`: protected messages from an authenticated peer never panic the engine
/// nor make it install a kernel SA twice.
#[cfg(any(test, feature = "insecure-test-provider"))]
pub fn v2_established(data: &[u8]) {
    crate::v2::fuzz::established(data);
}
