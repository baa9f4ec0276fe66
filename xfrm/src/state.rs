//! `KernelState` (what a snapshot found) and `DesiredKernel` (what the config wants), and the
//! pure reconciliation between them.
//!
//! `KernelState::diff` adopts what already matches, replaces what differs, and removes only
//! leftovers carrying our ownership tags ([`Ownership`]); foreign objects are never modified
//! or deleted (a clash with one yields a plain add that the kernel refuses with EEXIST, so the
//! conflict surfaces instead of being papered over). Ops come out make-before-break: links
//! and addresses, inbound SAs, outbound SAs, policies, routes; deletions last (routes,
//! policies, SAs, addresses, links). Exceptions, both forced by the kernel: an SA whose keys
//! changed under the same SPI, and a link re-created with another kind, are replaced
//! break-before-make. Larval SAs (ALLOCSPI) are filled with `UpdateSa`, otherwise left to
//! expire on their own. No I/O happens here.

use crate::model::{Policy, Sa, SaCounters, SaId};
use crate::net::{Address, Link, Route};
use crate::ops::{KernelOp, Ownership};

/// An SA as found in the kernel, with its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledSa {
    /// The SA.
    pub sa: Sa,
    /// Its counters.
    pub counters: SaCounters,
}

/// A larval SA left by ALLOCSPI (no algorithms yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LarvalSa {
    /// Its id.
    pub id: SaId,
    /// Source address of the allocation.
    pub src: std::net::IpAddr,
    /// reqid of the allocation.
    pub reqid: u32,
}

/// Everything a snapshot read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelState {
    /// Complete SAs.
    pub sas: Vec<InstalledSa>,
    /// Larval SAs (SPI reserved, not yet filled in).
    pub larval: Vec<LarvalSa>,
    /// Policies.
    pub policies: Vec<Policy>,
    /// Links.
    pub links: Vec<Link>,
    /// Interface addresses.
    pub addresses: Vec<Address>,
    /// Routes of all tables.
    pub routes: Vec<Route>,
}

/// What the configuration wants in the kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredKernel {
    /// Tunnel links.
    pub links: Vec<Link>,
    /// Addresses on those links.
    pub addresses: Vec<Address>,
    /// SAs we receive on (installed first).
    pub inbound_sas: Vec<Sa>,
    /// SAs we send on.
    pub outbound_sas: Vec<Sa>,
    /// Policies.
    pub policies: Vec<Policy>,
    /// Routes.
    pub routes: Vec<Route>,
}

impl KernelState {
    /// Finds a complete SA by id.
    pub fn sa(&self, id: &SaId) -> Option<&InstalledSa> {
        self.sas.iter().find(|s| s.sa.id() == *id)
    }

