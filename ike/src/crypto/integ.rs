//! Truncated-HMAC integrity algorithms for the IKE SA (RFC 2404, RFC 4868) via ring.
//!
//! `compute` returns the truncated ICV; `verify` recomputes and compares in constant time.
//! This module never accepts a key of the wrong length (RFC 4868 2.1.1 fixes it) and never
//! compares ICVs with `==` on slices.

use super::{ids::IntegAlg, secret::ct_eq, CryptoError, Result, Secret};
use ring::hmac;

impl IntegAlg {
    fn ring_alg(self) -> hmac::Algorithm {
        match self {
            IntegAlg::HmacSha1_96 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            IntegAlg::HmacSha256_128 => hmac::HMAC_SHA256,
            IntegAlg::HmacSha384_192 => hmac::HMAC_SHA384,
            IntegAlg::HmacSha512_256 => hmac::HMAC_SHA512,
        }
    }

    /// The truncated ICV over `data_0 | data_1 | ...`.
    pub fn compute(self, key: &Secret, data: &[&[u8]]) -> Result<Vec<u8>> {
        if key.len() != self.key_len() {
            return Err(CryptoError::BadLength {
                expected: self.key_len(),
                got: key.len(),
            });
        }
        let k = hmac::Key::new(self.ring_alg(), key.expose());
        let mut ctx = hmac::Context::with_key(&k);
        for d in data {
            ctx.update(d);
        }
        let tag = ctx.sign();
        // RFC 2404 2 / RFC 4868 2.3: the ICV is the leftmost bits of the HMAC output.
        tag.as_ref()
            .get(..self.icv_len())
            .map(<[u8]>::to_vec)
            .ok_or(CryptoError::Backend)
    }

    /// Check a received ICV in constant time.
    pub fn verify(self, key: &Secret, data: &[&[u8]], icv: &[u8]) -> Result<()> {
        let expect = self.compute(key, data)?;
        if ct_eq(&expect, icv) {
            Ok(())
        } else {
            Err(CryptoError::IntegrityFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_key_length_is_rejected() {
        let k = Secret::zeroed(19);
        assert!(matches!(
            IntegAlg::HmacSha1_96.compute(&k, &[b"x"]),
            Err(CryptoError::BadLength {
                expected: 20,
                got: 19
            })
        ));
    }

    #[test]
    fn verify_rejects_flipped_and_short_icv() {
        for alg in [
            IntegAlg::HmacSha1_96,
            IntegAlg::HmacSha256_128,
            IntegAlg::HmacSha384_192,
            IntegAlg::HmacSha512_256,
        ] {
            let k = Secret::from_slice(&vec![7u8; alg.key_len()]);
            let mut icv = alg.compute(&k, &[b"msg"]).unwrap();
            assert_eq!(icv.len(), alg.icv_len());
            assert!(alg.verify(&k, &[b"m", b"sg"], &icv).is_ok());
            assert!(alg.verify(&k, &[b"msg"], &icv[1..]).is_err());
            icv[0] ^= 1;
            assert_eq!(
                alg.verify(&k, &[b"msg"], &icv),
                Err(CryptoError::IntegrityFailed)
            );
        }
    }
}
