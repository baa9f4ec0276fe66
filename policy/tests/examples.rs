//! Every `examples/*.yaml` loads, and the west/east pair mirror each other (same inside
//! CIDRs, swapped outside addresses and identities, opposite inside sides).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn examples() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let s = std::fs::read_to_string(&p).unwrap();
            (p, s)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_example_loads() {
    let all = examples();
    assert!(all.len() >= 2);
    for (p, src) in &all {
        if let Err(d) = policy::load(src, &p.display().to_string()) {
            panic!("{d}");
        }
    }
}

#[test]
fn west_and_east_match() {
    let load = |n: &str| {
        let (_, s) = examples()
            .into_iter()
            .find(|(p, _)| p.ends_with(n))
            .unwrap();
        policy::load(&s, n).unwrap()
    };
    let (w, e) = (load("west.yaml"), load("east.yaml"));
    assert_eq!(w.connections.len(), 1);
    assert_eq!(e.connections.len(), 1);
    let (wc, ec) = (&w.connections[0], &e.connections[0]);
    assert_eq!(wc.remote_networks, e.networks);
    assert_eq!(ec.remote_networks, w.networks);
    assert_eq!(wc.tunnels.len(), 2);
    for (wt, et) in wc.tunnels.iter().zip(&ec.tunnels) {
        assert_eq!((wt.local, wt.remote), (et.remote, et.local));
        assert_eq!(wt.inside, et.inside);
        assert_eq!(
            (wt.inside_local, wt.inside_remote),
            (et.inside_remote, et.inside_local)
        );
        assert_eq!((&wt.local_id, &wt.remote_id), (&et.remote_id, &et.local_id));
        assert_eq!(wt.options.priority, et.options.priority);
        let common: Vec<_> = wt
            .options
            .ike_versions
            .iter()
            .filter(|v| et.options.ike_versions.contains(v))
            .collect();
        assert!(!common.is_empty());
    }
}
