//! Identities and traffic selectors in IKEv1 form: the configured (IKEv2-typed)
//! [`Identification`](crate::wire::v2::Identification) as a phase 1 ID payload, and traffic
//! selectors as quick mode client IDs (RFC 2407 4.6.2, RFC 2409 5.5).
//!
//! Conversions only; never decides whether an identity is acceptable beyond equality, and
//! never narrows selectors (IKEv1 has no narrowing: the responder takes or refuses).

use crate::wire::v1::{IdRepr, Identification as V1Id};
use crate::wire::v2::{Identification as V2Id, TrafficSelector};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A configured identity as an IKEv1 Identification (None for types IKEv1 cannot carry).
pub fn v1_id(id: &V2Id) -> Option<V1Id> {
    Some(match id {
        V2Id::Ipv4(a) => V1Id::Ipv4(*a),
        V2Id::Ipv6(a) => V1Id::Ipv6(*a),
        V2Id::Fqdn(s) => V1Id::Fqdn(s.as_bytes().to_vec()),
        V2Id::Rfc822(s) => V1Id::UserFqdn(s.as_bytes().to_vec()),
        V2Id::DerAsn1Dn(d) => V1Id::DerAsn1Dn(d.clone()),
        V2Id::KeyId(k) => V1Id::KeyId(k.clone()),
        V2Id::Other { .. } => return None,
    })
}

/// The phase 1 ID payload for `id`. RFC 2407 4.6.2: "During Phase I negotiations, the ID
/// port and protocol fields MUST be set to zero or to UDP port 500"; we send zero.
pub fn phase1_id(id: &V2Id) -> Option<IdRepr> {
    Some(IdRepr {
        protocol_id: 0,
        port: 0,
        id: v1_id(id)?,
    })
}

/// Printable form of a received identity (for logs and failure reasons).
pub fn describe(id: &V1Id) -> String {
    match id {
        V1Id::Ipv4(a) => a.to_string(),
        V1Id::Ipv6(a) => a.to_string(),
        V1Id::Fqdn(b) | V1Id::UserFqdn(b) => String::from_utf8_lossy(b).into_owned(),
        other => format!("{:?}", other.id_type()),
    }
}

fn mask_len_v4(start: Ipv4Addr, end: Ipv4Addr) -> Option<u8> {
    let (s, e) = (u32::from(start), u32::from(end));
    let host = s ^ e;
    // A CIDR block: the differing bits are a run of low ones, start has them clear.
    (host.wrapping_add(1) & host == 0 && s & host == 0)
        .then(|| u8::try_from(host.leading_zeros()).unwrap_or(32))
}

fn mask_len_v6(start: Ipv6Addr, end: Ipv6Addr) -> Option<u8> {
    let (s, e) = (u128::from(start), u128::from(end));
    let host = s ^ e;
    (host.wrapping_add(1) & host == 0 && s & host == 0)
        .then(|| u8::try_from(host.leading_zeros()).unwrap_or(128))
}

/// A traffic selector as a quick mode client ID (IDci/IDcr): a single address, a subnet
/// (address + mask) when the range is a CIDR block, else an address range. Port is the
/// selector's single port, or 0 (any) for a port range (RFC 2407 4.6.2).
pub fn ts_to_id(ts: &TrafficSelector) -> Option<IdRepr> {
    let port_of = |s: u16, e: u16| if s == e { s } else { 0 };
    match *ts {
        TrafficSelector::Ipv4 {
            ip_proto,
            start_port,
            end_port,
            start,
            end,
        } => {
            let id = match mask_len_v4(start, end) {
                Some(32) => V1Id::Ipv4(start),
                Some(len) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                    V1Id::Ipv4Subnet(start, Ipv4Addr::from(mask))
                }
                None => V1Id::Ipv4Range(start, end),
            };
            Some(IdRepr {
                protocol_id: ip_proto,
                port: port_of(start_port, end_port),
                id,
            })
        }
        TrafficSelector::Ipv6 {
            ip_proto,
            start_port,
            end_port,
            start,
            end,
        } => {
            let id = match mask_len_v6(start, end) {
                Some(128) => V1Id::Ipv6(start),
                Some(len) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                    V1Id::Ipv6Subnet(start, Ipv6Addr::from(mask))
                }
                None => V1Id::Ipv6Range(start, end),
            };
            Some(IdRepr {
                protocol_id: ip_proto,
                port: port_of(start_port, end_port),
                id,
            })
        }
        TrafficSelector::Other { .. } => None,
    }
}

