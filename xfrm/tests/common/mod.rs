//! Helpers for tests against the real kernel: run a body in a fresh network namespace.
//!
//! The body runs on its own thread after `unshare(CLONE_NEWNET)`, so it (and the netlink
//! worker thread it starts) never sees the host's XFRM tables, links or routes. Without the
//! privilege to do that, the test is skipped with a reason printed to the real stderr
//! (bypassing libtest's capture, so the skip is visible in `cargo test` output).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use nix::sched::{unshare, CloneFlags};
use xfrm::{KernelBackend, KernelOp, NetlinkKernel};

/// Prints to the process's stderr even while libtest captures test output.
pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// Runs `body` in a new network namespace; skips (with a printed reason) if that fails.
pub fn in_netns<F>(test: &str, body: F)
where
    F: FnOnce() + Send + 'static,
{
    let t = test.to_string();
    let h = std::thread::spawn(move || {
        if let Err(e) = unshare(CloneFlags::CLONE_NEWNET) {
            note(&format!(
                "SKIPPED {t}: cannot unshare(CLONE_NEWNET): {e} (needs root / CAP_SYS_ADMIN)"
            ));
            return;
        }
        body();
    });
    if let Err(p) = h.join() {
        std::panic::resume_unwind(p);
    }
}

/// A `NetlinkKernel` in the current (test) namespace, with `lo` up.
pub fn kernel() -> NetlinkKernel {
    let mut k = NetlinkKernel::new().expect("open netlink sockets");
    k.apply(&KernelOp::SetLink {
        name: "lo".into(),
        up: true,
        mtu: None,
    })
    .expect("set lo up");
    k
}
