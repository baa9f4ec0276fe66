//! The Delete payload (RFC 7296 3.11). Checks that SPI Size × Num of SPIs equals the bytes
//! present before allocating anything; never decides what to delete.

use crate::wire::v2::registry::ProtocolId;
use crate::wire::v2::util::{u16_at, u8_at, Writer};
use crate::wire::{Error, Result};

/// The D payload body: Protocol ID, SPI Size, Num of SPIs, SPIs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeletePayload {
    pub protocol: ProtocolId,
    /// Octets per SPI (0 for IKE, 4 for AH/ESP).
    pub spi_size: u8,
    /// Each exactly `spi_size` octets.
    pub spis: Vec<Vec<u8>>,
}

impl DeletePayload {
    /// Deletes the IKE SA carrying the message (RFC 7296 3.11: SPI Size zero, no SPIs).
    pub fn ike() -> Self {
        DeletePayload {
            protocol: ProtocolId::IKE,
            spi_size: 0,
            spis: Vec::new(),
        }
    }

    /// Deletes Child SAs by their inbound SPIs.
    pub fn child(protocol: ProtocolId, spis: &[u32]) -> Self {
        DeletePayload {
            protocol,
            spi_size: 4,
            spis: spis.iter().map(|s| s.to_be_bytes().to_vec()).collect(),
        }
    }

    /// The SPIs as u32 when they are four octets each.
    pub fn spis_u32(&self) -> Option<Vec<u32>> {
        self.spis
            .iter()
            .map(|s| {
                <[u8; 4]>::try_from(s.as_slice())
                    .ok()
                    .map(u32::from_be_bytes)
            })
            .collect()
    }

    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let protocol = ProtocolId(u8_at(body, 0, "Delete payload")?);
        let spi_size = u8_at(body, 1, "Delete payload")?;
        let num = u16_at(body, 2, "Delete payload")? as usize;
        let rest = body.get(4..).unwrap_or_default();
        // RFC 7296 3.11: the SPIs field holds Num of SPIs SPIs of SPI Size octets each; a zero
        // SPI Size with SPIs listed is malformed (and would let a count drive allocation).
        if (spi_size == 0 && num != 0) || num * spi_size as usize != rest.len() {
            return Err(Error::BadLength {
                what: "Delete payload SPIs",
                length: rest.len(),
            });
        }
        let spis = if spi_size == 0 {
            Vec::new()
        } else {
            rest.chunks_exact(spi_size as usize)
                .map(<[u8]>::to_vec)
                .collect()
        };
        Ok(DeletePayload {
            protocol,
            spi_size,
            spis,
        })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        4 + self.spis.len() * self.spi_size as usize
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        if self.spis.iter().any(|s| s.len() != self.spi_size as usize)
            || (self.spi_size == 0 && !self.spis.is_empty())
        {
            return Err(Error::Invalid {
                what: "Delete payload",
                detail: "SPI length differs from SPI Size",
            });
        }
        let num = u16::try_from(self.spis.len()).map_err(|_| Error::Invalid {
            what: "Delete payload",
            detail: "more than 65535 SPIs",
        })?;
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u8(self.protocol.0)?;
        w.u8(self.spi_size)?;
        w.u16(num)?;
        self.spis.iter().try_for_each(|s| w.put(s))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_counts() {
        let d = DeletePayload::child(ProtocolId::ESP, &[1, 0xdeadbeef]);
        let mut b = vec![0u8; d.buffer_len()];
        d.emit(&mut b).unwrap();
        assert_eq!(&b[..4], &[3, 4, 0, 2]);
        let back = DeletePayload::parse(&b).unwrap();
        assert_eq!(back.spis_u32().unwrap(), [1, 0xdeadbeef]);
        assert!(DeletePayload::parse(&b[..11]).is_err());
        let ike = DeletePayload::ike();
        let mut b = vec![0u8; 4];
        ike.emit(&mut b).unwrap();
        assert_eq!(b, [1, 0, 0, 0]);
        assert_eq!(DeletePayload::parse(&b).unwrap(), ike);
        // A huge count with zero-sized SPIs must not be accepted.
        assert!(DeletePayload::parse(&[1, 0, 0xff, 0xff]).is_err());
    }
}
