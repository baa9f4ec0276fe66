//! Quick mode (RFC 2409 5.5) with optional PFS, both roles:
//!
//! ```text
//! 1  I->R  HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]
//! 2  R->I  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr] [, N(RESPONDER-LIFETIME)]
//! 3  I->R  HDR*, HASH(3)
//! ```
//!
//! The initiator installs both SAs when message 2 verifies. The responder installs its
//! inbound SA when it sends message 2 (message 1 is authenticated by HASH(1), so its keys
//! are safe to use) and the outbound one when message 3 arrives, so no packet the
//! initiator sends on the new pair is lost. The commit bit (RFC 2408 3.1) is ignored: we
//! never wait for, and never send, CONNECTED. Never touches phase 1 state.

use super::child::{NewPair, REKEY_OUTBOUND_DELAY};
use super::endpoint::Endpoint;
use super::ids::{host_ts, id_to_ts, ts_to_id, ts_within};
use super::isakmp_sa::{ChildState, IsakmpSa, QmState, QuickMode};
use super::proposal::{
    p2_accept, p2_choose, p2_offer, p2_pfs, p2_reply, parse_responder_lifetime,
    responder_lifetime_attrs,
};
use crate::crypto::auth_v1;
use crate::v2::retransmit::Outstanding;
use crate::v2::{ChildSaRef, Instant};
use crate::wire::v1::{
    payload_spans, Attribute, Doi, ExchangeType, HashRepr, HeaderRepr, IdRepr, KeRepr, Message,
    NonceRepr, NotifyRepr, NotifyType, Payload, PayloadType, ProtocolId,
};
use std::net::SocketAddr;
use std::time::Duration;

/// How long a finished quick mode is kept to answer retransmissions.
const LINGER: Duration = Duration::from_secs(30);

/// The chain after the first (HASH) payload, with generic headers: what HASH(1)/(2) cover.
fn after_hash(chain: &[u8]) -> Option<&[u8]> {
    let (spans, used) = payload_spans(PayloadType::HASH, chain).ok()?;
    let start = spans.get(1).map_or(used, |s| s.payload.start);
    chain.get(start..used)
}

fn emit_chain(payloads: &[Payload]) -> Option<Vec<u8>> {
    let mut b = vec![0u8; crate::wire::v1::chain_len(payloads)];
    let n = crate::wire::v1::emit_payload_chain(payloads, &mut b).ok()?;
    b.truncate(n);
    Some(b)
}

fn attrs_bytes(attrs: &[Attribute]) -> Vec<u8> {
    let mut v = Vec::new();
    for a in attrs {
        let mut b = vec![0u8; a.buffer_len()];
        if a.emit(&mut b).is_ok() {
            v.extend(b);
        }
    }
    v
}

/// The payloads of a received quick mode message, by kind.
#[derive(Default)]
struct QmPayloads<'a> {
    hash: Option<&'a [u8]>,
    sa: Option<&'a crate::wire::v1::SaRepr>,
    nonce: Option<&'a [u8]>,
    ke: Option<&'a [u8]>,
    ids: Vec<&'a IdRepr>,
    /// RESPONDER-LIFETIME: (seconds, kilobytes).
    lifetime: Option<(Option<Duration>, Option<u64>)>,
}

fn sort(payloads: &[Payload]) -> QmPayloads<'_> {
    let mut q = QmPayloads::default();
    for p in payloads {
        match p {
            Payload::Hash(h) => q.hash = q.hash.or(Some(h.data.as_slice())),
            Payload::Sa(s) => q.sa = q.sa.or(Some(s)),
            Payload::Nonce(n) => q.nonce = q.nonce.or(Some(n.data.as_slice())),
            Payload::Ke(k) => q.ke = q.ke.or(Some(k.data.as_slice())),
            Payload::Id(i) => q.ids.push(i),
            Payload::Notify(n) if n.notify_type == NotifyType::RESPONDER_LIFETIME => {
                q.lifetime = parse_responder_lifetime(&n.data);
            }
            _ => {}
        }
    }
    q
}

