//! Checks that compare objects with each other: duplicate tunnel names, duplicate outside
//! address pairs, colliding interface names, and CIDR conflicts (within one network list,
//! local vs remote networks, remote networks of different connections when transit is on,
//! inside CIDRs). Each message names both sides. Overlaps are found by sorting and one sweep,
//! and paths are only spelled out for conflicts, so 10,000 connections stay fast. It never
//! changes the site.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::algo::Mode;
use crate::compile::interface_name;
use crate::diag::Ctx;
use crate::site::Site;

/// A network and where it is written: (connection index, tunnel or list index).
type Item = (IpNet, usize, usize);

pub fn check(site: &Site, cx: &mut Ctx) {
    let conn = |c: usize| site.connections.get(c).map_or("?", |c| c.name.as_str());
    let tunnel = |c: usize, t: usize| format!("connections.{}.tunnels[{t}]", conn(c));
    within("site.networks", &site.networks, cx);
    let mut pairs: HashMap<(IpAddr, IpAddr), (usize, usize)> = HashMap::new();
    let mut ifnames: HashMap<String, (usize, usize)> = HashMap::new();
    let mut insides: Vec<Item> = Vec::new();
    let mut remotes: Vec<Item> = Vec::new();
    for (ci, c) in site.connections.iter().enumerate() {
        if c.remote_networks.len() > 1 {
            within(
                &format!("connections.{}.remote_networks", c.name),
                &c.remote_networks,
                cx,
            );
        }
        for (i, r) in c.remote_networks.iter().enumerate() {
            for (j, l) in site.networks.iter().enumerate() {
                if overlaps(r, l) {
                    cx.err(
                        &format!("connections.{}.remote_networks[{i}]", c.name),
                        format!(
                            "remote network {r} overlaps local network {l} (site.networks[{j}])"
                        ),
                        "local and remote networks must not overlap; fix one of them",
                    );
                }
            }
            remotes.push((*r, ci, i));
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (ti, t) in c.tunnels.iter().enumerate() {
            let dup_name = names.get(t.name.as_str()).copied();
            if let Some(first) = dup_name {
                cx.err(
                    &format!("{}.name", tunnel(ci, ti)),
                    format!(
                        "tunnel name {} is already used by {}",
                        t.name,
                        tunnel(ci, first)
                    ),
                    "give each tunnel of a connection its own name",
                );
            } else {
                names.insert(t.name.as_str(), ti);
            }
            if let Some(&(oc, ot)) = pairs.get(&(t.local, t.remote)) {
                cx.err(
                    &format!("{}.remote", tunnel(ci, ti)),
                    format!(
                        "outside pair {} -> {} is already used by {}",
                        t.local,
                        t.remote,
                        tunnel(oc, ot)
                    ),
                    "each tunnel needs its own pair of outside addresses",
                );
            } else {
                pairs.insert((t.local, t.remote), (ci, ti));
            }
            // A duplicate tunnel name already explains the colliding interface name.
            if c.mode == Mode::Route && dup_name.is_none() {
                let ifname = interface_name(t.options.interface, &c.name, &t.name);
                if let Some(&(oc, ot)) = ifnames.get(&ifname) {
                    cx.err(
                        &format!("{}.name", tunnel(ci, ti)),
                        format!(
                            "interface name {ifname} (cut to 15 characters) is also the name for {}",
                            tunnel(oc, ot)
                        ),
                        "shorten the connection or tunnel names so they differ in the first characters",
                    );
                } else {
                    ifnames.insert(ifname, (ci, ti));
                }
            }
            insides.push((t.inside.net(), ci, ti));
        }
    }
    for (later, earlier) in sweep(&mut insides, true) {
        cx.err(
            &format!("{}.inside", tunnel(later.1, later.2)),
            format!(
                "inside CIDR {} overlaps {} of {}.inside",
                later.0,
                earlier.0,
                tunnel(earlier.1, earlier.2)
            ),
            "give every tunnel its own inside /30 (/126)",
        );
    }
    if site.transit {
        for (later, earlier) in sweep(&mut remotes, false) {
            cx.err(
                &format!("connections.{}.remote_networks[{}]", conn(later.1), later.2),
                format!(
                    "remote network {} overlaps {} of connection {} (connections.{}.remote_networks[{}]) while site.transit is on",
                    later.0,
                    earlier.0,
                    conn(earlier.1),
                    conn(earlier.1),
                    earlier.2
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

/// Conflicting pairs (later, earlier) among `items`. Sorted by start address (shorter prefix
/// first, then file order), a CIDR overlaps an earlier one iff it starts before the furthest
/// end seen so far. With `same_owner` false, overlaps within one connection are skipped.
fn sweep(items: &mut [Item], same_owner: bool) -> Vec<(Item, Item)> {
    items.sort_unstable_by_key(|(n, c, i)| (n.network(), n.prefix_len(), *c, *i));
    let mut out = Vec::new();
    let mut widest: Option<Item> = None;
    for cur in items.iter() {
        if let Some(prev) = widest {
            if overlaps(&cur.0, &prev.0) {
                if same_owner || cur.1 != prev.1 {
                    out.push((*cur, prev));
                }
                if cur.0.broadcast() <= prev.0.broadcast() {
                    continue;
                }
            }
        }
        widest = Some(*cur);
    }
    out
}
