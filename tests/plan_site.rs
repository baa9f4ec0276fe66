//! `xfrmd::plan`: the kernel objects a site file asks for, checked on examples/west.yaml
//! (route mode, two xfrm interfaces) and on policy-mode, ECMP and VTI variants of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use xfrm::{KernelState, LinkKind, Mark, NextHop, NextHops, PolicyDir};
use xfrmd::plan::{plan, REQID_BASE};

fn load(src: &str) -> policy::Site {
    policy::load(src, "test.yaml").unwrap_or_else(|d| panic!("{d}"))
}

fn west() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/west.yaml")).unwrap()
}

#[test]
fn west_route_mode_links_addresses_routes_policies() {
    let p = plan(&load(&west()));
    let d = &p.desired;
    let links: Vec<_> = d
        .links
        .iter()
        .map(|l| (l.name.as_str(), &l.kind, l.up))
        .collect();
    assert_eq!(
        links,
        [
            (
                "xfrm-east-t1",
                &LinkKind::Xfrm {
                    dev: None,
                    if_id: 4096
                },
                true
            ),
            (
                "xfrm-east-t2",
                &LinkKind::Xfrm {
                    dev: None,
                    if_id: 4097
                },
                true
            ),
        ]
    );
    assert_eq!(d.addresses[0].local.to_string(), "169.254.10.1/30");
    assert_eq!(d.addresses[1].local.to_string(), "169.254.11.1/30");
    assert!(d.inbound_sas.is_empty() && d.outbound_sas.is_empty());
    assert_eq!(p.tunnels[0].reqid, REQID_BASE);
    assert_eq!(p.tunnels[1].reqid, REQID_BASE + 1);
    // Every object is recognised as ours, so reconcile can adopt and clean it up.
    assert!(d.links.iter().all(|l| p.ownership.owns_link(l)));
    assert!(d.routes.iter().all(|r| p.ownership.owns_route(r)));
    assert!(d.policies.iter().all(|x| p.ownership.owns_policy(x)));

    let text = p.render();
    for line in [
        "ip link add xfrm-east-t1 type xfrm if_id 0x1000",
        "ip link set xfrm-east-t1 up",
        "ip addr add 169.254.10.1/30 dev xfrm-east-t1",
        "ip addr add 169.254.11.1/30 dev xfrm-east-t2",
        // transit off: the local selector is the site network (and the inside CIDR).
        "ip xfrm policy add src 10.1.0.0/16 dst 0.0.0.0/0 dir out priority 100 if_id 0x1000 \
         tmpl src 192.0.2.1 dst 198.51.100.1 proto esp reqid 0x78000000 mode tunnel",
        "ip xfrm policy add src 169.254.10.0/30 dst 0.0.0.0/0 dir out priority 100 if_id 0x1000 \
         tmpl src 192.0.2.1 dst 198.51.100.1 proto esp reqid 0x78000000 mode tunnel",
        "ip xfrm policy add src 0.0.0.0/0 dst 10.1.0.0/16 dir fwd priority 200 if_id 0x1001 \
         tmpl src 198.51.100.2 dst 192.0.2.2 proto esp reqid 0x78000001 mode tunnel",
        // With every tunnel healthy only the best one carries the network.
        "ip route replace 10.2.0.0/16 dev xfrm-east-t1 metric 100 proto 0xf0",
        "# standby (used while the better tunnels are down): \
         ip route replace 10.2.0.0/16 dev xfrm-east-t2 metric 200 proto 0xf0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }
    assert_eq!(text.lines().count(), 4 + 2 + 12 + 1 + 1, "{text}");

    // Applying the plan to an empty kernel adds exactly these objects, links first and
    // routes last (make-before-break), and a kernel that has them needs nothing.
    let ops = KernelState::default().diff(d, &p.ownership);
    assert_eq!(ops.len(), 2 + 2 + 12 + 1);
    assert!(matches!(ops.first(), Some(xfrm::KernelOp::AddLink(_))));
    assert!(matches!(ops.last(), Some(xfrm::KernelOp::ReplaceRoute(_))));
    let have = KernelState {
        links: d.links.clone(),
        addresses: d.addresses.clone(),
        policies: d.policies.clone(),
        routes: d.routes.clone(),
        ..KernelState::default()
    };
    assert_eq!(have.diff(d, &p.ownership), []);
}

#[test]
fn policy_mode_yields_policies_and_no_links() {
    let p = plan(&load(&west().replace("mode: route", "mode: policy")));
    let d = &p.desired;
    assert!(d.links.is_empty() && d.addresses.is_empty() && d.routes.is_empty());
    // Both tunnels want the same selectors: only the preferred t1 (priority 100) is held.
    assert_eq!(d.policies.len(), 3, "{:#?}", d.policies);
    for x in &d.policies {
        assert_eq!(x.if_id, None);
        assert_eq!(x.priority, 100);
        assert_eq!(x.templates.len(), 1);
        assert_eq!(x.templates[0].reqid, REQID_BASE);
        let (s, t) = (x.selector.src.to_string(), x.selector.dst.to_string());
        match x.dir {
            PolicyDir::Out => assert_eq!((s.as_str(), t.as_str()), ("10.1.0.0/16", "10.2.0.0/16")),
            PolicyDir::In | PolicyDir::Fwd => {
                assert_eq!((s.as_str(), t.as_str()), ("10.2.0.0/16", "10.1.0.0/16"));
                assert_eq!(x.templates[0].src.to_string(), "198.51.100.1");
            }
        }
    }
    let text = p.render();
    assert!(
        text.contains(
            "ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out priority 100 \
         tmpl src 192.0.2.1 dst 198.51.100.1 proto esp reqid 0x78000000 mode tunnel"
        ),
        "{text}"
    );
    assert!(
        !text.contains("ip link") && !text.contains("ip route"),
        "{text}"
    );
}

#[test]
fn equal_priorities_make_one_ecmp_route() {
    let src = west().replace("priority: 200", "priority: 100\n        weight: 3");
    let p = plan(&load(&src));
    assert_eq!(p.desired.routes.len(), 1, "{:#?}", p.desired.routes);
    let r = &p.desired.routes[0];
    assert_eq!(r.metric, 100);
    assert_eq!(
        r.nexthops,
        NextHops::Multipath(vec![
            NextHop {
                dev: "xfrm-east-t1".into(),
                via: None,
                weight: 1
            },
            NextHop {
                dev: "xfrm-east-t2".into(),
                via: None,
                weight: 3
            },
        ])
    );
    assert!(p.render().contains(
        "ip route replace 10.2.0.0/16 metric 100 proto 0xf0 \
         nexthop dev xfrm-east-t1 weight 1 nexthop dev xfrm-east-t2 weight 3"
    ));
}

#[test]
fn vti_tunnel_uses_keys_and_marks() {
    let src = west().replace(
        "priority: 100",
        "priority: 100\n        interface: vti\n        mtu: 1400",
    );
    let p = plan(&load(&src));
    let l = p
        .desired
        .links
        .iter()
        .find(|l| l.name.starts_with("vti-"))
        .unwrap();
    assert_eq!(
        l.kind,
        LinkKind::Vti {
            local: "192.0.2.1".parse().unwrap(),
            remote: "198.51.100.1".parse().unwrap(),
            ikey: 4096,
            okey: 4096,
        }
    );
    assert_eq!(l.mtu, Some(1400));
    let mark = Some(Mark {
        value: 4096,
        mask: u32::MAX,
    });
    let vti_pols: Vec<_> = p
        .desired
        .policies
        .iter()
        .filter(|x| x.mark == mark)
        .collect();
    assert_eq!(vti_pols.len(), 6);
    assert!(vti_pols.iter().all(|x| x.if_id.is_none()));
    assert!(p.render().contains(&format!(
        "ip link add {} type vti local 192.0.2.1 remote 198.51.100.1 ikey 0x1000 okey 0x1000 mtu 1400",
        l.name
    )));
}

#[test]
fn hub_example_mixes_ecmp_vti_and_failover_routes() {
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/hub.yaml")).unwrap();
    let p = plan(&load(&src));
    let text = p.render();
    for line in [
        "ip link add xfrm-spoke-a-t1 type xfrm if_id 0x2000",
        "ip link add vti-spoke-b-t1 type vti local 203.0.113.10 remote 198.51.100.20 \
         ikey 0x2002 okey 0x2002 mtu 1400",
        "ip route replace 10.10.0.0/16 metric 100 proto 0xf0 \
         nexthop dev xfrm-spoke-a-t1 weight 1 nexthop dev xfrm-spoke-a-t2 weight 1",
        "ip route replace 10.21.0.0/16 dev vti-spoke-b-t1 metric 100 proto 0xf0",
        "# standby (used while the better tunnels are down): \
         ip route replace 10.21.0.0/16 dev xfrm-spoke-b-t2 metric 200 proto 0xf0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }
    assert_eq!(p.desired.links.len(), 4);
    assert_eq!(p.desired.routes.len(), 3);
    assert_eq!(p.desired.policies.len(), 12);
    assert!(p.ownership.if_ids.contains(&8192) && !p.ownership.if_ids.contains(&8191));
    assert!(p.desired.links.iter().all(|l| p.ownership.owns_link(l)));
}

#[test]
fn cli_plan_prints_ip_lines_and_rejects_bad_files() {
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/west.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xfrmd"))
        .args(["plan", ex])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("# xfrmd plan for site west ("), "{first}");
    assert!(first.ends_with(
        "2 link(s), 2 address(es), 12 SPD entries, 1 route(s); dry run, nothing applied"
    ));
    assert!(text
        .contains("\n# tunnel east/t2: reqid 0x78000001, if_id 0x1001, interface xfrm-east-t2\n"));
    assert!(
        text.contains("\nip route replace 10.2.0.0/16 dev xfrm-east-t1 metric 100 proto 0xf0\n")
    );

    let bad = std::env::temp_dir().join(format!("xfrmd-plan-bad-{}.yaml", std::process::id()));
    std::fs::write(&bad, west().replace("dpd_timeout: 40", "dpd_timeout: 10")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xfrmd"))
        .args(["plan", bad.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("dpd_timeout: 10 is below the minimum 30 seconds"),
        "{err}"
    );
    assert!(err.ends_with(": not planned\n"), "{err}");
}
