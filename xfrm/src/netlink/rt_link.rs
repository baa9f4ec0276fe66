//! Links and addresses over rtnetlink 0.24: xfrm interfaces (`LinkXfrm`), VTI (`LinkVti`,
//! `LinkVti6`), dummy devices; up/down and MTU; interface addresses; and their dumps.
//!
//! Async helpers used by the netlink worker thread. Errors keep the kernel's errno and
//! extended-ack text. Nothing here touches XFRM state or policies.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{
    InfoData, InfoKind, InfoVti, InfoXfrm, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use rtnetlink::{
    AddressMessageBuilder, Handle, LinkBridge, LinkDummy, LinkMessageBuilder, LinkUnspec, LinkVti,
    LinkVti6, LinkXfrm,
};

use super::NlError;
use crate::error::Errno;
use crate::net::{Address, Link, LinkKind};

/// Converts an rtnetlink error, keeping errno and extended-ack text.
pub(crate) fn rt_err(e: rtnetlink::Error) -> NlError {
    match e {
        rtnetlink::Error::NetlinkError(m) => NlError {
            errno: Errno(m.raw_code().saturating_abs()),
            message: super::wire::ext_ack_message(&m),
        },
        other => NlError {
            errno: Errno::EIO,
            message: Some(other.to_string()),
        },
    }
}

/// Interface index by name (ENODEV if absent).
pub(crate) async fn link_index(h: &Handle, name: &str) -> Result<u32, NlError> {
    let mut s = h.link().get().match_name(name.to_string()).execute();
    match s.try_next().await {
        Ok(Some(m)) => Ok(m.header.index),
        Ok(None) => Err(NlError::errno(Errno::ENODEV)),
        Err(e) => Err(rt_err(e)),
    }
}

/// All links as (index, Link).
pub(crate) async fn dump_links(h: &Handle) -> Result<Vec<(u32, Link)>, NlError> {
    let msgs: Vec<LinkMessage> = h
        .link()
        .get()
        .execute()
        .try_collect()
        .await
        .map_err(rt_err)?;
    let names: HashMap<u32, String> = msgs
        .iter()
        .filter_map(|m| link_name(m).map(|n| (m.header.index, n)))
        .collect();
    Ok(msgs
        .iter()
        .filter_map(|m| {
            let name = names.get(&m.header.index)?.clone();
            Some((m.header.index, link_from(m, name, &names)))
        })
        .collect())
}

fn link_name(m: &LinkMessage) -> Option<String> {
    m.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(n) => Some(n.clone()),
        _ => None,
    })
}

fn link_from(m: &LinkMessage, name: String, names: &HashMap<u32, String>) -> Link {
    let mut mtu = None;
    let mut kind = LinkKind::Other(String::new());
    for a in &m.attributes {
        match a {
            LinkAttribute::Mtu(v) => mtu = Some(*v),
            LinkAttribute::LinkInfo(infos) => kind = kind_from(infos, names),
            _ => {}
        }
    }
    Link {
        name,
        kind,
        mtu,
        up: m.header.flags.contains(LinkFlags::Up),
    }
}

fn kind_from(infos: &[LinkInfo], names: &HashMap<u32, String>) -> LinkKind {
    let mut kind = None;
    let mut data = None;
    for i in infos {
        match i {
            LinkInfo::Kind(k) => kind = Some(k),
            LinkInfo::Data(d) => data = Some(d),
            _ => {}
        }
    }
    match (kind, data) {
        (Some(InfoKind::Xfrm), d) => {
            let (mut dev, mut if_id) = (None, 0);
            if let Some(InfoData::Xfrm(xs)) = d {
                for x in xs {
                    match x {
                        InfoXfrm::Link(i) if *i != 0 => dev = names.get(i).cloned(),
                        InfoXfrm::IfId(i) => if_id = *i,
                        _ => {}
                    }
                }
            }
            LinkKind::Xfrm { dev, if_id }
        }
        (Some(InfoKind::Vti | InfoKind::Vti6), Some(InfoData::Vti(vs))) => {
            let unspec = IpAddr::from([0u8; 4]);
            let (mut local, mut remote, mut ikey, mut okey) = (unspec, unspec, 0, 0);
            for v in vs {
                match v {
                    InfoVti::Local(a) => local = *a,
                    InfoVti::Remote(a) => remote = *a,
                    InfoVti::IKey(k) => ikey = *k,
                    InfoVti::OKey(k) => okey = *k,
                    _ => {}
                }
            }
            LinkKind::Vti {
                local,
                remote,
                ikey,
                okey,
            }
        }
        (Some(InfoKind::Dummy), _) => LinkKind::Dummy,
        (Some(InfoKind::Bridge), _) => LinkKind::Bridge,
        (Some(k), _) => LinkKind::Other(k.to_string()),
        (None, _) => LinkKind::Other(String::new()),
    }
}

fn finish<T>(b: LinkMessageBuilder<T>, l: &Link) -> LinkMessage {
    let b = match l.mtu {
        Some(m) => b.mtu(m),
        None => b,
    };
    if l.up {
        b.up().build()
    } else {
        b.build()
    }
}

