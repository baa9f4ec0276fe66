//! Links, addresses and routes over rtnetlink against the running kernel, each test in a
//! fresh network namespace: single-path, multipath (weights) and blackhole routes with
//! metric/table/protocol round-trip through a snapshot; errno mapping; tunnel links (refused
//! on the build machine's kernel, round-tripped where they exist); reconcile and flush on a
//! real kernel leave foreign objects alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{in_netns, kernel, note};
use xfrm::*;

fn bridge(name: &str, mtu: Option<u32>) -> Link {
    Link {
        name: name.into(),
        kind: LinkKind::Bridge,
        mtu,
        up: true,
    }
}

fn addr(link: &str, local: &str) -> Address {
    Address {
        link: link.into(),
        local: local.parse().unwrap(),
    }
}

fn dev_route(dst: &str, dev: &str, metric: u32, protocol: u8) -> Route {
    Route {
        dst: dst.parse().unwrap(),
        table: RT_TABLE_MAIN,
        metric,
        protocol,
        pref_src: None,
        nexthops: NextHops::Dev {
            dev: dev.into(),
            via: None,
        },
    }
}

fn ecmp(dst: &str, table: u32, metric: u32, w0: u16, w1: u16) -> Route {
    Route {
        dst: dst.parse().unwrap(),
        table,
        metric,
        protocol: RTPROT_XFRMD,
        pref_src: None,
        nexthops: NextHops::Multipath(vec![
            NextHop {
                dev: "xb0".into(),
                via: None,
                weight: w0,
            },
            NextHop {
                dev: "xb1".into(),
                via: None,
                weight: w1,
            },
        ]),
    }
}

fn has_route(st: &KernelState, r: &Route) -> bool {
    st.routes.iter().any(|k| k.canonical() == r.canonical())
}

fn setup_links(k: &mut NetlinkKernel) {
    k.apply(&KernelOp::AddLink(bridge("xb0", Some(1400))))
        .unwrap();
    k.apply(&KernelOp::AddLink(bridge("xb1", None))).unwrap();
    k.apply(&KernelOp::AddAddress(addr("xb0", "10.98.0.1/24")))
        .unwrap();
    k.apply(&KernelOp::AddAddress(addr("xb1", "10.98.1.1/24")))
        .unwrap();
}

#[test]
fn links_addresses_and_routes_roundtrip() {
    in_netns("links_addresses_and_routes_roundtrip", || {
        let mut k = kernel();
        setup_links(&mut k);
        let mut single = dev_route("10.2.0.0/16", "xb0", 10, RTPROT_XFRMD);
        single.pref_src = Some("10.98.0.1".parse().unwrap());
        let multi = ecmp("10.3.0.0/16", 100, 20, 1, 3);
        let hole = Route {
            nexthops: NextHops::Blackhole,
            ..dev_route("10.4.0.0/16", "xb0", 30, RTPROT_XFRMD)
        };
        for r in [&single, &multi, &hole] {
            k.apply(&KernelOp::ReplaceRoute(r.clone())).unwrap();
        }
        let st = k.snapshot().unwrap();
        let xb0 = st.links.iter().find(|l| l.name == "xb0").unwrap();
        assert_eq!(
            (xb0.kind.clone(), xb0.mtu, xb0.up),
            (LinkKind::Bridge, Some(1400), true)
        );
        assert!(
            st.addresses.contains(&addr("xb1", "10.98.1.1/24")),
            "{:?}",
            st.addresses
        );
        for r in [&single, &multi, &hole] {
            assert!(has_route(&st, r), "missing {r:?} in {:#?}", st.routes);
        }

        // Same prefix/table/metric again without replace: the kernel refuses.
        let e = k.apply(&KernelOp::AddRoute(single.clone())).unwrap_err();
        assert!(e.is_exists(), "{e}");
        // Replace changes the ECMP weights in place.
        let reweighted = ecmp("10.3.0.0/16", 100, 20, 2, 1);
        k.apply(&KernelOp::ReplaceRoute(reweighted.clone()))
            .unwrap();
        let st = k.snapshot().unwrap();
        assert!(has_route(&st, &reweighted) && !has_route(&st, &multi));

        k.apply(&KernelOp::DelRoute(reweighted.id())).unwrap();
        let e = k.apply(&KernelOp::DelRoute(reweighted.id())).unwrap_err();
        assert!(e.is_not_found(), "{e}");
        k.apply(&KernelOp::SetLink {
            name: "xb1".into(),
            up: false,
            mtu: Some(1300),
        })
        .unwrap();
        k.apply(&KernelOp::DelAddress(addr("xb0", "10.98.0.1/24")))
            .unwrap();
        k.apply(&KernelOp::DelLink("xb0".into())).unwrap();
        let e = k.apply(&KernelOp::DelLink("xb0".into())).unwrap_err();
        assert_eq!(e.errno, Errno::ENODEV, "{e}");
        let st = k.snapshot().unwrap();
        let xb1 = st.links.iter().find(|l| l.name == "xb1").unwrap();
        assert_eq!((xb1.mtu, xb1.up), (Some(1300), false));
        assert!(!st.links.iter().any(|l| l.name == "xb0"));
        assert!(
            !has_route(&st, &single),
            "route via a deleted link survived"
        );
    });
}

