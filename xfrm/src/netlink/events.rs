//! Decoding of XFRM multicast messages into `KernelEvent`s.
//!
//! ACQUIRE, EXPIRE, MAPPING and POLEXPIRE become events; a netlink overrun becomes
//! `KernelEvent::Overflow` (the caller must re-read state). Anything else, including
//! undecodable messages, is ignored. netlink-packet-xfrm 0.5 drops the attributes of EXPIRE
//! and MAPPING messages, so their `SaId`s carry no mark: match them on dst/SPI/proto.
//! Pure functions: no sockets here.

use std::net::SocketAddr;

use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_xfrm::{XfrmAttrs, XfrmMessage};

use super::wire::Wire;
use super::xfrm_codec::sel_from_nl;
use super::xfrm_codec_policy::{dir_from, policy_from_nl};
use crate::model::{Mark, Proto, SaId};
use crate::ops::KernelEvent;

fn addr(a: &netlink_packet_xfrm::Address, family: u16) -> Option<std::net::IpAddr> {
    match family {
        netlink_packet_xfrm::AF_INET => Some(a.to_ipv4().into()),
        netlink_packet_xfrm::AF_INET6 => Some(a.to_ipv6().into()),
        _ => None,
    }
}

fn sa_id(
    daddr: &netlink_packet_xfrm::Address,
    family: u16,
    spi: u32,
    proto: u8,
    mark: Option<Mark>,
) -> Option<SaId> {
    Some(SaId {
        dst: addr(daddr, family)?,
        spi,
        proto: Proto::from_number(proto)?,
        mark,
    })
}

/// Maps one message from the event socket.
pub(crate) fn event_from(msg: &NetlinkMessage<Wire>) -> Option<KernelEvent> {
    let x = match &msg.payload {
        NetlinkPayload::Overrun(_) => return Some(KernelEvent::Overflow),
        NetlinkPayload::InnerMessage(Wire::Msg(x)) => x,
        _ => return None,
    };
    match x {
        XfrmMessage::Acquire(m) => {
            let a = &m.acquire;
            let mut tmpls: &[netlink_packet_xfrm::UserTemplate] = &[];
            let mut if_id = None;
            for n in &m.nlas {
                match n {
                    XfrmAttrs::Template(ts) => tmpls = ts,
                    XfrmAttrs::IfId(i) => if_id = Some(*i),
                    _ => {}
                }
            }
            // The template that triggered (same outer destination) gives reqid and family.
            let tmpl = tmpls
                .iter()
                .find(|t| t.id.daddr == a.id.daddr)
                .or(tmpls.first());
            let outer = tmpl.map_or(a.selector.family, |t| t.family);
            Some(KernelEvent::Acquire {
                src: addr(&a.saddr, outer)?,
                dst: addr(&a.id.daddr, outer)?,
                proto: Proto::from_number(a.id.proto),
                reqid: tmpl.map(|t| t.reqid),
                selector: sel_from_nl(&a.selector)?,
                dir: dir_from(a.policy.direction),
                policy_index: a.policy.index,
                if_id,
                seq: a.seq,
            })
        }
        XfrmMessage::Expire(m) => {
            let s = &m.expire.state;
            Some(KernelEvent::Expire {
                id: sa_id(&s.id.daddr, s.family, s.id.spi, s.id.proto, None)?,
                reqid: s.reqid,
                hard: m.expire.hard != 0,
            })
        }
        XfrmMessage::Mapping(m) => {
            let p = &m.map;
            let id = sa_id(&p.id.daddr, p.id.family, p.id.spi, p.id.proto, None)?;
            Some(KernelEvent::Mapping {
                id,
                reqid: p.reqid,
                old: SocketAddr::new(addr(&p.old_saddr, p.id.family)?, p.old_sport),
                new: SocketAddr::new(addr(&p.new_saddr, p.id.family)?, p.new_sport),
            })
        }
        XfrmMessage::PolicyExpire(m) => {
            let p = policy_from_nl(&m.expire.pol, &m.nlas)?;
            Some(KernelEvent::PolicyExpire {
                id: p.id(),
                hard: m.expire.hard != 0,
            })
        }
        _ => None,
    }
}