impl Endpoint {
    /// After phase 1: the quick modes the tunnel needs on `sa` (the first Child SA when we
    /// initiated phase 1 and the tunnel has none, and every rekey that waited for phase 1).
    pub(super) fn start_needed_quick_modes(&mut self, now: Instant, sa: &mut IsakmpSa) {
        let tunnel = sa.tunnel;
        let live = self
            .children
            .iter()
            .any(|c| c.tunnel == tunnel && c.state != ChildState::Rekeyed);
        if sa.initiator && !live && !sa.qms.values().any(|q| q.state == QmState::ISent1) {
            self.start_quick_mode(now, sa, None);
        }
        let due: Vec<ChildSaRef> = self
            .children
            .iter()
            .filter(|c| {
                c.tunnel == tunnel
                    && c.state == ChildState::Installed
                    && c.rekey_at <= now + super::endpoint::RETRY
            })
            .map(|c| c.id)
            .collect();
        for id in due {
            if self.start_quick_mode(now, sa, Some(id)) {
                if let Some(c) = self.children.iter_mut().find(|c| c.id == id) {
                    c.state = ChildState::Rekeying;
                }
                self.out
                    .events
                    .push_back(crate::v2::Event::ChildSaRekeying { tunnel, child: id });
            }
        }
    }

    /// Initiator: quick mode message 1 for a new pair (or a rekey of `rekeys`).
    pub(super) fn start_quick_mode(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        rekeys: Option<ChildSaRef>,
    ) -> bool {
        self.start_quick_mode_inner(now, sa, rekeys).is_some()
    }

    fn start_quick_mode_inner(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        rekeys: Option<ChildSaRef>,
    ) -> Option<()> {
        let cfg = self.conns.get(sa.conn)?;
        let (local_ts, remote_ts, kilobytes) =
            match rekeys.and_then(|r| self.children.iter().find(|c| c.id == r)) {
                Some(c) => (c.local_ts.clone(), c.remote_ts.clone(), c.kilobytes),
                // IKEv1 carries one selector pair per quick mode: the first of each side.
                None => (
                    cfg.local_ts.first()?.clone(),
                    cfg.remote_ts.first()?.clone(),
                    None,
                ),
            };
        let pfs = p2_pfs(cfg);
        let offer = p2_offer(cfg, 0, sa.nat, kilobytes);
        if offer
            .proposals
            .first()
            .is_none_or(|p| p.transforms.is_empty())
        {
            let t = sa.tunnel;
            self.fail(t, "no IKEv1 ESP proposal can be offered".into());
            return None;
        }
        let retx = cfg.retransmit;
        let mid = self.message_id()?;
        let spi_in = self.spis.allocate(sa.remote.ip(), sa.local.ip())?;
        let offer = p2_offer(self.conns.get(sa.conn)?, spi_in, sa.nat, kilobytes);
        let ni = self.random(32)?;
        let dh = match pfs {
            Some(g) => Some(self.provider.start_key_exchange(g).ok()?),
            None => None,
        };
        let mut body = vec![
            Payload::Sa(offer),
            Payload::Nonce(NonceRepr { data: ni.clone() }),
        ];
        if let Some(k) = &dh {
            body.push(Payload::Ke(KeRepr {
                data: k.public_value(),
            }));
        }
        body.push(Payload::Id(ts_to_id(&local_ts)?));
        body.push(Payload::Id(ts_to_id(&remote_ts)?));
        let suite = sa.suite?;
        let skeyid_a = &sa.keys.as_ref()?.skeyid_a;
        // RFC 2409 5.5: HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ]).
        let h = auth_v1::qm_hash1(suite.prf, skeyid_a, mid, &emit_chain(&body)?);
        let mut payloads = vec![Payload::Hash(HashRepr {
            data: h.expose().to_vec(),
        })];
        payloads.extend(body);
        let header = HeaderRepr::new(sa.cky_i, sa.cky_r, ExchangeType::QUICK_MODE, mid);
        let bytes = sa.seal(header, &payloads)?;
        sa.qms.insert(
            mid,
            QuickMode {
                state: QmState::ISent1,
                spi_in,
                ni,
                nr: Vec::new(),
                dh,
                local_ts,
                remote_ts,
                rekeys,
                child: None,
                last_rx: Vec::new(),
                last_tx: bytes.clone(),
                retx: Outstanding::new(now, &retx, mid, vec![bytes.clone()]),
                choice: None,
                linger_until: None,
            },
        );
        self.send(sa.local, sa.remote, bytes);
        Some(())
    }

