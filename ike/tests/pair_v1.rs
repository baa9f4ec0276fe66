//! IKEv1 pair tests: main mode (PSK) + quick mode between two `ike::v1::Endpoint`s on the
//! virtual network of the pair harness, per suite of the interoperability matrix (IKEv1 has
//! no combined-mode phase 1, so the modern and curve suites use AES-CBC with the same PRF
//! and group in phase 1 and AES-GCM in ESP), plus loss, NAT, wrong PSK, proposal mismatch,
//! quick mode and phase 1 rekeys, a rekey collision, DPD and Delete.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::config::{ConnectionConfig, DpdAction, IkeVersions};
use ike::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
use ike::v1::Endpoint as V1;
use ike::v2::{CloseReason, Direction, Event, KernelCommand};
use pair::*;
use std::time::Duration;

type P = Pair<V1>;

fn v1(local: &str, remote: &str, s: Suite) -> ConnectionConfig {
    let mut c = config(local, remote, s);
    c.versions = IkeVersions::V1;
    c
}

/// IKEv1 form of a matrix suite: phase 1 always AES-CBC with the suite's PRF and group.
fn v1_suite(
    esp: EncrAlg,
    integ: Option<IntegAlg>,
    prf: PrfAlg,
    dh: DhGroup,
    key_bits: u16,
    pfs: bool,
) -> Suite {
    let mut s = suite(esp, integ, prf, dh);
    s.ike.encr = EncrAlg::AesCbc { key_bits };
    s.ike.integ = None;
    s.esp.pfs = pfs.then_some(dh);
    s
}

fn legacy() -> Suite {
    v1_suite(
        EncrAlg::AesCbc { key_bits: 128 },
        Some(IntegAlg::HmacSha1_96),
        PrfAlg::HmacSha1,
        DhGroup::Modp1024,
        128,
        true,
    )
}
fn common() -> Suite {
    v1_suite(
        EncrAlg::AesCbc { key_bits: 128 },
        Some(IntegAlg::HmacSha256_128),
        PrfAlg::HmacSha256,
        DhGroup::Modp2048,
        128,
        false,
    )
}
fn modern() -> Suite {
    v1_suite(
        EncrAlg::AesGcm16 { key_bits: 256 },
        None,
        PrfAlg::HmacSha384,
        DhGroup::Ecp384,
        256,
        true,
    )
}
fn curve() -> Suite {
    v1_suite(
        EncrAlg::AesGcm16 { key_bits: 128 },
        None,
        PrfAlg::HmacSha256,
        DhGroup::Curve25519,
        128,
        false,
    )
}

fn pair(s: Suite) -> P {
    Pair::with(v1(A, B, s), v1(B, A, s))
}

fn established(p: &P) -> bool {
    p.established() && p.ka.count(Direction::Inbound) >= 1 && p.kb.count(Direction::Outbound) >= 1
}

fn establish_pair(mut p: P) -> P {
    p.initiate();
    assert!(established(&p), "events a={:?} b={:?}", p.ea, p.eb);
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1);
        assert_eq!(k.count(Direction::Outbound), 1);
        // Inbound before outbound on both sides.
        assert!(matches!(
            k.log[0],
            KernelCommand::InstallChildSa {
                direction: Direction::Inbound,
                ..
            }
        ));
    }
    assert_keys_match(&p);
    p
}

fn check_suite(s: Suite) {
    let p = establish_pair(pair(s));
    for e in [&p.ea, &p.eb] {
        assert!(
            e.iter().any(
                |e| matches!(e, Event::IkeSaEstablished { suite, nat_detected: false, .. }
            if suite.dh == s.ike.dh && suite.prf == s.ike.prf)
            ),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|e| matches!(e, Event::ChildSaEstablished { suite, .. }
            if suite.encr == s.esp.encr && suite.pfs == s.esp.pfs)),
            "{e:?}"
        );
    }
}

#[test]
fn main_and_quick_mode_establish_legacy_aes128_sha1_modp1024_with_pfs() {
    check_suite(legacy());
}

#[test]
fn main_and_quick_mode_establish_common_aes128_sha256_modp2048() {
    check_suite(common());
}

