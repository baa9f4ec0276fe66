//! The crypto provider (rustls `CryptoProvider` style): which algorithms this build offers,
//! plus the randomness source every nonce, SPI-independent secret and MODP exponent comes from.
//!
//! [`CryptoProvider::ring_default`] uses ring's `SystemRandom`. A deterministic provider for
//! tests and fuzzing exists only under `cfg(test)` or the `insecure-test-provider` feature and
//! must never be used for real traffic. This module holds no keys.

use super::{dh, CryptoError, DhGroup, EncrAlg, IntegAlg, KeyExchange, PrfAlg, Result};
use std::sync::Arc;

/// A source of cryptographically secure random bytes.
pub trait Random: Send + Sync + core::fmt::Debug {
    /// Fill `buf` completely, or fail.
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// ring's operating-system RNG.
#[derive(Debug)]
pub struct RingRandom(ring::rand::SystemRandom);

impl RingRandom {
    /// A new handle on the system RNG.
    pub fn new() -> Self {
        RingRandom(ring::rand::SystemRandom::new())
    }
}

impl Default for RingRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl Random for RingRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        ring::rand::SecureRandom::fill(&self.0, buf).map_err(|_| CryptoError::Backend)
    }
}

/// Deterministic, INSECURE byte stream (HMAC-SHA256 of a seed and a counter) for tests and
/// fuzzing. Two instances with the same seed produce the same bytes.
#[cfg(any(test, feature = "insecure-test-provider"))]
#[derive(Debug)]
pub struct TestRandom {
    key: ring::hmac::Key,
    counter: std::sync::atomic::AtomicU64,
}

#[cfg(any(test, feature = "insecure-test-provider"))]
impl TestRandom {
    /// A stream determined entirely by `seed`.
    pub fn new(seed: u64) -> Self {
        TestRandom {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &seed.to_be_bytes()),
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

#[cfg(any(test, feature = "insecure-test-provider"))]
impl Random for TestRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        for chunk in buf.chunks_mut(32) {
            let n = self
                .counter
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tag = ring::hmac::sign(&self.key, &n.to_be_bytes());
            let src = tag
                .as_ref()
                .get(..chunk.len())
                .ok_or(CryptoError::Backend)?;
            chunk.copy_from_slice(src);
        }
        Ok(())
    }
}

/// The algorithms offered and the randomness used, grouped like rustls' `CryptoProvider`.
#[derive(Debug, Clone)]
pub struct CryptoProvider {
    /// ENCR transforms, in preference order.
    pub encryption: Vec<EncrAlg>,
    /// PRF transforms, in preference order.
    pub prfs: Vec<PrfAlg>,
    /// INTEG transforms, in preference order.
    pub integrity: Vec<IntegAlg>,
    /// D-H groups, in preference order.
    pub groups: Vec<DhGroup>,
    /// Randomness for nonces, IVs and MODP exponents.
    pub random: Arc<dyn Random>,
}

impl CryptoProvider {
    /// Everything this module implements, with ring's system RNG.
    pub fn ring_default() -> Self {
        Self::with_random(Arc::new(RingRandom::new()))
    }

    /// The full algorithm set with a caller-chosen randomness source.
    pub fn with_random(random: Arc<dyn Random>) -> Self {
        CryptoProvider {
            encryption: vec![
                EncrAlg::AesGcm16 { key_bits: 256 },
                EncrAlg::AesGcm16 { key_bits: 128 },
                EncrAlg::ChaCha20Poly1305,
                EncrAlg::AesCbc { key_bits: 256 },
                EncrAlg::AesCbc { key_bits: 192 },
                EncrAlg::AesCbc { key_bits: 128 },
            ],
            prfs: vec![
                PrfAlg::HmacSha512,
                PrfAlg::HmacSha384,
                PrfAlg::HmacSha256,
                PrfAlg::HmacSha1,
            ],
            integrity: vec![
                IntegAlg::HmacSha512_256,
                IntegAlg::HmacSha384_192,
                IntegAlg::HmacSha256_128,
                IntegAlg::HmacSha1_96,
            ],
            groups: DhGroup::ALL.to_vec(),
            random,
        }
    }

