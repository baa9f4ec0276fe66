//! Signing with the test PKI's end-entity keys (ike/tests/fixtures/pki, made by make.sh with
//! OpenSSL 3.0): every signature is checked with the EXISTING verifiers
//! (`auth::verify_signature` via `CertPublicKey::verify`, `sig_alg::verify_digital_signature`)
//! using the public key taken from the matching certificate, so sign and verify are tied to
//! independent OpenSSL-made material rather than to each other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::crypto::{
    auth::SigScheme,
    cert::{public_key_of, CertPublicKey},
    sig_alg::{scheme_for, split_auth_data, verify_digital_signature},
    sign::{
        alg_id_for, KeyError, KeyKind, PrivateKey, AUTH_DIGITAL_SIGNATURE, AUTH_ECDSA_256,
        AUTH_ECDSA_384, HASH_SHA2_256, HASH_SHA2_384, HASH_SHA2_512,
    },
    CryptoError,
};

const P256_KEY: &str = include_str!("fixtures/pki/ee.key");
const P256_CERT: &[u8] = include_bytes!("fixtures/pki/leaf.der");
const P384_KEY: &str = include_str!("fixtures/pki/ee_p384.key");
const P384_CERT: &[u8] = include_bytes!("fixtures/pki/leaf_p384.der");
const RSA_KEY: &str = include_str!("fixtures/pki/ee_rsa.key");
const RSA_PKCS1_KEY: &str = include_str!("fixtures/pki/ee_rsa_pkcs1.key");
const RSA_CERT: &[u8] = include_bytes!("fixtures/pki/leaf_rsa.der");

const MSG: &[u8] = b"RealMessage | Nonce | prf(SK_p, RestOfIDPayload)";

fn flip(v: &[u8], i: usize) -> Vec<u8> {
    let mut v = v.to_vec();
    v[i] ^= 0x01;
    v
}

/// (key, certificate, expected kind, schemes the key must sign)
fn cases() -> Vec<(PrivateKey, CertPublicKey, KeyKind, Vec<SigScheme>)> {
    use SigScheme::*;
    let rsa = vec![
        RsaPkcs1Sha256,
        RsaPkcs1Sha384,
        RsaPkcs1Sha512,
        RsaPssSha256,
        RsaPssSha384,
        RsaPssSha512,
    ];
    vec![
        (
            PrivateKey::from_pem(P256_KEY).unwrap(),
            public_key_of(P256_CERT).unwrap(),
            KeyKind::EcP256,
            vec![EcdsaP256Sha256Fixed, EcdsaP256Sha256Der],
        ),
        (
            PrivateKey::from_pem(P384_KEY).unwrap(),
            public_key_of(P384_CERT).unwrap(),
            KeyKind::EcP384,
            vec![EcdsaP384Sha384Fixed, EcdsaP384Sha384Der],
        ),
        (
            PrivateKey::from_pem(RSA_KEY).unwrap(),
            public_key_of(RSA_CERT).unwrap(),
            KeyKind::Rsa,
            rsa.clone(),
        ),
        (
            PrivateKey::from_pem(RSA_PKCS1_KEY).unwrap(),
            public_key_of(RSA_CERT).unwrap(),
            KeyKind::Rsa,
            rsa,
        ),
    ]
}

#[test]
fn every_scheme_signs_and_verifies_with_the_certificate_key() {
    for (key, cert, kind, schemes) in cases() {
        assert_eq!(key.kind(), kind);
        // The key's public half is the certificate's public key.
        assert_eq!(key.public_key(), cert);
        for scheme in schemes {
            let sig = key.sign(scheme, MSG).unwrap();
            assert_eq!(
                cert.verify(scheme, MSG, &sig),
                Ok(()),
                "{kind:?} {scheme:?}"
            );
            // A flipped bit in the message or the signature fails.
            assert_eq!(
                cert.verify(scheme, &flip(MSG, 3), &sig),
                Err(CryptoError::BadSignature),
                "{kind:?} {scheme:?}"
            );
            assert_eq!(
                cert.verify(scheme, MSG, &flip(&sig, sig.len() / 2)),
                Err(CryptoError::BadSignature),
                "{kind:?} {scheme:?}"
            );
        }
    }
}

#[test]
fn fixed_ecdsa_signatures_are_r_concat_s() {
    // RFC 4754 7: the signature is r || s, each the curve's field length.
    let k256 = PrivateKey::from_pem(P256_KEY).unwrap();
    let k384 = PrivateKey::from_pem(P384_KEY).unwrap();
    assert_eq!(
        k256.classic_auth(AUTH_ECDSA_256, MSG).unwrap().len(),
        2 * 32
    );
    assert_eq!(
        k384.classic_auth(AUTH_ECDSA_384, MSG).unwrap().len(),
        2 * 48
    );
    // A DER (RFC 7427) signature starts with a SEQUENCE tag instead.
    assert_eq!(
        k256.sign(SigScheme::EcdsaP256Sha256Der, MSG).unwrap()[0],
        0x30
    );
}

