//! IKE_SA_INIT (RFC 7296 1.2, 2.10, 2.14, 2.23): proposals, KE, nonces, NAT detection,
//! IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383) and SIGNATURE_HASH_ALGORITHMS (RFC 7427), with
//! INVALID_KE_PAYLOAD (1.3 / 2.7) and NO_PROPOSAL_CHOSEN handling.
//!
//! The responder keeps no state for requests it rejects. Nothing here authenticates anyone:
//! the SA stays [`Phase::Half`](crate::v2::ike_sa::Phase) until IKE_AUTH.

use super::{ike_auth, Outcome, Pending};
use crate::config::IkeProposal;
use crate::crypto::kdf::{ike_sa_keys, skeyseed, IkeSuite};
use crate::crypto::natd::natd_v2;
use crate::crypto::{DhGroup, KeyExchange, Secret};
use crate::v2::ike_sa::{Ctx, IkeSa};
use crate::v2::proposal::{accept_ike, choose_ike, describe, describe_ike, first_group, ike_offer};
use crate::v2::protect::SaKeys;
use crate::v2::rules::{error_notify, notify};
use crate::v2::types::{CloseReason, Transmit};
use crate::wire::v2::{
    DhId, ExchangeType, Flags, HashAlgorithm, Header, KePayload, Message, NoncePayload,
    NotifyPayload, NotifyType, Payload,
};
use std::net::SocketAddr;

/// A random, non-zero IKE SPI.
pub fn random_spi(ctx: &Ctx<'_>) -> Option<u64> {
    let b = ctx.provider.random_bytes(8).ok()?;
    let v = u64::from_be_bytes(<[u8; 8]>::try_from(b).ok()?);
    // RFC 7296 3.1: the SPI "MUST NOT be zero".
    (v != 0).then_some(v)
}

/// Our NAT_DETECTION_* notifies and capability notifies for an IKE_SA_INIT message.
fn notifies(ctx: &Ctx<'_>, sa: &IkeSa) -> Vec<Payload> {
    let (i, r) = (sa.spi_i.to_be_bytes(), sa.spi_r.to_be_bytes());
    let src = natd_v2(&i, &r, sa.local.ip(), sa.local.port());
    let dst = natd_v2(&i, &r, sa.remote.ip(), sa.remote.port());
    let mut v = vec![
        Payload::Notify(NotifyPayload::new(
            NotifyType::NAT_DETECTION_SOURCE_IP,
            src.to_vec(),
        )),
        Payload::Notify(NotifyPayload::new(
            NotifyType::NAT_DETECTION_DESTINATION_IP,
            dst.to_vec(),
        )),
    ];
    if ctx.cfg.fragmentation_mtu.is_some() {
        v.push(Payload::Notify(NotifyPayload::new(
            NotifyType::IKEV2_FRAGMENTATION_SUPPORTED,
            vec![],
        )));
    }
    // RFC 7427 4: only hashes we can verify with every key type. SHA2-512 is left out: ring
    // has no ECDSA-P-256/SHA-512 verifier, and libreswan signs with the strongest hash both
    // sides announced.
    v.push(Payload::Notify(NotifyPayload::signature_hash_algorithms(
        &[HashAlgorithm::SHA2_256, HashAlgorithm::SHA2_384],
    )));
    v
}

/// RFC 7296 2.23: compares the peer's NAT_D hashes with what we see. Returns (either side is
/// behind a NAT, we are behind a NAT).
fn nat_detected(sa: &IkeSa, h: &Header, payloads: &[Payload]) -> (bool, bool) {
    let (i, r) = (h.spi_i.to_be_bytes(), h.spi_r.to_be_bytes());
    let src = notify(payloads, NotifyType::NAT_DETECTION_SOURCE_IP);
    let dst = notify(payloads, NotifyType::NAT_DETECTION_DESTINATION_IP);
    let peer = natd_v2(&i, &r, sa.remote.ip(), sa.remote.port());
    let us = natd_v2(&i, &r, sa.local.ip(), sa.local.port());
    let src_ok = src.is_none_or(|n| n.data == peer);
    let dst_ok = dst.is_none_or(|n| n.data == us);
    (!(src_ok && dst_ok), !dst_ok)
}

