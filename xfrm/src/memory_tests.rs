//! Unit tests of `MemoryKernel`: kernel-like errnos, SPI allocation, events, reconciliation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::model::{PolicyDir, Proto};
use crate::net::{Address, Link, LinkKind};
use crate::ops::Ownership;
use crate::state::DesiredKernel;
use crate::testutil::*;

fn spi_req(min: u32, max: u32) -> SpiRequest {
    SpiRequest {
        src: ip("198.51.100.1"),
        dst: ip("192.0.2.1"),
        proto: Proto::Esp,
        reqid: OUR_REQID,
        mark: None,
        min,
        max,
    }
}

fn with_eth0() -> MemoryKernel {
    let mut k = MemoryKernel::new();
    k.apply(&KernelOp::AddLink(Link {
        name: "eth0".into(),
        kind: LinkKind::Dummy,
        mtu: None,
        up: true,
    }))
    .unwrap();
    k.take_log();
    k
}

#[test]
fn spis_are_sequential_in_range_and_leave_larval_sas() {
    let mut k = MemoryKernel::new();
    let a = k.alloc_spi(&spi_req(0x100, 0x102)).unwrap();
    let b = k.alloc_spi(&spi_req(0x100, 0x102)).unwrap();
    let c = k.alloc_spi(&spi_req(0x100, 0x102)).unwrap();
    assert_eq!((a, b, c), (0x100, 0x101, 0x102));
    let e = k.alloc_spi(&spi_req(0x100, 0x102)).unwrap_err();
    assert_eq!(e.errno, Errno::ENOENT);
    assert_eq!(k.state().larval.len(), 3);
    assert_eq!(
        k.alloc_spi(&spi_req(5, 4)).unwrap_err().errno,
        Errno::EINVAL
    );
}

#[test]
fn larval_sa_is_completed_by_update_not_add() {
    let mut k = MemoryKernel::new();
    let spi = k.alloc_spi(&spi_req(0xc000_0000, 0xcfff_ffff)).unwrap();
    let inbound = sa("198.51.100.1", "192.0.2.1", spi, OUR_REQID);
    let err = k.apply(&KernelOp::AddSa(inbound.clone())).unwrap_err();
    assert!(err.is_exists());
    k.apply(&KernelOp::UpdateSa(inbound.clone())).unwrap();
    assert!(k.state().larval.is_empty());
    assert_eq!(k.state().sa(&inbound.id()).unwrap().sa, inbound);
}

#[test]
fn duplicate_add_is_eexist_with_readable_error() {
    let mut k = MemoryKernel::new();
    let out = sa("192.0.2.1", "198.51.100.1", 0x1000, OUR_REQID);
    k.apply(&KernelOp::AddSa(out.clone())).unwrap();
    let err = k.apply(&KernelOp::AddSa(out)).unwrap_err();
    assert_eq!(err.errno, Errno::EEXIST);
    assert_eq!(
        err.to_string(),
        "add SA 192.0.2.1->198.51.100.1 spi 0x00001000 esp reqid 2013265921: File exists (EEXIST)"
    );
    let p = policy(PolicyDir::Out, OUR_REQID);
    k.apply(&KernelOp::AddPolicy(p.clone())).unwrap();
    assert!(k.apply(&KernelOp::AddPolicy(p)).unwrap_err().is_exists());
    assert_eq!(k.log().len(), 2, "failed ops are not logged");
}

/// `apply_batch` (the trait's default, as NetlinkKernel's contract): one result per op in op
/// order, a failure (duplicate, injected errno) does not stop the ops after it, and later
/// ops see the effect of earlier ones (delete after add in the same batch).
#[test]
fn apply_batch_results_in_op_order_failures_isolated() {
    let mut k = with_eth0();
    let out = sa("192.0.2.1", "198.51.100.1", 0x1000, OUR_REQID);
    let inb = sa("198.51.100.1", "192.0.2.1", 0x2000, OUR_REQID);
    let p = policy(PolicyDir::Out, OUR_REQID);
    let ops = vec![
        KernelOp::AddSa(out.clone()),
        KernelOp::AddSa(out.clone()), // EEXIST
        KernelOp::AddSa(inb.clone()),
        KernelOp::AddPolicy(p.clone()),
        KernelOp::DelSa(inb.id()),
        KernelOp::DelSa(inb.id()), // ESRCH: already gone
        KernelOp::SetLink {
            name: "eth0".into(),
            up: false,
            mtu: Some(1400),
        },
    ];
    let r = k.apply_batch(&ops);
    let errnos: Vec<Option<Errno>> = r
        .iter()
        .map(|x| x.as_ref().err().map(|e| e.errno))
        .collect();
    assert_eq!(
        errnos,
        [
            None,
            Some(Errno::EEXIST),
            None,
            None,
            None,
            Some(Errno::ESRCH),
            None
        ]
    );
    assert_eq!(
        r[1].as_ref().unwrap_err().op,
        "add SA 192.0.2.1->198.51.100.1 spi 0x00001000 esp reqid 2013265921"
    );
    assert!(k.state().sa(&out.id()).is_some());
    assert!(k.state().sa(&inb.id()).is_none());
    assert_eq!(k.state().policies, vec![p]);
    // Successful ops are logged in order, failed ones are not.
    let logged: Vec<KernelOp> = [0, 2, 3, 4, 6].iter().map(|&i| ops[i].clone()).collect();
    assert_eq!(k.take_log(), logged);
    // An injected failure hits exactly the first op of the next batch.
    k.fail_next_apply(Errno::ENOBUFS);
    let r = k.apply_batch(&[KernelOp::DelSa(out.id()), KernelOp::DelSa(out.id())]);
    assert_eq!(r[0].as_ref().unwrap_err().errno, Errno::ENOBUFS);
    assert!(r[1].is_ok());
    assert!(k.apply_batch(&[]).is_empty());
}

