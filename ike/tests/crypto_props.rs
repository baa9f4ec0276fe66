//! Property tests: attacker-controlled bytes (ciphertexts, IVs, ICVs, pad lengths, KE data of
//! any length) produce errors, never panics, and round trips hold for every cipher.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::crypto::{cipher, CryptoProvider, DhGroup, EncrAlg, IntegAlg, Secret};
use proptest::prelude::*;

const ALGS: [EncrAlg; 6] = [
    EncrAlg::AesCbc { key_bits: 128 },
    EncrAlg::AesCbc { key_bits: 192 },
    EncrAlg::AesCbc { key_bits: 256 },
    EncrAlg::AesGcm16 { key_bits: 128 },
    EncrAlg::AesGcm16 { key_bits: 256 },
    EncrAlg::ChaCha20Poly1305,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trip_every_cipher(idx in 0usize..6, body in proptest::collection::vec(any::<u8>(), 0..200),
                               aad in proptest::collection::vec(any::<u8>(), 0..40), fill in any::<u8>()) {
        let alg = ALGS[idx];
        let key = Secret::from_slice(&vec![fill; alg.keymat_len()]);
        let iv = vec![fill ^ 0x5a; alg.iv_len()];
        let aad = if alg.is_aead() { aad } else { Vec::new() };
        let padded = cipher::pad_ikev2(alg, &body);
        prop_assert_eq!(padded.len() % alg.block_len(), 0);
        let ct = cipher::encrypt(alg, &key, &iv, &aad, &padded).unwrap();
        prop_assert_eq!(ct.len(), padded.len() + alg.icv_len());
        let pt = cipher::decrypt(alg, &key, &iv, &aad, &ct).unwrap();
        prop_assert_eq!(cipher::unpad_ikev2(&pt).unwrap(), body.as_slice());
    }

    #[test]
    fn garbage_never_panics(idx in 0usize..6, ct in proptest::collection::vec(any::<u8>(), 0..100),
                            iv_len in 0usize..20, key_len in 0usize..40) {
        let alg = ALGS[idx];
        let key = Secret::from_slice(&vec![1; key_len]);
        let iv = vec![2; iv_len];
        let r = cipher::decrypt(alg, &key, &iv, &[], &ct);
        if key_len != alg.keymat_len() || iv_len != alg.iv_len() {
            prop_assert!(r.is_err());
        }
        if alg.is_aead() {
            // Random bytes never carry a valid 128-bit tag in practice.
            prop_assert!(r.is_err());
        }
        let _ = cipher::unpad_ikev2(&ct);
        let k = Secret::from_slice(&vec![3; key_len]);
        for integ in [IntegAlg::HmacSha1_96, IntegAlg::HmacSha256_128] {
            let v = integ.verify(&k, &[&ct], &ct);
            prop_assert!(v.is_err() || key_len == integ.key_len());
        }
    }

    #[test]
    fn ke_data_of_any_length_is_checked(len in 0usize..200, byte in any::<u8>(), g in 0usize..4) {
        let group = [DhGroup::Modp1024, DhGroup::Ecp256, DhGroup::Ecp521, DhGroup::Curve25519][g];
        let ke = CryptoProvider::ring_default().start_key_exchange(group).unwrap();
        let r = ke.complete(&vec![byte; len]);
        if len != group.public_len() {
            prop_assert!(r.is_err());
        }
    }
}
