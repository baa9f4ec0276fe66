//! RFC 7427 Digital Signature authentication (IKEv2 auth method 14): splitting the AUTH data
//! into its AlgorithmIdentifier and signature, and mapping the AlgorithmIdentifier to a
//! verification scheme the peer's key allows.
//!
//! Parsing uses x509-parser's DER decoder; unknown or inconsistent algorithms (wrong curve,
//! PSS with a salt length ring cannot verify, MGF1 hash differing from the message hash) are
//! refused rather than guessed. This module only verifies; it never signs.

use super::{auth::SigScheme, cert::CertPublicKey, CryptoError, Result};
use x509_parser::{
    oid_registry::{
        Oid, OID_NIST_HASH_SHA256, OID_NIST_HASH_SHA384, OID_NIST_HASH_SHA512, OID_PKCS1_RSASSAPSS,
        OID_PKCS1_SHA1WITHRSA, OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA,
        OID_PKCS1_SHA512WITHRSA, OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384,
    },
    prelude::FromDer,
    signature_algorithm::SignatureAlgorithm,
    x509::AlgorithmIdentifier,
};

/// MGF1 (RFC 8017 B.2.1), `1.2.840.113549.1.1.8`.
const MGF1: &str = "1.2.840.113549.1.1.8";

/// RFC 7427 3: AUTH data = ASN.1 Length (1 octet) | AlgorithmIdentifier | Signature Value.
/// Returns `(algorithm_identifier_der, signature)`.
pub fn split_auth_data(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    let len = usize::from(len);
    if len == 0 {
        return None;
    }
    Some((rest.get(..len)?, rest.get(len..)?))
}

fn pss_scheme(hash: &Oid<'_>) -> Option<(SigScheme, u32)> {
    if *hash == OID_NIST_HASH_SHA256 {
        Some((SigScheme::RsaPssSha256, 32))
    } else if *hash == OID_NIST_HASH_SHA384 {
        Some((SigScheme::RsaPssSha384, 48))
    } else if *hash == OID_NIST_HASH_SHA512 {
        Some((SigScheme::RsaPssSha512, 64))
    } else {
        None
    }
}

/// Map a DER AlgorithmIdentifier to a scheme usable with `key`, or `None`.
pub fn scheme_for(alg_id_der: &[u8], key: &CertPublicKey) -> Option<SigScheme> {
    let (rest, alg) = AlgorithmIdentifier::from_der(alg_id_der).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let oid = &alg.algorithm;
    let scheme = if *oid == OID_PKCS1_SHA1WITHRSA {
        SigScheme::RsaPkcs1Sha1
    } else if *oid == OID_PKCS1_SHA256WITHRSA {
        SigScheme::RsaPkcs1Sha256
    } else if *oid == OID_PKCS1_SHA384WITHRSA {
        SigScheme::RsaPkcs1Sha384
    } else if *oid == OID_PKCS1_SHA512WITHRSA {
        SigScheme::RsaPkcs1Sha512
    } else if *oid == OID_SIG_ECDSA_WITH_SHA256 {
        // RFC 7427 3: the hash is the AlgorithmIdentifier's, the curve the certificate's.
        match key {
            CertPublicKey::EcP384(_) => SigScheme::EcdsaP384Sha256Der,
            _ => SigScheme::EcdsaP256Sha256Der,
        }
    } else if *oid == OID_SIG_ECDSA_WITH_SHA384 {
        match key {
            CertPublicKey::EcP256(_) => SigScheme::EcdsaP256Sha384Der,
            _ => SigScheme::EcdsaP384Sha384Der,
        }
    } else if *oid == OID_PKCS1_RSASSAPSS {
        let SignatureAlgorithm::RSASSA_PSS(params) = SignatureAlgorithm::try_from(&alg).ok()?
        else {
            return None;
        };
        let (scheme, salt) = pss_scheme(params.hash_algorithm_oid())?;
        let mgf = params.mask_gen_algorithm().ok()?;
        // ring verifies PSS with MGF1 over the same hash and salt length = hash length
        // (the RFC 7427 / RFC 8247 recommended parameters); anything else is refused.
        if mgf.mgf.to_id_string() != MGF1 || mgf.hash != *params.hash_algorithm_oid() {
            return None;
        }
        if params.salt_length() != salt || params.trailer_field() != 1 {
            return None;
        }
        scheme
    } else {
        return None;
    };
    key.allows(scheme).then_some(scheme)
}