    /// A deterministic provider for tests and fuzzers. INSECURE: predictable nonces and MODP
    /// exponents (ring's ECDH/X25519 keys still come from the system RNG).
    #[cfg(any(test, feature = "insecure-test-provider"))]
    pub fn insecure_deterministic(seed: u64) -> Self {
        Self::with_random(Arc::new(TestRandom::new(seed)))
    }

    /// Look up an ENCR transform by wire id and Key Length attribute, if offered.
    pub fn encr(&self, id: u16, key_bits: Option<u16>) -> Option<EncrAlg> {
        EncrAlg::from_id(id, key_bits).filter(|a| self.encryption.contains(a))
    }

    /// Look up a PRF transform by wire id, if offered.
    pub fn prf(&self, id: u16) -> Option<PrfAlg> {
        PrfAlg::from_id(id).filter(|a| self.prfs.contains(a))
    }

    /// Look up an INTEG transform by wire id, if offered.
    pub fn integ(&self, id: u16) -> Option<IntegAlg> {
        IntegAlg::from_id(id).filter(|a| self.integrity.contains(a))
    }

    /// Look up a D-H group by number, if offered.
    pub fn group(&self, id: u16) -> Option<DhGroup> {
        DhGroup::from_id(id).filter(|g| self.groups.contains(g))
    }

    /// Start a key exchange in an offered group.
    pub fn start_key_exchange(&self, group: DhGroup) -> Result<Box<dyn KeyExchange>> {
        if !self.groups.contains(&group) {
            return Err(CryptoError::Unsupported);
        }
        dh::start(group, self.random.as_ref())
    }

    /// A uniformly chosen duration in `0..=max` (rekey fuzz), from four random bytes; zero
    /// if the source fails.
    pub fn random_upto(&self, max: std::time::Duration) -> std::time::Duration {
        let r = self
            .random_bytes(4)
            .ok()
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_be_bytes);
        max.mul_f64(f64::from(r) / f64::from(u32::MAX))
    }

    /// `len` fresh random bytes (nonces, IVs, cookies).
    pub fn random_bytes(&self, len: usize) -> Result<Vec<u8>> {
        let mut v = vec![0u8; len];
        self.random.fill(&mut v)?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_respect_the_offered_set() {
        let mut p = CryptoProvider::insecure_deterministic(1);
        assert_eq!(
            p.encr(20, Some(128)),
            Some(EncrAlg::AesGcm16 { key_bits: 128 })
        );
        p.encryption.retain(|a| !a.is_aead());
        assert_eq!(p.encr(20, Some(128)), None);
        assert_eq!(p.group(14), Some(DhGroup::Modp2048));
        assert_eq!(p.group(1), None);
        assert_eq!(p.prf(7), Some(PrfAlg::HmacSha512));
        assert_eq!(p.integ(12), Some(IntegAlg::HmacSha256_128));
        p.groups.clear();
        assert_eq!(
            p.start_key_exchange(DhGroup::Modp2048).err(),
            Some(CryptoError::Unsupported)
        );
    }

    #[test]
    fn test_random_is_deterministic_and_ring_random_is_not_constant() {
        let a = CryptoProvider::insecure_deterministic(5)
            .random_bytes(70)
            .unwrap();
        let b = CryptoProvider::insecure_deterministic(5)
            .random_bytes(70)
            .unwrap();
        let c = CryptoProvider::insecure_deterministic(6)
            .random_bytes(70)
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let r = CryptoProvider::ring_default();
        assert_ne!(r.random_bytes(32).unwrap(), r.random_bytes(32).unwrap());
    }
}
