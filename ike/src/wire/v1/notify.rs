//! Notification payload (RFC 2408 3.14) and its DPD use (RFC 3706 5.3).
//!
//! Reads and writes DOI, Protocol-ID, SPI, Notify Message Type and Notification Data with the
//! SPI Size checked against the payload length. This file never decides how to react to a
//! notification.

use super::bytes::{len_u8, Reader, Writer};
use super::registry::{Doi, NotifyType, ProtocolId};
use crate::wire::Result;

/// Notification payload (RFC 2408 3.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyRepr {
    pub doi: Doi,
    pub protocol_id: ProtocolId,
    /// SPI: 16 bytes (CKY-I | CKY-R) for ISAKMP in DPD (RFC 3706 5.3), 4 for AH/ESP, or empty.
    pub spi: Vec<u8>,
    pub notify_type: NotifyType,
    pub data: Vec<u8>,
}

impl NotifyRepr {
    /// Parses the body (after the generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body, "N payload");
        let doi = Doi(r.u32()?);
        let protocol_id = ProtocolId(r.u8()?);
        let spi_size = r.u8()?;
        let notify_type = NotifyType(r.u16()?);
        // RFC 2408 3.14: the SPI has "SPI Size" octets; the rest is Notification Data.
        let spi = r.take(usize::from(spi_size))?.to_vec();
        Ok(NotifyRepr {
            doi,
            protocol_id,
            spi,
            notify_type,
            data: r.rest().to_vec(),
        })
    }

    /// A DPD R-U-THERE or R-U-THERE-ACK (RFC 3706 5.3: DOI IPSEC, protocol ISAKMP, SPI =
    /// CKY-I | CKY-R, data = 32-bit sequence number).
    pub fn dpd(
        notify_type: NotifyType,
        initiator_cookie: [u8; 8],
        responder_cookie: [u8; 8],
        sequence: u32,
    ) -> Self {
        let mut spi = initiator_cookie.to_vec();
        spi.extend_from_slice(&responder_cookie);
        NotifyRepr {
            doi: Doi::IPSEC,
            protocol_id: ProtocolId::ISAKMP,
            spi,
            notify_type,
            data: sequence.to_be_bytes().to_vec(),
        }
    }

    /// The DPD sequence number if this is an R-U-THERE(-ACK) with a 4-byte data field.
    pub fn dpd_sequence(&self) -> Option<u32> {
        if self.notify_type != NotifyType::R_U_THERE
            && self.notify_type != NotifyType::R_U_THERE_ACK
        {
            return None;
        }
        let bytes: [u8; 4] = self.data.as_slice().try_into().ok()?;
        Some(u32::from_be_bytes(bytes))
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        8 + self.spi.len() + self.data.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(self.doi.0)?;
        w.u8(self.protocol_id.0)?;
        w.u8(len_u8(self.spi.len(), "N payload SPI")?)?;
        w.u16(self.notify_type.0)?;
        w.put(&self.spi)?;
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
    use super::super::strategies::notify;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dpd_r_u_there_layout() {
        // RFC 3706 5.3: R-U-THERE carries the cookies as SPI and a 4-byte sequence number.
        let n = NotifyRepr::dpd(NotifyType::R_U_THERE, [1; 8], [2; 8], 0x0102_0304);
        let mut buf = vec![0u8; n.buffer_len()];
        assert_eq!(n.emit(&mut buf).unwrap(), 28);
        assert_eq!(buf[..8], [0, 0, 0, 1, 1, 16, 0x8d, 0x28]);
        assert_eq!(buf[8..16], [1; 8]);
        assert_eq!(buf[16..24], [2; 8]);
        assert_eq!(buf[24..], [1, 2, 3, 4]);
        let back = NotifyRepr::parse(&buf).unwrap();
        assert_eq!(back.dpd_sequence(), Some(0x0102_0304));
        assert_eq!(back, n);
    }

    #[test]
    fn spi_size_past_end() {
        let buf = [0, 0, 0, 1, 3, 4, 0, 14, 0xaa, 0xbb];
        assert!(NotifyRepr::parse(&buf).is_err());
        assert!(NotifyRepr::parse(&buf[..7]).is_err());
    }

    #[test]
    fn dpd_sequence_only_for_dpd() {
        let mut n = NotifyRepr::dpd(NotifyType::R_U_THERE_ACK, [0; 8], [0; 8], 7);
        assert_eq!(n.dpd_sequence(), Some(7));
        n.data.push(0);
        assert_eq!(n.dpd_sequence(), None);
        n.notify_type = NotifyType::INITIAL_CONTACT;
        n.data.truncate(4);
        assert_eq!(n.dpd_sequence(), None);
    }

    proptest! {
        #[test]
        fn roundtrip(n in notify()) {
            let mut buf = vec![0u8; n.buffer_len()];
            n.emit(&mut buf).unwrap();
            prop_assert_eq!(NotifyRepr::parse(&buf).unwrap(), n);
        }
    }
}
