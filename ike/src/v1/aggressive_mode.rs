//! Aggressive mode (RFC 2409 5, 5.1 signatures, 5.4 pre-shared keys), both roles, only for
//! tunnels that opt in with `aggressive: true` (REQUIREMENTS §18 #12: off by default; HASH_R
//! travels unencrypted, so a listener can attack a pre-shared key offline):
//!
//! ```text
//! 1  I->R  HDR, SA, KE, Ni, IDii [, CR...], VID(NAT-T), VID(DPD)
//! 2  R->I  HDR, SA, KE, Nr, IDir, HASH_R | CERT..., SIG_R, NAT-D, NAT-D [, CR...], VID...
//! 3  I->R  HDR*, HASH_I | CERT..., SIG_I, NAT-D, NAT-D [, N(INITIAL-CONTACT)]
//! ```
//!
//! NAT-D travels in messages 2 and 3 (RFC 3947 3.2); behind a NAT the initiator sends message
//! 3 from port 4500 and its NAT-D hashes the addresses of that datagram. Message 3 is sent
//! encrypted and accepted encrypted or plain (RFC 2409 5 leaves it open). The key exchange,
//! NAT discovery, authentication and the end of phase 1 are main_mode.rs's; this file only
//! orders them. Never installs an ESP SA and never answers a tunnel that did not opt in.

use super::auth_sig;
use super::endpoint::Endpoint;
use super::ids::{describe, phase1_id, v1_id};
use super::isakmp_sa::{IsakmpSa, MmState};
use super::main_mode::{
    detect_nat, find, has_vid, id_body, plain_chain, raw_body, sa_body, undecryptable, vids,
    NATT_PORT,
};
use super::proposal::{p1_accept, p1_choose, p1_offer_aggressive};
use crate::v2::Instant;
use crate::wire::v1::{
    Body, ExchangeType, IdRepr, KnownVendorId, Message, NotifyType, Payload, PayloadType,
};
use std::net::SocketAddr;

/// The ID payload of a phase 1 message and its body bytes (IDii_b / IDir_b of RFC 2409 5).
fn id_of(
    payloads: &[Payload],
    first: PayloadType,
    chain: &[u8],
    which: &str,
) -> Result<(IdRepr, Vec<u8>), Option<String>> {
    let id = find(payloads, |p| match p {
        Payload::Id(i) => Some(i),
        _ => None,
    })
    .ok_or_else(|| Some(format!("{which} has no ID payload")))?;
    let id_b = raw_body(first, chain, PayloadType::ID).ok_or(None)?;
    Ok((id.clone(), id_b))
}

impl Endpoint {
    /// Initiator: aggressive mode message 1 for a tunnel with `aggressive: true`. Returns our
    /// cookie.
    pub(super) fn start_aggressive_mode(&mut self, now: Instant, conn: usize) -> Option<[u8; 8]> {
        let cfg = self.conns.get(conn)?;
        let (tunnel, local, remote) = (cfg.tunnel, cfg.local, cfg.remote);
        let (offer, dh) = p1_offer_aggressive(cfg)?;
        let Some(id) = phase1_id(&cfg.local_id) else {
            self.fail(tunnel, "local_id cannot be sent in IKEv1".into());
            return None;
        };
        let certreq = match cfg.cert.as_ref() {
            Some(c) => auth_sig::certreq_payloads(c),
            None => Vec::new(),
        };
        let cky_i: [u8; 8] = self.random(8)?.try_into().ok()?;
        let mut sa = IsakmpSa::new(conn, tunnel, cky_i, [0; 8], true, local, remote, now);
        sa.state = MmState::AgISent1;
        sa.aggressive = true;
        sa.sai_b = sa_body(&offer)?;
        let ke_nonce = match self.ke_nonce(&mut sa, dh) {
            Ok(p) => p,
            Err(e) => {
                if let Some(reason) = e {
                    self.fail(tunnel, reason);
                }
                return None;
            }
        };
        let mut payloads = vec![Payload::Sa(offer)];
        payloads.extend(ke_nonce);
        payloads.push(Payload::Id(id));
        payloads.extend(certreq);
        payloads.extend(vids(true));
        self.p1_send(
            now,
            &mut sa,
            ExchangeType::AGGRESSIVE,
            payloads,
            false,
            true,
        )
        .ok()?;
        self.sas.insert(cky_i, sa);
        Some(cky_i)
    }

