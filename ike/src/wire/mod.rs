//! Wire codec for IKEv2 (RFC 7296) and IKEv1/ISAKMP (RFC 2408, 2409).
//!
//! Each payload has a checked view over a byte slice (no accessor can panic once
//! `new_checked` succeeded) and a `Repr` with `parse`, `emit` and `buffer_len`, in the style of
//! smoltcp's `wire` module. IANA registries are open newtypes so unknown values round-trip.
//! This module never allocates keys, never decrypts and never decides protocol behaviour: it
//! only turns bytes into typed values and back.

pub mod v1;
pub mod v2;

/// Why a byte string could not be read as an IKE message or payload.
///
/// These are errors of *malformed input*; protocol decisions (which notify to answer with) are
/// made by the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The buffer ended before a field or a declared length.
    #[error("truncated: {what} needs {needed} bytes, {available} available")]
    Truncated {
        what: &'static str,
        needed: usize,
        available: usize,
    },
    /// A length field is smaller than the fixed part it must cover, or points past the end.
    #[error("bad length in {what}: {length}")]
    BadLength { what: &'static str, length: usize },
    /// A field holds a value the specification forbids.
    #[error("invalid {what}: {detail}")]
    Invalid {
        what: &'static str,
        detail: &'static str,
    },
    /// An unknown payload type with the critical bit set (RFC 7296 2.5).
    #[error("unsupported critical payload type {0}")]
    UnsupportedCritical(u8),
    /// The output buffer is too small for `emit`.
    #[error("output buffer too small: need {needed}, have {available}")]
    BufferTooSmall { needed: usize, available: usize },
}

/// Result alias for the codec.
pub type Result<T> = core::result::Result<T, Error>;
