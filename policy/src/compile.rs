//! Compiles a validated [`Site`] into [`DesiredState`]: what the kernel should hold, in
//! policy's own vocabulary (no `xfrm` or `ike` types, DESIGN §1). Route mode gives one
//! interface per tunnel (xfrm interface or VTI, if_id from `site.if_id_base`), one route per
//! remote network per tunnel (metric = priority) and if_id-bound SPD entries for the traffic
//! selectors; policy mode gives SPD entries for site networks × remote networks only. Pure:
//! the same site always compiles to the same state; it never decides health or failover.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::algo::{InterfaceKind, Mode};
use crate::site::{Connection, Site, Tunnel};
use crate::types::Name;

/// Linux IFNAMSIZ minus the terminating NUL.
pub const IFNAME_MAX: usize = 15;

/// Everything the kernel should hold for one site.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DesiredState {
    /// Tunnel interfaces (route mode).
    pub interfaces: Vec<InterfacePlan>,
    /// Routes to remote networks, one per tunnel (route mode).
    pub routes: Vec<RoutePlan>,
    /// SPD entries (`ip xfrm policy`), both modes.
    pub policies: Vec<PolicyPlan>,
}

/// Identifies the tunnel a plan item belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TunnelRef {
    /// Connection name.
    pub connection: String,
    /// Tunnel name.
    pub tunnel: String,
}

/// One route-based tunnel device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfacePlan {
    /// Owning tunnel.
    pub tunnel: TunnelRef,
    /// Interface name (`xfrm-<conn>-<tunnel>` / `vti-<conn>-<tunnel>`, at most 15 characters).
    pub name: String,
    /// xfrm interface or VTI.
    pub kind: InterfaceKind,
    /// XFRM if_id (xfrm interface) or ikey/okey mark (VTI).
    pub if_id: u32,
    /// Our inside address with the inside prefix length.
    pub address: IpNet,
    /// The peer's inside address.
    pub peer: IpAddr,
    /// Outside addresses (VTI endpoints, SA addresses).
    pub local: IpAddr,
    /// Remote outside address.
    pub remote: IpAddr,
    /// MTU, when configured.
    pub mtu: Option<u32>,
}

/// A route to a remote network through one tunnel interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePlan {
    /// Owning tunnel.
    pub tunnel: TunnelRef,
    /// Destination network.
    pub destination: IpNet,
    /// Output interface.
    pub interface: String,
    /// Route metric (kernel priority): the tunnel priority, lower wins.
    pub metric: u32,
    /// ECMP weight among equal metrics.
    pub weight: u32,
    /// Take traffic back from a worse tunnel after recovering (see [`crate::decide`]).
    pub preempt: bool,
    /// Seconds of continuous health before a recovered tunnel preempts.
    pub hold_down: u32,
}

/// Direction of an SPD entry, as in `ip xfrm policy dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Outbound.
    Out,
    /// Inbound (local delivery).
    In,
    /// Inbound, forwarded.
    Fwd,
}

/// One SPD entry with its tunnel-mode template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPlan {
    /// Owning tunnel.
    pub tunnel: TunnelRef,
    /// Direction.
    pub dir: Direction,
    /// Source selector.
    pub src: IpNet,
    /// Destination selector.
    pub dst: IpNet,
    /// if_id binding (route mode) or none (policy mode).
    pub if_id: Option<u32>,
    /// Policy priority (the tunnel priority; lower wins). In policy mode tunnels of one
    /// connection share selectors, so the kernel holds one tunnel's entries at a time.
    pub priority: u32,
    /// Template outer source (tunnel mode).
    pub tmpl_src: IpAddr,
    /// Template outer destination (tunnel mode).
    pub tmpl_dst: IpAddr,
}

/// The interface name of a tunnel: `<kind>-<connection>-<tunnel>`, cut to 15 characters.
pub fn interface_name(kind: InterfaceKind, connection: &Name, tunnel: &Name) -> String {
    let mut n = format!("{}-{}-{}", kind.as_str(), connection, tunnel);
    // Names are ASCII (Name rules), so a byte cut is a character cut.
    n.truncate(IFNAME_MAX);
    n
}

