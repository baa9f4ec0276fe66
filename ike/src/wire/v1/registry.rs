//! ISAKMP / IPsec DOI number registries as open newtypes (RFC 2408, RFC 2407, RFC 3947).
//!
//! Every registry is a transparent newtype over its wire integer with named constants, so
//! unknown values parse and re-emit unchanged; `Debug` prints the RFC name or, for unassigned
//! values, the number. This file only names numbers: it never decides whether a value is
//! acceptable in a given exchange.

use core::fmt;

/// Defines an open registry newtype with named constants and a name-or-number `Debug`.
macro_rules! registry {
    (
        $(#[$meta:meta])*
        $name:ident($int:ty) {
            $( $(#[$cmeta:meta])* $cname:ident = $val:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $int);

        impl $name {
            $( $(#[$cmeta])* pub const $cname: Self = Self($val); )*

            /// The registry name of this value, if it is one we know.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some($text), )*
                    _ => None,
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl From<$int> for $name {
            fn from(v: $int) -> Self {
                Self(v)
            }
        }

        impl From<$name> for $int {
            fn from(v: $name) -> $int {
                v.0
            }
        }
    };
}
pub(crate) use registry;

registry! {
    /// ISAKMP payload type (RFC 2408 3.1 "Next Payload"; NAT-D/NAT-OA from RFC 3947 3.2/5.2).
    PayloadType(u8) {
        NONE = 0 => "NONE",
        SA = 1 => "SA",
        PROPOSAL = 2 => "P",
        TRANSFORM = 3 => "T",
        KE = 4 => "KE",
        ID = 5 => "ID",
        CERT = 6 => "CERT",
        CR = 7 => "CR",
        HASH = 8 => "HASH",
        SIG = 9 => "SIG",
        NONCE = 10 => "NONCE",
        N = 11 => "N",
        D = 12 => "D",
        VID = 13 => "VID",
        /// Mode Config attribute payload (draft-ietf-ipsec-isakmp-mode-cfg).
        ATTR = 14 => "ATTR",
        NAT_D = 20 => "NAT-D",
        NAT_OA = 21 => "NAT-OA",
        /// Pre-RFC NAT-D number used by draft-ietf-ipsec-nat-t-ike-02/03 peers.
        NAT_D_DRAFT = 130 => "NAT-D(draft)",
        /// Pre-RFC NAT-OA number used by draft-ietf-ipsec-nat-t-ike-02/03 peers.
        NAT_OA_DRAFT = 131 => "NAT-OA(draft)",
    }
}

registry! {
    /// ISAKMP exchange type (RFC 2408 3.1, RFC 2409 5 / 5.5 / 6).
    ExchangeType(u8) {
        NONE = 0 => "NONE",
        BASE = 1 => "Base",
        /// Main mode (RFC 2409 5).
        IDENTITY_PROTECTION = 2 => "Identity Protection",
        AUTHENTICATION_ONLY = 3 => "Authentication Only",
        AGGRESSIVE = 4 => "Aggressive",
        INFORMATIONAL = 5 => "Informational",
        /// Mode Config transaction (draft-ietf-ipsec-isakmp-mode-cfg).
        TRANSACTION = 6 => "Transaction",
        QUICK_MODE = 32 => "Quick Mode",
        NEW_GROUP_MODE = 33 => "New Group Mode",
    }
}

impl ExchangeType {
    /// Main mode is the RFC 2408 Identity Protection exchange.
    pub const MAIN_MODE: Self = Self::IDENTITY_PROTECTION;
}

registry! {
    /// Domain of Interpretation (RFC 2408 3.4, RFC 2407 6, RFC 3547).
    Doi(u32) {
        ISAKMP = 0 => "ISAKMP",
        IPSEC = 1 => "IPSEC",
        GDOI = 2 => "GDOI",
    }
}

registry! {
    /// Protocol identifier in proposals, notifications and deletes (RFC 2407 4.4.1).
    ProtocolId(u8) {
        RESERVED = 0 => "RESERVED",
        ISAKMP = 1 => "PROTO_ISAKMP",
        AH = 2 => "PROTO_IPSEC_AH",
        ESP = 3 => "PROTO_IPSEC_ESP",
        IPCOMP = 4 => "PROTO_IPCOMP",
    }
}

registry! {
    /// Notify message type (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706 5.3).
    NotifyType(u16) {
        INVALID_PAYLOAD_TYPE = 1 => "INVALID-PAYLOAD-TYPE",
        DOI_NOT_SUPPORTED = 2 => "DOI-NOT-SUPPORTED",
        SITUATION_NOT_SUPPORTED = 3 => "SITUATION-NOT-SUPPORTED",
        INVALID_COOKIE = 4 => "INVALID-COOKIE",
        INVALID_MAJOR_VERSION = 5 => "INVALID-MAJOR-VERSION",
        INVALID_MINOR_VERSION = 6 => "INVALID-MINOR-VERSION",
        INVALID_EXCHANGE_TYPE = 7 => "INVALID-EXCHANGE-TYPE",
        INVALID_FLAGS = 8 => "INVALID-FLAGS",
        INVALID_MESSAGE_ID = 9 => "INVALID-MESSAGE-ID",
        INVALID_PROTOCOL_ID = 10 => "INVALID-PROTOCOL-ID",
        INVALID_SPI = 11 => "INVALID-SPI",
        INVALID_TRANSFORM_ID = 12 => "INVALID-TRANSFORM-ID",
        ATTRIBUTES_NOT_SUPPORTED = 13 => "ATTRIBUTES-NOT-SUPPORTED",
        NO_PROPOSAL_CHOSEN = 14 => "NO-PROPOSAL-CHOSEN",
        BAD_PROPOSAL_SYNTAX = 15 => "BAD-PROPOSAL-SYNTAX",
        PAYLOAD_MALFORMED = 16 => "PAYLOAD-MALFORMED",
        INVALID_KEY_INFORMATION = 17 => "INVALID-KEY-INFORMATION",
        INVALID_ID_INFORMATION = 18 => "INVALID-ID-INFORMATION",
        INVALID_CERT_ENCODING = 19 => "INVALID-CERT-ENCODING",
        INVALID_CERTIFICATE = 20 => "INVALID-CERTIFICATE",
        CERT_TYPE_UNSUPPORTED = 21 => "CERT-TYPE-UNSUPPORTED",
        INVALID_CERT_AUTHORITY = 22 => "INVALID-CERT-AUTHORITY",
        INVALID_HASH_INFORMATION = 23 => "INVALID-HASH-INFORMATION",
        AUTHENTICATION_FAILED = 24 => "AUTHENTICATION-FAILED",
        INVALID_SIGNATURE = 25 => "INVALID-SIGNATURE",
        ADDRESS_NOTIFICATION = 26 => "ADDRESS-NOTIFICATION",
        NOTIFY_SA_LIFETIME = 27 => "NOTIFY-SA-LIFETIME",
        CERTIFICATE_UNAVAILABLE = 28 => "CERTIFICATE-UNAVAILABLE",
        UNSUPPORTED_EXCHANGE_TYPE = 29 => "UNSUPPORTED-EXCHANGE-TYPE",
        UNEQUAL_PAYLOAD_LENGTHS = 30 => "UNEQUAL-PAYLOAD-LENGTHS",
        CONNECTED = 16384 => "CONNECTED",
        RESPONDER_LIFETIME = 24576 => "RESPONDER-LIFETIME",
        REPLAY_STATUS = 24577 => "REPLAY-STATUS",
        INITIAL_CONTACT = 24578 => "INITIAL-CONTACT",
        R_U_THERE = 36136 => "R-U-THERE",
        R_U_THERE_ACK = 36137 => "R-U-THERE-ACK",
    }
}

impl NotifyType {
    /// RFC 2408 3.14.1: types 1..=16383 are errors; 16384 and above are status messages.
    pub fn is_error(self) -> bool {
        (1..16384).contains(&self.0)
    }
}

registry! {
    /// Identification type (RFC 2407 4.6.2.1).
    IdType(u8) {
        IPV4_ADDR = 1 => "ID_IPV4_ADDR",
        FQDN = 2 => "ID_FQDN",
        USER_FQDN = 3 => "ID_USER_FQDN",
        IPV4_ADDR_SUBNET = 4 => "ID_IPV4_ADDR_SUBNET",
        IPV6_ADDR = 5 => "ID_IPV6_ADDR",
        IPV6_ADDR_SUBNET = 6 => "ID_IPV6_ADDR_SUBNET",
        IPV4_ADDR_RANGE = 7 => "ID_IPV4_ADDR_RANGE",
        IPV6_ADDR_RANGE = 8 => "ID_IPV6_ADDR_RANGE",
        DER_ASN1_DN = 9 => "ID_DER_ASN1_DN",
        DER_ASN1_GN = 10 => "ID_DER_ASN1_GN",
        KEY_ID = 11 => "ID_KEY_ID",
    }
}

registry! {
    /// Certificate encoding in CERT and CR payloads (RFC 2408 3.9).
    CertEncoding(u8) {
        NONE = 0 => "NONE",
        PKCS7 = 1 => "PKCS #7 wrapped X.509 certificate",
        PGP = 2 => "PGP Certificate",
        DNS_SIGNED_KEY = 3 => "DNS Signed Key",
        X509_SIGNATURE = 4 => "X.509 Certificate - Signature",
        X509_KEY_EXCHANGE = 5 => "X.509 Certificate - Key Exchange",
        KERBEROS = 6 => "Kerberos Tokens",
        CRL = 7 => "Certificate Revocation List (CRL)",
        ARL = 8 => "Authority Revocation List (ARL)",
        SPKI = 9 => "SPKI Certificate",
        X509_ATTRIBUTE = 10 => "X.509 Certificate - Attribute",
    }
}

/// Transform identifier (RFC 2408 3.6). Its meaning depends on the proposal's protocol
/// (RFC 2407 4.4.2 - 4.4.5), so `Debug` prints the number; use [`TransformId::name_for`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TransformId(pub u8);

impl TransformId {
    /// RFC 2407 4.4.2: the only ISAKMP transform.
    pub const KEY_IKE: Self = Self(1);
    // RFC 2407 4.4.3 (AH)
    pub const AH_MD5: Self = Self(2);
    pub const AH_SHA: Self = Self(3);
    pub const AH_DES: Self = Self(4);
    pub const AH_SHA2_256: Self = Self(5);
    pub const AH_SHA2_384: Self = Self(6);
    pub const AH_SHA2_512: Self = Self(7);
    // RFC 2407 4.4.4 (ESP), RFC 3602/3686/4309/4106/4543
    pub const ESP_DES_IV64: Self = Self(1);
    pub const ESP_DES: Self = Self(2);
    pub const ESP_3DES: Self = Self(3);
    pub const ESP_RC5: Self = Self(4);
    pub const ESP_IDEA: Self = Self(5);
    pub const ESP_CAST: Self = Self(6);
    pub const ESP_BLOWFISH: Self = Self(7);
    pub const ESP_3IDEA: Self = Self(8);
    pub const ESP_DES_IV32: Self = Self(9);
    pub const ESP_RC4: Self = Self(10);
    pub const ESP_NULL: Self = Self(11);
    pub const ESP_AES_CBC: Self = Self(12);
    pub const ESP_AES_CTR: Self = Self(13);
    pub const ESP_AES_CCM_8: Self = Self(14);
    pub const ESP_AES_CCM_12: Self = Self(15);
    pub const ESP_AES_CCM_16: Self = Self(16);
    pub const ESP_AES_GCM_8: Self = Self(18);
    pub const ESP_AES_GCM_12: Self = Self(19);
    pub const ESP_AES_GCM_16: Self = Self(20);
    pub const ESP_NULL_AUTH_AES_GMAC: Self = Self(23);
    // RFC 2407 4.4.5 (IPCOMP)
    pub const IPCOMP_OUI: Self = Self(1);
    pub const IPCOMP_DEFLATE: Self = Self(2);
    pub const IPCOMP_LZS: Self = Self(3);

    /// The registry name of this transform for the given protocol, if known.
    pub fn name_for(self, protocol: ProtocolId) -> Option<&'static str> {
        match (protocol, self.0) {
            (ProtocolId::ISAKMP, 1) => Some("KEY_IKE"),
            (ProtocolId::AH, 2) => Some("AH_MD5"),
            (ProtocolId::AH, 3) => Some("AH_SHA"),
            (ProtocolId::AH, 4) => Some("AH_DES"),
            (ProtocolId::AH, 5) => Some("AH_SHA2-256"),
            (ProtocolId::AH, 6) => Some("AH_SHA2-384"),
            (ProtocolId::AH, 7) => Some("AH_SHA2-512"),
            (ProtocolId::ESP, 1) => Some("ESP_DES_IV64"),
            (ProtocolId::ESP, 2) => Some("ESP_DES"),
            (ProtocolId::ESP, 3) => Some("ESP_3DES"),
            (ProtocolId::ESP, 4) => Some("ESP_RC5"),
            (ProtocolId::ESP, 5) => Some("ESP_IDEA"),
            (ProtocolId::ESP, 6) => Some("ESP_CAST"),
            (ProtocolId::ESP, 7) => Some("ESP_BLOWFISH"),
            (ProtocolId::ESP, 8) => Some("ESP_3IDEA"),
            (ProtocolId::ESP, 9) => Some("ESP_DES_IV32"),
            (ProtocolId::ESP, 10) => Some("ESP_RC4"),
            (ProtocolId::ESP, 11) => Some("ESP_NULL"),
            (ProtocolId::ESP, 12) => Some("ESP_AES"),
            (ProtocolId::ESP, 13) => Some("ESP_AES-CTR"),
            (ProtocolId::ESP, 14) => Some("ESP_AES-CCM_8"),
            (ProtocolId::ESP, 15) => Some("ESP_AES-CCM_12"),
            (ProtocolId::ESP, 16) => Some("ESP_AES-CCM_16"),
            (ProtocolId::ESP, 18) => Some("ESP_AES-GCM_8"),
            (ProtocolId::ESP, 19) => Some("ESP_AES-GCM_12"),
            (ProtocolId::ESP, 20) => Some("ESP_AES-GCM_16"),
            (ProtocolId::ESP, 23) => Some("ESP_NULL_AUTH_AES-GMAC"),
            (ProtocolId::IPCOMP, 1) => Some("IPCOMP_OUI"),
            (ProtocolId::IPCOMP, 2) => Some("IPCOMP_DEFLATE"),
            (ProtocolId::IPCOMP, 3) => Some("IPCOMP_LZS"),
            _ => None,
        }
    }
}

impl fmt::Debug for TransformId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransformId({})", self.0)
    }
}

/// IPsec DOI situation bits (RFC 2407 4.2).
pub mod situation {
    /// SIT_IDENTITY_ONLY: the only situation this daemon negotiates.
    pub const IDENTITY_ONLY: u32 = 0x01;
    /// SIT_SECRECY: labeled secrecy follows the bitmap (unsupported).
    pub const SECRECY: u32 = 0x02;
    /// SIT_INTEGRITY: labeled integrity follows the bitmap (unsupported).
    pub const INTEGRITY: u32 = 0x04;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_name_or_number() {
        assert_eq!(format!("{:?}", PayloadType::NAT_D), "NAT-D");
        assert_eq!(format!("{:?}", PayloadType(99)), "PayloadType(99)");
        assert_eq!(
            format!("{:?}", ExchangeType::MAIN_MODE),
            "Identity Protection"
        );
        assert_eq!(format!("{:?}", NotifyType::R_U_THERE_ACK), "R-U-THERE-ACK");
        assert_eq!(format!("{:?}", IdType(200)), "IdType(200)");
    }

    #[test]
    fn registry_numbers_match_rfcs() {
        // RFC 2409 5 / RFC 2408 3.1: main mode is exchange 2, aggressive 4, quick mode 32.
        assert_eq!(ExchangeType::MAIN_MODE.0, 2);
        assert_eq!(ExchangeType::AGGRESSIVE.0, 4);
        assert_eq!(ExchangeType::QUICK_MODE.0, 32);
        // RFC 3947 3.2 / 5.2
        assert_eq!(PayloadType::NAT_D.0, 20);
        assert_eq!(PayloadType::NAT_OA.0, 21);
        // RFC 3706 5.3
        assert_eq!(NotifyType::R_U_THERE.0, 36136);
        assert_eq!(NotifyType::INITIAL_CONTACT.0, 24578);
        assert!(NotifyType::NO_PROPOSAL_CHOSEN.is_error());
        assert!(!NotifyType::R_U_THERE.is_error());
    }

    #[test]
    fn transform_names_depend_on_protocol() {
        assert_eq!(TransformId(3).name_for(ProtocolId::ESP), Some("ESP_3DES"));
        assert_eq!(TransformId(3).name_for(ProtocolId::AH), Some("AH_SHA"));
        assert_eq!(TransformId(1).name_for(ProtocolId::ISAKMP), Some("KEY_IKE"));
        assert_eq!(TransformId(99).name_for(ProtocolId::ESP), None);
    }
}