    /// A quick mode message on an established SA.
    pub(super) fn quick_mode(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
        bytes: &[u8],
    ) {
        if !sa.is_established() {
            return;
        }
        let mid = msg.header.message_id;
        if mid == 0 {
            return;
        }
        if let Some(q) = sa.qms.get(&mid) {
            if q.last_rx == bytes {
                // A retransmission: the same answer again (quick mode 2, or 3 for a
                // repeated message 2).
                if !q.last_tx.is_empty()
                    && (q.state == QmState::RSent2 || q.state == QmState::IDone)
                {
                    let b = q.last_tx.clone();
                    self.send(sa.local, sa.remote, b);
                }
                return;
            }
            if q.state == QmState::IDone {
                return;
            }
        }
        let Some((payloads, chain)) = sa.open(msg) else {
            return;
        };
        let Some(rest) = after_hash(&chain) else {
            return;
        };
        let q = sort(&payloads);
        if !matches!(payloads.first(), Some(Payload::Hash(_))) {
            return;
        }
        let Some(hash) = q.hash else {
            return;
        };
        let (Some(suite), Some(keys)) = (sa.suite, sa.keys.as_ref()) else {
            return;
        };
        let result = match sa.qms.get(&mid).map(|q| q.state) {
            None => {
                // RFC 2409 5.5: HASH(1) authenticates quick mode message 1.
                let want = auth_v1::qm_hash1(suite.prf, &keys.skeyid_a, mid, rest);
                if auth_v1::verify_hash(&want, hash).is_err() {
                    return;
                }
                self.qm1(now, sa, mid, &q, bytes)
            }
            Some(QmState::ISent1) => self.qm2(now, sa, mid, &q, rest, hash, bytes),
            Some(QmState::RSent2) => self.qm3(now, sa, mid, hash),
            Some(QmState::IDone) => return,
        };
        // Any authenticated message proves the peer alive (RFC 3706 5.5) and, behind a
        // NAT, tells where it now is (RFC 3947 4: the last authenticated message's ports).
        sa.dpd.last_inbound = sa.dpd.last_inbound.max(now);
        sa.follow(local, remote);
        if let Err(reason) = result {
            sa.qms.remove(&mid);
            let t = sa.tunnel;
            self.fail(t, reason);
        }
    }

