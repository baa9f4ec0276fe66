//! Pair tests for INFORMATIONAL exchanges: Delete of Child and IKE SAs in both directions with
//! kernel deletes, and dead peer detection on virtual time with each DPD action.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::config::DpdAction;
use ike::v2::{CloseReason, Direction, Event, KernelCommand};
use pair::*;
use std::time::Duration;

fn closed(e: &[Event], r: CloseReason) -> bool {
    e.iter()
        .any(|e| matches!(e, Event::IkeSaClosed { reason, .. } if *reason == r))
}

#[test]
fn initiator_deletes_ike_sa() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    p.initiate();
    p.a.terminate(p.now, TUNNEL);
    p.run_until_idle();
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(closed(&p.ea, CloseReason::Terminated) && closed(&p.eb, CloseReason::DeletedByPeer));
    assert!(p.a.summary().is_empty() && p.b.summary().is_empty());
}

#[test]
fn responder_deletes_ike_sa() {
    let mut p = Pair::suite(gcm256_sha384_ecp384());
    p.initiate();
    p.b.terminate(p.now, TUNNEL);
    p.run_until_idle();
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
    assert!(closed(&p.eb, CloseReason::Terminated) && closed(&p.ea, CloseReason::DeletedByPeer));
}

#[test]
fn hard_expire_deletes_child_sa_on_both_sides() {
    for from_a in [true, false] {
        let mut p = Pair::suite(gcm128_sha256_x25519());
        p.initiate();
        let spi = *p.ka.sas.keys().next().unwrap();
        if from_a {
            p.a.expire(p.now, spi.1, true);
        } else {
            let spi = *p.kb.sas.keys().next().unwrap();
            p.b.expire(p.now, spi.1, true);
        }
        p.run_until_idle();
        assert!(
            p.ka.sas.is_empty() && p.kb.sas.is_empty(),
            "{:?} {:?}",
            p.ka.sas.keys(),
            p.kb.sas.keys()
        );
        // The IKE SA stays up.
        assert!(p.established());
        for e in [&p.ea, &p.eb] {
            assert!(e.iter().any(|e| matches!(e, Event::ChildSaClosed { .. })));
        }
        // Outbound goes first.
        let dels: Vec<_> =
            p.ka.log
                .iter()
                .filter(|c| matches!(c, KernelCommand::DeleteChildSa { .. }))
                .collect();
        assert!(matches!(
            dels[0],
            KernelCommand::DeleteChildSa {
                direction: Direction::Outbound,
                ..
            }
        ));
    }
}

fn dpd_pair(action: DpdAction) -> Pair {
    let s = gcm128_sha256_x25519();
    let mut a = config(A, B, s);
    a.dpd_delay = Duration::from_secs(10);
    a.dpd_timeout = Duration::from_secs(40);
    a.dpd_action = action;
    let mut p = Pair::new(a, config(B, A, s));
    p.initiate();
    assert!(p.established());
    p
}

#[test]
fn dpd_probes_keep_an_idle_sa_alive() {
    let mut p = dpd_pair(DpdAction::Clear);
    let before = p.sent;
    p.run_for(Duration::from_secs(100));
    // One probe and its answer about every 10 s.
    assert!(p.sent - before >= 18, "{}", p.sent - before);
    assert!(p.established());
    assert!(!p.ea.iter().any(|e| matches!(e, Event::DpdDead { .. })));
}

/// RFC 7296 2.4: inbound ESP proves the peer alive; while the daemon reports it, no liveness
/// check is sent. When it stops, checks resume within dpd_delay.
#[test]
fn inbound_esp_postpones_liveness_checks() {
    let mut p = dpd_pair(DpdAction::Clear);
    let spi_in = p.a.summary()[0].children[0].0;
    let before = p.sent;
    let start = p.now;
    for i in 1..=20u64 {
        let t = start + Duration::from_secs(5 * i);
        while p.step(t) {}
        p.a.inbound_esp(p.now, spi_in);
    }
    assert_eq!(p.sent, before, "no IKE message while ESP arrives");
    // An unknown SPI proves nothing.
    p.a.inbound_esp(p.now, spi_in ^ 1);
    p.run_for(Duration::from_secs(11));
    assert!(p.sent - before >= 2, "checks resume: {}", p.sent - before);
    assert!(p.established());
}

