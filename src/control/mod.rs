//! The control socket: how `xfrmd status|up|down|reload` talk to the running daemon.
//!
//! A unix stream socket (default [`DEFAULT_CONTROL_PATH`], mode 0600) carrying JSON lines:
//! one [`Request`] per line from the client, one [`Response`] per line back. The tokio
//! [`ControlServer`] hands each request to the synchronous daemon core as a
//! [`ControlRequest`] over an mpsc channel and writes back whatever the core sends on the
//! request's oneshot reply; the blocking [`ControlClient`] is what the CLI uses. This module
//! never decides anything itself and never carries secrets: status reports name algorithms
//! and SPIs, never keys or PSKs.

pub mod client;
pub mod proto;
pub mod server;
pub mod status;
pub mod table;

pub use client::{ClientError, ControlClient};
pub use proto::{Request, Response};
pub use server::{ControlRequest, ControlServer};
pub use status::{
    Phase1Algorithms, Phase2Algorithms, PhaseState, ProbeState, ProbeStatus, StatusReport,
    TunnelStatus,
};

/// Where the daemon listens unless told otherwise (`--control PATH`).
pub const DEFAULT_CONTROL_PATH: &str = "/run/xfrmd/control.sock";
