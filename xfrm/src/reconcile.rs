//! Driving a backend to a desired state: snapshot, diff, apply.
//!
//! `reconcile` is what start-up and reload run; `flush_owned` removes everything we own and
//! nothing else (the daemon's clean shutdown, or `ip xfrm state flush` done safely). Both
//! apply the diff with [`apply_diff`]: two `apply_batch` calls, the trailing deletions only
//! after everything before them succeeded, and report the first failure. They never touch
//! foreign objects because the diff never names them.

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
    apply_diff(k, &ops, |_| {})?;
    Ok(ops)
}

/// Removes every object carrying our ownership tags.
pub fn flush_owned<K: KernelBackend>(k: &mut K, owner: &Ownership) -> Result<Vec<KernelOp>> {
    reconcile(k, &DesiredKernel::default(), owner)
}

/// Applies the ops of a [`crate::KernelState::diff`] in two `apply_batch` calls: first
/// everything up to the trailing run of deletions, then, only if all of that succeeded, the
/// deletions. So a replacement that fails to install never costs the object it replaces
/// (make-before-break, DESIGN §3: the diff puts deletions last for this). A deletion that
/// finds nothing (a route that died with its link, an SA that hard-expired meanwhile) has
/// reached its goal and counts as success. `applied` is called for each op the kernel
/// accepted, in op order. Returns the first failure; unlike a loop of `apply`, the ops of a
/// phase after a failure still run (they do not depend on each other beyond what fails
/// along with it, e.g. an address on a link that could not be created).
pub fn apply_diff<K: KernelBackend>(
    k: &mut K,
    ops: &[KernelOp],
    mut applied: impl FnMut(&KernelOp),
) -> Result<()> {
    let split = ops
        .iter()
        .rposition(|op| !op.is_delete())
        .map_or(0, |i| i + 1);
    let (first, deletions) = ops.split_at(split);
    for phase in [first, deletions] {
        if phase.is_empty() {
            continue;
        }
        let mut failed = None;
        for (op, r) in phase.iter().zip(k.apply_batch(phase)) {
            match r {
                Ok(()) => applied(op),
                Err(e) if e.is_not_found() && op.is_delete() => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(())
}
