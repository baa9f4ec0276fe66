//! The Vendor ID payload (RFC 7296 3.12): an opaque identifier, kept as bytes; this module
//! never interprets or matches vendor IDs.

use crate::wire::v2::util::check_out;
use crate::wire::Result;

/// The V payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VendorPayload {
    pub id: Vec<u8>,
}

impl VendorPayload {
    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        Ok(VendorPayload { id: body.to_vec() })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        self.id.len()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        check_out(buf, self.id.len())?;
        buf[..self.id.len()].copy_from_slice(&self.id);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let v = VendorPayload {
            id: b"xfrmd".to_vec(),
        };
        let mut b = [0u8; 5];
        v.emit(&mut b).unwrap();
        assert_eq!(VendorPayload::parse(&b).unwrap(), v);
        assert!(v.emit(&mut [0u8; 4]).is_err());
    }
}
