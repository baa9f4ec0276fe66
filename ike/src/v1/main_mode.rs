//! Main mode with pre-shared keys (RFC 2409 5 and 5.4) or signatures (5.1, RFC 4754), both
//! roles, with RFC 3947 NAT-T discovery and the RFC 3706 DPD announcement:
//!
//! ```text
//! 1  I->R  HDR, SA, VID(NAT-T), VID(DPD)
//! 2  R->I  HDR, SA, VID...
//! 3  I->R  HDR, KE, Ni, NAT-D, NAT-D [, CR...]
//! 4  R->I  HDR, KE, Nr, NAT-D, NAT-D [, CR...]
//! 5  I->R  HDR*, IDii, HASH_I | CERT..., SIG_I [, N(INITIAL-CONTACT)]   (port 4500 behind NAT)
//! 6  R->I  HDR*, IDir, HASH_R | CERT..., SIG_R
//! ```
//!
//! Never installs an ESP SA (quick_mode.rs does); aggressive mode is aggressive_mode.rs, which
//! shares the key exchange, NAT discovery and authentication helpers here.

use super::auth_sig;
use super::endpoint::Endpoint;
use super::ids::{describe, phase1_id, v1_id};
use super::isakmp_sa::{IsakmpSa, Keys, MmState};
use super::proposal::{is_signature_method, p1_accept, p1_choose, p1_offer, P1Suite};
use crate::crypto::auth_v1;
use crate::crypto::{kdf_v1, Secret};
use crate::v2::retransmit::Outstanding;
use crate::v2::{CloseReason, Event, IkeSuiteInfo, Instant};
use crate::wire::v1::{
    payload_spans, Body, CertRepr, Doi, ExchangeType, HashRepr, HeaderRepr, IdRepr, KeRepr,
    KnownVendorId, Message, NonceRepr, NotifyRepr, NotifyType, Payload, PayloadType, ProtocolId,
    SaRepr, VendorIdRepr,
};
use std::net::SocketAddr;

/// NAT-T port (RFC 3947 4).
pub const NATT_PORT: u16 = 4500;

/// Body bytes of the first payload of type `ty` in a chain starting with `first`.
pub(super) fn raw_body(first: PayloadType, chain: &[u8], ty: PayloadType) -> Option<Vec<u8>> {
    let (spans, _) = payload_spans(first, chain).ok()?;
    let s = spans.iter().find(|s| s.ty == ty)?;
    chain.get(s.body.clone()).map(<[u8]>::to_vec)
}

/// The plaintext chain of an unencrypted message (after the 28-octet header).
pub(super) fn plain_chain(bytes: &[u8]) -> &[u8] {
    bytes.get(crate::wire::v1::HEADER_LEN..).unwrap_or_default()
}

pub(super) fn sa_body(sa: &SaRepr) -> Option<Vec<u8>> {
    let mut b = vec![0u8; sa.buffer_len()];
    let n = sa.emit(&mut b).ok()?;
    b.truncate(n);
    Some(b)
}

pub(super) fn id_body(id: &IdRepr) -> Option<Vec<u8>> {
    let mut b = vec![0u8; id.buffer_len()];
    let n = id.emit(&mut b).ok()?;
    b.truncate(n);
    Some(b)
}

pub(super) fn vids(natt: bool) -> Vec<Payload> {
    let mut v = Vec::new();
    if natt {
        v.push(Payload::VendorId(VendorIdRepr::known(
            KnownVendorId::NatTRfc3947,
        )));
    }
    v.push(Payload::VendorId(VendorIdRepr::known(KnownVendorId::Dpd)));
    v
}

pub(super) fn has_vid(payloads: &[Payload], k: KnownVendorId) -> bool {
    payloads
        .iter()
        .any(|p| matches!(p, Payload::VendorId(v) if v.identify() == Some(k)))
}

pub(super) fn initial_contact(payloads: &[Payload]) -> bool {
    payloads
        .iter()
        .any(|p| matches!(p, Payload::Notify(n) if n.notify_type == NotifyType::INITIAL_CONTACT))
}

