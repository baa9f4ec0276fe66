//! Mapping from negotiated ESP transforms to Linux XFRM algorithm names and key layouts
//! (`ip xfrm state ... aead|enc|auth-trunc`).
//!
//! Data only: names, ICV/truncation bits and how a KEYMAT slice becomes the kernel key. Never
//! talks to the kernel; the `xfrm` crate turns these into netlink attributes.

use super::{ids::EncrAlg, IntegAlg, Secret};

/// How the kernel should run one direction's ESP crypto.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XfrmAlgo {
    /// Combined mode (`XFRMA_ALG_AEAD`): name, key (cipher key || 4-byte salt), ICV bits.
    Aead {
        /// Kernel algorithm name, e.g. `rfc4106(gcm(aes))`.
        name: &'static str,
        /// Key exactly as the kernel wants it (for both AEADs: key || salt, RFC 4106 8.1,
        /// RFC 7634 2 / RFC 8750).
        key: Secret,
        /// ICV length in bits.
        icv_bits: u32,
    },
    /// Separate cipher (`XFRMA_ALG_CRYPT`) and truncated HMAC (`XFRMA_ALG_AUTH_TRUNC`).
    EncAuth {
        /// Cipher name, e.g. `cbc(aes)`.
        enc_name: &'static str,
        /// Cipher key.
        enc_key: Secret,
        /// Auth name, e.g. `hmac(sha256)`.
        auth_name: &'static str,
        /// Auth key.
        auth_key: Secret,
        /// Truncation length in bits (RFC 4868 2.3 / RFC 2404).
        trunc_bits: u32,
    },
}

/// Kernel name of an ESP encryption transform.
pub fn encr_name(encr: EncrAlg) -> &'static str {
    match encr {
        EncrAlg::AesCbc { .. } => "cbc(aes)",
        EncrAlg::AesGcm16 { .. } => "rfc4106(gcm(aes))",
        EncrAlg::ChaCha20Poly1305 => "rfc7539esp(chacha20,poly1305)",
    }
}

/// Kernel name and truncation bits of an ESP integrity transform.
pub fn integ_name(integ: IntegAlg) -> (&'static str, u32) {
    match integ {
        IntegAlg::HmacSha1_96 => ("hmac(sha1)", 96),
        IntegAlg::HmacSha256_128 => ("hmac(sha256)", 128),
        IntegAlg::HmacSha384_192 => ("hmac(sha384)", 192),
        IntegAlg::HmacSha512_256 => ("hmac(sha512)", 256),
    }
}

/// Build the kernel description of one direction from its KEYMAT slices (see
/// `kdf::child_sa_keys`, which splits KEYMAT per RFC 7296 2.17: encryption key first, then
/// integrity key, initiator→responder first). Returns `None` for a CBC cipher without an
/// integrity transform (ESP without integrity is not offered).
pub fn xfrm_algo(
    encr: EncrAlg,
    integ: Option<IntegAlg>,
    encr_key: &Secret,
    integ_key: &Secret,
) -> Option<XfrmAlgo> {
    if encr.is_aead() {
        return Some(XfrmAlgo::Aead {
            name: encr_name(encr),
            key: encr_key.clone(),
            icv_bits: u32::try_from(encr.icv_len() * 8).ok()?,
        });
    }
    let integ = integ?;
    let (auth_name, trunc_bits) = integ_name(integ);
    Some(XfrmAlgo::EncAuth {
        enc_name: encr_name(encr),
        enc_key: encr_key.clone(),
        auth_name,
        auth_key: integ_key.clone(),
        trunc_bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_layouts() {
        let gcm = EncrAlg::AesGcm16 { key_bits: 256 };
        let k = Secret::from_slice(&[1u8; 36]);
        match xfrm_algo(gcm, None, &k, &Secret::default()).unwrap() {
            XfrmAlgo::Aead {
                name,
                key,
                icv_bits,
            } => {
                assert_eq!((name, icv_bits, key.len()), ("rfc4106(gcm(aes))", 128, 36));
            }
            other => panic!("{other:?}"),
        }
        let cha = xfrm_algo(
            EncrAlg::ChaCha20Poly1305,
            None,
            &Secret::zeroed(36),
            &Secret::default(),
        )
        .unwrap();
        assert!(matches!(
            cha,
            XfrmAlgo::Aead {
                name: "rfc7539esp(chacha20,poly1305)",
                icv_bits: 128,
                ..
            }
        ));
        let cbc = EncrAlg::AesCbc { key_bits: 128 };
        assert!(xfrm_algo(cbc, None, &Secret::zeroed(16), &Secret::default()).is_none());
        let e = xfrm_algo(
            cbc,
            Some(IntegAlg::HmacSha384_192),
            &Secret::zeroed(16),
            &Secret::zeroed(48),
        )
        .unwrap();
        assert!(matches!(
            e,
            XfrmAlgo::EncAuth {
                enc_name: "cbc(aes)",
                auth_name: "hmac(sha384)",
                trunc_bits: 192,
                ..
            }
        ));
        assert_eq!(integ_name(IntegAlg::HmacSha1_96), ("hmac(sha1)", 96));
        assert_eq!(integ_name(IntegAlg::HmacSha256_128), ("hmac(sha256)", 128));
        assert_eq!(integ_name(IntegAlg::HmacSha512_256), ("hmac(sha512)", 256));
        // Debug output of the key-carrying value is redacted.
        assert!(!format!("{e:?}").contains("0, 0"));
    }
}
