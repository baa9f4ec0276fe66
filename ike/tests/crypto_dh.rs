//! Key exchange through the public provider API: two-party agreement in every group and
//! rejection of invalid peer values (RFC 7296 3.4 lengths, NIST SP 800-56A 5.6.2.3 ranges,
//! RFC 5903 points, RFC 8031 2.2 all-zero X25519 results).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::crypto::{dh, CryptoError, CryptoProvider, DhGroup, Random};
use proptest::prelude::*;
use std::sync::{atomic::AtomicU64, atomic::Ordering, Arc};

/// Deterministic test randomness (SHA-256 of seed and counter); the library's own
/// `TestRandom` is only compiled for its unit tests or the `insecure-test-provider` feature.
#[derive(Debug)]
struct Counter(u64, AtomicU64);

impl Random for Counter {
    fn fill(&self, buf: &mut [u8]) -> ike::crypto::Result<()> {
        for chunk in buf.chunks_mut(32) {
            let n = self.1.fetch_add(1, Ordering::Relaxed);
            let d = ring::digest::digest(
                &ring::digest::SHA256,
                &[self.0.to_be_bytes(), n.to_be_bytes()].concat(),
            );
            chunk.copy_from_slice(&d.as_ref()[..chunk.len()]);
        }
        Ok(())
    }
}

fn deterministic(seed: u64) -> CryptoProvider {
    CryptoProvider::with_random(Arc::new(Counter(seed, AtomicU64::new(0))))
}

#[test]
fn two_party_agreement_in_every_group() {
    let a_side = deterministic(1);
    let b_side = CryptoProvider::ring_default();
    for group in DhGroup::ALL {
        let a = a_side.start_key_exchange(group).unwrap();
        let b = b_side.start_key_exchange(group).unwrap();
        let (pa, pb) = (a.public_value(), b.public_value());
        assert_eq!(pa.len(), group.public_len(), "{group:?}");
        assert_eq!(pb.len(), group.public_len(), "{group:?}");
        assert_ne!(pa, pb);
        let za = a.complete(&pb).unwrap();
        let zb = b.complete(&pa).unwrap();
        assert_eq!(za.len(), group.shared_len(), "{group:?}");
        assert_eq!(za, zb, "{group:?}");
        assert!(za.expose().iter().any(|&x| x != 0));
    }
}

fn minus_one(p: &[u8]) -> Vec<u8> {
    let mut v = p.to_vec();
    *v.last_mut().unwrap() -= 1;
    v
}

#[test]
fn every_group_rejects_invalid_peer_values() {
    let prov = CryptoProvider::ring_default();
    for group in DhGroup::ALL {
        let n = group.public_len();
        let mut bad: Vec<Vec<u8>> = vec![vec![0; n], vec![0; n - 1], vec![0; n + 1], vec![]];
        let mut one = vec![0; n];
        if group == DhGroup::Curve25519 {
            // X25519 u-coordinates are little-endian (RFC 7748 5): u = 1, and a point of order
            // 8 (u = 325606...33504), both of which give an all-zero shared secret.
            one[0] = 1;
            bad.push(
                hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
                    .unwrap(),
            );
        } else {
            one[n - 1] = 1;
        }
        bad.push(one);
        if let Some(p) = dh::modp_prime(group) {
            bad.push(minus_one(&p));
            bad.push(p.clone());
            bad.push(vec![0xff; n]);
        } else if group != DhGroup::Curve25519 {
            // A valid point with y flipped is off the curve.
            let mut off = prov.start_key_exchange(group).unwrap().public_value();
            off[n - 1] ^= 1;
            bad.push(off);
            bad.push(vec![0xff; n]);
        }
        for v in bad {
            let ke = prov.start_key_exchange(group).unwrap();
            assert_eq!(
                ke.complete(&v).err(),
                Some(CryptoError::InvalidPublicValue),
                "{group:?} len {}",
                v.len()
            );
        }
    }
}

#[test]
fn rfc5114_groups_reject_values_outside_the_subgroup() {
    // 2 is in range (1 < 2 < p-1) but 2^q != 1 mod p for the RFC 5114 primes.
    let prov = CryptoProvider::ring_default();
    for group in [
        DhGroup::Modp1024s160,
        DhGroup::Modp2048s224,
        DhGroup::Modp2048s256,
    ] {
        let mut two = vec![0; group.public_len()];
        *two.last_mut().unwrap() = 2;
        let ke = prov.start_key_exchange(group).unwrap();
        assert_eq!(
            ke.complete(&two).err(),
            Some(CryptoError::InvalidPublicValue)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For the safe-prime group 2, a peer value is accepted exactly when 1 < y < p-1.
    #[test]
    fn modp_range_check_is_exact(y in proptest::collection::vec(any::<u8>(), 128), top in any::<bool>()) {
        let group = DhGroup::Modp1024;
        let p = dh::modp_prime(group).unwrap();
        let mut y = y;
        if top {
            // Push values near p so both sides of p-1 are exercised.
            y[..8].copy_from_slice(&[0xff; 8]);
        }
        let pm1 = minus_one(&p);
        let mut one = vec![0; 128];
        one[127] = 1;
        let in_range = y.as_slice() > one.as_slice() && y.as_slice() < pm1.as_slice();
        let ke = deterministic(3).start_key_exchange(group).unwrap();
        let r = ke.complete(&y);
        prop_assert_eq!(r.is_ok(), in_range);
    }
}
