//! The exact request bytes `NetlinkKernel` sends for one operation, for golden tests that
//! compare them with what `ip xfrm` / `ip link` / `ip route` send (xfrm/tests/golden.rs).
//!
//! Built by the same message constructors the backend uses; the header carries the flags the
//! backend (or rtnetlink 0.24's request, for links and routes) sets, with sequence number and
//! port id 0 (netlink-proto fills them in when sending). Interface names are resolved by the
//! caller instead of the kernel. The result holds key bytes: this is for tests, never logs.
//! Nothing here opens a socket.

use netlink_packet_core::{
    NetlinkMessage, NetlinkSerializable, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
    NLM_F_REQUEST,
};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::{rt_link, rt_route, xfrm_client, NlError};
use crate::error::{Errno, Result};
use crate::model::SpiRequest;
use crate::net::LinkKind;
use crate::ops::KernelOp;

fn bytes<T: NetlinkSerializable>(m: &NetlinkMessage<T>) -> Vec<u8> {
    let mut buf = vec![0u8; m.buffer_len()];
    m.serialize(&mut buf);
    buf
}

fn rt(msg: RouteNetlinkMessage, flags: u16) -> Vec<u8> {
    let mut nl = NetlinkMessage::from(msg);
    nl.header.flags = flags;
    nl.finalize();
    bytes(&nl)
}

/// The request for `op`, with link names resolved by `index` (ENODEV for an unknown name).
/// Covers every operation; for those the backend resolves with a kernel lookup first
/// (`SetLink`, `DelLink`, addresses, an xfrm link's device), this is the request sent after
/// the lookup.
#[doc(hidden)]
pub fn encode_request(op: &KernelOp, index: &dyn Fn(&str) -> Option<u32>) -> Result<Vec<u8>> {
    let what = op.to_string();
    let ack = xfrm_client::ACK_FLAGS;
    let idx = |name: &str| index(name).ok_or_else(|| NlError::errno(Errno::ENODEV));
    let r: std::result::Result<Vec<u8>, NlError> = (|| {
        Ok(match op {
            KernelOp::AddSa(sa) => bytes(&xfrm_client::request(
                xfrm_client::sa_message(sa, false)?,
                ack,
            )),
            KernelOp::UpdateSa(sa) => bytes(&xfrm_client::request(
                xfrm_client::sa_message(sa, true)?,
                ack,
            )),
            KernelOp::DelSa(id) => {
                bytes(&xfrm_client::request(xfrm_client::del_sa_message(id), ack))
            }
            KernelOp::AddPolicy(p) => bytes(&xfrm_client::request(
                xfrm_client::policy_message(p, false),
                ack,
            )),
            KernelOp::UpdatePolicy(p) => bytes(&xfrm_client::request(
                xfrm_client::policy_message(p, true),
                ack,
            )),
            KernelOp::DelPolicy(id) => bytes(&xfrm_client::request(
                xfrm_client::del_policy_message(id),
                ack,
            )),
            KernelOp::AddLink(l) => {
                let dev = match &l.kind {
                    LinkKind::Xfrm { dev: Some(d), .. } => {
                        Some(index(d).ok_or_else(|| NlError::errno(Errno::ENODEV))?)
                    }
                    _ => None,
                };
                // rtnetlink's LinkAddRequest flags.
                rt(
                    RouteNetlinkMessage::NewLink(rt_link::link_message(l, dev)?),
                    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                )
            }
            KernelOp::AddRoute(r) | KernelOp::ReplaceRoute(r) => {
                // rtnetlink's RouteAddRequest flags (EXCL, or REPLACE for replace()).
                let mode = if matches!(op, KernelOp::AddRoute(_)) {
                    NLM_F_EXCL
                } else {
                    NLM_F_REPLACE
                };
                rt(
                    RouteNetlinkMessage::NewRoute(rt_route::route_message(r, index)?),
                    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | mode,
                )
            }
            KernelOp::DelRoute(id) => rt(
                RouteNetlinkMessage::DelRoute(rt_route::del_route_message(id)?),
                NLM_F_REQUEST | NLM_F_ACK,
            ),
            KernelOp::SetLink { name, up, mtu } => rt(
                RouteNetlinkMessage::SetLink(rt_link::set_link_message(idx(name)?, *up, *mtu)),
                // rtnetlink's LinkSetRequest flags.
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
            ),
            KernelOp::DelLink(name) => rt(
                RouteNetlinkMessage::DelLink(rt_link::del_link_message(idx(name)?)),
                NLM_F_REQUEST | NLM_F_ACK,
            ),
            KernelOp::AddAddress(a) => rt(
                RouteNetlinkMessage::NewAddress(rt_link::address_message(idx(&a.link)?, a)),
                // rtnetlink's AddressAddRequest flags.
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
            ),
            KernelOp::DelAddress(a) => rt(
                RouteNetlinkMessage::DelAddress(rt_link::address_message(idx(&a.link)?, a)),
                NLM_F_REQUEST | NLM_F_ACK,
            ),
        })
    })();
    r.map_err(|e| e.into_kernel(what))
}

/// The XFRM_MSG_ALLOCSPI request for `req`.
#[doc(hidden)]
pub fn encode_alloc_spi(req: &SpiRequest) -> Vec<u8> {
    bytes(&xfrm_client::request(
        xfrm_client::alloc_spi_message(req),
        xfrm_client::GET_FLAGS,
    ))
}