/// RFC 7383 2.3: fragmentation is used only when both sides announced it.
fn frag_agreed(ctx: &Ctx<'_>, payloads: &[Payload]) -> bool {
    ctx.cfg.fragmentation_mtu.is_some()
        && notify(payloads, NotifyType::IKEV2_FRAGMENTATION_SUPPORTED).is_some()
}

/// Initiator: creates the SA and sends IKE_SA_INIT with a KE in `group` (default: the first
/// proposal's group).
pub fn start(ctx: &mut Ctx<'_>, conn: usize, group: Option<DhGroup>) -> Option<IkeSa> {
    let cfg = ctx.cfg;
    let mut sa = IkeSa::new(conn, cfg, true, ctx.now);
    sa.spi_i = random_spi(ctx)?;
    let group = group.or_else(|| first_group(&cfg.ike_proposals))?;
    let ke = ctx.provider.start_key_exchange(group).ok()?;
    sa.ni = ctx.nonce()?;
    let mut p = vec![
        Payload::Sa(ike_offer(&cfg.ike_proposals, &[])),
        Payload::Ke(KePayload {
            group: DhId(group.id()),
            data: ke.public_value(),
        }),
        Payload::Nonce(NoncePayload {
            nonce: sa.ni.clone(),
        }),
    ];
    p.extend(notifies(ctx, &sa));
    ctx.request(&mut sa, ExchangeType::IKE_SA_INIT, p, Pending::Init { ke })
        .then_some(sa)
}

/// Derives SKEYSEED and SK_* (RFC 7296 2.14).
pub fn derive(prop: &IkeProposal, seed: &Secret, sa: &IkeSa, initiator: bool) -> Option<SaKeys> {
    let suite = IkeSuite {
        encr: prop.encr,
        integ: if prop.encr.is_aead() {
            None
        } else {
            prop.integ
        },
        prf: prop.prf,
    };
    let keys = ike_sa_keys(
        suite,
        seed,
        &sa.ni,
        &sa.nr,
        &sa.spi_i.to_be_bytes(),
        &sa.spi_r.to_be_bytes(),
    )
    .ok()?;
    Some(SaKeys {
        suite,
        keys,
        initiator,
    })
}

pub fn stateless_reply(
    ctx: &mut Ctx<'_>,
    h: &Header,
    local: SocketAddr,
    remote: SocketAddr,
    n: NotifyPayload,
) {
    // RFC 7296 2.6 / 2.21.1: errors to IKE_SA_INIT go back unprotected with SPIr zero.
    let header = Header::v2(h.spi_i, 0, ExchangeType::IKE_SA_INIT, Flags::RESPONSE, 0);
    let msg = Message {
        header,
        payloads: vec![Payload::Notify(n)],
    };
    if let Ok(bytes) = msg.to_vec() {
        ctx.out.transmits.push_back(Transmit {
            local,
            remote,
            bytes,
        });
    }
}

