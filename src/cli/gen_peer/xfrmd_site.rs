//! The xfrmd output: the peer's own site file, the mirror of ours for one connection: site
//! name = our connection name, networks swapped, and per tunnel outside addresses,
//! identities, traffic selectors and `inside_side` swapped, every option explicit (from
//! `policy::effective::to_raw`, so both ends read the same values), and the PSK inline. It
//! passes `xfrmd check`. Formatting only; no I/O.

use std::collections::BTreeMap;

use policy::raw::{RawAuth, RawConnection, RawFile, RawSiteInfo, RawTunnel, RawTunnelBase};
use policy::{InsideSide, Site, StartupAction};

use super::model::{GenError, PeerConnection};
use super::GenFile;

/// A psk_file value that cannot occur in a real file and is replaced by the inline key.
fn placeholder(i: usize) -> String {
    format!("GENPEERPSKPLACEHOLDER{i}X")
}

/// The peer's site YAML.
pub fn render(site: &Site, c: &PeerConnection, header: &str) -> Result<GenFile, GenError> {
    let ours = policy::effective::to_raw(site);
    let rc = ours
        .connections
        .get(&c.peer_name)
        .ok_or_else(|| GenError::NoConnection(c.peer_name.clone(), String::new()))?;
    let mut tunnels = Vec::new();
    for (i, t) in c.tunnels.iter().enumerate() {
        let Some(rt) = rc.tunnels.iter().find(|r| r.name == t.name) else {
            continue;
        };
        let mut opts = rt.options();
        std::mem::swap(&mut opts.local_ts, &mut opts.remote_ts);
        // `startup: start` is IKEv2 only (REQUIREMENTS §5 rule 2): an IKEv1-only xfrmd peer
        // waits too, and the first packet's ACQUIRE starts main mode on either end.
        opts.startup = Some(if t.peer_initiates && !t.ikev1_only() {
            StartupAction::Start
        } else {
            StartupAction::Add
        });
        let side = if t.inside_local
            == policy::InsideCidr::new(t.inside)
                .map(|n| n.first())
                .unwrap_or(t.inside_local)
        {
            InsideSide::First
        } else {
            InsideSide::Second
        };
        let base = RawTunnelBase {
            name: t.name.clone(),
            local: t.local,
            remote: t.remote,
            inside: t.inside,
            inside_side: Some(side),
            auth: RawAuth {
                psk_file: Some(placeholder(i)),
                ..RawAuth::default()
            },
            local_id: Some(t.local_id.clone()),
            remote_id: Some(t.remote_id.clone()),
        };
        tunnels.push(RawTunnel::from_parts(base, opts));
    }
    let mut connections = BTreeMap::new();
    connections.insert(
        c.our_name.clone(),
        RawConnection {
            remote_networks: c.remote_networks.clone(),
            mode: Some(c.mode),
            tunnels,
        },
    );
    let raw = RawFile {
        site: RawSiteInfo {
            name: c.peer_name.clone(),
            networks: c.local_networks.clone(),
            transit: Some(false),
            if_id_base: Some(site.if_id_base),
            metrics_listen: None,
            activity_log: None,
        },
        defaults: None,
        connections,
    };
    let yaml = serde_saphyr::to_string(&raw)
        .map_err(|e| GenError::Unsupported(format!("cannot render the site file: {e}")))?;
    let mut text = String::from(header);
    text.push_str(&format!(
        "# xfrmd site file for {peer}: the other end of connection \"{peer}\" of site \"{us}\".\n\
         # Check it with `xfrmd check`, run it with `xfrmd run --config FILE`.\n",
        peer = c.peer_name,
        us = c.our_name
    ));
    let mut body = yaml;
    for (i, t) in c.tunnels.iter().enumerate() {
        // The key alphabet ([A-Za-z0-9._]) needs no escaping; quoting keeps "12345678" a string.
        body = body.replace(
            &format!("psk_file: {}", placeholder(i)),
            &format!("psk: \"{}\"", String::from_utf8_lossy(t.psk.expose())),
        );
    }
    if body.contains("GENPEERPSKPLACEHOLDER") {
        return Err(GenError::Unsupported(
            "cannot place the pre-shared keys in the site file".into(),
        ));
    }
    text.push_str(&body);
    Ok(GenFile {
        name: "site.yaml",
        text,
    })
}
