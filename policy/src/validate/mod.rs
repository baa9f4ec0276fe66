//! Turns the raw YAML types into the typed [`Site`], collecting every problem instead of
//! stopping at the first: names, networks, outside addresses, inside CIDRs, authentication
//! and (via `options`, with the IKEv1 rules and warnings in `ikev1`) every tunnel option;
//! then (via `cross`) the checks that compare objects. It never reads files (a `psk_file` is
//! only a path here) and never prints secrets.

mod cross;
mod ikev1;
mod observe;
mod options;

use ipnet::IpNet;

use crate::algo::{InsideSide, Mode};
use crate::diag::Ctx;
use crate::raw::{RawAuth, RawConnection, RawFile, RawOptions, RawTunnel};
use crate::site::{Auth, Connection, Site, Tunnel, DEFAULT_IF_ID_BASE};
use crate::types::{InsideCidr, Name, Psk};

/// Validates `raw`; `None` when any problem was recorded in `cx`.
pub fn validate(raw: &RawFile, cx: &mut Ctx) -> Option<Site> {
    let before = cx.count();
    let name = name(cx, "site", ".name", &raw.site.name);
    let transit = raw.site.transit.unwrap_or(false);
    let if_id_base = raw.site.if_id_base.unwrap_or(DEFAULT_IF_ID_BASE);
    // XFRM if_id 0 means "no interface"; the ids base..base+count must not wrap around.
    let count: usize = raw.connections.values().map(|c| c.tunnels.len()).sum();
    let max_base = u32::MAX.saturating_sub(u32::try_from(count).unwrap_or(u32::MAX));
    if if_id_base == 0 || if_id_base > max_base {
        cx.err(
            "site.if_id_base",
            format!("if_id_base {if_id_base} must be at least 1 and leave room for {count} if_ids"),
            format!("use 1..={max_base}"),
        );
    }
    let defaults = raw
        .defaults
        .as_ref()
        .and_then(|d| d.tunnel.clone())
        .unwrap_or_default();
    let connections: Vec<Connection> = raw
        .connections
        .iter()
        .map(|(n, c)| connection(cx, n, c, &defaults, transit, &raw.site.networks))
        .collect();
    let site = Site {
        name: name.unwrap_or_else(Name::placeholder),
        networks: raw.site.networks.clone(),
        transit,
        if_id_base,
        metrics_listen: observe::metrics_listen(cx, raw.site.metrics_listen.as_deref()),
        activity_log: observe::activity_log(cx, raw.site.activity_log.as_ref()),
        connections,
    };
    cross::check(&site, cx);
    (cx.count() == before).then_some(site)
}

/// Checks a name written at `base` + `suffix` (the path is built only on error).
fn name(cx: &mut Ctx, base: &str, suffix: &str, s: &str) -> Option<Name> {
    Name::new(s)
        .map_err(|m| cx.err(&format!("{base}{suffix}"), m, "rename it, e.g. east or t1"))
        .ok()
}

fn connection(
    cx: &mut Ctx,
    key: &str,
    c: &RawConnection,
    defaults: &RawOptions,
    transit: bool,
    site_networks: &[IpNet],
) -> Connection {
    let path = format!("connections.{key}");
    let name = name(cx, &path, "", key);
    let mode = c.mode.unwrap_or(Mode::Route);
    if c.remote_networks.is_empty() {
        cx.err(
            &format!("{path}.remote_networks"),
            "a connection needs at least one remote network",
            "list the networks behind the remote site, e.g. [10.2.0.0/16]",
        );
    }
    if c.tunnels.is_empty() {
        cx.err(
            &format!("{path}.tunnels"),
            "a connection needs at least one tunnel",
            "add tunnels t1 and t2",
        );
    }
    if mode == Mode::Policy {
        // REQUIREMENTS §16.5: SPD mode has explicit selectors and no transit.
        if transit {
            cx.err(
                &format!("{path}.mode"),
                "policy-mode connections cannot carry transit traffic",
                "use mode: route, or set site.transit: false",
            );
        }
        if site_networks.is_empty() {
            cx.err(
                &format!("{path}.mode"),
                "policy mode needs site.networks for the local selectors",
                "list the local networks under site.networks",
            );
        }
    }
    let mut tunnels: Vec<_> = c
        .tunnels
        .iter()
        .enumerate()
        .map(|(i, t)| tunnel(cx, &format!("{path}.tunnels[{i}]"), t, defaults))
        .collect();
    if mode == Mode::Policy {
        // Policy mode: the SPD holds site networks × remote networks, so default (any)
        // traffic selectors become exactly those (a policy-based peer narrows to them
        // anyway, and proposing 0.0.0.0/0 would claim more than the kernel protects).
        for t in &mut tunnels {
            let o = &mut t.options;
            if o.local_ts.iter().all(|n| n.prefix_len() == 0) {
                narrow(&mut o.local_ts, site_networks);
            }
            if o.remote_ts.iter().all(|n| n.prefix_len() == 0) {
                narrow(&mut o.remote_ts, &c.remote_networks);
            }
        }
    }
    // REQUIREMENTS §6.7 / §18 #4: a connection carries IPv4 or IPv6 inside, never both.
    if let Some(first) = c.tunnels.first() {
        let v6 = first.inside.addr().is_ipv6();
        for (i, t) in c.tunnels.iter().enumerate().skip(1) {
            if t.inside.addr().is_ipv6() != v6 {
                cx.err(
                    &format!("{path}.tunnels[{i}].inside"),
                    format!(
                        "inside CIDR {} is {} but {path}.tunnels[0].inside ({}) is {}",
                        t.inside,
                        family(!v6),
                        first.inside,
                        family(v6)
                    ),
                    "a connection carries one inside family; use a separate connection for the other",
                );
            }
        }
    }
    Connection {
        name: name.unwrap_or_else(Name::placeholder),
        remote_networks: c.remote_networks.clone(),
        mode,
        tunnels,
    }
}

