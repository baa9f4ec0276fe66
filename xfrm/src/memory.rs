//! `MemoryKernel`: the recording twin of the kernel, for simulation and unit tests.
//!
//! It keeps SAD, SPD, links, addresses and routes in memory, records every applied op in a
//! log, allocates SPIs sequentially, and answers like Linux does (EEXIST on a duplicate add,
//! ESRCH for a missing SA or route, ENOENT for a missing policy, ENODEV for a missing link).
//! Tests advance counters and inject ACQUIRE/EXPIRE/MAPPING events. It never touches a real
//! kernel.

use std::collections::VecDeque;

use crate::error::{Errno, KernelError, Result};
use crate::model::{SaCounters, SaId, SpiRequest};
use crate::net::{NextHops, Route};
use crate::ops::{KernelBackend, KernelEvent, KernelOp};
use crate::state::{InstalledSa, KernelState, LarvalSa};

/// EADDRNOTAVAIL: what the kernel answers for deleting a missing address.
const EADDRNOTAVAIL: Errno = Errno(99);

/// In-memory kernel with an op log.
#[derive(Debug, Default)]
pub struct MemoryKernel {
    state: KernelState,
    log: Vec<KernelOp>,
    next_spi: u32,
    events: VecDeque<KernelEvent>,
    failures: VecDeque<Errno>,
}

impl MemoryKernel {
    /// An empty kernel (no links at all, not even `lo`).
    pub fn new() -> Self {
        MemoryKernel::default()
    }

    /// A kernel that already holds `state` (e.g. a restart with leftovers).
    pub fn with_state(state: KernelState) -> Self {
        MemoryKernel {
            state,
            ..MemoryKernel::default()
        }
    }

    /// Every op applied successfully so far, in order.
    pub fn log(&self) -> &[KernelOp] {
        &self.log
    }

    /// Returns and clears the op log.
    pub fn take_log(&mut self) -> Vec<KernelOp> {
        std::mem::take(&mut self.log)
    }

    /// The current state (same as `snapshot`, without the `Result`).
    pub fn state(&self) -> &KernelState {
        &self.state
    }

    /// Mutable state, for tests that plant foreign objects.
    pub fn state_mut(&mut self) -> &mut KernelState {
        &mut self.state
    }

    /// Makes the next `apply` fail with `errno` (queued; one failure per call).
    pub fn fail_next_apply(&mut self, errno: Errno) {
        self.failures.push_back(errno);
    }

    /// Queues an event for `poll_event`.
    pub fn inject(&mut self, event: KernelEvent) {
        self.events.push_back(event);
    }

    /// Adds traffic to an SA's counters; returns false if there is no such SA.
    pub fn advance_counters(&mut self, id: &SaId, bytes: u64, packets: u64) -> bool {
        match self.state.sas.iter_mut().find(|s| s.sa.id() == *id) {
            Some(s) => {
                s.counters.bytes = s.counters.bytes.saturating_add(bytes);
                s.counters.packets = s.counters.packets.saturating_add(packets);
                true
            }
            None => false,
        }
    }

    /// Emits an EXPIRE for the SA like the kernel would; a hard expire also removes the SA.
    /// Returns false if there is no such SA.
    pub fn expire(&mut self, id: &SaId, hard: bool) -> bool {
        let Some(pos) = self.state.sas.iter().position(|s| s.sa.id() == *id) else {
            return false;
        };
        let reqid = self.state.sas.get(pos).map_or(0, |s| s.sa.reqid);
        if hard {
            self.state.sas.remove(pos);
        }
        self.events.push_back(KernelEvent::Expire {
            id: *id,
            reqid,
            hard,
        });
        true
    }

    fn link_exists(&self, name: &str) -> bool {
        self.state.links.iter().any(|l| l.name == name)
    }

    fn route_devs_exist(&self, r: &Route) -> bool {
        match &r.nexthops {
            NextHops::Dev { dev, .. } => self.link_exists(dev),
            NextHops::Multipath(h) => !h.is_empty() && h.iter().all(|n| self.link_exists(&n.dev)),
            NextHops::Blackhole => true,
        }
    }

