//! Pair tests for certificate authentication in IKE_AUTH (RFC 7296 3.6-3.8, RFC 7427): ECDSA
//! P-256 and RSA both ways, and the failures an operator must be able to read: untrusted CA,
//! ID not in the certificate, ID not the configured remote_id, expired certificate, and a
//! PSK peer against a certificate peer. Fixtures: tests/fixtures/cert (README there).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::config::{CertAuth, FixedClock};
use ike::v2::{Direction, Event};
use ike::wire::v2::Identification;
use pair::*;
use std::sync::Arc;

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

/// West (A, initiator) and east (B, responder) with the given certificates and FQDN IDs.
fn pair(west: CertAuth, east: CertAuth) -> Pair {
    let s = gcm128_sha256_x25519();
    let mut a = config(A, B, s);
    let mut b = config(B, A, s);
    a.cert = Some(west);
    a.local_id = fqdn("west.example");
    a.remote_id = Some(fqdn("east.example"));
    b.cert = Some(east);
    b.local_id = fqdn("east.example");
    b.remote_id = Some(fqdn("west.example"));
    Pair::new(a, b)
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

fn west() -> CertAuth {
    cert("west.pem", "west.key.pem", "ca.pem")
}

fn east() -> CertAuth {
    cert("east.pem", "east.key.pem", "ca.pem")
}

fn assert_up(p: &Pair) {
    assert!(
        p.established(),
        "A: {:?} B: {:?}",
        reasons(&p.ea),
        reasons(&p.eb)
    );
    assert_eq!(p.ka.count(Direction::Inbound), 1);
    assert_eq!(p.kb.count(Direction::Outbound), 1);
    assert_keys_match(p);
}

fn assert_failed_both(p: &Pair, responder_words: &str) {
    assert!(!p.established());
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(has(&p.eb, responder_words), "B: {:?}", reasons(&p.eb));
    // RFC 7296 2.21.2: the responder answers AUTHENTICATION_FAILED.
    assert!(
        has(&p.ea, "AUTHENTICATION_FAILED"),
        "A: {:?}",
        reasons(&p.ea)
    );
}

#[test]
fn ecdsa_p256_both_sides_establish() {
    let mut p = pair(west(), east());
    p.initiate();
    assert_up(&p);
}

#[test]
fn responder_asks_for_certificates_in_ike_sa_init() {
    use ike::wire::v2::{ExchangeType, Message, Payload};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = seen.clone();
    let mut p = pair(west(), east());
    p.hook = Box::new(move |side, t, _| {
        if let Ok(m) = Message::parse(&t.bytes) {
            // RFC 7296 1.2: HDR, SAr1, KEr, Nr, [CERTREQ] with our CA's SPKI SHA-1 (3.7).
            let certreq = m
                .payloads
                .iter()
                .any(|p| matches!(p, Payload::CertReq(r) if r.authorities.len() == 20));
            if side == Side::B && m.header.exchange_type == ExchangeType::IKE_SA_INIT && certreq {
                s2.fetch_add(1, Ordering::Relaxed);
            }
        }
        Verdict::Deliver
    });
    p.initiate();
    assert_up(&p);
    assert_eq!(seen.load(Ordering::Relaxed), 1);
}

#[test]
fn ecdsa_with_dn_identities_and_ip_identities() {
    // local_id = the certificate's subject DN (ID_DER_ASN1_DN) on west, its IP SAN on east.
    let (w, e) = (west(), east());
    let dn = w.subject_dn().unwrap();
    let mut p = pair(w, e);
    let mut a = p.a.config(TUNNEL).unwrap().clone();
    a.local_id = Identification::DerAsn1Dn(dn.clone());
    a.remote_id = Some(Identification::Ipv4("198.51.100.1".parse().unwrap()));
    let mut b = p.b.config(TUNNEL).unwrap().clone();
    b.local_id = Identification::Ipv4("198.51.100.1".parse().unwrap());
    b.remote_id = Some(Identification::DerAsn1Dn(dn));
    p = Pair::new(a, b);
    p.initiate();
    assert_up(&p);
}

#[test]
fn rsa_both_sides_establish() {
    let w = cert("west_rsa.pem", "west_rsa.key.pem", "ca.pem");
    let e = cert("east_rsa.pem", "east_rsa.key.pem", "ca.pem");
    let mut p = pair(w, e);
    p.initiate();
    assert_up(&p);
}

#[test]
fn rsa_initiator_ecdsa_responder_establish() {
    let w = cert("west_rsa.pem", "west_rsa.key.pem", "ca.pem");
    let mut p = pair(w, east());
    p.initiate();
    assert_up(&p);
}

#[test]
fn untrusted_ca_fails_on_the_initiator() {
    // East's certificate is signed by ca2, which west does not trust: the responder
    // authenticates west and answers, then west rejects east.
    let e = cert("east_other_ca.pem", "east.key.pem", "ca.pem");
    let mut p = pair(west(), e);
    p.initiate();
    assert!(!p.established());
    assert!(
        has(&p.ea, "peer certificate not signed by the configured CA"),
        "A: {:?}",
        reasons(&p.ea)
    );
    assert!(p.ka.sas.is_empty());
}

#[test]
fn untrusted_ca_fails_on_the_responder() {
    let w = cert("west.pem", "west.key.pem", "ca2.pem");
    // East trusts only ca2 now, so west's certificate (signed by ca) is untrusted there.
    let e = cert("east.pem", "east.key.pem", "ca2.pem");
    let mut p = pair(w, e);
    p.initiate();
    assert_failed_both(&p, "peer certificate not signed by the configured CA");
}

#[test]
fn id_not_in_certificate_fails() {
    let mut p = pair(west(), east());
    let mut a = p.a.config(TUNNEL).unwrap().clone();
    a.local_id = fqdn("north.example");
    let mut b = p.b.config(TUNNEL).unwrap().clone();
    b.remote_id = None;
    p = Pair::new(a, b);
    p.initiate();
    assert_failed_both(&p, "peer ID north.example not in its certificate");
}

#[test]
fn id_certified_but_not_the_configured_remote_id_fails() {
    let mut p = pair(west(), east());
    let mut b = p.b.config(TUNNEL).unwrap().clone();
    b.remote_id = Some(fqdn("south.example"));
    let a = p.a.config(TUNNEL).unwrap().clone();
    p = Pair::new(a, b);
    p.initiate();
    assert_failed_both(
        &p,
        "peer ID west.example does not match the configured remote_id south.example",
    );
}

#[test]
fn expired_certificate_fails() {
    let e = cert("east_expired.pem", "east.key.pem", "ca.pem");
    let mut p = pair(west(), e);
    p.initiate();
    assert!(!p.established());
    assert!(has(&p.ea, "expired"), "A: {:?}", reasons(&p.ea));
}

#[test]
fn expired_by_the_injected_clock_fails_on_the_responder() {
    // Same certificates, but east's clock reads 2040, after every certificate ended.
    let mut e = east();
    e.clock = Arc::new(FixedClock(2_208_988_800));
    let mut p = pair(west(), e);
    p.initiate();
    assert_failed_both(&p, "has expired or is not yet valid");
}

#[test]
fn psk_initiator_against_certificate_responder_fails_cleanly() {
    let mut p = pair(west(), east());
    let mut a = p.a.config(TUNNEL).unwrap().clone();
    a.cert = None;
    let b = p.b.config(TUNNEL).unwrap().clone();
    p = Pair::new(a, b);
    p.initiate();
    assert_failed_both(
        &p,
        "peer uses PSK authentication, this tunnel is configured for certificates",
    );
}

#[test]
fn certificate_initiator_against_psk_responder_fails_cleanly() {
    let mut p = pair(west(), east());
    let a = p.a.config(TUNNEL).unwrap().clone();
    let mut b = p.b.config(TUNNEL).unwrap().clone();
    b.cert = None;
    p = Pair::new(a, b);
    p.initiate();
    assert_failed_both(
        &p,
        "peer uses certificate authentication (AUTH method 14), this tunnel is configured for a PSK",
    );
}

#[test]
fn key_not_matching_the_certificate_is_refused_and_never_printed() {
    let e = CertAuth::from_pem(
        &fx("west.pem"),
        &fx("east.key.pem"),
        &fx("ca.pem"),
        Arc::new(FixedClock(CLOCK)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("does not belong"), "{e}");
    let dbg = format!("{:?}", west());
    assert!(
        dbg.contains("<redacted>") && !dbg.contains("PRIVATE"),
        "{dbg}"
    );
    assert!(CertAuth::from_pem(
        "junk",
        &fx("west.key.pem"),
        &fx("ca.pem"),
        Arc::new(FixedClock(0))
    )
    .is_err());
}