    /// Responder: aggressive mode message 1 for no known SA.
    pub(super) fn aggressive_mode_request(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
        bytes: &[u8],
    ) {
        let Some((conn, payloads)) = self.new_request(local, remote, msg, bytes) else {
            return;
        };
        let Some(cfg) = self.conns.get(conn) else {
            return;
        };
        let tunnel = cfg.tunnel;
        let cky_i = msg.header.initiator_cookie;
        if !cfg.aggressive {
            // REQUIREMENTS §18 #12: aggressive mode only where the operator opted in.
            self.fail(
                tunnel,
                format!(
                    "aggressive mode request from {remote} refused: aggressive mode is not \
                     enabled for this tunnel (aggressive: true accepts it, at the cost of \
                     exposing the pre-shared key hash to offline attack)"
                ),
            );
            self.plain_notify(local, remote, cky_i, NotifyType::INVALID_EXCHANGE_TYPE);
            return;
        }
        let Some(Payload::Sa(offer)) = payloads.first() else {
            return;
        };
        let (suite, reply) = match p1_choose(cfg, offer) {
            Ok(x) => x,
            Err(reason) => {
                self.fail(tunnel, reason);
                self.plain_notify(local, remote, cky_i, NotifyType::NO_PROPOSAL_CHOSEN);
                return;
            }
        };
        let first = msg.header.next_payload;
        let chain = plain_chain(bytes);
        let Some(sai_b) = raw_body(first, chain, PayloadType::SA) else {
            return;
        };
        let peer_id = match id_of(payloads, first, chain, "aggressive mode message 1") {
            Ok(x) => x,
            Err(e) => {
                if let Some(reason) = e {
                    self.fail(tunnel, reason);
                }
                return;
            }
        };
        if let Some(reason) = self.wrong_psk_identity(conn, &peer_id.0) {
            // With a pre-shared key, message 2's HASH_R can be attacked offline: nobody but
            // the configured peer identity gets one.
            self.fail(tunnel, reason);
            self.plain_notify(local, remote, cky_i, NotifyType::INVALID_ID_INFORMATION);
            return;
        }
        let Some(cky_r) = self.random(8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
            return;
        };
        let mut sa = IsakmpSa::new(conn, tunnel, cky_i, cky_r, false, local, remote, now);
        sa.state = MmState::AgRSent2;
        sa.aggressive = true;
        sa.sai_b = sai_b;
        sa.suite = Some(suite);
        sa.peer_natt = has_vid(payloads, KnownVendorId::NatTRfc3947);
        sa.dpd.enabled = has_vid(payloads, KnownVendorId::Dpd);
        sa.peer_id = Some(peer_id);
        match self.aggressive_mode_2(now, &mut sa, payloads, reply) {
            Ok(()) => {
                sa.last_rx = bytes.to_vec();
                self.sas.insert(cky_r, sa);
            }
            Err(Some(reason)) => self.fail(tunnel, reason),
            Err(None) => {}
        }
    }

    /// With a pre-shared key and a configured remote_id: why `id` is not the peer we expect
    /// (None when it is, or when certificates decide the identity at message 3).
    fn wrong_psk_identity(&self, conn: usize, id: &IdRepr) -> Option<String> {
        let cfg = self.conns.get(conn)?;
        let want = cfg.remote_id.as_ref().filter(|_| cfg.cert.is_none())?;
        (v1_id(want).as_ref() != Some(&id.id)).then(|| {
            format!(
                "aggressive mode message 1: peer identity {} does not match remote_id {:?} \
                 (no HASH_R sent)",
                describe(&id.id),
                want
            )
        })
    }

    /// Responder: keys from message 1, then message 2 (retransmitted until message 3 comes).
    fn aggressive_mode_2(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        payloads: &[Payload],
        reply: crate::wire::v1::SaRepr,
    ) -> Result<(), Option<String>> {
        let suite = sa.suite.ok_or(None)?;
        // KE, Nr, NAT-D (the initiator's address first, RFC 3947 3.2) and CR.
        let ke_nonce_natd = self.ke_nonce_natd(sa, suite)?;
        self.take_ke_nonce(sa, payloads)?;
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        let id =
            phase1_id(&cfg.local_id).ok_or(Some("local_id cannot be sent in IKEv1".to_string()))?;
        let idir_b = id_body(&id).ok_or(None)?;
        let hash = sa.phase1_hash(false, &idir_b).ok_or(None)?;
        let mut p = vec![Payload::Sa(reply)];
        let (ke_nonce, natd_cr) = ke_nonce_natd.split_at(ke_nonce_natd.len().min(2));
        p.extend_from_slice(ke_nonce);
        p.push(Payload::Id(id));
        p.extend(self.hash_or_sig(sa, &hash)?);
        p.extend_from_slice(natd_cr);
        p.extend(vids(sa.peer_natt));
        self.p1_send(now, sa, ExchangeType::AGGRESSIVE, p, false, true)
    }

