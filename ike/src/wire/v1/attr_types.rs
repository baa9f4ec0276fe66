//! Data-attribute classes and values: Phase 1 (RFC 2409 appendix A) and Phase 2 / IPsec DOI
//! (RFC 2407 4.5, RFC 3947 5.1 NAT-T encapsulation modes).
//!
//! Open newtypes only; this file never decides which attributes a transform must carry.

use super::registry::registry;

registry! {
    /// Phase 1 (ISAKMP SA) attribute class (RFC 2409 appendix A).
    Phase1Attr(u16) {
        ENCRYPTION_ALGORITHM = 1 => "Encryption Algorithm",
        HASH_ALGORITHM = 2 => "Hash Algorithm",
        AUTHENTICATION_METHOD = 3 => "Authentication Method",
        GROUP_DESCRIPTION = 4 => "Group Description",
        GROUP_TYPE = 5 => "Group Type",
        GROUP_PRIME = 6 => "Group Prime/Irreducible Polynomial",
        GROUP_GENERATOR_ONE = 7 => "Group Generator One",
        GROUP_GENERATOR_TWO = 8 => "Group Generator Two",
        GROUP_CURVE_A = 9 => "Group Curve A",
        GROUP_CURVE_B = 10 => "Group Curve B",
        LIFE_TYPE = 11 => "Life Type",
        LIFE_DURATION = 12 => "Life Duration",
        PRF = 13 => "PRF",
        KEY_LENGTH = 14 => "Key Length",
        FIELD_SIZE = 15 => "Field Size",
        GROUP_ORDER = 16 => "Group Order",
    }
}

registry! {
    /// Phase 1 encryption algorithm (RFC 2409 appendix A, RFC 3602 for AES-CBC).
    EncryptionAlgorithm(u16) {
        DES_CBC = 1 => "DES-CBC",
        IDEA_CBC = 2 => "IDEA-CBC",
        BLOWFISH_CBC = 3 => "Blowfish-CBC",
        RC5_R16_B64_CBC = 4 => "RC5-R16-B64-CBC",
        TRIPLE_DES_CBC = 5 => "3DES-CBC",
        CAST_CBC = 6 => "CAST-CBC",
        AES_CBC = 7 => "AES-CBC",
        CAMELLIA_CBC = 8 => "CAMELLIA-CBC",
    }
}

registry! {
    /// Phase 1 hash algorithm (RFC 2409 appendix A, RFC 4868 2.4 for SHA2).
    HashAlgorithm(u16) {
        MD5 = 1 => "MD5",
        SHA = 2 => "SHA",
        TIGER = 3 => "Tiger",
        SHA2_256 = 4 => "SHA2-256",
        SHA2_384 = 5 => "SHA2-384",
        SHA2_512 = 6 => "SHA2-512",
    }
}

registry! {
    /// Phase 1 authentication method (RFC 2409 appendix A, RFC 4754 ECDSA, XAUTH draft).
    AuthMethod(u16) {
        PRE_SHARED_KEY = 1 => "pre-shared key",
        DSS_SIGNATURES = 2 => "DSS signatures",
        RSA_SIGNATURES = 3 => "RSA signatures",
        RSA_ENCRYPTION = 4 => "Encryption with RSA",
        RSA_REVISED_ENCRYPTION = 5 => "Revised encryption with RSA",
        ECDSA_SHA256_P256 = 9 => "ECDSA with SHA-256 on P-256",
        ECDSA_SHA384_P384 = 10 => "ECDSA with SHA-384 on P-384",
        ECDSA_SHA512_P521 = 11 => "ECDSA with SHA-512 on P-521",
        HYBRID_INIT_RSA = 64221 => "HybridInitRSA",
        HYBRID_RESP_RSA = 64222 => "HybridRespRSA",
        XAUTH_INIT_PRE_SHARED = 65001 => "XAUTHInitPreShared",
        XAUTH_RESP_PRE_SHARED = 65002 => "XAUTHRespPreShared",
        XAUTH_INIT_RSA = 65005 => "XAUTHInitRSA",
        XAUTH_RESP_RSA = 65006 => "XAUTHRespRSA",
    }
}

registry! {
    /// Diffie-Hellman group (RFC 2409 6 / appendix A, RFC 3526, RFC 5903, RFC 5114, RFC 8031);
    /// also the IPsec DOI "Group Description" value (RFC 2407 4.5).
    GroupDescription(u16) {
        MODP_768 = 1 => "MODP768",
        MODP_1024 = 2 => "MODP1024",
        EC2N_155 = 3 => "EC2N155",
        EC2N_185 = 4 => "EC2N185",
        MODP_1536 = 5 => "MODP1536",
        MODP_2048 = 14 => "MODP2048",
        MODP_3072 = 15 => "MODP3072",
        MODP_4096 = 16 => "MODP4096",
        MODP_6144 = 17 => "MODP6144",
        MODP_8192 = 18 => "MODP8192",
        ECP_256 = 19 => "ECP256",
        ECP_384 = 20 => "ECP384",
        ECP_521 = 21 => "ECP521",
        MODP_1024_S160 = 22 => "MODP1024S160",
        MODP_2048_S224 = 23 => "MODP2048S224",
        MODP_2048_S256 = 24 => "MODP2048S256",
        CURVE25519 = 31 => "Curve25519",
    }
}

