//! Restart simulation (issue 8): a daemon stopped with its kernel state kept; a new daemon
//! on the same kernel adopts the SAs (routes stay where they were, no blackhole), negotiates
//! fresh SAs and then removes the adopted ones, leaving no duplicate or orphan.

use std::collections::BTreeSet;

use xfrm::{KernelBackend, MemoryKernel};

use super::failover_tests::{pair_up, run, west_route, west_yaml, BOTH};
use super::tests::daemon_on;

#[test]
fn a_restarted_daemon_adopts_the_sas_then_replaces_them() {
    let (mut w, mut e, now, net) = pair_up(&west_yaml(), 3000);
    let both: BTreeSet<usize> = BOTH.into();
    assert_eq!(west_route(&mut w), "xfrm-east-t1");
    let old: BTreeSet<u32> = w.kernel().state().sas.iter().map(|s| s.sa.spi).collect();
    assert_eq!(old.len(), 4);

    // Stop with the kernel state kept: the next process starts on the same kernel.
    let kernel = std::mem::replace(w.kernel_mut(), MemoryKernel::new());
    drop(w);
    let mut w = daemon_on(&west_yaml(), &net, 3, 0xc100_0100, kernel);
    let ops = w.start(now).unwrap();
    assert!(
        ops.iter().all(|o| !matches!(o, xfrm::KernelOp::DelSa(_))),
        "adopted SAs are not deleted at start: {ops:?}"
    );
    // The route never went to a blackhole.
    assert_eq!(west_route(&mut w), "xfrm-east-t1");
    let now = run(&mut w, &mut e, now, 5000, &both);
    assert_eq!(west_route(&mut w), "xfrm-east-t1");
    let new: BTreeSet<u32> = w.kernel().state().sas.iter().map(|s| s.sa.spi).collect();
    assert_eq!(new.len(), 4, "one fresh pair per tunnel: {new:x?}");
    assert!(new.is_disjoint(&old), "adopted SAs removed after the grace");
    let snap = w.kernel_mut().snapshot().unwrap();
    assert_eq!(snap.links.len(), 2);
    assert_eq!(snap.routes.len(), 1);
    let _ = now;
}