#[test]
fn main_and_quick_mode_establish_modern_aes256gcm16_with_ecp384_pfs() {
    check_suite(modern());
}

#[test]
fn main_and_quick_mode_establish_curve_aes128gcm16_x25519() {
    check_suite(curve());
}

#[test]
fn every_message_lost_once_is_retransmitted_and_the_pair_still_comes_up() {
    for n in 1..=9u64 {
        let mut p = pair(common());
        p.hook = lose(n);
        p.initiate();
        p.run_for(Duration::from_secs(60));
        assert!(
            established(&p),
            "lost message {n}: a={:?} b={:?}",
            p.ea,
            p.eb
        );
        for k in [&p.ka, &p.kb] {
            assert_eq!(k.count(Direction::Inbound), 1, "lost {n}");
            assert_eq!(k.count(Direction::Outbound), 1, "lost {n}");
        }
        assert_keys_match(&p);
    }
}

#[test]
fn duplicated_messages_change_nothing() {
    let mut p = pair(common());
    p.hook = Box::new(|_, _, _| Verdict::Duplicate);
    p.initiate();
    p.run_for(Duration::from_secs(10));
    assert!(established(&p));
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1);
        assert_eq!(k.count(Direction::Outbound), 1);
    }
}

#[test]
fn wrong_psk_fails_with_plain_words_and_installs_nothing() {
    let mut cb = v1(B, A, common());
    cb.psk = ike::crypto::Secret::from_slice(b"another_psk_entirely_000");
    let mut p = Pair::<V1>::with(v1(A, B, common()), cb);
    p.initiate();
    p.run_for(Duration::from_secs(300));
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    let words = |e: &[Event]| {
        e.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("pre-shared key")))
    };
    assert!(words(&p.eb), "responder: {:?}", p.eb);
    assert!(words(&p.ea), "initiator: {:?}", p.ea);
}

#[test]
fn proposal_mismatch_fails_on_both_sides() {
    let mut other = common();
    other.ike.dh = DhGroup::Ecp256;
    let mut p = Pair::<V1>::with(v1(A, B, common()), v1(B, A, other));
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(p.eb.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("no phase 1 proposal chosen"))), "{:?}", p.eb);
    assert!(p.ea.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("NO-PROPOSAL-CHOSEN"))), "{:?}", p.ea);
}

#[test]
fn esp_mismatch_fails_quick_mode_only() {
    let mut other = common();
    other.esp.integ = Some(IntegAlg::HmacSha512_256);
    let mut p = Pair::<V1>::with(v1(A, B, common()), v1(B, A, other));
    p.initiate();
    p.run_for(Duration::from_secs(5));
    assert!(p.established(), "phase 1 is up");
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(p.eb.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("no quick mode proposal chosen"))));
    assert!(p.ea.iter().any(|e| matches!(e, Event::NegotiationFailed { reason, .. } if reason.contains("refused quick mode"))));
}

#[test]
fn nat_is_detected_and_esp_is_udp_encapsulated_on_port_4500() {
    let mut p = pair(common());
    behind_nat(&mut p, v1(B, A, common()));
    p.initiate();
    assert!(established(&p), "a={:?} b={:?}", p.ea, p.eb);
    assert_nat_detected_and_encapsulated(&p);
}

fn installs(k: &Kernel) -> usize {
    k.log
        .iter()
        .filter(|c| matches!(c, KernelCommand::InstallChildSa { .. }))
        .count()
}

#[test]
fn quick_mode_rekey_replaces_the_pair_make_before_break() {
    let mut p = establish_pair(pair(common()));
    // Child lifetime 3600 s, margin 270 s: the rekey happens before 3600 - 270 s.
    p.run_for(Duration::from_secs(3400));
    assert_eq!(installs(&p.ka), 4, "one new pair on A: {:?}", p.ea);
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1, "old pair deleted");
        assert_eq!(k.count(Direction::Outbound), 1);
        // Never without an outbound SA while rekeying.
        assert!(k.min_out.unwrap() >= 1);
    }
    assert_keys_match(&p);
    assert!(p
        .ea
        .iter()
        .chain(&p.eb)
        .any(|e| matches!(e, Event::ChildSaRekeyed { .. })));
}

