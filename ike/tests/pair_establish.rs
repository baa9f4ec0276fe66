//! Pair tests: IKE_SA_INIT + IKE_AUTH + first Child SA between two engines, per suite, and the
//! negotiation failures of priority step 1 (INVALID_KE_PAYLOAD retry, NO_PROPOSAL_CHOSEN,
//! AUTHENTICATION_FAILED both ways, TS narrowing / TS_UNACCEPTABLE, responder order).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::config::cidr_ts;
use ike::crypto::{DhGroup, EncrAlg, PrfAlg, Secret};
use ike::v2::{Direction, Event, KernelCommand};
use ike::wire::v2::Identification;
use pair::*;

fn establish(s: Suite) -> Pair {
    let mut p = Pair::suite(s);
    p.initiate();
    assert!(p.established(), "events a={:?} b={:?}", p.ea, p.eb);
    assert_eq!(p.ka.count(Direction::Inbound), 1);
    assert_eq!(p.ka.count(Direction::Outbound), 1);
    assert_eq!(p.kb.count(Direction::Inbound), 1);
    assert_keys_match(&p);
    // Make-before-break order: inbound is installed before outbound.
    assert!(matches!(
        p.ka.log[0],
        KernelCommand::InstallChildSa {
            direction: Direction::Inbound,
            ..
        }
    ));
    assert!(matches!(
        p.ka.log[1],
        KernelCommand::InstallChildSa {
            direction: Direction::Outbound,
            ..
        }
    ));
    for e in [&p.ea, &p.eb] {
        assert!(e.iter().any(|e| matches!(e, Event::IkeSaEstablished { suite, nat_detected: false, .. } if suite.encr == s.ike.encr && suite.dh == s.ike.dh)));
        assert!(e.iter().any(
            |e| matches!(e, Event::ChildSaEstablished { suite, .. } if suite.encr == s.esp.encr)
        ));
    }
    p
}

#[test]
fn establishes_aes128_sha1_modp1024() {
    establish(cbc128_sha1_modp1024());
}

#[test]
fn establishes_aes128_sha256_modp2048() {
    establish(cbc128_sha256_modp2048());
}

#[test]
fn establishes_aes256gcm16_prfsha384_ecp384() {
    establish(gcm256_sha384_ecp384());
}

#[test]
fn establishes_aes128gcm16_prfsha256_x25519() {
    establish(gcm128_sha256_x25519());
}

#[test]
fn debug_output_never_shows_keys() {
    let p = establish(gcm128_sha256_x25519());
    let dump = format!("{:?}{:?}{:?}", p.ka.log, p.a, p.b);
    assert!(dump.contains("redacted"));
    assert!(!dump.contains("correct_horse"));
}

#[test]
fn invalid_ke_payload_retries_with_responders_group() {
    let s = gcm128_sha256_x25519();
    let mut a = config(A, B, s);
    let mut second = s.ike;
    second.dh = DhGroup::Ecp256;
    a.ike_proposals = vec![s.ike, second];
    let mut b = config(B, A, s);
    b.ike_proposals = vec![second];
    let mut p = Pair::new(a, b);
    p.initiate();
    assert!(p.established(), "{:?} {:?}", p.ea, p.eb);
    assert!(p.ea.iter().any(
        |e| matches!(e, Event::IkeSaEstablished { suite, .. } if suite.dh == DhGroup::Ecp256)
    ));
}

#[test]
fn responder_chooses_by_local_order() {
    let s = gcm128_sha256_x25519();
    let mut other = s.ike;
    other.prf = PrfAlg::HmacSha512;
    let mut a = config(A, B, s);
    a.ike_proposals = vec![s.ike, other];
    let mut b = config(B, A, s);
    b.ike_proposals = vec![other, s.ike];
    let mut p = Pair::new(a, b);
    p.initiate();
    assert!(p.ea.iter().any(
        |e| matches!(e, Event::IkeSaEstablished { suite, .. } if suite.prf == PrfAlg::HmacSha512)
    ));
}

