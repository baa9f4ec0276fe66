//! The signing half of IKEv2 certificate authentication: a [`PrivateKey`] loaded from PKCS#8
//! or PKCS#1 (DER or PEM) that produces AUTH payload data for RFC 7427 Digital Signature
//! (auth method 14) and the classic RFC 4754 ECDSA methods 9 and 10, through ring, plus the
//! raw PKCS#1 v1.5 RSA signature of IKEv1 main mode (RFC 2409 5.1) through the `rsa` crate.
//!
//! The key never reaches `Debug` output, logs or error messages (its `Debug` prints
//! `<redacted>`; errors only name the PEM label or ring's static reason), and decoded key bytes
//! are zeroized after ring has parsed them. This module never verifies (see [`super::sig_alg`]
//! and [`super::auth::verify_signature`]), never validates certificates and never chooses
//! which certificate to send.

use super::{auth::SigScheme, cert::CertPublicKey, CryptoError, Result};
use ring::{
    rand::SystemRandom,
    signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair},
};
use zeroize::Zeroizing;

/// RFC 7296 3.8: Auth Method 1, RSA Digital Signature (PKCS#1 v1.5 with SHA-1).
pub const AUTH_RSA_SIG: u8 = 1;
/// RFC 4754 4, 6: Auth Method 9, ECDSA with SHA-256 on the P-256 curve.
pub const AUTH_ECDSA_256: u8 = 9;
/// RFC 4754 4, 6: Auth Method 10, ECDSA with SHA-384 on the P-384 curve.
pub const AUTH_ECDSA_384: u8 = 10;
/// RFC 7427 3: Auth Method 14, Digital Signature.
pub const AUTH_DIGITAL_SIGNATURE: u8 = 14;

/// RFC 7427 7 (IANA "IKEv2 Hash Algorithms"): SHA2-256.
pub const HASH_SHA2_256: u16 = 2;
/// RFC 7427 7: SHA2-384.
pub const HASH_SHA2_384: u16 = 3;
/// RFC 7427 7: SHA2-512.
pub const HASH_SHA2_512: u16 = 4;

/// DER AlgorithmIdentifier sha256WithRSAEncryption with NULL parameters (RFC 7427 appendix A).
pub const ALG_ID_RSA_PKCS1_SHA256: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
];
/// DER AlgorithmIdentifier sha384WithRSAEncryption (RFC 7427 appendix A).
pub const ALG_ID_RSA_PKCS1_SHA384: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00,
];
/// DER AlgorithmIdentifier sha512WithRSAEncryption (RFC 7427 appendix A).
pub const ALG_ID_RSA_PKCS1_SHA512: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00,
];
/// DER AlgorithmIdentifier ecdsa-with-SHA256, no parameters (RFC 7427 appendix A).
pub const ALG_ID_ECDSA_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
/// DER AlgorithmIdentifier ecdsa-with-SHA384 (RFC 7427 appendix A).
pub const ALG_ID_ECDSA_SHA384: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
];

/// RSASSA-PSS AlgorithmIdentifier (RFC 4055 3.1) with hash = MGF1 hash = SHA-2 `hash_last`
/// (last octet of the 2.16.840.1.101.3.4.2.x OID) and saltLength `salt` (= hash length, the
/// only PSS parameters ring signs with and [`super::sig_alg::scheme_for`] accepts).
const fn pss_alg_id(hash_last: u8, salt: u8) -> [u8; 67] {
    [
        0x30, 0x41, // AlgorithmIdentifier
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, // id-RSASSA-PSS
        0x30, 0x34, // RSASSA-PSS-params
        0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
        hash_last, 0x05, 0x00, // [0] hashAlgorithm
        0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x08, // [1] maskGenAlgorithm id-mgf1
        0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, hash_last, 0x05,
        0x00, // MGF1 hash
        0xa2, 0x03, 0x02, 0x01, salt, // [2] saltLength
    ]
}

