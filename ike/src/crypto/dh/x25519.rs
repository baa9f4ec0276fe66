//! Group 31, Curve25519 (RFC 8031) via ring's X25519.
//!
//! Public values are the 32-octet u-coordinate (RFC 8031 2). The all-zero shared secret from a
//! small-order peer point is rejected (RFC 8031 2.2, RFC 7748 6.1); ring already refuses it and
//! this module checks again. Private scalars never leave ring.

use super::{DhGroup, KeyExchange, Result, Secret};
use crate::crypto::CryptoError;
use ring::agreement;

/// One X25519 exchange.
pub(crate) struct X25519 {
    key: agreement::EphemeralPrivateKey,
    public: Vec<u8>,
}

impl core::fmt::Debug for X25519 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("X25519").finish_non_exhaustive()
    }
}

impl X25519 {
    pub(crate) fn generate(rng: &dyn ring::rand::SecureRandom) -> Result<Self> {
        let key = agreement::EphemeralPrivateKey::generate(&agreement::X25519, rng)
            .map_err(|_| CryptoError::Backend)?;
        let public = key
            .compute_public_key()
            .map_err(|_| CryptoError::Backend)?
            .as_ref()
            .to_vec();
        Ok(X25519 { key, public })
    }
}

impl KeyExchange for X25519 {
    fn group(&self) -> DhGroup {
        DhGroup::Curve25519
    }

    fn public_value(&self) -> Vec<u8> {
        self.public.clone()
    }

    fn complete(self: Box<Self>, peer: &[u8]) -> Result<Secret> {
        // RFC 8031 2: the KE data is exactly 32 octets.
        if peer.len() != 32 {
            return Err(CryptoError::InvalidPublicValue);
        }
        let peer_key = agreement::UnparsedPublicKey::new(&agreement::X25519, peer);
        let z = agreement::agree_ephemeral(self.key, &peer_key, Secret::from_slice)
            .map_err(|_| CryptoError::InvalidPublicValue)?;
        // RFC 8031 2.2 / RFC 7748 6.1: MUST check the shared secret is not all zeros.
        if z.expose().iter().all(|&b| b == 0) {
            return Err(CryptoError::InvalidPublicValue);
        }
        Ok(z)
    }
}

#[cfg(test)]
#[allow(deprecated)]
mod tests {
    use super::*;
    use ring::test::rand::FixedSliceRandom;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 7748 6.1: Alice's private key, public key and the shared secret with Bob. ring
    /// cannot import a scalar, so its deprecated test RNG supplies Alice's key as the seed.
    #[test]
    fn rfc7748_6_1_kat() {
        let a = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        let ke = X25519::generate(&FixedSliceRandom { bytes: &a }).unwrap();
        assert_eq!(
            ke.public_value(),
            h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        let bob_pub = h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        let z = Box::new(ke).complete(&bob_pub).unwrap();
        assert_eq!(
            z.expose(),
            h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742").as_slice()
        );
    }

    #[test]
    fn rejects_small_order_points_and_bad_lengths() {
        let rng = ring::rand::SystemRandom::new();
        // Small-order u-coordinates (0 and 1 give an all-zero result for every scalar).
        let mut one = vec![0u8; 32];
        one[0] = 1;
        for bad in [vec![0u8; 32], one, vec![0u8; 31], vec![9u8; 33], vec![]] {
            let ke = Box::new(X25519::generate(&rng).unwrap());
            assert_eq!(ke.complete(&bad), Err(CryptoError::InvalidPublicValue));
        }
        let a = Box::new(X25519::generate(&rng).unwrap());
        let b = Box::new(X25519::generate(&rng).unwrap());
        let (pa, pb) = (a.public_value(), b.public_value());
        assert_eq!(a.complete(&pb).unwrap(), b.complete(&pa).unwrap());
    }
}
