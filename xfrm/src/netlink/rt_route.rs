//! Routes over rtnetlink 0.24: replace/add/delete with table, metric (`RTA_PRIORITY`),
//! protocol tag, preferred source, single or multipath next hops, blackhole; and the dump.
//!
//! ECMP weights: the model holds the configured weight (1..=256, what `ip route` prints);
//! the kernel's `rtnh_hops` is weight - 1. Async helpers for the netlink worker; nothing here
//! touches XFRM.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::{Handle, RouteMessageBuilder, RouteNextHopBuilder};

use super::rt_link::{link_index, rt_err};
use super::NlError;
use crate::error::Errno;
use crate::net::{NextHop, NextHops, Route, RouteId};

fn bad(e: impl std::fmt::Display) -> NlError {
    NlError::errno(Errno::EINVAL).with(e.to_string())
}

fn base(dst: &IpNet, table: u32, metric: u32) -> Result<RouteMessageBuilder<IpAddr>, NlError> {
    Ok(RouteMessageBuilder::<IpAddr>::new()
        .destination_prefix(dst.addr(), dst.prefix_len())
        .map_err(bad)?
        .table_id(table)
        .priority(metric))
}

/// Interface indexes of the links a route names, resolved through the kernel.
async fn indexes(h: &Handle, r: &Route) -> Result<HashMap<String, u32>, NlError> {
    let mut out = HashMap::new();
    let devs: Vec<&String> = match &r.nexthops {
        NextHops::Dev { dev, .. } => vec![dev],
        NextHops::Multipath(hops) => hops.iter().map(|n| &n.dev).collect(),
        NextHops::Blackhole => Vec::new(),
    };
    for d in devs {
        if !out.contains_key(d) {
            out.insert(d.clone(), link_index(h, d).await?);
        }
    }
    Ok(out)
}

/// The RTM_NEWROUTE body for `r`, link names resolved by `index` (ENODEV when it has none).
pub(crate) fn route_message(
    r: &Route,
    index: &dyn Fn(&str) -> Option<u32>,
) -> Result<RouteMessage, NlError> {
    let idx = |d: &str| index(d).ok_or_else(|| NlError::errno(Errno::ENODEV));
    let mut b = base(&r.dst, r.table, r.metric)?.protocol(RouteProtocol::from(r.protocol));
    if let Some(src) = r.pref_src {
        b.get_mut()
            .attributes
            .push(RouteAttribute::PrefSource(src.into()));
    }
    let family = if r.dst.addr().is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let b = match &r.nexthops {
        NextHops::Dev { dev, via } => {
            let b = b.output_interface(idx(dev)?);
            match via {
                Some(g) => b.gateway(*g).map_err(bad)?,
                // A device route without gateway is on-link: scope link, as `ip route add
                // PREFIX dev DEV` sends it (rtnetlink's builder leaves scope universe).
                None => b.scope(RouteScope::Link),
            }
        }
        NextHops::Multipath(hops) => {
            let mut out = Vec::with_capacity(hops.len());
            for n in hops {
                // Kernel weight = configured weight - 1 (rtnh_hops).
                let w = u8::try_from(n.weight.clamp(1, 256) - 1).unwrap_or(u8::MAX);
                let nb = RouteNextHopBuilder::new(family).interface(idx(&n.dev)?);
                let nb = match n.via {
                    Some(g) => nb.via(g).map_err(bad)?,
                    None => nb,
                };
                out.push(nb.weight(w).build());
            }
            b.multipath(out)
        }
        NextHops::Blackhole => b.kind(RouteType::BlackHole),
    };
    Ok(b.build())
}

async fn build(h: &Handle, r: &Route) -> Result<RouteMessage, NlError> {
    let idx = indexes(h, r).await?;
    route_message(r, &|d| idx.get(d).copied())
}

/// The RTM_DELROUTE body for `id`.
pub(crate) fn del_route_message(id: &RouteId) -> Result<RouteMessage, NlError> {
    Ok(base(&id.dst, id.table, id.metric)?
        .protocol(RouteProtocol::Unspec)
        .scope(RouteScope::NoWhere)
        .kind(RouteType::Unspec)
        .build())
}

/// RTM_NEWROUTE with NLM_F_REPLACE (`replace = true`) or NLM_F_EXCL.
pub(crate) async fn put_route(h: &Handle, r: &Route, replace: bool) -> Result<(), NlError> {
    let msg = build(h, r).await?;
    let req = h.route().add(msg);
    let req = if replace { req.replace() } else { req };
    req.execute().await.map_err(rt_err)
}

/// RTM_DELROUTE by prefix, table and metric (any protocol, type and scope, like `ip route
/// del`; for IPv6 this removes all members of a multipath route).
pub(crate) async fn del_route(h: &Handle, id: &RouteId) -> Result<(), NlError> {
    h.route()
        .del(del_route_message(id)?)
        .execute()
        .await
        .map_err(rt_err)
}

fn ip_of(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

fn route_from(m: &RouteMessage, names: &HashMap<u32, String>) -> Option<Route> {
    let v4 = match m.header.address_family {
        AddressFamily::Inet => true,
        AddressFamily::Inet6 => false,
        _ => return None,
    };
    let blackhole = match m.header.kind {
        RouteType::Unicast => false,
        RouteType::BlackHole => true,
        _ => return None, // local, broadcast, multicast, ...: never ours
    };
    let (mut dst, mut table, mut metric) = (None, u32::from(m.header.table), 0);
    let (mut oif, mut via, mut pref_src, mut multi) = (None, None, None, None);
    for a in &m.attributes {
        match a {
            RouteAttribute::Destination(d) => dst = ip_of(d),
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Priority(p) => metric = *p,
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::Gateway(g) => via = ip_of(g),
            RouteAttribute::PrefSource(s) => pref_src = ip_of(s),
            RouteAttribute::MultiPath(hops) => multi = Some(hops),
            _ => {}
        }
    }
    let unspec = if v4 {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    };
    let dst = IpNet::new(dst.unwrap_or(unspec), m.header.destination_prefix_length).ok()?;
    let nexthops = if blackhole {
        NextHops::Blackhole
    } else if let Some(hops) = multi {
        let mut out = Vec::with_capacity(hops.len());
        for n in hops {
            out.push(NextHop {
                dev: names.get(&n.interface_index)?.clone(),
                via: n.attributes.iter().find_map(|a| match a {
                    RouteAttribute::Gateway(g) => ip_of(g),
                    _ => None,
                }),
                weight: u16::from(n.hops) + 1,
            });
        }
        NextHops::Multipath(out)
    } else {
        NextHops::Dev {
            dev: names.get(&oif?)?.clone(),
            via,
        }
    };
    Some(Route {
        dst,
        table,
        metric,
        protocol: u8::from(m.header.protocol),
        pref_src,
        nexthops,
    })
}

/// IPv4 and IPv6 unicast and blackhole routes of all tables.
pub(crate) async fn dump_routes(
    h: &Handle,
    names: &HashMap<u32, String>,
) -> Result<Vec<Route>, NlError> {
    let mut out = Vec::new();
    let reqs = [
        RouteMessageBuilder::<Ipv4Addr>::new().build(),
        RouteMessageBuilder::<Ipv6Addr>::new().build(),
    ];
    for req in reqs {
        let msgs: Vec<RouteMessage> = h
            .route()
            .get(req)
            .execute()
            .try_collect()
            .await
            .map_err(rt_err)?;
        out.extend(msgs.iter().filter_map(|m| route_from(m, names)));
    }
    Ok(out)
}
