//! IKEv2 AUTH payload crypto: PSK authentication (RFC 7296 2.15) and signature verification
//! (RSA PKCS#1 v1.5 / PSS, ECDSA P-256/P-384) through ring.
//!
//! Signed-octet assembly and the MAC/PSK computations live here; the engine decides which
//! method was negotiated. Comparisons of AUTH values are constant time. Certificate chain
//! validation is NOT done here; callers pass an already-trusted public key.

use super::{secret::ct_eq, CryptoError, PrfAlg, Result, Secret};
use ring::signature;

/// RFC 7296 2.15: the key pad string.
pub const KEY_PAD: &[u8] = b"Key Pad for IKEv2";

/// RFC 7296 2.15: `<SignedOctets> = RealMessage | Nonce(peer) | prf(SK_p, RestOfIDPayload)`.
/// For the initiator: its IKE_SA_INIT request, the responder's nonce, and MACedIDForI with
/// SK_pi over the body of its ID payload (from ID Type on). The responder mirrors this.
pub fn signed_octets(
    prf: PrfAlg,
    real_message: &[u8],
    peer_nonce: &[u8],
    sk_p: &Secret,
    id_payload_body: &[u8],
) -> Vec<u8> {
    let maced_id = prf.prf(sk_p.expose(), &[id_payload_body]);
    let mut v = Vec::with_capacity(real_message.len() + peer_nonce.len() + maced_id.len());
    v.extend_from_slice(real_message);
    v.extend_from_slice(peer_nonce);
    v.extend_from_slice(maced_id.expose());
    v
}

/// RFC 7296 2.15: `AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)`.
pub fn psk_auth(prf: PrfAlg, psk: &Secret, signed_octets: &[u8]) -> Secret {
    let k = prf.prf(psk.expose(), &[KEY_PAD]);
    prf.prf(k.expose(), &[signed_octets])
}

/// Verify a peer's PSK AUTH value in constant time.
pub fn verify_psk_auth(
    prf: PrfAlg,
    psk: &Secret,
    signed_octets: &[u8],
    received: &[u8],
) -> Result<()> {
    let expect = psk_auth(prf, psk, signed_octets);
    if ct_eq(expect.expose(), received) {
        Ok(())
    } else {
        Err(CryptoError::IntegrityFailed)
    }
}

/// Signature schemes accepted for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigScheme {
    /// RSASSA-PKCS1-v1_5 with SHA-1: RFC 7296 3.8 auth method 1 (RSA Digital Signature) is
    /// defined with SHA-1; kept for interoperability, prefer RFC 7427 with SHA-2.
    RsaPkcs1Sha1,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7427).
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaPkcs1Sha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt = hash length (RFC 7427 + RFC 8247).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512.
    RsaPssSha512,
    /// ECDSA P-256/SHA-256, fixed r || s (RFC 4754 auth method 9).
    EcdsaP256Sha256Fixed,
    /// ECDSA P-384/SHA-384, fixed r || s (RFC 4754 auth method 10).
    EcdsaP384Sha384Fixed,
    /// ECDSA P-256/SHA-256, DER signature (RFC 7427 digital signature method).
    EcdsaP256Sha256Der,
    /// ECDSA P-384/SHA-384, DER signature (RFC 7427).
    EcdsaP384Sha384Der,
    /// ECDSA P-256 with SHA-384, DER (RFC 7427 allows any announced hash with a key; libreswan
    /// signs with the strongest hash both sides announced).
    EcdsaP256Sha384Der,
    /// ECDSA P-384 with SHA-256, DER (RFC 7427).
    EcdsaP384Sha256Der,
}

/// Verify `sig` over `msg` with `public_key` in ring's format: for RSA the DER RSAPublicKey
/// (the subjectPublicKey BIT STRING of an RSA SPKI), for ECDSA the uncompressed SEC1 point.
pub fn verify_signature(
    scheme: SigScheme,
    public_key: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> Result<()> {
    let alg: &dyn signature::VerificationAlgorithm = match scheme {
        SigScheme::RsaPkcs1Sha1 => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        SigScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        SigScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        SigScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        SigScheme::RsaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
        SigScheme::RsaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
        SigScheme::RsaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
        SigScheme::EcdsaP256Sha256Fixed => &signature::ECDSA_P256_SHA256_FIXED,
        SigScheme::EcdsaP384Sha384Fixed => &signature::ECDSA_P384_SHA384_FIXED,
        SigScheme::EcdsaP256Sha256Der => &signature::ECDSA_P256_SHA256_ASN1,
        SigScheme::EcdsaP384Sha384Der => &signature::ECDSA_P384_SHA384_ASN1,
        SigScheme::EcdsaP256Sha384Der => &signature::ECDSA_P256_SHA384_ASN1,
        SigScheme::EcdsaP384Sha256Der => &signature::ECDSA_P384_SHA256_ASN1,
    };
    signature::UnparsedPublicKey::new(alg, public_key)
        .verify(msg, sig)
        .map_err(|_| CryptoError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::KeyPair;

    #[test]
    fn psk_auth_matches_the_rfc_formula_and_verifies() {
        let prf = PrfAlg::HmacSha256;
        let psk = Secret::from_slice(b"shared secret");
        let so = signed_octets(
            prf,
            b"msg1",
            b"nonceR",
            &Secret::from_slice(b"skpi"),
            b"\x01\0\0\0id",
        );
        let maced = prf.prf(b"skpi", &[b"\x01\0\0\0id"]);
        assert_eq!(so, [b"msg1".as_slice(), b"nonceR", maced.expose()].concat());
        // Independent two-step HMAC through ring.
        let k1 = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"shared secret"),
            b"Key Pad for IKEv2",
        );
        let auth = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, k1.as_ref()),
            &so,
        );
        assert_eq!(psk_auth(prf, &psk, &so).expose(), auth.as_ref());
        assert!(verify_psk_auth(prf, &psk, &so, auth.as_ref()).is_ok());
        assert!(verify_psk_auth(prf, &Secret::from_slice(b"other"), &so, auth.as_ref()).is_err());
        assert!(verify_psk_auth(prf, &psk, &so, &auth.as_ref()[1..]).is_err());
    }

    #[test]
    fn ecdsa_verification_round_trip() {
        let rng = ring::rand::SystemRandom::new();
        for (sign_alg, fixed, der) in [
            (
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                SigScheme::EcdsaP256Sha256Fixed,
                SigScheme::EcdsaP256Sha256Der,
            ),
            (
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                SigScheme::EcdsaP384Sha384Fixed,
                SigScheme::EcdsaP384Sha384Der,
            ),
        ] {
            let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(sign_alg, &rng).unwrap();
            let kp = signature::EcdsaKeyPair::from_pkcs8(sign_alg, pkcs8.as_ref(), &rng).unwrap();
            let sig = kp.sign(&rng, b"octets").unwrap();
            let pk = kp.public_key().as_ref();
            assert!(verify_signature(fixed, pk, b"octets", sig.as_ref()).is_ok());
            assert_eq!(
                verify_signature(fixed, pk, b"octetz", sig.as_ref()),
                Err(CryptoError::BadSignature)
            );
            assert!(verify_signature(der, pk, b"octets", sig.as_ref()).is_err());
        }
    }
}
