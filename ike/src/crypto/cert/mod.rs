//! X.509 certificate path validation for certificate-based AUTH (RFC 7296 3.6-3.8, RFC 5280 6.1)
//! with `x509-parser` (signatures verified through its ring backend).
//!
//! The path is built from the end entity up to a caller-supplied trust anchor (issuer name
//! match, signature, and the authorityKeyIdentifier to choose among several candidates), then
//! checked from the anchor down: validity at `now`, unknown critical extensions (RFC 5280 4.2),
//! basicConstraints cA and pathLenConstraint (4.2.1.9), keyUsage (4.2.1.3), key identifiers
//! (4.2.1.1, 4.2.1.2) and name constraints (4.2.1.10, in `names`). The anchor certificate is
//! held to the same CA rules. NOT done here: revocation (CRL/OCSP), certificate policy
//! processing beyond what the default inputs make irrelevant, EKU enforcement, and matching
//! the IKE identity against the subject or subjectAltName. Time enters as a parameter; this
//! module never reads a clock.

mod names;
pub(crate) use names::rdn_eq;
mod path;
mod rules;

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

/// Why a certificate path was refused. Carries no key material; `subject` is the subject DN
/// of the offending certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// DER did not parse as an X.509 certificate.
    #[error("malformed certificate")]
    Malformed,
    /// A certificate is outside its validity period at the given time.
    #[error("certificate expired or not yet valid")]
    NotValidAtTime,
    /// An issuer in the path lacks basicConstraints cA = TRUE (RFC 5280 4.2.1.9).
    #[error("issuer {subject} is not a CA (RFC 5280 4.2.1.9)")]
    IssuerNotCa {
        /// The issuing certificate.
        subject: String,
    },
    /// More intermediates below a CA than its pathLenConstraint allows (RFC 5280 4.2.1.9).
    #[error("pathLenConstraint of {subject} exceeded (RFC 5280 4.2.1.9)")]
    PathLenExceeded {
        /// The CA whose constraint is exceeded.
        subject: String,
    },
    /// An issuer's keyUsage lacks keyCertSign (RFC 5280 4.2.1.3).
    #[error("issuer {subject} keyUsage lacks keyCertSign (RFC 5280 4.2.1.3)")]
    CaKeyUsage {
        /// The issuing certificate.
        subject: String,
    },
    /// The end entity's keyUsage allows neither digitalSignature nor nonRepudiation.
    #[error("end entity {subject} keyUsage lacks digitalSignature (RFC 5280 4.2.1.3)")]
    EndEntityKeyUsage {
        /// The end-entity certificate.
        subject: String,
    },
    /// A CA certificate has no subjectKeyIdentifier (RFC 5280 4.2.1.2).
    #[error("CA {subject} has no subjectKeyIdentifier (RFC 5280 4.2.1.2)")]
    MissingSubjectKeyId {
        /// The CA certificate.
        subject: String,
    },
    /// A non-anchor certificate has no authorityKeyIdentifier keyIdentifier (RFC 5280 4.2.1.1).
    #[error("{subject} has no authorityKeyIdentifier keyIdentifier (RFC 5280 4.2.1.1)")]
    MissingAuthorityKeyId {
        /// The certificate lacking it.
        subject: String,
    },
    /// A certificate's authorityKeyIdentifier differs from its issuer's subjectKeyIdentifier.
    #[error("{subject} authorityKeyIdentifier does not match issuer (RFC 5280 4.2.1.1)")]
    KeyIdMismatch {
        /// The child certificate.
        subject: String,
    },
    /// A name of a certificate is outside a CA's permitted or inside its excluded subtrees.
    #[error("{subject} violates name constraints of {constrained_by} (RFC 5280 4.2.1.10)")]
    NameConstraintViolation {
        /// The certificate whose name violates the constraint.
        subject: String,
        /// The CA carrying the nameConstraints extension.
        constrained_by: String,
    },
    /// A critical nameConstraints uses a name form not enforced here (RFC 5280 4.2.1.10).
    #[error("{subject} has critical name constraints of an unsupported form (RFC 5280 4.2.1.10)")]
    UnsupportedNameConstraint {
        /// The CA carrying the nameConstraints extension.
        subject: String,
    },
    /// A critical extension that is not recognised (RFC 5280 4.2).
    #[error("{subject} has unrecognised critical extension {oid} (RFC 5280 4.2)")]
    UnknownCriticalExtension {
        /// The certificate carrying it.
        subject: String,
        /// Dotted OID of the extension.
        oid: String,
    },
    /// A duplicated or undecodable extension (RFC 5280 4.2).
    #[error("{subject} has a duplicate or malformed extension (RFC 5280 4.2)")]
    BadExtension {
        /// The certificate carrying it.
        subject: String,
    },
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
    /// Verifies an ECDSA signature (fixed r || s) made over `digest` as given, with no
    /// further hashing (see `PrivateKey::sign_ecdsa_prehash`). Err for an RSA key, a bad
    /// point or a signature that does not verify.
    pub fn verify_ecdsa_prehash(&self, digest: &[u8], sig: &[u8]) -> Result<()> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        match self {
            CertPublicKey::EcP256(point) => {
                let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| CryptoError::BadSignature)?;
                let s = p256::ecdsa::Signature::from_slice(sig)
                    .map_err(|_| CryptoError::BadSignature)?;
                k.verify_prehash(digest, &s)
                    .map_err(|_| CryptoError::BadSignature)
            }
            CertPublicKey::EcP384(point) => {
                let k = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| CryptoError::BadSignature)?;
                let s = p384::ecdsa::Signature::from_slice(sig)
                    .map_err(|_| CryptoError::BadSignature)?;
                k.verify_prehash(digest, &s)
                    .map_err(|_| CryptoError::BadSignature)
            }
            CertPublicKey::Rsa(_) => Err(CryptoError::Unsupported),
        }
    }

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
            CertPublicKey::EcP256(_) => matches!(
                scheme,
                EcdsaP256Sha256Fixed | EcdsaP256Sha256Der | EcdsaP256Sha384Der
            ),
            CertPublicKey::EcP384(_) => matches!(
                scheme,
                EcdsaP384Sha384Fixed | EcdsaP384Sha384Der | EcdsaP384Sha256Der
            ),
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

fn subject_of(cert: &X509Certificate<'_>) -> String {
    cert.subject().to_string()
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
    let inter: Vec<X509Certificate<'_>> = intermediates
        .iter()
        .map(|d| parse(d))
        .collect::<core::result::Result<_, _>>()?;
    let roots: Vec<X509Certificate<'_>> = anchors
        .iter()
        .map(|d| parse(d))
        .collect::<core::result::Result<_, _>>()?;
    // Path building: path[0] is the end entity, the last element the trust anchor.
    let mut path: Vec<&X509Certificate<'_>> = vec![&ee];
    let mut current = &ee;
    loop {
        if path.len() > MAX_CHAIN {
            return Err(CertError::UntrustedIssuer);
        }
        match path::select_issuer(current, &roots, &inter)? {
            Some((anchor, true)) => {
                path.push(anchor);
                break;
            }
            Some((next, false)) => {
                path.push(next);
                current = next;
            }
            None => return Err(CertError::UntrustedIssuer),
        }
    }
    path::validate(&path, now)?;
    public_key(&ee)
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
