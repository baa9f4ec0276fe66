//! Vendor ID payload (RFC 2408 3.16) and the vendor IDs xfrmd recognises: NAT-T (RFC 3947 and
//! its drafts), DPD (RFC 3706), XAUTH and Cisco Unity.
//!
//! The constants are the published byte strings; this file never hashes anything (the MD5
//! values were computed once offline and are cited next to each constant).

use super::bytes::Writer;
use crate::wire::Result;

/// RFC 3947 3.1: the NAT-T vendor ID is MD5("RFC 3947") = 4a131c81070358455c5728f20e95452f.
pub const VID_NAT_T_RFC3947: [u8; 16] = [
    0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
];
/// MD5("draft-ietf-ipsec-nat-t-ike-02") = cd60464335df21f87cfdb2fc68b6a448.
pub const VID_NAT_T_DRAFT_02: [u8; 16] = [
    0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48,
];
/// MD5("draft-ietf-ipsec-nat-t-ike-02\n") = 90cb80913ebb696e086381b5ec427b1f (sent by many
/// implementations because of a trailing newline in the draft).
pub const VID_NAT_T_DRAFT_02_N: [u8; 16] = [
    0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f,
];
/// MD5("draft-ietf-ipsec-nat-t-ike-03") = 7d9419a65310ca6f2c179d9215529d56.
pub const VID_NAT_T_DRAFT_03: [u8; 16] = [
    0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56,
];
/// RFC 3706 5.1: DPD vendor ID afcad71368a1f1c96b8696fc7757 followed by major 01, minor 00.
pub const VID_DPD: [u8; 16] = [
    0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
];
/// XAUTH vendor ID 09002689dfd6b712 (as sent by Cisco, strongSwan and libreswan).
pub const VID_XAUTH: [u8; 8] = [0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12];
/// Cisco Unity 1.0 vendor ID 12f5f28c457168a9702d9fe274cc0100.
pub const VID_CISCO_UNITY: [u8; 16] = [
    0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00,
];

/// A vendor ID this daemon acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownVendorId {
    NatTRfc3947,
    NatTDraft02,
    NatTDraft02N,
    NatTDraft03,
    Dpd,
    Xauth,
    CiscoUnity,
}

impl KnownVendorId {
    /// The wire bytes of this vendor ID.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            KnownVendorId::NatTRfc3947 => &VID_NAT_T_RFC3947,
            KnownVendorId::NatTDraft02 => &VID_NAT_T_DRAFT_02,
            KnownVendorId::NatTDraft02N => &VID_NAT_T_DRAFT_02_N,
            KnownVendorId::NatTDraft03 => &VID_NAT_T_DRAFT_03,
            KnownVendorId::Dpd => &VID_DPD,
            KnownVendorId::Xauth => &VID_XAUTH,
            KnownVendorId::CiscoUnity => &VID_CISCO_UNITY,
        }
    }

    const ALL: [KnownVendorId; 7] = [
        KnownVendorId::NatTRfc3947,
        KnownVendorId::NatTDraft02,
        KnownVendorId::NatTDraft02N,
        KnownVendorId::NatTDraft03,
        KnownVendorId::Dpd,
        KnownVendorId::Xauth,
        KnownVendorId::CiscoUnity,
    ];

    /// Recognises a vendor ID by exact match.
    pub fn identify(data: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.bytes() == data)
    }
}

/// Vendor ID payload (RFC 2408 3.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorIdRepr {
    pub data: Vec<u8>,
}

impl VendorIdRepr {
    /// A payload carrying a known vendor ID.
    pub fn known(k: KnownVendorId) -> Self {
        VendorIdRepr {
            data: k.bytes().to_vec(),
        }
    }

    /// Which known vendor ID this is, if any.
    pub fn identify(&self) -> Option<KnownVendorId> {
        KnownVendorId::identify(&self.data)
    }

    /// Parses the body (after the generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        Ok(VendorIdRepr {
            data: body.to_vec(),
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put(&self.data)
    }

    /// Writes the body into `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_published_hex() {
        // Hex strings as published in RFC 3947 3.1 and RFC 3706 5.1; XAUTH/draft values as
        // sent by deployed implementations.
        assert_eq!(
            hex::encode(VID_NAT_T_RFC3947),
            "4a131c81070358455c5728f20e95452f"
        );
        assert_eq!(hex::encode(VID_DPD), "afcad71368a1f1c96b8696fc77570100");
        assert_eq!(hex::encode(VID_XAUTH), "09002689dfd6b712");
        assert_eq!(
            hex::encode(VID_NAT_T_DRAFT_03),
            "7d9419a65310ca6f2c179d9215529d56"
        );
    }

    #[test]
    fn identify_known_and_unknown() {
        for k in KnownVendorId::ALL {
            assert_eq!(VendorIdRepr::known(k).identify(), Some(k));
        }
        // A DPD vendor ID with another minor version is not the RFC 3706 1.0 one.
        let mut other = VID_DPD;
        other[15] = 1;
        assert_eq!(KnownVendorId::identify(&other), None);
        assert_eq!(KnownVendorId::identify(&VID_DPD[..15]), None);
    }

    #[test]
    fn roundtrip() {
        let v = VendorIdRepr::known(KnownVendorId::NatTRfc3947);
        let mut buf = [0u8; 16];
        assert_eq!(v.emit(&mut buf).unwrap(), 16);
        assert_eq!(VendorIdRepr::parse(&buf).unwrap(), v);
    }
}
