//! Whole-core failover simulation (issue 7): two daemons, two tunnels of priorities 100
//! (preempt, 2 s hold-down) and 200 on `MemoryKernel`s; liveness probes answered or dropped
//! per tunnel by the test; the kernel's routes are checked after each step.

use std::collections::BTreeSet;
use std::time::Duration;

use ike::v2::Instant;
use xfrm::{KernelBackend, NextHops};

use super::tests::{daemon, SimDaemon};
use crate::control::{ProbeState, Request, Response};
use crate::transport::SimNetwork;

fn tunnel(name: &str, l: &str, r: &str, inside: &str, prio: &str, extra: &str) -> String {
    format!(
        r#"
      - name: {name}
        local: {l}
        remote: {r}
        inside: {inside}
        auth: {{ psk: Sim.Key.4711 }}
        ike_versions: [ikev2]
        phase1_encryption: [aes256]
        phase1_integrity: [sha2-256]
        phase1_dh_groups: [19]
        phase2_encryption: [aes128-gcm-16]
        phase2_dh_groups: [19]
        priority: {prio}{extra}"#
    )
}

pub(super) fn west_yaml() -> String {
    let extra = "\n        startup: start\n        preempt: true\n        hold_down: 2";
    format!(
        "site: {{ name: west, networks: [10.1.0.0/16] }}\nconnections:\n  east:\n    remote_networks: [10.2.0.0/16]\n    tunnels:{}{}\n",
        tunnel("t1", "192.0.2.1", "198.51.100.1", "169.254.10.0/30", "100", extra),
        tunnel("t2", "192.0.2.2", "198.51.100.2", "169.254.11.0/30", "200", "\n        startup: start"),
    )
}

pub(super) fn east_yaml() -> String {
    format!(
        "site: {{ name: east, networks: [10.2.0.0/16] }}\nconnections:\n  west:\n    remote_networks: [10.1.0.0/16]\n    tunnels:{}{}\n",
        tunnel("t1", "198.51.100.1", "192.0.2.1", "169.254.10.0/30", "100", ""),
        tunnel("t2", "198.51.100.2", "192.0.2.2", "169.254.11.0/30", "200", ""),
    )
}

/// Where west routes 10.2.0.0/16: the interfaces, or "blackhole".
pub(super) fn west_route(d: &mut SimDaemon) -> String {
    let snap = d.kernel_mut().snapshot().unwrap();
    let dst: ipnet::IpNet = "10.2.0.0/16".parse().unwrap();
    let routes: Vec<_> = snap.routes.iter().filter(|r| r.dst == dst).collect();
    assert_eq!(routes.len(), 1, "exactly one route for {dst}: {routes:?}");
    match &routes[0].nexthops {
        NextHops::Blackhole => "blackhole".into(),
        NextHops::Dev { dev, .. } => dev.clone(),
        NextHops::Multipath(h) => h
            .iter()
            .map(|n| n.dev.as_str())
            .collect::<Vec<_>>()
            .join("+"),
    }
}

/// Runs both daemons; west's probes of tunnels in `answering` get a reply 2 ms later.
pub(super) fn run(
    w: &mut SimDaemon,
    e: &mut SimDaemon,
    start: Instant,
    ms: u64,
    answering: &BTreeSet<usize>,
) -> Instant {
    let mut now = start;
    let end = start + Duration::from_millis(ms);
    while now < end {
        for d in [&mut *w, &mut *e] {
            d.handle_transport(now);
            if d.poll_timeout().is_some_and(|t| t <= now) {
                d.handle_timeout(now);
            }
            d.handle_kernel_events(now);
        }
        while let Some(p) = w.poll_probe() {
            if answering.contains(&p.tunnel) {
                w.handle_probe_reply(now + Duration::from_millis(2), p.tunnel, p.seq);
            }
        }
        while e.poll_probe().is_some() {}
        now = now + Duration::from_millis(10);
    }
    now
}

/// West (from `west`) and east started on one simulated network; both tunnels' probes
/// answered for `warm_ms`. Returns the daemons and the time reached.
pub(super) fn pair_up(west: &str, warm_ms: u64) -> (SimDaemon, SimDaemon, Instant, SimNetwork) {
    let net = SimNetwork::new();
    let mut w = daemon(west, &net, 1, 0xc000_0100);
    let mut e = daemon(&east_yaml(), &net, 2, 0xd000_0100);
    let t0 = Instant::default();
    w.start(t0).unwrap();
    e.start(t0).unwrap();
    let now = run(&mut w, &mut e, t0, warm_ms, &BOTH.into());
    (w, e, now, net)
}

