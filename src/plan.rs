//! Site → kernel objects: maps `policy::compile(&Site)` onto the `xfrm` crate's
//! [`DesiredKernel`], the state the daemon reconciles at start-up and on reload.
//!
//! Route mode: one xfrm interface (if_id) or VTI (ikey = okey = the same number) per tunnel,
//! up, with its MTU and inside address; one route per remote network via the interfaces of
//! the tunnels `policy::decide` picks (metric = their priority, protocol [`RTPROT_XFRMD`];
//! equal priorities share an ECMP route weighted by their weights; none healthy: a
//! blackhole; the dry run shows every tunnel healthy, see [`decided_routes`]); SPD
//! entries bound to the interface (if_id, or the VTI's marks). Policy mode: SPD entries
//! site networks × remote networks with an ESP tunnel template, the preferred tunnel's
//! entries only (they share selectors); no LAN bypass entries are needed because `policy`
//! rejects remote networks overlapping site networks, and IKE itself is exempted per socket
//! (see `transport`). Tunnel n (in compile order)
//! gets reqid [`REQID_BASE`] + n and if_id `if_id_base` + n. No SAs: those come from IKE.
//! Pure; never touches a kernel. [`Plan::render`] prints it as `ip`-like lines.

use std::fmt::Write as _;

use policy::compile::{Direction, InterfacePlan, TunnelRef};
use policy::{InterfaceKind, Site};
use xfrm::{
    Address, DesiredKernel, Link, LinkKind, Mark, Mode, NextHop, NextHops, Ownership, Policy,
    PolicyAction, PolicyDir, Proto, Route, Selector, Template, RTPROT_XFRMD, RT_TABLE_MAIN,
};

/// First reqid handed to tunnels (the start of `Ownership::default().reqids`).
pub const REQID_BASE: u32 = 0x7800_0000;
/// How many reqids above [`REQID_BASE`] and if_ids above `if_id_base` the daemon considers
/// its own, so objects of tunnels removed from the file are still recognised (and removed)
/// on reload.
pub const TUNNEL_SPAN: u32 = 0x1_0000;

/// The kernel identity of one tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelKernel {
    /// Which tunnel.
    pub tunnel: TunnelRef,
    /// reqid of its SAs and templates.
    pub reqid: u32,
    /// if_id (xfrm interface) or ikey/okey (VTI); also reserved in policy mode.
    pub if_id: u32,
    /// Its interface (route mode).
    pub interface: Option<String>,
}

/// What the daemon wants in the kernel for a site, and what it owns there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Links, addresses, policies and routes (no SAs).
    pub desired: DesiredKernel,
    /// The tags that make kernel objects ours.
    pub ownership: Ownership,
    /// Per tunnel, in compile order.
    pub tunnels: Vec<TunnelKernel>,
    /// The compiled site (every candidate route; `policy::decide` picks the live ones).
    pub compiled: policy::DesiredState,
}

fn dir(d: Direction) -> PolicyDir {
    match d {
        Direction::Out => PolicyDir::Out,
        Direction::In => PolicyDir::In,
        Direction::Fwd => PolicyDir::Fwd,
    }
}

/// The plan for `site`.
pub fn plan(site: &Site) -> Plan {
    plan_keeping(site, None)
}

