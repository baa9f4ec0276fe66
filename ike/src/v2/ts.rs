//! Traffic selector narrowing (RFC 7296 2.9): the responder intersects each proposed selector
//! with its configured ones and answers with the non-empty intersections, or TS_UNACCEPTABLE
//! when none remain.
//!
//! Pure set arithmetic over address ranges, protocols and port ranges; never consults state.

use crate::wire::v2::TrafficSelector;

/// A selector as numeric ranges (IPv4 addresses widened to u128, tagged by family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    v6: bool,
    proto: u8,
    ports: (u16, u16),
    addrs: (u128, u128),
}

fn to_range(ts: &TrafficSelector) -> Option<Range> {
    match ts {
        TrafficSelector::Ipv4 {
            ip_proto,
            start_port,
            end_port,
            start,
            end,
        } => Some(Range {
            v6: false,
            proto: *ip_proto,
            ports: (*start_port, *end_port),
            addrs: (u128::from(u32::from(*start)), u128::from(u32::from(*end))),
        }),
        TrafficSelector::Ipv6 {
            ip_proto,
            start_port,
            end_port,
            start,
            end,
        } => Some(Range {
            v6: true,
            proto: *ip_proto,
            ports: (*start_port, *end_port),
            addrs: (u128::from(*start), u128::from(*end)),
        }),
        TrafficSelector::Other { .. } => None,
    }
}

fn from_range(r: Range) -> TrafficSelector {
    if r.v6 {
        TrafficSelector::Ipv6 {
            ip_proto: r.proto,
            start_port: r.ports.0,
            end_port: r.ports.1,
            start: r.addrs.0.into(),
            end: r.addrs.1.into(),
        }
    } else {
        let v4 = |x: u128| u32::try_from(x).unwrap_or(u32::MAX).into();
        TrafficSelector::Ipv4 {
            ip_proto: r.proto,
            start_port: r.ports.0,
            end_port: r.ports.1,
            start: v4(r.addrs.0),
            end: v4(r.addrs.1),
        }
    }
}

fn intersect(a: Range, b: Range) -> Option<Range> {
    if a.v6 != b.v6 {
        return None;
    }
    let proto = match (a.proto, b.proto) {
        (0, p) | (p, 0) => p,
        (p, q) if p == q => p,
        _ => return None,
    };
    let ports = (a.ports.0.max(b.ports.0), a.ports.1.min(b.ports.1));
    let addrs = (a.addrs.0.max(b.addrs.0), a.addrs.1.min(b.addrs.1));
    (ports.0 <= ports.1 && addrs.0 <= addrs.1).then_some(Range {
        v6: a.v6,
        proto,
        ports,
        addrs,
    })
}

/// Narrow `proposed` to `allowed`: every non-empty pairwise intersection, deduplicated, in
/// the proposer's order. Empty result means TS_UNACCEPTABLE.
pub fn narrow(proposed: &[TrafficSelector], allowed: &[TrafficSelector]) -> Vec<TrafficSelector> {
    let mut out: Vec<TrafficSelector> = Vec::new();
    for p in proposed.iter().filter_map(to_range) {
        for a in allowed.iter().filter_map(to_range) {
            if let Some(r) = intersect(p, a) {
                let ts = from_range(r);
                if !out.contains(&ts) {
                    out.push(ts);
                }
            }
        }
    }
    out
}

/// True when every selector of `got` lies within some selector of `offered` (the initiator's
/// check of the responder's narrowed answer).
pub fn is_subset(got: &[TrafficSelector], offered: &[TrafficSelector]) -> bool {
    !got.is_empty()
        && got.iter().all(|g| {
            to_range(g).is_some_and(|g| {
                offered
                    .iter()
                    .filter_map(to_range)
                    .any(|o| intersect(g, o) == Some(g))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{any_ts, cidr_ts};

    #[test]
    fn narrows_to_intersection_and_rejects_disjoint() {
        let any = any_ts("0.0.0.0".parse().unwrap());
        let net = cidr_ts("10.1.0.0".parse().unwrap(), 16);
        assert_eq!(
            narrow(std::slice::from_ref(&any), std::slice::from_ref(&net)),
            vec![net.clone()]
        );
        let other = cidr_ts("192.168.0.0".parse().unwrap(), 24);
        assert!(narrow(&[other], std::slice::from_ref(&net)).is_empty());
        let v6 = any_ts("::".parse().unwrap());
        assert!(narrow(&[v6], std::slice::from_ref(&net)).is_empty());
        assert!(is_subset(std::slice::from_ref(&net), &[any]));
    }
}
