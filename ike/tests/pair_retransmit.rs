//! Pair tests for retransmission (RFC 7296 2.1, 2.2): loss, duplication and reordering still
//! establish exactly one SA pair; a silent peer makes the initiator give up after the
//! bounded retransmission total; out-of-window requests are ignored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use ike::v2::{retransmit_total, CloseReason, Direction, Event};
use pair::*;
use std::time::Duration;

fn one_pair_each(p: &Pair) {
    assert!(p.established(), "a={:?} b={:?}", p.ea, p.eb);
    for k in [&p.ka, &p.kb] {
        assert_eq!(k.count(Direction::Inbound), 1);
        assert_eq!(k.count(Direction::Outbound), 1);
    }
    assert_keys_match(p);
}

#[test]
fn lost_init_request_and_auth_response_are_retransmitted() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    // Datagram 1 = IKE_SA_INIT request, 4 = IKE_AUTH response.
    p.hook = Box::new(|_, _, n| {
        if n == 1 || n == 4 {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    });
    p.initiate();
    assert!(!p.established());
    p.run_for(Duration::from_secs(30));
    one_pair_each(&p);
    // The responder answered the retransmitted IKE_AUTH from its cache: one Child SA only.
    assert_eq!(p.kb.log.len(), 2);
}

#[test]
fn duplicated_datagrams_establish_one_pair() {
    let mut p = Pair::suite(cbc128_sha256_modp2048());
    p.hook = Box::new(|_, _, _| Verdict::Duplicate);
    p.initiate();
    p.run_for(Duration::from_secs(30));
    one_pair_each(&p);
    assert_eq!(p.ka.log.len(), 2);
    assert_eq!(p.kb.log.len(), 2);
}

#[test]
fn reordered_and_lossy_network_still_converges() {
    let mut p = Pair::suite(gcm256_sha384_ecp384());
    p.hook = Box::new(|_, _, n| match n % 5 {
        0 => Verdict::Delay,
        3 => Verdict::Duplicate,
        _ if n % 7 == 0 => Verdict::Drop,
        _ => Verdict::Deliver,
    });
    p.initiate();
    p.run_for(Duration::from_secs(120));
    one_pair_each(&p);
}

#[test]
fn silent_peer_times_out_after_bounded_total() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    p.hook = Box::new(|_, _, _| Verdict::Drop);
    let start = p.now;
    p.initiate();
    p.run_for(Duration::from_secs(1000));
    let cfg = config(A, B, gcm128_sha256_x25519());
    let total = retransmit_total(&cfg.retransmit);
    assert!(
        p.ea.iter().any(|e| matches!(
            e,
            Event::IkeSaClosed {
                reason: CloseReason::Timeout,
                ..
            }
        )),
        "{:?}",
        p.ea
    );
    assert!(p.a.summary().is_empty());
    // The first send plus `tries` retransmissions.
    assert_eq!(p.sent, u64::from(cfg.retransmit.tries) + 1);
    assert!(p.a.poll_timeout().is_none());
    // No timer of the first attempt reaches beyond the bounded total.
    assert!(total < Duration::from_secs(200) && p.now.saturating_since(start) >= total);
}

#[test]
fn old_requests_are_ignored_and_last_one_replayed_from_cache() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    let captured = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let c2 = captured.clone();
    p.hook = Box::new(move |side, t, _| {
        if side == Side::A {
            c2.borrow_mut().push(t.bytes.clone());
        }
        Verdict::Deliver
    });
    p.initiate();
    assert!(p.established());
    let auth_req = captured.borrow()[1].clone();
    let (a, b) = (A.parse().unwrap(), B.parse().unwrap());
    // The IKE_AUTH request is the last one B answered: it is answered again, identically.
    p.b.handle_datagram(p.now, b, a, &auth_req);
    let again = p.b.poll_transmit().expect("cached response");
    assert_eq!(p.kb.log.len(), 2);
    assert!(p.b.poll_command().is_none());
    // A request with a Message ID far ahead is out of the window and dropped.
    let mut future = auth_req.clone();
    future[20..24].copy_from_slice(&9u32.to_be_bytes());
    p.b.handle_datagram(p.now, b, a, &future);
    assert!(p.b.poll_transmit().is_none());
    // A stray response for nothing outstanding is dropped too.
    p.a.handle_datagram(p.now, a, b, &again.bytes);
    assert!(p.a.poll_transmit().is_none() && p.a.poll_event().is_none());
}

#[test]
fn half_open_responder_sa_is_removed_after_timeout() {
    let mut p = Pair::suite(gcm128_sha256_x25519());
    // Only the IKE_SA_INIT request gets through; the initiator then vanishes.
    p.hook = Box::new(|side, _, n| {
        if side == Side::A && n == 1 {
            Verdict::Deliver
        } else {
            Verdict::Drop
        }
    });
    p.initiate();
    assert_eq!(p.b.summary().len(), 1);
    p.run_for(Duration::from_secs(400));
    assert!(p.b.summary().is_empty());
    assert!(p.eb.iter().any(|e| matches!(
        e,
        Event::IkeSaClosed {
            reason: CloseReason::Timeout,
            ..
        }
    )));
}