/// DER AlgorithmIdentifier RSASSA-PSS / SHA-256 / MGF1-SHA-256 / salt 32 (RFC 7427 appendix A).
pub const ALG_ID_RSA_PSS_SHA256: &[u8] = &pss_alg_id(0x01, 32);
/// DER AlgorithmIdentifier RSASSA-PSS / SHA-384 / MGF1-SHA-384 / salt 48.
pub const ALG_ID_RSA_PSS_SHA384: &[u8] = &pss_alg_id(0x02, 48);
/// DER AlgorithmIdentifier RSASSA-PSS / SHA-512 / MGF1-SHA-512 / salt 64.
pub const ALG_ID_RSA_PSS_SHA512: &[u8] = &pss_alg_id(0x03, 64);

/// The DER AlgorithmIdentifier to put in RFC 7427 AUTH data for `scheme`, or `None` for the
/// fixed-format ECDSA schemes (classic methods only) and RSA/SHA-1 (not signed here).
pub fn alg_id_for(scheme: SigScheme) -> Option<&'static [u8]> {
    match scheme {
        SigScheme::RsaPkcs1Sha256 => Some(ALG_ID_RSA_PKCS1_SHA256),
        SigScheme::RsaPkcs1Sha384 => Some(ALG_ID_RSA_PKCS1_SHA384),
        SigScheme::RsaPkcs1Sha512 => Some(ALG_ID_RSA_PKCS1_SHA512),
        SigScheme::RsaPssSha256 => Some(ALG_ID_RSA_PSS_SHA256),
        SigScheme::RsaPssSha384 => Some(ALG_ID_RSA_PSS_SHA384),
        SigScheme::RsaPssSha512 => Some(ALG_ID_RSA_PSS_SHA512),
        SigScheme::EcdsaP256Sha256Der => Some(ALG_ID_ECDSA_SHA256),
        SigScheme::EcdsaP384Sha384Der => Some(ALG_ID_ECDSA_SHA384),
        SigScheme::RsaPkcs1Sha1
        | SigScheme::EcdsaP256Sha256Fixed
        | SigScheme::EcdsaP384Sha384Fixed
        // Verified only: we sign each curve with its matching hash.
        | SigScheme::EcdsaP256Sha384Der
        | SigScheme::EcdsaP384Sha256Der => None,
    }
}

/// Why a private key could not be loaded. No variant carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// No BEGIN/END block, mismatched labels, PEM headers or invalid base64.
    #[error("malformed PEM")]
    Pem,
    /// A PEM label this loader does not handle (e.g. ENCRYPTED PRIVATE KEY, EC PRIVATE KEY).
    #[error("unsupported PEM label {0:?}")]
    UnsupportedLabel(String),
    /// The DER is not a PKCS#8 RSA/P-256/P-384 key nor a PKCS#1 RSA key ring accepts.
    #[error("private key rejected: {0}")]
    Rejected(String),
}

/// The algorithm family of a [`PrivateKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA (ring accepts 2048..=4096-bit moduli for signing).
    Rsa,
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
}

enum Inner {
    Rsa(Box<RsaKeyPair>),
    /// ring binds an ECDSA key pair to one output format: fixed r||s and DER.
    Ec {
        kind: KeyKind,
        fixed: Box<EcdsaKeyPair>,
        der: Box<EcdsaKeyPair>,
    },
}

/// A private signing key. `Debug` prints `<redacted>`.
pub struct PrivateKey {
    inner: Inner,
    /// The same RSA key for raw PKCS#1 v1.5 signatures without DigestInfo (IKEv1 RFC 2409
    /// 5.1), which ring does not offer. Zeroized on drop by the `rsa` crate.
    rsa_raw: Option<Box<rsa::RsaPrivateKey>>,
    /// The same EC key for ECDSA over a digest given as is (IKEv1 signs HASH_I itself as the
    /// ECDSA digest, as strongSwan does), which ring does not offer. Zeroized on drop by the
    /// RustCrypto crates.
    ec_prehash: Option<EcPrehash>,
    rsa_pss: bool,
    rng: SystemRandom,
}

/// An EC key for prehashed ECDSA (RustCrypto `p256` / `p384`).
enum EcPrehash {
    P256(Box<p256::ecdsa::SigningKey>),
    P384(Box<p384::ecdsa::SigningKey>),
}