    fn exec(&mut self, op: &KernelOp) -> std::result::Result<(), Errno> {
        let st = &mut self.state;
        match op {
            KernelOp::AddSa(sa) => {
                let id = sa.id();
                if st.sa(&id).is_some() || st.larval.iter().any(|l| l.id == id) {
                    return Err(Errno::EEXIST);
                }
                st.sas.push(InstalledSa {
                    sa: sa.clone(),
                    counters: SaCounters::default(),
                });
            }
            KernelOp::UpdateSa(sa) => {
                let id = sa.id();
                if let Some(pos) = st.larval.iter().position(|l| l.id == id) {
                    st.larval.remove(pos);
                    st.sas.push(InstalledSa {
                        sa: sa.clone(),
                        counters: SaCounters::default(),
                    });
                } else if let Some(k) = st.sas.iter_mut().find(|s| s.sa.id() == id) {
                    // Like xfrm_state_update on a live SA: lifetimes change, and the ports of
                    // an existing encapsulation; keys and everything else stay.
                    k.sa.lifetime = sa.lifetime;
                    if k.sa.encap.is_some() && sa.encap.is_some() {
                        k.sa.encap = sa.encap;
                    }
                } else {
                    return Err(Errno::ESRCH);
                }
            }
            KernelOp::DelSa(id) => {
                let before = st.sas.len() + st.larval.len();
                st.sas.retain(|s| s.sa.id() != *id);
                st.larval.retain(|l| l.id != *id);
                if before == st.sas.len() + st.larval.len() {
                    return Err(Errno::ESRCH);
                }
            }
            KernelOp::AddPolicy(p) => {
                if st.policies.iter().any(|k| k.id() == p.id()) {
                    return Err(Errno::EEXIST);
                }
                st.policies.push(p.clone());
            }
            KernelOp::UpdatePolicy(p) => match st.policies.iter_mut().find(|k| k.id() == p.id()) {
                Some(k) => *k = p.clone(),
                None => st.policies.push(p.clone()),
            },
            KernelOp::DelPolicy(id) => {
                let pos = st
                    .policies
                    .iter()
                    .position(|k| k.id() == *id)
                    .ok_or(Errno::ENOENT)?;
                st.policies.remove(pos);
            }
            KernelOp::AddLink(l) => {
                if self.link_exists(&l.name) {
                    return Err(Errno::EEXIST);
                }
                if let crate::net::LinkKind::Xfrm { dev: Some(dev), .. } = &l.kind {
                    if !self.link_exists(dev) {
                        return Err(Errno::ENODEV);
                    }
                }
                let mut l = l.clone();
                l.mtu = l.mtu.or(Some(1500));
                self.state.links.push(l);
            }
            KernelOp::SetLink { name, up, mtu } => {
                let l = st
                    .links
                    .iter_mut()
                    .find(|l| l.name == *name)
                    .ok_or(Errno::ENODEV)?;
                l.up = *up;
                if mtu.is_some() {
                    l.mtu = *mtu;
                }
            }
            KernelOp::DelLink(name) => {
                let pos = st
                    .links
                    .iter()
                    .position(|l| l.name == *name)
                    .ok_or(Errno::ENODEV)?;
                st.links.remove(pos);
                // Like unregistering a netdev: its addresses and routes go with it.
                st.addresses.retain(|a| a.link != *name);
                st.routes.retain(|r| !r.uses_link(name));
            }
            KernelOp::AddAddress(a) => {
                if !self.link_exists(&a.link) {
                    return Err(Errno::ENODEV);
                }
                if self.state.addresses.contains(a) {
                    return Err(Errno::EEXIST);
                }
                self.state.addresses.push(a.clone());
            }
            KernelOp::DelAddress(a) => {
                let pos = st
                    .addresses
                    .iter()
                    .position(|k| k == a)
                    .ok_or(EADDRNOTAVAIL)?;
                st.addresses.remove(pos);
            }
            KernelOp::AddRoute(r) | KernelOp::ReplaceRoute(r) => {
                if !self.route_devs_exist(r) {
                    return Err(Errno::ENODEV);
                }
                if let NextHops::Multipath(h) = &r.nexthops {
                    if r.dst.addr().is_ipv6() && h.iter().any(|n| n.via.is_none()) {
                        return Err(Errno::EINVAL); // like the kernel: no device-only v6 ECMP
                    }
                }
                let st = &mut self.state;
                match st.routes.iter_mut().find(|k| k.id() == r.id()) {
                    Some(_) if matches!(op, KernelOp::AddRoute(_)) => return Err(Errno::EEXIST),
                    Some(k) => *k = r.clone(),
                    None => st.routes.push(r.clone()),
                }
            }
            KernelOp::DelRoute(id) => {
                let pos = st
                    .routes
                    .iter()
                    .position(|k| k.id() == *id)
                    .ok_or(Errno::ESRCH)?;
                st.routes.remove(pos);
            }
        }
        Ok(())
    }
}

impl KernelBackend for MemoryKernel {
    fn alloc_spi(&mut self, req: &SpiRequest) -> Result<u32> {
        let what = format!("allocate SPI {}->{} reqid {}", req.src, req.dst, req.reqid);
        if req.min > req.max {
            return Err(KernelError::new(what, Errno::EINVAL));
        }
        let span = u64::from(req.max - req.min) + 1;
        let start = u64::from(self.next_spi.clamp(req.min, req.max) - req.min);
        for i in 0..span.min(1 << 20) {
            let spi = req.min + u32::try_from((start + i) % span).unwrap_or(0);
            let id = SaId {
                dst: req.dst,
                spi,
                proto: req.proto,
                mark: req.mark,
            };
            if self.state.sa(&id).is_none() && !self.state.larval.iter().any(|l| l.id == id) {
                self.next_spi = spi.wrapping_add(1);
                self.state.larval.push(LarvalSa {
                    id,
                    src: req.src,
                    reqid: req.reqid,
                });
                return Ok(spi);
            }
        }
        Err(KernelError::new(what, Errno::ENOENT))
    }

    fn apply(&mut self, op: &KernelOp) -> Result<()> {
        if let Some(errno) = self.failures.pop_front() {
            return Err(KernelError::new(op.to_string(), errno).with_message("injected failure"));
        }
        if let KernelOp::AddSa(sa) | KernelOp::UpdateSa(sa) = op {
            // Refuse exactly what NetlinkKernel's encoder refuses.
            if let Err(why) = crate::netlink::check_sa(sa) {
                return Err(KernelError::new(op.to_string(), Errno::EINVAL).with_message(why));
            }
        }
        self.exec(op)
            .map_err(|errno| KernelError::new(op.to_string(), errno))?;
        self.log.push(op.clone());
        Ok(())
    }

    fn snapshot(&mut self) -> Result<KernelState> {
        Ok(self.state.clone())
    }

    fn poll_event(&mut self) -> Option<KernelEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
