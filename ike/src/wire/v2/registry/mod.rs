//! IANA registries used by IKEv2 (RFC 7296 section 3 and the IANA "IKEv2 Parameters" page) as
//! open newtypes.
//!
//! Every registry is a `Copy` newtype over its wire integer with named constants; any value,
//! known or not, round-trips unchanged. `Debug` and `Display` print the IANA name when the
//! value is known and the number otherwise. Nothing here decides whether a value is acceptable:
//! that is the engine's policy.

mod notify;
mod transform;

pub use notify::NotifyType;
pub use transform::{DhId, EncrId, EsnId, IntegId, PrfId, TransformAttributeType, TransformType};

/// Defines an open registry newtype with named constants.
macro_rules! registry {
    (
        $(#[$meta:meta])*
        $name:ident($ty:ty) {
            $( $(#[$cmeta:meta])* $cname:ident = $val:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $ty);

        impl $name {
            $( $(#[$cmeta])* pub const $cname: $name = $name($val); )*

            /// The IANA name of this value, if it is one this codec knows.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some(stringify!($cname)), )*
                    _ => None,
                }
            }

            /// Every named value, in registry order (used by tests and strategies).
            pub const KNOWN: &'static [$name] = &[$($name($val)),*];
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }

        impl From<$ty> for $name {
            fn from(v: $ty) -> Self {
                $name(v)
            }
        }

        impl From<$name> for $ty {
            fn from(v: $name) -> Self {
                v.0
            }
        }
    };
}
pub(crate) use registry;

registry! {
    /// Exchange types (RFC 7296 3.1; IANA "IKEv2 Exchange Types").
    ExchangeType(u8) {
        IKE_SA_INIT = 34,
        IKE_AUTH = 35,
        CREATE_CHILD_SA = 36,
        INFORMATIONAL = 37,
        /// RFC 5723.
        IKE_SESSION_RESUME = 38,
        GSA_AUTH = 39,
        GSA_REGISTRATION = 40,
        GSA_REKEY = 41,
        GSA_INBAND_REKEY = 42,
        /// RFC 9242.
        IKE_INTERMEDIATE = 43,
        /// RFC 9370.
        IKE_FOLLOWUP_KE = 44,
    }
}

registry! {
    /// Payload types (RFC 7296 3.2; IANA "IKEv2 Payload Types"). `NONE` ends a chain.
    PayloadType(u8) {
        NONE = 0,
        SA = 33,
        KE = 34,
        IDI = 35,
        IDR = 36,
        CERT = 37,
        CERTREQ = 38,
        AUTH = 39,
        NONCE = 40,
        N = 41,
        D = 42,
        V = 43,
        TSI = 44,
        TSR = 45,
        SK = 46,
        CP = 47,
        EAP = 48,
        GSPM = 49,
        IDG = 50,
        GSA = 51,
        KD = 52,
        /// RFC 7383 2.5.
        SKF = 53,
        PS = 54,
    }
}

registry! {
    /// Security protocol identifiers (RFC 7296 3.3.1, 3.10).
    ProtocolId(u8) {
        NONE = 0,
        IKE = 1,
        AH = 2,
        ESP = 3,
    }
}

registry! {
    /// Identification types (RFC 7296 3.5).
    IdType(u8) {
        ID_IPV4_ADDR = 1,
        ID_FQDN = 2,
        ID_RFC822_ADDR = 3,
        ID_IPV6_ADDR = 5,
        ID_DER_ASN1_DN = 9,
        ID_DER_ASN1_GN = 10,
        ID_KEY_ID = 11,
        ID_FC_NAME = 12,
        /// RFC 7619.
        ID_NULL = 13,
    }
}

registry! {
    /// Authentication methods (RFC 7296 3.8, RFC 4754, RFC 7427, RFC 7619).
    AuthMethod(u8) {
        RSA_DIGITAL_SIGNATURE = 1,
        SHARED_KEY_MIC = 2,
        DSS_DIGITAL_SIGNATURE = 3,
        ECDSA_SHA256_P256 = 9,
        ECDSA_SHA384_P384 = 10,
        ECDSA_SHA512_P521 = 11,
        GENERIC_SECURE_PASSWORD = 12,
        NULL_AUTH = 13,
        /// RFC 7427 3.
        DIGITAL_SIGNATURE = 14,
    }
}

registry! {
    /// Certificate encodings (RFC 7296 3.6, RFC 7670).
    CertEncoding(u8) {
        PKCS7_WRAPPED_X509 = 1,
        PGP = 2,
        DNS_SIGNED_KEY = 3,
        X509_CERT_SIGNATURE = 4,
        KERBEROS_TOKEN = 6,
        CRL = 7,
        ARL = 8,
        SPKI = 9,
        X509_CERT_ATTRIBUTE = 10,
        RAW_RSA_KEY = 11,
        HASH_AND_URL_X509_CERT = 12,
        HASH_AND_URL_X509_BUNDLE = 13,
        OCSP_CONTENT = 14,
        RAW_PUBLIC_KEY = 15,
    }
}

registry! {
    /// Traffic selector types (RFC 7296 3.13.1, RFC 9478).
    TsType(u8) {
        TS_IPV4_ADDR_RANGE = 7,
        TS_IPV6_ADDR_RANGE = 8,
        TS_FC_ADDR_RANGE = 9,
        TS_SECLABEL = 10,
    }
}

registry! {
    /// Configuration payload types (RFC 7296 3.15).
    CfgType(u8) {
        CFG_REQUEST = 1,
        CFG_REPLY = 2,
        CFG_SET = 3,
        CFG_ACK = 4,
    }
}

registry! {
    /// Configuration attribute types (RFC 7296 3.15.1 and later IANA additions).
    CfgAttributeType(u16) {
        INTERNAL_IP4_ADDRESS = 1,
        INTERNAL_IP4_NETMASK = 2,
        INTERNAL_IP4_DNS = 3,
        INTERNAL_IP4_NBNS = 4,
        INTERNAL_IP4_DHCP = 6,
        APPLICATION_VERSION = 7,
        INTERNAL_IP6_ADDRESS = 8,
        INTERNAL_IP6_DNS = 10,
        INTERNAL_IP6_DHCP = 12,
        INTERNAL_IP4_SUBNET = 13,
        SUPPORTED_ATTRIBUTES = 14,
        INTERNAL_IP6_SUBNET = 15,
        MIP6_HOME_PREFIX = 16,
        INTERNAL_IP6_LINK = 17,
        INTERNAL_IP6_PREFIX = 18,
        HOME_AGENT_ADDRESS = 19,
        P_CSCF_IP4_ADDRESS = 20,
        P_CSCF_IP6_ADDRESS = 21,
        FTT_KAT = 22,
        EXTERNAL_SOURCE_IP4_NAT_INFO = 23,
        TIMEOUT_PERIOD_FOR_LIVENESS_CHECK = 24,
        INTERNAL_DNS_DOMAIN = 25,
        INTERNAL_DNSSEC_TA = 26,
    }
}

registry! {
    /// Hash algorithms for RFC 7427 SIGNATURE_HASH_ALGORITHMS (RFC 7427 7, RFC 8420).
    HashAlgorithm(u16) {
        RESERVED = 0,
        SHA1 = 1,
        SHA2_256 = 2,
        SHA2_384 = 3,
        SHA2_512 = 4,
        /// RFC 8420 (EdDSA signs the whole message).
        IDENTITY = 5,
        STREEBOG_256 = 6,
        STREEBOG_512 = 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_name_or_number() {
        assert_eq!(format!("{:?}", ExchangeType::IKE_SA_INIT), "IKE_SA_INIT");
        assert_eq!(format!("{:?}", ExchangeType(200)), "ExchangeType(200)");
        assert_eq!(format!("{}", PayloadType::SKF), "SKF");
        assert_eq!(format!("{:?}", DhId::CURVE25519), "CURVE25519");
        assert_eq!(format!("{:?}", NotifyType(12345)), "NotifyType(12345)");
        assert_eq!(HashAlgorithm::SHA2_256.0, 2);
        assert_eq!(u16::from(CfgAttributeType::INTERNAL_IP4_DNS), 3);
    }

    #[test]
    fn known_values_are_distinct() {
        fn distinct<T: PartialEq + core::fmt::Debug>(all: &[T]) {
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    assert_ne!(a, b);
                }
            }
        }
        distinct(PayloadType::KNOWN);
        distinct(NotifyType::KNOWN);
        distinct(DhId::KNOWN);
        distinct(EncrId::KNOWN);
        distinct(CfgAttributeType::KNOWN);
    }
}