impl EcPrehash {
    fn from_pkcs8_der(der: &[u8]) -> Option<Self> {
        use p256::pkcs8::DecodePrivateKey;
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
            return Some(EcPrehash::P256(Box::new(k.into())));
        }
        p384::SecretKey::from_pkcs8_der(der)
            .ok()
            .map(|k| EcPrehash::P384(Box::new(k.into())))
    }
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<redacted>")
    }
}

fn ec_pair(
    alg: &'static signature::EcdsaSigningAlgorithm,
    pkcs8: &[u8],
    rng: &SystemRandom,
) -> core::result::Result<Box<EcdsaKeyPair>, KeyError> {
    EcdsaKeyPair::from_pkcs8(alg, pkcs8, rng)
        .map(Box::new)
        .map_err(|e| KeyError::Rejected(e.to_string()))
}

impl PrivateKey {
    /// Load a PKCS#8 PrivateKeyInfo (RSA, EC P-256 or EC P-384) from DER.
    pub fn from_pkcs8_der(der: &[u8]) -> core::result::Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let mut rsa_raw = None;
        let inner = if let Ok(kp) = RsaKeyPair::from_pkcs8(der) {
            use rsa::pkcs8::DecodePrivateKey;
            rsa_raw = rsa::RsaPrivateKey::from_pkcs8_der(der).ok().map(Box::new);
            Inner::Rsa(Box::new(kp))
        } else if let Ok(fixed) = ec_pair(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng) {
            Inner::Ec {
                kind: KeyKind::EcP256,
                fixed,
                der: ec_pair(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng)?,
            }
        } else {
            // Report ring's reason for the last candidate tried.
            let fixed = ec_pair(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, der, &rng)?;
            Inner::Ec {
                kind: KeyKind::EcP384,
                fixed,
                der: ec_pair(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, der, &rng)?,
            }
        };
        Ok(Self {
            inner,
            rsa_raw,
            ec_prehash: EcPrehash::from_pkcs8_der(der),
            rsa_pss: false,
            rng,
        })
    }

    /// Load a PKCS#1 RSAPrivateKey from DER.
    pub fn from_rsa_der(der: &[u8]) -> core::result::Result<Self, KeyError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let kp = RsaKeyPair::from_der(der).map_err(|e| KeyError::Rejected(e.to_string()))?;
        Ok(Self {
            inner: Inner::Rsa(Box::new(kp)),
            rsa_raw: rsa::RsaPrivateKey::from_pkcs1_der(der).ok().map(Box::new),
            ec_prehash: None,
            rsa_pss: false,
            rng: SystemRandom::new(),
        })
    }

    /// Load DER that is either PKCS#8 or PKCS#1 RSA.
    pub fn from_der(der: &[u8]) -> core::result::Result<Self, KeyError> {
        Self::from_pkcs8_der(der).or_else(|e| Self::from_rsa_der(der).map_err(|_| e))
    }

    /// Load the first PEM block of `pem`: `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY`
    /// (PKCS#1). Encrypted keys and PEM headers are refused.
    pub fn from_pem(pem: &str) -> core::result::Result<Self, KeyError> {
        let (label, der) = pem_decode(pem)?;
        match label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => Self::from_rsa_der(&der),
            other => Err(KeyError::UnsupportedLabel(other.to_string())),
        }
    }

    /// Use RSASSA-PSS instead of RSASSA-PKCS1-v1_5 for RFC 7427 signatures with an RSA key.
    /// RFC 8247 3.2: PKCS#1 v1.5 with SHA2-256 is MUST (the default here, for interop),
    /// RSASSA-PSS with SHA2-256 SHOULD.
    pub fn with_rsa_pss(mut self, pss: bool) -> Self {
        self.rsa_pss = pss;
        self
    }

    /// The key's algorithm family.
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            Inner::Rsa(_) => KeyKind::Rsa,
            Inner::Ec { kind, .. } => *kind,
        }
    }

    /// The public half in the form certificates yield ([`super::cert::public_key_of`]), so a
    /// caller can check that its certificate matches its key.
    pub fn public_key(&self) -> CertPublicKey {
        match &self.inner {
            Inner::Rsa(kp) => CertPublicKey::Rsa(kp.public_key().as_ref().to_vec()),
            Inner::Ec {
                kind: KeyKind::EcP384,
                fixed,
                ..
            } => CertPublicKey::EcP384(fixed.public_key().as_ref().to_vec()),
            Inner::Ec { fixed, .. } => CertPublicKey::EcP256(fixed.public_key().as_ref().to_vec()),
        }
    }

    /// Sign `msg` with `scheme`. Errors with [`CryptoError::Unsupported`] when the scheme does
    /// not fit the key type or ring cannot sign it (RSA PKCS#1 v1.5 with SHA-1).
    pub fn sign(&self, scheme: SigScheme, msg: &[u8]) -> Result<Vec<u8>> {
        match &self.inner {
            Inner::Rsa(kp) => {
                let padding: &'static dyn signature::RsaEncoding = match scheme {
                    SigScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
                    SigScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
                    SigScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
                    SigScheme::RsaPssSha256 => &signature::RSA_PSS_SHA256,
                    SigScheme::RsaPssSha384 => &signature::RSA_PSS_SHA384,
                    SigScheme::RsaPssSha512 => &signature::RSA_PSS_SHA512,
                    // RFC 7296 3.8 method 1 is PKCS#1 v1.5 over SHA-1, which ring only
                    // verifies (legacy) and never signs; other schemes do not fit RSA.
                    _ => return Err(CryptoError::Unsupported),
                };
                let mut sig = vec![0u8; kp.public().modulus_len()];
                kp.sign(padding, &self.rng, msg, &mut sig)
                    .map_err(|_| CryptoError::Backend)?;
                Ok(sig)
            }
            Inner::Ec { kind, fixed, der } => {
                let kp = match (kind, scheme) {
                    (KeyKind::EcP256, SigScheme::EcdsaP256Sha256Fixed)
                    | (KeyKind::EcP384, SigScheme::EcdsaP384Sha384Fixed) => fixed,
                    (KeyKind::EcP256, SigScheme::EcdsaP256Sha256Der)
                    | (KeyKind::EcP384, SigScheme::EcdsaP384Sha384Der) => der,
                    _ => return Err(CryptoError::Unsupported),
                };
                let sig = kp.sign(&self.rng, msg).map_err(|_| CryptoError::Backend)?;
                Ok(sig.as_ref().to_vec())
            }
        }
    }

    /// ECDSA signature (fixed r || s, deterministic k of RFC 6979) with `digest` used as the
    /// message hash as given (no further hashing; a longer digest is truncated to the curve's
    /// order as ECDSA does). [`CryptoError::Unsupported`] for a non-EC key.
    pub fn sign_ecdsa_prehash(&self, digest: &[u8]) -> Result<Vec<u8>> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        match self.ec_prehash.as_ref().ok_or(CryptoError::Unsupported)? {
            EcPrehash::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    k.sign_prehash(digest).map_err(|_| CryptoError::Backend)?;
                Ok(sig.to_bytes().to_vec())
            }
            EcPrehash::P384(k) => {
                let sig: p384::ecdsa::Signature =
                    k.sign_prehash(digest).map_err(|_| CryptoError::Backend)?;
                Ok(sig.to_bytes().to_vec())
            }
        }
    }

    /// RSASSA-PKCS1-v1_5 signature (EMSA-PKCS1-v1_5 type 1 padding) over `data` as given, with
    /// no hash and no DigestInfo: RFC 2409 5.1 signs HASH_I / HASH_R this way. Blinded (the
    /// `rsa` crate's `sign_with_rng`). [`CryptoError::Unsupported`] for a non-RSA key.
    pub fn sign_pkcs1_unprefixed(&self, data: &[u8]) -> Result<Vec<u8>> {
        let key = self.rsa_raw.as_ref().ok_or(CryptoError::Unsupported)?;
        key.sign_with_rng(
            &mut rsa::rand_core::OsRng,
            rsa::Pkcs1v15Sign::new_unprefixed(),
            data,
        )
        .map_err(|_| CryptoError::Backend)
    }

    /// The RFC 7427 scheme for this key given the peer's SIGNATURE_HASH_ALGORITHMS list
    /// (IANA hash ids), or `None` when no hash both sides support fits the key.
    pub fn digital_signature_scheme(&self, hash_prefs: &[u16]) -> Option<SigScheme> {
        let has = |h: u16| hash_prefs.contains(&h);
        match self.kind() {
            // RFC 8247 3.2 / RFC 4754: each curve is used with its matching hash.
            KeyKind::EcP256 => has(HASH_SHA2_256).then_some(SigScheme::EcdsaP256Sha256Der),
            KeyKind::EcP384 => has(HASH_SHA2_384).then_some(SigScheme::EcdsaP384Sha384Der),
            KeyKind::Rsa => {
                let (s256, s384, s512) = if self.rsa_pss {
                    (
                        SigScheme::RsaPssSha256,
                        SigScheme::RsaPssSha384,
                        SigScheme::RsaPssSha512,
                    )
                } else {
                    (
                        SigScheme::RsaPkcs1Sha256,
                        SigScheme::RsaPkcs1Sha384,
                        SigScheme::RsaPkcs1Sha512,
                    )
                };
                // SHA2-256 preferred (RFC 8247 3.2 MUST), then the longer hashes.
                [
                    (HASH_SHA2_256, s256),
                    (HASH_SHA2_384, s384),
                    (HASH_SHA2_512, s512),
                ]
                .into_iter()
                .find(|(h, _)| has(*h))
                .map(|(_, s)| s)
            }
        }
    }

    /// RFC 7427 3: AUTH data for method 14 =
    /// `ASN.1 Length (1 octet) | AlgorithmIdentifier | Signature Value`.
    pub fn digital_signature_auth(
        &self,
        signed_octets: &[u8],
        hash_prefs: &[u16],
    ) -> Result<Vec<u8>> {
        let scheme = self
            .digital_signature_scheme(hash_prefs)
            .ok_or(CryptoError::Unsupported)?;
        let alg_id = alg_id_for(scheme).ok_or(CryptoError::Unsupported)?;
        let len = u8::try_from(alg_id.len()).map_err(|_| CryptoError::Unsupported)?;
        let sig = self.sign(scheme, signed_octets)?;
        let mut out = Vec::with_capacity(1 + alg_id.len() + sig.len());
        out.push(len);
        out.extend_from_slice(alg_id);
        out.extend_from_slice(&sig);
        Ok(out)
    }

    /// AUTH data for a classic method: 9 / 10 (RFC 4754 7: fixed `r || s`, each the curve's
    /// byte length) with the matching EC key. Method 1 (RSA with SHA-1) and anything else are
    /// [`CryptoError::Unsupported`].
    pub fn classic_auth(&self, method: u8, signed_octets: &[u8]) -> Result<Vec<u8>> {
        let scheme = match (method, self.kind()) {
            (AUTH_ECDSA_256, KeyKind::EcP256) => SigScheme::EcdsaP256Sha256Fixed,
            (AUTH_ECDSA_384, KeyKind::EcP384) => SigScheme::EcdsaP384Sha384Fixed,
            // AUTH_RSA_SIG would need PKCS#1 v1.5 over SHA-1, which ring refuses to sign.
            _ => return Err(CryptoError::Unsupported),
        };
        self.sign(scheme, signed_octets)
    }

    /// Choose the AUTH method and produce its data: RFC 7427 Digital Signature (14) when the
    /// peer's SIGNATURE_HASH_ALGORITHMS list (`hash_prefs`, empty if not received) has a hash
    /// usable with this key (RFC 7427 4: only then may method 14 be used), else the classic
    /// method for the key type (9 for P-256, 10 for P-384). An RSA key without a usable hash
    /// errs with [`CryptoError::Unsupported`] since method 1 needs SHA-1.
    pub fn auth_method_and_data(
        &self,
        signed_octets: &[u8],
        hash_prefs: &[u16],
    ) -> Result<(u8, Vec<u8>)> {
        if self.digital_signature_scheme(hash_prefs).is_some() {
            return Ok((
                AUTH_DIGITAL_SIGNATURE,
                self.digital_signature_auth(signed_octets, hash_prefs)?,
            ));
        }
        let method = match self.kind() {
            KeyKind::EcP256 => AUTH_ECDSA_256,
            KeyKind::EcP384 => AUTH_ECDSA_384,
            KeyKind::Rsa => AUTH_RSA_SIG,
        };
        Ok((method, self.classic_auth(method, signed_octets)?))
    }
}