/// Cuts the network at `now` and returns the time the DpdDead event was seen, stepping the
/// clock one timer at a time.
fn cut_and_wait_dead(p: &mut Pair) -> Duration {
    p.hook = Box::new(|_, _, _| Verdict::Drop);
    let cut = p.now;
    let mut guard = 0;
    while !p.ea.iter().any(|e| matches!(e, Event::DpdDead { .. })) {
        assert!(p.step(cut + Duration::from_secs(1000)));
        guard += 1;
        assert!(guard < 1000);
    }
    p.now.saturating_since(cut)
}

#[test]
fn dpd_clear_declares_dead_after_timeout_and_removes_sas() {
    let mut p = dpd_pair(DpdAction::Clear);
    let t = cut_and_wait_dead(&mut p);
    // Idle dpd_delay (10 s), then dead dpd_timeout (40 s) after the first probe, within one
    // retransmission interval.
    let want = Duration::from_secs(50);
    assert!(t >= want && t <= want + Duration::from_secs(4), "{t:?}");
    assert!(closed(&p.ea, CloseReason::DpdDead));
    assert!(p.ka.sas.is_empty());
    assert!(p.a.summary().is_empty());
    p.run_for(Duration::from_secs(300));
    assert!(p.a.summary().is_empty(), "clear must not restart");
}

#[test]
fn dpd_none_reports_and_keeps_sas() {
    let mut p = dpd_pair(DpdAction::None);
    let t = cut_and_wait_dead(&mut p);
    assert!(
        t >= Duration::from_secs(50) && t <= Duration::from_secs(54),
        "{t:?}"
    );
    assert!(!closed(&p.ea, CloseReason::DpdDead));
    assert_eq!(p.ka.sas.len(), 2);
    // The peer comes back: the retransmitted probe is answered and the SA lives on.
    p.hook = Box::new(|_, _, _| Verdict::Deliver);
    p.run_for(Duration::from_secs(200));
    assert!(p.established());
    assert_eq!(p.ka.sas.len(), 2);
}

#[test]
fn dpd_restart_reinitiates() {
    let mut p = dpd_pair(DpdAction::Restart);
    let old = p.a.summary()[0].spi_i;
    cut_and_wait_dead(&mut p);
    assert!(closed(&p.ea, CloseReason::DpdDead));
    p.hook = Box::new(|_, _, _| Verdict::Deliver);
    p.run_for(Duration::from_secs(120));
    let s = p.a.summary();
    assert!(s.iter().any(|s| s.established && s.spi_i != old), "{s:?}");
    assert_eq!(p.ka.count(Direction::Inbound), 1);
}

/// RFC 7296 2.25.1: a Child SA rekey crossing the peer's Delete of that Child SA, in both
/// delivery orders. Whatever survives, both kernels agree: every outbound SA has its inbound
/// twin on the other side, no SA is left without its partner, at most one pair remains, and
/// the IKE SA stays up.
#[test]
fn child_rekey_crossing_a_delete_leaves_consistent_kernels() {
    for delay_delete in [false, true] {
        let mut p = Pair::suite(gcm128_sha256_x25519());
        p.initiate();
        let a_in = p.ka.sas.keys().find(|k| k.0 == 0).unwrap().1;
        let b_in = p.kb.sas.keys().find(|k| k.0 == 0).unwrap().1;
        if delay_delete {
            // A's rekey request leaves first, B's Delete is delivered after it.
            p.hook = Box::new(|side, _, _| {
                if side == Side::B {
                    Verdict::Delay
                } else {
                    Verdict::Deliver
                }
            });
        }
        p.a.expire(p.now, a_in, false);
        p.b.expire(p.now, b_in, true);
        p.run_until_idle();
        p.hook = Box::new(|_, _, _| Verdict::Deliver);
        p.run_for(Duration::from_secs(60));
        assert!(p.established(), "IKE SA stays ({delay_delete})");
        assert!(
            p.ea.iter()
                .any(|e| matches!(e, Event::ChildSaRekeying { .. })),
            "A started its rekey"
        );
        // The crossed Child SA is gone on both sides (deleted, or replaced by the rekey).
        assert!(p.kb.get(Direction::Inbound, b_in).is_none(), "{:?}", p.eb);
        assert!(p.ka.get(Direction::Inbound, a_in).is_none(), "{:?}", p.ea);
        assert_keys_match(&p);
        for k in [&p.ka, &p.kb] {
            assert_eq!(
                k.count(Direction::Inbound),
                k.count(Direction::Outbound),
                "half pairs left ({delay_delete}): {:?}",
                k.sas.keys()
            );
            assert!(k.count(Direction::Inbound) <= 1, "{:?}", k.sas.keys());
        }
        assert_eq!(p.ka.sas.len(), p.kb.sas.len());
    }
}