#[test]
fn schemes_that_do_not_fit_the_key_are_refused() {
    let k256 = PrivateKey::from_pem(P256_KEY).unwrap();
    let rsa = PrivateKey::from_pem(RSA_KEY).unwrap();
    for (key, scheme) in [
        (&k256, SigScheme::EcdsaP384Sha384Fixed),
        (&k256, SigScheme::RsaPkcs1Sha256),
        (&rsa, SigScheme::EcdsaP256Sha256Der),
        // RFC 7296 3.8 method 1 needs RSA PKCS#1 v1.5 over SHA-1: ring does not sign it.
        (&rsa, SigScheme::RsaPkcs1Sha1),
    ] {
        assert_eq!(key.sign(scheme, MSG), Err(CryptoError::Unsupported));
    }
    assert_eq!(
        k256.classic_auth(AUTH_ECDSA_384, MSG),
        Err(CryptoError::Unsupported)
    );
    assert_eq!(rsa.classic_auth(1, MSG), Err(CryptoError::Unsupported));
}

#[test]
fn digital_signature_auth_verifies_with_the_existing_rfc7427_verifier() {
    let all = [HASH_SHA2_256, HASH_SHA2_384, HASH_SHA2_512];
    for (_, cert, kind, _) in cases() {
        for pss in [false, true] {
            let key = key_with_pss(kind, pss);
            let (method, data) = key.auth_method_and_data(MSG, &all).unwrap();
            assert_eq!(method, AUTH_DIGITAL_SIGNATURE);
            assert_eq!(verify_digital_signature(&cert, &data, MSG), Ok(()));
            assert!(verify_digital_signature(&cert, &data, &flip(MSG, 0)).is_err());
            let last = data.len() - 1;
            assert!(verify_digital_signature(&cert, &flip(&data, last), MSG).is_err());
            // The AlgorithmIdentifier names the expected scheme: SHA-256 preferred for RSA,
            // the curve's own hash for ECDSA, PSS only when asked for.
            let (alg, _) = split_auth_data(&data).unwrap();
            let expect = match (kind, pss) {
                (KeyKind::EcP256, _) => SigScheme::EcdsaP256Sha256Der,
                (KeyKind::EcP384, _) => SigScheme::EcdsaP384Sha384Der,
                (KeyKind::Rsa, false) => SigScheme::RsaPkcs1Sha256,
                (KeyKind::Rsa, true) => SigScheme::RsaPssSha256,
            };
            assert_eq!(scheme_for(alg, &cert), Some(expect), "{kind:?} pss={pss}");
        }
    }
}

fn key_with_pss(kind: KeyKind, pss: bool) -> PrivateKey {
    // PrivateKey is not Clone (it holds ring key pairs): reload from the fixture.
    let pem = match kind {
        KeyKind::EcP256 => P256_KEY,
        KeyKind::EcP384 => P384_KEY,
        KeyKind::Rsa => RSA_KEY,
    };
    PrivateKey::from_pem(pem).unwrap().with_rsa_pss(pss)
}

#[test]
fn rsa_follows_the_peers_hash_list() {
    let rsa = PrivateKey::from_pem(RSA_KEY).unwrap().with_rsa_pss(true);
    let cert = public_key_of(RSA_CERT).unwrap();
    for (prefs, expect) in [
        (vec![HASH_SHA2_512, HASH_SHA2_384], SigScheme::RsaPssSha384),
        (vec![HASH_SHA2_512], SigScheme::RsaPssSha512),
        (vec![5, HASH_SHA2_256], SigScheme::RsaPssSha256),
    ] {
        let data = rsa.digital_signature_auth(MSG, &prefs).unwrap();
        let (alg, _) = split_auth_data(&data).unwrap();
        assert_eq!(scheme_for(alg, &cert), Some(expect));
        assert_eq!(verify_digital_signature(&cert, &data, MSG), Ok(()));
    }
    // No SIGNATURE_HASH_ALGORITHMS (or only SHA-1): method 14 is not possible and method 1
    // needs SHA-1, so there is nothing to sign with.
    assert_eq!(
        rsa.auth_method_and_data(MSG, &[]),
        Err(CryptoError::Unsupported)
    );
    assert_eq!(
        rsa.auth_method_and_data(MSG, &[1]),
        Err(CryptoError::Unsupported)
    );
}

