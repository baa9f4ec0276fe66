//! Timers and the end of every task run for the [`Endpoint`]: retransmission ticks, dead
//! peer detection and its actions, re-initiation with backoff (startup=start, DPD restart,
//! re-initiate after delete), and applying a task's [`Outcome`] (keep, close with kernel
//! deletes, retry with another group, adopt a rekeyed SA).
//!
//! Never parses datagrams; all decisions use virtual time passed in as `now`.

use super::child_sa::release_outbound;
use super::endpoint::Endpoint;
use super::ike_sa::{Ctx, IkeSa};
use super::retransmit::{backoff, Tick};
use super::tasks::{dpd, Outcome};
use super::types::{CloseReason, Event, Instant, Transmit};
use crate::config::{DpdAction, StartupAction};

impl Endpoint {
    pub(super) fn timers(&mut self, now: Instant, sa: &mut IkeSa) -> Outcome {
        // A rekey responder's held-back outbound SA whose wait is over (child_sa.rs).
        for cmd in release_outbound(now, &mut sa.children) {
            self.out.commands.push_back(cmd);
        }
        if sa.is_established() && sa.nat_local {
            // RFC 3948 2.3: a host behind a NAT sends one-octet 0xFF keepalives so the mapping
            // stays; they carry no IKE message and no non-ESP marker.
            match sa.keepalive_at {
                Some(t) if t <= now => {
                    self.out.transmits.push_back(Transmit {
                        local: sa.local,
                        remote: sa.remote,
                        bytes: vec![0xff],
                    });
                    sa.keepalive_at = Some(now + dpd::KEEPALIVE);
                }
                None => sa.keepalive_at = Some(now + dpd::KEEPALIVE),
                _ => {}
            }
        }
        let Some(cfg) = self.conns.get(sa.conn) else {
            return Outcome::Close(CloseReason::Failed);
        };
        let dead_action =
            (sa.is_established() && !cfg.dpd_delay.is_zero()).then_some(cfg.dpd_action);
        if let Some((o, _)) = sa.outstanding.as_mut() {
            // DPD (RFC 7296 2.4): a peer that answers nothing for dpd_timeout is dead.
            if let Some(action) = dead_action {
                if now >= o.first_sent + cfg.dpd_timeout && !sa.dpd_reported {
                    sa.dpd_reported = true;
                    self.out
                        .events
                        .push_back(Event::DpdDead { tunnel: sa.tunnel });
                    match action {
                        DpdAction::Clear => return Outcome::Close(CloseReason::DpdDead),
                        DpdAction::Restart => {
                            if let Some(c) = self.conn_state.get_mut(sa.conn) {
                                c.initiate_at = Some(now);
                            }
                            return Outcome::Close(CloseReason::DpdDead);
                        }
                        DpdAction::None => {}
                    }
                }
            }
            let forever = dead_action.is_some();
            match o.tick(now, &cfg.retransmit, forever) {
                Tick::Nothing => {}
                Tick::Resend => {
                    for b in o.bytes.clone() {
                        self.out.transmits.push_back(Transmit {
                            local: sa.local,
                            remote: sa.remote,
                            bytes: b,
                        });
                    }
                }
                Tick::GiveUp => return Outcome::Close(CloseReason::Timeout),
            }
            return Outcome::Keep;
        }
        if sa.is_established() {
            dpd::schedule(now, sa, cfg);
        } else if sa.half_open_deadline.is_some_and(|t| t <= now) {
            // A responder SA whose IKE_AUTH never came: remove the half-open state.
            return Outcome::Close(CloseReason::Timeout);
        }
        Outcome::Keep
    }

    pub(super) fn schedule_retry(&mut self, now: Instant, conn: usize) {
        let Some(cfg) = self.conns.get(conn) else {
            return;
        };
        if let Some(c) = self.conn_state.get_mut(conn) {
            let d = backoff(&cfg.retransmit, c.attempts.min(cfg.retransmit.tries));
            c.attempts = c.attempts.saturating_add(1);
            c.initiate_at = Some(now + d);
        }
    }

    /// Applies a task's outcome: keep (and start queued work), close, retry or add a new SA.
    pub(super) fn finish(&mut self, now: Instant, mut sa: IkeSa, outcome: Outcome) {
        if let Some(t) = sa.handoff.take() {
            if let Some(x) = self.sas.get_mut(&t) {
                x.children.append(&mut sa.children);
                let tunnel = x.tunnel;
                let new_spi_i = x.spi_i;
                self.out.events.push_back(Event::IkeSaRekeyed {
                    tunnel,
                    old_spi_i: sa.spi_i,
                    new_spi_i,
                });
            }
        }
        if let Some(t) = sa.redundant.take() {
            if let Some(x) = self.sas.get_mut(&t) {
                x.rekeyed = true;
            }
        }
        let Some(cfg) = self.conns.get(sa.conn) else {
            return;
        };
        let mut ctx = Ctx {
            now,
            provider: &self.provider,
            cfg,
            spis: self.spis.as_mut(),
            out: &mut self.out,
        };
        match outcome {
            Outcome::Keep => {
                if sa.is_established() {
                    if let Some(c) = self.conn_state.get_mut(sa.conn) {
                        c.attempts = 0;
                    }
                }
                let next = super::tasks::pump(&mut ctx, &mut sa);
                match next {
                    Outcome::Keep => {
                        self.sas.insert(sa.local_spi(), sa);
                    }
                    other => self.finish(now, sa, other),
                }
            }
            Outcome::NewSa(new) => {
                self.finish(now, *new, Outcome::Keep);
                self.finish(now, sa, Outcome::Keep);
            }
            Outcome::RetryWithGroup(g) => {
                let conn = sa.conn;
                self.start(now, conn, Some(g));
            }
            Outcome::Close(reason) => {
                let conn = sa.conn;
                let was_established = sa.is_established();
                for c in std::mem::take(&mut sa.children) {
                    super::child_sa::remove(&mut ctx, &sa, &c, Some(reason.clone()));
                }
                self.half_open.remove(&(sa.remote, sa.spi_i));
                self.out.events.push_back(Event::IkeSaClosed {
                    tunnel: sa.tunnel,
                    spi_i: sa.spi_i,
                    reason: reason.clone(),
                });
                let retry = match reason {
                    CloseReason::DeletedByPeer => cfg.reinitiate_on_delete,
                    CloseReason::Timeout | CloseReason::Failed => {
                        cfg.startup == StartupAction::Start && (!was_established || sa.initiator)
                    }
                    CloseReason::DpdDead => cfg.dpd_action == DpdAction::Restart,
                    _ => false,
                };
                if retry && !self.sas.values().any(|s| s.conn == conn) {
                    let immediate =
                        matches!(reason, CloseReason::DeletedByPeer | CloseReason::DpdDead);
                    if immediate {
                        if let Some(c) = self.conn_state.get_mut(conn) {
                            c.initiate_at = Some(now);
                        }
                    } else {
                        self.schedule_retry(now, conn);
                    }
                }
            }
        }
    }
}
