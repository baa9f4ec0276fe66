//! IKEv1 / ISAKMP messages and payloads (RFC 2408 ISAKMP, RFC 2407 IPsec DOI, RFC 2409 IKE,
//! RFC 3947 NAT-T, RFC 3706 DPD).
//!
//! Checked views ([`Header`], [`AttributeView`]) and `Repr` types with `parse`, `emit` and
//! `buffer_len` for every payload; payload `Repr`s parse and emit the *body* after the 4-byte
//! generic header, which the chain walker ([`parse_payload_chain`]) handles. Malformed input is
//! an [`Error`](crate::wire::Error), never a panic, and no attacker-supplied count drives an
//! allocation beyond what the buffer holds. This module never decrypts, never hashes and never
//! decides what an exchange may contain: it only converts bytes to values and back. It shares
//! nothing with `wire::v2` but the error type.

pub mod attr;
pub mod attr_types;
mod bytes;
pub mod cert;
pub mod data;
pub mod delete;
pub mod header;
pub mod id;
pub mod message;
pub mod notify;
pub mod payload;
pub mod registry;
pub mod sa;
pub mod span;
#[cfg(test)]
mod strategies;
pub mod vendor;

pub use attr::{find_attr, AttrValue, Attribute, AttributeView};
pub use attr_types::{
    AuthAlgorithm, AuthMethod, EncapsulationMode, EncryptionAlgorithm, GroupDescription, GroupType,
    HashAlgorithm, LifeType, Phase1Attr, Phase2Attr,
};
pub use cert::{CertRepr, CertReqRepr};
pub use data::{HashRepr, KeRepr, NatDRepr, NonceRepr, SigRepr};
pub use delete::DeleteRepr;
pub use header::{
    split_payload, Flags, GenericPayload, Header, HeaderRepr, GENERIC_HEADER_LEN, HEADER_LEN,
};
pub use id::{IdRepr, Identification, NatOaRepr};
pub use message::{parse_message, Body, Message};
pub use notify::NotifyRepr;
pub use payload::{
    chain_len, emit_payload_chain, first_payload_type, parse_payload_chain,
    parse_payload_chain_padded, Payload,
};
pub use registry::{
    situation, CertEncoding, Doi, ExchangeType, IdType, NotifyType, PayloadType, ProtocolId,
    TransformId,
};
pub use sa::{ProposalRepr, SaRepr, TransformRepr};
pub use span::{payload_spans, PayloadSpan};
pub use vendor::{KnownVendorId, VendorIdRepr};