#[test]
fn no_proposal_chosen_is_reported_on_both_sides() {
    let mut b = config(B, A, gcm128_sha256_x25519());
    b.ike_proposals[0].encr = EncrAlg::AesCbc { key_bits: 256 };
    b.ike_proposals[0].integ = Some(ike::crypto::IntegAlg::HmacSha256_128);
    let mut p = Pair::new(config(A, B, gcm128_sha256_x25519()), b);
    p.initiate();
    assert!(!p.established());
    let failed = |e: &Vec<Event>| {
        e.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("NO_PROPOSAL_CHOSEN")))
    };
    assert!(failed(&p.ea) && failed(&p.eb), "{:?} {:?}", p.ea, p.eb);
    assert!(p.a.summary().is_empty() && p.b.summary().is_empty());
}

#[test]
fn wrong_psk_fails_authentication_at_the_responder() {
    let s = gcm256_sha384_ecp384();
    let mut b = config(B, A, s);
    b.psk = Secret::from_slice(b"another_secret_entirely");
    let mut p = Pair::new(config(A, B, s), b);
    p.initiate();
    assert!(!p.established());
    assert!(p.ka.log.is_empty() && p.kb.log.is_empty());
    let auth = |e: &Vec<Event>| {
        e.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("AUTHENTICATION_FAILED")))
    };
    assert!(auth(&p.ea) && auth(&p.eb), "{:?} {:?}", p.ea, p.eb);
    assert!(p.a.summary().is_empty() && p.b.summary().is_empty());
}

#[test]
fn wrong_responder_identity_fails_at_the_initiator() {
    let s = gcm256_sha384_ecp384();
    let mut a = config(A, B, s);
    a.remote_id = Some(Identification::Fqdn("vpn.example.net".into()));
    let mut p = Pair::new(a, config(B, A, s));
    p.initiate();
    let auth = |e: &Vec<Event>| {
        e.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("AUTHENTICATION_FAILED")))
    };
    assert!(auth(&p.ea) && auth(&p.eb), "{:?} {:?}", p.ea, p.eb);
    // The responder had installed the Child SA and removed it again on the notification.
    assert_eq!(p.kb.sas.len(), 0);
    assert!(p.a.summary().is_empty() && p.b.summary().is_empty());
}

#[test]
fn matching_remote_id_and_idr_are_accepted() {
    let s = gcm256_sha384_ecp384();
    let mut a = config(A, B, s);
    a.local_id = Identification::Fqdn("cgw.example.org".into());
    a.remote_id = Some(Identification::Fqdn("vpn.example.net".into()));
    a.send_idr = true;
    let mut b = config(B, A, s);
    b.local_id = Identification::Fqdn("vpn.example.net".into());
    b.remote_id = Some(Identification::Fqdn("cgw.example.org".into()));
    let mut p = Pair::new(a, b);
    p.initiate();
    assert!(p.established(), "{:?} {:?}", p.ea, p.eb);
}

#[test]
fn responder_narrows_traffic_selectors() {
    let s = gcm128_sha256_x25519();
    let mut b = config(B, A, s);
    b.local_ts = vec![cidr_ts("10.2.0.0".parse().unwrap(), 16)];
    b.remote_ts = vec![cidr_ts("10.1.0.0".parse().unwrap(), 16)];
    let mut p = Pair::new(config(A, B, s), b);
    p.initiate();
    assert!(p.established());
    let KernelCommand::InstallChildSa {
        local_ts,
        remote_ts,
        ..
    } = &p.ka.log[0]
    else {
        panic!()
    };
    assert_eq!(local_ts, &vec![cidr_ts("10.1.0.0".parse().unwrap(), 16)]);
    assert_eq!(remote_ts, &vec![cidr_ts("10.2.0.0".parse().unwrap(), 16)]);
}

