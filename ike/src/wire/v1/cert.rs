//! Certificate (RFC 2408 3.9) and Certificate Request (RFC 2408 3.10) payloads.
//!
//! Both are an encoding byte followed by opaque data. This file never parses or verifies a
//! certificate.

use super::bytes::{Reader, Writer};
use super::registry::CertEncoding;
use crate::wire::Result;

/// Certificate payload (RFC 2408 3.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRepr {
    pub encoding: CertEncoding,
    pub data: Vec<u8>,
}

/// Certificate Request payload (RFC 2408 3.10): a certificate type and an optional
/// (DER distinguished name) certificate authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertReqRepr {
    pub cert_type: CertEncoding,
    pub authority: Vec<u8>,
}

fn parse_pair(body: &[u8], what: &'static str) -> Result<(CertEncoding, Vec<u8>)> {
    let mut r = Reader::new(body, what);
    let enc = CertEncoding(r.u8()?);
    Ok((enc, r.rest().to_vec()))
}

impl CertRepr {
    /// Parses the body (after the generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let (encoding, data) = parse_pair(body, "CERT payload")?;
        Ok(CertRepr { encoding, data })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u8(self.encoding.0)?;
        w.put(&self.data)
    }

    /// Writes the body into `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }
}

impl CertReqRepr {
    /// Parses the body (after the generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let (cert_type, authority) = parse_pair(body, "CR payload")?;
        Ok(CertReqRepr {
            cert_type,
            authority,
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        1 + self.authority.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u8(self.cert_type.0)?;
        w.put(&self.authority)
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
    fn cert_and_cr() {
        let c = CertRepr {
            encoding: CertEncoding::X509_SIGNATURE,
            data: vec![0x30, 0x82],
        };
        let mut buf = [0u8; 3];
        assert_eq!(c.emit(&mut buf).unwrap(), 3);
        assert_eq!(buf, [4, 0x30, 0x82]);
        assert_eq!(CertRepr::parse(&buf).unwrap(), c);
        assert!(CertRepr::parse(&[]).is_err());
        let cr = CertReqRepr::parse(&[4]).unwrap();
        assert_eq!(cr.cert_type, CertEncoding::X509_SIGNATURE);
        assert!(cr.authority.is_empty());
        assert!(CertReqRepr::parse(&[]).is_err());
    }
}
