//! IKEv1 aggressive mode pair tests (RFC 2409 5 / 5.4): two `ike::v1::Endpoint`s with
//! `aggressive: true` establish in three phase 1 messages per suite, survive the loss of any
//! one message, detect a NAT; a responder that did not opt in refuses with plain words
//! (REQUIREMENTS §18 #12); a wrong pre-shared key fails on both sides and installs nothing; a
//! phase 1 rekey runs aggressive mode again.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::config::{ConnectionConfig, IkeVersions};
use ike::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
use ike::v1::Endpoint as V1;
use ike::v2::{Direction, Event};
use ike::wire::v1::{ExchangeType, Message};
use pair::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

type P = Pair<V1>;

fn aggressive(local: &str, remote: &str, s: Suite) -> ConnectionConfig {
    let mut c = config(local, remote, s);
    c.versions = IkeVersions::V1;
    c.aggressive = true;
    c
}

/// IKEv1 form of a suite: phase 1 AES-CBC with the suite's PRF and group.
fn v1_suite(esp: EncrAlg, integ: Option<IntegAlg>, prf: PrfAlg, dh: DhGroup) -> Suite {
    let mut s = suite(esp, integ, prf, dh);
    s.ike.encr = EncrAlg::AesCbc { key_bits: 128 };
    s.ike.integ = None;
    s
}

fn common() -> Suite {
    v1_suite(
        EncrAlg::AesCbc { key_bits: 128 },
        Some(IntegAlg::HmacSha256_128),
        PrfAlg::HmacSha256,
        DhGroup::Modp2048,
    )
}

fn pair(s: Suite) -> P {
    Pair::with(aggressive(A, B, s), aggressive(B, A, s))
}

fn up(p: &P) -> bool {
    p.established() && p.ka.count(Direction::Inbound) == 1 && p.kb.count(Direction::Outbound) == 1
}

/// Exchange types of every datagram on the wire, in order.
fn record(p: &mut P) -> Rc<RefCell<Vec<ExchangeType>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    p.hook = Box::new(move |_, t, _| {
        if let Ok(m) = Message::parse(&t.bytes) {
            s.borrow_mut().push(m.header.exchange_type);
        }
        Verdict::Deliver
    });
    seen
}

fn failed_with(e: &[Event], words: &str) -> bool {
    e.iter()
        .any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains(words)))
}

#[test]
fn aggressive_mode_establishes_in_three_messages_for_each_suite() {
    let suites = [
        v1_suite(
            EncrAlg::AesCbc { key_bits: 128 },
            Some(IntegAlg::HmacSha1_96),
            PrfAlg::HmacSha1,
            DhGroup::Modp1024,
        ),
        common(),
        v1_suite(
            EncrAlg::AesGcm16 { key_bits: 256 },
            None,
            PrfAlg::HmacSha384,
            DhGroup::Ecp384,
        ),
        v1_suite(
            EncrAlg::AesGcm16 { key_bits: 128 },
            None,
            PrfAlg::HmacSha256,
            DhGroup::Curve25519,
        ),
    ];
    for s in suites {
        let mut p = pair(s);
        let seen = record(&mut p);
        p.initiate();
        assert!(up(&p), "{:?}: a={:?} b={:?}", s.ike, p.ea, p.eb);
        assert_keys_match(&p);
        let seen = seen.borrow();
        let phase1: Vec<_> = seen
            .iter()
            .filter(|t| **t != ExchangeType::QUICK_MODE)
            .collect();
        assert_eq!(phase1, [&ExchangeType::AGGRESSIVE; 3], "{seen:?}");
        assert!(!seen.contains(&ExchangeType::MAIN_MODE));
        for e in [&p.ea, &p.eb] {
            assert!(
                e.iter()
                    .any(|e| matches!(e, Event::IkeSaEstablished { suite, .. }
                    if suite.version == 1 && suite.dh == s.ike.dh && suite.prf == s.ike.prf)),
                "{e:?}"
            );
        }
    }
}

#[test]
fn every_message_lost_once_is_recovered() {
    // 1-3 aggressive mode, 4-6 quick mode; message 3 lost: the responder repeats message 2
    // and the initiator answers with message 3 again.
    for n in 1..=6u64 {
        let mut p = pair(common());
        p.hook = lose(n);
        p.initiate();
        p.run_for(Duration::from_secs(60));
        assert!(up(&p), "lost {n}: a={:?} b={:?}", p.ea, p.eb);
        assert_eq!(p.a.summary().len(), 1, "lost {n}");
        assert_eq!(p.b.summary().len(), 1, "lost {n}");
        assert_keys_match(&p);
    }
}

#[test]
fn duplicated_messages_change_nothing() {
    let mut p = pair(common());
    p.hook = Box::new(|_, _, _| Verdict::Duplicate);
    p.initiate();
    p.run_for(Duration::from_secs(10));
    assert!(up(&p));
    assert_eq!(p.b.summary().len(), 1);
}