#[test]
fn ipv6_multipath_route_roundtrips() {
    in_netns("ipv6_multipath_route_roundtrips", || {
        if !std::path::Path::new("/proc/sys/net/ipv6").exists() {
            note("SKIPPED ipv6_multipath_route_roundtrips: kernel without IPv6");
            return;
        }
        let mut k = kernel();
        setup_links(&mut k);
        // IPv6 refuses device-only multipath routes; a link-local gateway per member works.
        let dev_only = ecmp("2001:db8:5::/48", RT_TABLE_MAIN, 50, 1, 2);
        let e = k
            .apply(&KernelOp::ReplaceRoute(dev_only.clone()))
            .unwrap_err();
        assert_eq!(e.errno, Errno::EINVAL, "{e}");
        let mut m = MemoryKernel::new();
        m.apply(&KernelOp::AddLink(bridge("xb0", None))).unwrap();
        m.apply(&KernelOp::AddLink(bridge("xb1", None))).unwrap();
        let twin = m.apply(&KernelOp::ReplaceRoute(dev_only)).unwrap_err();
        assert_eq!(
            twin.errno, e.errno,
            "MemoryKernel disagrees with the kernel"
        );
        let mut r = ecmp("2001:db8:5::/48", RT_TABLE_MAIN, 50, 1, 2);
        if let NextHops::Multipath(hops) = &mut r.nexthops {
            hops[0].via = Some("fe80::1".parse().unwrap());
            hops[1].via = Some("fe80::2".parse().unwrap());
        }
        k.apply(&KernelOp::ReplaceRoute(r.clone())).unwrap();
        let st = k.snapshot().unwrap();
        assert!(has_route(&st, &r), "{:#?}", st.routes);
        k.apply(&KernelOp::DelRoute(r.id())).unwrap();
        assert!(!has_route(&k.snapshot().unwrap(), &r));
    });
}

#[test]
fn tunnel_links_roundtrip_or_are_refused() {
    in_netns("tunnel_links_roundtrip_or_are_refused", || {
        let mut k = kernel();
        k.apply(&KernelOp::AddLink(bridge("xb0", None))).unwrap();
        let xfrmi = Link {
            name: "xfrmd7".into(),
            kind: LinkKind::Xfrm {
                dev: Some("xb0".into()),
                if_id: 0x7800_0007,
            },
            mtu: Some(1400),
            up: true,
        };
        let vti = Link {
            name: "vtid7".into(),
            kind: LinkKind::Vti {
                local: "192.0.2.1".parse().unwrap(),
                remote: "198.51.100.1".parse().unwrap(),
                ikey: 0x7800_0007,
                okey: 0x7800_0008,
            },
            mtu: Some(1400),
            up: true,
        };
        for l in [xfrmi, vti] {
            match k.apply(&KernelOp::AddLink(l.clone())) {
                Ok(()) => {
                    let st = k.snapshot().unwrap();
                    assert_eq!(st.links.iter().find(|x| x.name == l.name), Some(&l));
                    k.apply(&KernelOp::DelLink(l.name.clone())).unwrap();
                }
                Err(e) => {
                    assert_eq!(e.errno, Errno::EOPNOTSUPP, "{e}");
                    assert!(e.message.is_some(), "no extended ack in {e}");
                    note(&format!("expected on this kernel (no xfrm/vti links): {e}"));
                }
            }
        }
    });
}

#[test]
fn reconcile_converges_and_flush_spares_foreign_objects() {
    in_netns(
        "reconcile_converges_and_flush_spares_foreign_objects",
        || {
            let mut k = kernel();
            setup_links(&mut k);
            let foreign_route = dev_route("10.7.0.0/16", "xb0", 10, 4); // proto static
            k.apply(&KernelOp::AddRoute(foreign_route.clone())).unwrap();
            let foreign_policy = Policy {
                selector: Selector::nets(
                    "10.7.0.0/16".parse().unwrap(),
                    "10.8.0.0/16".parse().unwrap(),
                ),
                dir: PolicyDir::In,
                priority: 5,
                action: PolicyAction::Allow,
                templates: vec![],
                if_id: None,
                mark: None,
            };
            k.apply(&KernelOp::AddPolicy(foreign_policy.clone()))
                .unwrap();

            let owner = Ownership::default();
            let ours = Policy {
                templates: vec![Template {
                    src: "192.0.2.1".parse().unwrap(),
                    dst: "198.51.100.1".parse().unwrap(),
                    proto: Proto::Esp,
                    mode: Mode::Tunnel,
                    reqid: 0x7800_0001,
                    spi: 0,
                    optional: false,
                }],
                dir: PolicyDir::Out,
                ..foreign_policy.clone()
            };
            let desired = DesiredKernel {
                links: vec![bridge("xb0", Some(1400)), bridge("xb1", None)],
                addresses: vec![addr("xb0", "10.98.0.1/24")],
                inbound_sas: vec![],
                outbound_sas: vec![],
                policies: vec![ours.clone()],
                routes: vec![
                    dev_route("10.9.0.0/16", "xb0", 10, RTPROT_XFRMD),
                    ecmp("10.10.0.0/16", RT_TABLE_MAIN, 10, 1, 1),
                ],
            };
            let applied = reconcile(&mut k, &desired, &owner).unwrap();
            assert_eq!(applied.len(), 3, "{applied:#?}");
            assert_eq!(
                k.snapshot().unwrap().diff(&desired, &owner),
                vec![],
                "not converged"
            );

            let removed = flush_owned(&mut k, &owner).unwrap();
            assert_eq!(removed.len(), 3, "{removed:#?}");
            let st = k.snapshot().unwrap();
            assert!(!st.policies.contains(&ours));
            assert!(st.policies.contains(&foreign_policy));
            assert!(has_route(&st, &foreign_route));
            assert!(!st.routes.iter().any(|r| r.protocol == RTPROT_XFRMD));
        },
    );
}
