//! The Linux side of a route-based peer as `ip` commands: one xfrm interface (or VTI) per
//! tunnel with the peer's inside address, and routes to our networks through it (metric =
//! the tunnel priority, so both ends prefer the same tunnel). Used by the strongSwan and
//! libreswan outputs (`tunnels.sh`) and quoted in the generic sheet. Text only: it runs
//! nothing and never contains a key.

use std::fmt::Write as _;

use super::model::{PeerConnection, PeerTunnel};

/// The device name the peer uses for `t`: libreswan names it after its if_id (`ipsecN`,
/// created or adopted by `ipsec-interface=N`); otherwise `xfrm-<our site>-<tunnel>`.
pub fn device(t: &PeerTunnel, libreswan: bool) -> String {
    if libreswan {
        format!("ipsec{}", t.if_id)
    } else {
        t.interface.clone()
    }
}

/// Commands creating tunnel `t`'s device with its inside address.
pub fn device_commands(t: &PeerTunnel, libreswan: bool) -> Vec<String> {
    let dev = device(t, libreswan);
    let mut out = Vec::new();
    if t.is_vti() && !libreswan {
        out.push(format!(
            "ip link add {dev} type vti local {} remote {} ikey {} okey {}",
            t.local, t.remote, t.if_id, t.if_id
        ));
    } else {
        out.push(format!("ip link add {dev} type xfrm if_id {}", t.if_id));
    }
    if let Some(m) = t.options.mtu {
        out.push(format!("ip link set {dev} mtu {}", m.get()));
    }
    out.push(format!("ip link set {dev} up"));
    out.push(format!(
        "ip addr add {}/{} dev {dev}",
        t.inside_local,
        t.inside_prefix()
    ));
    out
}

/// Routes to our networks through tunnel `t`.
pub fn route_commands(c: &PeerConnection, t: &PeerTunnel, libreswan: bool) -> Vec<String> {
    let dev = device(t, libreswan);
    c.remote_networks
        .iter()
        .map(|n| {
            format!(
                "ip route replace {n} dev {dev} metric {}",
                t.options.priority.get()
            )
        })
        .collect()
}

/// The whole `tunnels.sh` for a route-based connection.
pub fn script(c: &PeerConnection, libreswan: bool, header: &str) -> String {
    let mut o = String::from("#!/bin/sh\n");
    // This file holds no key: drop the header's warning about them.
    for l in header.lines().filter(|l| !l.contains("pre-shared keys")) {
        let _ = writeln!(o, "{l}");
    }
    let _ = writeln!(
        o,
        "# Run once as root before starting the IKE daemon: tunnel devices, inside addresses and\n\
         # routes to the networks behind {} (lower metric = preferred tunnel, as on {}).\nset -e",
        c.our_name, c.our_name
    );
    for t in &c.tunnels {
        let _ = writeln!(o, "# tunnel {}", t.name);
        for l in device_commands(t, libreswan)
            .iter()
            .chain(route_commands(c, t, libreswan).iter())
        {
            let _ = writeln!(o, "{l}");
        }
    }
    o
}