/// Replaces any-address selectors with `nets` of the same family (kept when none match).
fn narrow(ts: &mut Vec<IpNet>, nets: &[IpNet]) {
    let fams: Vec<bool> = ts.iter().map(|n| n.addr().is_ipv4()).collect();
    let picked: Vec<IpNet> = nets
        .iter()
        .filter(|n| fams.contains(&n.addr().is_ipv4()))
        .copied()
        .collect();
    if !picked.is_empty() {
        *ts = picked;
    }
}

fn family(v6: bool) -> &'static str {
    if v6 {
        "IPv6"
    } else {
        "IPv4"
    }
}

fn tunnel(cx: &mut Ctx, path: &str, t: &RawTunnel, defaults: &RawOptions) -> Tunnel {
    let name = name(cx, path, ".name", &t.name);
    if t.local.is_ipv4() != t.remote.is_ipv4() {
        cx.err(
            &format!("{path}.remote"),
            format!(
                "remote {} and local {} are of different address families",
                t.remote, t.local
            ),
            "use IPv4 on both ends or IPv6 on both ends",
        );
    }
    if t.local == t.remote || t.remote.is_unspecified() || t.remote.is_multicast() {
        cx.err(
            &format!("{path}.remote"),
            format!("remote {} is not a usable peer address", t.remote),
            "use the peer's unicast outside address, different from local",
        );
    }
    let inside = InsideCidr::new(t.inside)
        .map_err(|(m, h)| cx.err(&format!("{path}.inside"), m, h))
        .ok();
    let side = t.inside_side.unwrap_or(if t.local <= t.remote {
        InsideSide::First
    } else {
        InsideSide::Second
    });
    let v6 = t.inside.addr().is_ipv6();
    let layers = options::Layers {
        tunnel: &t.options(),
        tunnel_path: path,
        defaults,
    };
    let options = options::resolve(&layers, cx, v6);
    let auth = auth(cx, path, &t.auth);
    let local_id = ident(cx, path, ".local_id", &t.local_id, t.local);
    let remote_id = ident(cx, path, ".remote_id", &t.remote_id, t.remote);
    let inside = inside.unwrap_or_else(|| InsideCidr::placeholder(v6));
    let (inside_local, inside_remote) = match side {
        InsideSide::First => (inside.first(), inside.second()),
        InsideSide::Second => (inside.second(), inside.first()),
    };
    Tunnel {
        name: name.unwrap_or_else(Name::placeholder),
        local: t.local,
        remote: t.remote,
        inside,
        inside_local,
        inside_remote,
        auth: auth.unwrap_or(Auth::PskFile(String::new())),
        local_id,
        remote_id,
        options,
    }
}

fn ident(
    cx: &mut Ctx,
    base: &str,
    suffix: &str,
    id: &Option<String>,
    addr: std::net::IpAddr,
) -> String {
    match id {
        Some(s) if s.trim().is_empty() || s.len() > 255 => {
            cx.err(
                &format!("{base}{suffix}"),
                "identity must be 1-255 characters",
                "use a host name, address or e-mail",
            );
            s.clone()
        }
        Some(s) => s.clone(),
        None => addr.to_string(),
    }
}

/// Authentication of the tunnel at `tunnel_path`.
fn auth(cx: &mut Ctx, tunnel_path: &str, a: &RawAuth) -> Option<Auth> {
    let path = format!("{tunnel_path}.auth");
    let path = path.as_str();
    let kinds = [
        ("psk", a.psk.is_some()),
        ("psk_file", a.psk_file.is_some()),
        (
            "cert",
            a.cert.is_some() || a.key.is_some() || a.ca.is_some(),
        ),
    ];
    let set: Vec<&str> = kinds
        .iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| *k)
        .collect();
    if set.len() != 1 {
        cx.err(
            path,
            if set.is_empty() {
                "no authentication given".to_owned()
            } else {
                format!(
                    "choose one authentication method, not {}",
                    set.join(" and ")
                )
            },
            "set exactly one of psk, psk_file, or cert + key (+ ca)",
        );
        return None;
    }
    if let Some(secret) = &a.psk {
        // The message comes from PskError, which never contains the key.
        return Psk::parse(&secret.0)
            .map(Auth::Psk)
            .map_err(|e| {
                cx.err(
                    &format!("{path}.psk"),
                    e.to_string(),
                    "use 8-64 of A-Z a-z 0-9 . _, not starting with 0",
                )
            })
            .ok();
    }
    if let Some(f) = &a.psk_file {
        if f.is_empty() {
            cx.err(
                &format!("{path}.psk_file"),
                "psk_file is empty",
                "give the path of the key file",
            );
            return None;
        }
        return Some(Auth::PskFile(f.clone()));
    }
    match (&a.cert, &a.key) {
        (Some(cert), Some(key)) => Some(Auth::Cert {
            cert: cert.clone(),
            key: key.clone(),
            ca: a.ca.clone(),
        }),
        _ => {
            cx.err(
                path,
                "certificate authentication needs both cert and key",
                "add the missing cert or key file",
            );
            None
        }
    }
}