/// Responder: handles a new IKE_SA_INIT request (payload counts already checked).
pub fn respond(
    ctx: &mut Ctx<'_>,
    conn: usize,
    local: SocketAddr,
    remote: SocketAddr,
    msg: &Message,
    bytes: &[u8],
) -> Option<IkeSa> {
    let h = &msg.header;
    let (mut offer, mut ke_p, mut nonce) = (None, None, None);
    for p in &msg.payloads {
        match p {
            Payload::Sa(s) => offer = Some(s),
            Payload::Ke(k) => ke_p = Some(k),
            Payload::Nonce(n) => nonce = Some(n),
            _ => {}
        }
    }
    let (offer, ke_p, nonce) = (offer?, ke_p?, nonce?);
    let cfg = ctx.cfg;
    let Some((prop, reply, _)) = choose_ike(offer, &cfg.ike_proposals, &[]) else {
        ctx.fail(format!(
            "NO_PROPOSAL_CHOSEN: the peer offered IKE {}; we accept IKE {}",
            describe(offer),
            describe_ike(&cfg.ike_proposals)
        ));
        stateless_reply(
            ctx,
            h,
            local,
            remote,
            NotifyPayload::new(NotifyType::NO_PROPOSAL_CHOSEN, vec![]),
        );
        return None;
    };
    if ke_p.group.0 != prop.dh.id() {
        // RFC 7296 1.3: the responder MUST reject a KE of another group than the chosen one
        // with INVALID_KE_PAYLOAD naming the group it wants.
        stateless_reply(
            ctx,
            h,
            local,
            remote,
            NotifyPayload::invalid_ke(DhId(prop.dh.id())),
        );
        return None;
    }
    let mut sa = IkeSa::new(conn, cfg, false, ctx.now);
    sa.local = local;
    sa.remote = remote;
    sa.spi_i = h.spi_i;
    sa.spi_r = random_spi(ctx)?;
    let ke = ctx.provider.start_key_exchange(prop.dh).ok()?;
    let public = ke.public_value();
    let g_ir = ke.complete(&ke_p.data).ok()?;
    sa.ni = nonce.nonce.clone();
    sa.nr = ctx.nonce()?;
    let seed = skeyseed(prop.prf, &sa.ni, &sa.nr, &g_ir);
    sa.keys = Some(derive(&prop, &seed, &sa, false)?);
    sa.prop = Some(prop);
    (sa.nat_detected, sa.nat_local) = nat_detected(&sa, h, &msg.payloads);
    sa.peer_fragmentation = frag_agreed(ctx, &msg.payloads);
    sa.init_req = bytes.to_vec();
    sa.half_open_deadline = Some(ctx.now + crate::v2::retransmit::total(&cfg.retransmit));
    let mut p = vec![
        Payload::Sa(reply),
        Payload::Ke(KePayload {
            group: DhId(prop.dh.id()),
            data: public,
        }),
        Payload::Nonce(NoncePayload {
            nonce: sa.nr.clone(),
        }),
    ];
    p.extend(notifies(ctx, &sa));
    // RFC 7296 1.2: HDR, SAr1, KEr, Nr, [CERTREQ] when we authenticate with certificates.
    p.extend(crate::v2::auth_sig::init_certreq(cfg.cert.as_ref()));
    ctx.respond(&mut sa, ExchangeType::IKE_SA_INIT, h.message_id, p);
    Some(sa)
}

