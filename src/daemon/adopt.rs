//! Restart without dropping traffic (issue 8): at start-up the daemon adopts the SAs a
//! previous process of ours left in the kernel (`xfrmd stop --keep-sas`, or a crash). Each
//! owned SA whose reqid belongs to a configured tunnel is kept and counts as that tunnel
//! being up, so its routes stay where they were; the tunnel initiates a fresh IKE SA at once,
//! and once its new Child SA is installed the adopted SAs are deleted after a short grace
//! (the peer moves its outbound traffic to the newest SA). Adopted SAs whose tunnel does not
//! come back within [`ADOPT_LIMIT`] are deleted too; SAs of no configured tunnel are removed
//! by the start-up reconcile as before.
//!
//! It never negotiates (the engine does) and never keeps key material: adopted SAs are known
//! by their kernel identity only.

use std::time::Duration;

use ike::config::TunnelRef;
use ike::v2::Instant;
use xfrm::{KernelBackend, KernelError, KernelOp};

use super::Daemon;
use crate::transport::Transport;

/// How long adopted SAs outlive a new Child SA of their tunnel.
pub const ADOPT_GRACE: Duration = Duration::from_secs(2);
/// How long adopted SAs are kept when their tunnel does not come back.
pub const ADOPT_LIMIT: Duration = Duration::from_secs(90);

impl<K: KernelBackend, T: Transport> Daemon<K, T> {
    /// Finds the SAs of configured tunnels left in the kernel and adopts them (start-up).
    pub(super) fn adopt(&mut self, now: Instant) -> Result<usize, KernelError> {
        let snap = self.kernel.snapshot()?;
        let mut n = 0;
        for s in &snap.sas {
            if !self.plan.ownership.owns_sa(&s.sa) {
                continue;
            }
            let found = self.tunnels.iter().position(|t| {
                !t.removed
                    && t.binding.reqid == s.sa.reqid
                    && t.binding.if_id == s.sa.if_id
                    && t.binding.mark == s.sa.mark.map(|m| m.value)
            });
            if let Some(t) = found.and_then(|i| self.tunnels.get_mut(i)) {
                t.adopted.push(s.sa.id());
                t.adopted_until = Some(now + ADOPT_LIMIT);
                n += 1;
            }
        }
        for i in 0..self.tunnels.len() {
            let Some(t) = self.tunnels.get(i) else {
                continue;
            };
            if !t.adopted.is_empty() {
                tracing::info!(
                    tunnel = %self.label(i),
                    sas = t.adopted.len(),
                    "adopted the SAs of a previous run; renegotiating"
                );
                self.endpoint.initiate(now, TunnelRef(i as u64));
            }
        }
        Ok(n)
    }

    /// SPIs of adopted SAs (the start-up reconcile keeps them).
    pub(super) fn adopted_spis(&self) -> impl Iterator<Item = u32> + '_ {
        self.tunnels
            .iter()
            .flat_map(|t| t.adopted.iter().map(|id| id.spi))
    }

    /// Once a tunnel has a Child SA of its own, its adopted SAs go after [`ADOPT_GRACE`].
    pub(super) fn adopt_progress(&mut self, now: Instant) {
        for t in &mut self.tunnels {
            if t.adopted.is_empty() || t.state.children.is_empty() {
                continue;
            }
            let at = now + ADOPT_GRACE;
            if t.adopted_until.is_none_or(|u| u > at) {
                t.adopted_until = Some(at);
            }
        }
    }

    /// Deletes adopted SAs whose time is up.
    pub(super) fn adopt_timeouts(&mut self, now: Instant) {
        for i in 0..self.tunnels.len() {
            let due = self.tunnels.get(i).is_some_and(|t| {
                !t.adopted.is_empty() && t.adopted_until.is_some_and(|u| u <= now)
            });
            if !due {
                continue;
            }
            let ids = self
                .tunnels
                .get_mut(i)
                .map(|t| {
                    t.adopted_until = None;
                    std::mem::take(&mut t.adopted)
                })
                .unwrap_or_default();
            for id in ids {
                let op = KernelOp::DelSa(id);
                match self.kernel.apply(&op) {
                    Ok(()) => {
                        tracing::info!(tunnel = %self.label(i), op = %op, "adopted SA removed")
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => {
                        tracing::warn!(tunnel = %self.label(i), op = %op, error = %e, "adopted SA not removed")
                    }
                }
            }
        }
    }

    /// When the next adopted SA is due.
    pub(super) fn adopt_timeout(&self) -> Option<Instant> {
        self.tunnels
            .iter()
            .filter(|t| !t.adopted.is_empty())
            .filter_map(|t| t.adopted_until)
            .min()
    }
}
