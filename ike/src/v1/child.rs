//! IKEv1 Child SAs: quick mode KEYMAT per direction (RFC 2409 5.5), the kernel commands that
//! install an ESP pair (inbound first) and remove it (outbound first), rekey bookkeeping and
//! the collision rule for two quick modes that rekeyed the same pair.
//!
//! Never builds quick mode messages (quick_mode.rs) and never parses anything.

use super::endpoint::Endpoint;
use super::isakmp_sa::{ChildState, ChildV1, IsakmpSa};
use super::proposal::{byte_limits, P2Choice};
use crate::crypto::kdf_v1::quick_mode_keymat;
use crate::crypto::kernel::{xfrm_algo, XfrmAlgo};
use crate::crypto::{PrfAlg, Secret};
use crate::v2::{
    ChildSaRef, ChildSuiteInfo, CloseReason, Direction, Event, Instant, KernelCommand, Mode,
};
use crate::wire::v1::{DeleteRepr, Doi, Payload, ProtocolId};
use crate::wire::v2::TrafficSelector;

/// How long a pair replaced by the peer's rekey stays before we delete it ourselves.
pub(super) const REKEYED_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// How long the initiator of a rekey quick mode keeps sending on the old pair after message
/// 3: the responder installs the new pair only when message 3 arrives, so packets sent on the
/// new outbound SA before that would be dropped (measured: 2 pings lost against strongSwan).
/// The old pair is deleted when the new outbound SA goes in.
pub(super) const REKEY_OUTBOUND_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// IPsec DOI protocol number of ESP, an input of KEYMAT (RFC 2409 5.5).
const PROTO_ESP: u8 = 3;

/// RFC 2409 5.5: KEYMAT = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), expanded;
/// the SPI is the one of the SA the keys are for, so each direction has its own keys.
/// Encryption key (with the salt of a combined-mode cipher, RFC 4106 8.1) first, then the
/// integrity key.
pub(super) fn esp_algo(
    prf: PrfAlg,
    skeyid_d: &Secret,
    g_qm: Option<&Secret>,
    spi: u32,
    ni: &[u8],
    nr: &[u8],
    choice: &P2Choice,
) -> Option<XfrmAlgo> {
    let p = choice.prop;
    let integ = if p.encr.is_aead() { None } else { p.integ };
    let elen = p.encr.keymat_len();
    let alen = integ.map_or(0, |i| i.key_len());
    let k = quick_mode_keymat(
        prf,
        skeyid_d,
        g_qm,
        PROTO_ESP,
        &spi.to_be_bytes(),
        ni,
        nr,
        elen + alen,
    );
    let e = k.slice(0, elen)?;
    let a = if alen == 0 {
        Secret::new(Vec::new())
    } else {
        k.slice(elen, alen)?
    };
    xfrm_algo(p.encr, integ, &e, &a)
}

/// What a finished (or, for the responder, half-finished) quick mode produced.
#[derive(Debug)]
pub(super) struct NewPair<'a> {
    pub spi_in: u32,
    pub spi_out: u32,
    pub choice: P2Choice,
    pub ni: &'a [u8],
    pub nr: &'a [u8],
    pub g_qm: Option<&'a Secret>,
    pub local_ts: TrafficSelector,
    pub remote_ts: TrafficSelector,
}

impl Endpoint {
    /// Derives both directions' keys and emits the inbound install, and the outbound one
    /// unless `hold_out` (then it is kept in the child: until quick mode 3 arrives for the
    /// responder, until [`REKEY_OUTBOUND_DELAY`] has passed for the initiator of a rekey).
    pub(super) fn install_pair(
        &mut self,
        now: Instant,
        sa: &IsakmpSa,
        n: NewPair<'_>,
        initiator: bool,
        hold_out: bool,
    ) -> Option<ChildV1> {
        // The quick mode responder is also the side that rekeys second: its timer is a
        // fallback at lifetime - margin/2, later than the initiator's lifetime - margin -
        // fuzz, so the two sides do not rekey at once.
        let suite = sa.suite?;
        let keys = sa.keys.as_ref()?;
        let cfg = self.conns.get(sa.conn)?;
        let algo_in = esp_algo(
            suite.prf,
            &keys.skeyid_d,
            n.g_qm,
            n.spi_in,
            n.ni,
            n.nr,
            &n.choice,
        )?;
        let algo_out = esp_algo(
            suite.prf,
            &keys.skeyid_d,
            n.g_qm,
            n.spi_out,
            n.ni,
            n.nr,
            &n.choice,
        )?;
        let (l, r) = (sa.local.ip(), sa.remote.ip());
        let encap = n.choice.encap.then(|| (sa.local.port(), sa.remote.port()));
        let (replay_window, tunnel) = (cfg.replay_window, cfg.tunnel);
        let rekey_at = now
            + if initiator {
                self.rekey_after(cfg, n.choice.lifetime)
            } else {
                let l = n.choice.lifetime;
                l.saturating_sub(cfg.rekey_margin_for(l) / 2)
            };
        let id = self.child_ref();
        let cmd = |direction, spi, src, dst, algo, encap| KernelCommand::InstallChildSa {
            child: id,
            tunnel,
            direction,
            spi,
            src,
            dst,
            mode: Mode::Tunnel,
            encap,
            algo,
            replay_window,
            esn: n.choice.prop.esn,
            local_ts: vec![n.local_ts.clone()],
            remote_ts: vec![n.remote_ts.clone()],
            hard_lifetime: n.choice.lifetime,
            byte_limits: byte_limits(n.choice.kilobytes),
        };
        self.out.commands.push_back(cmd(
            Direction::Inbound,
            n.spi_in,
            r,
            l,
            algo_in,
            encap.map(|(a, b)| (b, a)),
        ));
        let out = cmd(Direction::Outbound, n.spi_out, l, r, algo_out, encap);
        let pending_out = if hold_out {
            Some(out)
        } else {
            self.out.commands.push_back(out);
            None
        };
        Some(ChildV1 {
            id,
            tunnel,
            spi_in: n.spi_in,
            spi_out: n.spi_out,
            local: l,
            remote: r,
            local_ts: n.local_ts,
            remote_ts: n.remote_ts,
            state: ChildState::Installed,
            rekey_at,
            suite: ChildSuiteInfo {
                encr: n.choice.prop.encr,
                integ: if n.choice.prop.encr.is_aead() {
                    None
                } else {
                    n.choice.prop.integ
                },
                pfs: n.choice.prop.pfs,
                esn: n.choice.prop.esn,
            },
            kilobytes: n.choice.kilobytes,
            min_nonce: n.ni.min(n.nr).to_vec(),
            replaces: None,
            pending_out,
            out_at: None,
            delete_at: None,
        })
    }

