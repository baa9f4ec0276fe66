//! Reload (`xfrmd reload`, SIGHUP): applies a new site file as a diff. A tunnel whose IKE
//! configuration and kernel binding did not change keeps its IKE and Child SAs (same SPIs);
//! a changed tunnel is deleted and renegotiated alone; a new tunnel is added, a removed one
//! deleted with its kernel objects. Routes, SPD entries and interfaces are reconciled with
//! the new plan, and route-only changes (priority, weight, networks) move routes without
//! touching any SA.
//!
//! The caller has already validated the file (an invalid file never gets here, so the
//! running configuration stays in force). Tunnel indices are stable: a removed tunnel's
//! index stays reserved, so the engine's and the kernel's references never shift.

use ike::config::TunnelRef;
use ike::v2::Instant;
use policy::Site;
use xfrm::{KernelBackend, KernelError};

use super::{tunnel_entry, Daemon};
use crate::config_map::{map_site, MapError};
use crate::control::PhaseState;
use crate::plan::{decided_routes, plan_keeping};
use crate::transport::Transport;

/// What a reload did, by tunnel label (`connection/tunnel`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadSummary {
    /// Unchanged: SAs kept.
    pub kept: Vec<String>,
    /// Changed: deleted and renegotiated.
    pub renegotiated: Vec<String>,
    /// New in the file.
    pub added: Vec<String>,
    /// Gone from the file: deleted.
    pub removed: Vec<String>,
}

impl std::fmt::Display for ReloadSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_owned()
            } else {
                v.join(" ")
            }
        };
        write!(
            f,
            "reloaded: kept {} | renegotiated {} | added {} | removed {}",
            list(&self.kept),
            list(&self.renegotiated),
            list(&self.added),
            list(&self.removed)
        )
    }
}

/// Why a reload was refused or failed half-way.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// A PSK file or an unsupported option (nothing was changed).
    #[error("{0}")]
    Map(#[from] MapError),
    /// The kernel refused part of the new plan (the daemon runs the new configuration).
    #[error("kernel: {0}")]
    Kernel(#[from] KernelError),
}

impl<K: KernelBackend, T: Transport> Daemon<K, T> {
    /// Applies `site` (already validated) as a diff; `read` reads PSK files.
    pub fn reload(
        &mut self,
        now: Instant,
        site: &Site,
        read: &dyn Fn(&str) -> std::io::Result<String>,
    ) -> Result<ReloadSummary, ReloadError> {
        let mut plan = plan_keeping(site, Some(&self.plan));
        let mut mapped = map_site(site, &plan, read)?;
        let mut summary = ReloadSummary::default();
        let mut seen = vec![false; self.tunnels.len()];
        for m in &mut mapped {
            let label = format!("{}/{}", m.connection, m.tunnel);
            let fresh = tunnel_entry(site, &plan, m);
            let found = self
                .tunnels
                .iter()
                .position(|t| t.connection == m.connection && t.name == m.tunnel);
            let Some(i) = found else {
                let i = self.tunnels.len();
                m.config.tunnel = TunnelRef(i as u64);
                self.tunnels.push(fresh);
                seen.push(true);
                self.endpoint.configure(now, m.config.clone(), false);
                summary.added.push(label);
                continue;
            };
            if let Some(s) = seen.get_mut(i) {
                *s = true;
            }
            let tref = TunnelRef(i as u64);
            m.config.tunnel = tref;
            let Some(old) = self.tunnels.get_mut(i) else {
                continue;
            };
            let unchanged = !old.removed
                && old.binding == fresh.binding
                && old.interface == fresh.interface
                && self.endpoint.config(tref).is_some_and(|c| *c == m.config);
            if unchanged {
                // Keep the SAs and the tunnel's state; take the new probe settings and
                // route identity.
                let mut next = fresh;
                next.state = std::mem::take(&mut old.state);
                if let (Some(p), Some(o)) = (next.prober.as_mut(), old.prober.as_ref()) {
                    if p.config() == o.config() {
                        *p = o.clone();
                    }
                }
                *old = next;
                self.endpoint.configure(now, m.config.clone(), false);
                summary.kept.push(label);
            } else {
                let was_up = matches!(
                    old.state.phase1_state,
                    PhaseState::Established | PhaseState::Rekeying
                );
                if let Some(r) = &old.route_ref {
                    // A renegotiated tunnel comes back as new: no preempt hold-down.
                    self.health.tunnels.remove(r);
                }
                *old = fresh;
                self.endpoint.terminate(now, tref);
                self.endpoint.configure(now, m.config.clone(), was_up);
                summary.renegotiated.push(label);
            }
        }
        for (i, t) in self.tunnels.iter_mut().enumerate() {
            if t.removed || seen.get(i).copied().unwrap_or(false) {
                continue;
            }
            summary.removed.push(format!("{}/{}", t.connection, t.name));
            self.endpoint.remove(now, TunnelRef(i as u64));
            if let Some(r) = t.route_ref.take() {
                self.health.tunnels.remove(&r);
            }
            t.removed = true;
            t.prober = None;
            t.state.admin_down = true;
        }
        self.decision = policy::decide(&plan.compiled, &self.health, &self.decision, now.0);
        plan.desired.routes = decided_routes(&self.decision, &plan.compiled.interfaces);
        self.plan = plan;
        // SPIs allocated from now on carry the new tunnels' reqids and marks.
        self.larval.set_bindings(self.spi_bindings());
        self.drive(now);
        let ops = self.reconcile()?;
        tracing::info!(ops = ops.len(), "{summary}");
        Ok(summary)
    }
}
