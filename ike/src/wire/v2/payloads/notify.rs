//! The Notify payload (RFC 7296 3.10) with typed helpers for the notification data this
//! daemon reads: INVALID_KE_PAYLOAD's group, SIGNATURE_HASH_ALGORITHMS' list (RFC 7427 4).
//! It never decides how to react to a notification.

use std::net::{IpAddr, SocketAddr};

use crate::wire::v2::registry::{DhId, HashAlgorithm, NotifyType, ProtocolId};
use crate::wire::v2::util::{count8, slice, u16_at, u8_at, Writer};
use crate::wire::{Error, Result};

/// The N payload body: Protocol ID, SPI Size, Notify Message Type, SPI, Notification Data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotifyPayload {
    /// RFC 7296 3.10: "If the SPI field is empty, this field MUST be sent as zero".
    pub protocol: ProtocolId,
    pub spi: Vec<u8>,
    pub ty: NotifyType,
    pub data: Vec<u8>,
}

impl NotifyPayload {
    /// A notification about the IKE SA (no SPI).
    pub fn new(ty: NotifyType, data: Vec<u8>) -> Self {
        NotifyPayload {
            protocol: ProtocolId::NONE,
            spi: Vec::new(),
            ty,
            data,
        }
    }

    /// A notification about a Child SA (e.g. REKEY_SA, CHILD_SA_NOT_FOUND).
    pub fn child(ty: NotifyType, protocol: ProtocolId, spi: u32, data: Vec<u8>) -> Self {
        NotifyPayload {
            protocol,
            spi: spi.to_be_bytes().to_vec(),
            ty,
            data,
        }
    }

    /// SIGNATURE_HASH_ALGORITHMS with the given list (RFC 7427 4: two octets each).
    pub fn signature_hash_algorithms(algs: &[HashAlgorithm]) -> Self {
        let data = algs.iter().flat_map(|a| a.0.to_be_bytes()).collect();
        Self::new(NotifyType::SIGNATURE_HASH_ALGORITHMS, data)
    }

    /// INVALID_KE_PAYLOAD naming the group the responder wants (RFC 7296 1.3).
    pub fn invalid_ke(group: DhId) -> Self {
        Self::new(
            NotifyType::INVALID_KE_PAYLOAD,
            group.0.to_be_bytes().to_vec(),
        )
    }

    /// COOKIE (RFC 7296 2.6): "The data associated with this notification MUST be between 1
    /// and 64 octets in length, inclusive."
    pub fn cookie(data: Vec<u8>) -> Result<Self> {
        check_cookie(&data)?;
        Ok(Self::new(NotifyType::COOKIE, data))
    }

    /// The data of a COOKIE notification, checked to be 1..=64 octets (RFC 7296 2.6).
    pub fn cookie_data(&self) -> Result<&[u8]> {
        if self.ty != NotifyType::COOKIE {
            return Err(Error::Invalid {
                what: "COOKIE",
                detail: "not a COOKIE notification",
            });
        }
        check_cookie(&self.data)?;
        Ok(&self.data)
    }

    /// The hash algorithm list of a SIGNATURE_HASH_ALGORITHMS notification.
    pub fn hash_algorithms(&self) -> Result<Vec<HashAlgorithm>> {
        if self.ty != NotifyType::SIGNATURE_HASH_ALGORITHMS || !self.data.len().is_multiple_of(2) {
            return Err(Error::Invalid {
                what: "SIGNATURE_HASH_ALGORITHMS",
                detail: "not a list of two-octet hash identifiers",
            });
        }
        Ok(self
            .data
            .chunks_exact(2)
            .map(|c| HashAlgorithm(u16::from_be_bytes([c[0], c[1]])))
            .collect())
    }

    /// The accepted group of an INVALID_KE_PAYLOAD notification (two octets, RFC 7296 3.10.1).
    pub fn invalid_ke_group(&self) -> Result<DhId> {
        if self.ty != NotifyType::INVALID_KE_PAYLOAD || self.data.len() != 2 {
            return Err(Error::Invalid {
                what: "INVALID_KE_PAYLOAD",
                detail: "data is not a two-octet group number",
            });
        }
        Ok(DhId(u16_at(&self.data, 0, "INVALID_KE_PAYLOAD")?))
    }

