//! The Nonce payload (RFC 7296 3.9). Enforces the 16..=256 octet size on parse and emit; it
//! never generates nonces (randomness comes from the crypto provider).

use crate::wire::v2::util::check_out;
use crate::wire::{Error, Result};

/// RFC 7296 3.9: "The size of the Nonce Data MUST be between 16 and 256 octets, inclusive."
pub const NONCE_MIN: usize = 16;
/// See [`NONCE_MIN`].
pub const NONCE_MAX: usize = 256;

/// The Ni / Nr payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoncePayload {
    pub nonce: Vec<u8>,
}

impl NoncePayload {
    fn check(len: usize) -> Result<()> {
        // RFC 7296 3.9: Nonce Data size MUST be between 16 and 256 octets, inclusive.
        if (NONCE_MIN..=NONCE_MAX).contains(&len) {
            Ok(())
        } else {
            Err(Error::BadLength {
                what: "Nonce payload",
                length: len,
            })
        }
    }

    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        Self::check(body.len())?;
        Ok(NoncePayload {
            nonce: body.to_vec(),
        })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        self.nonce.len()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        Self::check(self.nonce.len())?;
        check_out(buf, self.nonce.len())?;
        buf[..self.nonce.len()].copy_from_slice(&self.nonce);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn size_limits() {
        assert!(NoncePayload::parse(&[0; 15]).is_err());
        assert!(NoncePayload::parse(&[0; 16]).is_ok());
        assert!(NoncePayload::parse(&[0; 256]).is_ok());
        assert!(NoncePayload::parse(&[0; 257]).is_err());
        let n = NoncePayload { nonce: vec![1; 8] };
        assert!(n.emit(&mut [0; 8]).is_err());
        let n = NoncePayload { nonce: vec![1; 32] };
        let mut b = [0u8; 32];
        n.emit(&mut b).unwrap();
        assert_eq!(NoncePayload::parse(&b).unwrap(), n);
    }
}
