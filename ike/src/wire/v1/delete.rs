//! Delete payload (RFC 2408 3.15).
//!
//! "# of SPIs" x "SPI Size" must exactly fill the payload, and the SPI list is only allocated
//! after that check, so a forged count cannot make us allocate more than the datagram holds.
//! This file never decides which SAs to delete.

use super::bytes::{len_u16, len_u8, Reader, Writer};
use super::registry::{Doi, ProtocolId};
use crate::wire::{Error, Result};

/// Delete payload (RFC 2408 3.15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRepr {
    pub doi: Doi,
    pub protocol_id: ProtocolId,
    /// SPI Size: 16 for ISAKMP (the cookie pair), 4 for AH/ESP.
    pub spi_size: u8,
    /// Each SPI is exactly `spi_size` bytes.
    pub spis: Vec<Vec<u8>>,
}

impl DeleteRepr {
    /// Parses the body (after the generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body, "D payload");
        let doi = Doi(r.u32()?);
        let protocol_id = ProtocolId(r.u8()?);
        let spi_size = r.u8()?;
        let count = usize::from(r.u16()?);
        let size = usize::from(spi_size);
        if size == 0 && count != 0 {
            return Err(Error::Invalid {
                what: "D payload",
                detail: "SPIs of size 0",
            });
        }
        // RFC 2408 3.15: the payload holds "# of SPIs" SPIs of "SPI Size" octets each.
        let needed = count * size; // at most 65535 * 255: cannot overflow
        if r.remaining() != needed {
            return Err(Error::BadLength {
                what: "D payload",
                length: body.len(),
            });
        }
        let spis = r.rest().chunks(size.max(1)).map(<[u8]>::to_vec).collect();
        Ok(DeleteRepr {
            doi,
            protocol_id,
            spi_size,
            spis,
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        8 + self.spis.iter().map(Vec::len).sum::<usize>()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        if self
            .spis
            .iter()
            .any(|s| s.len() != usize::from(self.spi_size))
            || (self.spi_size == 0 && !self.spis.is_empty())
        {
            return Err(Error::Invalid {
                what: "D payload",
                detail: "every SPI must be SPI Size (> 0) bytes long",
            });
        }
        w.u32(self.doi.0)?;
        w.u8(self.protocol_id.0)?;
        w.u8(len_u8(usize::from(self.spi_size), "D payload")?)?;
        w.u16(len_u16(self.spis.len(), "# of SPIs")?)?;
        self.spis.iter().try_for_each(|s| w.put(s))
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
    use super::super::strategies::delete;
    use super::*;
    use proptest::prelude::*;

    fn esp_delete() -> DeleteRepr {
        DeleteRepr {
            doi: Doi::IPSEC,
            protocol_id: ProtocolId::ESP,
            spi_size: 4,
            spis: vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]],
        }
    }

    #[test]
    fn layout_and_parse() {
        let d = esp_delete();
        let mut buf = vec![0u8; d.buffer_len()];
        assert_eq!(d.emit(&mut buf).unwrap(), 16);
        assert_eq!(buf[..8], [0, 0, 0, 1, 3, 4, 0, 2]);
        assert_eq!(DeleteRepr::parse(&buf).unwrap(), d);
    }

    #[test]
    fn count_times_size_must_fill_payload() {
        let mut buf = vec![0u8; 16];
        esp_delete().emit(&mut buf).unwrap();
        buf[7] = 3; // claims 3 SPIs, holds 2
        assert!(matches!(
            DeleteRepr::parse(&buf),
            Err(Error::BadLength { .. })
        ));
        buf[7] = 0xff;
        buf[6] = 0xff; // 65535 SPIs: rejected before any allocation
        assert!(DeleteRepr::parse(&buf).is_err());
        buf[6] = 0;
        buf[7] = 1; // trailing bytes
        assert!(DeleteRepr::parse(&buf).is_err());
        assert!(DeleteRepr::parse(&[0, 0, 0, 1, 3, 0, 0, 5]).is_err());
        assert!(DeleteRepr::parse(&[0, 0, 0, 1, 3, 0, 0, 0]).is_ok());
    }

    #[test]
    fn emit_checks_spi_sizes() {
        let mut d = esp_delete();
        d.spis[1].pop();
        assert!(d.emit(&mut [0u8; 32]).is_err());
    }

    proptest! {
        #[test]
        fn roundtrip(d in delete()) {
            let mut buf = vec![0u8; d.buffer_len()];
            d.emit(&mut buf).unwrap();
            prop_assert_eq!(DeleteRepr::parse(&buf).unwrap(), d);
        }
    }
}
