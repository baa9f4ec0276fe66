//! Reload simulation: two daemons with two tunnels; reloading west with the same file keeps
//! every SA, a changed tunnel alone is renegotiated, route-only changes move no SA, removed
//! and added tunnels are deleted and brought up.

use std::collections::BTreeSet;

use ike::v2::Instant;

use super::failover_tests::{pair_up, run, west_yaml, BOTH};
use super::tests::SimDaemon;

/// West's SA SPIs per tunnel interface if_id.
fn spis(d: &SimDaemon) -> BTreeSet<(u32, u32)> {
    d.kernel()
        .state()
        .sas
        .iter()
        .map(|s| (s.sa.if_id.unwrap_or(0), s.sa.spi))
        .collect()
}

fn of(all: &BTreeSet<(u32, u32)>, if_id: u32) -> BTreeSet<u32> {
    all.iter()
        .filter(|(i, _)| *i == if_id)
        .map(|(_, s)| *s)
        .collect()
}

fn reload(d: &mut SimDaemon, now: Instant, yaml: &str) -> super::ReloadSummary {
    let site = policy::load(yaml, "west.yaml").unwrap();
    d.reload(now, &site, &|_| unreachable!()).unwrap()
}

#[test]
fn reload_keeps_unchanged_tunnels_and_renegotiates_changed_ones_alone() {
    let (mut w, mut e, now, _net) = pair_up(&west_yaml(), 3000);
    let both: BTreeSet<usize> = BOTH.into();
    let before = spis(&w);
    assert_eq!(of(&before, 4096).len(), 2);
    assert_eq!(of(&before, 4097).len(), 2);

    // The same file: nothing moves.
    let s = reload(&mut w, now, &west_yaml());
    assert_eq!(s.kept, ["east/t1", "east/t2"]);
    assert!(s.renegotiated.is_empty() && s.added.is_empty() && s.removed.is_empty());
    let now = run(&mut w, &mut e, now, 2000, &both);
    assert_eq!(spis(&w), before);

    // A route-only change (priority): no SA moves, and the route follows.
    let yaml = west_yaml().replace("priority: 200", "priority: 50");
    let s = reload(&mut w, now, &yaml);
    assert_eq!(s.kept.len(), 2, "{s}");
    let now = run(&mut w, &mut e, now, 2000, &both);
    assert_eq!(spis(&w), before);

    // t2's phase 2 lifetime changes: t2 alone gets new SAs, t1 keeps its own.
    let yaml = yaml.replacen(
        "priority: 50",
        "priority: 50\n        phase2_lifetime: 1800",
        1,
    );
    let s = reload(&mut w, now, &yaml);
    assert_eq!(s.kept, ["east/t1"], "{s}");
    assert_eq!(s.renegotiated, ["east/t2"], "{s}");
    let now = run(&mut w, &mut e, now, 3000, &both);
    let after = spis(&w);
    assert_eq!(of(&after, 4096), of(&before, 4096), "t1 kept its SAs");
    let t2 = of(&after, 4097);
    assert_eq!(t2.len(), 2, "t2 re-established: {after:?}");
    assert!(t2.is_disjoint(&of(&before, 4097)), "t2 has new SAs");

    // t2 removed: its SAs, interface and SPD entries go; t1 untouched.
    let only_t1: String = {
        let y = west_yaml();
        let cut = y.find("\n      - name: t2").unwrap();
        y[..cut].to_owned() + "\n"
    };
    let s = reload(&mut w, now, &only_t1);
    assert_eq!(s.removed, ["east/t2"], "{s}");
    let now = run(&mut w, &mut e, now, 2000, &both);
    let k = w.kernel().state();
    assert!(of(&spis(&w), 4097).is_empty());
    assert_eq!(of(&spis(&w), 4096), of(&before, 4096));
    assert!(k.links.iter().all(|l| l.name != "xfrm-east-t2"));
    assert!(k.policies.iter().all(|p| p.if_id != Some(4097)));

    // And back: t2 is added again with its old if_id free for it.
    let s = reload(&mut w, now, &west_yaml());
    assert_eq!(s.kept, ["east/t1"], "{s}");
    assert_eq!(s.renegotiated, ["east/t2"], "{s}");
    let _ = run(&mut w, &mut e, now, 3000, &both);
    assert_eq!(of(&spis(&w), 4097).len(), 2);
    assert!(w
        .kernel()
        .state()
        .links
        .iter()
        .any(|l| l.name == "xfrm-east-t2"));
}
