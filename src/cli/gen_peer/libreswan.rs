//! libreswan output: `ipsec.conf` conns (one per tunnel, `ipsec-interface=N` for route-based
//! tunnels, `leftupdown=""` because the routes are ours), `ipsec.secrets` with the PSKs, and
//! for route-based connections a `tunnels.sh` creating `ipsecN` with its inside address and
//! routes. Formatting only; it prints the keys it is given and logs nothing.

use std::fmt::Write as _;

use policy::{DpdAction, Mode};

use super::algos::{lsw_dh, lsw_esp, lsw_ike};
use super::model::{id_kind, GenError, IdKind, PeerConnection, PeerTunnel};
use super::{shell, GenFile};

/// The files for a libreswan peer, or why the tunnel's options cannot be expressed.
pub fn render(c: &PeerConnection, header: &str) -> Result<Vec<GenFile>, GenError> {
    let mut conf = String::from(header);
    let _ = writeln!(
        conf,
        "# libreswan side of connection {} on {}: `include` this file from /etc/ipsec.conf\n\
         # (or copy it to /etc/ipsec.d/); the keys are in ipsec.secrets.",
        c.our_name, c.our_name
    );
    if c.mode == Mode::Route {
        conf.push_str(
            "# Route-based: run tunnels.sh first (ipsecN devices, inside addresses, routes).\n",
        );
    }
    if c.tunnels.iter().any(PeerTunnel::ikev1_only) {
        // Debian's libreswan 4.10 drops IKEv1 by default, and pluto reads the policy only
        // from the `config setup` of the file it was started with (not from an include).
        conf.push_str(
            "# IKEv1: libreswan 4 (Debian) refuses IKEv1 unless the `config setup` section of\n\
             # the ipsec.conf pluto starts with (not an included file) has:\n\
             #     ikev1-policy=accept\n",
        );
    }
    conf.push_str(&c.ambiguity_note());
    for t in &c.tunnels {
        conn(&mut conf, c, t)?;
    }
    let mut secrets = String::from(header);
    for t in &c.tunnels {
        let _ = writeln!(
            secrets,
            "# tunnel {}\n{} {} : PSK \"{}\"",
            t.name,
            lsw_id(&t.local_id),
            lsw_id(&t.remote_id),
            String::from_utf8_lossy(t.psk.expose())
        );
    }
    let mut files = vec![
        GenFile {
            name: "ipsec.conf",
            text: conf,
        },
        GenFile {
            name: "ipsec.secrets",
            text: secrets,
        },
    ];
    if c.mode == Mode::Route {
        files.push(GenFile {
            name: "tunnels.sh",
            text: shell::script(c, true, header),
        });
    }
    Ok(files)
}

/// libreswan spells an FQDN identity `@name` (without `@` it would resolve it in DNS).
fn lsw_id(id: &str) -> String {
    match id_kind(id) {
        IdKind::Fqdn => format!("@{id}"),
        IdKind::Ip | IdKind::Rfc822 => id.to_owned(),
    }
}

