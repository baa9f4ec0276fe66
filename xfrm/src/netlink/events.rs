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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use netlink_packet_core::{Emitable, NetlinkHeader};
    use netlink_packet_xfrm::constants::*;
    use netlink_packet_xfrm::{
        Address, ExpireMessage, MappingMessage, UserExpire, UserMapping, UserSaId, UserSaInfo,
    };

    use super::*;

    /// Emits `m`, decodes it like the event socket does, and maps it.
    fn through_wire(m: XfrmMessage) -> Option<KernelEvent> {
        let mut buf = vec![0u8; m.buffer_len()];
        m.emit(&mut buf);
        let w = Wire::decode(m.message_type(), &buf);
        event_from(&NetlinkMessage::new(
            NetlinkHeader::default(),
            NetlinkPayload::InnerMessage(w),
        ))
    }

    #[test]
    fn mapping_carries_old_and_new_peer() {
        let map = UserMapping {
            id: UserSaId {
                daddr: Address::from_ip(&"192.0.2.1".parse().unwrap()),
                spi: 0xc000_0001,
                family: AF_INET,
                proto: IPPROTO_ESP,
            },
            reqid: 9,
            old_saddr: Address::from_ip(&"203.0.113.5".parse().unwrap()),
            new_saddr: Address::from_ip(&"203.0.113.6".parse().unwrap()),
            old_sport: 4500,
            new_sport: 31337,
        };
        let ev = through_wire(XfrmMessage::Mapping(MappingMessage { map }));
        assert_eq!(
            ev,
            Some(KernelEvent::Mapping {
                id: SaId {
                    dst: "192.0.2.1".parse().unwrap(),
                    spi: 0xc000_0001,
                    proto: Proto::Esp,
                    mark: None
                },
                reqid: 9,
                old: "203.0.113.5:4500".parse().unwrap(),
                new: "203.0.113.6:31337".parse().unwrap(),
            })
        );
    }

    #[test]
    fn soft_expire_of_a_v6_sa() {
        let mut state = UserSaInfo::default();
        state.id.daddr = Address::from_ip(&"2001:db8::2".parse().unwrap());
        state.id.spi = 0x1234;
        state.id.proto = IPPROTO_ESP;
        state.family = AF_INET6;
        state.reqid = 77;
        let ev = through_wire(XfrmMessage::Expire(ExpireMessage {
            expire: UserExpire { state, hard: 0 },
        }));
        assert_eq!(
            ev,
            Some(KernelEvent::Expire {
                id: SaId {
                    dst: "2001:db8::2".parse().unwrap(),
                    spi: 0x1234,
                    proto: Proto::Esp,
                    mark: None
                },
                reqid: 77,
                hard: false,
            })
        );
    }

    #[test]
    fn overrun_means_overflow_and_garbage_means_nothing() {
        let over =
            NetlinkMessage::<Wire>::new(NetlinkHeader::default(), NetlinkPayload::Overrun(vec![]));
        assert_eq!(event_from(&over), Some(KernelEvent::Overflow));
        let short = Wire::decode(XFRM_MSG_ACQUIRE, &[1, 2, 3]);
        let msg = NetlinkMessage::new(
            NetlinkHeader::default(),
            NetlinkPayload::InnerMessage(short),
        );
        assert_eq!(event_from(&msg), None);
    }
}
