//! Pair tests for initiation policy: startup action start (initiate at once, retry forever
//! with backoff) versus add, kernel ACQUIRE, and re-initiation after the peer's Delete
//! (REQUIREMENTS §2 #26, §5 rules 3 and 4).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::config::StartupAction;
use ike::v2::{CloseReason, Event};
use pair::*;
use std::time::Duration;

#[test]
fn startup_start_initiates_at_once_and_add_waits() {
    let s = gcm128_sha256_x25519();
    let mut a = config(A, B, s);
    a.startup = StartupAction::Start;
    let mut p = Pair::new(a, config(B, A, s));
    p.run_for(Duration::from_secs(1));
    assert!(p.established());
    let mut q = Pair::suite(s);
    q.run_for(Duration::from_secs(100));
    assert_eq!(q.sent, 0);
    assert!(q.a.summary().is_empty());
}

#[test]
fn startup_start_retries_forever_with_backoff() {
    let s = gcm128_sha256_x25519();
    let mut a = config(A, B, s);
    a.startup = StartupAction::Start;
    let mut p = Pair::new(a, config(B, A, s));
    p.hook = Box::new(|_, _, _| Verdict::Drop);
    p.run_for(Duration::from_secs(3000));
    let timeouts =
        p.ea.iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::IkeSaClosed {
                        reason: CloseReason::Timeout,
                        ..
                    }
                )
            })
            .count();
    assert!(timeouts >= 10, "{timeouts}");
    // Bounded backoff: it is still trying late on.
    let sent_before = p.sent;
    p.run_for(Duration::from_secs(300));
    assert!(p.sent > sent_before);
    p.hook = Box::new(|_, _, _| Verdict::Deliver);
    p.run_for(Duration::from_secs(300));
    assert!(p.established());
}

#[test]
fn acquire_initiates_once() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    assert!(p.a.acquire(p.now, TUNNEL));
    assert!(
        !p.a.acquire(p.now, TUNNEL),
        "second ACQUIRE while connecting"
    );
    p.run_until_idle();
    assert!(p.established());
    assert!(!p.a.acquire(p.now, TUNNEL));
    assert_eq!(p.a.summary().len(), 1);
}

#[test]
fn reinitiates_after_peer_delete_when_configured() {
    let s = gcm256_sha384_ecp384();
    for reinit in [false, true] {
        let mut b = config(B, A, s);
        b.reinitiate_on_delete = reinit;
        let mut p = Pair::new(config(A, B, s), b);
        p.initiate();
        p.a.terminate(p.now, TUNNEL);
        p.run_for(Duration::from_secs(10));
        assert_eq!(p.established(), reinit, "reinit={reinit}");
        if reinit {
            assert!(p.b.summary().iter().any(|x| x.initiator && x.established));
            assert_keys_match(&p);
        } else {
            assert!(p.b.summary().is_empty());
        }
    }
}
