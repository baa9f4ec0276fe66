//! IKEv1 / IPsec DOI attribute values mapped onto this provider's algorithm types.
//!
//! IKEv1 numbers its algorithms differently from IKEv2 (RFC 2409 appendix A for phase 1,
//! RFC 2407 4.4 / 4.5 for the IPsec DOI, with later IANA additions). Only algorithms this
//! provider implements are mapped; everything else is `None`. Data only, no key material.

use super::{EncrAlg, IntegAlg};

/// Phase 1 Encryption Algorithm attribute (class 1) plus Key Length (class 14, bits).
/// IANA "IPSEC Encryption Algorithm" for IKE: 7 = AES-CBC (RFC 3602).
pub fn phase1_encr(id: u16, key_bits: Option<u16>) -> Option<EncrAlg> {
    match id {
        7 => EncrAlg::from_id(EncrAlg::ENCR_AES_CBC, key_bits),
        _ => None,
    }
}

/// ESP transform identifier in a phase 2 proposal (RFC 2407 4.4.4 registry): 12 = ESP_AES
/// (CBC, RFC 3602), 20 = ESP_AES-GCM-16 (RFC 4106), numbered like the IKEv2 ENCR ids.
pub fn esp_transform(id: u16, key_bits: Option<u16>) -> Option<EncrAlg> {
    match id {
        12 | 20 => EncrAlg::from_id(id, key_bits),
        _ => None,
    }
}

/// IPsec DOI Authentication Algorithm attribute (RFC 2407 4.5, class 5): 2 = HMAC-SHA,
/// 5/6/7 = HMAC-SHA2-256/384/512 (RFC 4868 uses the truncations of the IKEv2 ids).
pub fn esp_auth(id: u16) -> Option<IntegAlg> {
    match id {
        2 => Some(IntegAlg::HmacSha1_96),
        5 => Some(IntegAlg::HmacSha256_128),
        6 => Some(IntegAlg::HmacSha384_192),
        7 => Some(IntegAlg::HmacSha512_256),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_mappings() {
        assert_eq!(
            phase1_encr(7, Some(256)),
            Some(EncrAlg::AesCbc { key_bits: 256 })
        );
        assert_eq!(phase1_encr(5, None), None);
        assert_eq!(phase1_encr(7, None), None);
        assert_eq!(
            esp_transform(20, Some(128)),
            Some(EncrAlg::AesGcm16 { key_bits: 128 })
        );
        assert_eq!(esp_transform(3, None), None);
        assert_eq!(esp_auth(2), Some(IntegAlg::HmacSha1_96));
        assert_eq!(esp_auth(5), Some(IntegAlg::HmacSha256_128));
        assert_eq!(esp_auth(1), None);
    }
}