/// Compiles the site. if_ids are `if_id_base + n`, n counting every tunnel in
/// connection-name order then file order, so they are stable for an unchanged file.
pub fn compile(site: &Site) -> DesiredState {
    let mut st = DesiredState::default();
    let mut n: u32 = 0;
    for c in &site.connections {
        for t in &c.tunnels {
            let if_id = site.if_id_base.saturating_add(n);
            n = n.saturating_add(1);
            let r = TunnelRef {
                connection: c.name.to_string(),
                tunnel: t.name.to_string(),
            };
            match c.mode {
                Mode::Route => route_tunnel(&mut st, site, c, t, r, if_id),
                Mode::Policy => {
                    // Validation set the selectors to site networks × remote networks
                    // unless the file narrows them.
                    for l in &t.options.local_ts {
                        for rn in t
                            .options
                            .remote_ts
                            .iter()
                            .filter(|rn| rn.addr().is_ipv4() == l.addr().is_ipv4())
                        {
                            spd(&mut st, &r, t, *l, *rn, None);
                        }
                    }
                }
            }
        }
    }
    st
}

fn route_tunnel(
    st: &mut DesiredState,
    site: &Site,
    c: &Connection,
    t: &Tunnel,
    r: TunnelRef,
    if_id: u32,
) {
    let name = interface_name(t.options.interface, &c.name, &t.name);
    let address = IpNet::new(t.inside_local, t.inside.net().prefix_len()).unwrap_or(t.inside.net());
    for d in &c.remote_networks {
        st.routes.push(RoutePlan {
            tunnel: r.clone(),
            destination: *d,
            interface: name.clone(),
            metric: t.options.priority.get(),
            weight: t.options.weight.get(),
            preempt: t.options.preempt,
            hold_down: t.options.hold_down.get(),
        });
    }
    for l in &local_selectors(site, t) {
        for rt in &t.options.remote_ts {
            if l.addr().is_ipv4() == rt.addr().is_ipv4() {
                spd(st, &r, t, *l, *rt, Some(if_id));
            }
        }
    }
    st.interfaces.push(InterfacePlan {
        tunnel: r,
        name,
        kind: t.options.interface,
        if_id,
        address,
        peer: t.inside_remote,
        local: t.local,
        remote: t.remote,
        mtu: t.options.mtu.map(|m| m.get()),
    });
}

/// The local side of a route-mode tunnel's SPD entries. With `site.transit` off (the
/// default) and site networks listed, a default (any) local selector is narrowed to the
/// site's networks plus the tunnel's inside CIDR (its own probes and the router's traffic):
/// at a hub, a packet from one spoke to another then matches no fwd entry and the kernel
/// drops it, so spokes stay isolated (REQUIREMENTS §16.1 scenario 7). With transit on, or
/// explicit `local_ts`, the selectors are kept as configured.
fn local_selectors(site: &Site, t: &Tunnel) -> Vec<IpNet> {
    let any = |n: &IpNet| n.prefix_len() == 0;
    if site.transit || site.networks.is_empty() || !t.options.local_ts.iter().all(any) {
        return t.options.local_ts.clone();
    }
    let mut out: Vec<IpNet> = Vec::new();
    for l in &t.options.local_ts {
        let fam = l.addr().is_ipv4();
        out.extend(
            site.networks
                .iter()
                .chain(std::iter::once(&t.inside.net()))
                .filter(|n| n.addr().is_ipv4() == fam)
                .copied(),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// Out (local → remote) plus In and Fwd (remote → local) entries for one selector pair.
fn spd(
    st: &mut DesiredState,
    r: &TunnelRef,
    t: &Tunnel,
    local: IpNet,
    remote: IpNet,
    if_id: Option<u32>,
) {
    for dir in [Direction::Out, Direction::In, Direction::Fwd] {
        let (src, dst, tmpl_src, tmpl_dst) = match dir {
            Direction::Out => (local, remote, t.local, t.remote),
            Direction::In | Direction::Fwd => (remote, local, t.remote, t.local),
        };
        st.policies.push(PolicyPlan {
            tunnel: r.clone(),
            dir,
            src,
            dst,
            if_id,
            priority: t.options.priority.get(),
            tmpl_src,
            tmpl_dst,
        });
    }
}
