//! Unit tests of `KernelState::diff`: adoption, replacement, ownership and ordering.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::key::Key;
use crate::model::{PolicyDir, SaCrypto};
use crate::net::{Address, NextHop, NextHops};
use crate::testutil::*;

fn installed(sa: Sa) -> InstalledSa {
    InstalledSa {
        sa,
        counters: SaCounters::default(),
    }
}

fn desired_tunnel() -> DesiredKernel {
    DesiredKernel {
        links: vec![xfrm_link("xfrmd0", OUR_IF_ID)],
        addresses: vec![Address {
            link: "xfrmd0".into(),
            local: "169.254.10.1/30".parse().unwrap(),
        }],
        inbound_sas: vec![sa("198.51.100.1", "192.0.2.1", 0xc000_0001, OUR_REQID)],
        outbound_sas: vec![sa("192.0.2.1", "198.51.100.1", 0xc000_0002, OUR_REQID)],
        policies: vec![
            policy(PolicyDir::Out, OUR_REQID),
            policy(PolicyDir::In, OUR_REQID),
        ],
        routes: vec![our_route("10.2.0.0/16", "xfrmd0", 10)],
    }
}

fn state_from(d: &DesiredKernel) -> KernelState {
    KernelState {
        sas: d
            .inbound_sas
            .iter()
            .chain(&d.outbound_sas)
            .cloned()
            .map(installed)
            .collect(),
        larval: vec![],
        policies: d.policies.clone(),
        links: d.links.clone(),
        addresses: d.addresses.clone(),
        routes: d.routes.clone(),
    }
}

#[test]
fn adopting_everything_yields_no_ops() {
    let d = desired_tunnel();
    assert_eq!(state_from(&d).diff(&d, &Ownership::default()), vec![]);
}

#[test]
fn multipath_order_does_not_matter() {
    let hops = |a: &str, b: &str| {
        NextHops::Multipath(vec![
            NextHop {
                dev: a.into(),
                via: None,
                weight: 1,
            },
            NextHop {
                dev: b.into(),
                via: None,
                weight: 2,
            },
        ])
    };
    let mut d = desired_tunnel();
    d.routes[0].nexthops = hops("xfrmd0", "xfrmd1");
    let mut k = state_from(&d);
    k.routes[0].nexthops = NextHops::Multipath(vec![
        NextHop {
            dev: "xfrmd1".into(),
            via: None,
            weight: 2,
        },
        NextHop {
            dev: "xfrmd0".into(),
            via: None,
            weight: 1,
        },
    ]);
    assert_eq!(k.diff(&d, &Ownership::default()), vec![]);
}

#[test]
fn changed_lifetime_is_an_update() {
    let d = desired_tunnel();
    let mut k = state_from(&d);
    k.sas[1].sa.lifetime.hard_seconds = Some(7200);
    assert_eq!(
        k.diff(&d, &Ownership::default()),
        vec![KernelOp::UpdateSa(d.outbound_sas[0].clone())]
    );
}

#[test]
fn changed_key_replaces_that_sa() {
    let d = desired_tunnel();
    let mut k = state_from(&d);
    k.sas[0].sa.crypto = SaCrypto::Aead {
        name: "rfc4106(gcm(aes))".into(),
        key: Key::from_slice(&[9; 20]),
        icv_bits: 128,
    };
    let want = d.inbound_sas[0].clone();
    assert_eq!(
        k.diff(&d, &Ownership::default()),
        vec![KernelOp::DelSa(want.id()), KernelOp::AddSa(want)]
    );
}

#[test]
fn foreign_objects_are_never_touched() {
    let d = desired_tunnel();
    let mut k = state_from(&d);
    k.sas
        .push(installed(sa("192.0.2.9", "198.51.100.9", 0x1234, 7)));
    k.policies.push(policy(PolicyDir::Fwd, 7));
    k.routes.push(route("10.9.0.0/16", "eth0", 0, 4));
    k.links.push(xfrm_link("ipsec7", 7));
    k.addresses.push(Address {
        link: "ipsec7".into(),
        local: "10.7.0.1/24".parse().unwrap(),
    });
    assert_eq!(k.diff(&d, &Ownership::default()), vec![]);
}

#[test]
fn foreign_object_with_our_id_is_not_overwritten() {
    let d = desired_tunnel();
    let mut k = state_from(&d);
    k.sas[1].sa.reqid = 7; // same SPI/dst, but another daemon's SA
    k.routes[0].protocol = 4; // same prefix/table/metric, static route of the admin
    let ops = k.diff(&d, &Ownership::default());
    assert_eq!(
        ops,
        vec![
            KernelOp::AddSa(d.outbound_sas[0].clone()),
            KernelOp::AddRoute(d.routes[0].clone()),
        ]
    );
}

#[test]
fn our_leftovers_are_deleted_in_reverse_order() {
    let d = desired_tunnel();
    let k = state_from(&d);
    let ops = k.diff(&DesiredKernel::default(), &Ownership::default());
    assert_eq!(
        ops,
        vec![
            KernelOp::DelRoute(d.routes[0].id()),
            KernelOp::DelPolicy(d.policies[0].id()),
            KernelOp::DelPolicy(d.policies[1].id()),
            KernelOp::DelSa(d.inbound_sas[0].id()),
            KernelOp::DelSa(d.outbound_sas[0].id()),
            // The address goes with its link: no separate DelAddress.
            KernelOp::DelLink("xfrmd0".into()),
        ]
    );
}

