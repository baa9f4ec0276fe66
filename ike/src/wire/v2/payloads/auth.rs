//! The Authentication payload (RFC 7296 3.8), including the RFC 7427 Digital Signature
//! method whose data starts with a length-prefixed ASN.1 AlgorithmIdentifier.
//!
//! This module only frames the bytes. It never computes or verifies a MAC or signature and
//! never parses the AlgorithmIdentifier beyond its length prefix (the crypto provider matches
//! it against the identifiers it supports).

use crate::wire::v2::registry::AuthMethod;
use crate::wire::v2::util::{slice, u8_at, Writer};
use crate::wire::{Error, Result};

/// The AUTH payload body: Auth Method, RESERVED (3), Authentication Data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthPayload {
    /// RFC 7427 3: method 14, data = ASN.1 Length (1 octet), AlgorithmIdentifier, Signature.
    DigitalSignature {
        /// DER AlgorithmIdentifier (RFC 7427 3), 1..=255 octets.
        algorithm: Vec<u8>,
        signature: Vec<u8>,
    },
    /// Any other method (PSK MIC, RSA/ECDSA signatures, NULL, unknown): raw data.
    Other { method: AuthMethod, data: Vec<u8> },
}

impl AuthPayload {
    /// The Auth Method field.
    pub fn method(&self) -> AuthMethod {
        match self {
            Self::DigitalSignature { .. } => AuthMethod::DIGITAL_SIGNATURE,
            Self::Other { method, .. } => *method,
        }
    }

    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let method = AuthMethod(u8_at(body, 0, "AUTH payload")?);
        slice(body, 0, 4, "AUTH payload")?;
        let data = body.get(4..).unwrap_or_default();
        if method != AuthMethod::DIGITAL_SIGNATURE {
            return Ok(Self::Other {
                method,
                data: data.to_vec(),
            });
        }
        // RFC 7427 3: "ASN.1 Length (1 octet) - The length of the ASN.1 encoded
        // AlgorithmIdentifier object."
        let alg_len = u8_at(data, 0, "AUTH AlgorithmIdentifier length")? as usize;
        if alg_len == 0 {
            return Err(Error::BadLength {
                what: "AUTH AlgorithmIdentifier",
                length: 0,
            });
        }
        let algorithm = slice(data, 1, alg_len, "AUTH AlgorithmIdentifier")?.to_vec();
        let signature = data.get(1 + alg_len..).unwrap_or_default().to_vec();
        Ok(Self::DigitalSignature {
            algorithm,
            signature,
        })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        match self {
            Self::DigitalSignature {
                algorithm,
                signature,
            } => 5 + algorithm.len() + signature.len(),
            Self::Other { data, .. } => 4 + data.len(),
        }
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u8(self.method().0)?;
        w.put(&[0, 0, 0])?;
        match self {
            Self::DigitalSignature {
                algorithm,
                signature,
            } => {
                let len = u8::try_from(algorithm.len())
                    .ok()
                    .filter(|l| *l > 0)
                    .ok_or(Error::BadLength {
                        what: "AUTH AlgorithmIdentifier",
                        length: algorithm.len(),
                    })?;
                w.u8(len)?;
                w.put(algorithm)?;
                w.put(signature)
            }
            Self::Other { method, data } => {
                if *method == AuthMethod::DIGITAL_SIGNATURE {
                    return Err(Error::Invalid {
                        what: "AUTH payload",
                        detail: "method 14 must use the DigitalSignature variant",
                    });
                }
                w.put(data)
            }
        }
    }
}

/// DER AlgorithmIdentifiers commonly carried in RFC 7427 AUTH payloads (RFC 7427 Appendix A
/// layout: RSA PKCS#1 v1.5 with NULL parameters, ECDSA and EdDSA without parameters).
pub mod algorithm_identifiers {
    /// sha256WithRSAEncryption, OID 1.2.840.113549.1.1.11 (RFC 4055).
    pub const SHA256_WITH_RSA: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
    ];
    /// sha384WithRSAEncryption, OID 1.2.840.113549.1.1.12 (RFC 4055).
    pub const SHA384_WITH_RSA: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00,
    ];
    /// sha512WithRSAEncryption, OID 1.2.840.113549.1.1.13 (RFC 4055).
    pub const SHA512_WITH_RSA: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00,
    ];
    /// ecdsa-with-SHA256, OID 1.2.840.10045.4.3.2 (RFC 5758).
    pub const ECDSA_WITH_SHA256: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ];
    /// ecdsa-with-SHA384, OID 1.2.840.10045.4.3.3 (RFC 5758).
    pub const ECDSA_WITH_SHA384: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
    ];
    /// ecdsa-with-SHA512, OID 1.2.840.10045.4.3.4 (RFC 5758).
    pub const ECDSA_WITH_SHA512: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04,
    ];
    /// id-Ed25519, OID 1.3.101.112 (RFC 8410; used in IKEv2 by RFC 8420).
    pub const ED25519: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
    /// id-Ed448, OID 1.3.101.113 (RFC 8410).
    pub const ED448: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71];
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 7427 Appendix A.1.1 (sha1WithRSAEncryption) AlgorithmIdentifier.
    const SHA1_WITH_RSA: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
    ];

    #[test]
    fn digital_signature_framing() {
        let a = AuthPayload::DigitalSignature {
            algorithm: SHA1_WITH_RSA.to_vec(),
            signature: vec![0xaa; 32],
        };
        let mut b = vec![0u8; a.buffer_len()];
        a.emit(&mut b).unwrap();
        assert_eq!(&b[..5], &[14, 0, 0, 0, 15]);
        assert_eq!(&b[5..20], &SHA1_WITH_RSA);
        assert_eq!(AuthPayload::parse(&b).unwrap(), a);
        // ASN.1 length pointing past the data.
        let mut bad = b.clone();
        bad[4] = 200;
        assert!(AuthPayload::parse(&bad).is_err());
        bad[4] = 0;
        assert!(AuthPayload::parse(&bad).is_err());
        assert!(AuthPayload::parse(&b[..4]).is_err());
    }

    #[test]
    fn algorithm_identifiers_are_well_formed_der() {
        use super::algorithm_identifiers::*;
        for a in [
            SHA256_WITH_RSA,
            SHA384_WITH_RSA,
            SHA512_WITH_RSA,
            ECDSA_WITH_SHA256,
            ECDSA_WITH_SHA384,
            ECDSA_WITH_SHA512,
            ED25519,
            ED448,
        ] {
            // SEQUENCE whose length covers the rest; first element an OBJECT IDENTIFIER.
            assert_eq!(a[0], 0x30);
            assert_eq!(a[1] as usize, a.len() - 2);
            assert_eq!(a[2], 0x06);
            let oid_end = 4 + a[3] as usize;
            assert!(a.len() == oid_end || a[oid_end..] == [0x05, 0x00]);
        }
    }

    #[test]
    fn psk_is_raw() {
        let a = AuthPayload::Other {
            method: AuthMethod::SHARED_KEY_MIC,
            data: vec![1; 32],
        };
        let mut b = vec![0u8; a.buffer_len()];
        a.emit(&mut b).unwrap();
        assert_eq!(AuthPayload::parse(&b).unwrap(), a);
        let wrong = AuthPayload::Other {
            method: AuthMethod::DIGITAL_SIGNATURE,
            data: vec![],
        };
        assert!(wrong.emit(&mut [0u8; 4]).is_err());
    }
}