    /// Responder: quick mode message 1 → message 2, inbound SA installed.
    fn qm1(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        mid: u32,
        q: &QmPayloads<'_>,
        bytes: &[u8],
    ) -> Result<(), String> {
        let (Some(offer), Some(ni)) = (q.sa, q.nonce) else {
            return Err("quick mode message 1 lacks its SA or nonce payload".into());
        };
        let cfg = self.conns.get(sa.conn).ok_or("tunnel removed")?;
        let chosen = match p2_choose(cfg, offer, sa.nat) {
            Ok(c) => c,
            Err(e) => {
                self.refuse(sa, NotifyType::NO_PROPOSAL_CHOSEN);
                return Err(e);
            }
        };
        let (remote_ts, local_ts) = match q.ids.as_slice() {
            [] => (host_ts(sa.remote.ip()), host_ts(sa.local.ip())),
            [ci, cr] => (
                id_to_ts(ci).ok_or("quick mode IDci is not an address selector")?,
                id_to_ts(cr).ok_or("quick mode IDcr is not an address selector")?,
            ),
            _ => return Err("quick mode message 1 must carry no client IDs or exactly two".into()),
        };
        // IKEv1 has no narrowing: the peer's selectors must lie within ours.
        let fits = cfg.local_ts.iter().any(|t| ts_within(&local_ts, t))
            && cfg.remote_ts.iter().any(|t| ts_within(&remote_ts, t));
        if !fits {
            self.refuse(sa, NotifyType::INVALID_ID_INFORMATION);
            return Err(format!(
                "quick mode selectors {local_ts:?} <-> {remote_ts:?} are outside this tunnel's"
            ));
        }
        let (g_qm, ke_out) = match (chosen.choice.prop.pfs, q.ke) {
            (Some(g), Some(peer)) => {
                let dh = self
                    .provider
                    .start_key_exchange(g)
                    .map_err(|_| format!("PFS group {g:?} is not available"))?;
                let public = dh.public_value();
                let s = dh
                    .complete(peer)
                    .map_err(|_| "quick mode KE is not a valid public value".to_string())?;
                (Some(s), Some(public))
            }
            (None, None) => (None, None),
            (Some(_), None) => return Err("quick mode PFS chosen but message 1 has no KE".into()),
            (None, Some(_)) => return Err("quick mode message 1 has a KE but no PFS group".into()),
        };
        let spi_in = self
            .spis
            .allocate(sa.remote.ip(), sa.local.ip())
            .ok_or("no inbound SPI available")?;
        let nr = self.random(32).ok_or("no randomness")?;
        let mut body = vec![
            Payload::Sa(p2_reply(&chosen, spi_in)),
            Payload::Nonce(NonceRepr { data: nr.clone() }),
        ];
        if let Some(k) = ke_out {
            body.push(Payload::Ke(KeRepr { data: k }));
        }
        for id in &q.ids {
            body.push(Payload::Id((*id).clone()));
        }
        if chosen.responder_lifetime {
            // RFC 2407 4.6.3.1: our lifetime is shorter than offered; tell the initiator.
            body.push(Payload::Notify(NotifyRepr {
                doi: Doi::IPSEC,
                protocol_id: ProtocolId::ESP,
                spi: spi_in.to_be_bytes().to_vec(),
                notify_type: NotifyType::RESPONDER_LIFETIME,
                data: attrs_bytes(&responder_lifetime_attrs(chosen.choice.lifetime)),
            }));
        }
        let suite = sa.suite.ok_or("no suite")?;
        let skeyid_a = &sa.keys.as_ref().ok_or("no keys")?.skeyid_a;
        // RFC 2409 5.5: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ]).
        let h = auth_v1::qm_hash2(
            suite.prf,
            skeyid_a,
            mid,
            ni,
            &emit_chain(&body).ok_or("emit")?,
        );
        let mut payloads = vec![Payload::Hash(HashRepr {
            data: h.expose().to_vec(),
        })];
        payloads.extend(body);
        let header = HeaderRepr::new(sa.cky_i, sa.cky_r, ExchangeType::QUICK_MODE, mid);
        let reply = sa.seal(header, &payloads).ok_or("seal")?;
        let pair = NewPair {
            spi_in,
            spi_out: chosen.peer_spi,
            choice: chosen.choice,
            ni,
            nr: &nr,
            g_qm: g_qm.as_ref(),
            local_ts: local_ts.clone(),
            remote_ts: remote_ts.clone(),
        };
        let child = self
            .install_pair(now, sa, pair, false, true)
            .ok_or("ESP keys could not be derived")?;
        let mut child = child;
        // A quick mode for selectors we already have is the peer's rekey of that pair.
        child.replaces = self
            .children
            .iter()
            .filter(|c| {
                c.tunnel == child.tunnel
                    && c.state != ChildState::Rekeyed
                    && c.local_ts == child.local_ts
                    && c.remote_ts == child.remote_ts
            })
            .min_by_key(|c| c.id)
            .map(|c| c.id);
        let id = child.id;
        // Kept aside (not in the tunnel's list) until quick mode 3 arrives.
        let retx = self
            .conns
            .get(sa.conn)
            .map(|c| c.retransmit)
            .unwrap_or_default();
        self.pending.push(child);
        sa.qms.insert(
            mid,
            QuickMode {
                state: QmState::RSent2,
                spi_in,
                ni: ni.to_vec(),
                nr,
                dh: None,
                local_ts,
                remote_ts,
                rekeys: None,
                child: Some(id),
                last_rx: bytes.to_vec(),
                last_tx: reply.clone(),
                retx: Outstanding::new(now, &retx, mid, vec![reply.clone()]),
                choice: Some(chosen.choice),
                linger_until: None,
            },
        );
        self.send(sa.local, sa.remote, reply);
        Ok(())
    }

