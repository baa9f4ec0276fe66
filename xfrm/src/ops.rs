//! Kernel commands and events as data, the `KernelBackend` trait, and ownership tags.
//!
//! The trait is synchronous: the daemon core (`Daemon<K: KernelBackend, ..>`, DESIGN §5) is a
//! synchronous state machine, and kernel operations are short request/ack exchanges, so a
//! blocking `apply` keeps the core free of futures. `NetlinkKernel` hides its async netlink
//! clients on a private thread; `MemoryKernel` is plain data. Events are pulled with
//! `poll_event`; the netlink backend also offers a `tokio::sync::Notify` so the async shell
//! knows when to pull. Nothing here performs I/O itself.

use std::fmt;
use std::ops::RangeInclusive;

use crate::error::Result;
use crate::model::{Policy, PolicyDir, PolicyId, Proto, Sa, SaId, Selector, SpiRequest};
use crate::net::{Address, Link, LinkKind, Route, RouteId};
use crate::state::KernelState;

/// One kernel command. `Debug` never shows key bytes (see [`crate::Key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelOp {
    /// XFRM_MSG_NEWSA: fails with EEXIST if the id is taken (also by a larval SA).
    AddSa(Sa),
    /// XFRM_MSG_UPDSA: fills a larval SA from ALLOCSPI or updates a live one.
    UpdateSa(Sa),
    /// XFRM_MSG_DELSA.
    DelSa(SaId),
    /// XFRM_MSG_NEWPOLICY.
    AddPolicy(Policy),
    /// XFRM_MSG_UPDPOLICY (adds or replaces).
    UpdatePolicy(Policy),
    /// XFRM_MSG_DELPOLICY.
    DelPolicy(PolicyId),
    /// RTM_NEWLINK with NLM_F_EXCL.
    AddLink(Link),
    /// Change up state / MTU of an existing link.
    SetLink {
        /// Link name.
        name: String,
        /// Administratively up.
        up: bool,
        /// New MTU, if any.
        mtu: Option<u32>,
    },
    /// RTM_DELLINK.
    DelLink(String),
    /// RTM_NEWADDR.
    AddAddress(Address),
    /// RTM_DELADDR.
    DelAddress(Address),
    /// RTM_NEWROUTE with NLM_F_EXCL: fails with EEXIST if the [`RouteId`] is taken (used
    /// when a foreign route holds the id, so we never overwrite it).
    AddRoute(Route),
    /// RTM_NEWROUTE with NLM_F_REPLACE (creates or replaces by [`RouteId`]).
    ReplaceRoute(Route),
    /// RTM_DELROUTE.
    DelRoute(RouteId),
}

impl KernelOp {
    /// Whether this op removes an object (its "not found" error means the goal is reached).
    pub fn is_delete(&self) -> bool {
        matches!(
            self,
            KernelOp::DelSa(_)
                | KernelOp::DelPolicy(_)
                | KernelOp::DelLink(_)
                | KernelOp::DelAddress(_)
                | KernelOp::DelRoute(_)
        )
    }
}

fn fmt_sel(f: &mut fmt::Formatter<'_>, s: &Selector) -> fmt::Result {
    write!(f, "{}->{}", s.src, s.dst)?;
    if s.proto != 0 {
        write!(f, " proto {}", s.proto)?;
    }
    Ok(())
}

fn dir_name(d: PolicyDir) -> &'static str {
    match d {
        PolicyDir::In => "in",
        PolicyDir::Out => "out",
        PolicyDir::Fwd => "fwd",
    }
}

fn proto_name(p: Proto) -> &'static str {
    match p {
        Proto::Esp => "esp",
        Proto::Ah => "ah",
    }
}

impl fmt::Display for KernelOp {
    /// Short description for errors and logs: ids and addresses only, never keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelOp::AddSa(sa) | KernelOp::UpdateSa(sa) => {
                let verb = if matches!(self, KernelOp::AddSa(_)) {
                    "add"
                } else {
                    "update"
                };
                write!(
                    f,
                    "{verb} SA {}->{} spi {:#010x} {} reqid {}",
                    sa.src,
                    sa.dst,
                    sa.spi,
                    proto_name(sa.proto),
                    sa.reqid
                )
            }
            KernelOp::DelSa(id) => {
                write!(
                    f,
                    "delete SA dst {} spi {:#010x} {}",
                    id.dst,
                    id.spi,
                    proto_name(id.proto)
                )
            }
            KernelOp::AddPolicy(p) | KernelOp::UpdatePolicy(p) => {
                let verb = if matches!(self, KernelOp::AddPolicy(_)) {
                    "add"
                } else {
                    "update"
                };
                write!(f, "{verb} policy {} ", dir_name(p.dir))?;
                fmt_sel(f, &p.selector)?;
                write!(f, " priority {}", p.priority)
            }
            KernelOp::DelPolicy(id) => {
                write!(f, "delete policy {} ", dir_name(id.dir))?;
                fmt_sel(f, &id.selector)
            }
            KernelOp::AddLink(l) => write!(f, "add link {}", l.name),
            KernelOp::SetLink { name, up, mtu } => {
                write!(f, "set link {name} {}", if *up { "up" } else { "down" })?;
                if let Some(m) = mtu {
                    write!(f, " mtu {m}")?;
                }
                Ok(())
            }
            KernelOp::DelLink(n) => write!(f, "delete link {n}"),
            KernelOp::AddAddress(a) => write!(f, "add address {} dev {}", a.local, a.link),
            KernelOp::DelAddress(a) => write!(f, "delete address {} dev {}", a.local, a.link),
            KernelOp::AddRoute(r) => write!(f, "add route {}", r.id()),
            KernelOp::ReplaceRoute(r) => write!(f, "replace route {}", r.id()),
            KernelOp::DelRoute(id) => write!(f, "delete route {id}"),
        }
    }
}

