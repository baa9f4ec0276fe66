//! The plan applied to this machine's real kernel, each test in a fresh network namespace
//! (needs root; prints a SKIP line otherwise): policy mode installs its SPD entries through
//! `NetlinkKernel` and a second reconcile adopts them with no op; route mode's if_id-bound
//! SPD entries install too, and its xfrm interfaces either install (lab kernel) or fail
//! with the kernel's own EOPNOTSUPP (build machines have no xfrm interfaces, LAB.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use xfrm::{flush_owned, reconcile, DesiredKernel, KernelBackend, KernelOp, NetlinkKernel};
use xfrmd::plan::plan;

fn in_netns(name: &str, body: impl FnOnce() + Send + 'static) {
    if !nix::unistd::geteuid().is_root() {
        println!("SKIP {name}: needs root (CAP_SYS_ADMIN for unshare(CLONE_NEWNET))");
        return;
    }
    let name = name.to_owned();
    std::thread::spawn(move || {
        if let Err(e) = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET) {
            println!("SKIP {name}: unshare(CLONE_NEWNET): {e}");
            return;
        }
        let ok = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status()
            .unwrap();
        assert!(ok.success());
        body();
    })
    .join()
    .unwrap();
}

fn site(mode: &str) -> policy::Site {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/west.yaml"))
        .unwrap()
        .replace("mode: route", mode);
    policy::load(&src, "west.yaml").unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn policy_mode_plan_installs_and_is_adopted() {
    in_netns("policy_mode_plan_installs", || {
        let p = plan(&site("mode: policy"));
        let mut k = NetlinkKernel::new().unwrap();
        let ops = reconcile(&mut k, &p.desired, &p.ownership).unwrap();
        assert_eq!(ops.len(), 3, "{ops:?}");
        assert!(ops.iter().all(|o| matches!(o, KernelOp::AddPolicy(_))));
        let snap = k.snapshot().unwrap();
        for want in &p.desired.policies {
            assert!(
                snap.policies.iter().any(|h| h.id() == want.id()),
                "{want:?} not in {snap:?}"
            );
        }
        // A restarted daemon finds everything in place.
        assert_eq!(reconcile(&mut k, &p.desired, &p.ownership).unwrap(), []);
        // And removes only what it owns.
        assert_eq!(flush_owned(&mut k, &p.ownership).unwrap().len(), 3);
        assert!(k.snapshot().unwrap().policies.is_empty());
    });
}

#[test]
fn route_mode_plan_on_this_kernel() {
    in_netns("route_mode_plan", || {
        let p = plan(&site("mode: route"));
        let mut k = NetlinkKernel::new().unwrap();
        // The if_id-bound SPD entries alone: 2 tunnels x (site network, inside CIDR) x
        // out/in/fwd (transit off narrows the local selector).
        let spd = DesiredKernel {
            policies: p.desired.policies.clone(),
            ..DesiredKernel::default()
        };
        assert_eq!(reconcile(&mut k, &spd, &p.ownership).unwrap().len(), 12);
        assert_eq!(reconcile(&mut k, &spd, &p.ownership).unwrap(), []);
        // The whole plan: xfrm interfaces need kernel support the build machines lack.
        match reconcile(&mut k, &p.desired, &p.ownership) {
            Ok(ops) => {
                println!("route mode plan applied: {} ops", ops.len());
                assert_eq!(reconcile(&mut k, &p.desired, &p.ownership).unwrap(), []);
            }
            Err(e) => {
                println!("route mode plan on this kernel: {e}");
                assert_eq!(e.errno.0, libc::EOPNOTSUPP, "{e}");
                assert!(e.op.starts_with("add link xfrm-east-t1"), "{e}");
            }
        }
    });
}
