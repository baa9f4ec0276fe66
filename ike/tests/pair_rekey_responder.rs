//! Pair tests for the rekey responder's outbound switch: the responder of a Child SA rekey
//! installs the new inbound SA at once but sends on the new outbound SA only once the
//! initiator has deleted the old pair (or after `DEFER_OUTBOUND_MAX`), because the initiator
//! installs its inbound SA only when our response arrives (seen in the kernel lab: a 50 ms
//! ping lost packets at every strongSwan-initiated rekey before this).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::v2::{Direction, Event, KernelCommand};
use pair::*;
use std::time::Duration;

/// IKE header octet 18 is the exchange type (RFC 7296 3.1); 37 is INFORMATIONAL.
const INFORMATIONAL: u8 = 37;

fn rekeying_pair() -> Pair {
    let s = gcm128_sha256_x25519();
    let mut a = config(A, B, s);
    a.child_lifetime = Duration::from_secs(1200);
    a.rekey_margin = Duration::from_secs(120);
    a.rekey_fuzz_percent = 0;
    let mut b = config(B, A, s);
    b.child_lifetime = Duration::from_secs(36000);
    let mut p = Pair::new(a, b);
    p.initiate();
    assert!(p.established());
    p
}

fn rekeyed(e: &[Event]) -> bool {
    e.iter().any(|e| matches!(e, Event::ChildSaRekeyed { .. }))
}

#[test]
fn responder_keeps_the_old_outbound_until_the_initiator_deletes_it() {
    let mut p = rekeying_pair();
    let old_out = p.kb.log.iter().find_map(|c| match c {
        KernelCommand::InstallChildSa {
            direction: Direction::Outbound,
            spi,
            ..
        } => Some(*spi),
        _ => None,
    });
    // A's Delete of the old pair (and its retransmissions) never arrive.
    p.hook = Box::new(|side, t, _| {
        if side == Side::A && t.bytes.get(18) == Some(&INFORMATIONAL) {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    });
    let limit = p.now + Duration::from_secs(1200);
    while !rekeyed(&p.ea) {
        assert!(p.step(limit));
    }
    // B answered the rekey: new inbound installed, still sending on the old outbound only.
    assert_eq!(p.kb.count(Direction::Inbound), 2);
    assert_eq!(p.kb.count(Direction::Outbound), 1);
    assert!(p.kb.get(Direction::Outbound, old_out.unwrap()).is_some());
    // Without the Delete, B moves to the new outbound SA after its wait.
    p.run_for(Duration::from_secs(11));
    assert_eq!(p.kb.count(Direction::Outbound), 2, "{:?}", p.kb.sas.keys());
}

#[test]
fn responder_installs_the_new_outbound_just_before_removing_the_old_one() {
    let mut p = rekeying_pair();
    let before = p.kb.log.len();
    let limit = p.now + Duration::from_secs(1200);
    while !rekeyed(&p.ea) {
        assert!(p.step(limit));
    }
    p.run_until_idle();
    let kinds: Vec<(bool, Direction)> = p.kb.log[before..]
        .iter()
        .map(|c| match c {
            KernelCommand::InstallChildSa { direction, .. } => (true, *direction),
            KernelCommand::DeleteChildSa { direction, .. } => (false, *direction),
        })
        .collect();
    // Make-before-break on the responder: new in, new out, old out, old in.
    assert_eq!(
        kinds,
        vec![
            (true, Direction::Inbound),
            (true, Direction::Outbound),
            (false, Direction::Outbound),
            (false, Direction::Inbound)
        ]
    );
    assert_eq!(p.kb.count(Direction::Inbound), 1);
    assert_eq!(p.kb.count(Direction::Outbound), 1);
    assert_keys_match(&p);
}

/// A peer restarted and kept its kernel SAs (xfrmd stop --keep-sas): its new engine runs
/// IKE_SA_INIT + IKE_AUTH again while our old IKE SA and Child SA still exist. As responder
/// we hold the new outbound SA back for DEFER_FIRST_OUTBOUND so that we keep sending on the old
/// pair until the initiator has installed the new inbound SA from our response.
#[test]
fn ike_auth_responder_holds_the_new_outbound_sa_while_an_old_pair_exists() {
    let s = gcm128_sha256_x25519();
    let mut p = Pair::suite(s);
    p.initiate();
    assert!(p.established());
    p.a = ike::v2::Endpoint::new(
        provider(3),
        Box::new(ike::v2::SequentialSpis(0xa100_0000)),
        vec![config(A, B, s)],
    );
    p.initiate();
    let new_in_a = 0xa100_0000;
    assert!(p.ka.get(Direction::Inbound, new_in_a).is_some());
    assert_eq!(p.kb.count(Direction::Inbound), 2, "new inbound at once");
    assert_eq!(p.kb.count(Direction::Outbound), 1, "old outbound only");
    assert!(p.kb.get(Direction::Outbound, new_in_a).is_none());
    p.run_for(std::time::Duration::from_millis(1100));
    assert_eq!(p.kb.count(Direction::Outbound), 2);
    assert_eq!(
        p.kb.get(Direction::Outbound, new_in_a),
        p.ka.get(Direction::Inbound, new_in_a)
    );
}

/// Without an old pair nothing is held back: the first Child SA is installed whole.
#[test]
fn ike_auth_responder_installs_both_halves_of_a_first_child_sa() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    p.initiate();
    assert_eq!(p.kb.count(Direction::Outbound), 1);
    assert_eq!(p.kb.count(Direction::Inbound), 1);
}
