//! The algorithms this provider implements, keyed by IANA IKEv2 transform ids.
//!
//! Each enum converts from the plain `u16` wire id (`from_id`) and back (`id`), and knows the
//! lengths the key schedule needs. Unknown ids map to `None`; this module never guesses a
//! default algorithm and holds no key material.

/// Transform type 1 (ENCR) algorithms supported for the IKE SA's SK payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncrAlg {
    /// ENCR_AES_CBC (12), RFC 3602, with a 128/192/256-bit key.
    AesCbc {
        /// Key length in bits: 128, 192 or 256.
        key_bits: u16,
    },
    /// ENCR_AES_GCM_16 (20), RFC 5282, with a 128 or 256-bit key, 16-octet ICV.
    AesGcm16 {
        /// Key length in bits: 128 or 256.
        key_bits: u16,
    },
    /// ENCR_CHACHA20_POLY1305 (28), RFC 7634 (256-bit key, no key length attribute).
    ChaCha20Poly1305,
}

impl EncrAlg {
    /// IANA IKEv2 transform id ENCR_AES_CBC.
    pub const ENCR_AES_CBC: u16 = 12;
    /// IANA IKEv2 transform id ENCR_AES_GCM_16.
    pub const ENCR_AES_GCM_16: u16 = 20;
    /// IANA IKEv2 transform id ENCR_CHACHA20_POLY1305.
    pub const ENCR_CHACHA20_POLY1305: u16 = 28;

    /// Map a transform id plus its Key Length attribute (bits, if present) to an algorithm.
    pub fn from_id(id: u16, key_bits: Option<u16>) -> Option<Self> {
        match (id, key_bits) {
            (Self::ENCR_AES_CBC, Some(k @ (128 | 192 | 256))) => {
                Some(EncrAlg::AesCbc { key_bits: k })
            }
            (Self::ENCR_AES_GCM_16, Some(k @ (128 | 256))) => {
                Some(EncrAlg::AesGcm16 { key_bits: k })
            }
            // RFC 7634 2: the Key Length attribute MUST NOT be sent for ChaCha20-Poly1305.
            (Self::ENCR_CHACHA20_POLY1305, None) => Some(EncrAlg::ChaCha20Poly1305),
            _ => None,
        }
    }

    /// The wire transform id.
    pub fn id(self) -> u16 {
        match self {
            EncrAlg::AesCbc { .. } => Self::ENCR_AES_CBC,
            EncrAlg::AesGcm16 { .. } => Self::ENCR_AES_GCM_16,
            EncrAlg::ChaCha20Poly1305 => Self::ENCR_CHACHA20_POLY1305,
        }
    }

    /// The Key Length attribute value to send (bits), if the algorithm takes one.
    pub fn key_bits_attr(self) -> Option<u16> {
        match self {
            EncrAlg::AesCbc { key_bits } | EncrAlg::AesGcm16 { key_bits } => Some(key_bits),
            EncrAlg::ChaCha20Poly1305 => None,
        }
    }

    /// Length of the cipher key proper in bytes (without salt).
    pub fn key_len(self) -> usize {
        match self {
            EncrAlg::AesCbc { key_bits } | EncrAlg::AesGcm16 { key_bits } => {
                usize::from(key_bits / 8)
            }
            EncrAlg::ChaCha20Poly1305 => 32,
        }
    }

    /// Length of the implicit salt taken from the key material (RFC 5282 7.1, RFC 7634 2).
    pub fn salt_len(self) -> usize {
        if self.is_aead() {
            4
        } else {
            0
        }
    }

    /// Bytes of keying material one direction consumes (SK_e* / ESP encryption key).
    pub fn keymat_len(self) -> usize {
        self.key_len() + self.salt_len()
    }

    /// True for combined-mode ciphers (no separate integrity transform).
    pub fn is_aead(self) -> bool {
        !matches!(self, EncrAlg::AesCbc { .. })
    }

    /// Length of the explicit IV carried in each SK payload.
    pub fn iv_len(self) -> usize {
        match self {
            EncrAlg::AesCbc { .. } => 16,
            // RFC 5282 3.1 / RFC 7634 2: 8-octet explicit IV.
            EncrAlg::AesGcm16 { .. } | EncrAlg::ChaCha20Poly1305 => 8,
        }
    }

    /// Plaintext (including pad-length octet) must be a multiple of this.
    pub fn block_len(self) -> usize {
        match self {
            EncrAlg::AesCbc { .. } => 16,
            EncrAlg::AesGcm16 { .. } | EncrAlg::ChaCha20Poly1305 => 1,
        }
    }

    /// Length of the AEAD ICV appended to the ciphertext (0 for CBC).
    pub fn icv_len(self) -> usize {
        if self.is_aead() {
            16
        } else {
            0
        }
    }
}

