//! Identification payload (RFC 2408 3.8 with the IPsec DOI layout of RFC 2407 4.6.2) and the
//! NAT-OA payload (RFC 3947 5.2), which reuses the ID address encoding.
//!
//! Address forms (single, subnet as address + mask, range as start + end) are typed and their
//! lengths checked; name forms keep their bytes. This file never matches an ID against policy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::bytes::{Reader, Writer};
use super::registry::IdType;
use crate::wire::{Error, Result};

/// Identification data by ID type (RFC 2407 4.6.2.1 - 4.6.2.12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identification {
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    /// ID_IPV4_ADDR_SUBNET: address then netmask (RFC 2407 4.6.2.5).
    Ipv4Subnet(Ipv4Addr, Ipv4Addr),
    /// ID_IPV6_ADDR_SUBNET: address then netmask (RFC 2407 4.6.2.7).
    Ipv6Subnet(Ipv6Addr, Ipv6Addr),
    /// ID_IPV4_ADDR_RANGE: start then end (RFC 2407 4.6.2.8).
    Ipv4Range(Ipv4Addr, Ipv4Addr),
    /// ID_IPV6_ADDR_RANGE: start then end (RFC 2407 4.6.2.9).
    Ipv6Range(Ipv6Addr, Ipv6Addr),
    Fqdn(Vec<u8>),
    UserFqdn(Vec<u8>),
    DerAsn1Dn(Vec<u8>),
    DerAsn1Gn(Vec<u8>),
    KeyId(Vec<u8>),
    /// An ID type this codec does not know; `id_type` must not be one of the known types.
    Other {
        id_type: IdType,
        data: Vec<u8>,
    },
}

fn v4(b: &[u8]) -> Ipv4Addr {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    Ipv4Addr::from(a)
}

fn v6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(b);
    Ipv6Addr::from(a)
}

impl Identification {
    /// The ID type on the wire.
    pub fn id_type(&self) -> IdType {
        match self {
            Identification::Ipv4(_) => IdType::IPV4_ADDR,
            Identification::Ipv6(_) => IdType::IPV6_ADDR,
            Identification::Ipv4Subnet(..) => IdType::IPV4_ADDR_SUBNET,
            Identification::Ipv6Subnet(..) => IdType::IPV6_ADDR_SUBNET,
            Identification::Ipv4Range(..) => IdType::IPV4_ADDR_RANGE,
            Identification::Ipv6Range(..) => IdType::IPV6_ADDR_RANGE,
            Identification::Fqdn(_) => IdType::FQDN,
            Identification::UserFqdn(_) => IdType::USER_FQDN,
            Identification::DerAsn1Dn(_) => IdType::DER_ASN1_DN,
            Identification::DerAsn1Gn(_) => IdType::DER_ASN1_GN,
            Identification::KeyId(_) => IdType::KEY_ID,
            Identification::Other { id_type, .. } => *id_type,
        }
    }

    /// Reads identification data of the given type; address forms must have exact lengths.
    pub fn parse(id_type: IdType, data: &[u8]) -> Result<Self> {
        let expect = |n: usize| {
            if data.len() == n {
                Ok(())
            } else {
                Err(Error::BadLength {
                    what: "identification data",
                    length: data.len(),
                })
            }
        };
        let (a, b) = (data.get(..data.len() / 2), data.get(data.len() / 2..));
        let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
        Ok(match id_type {
            IdType::IPV4_ADDR => {
                expect(4)?;
                Identification::Ipv4(v4(data))
            }
            IdType::IPV6_ADDR => {
                expect(16)?;
                Identification::Ipv6(v6(data))
            }
            IdType::IPV4_ADDR_SUBNET => {
                expect(8)?;
                Identification::Ipv4Subnet(v4(a), v4(b))
            }
            IdType::IPV6_ADDR_SUBNET => {
                expect(32)?;
                Identification::Ipv6Subnet(v6(a), v6(b))
            }
            IdType::IPV4_ADDR_RANGE => {
                expect(8)?;
                Identification::Ipv4Range(v4(a), v4(b))
            }
            IdType::IPV6_ADDR_RANGE => {
                expect(32)?;
                Identification::Ipv6Range(v6(a), v6(b))
            }
            IdType::FQDN => Identification::Fqdn(data.to_vec()),
            IdType::USER_FQDN => Identification::UserFqdn(data.to_vec()),
            IdType::DER_ASN1_DN => Identification::DerAsn1Dn(data.to_vec()),
            IdType::DER_ASN1_GN => Identification::DerAsn1Gn(data.to_vec()),
            IdType::KEY_ID => Identification::KeyId(data.to_vec()),
            id_type => Identification::Other {
                id_type,
                data: data.to_vec(),
            },
        })
    }

    /// Length of the identification data.
    pub fn buffer_len(&self) -> usize {
        match self {
            Identification::Ipv4(_) => 4,
            Identification::Ipv6(_) => 16,
            Identification::Ipv4Subnet(..) | Identification::Ipv4Range(..) => 8,
            Identification::Ipv6Subnet(..) | Identification::Ipv6Range(..) => 32,
            Identification::Fqdn(d)
            | Identification::UserFqdn(d)
            | Identification::DerAsn1Dn(d)
            | Identification::DerAsn1Gn(d)
            | Identification::KeyId(d)
            | Identification::Other { data: d, .. } => d.len(),
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        match self {
            Identification::Ipv4(a) => w.put(&a.octets()),
            Identification::Ipv6(a) => w.put(&a.octets()),
            Identification::Ipv4Subnet(a, b) | Identification::Ipv4Range(a, b) => {
                w.put(&a.octets())?;
                w.put(&b.octets())
            }
            Identification::Ipv6Subnet(a, b) | Identification::Ipv6Range(a, b) => {
                w.put(&a.octets())?;
                w.put(&b.octets())
            }
            Identification::Fqdn(d)
            | Identification::UserFqdn(d)
            | Identification::DerAsn1Dn(d)
            | Identification::DerAsn1Gn(d)
            | Identification::KeyId(d) => w.put(d),
            Identification::Other { id_type, data } => {
                if id_type.name().is_some() {
                    return Err(Error::Invalid {
                        what: "ID payload",
                        detail: "Other used for a known ID type; use the typed variant",
                    });
                }
                w.put(data)
            }
        }
    }
}

/// Identification payload with the IPsec DOI fields (RFC 2407 4.6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdRepr {
    /// IP protocol (0 = any; 17 with port 500 is common in Phase 1).
    pub protocol_id: u8,
    /// Port (0 = any).
    pub port: u16,
    pub id: Identification,
}

