//! The Identification payloads IDi / IDr (RFC 7296 3.5).
//!
//! Addresses are typed, FQDN and RFC822 names are checked ASCII strings, DNs and key IDs stay
//! opaque bytes (the certificate code compares them), and unknown ID types round-trip as raw
//! bytes. This module never decides whether an identity is acceptable.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::wire::v2::registry::IdType;
use crate::wire::v2::util::{slice, u8_at, Writer};
use crate::wire::{Error, Result};

/// An identity as carried in an ID payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identification {
    /// ID_IPV4_ADDR: four octets.
    Ipv4(Ipv4Addr),
    /// ID_IPV6_ADDR: sixteen octets.
    Ipv6(Ipv6Addr),
    /// ID_FQDN, e.g. "example.com".
    Fqdn(String),
    /// ID_RFC822_ADDR, e.g. "jsmith@example.com".
    Rfc822(String),
    /// ID_DER_ASN1_DN: a DER-encoded X.500 Name.
    DerAsn1Dn(Vec<u8>),
    /// ID_KEY_ID: opaque vendor-specific octets.
    KeyId(Vec<u8>),
    /// Any other type (ID_DER_ASN1_GN, ID_NULL, unknown): raw data.
    Other { ty: IdType, data: Vec<u8> },
}

impl Identification {
    /// The ID Type of this identity.
    pub fn id_type(&self) -> IdType {
        match self {
            Self::Ipv4(_) => IdType::ID_IPV4_ADDR,
            Self::Ipv6(_) => IdType::ID_IPV6_ADDR,
            Self::Fqdn(_) => IdType::ID_FQDN,
            Self::Rfc822(_) => IdType::ID_RFC822_ADDR,
            Self::DerAsn1Dn(_) => IdType::ID_DER_ASN1_DN,
            Self::KeyId(_) => IdType::ID_KEY_ID,
            Self::Other { ty, .. } => *ty,
        }
    }

    /// The Identification Data octets (what AUTH's IDi'/IDr' hash covers after the type).
    pub fn data(&self) -> Vec<u8> {
        match self {
            Self::Ipv4(a) => a.octets().to_vec(),
            Self::Ipv6(a) => a.octets().to_vec(),
            Self::Fqdn(s) | Self::Rfc822(s) => s.as_bytes().to_vec(),
            Self::DerAsn1Dn(d) | Self::KeyId(d) | Self::Other { data: d, .. } => d.clone(),
        }
    }

    fn data_len(&self) -> usize {
        match self {
            Self::Ipv4(_) => 4,
            Self::Ipv6(_) => 16,
            Self::Fqdn(s) | Self::Rfc822(s) => s.len(),
            Self::DerAsn1Dn(d) | Self::KeyId(d) | Self::Other { data: d, .. } => d.len(),
        }
    }
}

/// RFC 7296 3.5: the FQDN/RFC822 string "MUST NOT contain any terminators (e.g., NULL, CR,
/// etc.). All characters in the ID_FQDN are ASCII".
fn ascii_name(data: &[u8], what: &'static str) -> Result<String> {
    if data.is_empty() || !data.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        return Err(Error::Invalid {
            what,
            detail: "not a non-empty printable ASCII string",
        });
    }
    String::from_utf8(data.to_vec()).map_err(|_| Error::Invalid {
        what,
        detail: "not ASCII",
    })
}

/// The IDi / IDr payload body: ID Type, RESERVED (3), Identification Data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdPayload {
    pub id: Identification,
}

impl IdPayload {
    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let ty = IdType(u8_at(body, 0, "ID payload")?);
        slice(body, 0, 4, "ID payload")?;
        let data = body.get(4..).unwrap_or_default();
        let fixed = |n: usize| -> Result<&[u8]> {
            if data.len() == n {
                Ok(data)
            } else {
                Err(Error::BadLength {
                    what: "ID payload address",
                    length: data.len(),
                })
            }
        };
        let id = match ty {
            IdType::ID_IPV4_ADDR => {
                let d = fixed(4)?;
                Identification::Ipv4(Ipv4Addr::new(d[0], d[1], d[2], d[3]))
            }
            IdType::ID_IPV6_ADDR => {
                let mut o = [0u8; 16];
                o.copy_from_slice(fixed(16)?);
                Identification::Ipv6(Ipv6Addr::from(o))
            }
            IdType::ID_FQDN => Identification::Fqdn(ascii_name(data, "ID_FQDN")?),
            IdType::ID_RFC822_ADDR => Identification::Rfc822(ascii_name(data, "ID_RFC822_ADDR")?),
            IdType::ID_DER_ASN1_DN => Identification::DerAsn1Dn(data.to_vec()),
            IdType::ID_KEY_ID => Identification::KeyId(data.to_vec()),
            ty => Identification::Other {
                ty,
                data: data.to_vec(),
            },
        };
        Ok(IdPayload { id })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        4 + self.id.data_len()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        match &self.id {
            Identification::Fqdn(s) => {
                ascii_name(s.as_bytes(), "ID_FQDN")?;
            }
            Identification::Rfc822(s) => {
                ascii_name(s.as_bytes(), "ID_RFC822_ADDR")?;
            }
            Identification::Other { ty, .. }
                if matches!(
                    *ty,
                    IdType::ID_IPV4_ADDR
                        | IdType::ID_IPV6_ADDR
                        | IdType::ID_FQDN
                        | IdType::ID_RFC822_ADDR
                        | IdType::ID_DER_ASN1_DN
                        | IdType::ID_KEY_ID
                ) =>
            {
                return Err(Error::Invalid {
                    what: "ID payload",
                    detail: "Other used for a type that has its own variant",
                })
            }
            _ => {}
        }
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u8(self.id.id_type().0)?;
        w.put(&[0, 0, 0])?;
        w.put(&self.id.data())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rt(id: Identification) -> Vec<u8> {
        let p = IdPayload { id };
        let mut b = vec![0u8; p.buffer_len()];
        p.emit(&mut b).unwrap();
        assert_eq!(IdPayload::parse(&b).unwrap(), p);
        b
    }

    #[test]
    fn typed_round_trips() {
        assert_eq!(
            rt(Identification::Ipv4(Ipv4Addr::new(192, 0, 2, 1))),
            [1, 0, 0, 0, 192, 0, 2, 1]
        );
        assert_eq!(rt(Identification::Fqdn("example.com".into()))[0], 2);
        assert_eq!(rt(Identification::Rfc822("a@example.com".into()))[0], 3);
        assert_eq!(rt(Identification::Ipv6(Ipv6Addr::LOCALHOST)).len(), 20);
        assert_eq!(rt(Identification::DerAsn1Dn(vec![0x30, 0])).len(), 6);
        assert_eq!(rt(Identification::KeyId(vec![9; 3]))[0], 11);
        rt(Identification::Other {
            ty: IdType::ID_NULL,
            data: vec![],
        });
    }

    #[test]
    fn rejects_malformed() {
        assert!(IdPayload::parse(&[1, 0, 0, 0, 1, 2, 3]).is_err());
        assert!(IdPayload::parse(&[5, 0, 0, 0, 1, 2, 3, 4]).is_err());
        assert!(IdPayload::parse(&[2, 0, 0, 0, b'a', 0, b'b']).is_err());
        assert!(IdPayload::parse(&[2, 0, 0, 0, b'a', b'\r']).is_err());
        assert!(IdPayload::parse(&[2, 0, 0]).is_err());
        let p = IdPayload {
            id: Identification::Fqdn("é".into()),
        };
        assert!(p.emit(&mut [0u8; 16]).is_err());
    }
}