/// Value of one base64 character (RFC 4648 4), `None` if outside the alphabet.
fn b64_value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decode RFC 4648 4 base64 from `lines` (whitespace ignored, `=` padding only at the end).
fn b64_decode<'a>(
    lines: impl Iterator<Item = &'a str>,
) -> core::result::Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut out = Zeroizing::new(Vec::new());
    let mut acc: u32 = 0;
    let mut n = 0u8;
    let mut pad = 0u8;
    for c in lines.flat_map(str::bytes) {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            pad += 1;
            continue;
        }
        if pad > 0 {
            return Err(KeyError::Pem);
        }
        acc = (acc << 6) | b64_value(c).ok_or(KeyError::Pem)?;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&acc.to_be_bytes()[1..]);
            acc = 0;
            n = 0;
        }
    }
    // RFC 4648 4: the final quantum is 2 or 3 characters followed by 2 or 1 `=`.
    match (n, pad) {
        (0, 0) => {}
        (2, 2) => out.push((acc >> 4) as u8),
        (3, 1) => out.extend_from_slice(&((acc >> 2) as u16).to_be_bytes()),
        _ => return Err(KeyError::Pem),
    }
    Ok(out)
}

/// RFC 7468 2: the first `-----BEGIN label-----` ... `-----END label-----` block of `pem`,
/// returning the label and the decoded contents. Explanatory text before the block is
/// skipped; RFC 1421 headers (`Proc-Type:` etc., used for encrypted keys) are refused.
fn pem_decode(pem: &str) -> core::result::Result<(&str, Zeroizing<Vec<u8>>), KeyError> {
    let mut lines = pem.lines().map(str::trim);
    let label = lines
        .by_ref()
        .find_map(|l| l.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
        .ok_or(KeyError::Pem)?;
    let end = format!("-----END {label}-----");
    let mut body = Vec::new();
    let mut ended = false;
    for l in lines {
        if l == end {
            ended = true;
            break;
        }
        // RFC 7468 2: no headers; a ':' marks an RFC 1421 header such as Proc-Type.
        if l.contains(':') {
            return Err(KeyError::Pem);
        }
        body.push(l);
    }
    if !ended {
        return Err(KeyError::Pem);
    }
    Ok((label, b64_decode(body.into_iter())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_rfc4648_vectors() {
        // RFC 4648 10 test vectors.
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(
                b64_decode([enc].into_iter()).unwrap().as_slice(),
                dec.as_bytes()
            );
        }
        for bad in ["Zg=", "Z===", "Zm9v!", "Zg==Zg==", "Zm9vY"] {
            assert_eq!(b64_decode([bad].into_iter()), Err(KeyError::Pem), "{bad}");
        }
    }

    #[test]
    fn pem_block_extraction() {
        let (label, der) =
            pem_decode("junk\n-----BEGIN X-----\nZm9v\nYmFy\n-----END X-----\n").unwrap();
        assert_eq!(label, "X");
        assert_eq!(der.as_slice(), b"foobar");
        assert!(pem_decode("-----BEGIN X-----\nZm9v\n").is_err());
        assert!(pem_decode("-----BEGIN X-----\nZm9v\n-----END Y-----\n").is_err());
        assert!(pem_decode("-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n-----END X-----").is_err());
        assert!(pem_decode("no pem").is_err());
    }
}