    /// Aggressive mode messages on a known SA.
    pub(super) fn aggressive_mode(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
        bytes: &[u8],
    ) {
        if bytes == sa.last_rx.as_slice() {
            // The responder repeats message 2 when our message 3 was lost: send it again.
            if sa.initiator && sa.is_established() && !sa.last_tx.is_empty() {
                let b = sa.last_tx.clone();
                self.send(sa.local, sa.remote, b);
            }
            return;
        }
        let result = match (sa.state, &msg.body) {
            (MmState::AgISent1, Body::Plain(p)) => self.aggressive_mode_3(now, sa, msg, p, bytes),
            (MmState::AgRSent2, _) => self.aggressive_mode_done(now, sa, local, remote, msg),
            _ => return,
        };
        self.phase1_outcome(now, sa, bytes, result);
    }

    /// Initiator: message 2 (the responder's choice, keys and authentication) → message 3;
    /// phase 1 is established.
    fn aggressive_mode_3(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        msg: &Message,
        payloads: &[Payload],
        bytes: &[u8],
    ) -> Result<(), Option<String>> {
        if let Some(Payload::Notify(n)) = payloads.first() {
            return Err(Some(format!(
                "the peer refused aggressive mode: {:?}",
                n.notify_type
            )));
        }
        let Some(Payload::Sa(reply)) = payloads.first() else {
            return Err(None);
        };
        if msg.header.responder_cookie == [0; 8] {
            return Err(None);
        }
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        let suite = p1_accept(cfg, reply).map_err(Some)?;
        // RFC 2409 5: the group is fixed by the KE of message 1.
        let offered = p1_offer_aggressive(cfg).map(|(_, dh)| dh);
        if offered != Some(suite.dh) {
            return Err(Some(format!(
                "aggressive mode reply chose DH group {:?}, not the group of our KE",
                suite.dh
            )));
        }
        sa.cky_r = msg.header.responder_cookie;
        sa.suite = Some(suite);
        sa.peer_natt = has_vid(payloads, KnownVendorId::NatTRfc3947);
        sa.dpd.enabled = has_vid(payloads, KnownVendorId::Dpd);
        self.take_ke_nonce(sa, payloads)?;
        let which = "aggressive mode message 2";
        let (id, id_b) = id_of(payloads, msg.header.next_payload, plain_chain(bytes), which)?;
        let initial_contact = self.verify_peer(sa, payloads, &id, &id_b, which)?;
        if sa.nat {
            // RFC 3947 4: behind a NAT the initiator moves to port 4500 with message 3.
            sa.local.set_port(NATT_PORT);
            sa.remote.set_port(NATT_PORT);
        }
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        let ours =
            phase1_id(&cfg.local_id).ok_or(Some("local_id cannot be sent in IKEv1".to_string()))?;
        let idii_b = id_body(&ours).ok_or(None)?;
        let hash = sa.phase1_hash(true, &idii_b).ok_or(None)?;
        let mut p = self.hash_or_sig(sa, &hash)?;
        if sa.peer_natt {
            // RFC 3947 3.2: the receiver's address first, then ours, as this datagram carries
            // them.
            p.push(Payload::nat_d(sa.natd(suite.prf, sa.remote), false));
            p.push(Payload::nat_d(sa.natd(suite.prf, sa.local), false));
        }
        p.extend(self.initial_contact_for(sa));
        sa.retx = None;
        self.p1_send(now, sa, ExchangeType::AGGRESSIVE, p, true, false)?;
        self.established(now, sa, initial_contact);
        Ok(())
    }

    /// Responder: message 3 authenticates the initiator; phase 1 is established.
    fn aggressive_mode_done(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
    ) -> Result<(), Option<String>> {
        let which = "aggressive mode message 3";
        let payloads = match &msg.body {
            Body::Plain(p) => p.clone(),
            Body::Encrypted(_) => {
                sa.open(msg)
                    .ok_or_else(|| Some(undecryptable(which, sa)))?
                    .0
            }
        };
        let (id, id_b) = sa.peer_id.as_ref().ok_or(None)?;
        let initial_contact = self.verify_peer(sa, &payloads, id, id_b, which)?;
        // RFC 3947 3.2 / 4: NAT-D of message 3 hash the addresses it travelled with; answer
        // where it came from.
        detect_nat(sa, &payloads, local, remote);
        sa.follow(local, remote);
        sa.retx = None;
        sa.peer_id = None;
        self.established(now, sa, initial_contact);
        Ok(())
    }
}
