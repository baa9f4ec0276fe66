//! The IKEv1 engine (RFC 2409 main mode, opt-in aggressive mode and quick mode over RFC 2408 ISAKMP), sans-IO like
//! [`crate::v2`] and speaking the same vocabulary: it takes datagrams, timer expiries and
//! operator/kernel inputs, and hands back [`Transmit`](crate::v2::Transmit)s,
//! [`KernelCommand`](crate::v2::KernelCommand)s and [`Event`](crate::v2::Event)s, so the daemon
//! drives both versions the same way. It shares the wire primitives ([`crate::wire::v1`]), the
//! crypto provider and [`ConnectionConfig`](crate::config::ConnectionConfig) with IKEv2. It never
//! opens a socket, never reads a clock and never talks to the kernel.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod aggressive_mode;
mod auth_sig;
mod child;
mod endpoint;
#[cfg(any(test, feature = "insecure-test-provider"))]
#[doc(hidden)]
pub mod fuzz;
mod ids;
mod informational;
mod isakmp_sa;
mod main_mode;
mod proposal;
mod quick_mode;

pub use endpoint::Endpoint;
