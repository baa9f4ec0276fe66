//! Tests of [`super::decide`]: failover, preempt with hold-down, ECMP join/leave, blackhole.

use std::time::Duration;

use super::*;

fn tref(c: &str, t: &str) -> TunnelRef {
    TunnelRef {
        connection: c.into(),
        tunnel: t.into(),
    }
}

fn route(t: &str, dest: &str, metric: u32, preempt: bool, hold_down: u32) -> RoutePlan {
    RoutePlan {
        tunnel: tref("east", t),
        destination: dest.parse().unwrap(),
        interface: format!("xfrm-east-{t}"),
        metric,
        weight: 1,
        preempt,
        hold_down,
    }
}

fn desired(routes: Vec<RoutePlan>) -> DesiredState {
    DesiredState {
        routes,
        ..DesiredState::default()
    }
}

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

struct World {
    d: DesiredState,
    h: HealthView,
    last: RouteDecision,
}

impl World {
    fn new(routes: Vec<RoutePlan>) -> Self {
        World {
            d: desired(routes),
            h: HealthView::default(),
            last: RouteDecision::default(),
        }
    }

    fn set(&mut self, t: &str, up: bool, at: Duration) {
        let e = self.h.tunnels.entry(tref("east", t)).or_default();
        if e.up && !up {
            e.failed_before = true;
        }
        if e.up != up {
            e.since = at;
        }
        e.up = up;
    }

    fn at(&mut self, now: Duration) -> Vec<String> {
        self.last = decide(&self.d, &self.h, &self.last, now);
        let dest: IpNet = "10.2.0.0/16".parse().unwrap();
        self.last
            .carrying(&dest)
            .map(|t| t.tunnel.clone())
            .collect()
    }
}

#[test]
fn nothing_healthy_is_a_blackhole_at_the_best_metric() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, false, 30),
        route("t2", "10.2.0.0/16", 200, false, 30),
    ]);
    assert!(w.at(s(0)).is_empty());
    assert_eq!(w.last.routes.len(), 1);
    assert_eq!(w.last.routes[0].metric, 100);
    assert!(w.last.routes[0].members.is_empty());
}

#[test]
fn first_start_takes_the_best_tunnel_without_hold_down() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, false, 30),
        route("t2", "10.2.0.0/16", 200, false, 30),
    ]);
    w.set("t2", true, s(1));
    assert_eq!(w.at(s(1)), ["t2"]);
    // t1 comes up later for the first time: it never failed, so it takes over at once.
    w.set("t1", true, s(2));
    assert_eq!(w.at(s(2)), ["t1"]);
    assert_eq!(w.last.routes[0].metric, 100);
}

#[test]
fn failover_is_immediate_and_without_preempt_traffic_stays_on_the_standby() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, false, 30),
        route("t2", "10.2.0.0/16", 200, false, 30),
    ]);
    w.set("t1", true, s(0));
    w.set("t2", true, s(0));
    assert_eq!(w.at(s(0)), ["t1"]);
    w.set("t1", false, s(10));
    assert_eq!(w.at(s(10)), ["t2"]);
    w.set("t1", true, s(20));
    assert_eq!(w.at(s(20)), ["t2"]);
    assert_eq!(w.at(s(1000)), ["t2"]);
    assert_eq!(w.last.wake, None);
    // The standby fails: back to t1 at once.
    w.set("t2", false, s(1001));
    assert_eq!(w.at(s(1001)), ["t1"]);
}

#[test]
fn preempt_returns_after_the_hold_down_and_not_before() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, true, 5),
        route("t2", "10.2.0.0/16", 200, false, 30),
    ]);
    w.set("t1", true, s(0));
    w.set("t2", true, s(0));
    assert_eq!(w.at(s(0)), ["t1"]);
    w.set("t1", false, s(10));
    assert_eq!(w.at(s(10)), ["t2"]);
    w.set("t1", true, s(12));
    assert_eq!(w.at(s(12)), ["t2"]);
    assert_eq!(w.last.wake, Some(s(17)));
    assert_eq!(w.at(s(16)), ["t2"]);
    assert_eq!(w.at(s(17)), ["t1"]);
    assert_eq!(w.last.wake, None);
}

#[test]
fn a_flap_during_the_hold_down_restarts_it() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, true, 5),
        route("t2", "10.2.0.0/16", 200, false, 30),
    ]);
    w.set("t1", true, s(0));
    w.set("t2", true, s(0));
    w.at(s(0));
    w.set("t1", false, s(10));
    w.at(s(10));
    w.set("t1", true, s(11));
    w.at(s(11));
    w.set("t1", false, s(13));
    w.at(s(13));
    w.set("t1", true, s(14));
    assert_eq!(w.at(s(17)), ["t2"]);
    assert_eq!(w.at(s(19)), ["t1"]);
}