#[test]
fn the_rekey_initiator_sends_on_the_old_pair_until_the_peer_has_the_new_one() {
    let mut p = establish_pair(pair(common()));
    assert!(p.a.rekey(p.now, TUNNEL, false));
    p.run_until_idle();
    // B installed the new pair at message 3. A has its new inbound SA and, for now, only the
    // old outbound one: what it sends still reaches B on the old pair.
    assert_eq!(installs(&p.kb), 4);
    assert_eq!(p.kb.count(Direction::Inbound), 2);
    assert_eq!(p.ka.count(Direction::Inbound), 2);
    assert_eq!(p.ka.count(Direction::Outbound), 1);
    assert_eq!(installs(&p.ka), 3);
    p.run_for(Duration::from_millis(900));
    assert_eq!(installs(&p.ka), 3, "held for a second");
    p.run_for(Duration::from_secs(2));
    // The new outbound SA went in, then the old pair went on both sides.
    assert_eq!(installs(&p.ka), 4);
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1);
        assert_eq!(k.count(Direction::Outbound), 1);
        assert!(k.min_out.unwrap() >= 1);
    }
    assert_keys_match(&p);
}

#[test]
fn simultaneous_quick_mode_rekeys_leave_exactly_one_pair() {
    let mut ca = v1(A, B, common());
    let mut cb = v1(B, A, common());
    // No fuzz: both sides rekey at the same instant.
    ca.rekey_fuzz_percent = 0;
    cb.rekey_fuzz_percent = 0;
    let mut p = establish_pair(Pair::<V1>::with(ca, cb));
    // Both kernels report the soft expiry at the same instant: both sides start a quick
    // mode for the same pair before either sees the other's.
    let (spi_a, spi_b) = (
        p.ka.sas.keys().next().unwrap().1,
        p.kb.sas.keys().next().unwrap().1,
    );
    p.a.expire(p.now, spi_a, false);
    p.b.expire(p.now, spi_b, false);
    p.run_until_idle();
    p.run_for(Duration::from_secs(60));
    assert!(installs(&p.ka) >= 6, "both rekeyed: {:?}", p.ea);
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1, "{:?}", k.log);
        assert_eq!(k.count(Direction::Outbound), 1, "{:?}", k.log);
    }
    assert_keys_match(&p);
}

#[test]
fn phase1_rekey_keeps_the_child_sas_and_deletes_the_old_isakmp_sa() {
    let mut ca = v1(A, B, common());
    let mut cb = v1(B, A, common());
    ca.ike_lifetime = Duration::from_secs(1800);
    cb.ike_lifetime = Duration::from_secs(1800);
    ca.child_lifetime = Duration::from_secs(3600);
    cb.child_lifetime = Duration::from_secs(3600);
    let mut p = establish_pair(Pair::<V1>::with(ca, cb));
    p.run_for(Duration::from_secs(1700));
    assert!(
        p.ea.iter()
            .chain(&p.eb)
            .any(|e| matches!(e, Event::IkeSaRekeyed { .. })),
        "{:?}",
        p.ea
    );
    assert_eq!(p.a.summary().len(), 1, "{:?}", p.a.summary());
    assert_eq!(p.b.summary().len(), 1, "{:?}", p.b.summary());
    assert!(p.established());
    assert_eq!(installs(&p.ka), 2, "children untouched by a phase 1 rekey");
    // The new ISAKMP SA carries the next quick mode.
    p.run_for(Duration::from_secs(1800));
    assert_eq!(p.ka.count(Direction::Outbound), 1);
    assert!(installs(&p.ka) >= 4);
    assert_keys_match(&p);
}