#[test]
fn ecdsa_falls_back_to_rfc4754_methods_without_a_matching_hash() {
    let k256 = PrivateKey::from_pem(P256_KEY).unwrap();
    let c256 = public_key_of(P256_CERT).unwrap();
    let k384 = PrivateKey::from_pem(P384_KEY).unwrap();
    let c384 = public_key_of(P384_CERT).unwrap();
    // P-256 with only SHA-384 offered and P-384 with nothing offered: classic methods.
    let (m, d) = k256.auth_method_and_data(MSG, &[HASH_SHA2_384]).unwrap();
    assert_eq!(m, AUTH_ECDSA_256);
    assert_eq!(
        c256.verify(SigScheme::EcdsaP256Sha256Fixed, MSG, &d),
        Ok(())
    );
    let (m, d) = k384.auth_method_and_data(MSG, &[]).unwrap();
    assert_eq!(m, AUTH_ECDSA_384);
    assert_eq!(
        c384.verify(SigScheme::EcdsaP384Sha384Fixed, MSG, &d),
        Ok(())
    );
    assert!(c384
        .verify(SigScheme::EcdsaP384Sha384Fixed, &flip(MSG, 1), &d)
        .is_err());
}

#[test]
fn alg_ids_round_trip_through_the_verifier_parser() {
    use SigScheme::*;
    let rsa = public_key_of(RSA_CERT).unwrap();
    let p256 = public_key_of(P256_CERT).unwrap();
    let p384 = public_key_of(P384_CERT).unwrap();
    for (scheme, key) in [
        (RsaPkcs1Sha256, &rsa),
        (RsaPkcs1Sha384, &rsa),
        (RsaPkcs1Sha512, &rsa),
        (RsaPssSha256, &rsa),
        (RsaPssSha384, &rsa),
        (RsaPssSha512, &rsa),
        (EcdsaP256Sha256Der, &p256),
        (EcdsaP384Sha384Der, &p384),
    ] {
        let id = alg_id_for(scheme).unwrap();
        assert_eq!(scheme_for(id, key), Some(scheme));
    }
    for scheme in [RsaPkcs1Sha1, EcdsaP256Sha256Fixed, EcdsaP384Sha384Fixed] {
        assert_eq!(alg_id_for(scheme), None);
    }
}

#[test]
fn debug_is_redacted() {
    for (key, _, _, _) in cases() {
        assert_eq!(format!("{key:?}"), "<redacted>");
        assert_eq!(format!("{key:#?}"), "<redacted>");
    }
}

#[test]
fn der_loading_matches_pem_loading() {
    // The PEM body is the DER; load it directly through the DER entry points.
    let rsa_pkcs1_der = pem_body(RSA_PKCS1_KEY);
    let rsa = PrivateKey::from_der(&rsa_pkcs1_der).unwrap();
    assert_eq!(rsa.public_key(), public_key_of(RSA_CERT).unwrap());
    assert!(PrivateKey::from_rsa_der(&rsa_pkcs1_der).is_ok());
    assert!(PrivateKey::from_pkcs8_der(&rsa_pkcs1_der).is_err());
    let p384_der = pem_body(P384_KEY);
    let p384 = PrivateKey::from_der(&p384_der).unwrap();
    assert_eq!(p384.public_key(), public_key_of(P384_CERT).unwrap());
    assert!(PrivateKey::from_rsa_der(&p384_der).is_err());
}

/// The DER inside a fixture's PEM, decoded by a separate bit-stream base64 decoder so the
/// DER entry points are not tested through the library's own PEM code.
fn pem_body(pem: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let chars: Vec<u8> = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.bytes())
        .filter(|c| *c != b'=')
        .collect();
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = vec![];
    for c in chars {
        bits = (bits << 6) | alphabet.iter().position(|a| *a == c).unwrap() as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
        }
    }
    out
}

#[test]
fn bad_pem_and_der_are_errors_not_panics() {
    assert_eq!(PrivateKey::from_pem("").unwrap_err(), KeyError::Pem);
    assert_eq!(
        PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n").unwrap_err(),
        KeyError::Pem
    );
    assert_eq!(
        PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nA*AA\n-----END PRIVATE KEY-----")
            .unwrap_err(),
        KeyError::Pem
    );
    assert_eq!(
        PrivateKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----")
            .unwrap_err(),
        KeyError::UnsupportedLabel("EC PRIVATE KEY".into())
    );
    // Valid base64, not a key.
    assert!(matches!(
        PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
        Err(KeyError::Rejected(_))
    ));
    // A truncated real key, a bit-flipped real key and garbage DER.
    let der = pem_body(P256_KEY);
    for n in 0..der.len() {
        assert!(PrivateKey::from_der(&der[..n]).is_err(), "prefix {n}");
    }
    assert!(PrivateKey::from_der(&flip(&der, 0)).is_err());
    assert!(PrivateKey::from_der(&[0xff; 64]).is_err());
    // Error text never contains key bytes: only a label or ring's fixed reason.
    let e = PrivateKey::from_der(&der[..der.len() - 1]).unwrap_err();
    assert!(!format!("{e} {e:?}").contains("MIGH"));
}