#[test]
fn a_responder_that_did_not_opt_in_refuses_with_plain_words() {
    let mut cb = aggressive(B, A, common());
    cb.aggressive = false;
    let mut p = Pair::<V1>::with(aggressive(A, B, common()), cb);
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(p.b.summary().is_empty(), "no half-open SA on the responder");
    assert!(
        failed_with(&p.eb, "aggressive mode is not enabled for this tunnel"),
        "{:?}",
        p.eb
    );
    assert!(
        failed_with(
            &p.ea,
            "the peer refused aggressive mode: INVALID-EXCHANGE-TYPE"
        ),
        "{:?}",
        p.ea
    );
}

#[test]
fn main_mode_still_comes_up_against_an_aggressive_responder() {
    // `aggressive: true` accepts aggressive mode; main mode stays accepted.
    let mut ca = aggressive(A, B, common());
    ca.aggressive = false;
    let mut p = Pair::<V1>::with(ca, aggressive(B, A, common()));
    let seen = record(&mut p);
    p.initiate();
    assert!(up(&p), "a={:?} b={:?}", p.ea, p.eb);
    assert!(seen.borrow().contains(&ExchangeType::MAIN_MODE));
}

#[test]
fn an_unexpected_identity_gets_no_hash_r() {
    // The responder expects another identity: it answers with INVALID-ID-INFORMATION and
    // never sends message 2, whose HASH_R could be attacked offline.
    let mut cb = aggressive(B, A, common());
    cb.remote_id = Some(ike::wire::v2::Identification::Fqdn(
        "someone-else.example".into(),
    ));
    let mut p = Pair::<V1>::with(aggressive(A, B, common()), cb);
    let seen = record(&mut p);
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(failed_with(&p.eb, "does not match remote_id"), "{:?}", p.eb);
    assert!(
        failed_with(
            &p.ea,
            "the peer refused aggressive mode: INVALID-ID-INFORMATION"
        ),
        "{:?}",
        p.ea
    );
    // Only our message 1 and B's informational notify went over the wire.
    let aggressive = seen
        .borrow()
        .iter()
        .filter(|t| **t == ExchangeType::AGGRESSIVE)
        .count();
    assert_eq!(aggressive, 1, "{:?}", seen.borrow());
    assert!(p.b.summary().is_empty());
}

#[test]
fn wrong_psk_fails_on_both_sides_and_installs_nothing() {
    let mut cb = aggressive(B, A, common());
    cb.psk = ike::crypto::Secret::from_slice(b"another_psk_entirely_000");
    let mut p = Pair::<V1>::with(aggressive(A, B, common()), cb);
    p.initiate();
    p.run_for(Duration::from_secs(300));
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(
        failed_with(
            &p.ea,
            "aggressive mode message 2: HASH does not verify (pre-shared key mismatch)"
        ),
        "initiator: {:?}",
        p.ea
    );
    assert!(
        failed_with(&p.eb, "no aggressive mode message 3 after message 2"),
        "responder: {:?}",
        p.eb
    );
    assert!(p.a.summary().is_empty() && p.b.summary().is_empty());
}

#[test]
fn the_group_of_message_1_is_the_only_one_offered() {
    // Two proposals of different groups: aggressive mode offers the first group only, so a
    // responder that has only the second one refuses.
    let mut a = aggressive(A, B, common());
    let mut second = a.ike_proposals[0];
    second.dh = DhGroup::Ecp256;
    a.ike_proposals.push(second);
    let mut b = aggressive(B, A, common());
    b.ike_proposals = vec![second];
    let mut p = Pair::<V1>::with(a, b);
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(
        failed_with(&p.eb, "no phase 1 proposal chosen"),
        "{:?}",
        p.eb
    );
    assert!(p.ka.sas.is_empty());
}

#[test]
fn nat_is_detected_from_messages_2_and_3_and_esp_is_udp_encapsulated() {
    let mut p = pair(common());
    behind_nat(&mut p, aggressive(B, A, common()));
    p.initiate();
    assert!(up(&p), "a={:?} b={:?}", p.ea, p.eb);
    assert_nat_detected_and_encapsulated(&p);
}

#[test]
fn phase1_rekey_runs_aggressive_mode_again_and_keeps_the_child_sas() {
    let mut p = pair(common());
    p.initiate();
    assert!(up(&p));
    let seen = record(&mut p);
    assert!(p.a.rekey(p.now, TUNNEL, true));
    p.run_until_idle();
    assert!(p.ea.iter().any(|e| matches!(e, Event::IkeSaRekeyed { .. })));
    assert!(seen.borrow().contains(&ExchangeType::AGGRESSIVE));
    assert_eq!(p.a.summary().len(), 1, "{:?}", p.a.summary());
    assert_eq!(p.b.summary().len(), 1, "{:?}", p.b.summary());
    assert_eq!(p.ka.count(Direction::Inbound), 1);
    assert_keys_match(&p);
}