/// Words for an encrypted phase 1 message (`which`) that does not decrypt: with pre-shared
/// keys the usual cause is a different key.
pub(super) fn undecryptable(which: &str, sa: &IsakmpSa) -> String {
    let psk = sa.suite.is_none_or(|s| !is_signature_method(s.auth));
    format!(
        "{which} could not be decrypted{}",
        if psk {
            " (pre-shared key mismatch)"
        } else {
            ""
        }
    )
}

/// RFC 3947 3.2: NAT discovery from the NAT-D payloads of a message that came from `remote`
/// to `local`. The first NAT-D is the hash of the receiver (us) as the sender saw it; any
/// other one is the sender's own address. Nothing changes without NAT-D payloads.
pub(super) fn detect_nat(
    sa: &mut IsakmpSa,
    payloads: &[Payload],
    local: SocketAddr,
    remote: SocketAddr,
) {
    let Some(prf) = sa.suite.map(|s| s.prf).filter(|_| sa.peer_natt) else {
        return;
    };
    let hashes: Vec<&[u8]> = payloads.iter().filter_map(Payload::nat_d_hash).collect();
    if let Some((first, rest)) = hashes.split_first() {
        let me = sa.natd(prf, local);
        let them = sa.natd(prf, remote);
        sa.behind_nat = *first != me.as_slice();
        let peer_nat = !rest.contains(&them.as_slice());
        sa.nat = sa.behind_nat || peer_nat;
    }
}

pub(super) fn find<T>(payloads: &[Payload], f: impl Fn(&Payload) -> Option<&T>) -> Option<&T> {
    payloads.iter().find_map(f)
}

impl Endpoint {
    /// Initiator: main mode message 1. Returns our cookie.
    pub(super) fn start_main_mode(&mut self, now: Instant, conn: usize) -> Option<[u8; 8]> {
        if !self.conns.get(conn)?.versions.initiates_v1() {
            return None;
        }
        self.start_main_mode_any(now, conn)
    }

    /// Main mode message 1 for any IKEv1-enabled tunnel (also one that initiates IKEv2 but
    /// has IKEv1 Child SAs to rekey).
    pub(super) fn start_main_mode_any(&mut self, now: Instant, conn: usize) -> Option<[u8; 8]> {
        if self.conn_state.get(conn).is_some_and(|c| c.disabled) {
            return None;
        }
        let cfg = self.conns.get(conn)?;
        if !cfg.versions.v1 {
            return None;
        }
        let offer = p1_offer(cfg);
        if offer
            .proposals
            .first()
            .is_none_or(|p| p.transforms.is_empty())
        {
            let t = cfg.tunnel;
            self.fail(
                t,
                "no IKEv1 phase 1 proposal: IKEv1 needs an AES-CBC ike proposal (GCM is IKEv2 only)"
                    .into(),
            );
            return None;
        }
        if cfg.aggressive {
            return self.start_aggressive_mode(now, conn);
        }
        let cky_i: [u8; 8] = self.random(8)?.try_into().ok()?;
        let (tunnel, local, remote) = (cfg.tunnel, cfg.local, cfg.remote);
        let mut sa = IsakmpSa::new(conn, tunnel, cky_i, [0; 8], true, local, remote, now);
        sa.sai_b = sa_body(&offer)?;
        let mut payloads = vec![Payload::Sa(offer)];
        payloads.extend(vids(true));
        self.p1_send(now, &mut sa, ExchangeType::MAIN_MODE, payloads, false, true)
            .ok()?;
        self.sas.insert(cky_i, sa);
        Some(cky_i)
    }

