//! IKE pseudo-random functions (HMAC-SHA1/SHA2 via ring) and `prf+` (RFC 7296 2.13).
//!
//! Outputs are [`Secret`]s because every use in IKE is key material or an AUTH value. This
//! module never truncates PRF output and never accepts a `prf+` request beyond 255 blocks.

use super::{ids::PrfAlg, CryptoError, Result, Secret};
use ring::hmac;

impl PrfAlg {
    fn ring_alg(self) -> hmac::Algorithm {
        match self {
            PrfAlg::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            PrfAlg::HmacSha256 => hmac::HMAC_SHA256,
            PrfAlg::HmacSha384 => hmac::HMAC_SHA384,
            PrfAlg::HmacSha512 => hmac::HMAC_SHA512,
        }
    }

    /// `prf(key, data_0 | data_1 | ...)`. HMAC accepts keys of any length (RFC 2104 2), which
    /// IKE relies on (RFC 7296 2.13: nonces and shared secrets are used as keys directly).
    pub fn prf(self, key: &[u8], data: &[&[u8]]) -> Secret {
        let k = hmac::Key::new(self.ring_alg(), key);
        let mut ctx = hmac::Context::with_key(&k);
        for d in data {
            ctx.update(d);
        }
        Secret::from_slice(ctx.sign().as_ref())
    }

    /// `prf+(K, S)` truncated to `len` bytes (RFC 7296 2.13):
    /// `T1 = prf(K, S | 0x01)`, `Tn = prf(K, Tn-1 | S | n)`, output `T1 | T2 | ...`.
    pub fn prf_plus(self, key: &[u8], seed: &[u8], len: usize) -> Result<Secret> {
        let block = self.output_len();
        let blocks = len.div_ceil(block);
        // RFC 7296 2.13: the counter is one octet, so at most 255 iterations.
        if blocks > 255 {
            return Err(CryptoError::PrfPlusTooLong);
        }
        let k = hmac::Key::new(self.ring_alg(), key);
        let mut out = Secret::zeroed(blocks * block);
        let mut prev: Option<hmac::Tag> = None;
        for (i, chunk) in out.expose_mut().chunks_mut(block).enumerate() {
            let mut ctx = hmac::Context::with_key(&k);
            if let Some(t) = &prev {
                ctx.update(t.as_ref());
            }
            ctx.update(seed);
            // i < 255 by the check above.
            ctx.update(&[(i as u8).wrapping_add(1)]);
            let t = ctx.sign();
            chunk.copy_from_slice(t.as_ref());
            prev = Some(t);
        }
        out.truncate(len);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_plus_rejects_256_blocks_and_accepts_255() {
        let a = PrfAlg::HmacSha1;
        assert_eq!(
            a.prf_plus(b"k", b"s", 255 * 20).map(|s| s.len()),
            Ok(255 * 20)
        );
        assert_eq!(
            a.prf_plus(b"k", b"s", 255 * 20 + 1),
            Err(CryptoError::PrfPlusTooLong)
        );
        assert_eq!(a.prf_plus(b"k", b"s", 0).map(|s| s.len()), Ok(0));
    }

    #[test]
    fn prf_plus_first_block_is_prf_of_seed_and_one() {
        let a = PrfAlg::HmacSha256;
        let t1 = a.prf(b"key", &[b"seed", &[1]]);
        let t2 = a.prf(b"key", &[t1.expose(), b"seed", &[2]]);
        let out = a.prf_plus(b"key", b"seed", 40).unwrap();
        assert_eq!(&out.expose()[..32], t1.expose());
        assert_eq!(&out.expose()[32..], &t2.expose()[..8]);
    }
}