    /// Initiator: quick mode message 2 → both SAs installed, message 3.
    #[allow(clippy::too_many_arguments)]
    fn qm2(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        mid: u32,
        q: &QmPayloads<'_>,
        rest: &[u8],
        hash: &[u8],
        bytes: &[u8],
    ) -> Result<(), String> {
        let (suite, keys) = (
            sa.suite.ok_or("no suite")?,
            sa.keys.as_ref().ok_or("no keys")?,
        );
        let qm = sa.qms.get_mut(&mid).ok_or("no quick mode")?;
        let want = auth_v1::qm_hash2(suite.prf, &keys.skeyid_a, mid, &qm.ni, rest);
        if auth_v1::verify_hash(&want, hash).is_err() {
            // Not from the peer: ignore, keep waiting.
            return Ok(());
        }
        let cfg = self.conns.get(sa.conn).ok_or("tunnel removed")?;
        let (Some(reply), Some(nr)) = (q.sa, q.nonce) else {
            return Err("quick mode message 2 lacks its SA or nonce payload".into());
        };
        let (mut choice, spi_out) = p2_accept(cfg, reply, sa.nat)?;
        if let Some((secs, kb)) = q.lifetime {
            // RFC 2407 4.6.3.1: the responder's shorter lifetime applies.
            if let Some(l) = secs {
                choice.lifetime = choice.lifetime.min(l);
            }
            if let Some(kb) = kb {
                choice.kilobytes = Some(choice.kilobytes.map_or(kb, |k| k.min(kb)));
            }
        }
        match q.ids.as_slice() {
            [] => {}
            [ci, cr] => {
                if id_to_ts(ci).as_ref() != Some(&qm.local_ts)
                    || id_to_ts(cr).as_ref() != Some(&qm.remote_ts)
                {
                    return Err("quick mode message 2 changed the client IDs".into());
                }
            }
            _ => return Err("quick mode message 2 must carry no client IDs or exactly two".into()),
        }
        let g_qm = match (choice.prop.pfs, q.ke, qm.dh.take()) {
            (Some(g), Some(peer), Some(dh)) if dh.group() == g => Some(
                dh.complete(peer)
                    .map_err(|_| "quick mode KE is not a valid public value".to_string())?,
            ),
            (None, None, _) => None,
            _ => {
                return Err("quick mode message 2: KE payload does not match the PFS choice".into())
            }
        };
        qm.nr = nr.to_vec();
        let (spi_in, ni, local_ts, remote_ts, rekeys) = (
            qm.spi_in,
            qm.ni.clone(),
            qm.local_ts.clone(),
            qm.remote_ts.clone(),
            qm.rekeys,
        );
        let h3 = auth_v1::qm_hash3(suite.prf, &keys.skeyid_a, mid, &ni, nr);
        let pair = NewPair {
            spi_in,
            spi_out,
            choice,
            ni: &ni,
            nr,
            g_qm: g_qm.as_ref(),
            local_ts,
            remote_ts,
        };
        // A rekey keeps our traffic on the old pair until the peer has had message 3.
        let mut child = self
            .install_pair(now, sa, pair, true, rekeys.is_some())
            .ok_or("ESP keys could not be derived")?;
        if child.pending_out.is_some() {
            child.out_at = Some(now + REKEY_OUTBOUND_DELAY);
        }
        // RFC 2409 5.5: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
        let header = HeaderRepr::new(sa.cky_i, sa.cky_r, ExchangeType::QUICK_MODE, mid);
        let m3 = sa
            .seal(
                header,
                &[Payload::Hash(HashRepr {
                    data: h3.expose().to_vec(),
                })],
            )
            .ok_or("seal")?;
        if let Some(qm) = sa.qms.get_mut(&mid) {
            qm.state = QmState::IDone;
            qm.last_rx = bytes.to_vec();
            qm.last_tx = m3.clone();
            qm.choice = Some(choice);
            qm.linger_until = Some(now + LINGER);
        }
        self.send(sa.local, sa.remote, m3);
        // `rekeys` stays even when the old pair went meanwhile (deleted by the peer): it
        // still names what a colliding quick mode of the peer replaced.
        self.child_up(now, sa, child, rekeys);
        Ok(())
    }

    /// Responder: quick mode message 3 → the outbound SA goes in.
    fn qm3(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        mid: u32,
        hash: &[u8],
    ) -> Result<(), String> {
        let (suite, keys) = (
            sa.suite.ok_or("no suite")?,
            sa.keys.as_ref().ok_or("no keys")?,
        );
        let qm = sa.qms.get(&mid).ok_or("no quick mode")?;
        let want = auth_v1::qm_hash3(suite.prf, &keys.skeyid_a, mid, &qm.ni, &qm.nr);
        if auth_v1::verify_hash(&want, hash).is_err() {
            return Ok(());
        }
        let Some(qm) = sa.qms.remove(&mid) else {
            return Ok(());
        };
        let Some(pos) = qm
            .child
            .and_then(|id| self.pending.iter().position(|c| c.id == id))
        else {
            return Ok(());
        };
        let mut child = self.pending.remove(pos);
        if let Some(cmd) = child.pending_out.take() {
            self.out.commands.push_back(cmd);
        }
        self.child_up(now, sa, child, None);
        Ok(())
    }

    /// An encrypted notify refusing the peer's quick mode (RFC 2408 3.14).
    fn refuse(&mut self, sa: &mut IsakmpSa, ty: NotifyType) {
        let n = NotifyRepr {
            doi: Doi::IPSEC,
            protocol_id: ProtocolId::ESP,
            spi: Vec::new(),
            notify_type: ty,
            data: Vec::new(),
        };
        self.send_informational(sa, Payload::Notify(n));
    }
}
