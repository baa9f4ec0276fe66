//! The Traffic Selector payloads TSi / TSr (RFC 7296 3.13).
//!
//! IPv4 and IPv6 address ranges are typed; other selector types (TS_FC_ADDR_RANGE,
//! TS_SECLABEL, unknown) round-trip as raw bytes. Every Selector Length is checked against
//! the bytes present and the Number of TSs against the selectors found. This module never
//! narrows or compares selectors.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::wire::v2::registry::TsType;
use crate::wire::v2::util::{count8, len16, slice, u16_at, u8_at, Writer};
use crate::wire::{Error, Result};

/// Selector Length of a TS_IPV4_ADDR_RANGE (RFC 7296 3.13.1).
const TS_V4_LEN: usize = 16;
/// Selector Length of a TS_IPV6_ADDR_RANGE (RFC 7296 3.13.1).
const TS_V6_LEN: usize = 40;

/// One traffic selector substructure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrafficSelector {
    /// TS_IPV4_ADDR_RANGE.
    Ipv4 {
        /// IP Protocol ID (0 = any).
        ip_proto: u8,
        start_port: u16,
        end_port: u16,
        start: Ipv4Addr,
        end: Ipv4Addr,
    },
    /// TS_IPV6_ADDR_RANGE.
    Ipv6 {
        ip_proto: u8,
        start_port: u16,
        end_port: u16,
        start: Ipv6Addr,
        end: Ipv6Addr,
    },
    /// Any other TS Type: the second octet and the bytes after the 4-octet selector header.
    Other {
        ty: TsType,
        octet1: u8,
        data: Vec<u8>,
    },
}

impl TrafficSelector {
    /// The TS Type.
    pub fn ts_type(&self) -> TsType {
        match self {
            Self::Ipv4 { .. } => TsType::TS_IPV4_ADDR_RANGE,
            Self::Ipv6 { .. } => TsType::TS_IPV6_ADDR_RANGE,
            Self::Other { ty, .. } => *ty,
        }
    }

    /// Selector Length.
    pub fn buffer_len(&self) -> usize {
        match self {
            Self::Ipv4 { .. } => TS_V4_LEN,
            Self::Ipv6 { .. } => TS_V6_LEN,
            Self::Other { data, .. } => 4 + data.len(),
        }
    }

    /// Parses one selector from the front of `buf`, returning it and its length.
    fn parse(buf: &[u8]) -> Result<(Self, usize)> {
        let ty = TsType(u8_at(buf, 0, "traffic selector")?);
        let octet1 = u8_at(buf, 1, "traffic selector")?;
        let len = u16_at(buf, 2, "traffic selector")? as usize;
        if len < 4 {
            return Err(Error::BadLength {
                what: "traffic selector",
                length: len,
            });
        }
        let sel = slice(buf, 0, len, "traffic selector")?;
        let exact = |n: usize| -> Result<()> {
            // RFC 7296 3.13.1: the Selector Length is fixed for the address range types.
            if len == n {
                Ok(())
            } else {
                Err(Error::BadLength {
                    what: "traffic selector",
                    length: len,
                })
            }
        };
        let ts = match ty {
            TsType::TS_IPV4_ADDR_RANGE => {
                exact(TS_V4_LEN)?;
                let a = |o: usize| Ipv4Addr::new(sel[o], sel[o + 1], sel[o + 2], sel[o + 3]);
                Self::Ipv4 {
                    ip_proto: octet1,
                    start_port: u16_at(sel, 4, "traffic selector")?,
                    end_port: u16_at(sel, 6, "traffic selector")?,
                    start: a(8),
                    end: a(12),
                }
            }
            TsType::TS_IPV6_ADDR_RANGE => {
                exact(TS_V6_LEN)?;
                let a = |o: usize| {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(&sel[o..o + 16]);
                    Ipv6Addr::from(b)
                };
                Self::Ipv6 {
                    ip_proto: octet1,
                    start_port: u16_at(sel, 4, "traffic selector")?,
                    end_port: u16_at(sel, 6, "traffic selector")?,
                    start: a(8),
                    end: a(24),
                }
            }
            ty => Self::Other {
                ty,
                octet1,
                data: sel.get(4..).unwrap_or_default().to_vec(),
            },
        };
        Ok((ts, len))
    }

    fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u8(self.ts_type().0)?;
        match self {
            Self::Ipv4 {
                ip_proto,
                start_port,
                end_port,
                start,
                end,
            } => {
                w.u8(*ip_proto)?;
                w.u16(TS_V4_LEN as u16)?;
                w.u16(*start_port)?;
                w.u16(*end_port)?;
                w.put(&start.octets())?;
                w.put(&end.octets())
            }
            Self::Ipv6 {
                ip_proto,
                start_port,
                end_port,
                start,
                end,
            } => {
                w.u8(*ip_proto)?;
                w.u16(TS_V6_LEN as u16)?;
                w.u16(*start_port)?;
                w.u16(*end_port)?;
                w.put(&start.octets())?;
                w.put(&end.octets())
            }
            Self::Other { ty, octet1, data } => {
                if matches!(*ty, TsType::TS_IPV4_ADDR_RANGE | TsType::TS_IPV6_ADDR_RANGE) {
                    return Err(Error::Invalid {
                        what: "traffic selector",
                        detail: "Other used for an address range type",
                    });
                }
                w.u8(*octet1)?;
                w.u16(len16(4 + data.len(), "traffic selector")?)?;
                w.put(data)
            }
        }
    }
}

/// The TSi / TSr payload body: Number of TSs, RESERVED (3), Traffic Selectors.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TsPayload {
    pub selectors: Vec<TrafficSelector>,
}

impl TsPayload {
    /// Parses the body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let count = u8_at(body, 0, "TS payload")? as usize;
        slice(body, 0, 4, "TS payload")?;
        let mut selectors = Vec::new();
        let mut off = 4;
        while off < body.len() {
            let (ts, n) = TrafficSelector::parse(body.get(off..).unwrap_or_default())?;
            selectors.push(ts);
            off += n;
        }
        if selectors.len() != count {
            return Err(Error::Invalid {
                what: "TS payload",
                detail: "Number of TSs does not match the selectors present",
            });
        }
        Ok(TsPayload { selectors })
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        4 + self
            .selectors
            .iter()
            .map(TrafficSelector::buffer_len)
            .sum::<usize>()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        let count = count8(self.selectors.len(), "TS payload")?;
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u8(count)?;
        w.put(&[0, 0, 0])?;
        self.selectors.iter().try_for_each(|s| s.emit(&mut w))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn v4_any() -> TrafficSelector {
        TrafficSelector::Ipv4 {
            ip_proto: 0,
            start_port: 0,
            end_port: 65535,
            start: Ipv4Addr::new(10, 0, 0, 0),
            end: Ipv4Addr::new(10, 0, 0, 255),
        }
    }

    #[test]
    fn layout_and_round_trip() {
        let ts = TsPayload {
            selectors: vec![
                v4_any(),
                TrafficSelector::Ipv6 {
                    ip_proto: 17,
                    start_port: 500,
                    end_port: 500,
                    start: Ipv6Addr::UNSPECIFIED,
                    end: Ipv6Addr::LOCALHOST,
                },
                TrafficSelector::Other {
                    ty: TsType::TS_SECLABEL,
                    octet1: 0,
                    data: b"system_u".to_vec(),
                },
            ],
        };
        let mut b = vec![0u8; ts.buffer_len()];
        ts.emit(&mut b).unwrap();
        assert_eq!(
            &b[..20],
            &[3, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10, 0, 0, 0, 10, 0, 0, 255]
        );
        assert_eq!(&b[20..24], &[8, 17, 0, 40]);
        assert_eq!(TsPayload::parse(&b).unwrap(), ts);
    }

    #[test]
    fn rejects_bad_lengths_and_counts() {
        let ts = TsPayload {
            selectors: vec![v4_any()],
        };
        let mut b = vec![0u8; ts.buffer_len()];
        ts.emit(&mut b).unwrap();
        let mut bad = b.clone();
        bad[0] = 2;
        assert!(TsPayload::parse(&bad).is_err());
        let mut bad = b.clone();
        bad[7] = 15;
        assert!(TsPayload::parse(&bad).is_err());
        let mut bad = b.clone();
        bad[7] = 3;
        assert!(matches!(
            TsPayload::parse(&bad),
            Err(Error::BadLength { .. })
        ));
        assert!(TsPayload::parse(&b[..19]).is_err());
    }
}