    /// Responder: main mode message 1 for no known SA.
    pub(super) fn main_mode_request(
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
        let Some(Payload::Sa(offer)) = payloads.first() else {
            return;
        };
        let (suite, reply) = match p1_choose(cfg, offer) {
            Ok(x) => x,
            Err(reason) => {
                self.fail(tunnel, reason);
                self.plain_notify(
                    local,
                    remote,
                    msg.header.initiator_cookie,
                    NotifyType::NO_PROPOSAL_CHOSEN,
                );
                return;
            }
        };
        let Some(sai_b) = raw_body(msg.header.next_payload, plain_chain(bytes), PayloadType::SA)
        else {
            return;
        };
        let Some(cky_r) = self.random(8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
            return;
        };
        let mut sa = IsakmpSa::new(
            conn,
            tunnel,
            msg.header.initiator_cookie,
            cky_r,
            false,
            local,
            remote,
            now,
        );
        sa.sai_b = sai_b;
        sa.suite = Some(suite);
        sa.peer_natt = has_vid(payloads, KnownVendorId::NatTRfc3947);
        sa.dpd.enabled = has_vid(payloads, KnownVendorId::Dpd);
        let mut out = vec![Payload::Sa(reply)];
        out.extend(vids(sa.peer_natt));
        let header = HeaderRepr::new(sa.cky_i, cky_r, ExchangeType::MAIN_MODE, 0);
        let Ok(reply) = Message::plain(header, out).to_vec() else {
            return;
        };
        sa.last_rx = bytes.to_vec();
        sa.last_tx = reply.clone();
        self.send(local, remote, reply);
        self.sas.insert(cky_r, sa);
    }

