//! The Configuration payload CP (RFC 7296 3.15) and its attributes (3.15.1), with typed
//! accessors for the address attributes. It never assigns addresses.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::wire::v2::registry::{CfgAttributeType, CfgType};
use crate::wire::v2::util::{len16, slice, u16_at, u8_at, Writer};
use crate::wire::{Error, Result};

/// One configuration attribute: R (reserved, ignored), Attribute Type (15 bits), Length, Value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CfgAttribute {
    pub ty: CfgAttributeType,
    /// Empty in a CFG_REQUEST asking for any value.
    pub value: Vec<u8>,
}

impl CfgAttribute {
    /// An attribute carrying an IPv4 address (INTERNAL_IP4_ADDRESS, _DNS, _NETMASK, ...).
    pub fn ipv4(ty: CfgAttributeType, a: Ipv4Addr) -> Self {
        CfgAttribute {
            ty,
            value: a.octets().to_vec(),
        }
    }

    /// The value as an IPv4 address, when it is four octets.
    pub fn as_ipv4(&self) -> Option<Ipv4Addr> {
        <[u8; 4]>::try_from(self.value.as_slice())
            .ok()
            .map(Ipv4Addr::from)
    }

    /// The value as an IPv6 address with prefix length (INTERNAL_IP6_ADDRESS: 17 octets) or
    /// plain address (INTERNAL_IP6_DNS: 16 octets).
    pub fn as_ipv6(&self) -> Option<(Ipv6Addr, Option<u8>)> {
        let a = <[u8; 16]>::try_from(self.value.get(..16)?)
            .ok()
            .map(Ipv6Addr::from)?;
        match self.value.len() {
            16 => Some((a, None)),
            17 => Some((a, self.value.get(16).copied())),
            _ => None,
        }
    }
}

/// The CP payload body: CFG Type, RESERVED (3), Configuration Attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CpPayload {
    pub cfg_type: CfgType,
    pub attributes: Vec<CfgAttribute>,
}

impl CpPayload {
    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let cfg_type = CfgType(u8_at(body, 0, "CP payload")?);
        slice(body, 0, 4, "CP payload")?;
        let mut attributes = Vec::new();
        let mut off = 4;
        while off < body.len() {
            // RFC 7296 3.15.1: "R (Reserved, 1 bit) - This bit MUST be set to zero and MUST be
            // ignored on receipt."
            let ty = CfgAttributeType(u16_at(body, off, "CP attribute")? & 0x7fff);
            let len = u16_at(body, off + 2, "CP attribute")? as usize;
            let value = slice(body, off + 4, len, "CP attribute value")?.to_vec();
            attributes.push(CfgAttribute { ty, value });
            off += 4 + len;
        }
        Ok(CpPayload {
            cfg_type,
            attributes,
        })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        4 + self
            .attributes
            .iter()
            .map(|a| 4 + a.value.len())
            .sum::<usize>()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u8(self.cfg_type.0)?;
        w.put(&[0, 0, 0])?;
        for a in &self.attributes {
            if a.ty.0 & 0x8000 != 0 {
                return Err(Error::Invalid {
                    what: "CP attribute",
                    detail: "type does not fit in 15 bits",
                });
            }
            w.u16(a.ty.0)?;
            w.u16(len16(a.value.len(), "CP attribute value")?)?;
            w.put(&a.value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_and_reply() {
        let req = CpPayload {
            cfg_type: CfgType::CFG_REQUEST,
            attributes: vec![
                CfgAttribute {
                    ty: CfgAttributeType::INTERNAL_IP4_ADDRESS,
                    value: vec![],
                },
                CfgAttribute {
                    ty: CfgAttributeType::INTERNAL_IP4_DNS,
                    value: vec![],
                },
            ],
        };
        let mut b = vec![0u8; req.buffer_len()];
        req.emit(&mut b).unwrap();
        assert_eq!(b, [1, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0]);
        assert_eq!(CpPayload::parse(&b).unwrap(), req);

        let reply = CpPayload {
            cfg_type: CfgType::CFG_REPLY,
            attributes: vec![CfgAttribute::ipv4(
                CfgAttributeType::INTERNAL_IP4_ADDRESS,
                Ipv4Addr::new(10, 9, 0, 2),
            )],
        };
        let mut b = vec![0u8; reply.buffer_len()];
        reply.emit(&mut b).unwrap();
        let back = CpPayload::parse(&b).unwrap();
        assert_eq!(
            back.attributes[0].as_ipv4(),
            Some(Ipv4Addr::new(10, 9, 0, 2))
        );
        // Attribute length past the end.
        b[7] = 5;
        assert!(CpPayload::parse(&b).is_err());
        assert!(CpPayload::parse(&[1, 0, 0, 0, 0, 1, 0]).is_err());
    }

    #[test]
    fn ipv6_attribute() {
        let mut v = Ipv6Addr::LOCALHOST.octets().to_vec();
        v.push(64);
        let a = CfgAttribute {
            ty: CfgAttributeType::INTERNAL_IP6_ADDRESS,
            value: v,
        };
        assert_eq!(a.as_ipv6(), Some((Ipv6Addr::LOCALHOST, Some(64))));
        assert_eq!(a.as_ipv4(), None);
    }
}
