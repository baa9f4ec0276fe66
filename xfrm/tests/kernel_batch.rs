//! `NetlinkKernel::apply_batch` against the running kernel, in a fresh network namespace:
//! results come back one per op in op order, a failing op does not stop the others, the
//! kernel applies pipelined requests in send order, and link ops act as barriers.
//! (Policies only: the build machines' kernel has no ESP SAs.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{in_netns, kernel};
use ipnet::IpNet;
use xfrm::*;

fn policy(i: u32, dir: PolicyDir) -> Policy {
    let host = |a: [u8; 4]| IpNet::new(std::net::IpAddr::from(a), 32).unwrap();
    let hi = u8::try_from(i >> 8).unwrap();
    let lo = u8::try_from(i & 0xff).unwrap();
    Policy {
        selector: Selector::nets(host([10, 1, 0, 10]), host([10, 128 + hi, lo, 10])),
        dir,
        priority: 0,
        action: PolicyAction::Allow,
        templates: vec![Template {
            src: "192.0.2.1".parse().unwrap(),
            dst: "198.51.100.1".parse().unwrap(),
            proto: Proto::Esp,
            mode: Mode::Tunnel,
            reqid: 0x7800_0000 + i,
            spi: 0,
            optional: false,
        }],
        if_id: None,
        mark: None,
    }
}

#[test]
fn batch_results_in_order_failures_isolated() {
    in_netns("batch_results_in_order_failures_isolated", || {
        let mut k = kernel();
        let n = 300; // several pipeline windows
        let mut ops: Vec<KernelOp> = (0..n)
            .map(|i| KernelOp::AddPolicy(policy(i, PolicyDir::Out)))
            .collect();
        // A duplicate in the middle fails with EEXIST; a barrier (link op) follows it.
        ops.insert(150, KernelOp::AddPolicy(policy(7, PolicyDir::Out)));
        ops.insert(
            151,
            KernelOp::SetLink {
                name: "lo".into(),
                up: true,
                mtu: None,
            },
        );
        // Delete-after-add of the same policy within one pipelined run: only works if the
        // kernel sees the requests in op order.
        ops.push(KernelOp::AddPolicy(policy(1000, PolicyDir::In)));
        ops.push(KernelOp::DelPolicy(policy(1000, PolicyDir::In).id()));
        let r = k.apply_batch(&ops);
        assert_eq!(r.len(), ops.len());
        for (i, res) in r.iter().enumerate() {
            if i == 150 {
                assert_eq!(res.as_ref().unwrap_err().errno, Errno::EEXIST, "op {i}");
            } else {
                assert!(res.is_ok(), "op {i}: {res:?}");
            }
        }
        let st = k.snapshot().unwrap();
        assert_eq!(st.policies.len(), n as usize);
        assert!(st.policies.iter().all(|p| p.dir == PolicyDir::Out));

        let dels: Vec<KernelOp> = (0..n)
            .map(|i| KernelOp::DelPolicy(policy(i, PolicyDir::Out).id()))
            .collect();
        assert!(k.apply_batch(&dels).iter().all(|r| r.is_ok()));
        assert!(k.snapshot().unwrap().policies.is_empty());
        assert!(k.apply_batch(&[]).is_empty());
    });
}

/// Errors from the batch socket carry the kernel's errno and extended-ack text per op, and
/// never key bytes. On a kernel with ESP (the lab VM) the SA is added, its duplicate is
/// EEXIST and the delete works; on the build machines' kernel (no ESP/GCM) every SA op is
/// refused with "... not found" (ENOSYS or EPROTONOSUPPORT), each with its own result.
#[test]
fn batch_errors_carry_errno_and_extack_text() {
    in_netns("batch_errors_carry_errno_and_extack_text", || {
        let mut k = kernel();
        let sa = Sa {
            src: "192.0.2.1".parse().unwrap(),
            dst: "198.51.100.1".parse().unwrap(),
            spi: 0x4242,
            proto: Proto::Esp,
            mode: Mode::Tunnel,
            reqid: 0x7800_0042,
            if_id: None,
            mark: None,
            crypto: SaCrypto::Aead {
                name: "rfc4106(gcm(aes))".into(),
                key: Key::from_slice(&[0x33; 20]),
                icv_bits: 128,
            },
            replay_window: 32,
            esn: false,
            encap: None,
            lifetime: Lifetime::default(),
            selector: None,
        };
        let ops = [
            KernelOp::AddSa(sa.clone()),
            KernelOp::AddSa(sa.clone()),
            KernelOp::AddPolicy(policy(1, PolicyDir::Out)),
        ];
        let r = k.apply_batch(&ops);
        assert_eq!(r.len(), 3);
        assert!(r[2].is_ok(), "{:?}", r[2]);
        match &r[0] {
            Ok(()) => {
                assert!(r[1].as_ref().unwrap_err().is_exists());
                let del = k.apply_batch(&[KernelOp::DelSa(sa.id())]);
                assert!(del[0].is_ok(), "{:?}", del[0]);
            }
            Err(_) => {
                for e in r[..2].iter().map(|x| x.as_ref().unwrap_err()) {
                    assert!(
                        e.errno == Errno::ENOSYS || e.errno == Errno::EPROTONOSUPPORT,
                        "{e}"
                    );
                    let msg = e.message.clone().unwrap_or_default();
                    assert!(msg.contains("not found"), "no extended ack text in {e}");
                    assert!(e.op.starts_with("add SA 192.0.2.1->198.51.100.1"), "{e}");
                    let text = format!("{e} {e:?}");
                    assert!(!text.contains("51, 51") && !text.contains("0x33"), "{text}");
                }
            }
        }
    });
}
