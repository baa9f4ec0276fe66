//! Pair tests for CREATE_CHILD_SA: Child SA rekey with and without PFS (make-before-break in
//! the kernel command order), IKE SA rekey moving the children, long runs of consecutive
//! rekeys with no moment where the tunnel has no installed SA, and simultaneous Child SA
//! rekeys (RFC 7296 2.8.1) under two delivery orders leaving exactly one pair.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::crypto::DhGroup;
use ike::v2::{Direction, Event};
use pair::*;
use std::time::Duration;

fn count(e: &[Event], f: fn(&Event) -> bool) -> usize {
    e.iter().filter(|e| f(e)).count()
}
fn child_rekeyed(e: &Event) -> bool {
    matches!(e, Event::ChildSaRekeyed { .. })
}
fn ike_rekeyed(e: &Event) -> bool {
    matches!(e, Event::IkeSaRekeyed { .. })
}

fn one_pair_each(p: &Pair) {
    assert!(p.established(), "a={:?}", p.a.summary());
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1, "{:?}", k.sas.keys());
        assert_eq!(k.count(Direction::Outbound), 1, "{:?}", k.sas.keys());
    }
    assert_keys_match(p);
}

fn never_without_sa(p: &Pair) {
    for k in [&p.ka, &p.kb] {
        assert!(
            k.min_in.unwrap() >= 1 && k.min_out.unwrap() >= 1,
            "gap: {:?} {:?}",
            k.min_in,
            k.min_out
        );
    }
}

fn pair(pfs: Option<DhGroup>, a_child: u64, b_child: u64, fuzz: u8) -> Pair {
    let mut s = gcm128_sha256_x25519();
    s.esp.pfs = pfs;
    let mut a = config(A, B, s);
    a.child_lifetime = Duration::from_secs(a_child);
    a.rekey_margin = Duration::from_secs(a_child / 10);
    a.rekey_fuzz_percent = fuzz;
    let mut b = config(B, A, s);
    b.child_lifetime = Duration::from_secs(b_child);
    b.rekey_margin = Duration::from_secs(b_child / 10);
    b.rekey_fuzz_percent = fuzz;
    let mut p = Pair::new(a, b);
    p.initiate();
    one_pair_each(&p);
    p
}

#[test]
fn child_rekey_without_pfs_within_margin_and_fuzz() {
    let mut p = pair(None, 1200, 36000, 100);
    let start = p.now;
    let mut when = None;
    while when.is_none() {
        assert!(p.step(start + Duration::from_secs(2000)));
        if count(&p.ea, child_rekeyed) > 0 {
            when = Some(p.now.saturating_since(start));
        }
    }
    // lifetime 1200 - margin 120 - up to 100 % of the margin.
    let t = when.unwrap();
    assert!(
        t >= Duration::from_secs(960) && t <= Duration::from_secs(1080),
        "{t:?}"
    );
    p.run_until_idle();
    one_pair_each(&p);
    never_without_sa(&p);
    assert_eq!(count(&p.eb, child_rekeyed), 1);
}

#[test]
fn child_rekey_with_pfs() {
    let mut p = pair(Some(DhGroup::Curve25519), 600, 36000, 50);
    p.run_for(Duration::from_secs(2000));
    assert!(count(&p.ea, child_rekeyed) >= 3);
    assert!(p.ea.iter().any(|e| matches!(e, Event::ChildSaEstablished { suite, .. } if suite.pfs == Some(DhGroup::Curve25519))));
    one_pair_each(&p);
    never_without_sa(&p);
}

#[test]
fn thousand_consecutive_child_rekeys_never_leave_the_tunnel_without_sa() {
    let mut p = pair(Some(DhGroup::Curve25519), 100, 1_000_000, 50);
    let mut guard = 0;
    while count(&p.ea, child_rekeyed) < 1000 {
        p.run_for(Duration::from_secs(1000));
        guard += 1;
        assert!(guard < 200);
    }
    p.run_for(Duration::from_secs(20));
    one_pair_each(&p);
    never_without_sa(&p);
    assert!(count(&p.eb, child_rekeyed) >= 1000);
}

