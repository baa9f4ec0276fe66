//! The IKEv2 engine (RFC 7296), sans-IO in the style of quinn-proto.
//!
//! One [`Endpoint`] owns every IKE SA. The caller feeds datagrams, timer expiries and
//! operator/kernel events in, and pulls [`Transmit`]s, [`KernelCommand`]s and [`Event`]s out.
//! Time only enters as an [`Instant`] argument and randomness only through the crypto
//! provider; Child SA SPIs come from an injected [`SpiAllocator`]. This module never opens a
//! socket, never reads a clock and never talks to the kernel.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod auth_cert;
mod auth_sig;
mod child_sa;
mod cookie;
mod dispatch;
mod endpoint;
mod fragment;
#[cfg(any(test, feature = "insecure-test-provider"))]
#[doc(hidden)]
pub mod fuzz;
mod ike_sa;
mod lifecycle;
mod proposal;
mod protect;
pub(crate) mod retransmit;
mod rules;
mod suite_name;
mod tasks;
mod ts;
mod types;

pub use endpoint::{Endpoint, SaSummary};
pub use retransmit::total as retransmit_total;
pub use types::*;