#[test]
fn dpd_declares_a_silent_peer_dead_and_clears() {
    let mut ca = v1(A, B, common());
    ca.dpd_delay = Duration::from_secs(10);
    ca.dpd_timeout = Duration::from_secs(30);
    ca.dpd_action = DpdAction::Clear;
    let mut cb = v1(B, A, common());
    cb.dpd_delay = Duration::from_secs(10);
    let mut p = establish_pair(Pair::<V1>::with(ca, cb));
    // Alive: R-U-THERE answered for two minutes, nothing dies.
    p.run_for(Duration::from_secs(120));
    assert!(!p.ea.iter().any(|e| matches!(e, Event::DpdDead { .. })));
    // B goes silent.
    p.hook = Box::new(|from, _, _| {
        if from == Side::B {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    });
    let t0 = p.now;
    p.run_for(Duration::from_secs(60));
    assert!(
        p.ea.iter().any(|e| matches!(e, Event::DpdDead { .. })),
        "{:?}",
        p.ea
    );
    assert!(p.ka.sas.is_empty(), "clear removes the SAs");
    assert!(p.now - t0 <= Duration::from_secs(60));
    assert!(p.ea.iter().any(|e| matches!(
        e,
        Event::IkeSaClosed {
            reason: CloseReason::DpdDead,
            ..
        }
    )));
}

#[test]
fn terminate_sends_deletes_and_the_peer_removes_everything() {
    let mut p = establish_pair(pair(common()));
    p.a.terminate(p.now, TUNNEL);
    p.run_until_idle();
    assert!(p.ka.sas.is_empty());
    assert!(p.kb.sas.is_empty(), "{:?}", p.kb.log);
    assert!(p.eb.iter().any(|e| matches!(
        e,
        Event::ChildSaClosed {
            reason: CloseReason::DeletedByPeer,
            ..
        }
    )));
    assert!(p.eb.iter().any(|e| matches!(
        e,
        Event::IkeSaClosed {
            reason: CloseReason::DeletedByPeer,
            ..
        }
    )));
    assert!(p.b.summary().is_empty());
}

#[test]
fn a_tunnel_with_both_versions_answers_ikev1_but_does_not_initiate_it() {
    let mut cb = v1(B, A, common());
    cb.versions = IkeVersions { v1: true, v2: true };
    let mut ca = v1(A, B, common());
    ca.versions = IkeVersions { v1: true, v2: true };
    let mut p = Pair::<V1>::with(v1(A, B, common()), cb);
    p.initiate();
    assert!(established(&p));
    let mut q = Pair::<V1>::with(ca, v1(B, A, common()));
    assert!(
        !q.a.initiate(q.now, TUNNEL),
        "[ikev1, ikev2] initiates IKEv2"
    );
}

#[test]
fn a_pair_replaced_by_the_peers_rekey_is_deleted_after_a_grace_period_if_the_peer_keeps_it() {
    let mut p = establish_pair(pair(common()));
    // B (the quick mode responder) rekeys, as a strongSwan or libreswan peer would; its
    // Delete of the old pair is lost, as if the peer never sent one.
    let spi_b = p.kb.sas.keys().next().unwrap().1;
    p.hook = Box::new(move |from, t, _| {
        // Informational messages from B after the rekey carry the Delete: drop them.
        if from == Side::B && t.bytes.get(18) == Some(&5) {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    });
    p.b.expire(p.now, spi_b, false);
    p.run_until_idle();
    assert_eq!(
        p.ka.count(Direction::Inbound),
        2,
        "old and new pair during the grace"
    );
    p.run_for(Duration::from_secs(10));
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1, "{:?}", k.log);
        assert_eq!(k.count(Direction::Outbound), 1);
    }
    assert_keys_match(&p);
}

#[test]
fn rekey_on_demand_quick_mode_then_phase1() {
    let mut p = establish_pair(pair(common()));
    assert!(
        p.b.rekey(p.now, TUNNEL, false),
        "the quick mode responder may rekey too"
    );
    p.run_until_idle();
    p.run_for(Duration::from_secs(10));
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1);
        assert_eq!(k.count(Direction::Outbound), 1);
    }
    assert_eq!(installs(&p.kb), 4);
    assert!(p.a.rekey(p.now, TUNNEL, true));
    p.run_until_idle();
    assert!(p.ea.iter().any(|e| matches!(e, Event::IkeSaRekeyed { .. })));
    assert_eq!(p.a.summary().len(), 1, "{:?}", p.a.summary());
    assert_eq!(p.b.summary().len(), 1, "{:?}", p.b.summary());
    assert_keys_match(&p);
    assert!(!p.a.rekey(p.now, ike::config::TunnelRef(99), false));
}