#[test]
fn fifty_ike_rekeys_move_children_and_keep_keys_consistent() {
    let s = gcm256_sha384_ecp384();
    let mut a = config(A, B, s);
    a.ike_lifetime = Duration::from_secs(200);
    a.rekey_margin = Duration::from_secs(20);
    a.child_lifetime = Duration::from_secs(450);
    let mut b = config(B, A, s);
    b.ike_lifetime = Duration::from_secs(1_000_000);
    b.child_lifetime = Duration::from_secs(1_000_000);
    let mut p = Pair::new(a, b);
    p.initiate();
    let mut guard = 0;
    while count(&p.ea, ike_rekeyed) < 50 {
        p.run_for(Duration::from_secs(500));
        guard += 1;
        assert!(guard < 100);
    }
    p.run_for(Duration::from_secs(5));
    assert_eq!(p.a.summary().len(), 1, "{:?}", p.a.summary());
    assert_eq!(p.b.summary().len(), 1, "{:?}", p.b.summary());
    assert!(
        count(&p.ea, child_rekeyed) >= 10,
        "children rekeyed under rekeyed IKE SAs"
    );
    one_pair_each(&p);
    never_without_sa(&p);
    assert!(!p
        .ea
        .iter()
        .any(|e| matches!(e, Event::ChildSaClosed { .. })));
}

fn collision(delay_first_a_request: bool) {
    let mut p = pair(None, 1000, 1000, 0);
    if delay_first_a_request {
        // Reorder: A's CREATE_CHILD_SA request overtaken by B's exchange.
        let sent = p.sent;
        p.hook = Box::new(move |side, _, n| {
            if side == Side::A && n == sent + 1 {
                Verdict::Delay
            } else {
                Verdict::Deliver
            }
        });
    }
    p.run_for(Duration::from_secs(950));
    assert!(
        count(&p.ea, child_rekeyed) >= 1 && count(&p.eb, child_rekeyed) >= 1,
        "{:?}",
        p.ea
    );
    // Both rekeys ran to completion (a real collision): the first pair plus two new ones.
    let created = |e: &Event| matches!(e, Event::ChildSaEstablished { .. });
    assert_eq!(count(&p.ea, created), 3, "{:?}", p.ea);
    assert_eq!(count(&p.eb, created), 3);
    one_pair_each(&p);
    never_without_sa(&p);
}

#[test]
fn simultaneous_child_rekey_leaves_one_pair() {
    collision(false);
}

#[test]
fn simultaneous_child_rekey_reordered_leaves_one_pair() {
    collision(true);
}

fn ike_collision(delay: bool) {
    let s = gcm256_sha384_ecp384();
    let mut a = config(A, B, s);
    a.ike_lifetime = Duration::from_secs(1000);
    a.rekey_margin = Duration::from_secs(100);
    a.rekey_fuzz_percent = 0;
    let mut b = a.clone();
    b.local = a.remote;
    b.remote = a.local;
    let mut p = Pair::new(a, b);
    p.initiate();
    if delay {
        let sent = p.sent;
        p.hook = Box::new(move |side, _, n| {
            if side == Side::B && n == sent + 1 {
                Verdict::Delay
            } else {
                Verdict::Deliver
            }
        });
    }
    p.run_for(Duration::from_secs(950));
    // A real collision: both sides sent a CREATE_CHILD_SA request for the IKE SA, so each
    // side saw two new IKE SAs (one later deleted as redundant).
    assert!(p.sent >= 4 + 8, "{}", p.sent);
    assert_eq!(p.a.summary().len(), 1, "{:?}", p.a.summary());
    assert_eq!(p.b.summary().len(), 1, "{:?}", p.b.summary());
    assert_eq!(p.a.summary()[0].spi_i, p.b.summary()[0].spi_i);
    assert!(count(&p.ea, ike_rekeyed) >= 1 && count(&p.eb, ike_rekeyed) >= 1);
    assert!(!p
        .ea
        .iter()
        .any(|e| matches!(e, Event::ChildSaClosed { .. })));
    one_pair_each(&p);
    // The surviving SA still works: rekey the Child SA through it.
    let spi = p.ka.sas.keys().next().unwrap().1;
    p.a.expire(p.now, spi, false);
    p.run_until_idle();
    assert!(count(&p.ea, child_rekeyed) >= 1);
    one_pair_each(&p);
}

#[test]
fn simultaneous_ike_rekey_leaves_one_ike_sa() {
    ike_collision(false);
}