registry! {
    /// Phase 1 group type (RFC 2409 appendix A).
    GroupType(u16) {
        MODP = 1 => "MODP",
        ECP = 2 => "ECP",
        EC2N = 3 => "EC2N",
    }
}

registry! {
    /// Life type, shared by Phase 1 (RFC 2409 appendix A) and Phase 2 (RFC 2407 4.5).
    LifeType(u16) {
        SECONDS = 1 => "seconds",
        KILOBYTES = 2 => "kilobytes",
    }
}

registry! {
    /// Phase 2 (IPsec DOI) SA attribute class (RFC 2407 4.5, RFC 3168, RFC 4304).
    Phase2Attr(u16) {
        SA_LIFE_TYPE = 1 => "SA Life Type",
        SA_LIFE_DURATION = 2 => "SA Life Duration",
        GROUP_DESCRIPTION = 3 => "Group Description",
        ENCAPSULATION_MODE = 4 => "Encapsulation Mode",
        AUTHENTICATION_ALGORITHM = 5 => "Authentication Algorithm",
        KEY_LENGTH = 6 => "Key Length",
        KEY_ROUNDS = 7 => "Key Rounds",
        COMPRESS_DICTIONARY_SIZE = 8 => "Compress Dictionary Size",
        COMPRESS_PRIVATE_ALGORITHM = 9 => "Compress Private Algorithm",
        ECN_TUNNEL = 10 => "ECN Tunnel",
        EXTENDED_SEQUENCE_NUMBER = 11 => "Extended (64-bit) Sequence Number",
    }
}

registry! {
    /// Phase 2 encapsulation mode (RFC 2407 4.5, RFC 3947 5.1; 61443/61444 are the values of
    /// draft-ietf-ipsec-nat-t-ike-00..03 still sent by older peers).
    EncapsulationMode(u16) {
        TUNNEL = 1 => "Tunnel",
        TRANSPORT = 2 => "Transport",
        UDP_ENCAPSULATED_TUNNEL = 3 => "UDP-Encapsulated-Tunnel",
        UDP_ENCAPSULATED_TRANSPORT = 4 => "UDP-Encapsulated-Transport",
        UDP_ENCAPSULATED_TUNNEL_DRAFT = 61443 => "UDP-Encapsulated-Tunnel(draft)",
        UDP_ENCAPSULATED_TRANSPORT_DRAFT = 61444 => "UDP-Encapsulated-Transport(draft)",
    }
}

impl EncapsulationMode {
    /// Whether this mode carries ESP in UDP (RFC 3947 or the draft numbers).
    pub fn is_udp_encapsulated(self) -> bool {
        matches!(self.0, 3 | 4 | 61443 | 61444)
    }

    /// Whether this is a tunnel mode (plain or UDP-encapsulated).
    pub fn is_tunnel(self) -> bool {
        matches!(self.0, 1 | 3 | 61443)
    }
}

registry! {
    /// Phase 2 authentication algorithm (RFC 2407 4.5, RFC 4868, RFC 3566, RFC 4543).
    AuthAlgorithm(u16) {
        HMAC_MD5 = 1 => "HMAC-MD5",
        HMAC_SHA = 2 => "HMAC-SHA",
        DES_MAC = 3 => "DES-MAC",
        KPDK = 4 => "KPDK",
        HMAC_SHA2_256 = 5 => "HMAC-SHA2-256",
        HMAC_SHA2_384 = 6 => "HMAC-SHA2-384",
        HMAC_SHA2_512 = 7 => "HMAC-SHA2-512",
        HMAC_RIPEMD = 8 => "HMAC-RIPEMD",
        AES_XCBC_MAC = 9 => "AES-XCBC-MAC",
        SIG_RSA = 10 => "SIG-RSA",
        AES_128_GMAC = 11 => "AES-128-GMAC",
        AES_192_GMAC = 12 => "AES-192-GMAC",
        AES_256_GMAC = 13 => "AES-256-GMAC",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_values() {
        // RFC 2409 appendix A
        assert_eq!(Phase1Attr::LIFE_DURATION.0, 12);
        assert_eq!(Phase1Attr::KEY_LENGTH.0, 14);
        assert_eq!(AuthMethod::PRE_SHARED_KEY.0, 1);
        assert_eq!(GroupDescription::MODP_1024.0, 2);
        // RFC 3602 5.1: AES-CBC is IKE encryption algorithm 7
        assert_eq!(EncryptionAlgorithm::AES_CBC.0, 7);
        // RFC 2407 4.5
        assert_eq!(Phase2Attr::ENCAPSULATION_MODE.0, 4);
        assert_eq!(Phase2Attr::KEY_LENGTH.0, 6);
        // RFC 3947 5.1
        assert_eq!(EncapsulationMode::UDP_ENCAPSULATED_TUNNEL.0, 3);
        assert_eq!(EncapsulationMode::UDP_ENCAPSULATED_TRANSPORT.0, 4);
    }

    #[test]
    fn encapsulation_predicates() {
        assert!(EncapsulationMode::UDP_ENCAPSULATED_TUNNEL_DRAFT.is_udp_encapsulated());
        assert!(EncapsulationMode::UDP_ENCAPSULATED_TUNNEL_DRAFT.is_tunnel());
        assert!(!EncapsulationMode::TRANSPORT.is_tunnel());
        assert!(!EncapsulationMode::TUNNEL.is_udp_encapsulated());
        assert_eq!(
            format!("{:?}", EncapsulationMode(61444)),
            "UDP-Encapsulated-Transport(draft)"
        );
    }
}
