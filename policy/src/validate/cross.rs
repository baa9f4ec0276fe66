//! Checks that compare objects with each other: duplicate tunnel names, duplicate outside
//! address pairs, colliding interface names, and CIDR conflicts (local vs remote networks,
//! remote networks of different connections when transit is on, inside CIDRs). Each message
//! names both sides. Overlaps are found by sorting and one sweep, so 10,000 connections stay
//! fast. It never changes the site.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::algo::Mode;
use crate::compile::interface_name;
use crate::diag::Ctx;
use crate::site::Site;

pub fn check(site: &Site, cx: &mut Ctx) {
    within("site.networks", &site.networks, cx);
    let mut pairs: HashMap<(IpAddr, IpAddr), String> = HashMap::new();
    let mut ifnames: HashMap<String, String> = HashMap::new();
    let mut insides = Vec::new();
    let mut remotes = Vec::new();
    for c in &site.connections {
        let cpath = format!("connections.{}", c.name);
        within(&format!("{cpath}.remote_networks"), &c.remote_networks, cx);
        for (i, r) in c.remote_networks.iter().enumerate() {
            let rpath = format!("{cpath}.remote_networks[{i}]");
            for (j, l) in site.networks.iter().enumerate() {
                if overlaps(r, l) {
                    cx.err(
                        &rpath,
                        format!(
                            "remote network {r} overlaps local network {l} (site.networks[{j}])"
                        ),
                        "local and remote networks must not overlap; fix one of them",
                    );
                }
            }
            remotes.push((*r, c.name.as_str(), rpath));
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, t) in c.tunnels.iter().enumerate() {
            let tpath = format!("{cpath}.tunnels[{i}]");
            let dup_name = names.contains_key(t.name.as_str());
            if let Some(first) = names.insert(t.name.as_str(), i) {
                cx.err(
                    &format!("{tpath}.name"),
                    format!(
                        "tunnel name {} is already used by {cpath}.tunnels[{first}]",
                        t.name
                    ),
                    "give each tunnel of a connection its own name",
                );
                names.insert(t.name.as_str(), first);
            }
            if let Some(other) = pairs.insert((t.local, t.remote), tpath.clone()) {
                cx.err(
                    &format!("{tpath}.remote"),
                    format!(
                        "outside pair {} -> {} is already used by {other}",
                        t.local, t.remote
                    ),
                    "each tunnel needs its own pair of outside addresses",
                );
                pairs.insert((t.local, t.remote), other);
            }
            // A duplicate tunnel name already explains the colliding interface name.
            if c.mode == Mode::Route && !dup_name {
                let ifname = interface_name(t.options.interface, &c.name, &t.name);
                if let Some(other) = ifnames.insert(ifname.clone(), tpath.clone()) {
                    cx.err(
                        &format!("{tpath}.name"),
                        format!("interface name {ifname} (cut to 15 characters) is also the name for {other}"),
                        "shorten the connection or tunnel names so they differ in the first characters",
                    );
                    ifnames.insert(ifname, other);
                }
            }
            insides.push((t.inside.net(), c.name.as_str(), format!("{tpath}.inside")));
        }
    }
    for (later, earlier) in sweep(&mut insides, true) {
        cx.err(
            &later.2,
            format!(
                "inside CIDR {} overlaps {} of {}",
                later.0, earlier.0, earlier.2
            ),
            "give every tunnel its own inside /30 (/126)",
        );
    }
    if site.transit {
        for (later, earlier) in sweep(&mut remotes, false) {
            cx.err(
                &later.2,
                format!(
                    "remote network {} overlaps {} of connection {} ({}) while site.transit is on",
                    later.0, earlier.0, earlier.1, earlier.2
                ),
                "with transit the sites behind different connections must use distinct networks",
            );
        }
    }
}

/// Overlaps inside one list (a duplicate or a network inside another of the same list).
fn within(path: &str, nets: &[IpNet], cx: &mut Ctx) {
    for (i, a) in nets.iter().enumerate() {
        if let Some((j, b)) = nets[..i].iter().enumerate().find(|(_, b)| overlaps(a, b)) {
            cx.err(
                &format!("{path}[{i}]"),
                format!("{a} overlaps {b} listed at {path}[{j}]"),
                "list each network once; drop the one covered by the other",
            );
        }
    }
}

/// Whether two CIDRs share an address (for CIDRs: one contains the other).
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

type Item<'a> = (IpNet, &'a str, String);

/// Conflicting pairs (later, earlier) among `items`. Sorted by start address (shorter prefix
/// first), a CIDR overlaps an earlier one iff it starts before the furthest end seen so far.
/// With `same_owner` false, overlaps within one connection are not reported.
fn sweep<'a, 'b>(items: &'b mut [Item<'a>], same_owner: bool) -> Vec<(&'b Item<'a>, &'b Item<'a>)> {
    items.sort_by(|a, b| {
        (a.0.network(), a.0.prefix_len(), &a.2).cmp(&(b.0.network(), b.0.prefix_len(), &b.2))
    });
    let items: &'b [Item<'a>] = items;
    let mut out = Vec::new();
    let mut widest: Option<usize> = None;
    for i in 0..items.len() {
        if let Some(w) = widest {
            let (cur, prev) = (&items[i], &items[w]);
            if overlaps(&cur.0, &prev.0) {
                if same_owner || cur.1 != prev.1 {
                    out.push((cur, prev));
                }
                if cur.0.broadcast() <= prev.0.broadcast() {
                    continue;
                }
            }
        }
        widest = Some(i);
    }
    out
}
