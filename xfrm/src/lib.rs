//! `xfrm`: the kernel boundary of xfrmd (DESIGN.md §3).
//!
//! Commands to the kernel are data ([`KernelOp`]), executed by a [`KernelBackend`]: the real
//! [`NetlinkKernel`] (XFRM over netlink-packet-xfrm + netlink-proto, links/addresses/routes
//! over rtnetlink) or the recording twin [`MemoryKernel`]. [`KernelState::diff`] reconciles a
//! snapshot with the configuration, adopting what matches and removing only objects tagged
//! as ours ([`Ownership`]). This crate never negotiates keys and never decides routing policy;
//! it only executes and observes. Key bytes live in [`Key`] and never reach `Debug` output.
//!
//! Daemon use: `NetlinkKernel::new()` in the daemon's network namespace; at start-up and on
//! reload `reconcile(&mut k, &desired, &owner)`; per CHILD_SA `alloc_spi` then
//! `apply(UpdateSa(inbound))`, `apply(AddSa(outbound))`, policies, routes; events via
//! `poll_event` whenever `event_notify()` fires (re-`snapshot` on `KernelEvent::Overflow`).
//! Simulations run the same code on `MemoryKernel` and assert on its op log.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod error;
pub mod key;
pub mod memory;
pub mod model;
pub mod net;
pub mod netlink;
pub mod ops;
pub mod reconcile;
pub mod state;
#[cfg(test)]
mod testutil;

pub use error::{Errno, KernelError};
pub use key::Key;
pub use memory::MemoryKernel;
pub use model::{
    Encap, Lifetime, Mark, Mode, Policy, PolicyAction, PolicyDir, PolicyId, Proto, Sa, SaCounters,
    SaCrypto, SaId, Selector, SpiRequest, Template,
};
pub use net::{
    Address, Link, LinkKind, NextHop, NextHops, Route, RouteId, RTPROT_XFRMD, RT_TABLE_MAIN,
};
pub use netlink::NetlinkKernel;
pub use ops::{KernelBackend, KernelEvent, KernelOp, Ownership};
pub use reconcile::{apply_diff, flush_owned, reconcile};
pub use state::{DesiredKernel, InstalledSa, KernelState, LarvalSa};