    /// The ops that turn this state into `desired`, touching only what `owner` owns.
    pub fn diff(&self, desired: &DesiredKernel, owner: &Ownership) -> Vec<KernelOp> {
        let mut ops = Vec::new();
        let mut removed_links: Vec<&str> = Vec::new();
        // Our links re-created with another kind lose their addresses and routes.
        let mut recreated: Vec<&str> = Vec::new();

        for d in &desired.links {
            match self.links.iter().find(|k| k.name == d.name) {
                None => ops.push(KernelOp::AddLink(d.clone())),
                Some(k) if !k.same_kind(d) => {
                    if owner.owns_link(k) {
                        ops.push(KernelOp::DelLink(k.name.clone()));
                        recreated.push(&d.name);
                    }
                    ops.push(KernelOp::AddLink(d.clone()));
                }
                Some(k) if !k.settings_match(d) => ops.push(KernelOp::SetLink {
                    name: d.name.clone(),
                    up: d.up,
                    mtu: d.mtu,
                }),
                Some(_) => {}
            }
        }
        for a in &desired.addresses {
            if !self.addresses.contains(a) || recreated.contains(&a.link.as_str()) {
                ops.push(KernelOp::AddAddress(a.clone()));
            }
        }
        for d in desired.inbound_sas.iter().chain(&desired.outbound_sas) {
            self.diff_sa(d, owner, &mut ops);
        }
        for d in &desired.policies {
            match self.policies.iter().find(|k| k.id() == d.id()) {
                None => ops.push(KernelOp::AddPolicy(d.clone())),
                Some(k) if k == d => {}
                Some(k) if owner.owns_policy(k) => ops.push(KernelOp::UpdatePolicy(d.clone())),
                Some(_) => ops.push(KernelOp::AddPolicy(d.clone())),
            }
        }
        let gone = |r: &Route| recreated.iter().any(|l| r.uses_link(l));
        for d in &desired.routes {
            match self.routes.iter().find(|k| k.id() == d.id()) {
                None => ops.push(KernelOp::ReplaceRoute(d.clone())),
                Some(k) if gone(k) => ops.push(KernelOp::ReplaceRoute(d.clone())),
                Some(k) if k.canonical() == d.canonical() => {}
                Some(k) if owner.owns_route(k) => ops.push(KernelOp::ReplaceRoute(d.clone())),
                Some(_) => ops.push(KernelOp::AddRoute(d.clone())),
            }
        }

        // Deletions last: nothing is torn down before its replacement is in place.
        for k in &self.routes {
            let wanted = desired.routes.iter().any(|d| d.id() == k.id());
            if owner.owns_route(k) && !wanted && !gone(k) {
                ops.push(KernelOp::DelRoute(k.id()));
            }
        }
        for k in &self.policies {
            if owner.owns_policy(k) && !desired.policies.iter().any(|d| d.id() == k.id()) {
                ops.push(KernelOp::DelPolicy(k.id()));
            }
        }
        let wanted_sa = |id: SaId| {
            desired
                .inbound_sas
                .iter()
                .chain(&desired.outbound_sas)
                .any(|d| d.id() == id)
        };
        for k in &self.sas {
            if owner.owns_sa(&k.sa) && !wanted_sa(k.sa.id()) {
                ops.push(KernelOp::DelSa(k.sa.id()));
            }
        }
        for k in &self.links {
            if owner.owns_link(k) && !desired.links.iter().any(|d| d.name == k.name) {
                removed_links.push(&k.name);
            }
        }
        for a in &self.addresses {
            let ours = self
                .links
                .iter()
                .any(|l| l.name == a.link && owner.owns_link(l));
            let link_gone =
                removed_links.contains(&a.link.as_str()) || recreated.contains(&a.link.as_str());
            // The kernel gives every link an IPv6 link-local address of its own; it is not
            // ours to remove (removing it only churns on every start).
            let kernel_link_local = matches!(a.local.addr(), std::net::IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80);
            if ours && !link_gone && !kernel_link_local && !desired.addresses.contains(a) {
                ops.push(KernelOp::DelAddress(a.clone()));
            }
        }
        for name in removed_links {
            ops.push(KernelOp::DelLink(name.to_string()));
        }
        ops
    }

    fn diff_sa(&self, d: &Sa, owner: &Ownership, ops: &mut Vec<KernelOp>) {
        let id = d.id();
        if self.larval.iter().any(|l| l.id == id) {
            // ALLOCSPI left a larval SA: only UPDSA can fill it in.
            ops.push(KernelOp::UpdateSa(d.clone()));
            return;
        }
        match self.sa(&id) {
            None => ops.push(KernelOp::AddSa(d.clone())),
            Some(k) if k.sa == *d => {}
            Some(k) if !owner.owns_sa(&k.sa) => ops.push(KernelOp::AddSa(d.clone())),
            Some(k) if k.sa.updatable_to(d) => ops.push(KernelOp::UpdateSa(d.clone())),
            Some(_) => {
                // Keys or algorithms changed under the same SPI: the kernel cannot update
                // those in a live SA, so this one SA is replaced break-before-make.
                ops.push(KernelOp::DelSa(id));
                ops.push(KernelOp::AddSa(d.clone()));
            }
        }
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
