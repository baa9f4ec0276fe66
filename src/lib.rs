//! `xfrmd`: the daemon core, the only place where `ike`, `policy` and `xfrm` meet.
//!
//! It owns the tokio shell, the control socket and the CLI. It never implements protocol
//! logic (that is `ike`), routing decisions (`policy`) or netlink encoding (`xfrm`).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod activity;
pub mod config_map;
pub mod control;
pub mod daemon;
pub mod metrics;
pub mod plan;
pub mod probe_io;
pub mod runtime;
pub mod state_file;
pub mod transport;