#[test]
fn fresh_install_is_make_before_break_ordered() {
    let d = desired_tunnel();
    // An old generation of ours is still installed under other SPIs and another route.
    let mut old = desired_tunnel();
    old.inbound_sas[0].spi = 0xc000_00a1;
    old.outbound_sas[0].spi = 0xc000_00a2;
    old.routes[0].metric = 20;
    old.links.clear();
    old.addresses.clear();
    let k = state_from(&old);
    let ops = k.diff(&d, &Ownership::default());
    let kinds: Vec<String> = ops.iter().map(|o| o.to_string()).collect();
    assert_eq!(
        kinds,
        vec![
            "add link xfrmd0",
            "add address 169.254.10.1/30 dev xfrmd0",
            "add SA 198.51.100.1->192.0.2.1 spi 0xc0000001 esp reqid 2013265921",
            "add SA 192.0.2.1->198.51.100.1 spi 0xc0000002 esp reqid 2013265921",
            "replace route 10.2.0.0/16 table 254 metric 10",
            "delete route 10.2.0.0/16 table 254 metric 20",
            "delete SA dst 192.0.2.1 spi 0xc00000a1 esp",
            "delete SA dst 198.51.100.1 spi 0xc00000a2 esp",
        ]
    );
}

#[test]
fn larval_sa_is_filled_with_update() {
    let d = desired_tunnel();
    let mut k = state_from(&d);
    let inbound = k.sas.remove(0).sa;
    k.larval.push(LarvalSa {
        id: inbound.id(),
        src: inbound.src,
        reqid: inbound.reqid,
    });
    assert_eq!(
        k.diff(&d, &Ownership::default()),
        vec![KernelOp::UpdateSa(inbound)]
    );
}

#[test]
fn link_settings_and_policy_changes() {
    let d = desired_tunnel();
    let mut k = state_from(&d);
    k.links[0].mtu = Some(1500);
    k.links[0].up = false;
    k.policies[0].priority = 5;
    k.addresses.push(Address {
        link: "xfrmd0".into(),
        local: "169.254.99.1/30".parse().unwrap(),
    });
    assert_eq!(
        k.diff(&d, &Ownership::default()),
        vec![
            KernelOp::SetLink {
                name: "xfrmd0".into(),
                up: true,
                mtu: Some(1400)
            },
            KernelOp::UpdatePolicy(d.policies[0].clone()),
            KernelOp::DelAddress(Address {
                link: "xfrmd0".into(),
                local: "169.254.99.1/30".parse().unwrap(),
            }),
        ]
    );
}

#[test]
fn adding_or_removing_encap_replaces_the_sa() {
    let d = desired_tunnel();
    let mut k = state_from(&d);
    k.sas[1].sa.encap = Some(crate::model::Encap {
        sport: 4500,
        dport: 4500,
    });
    let want = d.outbound_sas[0].clone();
    assert_eq!(
        k.diff(&d, &Ownership::default()),
        vec![KernelOp::DelSa(want.id()), KernelOp::AddSa(want)]
    );
    // Changed NAT-T ports of an existing encapsulation are an in-place update.
    let mut d2 = d.clone();
    d2.outbound_sas[0].encap = Some(crate::model::Encap {
        sport: 4500,
        dport: 31000,
    });
    assert_eq!(
        k.diff(&d2, &Ownership::default()),
        vec![KernelOp::UpdateSa(d2.outbound_sas[0].clone())]
    );
}

#[test]
fn recreating_a_link_restores_its_addresses_and_routes() {
    let mut d = desired_tunnel();
    let k = state_from(&d);
    // Same name, now a VTI: the xfrm interface goes, with its address and route.
    d.links[0].kind = crate::net::LinkKind::Vti {
        local: ip("192.0.2.1"),
        remote: ip("198.51.100.1"),
        ikey: OUR_IF_ID,
        okey: OUR_IF_ID + 1,
    };
    let ops: Vec<String> = k
        .diff(&d, &Ownership::default())
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(
        ops,
        vec![
            "delete link xfrmd0",
            "add link xfrmd0",
            "add address 169.254.10.1/30 dev xfrmd0",
            "replace route 10.2.0.0/16 table 254 metric 10",
        ]
    );
}

#[test]
fn kernel_link_local_addresses_on_our_links_are_left_alone() {
    let d = desired_tunnel();
    let mut have = state_from(&d);
    have.addresses.push(Address {
        link: "xfrmd0".into(),
        local: "fe80::c99b:138e:3cf6:814d/64".parse().unwrap(),
    });
    // A stray global address on our link is still removed.
    let stray = Address {
        link: "xfrmd0".into(),
        local: "2001:db8::1/64".parse().unwrap(),
    };
    have.addresses.push(stray.clone());
    assert_eq!(
        have.diff(&d, &Ownership::default()),
        vec![KernelOp::DelAddress(stray)]
    );
}