fn conn(o: &mut String, c: &PeerConnection, t: &PeerTunnel) -> Result<(), GenError> {
    let opt = &t.options;
    let name = format!("{}-{}", c.our_name, t.name);
    let v1 = t.ikev1_only();
    let (mut p1, mut p2) = (opt.phase1.clone(), opt.phase2.clone());
    if v1 {
        // IKEv1 quick mode carries one PFS group (xfrmd offers its first phase 2 group,
        // config_map), and aggressive mode sends KE in its first message (RFC 2409 5), so
        // it cannot offer a choice of groups: the first group libreswan implements, each.
        first_group(&mut p2.dh_groups);
        if opt.aggressive {
            first_group(&mut p1.dh_groups);
        }
    }
    let (ike, ike_dropped) = lsw_ike(&p1);
    let (esp, esp_dropped) = lsw_esp(&p2);
    let no_group = |phase: &str| {
        GenError::Unsupported(format!(
            "{}/{}: none of the {phase} DH groups is implemented by libreswan (it has 14-21)",
            c.peer_name, t.name
        ))
    };
    if ike.ends_with('-') || ike.contains("-,") {
        return Err(no_group("phase 1"));
    }
    if esp.ends_with('-') || esp.contains("-,") {
        return Err(no_group("phase 2"));
    }
    if c.mode == Mode::Route && t.is_vti() {
        return Err(GenError::Unsupported(format!(
            "{}/{}: a VTI tunnel: libreswan's route-based mode uses xfrm interfaces (interface: xfrm)",
            c.peer_name, t.name
        )));
    }
    let _ = writeln!(o, "\nconn {name}");
    for (what, dropped) in [("phase 1", &ike_dropped), ("phase 2", &esp_dropped)] {
        if !dropped.is_empty() {
            let list: Vec<String> = dropped.iter().map(|g| g.to_string()).collect();
            let _ = writeln!(
                o,
                "    # {what} DH group(s) {} left out: libreswan does not implement them",
                list.join(", ")
            );
        }
    }
    // IKEv2 whenever this side allows it (it is what xfrmd initiates); IKEv1 only otherwise.
    let _ = writeln!(o, "    ikev2={}", if v1 { "no" } else { "insist" });
    if opt.aggressive && v1 {
        let _ = writeln!(o, "    aggressive=yes");
    }
    let _ = writeln!(o, "    authby=secret");
    let _ = writeln!(o, "    left={}", t.local);
    let _ = writeln!(o, "    leftid={}", lsw_id(&t.local_id));
    let _ = writeln!(o, "    right={}", t.remote);
    let _ = writeln!(o, "    rightid={}", lsw_id(&t.remote_id));
    let (l, r) = if c.mode == Mode::Route {
        (&t.local_ts, &t.remote_ts)
    } else {
        (&c.local_networks, &c.remote_networks)
    };
    subnets(o, "left", l);
    subnets(o, "right", r);
    let _ = writeln!(o, "    ike={ike}");
    let _ = writeln!(o, "    esp={esp}");
    let _ = writeln!(
        o,
        "    pfs={}",
        if opt.phase2.dh_groups.is_empty() {
            "no"
        } else {
            "yes"
        }
    );
    let _ = writeln!(o, "    esn=no");
    let _ = writeln!(o, "    ikelifetime={}s", opt.phase1.lifetime.get());
    let _ = writeln!(o, "    salifetime={}s", opt.phase2.lifetime.get());
    let _ = writeln!(o, "    rekeymargin={}s", opt.rekey_margin.get());
    let _ = writeln!(o, "    rekeyfuzz={}%", opt.rekey_fuzz.get());
    let _ = writeln!(o, "    replay-window={}", opt.replay_window.get());
    let _ = writeln!(o, "    dpddelay=10");
    let _ = writeln!(o, "    dpdtimeout={}", opt.dpd_timeout.get());
    let _ = writeln!(
        o,
        "    dpdaction={}",
        match opt.dpd_action {
            DpdAction::Clear => "clear",
            DpdAction::None => "hold",
            DpdAction::Restart => "restart",
        }
    );
    if c.mode == Mode::Route {
        let _ = writeln!(o, "    ipsec-interface={}", t.if_id);
        // The routes are tunnels.sh's; _updown would add its own for 0.0.0.0/0.
        let _ = writeln!(o, "    leftupdown=\"\"");
    }
    let _ = writeln!(
        o,
        "    auto={}",
        if t.peer_initiates { "start" } else { "add" }
    );
    Ok(())
}

/// Keeps the first group libreswan implements (all of them when it implements none, so the
/// caller still reports that).
fn first_group(groups: &mut Vec<u16>) {
    if let Some(g) = groups.iter().copied().find(|g| lsw_dh(*g).is_some()) {
        *groups = vec![g];
    }
}

fn subnets(o: &mut String, side: &str, nets: &[ipnet::IpNet]) {
    match nets {
        [one] => {
            let _ = writeln!(o, "    {side}subnet={one}");
        }
        many => {
            let list: Vec<String> = many.iter().map(|n| n.to_string()).collect();
            let _ = writeln!(o, "    {side}subnets={{{}}}", list.join(" "));
        }
    }
}
