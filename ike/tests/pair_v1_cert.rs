//! IKEv1 pair tests for main mode with signatures (RFC 2409 5.1; RFC 4754 for ECDSA): ECDSA
//! P-256 and RSA both establish with matching keys; an untrusted CA, an ID the certificate
//! does not hold or that is not the configured remote_id fail with plain words and no kernel
//! state; pre-shared key against certificate gets no proposal chosen. Fixtures:
//! tests/fixtures/cert (README there).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::config::{CertAuth, ConnectionConfig, FixedClock, IkeVersions};
use ike::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
use ike::v1::Endpoint as V1;
use ike::v2::{CloseReason, Direction, Event};
use ike::wire::v1::{AuthMethod, Message, Payload, Phase1Attr};
use ike::wire::v2::Identification;
use pair::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

type P = Pair<V1>;

/// 2027-01-01T00:00:00Z: inside every fixture's validity except east_expired.pem's.
const CLOCK: i64 = 1_798_761_600;

fn fx(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/cert/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn cert(cert: &str, key: &str, ca: &str) -> CertAuth {
    CertAuth::from_pem(&fx(cert), &fx(key), &fx(ca), Arc::new(FixedClock(CLOCK))).unwrap()
}

fn fqdn(s: &str) -> Identification {
    Identification::Fqdn(s.into())
}

fn west() -> CertAuth {
    cert("west.pem", "west.key.pem", "ca.pem")
}

fn east() -> CertAuth {
    cert("east.pem", "east.key.pem", "ca.pem")
}

/// IKEv1 phase 1 AES-128-CBC / SHA-256 / MODP-2048, ESP AES-128-CBC / SHA-256.
fn v1(local: &str, remote: &str) -> ConnectionConfig {
    let mut s = suite(
        EncrAlg::AesCbc { key_bits: 128 },
        Some(IntegAlg::HmacSha256_128),
        PrfAlg::HmacSha256,
        DhGroup::Modp2048,
    );
    s.ike.integ = None;
    let mut c = config(local, remote, s);
    c.versions = IkeVersions::V1;
    c
}

fn configs(west: Option<CertAuth>, east: Option<CertAuth>) -> (ConnectionConfig, ConnectionConfig) {
    let mut a = v1(A, B);
    let mut b = v1(B, A);
    a.cert = west;
    a.local_id = fqdn("west.example");
    a.remote_id = Some(fqdn("east.example"));
    b.cert = east;
    b.local_id = fqdn("east.example");
    b.remote_id = Some(fqdn("west.example"));
    (a, b)
}

fn pair(west: CertAuth, east: CertAuth) -> P {
    let (a, b) = configs(Some(west), Some(east));
    Pair::with(a, b)
}

fn reasons(e: &[Event]) -> Vec<String> {
    e.iter()
        .filter_map(|e| match e {
            Event::NegotiationFailed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

fn has(e: &[Event], words: &str) -> bool {
    reasons(e).iter().any(|r| r.contains(words))
}

fn closed(e: &[Event], why: CloseReason) -> bool {
    e.iter()
        .any(|e| matches!(e, Event::IkeSaClosed { reason, .. } if *reason == why))
}

fn assert_up(p: &P) {
    assert!(
        p.established(),
        "A: {:?} B: {:?}",
        reasons(&p.ea),
        reasons(&p.eb)
    );
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1);
        assert_eq!(k.count(Direction::Outbound), 1);
    }
    assert_keys_match(p);
}

/// Counts, per auth method seen in main mode message 1's transforms and per payload type of
/// the unencrypted messages, what went over the wire.
#[derive(Default)]
struct Seen {
    auth: std::sync::Mutex<Vec<u64>>,
    cr: AtomicUsize,
}

fn watch(p: &mut P) -> Arc<Seen> {
    let seen = Arc::new(Seen::default());
    let s2 = seen.clone();
    p.hook = Box::new(move |_, t, _| {
        if let Ok(m) = Message::parse(&t.bytes) {
            if let ike::wire::v1::Body::Plain(payloads) = &m.body {
                for pl in payloads {
                    match pl {
                        Payload::Sa(sa) => {
                            for t in sa.proposals.iter().flat_map(|p| &p.transforms) {
                                if let Some(v) = t
                                    .attr(Phase1Attr::AUTHENTICATION_METHOD.0)
                                    .and_then(|a| a.as_u64())
                                {
                                    s2.auth.lock().unwrap().push(v);
                                }
                            }
                        }
                        Payload::CertReq(_) => {
                            s2.cr.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {}
                    }
                }
            }
        }
        Verdict::Deliver
    });
    seen
}

#[test]
fn ecdsa_p256_main_mode_establishes_with_method_9_and_certificate_requests() {
    let mut p = pair(west(), east());
    let seen = watch(&mut p);
    p.initiate();
    assert_up(&p);
    // RFC 4754 4: ECDSA-256 is Authentication Method 9, in the offer and the choice.
    let auth = seen.auth.lock().unwrap().clone();
    assert!(!auth.is_empty());
    assert!(auth
        .iter()
        .all(|a| *a == u64::from(AuthMethod::ECDSA_SHA256_P256.0)));
    // One CERTREQ (our one CA) in each of messages 3 and 4.
    assert_eq!(seen.cr.load(Ordering::Relaxed), 2);
}

#[test]
fn rsa_main_mode_establishes_with_method_3() {
    let mut p = pair(
        cert("west_rsa.pem", "west_rsa.key.pem", "ca.pem"),
        cert("east_rsa.pem", "east_rsa.key.pem", "ca.pem"),
    );
    let seen = watch(&mut p);
    p.initiate();
    assert_up(&p);
    let auth = seen.auth.lock().unwrap().clone();
    assert!(!auth.is_empty());
    // RFC 2409 appendix A: RSA signatures = 3.
    assert!(auth
        .iter()
        .all(|a| *a == u64::from(AuthMethod::RSA_SIGNATURES.0)));
}

#[test]
fn rsa_on_one_side_and_ecdsa_on_the_other_gets_no_proposal_chosen() {
    let mut p = pair(cert("west_rsa.pem", "west_rsa.key.pem", "ca.pem"), east());
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(!p.established());
    assert!(
        has(&p.eb, "no phase 1 proposal chosen"),
        "{:?}",
        reasons(&p.eb)
    );
    assert!(has(&p.eb, "ECDSA P-256"), "{:?}", reasons(&p.eb));
    assert!(has(&p.ea, "NO-PROPOSAL-CHOSEN"), "{:?}", reasons(&p.ea));
}

#[test]
fn initiator_certificate_from_an_untrusted_ca_fails_with_plain_words() {
    // East trusts only ca.pem; west's certificate comes from ca2.
    let (mut a, b) = configs(
        Some(cert("east_other_ca.pem", "east.key.pem", "ca.pem")),
        Some(east()),
    );
    // west presents east's (ca2-issued) certificate: the chain check comes first.
    a.local_id = fqdn("east.example");
    let mut p = P::with(a, b);
    p.initiate();
    p.run_for(Duration::from_secs(300));
    assert!(!p.established());
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(
        has(
            &p.eb,
            "main mode message 5: peer certificate not signed by the configured CA"
        ),
        "B: {:?}",
        reasons(&p.eb)
    );
    assert!(closed(&p.eb, CloseReason::Failed));
    // The initiator hears nothing more and gives up on message 5.
    assert!(
        has(
            &p.ea,
            "no answer to main mode message 5 (the peer rejected our certificate"
        ),
        "A: {:?}",
        reasons(&p.ea)
    );
}

#[test]
fn responder_certificate_from_an_untrusted_ca_fails_both_sides() {
    let mut p = pair(west(), cert("east_other_ca.pem", "east.key.pem", "ca.pem"));
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(
        has(
            &p.ea,
            "main mode message 6: peer certificate not signed by the configured CA"
        ),
        "A: {:?}",
        reasons(&p.ea)
    );
    assert!(closed(&p.ea, CloseReason::Failed));
    // The initiator's Delete ends the responder's half of phase 1.
    assert!(closed(&p.eb, CloseReason::DeletedByPeer), "B: {:?}", p.eb);
    assert!(!p.established());
}

#[test]
fn id_not_in_the_certificate_fails() {
    let (mut a, b) = configs(Some(west()), Some(east()));
    a.local_id = fqdn("somebody.example");
    let mut b = b;
    b.remote_id = None;
    let mut p = P::with(a, b);
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(
        has(&p.eb, "peer ID somebody.example not in its certificate"),
        "B: {:?}",
        reasons(&p.eb)
    );
}

#[test]
fn id_other_than_remote_id_fails() {
    // West's certificate also certifies its IP address; east expects the FQDN.
    let (mut a, b) = configs(Some(west()), Some(east()));
    a.local_id = Identification::Ipv4("192.0.2.1".parse().unwrap());
    let mut p = P::with(a, b);
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(
        has(
            &p.eb,
            "peer ID 192.0.2.1 does not match the configured remote_id west.example"
        ),
        "B: {:?}",
        reasons(&p.eb)
    );
}

#[test]
fn psk_on_one_side_and_certificate_on_the_other_gets_no_proposal_chosen() {
    for cert_on_initiator in [true, false] {
        let (a, b) = if cert_on_initiator {
            configs(Some(west()), None)
        } else {
            configs(None, Some(east()))
        };
        let mut p = P::with(a, b);
        p.initiate();
        p.run_for(Duration::from_secs(5));
        assert!(!p.established());
        assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
        assert!(
            has(&p.eb, "no phase 1 proposal chosen"),
            "B: {:?}",
            reasons(&p.eb)
        );
        assert!(has(&p.ea, "NO-PROPOSAL-CHOSEN"), "A: {:?}", reasons(&p.ea));
    }
}

#[test]
fn every_main_mode_message_lost_once_is_retransmitted_with_certificates() {
    for n in 1..=6u64 {
        let mut p = pair(west(), east());
        p.hook = lose(n);
        p.initiate();
        p.run_for(Duration::from_secs(60));
        assert!(
            p.established(),
            "lost {n}: A: {:?} B: {:?}",
            reasons(&p.ea),
            reasons(&p.eb)
        );
        assert_up(&p);
    }
}

#[test]
fn aggressive_mode_with_certificates_establishes_both_key_types() {
    // RFC 2409 5.1: in aggressive mode the signatures travel in messages 2 and 3.
    for (w, e) in [
        (west(), east()),
        (
            cert("west_rsa.pem", "west_rsa.key.pem", "ca.pem"),
            cert("east_rsa.pem", "east_rsa.key.pem", "ca.pem"),
        ),
    ] {
        let (mut a, mut b) = configs(Some(w), Some(e));
        a.aggressive = true;
        b.aggressive = true;
        let mut p = P::with(a, b);
        let seen = watch(&mut p);
        p.initiate();
        assert_up(&p);
        // The CERTREQ of message 1 and the one of message 2.
        assert_eq!(seen.cr.load(Ordering::Relaxed), 2);
    }
}

#[test]
fn aggressive_mode_rejects_a_certificate_from_an_untrusted_ca() {
    // East answers with a ca2-issued certificate; west trusts only ca.pem.
    let (mut a, mut b) = configs(
        Some(west()),
        Some(cert("east_other_ca.pem", "east.key.pem", "ca.pem")),
    );
    a.aggressive = true;
    b.aggressive = true;
    let mut p = P::with(a, b);
    p.initiate();
    p.run_for(Duration::from_secs(300));
    assert!(!p.established());
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(
        has(
            &p.ea,
            "aggressive mode message 2: peer certificate not signed by the configured CA"
        ),
        "A: {:?}",
        reasons(&p.ea)
    );
    assert!(
        has(
            &p.eb,
            "no aggressive mode message 3 after message 2 (the peer rejected"
        ),
        "B: {:?}",
        reasons(&p.eb)
    );
}