#[test]
fn disjoint_traffic_selectors_get_ts_unacceptable() {
    let s = gcm128_sha256_x25519();
    let mut a = config(A, B, s);
    a.local_ts = vec![cidr_ts("10.9.0.0".parse().unwrap(), 16)];
    let mut b = config(B, A, s);
    b.remote_ts = vec![cidr_ts("10.1.0.0".parse().unwrap(), 16)];
    let mut p = Pair::new(a, b);
    p.initiate();
    // RFC 7296 2.21.3: the IKE SA is up even though the Child SA failed.
    assert!(p.established());
    assert!(p.ka.log.is_empty() && p.kb.log.is_empty());
    assert!(p.ea.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("TS_UNACCEPTABLE"))));
}

#[test]
fn garbage_and_truncated_datagrams_are_dropped() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    p.initiate();
    let (a, b) = (A.parse().unwrap(), B.parse().unwrap());
    let before = p.b.summary();
    let msg = p.ka.log.len();
    for len in 0..64 {
        p.b.handle_datagram(p.now, b, a, &vec![0x5a; len]);
    }
    // A valid-looking IKE_SA_INIT header with a truncated body.
    let mut h = vec![0u8; 28];
    h[17] = 0x20;
    h[18] = 34;
    h[19] = 0x08;
    h[27] = 28;
    p.b.handle_datagram(p.now, b, a, &h);
    assert!(p.b.poll_transmit().is_none());
    assert_eq!(p.b.summary(), before);
    assert_eq!(p.ka.log.len(), msg);
}

#[test]
fn cookie_is_required_above_the_half_open_threshold() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    p.b.set_cookie_threshold(0);
    assert!(p.a.initiate(p.now, TUNNEL));
    // Deliver only the first request: the responder answers statelessly with a COOKIE.
    let (_, t) = {
        while let Some(t) = p.a.poll_transmit() {
            p.net.push_back((Side::A, t));
        }
        p.net.pop_front().unwrap()
    };
    p.b.handle_datagram(p.now, t.remote, t.local, &t.bytes);
    assert!(
        p.b.summary().is_empty(),
        "no state before the cookie is returned"
    );
    let answer = p.b.poll_transmit().unwrap();
    p.a.handle_datagram(p.now, answer.remote, answer.local, &answer.bytes);
    p.run_until_idle();
    assert!(p.established(), "{:?} {:?}", p.ea, p.eb);
    assert_keys_match(&p);
}

#[test]
fn small_mtu_fragments_ike_auth_both_ways() {
    let s = cbc128_sha256_modp2048();
    let mut a = config(A, B, s);
    a.fragmentation_mtu = Some(260);
    let mut b = config(B, A, s);
    b.fragmentation_mtu = Some(260);
    let mut p = Pair::new(a, b);
    let skf = std::rc::Rc::new(std::cell::RefCell::new((0, 0)));
    let s2 = skf.clone();
    p.hook = Box::new(move |side, t, n| {
        // Next Payload of the IKE header = 53 (SKF, RFC 7383 2.5).
        if t.bytes.get(16) == Some(&53) {
            assert!(
                t.bytes.len() + 52 <= 260,
                "fragment too large: {}",
                t.bytes.len()
            );
            match side {
                Side::A => s2.borrow_mut().0 += 1,
                Side::B => s2.borrow_mut().1 += 1,
            }
        }
        // Lose one fragment once: the whole message is retransmitted.
        if n == 4 {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    });
    p.initiate();
    p.run_for(std::time::Duration::from_secs(30));
    assert!(p.established(), "{:?} {:?}", p.ea, p.eb);
    let (fa, fb) = *skf.borrow();
    assert!(fa >= 2 && fb >= 2, "fragments a={fa} b={fb}");
    assert_keys_match(&p);
    // Without fragmentation support on one side nothing is fragmented.
    let mut b = config(B, A, s);
    b.fragmentation_mtu = None;
    let mut a = config(A, B, s);
    a.fragmentation_mtu = Some(260);
    let mut q = Pair::new(a, b);
    q.hook = Box::new(|_, t, _| {
        assert_ne!(t.bytes.get(16), Some(&53));
        Verdict::Deliver
    });
    q.initiate();
    assert!(q.established());
}
