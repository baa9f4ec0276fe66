//! The informational exchange (RFC 2409 5.7): protected notifications and deletes, DPD
//! (RFC 3706 R-U-THERE / R-U-THERE-ACK), and the timers of an ISAKMP SA (retransmission,
//! DPD, phase 1 rekey and expiry, NAT-T keepalives, quick mode retransmission).
//!
//! Informational messages are one-shot (no reply, no retransmission). Unprotected
//! notifications are trusted only to end a main mode we started and that has no keys yet.

use super::endpoint::Endpoint;
use super::isakmp_sa::{IsakmpSa, MmState, QmState};
use crate::config::{DpdAction, TunnelRef};
use crate::crypto::auth_v1;
use crate::v2::retransmit::Tick;
use crate::v2::{CloseReason, Event, Instant, Transmit};
use crate::wire::v1::{
    payload_spans, Body, ExchangeType, HashRepr, HeaderRepr, Message, NotifyRepr, NotifyType,
    Payload, PayloadType, ProtocolId,
};
use std::net::SocketAddr;
use std::time::Duration;

/// NAT-T keepalive interval (RFC 3948 2.3 suggests 20 s).
const KEEPALIVE: Duration = Duration::from_secs(20);

impl Endpoint {
    /// Sends one protected informational message carrying `payload` (RFC 2409 5.7:
    /// HDR*, HASH(1), N/D with HASH(1) = prf(SKEYID_a, M-ID | N/D)).
    pub(super) fn send_informational(&mut self, sa: &mut IsakmpSa, payload: Payload) {
        if !sa.is_established() {
            return;
        }
        let Some(mid) = self.message_id() else {
            return;
        };
        let (Some(suite), Some(keys)) = (sa.suite, sa.keys.as_ref()) else {
            return;
        };
        let mut nd = vec![0u8; payload.buffer_len()];
        if crate::wire::v1::emit_payload_chain(std::slice::from_ref(&payload), &mut nd).is_err() {
            return;
        }
        let h = auth_v1::info_hash(suite.prf, &keys.skeyid_a, mid, &nd);
        let payloads = vec![
            Payload::Hash(HashRepr {
                data: h.expose().to_vec(),
            }),
            payload,
        ];
        let header = HeaderRepr::new(sa.cky_i, sa.cky_r, ExchangeType::INFORMATIONAL, mid);
        if let Some(b) = sa.seal(header, &payloads) {
            // One-shot exchange: its IV chain is not needed again.
            sa.mid_ivs.remove(&mid);
            self.send(sa.local, sa.remote, b);
        }
    }

    /// Sends `payload` through `via`, or through the tunnel's current ISAKMP SA.
    pub(super) fn informational_via(
        &mut self,
        via: Option<&mut IsakmpSa>,
        tunnel: TunnelRef,
        payload: Payload,
    ) {
        match via {
            Some(sa) if sa.is_established() && !sa.closed => self.send_informational(sa, payload),
            _ => {
                if let Some(k) = self.current_cookie(tunnel) {
                    if let Some(mut sa) = self.sas.remove(&k) {
                        self.send_informational(&mut sa, payload);
                        self.put_back(sa);
                    }
                }
            }
        }
    }

