//! Pair test for NAT traversal (RFC 7296 2.23, RFC 3948): the initiator behind a NAT detects
//! it, floats to port 4500, the responder follows the authenticated message's mapped
//! address and port, and both install UDP-encapsulated Child SAs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::v2::{Direction, Event, KernelCommand};
use pair::*;
use std::time::Duration;

#[test]
fn initiator_behind_nat_floats_to_4500_with_udp_encapsulation() {
    let s = gcm128_sha256_x25519();
    let inside = "10.0.0.1:500";
    let outside = "203.0.113.9:500";
    let mut a = config(inside, B, s);
    a.dpd_delay = Duration::from_secs(10);
    let mut p = Pair::new(a, config(B, outside, s));
    p.nat = Some(("10.0.0.1".parse().unwrap(), "203.0.113.9".parse().unwrap()));
    p.initiate();
    assert!(p.established(), "{:?} {:?}", p.ea, p.eb);
    for e in [&p.ea, &p.eb] {
        assert!(e.iter().any(|e| matches!(
            e,
            Event::IkeSaEstablished {
                nat_detected: true,
                ..
            }
        )));
    }
    let encap = |k: &Kernel, d: Direction| {
        k.log.iter().find_map(|c| match c {
            KernelCommand::InstallChildSa {
                direction, encap, ..
            } if *direction == d => Some(*encap),
            _ => None,
        })
    };
    assert_eq!(encap(&p.ka, Direction::Outbound), Some(Some((4500, 4500))));
    assert_eq!(encap(&p.kb, Direction::Outbound), Some(Some((4500, 44500))));
    assert_eq!(encap(&p.kb, Direction::Inbound), Some(Some((44500, 4500))));
    assert_keys_match(&p);
    // Liveness checks and deletes keep working through the mapping.
    p.run_for(Duration::from_secs(60));
    assert!(p.established());
    p.b.terminate(p.now, TUNNEL);
    p.run_until_idle();
    assert!(p.ka.sas.is_empty() && p.kb.sas.is_empty());
}

#[test]
fn host_behind_nat_sends_keepalives() {
    let s = gcm128_sha256_x25519();
    let mut p = Pair::new(
        config("10.0.0.1:500", B, s),
        config(B, "203.0.113.9:500", s),
    );
    p.nat = Some(("10.0.0.1".parse().unwrap(), "203.0.113.9".parse().unwrap()));
    let seen = std::rc::Rc::new(std::cell::RefCell::new((0, 0)));
    let s2 = seen.clone();
    p.hook = Box::new(move |side, t, _| {
        if t.bytes == [0xff] {
            let mut s = s2.borrow_mut();
            match side {
                Side::A => s.0 += 1,
                Side::B => s.1 += 1,
            }
        }
        Verdict::Deliver
    });
    p.initiate();
    p.run_for(Duration::from_secs(101));
    // Every 20 s from the host behind the NAT only.
    assert_eq!(*seen.borrow(), (5, 0));
    assert!(p.established());
}