#[test]
fn simultaneous_ike_rekey_reordered_leaves_one_ike_sa() {
    ike_collision(true);
}

#[test]
fn child_rekey_retries_with_responders_pfs_group() {
    let mut s = gcm128_sha256_x25519();
    s.esp.pfs = Some(DhGroup::Curve25519);
    let mut a = config(A, B, s);
    let mut other = s.esp;
    other.pfs = Some(DhGroup::Ecp256);
    a.esp_proposals = vec![s.esp, other];
    a.child_lifetime = Duration::from_secs(600);
    let mut b = config(B, A, s);
    b.esp_proposals = vec![other];
    b.child_lifetime = Duration::from_secs(100_000);
    let mut p = Pair::new(a, b);
    p.initiate();
    p.run_for(Duration::from_secs(600));
    assert!(count(&p.ea, child_rekeyed) >= 1, "{:?}", p.ea);
    assert!(p.ea.iter().any(|e| matches!(e, Event::ChildSaEstablished { suite, .. } if suite.pfs == Some(DhGroup::Ecp256))));
    one_pair_each(&p);
}

/// RFC 7296 1.3 / 2.18: an IKE rekey answered with INVALID_KE_PAYLOAD is retried at once with
/// the group the responder asked for, when we offer it; the rekey then completes. The start of
/// each rekey is reported once (the retry is the same rekey).
#[test]
fn ike_rekey_retries_with_the_group_of_invalid_ke_payload() {
    let s = gcm128_sha256_x25519();
    let mut second = s.ike;
    second.dh = DhGroup::Ecp256;
    let mut a = config(A, B, s);
    a.ike_proposals = vec![s.ike, second];
    a.ike_lifetime = Duration::from_secs(300);
    a.rekey_margin = Duration::from_secs(30);
    let mut b = config(B, A, s);
    b.ike_proposals = vec![second];
    b.ike_lifetime = Duration::from_secs(1_000_000);
    let mut p = Pair::new(a, b);
    p.initiate();
    assert!(p.established(), "{:?} {:?}", p.ea, p.eb);
    p.run_for(Duration::from_secs(300));
    assert_eq!(count(&p.ea, ike_rekeyed), 1, "{:?}", p.ea);
    let starts = count(&p.ea, |e| matches!(e, Event::IkeSaRekeying { .. }));
    assert_eq!(starts, 1);
    assert!(
        !p.ea
            .iter()
            .any(|e| matches!(e, Event::NegotiationFailed { .. })),
        "{:?}",
        p.ea
    );
    assert_eq!(p.a.summary().len(), 1);
    one_pair_each(&p);
}

/// A Child SA rekey we start is reported before it completes (the daemon shows the tunnel as
/// Rekeying in between).
#[test]
fn child_rekey_start_is_reported_before_the_rekey() {
    let mut p = pair(None, 600, 36000, 0);
    p.run_for(Duration::from_secs(600));
    let first_start =
        p.ea.iter()
            .position(|e| matches!(e, Event::ChildSaRekeying { .. }))
            .expect("rekey start reported");
    let first_done = p.ea.iter().position(child_rekeyed).unwrap();
    assert!(first_start < first_done);
    assert_eq!(
        count(&p.ea, |e| matches!(e, Event::ChildSaRekeying { .. })),
        count(&p.ea, child_rekeyed)
    );
}

/// Operator rekeys (`xfrmd rekey`): the Child SAs, then the IKE SA, on demand, from either
/// side; one pair and one IKE SA remain, never a moment without SAs. Without an IKE SA the
/// request is refused.
#[test]
fn rekey_on_demand_child_then_ike_from_either_side() {
    let mut p = pair(None, 3600, 3600, 0);
    assert!(p.a.rekey(p.now, TUNNEL, false));
    p.run_until_idle();
    assert_eq!(count(&p.ea, child_rekeyed), 1);
    one_pair_each(&p);
    assert!(p.b.rekey(p.now, TUNNEL, true));
    p.run_until_idle();
    assert_eq!(count(&p.eb, ike_rekeyed), 1);
    assert_eq!(p.a.summary().len(), 1, "old IKE SA deleted");
    one_pair_each(&p);
    never_without_sa(&p);
    assert!(!p.a.rekey(p.now, ike::config::TunnelRef(99), true));
}
