//! ESP counts as proof of life (RFC 7296 2.4): two simulated daemons whose inbound SAs keep
//! receiving packets exchange no IKE message at all; once the traffic stops, liveness checks
//! resume within the DPD delay.

use std::collections::BTreeSet;

use xfrm::MemoryKernel;

use super::failover_tests::{pair_up, run, west_yaml, BOTH};
use super::tests::SimDaemon;

/// One packet on every inbound SA of the daemon (SAs whose destination is ours).
fn traffic(d: &mut SimDaemon, ours: &[&str]) {
    let k: &mut MemoryKernel = d.kernel_mut();
    let ids: Vec<_> = k
        .state()
        .sas
        .iter()
        .filter(|s| ours.contains(&s.sa.dst.to_string().as_str()))
        .map(|s| s.sa.id())
        .collect();
    assert!(!ids.is_empty());
    for id in ids {
        assert!(k.advance_counters(&id, 100, 1));
    }
}

#[test]
fn inbound_esp_replaces_liveness_checks_and_they_resume_when_it_stops() {
    let (mut w, mut e, mut now, net) = pair_up(&west_yaml(), 3000);
    let both: BTreeSet<usize> = BOTH.into();
    assert_eq!(w.kernel().state().sas.len(), 4, "two tunnels up");
    let before = net.frames().len();
    for _ in 0..12 {
        now = run(&mut w, &mut e, now, 5000, &both);
        traffic(&mut w, &["192.0.2.1", "192.0.2.2"]);
        traffic(&mut e, &["198.51.100.1", "198.51.100.2"]);
    }
    assert_eq!(
        net.frames().len(),
        before,
        "60 s with ESP arriving: no IKE message"
    );
    run(&mut w, &mut e, now, 16_000, &both);
    assert!(
        net.frames().len() >= before + 4,
        "idle: liveness checks resume ({} new frames)",
        net.frames().len() - before
    );
}