/// A quick mode client ID as a traffic selector (None for name IDs, which carry no
/// addresses, and for a mask that is not contiguous).
pub fn id_to_ts(id: &IdRepr) -> Option<TrafficSelector> {
    let (start_port, end_port) = if id.port == 0 {
        (0, u16::MAX)
    } else {
        (id.port, id.port)
    };
    let v4 = |start: Ipv4Addr, end: Ipv4Addr| TrafficSelector::Ipv4 {
        ip_proto: id.protocol_id,
        start_port,
        end_port,
        start,
        end,
    };
    let v6 = |start: Ipv6Addr, end: Ipv6Addr| TrafficSelector::Ipv6 {
        ip_proto: id.protocol_id,
        start_port,
        end_port,
        start,
        end,
    };
    Some(match id.id {
        V1Id::Ipv4(a) => v4(a, a),
        V1Id::Ipv6(a) => v6(a, a),
        V1Id::Ipv4Subnet(a, m) => {
            let m = u32::from(m);
            if m.leading_ones() + m.trailing_zeros() != 32 {
                return None;
            }
            let s = u32::from(a) & m;
            v4(Ipv4Addr::from(s), Ipv4Addr::from(s | !m))
        }
        V1Id::Ipv6Subnet(a, m) => {
            let m = u128::from(m);
            if m.leading_ones() + m.trailing_zeros() != 128 {
                return None;
            }
            let s = u128::from(a) & m;
            v6(Ipv6Addr::from(s), Ipv6Addr::from(s | !m))
        }
        V1Id::Ipv4Range(a, b) if a <= b => v4(a, b),
        V1Id::Ipv6Range(a, b) if a <= b => v6(a, b),
        _ => return None,
    })
}

/// The host selector of an IKE address: what absent client IDs mean (RFC 2409 5.5: "the
/// ISAKMP SA's endpoints are the implied identities").
pub fn host_ts(ip: IpAddr) -> TrafficSelector {
    match ip {
        IpAddr::V4(a) => TrafficSelector::Ipv4 {
            ip_proto: 0,
            start_port: 0,
            end_port: u16::MAX,
            start: a,
            end: a,
        },
        IpAddr::V6(a) => TrafficSelector::Ipv6 {
            ip_proto: 0,
            start_port: 0,
            end_port: u16::MAX,
            start: a,
            end: a,
        },
    }
}

/// Whether selector `inner` lies within `outer` (same family, protocol and port range
/// included, addresses included).
pub fn ts_within(inner: &TrafficSelector, outer: &TrafficSelector) -> bool {
    let ports = |is: u16, ie: u16, os: u16, oe: u16| os <= is && ie <= oe;
    let proto = |i: u8, o: u8| o == 0 || i == o;
    match (inner, outer) {
        (
            TrafficSelector::Ipv4 {
                ip_proto: ip,
                start_port: isp,
                end_port: iep,
                start: is,
                end: ie,
            },
            TrafficSelector::Ipv4 {
                ip_proto: op,
                start_port: osp,
                end_port: oep,
                start: os,
                end: oe,
            },
        ) => proto(*ip, *op) && ports(*isp, *iep, *osp, *oep) && os <= is && ie <= oe,
        (
            TrafficSelector::Ipv6 {
                ip_proto: ip,
                start_port: isp,
                end_port: iep,
                start: is,
                end: ie,
            },
            TrafficSelector::Ipv6 {
                ip_proto: op,
                start_port: osp,
                end_port: oep,
                start: os,
                end: oe,
            },
        ) => proto(*ip, *op) && ports(*isp, *iep, *osp, *oep) && os <= is && ie <= oe,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cidr_ts;

    #[test]
    fn cidr_selectors_become_subnet_ids_and_back() {
        let ts = cidr_ts("10.1.0.0".parse().unwrap(), 16);
        let id = ts_to_id(&ts).unwrap();
        assert_eq!(
            id.id,
            V1Id::Ipv4Subnet("10.1.0.0".parse().unwrap(), "255.255.0.0".parse().unwrap())
        );
        assert_eq!(id_to_ts(&id), Some(ts));
        let any = cidr_ts("0.0.0.0".parse().unwrap(), 0);
        let id = ts_to_id(&any).unwrap();
        assert_eq!(
            id.id,
            V1Id::Ipv4Subnet(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED)
        );
        assert_eq!(id_to_ts(&id), Some(any));
        let host = cidr_ts("10.1.2.3".parse().unwrap(), 32);
        assert_eq!(
            ts_to_id(&host).unwrap().id,
            V1Id::Ipv4("10.1.2.3".parse().unwrap())
        );
        let v6 = cidr_ts("fd00:1::".parse().unwrap(), 64);
        assert_eq!(id_to_ts(&ts_to_id(&v6).unwrap()), Some(v6));
    }

    #[test]
    fn odd_ranges_stay_ranges_and_bad_masks_are_refused() {
        let ts = TrafficSelector::Ipv4 {
            ip_proto: 0,
            start_port: 0,
            end_port: u16::MAX,
            start: "10.0.0.1".parse().unwrap(),
            end: "10.0.0.6".parse().unwrap(),
        };
        let id = ts_to_id(&ts).unwrap();
        assert!(matches!(id.id, V1Id::Ipv4Range(..)));
        assert_eq!(id_to_ts(&id), Some(ts));
        let bad = IdRepr {
            protocol_id: 0,
            port: 0,
            id: V1Id::Ipv4Subnet("10.0.0.0".parse().unwrap(), "255.0.255.0".parse().unwrap()),
        };
        assert_eq!(id_to_ts(&bad), None);
    }

    #[test]
    fn within_checks_addresses_ports_and_protocol() {
        let wide = cidr_ts("10.0.0.0".parse().unwrap(), 8);
        let narrow = cidr_ts("10.1.0.0".parse().unwrap(), 16);
        assert!(ts_within(&narrow, &wide));
        assert!(!ts_within(&wide, &narrow));
        assert!(!ts_within(&cidr_ts("fd00::".parse().unwrap(), 8), &wide));
    }
}
