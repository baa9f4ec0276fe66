//! The generic output: one human-readable sheet per connection, in the manner of a cloud
//! gateway's "download configuration": per tunnel the IKE and IPsec parameters, identities,
//! the pre-shared key, inside addresses and, for a Linux peer, the `ip` commands of a
//! route-based setup. Plain text for people; formatting only, no I/O.

use std::fmt::Write as _;

use policy::{IkeVersion, Mode};

use super::model::{id_kind, IdKind, PeerConnection, PeerTunnel};
use super::{shell, GenFile};

/// The sheet.
pub fn render(c: &PeerConnection, header: &str) -> Vec<GenFile> {
    let mut o = String::from(header);
    let us = &c.our_name;
    let _ = writeln!(
        o,
        "Peer configuration for {peer}: the remote end of connection \"{peer}\" of xfrmd site \"{us}\".\n\
         Configure your gateway with the values below, one section per tunnel.\n",
        peer = c.peer_name
    );
    let _ = writeln!(
        o,
        "Networks behind your gateway ({}):  {}",
        c.peer_name,
        nets(&c.local_networks)
    );
    let _ = writeln!(o, "Networks behind {us}:  {}", nets(&c.remote_networks));
    let _ = writeln!(
        o,
        "Mode:  {}",
        match c.mode {
            Mode::Route =>
                "route-based (one tunnel interface per tunnel, routes choose the tunnel)",
            Mode::Policy => "policy-based (traffic selectors are the networks above)",
        }
    );
    for t in &c.tunnels {
        tunnel(&mut o, c, t);
    }
    vec![GenFile {
        name: "peer.txt",
        text: o,
    }]
}

fn tunnel(o: &mut String, c: &PeerConnection, t: &PeerTunnel) {
    let us = &c.our_name;
    let opt = &t.options;
    let list = |v: Vec<&str>| v.join(", ");
    let _ = writeln!(o, "\n================ Tunnel {} ================", t.name);
    let _ = writeln!(o, "\n#1 Internet Key Exchange (phase 1)");
    let versions: Vec<&str> = opt
        .ike_versions
        .iter()
        .map(|v| match v {
            IkeVersion::Ikev1 => "IKEv1 (main mode)",
            IkeVersion::Ikev2 => "IKEv2",
        })
        .collect();
    row(o, "IKE version", &list(versions));
    if opt.aggressive {
        row(o, "IKEv1 aggressive mode", "allowed");
    }
    row(o, "Your outside address", &t.local.to_string());
    row(o, &format!("{us}'s outside address"), &t.remote.to_string());
    row(o, "Your IKE identity", &id(&t.local_id));
    row(o, &format!("{us}'s IKE identity"), &id(&t.remote_id));
    row(o, "Authentication", "pre-shared key");
    row(
        o,
        "Pre-shared key",
        &String::from_utf8_lossy(t.psk.expose()),
    );
    row(
        o,
        "Encryption",
        &list(opt.phase1.encryption.iter().map(|e| e.as_str()).collect()),
    );
    row(
        o,
        "Integrity / PRF",
        &list(opt.phase1.integrity.iter().map(|i| i.as_str()).collect()),
    );
    row(o, "DH groups", &groups(&opt.phase1.dh_groups));
    row(o, "Lifetime", &format!("{} s", opt.phase1.lifetime.get()));
    row(
        o,
        "Dead peer detection",
        &format!(
            "on; {us} declares the peer dead after {} s and then does `{}`",
            opt.dpd_timeout.get(),
            opt.dpd_action
        ),
    );
    row(
        o,
        "Who initiates",
        if t.peer_initiates {
            "your gateway (xfrmd waits for it)"
        } else {
            "either side (xfrmd initiates)"
        },
    );
    let _ = writeln!(o, "\n#2 IPsec (phase 2): ESP in tunnel mode");
    row(
        o,
        "Encryption",
        &list(opt.phase2.encryption.iter().map(|e| e.as_str()).collect()),
    );
    row(
        o,
        "Integrity",
        &format!(
            "{} (none with GCM)",
            list(opt.phase2.integrity.iter().map(|i| i.as_str()).collect())
        ),
    );
    row(
        o,
        "PFS DH groups",
        &if opt.phase2.dh_groups.is_empty() {
            "none".to_owned()
        } else {
            groups(&opt.phase2.dh_groups)
        },
    );
    row(o, "Lifetime", &format!("{} s", opt.phase2.lifetime.get()));
    row(o, "Extended sequence numbers", "no");
    row(
        o,
        "Replay window",
        &format!("{} packets", opt.replay_window.get()),
    );
    let (l, r) = if c.mode == Mode::Route {
        (&t.local_ts, &t.remote_ts)
    } else {
        (&c.local_networks, &c.remote_networks)
    };
    row(o, "Traffic selectors (yours)", &nets(l));
    row(o, &format!("Traffic selectors ({us}'s)"), &nets(r));
    if c.mode == Mode::Route {
        let _ = writeln!(o, "\n#3 Tunnel interface");
        row(o, "Inside CIDR", &t.inside.to_string());
        row(
            o,
            "Your inside address",
            &format!("{}/{}", t.inside_local, t.inside_prefix()),
        );
        row(
            o,
            &format!("{us}'s inside address"),
            &t.inside_remote.to_string(),
        );
        if let Some(m) = opt.mtu {
            row(o, "MTU", &m.get().to_string());
        }
        row(
            o,
            if t.is_vti() {
                "VTI key (ikey/okey)"
            } else {
                "xfrm if_id"
            },
            &t.if_id.to_string(),
        );
        let _ = writeln!(o, "\n#4 Routing");
        for n in &c.remote_networks {
            let _ = writeln!(
                o,
                "  Route {n} through this tunnel with metric {} (lower is preferred; {us} uses the same order).",
                opt.priority.get()
            );
        }
        let _ = writeln!(
            o,
            "\n  On a Linux gateway (route-based, SAs bound to the interface):"
        );
        for l in shell::device_commands(t, false)
            .iter()
            .chain(shell::route_commands(c, t, false).iter())
        {
            let _ = writeln!(o, "    {l}");
        }
    }
}

fn row(o: &mut String, label: &str, value: &str) {
    let _ = writeln!(o, "  - {:<28} {value}", format!("{label}:"));
}

fn id(s: &str) -> String {
    let kind = match id_kind(s) {
        IdKind::Ip => "IP address",
        IdKind::Rfc822 => "e-mail address (RFC 822)",
        IdKind::Fqdn => "FQDN",
    };
    format!("{s} ({kind})")
}

fn groups(g: &[u16]) -> String {
    g.iter()
        .map(|g| g.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn nets(n: &[ipnet::IpNet]) -> String {
    n.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