/// Transform type 2 (PRF) algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrfAlg {
    /// PRF_HMAC_SHA1 (2), RFC 2104.
    HmacSha1,
    /// PRF_HMAC_SHA2_256 (5), RFC 4868.
    HmacSha256,
    /// PRF_HMAC_SHA2_384 (6), RFC 4868.
    HmacSha384,
    /// PRF_HMAC_SHA2_512 (7), RFC 4868.
    HmacSha512,
}

impl PrfAlg {
    /// Map an IKEv2 PRF transform id.
    pub fn from_id(id: u16) -> Option<Self> {
        match id {
            2 => Some(PrfAlg::HmacSha1),
            5 => Some(PrfAlg::HmacSha256),
            6 => Some(PrfAlg::HmacSha384),
            7 => Some(PrfAlg::HmacSha512),
            _ => None,
        }
    }

    /// Map an IKEv1 Hash Algorithm attribute value (RFC 2409 appendix A; IANA IPsec registry:
    /// 2 SHA, 4 SHA2-256, 5 SHA2-384, 6 SHA2-512). IKEv1 uses the HMAC of the hash as its prf.
    pub fn from_ikev1_hash(id: u16) -> Option<Self> {
        match id {
            2 => Some(PrfAlg::HmacSha1),
            4 => Some(PrfAlg::HmacSha256),
            5 => Some(PrfAlg::HmacSha384),
            6 => Some(PrfAlg::HmacSha512),
            _ => None,
        }
    }

    /// The IKEv2 transform id.
    pub fn id(self) -> u16 {
        match self {
            PrfAlg::HmacSha1 => 2,
            PrfAlg::HmacSha256 => 5,
            PrfAlg::HmacSha384 => 6,
            PrfAlg::HmacSha512 => 7,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            PrfAlg::HmacSha1 => 20,
            PrfAlg::HmacSha256 => 32,
            PrfAlg::HmacSha384 => 48,
            PrfAlg::HmacSha512 => 64,
        }
    }

    /// Preferred key length: for HMAC PRFs the output length (RFC 7296 2.14, RFC 4868 2.2).
    pub fn key_len(self) -> usize {
        self.output_len()
    }
}

/// Transform type 3 (INTEG) algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegAlg {
    /// AUTH_HMAC_SHA1_96 (2), RFC 2404.
    HmacSha1_96,
    /// AUTH_HMAC_SHA2_256_128 (12), RFC 4868.
    HmacSha256_128,
    /// AUTH_HMAC_SHA2_384_192 (13), RFC 4868.
    HmacSha384_192,
    /// AUTH_HMAC_SHA2_512_256 (14), RFC 4868.
    HmacSha512_256,
}

impl IntegAlg {
    /// Map an IKEv2 INTEG transform id.
    pub fn from_id(id: u16) -> Option<Self> {
        match id {
            2 => Some(IntegAlg::HmacSha1_96),
            12 => Some(IntegAlg::HmacSha256_128),
            13 => Some(IntegAlg::HmacSha384_192),
            14 => Some(IntegAlg::HmacSha512_256),
            _ => None,
        }
    }

    /// The IKEv2 transform id.
    pub fn id(self) -> u16 {
        match self {
            IntegAlg::HmacSha1_96 => 2,
            IntegAlg::HmacSha256_128 => 12,
            IntegAlg::HmacSha384_192 => 13,
            IntegAlg::HmacSha512_256 => 14,
        }
    }

    /// Key length in bytes (RFC 2404 3, RFC 4868 2.1.1: the hash output length).
    pub fn key_len(self) -> usize {
        match self {
            IntegAlg::HmacSha1_96 => 20,
            IntegAlg::HmacSha256_128 => 32,
            IntegAlg::HmacSha384_192 => 48,
            IntegAlg::HmacSha512_256 => 64,
        }
    }

    /// Truncated ICV length in bytes.
    pub fn icv_len(self) -> usize {
        match self {
            IntegAlg::HmacSha1_96 => 12,
            IntegAlg::HmacSha256_128 => 16,
            IntegAlg::HmacSha384_192 => 24,
            IntegAlg::HmacSha512_256 => 32,
        }
    }
}

