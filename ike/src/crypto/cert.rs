//! X.509 certificate path checks for certificate-based AUTH (RFC 7296 3.6-3.8, RFC 5280 6)
//! with `x509-parser` (signatures verified through its ring backend).
//!
//! Minimal path validation: each certificate is inside its validity period at `now`, each
//! issuer is a CA (basicConstraints cA = TRUE) whose key verifies the child's signature, and the
//! path ends at a caller-supplied trust anchor. NOT done here: revocation (CRL/OCSP), name
//! constraints, policy processing, key usage / EKU checks, path length constraints, and
//! matching the IKE identity against the subject or subjectAltName. Time enters as a
//! parameter; this module never reads a clock.

use super::{auth::SigScheme, CryptoError, Result};
use x509_parser::{
    certificate::X509Certificate,
    oid_registry::{
        OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    },
    prelude::FromDer,
    time::ASN1Time,
};

/// Longest chain (end entity + intermediates) that will be walked.
pub const MAX_CHAIN: usize = 8;

/// Why a certificate path was refused. Carries no key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// DER did not parse as an X.509 certificate.
    #[error("malformed certificate")]
    Malformed,
    /// A certificate is outside its validity period at the given time.
    #[error("certificate expired or not yet valid")]
    NotValidAtTime,
    /// An issuer in the path is not a CA.
    #[error("issuer is not a CA")]
    IssuerNotCa,
    /// No path to a trust anchor (unknown issuer or bad signature).
    #[error("no path to a trusted anchor")]
    UntrustedIssuer,
    /// The end-entity key type is not usable for IKE AUTH here.
    #[error("unsupported public key type")]
    UnsupportedKey,
}

/// The end-entity public key in the form [`super::auth::verify_signature`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertPublicKey {
    /// DER RSAPublicKey (PKCS#1).
    Rsa(Vec<u8>),
    /// Uncompressed SEC1 point on P-256.
    EcP256(Vec<u8>),
    /// Uncompressed SEC1 point on P-384.
    EcP384(Vec<u8>),
}

impl CertPublicKey {
    /// Whether `scheme` may be used with this key.
    pub fn allows(&self, scheme: SigScheme) -> bool {
        use SigScheme::*;
        match self {
            CertPublicKey::Rsa(_) => matches!(
                scheme,
                RsaPkcs1Sha256
                    | RsaPkcs1Sha384
                    | RsaPkcs1Sha512
                    | RsaPssSha256
                    | RsaPssSha384
                    | RsaPssSha512
            ),
            CertPublicKey::EcP256(_) => matches!(scheme, EcdsaP256Sha256Fixed | EcdsaP256Sha256Der),
            CertPublicKey::EcP384(_) => matches!(scheme, EcdsaP384Sha384Fixed | EcdsaP384Sha384Der),
        }
    }

    /// Verify an AUTH signature with this key (scheme must match the key type).
    pub fn verify(&self, scheme: SigScheme, msg: &[u8], sig: &[u8]) -> Result<()> {
        if !self.allows(scheme) {
            return Err(CryptoError::BadSignature);
        }
        let key = match self {
            CertPublicKey::Rsa(k) | CertPublicKey::EcP256(k) | CertPublicKey::EcP384(k) => k,
        };
        super::auth::verify_signature(scheme, key, msg, sig)
    }
}

fn parse(der: &[u8]) -> core::result::Result<X509Certificate<'_>, CertError> {
    match X509Certificate::from_der(der) {
        // Trailing bytes after the certificate are refused.
        Ok(([], cert)) => Ok(cert),
        _ => Err(CertError::Malformed),
    }
}

fn valid_at(cert: &X509Certificate<'_>, now: ASN1Time) -> core::result::Result<(), CertError> {
    if cert.validity().is_valid_at(now) {
        Ok(())
    } else {
        Err(CertError::NotValidAtTime)
    }
}

fn is_ca(cert: &X509Certificate<'_>) -> bool {
    // RFC 5280 6.1.4 (k): an issuer must assert basicConstraints cA = TRUE.
    matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca)
}

fn signed_by(child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    child.issuer() == issuer.subject() && child.verify_signature(Some(issuer.public_key())).is_ok()
}

/// Validate `end_entity` up to one of `anchors` through `intermediates` (any order) at
/// `now_unix` (seconds since the epoch), and return the end entity's public key.
pub fn verify_chain(
    end_entity: &[u8],
    intermediates: &[&[u8]],
    anchors: &[&[u8]],
    now_unix: i64,
) -> core::result::Result<CertPublicKey, CertError> {
    let now = ASN1Time::from_timestamp(now_unix).map_err(|_| CertError::NotValidAtTime)?;
    let ee = parse(end_entity)?;
    valid_at(&ee, now)?;
    let inter: Vec<X509Certificate<'_>> = intermediates
        .iter()
        .map(|d| parse(d))
        .collect::<core::result::Result<_, _>>()?;
    let roots: Vec<X509Certificate<'_>> = anchors
        .iter()
        .map(|d| parse(d))
        .collect::<core::result::Result<_, _>>()?;
    let mut current = &ee;
    for _ in 0..MAX_CHAIN {
        if let Some(root) = roots.iter().find(|r| signed_by(current, r)) {
            valid_at(root, now)?;
            if !is_ca(root) {
                return Err(CertError::IssuerNotCa);
            }
            return public_key(&ee);
        }
        let next = inter
            .iter()
            .find(|c| signed_by(current, c))
            .ok_or(CertError::UntrustedIssuer)?;
        valid_at(next, now)?;
        if !is_ca(next) {
            return Err(CertError::IssuerNotCa);
        }
        current = next;
    }
    Err(CertError::UntrustedIssuer)
}

/// Extract a certificate's public key for AUTH verification (no path checks).
pub fn public_key_of(der: &[u8]) -> core::result::Result<CertPublicKey, CertError> {
    public_key(&parse(der)?)
}

fn public_key(cert: &X509Certificate<'_>) -> core::result::Result<CertPublicKey, CertError> {
    let spki = cert.public_key();
    let key = spki.subject_public_key.data.to_vec();
    if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
        return Ok(CertPublicKey::Rsa(key));
    }
    if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .ok_or(CertError::UnsupportedKey)?;
        if curve == OID_EC_P256 {
            return Ok(CertPublicKey::EcP256(key));
        }
        if curve == OID_NIST_EC_P384 {
            return Ok(CertPublicKey::EcP384(key));
        }
    }
    Err(CertError::UnsupportedKey)
}