    /// The SPI as a u32, when it is four octets (AH/ESP).
    pub fn spi_u32(&self) -> Option<u32> {
        <[u8; 4]>::try_from(self.spi.as_slice())
            .ok()
            .map(u32::from_be_bytes)
    }

    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let protocol = ProtocolId(u8_at(body, 0, "Notify payload")?);
        let spi_size = u8_at(body, 1, "Notify payload")? as usize;
        let ty = NotifyType(u16_at(body, 2, "Notify payload")?);
        // RFC 7296 3.10: the SPI Size must fit inside the payload.
        let spi = slice(body, 4, spi_size, "Notify SPI")?.to_vec();
        let data = body.get(4 + spi_size..).unwrap_or_default().to_vec();
        Ok(NotifyPayload {
            protocol,
            spi,
            ty,
            data,
        })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        4 + self.spi.len() + self.data.len()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        let spi_size = count8(self.spi.len(), "Notify SPI")?;
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u8(self.protocol.0)?;
        w.u8(spi_size)?;
        w.u16(self.ty.0)?;
        w.put(&self.spi)?;
        w.put(&self.data)
    }
}

fn check_cookie(data: &[u8]) -> Result<()> {
    if (1..=64).contains(&data.len()) {
        Ok(())
    } else {
        Err(Error::BadLength {
            what: "COOKIE data",
            length: data.len(),
        })
    }
}

/// The input of the NAT_DETECTION_SOURCE_IP / _DESTINATION_IP hash (RFC 7296 2.23):
/// `SPIs | IP | Port` with the IKE SPIs, the address (4 or 16 octets) and the UDP port in
/// network order. The caller hashes it with SHA-1; this module does no crypto.
pub fn nat_detection_input(spi_i: u64, spi_r: u64, addr: SocketAddr) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + 16 + 2);
    v.extend_from_slice(&spi_i.to_be_bytes());
    v.extend_from_slice(&spi_r.to_be_bytes());
    match addr.ip() {
        IpAddr::V4(a) => v.extend_from_slice(&a.octets()),
        IpAddr::V6(a) => v.extend_from_slice(&a.octets()),
    }
    v.extend_from_slice(&addr.port().to_be_bytes());
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn typed_helpers() {
        let n = NotifyPayload::signature_hash_algorithms(&[
            HashAlgorithm::SHA2_256,
            HashAlgorithm::SHA2_512,
        ]);
        let mut b = vec![0u8; n.buffer_len()];
        n.emit(&mut b).unwrap();
        assert_eq!(b, [0, 0, 0x40, 0x2f, 0, 2, 0, 4]);
        let back = NotifyPayload::parse(&b).unwrap();
        assert_eq!(
            back.hash_algorithms().unwrap(),
            [HashAlgorithm::SHA2_256, HashAlgorithm::SHA2_512]
        );
        assert!(back.invalid_ke_group().is_err());
        assert_eq!(
            NotifyPayload::invalid_ke(DhId::ECP_256)
                .invalid_ke_group()
                .unwrap(),
            DhId::ECP_256
        );
    }

    #[test]
    fn cookie_and_nat_detection() {
        assert!(NotifyPayload::cookie(vec![]).is_err());
        assert!(NotifyPayload::cookie(vec![0; 65]).is_err());
        let c = NotifyPayload::cookie(vec![7; 64]).unwrap();
        assert_eq!(c.cookie_data().unwrap(), &[7; 64][..]);
        assert!(NotifyPayload::new(NotifyType::COOKIE, vec![])
            .cookie_data()
            .is_err());
        let input = nat_detection_input(1, 2, "192.0.2.1:4500".parse().unwrap());
        assert_eq!(
            input,
            [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 192, 0, 2, 1, 0x11, 0x94]
        );
        assert_eq!(
            nat_detection_input(1, 2, "[::1]:500".parse().unwrap()).len(),
            34
        );
    }

    #[test]
    fn child_spi_and_bounds() {
        let n = NotifyPayload::child(NotifyType::REKEY_SA, ProtocolId::ESP, 0xc0ffee01, vec![]);
        let mut b = vec![0u8; n.buffer_len()];
        n.emit(&mut b).unwrap();
        assert_eq!(b, [3, 4, 0x40, 0x09, 0xc0, 0xff, 0xee, 0x01]);
        assert_eq!(
            NotifyPayload::parse(&b).unwrap().spi_u32(),
            Some(0xc0ffee01)
        );
        b[1] = 5; // SPI size past the end
        assert!(NotifyPayload::parse(&b).is_err());
        assert!(NotifyPayload::parse(&b[..3]).is_err());
    }
}