    /// A Child SA is complete (both directions installed): record it, report it, and settle
    /// what it replaces. `rekeys` is the child our own quick mode rekeyed.
    pub(super) fn child_up(
        &mut self,
        now: Instant,
        sa: &mut IsakmpSa,
        mut child: ChildV1,
        rekeys: Option<ChildSaRef>,
    ) {
        let tunnel = child.tunnel;
        let new = child.id;
        let ours = rekeys.is_some();
        // The peer's quick mode replaces what it found in place when message 1 came (set
        // by quick_mode.rs as `replaces`).
        let old = rekeys.or(child.replaces);
        // Collision: both sides rekeyed `old`. The pair made with the lower nonce goes,
        // deleted by the side that initiated it (RFC 7296 2.8.1's rule, applied to quick
        // mode), so exactly one new pair stays. Both sides see the same two nonce pairs.
        let rival = old.and_then(|o| {
            self.children
                .iter()
                .chain(&self.pending)
                .find(|c| c.replaces == Some(o) && c.id != new)
                .map(|c| (c.id, c.min_nonce.clone()))
        });
        child.replaces = old;
        self.out.events.push_back(Event::ChildSaEstablished {
            tunnel,
            child: new,
            spi_in: child.spi_in,
            spi_out: child.spi_out,
            suite: child.suite,
            local_ts: vec![child.local_ts.clone()],
            remote_ts: vec![child.remote_ts.clone()],
        });
        let min_nonce = child.min_nonce.clone();
        // A rekey of ours holds the new outbound SA back until then (quick_mode.rs).
        let outbound_at = child.out_at;
        self.children.push(child);
        if let Some(o) = old.filter(|o| self.children.iter().any(|c| c.id == *o)) {
            self.out.events.push_back(Event::ChildSaRekeyed {
                tunnel,
                old: o,
                new,
            });
            if let Some(c) = self.children.iter_mut().find(|c| c.id == o) {
                c.state = ChildState::Rekeyed;
                c.delete_at = if ours {
                    // RFC 2409 has no rekey exchange: the initiator of the new pair deletes
                    // the old one once the new one is in place: when our new outbound SA
                    // goes in (at once when it is not held back).
                    outbound_at
                } else {
                    // strongSwan (delete_rekeyed = no, its IKEv1 default) and libreswan
                    // leave the replaced pair to expire; two pairs for one tunnel is state
                    // nobody needs, so it goes after a grace period for packets in flight.
                    Some(now + REKEYED_GRACE)
                };
            }
            if ours && outbound_at.is_none() {
                self.delete_child_via(now, Some(&mut *sa), o, Some(CloseReason::Rekeyed));
            }
        }
        if let Some((_, rival_nonce)) = rival {
            if ours && min_nonce < rival_nonce {
                self.delete_child_via(now, Some(sa), new, Some(CloseReason::Rekeyed));
            }
        }
    }

    /// Removes a child: kernel deletes (outbound first), the closed event when `reason` is
    /// given, and a Delete payload through `via` (or the tunnel's current ISAKMP SA).
    pub(super) fn delete_child_via(
        &mut self,
        _now: Instant,
        via: Option<&mut IsakmpSa>,
        id: ChildSaRef,
        reason: Option<CloseReason>,
    ) {
        let Some(pos) = self.children.iter().position(|c| c.id == id) else {
            return;
        };
        let c = self.children.remove(pos);
        self.remove_kernel(&c, reason);
        let d = DeleteRepr {
            doi: Doi::IPSEC,
            protocol_id: ProtocolId::ESP,
            spi_size: 4,
            // RFC 2408 3.15 / common practice: the SPI we receive on (our inbound SA).
            spis: vec![c.spi_in.to_be_bytes().to_vec()],
        };
        self.informational_via(via, c.tunnel, Payload::Delete(d));
    }