    /// An informational message on a known SA.
    pub(super) fn informational(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        local: SocketAddr,
        remote: SocketAddr,
        msg: &Message,
    ) {
        if let Body::Plain(payloads) = &msg.body {
            // Unprotected: only an error report ending the main mode we started before any
            // key exists (anyone could forge it later on).
            if sa.initiator
                && matches!(
                    sa.state,
                    MmState::ISent1 | MmState::ISent3 | MmState::AgISent1
                )
            {
                if let Some(n) = payloads.iter().find_map(|p| match p {
                    Payload::Notify(n) if n.notify_type.is_error() => Some(n),
                    _ => None,
                }) {
                    let t = sa.tunnel;
                    self.fail(
                        t,
                        format!(
                            "the peer refused {}: {:?} (unauthenticated notify)",
                            if sa.state == MmState::AgISent1 {
                                "aggressive mode"
                            } else {
                                "main mode"
                            },
                            n.notify_type
                        ),
                    );
                    self.close_sa(now, sa, CloseReason::Failed);
                }
            }
            return;
        }
        if !sa.is_established() {
            if sa.initiator && sa.state == MmState::ISent5 {
                self.rejected_message_5(now, sa, msg);
            }
            return;
        }
        let mid = msg.header.message_id;
        let Some((payloads, chain)) = sa.open(msg) else {
            return;
        };
        sa.mid_ivs.remove(&mid);
        // RFC 2409 5.7: HASH(1) covers M-ID and everything after the HASH payload.
        let Ok((spans, used)) = payload_spans(msg.header.next_payload, &chain) else {
            return;
        };
        let (Some(Payload::Hash(h)), Some(second)) = (payloads.first(), spans.get(1)) else {
            return;
        };
        let (Some(suite), Some(keys)) = (sa.suite, sa.keys.as_ref()) else {
            return;
        };
        let Some(covered) = chain.get(second.payload.start..used) else {
            return;
        };
        if msg.header.next_payload != PayloadType::HASH
            || auth_v1::verify_hash(
                &auth_v1::info_hash(suite.prf, &keys.skeyid_a, mid, covered),
                &h.data,
            )
            .is_err()
        {
            return;
        }
        sa.dpd.last_inbound = sa.dpd.last_inbound.max(now);
        sa.follow(local, remote);
        for p in payloads.iter().skip(1) {
            match p {
                Payload::Notify(n) => self.notify(now, sa, n),
                Payload::Delete(d) if d.protocol_id == ProtocolId::ISAKMP => {
                    let mine = d.spis.iter().any(|s| {
                        s.get(..8) == Some(&sa.cky_i[..]) && s.get(8..16) == Some(&sa.cky_r[..])
                    });
                    if mine {
                        self.close_sa(now, sa, CloseReason::DeletedByPeer);
                        return;
                    }
                }
                Payload::Delete(d) if d.protocol_id == ProtocolId::ESP => {
                    for spi in &d.spis {
                        let Ok(b) = <[u8; 4]>::try_from(spi.as_slice()) else {
                            continue;
                        };
                        let spi = u32::from_be_bytes(b);
                        // The peer names the SA it receives on: our outbound one. Some
                        // implementations name ours; accept both.
                        let id = self
                            .children
                            .iter()
                            .find(|c| c.tunnel == sa.tunnel && c.spi_out == spi)
                            .or_else(|| {
                                self.children
                                    .iter()
                                    .find(|c| c.tunnel == sa.tunnel && c.spi_in == spi)
                            })
                            .map(|c| c.id);
                        if let Some(id) = id {
                            self.delete_child(now, id, Some(CloseReason::DeletedByPeer), false);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A protected informational while we wait for main mode message 6: the responder
    /// rejected message 5 (strongSwan reports so under its own keys). Its phase 2 IV seed is
    /// the last CBC block of phase 1 so far, message 5's.
    fn rejected_message_5(&mut self, now: Instant, sa: &mut IsakmpSa, msg: &Message) {
        sa.p1_last = sa.iv.clone();
        let reason = match sa.open(msg) {
            None => "the peer rejected main mode message 5 and its report does not decrypt \
                     (pre-shared key mismatch)"
                .to_string(),
            Some((payloads, _)) => match payloads.iter().find_map(|p| match p {
                Payload::Notify(n) if n.notify_type.is_error() => Some(n.notify_type),
                _ => None,
            }) {
                Some(t) => format!("the peer rejected main mode message 5: {t:?}"),
                None => return,
            },
        };
        let t = sa.tunnel;
        self.fail(t, reason);
        self.close_sa(now, sa, CloseReason::Failed);
    }

    fn notify(&mut self, now: Instant, sa: &mut IsakmpSa, n: &NotifyRepr) {
        match n.notify_type {
            NotifyType::R_U_THERE => {
                if let Some(seq) = n.dpd_sequence() {
                    // RFC 3706 5.3: answer with the same sequence number.
                    let ack = NotifyRepr::dpd(NotifyType::R_U_THERE_ACK, sa.cky_i, sa.cky_r, seq);
                    self.send_informational(sa, Payload::Notify(ack));
                }
            }
            NotifyType::R_U_THERE_ACK => {
                if let (Some(seq), Some((first, _, _))) = (n.dpd_sequence(), sa.dpd.outstanding) {
                    // RFC 3706 5.3: an ACK for one of the R-U-THEREs of this round.
                    if seq >= first && seq <= sa.dpd.seq {
                        sa.dpd.outstanding = None;
                    }
                }
            }
            NotifyType::INITIAL_CONTACT => {}
            t if t.is_error() => {
                // The peer refused one of our quick modes (the notify does not say which).
                let ours: Vec<u32> = sa
                    .qms
                    .iter()
                    .filter(|(_, q)| q.state == QmState::ISent1)
                    .map(|(m, _)| *m)
                    .collect();
                for m in ours {
                    if let Some(q) = sa.qms.remove(&m) {
                        self.rekey_failed(now, q.rekeys);
                    }
                }
                let tunnel = sa.tunnel;
                self.fail(tunnel, format!("the peer refused quick mode: {t:?}"));
            }
            _ => {}
        }
    }

    /// A rekey quick mode ended without a new pair: the old one may be rekeyed again later.
    fn rekey_failed(&mut self, now: Instant, rekeys: Option<crate::v2::ChildSaRef>) {
        if let Some(c) = rekeys.and_then(|r| self.children.iter_mut().find(|c| c.id == r)) {
            if c.state == super::isakmp_sa::ChildState::Rekeying {
                c.state = super::isakmp_sa::ChildState::Installed;
                c.rekey_at = now + super::endpoint::RETRY;
            }
        }
    }

    /// The earliest instant this SA needs `handle_timeout`.
    pub(super) fn sa_deadline(&self, sa: &IsakmpSa) -> Option<Instant> {
        let cfg = self.conns.get(sa.conn)?;
        let retx = sa.retx.as_ref().map(|o| o.next);
        let qms = sa.qms.values().map(|q| match q.state {
            QmState::IDone => q.linger_until.unwrap_or(q.retx.next),
            _ => q.retx.next,
        });
        let dpd = (sa.is_established() && sa.dpd.enabled && !cfg.dpd_delay.is_zero()).then(|| {
            match sa.dpd.outstanding {
                Some((_, first, next)) => next.min(first + cfg.dpd_timeout),
                None => sa.dpd.last_inbound + cfg.dpd_delay,
            }
        });
        [
            retx,
            dpd,
            sa.rekey_at
                .filter(|_| !sa.replaced && sa.rekeyed_by.is_none()),
            sa.expire_at,
            sa.keepalive_at,
        ]
        .into_iter()
        .flatten()
        .chain(qms)
        .min()
    }

    /// Timers of one SA (taken out of the map by the caller).
    pub(super) fn sa_timers(&mut self, now: Instant, sa: &mut IsakmpSa) {
        let Some(cfg) = self.conns.get(sa.conn) else {
            self.close_sa(now, sa, CloseReason::Failed);
            return;
        };
        let (retransmit, dpd_delay, dpd_timeout, dpd_action) = (
            cfg.retransmit,
            cfg.dpd_delay,
            cfg.dpd_timeout,
            cfg.dpd_action,
        );
        // Main mode retransmission (RFC 2408 / 2409: the initiator resends until answered).
        if let Some(o) = sa.retx.as_mut() {
            match o.tick(now, &retransmit, false) {
                Tick::Resend => {
                    let b = o.bytes.first().cloned().unwrap_or_default();
                    self.send(sa.local, sa.remote, b);
                }
                Tick::GiveUp => {
                    let (what, authenticating) = match sa.state {
                        MmState::ISent1 => ("no answer to main mode message 1", false),
                        MmState::ISent3 => ("no answer to main mode message 3", false),
                        MmState::AgISent1 => ("no answer to aggressive mode message 1", false),
                        // The responder waits for the initiator's authentication.
                        MmState::AgRSent2 => ("no aggressive mode message 3 after message 2", true),
                        _ => ("no answer to main mode message 5", true),
                    };
                    let t = sa.tunnel;
                    let signed = sa
                        .suite
                        .is_some_and(|s| super::proposal::is_signature_method(s.auth));
                    let hint = if authenticating && signed {
                        " (the peer rejected our certificate, signature or identity?)"
                    } else if authenticating {
                        " (pre-shared key or identity mismatch?)"
                    } else {
                        ""
                    };
                    self.fail(t, format!("{what}{hint}"));
                    self.close_sa(now, sa, CloseReason::Timeout);
                    return;
                }
                Tick::Nothing => {}
            }
        }
        // Quick mode retransmission and the end of lingering finished ones.
        let mids: Vec<u32> = sa.qms.keys().copied().collect();
        for mid in mids {
            let Some(q) = sa.qms.get_mut(&mid) else {
                continue;
            };
            if q.state == QmState::IDone {
                if q.linger_until.is_some_and(|t| t <= now) {
                    sa.qms.remove(&mid);
                }
                continue;
            }
            match q.retx.tick(now, &retransmit, false) {
                Tick::Resend => {
                    let b = q.last_tx.clone();
                    self.send(sa.local, sa.remote, b);
                }
                Tick::GiveUp => {
                    if let Some(q) = sa.qms.remove(&mid) {
                        if let Some(id) = q.child {
                            self.drop_pending(id);
                        }
                        self.rekey_failed(now, q.rekeys);
                        let t = sa.tunnel;
                        self.fail(t, "no answer to quick mode".into());
                    }
                }
                Tick::Nothing => {}
            }
        }
        if !sa.is_established() {
            return;
        }
        if sa.behind_nat {
            match sa.keepalive_at {
                Some(t) if t <= now => {
                    // RFC 3948 2.3: a one-octet 0xFF keepalive keeps the NAT mapping.
                    self.out.transmits.push_back(Transmit {
                        local: sa.local,
                        remote: sa.remote,
                        bytes: vec![0xff],
                    });
                    sa.keepalive_at = Some(now + KEEPALIVE);
                }
                None => sa.keepalive_at = Some(now + KEEPALIVE),
                _ => {}
            }
        }
        // DPD (RFC 3706 5.5): only when nothing came from the peer for dpd_delay.
        if sa.dpd.enabled && !dpd_delay.is_zero() && !sa.replaced {
            match sa.dpd.outstanding {
                Some((_, first, _)) if now >= first + dpd_timeout => {
                    let tunnel = sa.tunnel;
                    self.out.events.push_back(Event::DpdDead { tunnel });
                    match dpd_action {
                        DpdAction::None => sa.dpd.outstanding = None,
                        DpdAction::Clear | DpdAction::Restart => {
                            self.delete_children(now, tunnel, CloseReason::DpdDead, false);
                            self.close_sa(now, sa, CloseReason::DpdDead);
                            if dpd_action == DpdAction::Restart {
                                if let Some(c) = self.conn_state.get_mut(sa.conn) {
                                    c.initiate_at = Some(now);
                                }
                            }
                            return;
                        }
                    }
                }
                Some((first, t0, next)) if now >= next => {
                    self.send_dpd(sa);
                    sa.dpd.outstanding = Some((first, t0, now + retransmit.timeout));
                }
                None if now >= sa.dpd.last_inbound + dpd_delay => {
                    let first = sa.dpd.seq.wrapping_add(1);
                    self.send_dpd(sa);
                    sa.dpd.outstanding = Some((first, now, now + retransmit.timeout));
                }
                _ => {}
            }
        }
        // Phase 1 rekey: a new main mode; the new SA replaces this one when established.
        if sa.rekey_at.is_some_and(|t| t <= now) && !sa.replaced && sa.rekeyed_by.is_none() {
            let tunnel = sa.tunnel;
            let newer = self
                .sas
                .values()
                .any(|s| s.tunnel == tunnel && s.created > sa.created);
            if !newer {
                self.out.events.push_back(Event::IkeSaRekeying {
                    tunnel,
                    spi_i: u64::from_be_bytes(sa.cky_i),
                });
                sa.rekeyed_by = self.start_main_mode_any(now, sa.conn);
            }
            if sa.rekeyed_by.is_none() {
                sa.rekey_at = Some(now + super::endpoint::RETRY);
            }
        }
        if sa.expire_at.is_some_and(|t| t <= now) {
            let k = sa.local_cookie();
            // RFC 2409: an expired ISAKMP SA is deleted; its Child SAs live on.
            self.send_isakmp_delete(sa);
            self.close_sa(now, sa, CloseReason::Expired);
            let _ = k;
        }
    }

    fn send_dpd(&mut self, sa: &mut IsakmpSa) {
        sa.dpd.seq = sa.dpd.seq.wrapping_add(1);
        let n = NotifyRepr::dpd(NotifyType::R_U_THERE, sa.cky_i, sa.cky_r, sa.dpd.seq);
        self.send_informational(sa, Payload::Notify(n));
    }

    /// A Delete for this ISAKMP SA (cookie pair, RFC 2408 3.15).
    pub(super) fn send_isakmp_delete(&mut self, sa: &mut IsakmpSa) {
        let mut spi = sa.cky_i.to_vec();
        spi.extend_from_slice(&sa.cky_r);
        let d = crate::wire::v1::DeleteRepr {
            doi: crate::wire::v1::Doi::IPSEC,
            protocol_id: ProtocolId::ISAKMP,
            spi_size: 16,
            spis: vec![spi],
        };
        self.send_informational(sa, Payload::Delete(d));
    }

    /// Drops a responder's half-installed pair (quick mode 3 never came).
    pub(super) fn drop_pending(&mut self, id: crate::v2::ChildSaRef) {
        if let Some(pos) = self.pending.iter().position(|c| c.id == id) {
            let c = self.pending.remove(pos);
            self.out
                .commands
                .push_back(crate::v2::KernelCommand::DeleteChildSa {
                    child: c.id,
                    tunnel: c.tunnel,
                    direction: crate::v2::Direction::Inbound,
                    spi: c.spi_in,
                    src: c.remote,
                    dst: c.local,
                });
        }
    }
}
