//! `ike`: the IKEv1/IKEv2 protocol engine of xfrmd, sans-IO.
//!
//! This crate holds the wire codec ([`wire`]), the crypto provider ([`crypto`]) and (later) the
//! exchange state machines. It never opens a socket, never reads a clock, never talks to the
//! kernel and never depends on tokio: time and randomness come in from the caller, and
//! everything it wants done is handed back as data.

pub mod config;
pub mod crypto;
pub mod engine;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod v1;
pub mod v2;
pub mod wire;
