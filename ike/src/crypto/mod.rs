//! The crypto provider: ciphers, PRFs, integrity, key exchange, signatures, key derivation.
//!
//! Everything here is a pure function of its inputs plus randomness taken from a [`Random`]
//! source (or ring's own `SystemRandom` for ring's ephemeral ECDH keys). It never logs, never
//! touches the network or the kernel, and never lets a key byte reach `Debug` output: every key,
//! PSK, DH private value and derived key lives in a [`Secret`]. Algorithms are selected by their
//! IANA IKEv2 transform ids as plain `u16`, so the engine maps from the wire registry without
//! depending on the internals of these types.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod auth;
pub mod auth_v1;
pub mod cert;
pub mod cipher;
pub mod dh;
pub mod ids;
pub mod ids_v1;
pub mod integ;
pub mod kdf;
pub mod kdf_v1;
pub mod kernel;
pub mod natd;
pub mod prf;
pub mod provider;
pub mod secret;
pub mod sig_alg;
pub mod sign;

pub use dh::KeyExchange;
pub use ids::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
pub use provider::{CryptoProvider, Random};
pub use secret::Secret;

/// Why a crypto operation failed. No variant carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The transform id (or id + key length) is not implemented here.
    #[error("unsupported algorithm")]
    Unsupported,
    /// A key, IV, nonce or block had the wrong length.
    #[error("wrong length: expected {expected}, got {got}")]
    BadLength {
        /// The length this algorithm needs.
        expected: usize,
        /// The length that was supplied.
        got: usize,
    },
    /// AEAD tag or padding check failed while decrypting.
    #[error("decryption failed")]
    DecryptFailed,
    /// A MAC or AUTH value did not verify.
    #[error("integrity check failed")]
    IntegrityFailed,
    /// A peer's KE public value is out of range, off the curve or of small order.
    #[error("invalid peer public value")]
    InvalidPublicValue,
    /// prf+ was asked for more than 255 blocks (RFC 7296 2.13).
    #[error("prf+ output too long")]
    PrfPlusTooLong,
    /// The randomness source or a backend failed.
    #[error("crypto backend failure")]
    Backend,
    /// A signature did not verify or the key could not be parsed.
    #[error("signature verification failed")]
    BadSignature,
}

/// Result alias for this module.
pub type Result<T> = core::result::Result<T, CryptoError>;
