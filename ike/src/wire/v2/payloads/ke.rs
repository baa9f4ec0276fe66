//! The Key Exchange payload (RFC 7296 3.4). It carries the public value as opaque bytes and
//! never checks it against the group: the crypto provider does that.

use crate::wire::v2::registry::DhId;
use crate::wire::v2::util::{slice, u16_at, Writer};
use crate::wire::Result;

/// The KE payload body: Diffie-Hellman Group Num, RESERVED (2), Key Exchange Data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KePayload {
    pub group: DhId,
    pub data: Vec<u8>,
}

impl KePayload {
    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let group = DhId(u16_at(body, 0, "KE payload")?);
        slice(body, 0, 4, "KE payload")?;
        Ok(KePayload {
            group,
            data: body.get(4..).unwrap_or_default().to_vec(),
        })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u16(self.group.0)?;
        // RFC 7296 3.4: RESERVED "MUST be sent as zero".
        w.u16(0)?;
        w.put(&self.data)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let ke = KePayload {
            group: DhId::ECP_256,
            data: vec![7; 64],
        };
        let mut b = vec![0u8; ke.buffer_len()];
        ke.emit(&mut b).unwrap();
        assert_eq!(&b[..4], &[0, 19, 0, 0]);
        assert_eq!(KePayload::parse(&b).unwrap(), ke);
        assert!(KePayload::parse(&b[..3]).is_err());
    }
}