    /// Responder: a phase 1 message 1 (main or aggressive mode) that is new (not a repeat of
    /// one we answered: that gets our message 2 again), unencrypted, and for one of our
    /// tunnels. Returns the tunnel's index and the message's payloads.
    pub(super) fn new_request<'m>(
        &mut self,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &'m Message,
        bytes: &[u8],
    ) -> Option<(usize, &'m [Payload])> {
        if self.repeated_first_message(remote, msg, bytes) {
            return None;
        }
        let Body::Plain(payloads) = &msg.body else {
            return None;
        };
        Some((self.find_conn(local, remote)?, payloads))
    }

    /// A retransmitted message 1 (main or aggressive mode) for an SA we already answered: the
    /// SA made for it answers with the same message 2. True when such an SA exists.
    fn repeated_first_message(&mut self, remote: SocketAddr, msg: &Message, bytes: &[u8]) -> bool {
        let Some(sa) = self
            .sas
            .values()
            .find(|s| !s.initiator && s.cky_i == msg.header.initiator_cookie && s.remote == remote)
        else {
            return false;
        };
        if sa.last_rx == bytes && !sa.last_tx.is_empty() {
            let (l, r, b) = (sa.local, sa.remote, sa.last_tx.clone());
            self.send(l, r, b);
        }
        true
    }

    /// An unencrypted informational notify (before keys exist: RFC 2408 5.x error reports).
    pub(super) fn plain_notify(
        &mut self,
        local: SocketAddr,
        remote: SocketAddr,
        cky_i: [u8; 8],
        ty: NotifyType,
    ) {
        let n = NotifyRepr {
            doi: Doi::IPSEC,
            protocol_id: ProtocolId::ISAKMP,
            spi: Vec::new(),
            notify_type: ty,
            data: Vec::new(),
        };
        let header = HeaderRepr::new(cky_i, [0; 8], ExchangeType::INFORMATIONAL, 0);
        if let Ok(b) = Message::plain(header, vec![Payload::Notify(n)]).to_vec() {
            self.send(local, remote, b);
        }
    }

    /// Main mode messages on a known SA.
    pub(super) fn main_mode(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
        bytes: &[u8],
    ) {
        if bytes == sa.last_rx.as_slice() {
            // RFC 2408 / 2409: a retransmitted request gets our last answer again.
            if !sa.initiator && !sa.last_tx.is_empty() {
                let b = sa.last_tx.clone();
                self.send(sa.local, sa.remote, b);
            }
            return;
        }
        let result = match (sa.state, &msg.body) {
            (MmState::ISent1, Body::Plain(p)) => self.mm2(now, sa, msg, p),
            (MmState::RSent2, Body::Plain(p)) => self.mm3(sa, p),
            (MmState::ISent3, Body::Plain(p)) => self.mm4(now, sa, p),
            (MmState::RSent4, Body::Encrypted(_)) => self.mm5(now, sa, local, remote, msg),
            (MmState::ISent5, Body::Encrypted(_)) => self.mm6(now, sa, msg),
            _ => return,
        };
        self.phase1_outcome(now, sa, bytes, result);
    }

    /// After a phase 1 message (`bytes`) was handled: remembered when it moved the exchange
    /// on; a failure with words is reported and ends the SA; one without (not for us, or
    /// not authentic) changes nothing.
    pub(super) fn phase1_outcome(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        bytes: &[u8],
        result: Result<(), Option<String>>,
    ) {
        match result {
            Ok(()) => sa.last_rx = bytes.to_vec(),
            Err(Some(reason)) => {
                let t = sa.tunnel;
                self.fail(t, reason);
                self.close_sa(now, sa, CloseReason::Failed);
            }
            Err(None) => {}
        }
    }

    /// Emits `payloads` as the next main mode message (plain or sealed) and records it.
    fn mm_send(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        payloads: Vec<Payload>,
        encrypt: bool,
    ) -> Result<(), Option<String>> {
        let retransmit = sa.initiator;
        self.p1_send(
            now,
            sa,
            ExchangeType::MAIN_MODE,
            payloads,
            encrypt,
            retransmit,
        )
    }

    /// Emits `payloads` as the next phase 1 message of `exchange` (plain or sealed), records
    /// it as our last answer and, with `retransmit`, resends it until the peer answers.
    pub(super) fn p1_send(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        exchange: ExchangeType,
        payloads: Vec<Payload>,
        encrypt: bool,
        retransmit: bool,
    ) -> Result<(), Option<String>> {
        let header = HeaderRepr::new(sa.cky_i, sa.cky_r, exchange, 0);
        let bytes = if encrypt {
            sa.seal(header, &payloads).ok_or(None)?
        } else {
            Message::plain(header, payloads)
                .to_vec()
                .map_err(|_| None)?
        };
        if retransmit {
            let retx = self
                .conns
                .get(sa.conn)
                .map(|c| c.retransmit)
                .unwrap_or_default();
            sa.retx = Some(Outstanding::new(now, &retx, 0, vec![bytes.clone()]));
        }
        sa.last_tx = bytes.clone();
        self.send(sa.local, sa.remote, bytes);
        Ok(())
    }

    /// KE, nonce and NAT-D payloads of messages 3 and 4 (RFC 3947 3.2: the first NAT-D
    /// hashes the peer's address and port, the next one ours).
    pub(super) fn ke_nonce_natd(
        &self,
        sa: &mut IsakmpSa,
        suite: P1Suite,
    ) -> Result<Vec<Payload>, Option<String>> {
        let mut p = self.ke_nonce(sa, suite.dh)?;
        if sa.peer_natt {
            let r = sa.natd(suite.prf, sa.remote);
            let l = sa.natd(suite.prf, sa.local);
            p.push(Payload::nat_d(r, false));
            p.push(Payload::nat_d(l, false));
        }
        if is_signature_method(suite.auth) {
            // RFC 2409 5.1 / RFC 2408 3.10: the CAs we trust, in messages 3 and 4 (where
            // strongSwan and libreswan send them).
            if let Some(c) = self.conns.get(sa.conn).and_then(|c| c.cert.as_ref()) {
                p.extend(auth_sig::certreq_payloads(c));
            }
        }
        Ok(p)
    }

    /// Our KE and nonce payloads: a new key exchange in `dh` and a 32-octet nonce, kept in
    /// the SA as g^xi/Ni (initiator) or g^xr/Nr (responder).
    pub(super) fn ke_nonce(
        &self,
        sa: &mut IsakmpSa,
        dh: crate::crypto::DhGroup,
    ) -> Result<Vec<Payload>, Option<String>> {
        let ke = self
            .provider
            .start_key_exchange(dh)
            .map_err(|_| Some(format!("DH group {dh:?} is not available")))?;
        let nonce = self.random(32).ok_or(None)?;
        let public = ke.public_value();
        if sa.initiator {
            sa.g_xi = public.clone();
            sa.ni = nonce.clone();
        } else {
            sa.g_xr = public.clone();
            sa.nr = nonce.clone();
        }
        sa.dh = Some(ke);
        Ok(vec![
            Payload::Ke(KeRepr { data: public }),
            Payload::Nonce(NonceRepr { data: nonce }),
        ])
    }

    /// The peer's KE and nonce; derives SKEYID, SKEYID_d/a/e, Ka and the phase 1 IV.
    pub(super) fn take_ke_nonce(
        &self,
        sa: &mut IsakmpSa,
        payloads: &[Payload],
    ) -> Result<(), Option<String>> {
        let suite = sa.suite.ok_or(None)?;
        let ke = find(payloads, |p| match p {
            Payload::Ke(k) => Some(k),
            _ => None,
        })
        .ok_or(None)?;
        let nonce = find(payloads, |p| match p {
            Payload::Nonce(n) => Some(n),
            _ => None,
        })
        .ok_or(None)?;
        let dh = sa.dh.take().ok_or(None)?;
        // RFC 2409 5 / RFC 7296-style check done by the provider: the peer's public value
        // must be valid for the group.
        let g_xy = dh.complete(&ke.data).map_err(|_| {
            Some("the peer's KE payload is not a valid public value for the group".to_string())
        })?;
        if sa.initiator {
            sa.g_xr = ke.data.clone();
            sa.nr = nonce.data.clone();
        } else {
            sa.g_xi = ke.data.clone();
            sa.ni = nonce.data.clone();
        }
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        let skeyid = if is_signature_method(suite.auth) {
            // RFC 2409 5: for signatures SKEYID = prf(Ni_b | Nr_b, g^xy).
            kdf_v1::skeyid_sig(suite.prf, &sa.ni, &sa.nr, &g_xy)
        } else {
            // RFC 2409 5: for pre-shared keys SKEYID = prf(pre-shared-key, Ni_b | Nr_b).
            kdf_v1::skeyid_psk(suite.prf, &cfg.psk, &sa.ni, &sa.nr)
        };
        let k = kdf_v1::skeyid_dae(suite.prf, &skeyid, &g_xy, &sa.cky_i, &sa.cky_r);
        let ka = kdf_v1::encryption_key(suite.prf, &k.skeyid_e, suite.encr.key_len());
        sa.iv = kdf_v1::phase1_iv(suite.prf, &sa.g_xi, &sa.g_xr, suite.encr.block_len())
            .map_err(|_| None)?;
        sa.skeyid = Some(skeyid);
        sa.keys = Some(Keys {
            skeyid_d: k.skeyid_d,
            skeyid_a: k.skeyid_a,
            ka,
        });
        detect_nat(sa, payloads, sa.local, sa.remote);
        Ok(())
    }

    /// Initiator: message 2 (the responder's choice) → message 3.
    fn mm2(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        msg: &Message,
        payloads: &[Payload],
    ) -> Result<(), Option<String>> {
        if let Some(Payload::Notify(n)) = payloads.first() {
            return Err(Some(format!(
                "the peer refused main mode: {:?}",
                n.notify_type
            )));
        }
        let Some(Payload::Sa(reply)) = payloads.first() else {
            return Err(None);
        };
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        let suite = p1_accept(cfg, reply).map_err(Some)?;
        if msg.header.responder_cookie == [0; 8] {
            return Err(None);
        }
        sa.cky_r = msg.header.responder_cookie;
        sa.suite = Some(suite);
        sa.peer_natt = has_vid(payloads, KnownVendorId::NatTRfc3947);
        sa.dpd.enabled = has_vid(payloads, KnownVendorId::Dpd);
        let p = self.ke_nonce_natd(sa, suite)?;
        sa.state = MmState::ISent3;
        self.mm_send(now, sa, p, false)
    }

    /// Responder: message 3 → message 4 (keys derived).
    fn mm3(&mut self, sa: &mut IsakmpSa, payloads: &[Payload]) -> Result<(), Option<String>> {
        let suite = sa.suite.ok_or(None)?;
        let p = self.ke_nonce_natd(sa, suite)?;
        self.take_ke_nonce(sa, payloads)?;
        sa.state = MmState::RSent4;
        let header = HeaderRepr::new(sa.cky_i, sa.cky_r, ExchangeType::MAIN_MODE, 0);
        let bytes = Message::plain(header, p).to_vec().map_err(|_| None)?;
        sa.last_tx = bytes.clone();
        self.send(sa.local, sa.remote, bytes);
        Ok(())
    }

    /// Initiator: message 4 → message 5 (on port 4500 when a NAT is in between).
    fn mm4(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        payloads: &[Payload],
    ) -> Result<(), Option<String>> {
        self.take_ke_nonce(sa, payloads)?;
        if sa.nat {
            // RFC 3947 4: with a NAT in between, the initiator moves to port 4500 for
            // message 5 and everything after it.
            sa.local.set_port(NATT_PORT);
            sa.remote.set_port(NATT_PORT);
        }
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        let id =
            phase1_id(&cfg.local_id).ok_or(Some("local_id cannot be sent in IKEv1".to_string()))?;
        let idii_b = id_body(&id).ok_or(None)?;
        let hash = sa.phase1_hash(true, &idii_b).ok_or(None)?;
        let mut p = vec![Payload::Id(id)];
        p.extend(self.hash_or_sig(sa, &hash)?);
        p.extend(self.initial_contact_for(sa));
        sa.state = MmState::ISent5;
        self.mm_send(now, sa, p, true)
    }

    /// INITIAL-CONTACT when we hold no other state with the peer of `sa`'s tunnel (RFC 2407
    /// 4.6.3.3: SPI = CKY-I | CKY-R).
    pub(super) fn initial_contact_for(&self, sa: &IsakmpSa) -> Option<Payload> {
        let first_contact = !self.sas.values().any(|s| s.tunnel == sa.tunnel)
            && !self.children.iter().any(|c| c.tunnel == sa.tunnel);
        first_contact.then(|| {
            let mut spi = sa.cky_i.to_vec();
            spi.extend_from_slice(&sa.cky_r);
            Payload::Notify(NotifyRepr {
                doi: Doi::IPSEC,
                protocol_id: ProtocolId::ISAKMP,
                spi,
                notify_type: NotifyType::INITIAL_CONTACT,
                data: Vec::new(),
            })
        })
    }

    /// Checks the peer's ID and HASH of message 5 or 6.
    fn check_auth(
        &self,
        sa: &IsakmpSa,
        payloads: &[Payload],
        chain: &[u8],
        first: PayloadType,
    ) -> Result<bool, Option<String>> {
        let which = format!("main mode message {}", if sa.initiator { 6 } else { 5 });
        let id = find(payloads, |p| match p {
            Payload::Id(i) => Some(i),
            _ => None,
        })
        .ok_or_else(|| Some(format!("{which} has no ID payload")))?;
        let id_b = raw_body(first, chain, PayloadType::ID).ok_or(None)?;
        self.verify_peer(sa, payloads, id, &id_b, &which)
    }

    /// Checks the peer's authentication in `payloads` (HASH, or CERT and SIG) against its
    /// identity `id` (body `id_b`) and our remote_id; `which` names the message in errors.
    /// Returns whether the peer sent INITIAL-CONTACT.
    pub(super) fn verify_peer(
        &self,
        sa: &IsakmpSa,
        payloads: &[Payload],
        id: &IdRepr,
        id_b: &[u8],
        which: &str,
    ) -> Result<bool, Option<String>> {
        let suite = sa.suite.ok_or(None)?;
        // The peer's hash: HASH_R when we initiated, HASH_I when it did.
        let want = sa.phase1_hash(!sa.initiator, id_b).ok_or(None)?;
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        if is_signature_method(suite.auth) {
            let cert = cfg.cert.as_ref().ok_or(None)?;
            let certs: Vec<&CertRepr> = payloads
                .iter()
                .filter_map(|p| match p {
                    Payload::Cert(c) => Some(c),
                    _ => None,
                })
                .collect();
            let sig = find(payloads, |p| match p {
                Payload::Sig(s) => Some(s),
                _ => None,
            })
            .map(|s| s.data.as_slice());
            // RFC 2409 5.1: SIG_I / SIG_R is the signature over HASH_I / HASH_R; RFC 4945
            // 3.1: the ID must be certified by the certificate.
            auth_sig::verify_peer(
                cert,
                &certs,
                &id.id,
                cfg.remote_id.as_ref(),
                suite.auth,
                want.expose(),
                sig,
            )
            .map_err(|e| Some(format!("{which}: {e}")))?;
            return Ok(initial_contact(payloads));
        }
        let hash = find(payloads, |p| match p {
            Payload::Hash(h) => Some(h),
            _ => None,
        })
        .ok_or_else(|| Some(format!("{which} has no HASH payload")))?;
        auth_v1::verify_hash(&want, &hash.data).map_err(|_| {
            Some(format!(
                "{which}: HASH does not verify (pre-shared key mismatch)"
            ))
        })?;
        if let Some(want) = cfg.remote_id.as_ref() {
            if v1_id(want).as_ref() != Some(&id.id) {
                return Err(Some(format!(
                    "peer identity {} does not match remote_id {:?}",
                    describe(&id.id),
                    want
                )));
            }
        }
        Ok(initial_contact(payloads))
    }

    /// HASH_I / HASH_R as a HASH payload (pre-shared key) or our CERT chain and our
    /// signature over it (RFC 2409 5.1: `IDii, [ CERT, ] SIG_I`).
    pub(super) fn hash_or_sig(
        &self,
        sa: &IsakmpSa,
        hash: &Secret,
    ) -> Result<Vec<Payload>, Option<String>> {
        let suite = sa.suite.ok_or(None)?;
        if !is_signature_method(suite.auth) {
            return Ok(vec![Payload::Hash(HashRepr {
                data: hash.expose().to_vec(),
            })]);
        }
        let cert = self
            .conns
            .get(sa.conn)
            .and_then(|c| c.cert.as_ref())
            .ok_or(None)?;
        let mut p = auth_sig::cert_payloads(cert);
        p.push(auth_sig::sign(cert, suite.auth, hash.expose()).map_err(Some)?);
        Ok(p)
    }

    /// Responder: message 5 → message 6; phase 1 is established.
    fn mm5(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
    ) -> Result<(), Option<String>> {
        let (payloads, chain) = sa
            .open(msg)
            .ok_or_else(|| Some(undecryptable("main mode message 5", sa)))?;
        let initial_contact = self.check_auth(sa, &payloads, &chain, msg.header.next_payload)?;
        // RFC 3947 4: the responder answers from where message 5 came (port 4500).
        sa.follow(local, remote);
        let cfg = self.conns.get(sa.conn).ok_or(None)?;
        let id =
            phase1_id(&cfg.local_id).ok_or(Some("local_id cannot be sent in IKEv1".to_string()))?;
        let idir_b = id_body(&id).ok_or(None)?;
        let hash = sa.phase1_hash(false, &idir_b).ok_or(None)?;
        let mut p = vec![Payload::Id(id)];
        p.extend(self.hash_or_sig(sa, &hash)?);
        self.mm_send(now, sa, p, true)?;
        self.established(now, sa, initial_contact);
        Ok(())
    }

    /// Initiator: message 6; phase 1 is established.
    fn mm6(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        msg: &Message,
    ) -> Result<(), Option<String>> {
        let (payloads, chain) = sa
            .open(msg)
            .ok_or_else(|| Some(undecryptable("main mode message 6", sa)))?;
        let initial_contact = match self.check_auth(sa, &payloads, &chain, msg.header.next_payload)
        {
            Ok(ic) => ic,
            Err(None) => return Err(None),
            Err(e) => {
                // The responder considers phase 1 done: a Delete under the phase 1 keys
                // (RFC 2408 3.15, RFC 2409 5.7) ends its half.
                sa.p1_last = sa.iv.clone();
                sa.state = MmState::Established;
                self.send_isakmp_delete(sa);
                sa.state = MmState::ISent5;
                return Err(e);
            }
        };
        sa.retx = None;
        self.established(now, sa, initial_contact);
        Ok(())
    }

    /// Phase 1 done: events, timers, the old SA of a rekey retired, and the tunnel's quick
    /// modes started.
    pub(super) fn established(&mut self, now: Instant, sa: &mut IsakmpSa, initial_contact: bool) {
        // RFC 2409 appendix B: phase 2 IVs start from the last CBC block of phase 1.
        sa.p1_last = sa.iv.clone();
        sa.state = MmState::Established;
        sa.established_at = Some(now);
        sa.skeyid = None;
        sa.dpd.last_inbound = now;
        let Some(suite) = sa.suite else {
            return;
        };
        if let Some(c) = self.conn_state.get_mut(sa.conn) {
            c.attempts = 0;
        }
        let Some(cfg) = self.conns.get(sa.conn) else {
            return;
        };
        let rekey = self.rekey_after(cfg, suite.lifetime);
        sa.rekey_at = Some(now + rekey);
        sa.expire_at = Some(now + suite.lifetime);
        self.out.events.push_back(Event::IkeSaEstablished {
            tunnel: sa.tunnel,
            spi_i: u64::from_be_bytes(sa.cky_i),
            spi_r: u64::from_be_bytes(sa.cky_r),
            initiator: sa.initiator,
            suite: IkeSuiteInfo {
                version: 1,
                aggressive: sa.aggressive,
                encr: suite.encr,
                prf: suite.prf,
                integ: None,
                dh: suite.dh,
            },
            local: sa.local,
            remote: sa.remote,
            nat_detected: sa.nat,
        });
        if initial_contact {
            // RFC 2407 4.6.3.3: the peer has no other state with us: ours is stale.
            self.forget_tunnel_state(now, sa.tunnel, sa.local_cookie());
        }
        // When we initiated this SA, older ISAKMP SAs of the tunnel are replaced by it (a
        // phase 1 rekey): we delete them, their Child SAs stay. A peer that rekeyed deletes
        // its old SA itself.
        let old: Vec<[u8; 8]> = self
            .sas
            .iter()
            .filter(|(_, s)| sa.initiator && s.tunnel == sa.tunnel && s.is_established())
            .map(|(k, _)| *k)
            .collect();
        for k in old {
            if let Some(o) = self.sas.get_mut(&k) {
                o.replaced = true;
                let old_spi_i = u64::from_be_bytes(o.cky_i);
                self.out.events.push_back(Event::IkeSaRekeyed {
                    tunnel: sa.tunnel,
                    old_spi_i,
                    new_spi_i: u64::from_be_bytes(sa.cky_i),
                });
            }
            self.delete_isakmp(now, k, CloseReason::Rekeyed, true);
        }
        self.start_needed_quick_modes(now, sa);
    }

    /// INITIAL-CONTACT: drops our other ISAKMP SAs and the Child SAs of the tunnel without
    /// telling the peer (it has forgotten them).
    fn forget_tunnel_state(
        &mut self,
        now: Instant,
        tunnel: crate::config::TunnelRef,
        keep: [u8; 8],
    ) {
        let stale: Vec<[u8; 8]> = self
            .sas
            .iter()
            .filter(|(k, s)| s.tunnel == tunnel && **k != keep)
            .map(|(k, _)| *k)
            .collect();
        for k in stale {
            self.delete_isakmp(now, k, CloseReason::DeletedByPeer, false);
        }
        self.delete_children(now, tunnel, CloseReason::DeletedByPeer, false);
    }

    /// Closes an SA being processed (not in the map): its quick modes end, the event goes
    /// out, startup=start retries.
    pub(super) fn close_sa(&mut self, now: Instant, sa: &mut IsakmpSa, reason: CloseReason) {
        sa.closed = true;
        self.out.events.push_back(Event::IkeSaClosed {
            tunnel: sa.tunnel,
            spi_i: u64::from_be_bytes(sa.cky_i),
            reason: reason.clone(),
        });
        // Child SAs the responder half-installed in unfinished quick modes go away.
        let pending: Vec<_> = sa.qms.values().filter_map(|q| q.child).collect();
        for id in pending {
            self.drop_pending(id);
        }
        let restart = matches!(reason, CloseReason::Failed | CloseReason::Timeout)
            || (reason == CloseReason::DeletedByPeer
                && self
                    .conns
                    .get(sa.conn)
                    .is_some_and(|c| c.reinitiate_on_delete));
        if restart
            && !self
                .sas
                .values()
                .any(|s| s.tunnel == sa.tunnel && s.is_established())
        {
            self.schedule_retry(now, sa.conn);
        }
    }

    /// Deletes the ISAKMP SA with our cookie `k` (a Delete payload to the peer when `tell`
    /// and it is established).
    pub(super) fn delete_isakmp(
        &mut self,
        now: Instant,
        k: [u8; 8],
        reason: CloseReason,
        tell: bool,
    ) {
        let Some(mut sa) = self.sas.remove(&k) else {
            return;
        };
        if tell && sa.is_established() {
            // RFC 2408 3.15: an ISAKMP SA is named by its cookie pair (SPI size 16).
            self.send_isakmp_delete(&mut sa);
        }
        self.close_sa(now, &mut sa, reason);
    }
}
