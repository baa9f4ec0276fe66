//! The Certificate and Certificate Request payloads (RFC 7296 3.6, 3.7). Certificate data
//! and CA hashes stay opaque bytes; this module never parses X.509.

use crate::wire::v2::registry::CertEncoding;
use crate::wire::v2::util::{u8_at, Writer};
use crate::wire::Result;

/// Length of one SHA-1 CA key hash in a CERTREQ of X.509 encodings (RFC 7296 3.7).
pub const CA_HASH_LEN: usize = 20;

/// The CERT payload body: Cert Encoding, Certificate Data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertPayload {
    pub encoding: CertEncoding,
    pub data: Vec<u8>,
}

/// The CERTREQ payload body: Cert Encoding, Certification Authority (concatenated SHA-1 hashes
/// of CA public keys for X.509 encodings).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertReqPayload {
    pub encoding: CertEncoding,
    pub authorities: Vec<u8>,
}

fn parse_enc(body: &[u8], what: &'static str) -> Result<(CertEncoding, Vec<u8>)> {
    let enc = CertEncoding(u8_at(body, 0, what)?);
    Ok((enc, body.get(1..).unwrap_or_default().to_vec()))
}

fn emit_enc(buf: &mut [u8], enc: CertEncoding, data: &[u8]) -> Result<()> {
    let mut w = Writer::new(buf, 1 + data.len())?;
    w.u8(enc.0)?;
    w.put(data)
}

impl CertPayload {
    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let (encoding, data) = parse_enc(body, "CERT payload")?;
        Ok(CertPayload { encoding, data })
    }
    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }
    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        emit_enc(buf, self.encoding, &self.data)
    }
}

impl CertReqPayload {
    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let (encoding, authorities) = parse_enc(body, "CERTREQ payload")?;
        Ok(CertReqPayload {
            encoding,
            authorities,
        })
    }
    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        1 + self.authorities.len()
    }
    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        emit_enc(buf, self.encoding, &self.authorities)
    }
    /// The 20-octet CA hashes; `None` if the field is not a whole number of hashes.
    pub fn ca_hashes(&self) -> Option<impl Iterator<Item = &[u8]>> {
        self.authorities
            .len()
            .is_multiple_of(CA_HASH_LEN)
            .then(|| self.authorities.chunks_exact(CA_HASH_LEN))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hashes() {
        let c = CertPayload {
            encoding: CertEncoding::X509_CERT_SIGNATURE,
            data: vec![0x30, 0x82, 0, 0],
        };
        let mut b = vec![0u8; c.buffer_len()];
        c.emit(&mut b).unwrap();
        assert_eq!(b[0], 4);
        assert_eq!(CertPayload::parse(&b).unwrap(), c);
        assert!(CertPayload::parse(&[]).is_err());

        let r = CertReqPayload {
            encoding: CertEncoding::X509_CERT_SIGNATURE,
            authorities: vec![1; 40],
        };
        let mut b = vec![0u8; r.buffer_len()];
        r.emit(&mut b).unwrap();
        let back = CertReqPayload::parse(&b).unwrap();
        assert_eq!(back.ca_hashes().unwrap().count(), 2);
        let odd = CertReqPayload {
            authorities: vec![1; 21],
            ..back
        };
        assert!(odd.ca_hashes().is_none());
    }
}
