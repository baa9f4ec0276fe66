//! In-process IKEv2 handshakes per second on one core: IKE_SA_INIT + IKE_AUTH (PSK) + one
//! Child SA, ECP-256, AES-GCM-16, PRF-HMAC-SHA256, two engines in one thread with ring's
//! system RNG. Prints the figure; run with `cargo bench -p ike --bench handshake`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::config::{ConnectionConfig, EspProposal, IkeProposal, TunnelRef};
use ike::crypto::{CryptoProvider, DhGroup, EncrAlg, PrfAlg, Secret};
use ike::v2::{Endpoint, Event, Instant, SequentialSpis};
use std::time::{Duration, Instant as Wall};

fn cfg(local: &str, remote: &str) -> ConnectionConfig {
    let mut c = ConnectionConfig::new(
        TunnelRef(1),
        local.parse().unwrap(),
        remote.parse().unwrap(),
        Secret::from_slice(b"benchmark_pre_shared_key_0123456"),
    );
    let encr = EncrAlg::AesGcm16 { key_bits: 128 };
    c.ike_proposals = vec![IkeProposal {
        encr,
        prf: PrfAlg::HmacSha256,
        integ: None,
        dh: DhGroup::Ecp256,
    }];
    c.esp_proposals = vec![EspProposal {
        encr,
        integ: None,
        pfs: None,
        esn: false,
    }];
    c
}

fn pair() -> (Endpoint, Endpoint) {
    let (a, b) = ("192.0.2.1:500", "198.51.100.1:500");
    (
        Endpoint::new(
            CryptoProvider::ring_default(),
            Box::new(SequentialSpis(0x1000)),
            vec![cfg(a, b)],
        ),
        Endpoint::new(
            CryptoProvider::ring_default(),
            Box::new(SequentialSpis(0x1000)),
            vec![cfg(b, a)],
        ),
    )
}

/// One full handshake; returns true when both sides reported the Child SA.
fn handshake(a: &mut Endpoint, b: &mut Endpoint, now: Instant) -> bool {
    assert!(a.initiate(now, TunnelRef(1)));
    loop {
        let mut moved = false;
        while let Some(t) = a.poll_transmit() {
            b.handle_datagram(now, t.remote, t.local, &t.bytes);
            moved = true;
        }
        while let Some(t) = b.poll_transmit() {
            a.handle_datagram(now, t.remote, t.local, &t.bytes);
            moved = true;
        }
        if !moved {
            break;
        }
    }
    while a.poll_command().is_some() {}
    while b.poll_command().is_some() {}
    let up = |e: &mut Endpoint| {
        let mut ok = false;
        while let Some(ev) = e.poll_event() {
            ok |= matches!(ev, Event::ChildSaEstablished { .. });
        }
        ok
    };
    up(a) & up(b)
}

/// CPU time this thread has spent on a CPU (Linux schedstat, nanoseconds), so the figure is
/// per core-second even on a loaded machine.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() {
    let now = Instant::from_secs(1);
    let (mut a, mut b) = pair();
    for _ in 0..50 {
        assert!(handshake(&mut a, &mut b, now));
    }
    let cpu0 = cpu_ns();
    let start = Wall::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(3) {
        if n.is_multiple_of(500) {
            (a, b) = pair();
        }
        assert!(handshake(&mut a, &mut b, now));
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    if let (Some(c0), Some(c1)) = (cpu0, cpu_ns()) {
        let cpu = (c1 - c0) as f64 / 1e9;
        println!(
            "cpu time {cpu:.2} s: {:.0} handshakes per CPU-second (one core)",
            n as f64 / cpu
        );
    }
    println!(
        "ikev2 handshake (IKE_SA_INIT + IKE_AUTH PSK + 1 Child SA, ECP-256, AES-GCM-16): {n} in {secs:.2} s = {:.0} handshakes/s on one core",
        n as f64 / secs
    );
}
