//! Opaque-data payloads: Key Exchange (RFC 2408 3.7), Hash (3.11), Signature (3.12),
//! Nonce (3.13, length rule RFC 2409 5) and NAT-D (RFC 3947 3.2).
//!
//! Their body is a single byte string. This file never checks a hash, a signature or a
//! key-exchange size against a negotiated algorithm: that is the engine's job.

use super::bytes::Writer;
use crate::wire::{Error, Result};

macro_rules! data_payload {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            pub data: Vec<u8>,
        }

        impl $name {
            /// Parses the body (after the generic header).
            pub fn parse(body: &[u8]) -> Result<Self> {
                Ok($name { data: body.to_vec() })
            }

            /// Length of the body (without the generic header).
            pub fn buffer_len(&self) -> usize {
                self.data.len()
            }

            pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
                w.put(&self.data)
            }

            /// Writes the body into `buf`; returns the bytes written.
            pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
                let mut w = Writer::new(buf);
                self.write(&mut w)?;
                Ok(w.pos())
            }
        }
    };
}

data_payload! {
    /// Key Exchange payload: the DH public value (RFC 2408 3.7).
    KeRepr
}
data_payload! {
    /// Hash payload: HASH_I / HASH_R / HASH(1..3) (RFC 2408 3.11).
    HashRepr
}
data_payload! {
    /// Signature payload: SIG_I / SIG_R (RFC 2408 3.12).
    SigRepr
}
data_payload! {
    /// NAT-D payload: HASH(CKY-I | CKY-R | IP | Port) (RFC 3947 3.2).
    NatDRepr
}

/// Nonce payload (RFC 2408 3.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceRepr {
    pub data: Vec<u8>,
}

/// RFC 2409 5: "The length of nonce payload MUST be between 8 and 256 bytes inclusive."
/// Read here as the length of the nonce data (without the generic header).
pub const NONCE_LEN: core::ops::RangeInclusive<usize> = 8..=256;

impl NonceRepr {
    /// Parses the body, enforcing the RFC 2409 5 nonce length.
    pub fn parse(body: &[u8]) -> Result<Self> {
        check_nonce(body.len())?;
        Ok(NonceRepr {
            data: body.to_vec(),
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        check_nonce(self.data.len())?;
        w.put(&self.data)
    }

    /// Writes the body into `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }
}

fn check_nonce(len: usize) -> Result<()> {
    if NONCE_LEN.contains(&len) {
        Ok(())
    } else {
        Err(Error::BadLength {
            what: "NONCE payload",
            length: len,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nonce_length_bounds() {
        // RFC 2409 5: 8 ..= 256 bytes.
        assert!(NonceRepr::parse(&[0; 7]).is_err());
        assert!(NonceRepr::parse(&[0; 8]).is_ok());
        assert!(NonceRepr::parse(&[0; 256]).is_ok());
        assert!(NonceRepr::parse(&[0; 257]).is_err());
        let short = NonceRepr { data: vec![1; 4] };
        assert!(short.emit(&mut [0u8; 16]).is_err());
    }

    #[test]
    fn data_payload_emit_checks_buffer() {
        let ke = KeRepr { data: vec![7; 5] };
        assert!(ke.emit(&mut [0u8; 4]).is_err());
        let mut buf = [0u8; 5];
        assert_eq!(ke.emit(&mut buf).unwrap(), 5);
        assert_eq!(KeRepr::parse(&buf).unwrap(), ke);
    }

    proptest! {
        #[test]
        fn roundtrip(data in proptest::collection::vec(any::<u8>(), 8..=256)) {
            let n = NonceRepr { data: data.clone() };
            let mut buf = vec![0u8; n.buffer_len()];
            n.emit(&mut buf).unwrap();
            prop_assert_eq!(NonceRepr::parse(&buf).unwrap(), n);
            let h = HashRepr { data };
            let mut buf = vec![0u8; h.buffer_len()];
            h.emit(&mut buf).unwrap();
            prop_assert_eq!(HashRepr::parse(&buf).unwrap(), h);
        }
    }
}