/// Verify RFC 7427 AUTH data over `signed_octets` with the peer's certified key.
pub fn verify_digital_signature(
    key: &CertPublicKey,
    auth_data: &[u8],
    signed_octets: &[u8],
) -> Result<()> {
    let (alg, sig) = split_auth_data(auth_data).ok_or(CryptoError::BadSignature)?;
    let scheme = scheme_for(alg, key).ok_or(CryptoError::BadSignature)?;
    key.verify(scheme, signed_octets, sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// DER AlgorithmIdentifiers as listed in RFC 7427 appendix A (sha256WithRSAEncryption,
    /// ecdsa-with-SHA256, ecdsa-with-SHA384) and an RSASSA-PSS SHA-256/MGF1-SHA-256/salt 32
    /// identifier built from RFC 4055 3.1.
    const RSA_SHA256: &str = "300d06092a864886f70d01010b0500";
    const ECDSA_SHA256: &str = "300a06082a8648ce3d040302";
    const ECDSA_SHA384: &str = "300a06082a8648ce3d040303";
    const PSS_SHA256: &str = "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";

    #[test]
    fn maps_known_identifiers_and_checks_key_type() {
        let rsa = CertPublicKey::Rsa(vec![]);
        let p256 = CertPublicKey::EcP256(vec![]);
        let p384 = CertPublicKey::EcP384(vec![]);
        assert_eq!(
            scheme_for(&h(RSA_SHA256), &rsa),
            Some(SigScheme::RsaPkcs1Sha256)
        );
        assert_eq!(scheme_for(&h(RSA_SHA256), &p256), None);
        assert_eq!(
            scheme_for(&h(ECDSA_SHA256), &p256),
            Some(SigScheme::EcdsaP256Sha256Der)
        );
        // Any hash with either curve (RFC 7427 3), through ring's cross-hash verifiers.
        assert_eq!(
            scheme_for(&h(ECDSA_SHA256), &p384),
            Some(SigScheme::EcdsaP384Sha256Der)
        );
        assert_eq!(
            scheme_for(&h(ECDSA_SHA384), &p256),
            Some(SigScheme::EcdsaP256Sha384Der)
        );
        assert_eq!(scheme_for(&h(ECDSA_SHA256), &rsa), None);
        assert_eq!(
            scheme_for(&h(ECDSA_SHA384), &p384),
            Some(SigScheme::EcdsaP384Sha384Der)
        );
        assert_eq!(
            scheme_for(&h(PSS_SHA256), &rsa),
            Some(SigScheme::RsaPssSha256)
        );
        // Salt length 20 instead of 32: refused.
        let mut salt20 = h(PSS_SHA256);
        *salt20.last_mut().unwrap() = 0x14;
        assert_eq!(scheme_for(&salt20, &rsa), None);
        // Trailing garbage and truncation: refused.
        assert_eq!(scheme_for(&[h(RSA_SHA256), vec![0]].concat(), &rsa), None);
        assert_eq!(scheme_for(&h(RSA_SHA256)[..10], &rsa), None);
    }

    #[test]
    fn split_and_verify_ecdsa() {
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let kp = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        use ring::signature::KeyPair;
        let key = CertPublicKey::EcP256(kp.public_key().as_ref().to_vec());
        let sig = kp.sign(&rng, b"octets").unwrap();
        let id = h(ECDSA_SHA256);
        let auth = [vec![id.len() as u8], id, sig.as_ref().to_vec()].concat();
        assert!(verify_digital_signature(&key, &auth, b"octets").is_ok());
        assert!(verify_digital_signature(&key, &auth, b"octetz").is_err());
        assert!(verify_digital_signature(&key, &auth[..5], b"octets").is_err());
        assert_eq!(split_auth_data(&[0, 1, 2]), None);
        assert_eq!(split_auth_data(&[5, 1, 2]), None);
    }
}