/// Transform type 4 (Key Exchange / D-H group) methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DhGroup {
    /// Group 2, 1024-bit MODP (RFC 2409 6.2).
    Modp1024,
    /// Group 5, 1536-bit MODP (RFC 3526 2).
    Modp1536,
    /// Group 14, 2048-bit MODP (RFC 3526 3).
    Modp2048,
    /// Group 15, 3072-bit MODP (RFC 3526 4).
    Modp3072,
    /// Group 16, 4096-bit MODP (RFC 3526 5).
    Modp4096,
    /// Group 17, 6144-bit MODP (RFC 3526 6).
    Modp6144,
    /// Group 18, 8192-bit MODP (RFC 3526 7).
    Modp8192,
    /// Group 22, 1024-bit MODP with 160-bit prime order subgroup (RFC 5114 2.1).
    Modp1024s160,
    /// Group 23, 2048-bit MODP with 224-bit prime order subgroup (RFC 5114 2.2).
    Modp2048s224,
    /// Group 24, 2048-bit MODP with 256-bit prime order subgroup (RFC 5114 2.3).
    Modp2048s256,
    /// Group 19, 256-bit random ECP (NIST P-256), RFC 5903.
    Ecp256,
    /// Group 20, 384-bit random ECP (NIST P-384), RFC 5903.
    Ecp384,
    /// Group 21, 521-bit random ECP (NIST P-521), RFC 5903.
    Ecp521,
    /// Group 31, Curve25519 (RFC 8031).
    Curve25519,
}

impl DhGroup {
    /// Every supported group, in id order.
    pub const ALL: [DhGroup; 14] = [
        DhGroup::Modp1024,
        DhGroup::Modp1536,
        DhGroup::Modp2048,
        DhGroup::Modp3072,
        DhGroup::Modp4096,
        DhGroup::Modp6144,
        DhGroup::Modp8192,
        DhGroup::Ecp256,
        DhGroup::Ecp384,
        DhGroup::Ecp521,
        DhGroup::Modp1024s160,
        DhGroup::Modp2048s224,
        DhGroup::Modp2048s256,
        DhGroup::Curve25519,
    ];

    /// Map an IKEv2 D-H group number (the same numbers as the IKEv1 Group Description).
    pub fn from_id(id: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.id() == id)
    }

    /// The group number.
    pub fn id(self) -> u16 {
        match self {
            DhGroup::Modp1024 => 2,
            DhGroup::Modp1536 => 5,
            DhGroup::Modp2048 => 14,
            DhGroup::Modp3072 => 15,
            DhGroup::Modp4096 => 16,
            DhGroup::Modp6144 => 17,
            DhGroup::Modp8192 => 18,
            DhGroup::Ecp256 => 19,
            DhGroup::Ecp384 => 20,
            DhGroup::Ecp521 => 21,
            DhGroup::Modp1024s160 => 22,
            DhGroup::Modp2048s224 => 23,
            DhGroup::Modp2048s256 => 24,
            DhGroup::Curve25519 => 31,
        }
    }

    /// Length of the KE payload's Key Exchange Data for this group (RFC 7296 3.4: MODP values
    /// are zero-padded to the prime length; RFC 5903 7: ECP is x || y; RFC 8031 2: 32 octets).
    pub fn public_len(self) -> usize {
        match self {
            DhGroup::Modp1024 | DhGroup::Modp1024s160 => 128,
            DhGroup::Modp1536 => 192,
            DhGroup::Modp2048 | DhGroup::Modp2048s224 | DhGroup::Modp2048s256 => 256,
            DhGroup::Modp3072 => 384,
            DhGroup::Modp4096 => 512,
            DhGroup::Modp6144 => 768,
            DhGroup::Modp8192 => 1024,
            DhGroup::Ecp256 => 64,
            DhGroup::Ecp384 => 96,
            DhGroup::Ecp521 => 132,
            DhGroup::Curve25519 => 32,
        }
    }

    /// Length of the shared secret g^ir (MODP: prime length; ECP: x coordinate, RFC 5903 7).
    pub fn shared_len(self) -> usize {
        match self {
            DhGroup::Ecp256 => 32,
            DhGroup::Ecp384 => 48,
            DhGroup::Ecp521 => 66,
            other => other.public_len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for g in DhGroup::ALL {
            assert_eq!(DhGroup::from_id(g.id()), Some(g));
        }
        assert_eq!(DhGroup::from_id(1), None);
        assert_eq!(DhGroup::from_id(30), None);
        for id in [2, 5, 6, 7] {
            assert_eq!(PrfAlg::from_id(id).map(PrfAlg::id), Some(id));
        }
        for id in [2, 12, 13, 14] {
            assert_eq!(IntegAlg::from_id(id).map(IntegAlg::id), Some(id));
        }
        assert_eq!(EncrAlg::from_id(12, None), None);
        assert_eq!(EncrAlg::from_id(12, Some(100)), None);
        assert_eq!(EncrAlg::from_id(20, Some(192)), None);
        assert_eq!(EncrAlg::from_id(28, Some(256)), None);
        let gcm = EncrAlg::from_id(20, Some(256)).unwrap();
        assert_eq!((gcm.keymat_len(), gcm.iv_len(), gcm.icv_len()), (36, 8, 16));
        let cbc = EncrAlg::from_id(12, Some(192)).unwrap();
        assert_eq!(
            (cbc.keymat_len(), cbc.iv_len(), cbc.key_bits_attr()),
            (24, 16, Some(192))
        );
    }
}