/// Both tunnels answer probes.
pub(super) const BOTH: [usize; 2] = [0, 1];

#[test]
fn probes_fail_over_to_the_standby_and_preempt_back_after_the_hold_down() {
    let (mut w, mut e, t0, _net) = pair_up(&west_yaml(), 0);
    // Nothing is up yet: the remote network is blackholed, never left to a default route.
    assert_eq!(west_route(&mut w), "blackhole");

    let both: BTreeSet<usize> = BOTH.into();
    let now = run(&mut w, &mut e, t0, 3000, &both);
    assert_eq!(west_route(&mut w), "xfrm-east-t1");

    // t1's path breaks (IKE stays up): 3 lost probes at 200 ms take it down.
    let only_t2: BTreeSet<usize> = [1].into();
    let cut = now;
    let mut now = now;
    while west_route(&mut w) == "xfrm-east-t1" {
        now = run(&mut w, &mut e, now, 10, &only_t2);
        assert!(
            now.saturating_since(cut) < Duration::from_secs(2),
            "no failover"
        );
    }
    let took = now.saturating_since(cut);
    assert_eq!(west_route(&mut w), "xfrm-east-t2");
    assert!(
        took >= Duration::from_millis(600) && took <= Duration::from_millis(900),
        "failover after {took:?}"
    );
    let Response::Status(r) = w.handle_control(now, Request::Status) else {
        panic!("status")
    };
    let p = r.tunnels[0].probe.unwrap();
    assert_eq!(p.state, ProbeState::Down);
    assert!(!p.healthy && !r.tunnels[0].route_active);
    assert!(r.tunnels[1].route_active);

    // The path comes back: 3 answers make t1 healthy, then the 2 s hold-down runs.
    let healed = now;
    while west_route(&mut w) == "xfrm-east-t2" {
        now = run(&mut w, &mut e, now, 10, &both);
        assert!(
            now.saturating_since(healed) < Duration::from_secs(5),
            "no preempt"
        );
    }
    let back = now.saturating_since(healed);
    assert_eq!(west_route(&mut w), "xfrm-east-t1");
    assert!(
        back >= Duration::from_millis(2400) && back <= Duration::from_millis(2900),
        "preempted after {back:?}"
    );
}

#[test]
fn without_preempt_traffic_stays_on_the_standby_and_ike_loss_also_fails_over() {
    let yaml = west_yaml().replace("preempt: true", "preempt: false");
    let (mut w, mut e, now, _net) = pair_up(&yaml, 3000);
    let both: BTreeSet<usize> = BOTH.into();
    let only_t2: BTreeSet<usize> = [1].into();
    let now = run(&mut w, &mut e, now, 1500, &only_t2);
    assert_eq!(west_route(&mut w), "xfrm-east-t2");
    let now = run(&mut w, &mut e, now, 10_000, &both);
    assert_eq!(west_route(&mut w), "xfrm-east-t2", "no preempt: stays");

    // The operator takes t2 down: its Child SA goes, and t1 (healthy) takes over at once.
    w.handle_control(
        now,
        Request::Down {
            connection: "east".into(),
            tunnel: Some("t2".into()),
        },
    );
    let _ = run(&mut w, &mut e, now, 500, &both);
    assert_eq!(west_route(&mut w), "xfrm-east-t1");
}

#[test]
fn equal_priorities_share_an_ecmp_route_and_a_lost_member_leaves_it() {
    let yaml = west_yaml().replace("priority: 200", "priority: 100");
    let (mut w, mut e, now, _net) = pair_up(&yaml, 3000);
    let both: BTreeSet<usize> = BOTH.into();
    assert_eq!(west_route(&mut w), "xfrm-east-t1+xfrm-east-t2");
    let only_t1: BTreeSet<usize> = [0].into();
    let now = run(&mut w, &mut e, now, 1500, &only_t1);
    assert_eq!(west_route(&mut w), "xfrm-east-t1");
    let _ = run(&mut w, &mut e, now, 1500, &both);
    assert_eq!(west_route(&mut w), "xfrm-east-t1+xfrm-east-t2");
}