/// Something the kernel told us without being asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelEvent {
    /// XFRM_MSG_ACQUIRE: traffic hit a policy whose template has no SA yet.
    Acquire {
        /// Outer source from the template.
        src: std::net::IpAddr,
        /// Outer destination from the template.
        dst: std::net::IpAddr,
        /// Protocol the SA should have.
        proto: Option<Proto>,
        /// reqid of the matching template, if the kernel sent templates.
        reqid: Option<u32>,
        /// Selector of the triggering packet.
        selector: Selector,
        /// Direction of the policy that matched.
        dir: Option<PolicyDir>,
        /// SPD index of that policy.
        policy_index: u32,
        /// xfrm interface id, if any.
        if_id: Option<u32>,
        /// Kernel sequence number (to pass back on the SA, optional).
        seq: u32,
    },
    /// XFRM_MSG_EXPIRE: soft (rekey now) or hard (SA gone) limit reached.
    Expire {
        /// Which SA. `mark` is always `None` (netlink-packet-xfrm 0.5 drops the attributes of
        /// EXPIRE messages): match on dst, SPI and protocol.
        id: SaId,
        /// Its reqid.
        reqid: u32,
        /// Hard expire (the kernel deletes the SA).
        hard: bool,
    },
    /// XFRM_MSG_MAPPING: the peer's NAT mapping changed (RFC 3948).
    Mapping {
        /// Which SA (`mark` always `None`, as for `Expire`).
        id: SaId,
        /// Its reqid.
        reqid: u32,
        /// Old peer address and port.
        old: std::net::SocketAddr,
        /// New peer address and port.
        new: std::net::SocketAddr,
    },
    /// XFRM_MSG_POLEXPIRE.
    PolicyExpire {
        /// Which policy.
        id: PolicyId,
        /// Hard expire.
        hard: bool,
    },
    /// Events were lost (socket overrun): re-read the kernel state with `snapshot`.
    Overflow,
}

/// The kernel as the daemon sees it.
pub trait KernelBackend {
    /// Reserves an SPI for a future inbound SA (XFRM_MSG_ALLOCSPI); the kernel keeps a larval
    /// SA that `KernelOp::UpdateSa` later completes.
    fn alloc_spi(&mut self, req: &SpiRequest) -> Result<u32>;
    /// Executes one command.
    fn apply(&mut self, op: &KernelOp) -> Result<()>;
    /// Executes `ops` in order and returns one result per op, in op order. A failed op does
    /// not stop the ones after it (like `ip -batch -force`): callers whose later ops depend on
    /// earlier ones check the results. The default applies them one by one; `NetlinkKernel`
    /// sends runs of XFRM SA/policy ops many per datagram.
    fn apply_batch(&mut self, ops: &[KernelOp]) -> Vec<Result<()>> {
        ops.iter().map(|op| self.apply(op)).collect()
    }
    /// Reads SAD, SPD, links, addresses and routes.
    fn snapshot(&mut self) -> Result<KernelState>;
    /// Next pending event, if any (never blocks).
    fn poll_event(&mut self) -> Option<KernelEvent>;
    /// Counters of one SA (`None` if there is no such complete SA). The default reads a
    /// whole snapshot; `NetlinkKernel` asks for just that SA (XFRM_MSG_GETSA).
    fn sa_counters(&mut self, id: &crate::model::SaId) -> Result<Option<crate::model::SaCounters>> {
        Ok(self.snapshot()?.sa(id).map(|s| s.counters))
    }
}

/// Which kernel objects belong to this daemon. Objects outside these tags are never
/// modified or deleted by reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    /// reqids of our SAs and policy templates.
    pub reqids: RangeInclusive<u32>,
    /// if_ids of our xfrm interfaces, SAs and policies; also ikeys of our VTIs.
    pub if_ids: RangeInclusive<u32>,
    /// Route protocol number of our routes.
    pub route_protocol: u8,
}

impl Default for Ownership {
    fn default() -> Self {
        Ownership {
            reqids: 0x7800_0000..=0x7fff_ffff,
            if_ids: 0x7800_0000..=0x7fff_ffff,
            route_protocol: crate::net::RTPROT_XFRMD,
        }
    }
}

impl Ownership {
    /// An SA is ours when its reqid is in our range.
    pub fn owns_sa(&self, sa: &Sa) -> bool {
        self.reqids.contains(&sa.reqid)
    }

    /// A policy is ours when one of its templates carries our reqid, or it is bound to one of
    /// our if_ids.
    pub fn owns_policy(&self, p: &Policy) -> bool {
        p.templates.iter().any(|t| self.reqids.contains(&t.reqid))
            || p.if_id.is_some_and(|i| self.if_ids.contains(&i))
    }

    /// A link is ours when it is an xfrm interface with our if_id or a VTI with our ikey.
    pub fn owns_link(&self, l: &Link) -> bool {
        match &l.kind {
            LinkKind::Xfrm { if_id, .. } => self.if_ids.contains(if_id),
            LinkKind::Vti { ikey, .. } => self.if_ids.contains(ikey),
            LinkKind::Dummy | LinkKind::Bridge | LinkKind::Other(_) => false,
        }
    }

    /// A route is ours when it carries our protocol number.
    pub fn owns_route(&self, r: &Route) -> bool {
        r.protocol == self.route_protocol
    }
}