impl IdRepr {
    /// Parses the body (after the generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body, "ID payload");
        let id_type = IdType(r.u8()?);
        let protocol_id = r.u8()?;
        let port = r.u16()?;
        Ok(IdRepr {
            protocol_id,
            port,
            id: Identification::parse(id_type, r.rest())?,
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        4 + self.id.buffer_len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u8(self.id.id_type().0)?;
        w.u8(self.protocol_id)?;
        w.u16(self.port)?;
        self.id.write(w)
    }

    /// Writes the body into `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }
}

/// NAT-OA payload: the original address of a peer behind NAT (RFC 3947 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NatOaRepr {
    pub addr: IpAddr,
}

impl NatOaRepr {
    /// Parses the body (after the generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body, "NAT-OA payload");
        let id_type = IdType(r.u8()?);
        let _reserved = r.take(3)?;
        // RFC 3947 5.2: the NAT-OA ID Type is ID_IPV4_ADDR or ID_IPV6_ADDR, nothing else.
        let addr = match Identification::parse(id_type, r.rest())? {
            Identification::Ipv4(a) => IpAddr::V4(a),
            Identification::Ipv6(a) => IpAddr::V6(a),
            _ => {
                return Err(Error::Invalid {
                    what: "NAT-OA payload",
                    detail: "ID type must be ID_IPV4_ADDR or ID_IPV6_ADDR",
                })
            }
        };
        Ok(NatOaRepr { addr })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        4 + match self.addr {
            IpAddr::V4(_) => 4,
            IpAddr::V6(_) => 16,
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        match self.addr {
            IpAddr::V4(a) => {
                w.put(&[IdType::IPV4_ADDR.0, 0, 0, 0])?;
                w.put(&a.octets())
            }
            IpAddr::V6(a) => {
                w.put(&[IdType::IPV6_ADDR.0, 0, 0, 0])?;
                w.put(&a.octets())
            }
        }
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
    use super::super::strategies::{id, nat_oa};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phase2_subnet_id_layout() {
        // RFC 2407 4.6.2: type, protocol, port, then address and mask for a subnet.
        let id = IdRepr {
            protocol_id: 0,
            port: 0,
            id: Identification::Ipv4Subnet([10, 1, 0, 0].into(), [255, 255, 0, 0].into()),
        };
        let mut buf = [0u8; 12];
        assert_eq!(id.emit(&mut buf).unwrap(), 12);
        assert_eq!(buf, [4, 0, 0, 0, 10, 1, 0, 0, 255, 255, 0, 0]);
        assert_eq!(IdRepr::parse(&buf).unwrap(), id);
    }

    #[test]
    fn phase1_fqdn_with_udp_500() {
        let buf = [2, 17, 1, 0xf4, b'v', b'p', b'n'];
        let id = IdRepr::parse(&buf).unwrap();
        assert_eq!((id.protocol_id, id.port), (17, 500));
        assert_eq!(id.id, Identification::Fqdn(b"vpn".to_vec()));
    }

    #[test]
    fn address_lengths_checked() {
        assert!(IdRepr::parse(&[1, 0, 0, 0, 1, 2, 3]).is_err());
        assert!(IdRepr::parse(&[5, 0, 0, 0, 1, 2, 3, 4]).is_err());
        assert!(IdRepr::parse(&[7, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).is_err());
        assert!(IdRepr::parse(&[1, 0, 0]).is_err());
        let other = IdRepr::parse(&[200, 0, 0, 0, 9]).unwrap();
        assert_eq!(other.id.id_type(), IdType(200));
        let bad = IdRepr {
            id: Identification::Other {
                id_type: IdType::FQDN,
                data: vec![],
            },
            ..other
        };
        assert!(bad.emit(&mut [0u8; 8]).is_err());
    }

    #[test]
    fn nat_oa_layout() {
        let n = NatOaRepr {
            addr: IpAddr::V4([192, 168, 1, 2].into()),
        };
        let mut buf = [0u8; 8];
        assert_eq!(n.emit(&mut buf).unwrap(), 8);
        assert_eq!(buf, [1, 0, 0, 0, 192, 168, 1, 2]);
        assert_eq!(NatOaRepr::parse(&buf).unwrap(), n);
        // An FQDN is not allowed in NAT-OA (RFC 3947 5.2).
        assert!(NatOaRepr::parse(&[2, 0, 0, 0, b'a']).is_err());
    }

    proptest! {
        #[test]
        fn roundtrip(i in id(), n in nat_oa()) {
            let mut buf = vec![0u8; i.buffer_len()];
            i.emit(&mut buf).unwrap();
            prop_assert_eq!(IdRepr::parse(&buf).unwrap(), i);
            let mut buf = vec![0u8; n.buffer_len()];
            n.emit(&mut buf).unwrap();
            prop_assert_eq!(NatOaRepr::parse(&buf).unwrap(), n);
        }
    }
}