    /// Removes a child; `tell` sends a Delete to the peer.
    pub(super) fn delete_child(
        &mut self,
        now: Instant,
        id: ChildSaRef,
        reason: Option<CloseReason>,
        tell: bool,
    ) {
        if tell {
            self.delete_child_via(now, None, id, reason);
        } else if let Some(pos) = self.children.iter().position(|c| c.id == id) {
            let c = self.children.remove(pos);
            self.remove_kernel(&c, reason);
        }
    }

    /// Removes every child of `tunnel` (one Delete payload for all when `tell`).
    pub(super) fn delete_children(
        &mut self,
        _now: Instant,
        tunnel: crate::config::TunnelRef,
        reason: CloseReason,
        tell: bool,
    ) {
        let (gone, keep): (Vec<ChildV1>, Vec<ChildV1>) = std::mem::take(&mut self.children)
            .into_iter()
            .partition(|c| c.tunnel == tunnel);
        self.children = keep;
        if gone.is_empty() {
            return;
        }
        for c in &gone {
            self.remove_kernel(c, Some(reason.clone()));
        }
        if tell {
            let d = DeleteRepr {
                doi: Doi::IPSEC,
                protocol_id: ProtocolId::ESP,
                spi_size: 4,
                spis: gone
                    .iter()
                    .map(|c| c.spi_in.to_be_bytes().to_vec())
                    .collect(),
            };
            self.informational_via(None, tunnel, Payload::Delete(d));
        }
    }

    fn remove_kernel(&mut self, c: &ChildV1, reason: Option<CloseReason>) {
        for (direction, spi, src, dst) in [
            (Direction::Outbound, c.spi_out, c.local, c.remote),
            (Direction::Inbound, c.spi_in, c.remote, c.local),
        ] {
            if direction == Direction::Outbound && c.pending_out.is_some() {
                continue;
            }
            self.out.commands.push_back(KernelCommand::DeleteChildSa {
                child: c.id,
                tunnel: c.tunnel,
                direction,
                spi,
                src,
                dst,
            });
        }
        if let Some(reason) = reason {
            self.out.events.push_back(Event::ChildSaClosed {
                tunnel: c.tunnel,
                child: c.id,
                reason,
            });
        }
    }

    /// Rekeys a child: a quick mode on the tunnel's current ISAKMP SA, or a new main mode
    /// first when there is none (the quick mode follows it).
    pub(super) fn rekey_child(&mut self, now: Instant, id: ChildSaRef) {
        let Some(tunnel) = self.children.iter().find(|c| c.id == id).map(|c| c.tunnel) else {
            return;
        };
        match self.current_cookie(tunnel) {
            Some(k) => {
                if let Some(mut sa) = self.sas.remove(&k) {
                    if self.start_quick_mode(now, &mut sa, Some(id)) {
                        if let Some(c) = self.children.iter_mut().find(|c| c.id == id) {
                            c.state = ChildState::Rekeying;
                        }
                        self.out
                            .events
                            .push_back(Event::ChildSaRekeying { tunnel, child: id });
                    }
                    self.put_back(sa);
                }
            }
            None => {
                if let Some(c) = self.children.iter_mut().find(|c| c.id == id) {
                    // Try again once phase 1 is back (established() starts due rekeys).
                    c.rekey_at = now + super::endpoint::RETRY;
                }
                if !self.sas.values().any(|s| s.tunnel == tunnel) {
                    if let Some(i) = self.conn_index(tunnel) {
                        if self.start_main_mode_any(now, i).is_none() {
                            self.schedule_retry(now, i);
                        }
                    }
                }
            }
        }
    }

    /// Child timers: held outbound SAs that are due (first, so a replaced pair goes only
    /// once its successor carries the traffic), replaced pairs whose time is up, and rekeys
    /// that are due.
    pub(super) fn child_timers(&mut self, now: Instant) {
        for c in &mut self.children {
            if c.out_at.is_some_and(|t| t <= now) {
                c.out_at = None;
                if let Some(cmd) = c.pending_out.take() {
                    self.out.commands.push_back(cmd);
                }
            }
        }
        let gone: Vec<ChildSaRef> = self
            .children
            .iter()
            .filter(|c| c.delete_at.is_some_and(|t| t <= now))
            .map(|c| c.id)
            .collect();
        for id in gone {
            self.delete_child(now, id, Some(CloseReason::Rekeyed), true);
        }
        let due: Vec<ChildSaRef> = self
            .children
            .iter()
            .filter(|c| c.state == ChildState::Installed && c.rekey_at <= now)
            .map(|c| c.id)
            .collect();
        for id in due {
            self.rekey_child(now, id);
        }
    }
}
