//! Route-based tunnel plumbing as data: tunnel links (xfrm interfaces, VTI), their addresses,
//! and routes (single next hop or ECMP multipath).
//!
//! Pure descriptions; nothing here opens a socket. Weights are the configured ECMP weights
//! (1..=256, as `ip route ... weight N` shows them); the netlink encoder subtracts one.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// What kind of link a tunnel (or a snapshot entry) is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// xfrm interface (`ip link add NAME type xfrm dev DEV if_id N`, kernel >= 4.19).
    Xfrm {
        /// Underlying device name, if bound to one.
        dev: Option<String>,
        /// Interface id matched against SA/policy `if_id`.
        if_id: u32,
    },
    /// Classic VTI (`ip link add NAME type vti local L remote R ikey I okey O`).
    Vti {
        /// Local outer address.
        local: IpAddr,
        /// Remote outer address.
        remote: IpAddr,
        /// Input key (mark of inbound SAs/policies).
        ikey: u32,
        /// Output key (mark of outbound SAs/policies).
        okey: u32,
    },
    /// A dummy device (labs).
    Dummy,
    /// A Linux bridge (labs and tests; the build machine's kernel has no dummy driver).
    Bridge,
    /// Anything else a snapshot finds (`kind` string from IFLA_INFO_KIND, or empty).
    Other(String),
}

/// A network link.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    /// Interface name.
    pub name: String,
    /// Kind and kind-specific parameters.
    pub kind: LinkKind,
    /// MTU; `None` in a desired link means "kernel default, don't care".
    pub mtu: Option<u32>,
    /// Administratively up.
    pub up: bool,
}

impl Link {
    /// True when `self` (kernel) satisfies `desired` apart from up/mtu settings.
    pub fn same_kind(&self, desired: &Link) -> bool {
        self.kind == desired.kind
    }

    /// True when up state and MTU satisfy `desired`.
    pub fn settings_match(&self, desired: &Link) -> bool {
        self.up == desired.up && (desired.mtu.is_none() || desired.mtu == self.mtu)
    }
}

/// An interface address (`ip addr add LOCAL/PLEN [peer PEER] dev LINK`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// Link name.
    pub link: String,
    /// Local address with prefix length.
    pub local: IpNet,
}

/// Our route protocol number (`ip route ... proto 0xf0`), used to tag routes as ours.
pub const RTPROT_XFRMD: u8 = 0xf0;

/// The main routing table.
pub const RT_TABLE_MAIN: u32 = 254;

/// One member of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NextHop {
    /// Outgoing link name.
    pub dev: String,
    /// Gateway, if any (tunnel links are usually point-to-point: none).
    pub via: Option<IpAddr>,
    /// Configured weight 1..=256.
    pub weight: u16,
}

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NextHops {
    /// One link (`dev X [via G]`).
    Dev {
        /// Outgoing link name.
        dev: String,
        /// Gateway, if any.
        via: Option<IpAddr>,
    },
    /// ECMP (`nexthop dev A weight 1 nexthop dev B weight 2`). IPv6 refuses device-only
    /// members (EINVAL "Device only routes can not be added for IPv6 using the multipath
    /// API"): give each IPv6 member a gateway (a link-local address works on tunnel links).
    Multipath(Vec<NextHop>),
    /// Drop (`blackhole`), so a missing tunnel never leaks cleartext.
    Blackhole,
}

/// Identity of a route: prefix, table, metric (the kernel's lookup key for
/// replace/delete, TOS being always 0 here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteId {
    /// Destination prefix.
    pub dst: IpNet,
    /// Table id.
    pub table: u32,
    /// Metric (`RTA_PRIORITY`).
    pub metric: u32,
}

/// A route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// Destination prefix.
    pub dst: IpNet,
    /// Table id (254 = main).
    pub table: u32,
    /// Metric, lower wins.
    pub metric: u32,
    /// Route protocol (ownership tag, e.g. [`RTPROT_XFRMD`]).
    pub protocol: u8,
    /// Preferred source address (`src`).
    pub pref_src: Option<IpAddr>,
    /// Next hop(s).
    pub nexthops: NextHops,
}

impl Route {
    /// The route's identity.
    pub fn id(&self) -> RouteId {
        RouteId {
            dst: self.dst,
            table: self.table,
            metric: self.metric,
        }
    }

    /// True when any next hop goes out over link `name`.
    pub fn uses_link(&self, name: &str) -> bool {
        match &self.nexthops {
            NextHops::Dev { dev, .. } => dev == name,
            NextHops::Multipath(h) => h.iter().any(|n| n.dev == name),
            NextHops::Blackhole => false,
        }
    }

    /// Multipath members in a canonical order (the kernel may report them in its own order).
    pub fn canonical(&self) -> Route {
        let mut r = self.clone();
        if let NextHops::Multipath(ref mut hops) = r.nexthops {
            hops.sort_by(|a, b| (&a.dev, a.via, a.weight).cmp(&(&b.dev, b.via, b.weight)));
        }
        r
    }
}

impl fmt::Display for RouteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} table {} metric {}",
            self.dst, self.table, self.metric
        )
    }
}