/// `apply_diff`: trailing deletions run only when everything before them succeeded
/// (make-before-break), missing objects on deletion count as success, and `applied` sees
/// exactly the accepted ops.
#[test]
fn apply_diff_keeps_the_old_object_when_its_replacement_fails() {
    let mut k = MemoryKernel::new();
    let old = sa("192.0.2.1", "198.51.100.1", 0x1000, OUR_REQID);
    let new = sa("192.0.2.1", "198.51.100.1", 0x1001, OUR_REQID);
    let p = policy(PolicyDir::Out, OUR_REQID);
    k.apply(&KernelOp::AddSa(old.clone())).unwrap();
    let ops = vec![
        KernelOp::AddSa(new.clone()),
        KernelOp::AddPolicy(p.clone()),
        KernelOp::DelSa(old.id()),
    ];
    k.fail_next_apply(Errno::ENOMEM); // the new SA fails
    let mut seen = Vec::new();
    let e = crate::apply_diff(&mut k, &ops, |op| seen.push(op.clone())).unwrap_err();
    assert_eq!(e.errno, Errno::ENOMEM);
    assert!(k.state().sa(&old.id()).is_some(), "old SA kept");
    assert_eq!(k.state().policies, vec![p.clone()], "later adds still ran");
    assert_eq!(seen, vec![KernelOp::AddPolicy(p.clone())]);
    // Second attempt: the policy exists now (UpdatePolicy), the deletion of an SA that is
    // already gone is fine, and the old one is removed last.
    let ops = vec![
        KernelOp::AddSa(new.clone()),
        KernelOp::UpdatePolicy(p),
        KernelOp::DelSa(old.id()),
        KernelOp::DelSa(sa("192.0.2.1", "198.51.100.1", 0x999, OUR_REQID).id()),
    ];
    seen.clear();
    crate::apply_diff(&mut k, &ops, |op| seen.push(op.clone())).unwrap();
    assert_eq!(seen, ops[..3].to_vec());
    assert!(k.state().sa(&old.id()).is_none());
    assert!(k.state().sa(&new.id()).is_some());
}

#[test]
fn missing_deletes_use_the_kernels_errnos() {
    let mut k = MemoryKernel::new();
    let id = sa("192.0.2.1", "198.51.100.1", 0x1000, OUR_REQID).id();
    assert_eq!(
        k.apply(&KernelOp::DelSa(id)).unwrap_err().errno,
        Errno::ESRCH
    );
    let pid = policy(PolicyDir::In, OUR_REQID).id();
    assert_eq!(
        k.apply(&KernelOp::DelPolicy(pid)).unwrap_err().errno,
        Errno::ENOENT
    );
    let rid = our_route("10.2.0.0/16", "x", 1).id();
    assert!(k
        .apply(&KernelOp::DelRoute(rid))
        .unwrap_err()
        .is_not_found());
    assert_eq!(
        k.apply(&KernelOp::DelLink("x".into())).unwrap_err().errno,
        Errno::ENODEV
    );
    let upd = sa("192.0.2.1", "198.51.100.1", 0x1000, OUR_REQID);
    assert_eq!(
        k.apply(&KernelOp::UpdateSa(upd)).unwrap_err().errno,
        Errno::ESRCH
    );
}