/// The plan for `site` where every tunnel that `previous` already has keeps its reqid and
/// if_id (a reload must not move the SAs of unchanged tunnels); new tunnels take the lowest
/// free numbers. Without `previous` this is [`plan`]: tunnel n in compile order gets n.
pub fn plan_keeping(site: &Site, previous: Option<&Plan>) -> Plan {
    let mut state = policy::compile(site);
    let refs: Vec<TunnelRef> = site
        .connections
        .iter()
        .flat_map(|c| {
            c.tunnels.iter().map(|t| TunnelRef {
                connection: c.name.to_string(),
                tunnel: t.name.to_string(),
            })
        })
        .collect();
    // Tunnel number n: kept from `previous` when the tunnel and the if_id base are the same.
    let kept = |r: &TunnelRef| {
        let p = previous?;
        let old = p.tunnels.iter().find(|t| t.tunnel == *r)?;
        (p.ownership.if_ids.start() == &site.if_id_base).then(|| old.reqid.wrapping_sub(REQID_BASE))
    };
    let mut taken: std::collections::BTreeSet<u32> = refs.iter().filter_map(kept).collect();
    let mut tunnels = Vec::new();
    for r in refs {
        let n = match kept(&r) {
            Some(n) => n,
            None => {
                let n = (0..).find(|n| !taken.contains(n)).unwrap_or(0);
                taken.insert(n);
                n
            }
        };
        let if_id = site.if_id_base.saturating_add(n);
        // policy::compile numbers tunnels in order; move this one's if_id to n.
        for i in state.interfaces.iter_mut().filter(|i| i.tunnel == r) {
            i.if_id = if_id;
        }
        for p in state.policies.iter_mut().filter(|p| p.tunnel == r) {
            if p.if_id.is_some() {
                p.if_id = Some(if_id);
            }
        }
        let interface = state
            .interfaces
            .iter()
            .find(|i| i.tunnel == r)
            .map(|i| i.name.clone());
        tunnels.push(TunnelKernel {
            tunnel: r,
            reqid: REQID_BASE.saturating_add(n),
            if_id,
            interface,
        });
    }
    let ownership = Ownership {
        reqids: REQID_BASE..=REQID_BASE.saturating_add(TUNNEL_SPAN - 1),
        if_ids: site.if_id_base..=site.if_id_base.saturating_add(TUNNEL_SPAN - 1),
        route_protocol: RTPROT_XFRMD,
    };
    let mut desired = DesiredKernel::default();
    for i in &state.interfaces {
        desired.links.push(link(i));
        desired.addresses.push(Address {
            link: i.name.clone(),
            local: i.address,
        });
    }
    // The dry-run plan shows the routes of a site whose tunnels are all healthy; the daemon
    // starts from the decision with none healthy (blackholes) and follows tunnel health.
    let all_up = policy::HealthView {
        tunnels: tunnels
            .iter()
            .map(|t| {
                (
                    t.tunnel.clone(),
                    policy::Health {
                        up: true,
                        ..policy::Health::default()
                    },
                )
            })
            .collect(),
    };
    let decision = policy::decide(
        &state,
        &all_up,
        &policy::RouteDecision::default(),
        std::time::Duration::ZERO,
    );
    desired.routes = decided_routes(&decision, &state.interfaces);
    let find = |r: &TunnelRef| tunnels.iter().find(|t| t.tunnel == *r);
    let iface = |r: &TunnelRef| state.interfaces.iter().find(|i| i.tunnel == *r);
    for p in &state.policies {
        let Some(tk) = find(&p.tunnel) else { continue };
        // VTI tunnels match SAs and policies by mark (ikey/okey), xfrm interfaces by if_id.
        let vti = iface(&p.tunnel).is_some_and(|i| i.kind == InterfaceKind::Vti);
        let (if_id, mark) = match p.if_id {
            Some(id) if vti => (
                None,
                Some(Mark {
                    value: id,
                    mask: u32::MAX,
                }),
            ),
            other => (other, None),
        };
        let policy = Policy {
            selector: Selector::nets(p.src, p.dst),
            dir: dir(p.dir),
            priority: p.priority,
            action: PolicyAction::Allow,
            templates: vec![Template {
                src: p.tmpl_src,
                dst: p.tmpl_dst,
                proto: Proto::Esp,
                mode: Mode::Tunnel,
                reqid: tk.reqid,
                spi: 0,
                optional: false,
            }],
            if_id,
            mark,
        };
        // Policy mode: tunnels of a connection share selectors and the kernel holds one
        // entry per selector; keep the preferred (lowest priority, then first) tunnel's.
        match desired.policies.iter_mut().find(|q| q.id() == policy.id()) {
            Some(q) if policy.priority < q.priority => *q = policy,
            Some(_) => {}
            None => desired.policies.push(policy),
        }
    }
    Plan {
        desired,
        ownership,
        tunnels,
        compiled: state,
    }
}

fn link(i: &InterfacePlan) -> Link {
    let kind = match i.kind {
        InterfaceKind::Xfrm => LinkKind::Xfrm {
            dev: None,
            if_id: i.if_id,
        },
        InterfaceKind::Vti => LinkKind::Vti {
            local: i.local,
            remote: i.remote,
            ikey: i.if_id,
            okey: i.if_id,
        },
    };
    Link {
        name: i.name.clone(),
        kind,
        mtu: i.mtu,
        up: true,
    }
}

