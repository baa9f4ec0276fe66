//! IKEv2 messages and payloads (RFC 7296, RFC 7383 fragments, RFC 7427 signatures).
//!
//! `header` is the IKE header, `registry` the IANA number spaces, `payloads` one module per
//! payload family, `message` the payload chain walker and whole messages. Everything here
//! turns bytes into typed values and back with every declared length checked; nothing here
//! decrypts, verifies, or decides which payloads an exchange may carry.

pub mod header;
pub mod message;
pub mod payloads;
pub mod registry;
mod util;

pub use header::{Flags, Header, HeaderView, HEADER_LEN};
pub use message::{
    emit_payload_chain, encrypted_payload_offset, first_payload_type, parse_payload_chain,
    payload_chain_len, payload_chain_to_vec, raw_payloads, Message, RawPayload, RawPayloads,
};
pub use payloads::*;
pub use registry::*;

/// Parses one IKEv2 datagram (see [`Message::parse`]).
pub fn parse_message(buf: &[u8]) -> crate::wire::Result<Message> {
    Message::parse(buf)
}