#[test]
fn routes_need_their_links_and_die_with_them() {
    let mut k = with_eth0();
    let r = our_route("10.2.0.0/16", "xfrmd0", 10);
    assert_eq!(
        k.apply(&KernelOp::ReplaceRoute(r.clone()))
            .unwrap_err()
            .errno,
        Errno::ENODEV
    );
    k.apply(&KernelOp::AddLink(xfrm_link("xfrmd0", OUR_IF_ID)))
        .unwrap();
    k.apply(&KernelOp::AddAddress(Address {
        link: "xfrmd0".into(),
        local: "169.254.1.1/30".parse().unwrap(),
    }))
    .unwrap();
    k.apply(&KernelOp::ReplaceRoute(r.clone())).unwrap();
    assert!(k.apply(&KernelOp::AddRoute(r)).unwrap_err().is_exists());
    k.apply(&KernelOp::DelLink("xfrmd0".into())).unwrap();
    assert!(k.state().routes.is_empty());
    assert!(k.state().addresses.is_empty());
}

#[test]
fn applying_a_diff_converges() {
    let mut k = with_eth0();
    let mut foreign = sa("192.0.2.9", "198.51.100.9", 0x77, 7);
    foreign.if_id = None;
    k.state_mut().sas.push(crate::state::InstalledSa {
        sa: foreign,
        counters: Default::default(),
    });
    let desired = DesiredKernel {
        links: vec![xfrm_link("xfrmd0", OUR_IF_ID)],
        addresses: vec![],
        inbound_sas: vec![sa("198.51.100.1", "192.0.2.1", 0x10, OUR_REQID)],
        outbound_sas: vec![sa("192.0.2.1", "198.51.100.1", 0x11, OUR_REQID)],
        policies: vec![policy(PolicyDir::Out, OUR_REQID)],
        routes: vec![our_route("10.2.0.0/16", "xfrmd0", 10)],
    };
    let owner = Ownership::default();
    for op in k.snapshot().unwrap().diff(&desired, &owner) {
        k.apply(&op).unwrap();
    }
    assert_eq!(k.snapshot().unwrap().diff(&desired, &owner), vec![]);
    // Tear-down removes ours only.
    for op in k
        .snapshot()
        .unwrap()
        .diff(&DesiredKernel::default(), &owner)
    {
        k.apply(&op).unwrap();
    }
    let st = k.snapshot().unwrap();
    assert_eq!(st.sas.len(), 1);
    assert_eq!(st.sas[0].sa.reqid, 7);
    assert_eq!(st.links.len(), 1);
}

#[test]
fn events_counters_and_injected_failures() {
    let mut k = MemoryKernel::new();
    let s = sa("192.0.2.1", "198.51.100.1", 0x1000, OUR_REQID);
    k.apply(&KernelOp::AddSa(s.clone())).unwrap();
    assert!(k.advance_counters(&s.id(), 1500, 1));
    assert_eq!(
        k.snapshot().unwrap().sa(&s.id()).unwrap().counters.bytes,
        1500
    );
    assert!(k.expire(&s.id(), false));
    assert!(k.expire(&s.id(), true));
    assert_eq!(
        k.poll_event(),
        Some(KernelEvent::Expire {
            id: s.id(),
            reqid: OUR_REQID,
            hard: false
        })
    );
    assert_eq!(
        k.poll_event(),
        Some(KernelEvent::Expire {
            id: s.id(),
            reqid: OUR_REQID,
            hard: true
        })
    );
    assert_eq!(k.poll_event(), None);
    assert!(k.state().sas.is_empty());
    k.inject(KernelEvent::Overflow);
    assert_eq!(k.poll_event(), Some(KernelEvent::Overflow));
    k.fail_next_apply(Errno::ENOBUFS);
    assert_eq!(
        k.apply(&KernelOp::AddSa(s.clone())).unwrap_err().errno,
        Errno::ENOBUFS
    );
    k.apply(&KernelOp::AddSa(s)).unwrap();
}

#[test]
fn op_log_debug_never_shows_keys() {
    let mut k = MemoryKernel::new();
    k.apply(&KernelOp::AddSa(sa(
        "192.0.2.1",
        "198.51.100.1",
        0x1000,
        OUR_REQID,
    )))
    .unwrap();
    let dbg = format!("{:?}", k.log());
    assert!(dbg.contains("<redacted>"));
    assert!(!dbg.contains("[7, 7"), "{dbg}");
}

#[test]
fn sas_the_encoder_refuses_are_einval_here_too() {
    let mut k = MemoryKernel::new();
    let mut s = sa("192.0.2.1", "198.51.100.1", 0x1000, OUR_REQID);
    s.replay_window = 8192;
    let e = k.apply(&KernelOp::AddSa(s.clone())).unwrap_err();
    assert_eq!(e.errno, Errno::EINVAL);
    assert!(e.to_string().contains("replay window"), "{e}");
    s.replay_window = 64;
    k.apply(&KernelOp::AddSa(s.clone())).unwrap();
    assert!(k.advance_counters(&s.id(), 100, 2));
    let c = k.sa_counters(&s.id()).unwrap().unwrap();
    assert_eq!((c.bytes, c.packets), (100, 2));
}