#[test]
fn ecmp_members_leave_and_rejoin() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, false, 30),
        route("t2", "10.2.0.0/16", 100, false, 30),
        route("t3", "10.2.0.0/16", 200, false, 30),
    ]);
    for t in ["t1", "t2", "t3"] {
        w.set(t, true, s(0));
    }
    assert_eq!(w.at(s(0)), ["t1", "t2"]);
    w.set("t1", false, s(5));
    assert_eq!(w.at(s(5)), ["t2"]);
    // Same priority as the active group: rejoins at once, no preempt needed.
    w.set("t1", true, s(6));
    assert_eq!(w.at(s(6)), ["t1", "t2"]);
    w.set("t1", false, s(7));
    w.set("t2", false, s(7));
    assert_eq!(w.at(s(7)), ["t3"]);
    w.set("t1", false, s(7));
    w.set("t2", false, s(7));
    assert!(w.at(s(7)).iter().all(|t| t == "t3"));
}

#[test]
fn destinations_are_decided_independently() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, false, 30),
        route("t2", "10.2.0.0/16", 200, false, 30),
        route("t2", "10.3.0.0/16", 100, false, 30),
    ]);
    w.set("t2", true, s(0));
    w.at(s(0));
    assert_eq!(w.last.routes.len(), 2);
    let other: IpNet = "10.3.0.0/16".parse().unwrap();
    assert_eq!(w.last.carrying(&other).count(), 1);
    assert!(w.last.carries(&tref("east", "t2")));
    assert!(!w.last.carries(&tref("east", "t1")));
}

#[test]
fn a_missing_tunnel_counts_as_down() {
    let d = desired(vec![route("t1", "10.2.0.0/16", 100, false, 30)]);
    let r = decide(&d, &HealthView::default(), &RouteDecision::default(), s(0));
    assert!(r.routes[0].members.is_empty());
}

#[test]
fn two_connections_to_one_network_fail_over_to_each_other() {
    // REQUIREMENTS §16.1 scenario 6: one remote LAN behind two devices, one connection each.
    let via = |conn: &str, metric: u32| RoutePlan {
        tunnel: tref(conn, "t1"),
        destination: "10.2.0.0/16".parse().unwrap(),
        interface: format!("xfrm-{conn}-t1"),
        metric,
        weight: 1,
        preempt: false,
        hold_down: 30,
    };
    let d = desired(vec![via("r1", 10), via("r2", 20)]);
    let up = |r1: bool, r2: bool| HealthView {
        tunnels: [
            (
                tref("r1", "t1"),
                Health {
                    up: r1,
                    ..Health::default()
                },
            ),
            (
                tref("r2", "t1"),
                Health {
                    up: r2,
                    ..Health::default()
                },
            ),
        ]
        .into(),
    };
    let dest: IpNet = "10.2.0.0/16".parse().unwrap();
    let first = decide(&d, &up(true, true), &RouteDecision::default(), s(0));
    assert_eq!(
        first.carrying(&dest).cloned().collect::<Vec<_>>(),
        [tref("r1", "t1")]
    );
    let second = decide(&d, &up(false, true), &first, s(1));
    assert_eq!(
        second.carrying(&dest).cloned().collect::<Vec<_>>(),
        [tref("r2", "t1")]
    );
    assert_eq!(second.routes[0].metric, 20);
}

#[test]
fn probes_failing_everywhere_keep_traffic_on_the_tunnels_with_sas() {
    let mut w = World::new(vec![
        route("t1", "10.2.0.0/16", 100, false, 30),
        route("t2", "10.2.0.0/16", 100, false, 30),
        route("t3", "10.2.0.0/16", 200, false, 30),
    ]);
    let sa = |w: &mut World, t: &str, up: bool| {
        w.h.tunnels.entry(tref("east", t)).or_default().sa_up = up;
    };
    for t in ["t1", "t2", "t3"] {
        w.set(t, true, s(1));
        sa(&mut w, t, true);
    }
    assert_eq!(w.at(s(1)), ["t1", "t2"]);
    // Every probe fails at once (a stalled host), the SAs stay: no blackhole.
    for t in ["t1", "t2", "t3"] {
        w.set(t, false, s(2));
    }
    assert_eq!(w.at(s(2)), ["t1", "t2"]);
    assert_eq!(w.last.routes[0].metric, 100);
    // The standby's probes answer again: a healthy tunnel wins over the fallback.
    w.set("t3", true, s(3));
    assert_eq!(w.at(s(3)), ["t3"]);
    // No SA anywhere and nothing healthy: blackhole.
    w.set("t3", false, s(4));
    for t in ["t1", "t2", "t3"] {
        sa(&mut w, t, false);
    }
    assert!(w.at(s(4)).is_empty());
}