/// The kernel routes of a decision: one per destination, via its carrying tunnel's
/// interface, an ECMP multipath route when several carry it (weighted), a blackhole when none
/// does (so nothing leaks in clear through a default route).
pub fn decided_routes(decision: &policy::RouteDecision, ifaces: &[InterfacePlan]) -> Vec<Route> {
    let mut out = Vec::new();
    for r in &decision.routes {
        let dst = r.destination;
        let nexthops = match r.members.as_slice() {
            [] => NextHops::Blackhole,
            [one] => NextHops::Dev {
                dev: one.interface.clone(),
                via: None,
            },
            many => NextHops::Multipath(
                many.iter()
                    .map(|m| {
                        // IPv6 multipath members need a gateway: the peer's inside address
                        // when it is of the destination's family.
                        let peer = ifaces
                            .iter()
                            .find(|i| i.name == m.interface)
                            .map(|i| i.peer)
                            .filter(|p| p.is_ipv6() && dst.addr().is_ipv6());
                        NextHop {
                            dev: m.interface.clone(),
                            via: peer,
                            weight: u16::try_from(m.weight).unwrap_or(u16::MAX),
                        }
                    })
                    .collect(),
            ),
        };
        out.push(Route {
            dst,
            table: RT_TABLE_MAIN,
            metric: r.metric,
            protocol: RTPROT_XFRMD,
            pref_src: None,
            nexthops,
        });
    }
    out
}

fn dir_name(d: PolicyDir) -> &'static str {
    match d {
        PolicyDir::In => "in",
        PolicyDir::Out => "out",
        PolicyDir::Fwd => "fwd",
    }
}

impl Plan {
    /// The plan as `ip` command lines (a dry run: nothing is executed).
    pub fn render(&self) -> String {
        let mut o = String::new();
        for l in &self.desired.links {
            let _ = match &l.kind {
                LinkKind::Xfrm { dev, if_id } => {
                    let dev = dev.as_deref().map(|d| format!(" dev {d}")).unwrap_or_default();
                    write!(o, "ip link add {} type xfrm{dev} if_id {if_id:#x}", l.name)
                }
                LinkKind::Vti {
                    local,
                    remote,
                    ikey,
                    okey,
                } => write!(
                    o,
                    "ip link add {} type vti local {local} remote {remote} ikey {ikey:#x} okey {okey:#x}",
                    l.name
                ),
                other => write!(o, "ip link add {} type {other:?}", l.name),
            };
            if let Some(m) = l.mtu {
                let _ = write!(o, " mtu {m}");
            }
            o.push('\n');
            if l.up {
                let _ = writeln!(o, "ip link set {} up", l.name);
            }
        }
        for a in &self.desired.addresses {
            let _ = writeln!(o, "ip addr add {} dev {}", a.local, a.link);
        }
        for p in &self.desired.policies {
            let _ = write!(
                o,
                "ip xfrm policy add src {} dst {} dir {} priority {}",
                p.selector.src,
                p.selector.dst,
                dir_name(p.dir),
                p.priority
            );
            if let Some(m) = p.mark {
                let _ = write!(o, " mark {:#x} mask {:#x}", m.value, m.mask);
            }
            if let Some(i) = p.if_id {
                let _ = write!(o, " if_id {i:#x}");
            }
            for t in &p.templates {
                let _ = write!(
                    o,
                    " tmpl src {} dst {} proto esp reqid {:#x} mode tunnel",
                    t.src, t.dst, t.reqid
                );
            }
            o.push('\n');
        }
        for r in &self.desired.routes {
            route_line(&mut o, r);
        }
        // Standby routes: what `policy::decide` installs when the better tunnels fail.
        for r in &self.compiled.routes {
            let active = self.desired.routes.iter().any(|d| {
                d.dst == r.destination && d.metric == r.metric && d.uses_link(&r.interface)
            });
            if !active {
                let _ = writeln!(
                    o,
                    "# standby (used while the better tunnels are down): ip route replace {} dev {} metric {} proto {:#x}",
                    r.destination, r.interface, r.metric, RTPROT_XFRMD
                );
            }
        }
        o
    }
}

/// One route as an `ip route` line.
fn route_line(o: &mut String, r: &Route) {
    let bh = if r.nexthops == NextHops::Blackhole {
        "blackhole "
    } else {
        ""
    };
    let _ = write!(o, "ip route replace {bh}{}", r.dst);
    match &r.nexthops {
        NextHops::Dev { dev, via } => {
            if let Some(v) = via {
                let _ = write!(o, " via {v}");
            }
            let _ = write!(o, " dev {dev}");
        }
        NextHops::Blackhole | NextHops::Multipath(_) => {}
    }
    let _ = write!(o, " metric {} proto {:#x}", r.metric, r.protocol);
    if r.table != RT_TABLE_MAIN {
        let _ = write!(o, " table {}", r.table);
    }
    if let NextHops::Multipath(hops) = &r.nexthops {
        for h in hops {
            let _ = write!(o, " nexthop");
            if let Some(v) = h.via {
                let _ = write!(o, " via {v}");
            }
            let _ = write!(o, " dev {} weight {}", h.dev, h.weight);
        }
    }
    o.push('\n');
}
