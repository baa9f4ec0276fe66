//! `compile` output: interface names (IFNAMSIZ), deterministic if_ids, routes with the
//! priority as metric, SPD entries for route mode (if_id-bound TS) and policy mode (site
//! networks × remote networks); and the `effective` view round-trips through `load`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{ok, t1, BASE};
use policy::compile::{interface_name, Direction};
use policy::types::Name;
use policy::{compile, InterfaceKind};

#[test]
fn interface_names_fit_ifnamsiz() {
    let n = |s: &str| Name::new(s).unwrap();
    assert_eq!(
        interface_name(InterfaceKind::Xfrm, &n("east"), &n("t1")),
        "xfrm-east-t1"
    );
    assert_eq!(
        interface_name(InterfaceKind::Vti, &n("east"), &n("t1")),
        "vti-east-t1"
    );
    assert_eq!(
        interface_name(InterfaceKind::Xfrm, &n("frankfurt"), &n("tunnel2")),
        "xfrm-frankfurt-"
    );
}

#[test]
fn route_mode_plan() {
    let site = ok(&t1(
        "priority: 10\n        weight: 3\n        interface: vti\n        mtu: 1400",
    )
    .replace(
        "remote_networks: [10.2.0.0/16]",
        "remote_networks: [10.2.0.0/16, 10.9.0.0/16]",
    ));
    let st = compile(&site);
    assert_eq!(st.interfaces.len(), 2);
    let i0 = &st.interfaces[0];
    assert_eq!(
        (i0.name.as_str(), i0.kind, i0.if_id),
        ("vti-east-t1", InterfaceKind::Vti, 4096)
    );
    assert_eq!(i0.address.to_string(), "169.254.10.1/30");
    assert_eq!(i0.peer.to_string(), "169.254.10.2");
    assert_eq!(i0.mtu, Some(1400));
    assert_eq!(
        (st.interfaces[1].name.as_str(), st.interfaces[1].if_id),
        ("xfrm-east-t2", 4097)
    );
    // One route per remote network per tunnel; metric = priority.
    let routes: Vec<_> = st
        .routes
        .iter()
        .map(|r| {
            (
                r.destination.to_string(),
                r.interface.as_str(),
                r.metric,
                r.weight,
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            ("10.2.0.0/16".to_owned(), "vti-east-t1", 10, 3),
            ("10.9.0.0/16".to_owned(), "vti-east-t1", 10, 3),
            ("10.2.0.0/16".to_owned(), "xfrm-east-t2", 100, 1),
            ("10.9.0.0/16".to_owned(), "xfrm-east-t2", 100, 1),
        ]
    );
    // SPD: out/in/fwd per TS pair, bound to the tunnel's if_id, template = outside addresses.
    let p: Vec<_> = st
        .policies
        .iter()
        .filter(|p| p.tunnel.tunnel == "t1")
        .collect();
    // transit off (the default): the any local selector narrows to the site network and
    // the inside CIDR, so each yields out/in/fwd.
    assert_eq!(p.len(), 6);
    let out_src: Vec<String> = p
        .iter()
        .filter(|x| x.dir == Direction::Out)
        .map(|x| x.src.to_string())
        .collect();
    assert_eq!(out_src, ["10.1.0.0/16", "169.254.10.0/30"]);
    assert_eq!(p[0].dir, Direction::Out);
    assert_eq!(
        (p[0].tmpl_src.to_string(), p[0].tmpl_dst.to_string()),
        ("192.0.2.1".into(), "198.51.100.1".into())
    );
    assert_eq!(
        (p[1].dir, p[1].tmpl_src.to_string()),
        (Direction::In, "198.51.100.1".into())
    );
    assert!(p.iter().all(|x| x.if_id == Some(4096)));
}

#[test]
fn transit_keeps_the_any_local_selector() {
    let site = ok(&BASE.replace("name: west", "name: west\n  transit: true"));
    let st = compile(&site);
    let out: Vec<String> = st
        .policies
        .iter()
        .filter(|p| p.tunnel.tunnel == "t1" && p.dir == Direction::Out)
        .map(|p| p.src.to_string())
        .collect();
    assert_eq!(out, ["0.0.0.0/0"]);
}

#[test]
fn if_ids_follow_base_and_connection_order() {
    let src = BASE.replace("name: west", "name: west\n  if_id_base: 100").replace("  east:", "  zeta:")
        + "  alpha:\n    remote_networks: [10.7.0.0/16]\n    tunnels:\n      - { name: a1, local: 192.0.2.9, remote: 203.0.113.9, inside: 169.254.30.0/30, auth: { psk_file: /a } }\n";
    let st = compile(&ok(&src));
    let ids: Vec<_> = st
        .interfaces
        .iter()
        .map(|i| (i.name.as_str(), i.if_id))
        .collect();
    assert_eq!(
        ids,
        [
            ("xfrm-alpha-a1", 100),
            ("xfrm-zeta-t1", 101),
            ("xfrm-zeta-t2", 102)
        ]
    );
    assert_eq!(compile(&ok(&src)), st, "compile is deterministic");
}

#[test]
fn policy_mode_plan() {
    let src = BASE
        .replace(
            "networks: [10.1.0.0/16]",
            "networks: [10.1.0.0/16, 10.11.0.0/16, 'fd10::/48']",
        )
        .replace("    tunnels:", "    mode: policy\n    tunnels:");
    let st = compile(&ok(&src));
    assert!(st.interfaces.is_empty() && st.routes.is_empty());
    // 2 tunnels × 2 IPv4 local nets × 1 remote net × 3 directions (the IPv6 net has no peer).
    assert_eq!(st.policies.len(), 12);
    let out: Vec<_> = st
        .policies
        .iter()
        .filter(|p| p.dir == Direction::Out && p.tunnel.tunnel == "t2")
        .collect();
    assert_eq!(out.len(), 2);
    assert_eq!(
        (out[0].src.to_string(), out[0].dst.to_string()),
        ("10.1.0.0/16".into(), "10.2.0.0/16".into())
    );
    assert!(out.iter().all(|p| p.if_id.is_none() && p.priority == 100));
}

#[test]
fn effective_round_trips_and_redacts() {
    let src = common::def("dpd_timeout: 35").replace("#T1", "priority: 7");
    let site = ok(&src);
    let eff = policy::effective(&site);
    assert!(
        eff.contains("psk: <redacted>") && !eff.contains("Secret.value_2"),
        "{eff}"
    );
    assert!(
        eff.contains("dpd_timeout: 35")
            && eff.contains("priority: 7")
            && eff.contains("replay_window: 1024")
    );
    // With the redacted inline PSK replaced by a file, the effective view loads back to the
    // same effective view.
    let back = ok(&eff.replace("psk: <redacted>", "psk_file: /k"));
    let again = policy::effective(&back);
    assert_eq!(again, eff.replace("psk: <redacted>", "psk_file: /k"));
}

#[test]
fn policy_mode_selectors_default_to_site_and_remote_networks() {
    let site = ok(&BASE.replace(
        "remote_networks: [10.2.0.0/16]",
        "remote_networks: [10.2.0.0/16]\n    mode: policy",
    ));
    let t = &site.connections[0].tunnels[0];
    let s = |v: &[ipnet::IpNet]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    // What IKE proposes is what the SPD protects (not 0.0.0.0/0).
    assert_eq!(s(&t.options.local_ts), ["10.1.0.0/16"]);
    assert_eq!(s(&t.options.remote_ts), ["10.2.0.0/16"]);
    // Explicit, narrower selectors are kept and drive the SPD.
    let narrow = ok(&BASE
        .replace(
            "remote_networks: [10.2.0.0/16]",
            "remote_networks: [10.2.0.0/16]\n    mode: policy",
        )
        .replace("auth:", "remote_ts: [10.2.5.0/24]\n        auth:"));
    let st = compile(&narrow);
    assert!(st
        .policies
        .iter()
        .filter(|p| p.tunnel.tunnel == "t1" && p.dir == Direction::Out)
        .all(|p| p.dst.to_string() == "10.2.5.0/24"));
}
