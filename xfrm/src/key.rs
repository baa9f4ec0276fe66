//! `Key`: SA key material as it travels to the kernel.
//!
//! The bytes are zeroized when the value is dropped and `Debug` prints `<redacted>`, so a
//! `KernelOp` or an `Sa` can be logged with `{:?}` without leaking a key. This module never
//! formats, hashes or logs the bytes themselves.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Key bytes for an SA algorithm (encryption, integrity or AEAD key incl. salt).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key(Vec<u8>);

impl Key {
    /// Wraps key bytes; the caller's copy should be zeroized by the caller.
    pub fn new(bytes: Vec<u8>) -> Self {
        Key(bytes)
    }

    /// Copies key bytes from a slice.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Key(bytes.to_vec())
    }

    /// The raw bytes, for the netlink encoder only.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Key length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for a zero-length key (e.g. `ecb(cipher_null)`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Key length in bits, as XFRM's `alg_key_len` wants it.
    pub fn bits(&self) -> u32 {
        u32::try_from(self.0.len().saturating_mul(8)).unwrap_or(u32::MAX)
    }
}

impl PartialEq for Key {
    /// Constant-time in the key bytes (length is not secret).
    fn eq(&self, other: &Self) -> bool {
        if self.0.len() != other.0.len() {
            return false;
        }
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl Eq for Key {}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let k = Key::from_slice(&[0x41; 20]);
        assert_eq!(format!("{k:?}"), "<redacted>");
        assert_eq!(k.bits(), 160);
    }

    #[test]
    fn equality_compares_bytes() {
        assert_eq!(Key::from_slice(&[1, 2]), Key::from_slice(&[1, 2]));
        assert_ne!(Key::from_slice(&[1, 2]), Key::from_slice(&[1, 3]));
        assert_ne!(Key::from_slice(&[1, 2]), Key::from_slice(&[1, 2, 3]));
    }
}