/// The RTM_NEWLINK body for `l`; `dev_index` is the index of an xfrm interface's
/// underlying device (resolved by the caller).
pub(crate) fn link_message(l: &Link, dev_index: Option<u32>) -> Result<LinkMessage, NlError> {
    Ok(match &l.kind {
        LinkKind::Xfrm { dev, if_id } => {
            let b = match (dev, dev_index) {
                (Some(_), Some(i)) => LinkXfrm::new(&l.name, i, *if_id),
                (Some(_), None) => return Err(NlError::errno(Errno::ENODEV)),
                (None, _) => LinkMessageBuilder::<LinkXfrm>::new(&l.name).if_id(*if_id),
            };
            finish(b, l)
        }
        LinkKind::Vti {
            local: IpAddr::V4(lo),
            remote: IpAddr::V4(re),
            ikey,
            okey,
        } => finish(
            LinkVti::new(&l.name)
                .local(*lo)
                .remote(*re)
                .ikey(*ikey)
                .okey(*okey),
            l,
        ),
        LinkKind::Vti {
            local: IpAddr::V6(lo),
            remote: IpAddr::V6(re),
            ikey,
            okey,
        } => finish(
            LinkVti6::new(&l.name)
                .local(*lo)
                .remote(*re)
                .ikey(*ikey)
                .okey(*okey),
            l,
        ),
        LinkKind::Vti { .. } => {
            return Err(NlError::errno(Errno::EINVAL).with("VTI local/remote families differ"))
        }
        LinkKind::Dummy => finish(LinkDummy::new(&l.name), l),
        LinkKind::Bridge => finish(LinkMessageBuilder::<LinkBridge>::new(&l.name), l),
        LinkKind::Other(k) => {
            return Err(NlError::errno(Errno::EOPNOTSUPP).with(format!("cannot create kind {k:?}")))
        }
    })
}

/// RTM_NEWLINK (exclusive create).
pub(crate) async fn add_link(h: &Handle, l: &Link) -> Result<(), NlError> {
    let dev_index = match &l.kind {
        LinkKind::Xfrm { dev: Some(d), .. } => Some(link_index(h, d).await?),
        _ => None,
    };
    let msg = link_message(l, dev_index)?;
    h.link().add(msg).execute().await.map_err(rt_err)
}

/// The RTM_SETLINK body: up/down (IFF_UP in flags and change mask) and MTU.
pub(crate) fn set_link_message(index: u32, up: bool, mtu: Option<u32>) -> LinkMessage {
    let b = LinkUnspec::new_with_index(index);
    let b = if up { b.up() } else { b.down() };
    let b = match mtu {
        Some(m) => b.mtu(m),
        None => b,
    };
    b.build()
}

/// The RTM_DELLINK body: the interface index only.
pub(crate) fn del_link_message(index: u32) -> LinkMessage {
    let mut m = LinkMessage::default();
    m.header.index = index;
    m
}

/// The RTM_NEWADDR / RTM_DELADDR body for `a` on interface `index` (IFA_ADDRESS and
/// IFA_LOCAL, plus IFA_BROADCAST for IPv4 prefixes shorter than /31).
pub(crate) fn address_message(index: u32, a: &Address) -> AddressMessage {
    match a.local.addr() {
        IpAddr::V4(v4) => AddressMessageBuilder::<Ipv4Addr>::new()
            .index(index)
            .address(v4, a.local.prefix_len())
            .build(),
        IpAddr::V6(v6) => AddressMessageBuilder::<Ipv6Addr>::new()
            .index(index)
            .address(v6, a.local.prefix_len())
            .build(),
    }
}

/// RTM_SETLINK: up/down and MTU.
pub(crate) async fn set_link(
    h: &Handle,
    name: &str,
    up: bool,
    mtu: Option<u32>,
) -> Result<(), NlError> {
    let idx = link_index(h, name).await?;
    let msg = set_link_message(idx, up, mtu);
    h.link().set(msg).execute().await.map_err(rt_err)
}

/// RTM_DELLINK.
pub(crate) async fn del_link(h: &Handle, name: &str) -> Result<(), NlError> {
    let idx = link_index(h, name).await?;
    let msg = del_link_message(idx);
    h.link()
        .del_with_message(msg)
        .execute()
        .await
        .map_err(rt_err)
}

/// RTM_NEWADDR.
pub(crate) async fn add_address(h: &Handle, a: &Address) -> Result<(), NlError> {
    let idx = link_index(h, &a.link).await?;
    h.address()
        .add(idx, a.local.addr(), a.local.prefix_len())
        .execute()
        .await
        .map_err(rt_err)
}

fn address_from(m: &AddressMessage) -> Option<IpNet> {
    let local = m.attributes.iter().find_map(|a| match a {
        AddressAttribute::Local(ip) => Some(*ip),
        _ => None,
    });
    let addr = m.attributes.iter().find_map(|a| match a {
        AddressAttribute::Address(ip) => Some(*ip),
        _ => None,
    });
    IpNet::new(local.or(addr)?, m.header.prefix_len).ok()
}

/// RTM_DELADDR, the same body as the add (as `ip address del` sends it): the kernel finds
/// the address by interface, IFA_LOCAL and prefix length, and answers EADDRNOTAVAIL if the
/// address is not on the link.
pub(crate) async fn del_address(h: &Handle, a: &Address) -> Result<(), NlError> {
    let idx = link_index(h, &a.link).await?;
    let msg = address_message(idx, a);
    h.address().del(msg).execute().await.map_err(rt_err)
}

/// All interface addresses.
pub(crate) async fn dump_addresses(
    h: &Handle,
    names: &HashMap<u32, String>,
) -> Result<Vec<Address>, NlError> {
    let msgs: Vec<AddressMessage> = h
        .address()
        .get()
        .execute()
        .try_collect()
        .await
        .map_err(rt_err)?;
    Ok(msgs
        .iter()
        .filter_map(|m| {
            Some(Address {
                link: names.get(&m.header.index)?.clone(),
                local: address_from(m)?,
            })
        })
        .collect())
}
