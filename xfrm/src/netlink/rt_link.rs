//! Links and addresses over rtnetlink 0.24: xfrm interfaces (`LinkXfrm`), VTI (`LinkVti`,
//! `LinkVti6`), dummy devices; up/down and MTU; interface addresses; and their dumps.
//!
//! Async helpers used by the netlink worker thread. Errors keep the kernel's errno and
//! extended-ack text. Nothing here touches XFRM state or policies.

use std::collections::HashMap;
use std::net::IpAddr;

use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{
    InfoData, InfoKind, InfoVti, InfoXfrm, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use rtnetlink::{
    Handle, LinkBridge, LinkDummy, LinkMessageBuilder, LinkUnspec, LinkVti, LinkVti6, LinkXfrm,
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

/// RTM_SETLINK: up/down and MTU.
pub(crate) async fn set_link(
    h: &Handle,
    name: &str,
    up: bool,
    mtu: Option<u32>,
) -> Result<(), NlError> {
    let idx = link_index(h, name).await?;
    let b = LinkUnspec::new_with_index(idx);
    let b = if up { b.up() } else { b.down() };
    let b = match mtu {
        Some(m) => b.mtu(m),
        None => b,
    };
    h.link().set(b.build()).execute().await.map_err(rt_err)
}

/// RTM_DELLINK.
pub(crate) async fn del_link(h: &Handle, name: &str) -> Result<(), NlError> {
    let idx = link_index(h, name).await?;
    h.link().del(idx).execute().await.map_err(rt_err)
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

/// RTM_DELADDR (EADDRNOTAVAIL if the address is not on the link).
pub(crate) async fn del_address(h: &Handle, a: &Address) -> Result<(), NlError> {
    let idx = link_index(h, &a.link).await?;
    let msgs: Vec<AddressMessage> = h
        .address()
        .get()
        .set_link_index_filter(idx)
        .execute()
        .try_collect()
        .await
        .map_err(rt_err)?;
    let found = msgs
        .into_iter()
        .find(|m| m.header.index == idx && address_from(m) == Some(a.local));
    match found {
        Some(m) => h.address().del(m).execute().await.map_err(rt_err),
        None => Err(NlError::errno(Errno(99))),
    }
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
