//! Driving a backend to a desired state: snapshot, diff, apply.
//!
//! `reconcile` is what start-up and reload run; `flush_owned` removes everything we own and
//! nothing else (the daemon's clean shutdown, or `ip xfrm state flush` done safely). Both
//! stop at the first failing op and report it; they never touch foreign objects because the
//! diff never names them.

use crate::error::Result;
use crate::ops::{KernelBackend, KernelOp, Ownership};
use crate::state::DesiredKernel;

/// Brings `k` to `desired`; returns the ops applied.
pub fn reconcile<K: KernelBackend>(
    k: &mut K,
    desired: &DesiredKernel,
    owner: &Ownership,
) -> Result<Vec<KernelOp>> {
    let ops = k.snapshot()?.diff(desired, owner);
    for op in &ops {
        match k.apply(op) {
            Ok(()) => {}
            // A deletion that finds nothing (e.g. a route that died with its link, an SA
            // that hard-expired meanwhile) has reached its goal.
            Err(e) if e.is_not_found() && is_delete(op) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(ops)
}

/// Removes every object carrying our ownership tags.
pub fn flush_owned<K: KernelBackend>(k: &mut K, owner: &Ownership) -> Result<Vec<KernelOp>> {
    reconcile(k, &DesiredKernel::default(), owner)
}

fn is_delete(op: &KernelOp) -> bool {
    matches!(
        op,
        KernelOp::DelSa(_)
            | KernelOp::DelPolicy(_)
            | KernelOp::DelLink(_)
            | KernelOp::DelAddress(_)
            | KernelOp::DelRoute(_)
    )
}