/// Initiator: handles the IKE_SA_INIT response and starts IKE_AUTH.
pub fn handle_response(
    ctx: &mut Ctx<'_>,
    sa: &mut IkeSa,
    msg: &Message,
    bytes: &[u8],
    ke: Box<dyn KeyExchange>,
) -> Outcome {
    let cfg = ctx.cfg;
    if let Some(n) = notify(&msg.payloads, NotifyType::COOKIE) {
        return resend_with_cookie(ctx, sa, n.data.clone(), ke);
    }
    if let Some(n) = notify(&msg.payloads, NotifyType::INVALID_KE_PAYLOAD) {
        let g = n
            .invalid_ke_group()
            .ok()
            .and_then(|g| DhGroup::from_id(g.0));
        match g {
            // RFC 7296 1.3: retry with the group the responder asked for, if we offered it.
            Some(g) if g != ke.group() && cfg.ike_proposals.iter().any(|p| p.dh == g) => {
                return Outcome::RetryWithGroup(g)
            }
            _ => {
                ctx.fail("INVALID_KE_PAYLOAD names a group we did not offer".into());
                return Outcome::Close(CloseReason::Failed);
            }
        }
    }
    if let Some(e) = error_notify(&msg.payloads) {
        let name = e.name().unwrap_or("an unknown error notify");
        if e == NotifyType::NO_PROPOSAL_CHOSEN {
            ctx.fail(format!(
                "NO_PROPOSAL_CHOSEN: the peer accepts none of our IKE proposals; we offered IKE {}",
                describe_ike(&cfg.ike_proposals)
            ));
        } else {
            ctx.fail(format!("peer answered IKE_SA_INIT with {name}"));
        }
        return Outcome::Close(CloseReason::Failed);
    }
    let (mut reply, mut ke_p, mut nonce) = (None, None, None);
    for p in &msg.payloads {
        match p {
            Payload::Sa(s) => reply = Some(s),
            Payload::Ke(k) => ke_p = Some(k),
            Payload::Nonce(n) => nonce = Some(n),
            _ => {}
        }
    }
    let (Some(reply), Some(ke_p), Some(nonce)) = (reply, ke_p, nonce) else {
        return Outcome::Close(CloseReason::Failed);
    };
    let Some((prop, _)) = accept_ike(reply, &cfg.ike_proposals) else {
        ctx.fail(format!(
            "responder chose IKE {}, which is not among what we offered: {}",
            describe(reply),
            describe_ike(&cfg.ike_proposals)
        ));
        return Outcome::Close(CloseReason::Failed);
    };
    if prop.dh != ke.group() || ke_p.group.0 != prop.dh.id() || msg.header.spi_r == 0 {
        ctx.fail("responder's KE group does not match the chosen proposal".into());
        return Outcome::Close(CloseReason::Failed);
    }
    let Ok(g_ir) = ke.complete(&ke_p.data) else {
        ctx.fail("responder's KE public value is invalid".into());
        return Outcome::Close(CloseReason::Failed);
    };
    sa.spi_r = msg.header.spi_r;
    sa.nr = nonce.nonce.clone();
    let seed = skeyseed(prop.prf, &sa.ni, &sa.nr, &g_ir);
    let Some(keys) = derive(&prop, &seed, sa, true) else {
        return Outcome::Close(CloseReason::Failed);
    };
    sa.keys = Some(keys);
    sa.prop = Some(prop);
    (sa.nat_detected, sa.nat_local) = nat_detected(sa, &msg.header, &msg.payloads);
    sa.peer_fragmentation = frag_agreed(ctx, &msg.payloads);
    if sa.nat_detected && sa.local.port() == 500 {
        // RFC 7296 2.23 / RFC 3948: behind a NAT the initiator continues on port 4500 (the
        // daemon adds the non-ESP marker there).
        sa.local.set_port(4500);
        sa.remote.set_port(4500);
    }
    sa.init_resp = bytes.to_vec();
    ike_auth::start(ctx, sa)
}

/// RFC 7296 2.6: repeat IKE_SA_INIT with the responder's COOKIE as first payload (same SPIi,
/// nonce and KE). A second COOKIE equal to the one just sent ends the attempt.
fn resend_with_cookie(
    ctx: &mut Ctx<'_>,
    sa: &mut IkeSa,
    cookie: Vec<u8>,
    ke: Box<dyn KeyExchange>,
) -> Outcome {
    let Ok(prev) = Message::parse(&sa.init_req) else {
        return Outcome::Close(CloseReason::Failed);
    };
    let repeated = prev
        .notifies()
        .any(|n| n.ty == NotifyType::COOKIE && n.data == cookie);
    let Ok(n) = NotifyPayload::cookie(cookie) else {
        return Outcome::Close(CloseReason::Failed);
    };
    if repeated {
        ctx.fail("responder keeps answering with COOKIE".into());
        return Outcome::Close(CloseReason::Failed);
    }
    let mut p: Vec<Payload> = prev
        .payloads
        .into_iter()
        .filter(|p| !matches!(p, Payload::Notify(n) if n.ty == NotifyType::COOKIE))
        .collect();
    p.insert(0, Payload::Notify(n));
    sa.next_msg_id = 0;
    if ctx.request(sa, ExchangeType::IKE_SA_INIT, p, Pending::Init { ke }) {
        Outcome::Keep
    } else {
        Outcome::Close(CloseReason::Failed)
    }
}
