//! strongSwan output: a `swanctl.conf` with one connection (and child) per tunnel plus the
//! PSK secrets, and for route-based connections a `tunnels.sh` creating the xfrm interfaces
//! (`if_id_in` / `if_id_out`) or VTIs (`mark_in` / `mark_out`) and routes. Formatting only:
//! it prints the keys it is given (that is the point of the download) and logs nothing.

use std::fmt::Write as _;

use policy::{DpdAction, IkeVersion, Mode};

use super::algos::{swan_esp, swan_ike};
use super::model::{PeerConnection, PeerTunnel};
use super::{shell, GenFile};

/// The files for a strongSwan peer.
pub fn render(c: &PeerConnection, header: &str) -> Vec<GenFile> {
    let mut conf = String::from(header);
    let _ = writeln!(
        conf,
        "# strongSwan (swanctl) side of connection {} on {}: load with `swanctl --load-all`\n\
         # (or `include` this file from /etc/swanctl/swanctl.conf).",
        c.our_name, c.our_name
    );
    if c.mode == Mode::Route {
        conf.push_str(
            "# Route-based: run tunnels.sh first (tunnel devices, inside addresses, routes);\n\
             # set charon.install_routes = no in strongswan.conf so charon adds no routes of its own.\n",
        );
    }
    conf.push_str(&c.ambiguity_note());
    conf.push_str("connections {\n");
    for t in &c.tunnels {
        connection(&mut conf, c, t);
    }
    conf.push_str("}\nsecrets {\n");
    for t in &c.tunnels {
        let _ = writeln!(
            conf,
            "    ike-{}-{} {{\n        id-local = {}\n        id-remote = {}\n        secret = \"{}\"\n    }}",
            c.our_name,
            t.name,
            t.local_id,
            t.remote_id,
            String::from_utf8_lossy(t.psk.expose())
        );
    }
    conf.push_str("}\n");
    let mut files = vec![GenFile {
        name: "swanctl.conf",
        text: conf,
    }];
    if c.mode == Mode::Route {
        files.push(GenFile {
            name: "tunnels.sh",
            text: shell::script(c, false, header),
        });
    }
    files
}

fn connection(o: &mut String, c: &PeerConnection, t: &PeerTunnel) {
    let opt = &t.options;
    let version = match (
        opt.ike_versions.contains(&IkeVersion::Ikev1),
        opt.ike_versions.contains(&IkeVersion::Ikev2),
    ) {
        (true, false) => 1,
        (false, true) => 2,
        _ => 0,
    };
    let margin = opt.rekey_margin.get();
    let p1 = opt.phase1.lifetime.get();
    let p2 = opt.phase2.lifetime.get();
    let name = format!("{}-{}", c.our_name, t.name);
    let _ = writeln!(o, "    {name} {{");
    let _ = writeln!(o, "        version = {version}");
    let _ = writeln!(o, "        local_addrs = {}", t.local);
    let _ = writeln!(o, "        remote_addrs = {}", t.remote);
    let _ = writeln!(o, "        proposals = {}", swan_ike(&opt.phase1));
    if opt.aggressive && version == 1 {
        // charon answers aggressive mode with a PSK only when strongswan.conf opts in.
        o.push_str(
            "        # aggressive mode with a PSK: as responder charon also needs\n\
             \x20       #   charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes\n\
             \x20       # in strongswan.conf (the PSK hash is exposed to offline guessing)\n\
             \x20       aggressive = yes\n",
        );
    }
    // Several tunnels join the same two sites: MOBIKE would move one onto another's path and
    // INITIAL_CONTACT from one tunnel must not tear down its siblings with the same IDs.
    let _ = writeln!(o, "        mobike = no\n        unique = never");
    let _ = writeln!(o, "        rekey_time = {}s", p1.saturating_sub(margin));
    let _ = writeln!(o, "        over_time = {margin}s");
    let _ = writeln!(o, "        dpd_delay = 10s");
    if opt.dpd_action == DpdAction::Restart {
        let _ = writeln!(o, "        keyingtries = 0");
    }
    if c.mode == Mode::Route {
        if t.is_vti() {
            // VTI keys are matched as marks on the SAs and policies.
            let _ = writeln!(o, "        # VTI {}: ikey/okey {}", t.interface, t.if_id);
        } else {
            let _ = writeln!(
                o,
                "        if_id_in = {}\n        if_id_out = {}",
                t.if_id, t.if_id
            );
        }
    }
    let _ = writeln!(
        o,
        "        local {{\n            auth = psk\n            id = {}\n        }}",
        t.local_id
    );
    let _ = writeln!(
        o,
        "        remote {{\n            auth = psk\n            id = {}\n        }}",
        t.remote_id
    );
    let (local_ts, remote_ts) = if c.mode == Mode::Route {
        (join(&t.local_ts), join(&t.remote_ts))
    } else {
        (join(&c.local_networks), join(&c.remote_networks))
    };
    let _ = writeln!(o, "        children {{\n            {name} {{");
    let _ = writeln!(o, "                local_ts = {local_ts}");
    let _ = writeln!(o, "                remote_ts = {remote_ts}");
    let _ = writeln!(
        o,
        "                esp_proposals = {}",
        swan_esp(&opt.phase2)
    );
    let _ = writeln!(o, "                mode = tunnel");
    let _ = writeln!(o, "                life_time = {p2}s");
    let _ = writeln!(
        o,
        "                rekey_time = {}s",
        p2.saturating_sub(margin)
    );
    let _ = writeln!(
        o,
        "                rand_time = {}s",
        u64::from(margin) * u64::from(opt.rekey_fuzz.get()) / 100
    );
    let _ = writeln!(
        o,
        "                replay_window = {}",
        opt.replay_window.get()
    );
    if c.mode == Mode::Route && t.is_vti() {
        let _ = writeln!(
            o,
            "                mark_in = {}\n                mark_out = {}",
            t.if_id, t.if_id
        );
    }
    let _ = writeln!(
        o,
        "                dpd_action = {}",
        match opt.dpd_action {
            DpdAction::Clear => "clear",
            DpdAction::None => "none",
            DpdAction::Restart => "restart",
        }
    );
    let _ = writeln!(
        o,
        "                start_action = {}",
        if t.peer_initiates { "start" } else { "none" }
    );
    let _ = writeln!(o, "            }}\n        }}\n    }}");
}

fn join(nets: &[ipnet::IpNet]) -> String {
    nets.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
